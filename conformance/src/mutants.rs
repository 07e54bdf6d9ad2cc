//! Faulty implementations that prove the harness bites.
//!
//! Each [`Fault`] wraps the model as an implementation and injects one classic bug — wrong
//! permission, limit off by one, replace not deleting, load not restoring stable memory, id
//! reuse, wrong error code, wrong check order, non-atomic failure, … — from *outside* the
//! model's code paths: by changing its configuration, by editing its state around a step, or
//! by rewriting its answer. A test asserts that the harness kills every one of them.

use std::sync::Arc;

use snapspec_model::call::SnapshotInfo;
use snapspec_model::canister::{Canister, SnapshotSource, Timer, Visibility};
use snapspec_model::config::CheckOrder;
use snapspec_model::{step, Call, CanisterId, Clause, Config, Outcome, Reply, Request, SnapshotId, State, Transition};

use crate::sut::{Manifest, Observed, SutFault, SystemUnderTest};

/// One injected bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Allows one snapshot more than the limit.
    LimitOffByOne,
    /// Checks the empty canister before the limit (the spec's order, not the replica's).
    CheckOrderSwapped,
    /// A take with `replace_snapshot` keeps the old snapshot.
    ReplaceNotDeleting,
    /// A take that fails still deletes the snapshot it was to replace.
    FailedReplaceDeletes,
    /// Load restores everything but stable memory.
    LoadKeepsStableMemory,
    /// Load does not restore the chunk store.
    LoadKeepsChunkStore,
    /// Load does not restore certified data.
    LoadKeepsCertifiedData,
    /// Loading consumes the snapshot.
    LoadDeletesSnapshot,
    /// Load restores the timer of a taken snapshot.
    TimerRestoredForTaken,
    /// Deleting a snapshot lets its id be handed out again.
    IdReuseAfterDelete,
    /// A failed take still consumes an id.
    FailureConsumesId,
    /// Snapshot-not-found reported as canister-not-found.
    WrongErrorCodeNotFound,
    /// Reject code 5 instead of 4 for IC0406.
    WrongRejectCode,
    /// Anyone may list snapshots.
    AnonymousCanList,
    /// A non-controller may take snapshots.
    NonControllerCanTake,
    /// Cross-canister load without control of the owning canister.
    NoOwnerControlCheck,
    /// Cross-canister load ignores unflushed changes.
    LoadableWithoutCheckpoint,
    /// Uninstalling code drops the snapshots.
    UninstallDropsSnapshots,
    /// Load does not bump the canister version.
    LoadKeepsVersion,
    /// Take bumps the canister version.
    TakeBumpsVersion,
    /// `total_size` counts one global too many.
    SizeOffByGlobal,
    /// Listings come newest first.
    ListUnordered,
    /// `taken_at_timestamp` lags the clock by one nanosecond.
    TimestampStale,
    /// `uninstall_code` on take is ignored.
    UninstallOnTakeIgnored,
    /// `snapshot_visibility` is ignored (controllers only).
    VisibilityIgnored,
    /// `status_visibility` other than the default is ignored when deciding who reads the
    /// status (a listed viewer or, when public, anyone is refused, IC0542), though it is still
    /// stored and reported; hunted under `ic-2026-08`, the only profile with the setting.
    StatusVisibilityIgnored,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 26] = [
        Fault::LimitOffByOne,
        Fault::CheckOrderSwapped,
        Fault::ReplaceNotDeleting,
        Fault::FailedReplaceDeletes,
        Fault::LoadKeepsStableMemory,
        Fault::LoadKeepsChunkStore,
        Fault::LoadKeepsCertifiedData,
        Fault::LoadDeletesSnapshot,
        Fault::TimerRestoredForTaken,
        Fault::IdReuseAfterDelete,
        Fault::FailureConsumesId,
        Fault::WrongErrorCodeNotFound,
        Fault::WrongRejectCode,
        Fault::AnonymousCanList,
        Fault::NonControllerCanTake,
        Fault::NoOwnerControlCheck,
        Fault::LoadableWithoutCheckpoint,
        Fault::UninstallDropsSnapshots,
        Fault::LoadKeepsVersion,
        Fault::TakeBumpsVersion,
        Fault::SizeOffByGlobal,
        Fault::ListUnordered,
        Fault::TimestampStale,
        Fault::UninstallOnTakeIgnored,
        Fault::VisibilityIgnored,
        Fault::StatusVisibilityIgnored,
    ];

    /// A kebab-case name.
    pub fn name(self) -> String {
        let debug = format!("{self:?}");
        let mut out = String::new();
        for (i, ch) in debug.chars().enumerate() {
            if ch.is_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(ch.to_ascii_lowercase());
        }
        out
    }

    fn config(self, config: &Config) -> Config {
        let mut config = config.clone();
        match self {
            Fault::LimitOffByOne => config.snapshots_per_canister_max += 1,
            Fault::CheckOrderSwapped => config.check_order = CheckOrder::Spec,
            Fault::UninstallOnTakeIgnored => config.uninstall_on_take = false,
            Fault::VisibilityIgnored => config.visibility = false,
            _ => {}
        }
        config
    }

    /// The profile the fault is hunted under: `ic`, unless only another has the rule it breaks.
    pub fn profile(self) -> Config {
        match self {
            Fault::StatusVisibilityIgnored => Config::ic_2026_08(),
            _ => Config::ic(),
        }
    }
}

