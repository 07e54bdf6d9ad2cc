//! Scenario scripts: requests run through the model as they are written, so every setup step
//! is known to do what it says, plus the names and call constructors scenarios share.

use snapspec_model::call::{DeleteArgs, LoadArgs, Settings, TakeArgs};
use snapspec_model::config::Api;
use snapspec_model::ids::ANONYMOUS;
use snapspec_model::{
    step, Call, CanisterId, Config, ErrorCode, Global, InstallMode, Outcome, Principal, Reply, Request, SnapshotId,
    SnapshotIdArg, State, Timer, Transition, Visibility,
};

/// Cycles that make every resource check pass in ordinary scenarios.
pub const BIG: u64 = 1 << 50;
/// Index of a canister no scenario ever creates (`$c99`).
pub const MISSING: u64 = 99;
/// Local number of a snapshot no scenario ever takes (`$cN.s42`).
pub const NEVER_TAKEN: u64 = 42;
/// The 8-byte Wasm header every module starts with.
pub const WASM_HEADER: &[u8] = b"\0asm\x01\0\0\0";

/// A principal of the user class (last byte 0x02), as `snapspec_model::generators::user`.
pub fn user(n: u8) -> Principal {
    let mut bytes = [n; 29];
    bytes[28] = 0x02;
    Principal::from_slice(&bytes)
}

/// Controls every canister the scenarios create (unless they say otherwise).
pub fn alice() -> Principal {
    user(1)
}
/// Co-controls the second canister in two-canister worlds.
pub fn bob() -> Principal {
    user(2)
}
/// Co-controls the first canister in two-canister worlds.
pub fn carol() -> Principal {
    user(3)
}
/// Controls nothing.
pub fn eve() -> Principal {
    user(4)
}
/// Listed as an allowed viewer where a scenario sets `allowed_viewers`.
pub fn dave() -> Principal {
    user(5)
}

/// The name scenarios use for a principal (`alice`, `$c0`, `anonymous`, or its text).
pub fn name(principal: &Principal) -> String {
    let names = [(alice(), "alice"), (bob(), "bob"), (carol(), "carol"), (eve(), "eve"), (dave(), "dave")];
    if let Some((_, name)) = names.iter().find(|(p, _)| p == principal) {
        return (*name).to_string();
    }
    if *principal == ANONYMOUS {
        return "anonymous".into();
    }
    crate::symbolic::canister_handle(&CanisterId(*principal)).unwrap_or_else(|| principal.to_text())
}

/// Canister `n`.
pub fn c(n: u64) -> CanisterId {
    CanisterId::from_index(n)
}

/// Snapshot `local` of canister `n`.
pub fn sid(n: u64, local: u64) -> SnapshotId {
    SnapshotId { owner: c(n), local }
}

/// One of a few fixed modules, each with the globals it declares (as
/// `snapspec_model::generators::module`).
pub fn module(variant: u8) -> (Vec<u8>, Vec<Global>) {
    let bytes = [WASM_HEADER, &[variant]].concat();
    let globals = match variant % 3 {
        0 => vec![Global::I32(0), Global::I64(0)],
        1 => vec![Global::I64(0)],
        _ => vec![Global::I32(0), Global::F64(0), Global::V128(0)],
    };
    (bytes, globals)
}

// --- calls -------------------------------------------------------------------------------------

/// `create_canister` with these controllers and cycles.
pub fn create(controllers: &[Principal], cycles: u64) -> Call {
    Call::CreateCanister { controllers: Some(controllers.to_vec()), cycles }
}

/// `install_code` of [`module`]`(variant)` into canister `n`.
pub fn install(n: u64, mode: InstallMode, variant: u8) -> Call {
    let (wasm_module, globals) = module(variant);
    Call::InstallCode { canister_id: c(n), mode, wasm_module, globals, sender_canister_version: None }
}

/// A take of canister `n` in the profile's API. `None` where the profile's API cannot
/// express an argument (`replace_snapshot` and `uninstall_code` in the proposal, a label in
/// the management API).
pub fn take_with(
    config: &Config,
    n: u64,
    replace: Option<SnapshotIdArg>,
    uninstall: Option<bool>,
    label: Option<String>,
) -> Option<Call> {
    match config.api {
        Api::Management if label.is_none() => Some(Call::TakeCanisterSnapshot(TakeArgs {
            canister_id: c(n),
            replace_snapshot: replace,
            uninstall_code: uninstall,
            sender_canister_version: None,
        })),
        Api::Proposal if replace.is_none() && uninstall.is_none() => {
            Some(Call::TakeSnapshot { canister_id: c(n), label })
        }
        _ => None,
    }
}

/// A plain take of canister `n` in the profile's API.
pub fn take(config: &Config, n: u64) -> Call {
    take_with(config, n, None, None, None).expect("a plain take is expressible in every API")
}

