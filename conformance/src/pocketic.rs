//! A real PocketIC server as the implementation under test (feature `pocketic`).
//!
//! Runs when `POCKET_IC_BIN` points to a PocketIC server binary. Each reset starts a fresh
//! PocketIC instance. Management calls go to the real management canister with the candid
//! bytes of `snapspec_vectors::encode` — `create_canister` too, as
//! `provisional_create_canister_with_cycles`, so that the canister gets exactly the model's
//! cycles and a reject comes back as a reject. Execution effects become calls to the WAT test
//! canister ([`crate::test_canister`]), which is what every `install_code` installs (with the
//! model's module bytes in a custom section, so different model modules stay different Wasm).
//!
//! Every call names its effective principal: the canister it is about when the instance's
//! topology places that canister, else the application subnet. The harness invents ids for
//! canisters the model does not have ([`crate::ids`]); they belong to no subnet, and the
//! server refuses to route them, so the subnet is asked instead and answers as the replica
//! would (IC0301). The pocket-ic client panics on any error it does not expect (it unwraps
//! HTTP and server errors); such a panic becomes a [`SutFault`], a finding, not a crash.
//!
//! What cannot be compared exactly is compared by relation or translated: timestamps (no
//! `deterministic_time`), cycles and resource errors (no `model_resources`), module hashes
//! and sizes (the real module is the test canister, so `canister_status`'s `module_hash` and
//! `wasm_binary_size` could never match the model's: the adapter remembers at install which
//! model module each real module stands for and reports that module's hash and length;
//! `total_size` is checked by relation in spec mode), the heap (the test canister's scratch
//! page is subtracted), `canister_status`'s version (every update message to the test canister
//! bumps it, the model's effects do not: the adapter subtracts the ones it sent), and checkpoints (PocketIC cannot be told to write one, so the
//! `checkpoint` capability is not declared).

use std::any::Any;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use candid::Principal;
use pocket_ic::common::rest::{RawEffectivePrincipal, Topology};
use pocket_ic::{PocketIc, RejectResponse};
use sha2::{Digest, Sha256};
use snapspec_model::call::{InfoReply, StatusReply};
use snapspec_model::canister::{Status, Visibility};
use snapspec_model::{Call, CanisterId, Config, Global, Reply, Request, Timer};
use snapspec_vectors::candid_types as ct;

use crate::protocol::Capability;
use crate::sut::{Manifest, Observed, SutFault, SystemUnderTest};
use crate::test_canister;

/// The PocketIC adapter.
pub struct PocketIcSut {
    instance: Option<Instance>,
    manifest: Manifest,
    modules: Modules,
    /// Successful update messages to each test canister: each bumps the real canister's
    /// version, which the model's execution effects leave alone (docs/protocol.md §6.8).
    updates: HashMap<Principal, u64>,
}

/// A running instance and where its calls go.
struct Instance {
    pic: PocketIc,
    routing: Routing,
}

/// One call into the instance.
struct Message {
    callee: Principal,
    /// The canister the call is about (for a management call, its argument's), if any.
    about: Option<Principal>,
    caller: Principal,
    method: &'static str,
    payload: Vec<u8>,
    query: bool,
}

impl PocketIcSut {
    /// Checks `POCKET_IC_BIN`; the server starts on the first reset.
    pub fn from_env() -> Result<PocketIcSut, String> {
        match std::env::var_os("POCKET_IC_BIN") {
            Some(path) if std::path::Path::new(&path).exists() => {}
            Some(path) => return Err(format!("POCKET_IC_BIN={} does not exist", path.to_string_lossy())),
            None => return Err("set POCKET_IC_BIN to a PocketIC server binary".into()),
        }
        let capabilities = [Capability::Execution].iter().map(|c| c.name().to_string()).collect();
        let manifest =
            Manifest { implementation: "PocketIC (pocket-ic 16)".into(), profiles: vec!["ic".into()], capabilities };
        Ok(PocketIcSut { instance: None, manifest, modules: Modules::default(), updates: HashMap::new() })
    }