/// The model with one [`Fault`] injected.
pub struct MutantSut {
    fault: Fault,
    config: Config,
    state: State,
    manifest: Manifest,
}

impl MutantSut {
    /// A mutant.
    pub fn new(fault: Fault) -> MutantSut {
        let config = fault.profile();
        MutantSut {
            fault,
            state: State::new(&config),
            config,
            manifest: Manifest::full(&format!("mutant {}", fault.name())),
        }
    }

    /// Runs `request` as a controller would have, when the model rejected it only for `clause`.
    fn override_rejection(
        &self,
        request: &Request,
        transition: &Transition,
        clause: Clause,
        as_caller: Option<snapspec_model::Principal>,
    ) -> Option<Transition> {
        let rejection = transition.outcome.rejection()?;
        if rejection.violated.len() != 1 || rejection.violated[0].clause != clause {
            return None;
        }
        let caller = as_caller.or_else(|| controller_of(&self.state, &request.call))?;
        let retried = step(&self.config, &self.state, &Request { caller, call: request.call.clone() });
        retried.outcome.reply().is_some().then_some(retried)
    }

    fn mutate(&self, request: &Request, transition: Transition) -> Transition {
        let before = &self.state;
        match self.fault {
            Fault::AnonymousCanList | Fault::NonControllerCanTake => {
                let clause =
                    if self.fault == Fault::AnonymousCanList { Clause::ListVisControllers } else { Clause::TakeCtrl };
                self.override_rejection(request, &transition, clause, None).unwrap_or(transition)
            }
            Fault::NoOwnerControlCheck => {
                self.override_rejection(request, &transition, Clause::LoadCrossCtrl, None).unwrap_or(transition)
            }
            Fault::LoadableWithoutCheckpoint => {
                let Some(rejection) = transition.outcome.rejection() else { return transition };
                if rejection.violated.iter().any(|v| v.clause == Clause::LoadCrossLoadable)
                    && rejection.violated.len() == 1
                {
                    let mut clean = before.clone();
                    let checkpointed =
                        step(&self.config, &clean, &Request { caller: request.caller, call: Call::Checkpoint }).state;
                    clean = checkpointed;
                    clean.checkpoints = before.checkpoints;
                    return step(&self.config, &clean, request);
                }
                transition
            }
            Fault::StatusVisibilityIgnored => match &request.call {
                // A read the setting allows is refused as under its default, `controllers`.
                Call::CanisterStatus { canister_id } if transition.outcome.reply().is_some() => {
                    let mut by_default = self.state.clone();
                    by_default.update_canister(canister_id, |c| c.status_visibility = Visibility::Controllers);
                    let refused = step(&self.config, &by_default, request);
                    if refused.outcome.rejection().is_some() {
                        Transition { state: transition.state, ..refused }
                    } else {
                        transition
                    }
                }
                _ => transition,
            },
            _ => self.mutate_success(request, transition),
        }
    }

