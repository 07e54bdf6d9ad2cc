//! The canister lifecycle the snapshot rules interact with (spec §5): create, install,
//! uninstall, start/stop, settings, delete, the chunk store, status and info.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::call::{InfoReply, Reply, Settings, StatusReply};
use crate::canister::{
    chunk_store_size_bytes, sha256, Canister, Change, ChangeDetails, ChangeOrigin, ExecutionState, History, HookStatus,
    InstallMode, Status, Timer, Visibility, CHUNK_SIZE_BYTES, CONTROLLERS_MAX, GLOBALS_MAX, MODULE_BYTES_MAX,
};
use crate::clause::Clause;
use crate::error::{ErrorCode, UserError};
use crate::globals::Global;
use crate::ids::{is_opaque, CanisterId, Principal};
use crate::memory::Memory;
use crate::methods::resources::{self, ResourceClauses};
use crate::methods::visibility::{self, VisibilityClauses};
use crate::state::State;
use crate::step::{invalid_controller, Cx};

/// The history origin of a call: canisters by principal class, with their declared version.
pub fn history_origin(caller: Principal, sender_canister_version: Option<u64>) -> ChangeOrigin {
    if is_opaque(&caller) {
        ChangeOrigin::FromCanister { canister_id: caller, canister_version: sender_canister_version }
    } else {
        ChangeOrigin::FromUser { user_id: caller }
    }
}

/// The effects of `uninstall_code` (spec §5.1), shared with take's `uninstall_code` option.
pub fn uninstall_in_place(canister: &mut Canister, now: u64, origin: ChangeOrigin) {
    canister.execution = None;
    canister.chunk_store = Default::default();
    canister.certified_data.clear();
    canister.global_timer = Timer::Inactive;
    canister.version += 1;
    let version = canister.version;
    canister.history.push(Change {
        timestamp_ns: now,
        canister_version: version,
        origin,
        details: ChangeDetails::CodeUninstall,
    });
}

/// The existing canister a controller-only lifecycle call names.
fn controlled<'a>(cx: &mut Cx<'a>, canister_id: CanisterId) -> Option<&'a Canister> {
    let canister = cx.require_canister(Clause::CanisterExists, canister_id)?;
    cx.require_controller(Clause::CanisterCtrl, canister);
    Some(canister)
}

/// The existing canister a controller-or-self call names.
fn controlled_or_self<'a>(cx: &mut Cx<'a>, canister_id: CanisterId) -> Option<&'a Canister> {
    let canister = cx.require_canister(Clause::CanisterExists, canister_id)?;
    let caller = cx.caller;
    let allowed = canister.is_controller(&caller) || caller == canister.id.principal();
    cx.check(Clause::CanisterCtrlOrSelf, allowed, || invalid_controller(canister, &caller));
    Some(canister)
}

fn with_canister(cx: &Cx, id: CanisterId, change: impl FnOnce(&mut Canister)) -> State {
    let mut state = cx.state.clone();
    state.update_canister(&id, change);
    state
}

fn check_controllers_limit(cx: &mut Cx, controllers: &[Principal]) {
    let count = controllers.iter().collect::<BTreeSet<_>>().len();
    cx.check(Clause::SettingsControllersLimit, count <= CONTROLLERS_MAX, || {
        UserError::unconfirmed(
            ErrorCode::CanisterContractViolation,
            crate::lazy_format!(
                "Invalid settings: 'controllers' length exceeds maximum size allowed of {CONTROLLERS_MAX}."
            ),
        )
    });
}