    fn instance(&self) -> Result<&Instance, SutFault> {
        self.instance
            .as_ref()
            .ok_or_else(|| SutFault::Unexpected { message: "called before a successful reset".into() })
    }

    fn send(&self, message: Message) -> Result<Result<Vec<u8>, RejectResponse>, SutFault> {
        let instance = self.instance()?;
        let effective = instance.routing.effective(message.about);
        let Message { callee, caller, method, payload, query, .. } = message;
        let pic = &instance.pic;
        client(|| {
            if query {
                pic.query_call_with_effective_principal(callee, effective, caller, method, payload)
            } else {
                pic.update_call_with_effective_principal(callee, effective, caller, method, payload)
            }
        })
    }

    fn management(&self, request: &Request) -> Result<Observed, SutFault> {
        let method = snapspec_vectors::encode::ic_method_name(&request.call).expect("a management call");
        let payload = snapspec_vectors::encode::encode_call_args(&request.call).expect("a management call");
        let callee = Principal::management_canister();
        let about = target(&request.call);
        let message = Message { callee, about, caller: request.caller, method, payload, query: false };
        observe(self.send(message)?, |bytes| decode_reply(&request.call, &bytes))
    }

    fn execute(&mut self, request: &Request) -> Result<Observed, SutFault> {
        if let Call::AdvanceTime { nanos } = &request.call {
            let pic = &self.instance()?.pic;
            client(|| pic.advance_time(Duration::from_nanos(*nanos)))?;
            return Ok(Observed::Reply { reply: Reply::Empty });
        }
        let Some(message) = effect(request) else {
            return Err(SutFault::Declined {
                message: format!("{} is not supported by the PocketIC adapter", request.call.method_name()),
            });
        };
        let (canister, update) = (message.callee, !message.query);
        let observed = observe(self.send(message)?, |bytes| Ok(execution_reply(&request.call, bytes)))?;
        if update && matches!(observed, Observed::Reply { .. }) {
            *self.updates.entry(canister).or_default() += 1;
        }
        Ok(observed)
    }

    /// The model's version: the real one less the update messages the test canister ran.
    fn model_version(&self, request: &Request, observed: Observed) -> Observed {
        match (&request.call, observed) {
            (Call::CanisterStatus { canister_id }, Observed::Reply { reply: Reply::Status(mut status) }) => {
                let updates = self.updates.get(&canister_id.0).copied().unwrap_or(0);
                status.version = status.version.saturating_sub(updates);
                Observed::Reply { reply: Reply::Status(status) }
            }
            (_, observed) => observed,
        }
    }

    fn install(&mut self, request: &Request) -> Result<Observed, SutFault> {
        let Call::InstallCode { canister_id, mode, wasm_module, globals, sender_canister_version } = &request.call
        else {
            unreachable!("called for installs")
        };
        let real = with_custom_section(&test_canister::wasm(), "snapspec:module", wasm_module);
        self.modules.remember(&real, wasm_module);
        let call = Call::InstallCode {
            canister_id: *canister_id,
            mode: *mode,
            wasm_module: real,
            globals: globals.clone(),
            sender_canister_version: *sender_canister_version,
        };
        self.management(&Request { caller: request.caller, call })
    }
}

/// Where calls go: PocketIC routes by the effective principal, and refuses (an HTTP error,
/// a panic in the client) a canister id that lies in no subnet's ranges.
struct Routing {
    topology: Topology,
    app_subnet: Principal,
}

impl Routing {
    fn new(topology: Topology) -> Result<Routing, String> {
        let app_subnet = *topology.get_app_subnets().first().ok_or("the instance has no application subnet")?;
        Ok(Routing { topology, app_subnet })
    }

    /// A canister some subnet's ranges hold is addressed as itself; any other id (or none) is
    /// sent to the application subnet, which answers for it as the replica would.
    fn effective(&self, about: Option<Principal>) -> RawEffectivePrincipal {
        match about {
            Some(canister) if self.topology.get_subnet(canister).is_some() => {
                RawEffectivePrincipal::CanisterId(canister.as_slice().to_vec())
            }
            _ => RawEffectivePrincipal::SubnetId(self.app_subnet.as_slice().to_vec()),
        }
    }
}

