//! The system under test: anything that can reset to an empty subnet and answer calls.
//!
//! The harness never trusts an implementation: every answer is parsed and checked, every
//! wait has a timeout, and a crash, a hang or garbage becomes a [`SutFault`] — a finding in
//! the report, never a panic of the harness.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use snapspec_model::{Call, Config, Outcome, Reply, Request};

use crate::protocol::Capability;

/// What an implementation answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Observed {
    /// A reply.
    Reply {
        /// The reply.
        reply: Reply,
    },
    /// A reject.
    Reject {
        /// Error code number (e.g. 305).
        code: u16,
        /// Reject code number.
        reject_code: u8,
        /// Message (rendered when read: the in-process model's messages cost nothing unless compared).
        message: snapspec_model::error::Message,
    },
}

impl Observed {
    /// How the model's own outcome looks on the wire.
    pub fn from_outcome(outcome: Outcome) -> Observed {
        match outcome {
            Outcome::Reply(reply) => Observed::Reply { reply },
            Outcome::Reject(rejection) => Observed::Reject {
                code: rejection.error.code.number(),
                reject_code: rejection.reject_code().number(),
                message: rejection.error.message,
            },
        }
    }
}

/// Something went wrong with the implementation itself rather than its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum SutFault {
    /// It could not be started.
    Spawn {
        /// Why.
        message: String,
    },
    /// No answer within the per-call timeout.
    Timeout {
        /// Milliseconds waited.
        waited_ms: u64,
        /// Last lines of its stderr.
        stderr_tail: String,
    },
    /// It exited or closed its stdout.
    Exited {
        /// Exit status, if known.
        status: Option<i32>,
        /// The signal that killed it, if one did (it then has no exit status).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signal: Option<i32>,
        /// It ended after its previous answer, not while handling this request: found ended
        /// before the request was written, or with the request left whole in its stdin.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        before_request: bool,
        /// Last lines of its stderr.
        stderr_tail: String,
    },
    /// It sent something that is not a valid protocol message.
    Garbage {
        /// What it sent (truncated).
        line: String,
        /// Why it is invalid.
        error: String,
        /// Last lines of its stderr.
        stderr_tail: String,
    },
    /// It answered a different request.
    WrongId {
        /// Id of the request.
        expected: u64,
        /// Id it answered.
        got: u64,
    },
    /// It speaks another protocol version.
    ProtocolVersion {
        /// Its version.
        got: u32,
    },
    /// It sent a well-formed message of the wrong kind (e.g. `ok` to a call).
    Unexpected {
        /// What it sent.
        message: String,
    },
    /// It sent a line no request asked for ([`Found`] says when the harness found it).
    Unsolicited {
        /// What it sent (truncated).
        line: String,
        /// Why the line is not even a protocol line (cut off, too long, not UTF-8), if it is not.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        unreadable: String,
        /// When the harness found it.
        #[serde(default, skip_serializing_if = "Found::is_before_request")]
        found: Found,
    },
    /// It closed its stdin and went on running: it cannot be sent requests.
    InputClosed {
        /// Last lines of its stderr.
        stderr_tail: String,
    },
    /// It declined the request (`error` message).
    Declined {
        /// Its reason.
        message: String,
    },
}

impl fmt::Display for SutFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SutFault::Spawn { message } => write!(f, "could not start the implementation: {message}"),
            SutFault::Timeout { waited_ms, .. } => write!(f, "no answer within {waited_ms} ms"),
            SutFault::Exited { .. } => write!(f, "the implementation ended: {}", crate::report::fault_summary(self)),
            SutFault::Garbage { line, error, .. } => write!(f, "invalid message {line:?}: {error}"),
            SutFault::WrongId { expected, got } => write!(f, "answered request {got} while {expected} was pending"),
            SutFault::ProtocolVersion { got } => {
                write!(f, "speaks protocol version {got}, not {}", crate::protocol::PROTOCOL_VERSION)
            }
            SutFault::Unexpected { message } => write!(f, "unexpected message: {message}"),
            SutFault::Unsolicited { line, unreadable, found } => {
                write!(f, "sent {line:?}")?;
                if !unreadable.is_empty() {
                    write!(f, " ({unreadable})")?;
                }
                f.write_str(match found {
                    Found::BeforeRequest => {
                        " after its previous answer with no request pending (the next request was not sent)"
                    }
                    Found::BeforeAnswer => {
                        " before this request's answer, which followed it: an extra line, sent for this request \
                         or left from the previous answer"
                    }
                    Found::AtEnd => " after the trace's last answer with no request pending",
                })
            }
            SutFault::InputClosed { .. } => write!(f, "it closed its stdin while still running"),
            SutFault::Declined { message } => write!(f, "declined: {message}"),
        }
    }
}

/// When an unsolicited line was found. Lines arrive on their own schedule: the harness checks
/// for one before it writes each request and after a trace's last answer, and recognises one
/// that comes in just after a request went out by that request's answer following it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    /// Waiting when a request was to be written; that request was not sent.
    #[default]
    BeforeRequest,
    /// Read in place of the answer to the request just sent, which then followed: sent for
    /// that request or left from the previous answer, which the timing cannot tell apart, so
    /// it is charged to the request.
    BeforeAnswer,
    /// Waiting after the trace's last answer.
    AtEnd,
}

