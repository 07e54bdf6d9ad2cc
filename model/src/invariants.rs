//! Invariants that hold after every step (listed in `docs/clauses.md`).
//!
//! [`InvariantChecker`] keeps what a run has seen (ids handed out) so that freshness can be
//! checked across steps. Property tests and the fuzz target drive it after every call.

use std::collections::HashSet;

use crate::call::Reply;
use crate::canister::{chunk_store_size_bytes, SnapshotSource, HISTORY_CHANGES_MAX};
use crate::config::Config;
use crate::ids::SnapshotId;
use crate::state::State;
use crate::step::{Outcome, Transition};

/// A broken invariant: its id and what was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvariantViolation {
    /// The invariant's id, e.g. `INV.LIMIT`.
    pub id: &'static str,
    /// What was seen.
    pub detail: String,
}

impl std::fmt::Display for InvariantViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.id, self.detail)
    }
}

fn fail(id: &'static str, detail: String) -> Result<(), InvariantViolation> {
    Err(InvariantViolation { id, detail })
}

/// Checks invariants step by step over one run.
#[derive(Default, Debug, Clone)]
pub struct InvariantChecker {
    seen_ids: HashSet<SnapshotId>,
}

impl InvariantChecker {
    /// A checker for a fresh run.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks one step from `before` to `transition.state`.
    pub fn observe(
        &mut self,
        config: &Config,
        before: &State,
        transition: &Transition,
    ) -> Result<(), InvariantViolation> {
        let after = &transition.state;
        if let Outcome::Reject(rejection) = &transition.outcome {
            if !after.is_same(before) && after != before {
                return fail(
                    "INV.FAILURE_UNCHANGED",
                    format!("rejected with {} but the state changed", rejection.error.code),
                );
            }
        }
        self.check_fresh_id(&transition.outcome)?;
        check_state(config, after)?;
        check_monotone(before, after)
    }

    fn check_fresh_id(&mut self, outcome: &Outcome) -> Result<(), InvariantViolation> {
        let id = match outcome {
            Outcome::Reply(Reply::Snapshot(info)) => info.id,
            Outcome::Reply(Reply::SnapshotId(id)) => *id,
            _ => return Ok(()),
        };
        if !self.seen_ids.insert(id) {
            return fail("INV.ID.FRESH", format!("take returned {id}, which was handed out before"));
        }
        Ok(())
    }
}

/// Invariants of a single state.
pub fn check_state(config: &Config, state: &State) -> Result<(), InvariantViolation> {
    let mut ids = HashSet::new();
    for (canister_id, canister) in &state.canisters {
        if canister.snapshots.len() as u64 > config.snapshots_per_canister_max {
            return fail("INV.LIMIT", format!("{canister_id} holds {} snapshots", canister.snapshots.len()));
        }
        let mut size_sum = 0;
        for (id, snapshot) in &canister.snapshots {
            if *id != snapshot.id || id.owner != *canister_id || id.local >= canister.next_snapshot_id {
                return fail(
                    "INV.ID.OWNER",
                    format!("{id} held by {canister_id} (next local id {})", canister.next_snapshot_id),
                );
            }
            if !ids.insert(*id) {
                return fail("INV.ID.UNIQUE", format!("{id} appears twice"));
            }
            let expected = snapshot.execution.size_bytes()
                + chunk_store_size_bytes(&snapshot.chunk_store)
                + snapshot.certified_data.len() as u64;
            if snapshot.source == SnapshotSource::TakenFromCanister && snapshot.size_bytes != expected {
                return fail(
                    "INV.SNAPSHOTS_SIZE",
                    format!("{id} has size {} but TAKE.SIZE gives {expected}", snapshot.size_bytes),
                );
            }
            size_sum += snapshot.size_bytes;
        }
        if size_sum != canister.snapshots_size_bytes {
            return fail(
                "INV.SNAPSHOTS_SIZE",
                format!("{canister_id}: snapshots_size {} ≠ sum {size_sum}", canister.snapshots_size_bytes),
            );
        }
        check_history(canister_id, &canister.history)?;
    }
    let used = state.subnet_memory_used_bytes();
    if used > config.resources.subnet_memory_capacity_bytes {
        return fail(
            "INV.SUBNET_MEMORY",
            format!("{used} bytes used of {}", config.resources.subnet_memory_capacity_bytes),
        );
    }
    Ok(())
}

fn check_history(id: &crate::ids::CanisterId, history: &crate::canister::History) -> Result<(), InvariantViolation> {
    let recent = history.recent.len();
    let versions_sorted =
        history.recent.iter().zip(history.recent.iter().skip(1)).all(|(a, b)| a.canister_version <= b.canister_version);
    if recent > HISTORY_CHANGES_MAX || history.total_num_changes < recent as u64 || !versions_sorted {
        return fail(
            "INV.HISTORY",
            format!("{id}: {recent} recent of {} total, sorted: {versions_sorted}", history.total_num_changes),
        );
    }
    Ok(())
}

fn check_monotone(before: &State, after: &State) -> Result<(), InvariantViolation> {
    if after.time_ns < before.time_ns {
        return fail("INV.TIME_MONOTONE", format!("{} → {}", before.time_ns, after.time_ns));
    }
    for (id, old) in &before.canisters {
        let Some(new) = after.canisters.get(id) else { continue };
        if new.version < old.version {
            return fail("INV.VERSION_MONOTONE", format!("{id}: {} → {}", old.version, new.version));
        }
        if new.next_snapshot_id < old.next_snapshot_id {
            return fail(
                "INV.ID.OWNER",
                format!("{id}: next_snapshot_id {} → {}", old.next_snapshot_id, new.next_snapshot_id),
            );
        }
    }
    Ok(())
}