/// `provisional_create_canister_with_cycles`.
pub fn create(cx: &mut Cx, controllers: Option<&[Principal]>, cycles: u128) -> Option<(State, Reply)> {
    let controllers: Vec<Principal> = controllers.map_or_else(|| vec![cx.caller], <[Principal]>::to_vec);
    check_controllers_limit(cx, &controllers);
    cx.ok()?;
    cx.touch(Clause::CreateEffect);
    let mut state = cx.state.clone();
    let id = CanisterId::from_index(state.next_canister_index);
    state.next_canister_index += 1;
    let controllers: BTreeSet<Principal> = controllers.into_iter().collect();
    let mut history = History::default();
    history.push(Change {
        timestamp_ns: state.time_ns,
        canister_version: 0,
        origin: history_origin(cx.caller, None),
        details: ChangeDetails::Creation { controllers: controllers.iter().copied().collect() },
    });
    let canister = Canister {
        id,
        controllers,
        status: Status::Running,
        execution: None,
        certified_data: Vec::new(),
        chunk_store: Default::default(),
        global_timer: Timer::Inactive,
        hook_status: HookStatus::ConditionNotSatisfied,
        version: 0,
        history,
        snapshot_visibility: Visibility::Controllers,
        status_visibility: Visibility::Controllers,
        cycles,
        next_snapshot_id: 0,
        snapshots: Default::default(),
        snapshots_size_bytes: 0,
    };
    state.canisters.insert(id, Arc::new(canister));
    Some((state, Reply::CanisterId(id)))
}

/// `install_code` in its three modes.
pub fn install(
    cx: &mut Cx,
    canister_id: CanisterId,
    mode: InstallMode,
    module: &[u8],
    globals: &[Global],
    sender_canister_version: Option<u64>,
) -> Option<(State, Reply)> {
    let canister = controlled(cx, canister_id)?;
    check_mode(cx, canister, mode);
    cx.check(Clause::InstallModule, module.len() <= MODULE_BYTES_MAX && globals.len() <= GLOBALS_MAX, || {
        UserError::code_only(
            ErrorCode::CanisterInvalidWasm,
            crate::lazy_format!("Wasm module of canister {canister_id} is too large or declares too many globals."),
        )
    });
    let stable_memory = match (mode, &canister.execution) {
        (InstallMode::Upgrade, Some(old)) => old.stable_memory.clone(),
        _ => Memory::new(),
    };
    let execution = ExecutionState {
        module: Arc::new(module.to_vec()),
        module_hash: sha256(module),
        globals: globals.to_vec(),
        wasm_memory: Memory::new(),
        stable_memory,
    };
    let new_usage_bytes = canister.memory_usage_bytes() - canister.execution_size_bytes() + execution.size_bytes();
    let clauses = ResourceClauses { memory: Clause::InstallMemory, freeze: Clause::InstallFreeze, fee: None };
    resources::check(cx, canister, new_usage_bytes, 0, 0, clauses);
    cx.ok()?;
    cx.touch(Clause::InstallEffect);
    cx.touch(Clause::InstallKeepsSnapshots);
    let (now, origin) = (cx.state.time_ns, history_origin(cx.caller, sender_canister_version));
    let module_hash = execution.module_hash;
    let state = with_canister(cx, canister_id, |c| {
        c.execution = Some(execution);
        if mode != InstallMode::Upgrade {
            c.certified_data.clear();
        }
        c.global_timer = Timer::Inactive;
        c.version += 1;
        let details = ChangeDetails::CodeDeployment { mode, module_hash };
        c.history.push(Change { timestamp_ns: now, canister_version: c.version, origin, details });
    });
    Some((state, Reply::Empty))
}

fn check_mode(cx: &mut Cx, canister: &Canister, mode: InstallMode) {
    let id = canister.id;
    match mode {
        InstallMode::Install => {
            cx.check(Clause::InstallModeInstall, canister.execution.is_none(), || {
                UserError::exact(
                    ErrorCode::CanisterNonEmpty,
                    crate::lazy_format!("Canister {id} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead."),
                )
            });
        }
        InstallMode::Upgrade => {
            cx.check(Clause::InstallModeUpgrade, canister.execution.is_some(), || {
                UserError::exact(
                    ErrorCode::CanisterWasmModuleNotFound,
                    crate::lazy_format!("Error from Canister {id}: Attempted to execute a message, but the canister contains no Wasm module.."),
                )
            });
        }
        InstallMode::Reinstall => {}
    }
}

/// `uninstall_code`: snapshots stay.
pub fn uninstall(cx: &mut Cx, canister_id: CanisterId, sender_canister_version: Option<u64>) -> Option<(State, Reply)> {
    controlled(cx, canister_id)?;
    cx.ok()?;
    cx.touch(Clause::UninstallEffect);
    cx.touch(Clause::UninstallKeepsSnapshots);
    let (now, origin) = (cx.state.time_ns, history_origin(cx.caller, sender_canister_version));
    Some((with_canister(cx, canister_id, |c| uninstall_in_place(c, now, origin)), Reply::Empty))
}

