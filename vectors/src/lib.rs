//! # snapspec-vectors: language-neutral test vectors for IC canister snapshots
//!
//! The committed suites under `vectors/suites/<profile>/<suite>.json` are JSON files any
//! implementation, in any language, can replay: steps from an empty subnet, each a caller, a
//! call (structured, and as candid bytes) and the expected outcome, with symbolic handles for
//! the ids the system hands out. `vectors/README.md` documents the format and how to write a
//! runner; `vectors/schema/suite.schema.json` is its JSON Schema.
//!
//! - [`format`]: the file format, its loader (never panics: errors name file, JSON path and
//!   what was expected) and its deterministic writer;
//! - [`symbolic`]: handles (`$c0`, `$c0.s1`) in place of ids;
//! - [`blob`]: the compact form of long blobs;
//! - [`encode`], [`candid_types`]: candid bytes of calls and replies;
//! - [`generate`]: the generator of the committed suites and of `verdicts.json`;
//! - [`schema`]: the JSON Schema.

pub mod blob;
pub mod candid_types;
pub mod encode;
pub mod format;
pub mod generate;
pub mod schema;
pub mod symbolic;
