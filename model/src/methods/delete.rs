//! `delete_canister_snapshot` (spec §4.4, replica §7) and the proposal's `delete_snapshot`.

use crate::call::Reply;
use crate::clause::Clause;
use crate::ids::CanisterId;
use crate::methods::errors;
use crate::state::State;
use crate::step::Cx;

/// Deletes a snapshot. The proposal's form names no canister: the owner is read from the id.
pub fn delete(cx: &mut Cx, canister_id: Option<CanisterId>, snapshot_id: &[u8]) -> Option<(State, Reply)> {
    let id = cx.require_snapshot_id(snapshot_id);
    // An id that does not decode stops only the checks that read it (see take); the
    // proposal's form has no other way to name the canister.
    let named_by_id = canister_id.is_none();
    let canister_id = canister_id.or(id.map(|id| id.owner))?;
    let Some(canister) = cx.require_canister(Clause::DeleteExists, canister_id) else {
        // The proposal's caller names only the snapshot: one whose owner is gone does not
        // exist either, so spec mode may see "not found" for it.
        if let (true, Some(id)) = (named_by_id, id) {
            cx.check(Clause::DeleteSnapshotExists, false, || errors::snapshot_not_found(canister_id, id));
        }
        return None;
    };
    cx.require_controller(Clause::DeleteCtrl, canister);
    let id = id?;
    let found = cx.state.canister(&id.owner).and_then(|owner| owner.snapshots.get(&id));
    if cx.check(Clause::DeleteSnapshotExists, found.is_some(), || errors::snapshot_not_found(canister_id, id)) {
        cx.check(Clause::DeleteOwned, id.owner == canister_id, || errors::invalid_ownership(canister_id, id));
    }
    cx.ok()?;
    cx.touch(Clause::DeleteRemove);
    let size_bytes = found.expect("checked by DELETE.SNAPSHOT.EXISTS").size_bytes;
    let mut state = cx.state.clone();
    state.update_canister(&canister_id, |c| {
        c.snapshots.remove(&id);
        c.snapshots_size_bytes -= size_bytes;
    });
    Some((state, Reply::Empty))
}
