//! Precondition knobs: every error path and every check-order pair, enumerated.
//!
//! A method's *family* is a draft (what its setup and call look like) plus knobs, each of
//! which turns one precondition false by changing the draft. The generator applies every
//! knob alone and every pair of knobs, builds the scenario through the model, and keeps it
//! for the suite when every intended precondition is indeed violated (a pair the model
//! cannot realise, e.g. because evaluation stops at a missing canister, is dropped; so is a
//! pair that violates the same set of preconditions as an earlier case). Cycles-related
//! knobs ask for an initial balance tuned by bisection on the model itself: the largest
//! balance at which the precondition still fails, so the other resource checks still pass.
//! Each such knob also yields a *boundary* case, one cycle more: the least balance at which
//! the precondition holds, where its check meets its bound with equality (an implementation
//! that compares with `>` instead of `>=` fails there, and no violated case shows it).

use snapspec_model::config::{Api, CheckOrder};
use snapspec_model::memory::WASM_PAGE_SIZE_BYTES;
use snapspec_model::{Clause, Config, Outcome, SnapshotIdArg, Visibility};

use super::script::*;
use super::Scenario;

/// One precondition made false.
pub struct Knob<D> {
    /// The precondition.
    pub clause: Clause,
    /// How the draft violates it (for comments).
    pub what: &'static str,
    /// Changes the draft; `false` when the profile cannot express it or it conflicts with
    /// what the draft already does.
    pub apply: fn(&mut D, &Config) -> bool,
}

/// A method's drafts and knobs.
pub struct Family<D> {
    /// Method group, e.g. `take`.
    pub name: &'static str,
    /// The knobs, in the order ids and pairs are formed.
    pub knobs: Vec<Knob<D>>,
    /// Builds the scenario; the cycles are the balance of the canister the draft tunes.
    pub build: for<'c> fn(&D, &'c Config, u64) -> Result<Script<'c>, SetupError>,
    /// The clause the cycles are tuned to violate, if any.
    pub cycles: fn(&D) -> Option<Clause>,
    /// Why the family's check-order pairs are disputed in `config`, if they are.
    pub order_disputed: fn(&Config) -> Option<&'static str>,
}

/// Every single knob and every pair of knobs of `family` that `config` can express.
pub fn enumerate<D: Default + Clone>(family: &Family<D>, config: &Config) -> Vec<Scenario> {
    let mut out: Vec<Scenario> = Vec::new();
    let mut seen: Vec<Vec<Clause>> = Vec::new();
    let n = family.knobs.len();
    let combos = (0..n).map(|i| vec![i]).chain((0..n).flat_map(|i| (i + 1..n).map(move |j| vec![i, j])));
    for combo in combos {
        let knobs: Vec<&Knob<D>> = combo.iter().map(|&i| &family.knobs[i]).collect();
        let Some(scenario) = realise(family, config, &knobs) else { continue };
        let mut scenario = scenario;
        let violated = violated_of(&scenario);
        let intended = knobs.iter().all(|k| violated.contains(&k.clause));
        let mut key = violated.clone();
        key.sort();
        scenario.in_suite = intended && !seen.contains(&key);
        if scenario.in_suite {
            seen.push(key);
        }
        out.push(scenario);
    }
    out.extend(family.knobs.iter().filter_map(|knob| boundary(family, config, knob)));
    out
}

/// The knob's precondition at its edge: the draft of `knob` alone with the least balance at
/// which the precondition holds (`None` unless the knob tunes cycles).
fn boundary<D: Default + Clone>(family: &Family<D>, config: &Config, knob: &Knob<D>) -> Option<Scenario> {
    let mut draft = D::default();
    if !(knob.apply)(&mut draft, config) {
        return None;
    }
    let clause = (family.cycles)(&draft)?;
    let cycles = tune_cycles(family, &draft, config, clause)? + 1;
    let script = (family.build)(&draft, config, cycles).ok()?;
    let id = format!("{}/boundary/{}", family.name, clause.id());
    let mut scenario = Scenario::new(&id, String::new(), script);
    scenario.comment = boundary_comment(&scenario, family.name, clause, cycles);
    Some(scenario)
}

fn violated_of(scenario: &Scenario) -> Vec<Clause> {
    match scenario.steps.last().map(|r| &r.transition.outcome) {
        Some(Outcome::Reject(r)) => r.violated.iter().map(|v| v.clause).collect(),
        _ => Vec::new(),
    }
}