/// Runs `f`, catching a panic of the pocket-ic client (it unwraps every HTTP and server error)
/// as its message, so that the harness reports a finding instead of crashing.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(&*payload))
}

/// [`guarded`] for a call.
fn client<T>(f: impl FnOnce() -> T) -> Result<T, SutFault> {
    guarded(f).map_err(|message| SutFault::Unexpected { message: format!("the pocket-ic client panicked: {message}") })
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        message.to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic without a message".into()
    }
}

fn observe(
    answer: Result<Vec<u8>, RejectResponse>,
    reply: impl FnOnce(Vec<u8>) -> Result<Reply, SutFault>,
) -> Result<Observed, SutFault> {
    match answer {
        Ok(bytes) => reply(bytes).map(|reply| Observed::Reply { reply }),
        Err(reject) => Ok(rejected(reject)),
    }
}

/// The test canister's message for an execution effect; `None` for anything else.
fn effect(request: &Request) -> Option<Message> {
    let (canister, method, payload, query) = match &request.call {
        Call::WriteWasmMemory { canister_id, offset, bytes } => {
            (*canister_id, "write_heap", [&offset.to_le_bytes()[..], bytes].concat(), false)
        }
        Call::WriteStableMemory { canister_id, offset, bytes } => {
            (*canister_id, "write_stable", [&offset.to_le_bytes()[..], bytes].concat(), false)
        }
        Call::ReadWasmMemory { canister_id, offset, len } => {
            (*canister_id, "read_heap", [offset.to_le_bytes(), len.to_le_bytes()].concat(), true)
        }
        Call::ReadStableMemory { canister_id, offset, len } => {
            (*canister_id, "read_stable", [offset.to_le_bytes(), len.to_le_bytes()].concat(), true)
        }
        Call::ReadGlobals { canister_id } => (*canister_id, "read_globals", Vec::new(), true),
        Call::SetGlobal { canister_id, index, value } => {
            (*canister_id, "set_global", test_canister::set_global_arg(*index, value), false)
        }
        Call::SetCertifiedData { canister_id, data } => (*canister_id, "set_certified_data", data.clone(), false),
        Call::SetTimer { canister_id, timer } => {
            let at = match timer {
                Timer::Inactive => 0u64,
                Timer::Active(at) => *at,
            };
            (*canister_id, "set_timer", at.to_le_bytes().to_vec(), false)
        }
        _ => return None,
    };
    Some(Message { callee: canister.0, about: Some(canister.0), caller: request.caller, method, payload, query })
}

fn target(call: &Call) -> Option<Principal> {
    let value = serde_json::to_value(call).ok()?;
    Principal::from_text(value.get("canister_id")?.as_str()?).ok()
}

fn rejected(reject: RejectResponse) -> Observed {
    Observed::Reject {
        code: reject.error_code as u16,
        reject_code: reject.reject_code as u8,
        message: reject.reject_message.into(),
    }
}

fn decode_reply(call: &Call, bytes: &[u8]) -> Result<Reply, SutFault> {
    reply_of(call, bytes).map_err(|error| SutFault::Garbage {
        line: hex::encode(bytes),
        error,
        stderr_tail: String::new(),
    })
}

fn reply_of(call: &Call, bytes: &[u8]) -> Result<Reply, String> {
    Ok(match call {
        Call::CreateCanister { .. } => {
            let created: ct::CanisterIdRecord = decode(bytes)?;
            Reply::CanisterId(CanisterId(created.canister_id))
        }
        Call::TakeCanisterSnapshot(_) => Reply::Snapshot(snapshot_info(&decode::<ct::Snapshot>(bytes)?)?),
        Call::ListCanisterSnapshots { .. } => {
            let list: Vec<ct::Snapshot> = decode(bytes)?;
            Reply::Snapshots(list.iter().map(snapshot_info).collect::<Result<_, _>>()?)
        }
        Call::CanisterStatus { .. } => Reply::Status(Box::new(status(bytes)?)),
        Call::UploadChunk { .. } => {
            let hash: ct::ChunkHash = decode(bytes)?;
            Reply::ChunkHash(hash.hash.as_slice().try_into().map_err(|_| "hash is not 32 bytes".to_string())?)
        }
        _ => Reply::Empty,
    })
}

