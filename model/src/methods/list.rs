//! `list_canister_snapshots` (spec §4.3, replica §6) and the proposal's `list_snapshots`.

use crate::call::{ProposalSnapshotInfo, Reply, SnapshotInfo};
use crate::canister::{Canister, Snapshot};
use crate::clause::Clause;
use crate::ids::CanisterId;
use crate::methods::errors;
use crate::methods::visibility::{self, VisibilityClauses};
use crate::state::State;
use crate::step::Cx;

/// Lists a canister's snapshots, ascending by id.
pub fn list(cx: &mut Cx, canister_id: CanisterId) -> Option<(State, Reply)> {
    let canister = cx.require_canister(Clause::ListExists, canister_id)?;
    check_access(cx, canister);
    cx.ok()?;
    cx.touch(Clause::ListReply);
    let snapshots = canister.snapshots.values();
    let reply = if cx.config.labels || cx.config.checksum_in_listing {
        cx.touch(Clause::ListProposal);
        if cx.config.checksum_in_listing {
            cx.touch(Clause::ListChecksum);
        }
        Reply::ProposalSnapshots(snapshots.map(|s| proposal_info(cx, s)).collect())
    } else {
        Reply::Snapshots(snapshots.map(|s| info(s)).collect())
    };
    Some((cx.state.clone(), reply))
}

/// Spec 0.57+: `snapshot_visibility` decides; before: controllers only.
fn check_access(cx: &mut Cx, canister: &Canister) {
    if !cx.config.visibility {
        cx.require_controller(Clause::ListCtrl, canister);
        return;
    }
    let caller = cx.caller;
    let clauses = VisibilityClauses {
        controllers: Clause::ListVisControllers,
        allowed: Clause::ListVisAllowed,
        public: Clause::ListVisPublic,
    };
    visibility::check(cx, &canister.snapshot_visibility, caller, canister.is_controller(&caller), &clauses, || {
        errors::access_denied(canister.id, caller, "list_canister_snapshots")
    });
}

/// `{id; taken_at_timestamp; total_size}`.
pub fn info(snapshot: &Snapshot) -> SnapshotInfo {
    SnapshotInfo {
        id: snapshot.id,
        taken_at_timestamp: snapshot.taken_at_timestamp_ns,
        total_size: snapshot.size_bytes,
    }
}

fn proposal_info(cx: &Cx, snapshot: &Snapshot) -> ProposalSnapshotInfo {
    ProposalSnapshotInfo {
        id: snapshot.id,
        taken_on: snapshot.taken_at_timestamp_ns,
        label: snapshot.label.clone(),
        total_size: snapshot.size_bytes,
        checksum: cx.config.checksum_in_listing.then(|| snapshot.checksum()),
    }
}