fn realise<D: Default + Clone>(family: &Family<D>, config: &Config, knobs: &[&Knob<D>]) -> Option<Scenario> {
    let mut draft = D::default();
    for knob in knobs {
        if !(knob.apply)(&mut draft, config) {
            return None;
        }
    }
    let cycles = match (family.cycles)(&draft) {
        None => BIG,
        Some(clause) => tune_cycles(family, &draft, config, clause)?,
    };
    let script = (family.build)(&draft, config, cycles).ok()?;
    let ids: Vec<&str> = knobs.iter().map(|k| k.clause.id()).collect();
    let pair = knobs.len() > 1;
    let id = format!("{}/{}/{}", family.name, if pair { "order" } else { "violate" }, ids.join("+"));
    let mut scenario = Scenario::new(&id, String::new(), script);
    scenario.comment = comment(&scenario, knobs);
    if pair {
        if let Some(reason) = (family.order_disputed)(config) {
            scenario = scenario.disputed(reason);
        }
    }
    Some(scenario)
}

/// The largest balance at which `clause` is violated while the setup still succeeds.
fn tune_cycles<D>(family: &Family<D>, draft: &D, config: &Config, clause: Clause) -> Option<u64> {
    let cycles = least_balance(|cycles| (family.build)(draft, config, cycles), clause)?.checked_sub(1)?;
    let script = (family.build)(draft, config, cycles).ok()?;
    match script.last().map(|t| &t.outcome) {
        Some(Outcome::Reject(r)) if r.violated.iter().any(|v| v.clause == clause) => Some(cycles),
        _ => None,
    }
}

/// The least balance (at most [`BIG`]) at which the last step of `build(balance)` does not
/// violate `clause` while the setup succeeds, by bisection on the model (more cycles never
/// hurt); `None` if even `BIG` does not do.
pub fn least_balance<'c>(build: impl Fn(u64) -> Result<Script<'c>, SetupError>, clause: Clause) -> Option<u64> {
    let holds = |cycles: u64| -> bool {
        match build(cycles) {
            Ok(script) => match script.last().map(|t| &t.outcome) {
                Some(Outcome::Reject(r)) => !r.violated.iter().any(|v| v.clause == clause),
                _ => true,
            },
            Err(_) => false,
        }
    };
    let (mut low, mut high) = (0u64, BIG);
    if !holds(high) {
        return None;
    }
    // Invariant: `holds(high)`.
    while low < high {
        let middle = low + (high - low) / 2;
        if holds(middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Some(high)
}

fn comment<D>(scenario: &Scenario, knobs: &[&Knob<D>]) -> String {
    let mut out = String::from("Made false on purpose: ");
    let parts: Vec<String> = knobs.iter().map(|k| format!("{} ({})", k.clause.id(), k.what)).collect();
    out.push_str(&parts.join("; "));
    out.push_str(". ");
    match scenario.steps.last().map(|r| &r.transition.outcome) {
        Some(Outcome::Reject(r)) => {
            let violated: Vec<String> =
                r.violated.iter().map(|v| format!("{} ({})", v.clause.id(), v.error.code)).collect();
            out.push_str(&format!("The model finds violated, in the profile's check order: {}. ", violated.join(", ")));
            if r.violated.len() > 1 {
                let mut codes: Vec<String> = r.violated.iter().map(|v| v.error.code.to_string()).collect();
                codes.dedup();
                out.push_str(&format!(
                    "Strict mode expects {}, the first one's error; spec mode accepts any of {}. ",
                    r.error.code,
                    codes.join(", ")
                ));
            } else {
                out.push_str(&format!("Rule: {} ", r.violated[0].clause.text()));
            }
        }
        Some(Outcome::Reply(_)) => out.push_str("In this profile the call succeeds nonetheless. "),
        None => {}
    }
    out.trim_end().to_string()
}

fn boundary_comment(scenario: &Scenario, family: &str, clause: Clause, cycles: u64) -> String {
    let mut out = format!(
        "At the edge of {id}: the balance is {cycles} cycles, the least at which it holds (bisection on the model; `{family}/violate/{id}` has one cycle less), so its check meets its bound with equality and passes. Rule: {text} ",
        id = clause.id(),
        text = clause.text(),
    );
    match scenario.steps.last().map(|r| &r.transition.outcome) {
        Some(Outcome::Reject(r)) => {
            let violated: Vec<String> =
                r.violated.iter().map(|v| format!("{} ({})", v.clause.id(), v.error.code)).collect();
            out.push_str(&format!(
                "The call then fails on a later check: {}; an implementation that refuses at equality answers with {id}'s error instead.",
                violated.join(", "),
                id = clause.id(),
            ));
        }
        Some(Outcome::Reply(_)) => out.push_str("The call succeeds: meeting the bound with equality is enough."),
        None => {}
    }
    out
}

fn management(config: &Config) -> bool {
    config.api == Api::Management
}

fn spec_order_disputed(config: &Config) -> Option<&'static str> {
    (config.check_order == CheckOrder::Spec)
        .then_some("Disputed: this profile has no replica; the check order is the model's reading of the rules' order.")
}

// --- take --------------------------------------------------------------------------------------

/// What a take's `replace_snapshot` names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Replace {
    /// No `replace_snapshot`.
    #[default]
    None,
    /// A snapshot never taken (`$c0.s42`).
    Missing,
    /// Another canister's snapshot (`$c1.s0`).
    Foreign,
    /// Bytes that are no snapshot id (7 bytes).
    Malformed,
}