impl Found {
    fn is_before_request(&self) -> bool {
        *self == Found::BeforeRequest
    }
}

impl SutFault {
    /// Found between two calls: a line before the next request was written or after the
    /// trace's last answer, or an exit that left the next request unread. No request was being
    /// handled, so no step's method is to blame.
    pub fn between_calls(&self) -> bool {
        matches!(
            self,
            SutFault::Unsolicited { found: Found::BeforeRequest | Found::AtEnd, .. }
                | SutFault::Exited { before_request: true, .. }
        )
    }

    /// The implementation's stderr tail, where the fault captured one.
    pub fn stderr_tail(&self) -> Option<&str> {
        match self {
            SutFault::Timeout { stderr_tail, .. }
            | SutFault::Exited { stderr_tail, .. }
            | SutFault::Garbage { stderr_tail, .. }
            | SutFault::InputClosed { stderr_tail } => Some(stderr_tail),
            _ => None,
        }
    }
}

/// What an implementation says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Name and version.
    pub implementation: String,
    /// Profiles it supports.
    pub profiles: Vec<String>,
    /// Capability names it declared (unknown ones kept for the report).
    pub capabilities: BTreeSet<String>,
}

impl Manifest {
    /// Whether it declared `capability`.
    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(capability.name())
    }

    /// A manifest with every capability (the model's).
    pub fn full(implementation: &str) -> Manifest {
        Manifest {
            implementation: implementation.to_string(),
            profiles: snapspec_model::config::PRESET_NAMES.iter().map(|s| s.to_string()).collect(),
            capabilities: Capability::ALL.iter().map(|c| c.name().to_string()).collect(),
        }
    }

    /// Whether the implementation can run `request` at all: its call, and from its caller.
    pub fn supports(&self, request: &Request) -> bool {
        let canister_caller = snapspec_model::ids::is_opaque(&request.caller);
        (self.has(Capability::CanisterCallers) || !canister_caller) && self.supports_call(&request.call)
    }

    fn supports_call(&self, call: &Call) -> bool {
        match call {
            Call::WriteWasmMemory { .. }
            | Call::WriteStableMemory { .. }
            | Call::ReadWasmMemory { .. }
            | Call::ReadStableMemory { .. }
            | Call::SetGlobal { .. }
            | Call::ReadGlobals { .. }
            | Call::SetCertifiedData { .. }
            | Call::SetTimer { .. } => self.has(Capability::Execution),
            Call::Checkpoint => self.has(Capability::Checkpoint),
            Call::CanisterInfo { .. } => self.has(Capability::CanisterInfo),
            Call::TopUp { .. } => self.has(Capability::TopUp),
            Call::InstallCode { wasm_module, globals, .. } => {
                self.has(Capability::AnyModule)
                    || (wasm_module, globals)
                        == (&snapspec_model::generators::module(0).0, &snapspec_model::generators::module(0).1)
            }
            _ => true,
        }
    }
}

/// An implementation the harness can drive.
pub trait SystemUnderTest {
    /// Its manifest.
    fn manifest(&self) -> &Manifest;
    /// Back to an empty subnet under `config`.
    fn reset(&mut self, config: &Config) -> Result<(), SutFault>;
    /// One call. `request` is already in the implementation's ids.
    fn call(&mut self, request: &Request) -> Result<Observed, SutFault>;
    /// Whether re-running traces is cheap (then shrinking may re-run it freely).
    fn is_cheap(&self) -> bool {
        true
    }
    /// After a trace's last answer: anything the implementation did that the trace must answer
    /// for (a line it sent unasked), so that it is not blamed on the next trace's reset.
    fn finish_trace(&mut self) -> Result<(), SutFault> {
        Ok(())
    }
}

/// The model itself as an implementation: the reference point that must always conform.
pub struct ModelSut {
    model: snapspec_model::Model,
    manifest: Manifest,
}

impl ModelSut {
    /// A model SUT (reset chooses the profile).
    pub fn new() -> ModelSut {
        ModelSut {
            model: snapspec_model::Model::new(Config::ic()),
            manifest: Manifest::full("snapspec-model (in-process)"),
        }
    }
}

impl Default for ModelSut {
    fn default() -> Self {
        Self::new()
    }
}

impl SystemUnderTest for ModelSut {
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn reset(&mut self, config: &Config) -> Result<(), SutFault> {
        self.model = snapspec_model::Model::new(config.clone());
        Ok(())
    }

    fn call(&mut self, request: &Request) -> Result<Observed, SutFault> {
        Ok(Observed::from_outcome(self.model.request(request)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snapspec_model::{generators::user, CanisterId};

    /// Without `canister_callers`, a call from a canister principal is not sent (an agent
    /// could only send it as ingress); calls from users are, with or without it.
    #[test]
    fn canister_callers_are_a_capability() {
        let status = |caller| Request { caller, call: Call::CanisterStatus { canister_id: CanisterId::from_index(0) } };
        let (from_user, from_canister) = (status(user(1)), status(CanisterId::from_index(1).principal()));
        let full = Manifest::full("test");
        assert!(full.supports(&from_user) && full.supports(&from_canister));
        let mut agent = full.clone();
        agent.capabilities.remove(Capability::CanisterCallers.name());
        assert!(agent.supports(&from_user));
        assert!(!agent.supports(&from_canister));
    }
}