fn decode<T: candid::CandidType + for<'de> serde::Deserialize<'de>>(bytes: &[u8]) -> Result<T, String> {
    candid::decode_one(bytes).map_err(|e| e.to_string())
}

/// The parts of `canister_status` the model reports, decoded from the real record.
fn status(bytes: &[u8]) -> Result<StatusReply, String> {
    use ic_management_canister_types::{CanisterStatusResult, CanisterStatusType, SnapshotVisibility};
    let real: CanisterStatusResult = decode(bytes)?;
    let nat = |n: &candid::Nat, what: &str| u64::try_from(n.0.clone()).map_err(|_| format!("{what} exceeds u64"));
    let metrics = &real.memory_metrics;
    Ok(StatusReply {
        status: match real.status {
            CanisterStatusType::Running => Status::Running,
            CanisterStatusType::Stopping => Status::Stopping,
            CanisterStatusType::Stopped => Status::Stopped,
        },
        module_hash: real
            .module_hash
            .map(|h| h.try_into().map_err(|_| "module hash is not 32 bytes".to_string()))
            .transpose()?,
        controllers: real.settings.controllers.clone(),
        version: real.version,
        memory_size: nat(&real.memory_size, "memory_size")?,
        wasm_memory_size: nat(&metrics.wasm_memory_size, "wasm_memory_size")?,
        stable_memory_size: nat(&metrics.stable_memory_size, "stable_memory_size")?,
        wasm_binary_size: nat(&metrics.wasm_binary_size, "wasm_binary_size")?,
        wasm_chunk_store_size: nat(&metrics.wasm_chunk_store_size, "wasm_chunk_store_size")?,
        snapshots_size: nat(&metrics.snapshots_size, "snapshots_size")?,
        cycles: u128::try_from(real.cycles.0.clone()).map_err(|_| "cycles exceed u128".to_string())?,
        snapshot_visibility: Some(match real.settings.snapshot_visibility {
            SnapshotVisibility::Controllers => Visibility::Controllers,
            SnapshotVisibility::Public => Visibility::Public,
            SnapshotVisibility::AllowedViewers(viewers) => Visibility::AllowedViewers(viewers),
        }),
        // pocket-ic 16's types predate `status_visibility`: the adapter declares `ic` only.
        status_visibility: None,
    })
}

fn snapshot_info(s: &ct::Snapshot) -> Result<snapspec_model::SnapshotInfo, String> {
    let id = snapspec_model::SnapshotId::try_from_bytes(&s.id).map_err(|e| e.to_string())?;
    Ok(snapspec_model::SnapshotInfo { id, taken_at_timestamp: s.taken_at_timestamp, total_size: s.total_size })
}