/// A take of `$c0` by alice, who alone controls it.
#[derive(Clone, Debug, Default)]
pub struct TakeDraft {
    stranger: bool,
    missing: bool,
    replace: Replace,
    at_limit: bool,
    fill: bool,
    cycles: Option<Clause>,
    empty: bool,
    long_label: bool,
}

fn set_replace(d: &mut TakeDraft, config: &Config, replace: Replace) -> bool {
    if !management(config) || d.replace != Replace::None {
        return false;
    }
    d.replace = replace;
    true
}

fn set_cycles(slot: &mut Option<Clause>, clause: Clause) -> bool {
    if slot.is_some() {
        return false;
    }
    *slot = Some(clause);
    true
}

/// The take family.
pub fn take_family() -> Family<TakeDraft> {
    Family {
        name: "take",
        knobs: vec![
            Knob {
                clause: Clause::TakeExists,
                what: "the canister `$c99` does not exist",
                apply: |d, _| {
                    d.missing = true;
                    true
                },
            },
            Knob {
                clause: Clause::TakeCtrl,
                what: "the caller bob does not control `$c0`",
                apply: |d, _| {
                    d.stranger = true;
                    true
                },
            },
            Knob {
                clause: Clause::TakeReplaceExists,
                what: "`replace_snapshot` names `$c0.s42`, never taken",
                apply: |d, c| set_replace(d, c, Replace::Missing),
            },
            Knob {
                clause: Clause::TakeReplaceOwned,
                what: "`replace_snapshot` names `$c1.s0`, a snapshot of another canister",
                apply: |d, c| set_replace(d, c, Replace::Foreign),
            },
            Knob {
                clause: Clause::ArgsSnapshotId,
                what: "`replace_snapshot` is 7 bytes, no snapshot id",
                apply: |d, c| set_replace(d, c, Replace::Malformed),
            },
            Knob {
                clause: Clause::TakeLimit,
                what: "`$c0` already holds the profile's maximum number of snapshots",
                apply: |d, _| {
                    d.at_limit = true;
                    true
                },
            },
            Knob {
                clause: Clause::TakeMemory,
                what: "the subnet has 50 bytes left; the snapshot needs a heap page and more",
                apply: |d, _| {
                    d.fill = true;
                    true
                },
            },
            Knob {
                clause: Clause::TakeFreeze,
                what: "the balance is tuned just below the freezing threshold at the new usage",
                apply: |d, _| set_cycles(&mut d.cycles, Clause::TakeFreeze),
            },
            Knob {
                clause: Clause::TakeFee,
                what: "the balance is tuned to cover the threshold but not the threshold plus the fee",
                apply: |d, _| set_cycles(&mut d.cycles, Clause::TakeFee),
            },
            Knob {
                clause: Clause::TakeNonEmpty,
                what: "`$c0` was uninstalled",
                apply: |d, _| {
                    d.empty = true;
                    true
                },
            },
            Knob {
                clause: Clause::ArgsLabel,
                what: "the label has 257 bytes",
                apply: |d, c| {
                    d.long_label = c.labels;
                    c.labels
                },
            },
        ],
        build: build_take,
        cycles: |d| d.cycles,
        order_disputed: spec_order_disputed,
    }
}