    fn mutate_success(&self, request: &Request, mut transition: Transition) -> Transition {
        let before = &self.state;
        let succeeded = transition.outcome.reply().is_some();
        match (self.fault, &request.call) {
            (Fault::ReplaceNotDeleting, Call::TakeCanisterSnapshot(args))
                if succeeded && args.replace_snapshot.is_some() =>
            {
                restore_missing_snapshots(before, &mut transition.state, args.canister_id);
            }
            (Fault::FailedReplaceDeletes, Call::TakeCanisterSnapshot(args)) if !succeeded => {
                if let Some(id) = args.replace_snapshot.as_ref().and_then(|id| SnapshotId::try_from_bytes(&id.0).ok()) {
                    transition.state.update_canister(&id.owner, |c| remove_snapshot(c, &id));
                }
            }
            (
                Fault::LoadKeepsStableMemory | Fault::LoadKeepsChunkStore | Fault::LoadKeepsCertifiedData,
                Call::LoadCanisterSnapshot(args),
            ) if succeeded => {
                let old = before.canister(&args.canister_id).expect("load succeeded").clone();
                let fault = self.fault;
                transition.state.update_canister(&args.canister_id, |c| keep_on_load(fault, c, &old));
            }
            (Fault::LoadDeletesSnapshot, Call::LoadCanisterSnapshot(args)) if succeeded => {
                let id = SnapshotId::try_from_bytes(&args.snapshot_id.0).expect("load succeeded");
                transition.state.update_canister(&id.owner, |c| remove_snapshot(c, &id));
            }
            (Fault::TimerRestoredForTaken, Call::LoadCanisterSnapshot(args)) if succeeded => {
                let id = SnapshotId::try_from_bytes(&args.snapshot_id.0).expect("load succeeded");
                let snapshot =
                    before.canister(&id.owner).and_then(|c| c.snapshots.get(&id)).expect("load succeeded").clone();
                if snapshot.source == SnapshotSource::TakenFromCanister {
                    transition.state.update_canister(&args.canister_id, |c| {
                        c.global_timer = snapshot.global_timer.unwrap_or(Timer::Inactive)
                    });
                }
            }
            (Fault::IdReuseAfterDelete, Call::DeleteCanisterSnapshot(args)) if succeeded => {
                transition
                    .state
                    .update_canister(&args.canister_id, |c| c.next_snapshot_id = c.next_snapshot_id.saturating_sub(1));
            }
            (Fault::FailureConsumesId, Call::TakeCanisterSnapshot(args))
                if !succeeded && before.canister(&args.canister_id).is_some() =>
            {
                transition.state.update_canister(&args.canister_id, |c| c.next_snapshot_id += 1);
            }
            (Fault::UninstallDropsSnapshots, Call::UninstallCode { canister_id, .. }) if succeeded => {
                transition.state.update_canister(canister_id, |c| {
                    c.snapshots = Default::default();
                    c.snapshots_size_bytes = 0;
                });
            }
            (Fault::LoadKeepsVersion, Call::LoadCanisterSnapshot(args)) if succeeded => {
                transition.state.update_canister(&args.canister_id, |c| c.version -= 1);
            }
            (Fault::TakeBumpsVersion, Call::TakeCanisterSnapshot(args)) if succeeded => {
                transition.state.update_canister(&args.canister_id, |c| c.version += 1);
            }
            (Fault::SizeOffByGlobal, Call::TakeCanisterSnapshot(_)) if succeeded => {
                if let Some(Reply::Snapshot(info)) = transition.outcome.reply().cloned() {
                    grow_snapshot(&mut transition, info);
                }
            }
            _ => {}
        }
        transition
    }

    fn rewrite(&self, observed: Observed) -> Observed {
        match (self.fault, observed) {
            (Fault::WrongErrorCodeNotFound, Observed::Reject { code: 305, message, .. }) => {
                Observed::Reject { code: 301, reject_code: 3, message }
            }
            (Fault::WrongRejectCode, Observed::Reject { code: 406, message, .. }) => {
                Observed::Reject { code: 406, reject_code: 5, message }
            }
            (Fault::ListUnordered, Observed::Reply { reply: Reply::Snapshots(mut list) }) => {
                list.reverse();
                Observed::Reply { reply: Reply::Snapshots(list) }
            }
            (Fault::TimestampStale, Observed::Reply { reply: Reply::Snapshot(info) }) => Observed::Reply {
                reply: Reply::Snapshot(SnapshotInfo { taken_at_timestamp: info.taken_at_timestamp - 1, ..info }),
            },
            (_, observed) => observed,
        }
    }
}

fn target_canister(call: &Call) -> Option<CanisterId> {
    let value = serde_json::to_value(call).ok()?;
    serde_json::from_value(value.get("canister_id")?.clone()).ok()
}

/// A principal that controls every canister the call names (the owner of a snapshot too).
fn controller_of(state: &State, call: &Call) -> Option<snapspec_model::Principal> {
    let target = state.canister(&target_canister(call)?)?;
    let owner = match call {
        Call::LoadCanisterSnapshot(args) => {
            SnapshotId::try_from_bytes(&args.snapshot_id.0).ok().and_then(|id| state.canister(&id.owner))
        }
        _ => None,
    };
    target.controllers.iter().copied().find(|p| owner.is_none_or(|o| o.is_controller(p)))
}