fn execution_reply(call: &Call, bytes: Vec<u8>) -> Reply {
    match call {
        Call::ReadWasmMemory { .. } | Call::ReadStableMemory { .. } => Reply::Bytes(bytes),
        Call::ReadGlobals { .. } if bytes.len() == 12 => Reply::Globals(vec![
            Global::I32(i32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"))),
            Global::I64(i64::from_le_bytes(bytes[4..].try_into().expect("8 bytes"))),
        ]),
        Call::SetTimer { .. } if bytes.len() == 8 => {
            let previous = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
            Reply::Timer(if previous == 0 { Timer::Inactive } else { Timer::Active(previous) })
        }
        _ => Reply::Empty,
    }
}

/// Which model module each installed test canister stands for, by the real module's hash.
#[derive(Default)]
struct Modules(HashMap<[u8; 32], ModelModule>);

#[derive(Clone, Copy)]
struct ModelModule {
    hash: [u8; 32],
    len: u64,
}

impl Modules {
    fn remember(&mut self, real: &[u8], model: &[u8]) {
        let module = ModelModule { hash: Sha256::digest(model).into(), len: model.len() as u64 };
        self.0.insert(Sha256::digest(real).into(), module);
    }

    fn hash(&self, real: Option<[u8; 32]>) -> Option<[u8; 32]> {
        real.map(|h| self.0.get(&h).map_or(h, |m| m.hash))
    }

    /// A real reply in the model's terms: its modules instead of the test canister, its heap
    /// without the test canister's scratch page.
    fn translate(&self, observed: Observed) -> Observed {
        let Observed::Reply { reply } = observed else { return observed };
        let reply = match reply {
            Reply::Status(mut status) => {
                if let Some(model) = status.module_hash.and_then(|h| self.0.get(&h)) {
                    status.module_hash = Some(model.hash);
                    status.wasm_binary_size = model.len;
                }
                status.wasm_memory_size = status.wasm_memory_size.saturating_sub(test_canister::HEAP_BASE);
                Reply::Status(status)
            }
            Reply::Info(info) => Reply::Info(Box::new(InfoReply { module_hash: self.hash(info.module_hash), ..*info })),
            other => other,
        };
        Observed::Reply { reply }
    }
}

/// Appends a custom section (id 0) to a Wasm module.
pub fn with_custom_section(module: &[u8], name: &str, payload: &[u8]) -> Vec<u8> {
    let mut section = leb128(name.len() as u64);
    section.extend_from_slice(name.as_bytes());
    section.extend_from_slice(payload);
    let mut out = module.to_vec();
    out.push(0);
    out.extend(leb128(section.len() as u64));
    out.extend(section);
    out
}

fn leb128(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

impl SystemUnderTest for PocketIcSut {
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn reset(&mut self, config: &Config) -> Result<(), SutFault> {
        if config.name != "ic" {
            return Err(SutFault::Declined {
                message: format!("PocketIC implements the `ic` profile, not {}", config.name),
            });
        }
        self.modules = Modules::default();
        self.updates.clear();
        let previous = self.instance.take();
        let spawn = |message: String| SutFault::Spawn { message };
        let (pic, topology) = guarded(move || {
            drop(previous);
            let pic = PocketIc::new();
            let topology = pic.topology();
            (pic, topology)
        })
        .map_err(spawn)?;
        let routing = Routing::new(topology).map_err(spawn)?;
        self.instance = Some(Instance { pic, routing });
        Ok(())
    }

    fn call(&mut self, request: &Request) -> Result<Observed, SutFault> {
        let observed = match &request.call {
            Call::InstallCode { .. } => self.install(request),
            call if snapspec_vectors::encode::encode_call_args(call).is_some() => self.management(request),
            _ => self.execute(request),
        }?;
        Ok(self.model_version(request, self.modules.translate(observed)))
    }

    fn is_cheap(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use pocket_ic::common::rest::{
        CanisterCyclesCostSchedule, CanisterIdRange, SubnetConfig, SubnetInstructionConfig, SubnetKind,
    };

    use super::*;

    fn subnet(kind: SubnetKind, first: u64, last: u64) -> SubnetConfig {
        let range = CanisterIdRange {
            start: CanisterId::from_index(first).principal().into(),
            end: CanisterId::from_index(last).principal().into(),
        };
        SubnetConfig {
            subnet_kind: kind,
            subnet_admins: None,
            cost_schedule: CanisterCyclesCostSchedule::Normal,
            subnet_seed: [0; 32],
            instruction_config: SubnetInstructionConfig::Production,
            canister_ranges: vec![range],
        }
    }

    fn topology(subnets: Vec<(Principal, SubnetConfig)>) -> Topology {
        let default_effective_canister_id = CanisterId::from_index(0).principal().into();
        Topology { subnet_configs: subnets.into_iter().collect(), default_effective_canister_id }
    }

    #[test]
    fn placed_canisters_go_as_themselves_and_anything_else_to_the_application_subnet() {
        let (nns, app) = (Principal::from_slice(&[1]), Principal::from_slice(&[2]));
        let routing = Routing::new(topology(vec![
            (nns, subnet(SubnetKind::NNS, 0, 0xf_ffff)),
            (app, subnet(SubnetKind::Application, 0x20_0000, 0x2f_ffff)),
        ]))
        .expect("an application subnet");
        let canister = |index: u64| Some(CanisterId::from_index(index).principal());
        let as_canister =
            |index: u64| RawEffectivePrincipal::CanisterId(CanisterId::from_index(index).as_slice().to_vec());
        let to_app = RawEffectivePrincipal::SubnetId(app.as_slice().to_vec());
        assert_eq!(routing.effective(canister(0x20_0001)), as_canister(0x20_0001));
        assert_eq!(routing.effective(canister(5)), as_canister(5));
        assert_eq!(routing.effective(canister(0x7fff_ffff_0000_0000)), to_app);
        assert_eq!(routing.effective(None), to_app);
    }

    #[test]
    fn an_instance_without_an_application_subnet_is_refused() {
        let nns = (Principal::from_slice(&[1]), subnet(SubnetKind::NNS, 0, 0xf_ffff));
        assert!(Routing::new(topology(vec![nns])).is_err());
    }

    #[test]
    fn a_client_panic_becomes_a_fault_with_its_message() {
        let fault = client(|| -> u8 { panic!("Canister {} does not belong to any subnet.", "x") }).unwrap_err();
        assert!(format!("{fault}").contains("does not belong to any subnet"), "{fault}");
        assert_eq!(client(|| 7), Ok(7));
    }

    #[test]
    fn a_status_reports_the_version_without_the_test_canisters_update_messages() {
        let (written, untouched) = (CanisterId::from_index(0), CanisterId::from_index(1));
        let mut sut = PocketIcSut {
            instance: None,
            manifest: Manifest::full("test"),
            modules: Modules::default(),
            updates: HashMap::from([(written.0, 1)]),
        };
        let version = |sut: &PocketIcSut, canister_id| {
            let request = Request { caller: Principal::anonymous(), call: Call::CanisterStatus { canister_id } };
            match sut.model_version(&request, status_of([0; 32], 0)) {
                Observed::Reply { reply: Reply::Status(status) } => status.version,
                other => panic!("a status, not {other:?}"),
            }
        };
        assert_eq!(version(&sut, written), 0, "the real version 1 counts one update message");
        assert_eq!(version(&sut, untouched), 1);
        sut.updates.clear();
        assert_eq!(version(&sut, written), 1);
    }

    fn status_of(module_hash: [u8; 32], wasm_binary_size: u64) -> Observed {
        Observed::Reply {
            reply: Reply::Status(Box::new(StatusReply {
                status: Status::Running,
                module_hash: Some(module_hash),
                controllers: Vec::new(),
                version: 1,
                memory_size: 0,
                wasm_memory_size: test_canister::HEAP_BASE + 10,
                stable_memory_size: 0,
                wasm_binary_size,
                wasm_chunk_store_size: 0,
                snapshots_size: 0,
                cycles: 0,
                snapshot_visibility: Some(Visibility::Controllers),
                status_visibility: None,
            })),
        }
    }

    #[test]
    fn a_status_reports_the_model_module_hash_and_size() {
        let model = snapspec_model::generators::module(0).0;
        let real = with_custom_section(&test_canister::wasm(), "snapspec:module", &model);
        let mut modules = Modules::default();
        modules.remember(&real, &model);
        let Observed::Reply { reply: Reply::Status(status) } =
            modules.translate(status_of(Sha256::digest(&real).into(), real.len() as u64))
        else {
            panic!("a status")
        };
        let model_hash: [u8; 32] = Sha256::digest(&model).into();
        assert_eq!(status.module_hash, Some(model_hash));
        assert_eq!(status.wasm_binary_size, model.len() as u64);
        assert_eq!(status.wasm_memory_size, 10);
    }
}