fn build_take<'c>(d: &TakeDraft, config: &'c Config, cycles: u64) -> Result<Script<'c>, SetupError> {
    let mut s = Script::new(config);
    s.a(create(&[alice()], cycles))?;
    s.a(install(0, snapspec_model::InstallMode::Install, 0))?;
    if d.fill {
        s.a(write_heap(0, 0, b"x"))?;
    }
    if d.replace == Replace::Foreign {
        s.a(create(&[alice()], BIG))?;
        s.a(install(1, snapspec_model::InstallMode::Install, 0))?;
        s.a(take(config, 1))?;
    }
    if d.at_limit {
        for _ in 0..config.snapshots_per_canister_max {
            s.a(take(config, 0))?;
        }
    }
    if d.empty {
        s.a(uninstall(0))?;
    }
    if d.fill {
        s.fill_subnet(50)?;
    }
    let replace = match d.replace {
        Replace::None => None,
        Replace::Missing => Some(sid(0, NEVER_TAKEN).into()),
        Replace::Foreign => Some(sid(1, 0).into()),
        Replace::Malformed => Some(SnapshotIdArg(vec![0; 7])),
    };
    let label = d.long_label.then(|| "x".repeat(257));
    let target = if d.missing { MISSING } else { 0 };
    let call =
        take_with(config, target, replace, None, label).ok_or_else(|| SetupError("take not expressible".into()))?;
    s.run(if d.stranger { bob() } else { alice() }, call);
    Ok(s)
}

// --- load --------------------------------------------------------------------------------------

/// Which canister a load targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadTarget {
    /// The snapshot's owner `$c0`.
    #[default]
    Same,
    /// `$c1` (controlled by alice and bob), another canister of the subnet.
    Cross,
    /// `$c99`, which does not exist.
    Missing,
}

/// Which snapshot a load names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SnapshotRef {
    /// `$c0.s0`, taken.
    #[default]
    Taken,
    /// `$c0.s42`, never taken.
    Missing,
    /// 7 bytes.
    Malformed,
}

/// A load of `$c0.s0` (a snapshot of `$c0`, controlled by alice and carol, with one stable
/// page) by alice.
#[derive(Clone, Debug, Default)]
pub struct LoadDraft {
    target: LoadTarget,
    no_target_control: bool,
    no_owner_control: bool,
    snapshot: SnapshotRef,
    dirty: bool,
    fill: bool,
    /// The target grows by `GROWN_STABLE_PAGES` of stable memory just before the load, so the
    /// load shrinks it.
    grown: bool,
    cycles: Option<Clause>,
}

/// How far `LoadDraft::grown` grows the target's stable memory, in Wasm pages.
const GROWN_STABLE_PAGES: u64 = 20;

fn set_cross(d: &mut LoadDraft) -> bool {
    if d.target == LoadTarget::Missing {
        return false;
    }
    d.target = LoadTarget::Cross;
    true
}

