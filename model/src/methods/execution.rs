//! Canister execution, abstracted: what a canister's own code does to the state snapshots
//! capture (memory writes, globals, certified data, timer), reads, time and checkpoints.

use crate::call::Reply;
use crate::canister::{wasm_pages_for, Canister, Status, Timer, CERTIFIED_DATA_BYTES_MAX, READ_BYTES_MAX};
use crate::clause::Clause;
use crate::error::{ErrorCode, UserError};
use crate::globals::Global;
use crate::ids::CanisterId;
use crate::memory::{Memory, WASM_PAGE_SIZE_BYTES};
use crate::methods::resources::{self, ResourceClauses};
use crate::state::State;
use crate::step::Cx;

/// Which memory an effect addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The heap.
    Wasm,
    /// Stable memory.
    Stable,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Wasm => "heap",
            Target::Stable => "stable memory",
        }
    }

    fn pages_max(self, cx: &Cx) -> u64 {
        match self {
            Target::Wasm => cx.config.wasm_memory_pages_max,
            Target::Stable => cx.config.stable_memory_pages_max,
        }
    }

    fn of(self, canister: &Canister) -> &Memory {
        let execution = canister.execution.as_ref().expect("checked by EXEC.CODE");
        match self {
            Target::Wasm => &execution.wasm_memory,
            Target::Stable => &execution.stable_memory,
        }
    }
}

fn trap(id: CanisterId, why: String) -> UserError {
    UserError::code_only(
        ErrorCode::CanisterTrapped,
        crate::lazy_format!("Error from Canister {id}: Canister trapped: {why}."),
    )
}

/// An existing, installed, running canister to execute on.
fn executing<'a>(cx: &mut Cx<'a>, canister_id: CanisterId) -> Option<&'a Canister> {
    let canister = cx.require_canister(Clause::ExecExists, canister_id)?;
    let has_code = cx.check(Clause::ExecCode, canister.execution.is_some(), || {
        UserError::exact(
            ErrorCode::CanisterWasmModuleNotFound,
            crate::lazy_format!("Error from Canister {canister_id}: Attempted to execute a message, but the canister contains no Wasm module.."),
        )
    });
    let status = canister.status;
    cx.check(Clause::ExecRunning, status == Status::Running, || match status {
        Status::Stopping => {
            UserError::exact(ErrorCode::CanisterStopping, crate::lazy_format!("Canister {canister_id} is stopping"))
        }
        _ => UserError::exact(ErrorCode::CanisterStopped, crate::lazy_format!("Canister {canister_id} is stopped")),
    });
    has_code.then_some(canister)
}

fn with_canister(cx: &Cx, id: CanisterId, change: impl FnOnce(&mut Canister)) -> State {
    let mut state = cx.state.clone();
    state.update_canister(&id, change);
    state
}

/// Writes `bytes` at `offset`, growing the memory to whole Wasm pages as needed.
pub fn write(
    cx: &mut Cx,
    canister_id: CanisterId,
    target: Target,
    offset: u64,
    bytes: &[u8],
) -> Option<(State, Reply)> {
    let canister = executing(cx, canister_id)?;
    let memory = target.of(canister);
    let end = offset.checked_add(bytes.len() as u64);
    let pages = end.map(|end| wasm_pages_for(end).max(memory.size_wasm_pages()));
    let pages_max = target.pages_max(cx);
    let fits = pages.is_some_and(|p| p <= pages_max);
    cx.check(Clause::ExecBounds, fits, || trap(canister_id, format!("{} out of bounds", target.name())));
    cx.ok()?;
    let pages = pages.expect("checked by EXEC.BOUNDS");
    let grown_bytes = (pages - memory.size_wasm_pages()) * WASM_PAGE_SIZE_BYTES;
    if grown_bytes > 0 {
        let clauses = ResourceClauses { memory: Clause::ExecMemory, freeze: Clause::ExecFreeze, fee: None };
        resources::check(cx, canister, canister.memory_usage_bytes() + grown_bytes, 0, 0, clauses);
        cx.ok()?;
    }
    cx.touch(Clause::ExecEffect);
    let state = with_canister(cx, canister_id, |c| {
        let execution = c.execution.as_mut().expect("checked by EXEC.CODE");
        let memory = match target {
            Target::Wasm => &mut execution.wasm_memory,
            Target::Stable => &mut execution.stable_memory,
        };
        memory.grow_to(pages).expect("pages_max is within the memory's limit");
        memory.write(offset, bytes).expect("grown to cover the write");
    });
    Some((state, Reply::Empty))
}

