//! Per-clause cases: one table ([`cases`]), one helper ([`check`]).
//!
//! Every case names a profile, a setup (calls that must succeed, or fail with a given code,
//! or the `FillSubnet` pseudo-step), one call, and what must come of it:
//! - a reply (matched by [`ReplyM`]) plus the exact set of state keys that change
//!   ([`observe`] projects a state onto readable keys such as `c0.version`), plus probes
//!   on the state after the call;
//! - or a rejection: the reported code, the violated clause ids in check order, and
//!   (optionally) the message; the state must be the input state.
//!
//! `exercised` lists clause ids that must appear in the step's `exercised`;
//! `not_exercised` lists ids that must not (e.g. `TAKE.LIMIT` when replacing).
//!
//! Meta-tests check that the table exercises every clause of `Clause::ALL` and violates
//! every precondition at least once.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use snapspec_model::call::{ProposalSnapshotInfo, StatusReply};
use snapspec_model::canister::{sha256, Change, ChangeDetails, ChangeOrigin, SnapshotSource};
use snapspec_model::clause::ClauseKind;
use snapspec_model::generators::{module, user};
use snapspec_model::ids::ANONYMOUS;
use snapspec_model::{
    step, Call, Canister, CanisterId, Certainty, Clause, Config, DeleteArgs, ErrorCode, Global, InstallMode, LoadArgs,
    Outcome, Principal, Reply, Request, Settings, SnapshotId, SnapshotIdArg, State, TakeArgs, Timer, Visibility,
};

// ------------------------------------------------------------------------------------------
// Names
// ------------------------------------------------------------------------------------------

/// Cycles that make every resource check pass in ordinary cases.
const BIG: u64 = 1 << 50;
/// The `ic` presets' genesis time.
const GENESIS: u64 = 1_700_000_000_000_000_000;
/// `total_size` of a snapshot of a fresh install of `module(0)`: 9 module bytes and
/// (2 globals + 1 instrumentation global) × 32 bytes.
const SIZE0: u64 = 9 + 32 * (2 + 1);
/// Take/load fee of the presets: base + 1 cycle per byte.
const FEE_BASE: u64 = 1_000_000;
/// Freezing threshold of the presets, cycles per byte of usage.
const FREEZE_PER_BYTE: u64 = 10;
const MIB: u64 = 1 << 20;
const PAGE: u64 = 65_536;

fn c(n: u64) -> CanisterId {
    CanisterId::from_index(n)
}
fn sid(n: u64, local: u64) -> SnapshotId {
    SnapshotId { owner: c(n), local }
}
fn alice() -> Principal {
    user(1)
}
fn bob() -> Principal {
    user(2)
}
fn carol() -> Principal {
    user(3)
}
/// Canister `n` calling as itself.
fn itself(n: u64) -> Principal {
    c(n).principal()
}
/// A canister that controls nothing: its calls reach the methods' own checks directly, where
/// a user's calls pass the replica's ingress filter first (INGRESS.*).
fn outsider() -> Principal {
    c(90).principal()
}
fn text(p: Principal) -> String {
    p.to_text()
}

// ------------------------------------------------------------------------------------------
// Calls
// ------------------------------------------------------------------------------------------

fn create() -> Call {
    Call::CreateCanister { controllers: None, cycles: BIG }
}
fn create_with(controllers: &[Principal], cycles: u64) -> Call {
    Call::CreateCanister { controllers: Some(controllers.to_vec()), cycles }
}
fn install(n: u64, mode: InstallMode, variant: u8) -> Call {
    let (wasm_module, globals) = module(variant);
    Call::InstallCode { canister_id: c(n), mode, wasm_module, globals, sender_canister_version: None }
}
fn take(n: u64) -> Call {
    Call::TakeCanisterSnapshot(TakeArgs {
        canister_id: c(n),
        replace_snapshot: None,
        uninstall_code: None,
        sender_canister_version: None,
    })
}
fn take_replace(n: u64, replace: impl Into<SnapshotIdArg>) -> Call {
    Call::TakeCanisterSnapshot(TakeArgs {
        canister_id: c(n),
        replace_snapshot: Some(replace.into()),
        uninstall_code: None,
        sender_canister_version: None,
    })
}
fn take_uninstall(n: u64, uninstall: bool) -> Call {
    Call::TakeCanisterSnapshot(TakeArgs {
        canister_id: c(n),
        replace_snapshot: None,
        uninstall_code: Some(uninstall),
        sender_canister_version: None,
    })
}
fn load(n: u64, id: impl Into<SnapshotIdArg>) -> Call {
    Call::LoadCanisterSnapshot(LoadArgs { canister_id: c(n), snapshot_id: id.into(), sender_canister_version: None })
}
fn list(n: u64) -> Call {
    Call::ListCanisterSnapshots { canister_id: c(n) }
}
fn delete(n: u64, id: impl Into<SnapshotIdArg>) -> Call {
    Call::DeleteCanisterSnapshot(DeleteArgs { canister_id: c(n), snapshot_id: id.into() })
}
fn p_take(n: u64, label: Option<&str>) -> Call {
    Call::TakeSnapshot { canister_id: c(n), label: label.map(str::to_owned) }
}
fn p_load(id: SnapshotId, n: u64) -> Call {
    Call::LoadSnapshot { snapshot_id: id.into(), canister_id: c(n) }
}
fn p_list(n: u64) -> Call {
    Call::ListSnapshots { canister_id: c(n) }
}
fn p_delete(id: SnapshotId) -> Call {
    Call::DeleteSnapshot { snapshot_id: id.into() }
}
fn write_heap(n: u64, offset: u64, bytes: &[u8]) -> Call {
    Call::WriteWasmMemory { canister_id: c(n), offset, bytes: bytes.to_vec() }
}
fn write_stable(n: u64, offset: u64, bytes: &[u8]) -> Call {
    Call::WriteStableMemory { canister_id: c(n), offset, bytes: bytes.to_vec() }
}
fn read_heap(n: u64, offset: u64, len: u64) -> Call {
    Call::ReadWasmMemory { canister_id: c(n), offset, len }
}
fn read_stable(n: u64, offset: u64, len: u64) -> Call {
    Call::ReadStableMemory { canister_id: c(n), offset, len }
}
fn set_global(n: u64, index: u32, value: Global) -> Call {
    Call::SetGlobal { canister_id: c(n), index, value }
}
fn set_cert(n: u64, data: &[u8]) -> Call {
    Call::SetCertifiedData { canister_id: c(n), data: data.to_vec() }
}
fn set_timer(n: u64, timer: Timer) -> Call {
    Call::SetTimer { canister_id: c(n), timer }
}
fn upload(n: u64, chunk: &[u8]) -> Call {
    Call::UploadChunk { canister_id: c(n), chunk: chunk.to_vec() }
}
fn clear_chunks(n: u64) -> Call {
    Call::ClearChunkStore { canister_id: c(n) }
}
fn status(n: u64) -> Call {
    Call::CanisterStatus { canister_id: c(n) }
}
fn info(n: u64) -> Call {
    Call::CanisterInfo { canister_id: c(n) }
}
fn stop(n: u64) -> Call {
    Call::StopCanister { canister_id: c(n) }
}
fn start(n: u64) -> Call {
    Call::StartCanister { canister_id: c(n) }
}
fn uninstall(n: u64) -> Call {
    Call::UninstallCode { canister_id: c(n), sender_canister_version: None }
}
fn set_controllers(n: u64, controllers: &[Principal]) -> Call {
    Call::UpdateSettings {
        canister_id: c(n),
        settings: Settings { controllers: Some(controllers.to_vec()), ..Settings::default() },
        sender_canister_version: None,
    }
}
fn set_visibility(n: u64, visibility: Visibility) -> Call {
    Call::UpdateSettings {
        canister_id: c(n),
        settings: Settings { snapshot_visibility: Some(visibility), ..Settings::default() },
        sender_canister_version: None,
    }
}
fn set_status_visibility(n: u64, visibility: Visibility) -> Call {
    Call::UpdateSettings {
        canister_id: c(n),
        settings: Settings { status_visibility: Some(visibility), ..Settings::default() },
        sender_canister_version: None,
    }
}
fn delete_canister(n: u64) -> Call {
    Call::DeleteCanister { canister_id: c(n) }
}
fn top_up(n: u64, cycles: u64) -> Call {
    Call::TopUp { canister_id: c(n), cycles }
}
fn advance(nanos: u64) -> Call {
    Call::AdvanceTime { nanos }
}

// ------------------------------------------------------------------------------------------
// Setup steps
// ------------------------------------------------------------------------------------------

/// One setup step. Setup steps are checked too: a setup that does not do what it says is
/// a broken case, not a passing one.
enum Step {
    /// Must reply.
    Ok(Request),
    /// Must be rejected with this code.
    Rejects(Request, ErrorCode),
    /// Creates filler canisters (controlled by alice) until the subnet has exactly `leave`
    /// bytes of memory available. Fillers use sparse stable memory and snapshots of it, so
    /// the 2 TiB of the presets cost nothing.
    FillSubnet { leave: u64 },
}

fn by(caller: Principal, call: Call) -> Step {
    Step::Ok(Request { caller, call })
}
/// Alice (the controller of everything the setups create) calls.
fn a(call: Call) -> Step {
    by(alice(), call)
}
fn fails(caller: Principal, call: Call, code: ErrorCode) -> Step {
    Step::Rejects(Request { caller, call }, code)
}

/// Alice creates `count` canisters (`c0`, `c1`, …) with [`BIG`] cycles and installs
/// `module(0)` in each.
fn installed(count: u64) -> Vec<Step> {
    (0..count).flat_map(|n| [a(create()), a(install(n, InstallMode::Install, 0))]).collect()
}
/// `count` takes of canister `n` by alice.
fn takes(n: u64, count: u64) -> Vec<Step> {
    (0..count).map(|_| a(take(n))).collect()
}

fn run_step(config: &Config, state: &mut State, setup: &Step) -> Result<(), String> {
    match setup {
        Step::Ok(request) => {
            let t = step(config, state, request);
            match t.outcome {
                Outcome::Reply(_) => *state = t.state,
                Outcome::Reject(r) => {
                    return Err(format!("{request:?} was rejected: {} {}", r.error.code, r.error.message))
                }
            }
        }
        Step::Rejects(request, code) => {
            let t = step(config, state, request);
            match t.outcome {
                Outcome::Reject(r) if r.error.code == *code => {}
                other => return Err(format!("{request:?}: expected {code}, got {other:?}")),
            }
        }
        Step::FillSubnet { leave } => {
            for request in fill_requests(config, state, *leave)? {
                run_step(config, state, &Step::Ok(request))?;
            }
            let available = config.resources.subnet_memory_capacity_bytes - state.subnet_memory_used_bytes();
            if available != *leave {
                return Err(format!("FillSubnet left {available} bytes, wanted {leave}"));
            }
        }
    }
    Ok(())
}

/// Filler F: stable memory of `P` pages, an 8-byte module without globals, and `k`
/// snapshots; filler G: whatever remains, to the byte, via its page count and module length.
fn fill_requests(config: &Config, state: &State, leave: u64) -> Result<Vec<Request>, String> {
    const P: u64 = 4_000_000;
    const GLOBAL_BYTES: u64 = 32; // no user globals + the instrumentation global
    let header = b"\0asm\x01\0\0\0".to_vec();
    let capacity = config.resources.subnet_memory_capacity_bytes;
    let need = capacity
        .checked_sub(state.subnet_memory_used_bytes() + leave)
        .ok_or("FillSubnet: subnet already fuller than asked")?;
    let unit = P * PAGE + GLOBAL_BYTES + header.len() as u64;
    let min_rest = GLOBAL_BYTES + header.len() as u64;
    let mut copies = need / unit;
    let mut rest = need - copies * unit;
    if rest < min_rest && copies > 0 {
        copies -= 1;
        rest += unit;
    }
    if rest < min_rest {
        return Err("FillSubnet: too little to fill".into());
    }
    let mut requests = Vec::new();
    let mut next = state.next_canister_index;
    let mut new_filler = |requests: &mut Vec<Request>, module_bytes: Vec<u8>, pages: u64| {
        let id = CanisterId::from_index(next);
        next += 1;
        requests.push(Request { caller: alice(), call: create_with(&[alice()], 1 << 62) });
        requests.push(Request {
            caller: alice(),
            call: Call::InstallCode {
                canister_id: id,
                mode: InstallMode::Install,
                wasm_module: module_bytes,
                globals: vec![],
                sender_canister_version: None,
            },
        });
        if pages > 0 {
            requests.push(Request {
                caller: alice(),
                call: Call::WriteStableMemory { canister_id: id, offset: pages * PAGE - 1, bytes: vec![1] },
            });
        }
        id
    };
    if copies > 0 {
        let f = new_filler(&mut requests, header.clone(), P);
        for _ in 1..copies {
            requests.push(Request {
                caller: alice(),
                call: Call::TakeCanisterSnapshot(TakeArgs {
                    canister_id: f,
                    replace_snapshot: None,
                    uninstall_code: None,
                    sender_canister_version: None,
                }),
            });
        }
    }
    let pages = (rest - min_rest) / PAGE;
    let module_len = rest - GLOBAL_BYTES - pages * PAGE;
    let mut module_bytes = header;
    module_bytes.resize(module_len as usize, 0);
    new_filler(&mut requests, module_bytes, pages);
    Ok(requests)
}

// ------------------------------------------------------------------------------------------
// Expectations
// ------------------------------------------------------------------------------------------

/// How a rejection's message is checked.
enum Msg {
    /// Not checked.
    Any,
    /// Exactly this (the model's message is the replica's prefix), and certainty `Exact`.
    Exact(String),
    /// Starts with this (for `CodeOnly`/`Unconfirmed` errors whose rendering is indicative).
    Prefix(String),
}

type ReplyPred = Box<dyn Fn(&Reply, &State) -> Result<(), String>>;
/// A probe's check: (state before, state after).
type ProbeFn = Box<dyn Fn(&State, &State) -> Result<(), String>>;