/// The load family.
pub fn load_family() -> Family<LoadDraft> {
    Family {
        name: "load",
        knobs: vec![
            Knob {
                clause: Clause::LoadExists,
                what: "the target `$c99` does not exist",
                apply: |d, _| {
                    let ok = d.target == LoadTarget::Same;
                    d.target = LoadTarget::Missing;
                    ok
                },
            },
            Knob {
                clause: Clause::LoadCtrl,
                what: "the caller does not control the target",
                apply: |d, _| {
                    d.no_target_control = true;
                    true
                },
            },
            Knob {
                clause: Clause::LoadSnapshotExists,
                what: "the snapshot `$c0.s42` was never taken",
                apply: |d, _| {
                    let ok = d.snapshot == SnapshotRef::Taken;
                    d.snapshot = SnapshotRef::Missing;
                    ok
                },
            },
            Knob {
                clause: Clause::ArgsSnapshotId,
                what: "the snapshot id is 7 bytes",
                apply: |d, _| {
                    let ok = d.snapshot == SnapshotRef::Taken;
                    d.snapshot = SnapshotRef::Malformed;
                    ok
                },
            },
            Knob {
                clause: Clause::LoadOwned,
                what: "the snapshot belongs to `$c0`, the target is `$c1`, and the profile has no cross-canister load",
                apply: |d, c| !c.cross_canister_load && set_cross(d),
            },
            Knob {
                clause: Clause::LoadCrossCtrl,
                what: "the target is `$c1`; the caller does not control the snapshot's owner `$c0`",
                apply: |d, c| {
                    d.no_owner_control = true;
                    c.cross_canister_load && set_cross(d)
                },
            },
            Knob {
                clause: Clause::LoadCrossLoadable,
                what: "the target is `$c1`; `$c0` wrote to its memory before the take and no checkpoint followed",
                apply: |d, c| {
                    d.dirty = true;
                    c.cross_canister_load && set_cross(d)
                },
            },
            Knob {
                clause: Clause::LoadFeeBase,
                what: "the target grew by 20 stable pages just before the load, and its balance is tuned just below the freezing threshold at that usage plus the fee's baseline; the load would shrink it, and the rest of the fee is covered",
                apply: |d, _| {
                    d.grown = true;
                    set_cycles(&mut d.cycles, Clause::LoadFeeBase)
                },
            },
            Knob {
                clause: Clause::LoadMemory,
                what: "the subnet has 1000 bytes left; the load adds a stable page",
                apply: |d, _| {
                    d.fill = true;
                    true
                },
            },
            Knob {
                clause: Clause::LoadFreeze,
                what: "the target's balance is tuned just below the freezing threshold at the new usage; the target is `$c1` where the profile loads across canisters (a load onto the unchanged owner never needs more than its take did)",
                apply: |d, c| {
                    if c.cross_canister_load && d.target == LoadTarget::Same {
                        d.target = LoadTarget::Cross;
                    }
                    set_cycles(&mut d.cycles, Clause::LoadFreeze)
                },
            },
            Knob {
                clause: Clause::LoadFee,
                what: "the target's balance is tuned to cover the threshold but not the threshold plus the fee",
                apply: |d, _| set_cycles(&mut d.cycles, Clause::LoadFee),
            },
        ],
        build: build_load,
        cycles: |d| d.cycles,
        order_disputed: |_| {
            Some("Disputed: load's check order (which error wins when several preconditions fail) is the replica's as the model reads it; the references are uncertain about it.")
        },
    }
}

fn build_load<'c>(d: &LoadDraft, config: &'c Config, cycles: u64) -> Result<Script<'c>, SetupError> {
    let mut s = Script::new(config);
    let own_cycles = if d.target == LoadTarget::Same { cycles } else { BIG };
    s.a(create(&[alice(), carol()], own_cycles))?;
    s.a(install(0, snapspec_model::InstallMode::Install, 0))?;
    s.a(write_stable(0, 0, b"v1"))?;
    s.a(take(config, 0))?;
    if !d.dirty {
        s.a(snapspec_model::Call::Checkpoint)?;
    }
    if d.target == LoadTarget::Cross {
        s.a(create(&[alice(), bob()], cycles))?;
        s.a(install(1, snapspec_model::InstallMode::Install, 0))?;
    }
    // A load onto the unchanged owner adds no memory, so the subnet could not refuse it.
    if d.target == LoadTarget::Same && d.fill {
        s.a(uninstall(0))?;
    }
    if d.grown {
        let grown_index = if d.target == LoadTarget::Cross { 1 } else { 0 };
        s.a(write_stable(grown_index, GROWN_STABLE_PAGES * WASM_PAGE_SIZE_BYTES - 1, b"x"))?;
    }
    if d.fill {
        s.fill_subnet(1_000)?;
    }
    let (target, caller) = match d.target {
        LoadTarget::Same | LoadTarget::Missing => {
            (if d.target == LoadTarget::Same { 0 } else { MISSING }, if d.no_target_control { eve() } else { alice() })
        }
        LoadTarget::Cross => {
            let caller = match (d.no_target_control, d.no_owner_control) {
                (false, false) => alice(),
                (false, true) => bob(),
                (true, false) => carol(),
                (true, true) => eve(),
            };
            (1, caller)
        }
    };
    let id: SnapshotIdArg = match d.snapshot {
        SnapshotRef::Taken => sid(0, 0).into(),
        SnapshotRef::Missing => sid(0, NEVER_TAKEN).into(),
        SnapshotRef::Malformed => SnapshotIdArg(vec![0; 7]),
    };
    s.run(caller, load(config, target, id));
    Ok(s)
}

// --- delete ------------------------------------------------------------------------------------

/// Which snapshot a delete names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeleteRef {
    /// `$c0.s0`, taken.
    #[default]
    Own,
    /// `$c0.s42`, never taken.
    Missing,
    /// `$c1.s0`, another canister's.
    Foreign,
    /// 7 bytes.
    Malformed,
}

/// A delete of `$c0.s0` by alice.
#[derive(Clone, Debug, Default)]
pub struct DeleteDraft {
    missing: bool,
    stranger: bool,
    snapshot: DeleteRef,
}

