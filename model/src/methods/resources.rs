//! Memory and cycles checks shared by every call that grows a canister (ic-replica.md §12).
//!
//! The model keeps the replica's order — subnet memory, freezing threshold, then the fee —
//! with linear knobs instead of the IC's fee schedule.

use crate::canister::Canister;
use crate::clause::Clause;
use crate::error::{ErrorCode, UserError};
use crate::step::Cx;

/// The clauses one call uses for its three resource checks.
pub struct ResourceClauses {
    /// Subnet memory (IC0101).
    pub memory: Clause,
    /// Freezing threshold at the new usage (IC0532).
    pub freeze: Clause,
    /// Paying the fee without freezing (IC0207); `None` for calls without a fee.
    pub fee: Option<Clause>,
}

/// Cycles a canister must hold not to be frozen at `usage_bytes`.
pub fn freezing_threshold_cycles(cx: &Cx, usage_bytes: u64) -> u128 {
    u128::from(usage_bytes) * u128::from(cx.config.resources.freezing_threshold_cycles_per_byte)
}

/// The take/load fee for a snapshot of `size_bytes`.
pub fn snapshot_fee_cycles(cx: &Cx, size_bytes: u64) -> u128 {
    let resources = &cx.config.resources;
    u128::from(resources.snapshot_fee_base_cycles)
        + u128::from(size_bytes) * u128::from(resources.snapshot_fee_cycles_per_byte)
}

/// Checks that `canister` can move to `new_usage_bytes` and pay `fee_cycles`.
pub fn check(cx: &mut Cx, canister: &Canister, new_usage_bytes: u64, fee_cycles: u128, clauses: ResourceClauses) {
    let old_usage_bytes = canister.memory_usage_bytes();
    let allocated_bytes = new_usage_bytes.saturating_sub(old_usage_bytes);
    let capacity_bytes = cx.config.resources.subnet_memory_capacity_bytes;
    let available_bytes = capacity_bytes.saturating_sub(cx.state.subnet_memory_used_bytes());
    cx.check(clauses.memory, allocated_bytes <= available_bytes, || {
        UserError::code_only(
            ErrorCode::SubnetOversubscribed,
            crate::lazy_format!("Canister requested {allocated_bytes} bytes of memory but only {available_bytes} bytes are available in the subnet."),
        )
    });
    let threshold = freezing_threshold_cycles(cx, new_usage_bytes);
    let balance = canister.cycles;
    cx.check(clauses.freeze, balance >= threshold, || {
        UserError::code_only(
            ErrorCode::InsufficientCyclesInMemoryGrow,
            crate::lazy_format!(
                "Canister cannot grow memory by {allocated_bytes} bytes due to insufficient cycles. At least {} additional cycles are required.",
                threshold - balance
            ),
        )
    });
    if let Some(fee_clause) = clauses.fee {
        let needed = threshold.saturating_add(fee_cycles);
        let id = canister.id;
        cx.check(fee_clause, balance >= needed, || {
            UserError::code_only(
                ErrorCode::CanisterOutOfCycles,
                crate::lazy_format!(
                    "Canister snapshotting failed with: `Canister {id} is out of cycles: please top up the canister with at least {} additional cycles`",
                    needed - balance
                ),
            )
        });
    }
}