/// What a reply must be. `Pred` sees the reply and the state after the call.
enum ReplyM {
    Any,
    Empty,
    /// `take_canister_snapshot`'s record; `taken_at_timestamp` must be the time of the call.
    Taken {
        id: SnapshotId,
        total_size: u64,
    },
    /// The proposal's `take_snapshot` reply.
    Id(SnapshotId),
    /// `list_canister_snapshots`: ids and sizes, in this order.
    Listed(Vec<(SnapshotId, u64)>),
    Bytes(Vec<u8>),
    Canister(CanisterId),
    Pred(&'static str, ReplyPred),
}

enum Expect {
    Reply(ReplyM),
    Reject { code: ErrorCode, violated: Vec<&'static str>, message: Msg },
}

/// A check of the state after the call, given the state before.
struct Probe {
    what: String,
    check: ProbeFn,
}

struct Case {
    name: &'static str,
    profile: &'static str,
    setup: Vec<Step>,
    call: Request,
    expect: Expect,
    exercised: Vec<&'static str>,
    not_exercised: Vec<&'static str>,
    /// For replies: exactly the [`observe`] keys that differ between before and after.
    changes: Vec<&'static str>,
    probes: Vec<Probe>,
}

fn case(name: &'static str, profile: &'static str) -> Case {
    Case {
        name,
        profile,
        setup: Vec::new(),
        call: Request { caller: alice(), call: Call::Checkpoint },
        expect: Expect::Reply(ReplyM::Any),
        exercised: Vec::new(),
        not_exercised: Vec::new(),
        changes: Vec::new(),
        probes: Vec::new(),
    }
}

impl Case {
    fn setup(mut self, steps: impl IntoIterator<Item = Step>) -> Case {
        self.setup.extend(steps);
        self
    }
    fn call(mut self, caller: Principal, call: Call) -> Case {
        self.call = Request { caller, call };
        self
    }
    fn reply(mut self, m: ReplyM) -> Case {
        self.expect = Expect::Reply(m);
        self
    }
    fn reject(mut self, code: ErrorCode, violated: &[&'static str], message: Msg) -> Case {
        self.expect = Expect::Reject { code, violated: violated.to_vec(), message };
        self
    }
    fn exercises(mut self, ids: &[&'static str]) -> Case {
        self.exercised.extend_from_slice(ids);
        self
    }
    fn skips(mut self, ids: &[&'static str]) -> Case {
        self.not_exercised.extend_from_slice(ids);
        self
    }
    fn changes(mut self, keys: &[&'static str]) -> Case {
        self.changes.extend_from_slice(keys);
        self
    }
    fn probe(mut self, p: Probe) -> Case {
        self.probes.push(p);
        self
    }
}

// ------------------------------------------------------------------------------------------
// State projection and probes
// ------------------------------------------------------------------------------------------

fn cname(id: &CanisterId) -> String {
    let bytes = id.as_slice();
    if bytes.len() == 10 {
        format!("c{}", u64::from_be_bytes(bytes[..8].try_into().unwrap()))
    } else {
        id.to_string()
    }
}

fn short(hash: &[u8; 32]) -> String {
    hex::encode(&hash[..6])
}

/// A readable projection of everything a call may change, one key per aspect.
/// Memories render as size, Merkle root and dirty flag; snapshots as `local:size` with `*`
/// for unflushed changes.
fn observe(state: &State) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    keys.insert("time".to_owned(), state.time_ns.to_string());
    keys.insert("checkpoints".to_owned(), state.checkpoints.to_string());
    keys.insert("next_canister_index".to_owned(), state.next_canister_index.to_string());
    for (id, canister) in state.canisters.iter() {
        let n = cname(id);
        let mut put = |field: &str, value: String| {
            keys.insert(if field.is_empty() { n.clone() } else { format!("{n}.{field}") }, value);
        };
        put("", "exists".into());
        put("controllers", canister.controllers.iter().map(|p| p.to_text()).collect::<Vec<_>>().join(" "));
        put("status", format!("{:?}", canister.status));
        match &canister.execution {
            None => put("code", "empty".into()),
            Some(e) => {
                put("code", short(&e.module_hash));
                put("globals", format!("{:?}", e.globals));
                for (field, memory) in [("heap", &e.wasm_memory), ("stable", &e.stable_memory)] {
                    let dirty = if memory.is_dirty() { " dirty" } else { "" };
                    put(field, format!("{}p {}{dirty}", memory.size_wasm_pages(), short(&memory.root_hash())));
                }
            }
        }
        put("chunks", canister.chunk_store.keys().map(short).collect::<Vec<_>>().join(" "));
        put("certified_data", hex::encode(&canister.certified_data));
        put("timer", format!("{:?}", canister.global_timer));
        put("hook", format!("{:?}", canister.hook_status));
        put("version", canister.version.to_string());
        put("history", format!("{} {:?}", canister.history.total_num_changes, canister.history.recent.last()));
        put("visibility", format!("{:?}", canister.snapshot_visibility));
        put("status_visibility", format!("{:?}", canister.status_visibility));
        put("cycles", canister.cycles.to_string());
        put("next_snapshot_id", canister.next_snapshot_id.to_string());
        let snapshots = canister.snapshots.values().map(|s| {
            let dirty = if s.has_unflushed_changes() { "*" } else { "" };
            format!("{}:{}{dirty}", s.id.local, s.size_bytes)
        });
        put("snapshots", snapshots.collect::<Vec<_>>().join(" "));
        put("snapshots_size", canister.snapshots_size_bytes.to_string());
    }
    keys
}

/// Keys whose values differ; a canister that appears or disappears is reported as `cN` only.
fn diff(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> BTreeSet<String> {
    let all: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let changed: BTreeSet<String> = all.into_iter().filter(|k| before.get(*k) != after.get(*k)).cloned().collect();
    let whole: Vec<String> =
        changed.iter().filter(|k| k.starts_with('c') && !k.contains('.') && *k != "checkpoints").cloned().collect();
    changed.into_iter().filter(|k| !whole.iter().any(|w| k.starts_with(&format!("{w}.")))).collect()
}

fn canister_of(state: &State, n: u64) -> Result<&Canister, String> {
    state.canister(&c(n)).ok_or_else(|| format!("c{n} does not exist"))
}

fn probe(what: impl Into<String>, check: impl Fn(&State, &State) -> Result<(), String> + 'static) -> Probe {
    Probe { what: what.into(), check: Box::new(check) }
}

fn eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

fn p_version(n: u64, version: u64) -> Probe {
    probe(format!("c{n} version = {version}"), move |_, s| eq("version", canister_of(s, n)?.version, version))
}
fn p_locals(n: u64, locals: &[u64]) -> Probe {
    let want = locals.to_vec();
    probe(format!("c{n} snapshots = {want:?}"), move |_, s| {
        let got: Vec<u64> = canister_of(s, n)?.snapshots.keys().map(|id| id.local).collect();
        eq("snapshot locals", got, want.clone())
    })
}
fn p_next_id(n: u64, next: u64) -> Probe {
    probe(format!("c{n} next_snapshot_id = {next}"), move |_, s| {
        eq("next_snapshot_id", canister_of(s, n)?.next_snapshot_id, next)
    })
}
fn p_memory(n: u64, stable: bool, offset: u64, bytes: &[u8]) -> Probe {
    let want = bytes.to_vec();
    let which = if stable { "stable" } else { "heap" };
    probe(format!("c{n} {which}[{offset}..] = {:?}", String::from_utf8_lossy(bytes)), move |_, s| {
        let e = canister_of(s, n)?.execution.as_ref().ok_or("no code")?;
        let memory = if stable { &e.stable_memory } else { &e.wasm_memory };
        let got = memory.read(offset, want.len() as u64).map_err(|e| e.to_string())?;
        eq(which, got, want.clone())
    })
}
fn p_global(n: u64, index: usize, value: Global) -> Probe {
    probe(format!("c{n} global {index} = {value:?}"), move |_, s| {
        let e = canister_of(s, n)?.execution.as_ref().ok_or("no code")?;
        eq("global", e.globals.get(index).copied(), Some(value))
    })
}
fn p_chunks(n: u64, chunks: &[&str]) -> Probe {
    let want: Vec<[u8; 32]> = {
        let mut hashes: Vec<[u8; 32]> = chunks.iter().map(|chunk| sha256(chunk.as_bytes())).collect();
        hashes.sort();
        hashes
    };
    probe(format!("c{n} chunk store = {} chunks", chunks.len()), move |_, s| {
        eq("chunk hashes", canister_of(s, n)?.chunk_store.keys().copied().collect::<Vec<_>>(), want.clone())
    })
}
fn p_certified(n: u64, data: &[u8]) -> Probe {
    let want = data.to_vec();
    probe(format!("c{n} certified data"), move |_, s| {
        eq("certified data", canister_of(s, n)?.certified_data.clone(), want.clone())
    })
}
fn p_timer(n: u64, timer: Timer) -> Probe {
    probe(format!("c{n} timer = {timer:?}"), move |_, s| eq("timer", canister_of(s, n)?.global_timer, timer))
}
fn p_empty(n: u64) -> Probe {
    probe(format!("c{n} is empty"), move |_, s| eq("has code", canister_of(s, n)?.execution.is_some(), false))
}
fn p_cycles_spent(n: u64, cycles: u64) -> Probe {
    probe(format!("c{n} spent {cycles} cycles"), move |b, s| {
        eq("cycles spent", canister_of(b, n)?.cycles - canister_of(s, n)?.cycles, u128::from(cycles))
    })
}
fn p_history_added(n: u64, added: u64) -> Probe {
    probe(format!("c{n} history +{added}"), move |b, s| {
        eq(
            "new history entries",
            canister_of(s, n)?.history.total_num_changes - canister_of(b, n)?.history.total_num_changes,
            added,
        )
    })
}
fn p_history_last(n: u64, change: Change) -> Probe {
    probe(format!("c{n} last history entry"), move |_, s| {
        eq("last history entry", canister_of(s, n)?.history.recent.last().cloned(), Some(change.clone()))
    })
}
/// The last history entry of `c{n}` is a `load_snapshot` with these details, made by alice
/// at `time`, recorded at the version after the load.
fn p_load_entry(n: u64, time: u64, version: u64, details: ChangeDetails) -> Probe {
    p_history_last(
        n,
        Change {
            timestamp_ns: time,
            canister_version: version,
            origin: ChangeOrigin::FromUser { user_id: alice() },
            details,
        },
    )
}
fn load_details(
    snapshot: SnapshotId,
    version_at_take: u64,
    taken_at: u64,
    source: bool,
    from: Option<u64>,
) -> ChangeDetails {
    ChangeDetails::LoadSnapshot {
        canister_version: version_at_take,
        snapshot_id: snapshot,
        taken_at_timestamp: taken_at,
        source: source.then_some(SnapshotSource::TakenFromCanister),
        from_canister_id: from.map(c),
    }
}
fn p_subnet_snapshots(count: usize) -> Probe {
    probe(format!("{count} snapshots on the subnet"), move |_, s| eq("snapshot count", s.snapshot_count(), count))
}

// ------------------------------------------------------------------------------------------
// The helper
// ------------------------------------------------------------------------------------------

/// What a checked case contributed to coverage.
struct Checked {
    exercised: Vec<Clause>,
    violated: Vec<Clause>,
}

fn clause(id: &str) -> Clause {
    Clause::from_id(id).unwrap_or_else(|| panic!("unknown clause id `{id}`"))
}

fn check(case: &Case) -> Result<Checked, String> {
    let config = Config::preset(case.profile).ok_or_else(|| format!("unknown profile {}", case.profile))?;
    let mut state = State::new(&config);
    for (index, setup) in case.setup.iter().enumerate() {
        run_step(&config, &mut state, setup).map_err(|e| format!("setup step {index}: {e}"))?;
    }
    let before = state;
    let t = step(&config, &before, &case.call);
    let mut errors = Vec::new();

    for id in &case.exercised {
        if !t.exercised.contains(&clause(id)) {
            errors.push(format!("{id} not exercised"));
        }
    }
    for id in &case.not_exercised {
        if t.exercised.contains(&clause(id)) {
            errors.push(format!("{id} exercised but should not be"));
        }
    }
    let mut violated = Vec::new();
    match (&case.expect, &t.outcome) {
        (Expect::Reply(m), Outcome::Reply(reply)) => {
            if let Err(e) = match_reply(m, reply, &before, &t.state) {
                errors.push(format!("reply: {e}"));
            }
            let changed = diff(&observe(&before), &observe(&t.state));
            let want: BTreeSet<String> = case.changes.iter().map(|k| k.to_string()).collect();
            if changed != want {
                errors.push(format!(
                    "changed keys {changed:?}, expected {want:?} (unexpected: {:?}, missing: {:?})",
                    changed.difference(&want).collect::<Vec<_>>(),
                    want.difference(&changed).collect::<Vec<_>>()
                ));
            }
        }
        (Expect::Reject { code, violated: want, message }, Outcome::Reject(rejection)) => {
            if t.state != before {
                errors.push("a rejection changed the state".into());
            }
            if rejection.error.code != *code {
                errors.push(format!("code {} ({}), expected {code}", rejection.error.code, rejection.error.message));
            }
            violated = rejection.violated.iter().map(|v| v.clause).collect();
            let got: Vec<&str> = violated.iter().map(|c| c.id()).collect();
            if got != *want {
                errors.push(format!("violated {got:?}, expected {want:?}"));
            }
            if rejection.violated.first().map(|v| &v.error) != Some(&rejection.error) {
                errors.push("the reported error is not the first violation's".into());
            }
            match message {
                Msg::Any => {}
                Msg::Exact(text) => {
                    if rejection.error.message != *text {
                        errors.push(format!("message\n  got  {:?}\n  want {text:?}", rejection.error.message));
                    }
                    if rejection.error.certainty != Certainty::Exact {
                        errors.push(format!("certainty {:?}, expected Exact", rejection.error.certainty));
                    }
                }
                Msg::Prefix(prefix) => {
                    if !rejection.error.message.starts_with(prefix.as_str()) {
                        errors.push(format!("message\n  got  {:?}\n  want prefix {prefix:?}", rejection.error.message));
                    }
                }
            }
        }
        (Expect::Reply(_), Outcome::Reject(r)) => errors.push(format!(
            "expected a reply, got {} {} (violated {:?})",
            r.error.code,
            r.error.message,
            r.violated.iter().map(|v| v.clause.id()).collect::<Vec<_>>()
        )),
        (Expect::Reject { code, .. }, Outcome::Reply(reply)) => {
            errors.push(format!("expected {code}, got reply {reply:?}"))
        }
    }
    if matches!(t.outcome, Outcome::Reply(_)) {
        for p in &case.probes {
            if let Err(e) = (p.check)(&before, &t.state) {
                errors.push(format!("probe `{}`: {e}", p.what));
            }
        }
    }
    if errors.is_empty() {
        Ok(Checked { exercised: t.exercised, violated })
    } else {
        Err(errors.join("\n    "))
    }
}

fn match_reply(m: &ReplyM, reply: &Reply, before: &State, after: &State) -> Result<(), String> {
    match (m, reply) {
        (ReplyM::Any, _) => Ok(()),
        (ReplyM::Empty, Reply::Empty) => Ok(()),
        (ReplyM::Taken { id, total_size }, Reply::Snapshot(info)) => {
            eq("id", info.id, *id)?;
            eq("id bytes", info.id.to_bytes(), [id.local.to_be_bytes().as_slice(), id.owner.as_slice()].concat())?;
            eq("total_size", info.total_size, *total_size)?;
            eq("taken_at_timestamp", info.taken_at_timestamp, before.time_ns)
        }
        (ReplyM::Id(id), Reply::SnapshotId(got)) => eq("id", got, id),
        (ReplyM::Listed(want), Reply::Snapshots(got)) => {
            let got: Vec<(SnapshotId, u64)> = got.iter().map(|s| (s.id, s.total_size)).collect();
            eq("listed", got, want.clone())
        }
        (ReplyM::Bytes(want), Reply::Bytes(got)) => eq("bytes", got, want),
        (ReplyM::Canister(want), Reply::CanisterId(got)) => eq("canister", got, want),
        (ReplyM::Pred(what, pred), reply) => pred(reply, after).map_err(|e| format!("{what}: {e}")),
        (m, reply) => Err(format!("reply {reply:?} does not have the expected shape ({})", shape(m))),
    }
}

fn shape(m: &ReplyM) -> &'static str {
    match m {
        ReplyM::Any => "any",
        ReplyM::Empty => "empty",
        ReplyM::Taken { .. } => "snapshot record",
        ReplyM::Id(_) => "snapshot id",
        ReplyM::Listed(_) => "snapshot list",
        ReplyM::Bytes(_) => "bytes",
        ReplyM::Canister(_) => "canister id",
        ReplyM::Pred(what, _) => what,
    }
}

fn status_reply(reply: &Reply) -> Result<&StatusReply, String> {
    match reply {
        Reply::Status(s) => Ok(s),
        other => Err(format!("not a status reply: {other:?}")),
    }
}
fn proposal_list(reply: &Reply) -> Result<&[ProposalSnapshotInfo], String> {
    match reply {
        Reply::ProposalSnapshots(list) => Ok(list),
        other => Err(format!("not a proposal listing: {other:?}")),
    }
}

// ------------------------------------------------------------------------------------------
// Messages (ic-replica.md §1.4, §1.5, §2)
// ------------------------------------------------------------------------------------------

fn msg_not_found(n: u64) -> Msg {
    Msg::Exact(format!("Canister {} not found.", c(n)))
}
/// The ingress filter's texts (ic-replica.md §1.1).
fn msg_ingress_not_found(n: u64) -> Msg {
    Msg::Exact(format!("Canister {} not found", c(n)))
}
fn msg_ingress_controllers(n: u64, method: &str) -> Msg {
    Msg::Exact(format!("Only controllers of canister {} can call ic00 method {method}", c(n)))
}
fn msg_controllers(n: u64, controllers: &[Principal], sender: Principal) -> Msg {
    let list: Vec<String> = controllers.iter().map(|p| text(*p)).collect();
    Msg::Exact(format!(
        "Only the controllers of the canister {} can control it.\nCanister's controllers: {}\nSender's ID: {}",
        c(n),
        list.join(" "),
        text(sender)
    ))
}
fn msg_status_denied(caller: Principal) -> Msg {
    Msg::Exact(format!("Caller {} is not allowed to read the canister status", text(caller)))
}
fn msg_snapshot_not_found(id: SnapshotId, n: u64) -> Msg {
    Msg::Exact(format!("Could not find the snapshot ID {id} for canister {}.", c(n)))
}
fn msg_ownership(id: SnapshotId, n: u64) -> Msg {
    Msg::Exact(format!("The snapshot {id} does not belong to canister {}.", c(n)))
}
fn msg_limit(n: u64, limit: u64) -> Msg {
    Msg::Exact(format!("Canister {} has reached the maximum number of snapshots allowed: {limit}.", c(n)))
}
fn msg_empty(n: u64) -> Msg {
    Msg::Exact(format!("Failed to create snapshot for empty canister {}:", c(n)))
}
fn msg_out_of_cycles(n: u64) -> Msg {
    Msg::Prefix(format!("Canister snapshotting failed with: `Canister {} is out of cycles", c(n)))
}

// ------------------------------------------------------------------------------------------
// The table
// ------------------------------------------------------------------------------------------

use ErrorCode::*;

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(api_and_args());
    cases.extend(take_cases());
    cases.extend(take_order());
    cases.extend(load_cases());
    cases.extend(list_cases());
    cases.extend(delete_cases());
    cases.extend(lifecycle_cases());
    cases.extend(execution_cases());
    cases
}

#[rustfmt::skip]
fn api_and_args() -> Vec<Case> {
    vec![
        case("api: the proposal's method is unknown in ic", "ic")
            .setup(installed(1))
            .call(alice(), p_take(0, None))
            .reject(CanisterMethodNotFound, &["API.METHOD"], Msg::Exact("Management canister has no method 'take_snapshot'".into())),
        case("api: the management method is unknown in proposal-2024", "proposal-2024")
            .setup(installed(1))
            .call(alice(), list(0))
            .reject(CanisterMethodNotFound, &["API.METHOD"], Msg::Exact("Management canister has no method 'list_canister_snapshots'".into())),
        case("args: a 7-byte snapshot id is IC0408", "ic")
            .setup(installed(1))
            .call(alice(), load(0, SnapshotIdArg(vec![0; 7])))
            .reject(InvalidManagementPayload, &["ARGS.SNAPSHOT_ID"], Msg::Exact(
                "Payload deserialization error: InvalidLength(\"Invalid snapshot ID length: provided 7, minumum length expected 37.\")".into())),
        case("args: a 38-byte replace_snapshot is IC0408", "ic")
            .setup(installed(1))
            .call(alice(), take_replace(0, SnapshotIdArg(vec![0; 38])))
            .reject(InvalidManagementPayload, &["ARGS.SNAPSHOT_ID"], Msg::Exact(
                "Payload deserialization error: InvalidLength(\"Invalid snapshot ID length: provided 38, maximum length expected 37.\")".into())),
        case("args: decoding comes before the canister lookup (delete on a missing canister)", "ic")
            .call(outsider(), delete(9, SnapshotIdArg(vec![1, 2, 3])))
            .reject(InvalidManagementPayload, &["ARGS.SNAPSHOT_ID", "DELETE.EXISTS"], Msg::Prefix("Payload deserialization error: InvalidLength".into())),
        case("args: a malformed id does not hide the controller check (load)", "ic")
            .setup(installed(1))
            .call(outsider(), load(0, SnapshotIdArg(vec![0; 7])))
            .reject(InvalidManagementPayload, &["ARGS.SNAPSHOT_ID", "LOAD.CTRL"], Msg::Prefix("Payload deserialization error: InvalidLength".into())),
        case("args: a malformed replace_snapshot does not hide the controller check (take)", "ic")
            .setup(installed(1))
            .call(outsider(), take_replace(0, SnapshotIdArg(vec![0; 38])))
            .reject(InvalidManagementPayload, &["ARGS.SNAPSHOT_ID", "TAKE.CTRL"], Msg::Prefix("Payload deserialization error: InvalidLength".into())),
        case("args: a malformed replace_snapshot does not hide an empty canister (take)", "ic")
            .setup([a(create())])
            .call(alice(), take_replace(0, SnapshotIdArg(vec![0; 38])))
            .reject(InvalidManagementPayload, &["ARGS.SNAPSHOT_ID", "TAKE.NONEMPTY"], Msg::Prefix("Payload deserialization error: InvalidLength".into())),
        case("args: a malformed id stops the checks that read it (take: no limit check)", "ic")
            .setup(installed(1)).setup(takes(0, 10))
            .call(alice(), take_replace(0, SnapshotIdArg(vec![0; 38])))
            .reject(InvalidManagementPayload, &["ARGS.SNAPSHOT_ID"], Msg::Prefix("Payload deserialization error: InvalidLength".into())),
        case("ingress: a user's call is filtered before its arguments are decoded", "ic")
            .call(bob(), delete(9, SnapshotIdArg(vec![1, 2, 3])))
            .reject(CanisterNotFound, &["INGRESS.EXISTS", "ARGS.SNAPSHOT_ID", "DELETE.EXISTS"], msg_ingress_not_found(9)),
        case("args: malformed id in the proposal's delete_snapshot", "proposal-2024")
            .setup(installed(1))
            .call(alice(), Call::DeleteSnapshot { snapshot_id: SnapshotIdArg(vec![]) })
            .reject(InvalidManagementPayload, &["ARGS.SNAPSHOT_ID"], Msg::Prefix("Payload deserialization error:".into())),
        case("args: a 257-byte label is rejected", "proposal-2024")
            .setup(installed(1))
            .call(alice(), p_take(0, Some(&"x".repeat(257))))
            .reject(InvalidManagementPayload, &["ARGS.LABEL"], Msg::Exact("Snapshot label has 257 bytes; at most 256 are allowed.".into())),
        case("args: a 256-byte label is kept", "proposal-2024")
            .setup(installed(1))
            .call(alice(), p_take(0, Some(&"x".repeat(256))))
            .reply(ReplyM::Id(sid(0, 0)))
            .exercises(&["API.METHOD", "ARGS.LABEL", "TAKE.LABEL", "TAKE.ID"])
            .changes(&["c0.snapshots", "c0.snapshots_size", "c0.next_snapshot_id", "c0.cycles"])
            .probe(probe("label kept", |_, s| eq("label", canister_of(s, 0)?.snapshots.values().next().unwrap().label.clone(), Some("x".repeat(256))))),
    ]
}

#[rustfmt::skip]
fn take_cases() -> Vec<Case> {
    let take_changes: &[&str] = &["c0.snapshots", "c0.snapshots_size", "c0.next_snapshot_id", "c0.cycles"];
    vec![
        // --- preconditions, one at a time -------------------------------------------------
        case("take: missing canister is IC0301", "ic")
            .setup(installed(1))
            .call(outsider(), take(5))
            .reject(CanisterNotFound, &["TAKE.EXISTS"], msg_not_found(5)),
        case("take: a non-controller gets IC0512 with the controllers listed", "ic")
            .setup([a(create_with(&[alice(), bob()], BIG)), a(install(0, InstallMode::Install, 0))])
            .call(outsider(), take(0))
            .reject(CanisterInvalidController, &["TAKE.CTRL"], msg_controllers(0, &[alice(), bob()], outsider())),
        case("ingress: a user's take on a missing canister is refused by the filter", "ic")
            .setup(installed(1))
            .call(alice(), take(5))
            .reject(CanisterNotFound, &["INGRESS.EXISTS", "TAKE.EXISTS"], msg_ingress_not_found(5)),
        case("ingress: a user who controls nothing is refused by the filter", "ic")
            .setup([a(create_with(&[alice(), bob()], BIG)), a(install(0, InstallMode::Install, 0))])
            .call(carol(), take(0))
            .reject(CanisterInvalidController, &["INGRESS.CTRL", "TAKE.CTRL"], msg_ingress_controllers(0, "take_canister_snapshot")),
        case("ingress: the filter lets a controlling user through", "ic")
            .setup(installed(1))
            .call(alice(), take(0))
            .reply(ReplyM::Taken { id: sid(0, 0), total_size: SIZE0 })
            .exercises(&["INGRESS.EXISTS", "INGRESS.CTRL", "TAKE.EXISTS", "TAKE.CTRL"])
            .changes(take_changes),
        case("ingress: a canister caller is not filtered", "ic")
            .setup(installed(1))
            .call(outsider(), take(0))
            .reject(CanisterInvalidController, &["TAKE.CTRL"], Msg::Any)
            .skips(&["INGRESS.EXISTS", "INGRESS.CTRL"]),
        case("ingress: the proposal has no filter", "proposal-2024")
            .setup(installed(1))
            .call(bob(), p_take(0, None))
            .reject(CanisterInvalidController, &["TAKE.CTRL"], msg_controllers(0, &[alice()], bob()))
            .skips(&["INGRESS.EXISTS", "INGRESS.CTRL"]),
        case("take: anonymous has no right", "ic")
            .setup(installed(1))
            .call(ANONYMOUS, take(0))
            .reject(CanisterInvalidController, &["INGRESS.CTRL", "TAKE.CTRL"], msg_ingress_controllers(0, "take_canister_snapshot")),
        case("take: the canister itself has no right (self-call)", "ic")
            .setup(installed(1))
            .call(itself(0), take(0))
            .reject(CanisterInvalidController, &["TAKE.CTRL"], msg_controllers(0, &[alice()], itself(0))),
        case("take: replace_snapshot must exist", "ic")
            .setup(installed(1))
            .call(alice(), take_replace(0, sid(0, 7)))
            .reject(CanisterSnapshotNotFound, &["TAKE.REPLACE.EXISTS"], msg_snapshot_not_found(sid(0, 7), 0)),
        case("take: replace_snapshot must belong to the canister", "ic")
            .setup(installed(2)).setup(takes(0, 1)).setup(takes(1, 1))
            .call(alice(), take_replace(0, sid(1, 0)))
            .reject(CanisterRejectedMessage, &["TAKE.REPLACE.OWNED"], msg_ownership(sid(1, 0), 0)),
        case("take: replacing another canister's snapshot frees nothing (memory still checked)", "ic")
            .setup(installed(2)).setup(takes(1, 1)).setup([Step::FillSubnet { leave: 50 }])
            .call(alice(), take_replace(0, sid(1, 0)))
            .reject(CanisterRejectedMessage, &["TAKE.REPLACE.OWNED", "TAKE.MEMORY"], msg_ownership(sid(1, 0), 0)),
        case("take: the 11th snapshot exceeds the limit of 10 in ic", "ic")
            .setup(installed(1)).setup(takes(0, 10))
            .call(alice(), take(0))
            .reject(CanisterRejectedMessage, &["TAKE.LIMIT"], msg_limit(0, 10)),
        case("take: the 2nd snapshot exceeds the limit of 1 in ic-2024", "ic-2024")
            .setup(installed(1)).setup(takes(0, 1))
            .call(alice(), take(0))
            .reject(CanisterRejectedMessage, &["TAKE.LIMIT"], msg_limit(0, 1)),
        case("take: subnet memory", "ic")
            .setup(installed(1)).setup([Step::FillSubnet { leave: 50 }])
            .call(alice(), take(0))
            .reject(SubnetOversubscribed, &["TAKE.MEMORY"], Msg::Prefix(format!(
                "Canister requested {SIZE0} bytes of memory but only 50 bytes are available in the subnet."))),
        case("take: below the freezing threshold at the new usage (and so also the fee)", "ic")
            .setup([a(create_with(&[alice()], 2_000)), a(install(0, InstallMode::Install, 0))])
            .call(alice(), take(0))
            .reject(InsufficientCyclesInMemoryGrow, &["TAKE.FREEZE", "TAKE.FEE"], Msg::Prefix(format!(
                "Canister cannot grow memory by {SIZE0} bytes due to insufficient cycles. At least {} additional cycles are required.",
                FREEZE_PER_BYTE * 2 * SIZE0 - 2_000))),
        case("take: the fee", "ic")
            .setup([a(create_with(&[alice()], 500_000)), a(install(0, InstallMode::Install, 0))])
            .call(alice(), take(0))
            .reject(CanisterOutOfCycles, &["TAKE.FEE"], msg_out_of_cycles(0)),
        case("take: an empty canister", "ic")
            .setup([a(create())])
            .call(alice(), take(0))
            .reject(CanisterRejectedMessage, &["TAKE.NONEMPTY"], msg_empty(0)),
        case("take: an uninstalled canister", "ic-2024")
            .setup(installed(1)).setup([a(uninstall(0))])
            .call(alice(), take(0))
            .reject(CanisterRejectedMessage, &["TAKE.NONEMPTY"], msg_empty(0)),

        // --- effects ------------------------------------------------------------------------
        case("take: plain take changes only the snapshots and the balance", "ic")
            .setup(installed(1))
            .call(alice(), take(0))
            .reply(ReplyM::Taken { id: sid(0, 0), total_size: SIZE0 })
            .exercises(&["API.METHOD", "TAKE.EXISTS", "TAKE.CTRL", "TAKE.LIMIT", "TAKE.MEMORY", "TAKE.FREEZE", "TAKE.FEE",
                         "TAKE.NONEMPTY", "TAKE.CONTENT", "TAKE.ID", "TAKE.SIZE", "TAKE.REPLY", "TAKE.CHARGE", "TAKE.CANISTER_UNCHANGED"])
            .skips(&["TAKE.UNINSTALL", "TAKE.REPLACE.REMOVE"])
            .changes(take_changes)
            .probe(p_version(0, 1))
            .probe(p_history_added(0, 0))
            .probe(p_cycles_spent(0, FEE_BASE + SIZE0)),
        case("take: a stopped canister can be snapshotted", "ic")
            .setup(installed(1)).setup([a(stop(0))])
            .call(alice(), take(0))
            .reply(ReplyM::Taken { id: sid(0, 0), total_size: SIZE0 })
            .changes(take_changes),
        case("take: the snapshot holds module, globals, memories, chunks, certified data, timer, version, time", "ic")
            .setup(installed(1))
            .setup([a(write_heap(0, 10, b"heap")), a(write_stable(0, 20, b"stable")), a(set_global(0, 1, Global::I64(-5))),
                    a(upload(0, b"chunk")), a(set_cert(0, b"cert")), a(set_timer(0, Timer::Active(GENESIS + 99))), a(advance(42))])
            .call(alice(), take(0))
            .reply(ReplyM::Any)
            .exercises(&["TAKE.CONTENT"])
            .changes(take_changes)
            .probe(probe("snapshot content", |b, s| {
                let (canister, snapshot) = (canister_of(b, 0)?, canister_of(s, 0)?.snapshots.values().next().unwrap().clone());
                eq("execution", Some(&snapshot.execution), canister.execution.as_ref())?;
                eq("module", snapshot.execution.module.as_slice(), module(0).0.as_slice())?;
                eq("globals", snapshot.execution.globals.clone(), vec![Global::I32(0), Global::I64(-5)])?;
                eq("heap", snapshot.execution.wasm_memory.read(10, 4).unwrap(), b"heap".to_vec())?;
                eq("stable", snapshot.execution.stable_memory.read(20, 6).unwrap(), b"stable".to_vec())?;
                eq("chunks", snapshot.chunk_hashes_sorted(), vec![sha256(b"chunk")])?;
                eq("certified data", snapshot.certified_data.clone(), b"cert".to_vec())?;
                eq("timer", snapshot.global_timer, Some(Timer::Active(GENESIS + 99)))?;
                eq("hook", snapshot.hook_status, Some(canister.hook_status))?;
                eq("version", snapshot.canister_version, 1)?;
                eq("taken at", snapshot.taken_at_timestamp_ns, GENESIS + 42)?;
                eq("source", snapshot.source, SnapshotSource::TakenFromCanister)
            })),
        case("take: total_size = heap + stable + 32×(globals+1) + module + chunks×1MiB + certified data", "ic")
            .setup([a(create()), a(install(0, InstallMode::Install, 2)), // 3 globals
                    a(write_heap(0, 70_000, b"x")),                        // 2 heap pages
                    a(write_stable(0, 0, b"y")),                           // 1 stable page
                    a(upload(0, b"one")), a(upload(0, b"two")),             // 2 chunks
                    a(set_cert(0, b"12345"))])                             // 5 bytes
            .call(alice(), take(0))
            .reply(ReplyM::Taken { id: sid(0, 0), total_size: 2 * PAGE + PAGE + 32 * (3 + 1) + 9 + 2 * MIB + 5 })
            .exercises(&["TAKE.SIZE", "TAKE.REPLY"])
            .changes(take_changes)
            .probe(probe("snapshots_size is the size", |_, s| eq("snapshots_size", canister_of(s, 0)?.snapshots_size_bytes, 2 * PAGE + PAGE + 32 * 4 + 9 + 2 * MIB + 5))),
        case("take: id = u64be(counter) ‖ canister principal", "ic")
            .setup(installed(2)).setup(takes(1, 2))
            .call(alice(), take(1))
            .reply(ReplyM::Pred("id bytes", Box::new(|reply, _| match reply {
                Reply::Snapshot(info) => eq("id hex", hex::encode(info.id.to_bytes()), "0000000000000002".to_owned() + "00000000000000010101"),
                other => Err(format!("{other:?}")),
            })))
            .changes(&["c1.snapshots", "c1.snapshots_size", "c1.next_snapshot_id", "c1.cycles"]),
        case("take: ids are not reused after delete", "ic")
            .setup(installed(1)).setup(takes(0, 1)).setup([a(delete(0, sid(0, 0)))])
            .call(alice(), take(0))
            .reply(ReplyM::Taken { id: sid(0, 1), total_size: SIZE0 })
            .changes(take_changes)
            .probe(p_next_id(0, 2)),
        case("take: ids are not reused after replace", "ic")
            .setup(installed(1)).setup(takes(0, 1)).setup([a(take_replace(0, sid(0, 0)))])
            .call(alice(), take(0))
            .reply(ReplyM::Taken { id: sid(0, 2), total_size: SIZE0 })
            .changes(take_changes)
            .probe(p_locals(0, &[1, 2])),
        case("take: failed takes consume no id", "ic")
            .setup(installed(1))
            .setup([fails(bob(), take(0), CanisterInvalidController),
                    fails(alice(), take_replace(0, sid(0, 0)), CanisterSnapshotNotFound),
                    fails(alice(), take(3), CanisterNotFound)])
            .call(alice(), take(0))
            .reply(ReplyM::Taken { id: sid(0, 0), total_size: SIZE0 })
            .changes(take_changes),
        case("take: replace at the limit removes the old snapshot and skips the limit", "ic")
            .setup(installed(1)).setup(takes(0, 10))
            .call(alice(), take_replace(0, sid(0, 3)))
            .reply(ReplyM::Taken { id: sid(0, 10), total_size: SIZE0 })
            .exercises(&["TAKE.REPLACE.EXISTS", "TAKE.REPLACE.OWNED", "TAKE.REPLACE.REMOVE"])
            .skips(&["TAKE.LIMIT"])
            .changes(&["c0.snapshots", "c0.next_snapshot_id", "c0.cycles"])
            .probe(p_locals(0, &[0, 1, 2, 4, 5, 6, 7, 8, 9, 10])),
        case("take: a missing replace_snapshot at the limit reports only the replace (no limit check)", "ic")
            .setup(installed(1)).setup(takes(0, 10))
            .call(alice(), take_replace(0, sid(0, 42)))
            .reject(CanisterSnapshotNotFound, &["TAKE.REPLACE.EXISTS"], msg_snapshot_not_found(sid(0, 42), 0)),
        case("take: a failed replace keeps the old snapshot (the state is unchanged)", "ic")
            .setup([a(create_with(&[alice()], 1_000_000 + FEE_BASE + SIZE0)), a(install(0, InstallMode::Install, 0))]).setup(takes(0, 1))
            .call(alice(), take_replace(0, sid(0, 0)))
            .reject(CanisterOutOfCycles, &["TAKE.FEE"], msg_out_of_cycles(0)),
        case("take: replace in ic-2024 (one slot, explicit)", "ic-2024")
            .setup(installed(1)).setup(takes(0, 1))
            .call(alice(), take_replace(0, sid(0, 0)))
            .reply(ReplyM::Taken { id: sid(0, 1), total_size: SIZE0 })
            .exercises(&["TAKE.REPLACE.REMOVE"]).skips(&["TAKE.LIMIT"])
            .changes(&["c0.snapshots", "c0.next_snapshot_id", "c0.cycles"])
            .probe(p_locals(0, &[1])),
        case("take: proposal's single slot is replaced implicitly", "proposal-2024")
            .setup(installed(1)).setup([a(p_take(0, Some("first")))])
            .call(alice(), p_take(0, Some("second")))
            .reply(ReplyM::Id(sid(0, 1)))
            .exercises(&["TAKE.IMPLICIT_REPLACE", "TAKE.REPLACE.REMOVE", "TAKE.LABEL"])
            .skips(&["TAKE.LIMIT"])
            .changes(&["c0.snapshots", "c0.next_snapshot_id", "c0.cycles"])
            .probe(p_locals(0, &[1]))
            .probe(probe("the new label", |_, s| eq("label", canister_of(s, 0)?.snapshots.values().next().unwrap().label.clone(), Some("second".into())))),
        case("take: with uninstall_code the canister is emptied after the snapshot, snapshots kept", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .setup([a(write_heap(0, 0, b"h")), a(write_stable(0, 0, b"s")), a(upload(0, b"k")), a(set_cert(0, b"cd")),
                    a(set_timer(0, Timer::Active(GENESIS + 7)))])
            .call(alice(), take_uninstall(0, true))
            .reply(ReplyM::Taken { id: sid(0, 1), total_size: 2 * PAGE + SIZE0 + MIB + 2 })
            .exercises(&["TAKE.UNINSTALL", "TAKE.CONTENT"])
            .skips(&["TAKE.CANISTER_UNCHANGED"])
            .changes(&["c0.snapshots", "c0.snapshots_size", "c0.next_snapshot_id", "c0.cycles", "c0.code", "c0.globals", "c0.heap",
                       "c0.stable", "c0.chunks", "c0.certified_data", "c0.timer", "c0.version", "c0.history"])
            .probe(p_empty(0))
            .probe(p_locals(0, &[0, 1]))
            .probe(p_version(0, 2))
            .probe(p_history_added(0, 1))
            .probe(p_history_last(0, Change { timestamp_ns: GENESIS, canister_version: 2,
                origin: ChangeOrigin::FromUser { user_id: alice() }, details: ChangeDetails::CodeUninstall }))
            .probe(probe("the snapshot has the pre-uninstall state and version", |_, s| {
                let snapshot = canister_of(s, 0)?.snapshots.get(&sid(0, 1)).cloned().ok_or("no snapshot 1")?;
                eq("version", snapshot.canister_version, 1)?;
                eq("stable", snapshot.execution.stable_memory.read(0, 1).unwrap(), b"s".to_vec())?;
                eq("chunks", snapshot.chunk_store.len(), 1)?;
                eq("timer", snapshot.global_timer, Some(Timer::Active(GENESIS + 7)))
            })),
        case("take: uninstall_code offsets the memory the snapshot adds", "ic")
            .setup(installed(1)).setup([Step::FillSubnet { leave: 50 }])
            .call(alice(), take_uninstall(0, true))
            .reply(ReplyM::Taken { id: sid(0, 0), total_size: SIZE0 })
            .exercises(&["TAKE.MEMORY", "TAKE.UNINSTALL"])
            .changes(&["c0.snapshots", "c0.snapshots_size", "c0.next_snapshot_id", "c0.cycles", "c0.code", "c0.globals", "c0.heap",
                       "c0.stable", "c0.version", "c0.history"]),
        case("take: uninstall_code = false is a plain take", "ic")
            .setup(installed(1))
            .call(alice(), take_uninstall(0, false))
            .reply(ReplyM::Taken { id: sid(0, 0), total_size: SIZE0 })
            .exercises(&["TAKE.CANISTER_UNCHANGED"]).skips(&["TAKE.UNINSTALL", "TAKE.UNINSTALL.IGNORED"])
            .changes(take_changes),
        case("take: ic-0.50 has no uninstall_code; the field is dropped", "ic-0.50")
            .setup(installed(1))
            .call(alice(), take_uninstall(0, true))
            .reply(ReplyM::Taken { id: sid(0, 0), total_size: SIZE0 })
            .exercises(&["TAKE.UNINSTALL.IGNORED", "TAKE.CANISTER_UNCHANGED"]).skips(&["TAKE.UNINSTALL"])
            .changes(take_changes),
        case("take: ic-0.54 honours uninstall_code", "ic-0.54")
            .setup(installed(1))
            .call(alice(), take_uninstall(0, true))
            .reply(ReplyM::Taken { id: sid(0, 0), total_size: SIZE0 })
            .exercises(&["TAKE.UNINSTALL"])
            .changes(&["c0.snapshots", "c0.snapshots_size", "c0.next_snapshot_id", "c0.cycles", "c0.code", "c0.globals", "c0.heap",
                       "c0.stable", "c0.version", "c0.history"]),
    ]
}

/// Two or three preconditions violated at once: the first in check order is reported and
/// every one is listed. `ic` uses the replica's order (empty-canister check after the
/// resource checks), `proposal-2024` the spec's (empty-canister check after the controller).
#[rustfmt::skip]
fn take_order() -> Vec<Case> {
    // Balance left after 10 takes (or 1 in ic-2024/proposal): above the freezing threshold
    // of one more snapshot, below threshold + fee.
    const LEFT: u64 = 20_000;
    let fee = FEE_BASE + SIZE0;
    vec![
        case("order: non-controller AND missing replace_snapshot", "ic")
            .setup(installed(1))
            .call(outsider(), take_replace(0, sid(0, 5)))
            .reject(CanisterInvalidController, &["TAKE.CTRL", "TAKE.REPLACE.EXISTS"], msg_controllers(0, &[alice()], outsider())),
        case("order: non-controller AND limit reached", "ic")
            .setup(installed(1)).setup(takes(0, 10))
            .call(outsider(), take(0))
            .reject(CanisterInvalidController, &["TAKE.CTRL", "TAKE.LIMIT"], Msg::Any),
        case("order: limit AND empty canister (replica order)", "ic")
            .setup(installed(1)).setup(takes(0, 10)).setup([a(uninstall(0))])
            .call(alice(), take(0))
            .reject(CanisterRejectedMessage, &["TAKE.LIMIT", "TAKE.NONEMPTY"], msg_limit(0, 10)),
        case("order: limit AND empty canister (replica order, one slot)", "ic-2024")
            .setup(installed(1)).setup(takes(0, 1)).setup([a(uninstall(0))])
            .call(alice(), take(0))
            .reject(CanisterRejectedMessage, &["TAKE.LIMIT", "TAKE.NONEMPTY"], msg_limit(0, 1)),
        case("order: empty canister at the proposal's slot (no limit to violate)", "proposal-2024")
            .setup(installed(1)).setup([a(p_take(0, None)), a(uninstall(0))])
            .call(alice(), p_take(0, None))
            .reject(CanisterRejectedMessage, &["TAKE.NONEMPTY"], msg_empty(0))
            .exercises(&["TAKE.IMPLICIT_REPLACE"]),
        case("order: limit AND insufficient cycles", "ic")
            .setup([a(create_with(&[alice()], 10 * fee + LEFT)), a(install(0, InstallMode::Install, 0))]).setup(takes(0, 10))
            .call(alice(), take(0))
            .reject(CanisterRejectedMessage, &["TAKE.LIMIT", "TAKE.FEE"], msg_limit(0, 10)),
        case("order: limit AND insufficient cycles (one slot)", "ic-2024")
            .setup([a(create_with(&[alice()], fee + LEFT)), a(install(0, InstallMode::Install, 0))]).setup(takes(0, 1))
            .call(alice(), take(0))
            .reject(CanisterRejectedMessage, &["TAKE.LIMIT", "TAKE.FEE"], msg_limit(0, 1)),
        case("order: insufficient cycles at the proposal's slot (implicit replace, no limit)", "proposal-2024")
            .setup([a(create_with(&[alice()], fee + LEFT)), a(install(0, InstallMode::Install, 0)), a(p_take(0, None))])
            .call(alice(), p_take(0, None))
            .reject(CanisterOutOfCycles, &["TAKE.FEE"], msg_out_of_cycles(0))
            .exercises(&["TAKE.IMPLICIT_REPLACE"]).skips(&["TAKE.LIMIT"]),
        case("order: insufficient cycles AND empty canister (replica: cycles first)", "ic")
            .setup([a(create_with(&[alice()], 0))])
            .call(alice(), take(0))
            .reject(CanisterOutOfCycles, &["TAKE.FEE", "TAKE.NONEMPTY"], msg_out_of_cycles(0)),
        case("order: empty canister AND insufficient cycles (spec: empty first)", "proposal-2024")
            .setup([a(create_with(&[alice()], 0))])
            .call(alice(), p_take(0, None))
            .reject(CanisterRejectedMessage, &["TAKE.NONEMPTY", "TAKE.FEE"], msg_empty(0)),
        case("order: non-controller, cycles, empty (replica)", "ic")
            .setup([a(create_with(&[alice()], 0))])
            .call(outsider(), take(0))
            .reject(CanisterInvalidController, &["TAKE.CTRL", "TAKE.FEE", "TAKE.NONEMPTY"], Msg::Any),
        case("order: non-controller, empty, cycles (spec)", "proposal-2024")
            .setup([a(create_with(&[alice()], 0))])
            .call(bob(), p_take(0, None))
            .reject(CanisterInvalidController, &["TAKE.CTRL", "TAKE.NONEMPTY", "TAKE.FEE"], Msg::Any),
        case("order: subnet memory before the freezing threshold", "ic")
            .setup([a(create_with(&[alice()], 2_000)), a(install(0, InstallMode::Install, 0)), Step::FillSubnet { leave: 50 }])
            .call(alice(), take(0))
            .reject(SubnetOversubscribed, &["TAKE.MEMORY", "TAKE.FREEZE", "TAKE.FEE"], Msg::Any),
        case("order: load — non-controller AND missing snapshot", "ic")
            .setup(installed(1))
            .call(outsider(), load(0, sid(0, 0)))
            .reject(CanisterInvalidController, &["LOAD.CTRL", "LOAD.SNAPSHOT.EXISTS"], Msg::Any),
        case("order: load — not controlling the owner AND not loadable", "ic")
            .setup(installed(1)).setup([a(create_with(&[alice(), bob()], BIG)), a(install(1, InstallMode::Install, 0))])
            .setup([a(write_heap(0, 0, b"dirty")), a(take(0))])
            .call(bob(), load(1, sid(0, 0)))
            .reject(CanisterRejectedMessage, &["LOAD.CROSS.CTRL", "LOAD.CROSS.LOADABLE"], Msg::Prefix("Only a controller of the canister".into())),
        // G3 builds the memories before it charges the baseline; G2 charged first.
        case("order: load — not loadable AND the baseline (G3: memories first)", "ic")
            .setup(installed(1)).setup([a(write_heap(0, 0, b"dirty")), a(take(0)), a(create_with(&[alice()], 0))])
            .call(alice(), load(1, sid(0, 0)))
            .reject(CanisterRejectedMessage, &["LOAD.CROSS.LOADABLE", "LOAD.FEE.BASE", "LOAD.FREEZE", "LOAD.FEE"], Msg::Prefix("Snapshot".into())),
        case("order: load — the baseline AND not loadable (G2: baseline first)", "ic-0.54")
            .setup(installed(1)).setup([a(write_heap(0, 0, b"dirty")), a(take(0)), a(create_with(&[alice()], 0))])
            .call(alice(), load(1, sid(0, 0)))
            .reject(CanisterOutOfCycles, &["LOAD.FEE.BASE", "LOAD.CROSS.LOADABLE", "LOAD.FREEZE", "LOAD.FEE"], msg_out_of_cycles(1)),
        case("order: delete — non-controller AND missing snapshot", "ic")
            .setup(installed(1))
            .call(outsider(), delete(0, sid(0, 0)))
            .reject(CanisterInvalidController, &["DELETE.CTRL", "DELETE.SNAPSHOT.EXISTS"], Msg::Any),
    ]
}

#[rustfmt::skip]
fn load_cases() -> Vec<Case> {
    // The rollback case's snapshot 0: 1 heap page, 1 stable page, module(0), 1 chunk, 5 bytes.
    let rollback_size = PAGE + PAGE + SIZE0 + MIB + 5;
    let restore_changes: &[&str] = &["c0.globals", "c0.heap", "c0.stable", "c0.chunks", "c0.certified_data", "c0.version", "c0.history", "c0.cycles"];
    let simple = || installed(1).into_iter().chain([a(advance(5)), a(take(0)), a(advance(10))]);
    let load_changes: &[&str] = &["c0.version", "c0.history", "c0.cycles"];
    let mut cases = vec![
        // --- preconditions ------------------------------------------------------------------
        case("load: missing target is IC0301", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .call(outsider(), load(7, sid(0, 0)))
            .reject(CanisterNotFound, &["LOAD.EXISTS"], msg_not_found(7)),
        case("load: non-controller of the target", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .call(outsider(), load(0, sid(0, 0)))
            .reject(CanisterInvalidController, &["LOAD.CTRL"], msg_controllers(0, &[alice()], outsider())),
        case("ingress: a user's load onto a canister they do not control", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .call(bob(), load(0, sid(0, 0)))
            .reject(CanisterInvalidController, &["INGRESS.CTRL", "LOAD.CTRL"], msg_ingress_controllers(0, "load_canister_snapshot")),
        case("load: the canister itself has no right", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .call(itself(0), load(0, sid(0, 0)))
            .reject(CanisterInvalidController, &["LOAD.CTRL"], msg_controllers(0, &[alice()], itself(0))),
        case("load: missing snapshot is IC0305", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .call(alice(), load(0, sid(0, 3)))
            .reject(CanisterSnapshotNotFound, &["LOAD.SNAPSHOT.EXISTS"], msg_snapshot_not_found(sid(0, 3), 0)),
        case("load: a snapshot of a deleted canister is gone (G3: reported for the owner)", "ic")
            .setup(installed(2)).setup(takes(0, 1)).setup([a(stop(0)), a(delete_canister(0))])
            .call(alice(), load(1, sid(0, 0)))
            .reject(CanisterSnapshotNotFound, &["LOAD.SNAPSHOT.EXISTS"], msg_snapshot_not_found(sid(0, 0), 0)),
        case("load: another canister's snapshot without cross-canister load (ic-0.35)", "ic-0.35")
            .setup(installed(2)).setup(takes(0, 1)).setup([a(Call::Checkpoint)])
            .call(alice(), load(1, sid(0, 0)))
            .reject(CanisterRejectedMessage, &["LOAD.OWNED"], msg_ownership(sid(0, 0), 1)),
        case("load: another canister's snapshot without cross-canister load (ic-2024)", "ic-2024")
            .setup(installed(2)).setup(takes(0, 1)).setup([a(Call::Checkpoint)])
            .call(alice(), load(1, sid(0, 0)))
            .reject(CanisterRejectedMessage, &["LOAD.OWNED"], msg_ownership(sid(0, 0), 1)),
        case("load: another canister's snapshot in the proposal (same canister only)", "proposal-2024")
            .setup(installed(2)).setup([a(p_take(0, None)), a(Call::Checkpoint)])
            .call(alice(), p_load(sid(0, 0), 1))
            .reject(CanisterRejectedMessage, &["LOAD.OWNED"], msg_ownership(sid(0, 0), 1)),
        case("load: cross-canister needs control of the owner", "ic")
            .setup(installed(1)).setup([a(create_with(&[alice(), bob()], BIG)), a(install(1, InstallMode::Install, 0))]).setup(takes(0, 1))
            .call(bob(), load(1, sid(0, 0)))
            .reject(CanisterRejectedMessage, &["LOAD.CROSS.CTRL"], Msg::Exact(format!(
                "Only a controller of the canister that snapshot {} belongs to can load it on canister {}. Sender: {}.",
                sid(0, 0), c(1), text(bob())))),
        case("load: cross-canister before a checkpoint after the owner's writes", "ic")
            .setup(installed(2)).setup([a(write_stable(0, 0, b"v1")), a(take(0))])
            .call(alice(), load(1, sid(0, 0)))
            .reject(CanisterRejectedMessage, &["LOAD.CROSS.LOADABLE"], Msg::Exact(format!(
                "Snapshot {} is not currently loadable on the specified canister {}. Try again later. The call should succeed if you wait sufficiently long (usually ten minutes).",
                sid(0, 0), c(1)))),
        case("load: subnet memory", "ic")
            .setup(installed(1)).setup([a(write_stable(0, 0, b"v1")), a(take(0)), a(uninstall(0)), Step::FillSubnet { leave: 1_000 }])
            .call(alice(), load(0, sid(0, 0)))
            .reject(SubnetOversubscribed, &["LOAD.MEMORY"], Msg::Prefix(format!(
                "Canister requested {} bytes of memory but only 1000 bytes are available in the subnet.", PAGE + SIZE0))),
        // The target c1 (usage SIZE0) loads c0's snapshot of PAGE + SIZE0 bytes: its usage
        // becomes PAGE + SIZE0. The baseline is paid first, at the current usage.
        case("load: below the freezing threshold at the new usage once the baseline is paid (and so also the fee)", "ic")
            .setup(installed(1)).setup([a(write_stable(0, 0, b"v1")), a(take(0)), a(Call::Checkpoint),
                                        a(create_with(&[alice()], FEE_BASE + FREEZE_PER_BYTE * SIZE0 + 100_000)),
                                        a(install(1, InstallMode::Install, 0))])
            .call(alice(), load(1, sid(0, 0)))
            .reject(InsufficientCyclesInMemoryGrow, &["LOAD.FREEZE", "LOAD.FEE"], Msg::Any),
        case("load: the per-byte fee", "ic")
            .setup(installed(1)).setup([a(write_stable(0, 0, b"v1")), a(take(0)), a(Call::Checkpoint),
                                        a(create_with(&[alice()], FEE_BASE + FREEZE_PER_BYTE * (PAGE + SIZE0) + (PAGE + SIZE0) - 1)),
                                        a(install(1, InstallMode::Install, 0))])
            .call(alice(), load(1, sid(0, 0)))
            .reject(CanisterOutOfCycles, &["LOAD.FEE"], msg_out_of_cycles(1)),
        // The target c1 holds 20 pages of stable memory and loads c0's snapshot of SIZE0 bytes:
        // after the load it could pay everything, but the baseline is charged first, when
        // its usage is still 20 pages.
        case("load: the baseline, at the current usage, before the memory checks", "ic")
            .setup(installed(1)).setup([a(take(0)), a(Call::Checkpoint),
                                        a(create_with(&[alice()], FREEZE_PER_BYTE * (20 * PAGE + SIZE0) + FEE_BASE - 1)),
                                        a(install(1, InstallMode::Install, 0)), a(write_stable(1, 20 * PAGE - 1, b"x"))])
            .call(alice(), load(1, sid(0, 0)))
            .reject(CanisterOutOfCycles, &["LOAD.FEE.BASE"], msg_out_of_cycles(1)),
        case("load: the baseline and the whole fee are paid with nothing to spare", "ic")
            .setup(installed(1)).setup([a(take(0)), a(Call::Checkpoint),
                                        a(create_with(&[alice()], FREEZE_PER_BYTE * (20 * PAGE + SIZE0) + FEE_BASE)),
                                        a(install(1, InstallMode::Install, 0)), a(write_stable(1, 20 * PAGE - 1, b"x"))])
            .call(alice(), load(1, sid(0, 0)))
            .reply(ReplyM::Empty)
            .changes(&["c1.stable", "c1.version", "c1.history", "c1.cycles"])
            .probe(p_cycles_spent(1, FEE_BASE + SIZE0)),

        // --- effects ------------------------------------------------------------------------
        case("load: restores heap, stable, globals, chunks, certified data; keeps timer, controllers, status, other snapshots", "ic")
            .setup(installed(1))
            .setup([a(write_heap(0, 0, b"heap-v1")), a(write_stable(0, 0, b"stable-v1")), a(set_global(0, 0, Global::I32(7))),
                    a(upload(0, b"chunk-1")), a(set_cert(0, b"cd-v1")), a(set_timer(0, Timer::Active(GENESIS + 1_000))),
                    a(advance(5)), a(take(0)),
                    a(write_heap(0, 0, b"heap-v2")), a(write_stable(0, 0, b"stable-v2")), a(set_global(0, 0, Global::I32(9))),
                    a(upload(0, b"chunk-2")), a(set_cert(0, b"cd-v2")), a(set_timer(0, Timer::Active(GENESIS + 2_000))),
                    a(set_controllers(0, &[alice(), bob()])), a(take(0)), a(stop(0)), a(advance(10))])
            .call(alice(), load(0, sid(0, 0)))
            .reply(ReplyM::Empty)
            .exercises(&["LOAD.EXISTS", "LOAD.CTRL", "LOAD.SNAPSHOT.EXISTS", "LOAD.FEE.BASE", "LOAD.MEMORY", "LOAD.FREEZE", "LOAD.FEE",
                         "LOAD.RESTORE", "LOAD.KEEP", "LOAD.TIMER.KEEP", "LOAD.VERSION", "LOAD.HISTORY", "LOAD.CHARGE"])
            .skips(&["LOAD.CROSS.CTRL", "LOAD.CROSS.LOADABLE", "LOAD.OWNED"])
            .changes(restore_changes)
            .probe(p_memory(0, false, 0, b"heap-v1"))
            .probe(p_memory(0, true, 0, b"stable-v1"))
            .probe(p_global(0, 0, Global::I32(7)))
            .probe(p_chunks(0, &["chunk-1"]))
            .probe(p_certified(0, b"cd-v1"))
            .probe(p_timer(0, Timer::Active(GENESIS + 2_000)))
            .probe(p_locals(0, &[0, 1]))
            .probe(p_next_id(0, 2))
            .probe(p_cycles_spent(0, FEE_BASE + rollback_size))
            .probe(p_version(0, 3))
            .probe(p_history_added(0, 1))
            .probe(p_load_entry(0, GENESIS + 15, 3, load_details(sid(0, 0), 1, GENESIS + 5, true, None))),
        case("load: the snapshot is not consumed (second load of the same snapshot)", "ic")
            .setup(simple()).setup([a(write_heap(0, 0, b"x")), a(load(0, sid(0, 0))), a(write_heap(0, 0, b"y"))])
            .call(alice(), load(0, sid(0, 0)))
            .reply(ReplyM::Empty)
            .changes(&["c0.heap", "c0.version", "c0.history", "c0.cycles"])
            .probe(probe("the heap is the snapshot's (0 pages)", |_, s| eq("heap pages", canister_of(s, 0)?.execution.as_ref().unwrap().wasm_memory.size_wasm_pages(), 0)))
            .probe(p_locals(0, &[0])),
        case("load: onto a canister emptied by take-with-uninstall (rollback of a bad state)", "ic")
            .setup(installed(1)).setup([a(write_stable(0, 0, b"keep")), a(take_uninstall(0, true))])
            .call(alice(), load(0, sid(0, 0)))
            .reply(ReplyM::Empty)
            .changes(&["c0.code", "c0.globals", "c0.heap", "c0.stable", "c0.version", "c0.history", "c0.cycles"])
            .probe(p_memory(0, true, 0, b"keep"))
            .probe(p_version(0, 3)),
        case("load: cross-canister after a checkpoint; from_canister_id in history; owner untouched", "ic")
            .setup(installed(2)).setup([a(write_stable(0, 0, b"v1")), a(advance(3)), a(take(0)), a(Call::Checkpoint),
                                        a(set_timer(1, Timer::Active(GENESIS + 77))), a(write_stable(0, 0, b"v2"))])
            .call(alice(), load(1, sid(0, 0)))
            .reply(ReplyM::Empty)
            .exercises(&["LOAD.CROSS.CTRL", "LOAD.CROSS.LOADABLE", "LOAD.TIMER.KEEP"])
            .changes(&["c1.stable", "c1.version", "c1.history", "c1.cycles"])
            .probe(p_memory(1, true, 0, b"v1"))
            .probe(p_timer(1, Timer::Active(GENESIS + 77)))
            .probe(p_load_entry(1, GENESIS + 3, 2, load_details(sid(0, 0), 1, GENESIS + 3, true, Some(0)))),
        case("load: cross-canister in ic-0.50 (introduced in 0.50)", "ic-0.50")
            .setup(installed(2)).setup(takes(0, 1))
            .call(alice(), load(1, sid(0, 0)))
            .reply(ReplyM::Empty)
            .changes(&["c1.version", "c1.history", "c1.cycles"])
            .probe(p_load_entry(1, GENESIS, 2, load_details(sid(0, 0), 1, GENESIS, true, Some(0)))),
        case("load: the proposal's load_snapshot", "proposal-2024")
            .setup(installed(1)).setup([a(advance(5)), a(p_take(0, Some("l"))), a(advance(10))])
            .call(alice(), p_load(sid(0, 0), 0))
            .reply(ReplyM::Empty)
            .exercises(&["LOAD.RESTORE", "LOAD.HISTORY"])
            .changes(load_changes)
            .probe(p_load_entry(0, GENESIS + 15, 2, load_details(sid(0, 0), 1, GENESIS + 5, false, None))),
    ];
    // History fields per profile: `source` from 0.46 (ic, ic-0.54, ic-0.50), not before.
    for (profile, source) in [("ic", true), ("ic-0.54", true), ("ic-0.50", true), ("ic-0.35", false), ("ic-2024", false)] {
        cases.push(
            case(if source { "load: history entry with source (spec ≥ 0.46)" } else { "load: history entry without source (spec < 0.46)" }, profile)
                .setup(simple())
                .call(alice(), load(0, sid(0, 0)))
                .reply(ReplyM::Empty)
                .exercises(&["LOAD.VERSION", "LOAD.HISTORY"])
                .changes(load_changes)
                .probe(p_version(0, 2))
                .probe(p_cycles_spent(0, FEE_BASE + SIZE0))
                .probe(p_load_entry(0, GENESIS + 15, 2, load_details(sid(0, 0), 1, GENESIS + 5, source, None))),
        );
    }
    cases
}

#[rustfmt::skip]
fn list_cases() -> Vec<Case> {
    let public = || [a(set_visibility(0, Visibility::Public))];
    let viewers = || [a(set_visibility(0, Visibility::AllowedViewers(vec![bob()])))];
    let one = || installed(1).into_iter().chain(takes(0, 1));
    vec![
        case("list: missing canister is IC0301", "ic")
            .call(alice(), list(0))
            .reject(CanisterNotFound, &["LIST.EXISTS"], msg_not_found(0)),
        case("list: no snapshots", "ic")
            .setup(installed(1))
            .call(alice(), list(0))
            .reply(ReplyM::Listed(vec![])),
        case("list: ascending by id, across local 9 → 10, nothing changes", "ic")
            .setup(installed(1)).setup(takes(0, 10)).setup([a(delete(0, sid(0, 0))), a(take(0))])
            .call(alice(), list(0))
            .reply(ReplyM::Listed((1..=10).map(|k| (sid(0, k), SIZE0)).collect()))
            .exercises(&["LIST.EXISTS", "LIST.VIS.CONTROLLERS", "LIST.REPLY"]),
        case("list: visibility controllers denies a non-controller", "ic")
            .setup(one())
            .call(bob(), list(0))
            .reject(CanisterRejectedMessage, &["LIST.VIS.CONTROLLERS"], Msg::Prefix(format!("Caller {} is not allowed", text(bob())))),
        case("list: the canister itself has no right", "ic")
            .setup(one())
            .call(itself(0), list(0))
            .reject(CanisterRejectedMessage, &["LIST.VIS.CONTROLLERS"], Msg::Any),
        case("list: visibility public lets anonymous list", "ic")
            .setup(one()).setup(public())
            .call(ANONYMOUS, list(0))
            .reply(ReplyM::Listed(vec![(sid(0, 0), SIZE0)]))
            .exercises(&["LIST.VIS.PUBLIC", "LIST.REPLY"]),
        case("list: allowed_viewers lets a listed viewer list", "ic")
            .setup(one()).setup(viewers())
            .call(bob(), list(0))
            .reply(ReplyM::Listed(vec![(sid(0, 0), SIZE0)]))
            .exercises(&["LIST.VIS.ALLOWED"]),
        case("list: allowed_viewers always lets controllers list", "ic")
            .setup(one()).setup(viewers())
            .call(alice(), list(0))
            .reply(ReplyM::Listed(vec![(sid(0, 0), SIZE0)]))
            .exercises(&["LIST.VIS.ALLOWED"]),
        case("list: allowed_viewers denies others", "ic")
            .setup(one()).setup(viewers())
            .call(carol(), list(0))
            .reject(CanisterRejectedMessage, &["LIST.VIS.ALLOWED"], Msg::Any),
        case("list: ic-0.54 is controllers-only", "ic-0.54")
            .setup(one())
            .call(outsider(), list(0))
            .reject(CanisterInvalidController, &["LIST.CTRL"], msg_controllers(0, &[alice()], outsider())),
        case("list: ic-0.54 filters users' lists (no visibility setting)", "ic-0.54")
            .setup(one())
            .call(bob(), list(0))
            .reject(CanisterInvalidController, &["INGRESS.CTRL", "LIST.CTRL"], msg_ingress_controllers(0, "list_canister_snapshots")),
        case("list: ic-0.54 ignores a public visibility setting", "ic-0.54")
            .setup(one()).setup(public())
            .call(ANONYMOUS, list(0))
            .reject(CanisterInvalidController, &["INGRESS.CTRL", "LIST.CTRL"], msg_ingress_controllers(0, "list_canister_snapshots")),
        case("list: ic-0.54 controller", "ic-0.54")
            .setup(one())
            .call(alice(), list(0))
            .reply(ReplyM::Listed(vec![(sid(0, 0), SIZE0)]))
            .exercises(&["LIST.CTRL", "LIST.REPLY"]),
        case("list: proposal entries carry label and checksum; equal content gives equal checksums", "proposal-2024")
            .setup(installed(2))
            .setup([a(write_heap(0, 0, b"same")), a(write_heap(1, 0, b"same")), a(advance(9)),
                    a(p_take(0, Some("a"))), a(p_take(1, Some("b")))])
            .call(alice(), p_list(1))
            .reply(ReplyM::Pred("proposal listing", Box::new(|reply, s| {
                let entries = proposal_list(reply)?;
                eq("entries", entries.len(), 1)?;
                let e = &entries[0];
                eq("id", e.id, sid(1, 0))?;
                eq("taken_on", e.taken_on, GENESIS + 9)?;
                eq("label", e.label.clone(), Some("b".into()))?;
                eq("total_size", e.total_size, PAGE + SIZE0)?;
                let other = canister_of(s, 0)?.snapshots.get(&sid(0, 0)).unwrap().checksum();
                eq("checksum = c0's snapshot's (same content)", e.checksum, Some(other))?;
                eq("checksum = c1's content checksum", e.checksum, Some(canister_of(s, 1)?.content_checksum()))
            })))
            .exercises(&["LIST.PROPOSAL", "LIST.CHECKSUM", "LIST.CTRL"]),
        case("list: proposal checksums differ for different content", "proposal-2024")
            .setup(installed(2))
            .setup([a(write_heap(0, 0, b"same")), a(write_heap(1, 0, b"diff")), a(p_take(0, None)), a(p_take(1, None))])
            .call(alice(), p_list(1))
            .reply(ReplyM::Pred("proposal listing", Box::new(|reply, s| {
                let e = proposal_list(reply)?.first().cloned().ok_or("empty listing")?;
                let other = canister_of(s, 0)?.snapshots.get(&sid(0, 0)).unwrap().checksum();
                if e.checksum == Some(other) { Err("equal checksums for different heaps".into()) } else { eq("label", e.label, None) }
            }))),
        case("list: proposal list_snapshots is controllers-only", "proposal-2024")
            .setup(installed(1)).setup([a(p_take(0, None))])
            .call(bob(), p_list(0))
            .reject(CanisterInvalidController, &["LIST.CTRL"], Msg::Any),
    ]
}

#[rustfmt::skip]
fn delete_cases() -> Vec<Case> {
    vec![
        case("delete: missing canister is IC0301", "ic")
            .call(outsider(), delete(4, sid(4, 0)))
            .reject(CanisterNotFound, &["DELETE.EXISTS"], msg_not_found(4)),
        case("delete: non-controller", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .call(outsider(), delete(0, sid(0, 0)))
            .reject(CanisterInvalidController, &["DELETE.CTRL"], msg_controllers(0, &[alice()], outsider())),
        case("ingress: a user's delete on a missing canister", "ic")
            .call(alice(), delete(4, sid(4, 0)))
            .reject(CanisterNotFound, &["INGRESS.EXISTS", "DELETE.EXISTS"], msg_ingress_not_found(4)),
        case("delete: the canister itself has no right", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .call(itself(0), delete(0, sid(0, 0)))
            .reject(CanisterInvalidController, &["DELETE.CTRL"], Msg::Any),
        case("delete: missing snapshot", "ic")
            .setup(installed(1)).setup(takes(0, 1)).setup([a(delete(0, sid(0, 0)))])
            .call(alice(), delete(0, sid(0, 0)))
            .reject(CanisterSnapshotNotFound, &["DELETE.SNAPSHOT.EXISTS"], msg_snapshot_not_found(sid(0, 0), 0)),
        case("delete: another canister's snapshot", "ic")
            .setup(installed(2)).setup(takes(1, 1))
            .call(alice(), delete(0, sid(1, 0)))
            .reject(CanisterRejectedMessage, &["DELETE.OWNED"], msg_ownership(sid(1, 0), 0)),
        case("delete: removes the snapshot only (no version, history or charge)", "ic")
            .setup(installed(1)).setup(takes(0, 2))
            .call(alice(), delete(0, sid(0, 0)))
            .reply(ReplyM::Empty)
            .exercises(&["DELETE.EXISTS", "DELETE.CTRL", "DELETE.SNAPSHOT.EXISTS", "DELETE.OWNED", "DELETE.REMOVE"])
            .changes(&["c0.snapshots", "c0.snapshots_size"])
            .probe(p_locals(0, &[1])),
        case("delete: the proposal's delete_snapshot finds the canister from the id", "proposal-2024")
            .setup(installed(1)).setup([a(p_take(0, None))])
            .call(alice(), p_delete(sid(0, 0)))
            .reply(ReplyM::Empty)
            .exercises(&["DELETE.REMOVE"])
            .changes(&["c0.snapshots", "c0.snapshots_size"]),
        case("delete: the proposal's delete_snapshot by a non-controller", "proposal-2024")
            .setup(installed(1)).setup([a(p_take(0, None))])
            .call(bob(), p_delete(sid(0, 0)))
            .reject(CanisterInvalidController, &["DELETE.CTRL"], Msg::Any),
        case("delete: the proposal's delete_snapshot of an id whose owner does not exist is also not found", "proposal-2024")
            .setup(installed(1))
            .call(alice(), p_delete(sid(5, 0)))
            .reject(CanisterNotFound, &["DELETE.EXISTS", "DELETE.SNAPSHOT.EXISTS"], Msg::Any),
        case("delete: naming a canister that does not exist is only that", "ic")
            .setup(installed(1))
            .call(outsider(), delete(5, sid(5, 0)))
            .reject(CanisterNotFound, &["DELETE.EXISTS"], Msg::Any),
    ]
}

#[rustfmt::skip]
fn lifecycle_cases() -> Vec<Case> {
    let eleven: Vec<Principal> = (10..21).map(user).collect();
    vec![
        // --- create and settings ------------------------------------------------------------
        case("create: empty, running, version 0, creation entry, visibility controllers, no snapshots", "ic")
            .call(alice(), create())
            .reply(ReplyM::Canister(c(0)))
            .exercises(&["CREATE.EFFECT", "SETTINGS.CONTROLLERS.LIMIT"])
            .changes(&["c0", "next_canister_index"])
            .probe(p_version(0, 0))
            .probe(p_empty(0))
            .probe(p_locals(0, &[]))
            .probe(p_history_last(0, Change { timestamp_ns: GENESIS, canister_version: 0, origin: ChangeOrigin::FromUser { user_id: alice() },
                details: ChangeDetails::Creation { controllers: vec![alice()] } }))
            .probe(probe("visibility", |_, s| eq("visibility", canister_of(s, 0)?.snapshot_visibility.clone(), Visibility::Controllers))),
        case("create: ids are never reused after delete_canister", "ic")
            .setup(installed(1)).setup([a(stop(0)), a(delete_canister(0))])
            .call(alice(), create())
            .reply(ReplyM::Canister(c(1)))
            .changes(&["c1", "next_canister_index"]),
        case("create: 11 controllers", "ic")
            .call(alice(), create_with(&eleven, BIG))
            .reject(CanisterContractViolation, &["SETTINGS.CONTROLLERS.LIMIT"], Msg::Any),
        case("settings: 11 controllers", "ic")
            .setup(installed(1))
            .call(alice(), set_controllers(0, &eleven))
            .reject(CanisterContractViolation, &["SETTINGS.CONTROLLERS.LIMIT"], Msg::Any),
        case("settings: 11 allowed viewers", "ic")
            .setup(installed(1))
            .call(alice(), set_visibility(0, Visibility::AllowedViewers(eleven.clone())))
            .reject(InvalidManagementPayload, &["SETTINGS.VIEWERS.LIMIT"], Msg::Any),
        case("settings: 11 allowed viewers fail decoding, before the ingress filter and the controller check", "ic")
            .setup(installed(1))
            .call(bob(), set_visibility(0, Visibility::AllowedViewers(eleven.clone())))
            .reject(InvalidManagementPayload, &["SETTINGS.VIEWERS.LIMIT", "INGRESS.CTRL", "CANISTER.CTRL"], Msg::Any),
        case("settings: 11 allowed viewers for a missing canister: decoding still comes first", "ic")
            .call(outsider(), set_visibility(3, Visibility::AllowedViewers(eleven.clone())))
            .reject(InvalidManagementPayload, &["SETTINGS.VIEWERS.LIMIT", "CANISTER.EXISTS"], Msg::Any),
        case("settings: controllers change bumps the version, adds history, keeps snapshots", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .call(alice(), set_controllers(0, &[alice(), bob()]))
            .reply(ReplyM::Empty)
            .exercises(&["CANISTER.EXISTS", "CANISTER.CTRL", "SETTINGS.EFFECT"])
            .changes(&["c0.controllers", "c0.version", "c0.history"]),
        case("settings: visibility change bumps the version", "ic")
            .setup(installed(1))
            .call(alice(), set_visibility(0, Visibility::Public))
            .reply(ReplyM::Empty)
            .exercises(&["SETTINGS.EFFECT"])
            .changes(&["c0.visibility", "c0.version"]),
        case("settings: 10 allowed viewers are fine", "ic")
            .setup(installed(1))
            .call(alice(), set_visibility(0, Visibility::AllowedViewers(eleven[..10].to_vec())))
            .reply(ReplyM::Empty)
            .exercises(&["SETTINGS.VIEWERS.LIMIT", "SETTINGS.EFFECT"])
            .changes(&["c0.visibility", "c0.version"]),
        case("settings: ic-0.54 drops snapshot_visibility (version still bumps)", "ic-0.54")
            .setup(installed(1))
            .call(alice(), set_visibility(0, Visibility::Public))
            .reply(ReplyM::Empty)
            .exercises(&["SETTINGS.VIS.IGNORED"])
            .changes(&["c0.version"]),

        // --- access ---------------------------------------------------------------------------
        case("lifecycle: missing canister", "ic")
            .call(outsider(), install(3, InstallMode::Install, 0))
            .reject(CanisterNotFound, &["CANISTER.EXISTS"], msg_not_found(3)),
        case("lifecycle: non-controller install", "ic")
            .setup([a(create())])
            .call(outsider(), install(0, InstallMode::Install, 0))
            .reject(CanisterInvalidController, &["CANISTER.CTRL"], msg_controllers(0, &[alice()], outsider())),
        case("status: a non-controller", "ic")
            .setup(installed(1))
            .call(outsider(), status(0))
            .reject(CanisterInvalidController, &["CANISTER.CTRL_OR_SELF"], msg_controllers(0, &[alice()], outsider())),
        case("ingress: a user's install on a missing canister", "ic")
            .call(alice(), install(3, InstallMode::Install, 0))
            .reject(CanisterNotFound, &["INGRESS.EXISTS", "CANISTER.EXISTS"], Msg::Prefix(format!("Canister {} not found", c(3)))),
        case("ingress: a user's install on a canister they do not control", "ic")
            .setup([a(create())])
            .call(bob(), install(0, InstallMode::Install, 0))
            .reject(CanisterInvalidController, &["INGRESS.CTRL", "CANISTER.CTRL"], msg_ingress_controllers(0, "install_code")),
        case("ingress: a user's canister_status, filtered like any controller-only method", "ic")
            .setup(installed(1))
            .call(bob(), status(0))
            .reject(CanisterInvalidController, &["INGRESS.CTRL", "CANISTER.CTRL_OR_SELF"], msg_ingress_controllers(0, "canister_status")),
        case("status: the canister itself may call canister_status", "ic")
            .setup(installed(1))
            .call(itself(0), status(0))
            .reply(ReplyM::Any)
            .exercises(&["CANISTER.CTRL_OR_SELF", "STATUS.REPLY"]),
        case("chunks: the canister itself may upload a chunk", "ic")
            .setup(installed(1))
            .call(itself(0), upload(0, b"self"))
            .reply(ReplyM::Pred("chunk hash", Box::new(|r, _| eq("hash", r.clone(), Reply::ChunkHash(sha256(b"self"))))))
            .exercises(&["CANISTER.CTRL_OR_SELF", "CHUNK.EFFECT"])
            .changes(&["c0.chunks"]),
        case("status: snapshots_size is the sum of the snapshots' total_size; memory_size includes it", "ic")
            .setup(installed(1)).setup([a(write_stable(0, 0, b"s")), a(take(0)), a(write_heap(0, 0, b"h")), a(take(0))])
            .call(alice(), status(0))
            .reply(ReplyM::Pred("status", Box::new(|r, s| {
                let status = status_reply(r)?;
                eq("snapshots_size", status.snapshots_size, (PAGE + SIZE0) + (2 * PAGE + SIZE0))?;
                let sum: u64 = canister_of(s, 0)?.snapshots.values().map(|x| x.size_bytes).sum();
                eq("snapshots_size = Σ total_size", status.snapshots_size, sum)?;
                eq("memory_size", status.memory_size, (2 * PAGE + SIZE0) + status.snapshots_size)?;
                eq("version", status.version, 1)
            })))
            .exercises(&["STATUS.REPLY"]),
        case("status: the visibility setting is reported where the profile has it", "ic")
            .setup(installed(1))
            .call(alice(), status(0))
            .reply(ReplyM::Pred("status", Box::new(|r, _| eq("snapshot_visibility", status_reply(r)?.snapshot_visibility.clone(), Some(Visibility::Controllers)))))
            .exercises(&["STATUS.REPLY"]),
        case("status: no visibility setting before spec 0.57", "ic-0.54")
            .setup(installed(1))
            .call(alice(), status(0))
            .reply(ReplyM::Pred("status", Box::new(|r, _| eq("snapshot_visibility", status_reply(r)?.snapshot_visibility.clone(), None))))
            .exercises(&["STATUS.REPLY"]),

        // --- status_visibility (ic-2026-08) ---------------------------------------------------
        case("status visibility: a user who controls nothing gets IC0542, not the filter's IC0512", "ic-2026-08")
            .setup(installed(1))
            .call(bob(), status(0))
            .reject(CanisterStatusAccessDenied, &["STATUS.VIS.CONTROLLERS"], msg_status_denied(bob()))
            .exercises(&["INGRESS.EXISTS", "CANISTER.EXISTS", "STATUS.VIS.CONTROLLERS"]),
        case("status visibility: a canister that controls nothing gets IC0542 too", "ic-2026-08")
            .setup(installed(1))
            .call(outsider(), status(0))
            .reject(CanisterStatusAccessDenied, &["STATUS.VIS.CONTROLLERS"], msg_status_denied(outsider())),
        case("status visibility: a missing canister is still the filter's IC0301", "ic-2026-08")
            .call(bob(), status(3))
            .reject(CanisterNotFound, &["INGRESS.EXISTS", "CANISTER.EXISTS"], Msg::Prefix(format!("Canister {} not found", c(3)))),
        case("status visibility: the canister itself reads its status", "ic-2026-08")
            .setup(installed(1))
            .call(itself(0), status(0))
            .reply(ReplyM::Any)
            .exercises(&["STATUS.VIS.CONTROLLERS", "STATUS.REPLY"]),
        case("status visibility: `public` lets anyone read, and the reply reports the setting", "ic-2026-08")
            .setup(installed(1)).setup([a(set_status_visibility(0, Visibility::Public))])
            .call(bob(), status(0))
            .reply(ReplyM::Pred("status", Box::new(|r, _| {
                let status = status_reply(r)?;
                eq("status_visibility", status.status_visibility.clone(), Some(Visibility::Public))?;
                eq("snapshot_visibility", status.snapshot_visibility.clone(), Some(Visibility::Controllers))
            })))
            .exercises(&["INGRESS.EXISTS", "STATUS.VIS.PUBLIC", "STATUS.REPLY"]),
        case("status visibility: a listed viewer reads", "ic-2026-08")
            .setup(installed(1)).setup([a(set_status_visibility(0, Visibility::AllowedViewers(vec![bob()])))])
            .call(bob(), status(0))
            .reply(ReplyM::Any)
            .exercises(&["STATUS.VIS.ALLOWED", "STATUS.REPLY"]),
        case("status visibility: one not listed does not", "ic-2026-08")
            .setup(installed(1)).setup([a(set_status_visibility(0, Visibility::AllowedViewers(vec![bob()])))])
            .call(carol(), status(0))
            .reject(CanisterStatusAccessDenied, &["STATUS.VIS.ALLOWED"], msg_status_denied(carol())),
        case("status visibility: a public snapshot visibility opens the snapshots, not the status", "ic-2026-08")
            .setup(installed(1)).setup([a(set_visibility(0, Visibility::Public))])
            .call(bob(), status(0))
            .reject(CanisterStatusAccessDenied, &["STATUS.VIS.CONTROLLERS"], msg_status_denied(bob())),
        case("status visibility: set alone, it bumps the version and leaves the snapshot visibility", "ic-2026-08")
            .setup(installed(1))
            .call(alice(), set_status_visibility(0, Visibility::Public))
            .reply(ReplyM::Empty)
            .exercises(&["SETTINGS.EFFECT"])
            .changes(&["c0.status_visibility", "c0.version"]),
        case("status visibility: 11 allowed viewers", "ic-2026-08")
            .setup(installed(1))
            .call(alice(), set_status_visibility(0, Visibility::AllowedViewers(eleven.clone())))
            .reject(InvalidManagementPayload, &["SETTINGS.VIEWERS.LIMIT"], Msg::Any),
        case("status visibility: `ic` drops the field unchecked (11 viewers pass; version still bumps)", "ic")
            .setup(installed(1))
            .call(alice(), set_status_visibility(0, Visibility::AllowedViewers(eleven.clone())))
            .reply(ReplyM::Empty)
            .exercises(&["SETTINGS.STATUS_VIS.IGNORED"])
            .changes(&["c0.version"]),
        case("status visibility: `ic` reports no such setting", "ic")
            .setup(installed(1))
            .call(alice(), status(0))
            .reply(ReplyM::Pred("status", Box::new(|r, _| eq("status_visibility", status_reply(r)?.status_visibility.clone(), None))))
            .exercises(&["STATUS.REPLY"]),
        case("info: history after take-with-uninstall: creation, deployment, uninstall (take adds nothing itself)", "ic")
            .setup(installed(1)).setup(takes(0, 1)).setup([a(take_uninstall(0, true))])
            .call(bob(), info(0))
            .reply(ReplyM::Pred("info", Box::new(|r, _| match r {
                Reply::Info(info) => {
                    eq("total", info.total_num_changes, 3)?;
                    let kinds: Vec<String> = info.recent_changes.iter().map(|c| format!("{:?}", c.details).split([' ', '{']).next().unwrap().to_owned()).collect();
                    eq("kinds", kinds, vec!["Creation".to_owned(), "CodeDeployment".into(), "CodeUninstall".into()])
                }
                other => Err(format!("{other:?}")),
            })))
            .exercises(&["INFO.REPLY"]),

        // --- install / uninstall ---------------------------------------------------------------
        case("install: mode install on a non-empty canister", "ic")
            .setup(installed(1))
            .call(alice(), install(0, InstallMode::Install, 1))
            .reject(CanisterNonEmpty, &["INSTALL.MODE.INSTALL"], Msg::Exact(format!(
                "Canister {} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.", c(0)))),
        case("install: mode upgrade on an empty canister", "ic")
            .setup([a(create())])
            .call(alice(), install(0, InstallMode::Upgrade, 1))
            .reject(CanisterWasmModuleNotFound, &["INSTALL.MODE.UPGRADE"], Msg::Exact(format!(
                "Error from Canister {}: Attempted to execute a message, but the canister contains no Wasm module..", c(0)))),
        case("install: 1001 globals", "ic")
            .setup([a(create())])
            .call(alice(), Call::InstallCode { canister_id: c(0), mode: InstallMode::Install, wasm_module: module(0).0,
                globals: vec![Global::I32(0); 1001], sender_canister_version: None })
            .reject(CanisterInvalidWasm, &["INSTALL.MODULE"], Msg::Any),
        case("install: subnet memory", "ic")
            .setup([a(create()), Step::FillSubnet { leave: 50 }])
            .call(alice(), install(0, InstallMode::Install, 0))
            .reject(SubnetOversubscribed, &["INSTALL.MEMORY"], Msg::Any),
        case("install: freezing threshold", "ic")
            .setup([a(create_with(&[alice()], 1_000))])
            .call(alice(), install(0, InstallMode::Install, 0))
            .reject(InsufficientCyclesInMemoryGrow, &["INSTALL.FREEZE"], Msg::Any),
        case("install: install into an emptied canister keeps its snapshots", "ic")
            .setup(installed(1)).setup(takes(0, 1)).setup([a(uninstall(0))])
            .call(alice(), install(0, InstallMode::Install, 1))
            .reply(ReplyM::Empty)
            .exercises(&["INSTALL.MODE.INSTALL", "INSTALL.MODULE", "INSTALL.MEMORY", "INSTALL.FREEZE", "INSTALL.EFFECT", "INSTALL.KEEPS_SNAPSHOTS"])
            .changes(&["c0.code", "c0.globals", "c0.heap", "c0.stable", "c0.version", "c0.history"])
            .probe(p_locals(0, &[0])),
        case("install: reinstall resets memories and keeps snapshots", "ic")
            .setup(installed(1)).setup([a(write_heap(0, 0, b"h")), a(write_stable(0, 0, b"s")), a(take(0))])
            .call(alice(), install(0, InstallMode::Reinstall, 1))
            .reply(ReplyM::Empty)
            .exercises(&["INSTALL.EFFECT", "INSTALL.KEEPS_SNAPSHOTS"])
            .changes(&["c0.code", "c0.globals", "c0.heap", "c0.stable", "c0.version", "c0.history"])
            .probe(p_locals(0, &[0])),
        case("install: upgrade keeps stable memory and snapshots, resets the heap", "ic")
            .setup(installed(1)).setup([a(write_heap(0, 0, b"h")), a(write_stable(0, 0, b"s")), a(take(0))])
            .call(alice(), install(0, InstallMode::Upgrade, 1))
            .reply(ReplyM::Empty)
            .exercises(&["INSTALL.MODE.UPGRADE", "INSTALL.EFFECT", "INSTALL.KEEPS_SNAPSHOTS"])
            .changes(&["c0.code", "c0.globals", "c0.heap", "c0.version", "c0.history"])
            .probe(p_memory(0, true, 0, b"s"))
            .probe(p_locals(0, &[0])),
        case("install: reinstall of a module with the same globals: code, version, history change", "ic")
            .setup(installed(1)).setup(takes(0, 1))
            .call(alice(), install(0, InstallMode::Reinstall, 3)) // module(3) declares module(0)'s globals
            .reply(ReplyM::Empty)
            .changes(&["c0.code", "c0.version", "c0.history"])
            .probe(p_locals(0, &[0])),
        case("uninstall: empties the canister, bumps version, adds code_uninstall, keeps snapshots", "ic")
            .setup(installed(1)).setup(takes(0, 2))
            .setup([a(write_heap(0, 0, b"h")), a(upload(0, b"k")), a(set_cert(0, b"cd")), a(set_timer(0, Timer::Active(GENESIS + 1)))])
            .call(alice(), uninstall(0))
            .reply(ReplyM::Empty)
            .exercises(&["UNINSTALL.EFFECT", "UNINSTALL.KEEPS_SNAPSHOTS"])
            .changes(&["c0.code", "c0.globals", "c0.heap", "c0.stable", "c0.chunks", "c0.certified_data", "c0.timer", "c0.version", "c0.history"])
            .probe(p_locals(0, &[0, 1]))
            .probe(p_version(0, 2)),

        // --- start / stop / delete_canister ------------------------------------------------------
        case("stop: stops at once", "ic")
            .setup(installed(1))
            .call(alice(), stop(0))
            .reply(ReplyM::Empty)
            .exercises(&["STOP.EFFECT"])
            .changes(&["c0.status"]),
        case("start: runs again", "ic")
            .setup(installed(1)).setup([a(stop(0))])
            .call(alice(), start(0))
            .reply(ReplyM::Empty)
            .exercises(&["START.EFFECT"])
            .changes(&["c0.status"]),
        case("delete_canister: must be stopped", "ic")
            .setup(installed(1))
            .call(alice(), delete_canister(0))
            .reject(CanisterNotStopped, &["DELETE_CANISTER.STOPPED"], Msg::Exact(format!("Canister {} must be stopped before it is deleted.", c(0)))),
        case("delete_canister: removes the canister and all its snapshots", "ic")
            .setup(installed(2)).setup(takes(0, 2)).setup(takes(1, 1)).setup([a(stop(0))])
            .call(alice(), delete_canister(0))
            .reply(ReplyM::Empty)
            .exercises(&["DELETE_CANISTER.STOPPED", "DELETE_CANISTER.EFFECT"])
            .changes(&["c0"])
            .probe(p_subnet_snapshots(1)),

        // --- chunk store --------------------------------------------------------------------------
        case("chunks: a chunk over 1 MiB", "ic")
            .setup(installed(1))
            .call(alice(), upload(0, &vec![0; MIB as usize + 1]))
            .reject(CanisterContractViolation, &["CHUNK.SIZE"], Msg::Exact(
                "Error from Wasm chunk store: Wasm chunk size 1048577 exceeds the maximum chunk size of 1048576.".into())),
        case("chunks: the 101st chunk", "ic")
            .setup(installed(1)).setup((0..100u32).map(|i| a(upload(0, &i.to_be_bytes()))))
            .call(alice(), upload(0, b"one more"))
            .reject(CanisterContractViolation, &["CHUNK.LIMIT"], Msg::Prefix("Error from Wasm chunk store: Wasm chunk store has already reached maximum capacity".into())),
        case("chunks: subnet memory", "ic")
            .setup(installed(1)).setup([Step::FillSubnet { leave: 1_000 }])
            .call(alice(), upload(0, b"k"))
            .reject(SubnetOversubscribed, &["CHUNK.MEMORY"], Msg::Any),
        case("chunks: freezing threshold", "ic")
            .setup([a(create_with(&[alice()], 2_000)), a(install(0, InstallMode::Install, 0))])
            .call(alice(), upload(0, b"k"))
            .reject(InsufficientCyclesInMemoryGrow, &["CHUNK.FREEZE"], Msg::Any),
        case("chunks: upload stores the chunk under its SHA-256", "ic")
            .setup(installed(1))
            .call(alice(), upload(0, b"k"))
            .reply(ReplyM::Pred("chunk hash", Box::new(|r, _| eq("hash", r.clone(), Reply::ChunkHash(sha256(b"k"))))))
            .exercises(&["CHUNK.SIZE", "CHUNK.LIMIT", "CHUNK.MEMORY", "CHUNK.FREEZE", "CHUNK.EFFECT"])
            .changes(&["c0.chunks"]),
        case("chunks: a known chunk is a no-op", "ic")
            .setup(installed(1)).setup([a(upload(0, b"k"))])
            .call(alice(), upload(0, b"k"))
            .reply(ReplyM::Any)
            .skips(&["CHUNK.LIMIT"]),
        case("chunks: clear empties the store; snapshots keep their copy", "ic")
            .setup(installed(1)).setup([a(upload(0, b"k")), a(take(0))])
            .call(alice(), clear_chunks(0))
            .reply(ReplyM::Empty)
            .exercises(&["CHUNK.CLEAR"])
            .changes(&["c0.chunks"])
            .probe(probe("the snapshot keeps its chunk", |_, s| eq("chunks", canister_of(s, 0)?.snapshots.values().next().unwrap().chunk_store.len(), 1))),
    ]
}

#[rustfmt::skip]
fn execution_cases() -> Vec<Case> {
    vec![
        case("exec: missing canister", "ic")
            .call(alice(), write_heap(4, 0, b"x"))
            .reject(CanisterNotFound, &["EXEC.EXISTS"], msg_not_found(4)),
        case("exec: no code", "ic")
            .setup([a(create())])
            .call(alice(), write_heap(0, 0, b"x"))
            .reject(CanisterWasmModuleNotFound, &["EXEC.CODE"], Msg::Any),
        case("exec: stopped", "ic")
            .setup(installed(1)).setup([a(stop(0))])
            .call(alice(), write_heap(0, 0, b"x"))
            .reject(CanisterStopped, &["EXEC.RUNNING"], Msg::Exact(format!("Canister {} is stopped", c(0)))),
        case("exec: read beyond the end", "ic")
            .setup(installed(1)).setup([a(write_stable(0, 0, b"x"))])
            .call(alice(), read_stable(0, PAGE - 1, 2))
            .reject(CanisterTrapped, &["EXEC.BOUNDS"], Msg::Any),
        case("exec: certified data over 32 bytes is a contract violation, not a trap", "ic")
            .setup(installed(1))
            .call(alice(), set_cert(0, &[7; 33]))
            .reject(CanisterContractViolation, &["EXEC.BOUNDS"], Msg::Prefix(format!(
                "Error from Canister {}: Canister violated contract: ic0_certified_data_set failed because the passed data must be no larger than 32 bytes. Found 33 bytes.", c(0)))),
        case("exec: certified data of 32 bytes", "ic")
            .setup(installed(1))
            .call(alice(), set_cert(0, &[7; 32]))
            .reply(ReplyM::Empty)
            .changes(&["c0.certified_data"]),
        case("exec: growth beyond the subnet", "ic")
            .setup(installed(1)).setup([Step::FillSubnet { leave: 1_000 }])
            .call(alice(), write_heap(0, 0, b"x"))
            .reject(SubnetOversubscribed, &["EXEC.MEMORY"], Msg::Any),
        case("exec: growth below the freezing threshold", "ic")
            .setup([a(create_with(&[alice()], 2_000)), a(install(0, InstallMode::Install, 0))])
            .call(alice(), write_heap(0, 0, b"x"))
            .reject(InsufficientCyclesInMemoryGrow, &["EXEC.FREEZE"], Msg::Any),
        case("exec: a write grows by whole pages and marks the memory dirty", "ic")
            .setup(installed(1))
            .call(alice(), write_stable(0, PAGE, b"x"))
            .reply(ReplyM::Empty)
            .exercises(&["EXEC.EXISTS", "EXEC.CODE", "EXEC.RUNNING", "EXEC.BOUNDS", "EXEC.MEMORY", "EXEC.FREEZE", "EXEC.EFFECT"])
            .changes(&["c0.stable"])
            .probe(probe("2 pages, dirty", |_, s| {
                let m = &canister_of(s, 0)?.execution.as_ref().unwrap().stable_memory;
                eq("pages, dirty", (m.size_wasm_pages(), m.is_dirty()), (2, true))
            })),
        case("exec: a read changes nothing", "ic")
            .setup(installed(1)).setup([a(write_heap(0, 3, b"abc"))])
            .call(alice(), read_heap(0, 2, 5))
            .reply(ReplyM::Bytes(vec![0, b'a', b'b', b'c', 0]))
            .exercises(&["EXEC.EFFECT"]),
        case("time: advance", "ic")
            .call(alice(), advance(1_000))
            .reply(ReplyM::Empty)
            .exercises(&["TIME.ADVANCE"])
            .changes(&["time"]),
        case("checkpoint: flushes memories and snapshots", "ic")
            .setup(installed(1)).setup([a(write_heap(0, 0, b"x")), a(take(0))])
            .call(alice(), Call::Checkpoint)
            .reply(ReplyM::Empty)
            .exercises(&["CHECKPOINT"])
            .changes(&["checkpoints", "c0.heap", "c0.snapshots"]),
        case("cycles: top-up", "ic")
            .setup(installed(1))
            .call(bob(), top_up(0, 5))
            .reply(ReplyM::Empty)
            .exercises(&["CYCLES.TOPUP"])
            .changes(&["c0.cycles"]),
    ]
}

// ------------------------------------------------------------------------------------------
// Formerly a model bug (load's not-found error named the owner in every profile); fixed by the
// `snapshot_storage` knob. Kept as a regression case.
// ------------------------------------------------------------------------------------------

/// ic-replica.md §5 step 5 (G2): "snapshot lookup: absent → `CanisterSnapshotNotFound{canister_id:
/// target, snapshot_id}`"; only G3 (2026, snapshots stored per canister) derives the owner
/// from the id and reports it. Profiles of spec < 0.50 (G1/G2 era, subnet-wide snapshot map)
/// should name the target, not the (missing) owner.
fn bug_not_found_names_owner_in_old_profiles() -> Case {
    case("load: a snapshot of a deleted canister names the target before G3 (ic-2024)", "ic-2024")
        .setup(installed(2))
        .setup(takes(0, 1))
        .setup([a(stop(0)), a(delete_canister(0))])
        .call(alice(), load(1, sid(0, 0)))
        .reject(CanisterSnapshotNotFound, &["LOAD.SNAPSHOT.EXISTS"], msg_snapshot_not_found(sid(0, 0), 1))
}

#[test]
fn not_found_names_target_before_g3() {
    if let Err(e) = check(&bug_not_found_names_owner_in_old_profiles()) {
        panic!("{e}");
    }
}

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------

/// Clauses no case can exercise, with the reason. Asserted to be exactly the uncovered set.
const UNREACHABLE: &[(&str, &str)] = &[];
/// Preconditions no case can violate, with the reason. Asserted to be exactly the set of
/// preconditions no case violates.
const UNVIOLABLE: &[(&str, &str)] = &[];

fn run_table() -> Vec<(String, Result<Checked, String>)> {
    cases().iter().map(|case| (format!("[{}] {}", case.profile, case.name), check(case))).collect()
}

#[test]
fn clause_table() {
    let results = run_table();
    let failures: Vec<String> =
        results.iter().filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}\n    {e}"))).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), results.len(), failures.join("\n"));
}

#[test]
fn case_names_are_unique_per_profile() {
    let mut seen = BTreeSet::new();
    for case in cases() {
        assert!(seen.insert((case.profile, case.name)), "duplicate case {} / {}", case.profile, case.name);
    }
}

#[test]
fn every_clause_is_exercised() {
    let mut covered = BTreeSet::new();
    for (_, result) in run_table() {
        if let Ok(checked) = result {
            covered.extend(checked.exercised);
        }
    }
    let uncovered: BTreeSet<&str> = Clause::ALL.iter().filter(|c| !covered.contains(c)).map(|c| c.id()).collect();
    let declared: BTreeSet<&str> = UNREACHABLE.iter().map(|(id, _)| *id).collect();
    assert_eq!(uncovered, declared, "clauses not exercised by any case vs. declared unreachable");
}

#[test]
fn every_precondition_is_violated() {
    let mut violated = BTreeSet::new();
    for (_, result) in run_table() {
        if let Ok(checked) = result {
            violated.extend(checked.violated);
        }
    }
    let missing: BTreeSet<&str> = Clause::ALL
        .iter()
        .filter(|c| c.kind() == ClauseKind::Precondition && !violated.contains(c))
        .map(|c| c.id())
        .collect();
    let declared: BTreeSet<&str> = UNVIOLABLE.iter().map(|(id, _)| *id).collect();
    assert_eq!(missing, declared, "preconditions no case violates vs. declared unviolable");
}

#[test]
fn table_summary() {
    // Keeps the count visible in `cargo test -- --nocapture` output.
    let cases = cases();
    let mut by_profile: BTreeMap<&str, usize> = BTreeMap::new();
    for case in &cases {
        *by_profile.entry(case.profile).or_default() += 1;
    }
    let mut line = String::new();
    for (profile, count) in &by_profile {
        let _ = write!(line, "{profile}: {count}  ");
    }
    println!("{} cases ({line})", cases.len());
    assert!(cases.len() >= 100);
}

/// Spec mode accepts the error of any violated precondition, and the spec's one condition
/// "the snapshot is one of the canister's" is two replica errors (IC0305, IC0406): either is
/// admitted for either, a malformed id is admitted as not found, and nothing else is.
#[test]
fn spec_mode_admits_both_codes_of_the_snapshot_condition() {
    let config = Config::ic();
    let mut state = State::new(&config);
    for setup in installed(2).iter().chain(&takes(1, 1)) {
        run_step(&config, &mut state, setup).expect("setup");
    }
    let rejection = |call: Call| match step(&config, &state, &Request { caller: alice(), call }).outcome {
        Outcome::Reject(rejection) => rejection,
        Outcome::Reply(reply) => panic!("expected a rejection, got {reply:?}"),
    };
    let admitted = |call: Call| {
        let rejection = rejection(call);
        let codes = [CanisterNotFound, CanisterSnapshotNotFound, CanisterRejectedMessage, InvalidManagementPayload];
        codes.into_iter().filter(|code| rejection.admits(*code)).collect::<Vec<_>>()
    };
    use ErrorCode::*;
    let both = vec![CanisterSnapshotNotFound, CanisterRejectedMessage];
    assert_eq!(admitted(delete(0, sid(1, 0))), both, "another canister's snapshot");
    assert_eq!(admitted(delete(0, sid(0, 5))), both, "no such snapshot");
    assert_eq!(admitted(take_replace(0, sid(1, 0))), both, "replace: another canister's snapshot");
    assert_eq!(
        admitted(load(0, SnapshotIdArg(vec![0; 7]))),
        vec![CanisterSnapshotNotFound, InvalidManagementPayload],
        "an id that does not decode"
    );
    assert_eq!(admitted(delete(5, sid(0, 0))), vec![CanisterNotFound], "no such canister");
}
