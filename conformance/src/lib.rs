//! # snapspec: check any implementation of canister snapshots against the model
//!
//! The model ([`snapspec_model`]) says what must happen; this crate makes it bite on real
//! implementations. Plug an implementation in through one of three adapters — in-process
//! ([`sut::SystemUnderTest`]), any program over the stdio protocol ([`stdio::StdioSut`],
//! `docs/protocol.md`), or a real PocketIC server (feature `pocketic`) — and run:
//! - vector replay ([`replay`]): the language-neutral suites under `vectors/`;
//! - random campaigns with shrinking ([`campaign`], [`shrink`]): seeded sequences, the
//!   first divergence shrunk to a minimal trace and written out as a vector;
//! - bounded exhaustive exploration ([`explore`]): every sequence up to a depth over a tiny
//!   world, with state hashing and symmetry reduction.
//!
//! Answers are compared by [`compare`] in strict mode (the replica's exact errors and sizes)
//! or spec mode (any violated precondition's error; sizes and times by relation). The
//! mutation suite ([`mutants`]) proves that the harness kills classic bugs.
//!
//! ```
//! use snapspec::{campaign, compare::Mode, sut::ModelSut};
//! let options = campaign::CampaignOptions {
//!     seed: 1, cases: 20, steps_max: 30, mode: Mode::Strict,
//!     config: snapspec_model::Config::ic(), shrink_runs_max: 100,
//! };
//! let report = campaign::run(&mut ModelSut::new(), &options, |_| {});
//! assert!(report.finding.is_none(), "the model conforms to itself");
//! ```
#![deny(missing_docs)]

pub mod allocator;
pub mod campaign;
pub mod compare;
pub mod corpus;
pub mod explore;
pub mod ids;
pub mod mutants;
pub mod oracles;
#[cfg(feature = "pocketic")]
pub mod pocketic;
pub mod protocol;
pub mod regress;
pub mod replay;
pub mod report;
pub mod run;
pub mod serve;
pub mod shrink;
pub mod stdio;
pub mod sut;
pub mod test_canister;
pub mod vectors_cli;