/// `start_canister` / `stop_canister`.
pub fn set_status(cx: &mut Cx, canister_id: CanisterId, status: Status) -> Option<(State, Reply)> {
    controlled(cx, canister_id)?;
    cx.ok()?;
    cx.touch(if status == Status::Running { Clause::StartEffect } else { Clause::StopEffect });
    Some((with_canister(cx, canister_id, |c| c.status = status), Reply::Empty))
}

/// `update_settings`: controllers and the visibility settings.
pub fn update_settings(
    cx: &mut Cx,
    canister_id: CanisterId,
    settings: &Settings,
    sender_canister_version: Option<u64>,
) -> Option<(State, Reply)> {
    controlled(cx, canister_id)?;
    if let Some(controllers) = &settings.controllers {
        check_controllers_limit(cx, controllers);
    }
    cx.ok()?;
    cx.touch(Clause::SettingsEffect);
    if settings.snapshot_visibility.is_some() && !cx.config.visibility {
        cx.touch(Clause::SettingsVisIgnored);
    }
    if settings.status_visibility.is_some() && !cx.config.status_visibility {
        cx.touch(Clause::SettingsStatusVisIgnored);
    }
    let [visibility, status_visibility] = visibility::in_profile(cx.config, settings);
    let (now, origin) = (cx.state.time_ns, history_origin(cx.caller, sender_canister_version));
    let state = with_canister(cx, canister_id, |c| {
        c.version += 1;
        if let Some(controllers) = &settings.controllers {
            c.controllers = controllers.iter().copied().collect();
            let details = ChangeDetails::ControllersChange { controllers: c.controllers.iter().copied().collect() };
            c.history.push(Change { timestamp_ns: now, canister_version: c.version, origin, details });
        }
        if let Some(visibility) = visibility {
            c.snapshot_visibility = visibility.clone();
        }
        if let Some(visibility) = status_visibility {
            c.status_visibility = visibility.clone();
        }
    });
    Some((state, Reply::Empty))
}

/// `delete_canister`: needs a stopped canister; its snapshots go with it.
pub fn delete_canister(cx: &mut Cx, canister_id: CanisterId) -> Option<(State, Reply)> {
    let canister = controlled(cx, canister_id)?;
    cx.check(Clause::DeleteCanisterStopped, canister.status == Status::Stopped, || {
        UserError::exact(
            ErrorCode::CanisterNotStopped,
            crate::lazy_format!("Canister {canister_id} must be stopped before it is deleted."),
        )
    });
    cx.ok()?;
    cx.touch(Clause::DeleteCanisterEffect);
    let mut state = cx.state.clone();
    state.canisters.remove(&canister_id);
    Some((state, Reply::Empty))
}

/// `upload_chunk`: stores a chunk under its SHA-256.
pub fn upload_chunk(cx: &mut Cx, canister_id: CanisterId, chunk: &[u8]) -> Option<(State, Reply)> {
    let canister = controlled_or_self(cx, canister_id)?;
    let hash = sha256(chunk);
    let len = chunk.len();
    cx.check(Clause::ChunkSize, len as u64 <= CHUNK_SIZE_BYTES, || {
        UserError::exact(
            ErrorCode::CanisterContractViolation,
            crate::lazy_format!("Error from Wasm chunk store: Wasm chunk size {len} exceeds the maximum chunk size of {CHUNK_SIZE_BYTES}."),
        )
    });
    let known = canister.chunk_store.contains_key(&hash);
    if !known {
        check_chunk_room(cx, canister);
    }
    cx.ok()?;
    cx.touch(Clause::ChunkEffect);
    let chunk = Arc::new(chunk.to_vec());
    let state = with_canister(cx, canister_id, |c| {
        c.chunk_store.insert(hash, chunk);
    });
    Some((state, Reply::ChunkHash(hash)))
}

