//! Readable traces of whole stories, kept as insta snapshots (`tests/snapshots/traces__*.snap`).
//!
//! Each line is one step: number, caller, call, outcome (reply summary, or error code,
//! message and the violated clauses), and the clauses the step exercised. A legend maps the
//! short names (`alice`, `c0`, `c0#1`) to the principals that appear in messages; the trace
//! ends with the final state of every canister (version, status, snapshots, full history).
//!
//! To update after an intended model change: `INSTA_UPDATE=always cargo test -p
//! snapspec-model --test traces`, then read the diff against the references.

use std::fmt::Write as _;

use snapspec_model::canister::{ChangeDetails, ChangeOrigin, SnapshotSource};
use snapspec_model::generators::{module, user};
use snapspec_model::ids::ANONYMOUS;
use snapspec_model::{
    Call, CanisterId, Config, InstallMode, LoadArgs, Model, Outcome, Principal, Reply, SnapshotId, SnapshotIdArg,
    TakeArgs,
};

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

fn canister_index(id: &CanisterId) -> Option<u64> {
    let bytes = id.as_slice();
    (bytes.len() == 10 && bytes[8..] == [1, 1]).then(|| u64::from_be_bytes(bytes[..8].try_into().unwrap()))
}

fn name(p: &Principal) -> String {
    if *p == alice() {
        "alice".into()
    } else if *p == bob() {
        "bob".into()
    } else if *p == ANONYMOUS {
        "anonymous".into()
    } else if let Some(n) = canister_index(&CanisterId(*p)) {
        format!("c{n}")
    } else {
        p.to_text()
    }
}
fn cn(id: &CanisterId) -> String {
    name(&id.principal())
}
fn sn(id: &SnapshotId) -> String {
    format!("{}#{}", cn(&id.owner), id.local)
}
fn arg(id: &SnapshotIdArg) -> String {
    SnapshotId::try_from_bytes(&id.0).map(|id| sn(&id)).unwrap_or_else(|_| format!("0x{}", hex::encode(&id.0)))
}
fn short(hash: &[u8; 32]) -> String {
    format!("{}…", hex::encode(&hash[..4]))
}
fn quoted(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

struct Trace {
    model: Model,
    genesis: u64,
    out: String,
    steps: usize,
}

impl Trace {
    fn new(profile: &str, title: &str, canisters: u64) -> Trace {
        let config = Config::preset(profile).unwrap();
        let mut out = format!("{title}\nprofile: {profile}\nlegend:\n");
        for p in [alice(), bob(), ANONYMOUS] {
            let _ = writeln!(out, "  {:<9} = {}", name(&p), p.to_text());
        }
        for n in 0..canisters {
            let _ = writeln!(
                out,
                "  {:<9} = {}   (snapshot cN#k = u64be(k) ‖ cN, shown in messages as {}-k)",
                format!("c{n}"),
                c(n),
                c(n)
            );
        }
        out.push_str("steps:\n");
        Trace { genesis: config.genesis_time_ns, model: Model::new(config), out, steps: 0 }
    }

    fn at(&self, t: u64) -> String {
        format!("+{}ns", t - self.genesis)
    }

    fn step(&mut self, caller: Principal, call: Call) -> Outcome {
        self.steps += 1;
        let summary = self.call_summary(&call);
        let outcome = self.model.call(caller, call);
        let rendered = match &outcome {
            Outcome::Reply(reply) => format!("ok {}", self.reply_summary(reply)),
            Outcome::Reject(r) => {
                let violated: Vec<&str> = r.violated.iter().map(|v| v.clause.id()).collect();
                format!("{} {:?} (violated: {})", r.error.code, r.error.message, violated.join(", "))
            }
        };
        let clauses: Vec<&str> = self.model.last_exercised().iter().map(|c| c.id()).collect();
        let _ = writeln!(
            self.out,
            "{:>2} {:<9} {summary} -> {rendered} | {}",
            self.steps,
            name(&caller),
            clauses.join(" ")
        );
        outcome
    }

    fn call_summary(&self, call: &Call) -> String {
        match call {
            Call::CreateCanister { controllers, cycles } => match controllers {
                Some(list) => format!(
                    "create_canister(controllers=[{}], cycles={cycles})",
                    list.iter().map(name).collect::<Vec<_>>().join(", ")
                ),
                None => format!("create_canister(cycles={cycles})"),
            },
            Call::InstallCode { canister_id, mode, wasm_module, globals, .. } => {
                format!(
                    "install_code({}, {mode:?}, module {}, {} globals)",
                    cn(canister_id),
                    short(&snapspec_model::canister::sha256(wasm_module)),
                    globals.len()
                )
            }
            Call::TakeCanisterSnapshot(TakeArgs { canister_id, replace_snapshot, uninstall_code, .. }) => {
                let mut s = format!("take_canister_snapshot({}", cn(canister_id));
                if let Some(r) = replace_snapshot {
                    let _ = write!(s, ", replace_snapshot={}", arg(r));
                }
                if let Some(u) = uninstall_code {
                    let _ = write!(s, ", uninstall_code={u}");
                }
                s + ")"
            }
            Call::LoadCanisterSnapshot(LoadArgs { canister_id, snapshot_id, .. }) => {
                format!("load_canister_snapshot({}, {})", cn(canister_id), arg(snapshot_id))
            }
            Call::ListCanisterSnapshots { canister_id } => format!("list_canister_snapshots({})", cn(canister_id)),
            Call::DeleteCanisterSnapshot(a) => {
                format!("delete_canister_snapshot({}, {})", cn(&a.canister_id), arg(&a.snapshot_id))
            }
            Call::TakeSnapshot { canister_id, label } => format!("take_snapshot({}, {label:?})", cn(canister_id)),
            Call::LoadSnapshot { snapshot_id, canister_id } => {
                format!("load_snapshot({}, {})", arg(snapshot_id), cn(canister_id))
            }
            Call::ListSnapshots { canister_id } => format!("list_snapshots({})", cn(canister_id)),
            Call::DeleteSnapshot { snapshot_id } => format!("delete_snapshot({})", arg(snapshot_id)),
            Call::WriteWasmMemory { canister_id, offset, bytes } => {
                format!("write_heap({}, @{offset}, {})", cn(canister_id), quoted(bytes))
            }
            Call::WriteStableMemory { canister_id, offset, bytes } => {
                format!("write_stable({}, @{offset}, {})", cn(canister_id), quoted(bytes))
            }
            Call::ReadWasmMemory { canister_id, offset, len } => {
                format!("read_heap({}, @{offset}, {len})", cn(canister_id))
            }
            Call::ReadStableMemory { canister_id, offset, len } => {
                format!("read_stable({}, @{offset}, {len})", cn(canister_id))
            }
            Call::CanisterStatus { canister_id } => format!("canister_status({})", cn(canister_id)),
            Call::CanisterInfo { canister_id } => format!("canister_info({})", cn(canister_id)),
            Call::AdvanceTime { nanos } => format!("advance_time({nanos}ns)"),
            Call::Checkpoint => "checkpoint".into(),
            other => format!("{other:?}"),
        }
    }

    fn reply_summary(&self, reply: &Reply) -> String {
        match reply {
            Reply::Empty => "()".into(),
            Reply::Timer(timer) => format!("previous timer {timer:?}"),
            Reply::Globals(globals) => format!("globals {globals:?}"),
            Reply::Snapshot(s) => {
                format!("{{id {}, taken_at {}, total_size {}}}", sn(&s.id), self.at(s.taken_at_timestamp), s.total_size)
            }
            Reply::SnapshotId(id) => sn(id),
            Reply::Snapshots(list) => {
                let items: Vec<String> = list
                    .iter()
                    .map(|s| {
                        format!(
                            "{{id {}, taken_at {}, total_size {}}}",
                            sn(&s.id),
                            self.at(s.taken_at_timestamp),
                            s.total_size
                        )
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            }
            Reply::ProposalSnapshots(list) => {
                let items: Vec<String> = list
                    .iter()
                    .map(|s| {
                        format!(
                            "{{id {}, taken_on {}, label {:?}, total_size {}, checksum {}}}",
                            sn(&s.id),
                            self.at(s.taken_on),
                            s.label,
                            s.total_size,
                            s.checksum.as_ref().map_or("-".into(), short)
                        )
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            }
            Reply::CanisterId(id) => cn(id),
            Reply::Status(s) => format!(
                "{{{:?}, version {}, module {}, memory_size {}, snapshots_size {}, cycles {}}}",
                s.status,
                s.version,
                s.module_hash.as_ref().map_or("-".into(), short),
                s.memory_size,
                s.snapshots_size,
                s.cycles
            ),
            Reply::Info(info) => {
                let last = info.recent_changes.last().map(|c| self.change(&c.details)).unwrap_or_default();
                format!(
                    "{{total_num_changes {}, last: v{} {last}}}",
                    info.total_num_changes,
                    info.recent_changes.last().map_or(0, |c| c.canister_version)
                )
            }
            Reply::Bytes(bytes) => quoted(bytes),
            Reply::ChunkHash(hash) => short(hash),
        }
    }

    fn change(&self, details: &ChangeDetails) -> String {
        match details {
            ChangeDetails::Creation { controllers } => {
                format!("creation [{}]", controllers.iter().map(name).collect::<Vec<_>>().join(", "))
            }
            ChangeDetails::CodeUninstall => "code_uninstall".into(),
            ChangeDetails::CodeDeployment { mode, module_hash } => {
                format!("code_deployment {mode:?} {}", short(module_hash))
            }
            ChangeDetails::LoadSnapshot {
                canister_version,
                snapshot_id,
                taken_at_timestamp,
                source,
                from_canister_id,
            } => {
                let mut s = format!(
                    "load_snapshot {{snapshot_id {}, canister_version {canister_version}, taken_at_timestamp {}",
                    sn(snapshot_id),
                    self.at(*taken_at_timestamp)
                );
                match source {
                    Some(SnapshotSource::TakenFromCanister) => s.push_str(", source taken_from_canister"),
                    Some(SnapshotSource::MetadataUpload) => s.push_str(", source metadata_upload"),
                    None => s.push_str(", no source field"),
                }
                if let Some(from) = from_canister_id {
                    let _ = write!(s, ", from_canister_id {}", cn(from));
                }
                s + "}"
            }
            ChangeDetails::ControllersChange { controllers } => {
                format!("controllers_change [{}]", controllers.iter().map(name).collect::<Vec<_>>().join(", "))
            }
        }
    }

    fn finish(mut self) -> String {
        let state = self.model.state().clone();
        let _ = writeln!(self.out, "final state (time {}, {} checkpoints):", self.at(state.time_ns), state.checkpoints);
        for (id, canister) in state.canisters.iter() {
            let snapshots: Vec<String> = canister
                .snapshots
                .values()
                .map(|s| {
                    format!(
                        "{} (v{}, {}, {} B{})",
                        sn(&s.id),
                        s.canister_version,
                        self.at(s.taken_at_timestamp_ns),
                        s.size_bytes,
                        s.label.as_ref().map_or(String::new(), |l| format!(", {l:?}"))
                    )
                })
                .collect();
            let _ = writeln!(
                self.out,
                "  {}: {:?}, version {}, {}, next_snapshot_id {}, snapshots [{}]",
                cn(id),
                canister.status,
                canister.version,
                canister.module_hash().map_or("empty".into(), |h| format!("module {}", short(&h))),
                canister.next_snapshot_id,
                snapshots.join(", ")
            );
            for change in canister.history.recent.iter() {
                let origin = match &change.origin {
                    ChangeOrigin::FromUser { user_id } => name(user_id),
                    ChangeOrigin::FromCanister { canister_id, .. } => name(canister_id),
                };
                let _ = writeln!(
                    self.out,
                    "    history v{} {} by {origin}: {}",
                    change.canister_version,
                    self.at(change.timestamp_ns),
                    self.change(&change.details)
                );
            }
        }
        self.out
    }
}

fn install(n: u64, mode: InstallMode, variant: u8) -> Call {
    let (wasm_module, globals) = module(variant);
    Call::InstallCode { canister_id: c(n), mode, wasm_module, globals, sender_canister_version: None }
}
fn take(n: u64, replace: Option<SnapshotId>) -> Call {
    Call::TakeCanisterSnapshot(TakeArgs {
        canister_id: c(n),
        replace_snapshot: replace.map(Into::into),
        uninstall_code: None,
        sender_canister_version: None,
    })
}
fn load(n: u64, id: SnapshotId) -> Call {
    Call::LoadCanisterSnapshot(LoadArgs { canister_id: c(n), snapshot_id: id.into(), sender_canister_version: None })
}
fn write_stable(n: u64, bytes: &[u8]) -> Call {
    Call::WriteStableMemory { canister_id: c(n), offset: 0, bytes: bytes.to_vec() }
}
fn read_stable(n: u64, len: u64) -> Call {
    Call::ReadStableMemory { canister_id: c(n), offset: 0, len }
}

#[test]
fn rollback_after_a_bad_upgrade() {
    let mut t = Trace::new("ic", "Rollback: install, write, take, upgrade, write, load, read back.", 1);
    t.step(alice(), Call::CreateCanister { controllers: None, cycles: 1 << 50 });
    t.step(alice(), install(0, InstallMode::Install, 0));
    t.step(alice(), write_stable(0, b"balance=100"));
    t.step(alice(), Call::WriteWasmMemory { canister_id: c(0), offset: 0, bytes: b"cache".to_vec() });
    t.step(alice(), Call::AdvanceTime { nanos: 1_000 });
    t.step(alice(), take(0, None));
    t.step(alice(), Call::CanisterStatus { canister_id: c(0) });
    t.step(alice(), install(0, InstallMode::Upgrade, 1));
    t.step(alice(), write_stable(0, b"balance=???"));
    t.step(alice(), read_stable(0, 11));
    t.step(alice(), Call::AdvanceTime { nanos: 1_000 });
    t.step(alice(), load(0, sid(0, 0)));
    t.step(alice(), read_stable(0, 11));
    t.step(alice(), Call::ReadWasmMemory { canister_id: c(0), offset: 0, len: 5 });
    t.step(alice(), Call::CanisterStatus { canister_id: c(0) });
    t.step(alice(), Call::ListCanisterSnapshots { canister_id: c(0) });
    insta::assert_snapshot!("rollback_ic", t.finish());
}

#[test]
fn replace_at_the_limit_in_ic_2024() {
    let mut t = Trace::new(
        "ic-2024",
        "One slot (spec 0.28): a second take fails; replace_snapshot swaps; ids are never reused.",
        1,
    );
    t.step(alice(), Call::CreateCanister { controllers: None, cycles: 1 << 50 });
    t.step(alice(), install(0, InstallMode::Install, 0));
    t.step(alice(), take(0, None));
    t.step(alice(), write_stable(0, b"v2"));
    t.step(alice(), take(0, None));
    t.step(alice(), take(0, Some(sid(0, 7))));
    t.step(alice(), take(0, Some(sid(0, 0))));
    t.step(alice(), Call::ListCanisterSnapshots { canister_id: c(0) });
    t.step(alice(), load(0, sid(0, 0)));
    t.step(
        alice(),
        Call::DeleteCanisterSnapshot(snapspec_model::DeleteArgs { canister_id: c(0), snapshot_id: sid(0, 1).into() }),
    );
    t.step(alice(), take(0, None));
    t.step(alice(), Call::ListCanisterSnapshots { canister_id: c(0) });
    insta::assert_snapshot!("replace_at_limit_ic_2024", t.finish());
}

#[test]
fn cross_canister_load_before_and_after_checkpoint() {
    let mut t = Trace::new(
        "ic",
        "Cross-canister load (spec 0.50+): control of both canisters and a checkpoint after the owner's writes.",
        2,
    );
    t.step(alice(), Call::CreateCanister { controllers: None, cycles: 1 << 50 });
    t.step(alice(), Call::CreateCanister { controllers: Some(vec![alice(), bob()]), cycles: 1 << 50 });
    t.step(alice(), install(0, InstallMode::Install, 0));
    t.step(alice(), install(1, InstallMode::Install, 0));
    t.step(alice(), write_stable(0, b"state of c0"));
    t.step(alice(), take(0, None));
    t.step(bob(), load(1, sid(0, 0)));
    t.step(alice(), load(1, sid(0, 0)));
    t.step(alice(), Call::Checkpoint);
    t.step(alice(), load(1, sid(0, 0)));
    t.step(alice(), read_stable(1, 11));
    t.step(alice(), Call::CanisterInfo { canister_id: c(1) });
    t.step(alice(), Call::ListCanisterSnapshots { canister_id: c(1) });
    insta::assert_snapshot!("cross_canister_load_ic", t.finish());
}

#[test]
fn proposal_single_slot() {
    let mut t =
        Trace::new("proposal-2024", "The 2024 proposal: one slot replaced silently, labels, checksums in listings.", 1);
    t.step(alice(), Call::CreateCanister { controllers: None, cycles: 1 << 50 });
    t.step(alice(), install(0, InstallMode::Install, 0));
    t.step(alice(), Call::TakeSnapshot { canister_id: c(0), label: Some("before upgrade".into()) });
    t.step(alice(), Call::ListSnapshots { canister_id: c(0) });
    t.step(alice(), write_stable(0, b"v2"));
    t.step(alice(), Call::AdvanceTime { nanos: 500 });
    t.step(alice(), Call::TakeSnapshot { canister_id: c(0), label: Some("after upgrade".into()) });
    t.step(alice(), Call::ListSnapshots { canister_id: c(0) });
    t.step(alice(), Call::LoadSnapshot { snapshot_id: sid(0, 0).into(), canister_id: c(0) });
    t.step(alice(), take(0, None));
    t.step(bob(), Call::ListSnapshots { canister_id: c(0) });
    t.step(alice(), write_stable(0, b"v3"));
    t.step(alice(), Call::LoadSnapshot { snapshot_id: sid(0, 1).into(), canister_id: c(0) });
    t.step(alice(), read_stable(0, 2));
    t.step(alice(), Call::DeleteSnapshot { snapshot_id: sid(0, 1).into() });
    t.step(alice(), Call::ListSnapshots { canister_id: c(0) });
    insta::assert_snapshot!("proposal_single_slot", t.finish());
}