/// Reads `len` bytes at `offset` (a query: nothing changes).
pub fn read(cx: &mut Cx, canister_id: CanisterId, target: Target, offset: u64, len: u64) -> Option<(State, Reply)> {
    let canister = executing(cx, canister_id)?;
    let memory = target.of(canister);
    let in_bounds = offset.checked_add(len).is_some_and(|end| end <= memory.size_bytes()) && len <= READ_BYTES_MAX;
    cx.check(Clause::ExecBounds, in_bounds, || trap(canister_id, format!("{} out of bounds", target.name())));
    cx.ok()?;
    cx.touch(Clause::ExecEffect);
    let bytes = memory.read(offset, len).expect("checked by EXEC.BOUNDS");
    Some((cx.state.clone(), Reply::Bytes(bytes)))
}

/// Sets one exported global; the value must have the global's type.
pub fn set_global(cx: &mut Cx, canister_id: CanisterId, index: u32, value: Global) -> Option<(State, Reply)> {
    let canister = executing(cx, canister_id)?;
    let globals = &canister.execution.as_ref().expect("checked by EXEC.CODE").globals;
    let fits = globals.get(index as usize).is_some_and(|g| g.value_type() == value.value_type());
    cx.check(Clause::ExecBounds, fits, || trap(canister_id, format!("global {index} cannot hold {value:?}")));
    cx.ok()?;
    cx.touch(Clause::ExecEffect);
    let state = with_canister(cx, canister_id, |c| {
        c.execution.as_mut().expect("checked by EXEC.CODE").globals[index as usize] = value;
    });
    Some((state, Reply::Empty))
}

/// `ic0.certified_data_set`.
pub fn set_certified_data(cx: &mut Cx, canister_id: CanisterId, data: &[u8]) -> Option<(State, Reply)> {
    executing(cx, canister_id)?;
    let len = data.len();
    // Not a trap: the system API refuses the call as a contract violation (IC0504).
    cx.check(Clause::ExecBounds, len <= CERTIFIED_DATA_BYTES_MAX, || {
        UserError::code_only(
            ErrorCode::CanisterContractViolation,
            crate::lazy_format!("Error from Canister {canister_id}: Canister violated contract: ic0_certified_data_set failed because the passed data must be no larger than {CERTIFIED_DATA_BYTES_MAX} bytes. Found {len} bytes."),
        )
    });
    cx.ok()?;
    cx.touch(Clause::ExecEffect);
    Some((with_canister(cx, canister_id, |c| c.certified_data = data.to_vec()), Reply::Empty))
}

/// `ic0.global_timer_set`: replies with the previous timer.
pub fn set_timer(cx: &mut Cx, canister_id: CanisterId, timer: Timer) -> Option<(State, Reply)> {
    let previous = executing(cx, canister_id)?.global_timer;
    cx.ok()?;
    cx.touch(Clause::ExecEffect);
    Some((with_canister(cx, canister_id, |c| c.global_timer = timer), Reply::Timer(previous)))
}

/// Reads the exported globals (a query: nothing changes).
pub fn read_globals(cx: &mut Cx, canister_id: CanisterId) -> Option<(State, Reply)> {
    let canister = executing(cx, canister_id)?;
    cx.ok()?;
    cx.touch(Clause::ExecEffect);
    let globals = canister.execution.as_ref().expect("checked by EXEC.CODE").globals.clone();
    Some((cx.state.clone(), Reply::Globals(globals)))
}

/// Time passes (saturating: time never moves back).
pub fn advance_time(cx: &mut Cx, nanos: u64) -> Option<(State, Reply)> {
    cx.touch(Clause::TimeAdvance);
    let mut state = cx.state.clone();
    state.time_ns = state.time_ns.saturating_add(nanos);
    Some((state, Reply::Empty))
}

/// A checkpoint: every page change is flushed.
pub fn checkpoint(cx: &mut Cx) -> Option<(State, Reply)> {
    cx.touch(Clause::Checkpoint);
    let mut state = cx.state.clone();
    state.checkpoints += 1;
    let ids: Vec<CanisterId> = state.canisters.keys().copied().collect();
    for id in ids {
        state.update_canister(&id, flush_canister);
    }
    Some((state, Reply::Empty))
}

fn flush_canister(canister: &mut Canister) {
    if let Some(execution) = canister.execution.as_mut() {
        execution.wasm_memory.mark_clean();
        execution.stable_memory.mark_clean();
    }
    let dirty: Vec<_> =
        canister.snapshots.iter().filter(|(_, s)| s.has_unflushed_changes()).map(|(id, _)| *id).collect();
    for id in dirty {
        if let Some(snapshot) = canister.snapshots.get_mut(&id) {
            let snapshot = std::sync::Arc::make_mut(snapshot);
            snapshot.execution.wasm_memory.mark_clean();
            snapshot.execution.stable_memory.mark_clean();
        }
    }
}
