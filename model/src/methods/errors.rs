//! The replica's snapshot error messages (ic-replica.md §1.5), without `ErrorHelp` suffixes.

use crate::error::{ErrorCode, UserError};
use crate::ids::{CanisterId, Principal, SnapshotId};

/// IC0207 `CanisterSnapshotNotEnoughCycles` (the inner error's rendering is indicative).
pub fn not_enough_cycles(canister_id: CanisterId, missing_cycles: u128) -> UserError {
    UserError::code_only(
        ErrorCode::CanisterOutOfCycles,
        crate::lazy_format!(
            "Canister snapshotting failed with: `Canister {canister_id} is out of cycles: please top up the canister with at least {missing_cycles} additional cycles`"
        ),
    )
}

/// IC0305 `CanisterSnapshotNotFound`.
pub fn snapshot_not_found(canister_id: CanisterId, snapshot_id: SnapshotId) -> UserError {
    UserError::exact(
        ErrorCode::CanisterSnapshotNotFound,
        crate::lazy_format!("Could not find the snapshot ID {snapshot_id} for canister {canister_id}."),
    )
}

/// IC0406 `CanisterSnapshotInvalidOwnership`.
pub fn invalid_ownership(canister_id: CanisterId, snapshot_id: SnapshotId) -> UserError {
    UserError::exact(
        ErrorCode::CanisterRejectedMessage,
        crate::lazy_format!("The snapshot {snapshot_id} does not belong to canister {canister_id}."),
    )
}

/// IC0406 `CanisterSnapshotLimitExceeded`.
pub fn limit_exceeded(canister_id: CanisterId, limit: u64) -> UserError {
    UserError::exact(
        ErrorCode::CanisterRejectedMessage,
        crate::lazy_format!("Canister {canister_id} has reached the maximum number of snapshots allowed: {limit}."),
    )
}

/// IC0406 `CanisterSnapshotExecutionStateNotFound` (trailing colon as in the replica).
pub fn empty_canister(canister_id: CanisterId) -> UserError {
    UserError::exact(
        ErrorCode::CanisterRejectedMessage,
        crate::lazy_format!("Failed to create snapshot for empty canister {canister_id}:"),
    )
}

/// IC0406 `CanisterSnapshotNotController`.
pub fn not_controller_of_owner(snapshot_id: SnapshotId, canister_id: CanisterId, sender: Principal) -> UserError {
    UserError::exact(
        ErrorCode::CanisterRejectedMessage,
        crate::lazy_format!(
            "Only a controller of the canister that snapshot {snapshot_id} belongs to can load it on canister {canister_id}. Sender: {}.",
            crate::ids::to_text(&sender)
        ),
    )
}

/// IC0406 `CanisterSnapshotNotLoadable`.
pub fn not_loadable(snapshot_id: SnapshotId, canister_id: CanisterId) -> UserError {
    UserError::exact(
        ErrorCode::CanisterRejectedMessage,
        crate::lazy_format!(
            "Snapshot {snapshot_id} is not currently loadable on the specified canister {canister_id}. Try again later. The call should succeed if you wait sufficiently long (usually ten minutes)."
        ),
    )
}

/// `CanisterSnapshotAccessDenied`: the references give neither code nor message.
pub fn access_denied(canister_id: CanisterId, caller: Principal, method_name: &'static str) -> UserError {
    UserError::unconfirmed(
        ErrorCode::CanisterRejectedMessage,
        crate::lazy_format!(
            "Caller {} is not allowed to call ic00 method {method_name} on canister {canister_id}.",
            crate::ids::to_text(&caller)
        ),
    )
}
