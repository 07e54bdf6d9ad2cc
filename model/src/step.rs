//! The transition function: state in, request in, (state, outcome) out.
//!
//! Each method module evaluates its preconditions in the configured check order through a
//! [`Cx`], which records every clause it touches and every violation. If anything is
//! violated the call is rejected with the first violation's error and the input state is
//! returned untouched; otherwise the method builds the new state from a clone.

use serde::{Deserialize, Serialize};

use crate::call::{Call, Reply, Request};
use crate::canister::{Canister, Status};
use crate::clause::Clause;
use crate::config::{Api, Config};
use crate::error::{ErrorCode, Rejection, UserError, Violation};
use crate::ids::{CanisterId, Principal, SnapshotId};
use crate::methods;
use crate::state::State;

/// What a call produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The call succeeded.
    Reply(Reply),
    /// The call was rejected; the state is unchanged.
    Reject(Rejection),
}

impl Outcome {
    /// The reply, if any.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Outcome::Reply(reply) => Some(reply),
            Outcome::Reject(_) => None,
        }
    }

    /// The rejection, if any.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Outcome::Reply(_) => None,
            Outcome::Reject(rejection) => Some(rejection),
        }
    }
}

/// One step of the model.
#[derive(Clone, Debug)]
pub struct Transition {
    /// The state after the call (the input state on rejection).
    pub state: State,
    /// Reply or rejection.
    pub outcome: Outcome,
    /// Every clause the step evaluated or applied, in order, without duplicates.
    pub exercised: Vec<Clause>,
}

/// Runs one call. Pure: no I/O, no clock, no randomness.
pub fn step(config: &Config, state: &State, request: &Request) -> Transition {
    // Steps touch up to a few dozen clauses: one allocation instead of growing 4, 8, 16, 32.
    let exercised = Vec::with_capacity(32);
    let mut cx = Cx { config, state, caller: request.caller, exercised, violations: Vec::new(), filtered: None };
    let result = dispatch(&mut cx, &request.call);
    let Cx { exercised, violations, .. } = cx;
    match (result, violations.is_empty()) {
        (Some((state, reply)), true) => Transition { state, outcome: Outcome::Reply(reply), exercised },
        (_, _) => {
            let error = violations.first().map(|v| v.error.clone()).expect("a call that produced no state records why");
            Transition {
                state: state.clone(),
                outcome: Outcome::Reject(Rejection { error, violated: violations }),
                exercised,
            }
        }
    }
}

fn dispatch(cx: &mut Cx, call: &Call) -> Option<(State, Reply)> {
    use methods::{delete, execution as exec, lifecycle as life, list, load, take};
    if !cx.require_api(call) {
        return None;
    }
    if let Call::UpdateSettings { settings, .. } = call {
        methods::visibility::check_settings_decoding(cx, settings);
    }
    methods::ingress::filter(cx, call);
    match call {
        Call::TakeCanisterSnapshot(args) => take::take(cx, &take::TakeRequest::from_args(args)),
        Call::TakeSnapshot { canister_id, label } => {
            take::take(cx, &take::TakeRequest::from_proposal(*canister_id, label))
        }
        Call::LoadCanisterSnapshot(args) => {
            load::load(cx, args.canister_id, &args.snapshot_id.0, args.sender_canister_version)
        }
        Call::LoadSnapshot { snapshot_id, canister_id } => load::load(cx, *canister_id, &snapshot_id.0, None),
        Call::ListCanisterSnapshots { canister_id } | Call::ListSnapshots { canister_id } => {
            list::list(cx, *canister_id)
        }
        Call::DeleteCanisterSnapshot(args) => delete::delete(cx, Some(args.canister_id), &args.snapshot_id.0),
        Call::DeleteSnapshot { snapshot_id } => delete::delete(cx, None, &snapshot_id.0),
        Call::CreateCanister { controllers, cycles } => life::create(cx, controllers.as_deref(), u128::from(*cycles)),
        Call::InstallCode { canister_id, mode, wasm_module, globals, sender_canister_version } => {
            life::install(cx, *canister_id, *mode, wasm_module, globals, *sender_canister_version)
        }
        Call::UninstallCode { canister_id, sender_canister_version } => {
            life::uninstall(cx, *canister_id, *sender_canister_version)
        }
        Call::StartCanister { canister_id } => life::set_status(cx, *canister_id, Status::Running),
        Call::StopCanister { canister_id } => life::set_status(cx, *canister_id, Status::Stopped),
        Call::UpdateSettings { canister_id, settings, sender_canister_version } => {
            life::update_settings(cx, *canister_id, settings, *sender_canister_version)
        }
        Call::DeleteCanister { canister_id } => life::delete_canister(cx, *canister_id),
        Call::UploadChunk { canister_id, chunk } => life::upload_chunk(cx, *canister_id, chunk),
        Call::ClearChunkStore { canister_id } => life::clear_chunk_store(cx, *canister_id),
        Call::CanisterStatus { canister_id } => life::status(cx, *canister_id),
        Call::CanisterInfo { canister_id } => life::info(cx, *canister_id),
        Call::TopUp { canister_id, cycles } => life::top_up(cx, *canister_id, u128::from(*cycles)),
        Call::WriteWasmMemory { canister_id, offset, bytes } => {
            exec::write(cx, *canister_id, exec::Target::Wasm, *offset, bytes)
        }
        Call::WriteStableMemory { canister_id, offset, bytes } => {
            exec::write(cx, *canister_id, exec::Target::Stable, *offset, bytes)
        }
        Call::ReadWasmMemory { canister_id, offset, len } => {
            exec::read(cx, *canister_id, exec::Target::Wasm, *offset, *len)
        }
        Call::ReadStableMemory { canister_id, offset, len } => {
            exec::read(cx, *canister_id, exec::Target::Stable, *offset, *len)
        }
        Call::SetGlobal { canister_id, index, value } => exec::set_global(cx, *canister_id, *index, *value),
        Call::ReadGlobals { canister_id } => exec::read_globals(cx, *canister_id),
        Call::SetCertifiedData { canister_id, data } => exec::set_certified_data(cx, *canister_id, data),
        Call::SetTimer { canister_id, timer } => exec::set_timer(cx, *canister_id, *timer),
        Call::AdvanceTime { nanos } => exec::advance_time(cx, *nanos),
        Call::Checkpoint => exec::checkpoint(cx),
    }
}

