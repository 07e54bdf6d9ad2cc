//! `load_canister_snapshot` (spec §4.2, replica §5) and the proposal's `load_snapshot`.

use crate::call::Reply;
use crate::canister::{chunk_store_size_bytes, Canister, Change, ChangeDetails, Snapshot, SnapshotSource};
use crate::clause::Clause;
use crate::config::{LoadHistoryFields, SnapshotStorage};
use crate::ids::{CanisterId, SnapshotId};
use crate::methods::errors;
use crate::methods::lifecycle::history_origin;
use crate::methods::resources::{self, ResourceClauses};
use crate::state::State;
use crate::step::Cx;

/// Runs a load of `snapshot_id` onto `target_id`.
pub fn load(
    cx: &mut Cx,
    target_id: CanisterId,
    snapshot_id: &[u8],
    sender_canister_version: Option<u64>,
) -> Option<(State, Reply)> {
    let snapshot_id = cx.require_snapshot_id(snapshot_id);
    let target = cx.require_canister(Clause::LoadExists, target_id)?;
    cx.require_controller(Clause::LoadCtrl, target);
    // An id that does not decode stops only the checks that read it (see take).
    let snapshot_id = snapshot_id?;
    let snapshot = find_snapshot(cx, target, snapshot_id)?;
    check_ownership(cx, target, snapshot);
    // G3 builds the snapshot's memories before it charges the baseline (PR #11142); G2 charged
    // the baseline first (§5 steps 7 and 10). The storage knob tells the generations apart.
    let memories_first = cx.config.snapshot_storage == SnapshotStorage::PerCanister;
    if memories_first {
        check_loadable(cx, target, snapshot);
    }
    let base_fee = charge_baseline(cx, target);
    if !memories_first {
        check_loadable(cx, target, snapshot);
    }
    check_resources(cx, target, snapshot, base_fee);
    cx.ok()?;
    Some(apply(cx, target, snapshot, sender_canister_version))
}

/// The owner is read from the id. Whom the error names depends on the replica generation:
/// subnet-wide storage reports the target; per-canister storage reports an absent owner.
fn find_snapshot<'a>(cx: &mut Cx<'a>, target: &Canister, id: SnapshotId) -> Option<&'a Snapshot> {
    let owner = cx.state.canister(&id.owner);
    let snapshot = owner.and_then(|o| o.snapshots.get(&id)).map(|s| s.as_ref());
    let per_canister = cx.config.snapshot_storage == SnapshotStorage::PerCanister;
    let reported_canister = if owner.is_none() && per_canister { id.owner } else { target.id };
    cx.check(Clause::LoadSnapshotExists, snapshot.is_some(), || errors::snapshot_not_found(reported_canister, id));
    snapshot
}

fn check_ownership(cx: &mut Cx, target: &Canister, snapshot: &Snapshot) {
    let id = snapshot.id;
    if !cx.config.cross_canister_load {
        cx.check(Clause::LoadOwned, id.owner == target.id, || errors::invalid_ownership(target.id, id));
        return;
    }
    if id.owner == target.id {
        return;
    }
    let owner = cx.state.canister(&id.owner).expect("found the snapshot at its owner");
    let caller = cx.caller;
    cx.check(Clause::LoadCrossCtrl, owner.is_controller(&caller), || {
        errors::not_controller_of_owner(id, target.id, caller)
    });
}

/// A snapshot of another canister is copied, which needs memories flushed by a checkpoint (§5
/// step 10); a canister's own snapshot is shared as it is.
fn check_loadable(cx: &mut Cx, target: &Canister, snapshot: &Snapshot) {
    let id = snapshot.id;
    if cx.config.cross_canister_load && id.owner != target.id {
        cx.check(Clause::LoadCrossLoadable, !snapshot.has_unflushed_changes(), || errors::not_loadable(id, target.id));
    }
}

/// The replica charges the baseline on a copy of the canister, at its current usage (§5 step
/// 7); returns it.
fn charge_baseline(cx: &mut Cx, target: &Canister) -> u128 {
    let base_fee = resources::snapshot_fee_base_cycles(cx);
    resources::check_prepaid_fee(cx, target, base_fee, Clause::LoadFeeBase);
    base_fee
}

/// The memory and freezing checks and the per-byte part see the balance after the baseline
/// (§5 step 13).
fn check_resources(cx: &mut Cx, target: &Canister, snapshot: &Snapshot, base_fee: u128) {
    let removed_bytes = target.execution_size_bytes() + chunk_store_size_bytes(&target.chunk_store);
    let added_bytes = snapshot.execution.size_bytes() + chunk_store_size_bytes(&snapshot.chunk_store);
    let new_usage_bytes = (target.memory_usage_bytes() + added_bytes).saturating_sub(removed_bytes);
    let size_fee = resources::snapshot_fee_size_cycles(cx, snapshot.size_bytes);
    let clauses =
        ResourceClauses { memory: Clause::LoadMemory, freeze: Clause::LoadFreeze, fee: Some(Clause::LoadFee) };
    resources::check(cx, target, new_usage_bytes, size_fee, base_fee, clauses);
}

fn apply(cx: &mut Cx, target: &Canister, snapshot: &Snapshot, sender_canister_version: Option<u64>) -> (State, Reply) {
    let mut state = cx.state.clone();
    let now = state.time_ns;
    let fee = resources::snapshot_fee_cycles(cx, snapshot.size_bytes);
    let details = history_details(cx, target, snapshot);
    let origin = history_origin(cx.caller, sender_canister_version);
    let uploaded = snapshot.source == SnapshotSource::MetadataUpload;
    for clause in [Clause::LoadRestore, Clause::LoadKeep, Clause::LoadVersion, Clause::LoadHistory, Clause::LoadCharge]
    {
        cx.touch(clause);
    }
    if !uploaded {
        cx.touch(Clause::LoadTimerKeep);
    }
    state.update_canister(&target.id, |c| {
        c.execution = Some(snapshot.execution.clone());
        c.chunk_store = snapshot.chunk_store.clone();
        c.certified_data = snapshot.certified_data.clone();
        if uploaded {
            c.global_timer = snapshot.global_timer.unwrap_or(c.global_timer);
            c.hook_status = snapshot.hook_status.unwrap_or(c.hook_status);
        }
        c.cycles -= fee;
        c.version += 1;
        c.history.push(Change { timestamp_ns: now, canister_version: c.version, origin, details });
    });
    (state, Reply::Empty)
}

fn history_details(cx: &Cx, target: &Canister, snapshot: &Snapshot) -> ChangeDetails {
    let fields = cx.config.load_history;
    let cross = snapshot.id.owner != target.id;
    ChangeDetails::LoadSnapshot {
        canister_version: snapshot.canister_version,
        snapshot_id: snapshot.id,
        taken_at_timestamp: snapshot.taken_at_timestamp_ns,
        source: (fields != LoadHistoryFields::Basic).then_some(snapshot.source),
        from_canister_id: (fields == LoadHistoryFields::WithSourceAndFrom && cross).then_some(snapshot.id.owner),
    }
}