/// A load of `id` onto canister `n` in the profile's API.
pub fn load(config: &Config, n: u64, id: impl Into<SnapshotIdArg>) -> Call {
    let snapshot_id = id.into();
    match config.api {
        Api::Management => {
            Call::LoadCanisterSnapshot(LoadArgs { canister_id: c(n), snapshot_id, sender_canister_version: None })
        }
        Api::Proposal => Call::LoadSnapshot { snapshot_id, canister_id: c(n) },
    }
}

/// A listing of canister `n` in the profile's API.
pub fn list(config: &Config, n: u64) -> Call {
    match config.api {
        Api::Management => Call::ListCanisterSnapshots { canister_id: c(n) },
        Api::Proposal => Call::ListSnapshots { canister_id: c(n) },
    }
}

/// A deletion of `id` at canister `n` in the profile's API (the proposal's names no canister).
pub fn delete(config: &Config, n: u64, id: impl Into<SnapshotIdArg>) -> Call {
    let snapshot_id = id.into();
    match config.api {
        Api::Management => Call::DeleteCanisterSnapshot(DeleteArgs { canister_id: c(n), snapshot_id }),
        Api::Proposal => Call::DeleteSnapshot { snapshot_id },
    }
}

/// `update_settings` of the controllers.
pub fn set_controllers(n: u64, controllers: &[Principal]) -> Call {
    let settings = Settings { controllers: Some(controllers.to_vec()), ..Settings::default() };
    Call::UpdateSettings { canister_id: c(n), settings, sender_canister_version: None }
}

/// `update_settings` of the snapshot visibility.
pub fn set_visibility(n: u64, visibility: Visibility) -> Call {
    let settings = Settings { snapshot_visibility: Some(visibility), ..Settings::default() };
    Call::UpdateSettings { canister_id: c(n), settings, sender_canister_version: None }
}

/// `update_settings` of the status visibility.
pub fn set_status_visibility(n: u64, visibility: Visibility) -> Call {
    let settings = Settings { status_visibility: Some(visibility), ..Settings::default() };
    Call::UpdateSettings { canister_id: c(n), settings, sender_canister_version: None }
}

/// The canister writes `bytes` into its heap at `offset`.
pub fn write_heap(n: u64, offset: u64, bytes: &[u8]) -> Call {
    Call::WriteWasmMemory { canister_id: c(n), offset, bytes: bytes.to_vec() }
}

/// The canister writes `bytes` into stable memory at `offset`.
pub fn write_stable(n: u64, offset: u64, bytes: &[u8]) -> Call {
    Call::WriteStableMemory { canister_id: c(n), offset, bytes: bytes.to_vec() }
}

/// The canister reads its heap.
pub fn read_heap(n: u64, offset: u64, len: u64) -> Call {
    Call::ReadWasmMemory { canister_id: c(n), offset, len }
}

/// The canister reads stable memory.
pub fn read_stable(n: u64, offset: u64, len: u64) -> Call {
    Call::ReadStableMemory { canister_id: c(n), offset, len }
}

/// The canister sets global `index`.
pub fn set_global(n: u64, index: u32, value: Global) -> Call {
    Call::SetGlobal { canister_id: c(n), index, value }
}

/// The canister sets its certified data.
pub fn set_cert(n: u64, data: &[u8]) -> Call {
    Call::SetCertifiedData { canister_id: c(n), data: data.to_vec() }
}

/// The canister sets its global timer.
pub fn set_timer(n: u64, timer: Timer) -> Call {
    Call::SetTimer { canister_id: c(n), timer }
}

/// `upload_chunk`.
pub fn upload(n: u64, chunk: &[u8]) -> Call {
    Call::UploadChunk { canister_id: c(n), chunk: chunk.to_vec() }
}

/// `uninstall_code`.
pub fn uninstall(n: u64) -> Call {
    Call::UninstallCode { canister_id: c(n), sender_canister_version: None }
}

/// `stop_canister`.
pub fn stop(n: u64) -> Call {
    Call::StopCanister { canister_id: c(n) }
}

/// `start_canister`.
pub fn start(n: u64) -> Call {
    Call::StartCanister { canister_id: c(n) }
}

/// `delete_canister`.
pub fn delete_canister(n: u64) -> Call {
    Call::DeleteCanister { canister_id: c(n) }
}

/// `canister_status`.
pub fn status(n: u64) -> Call {
    Call::CanisterStatus { canister_id: c(n) }
}

/// `canister_info`.
pub fn info(n: u64) -> Call {
    Call::CanisterInfo { canister_id: c(n) }
}

// --- scripts -----------------------------------------------------------------------------------

/// A setup step did not do what the scenario says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One step as it ran: the request, the state before it and the model's transition.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The request.
    pub request: Request,
    /// The state before the step.
    pub before: State,
    /// What the model did.
    pub transition: Transition,
}

/// Requests run through the model one by one, from an empty subnet.
#[derive(Clone, Debug)]
pub struct Script<'c> {
    config: &'c Config,
    state: State,
    steps: Vec<Recorded>,
}