/// The evaluation context of one step: inputs plus what has been observed so far.
pub struct Cx<'a> {
    /// The profile.
    pub config: &'a Config,
    /// The state before the call.
    pub state: &'a State,
    /// Who calls.
    pub caller: Principal,
    exercised: Vec<Clause>,
    violations: Vec<Violation>,
    /// The canister the ingress filter looked up and whether the caller controls it, so the
    /// method's own existence and controller checks do not look again.
    filtered: Option<(&'a Canister, bool)>,
}

impl<'a> Cx<'a> {
    /// Records that a clause was evaluated or applied.
    pub fn touch(&mut self, clause: Clause) {
        if !self.exercised.contains(&clause) {
            self.exercised.push(clause);
        }
    }

    /// Evaluates one precondition; returns whether it holds.
    pub fn check(&mut self, clause: Clause, holds: bool, error: impl FnOnce() -> UserError) -> bool {
        self.touch(clause);
        if !holds {
            self.violations.push(Violation { clause, error: error() });
        }
        holds
    }

    /// Whether any precondition failed so far.
    pub fn failed(&self) -> bool {
        !self.violations.is_empty()
    }

    /// `Some(())` when all checks so far passed: lets methods write `cx.ok()?`.
    pub fn ok(&self) -> Option<()> {
        (!self.failed()).then_some(())
    }

    /// The canister, or a violation of `clause` (IC0301).
    pub fn require_canister(&mut self, clause: Clause, id: CanisterId) -> Option<&'a Canister> {
        let canister = match self.filtered {
            Some((filtered, _)) if filtered.id == id => Some(filtered),
            _ => self.state.canister(&id),
        };
        self.check(clause, canister.is_some(), || not_found(id));
        canister
    }

    /// Checks that the caller controls `canister` (IC0512).
    pub fn require_controller(&mut self, clause: Clause, canister: &Canister) -> bool {
        let caller = self.caller;
        let controls = match self.filtered {
            Some((filtered, controls)) if std::ptr::eq(filtered, canister) => controls,
            _ => canister.is_controller(&caller),
        };
        self.check(clause, controls, || invalid_controller(canister, &caller))
    }

    /// Decodes a snapshot id argument (IC0408 on malformed bytes).
    pub fn require_snapshot_id(&mut self, bytes: &[u8]) -> Option<SnapshotId> {
        match SnapshotId::try_from_bytes(bytes) {
            Ok(id) => {
                self.touch(Clause::ArgsSnapshotId);
                Some(id)
            }
            Err(err) => {
                self.check(Clause::ArgsSnapshotId, false, || {
                    UserError::exact(
                        ErrorCode::InvalidManagementPayload,
                        crate::lazy_format!("Payload deserialization error: {err}"),
                    )
                });
                None
            }
        }
    }

    /// Remembers what the ingress filter found (see `filtered`).
    pub(crate) fn remember_filtered(&mut self, canister: &'a Canister, controls: bool) {
        self.filtered = Some((canister, controls));
    }

    fn require_api(&mut self, call: &Call) -> bool {
        let available = match call {
            Call::TakeCanisterSnapshot(_)
            | Call::LoadCanisterSnapshot(_)
            | Call::ListCanisterSnapshots { .. }
            | Call::DeleteCanisterSnapshot(_) => self.config.api == Api::Management,
            Call::TakeSnapshot { .. }
            | Call::LoadSnapshot { .. }
            | Call::ListSnapshots { .. }
            | Call::DeleteSnapshot { .. } => self.config.api == Api::Proposal,
            _ => return true,
        };
        let name = call.method_name();
        self.check(Clause::ApiMethod, available, || {
            UserError::exact(
                ErrorCode::CanisterMethodNotFound,
                crate::lazy_format!("Management canister has no method '{name}'"),
            )
        })
    }
}

/// IC0301 as the replica's execution path renders it.
pub fn not_found(id: CanisterId) -> UserError {
    UserError::exact(ErrorCode::CanisterNotFound, crate::lazy_format!("Canister {id} not found."))
}

/// IC0512 with the replica's controller listing.
pub fn invalid_controller(canister: &Canister, caller: &Principal) -> UserError {
    let (id, caller) = (canister.id, *caller);
    let controllers: Vec<Principal> = canister.controllers.iter().copied().collect();
    let render = move || {
        let controllers: Vec<String> = controllers.iter().map(crate::ids::to_text).collect();
        format!(
            "Only the controllers of the canister {id} can control it.\nCanister's controllers: {}\nSender's ID: {}",
            controllers.join(" "),
            crate::ids::to_text(&caller)
        )
    };
    UserError::exact(ErrorCode::CanisterInvalidController, crate::error::Message::lazy(render))
}
