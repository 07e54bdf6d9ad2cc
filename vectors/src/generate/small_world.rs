//! The `small-world` suite: the shortest path to every distinct state of a bounded
//! exhaustive exploration, deduplicated.
//!
//! The exploration itself belongs to the harness (`snapspec::explore`, which also replays it
//! against implementations); this module takes its result as plain data ([`Exploration`]) so
//! that the vector crate stays free of the harness. A path that is a prefix of another
//! emitted path adds nothing (every step of a vector is checked), so only maximal paths
//! become vectors; together their prefixes reach every distinct state.

use std::collections::BTreeSet;

use snapspec_model::{Call, Config, Principal, Request, Visibility};

use super::script::{name, Script};
use super::Scenario;
use crate::symbolic::{canister_handle, snapshot_handle};

/// The result of a bounded exhaustive exploration of the model, as the harness reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exploration {
    /// The setup every path starts from.
    pub prelude: Vec<Request>,
    /// The action alphabet.
    pub actions: Vec<Request>,
    /// The shortest path (action indices) to each distinct state, the empty path first.
    pub paths: Vec<Vec<u16>>,
    /// Depth explored.
    pub depth: usize,
    /// Distinct states after symmetry reduction.
    pub distinct_states: u64,
    /// Transitions taken (successors generated, duplicates included).
    pub transitions: u64,
    /// How states were identified, for the certificate (e.g. the symmetry used).
    pub reduction: String,
}

/// The paths that become vectors: every path that is not a proper prefix of another.
pub fn maximal_paths(paths: &[Vec<u16>]) -> Vec<Vec<u16>> {
    let prefixes: BTreeSet<&[u16]> = paths.iter().flat_map(|p| (0..p.len()).map(move |k| &p[..k])).collect();
    paths.iter().filter(|p| !prefixes.contains(p.as_slice())).cloned().collect()
}

/// The certificate of a suite built from `exploration`.
pub fn certificate(exploration: &Exploration, vectors: usize) -> String {
    format!(
        "Bounded exhaustive exploration to depth {} over an alphabet of {} actions from a {}-step prelude: {} transitions, {} distinct states ({}). The {} vectors are the maximal shortest paths; with their prefixes they reach every one of the {} distinct states, and the model's invariants held on every transition.",
        exploration.depth,
        exploration.actions.len(),
        exploration.prelude.len(),
        exploration.transitions,
        exploration.distinct_states,
        exploration.reduction,
        vectors,
        exploration.distinct_states
    )
}

/// The scenario of one path under `config` (whose alphabet must be `exploration`'s).
pub fn scenario(config: &Config, exploration: &Exploration, path: &[u16]) -> Scenario {
    let mut s = Script::new(config);
    for request in &exploration.prelude {
        s.run(request.caller, request.call.clone());
    }
    let labels: Vec<String> = path.iter().map(|&i| label(&exploration.actions[i as usize])).collect();
    for &i in path {
        let request = &exploration.actions[i as usize];
        s.run(request.caller, request.call.clone());
    }
    let id = if labels.is_empty() { "sw/prelude".to_string() } else { format!("sw/{}", labels.join("/")) };
    let comment = format!(
        "Shortest path to a distinct state of the small world: the prelude, then {}. Every expectation is the model's.",
        if labels.is_empty() { "nothing".to_string() } else { labels.join(", then ") }
    );
    Scenario::new(&id, comment, s)
}

/// A short label for an action: method, arguments, caller.
pub fn label(request: &Request) -> String {
    let handle = |id: &snapspec_model::CanisterId| canister_handle(id).unwrap_or_else(|| id.to_string());
    let snapshot = |bytes: &[u8]| {
        snapspec_model::SnapshotId::try_from_bytes(bytes)
            .ok()
            .and_then(|id| snapshot_handle(&id))
            .unwrap_or_else(|| hex::encode(bytes))
    };
    let who = name(&request.caller);
    let text = match &request.call {
        Call::TakeCanisterSnapshot(a) => {
            let mut args = vec![handle(&a.canister_id)];
            if let Some(replace) = &a.replace_snapshot {
                args.push(format!("replace={}", snapshot(&replace.0)));
            }
            if a.uninstall_code == Some(true) {
                args.push("uninstall".into());
            }
            format!("take({})", args.join(","))
        }
        Call::TakeSnapshot { canister_id, .. } => format!("take({})", handle(canister_id)),
        Call::LoadCanisterSnapshot(a) => format!("load({},{})", handle(&a.canister_id), snapshot(&a.snapshot_id.0)),
        Call::LoadSnapshot { snapshot_id, canister_id } => {
            format!("load({},{})", handle(canister_id), snapshot(&snapshot_id.0))
        }
        Call::DeleteCanisterSnapshot(a) => format!("delete({},{})", handle(&a.canister_id), snapshot(&a.snapshot_id.0)),
        Call::DeleteSnapshot { snapshot_id } => format!("delete({})", snapshot(&snapshot_id.0)),
        Call::ListCanisterSnapshots { canister_id } | Call::ListSnapshots { canister_id } => {
            format!("list({})", handle(canister_id))
        }
        Call::WriteWasmMemory { canister_id, bytes, .. } => {
            format!("write_heap({},{})", handle(canister_id), hex::encode(bytes))
        }
        Call::WriteStableMemory { canister_id, bytes, .. } => {
            format!("write_stable({},{})", handle(canister_id), hex::encode(bytes))
        }
        Call::InstallCode { canister_id, mode, .. } => format!("{mode:?}({})", handle(canister_id)).to_lowercase(),
        Call::UninstallCode { canister_id, .. } => format!("uninstall({})", handle(canister_id)),
        Call::StopCanister { canister_id } => format!("stop({})", handle(canister_id)),
        Call::StartCanister { canister_id } => format!("start({})", handle(canister_id)),
        Call::UpdateSettings { canister_id, settings, .. } => {
            let named = |visibility: &Visibility| match visibility {
                Visibility::Public => "public",
                Visibility::Controllers => "controllers",
                Visibility::AllowedViewers(_) => "allowed_viewers",
            };
            let mut what: Vec<String> = Vec::new();
            if settings.controllers.is_some() {
                what.push("controllers-change".into());
            }
            what.extend(settings.snapshot_visibility.as_ref().map(|v| named(v).to_string()));
            what.extend(settings.status_visibility.as_ref().map(|v| format!("status-{}", named(v))));
            format!("settings({},{})", handle(canister_id), what.join("+"))
        }
        Call::AdvanceTime { nanos } => format!("advance({nanos})"),
        Call::Checkpoint => "checkpoint".to_string(),
        other => other.method_name().to_string(),
    };
    format!("{text}@{who}")
}

/// Names the explorer's principals the way the other suites do (its eve is user 4 too).
pub fn principals_named(principals: &[Principal]) -> Vec<String> {
    principals.iter().map(name).collect()
}