fn check_chunk_room(cx: &mut Cx, canister: &Canister) {
    let chunks_max = cx.config.chunk_store_chunks_max;
    cx.check(Clause::ChunkLimit, (canister.chunk_store.len() as u64) < chunks_max, || {
        UserError::code_only(
            ErrorCode::CanisterContractViolation,
            crate::lazy_format!(
                "Error from Wasm chunk store: Wasm chunk store has already reached maximum capacity of {} bytes or the maximum number of entries, {chunks_max}.",
                chunks_max * CHUNK_SIZE_BYTES
            ),
        )
    });
    let new_usage_bytes = canister.memory_usage_bytes() + CHUNK_SIZE_BYTES;
    let clauses = ResourceClauses { memory: Clause::ChunkMemory, freeze: Clause::ChunkFreeze, fee: None };
    resources::check(cx, canister, new_usage_bytes, 0, 0, clauses);
}

/// `clear_chunk_store`.
pub fn clear_chunk_store(cx: &mut Cx, canister_id: CanisterId) -> Option<(State, Reply)> {
    controlled_or_self(cx, canister_id)?;
    cx.ok()?;
    cx.touch(Clause::ChunkClear);
    Some((with_canister(cx, canister_id, |c| c.chunk_store = Default::default()), Reply::Empty))
}

/// `canister_status`.
pub fn status(cx: &mut Cx, canister_id: CanisterId) -> Option<(State, Reply)> {
    let canister = if cx.config.status_visibility {
        let canister = cx.require_canister(Clause::CanisterExists, canister_id)?;
        check_status_access(cx, canister);
        canister
    } else {
        controlled_or_self(cx, canister_id)?
    };
    cx.ok()?;
    cx.touch(Clause::StatusReply);
    let execution = canister.execution.as_ref();
    let reply = StatusReply {
        status: canister.status,
        module_hash: canister.module_hash(),
        controllers: canister.controllers.iter().copied().collect(),
        version: canister.version,
        memory_size: canister.memory_usage_bytes(),
        wasm_memory_size: execution.map_or(0, |e| e.wasm_memory.size_bytes()),
        stable_memory_size: execution.map_or(0, |e| e.stable_memory.size_bytes()),
        wasm_binary_size: execution.map_or(0, |e| e.module.len() as u64),
        wasm_chunk_store_size: chunk_store_size_bytes(&canister.chunk_store),
        snapshots_size: canister.snapshots_size_bytes,
        cycles: canister.cycles,
        snapshot_visibility: cx.config.visibility.then(|| canister.snapshot_visibility.clone()),
        status_visibility: cx.config.status_visibility.then(|| canister.status_visibility.clone()),
    };
    Some((cx.state.clone(), Reply::Status(Box::new(reply))))
}

/// `status_visibility` decides who reads the status; the canister itself always may
/// (dfinity/ic #10667). Subnet admins, who always may too, are not modelled.
fn check_status_access(cx: &mut Cx, canister: &Canister) {
    let caller = cx.caller;
    let always = canister.is_controller(&caller) || caller == canister.id.principal();
    let clauses = VisibilityClauses {
        controllers: Clause::StatusVisControllers,
        allowed: Clause::StatusVisAllowed,
        public: Clause::StatusVisPublic,
    };
    visibility::check(cx, &canister.status_visibility, caller, always, &clauses, || {
        UserError::exact(
            ErrorCode::CanisterStatusAccessDenied,
            crate::lazy_format!("Caller {caller} is not allowed to read the canister status"),
        )
    });
}

/// `canister_info`: history, module hash, controllers. Any caller.
pub fn info(cx: &mut Cx, canister_id: CanisterId) -> Option<(State, Reply)> {
    let canister = cx.require_canister(Clause::CanisterExists, canister_id)?;
    cx.touch(Clause::InfoReply);
    let reply = InfoReply {
        total_num_changes: canister.history.total_num_changes,
        recent_changes: canister.history.recent.iter().cloned().collect(),
        module_hash: canister.module_hash(),
        controllers: canister.controllers.iter().copied().collect(),
    };
    Some((cx.state.clone(), Reply::Info(Box::new(reply))))
}

/// Deposits cycles.
pub fn top_up(cx: &mut Cx, canister_id: CanisterId, cycles: u128) -> Option<(State, Reply)> {
    cx.require_canister(Clause::CanisterExists, canister_id)?;
    cx.touch(Clause::CyclesTopUp);
    Some((with_canister(cx, canister_id, |c| c.cycles = c.cycles.saturating_add(cycles)), Reply::Empty))
}