fn set_delete_ref(d: &mut DeleteDraft, snapshot: DeleteRef) -> bool {
    let ok = d.snapshot == DeleteRef::Own;
    d.snapshot = snapshot;
    ok
}

/// The delete family.
pub fn delete_family() -> Family<DeleteDraft> {
    Family {
        name: "delete",
        knobs: vec![
            Knob {
                clause: Clause::DeleteExists,
                what: "the canister `$c99` does not exist (the id names it as owner too)",
                apply: |d, _| {
                    d.missing = true;
                    true
                },
            },
            Knob {
                clause: Clause::DeleteCtrl,
                what: "the caller bob does not control `$c0`",
                apply: |d, _| {
                    d.stranger = true;
                    true
                },
            },
            Knob {
                clause: Clause::DeleteSnapshotExists,
                what: "the snapshot `$c0.s42` was never taken",
                apply: |d, _| set_delete_ref(d, DeleteRef::Missing),
            },
            Knob {
                clause: Clause::DeleteOwned,
                what: "the snapshot `$c1.s0` belongs to another canister",
                apply: |d, c| management(c) && set_delete_ref(d, DeleteRef::Foreign),
            },
            Knob {
                clause: Clause::ArgsSnapshotId,
                what: "the snapshot id is 7 bytes",
                apply: |d, _| set_delete_ref(d, DeleteRef::Malformed),
            },
        ],
        build: build_delete,
        cycles: |_| None,
        order_disputed: spec_order_disputed,
    }
}

fn build_delete<'c>(d: &DeleteDraft, config: &'c Config, _cycles: u64) -> Result<Script<'c>, SetupError> {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    s.a(install(0, snapspec_model::InstallMode::Install, 0))?;
    s.a(take(config, 0))?;
    if d.snapshot == DeleteRef::Foreign {
        s.a(create(&[alice()], BIG))?;
        s.a(install(1, snapspec_model::InstallMode::Install, 0))?;
        s.a(take(config, 1))?;
    }
    let owner = if d.missing { MISSING } else { 0 };
    let id: SnapshotIdArg = match d.snapshot {
        DeleteRef::Own => sid(owner, 0).into(),
        DeleteRef::Missing => sid(owner, NEVER_TAKEN).into(),
        DeleteRef::Foreign => sid(1, 0).into(),
        DeleteRef::Malformed => SnapshotIdArg(vec![0; 7]),
    };
    s.run(if d.stranger { bob() } else { alice() }, delete(config, owner, id));
    Ok(s)
}

// --- list --------------------------------------------------------------------------------------

/// A listing of `$c0` (one snapshot) by alice.
#[derive(Clone, Debug, Default)]
pub struct ListDraft {
    missing: bool,
    stranger: bool,
    viewers: bool,
}

/// The list family.
pub fn list_family() -> Family<ListDraft> {
    Family {
        name: "list",
        knobs: vec![
            Knob {
                clause: Clause::ListExists,
                what: "the canister `$c99` does not exist",
                apply: |d, _| {
                    d.missing = true;
                    true
                },
            },
            Knob {
                clause: Clause::ListCtrl,
                what: "the caller bob does not control `$c0` (the profile has no visibility setting)",
                apply: |d, c| {
                    d.stranger = true;
                    !c.visibility
                },
            },
            Knob {
                clause: Clause::ListVisControllers,
                what: "visibility is `controllers` (the default) and the caller bob does not control `$c0`",
                apply: |d, c| {
                    d.stranger = true;
                    c.visibility && !d.viewers
                },
            },
            Knob {
                clause: Clause::ListVisAllowed,
                what: "visibility is `allowed_viewers` [dave] and the caller bob is neither a controller nor listed",
                apply: |d, c| {
                    d.stranger = true;
                    d.viewers = true;
                    c.visibility
                },
            },
        ],
        build: build_list,
        cycles: |_| None,
        order_disputed: spec_order_disputed,
    }
}

fn build_list<'c>(d: &ListDraft, config: &'c Config, _cycles: u64) -> Result<Script<'c>, SetupError> {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    s.a(install(0, snapspec_model::InstallMode::Install, 0))?;
    s.a(take(config, 0))?;
    if d.viewers {
        s.a(set_visibility(0, Visibility::AllowedViewers(vec![dave()])))?;
    }
    let target = if d.missing { MISSING } else { 0 };
    s.run(if d.stranger { bob() } else { alice() }, list(config, target));
    Ok(s)
}
