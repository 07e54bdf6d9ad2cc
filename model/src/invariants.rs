//! Invariants that hold after every step (listed in `docs/clauses.md`).
//!
//! [`InvariantChecker`] keeps what a run has seen (ids handed out) so that freshness can be
//! checked across steps. Property tests and the fuzz target drive it after every call.
//!
//! Checks are incremental: a canister whose `Arc` the step did not replace is the very value
//! already checked, so after a first full check only the canisters a step rewrote are
//! re-checked (plus the subnet-wide sums). [`check_state`] checks everything from scratch.

use std::sync::Arc;

use crate::call::Reply;
use crate::canister::{chunk_store_size_bytes, Canister, SnapshotSource, HISTORY_CHANGES_MAX};
use crate::config::Config;
use crate::ids::{CanisterId, SnapshotId};
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
    /// Fx rather than SipHash: the ids are the model's own, and a take checks one per step.
    seen_ids: rustc_hash::FxHashSet<SnapshotId>,
    /// The last state found to satisfy every invariant (O(1) clone; shares structure).
    verified: Option<State>,
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
        match &self.verified {
            Some(verified) if verified.is_same(before) => check_transition(config, before, after)?,
            _ => check_state(config, after)?,
        }
        check_monotone(before, after)?;
        self.verified = Some(after.clone());
        Ok(())
    }

    /// [`observe`](Self::observe) for a step from a state already known to satisfy every
    /// invariant (e.g. one an explorer reached and checked before): checks only what the step
    /// rewrote, as `observe` does after a first full check.
    pub fn observe_from_verified(
        &mut self,
        config: &Config,
        before: &State,
        transition: &Transition,
    ) -> Result<(), InvariantViolation> {
        self.verified = Some(before.clone());
        self.observe(config, before, transition)
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

/// Invariants of a single state, checked from scratch.
pub fn check_state(config: &Config, state: &State) -> Result<(), InvariantViolation> {
    for (canister_id, canister) in &state.canisters {
        check_canister(config, canister_id, canister)?;
    }
    check_subnet(config, state)
}

/// Invariants of `after`, given that `before` satisfies them: only the canisters the step
/// rewrote (a different `Arc`) are checked again, then the subnet-wide sums.
pub fn check_transition(config: &Config, before: &State, after: &State) -> Result<(), InvariantViolation> {
    if after.is_same(before) {
        return Ok(());
    }
    for (canister_id, canister) in &after.canisters {
        let unchanged = before.canisters.get(canister_id).is_some_and(|old| Arc::ptr_eq(old, canister));
        if !unchanged {
            check_canister(config, canister_id, canister)?;
        }
    }
    check_subnet(config, after)
}

/// Per canister: the limit, id ownership and freshness, sizes, history. Ids are unique across
/// the subnet because each embeds its owner (checked here) and a map key is unique.
fn check_canister(config: &Config, canister_id: &CanisterId, canister: &Canister) -> Result<(), InvariantViolation> {
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
    check_history(canister_id, &canister.history)
}

fn check_subnet(config: &Config, state: &State) -> Result<(), InvariantViolation> {
    let used = state.subnet_memory_used_bytes();
    if used > config.resources.subnet_memory_capacity_bytes {
        return fail(
            "INV.SUBNET_MEMORY",
            format!("{used} bytes used of {}", config.resources.subnet_memory_capacity_bytes),
        );
    }
    Ok(())
}

fn check_history(id: &CanisterId, history: &crate::canister::History) -> Result<(), InvariantViolation> {
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
    if after.canisters.ptr_eq(&before.canisters) {
        return Ok(());
    }
    for (id, old) in &before.canisters {
        let Some(new) = after.canisters.get(id) else { continue };
        if Arc::ptr_eq(old, new) {
            continue;
        }
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
