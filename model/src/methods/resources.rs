//! Memory and cycles checks shared by every call that grows a canister (ic-replica.md §12).
//!
//! The model keeps the replica's order — subnet memory, freezing threshold, then the fee —
//! with linear knobs instead of the IC's fee schedule.

use crate::canister::Canister;
use crate::clause::Clause;
use crate::error::{ErrorCode, UserError};
use crate::methods::errors;
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

/// The take/load fee for a snapshot of `size_bytes`: the baseline plus the per-byte part.
pub fn snapshot_fee_cycles(cx: &Cx, size_bytes: u64) -> u128 {
    snapshot_fee_base_cycles(cx) + snapshot_fee_size_cycles(cx, size_bytes)
}

/// The fee's baseline (the replica's `canister_snapshot_baseline_instructions`), which load
/// charges before any other resource check (ic-replica.md §5 step 7).
pub fn snapshot_fee_base_cycles(cx: &Cx) -> u128 {
    u128::from(cx.config.resources.snapshot_fee_base_cycles)
}

/// The fee's per-byte part (one instruction per byte of the snapshot).
pub fn snapshot_fee_size_cycles(cx: &Cx, size_bytes: u64) -> u128 {
    u128::from(size_bytes) * u128::from(cx.config.resources.snapshot_fee_cycles_per_byte)
}

/// Checks that `canister` can pay `fee_cycles` now without falling below its freezing
/// threshold at its current usage (IC0207 under `clause`).
pub fn check_prepaid_fee(cx: &mut Cx, canister: &Canister, fee_cycles: u128, clause: Clause) {
    let needed = freezing_threshold_cycles(cx, canister.memory_usage_bytes()).saturating_add(fee_cycles);
    let balance = canister.cycles;
    cx.check(clause, balance >= needed, || errors::not_enough_cycles(canister.id, needed - balance));
}

/// Checks that `canister` can move to `new_usage_bytes` and pay `fee_cycles`, after paying
/// `prepaid_cycles` earlier in the same call.
pub fn check(
    cx: &mut Cx,
    canister: &Canister,
    new_usage_bytes: u64,
    fee_cycles: u128,
    prepaid_cycles: u128,
    clauses: ResourceClauses,
) {
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
    let balance = canister.cycles.saturating_sub(prepaid_cycles);
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
        cx.check(fee_clause, balance >= needed, || errors::not_enough_cycles(canister.id, needed - balance));
    }
}
