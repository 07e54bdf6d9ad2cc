//! The replica's ingress filter (ic-replica.md §1.1, spec §2.6): a user's call to a
//! controller-only management method is refused before the method runs unless the canister
//! exists and the caller controls it.
//!
//! The method's own checks still run afterwards, so every violated precondition is reported;
//! the filter's come first. Replica profiles only (the proposal has no replica); canister
//! callers reach the method directly.

use crate::call::Call;
use crate::clause::Clause;
use crate::config::{CheckOrder, Config};
use crate::error::{ErrorCode, UserError};
use crate::ids::{is_opaque, CanisterId};
use crate::step::Cx;

/// Runs the filter on `call` (INGRESS.EXISTS, then INGRESS.CTRL).
pub fn filter(cx: &mut Cx, call: &Call) {
    if cx.config.check_order != CheckOrder::Replica || is_opaque(&cx.caller) {
        return;
    }
    let Some((canister_id, snapshot_method)) = filtered(cx.config, call) else { return };
    let Some(canister) = cx.state.canister(&canister_id) else {
        cx.check(Clause::IngressExists, false, || not_found(canister_id, snapshot_method));
        return;
    };
    cx.touch(Clause::IngressExists);
    let (caller, method) = (cx.caller, call.method_name());
    let controls = canister.is_controller(&caller);
    cx.remember_filtered(canister, controls);
    // The filter applies `status_visibility` as the method does (STATUS.VIS.*, same answer).
    if matches!(call, Call::CanisterStatus { .. }) && cx.config.status_visibility {
        return;
    }
    cx.check(Clause::IngressCtrl, controls, || {
        UserError::exact(
            ErrorCode::CanisterInvalidController,
            crate::lazy_format!("Only controllers of canister {canister_id} can call ic00 method {method}"),
        )
    });
}

/// IC0301 as the filter renders it: without the execution path's final dot. The reference
/// quotes the filter's text for the snapshot methods only.
fn not_found(canister_id: CanisterId, snapshot_method: bool) -> UserError {
    let message = crate::lazy_format!("Canister {canister_id} not found");
    if snapshot_method {
        UserError::exact(ErrorCode::CanisterNotFound, message)
    } else {
        UserError::code_only(ErrorCode::CanisterNotFound, message)
    }
}

/// The canister a user's call is filtered on, if the call is to a controller-only management
/// method, and whether that method is a snapshot method. `list_canister_snapshots` is
/// controller-only unless the profile has `snapshot_visibility`.
fn filtered(config: &Config, call: &Call) -> Option<(CanisterId, bool)> {
    Some(match call {
        Call::TakeCanisterSnapshot(args) => (args.canister_id, true),
        Call::LoadCanisterSnapshot(args) => (args.canister_id, true),
        Call::DeleteCanisterSnapshot(args) => (args.canister_id, true),
        Call::ListCanisterSnapshots { canister_id } if !config.visibility => (*canister_id, true),
        Call::InstallCode { canister_id, .. }
        | Call::UninstallCode { canister_id, .. }
        | Call::StartCanister { canister_id }
        | Call::StopCanister { canister_id }
        | Call::UpdateSettings { canister_id, .. }
        | Call::DeleteCanister { canister_id }
        | Call::UploadChunk { canister_id, .. }
        | Call::ClearChunkStore { canister_id }
        | Call::CanisterStatus { canister_id } => (*canister_id, false),
        _ => return None,
    })
}
