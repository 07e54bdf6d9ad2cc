//! The stdio protocol: line-delimited JSON between the harness and an implementation.
//!
//! `docs/protocol.md` is the normative description; this module is its Rust rendering and is
//! shared by the client ([`crate::stdio`]) and the server ([`crate::serve`]). Every message
//! is one JSON object on one line. Requests carry an `id`; the response to a request carries
//! the same `id`.

use serde::{Deserialize, Serialize};
use snapspec_model::{Config, Principal, Reply, Request};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Longest line either side may send, bytes. Longer lines are a protocol violation.
pub const LINE_BYTES_MAX: usize = 8 << 20;

/// Harness → implementation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToImpl {
    /// First message: which protocol version the harness speaks.
    Hello {
        /// Request id.
        id: u64,
        /// Protocol version.
        protocol: u32,
    },
    /// Start from an empty subnet under this profile.
    Reset {
        /// Request id.
        id: u64,
        /// The full profile.
        config: Config,
    },
    /// One call.
    Call {
        /// Request id.
        id: u64,
        /// The caller, textual principal.
        caller: Principal,
        /// The call, tagged by `method`.
        call: snapspec_model::Call,
    },
    /// End of session; the implementation answers `ok` and exits.
    Bye {
        /// Request id.
        id: u64,
    },
}

impl ToImpl {
    /// A call message from a model request.
    pub fn call(id: u64, request: &Request) -> ToImpl {
        ToImpl::Call { id, caller: request.caller, call: request.call.clone() }
    }

    /// The request id.
    pub fn id(&self) -> u64 {
        match self {
            ToImpl::Hello { id, .. } | ToImpl::Reset { id, .. } | ToImpl::Call { id, .. } | ToImpl::Bye { id } => *id,
        }
    }
}

/// Implementation → harness.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromImpl {
    /// Answer to `hello`.
    Hello {
        /// Request id.
        id: u64,
        /// The protocol version the implementation speaks.
        protocol: u32,
        /// Free text: name and version.
        implementation: String,
        /// Profile names it supports.
        profiles: Vec<String>,
        /// Capabilities (see [`Capability`]).
        capabilities: Vec<String>,
    },
    /// Answer to `reset` and `bye`.
    Ok {
        /// Request id.
        id: u64,
    },
    /// A successful call.
    Reply {
        /// Request id.
        id: u64,
        /// The reply.
        reply: Reply,
    },
    /// A rejected call.
    Reject {
        /// Request id.
        id: u64,
        /// Error code number, e.g. 305.
        code: u16,
        /// Reject code number, 1–5.
        reject_code: u8,
        /// Error message.
        message: String,
    },
    /// The implementation cannot handle the request (unsupported profile or call).
    Error {
        /// Request id.
        id: u64,
        /// Why.
        message: String,
    },
}

impl FromImpl {
    /// The request id this answers.
    pub fn id(&self) -> u64 {
        match self {
            FromImpl::Hello { id, .. }
            | FromImpl::Ok { id }
            | FromImpl::Reply { id, .. }
            | FromImpl::Reject { id, .. }
            | FromImpl::Error { id, .. } => *id,
        }
    }
}

/// What an implementation may declare it does. Unknown strings are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Follows `advance_time` exactly: `taken_at_timestamp` equals the model's clock.
    DeterministicTime,
    /// Follows the profile's resource knobs exactly (cycles and subnet memory).
    ModelResources,
    /// Implements the execution effects (writes, reads, globals, certified data, timer).
    Execution,
    /// Implements `checkpoint`.
    Checkpoint,
    /// Implements `canister_info`.
    CanisterInfo,
    /// Implements `top_up`.
    TopUp,
    /// Uses the model's canister id layout and snapshot id layout.
    ModelIds,
    /// Installs any module the call gives (without it, only the first module of
    /// `snapspec_model::generators::module` is installed and other installs are skipped).
    AnyModule,
    /// Takes calls whose caller is a canister as calls from that canister (without it, they
    /// are skipped: an implementation behind an agent sends every call as ingress, so a
    /// canister principal would pass the ingress filter as a user).
    CanisterCallers,
}

impl Capability {
    /// All capabilities.
    pub const ALL: [Capability; 9] = [
        Capability::DeterministicTime,
        Capability::ModelResources,
        Capability::Execution,
        Capability::Checkpoint,
        Capability::CanisterInfo,
        Capability::TopUp,
        Capability::ModelIds,
        Capability::AnyModule,
        Capability::CanisterCallers,
    ];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Capability::DeterministicTime => "deterministic_time",
            Capability::ModelResources => "model_resources",
            Capability::Execution => "execution",
            Capability::Checkpoint => "checkpoint",
            Capability::CanisterInfo => "canister_info",
            Capability::TopUp => "top_up",
            Capability::ModelIds => "model_ids",
            Capability::AnyModule => "any_module",
            Capability::CanisterCallers => "canister_callers",
        }
    }

    /// From the wire name.
    pub fn parse(name: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snapspec_model::Reply;

    fn reply(line: &str) -> Reply {
        match serde_json::from_str(line).expect("a valid answer") {
            FromImpl::Reply { reply, .. } => reply,
            other => panic!("not a reply: {other:?}"),
        }
    }

    /// An absent optional field in an answer reads as `null`, as in requests (docs/protocol.md §2).
    #[test]
    fn answers_may_leave_out_optional_fields() {
        let status = reply(
            r#"{"type":"reply","id":1,"reply":{"type":"status","value":{"status":"running","controllers":[],"version":0,"memory_size":0,"wasm_memory_size":0,"stable_memory_size":0,"wasm_binary_size":0,"wasm_chunk_store_size":0,"snapshots_size":0,"cycles":"5","snapshot_visibility":"controllers"}}}"#,
        );
        assert!(matches!(status, Reply::Status(s) if s.module_hash.is_none()));
        let listing = reply(
            r#"{"type":"reply","id":2,"reply":{"type":"proposal_snapshots","value":[{"id":"00000000000000000000000000000000010101","taken_on":7,"total_size":9}]}}"#,
        );
        assert!(
            matches!(&listing, Reply::ProposalSnapshots(list) if list[0].checksum.is_none() && list[0].label.is_none())
        );
    }

    /// Required fields stay required: leaving one out is a fault, not a default.
    #[test]
    fn answers_must_carry_required_fields() {
        let without_version = r#"{"type":"reply","id":1,"reply":{"type":"status","value":{"status":"running","controllers":[],"memory_size":0,"wasm_memory_size":0,"stable_memory_size":0,"wasm_binary_size":0,"wasm_chunk_store_size":0,"snapshots_size":0,"cycles":"5","snapshot_visibility":"controllers"}}}"#;
        assert!(serde_json::from_str::<FromImpl>(without_version).is_err());
    }
}
