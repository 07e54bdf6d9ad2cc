//! `take_canister_snapshot` (spec §4.1, replica §4) and the proposal's `take_snapshot`.

use std::sync::Arc;

use crate::call::{Reply, SnapshotInfo, TakeArgs};
use crate::canister::{chunk_store_size_bytes, Canister, Snapshot, SnapshotSource, LABEL_BYTES_MAX};
use crate::clause::Clause;
use crate::config::{CheckOrder, Replacement};
use crate::error::{ErrorCode, UserError};
use crate::ids::{CanisterId, SnapshotId};
use crate::methods::errors;
use crate::methods::lifecycle::{history_origin, uninstall_in_place};
use crate::methods::resources::{self, ResourceClauses};
use crate::state::State;
use crate::step::Cx;

/// A take in either API form.
pub struct TakeRequest {
    /// The canister.
    pub canister_id: CanisterId,
    /// `replace_snapshot` bytes.
    pub replace_snapshot: Option<Vec<u8>>,
    /// `uninstall_code`.
    pub uninstall_code: bool,
    /// `sender_canister_version`.
    pub sender_canister_version: Option<u64>,
    /// Proposal label.
    pub label: Option<String>,
    /// Whether the reply is the proposal's bare id.
    pub reply_id_only: bool,
}

impl TakeRequest {
    /// From `take_canister_snapshot_args`.
    pub fn from_args(args: &TakeArgs) -> Self {
        TakeRequest {
            canister_id: args.canister_id,
            replace_snapshot: args.replace_snapshot.as_ref().map(|id| id.0.clone()),
            uninstall_code: args.uninstall_code.unwrap_or(false),
            sender_canister_version: args.sender_canister_version,
            label: None,
            reply_id_only: false,
        }
    }

    /// From the proposal's `take_snapshot(canister_id, label)`.
    pub fn from_proposal(canister_id: CanisterId, label: &Option<String>) -> Self {
        TakeRequest {
            canister_id,
            replace_snapshot: None,
            uninstall_code: false,
            sender_canister_version: None,
            label: label.clone(),
            reply_id_only: true,
        }
    }
}

/// Runs a take.
pub fn take(cx: &mut Cx, request: &TakeRequest) -> Option<(State, Reply)> {
    let replace_id = request.replace_snapshot.as_deref().map(|bytes| cx.require_snapshot_id(bytes));
    check_label(cx, request.label.as_deref());
    let canister = cx.require_canister(Clause::TakeExists, request.canister_id)?;
    cx.require_controller(Clause::TakeCtrl, canister);
    if cx.config.check_order == CheckOrder::Spec {
        check_nonempty(cx, canister);
    }
    // An id that does not decode stops only the checks that read it (the limit and resource
    // checks depend on what is replaced): the spec orders none of them, so spec mode must see
    // a violated controller or empty-canister check beside it.
    let replace_id = match replace_id {
        Some(None) => {
            if cx.config.check_order == CheckOrder::Replica {
                check_nonempty(cx, canister);
            }
            return None;
        }
        decoded => decoded.flatten(),
    };
    let replaced = check_replace_or_limit(cx, canister, replace_id);
    let uninstall = uninstall_requested(cx, request.uninstall_code);
    let size_bytes = canister.snapshot_size_bytes();
    check_resources(cx, canister, size_bytes, replaced.as_deref(), uninstall);
    if cx.config.check_order == CheckOrder::Replica {
        check_nonempty(cx, canister);
    }
    cx.ok()?;
    Some(apply(cx, canister, request, replaced, uninstall, size_bytes))
}

fn check_label(cx: &mut Cx, label: Option<&str>) {
    let Some(label) = label else { return };
    let len = label.len();
    cx.check(Clause::ArgsLabel, len <= LABEL_BYTES_MAX, || {
        UserError::exact(
            ErrorCode::InvalidManagementPayload,
            crate::lazy_format!("Snapshot label has {len} bytes; at most {LABEL_BYTES_MAX} are allowed."),
        )
    });
}

fn check_nonempty(cx: &mut Cx, canister: &Canister) {
    cx.check(Clause::TakeNonEmpty, canister.execution.is_some(), || errors::empty_canister(canister.id));
}