fn remove_snapshot(canister: &mut Canister, id: &SnapshotId) {
    if let Some(old) = canister.snapshots.remove(id) {
        canister.snapshots_size_bytes -= old.size_bytes;
    }
}

fn restore_missing_snapshots(before: &State, after: &mut State, canister_id: CanisterId) {
    let Some(old) = before.canister(&canister_id) else { return };
    let old_snapshots = old.snapshots.clone();
    after.update_canister(&canister_id, |c| {
        for (id, snapshot) in &old_snapshots {
            if !c.snapshots.contains_key(id) {
                c.snapshots_size_bytes += snapshot.size_bytes;
                c.snapshots.insert(*id, snapshot.clone());
            }
        }
    });
}

fn keep_on_load(fault: Fault, canister: &mut Canister, old: &Canister) {
    match fault {
        Fault::LoadKeepsStableMemory => {
            if let (Some(new), Some(old)) = (canister.execution.as_mut(), old.execution.as_ref()) {
                new.stable_memory = old.stable_memory.clone();
            }
        }
        Fault::LoadKeepsChunkStore => canister.chunk_store = old.chunk_store.clone(),
        _ => canister.certified_data = old.certified_data.clone(),
    }
}

fn grow_snapshot(transition: &mut Transition, info: SnapshotInfo) {
    let extra = snapspec_model::canister::GLOBAL_SIZE_BYTES;
    transition.state.update_canister(&info.id.owner, |c| {
        if let Some(snapshot) = c.snapshots.get_mut(&info.id) {
            Arc::make_mut(snapshot).size_bytes += extra;
            c.snapshots_size_bytes += extra;
        }
    });
    transition.outcome = Outcome::Reply(Reply::Snapshot(SnapshotInfo { total_size: info.total_size + extra, ..info }));
}

impl SystemUnderTest for MutantSut {
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn reset(&mut self, config: &Config) -> Result<(), SutFault> {
        self.config = self.fault.config(config);
        self.state = State::new(&self.config);
        Ok(())
    }

    fn call(&mut self, request: &Request) -> Result<Observed, SutFault> {
        let transition = step(&self.config, &self.state, request);
        let transition = self.mutate(request, transition);
        self.state = transition.state;
        Ok(self.rewrite(Observed::from_outcome(transition.outcome)))
    }
}

/// How the harness fared against one mutant.
#[derive(Clone, Debug)]
pub struct HuntResult {
    /// The mutant.
    pub fault: Fault,
    /// Which campaign killed it (`random case N` / `explore`), if any.
    pub killed_by: Option<String>,
    /// Time to detection (or time spent, if it survived).
    pub elapsed: std::time::Duration,
}

/// Hunts one mutant: random campaigns under its profile (strict), then exploration at depth 2.
pub fn hunt(fault: Fault, seed: u64, cases: u64) -> HuntResult {
    use crate::campaign::{self, CampaignOptions};
    use crate::compare::Mode;
    use crate::explore::{self, ExploreWorld};
    let started = std::time::Instant::now();
    let config = fault.profile();
    let mut sut = MutantSut::new(fault);
    let options =
        CampaignOptions { seed, cases, steps_max: 40, mode: Mode::Strict, config: config.clone(), shrink_runs_max: 0 };
    let report = campaign::run(&mut sut, &options, |_| {});
    if let Some(finding) = report.finding {
        return HuntResult {
            fault,
            killed_by: Some(format!("random case {} ({})", finding.case, finding.divergence.signature())),
            elapsed: started.elapsed(),
        };
    }
    let world = ExploreWorld::new(&config, 2);
    let model = explore::explore_model(&config, &world, 2);
    let found = explore::explore_sut(&mut sut, &config, Mode::Strict, &world, &model.paths, u64::MAX, |_| {});
    let killed_by = found.divergence.map(|(_, d)| format!("explore ({})", d.signature()));
    HuntResult { fault, killed_by, elapsed: started.elapsed() }
}

/// Hunts every mutant (in parallel).
pub fn hunt_all(seed: u64, cases: u64) -> Vec<HuntResult> {
    use rayon::prelude::*;
    Fault::ALL.par_iter().map(|fault| hunt(*fault, seed, cases)).collect()
}