impl<'c> Script<'c> {
    /// An empty subnet under `config`.
    pub fn new(config: &'c Config) -> Script<'c> {
        Script { config, state: State::new(config), steps: Vec::new() }
    }

    /// The profile.
    pub fn config(&self) -> &'c Config {
        self.config
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The steps so far.
    pub fn steps(&self) -> &[Recorded] {
        &self.steps
    }

    /// The steps, consumed.
    pub fn into_steps(self) -> Vec<Recorded> {
        self.steps
    }

    /// The last step's transition.
    pub fn last(&self) -> Option<&Transition> {
        self.steps.last().map(|r| &r.transition)
    }

    /// Runs a request, whatever comes of it.
    pub fn run(&mut self, caller: Principal, call: Call) -> &Transition {
        let request = Request { caller, call };
        let transition = step(self.config, &self.state, &request);
        let before = std::mem::replace(&mut self.state, transition.state.clone());
        self.steps.push(Recorded { request, before, transition });
        &self.steps.last().expect("just pushed").transition
    }

    /// Runs a request that must reply.
    pub fn ok(&mut self, caller: Principal, call: Call) -> Result<Reply, SetupError> {
        let method = call.method_name();
        let index = self.steps.len();
        match &self.run(caller, call).outcome {
            Outcome::Reply(reply) => Ok(reply.clone()),
            Outcome::Reject(r) => Err(SetupError(format!(
                "step {index} ({method} by {}) was rejected: {} {}",
                name(&caller),
                r.error.code,
                r.error.message
            ))),
        }
    }

    /// Alice runs a request that must reply.
    pub fn a(&mut self, call: Call) -> Result<Reply, SetupError> {
        self.ok(alice(), call)
    }

    /// Runs a request that must be rejected with `code`.
    pub fn fails(&mut self, caller: Principal, call: Call, code: ErrorCode) -> Result<(), SetupError> {
        let method = call.method_name();
        let index = self.steps.len();
        match &self.run(caller, call).outcome {
            Outcome::Reject(r) if r.error.code == code => Ok(()),
            other => Err(SetupError(format!("step {index} ({method}): expected {code}, got {other:?}"))),
        }
    }

    /// Alice creates canister after canister (controlled by alice alone, ample cycles) until
    /// the subnet has exactly `leave` bytes of memory left. Fillers are sparse: big stable
    /// memories written at their last byte, and snapshots of them (at most the profile's
    /// limit each), plus one last canister sized to the byte by its page count and module
    /// length (a module of the Wasm header and zeros).
    pub fn fill_subnet(&mut self, leave: u64) -> Result<(), SetupError> {
        const PAGE: u64 = 65_536;
        // One 8-byte module, no user globals: 8 bytes plus the instrumentation global.
        const EXEC_BYTES_MIN: u64 = 8 + 32;
        let config = self.config;
        let pages = config.stable_memory_pages_max.min(snapspec_model::memory::MEMORY_WASM_PAGES_MAX);
        let unit = pages * PAGE + EXEC_BYTES_MIN;
        let capacity = config.resources.subnet_memory_capacity_bytes;
        let need = capacity
            .checked_sub(self.state.subnet_memory_used_bytes() + leave)
            .ok_or_else(|| SetupError("fill_subnet: the subnet is already fuller than asked".into()))?;
        let mut copies = need / unit;
        let mut rest = need - copies * unit;
        if rest < EXEC_BYTES_MIN && copies > 0 {
            copies -= 1;
            rest += unit;
        }
        if rest < EXEC_BYTES_MIN {
            return Err(SetupError("fill_subnet: too little to fill".into()));
        }
        while copies > 0 {
            let filler = self.filler(WASM_HEADER.to_vec(), pages)?;
            copies -= 1;
            let takes = copies.min(config.snapshots_per_canister_max);
            for _ in 0..takes {
                self.a(take(config, filler))?;
            }
            copies -= takes;
        }
        let last_pages = (rest - EXEC_BYTES_MIN) / PAGE;
        let module_bytes = rest - 32 - last_pages * PAGE;
        let mut module = WASM_HEADER.to_vec();
        module.resize(module_bytes as usize, 0);
        self.filler(module, last_pages)?;
        let available = capacity - self.state.subnet_memory_used_bytes();
        if available != leave {
            return Err(SetupError(format!("fill_subnet left {available} bytes, wanted {leave}")));
        }
        Ok(())
    }

    fn filler(&mut self, wasm_module: Vec<u8>, stable_pages: u64) -> Result<u64, SetupError> {
        let n = self.state.next_canister_index;
        self.a(create(&[alice()], 1 << 62))?;
        let call = Call::InstallCode {
            canister_id: c(n),
            mode: InstallMode::Install,
            wasm_module,
            globals: vec![],
            sender_canister_version: None,
        };
        self.a(call)?;
        if stable_pages > 0 {
            self.a(write_stable(n, stable_pages * 65_536 - 1, &[1]))?;
        }
        Ok(n)
    }
}