/// The snapshot the take will replace, explicitly or (proposal) implicitly.
fn check_replace_or_limit(cx: &mut Cx, canister: &Canister, replace_id: Option<SnapshotId>) -> Option<Arc<Snapshot>> {
    let count = canister.snapshots.len() as u64;
    let limit = cx.config.snapshots_per_canister_max;
    match replace_id {
        Some(id) => {
            let found = cx.state.canister(&id.owner).and_then(|owner| owner.snapshots.get(&id)).cloned();
            if !cx.check(Clause::TakeReplaceExists, found.is_some(), || errors::snapshot_not_found(canister.id, id)) {
                return None;
            }
            let owned = cx.check(Clause::TakeReplaceOwned, id.owner == canister.id, || {
                errors::invalid_ownership(canister.id, id)
            });
            // Another canister's snapshot frees nothing here: the resource checks must see
            // this canister's usage as it would be, to report their own violations.
            found.filter(|_| owned)
        }
        None if cx.config.replacement == Replacement::Implicit && count >= limit => {
            cx.touch(Clause::TakeImplicitReplace);
            canister.snapshots.values().next().cloned()
        }
        None => {
            cx.check(Clause::TakeLimit, count < limit, || errors::limit_exceeded(canister.id, limit));
            None
        }
    }
}

fn uninstall_requested(cx: &mut Cx, requested: bool) -> bool {
    if requested && !cx.config.uninstall_on_take {
        cx.touch(Clause::TakeUninstallIgnored);
        return false;
    }
    requested
}

fn check_resources(cx: &mut Cx, canister: &Canister, size_bytes: u64, replaced: Option<&Snapshot>, uninstall: bool) {
    let replaced_bytes = replaced.map_or(0, |s| s.size_bytes);
    let uninstalled_bytes =
        if uninstall { canister.execution_size_bytes() + chunk_store_size_bytes(&canister.chunk_store) } else { 0 };
    let new_usage_bytes =
        (canister.memory_usage_bytes() + size_bytes).saturating_sub(replaced_bytes).saturating_sub(uninstalled_bytes);
    let fee = resources::snapshot_fee_cycles(cx, size_bytes);
    let clauses =
        ResourceClauses { memory: Clause::TakeMemory, freeze: Clause::TakeFreeze, fee: Some(Clause::TakeFee) };
    resources::check(cx, canister, new_usage_bytes, fee, 0, clauses);
}

fn apply(
    cx: &mut Cx,
    canister: &Canister,
    request: &TakeRequest,
    replaced: Option<Arc<Snapshot>>,
    uninstall: bool,
    size_bytes: u64,
) -> (State, Reply) {
    let mut state = cx.state.clone();
    let now = state.time_ns;
    let id = SnapshotId { owner: canister.id, local: canister.next_snapshot_id };
    let snapshot = capture(canister, id, now, size_bytes, cx.config.labels.then(|| request.label.clone()).flatten());
    let fee = resources::snapshot_fee_cycles(cx, size_bytes);
    let origin = history_origin(cx.caller, request.sender_canister_version);
    for clause in [Clause::TakeContent, Clause::TakeId, Clause::TakeSize, Clause::TakeReply, Clause::TakeCharge] {
        cx.touch(clause);
    }
    if replaced.is_some() {
        cx.touch(Clause::TakeReplaceRemove);
    }
    if cx.config.labels {
        cx.touch(Clause::TakeLabel);
    }
    cx.touch(if uninstall { Clause::TakeUninstall } else { Clause::TakeCanisterUnchanged });
    state.update_canister(&canister.id, |c| {
        if let Some(old) = &replaced {
            c.snapshots.remove(&old.id);
            c.snapshots_size_bytes -= old.size_bytes;
        }
        c.snapshots.insert(id, Arc::new(snapshot));
        c.snapshots_size_bytes += size_bytes;
        c.next_snapshot_id += 1;
        c.cycles -= fee;
        if uninstall {
            uninstall_in_place(c, now, origin);
        }
    });
    let reply = if request.reply_id_only {
        Reply::SnapshotId(id)
    } else {
        Reply::Snapshot(SnapshotInfo { id, taken_at_timestamp: now, total_size: size_bytes })
    };
    (state, reply)
}

/// The snapshot of `canister` as it is now (replica `CanisterSnapshot::from_canister`).
fn capture(canister: &Canister, id: SnapshotId, now: u64, size_bytes: u64, label: Option<String>) -> Snapshot {
    Snapshot {
        id,
        source: SnapshotSource::TakenFromCanister,
        taken_at_timestamp_ns: now,
        canister_version: canister.version,
        execution: canister.execution.clone().expect("checked by TAKE.NONEMPTY"),
        chunk_store: canister.chunk_store.clone(),
        certified_data: canister.certified_data.clone(),
        global_timer: Some(canister.global_timer),
        hook_status: Some(canister.hook_status),
        size_bytes,
        label,
    }
}
