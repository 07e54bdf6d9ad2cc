//! A real PocketIC server as the implementation under test (feature `pocketic`).
//!
//! Runs when `POCKET_IC_BIN` points to a PocketIC server binary. Each reset starts a fresh
//! PocketIC instance. Management calls go to the real management canister with the candid
//! bytes of `snapspec_vectors::encode`; execution effects become calls to the WAT test
//! canister ([`crate::test_canister`]), which is what every `install_code` installs (with the
//! model's module bytes in a custom section, so different model modules stay different Wasm).
//!
//! What cannot be compared exactly is compared by relation or translated: timestamps (no
//! `deterministic_time`), cycles and resource errors (no `model_resources`), module hashes
//! and sizes (the real module is the test canister; hashes are translated back to the
//! model's, `total_size` is checked by relation in spec mode), the heap (the test canister's
//! scratch page is subtracted), and checkpoints (PocketIC cannot be told to write one, so the
//! `checkpoint` capability is not declared).

use std::collections::HashMap;
use std::time::Duration;

use candid::Principal;
use pocket_ic::common::rest::RawEffectivePrincipal;
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
    pic: Option<PocketIc>,
    manifest: Manifest,
    /// Real module hash → the model's module hash, for translating replies.
    module_hashes: HashMap<[u8; 32], [u8; 32]>,
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
        Ok(PocketIcSut { pic: None, manifest, module_hashes: HashMap::new() })
    }

    fn pic(&self) -> &PocketIc {
        self.pic.as_ref().expect("reset starts an instance")
    }

    fn management(&self, request: &Request) -> Result<Observed, SutFault> {
        let method = snapspec_vectors::encode::ic_method_name(&request.call).expect("a management call");
        let payload = snapspec_vectors::encode::encode_call_args(&request.call).expect("a management call");
        let effective = target(&request.call)
            .map_or(RawEffectivePrincipal::None, |c| RawEffectivePrincipal::CanisterId(c.as_slice().to_vec()));
        let answer = self.pic().update_call_with_effective_principal(
            Principal::management_canister(),
            effective,
            request.caller,
            method,
            payload,
        );
        match answer {
            Ok(bytes) => self.decode_reply(&request.call, &bytes).map(|reply| Observed::Reply { reply }),
            Err(reject) => Ok(rejected(reject)),
        }
    }

    fn decode_reply(&self, call: &Call, bytes: &[u8]) -> Result<Reply, SutFault> {
        let garbage = |e: String| SutFault::Garbage { line: hex::encode(bytes), error: e, stderr_tail: String::new() };
        Ok(match call {
            Call::TakeCanisterSnapshot(_) => {
                let s: ct::Snapshot = candid::decode_one(bytes).map_err(|e| garbage(e.to_string()))?;
                Reply::Snapshot(snapshot_info(&s).map_err(garbage)?)
            }
            Call::ListCanisterSnapshots { .. } => {
                let list: Vec<ct::Snapshot> = candid::decode_one(bytes).map_err(|e| garbage(e.to_string()))?;
                Reply::Snapshots(list.iter().map(snapshot_info).collect::<Result<_, _>>().map_err(garbage)?)
            }
            Call::CanisterStatus { canister_id } => {
                Reply::Status(Box::new(self.status(*canister_id, bytes).map_err(garbage)?))
            }
            Call::UploadChunk { .. } => {
                let hash: ct::ChunkHash = candid::decode_one(bytes).map_err(|e| garbage(e.to_string()))?;
                Reply::ChunkHash(hash.hash.as_slice().try_into().map_err(|_| garbage("hash is not 32 bytes".into()))?)
            }
            _ => Reply::Empty,
        })
    }

    /// The parts of `canister_status` the model reports, decoded from the real record.
    fn status(&self, _canister: CanisterId, bytes: &[u8]) -> Result<StatusReply, String> {
        use ic_management_canister_types::{CanisterStatusResult, CanisterStatusType, SnapshotVisibility};
        let real: CanisterStatusResult = candid::decode_one(bytes).map_err(|e| e.to_string())?;
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
            snapshot_visibility: match real.settings.snapshot_visibility {
                SnapshotVisibility::Controllers => Visibility::Controllers,
                SnapshotVisibility::Public => Visibility::Public,
                SnapshotVisibility::AllowedViewers(viewers) => Visibility::AllowedViewers(viewers),
            },
        })
    }

    fn execute(&mut self, request: &Request) -> Result<Observed, SutFault> {
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
                let (method, bytes) = match value {
                    Global::I32(v) => ("set_global_i32", v.to_le_bytes().to_vec()),
                    Global::I64(v) => ("set_global_i64", v.to_le_bytes().to_vec()),
                    other => {
                        return Err(SutFault::Declined {
                            message: format!("the test canister has no global of type {other:?}"),
                        })
                    }
                };
                (*canister_id, method, [&index.to_le_bytes()[..], &bytes].concat(), false)
            }
            Call::SetCertifiedData { canister_id, data } => (*canister_id, "set_certified_data", data.clone(), false),
            Call::SetTimer { canister_id, timer } => {
                let at = match timer {
                    Timer::Inactive => 0u64,
                    Timer::Active(at) => *at,
                };
                (*canister_id, "set_timer", at.to_le_bytes().to_vec(), false)
            }
            Call::AdvanceTime { nanos } => {
                self.pic().advance_time(Duration::from_nanos(*nanos));
                return Ok(Observed::Reply { reply: Reply::Empty });
            }
            other => {
                return Err(SutFault::Declined {
                    message: format!("{} is not supported by the PocketIC adapter", other.method_name()),
                })
            }
        };
        let answer = if query {
            self.pic().query_call(canister.0, request.caller, method, payload)
        } else {
            self.pic().update_call(canister.0, request.caller, method, payload)
        };
        match answer {
            Ok(bytes) => Ok(Observed::Reply { reply: execution_reply(&request.call, bytes) }),
            Err(reject) => Ok(rejected(reject)),
        }
    }

    fn install(&mut self, request: &Request) -> Result<Observed, SutFault> {
        let Call::InstallCode { canister_id, mode, wasm_module, globals, sender_canister_version } = &request.call
        else {
            unreachable!("called for installs")
        };
        let real = with_custom_section(&test_canister::wasm(), "snapspec:module", wasm_module);
        self.module_hashes.insert(Sha256::digest(&real).into(), Sha256::digest(wasm_module).into());
        let call = Call::InstallCode {
            canister_id: *canister_id,
            mode: *mode,
            wasm_module: real,
            globals: globals.clone(),
            sender_canister_version: *sender_canister_version,
        };
        self.management(&Request { caller: request.caller, call })
    }

    fn create(&mut self, request: &Request) -> Result<Observed, SutFault> {
        let Call::CreateCanister { controllers, cycles } = &request.call else { unreachable!("called for creates") };
        let canister_settings = ic_management_canister_types::CanisterSettings {
            controllers: Some(controllers.clone().unwrap_or_else(|| vec![request.caller])),
            ..Default::default()
        };
        let id = self.pic().create_canister_with_settings(Some(request.caller), Some(canister_settings));
        self.pic().add_cycles(id, u128::from(*cycles));
        Ok(Observed::Reply { reply: Reply::CanisterId(CanisterId(id)) })
    }
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
        self.pic = None;
        self.pic = Some(PocketIc::new());
        self.module_hashes.clear();
        Ok(())
    }

    fn call(&mut self, request: &Request) -> Result<Observed, SutFault> {
        let observed = match &request.call {
            Call::CreateCanister { .. } => self.create(request),
            Call::InstallCode { .. } => self.install(request),
            call if snapspec_vectors::encode::encode_call_args(call).is_some() => self.management(request),
            _ => self.execute(request),
        }?;
        Ok(self.translate(observed))
    }

    fn is_cheap(&self) -> bool {
        false
    }
}

impl PocketIcSut {
    /// Maps the real module hashes in replies back to the model's.
    fn translate(&self, observed: Observed) -> Observed {
        let Observed::Reply { reply } = observed else { return observed };
        let model_hash = |h: Option<[u8; 32]>| h.map(|h| self.module_hashes.get(&h).copied().unwrap_or(h));
        let reply = match reply {
            Reply::Status(mut status) => {
                status.module_hash = model_hash(status.module_hash);
                // The test canister's scratch page is not part of the model's heap.
                status.wasm_memory_size = status.wasm_memory_size.saturating_sub(test_canister::HEAP_BASE);
                Reply::Status(status)
            }
            Reply::Info(info) => {
                Reply::Info(Box::new(InfoReply { module_hash: model_hash(info.module_hash), ..*info }))
            }
            other => other,
        };
        Observed::Reply { reply }
    }
}
