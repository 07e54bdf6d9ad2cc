//! # snapspec-model: the executable specification of IC canister snapshots
//!
//! A canister on the Internet Computer can be *snapshotted*: its Wasm module, heap, stable
//! memory, globals, chunk store and certified data are saved under a fresh id, and loading
//! that id later puts them back — the undo button for a bad upgrade. This crate says, for any
//! subnet state and any call, exactly what must happen: which error wins when several
//! preconditions fail, which ids are handed out, what `total_size` is, what load restores and
//! what it keeps.
//!
//! The model is a pure function, [`step`]: state in, request in, `(state, outcome)` out. No
//! I/O, no clock, no randomness. State is cheap to clone (persistent maps; memories are
//! copy-on-write 4 KiB pages under a cached hash tree), so a snapshot of a 4 GiB heap copies
//! nothing.
//!
//! Every rule carries a clause id ([`Clause`]); each step reports the clauses it exercised,
//! and a rejection lists every violated precondition with the error it alone would give, so a
//! checker may demand the replica's exact error ("strict") or accept any of them ("spec").
//!
//! Profiles are data ([`Config`]): `ic` (spec 0.66 and the replica), older IC versions, and
//! `proposal-2024` (one slot, silent replacement, labels, checksums in listings).
//!
//! ```
//! use snapspec_model::{Call, Config, Model, Outcome, Reply, TakeArgs, LoadArgs, Principal};
//!
//! let alice = Principal::from_slice(&[1; 29]);
//! let mut model = Model::new(Config::ic());
//! let Outcome::Reply(Reply::CanisterId(canister)) = model.call(alice, Call::CreateCanister { controllers: None, cycles: 10u64.pow(12) }) else { panic!() };
//! model.call(alice, Call::InstallCode { canister_id: canister, mode: snapspec_model::InstallMode::Install, wasm_module: b"\0asm\x01\0\0\0".to_vec(), globals: vec![], sender_canister_version: None });
//! model.call(alice, Call::WriteStableMemory { canister_id: canister, offset: 0, bytes: b"v1".to_vec() });
//! let take = TakeArgs { canister_id: canister, replace_snapshot: None, uninstall_code: None, sender_canister_version: None };
//! let Outcome::Reply(Reply::Snapshot(snapshot)) = model.call(alice, Call::TakeCanisterSnapshot(take)) else { panic!() };
//! model.call(alice, Call::WriteStableMemory { canister_id: canister, offset: 0, bytes: b"v2".to_vec() });
//! model.call(alice, Call::LoadCanisterSnapshot(LoadArgs { canister_id: canister, snapshot_id: snapshot.id.into(), sender_canister_version: None }));
//! let read = model.call(alice, Call::ReadStableMemory { canister_id: canister, offset: 0, len: 2 });
//! assert_eq!(read, Outcome::Reply(Reply::Bytes(b"v1".to_vec())));
//! ```
#![deny(missing_docs)]

pub mod call;
pub mod canister;
pub mod checksum;
pub mod clause;
pub mod config;
pub mod error;
#[cfg(feature = "arbitrary")]
pub mod generators;
pub mod globals;
pub mod ids;
pub mod invariants;
mod leaf_pair;
pub mod memory;
pub mod methods;
pub mod pmap;
pub mod state;
pub mod step;

pub use call::{Call, DeleteArgs, LoadArgs, Reply, Request, Settings, SnapshotIdArg, SnapshotInfo, TakeArgs};
pub use canister::{Canister, InstallMode, Snapshot, Status, Timer, Visibility};
pub use clause::Clause;
pub use config::Config;
pub use error::{Certainty, ErrorCode, RejectCode, Rejection, UserError, Violation};
pub use globals::Global;
pub use ids::{CanisterId, Principal, SnapshotId};
pub use state::State;
pub use step::{step, Outcome, Transition};

/// A model instance: a profile and the current state, for callers that want a mutable
/// handle rather than threading states through [`step`].
#[derive(Clone, Debug)]
pub struct Model {
    config: Config,
    state: State,
    exercised: Vec<Clause>,
}

impl Model {
    /// An empty subnet under `config`.
    pub fn new(config: Config) -> Model {
        let state = State::new(&config);
        Model { config, state, exercised: Vec::new() }
    }

    /// Runs one call as `caller`, keeping the resulting state.
    pub fn call(&mut self, caller: Principal, call: Call) -> Outcome {
        self.request(&Request { caller, call })
    }

    /// Runs one request, keeping the resulting state.
    pub fn request(&mut self, request: &Request) -> Outcome {
        let Transition { state, outcome, exercised } = step(&self.config, &self.state, request);
        self.state = state;
        self.exercised = exercised;
        outcome
    }

    /// The clauses the last call exercised.
    pub fn last_exercised(&self) -> &[Clause] {
        &self.exercised
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The profile.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Back to an empty subnet.
    pub fn reset(&mut self) {
        self.state = State::new(&self.config);
        self.exercised.clear();
    }
}

/// The README's library example compiles and runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
