//! Calls into the model and their replies.
//!
//! A [`Request`] is a caller plus a [`Call`]. Snapshot methods take their arguments as the
//! management canister receives them (snapshot ids as raw bytes, so malformed ids are
//! expressible); lifecycle calls and execution effects are the minimum needed to reach every
//! snapshot rule.

use serde::{Deserialize, Serialize};

use crate::canister::{Change, InstallMode, Status, Timer, Visibility};
use crate::globals::Global;
use crate::ids::{hex_bytes, CanisterId, Principal, SnapshotId};

/// A call and who makes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The calling principal (a user or a canister id).
    pub caller: Principal,
    /// The call.
    pub call: Call,
}

/// A snapshot id argument as sent on the wire: raw bytes, maybe malformed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SnapshotIdArg(#[serde(with = "hex_bytes")] pub Vec<u8>);

impl From<SnapshotId> for SnapshotIdArg {
    fn from(id: SnapshotId) -> Self {
        SnapshotIdArg(id.to_bytes())
    }
}

impl std::fmt::Debug for SnapshotIdArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match SnapshotId::try_from_bytes(&self.0) {
            Ok(id) => write!(f, "{id}"),
            Err(_) => write!(f, "0x{}", hex::encode(&self.0)),
        }
    }
}

/// `take_canister_snapshot_args`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeArgs {
    /// The canister to snapshot.
    pub canister_id: CanisterId,
    /// A snapshot of this canister to replace.
    pub replace_snapshot: Option<SnapshotIdArg>,
    /// Uninstall code atomically after taking (spec 0.54+).
    pub uninstall_code: Option<bool>,
    /// The calling canister's version, recorded in history.
    pub sender_canister_version: Option<u64>,
}

/// `load_canister_snapshot_args`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadArgs {
    /// The target canister.
    pub canister_id: CanisterId,
    /// The snapshot to load (possibly owned by another canister).
    pub snapshot_id: SnapshotIdArg,
    /// The calling canister's version, recorded in history.
    pub sender_canister_version: Option<u64>,
}

/// `delete_canister_snapshot_args`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteArgs {
    /// The canister the snapshot should belong to.
    pub canister_id: CanisterId,
    /// The snapshot.
    pub snapshot_id: SnapshotIdArg,
}

/// Settings `update_settings` can change (`None` = keep).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// New controllers.
    pub controllers: Option<Vec<Principal>>,
    /// New snapshot visibility.
    pub snapshot_visibility: Option<Visibility>,
    /// New status visibility (dfinity/ic #10667). Left out of JSON when absent, so that
    /// implementations of profiles without it never see the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_visibility: Option<Visibility>,
}

/// Every call the model understands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Call {
    // --- snapshot methods, management-canister form -----------------------------------------
    /// `take_canister_snapshot`.
    TakeCanisterSnapshot(TakeArgs),
    /// `load_canister_snapshot`.
    LoadCanisterSnapshot(LoadArgs),
    /// `list_canister_snapshots`.
    ListCanisterSnapshots {
        /// The canister.
        canister_id: CanisterId,
    },
    /// `delete_canister_snapshot`.
    DeleteCanisterSnapshot(DeleteArgs),

    // --- snapshot methods, the 2024 proposal's form ------------------------------------------
    /// `take_snapshot(canister_id, label)`.
    TakeSnapshot {
        /// The canister.
        canister_id: CanisterId,
        /// Optional label.
        label: Option<String>,
    },
    /// `load_snapshot(snapshot_id, canister_id)`.
    LoadSnapshot {
        /// The snapshot.
        snapshot_id: SnapshotIdArg,
        /// The canister.
        canister_id: CanisterId,
    },
    /// `list_snapshots(canister_id)`.
    ListSnapshots {
        /// The canister.
        canister_id: CanisterId,
    },
    /// `delete_snapshot(snapshot_id)`.
    DeleteSnapshot {
        /// The snapshot.
        snapshot_id: SnapshotIdArg,
    },

    // --- canister lifecycle -----------------------------------------------------------------
    /// `provisional_create_canister_with_cycles`.
    CreateCanister {
        /// Controllers; default: the caller.
        controllers: Option<Vec<Principal>>,
        /// Initial cycles.
        cycles: u64,
    },
    /// `install_code` with an abstract module: bytes plus the globals it declares.
    InstallCode {
        /// The canister.
        canister_id: CanisterId,
        /// Install, reinstall or upgrade.
        mode: InstallMode,
        /// Module bytes (opaque to the model; hashed for `module_hash`).
        #[serde(with = "hex_bytes")]
        wasm_module: Vec<u8>,
        /// The module's exported globals with their initial values.
        globals: Vec<Global>,
        /// Recorded in history origin.
        sender_canister_version: Option<u64>,
    },
    /// `uninstall_code`.
    UninstallCode {
        /// The canister.
        canister_id: CanisterId,
        /// Recorded in history origin.
        sender_canister_version: Option<u64>,
    },
    /// `start_canister`.
    StartCanister {
        /// The canister.
        canister_id: CanisterId,
    },
    /// `stop_canister`.
    StopCanister {
        /// The canister.
        canister_id: CanisterId,
    },
    /// `update_settings`.
    UpdateSettings {
        /// The canister.
        canister_id: CanisterId,
        /// What to change.
        settings: Settings,
        /// Recorded in history origin.
        sender_canister_version: Option<u64>,
    },
    /// `delete_canister`.
    DeleteCanister {
        /// The canister.
        canister_id: CanisterId,
    },
    /// `upload_chunk`.
    UploadChunk {
        /// The canister.
        canister_id: CanisterId,
        /// Chunk bytes.
        #[serde(with = "hex_bytes")]
        chunk: Vec<u8>,
    },
    /// `clear_chunk_store`.
    ClearChunkStore {
        /// The canister.
        canister_id: CanisterId,
    },
    /// `canister_status`.
    CanisterStatus {
        /// The canister.
        canister_id: CanisterId,
    },
    /// `canister_info` (history).
    CanisterInfo {
        /// The canister.
        canister_id: CanisterId,
    },
    /// Adds cycles (a deposit).
    TopUp {
        /// The canister.
        canister_id: CanisterId,
        /// Cycles to add.
        cycles: u64,
    },

    // --- canister execution, abstracted ------------------------------------------------------
    /// The canister writes bytes into its heap, growing it as Wasm would.
    WriteWasmMemory {
        /// The canister.
        canister_id: CanisterId,
        /// Byte offset.
        offset: u64,
        /// Bytes to write.
        #[serde(with = "hex_bytes")]
        bytes: Vec<u8>,
    },
    /// The canister writes bytes into stable memory, growing it.
    WriteStableMemory {
        /// The canister.
        canister_id: CanisterId,
        /// Byte offset.
        offset: u64,
        /// Bytes to write.
        #[serde(with = "hex_bytes")]
        bytes: Vec<u8>,
    },
    /// The canister reads its heap (a query).
    ReadWasmMemory {
        /// The canister.
        canister_id: CanisterId,
        /// Byte offset.
        offset: u64,
        /// Bytes to read.
        len: u64,
    },
    /// The canister reads stable memory (a query).
    ReadStableMemory {
        /// The canister.
        canister_id: CanisterId,
        /// Byte offset.
        offset: u64,
        /// Bytes to read.
        len: u64,
    },
    /// The canister sets one of its globals.
    SetGlobal {
        /// The canister.
        canister_id: CanisterId,
        /// Index into the exported globals.
        index: u32,
        /// New value (must have the global's type).
        value: Global,
    },
    /// The canister reads its exported globals (a query).
    ReadGlobals {
        /// The canister.
        canister_id: CanisterId,
    },
    /// The canister calls `ic0.certified_data_set`.
    SetCertifiedData {
        /// The canister.
        canister_id: CanisterId,
        /// At most 32 bytes.
        #[serde(with = "hex_bytes")]
        data: Vec<u8>,
    },
    /// The canister sets its global timer; the reply is the previous timer, as
    /// `ic0.global_timer_set` returns it.
    SetTimer {
        /// The canister.
        canister_id: CanisterId,
        /// New timer.
        timer: Timer,
    },

    // --- environment -------------------------------------------------------------------------
    /// Time passes.
    AdvanceTime {
        /// Nanoseconds to add.
        nanos: u64,
    },
    /// The subnet writes a checkpoint.
    Checkpoint,
}

/// A snapshot as listed or returned by take: `{id; taken_at_timestamp; total_size}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// The id.
    pub id: SnapshotId,
    /// Creation time, ns.
    pub taken_at_timestamp: u64,
    /// Size charged for it.
    pub total_size: u64,
}

/// A snapshot as the proposal lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalSnapshotInfo {
    /// The id.
    pub id: SnapshotId,
    /// Creation time, ns.
    pub taken_on: u64,
    /// The label given at take.
    pub label: Option<String>,
    /// Size charged for it.
    pub total_size: u64,
    /// Content checksum (docs/checksum.md), in profiles that list it.
    #[serde(with = "crate::ids::opt_hex_bytes32", default)]
    pub checksum: Option<[u8; 32]>,
}

/// `canister_status`'s reply, reduced to what snapshots touch. (`Default`: a running,
/// empty canister with no controllers and no cycles.)
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReply {
    /// Running status.
    pub status: Status,
    /// Module hash, if installed.
    #[serde(with = "crate::ids::opt_hex_bytes32", default)]
    pub module_hash: Option<[u8; 32]>,
    /// Controllers (ordered by length, then bytes).
    pub controllers: Vec<Principal>,
    /// Canister version.
    pub version: u64,
    /// Total memory usage, snapshots included.
    pub memory_size: u64,
    /// Heap bytes.
    pub wasm_memory_size: u64,
    /// Stable memory bytes.
    pub stable_memory_size: u64,
    /// Module bytes.
    pub wasm_binary_size: u64,
    /// Chunk store bytes.
    pub wasm_chunk_store_size: u64,
    /// Sum of snapshot sizes.
    pub snapshots_size: u64,
    /// Cycles balance (a decimal string in JSON: it may exceed 2^53).
    #[serde(with = "crate::ids::u128_decimal")]
    pub cycles: u128,
    /// Visibility setting; absent in profiles that predate it (spec 0.57, the `visibility` knob).
    #[serde(default)]
    pub snapshot_visibility: Option<Visibility>,
    /// Status visibility; absent in profiles without the setting (the `status_visibility`
    /// knob), and then left out of JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_visibility: Option<Visibility>,
}

/// `canister_info`'s reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoReply {
    /// Changes ever recorded.
    pub total_num_changes: u64,
    /// Recent changes, oldest first.
    pub recent_changes: Vec<Change>,
    /// Module hash, if installed.
    #[serde(with = "crate::ids::opt_hex_bytes32", default)]
    pub module_hash: Option<[u8; 32]>,
    /// Controllers.
    pub controllers: Vec<Principal>,
}

/// A successful call's reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Reply {
    /// `()`.
    Empty,
    /// `take_canister_snapshot`.
    Snapshot(SnapshotInfo),
    /// `take_snapshot` (proposal).
    SnapshotId(SnapshotId),
    /// `list_canister_snapshots`.
    Snapshots(Vec<SnapshotInfo>),
    /// `list_snapshots` (proposal).
    ProposalSnapshots(Vec<ProposalSnapshotInfo>),
    /// `create_canister`.
    CanisterId(CanisterId),
    /// `canister_status`.
    Status(Box<StatusReply>),
    /// `canister_info`.
    Info(Box<InfoReply>),
    /// Memory reads.
    Bytes(#[serde(with = "hex_bytes")] Vec<u8>),
    /// `upload_chunk`.
    ChunkHash(#[serde(with = "crate::ids::hex_bytes32")] [u8; 32]),
    /// `set_timer`: the previous timer.
    Timer(Timer),
    /// `read_globals`.
    Globals(Vec<Global>),
}

impl Call {
    /// The method name as the IC (or the proposal) spells it; execution effects and
    /// environment steps get descriptive names.
    pub fn method_name(&self) -> &'static str {
        match self {
            Call::TakeCanisterSnapshot(_) => "take_canister_snapshot",
            Call::LoadCanisterSnapshot(_) => "load_canister_snapshot",
            Call::ListCanisterSnapshots { .. } => "list_canister_snapshots",
            Call::DeleteCanisterSnapshot(_) => "delete_canister_snapshot",
            Call::TakeSnapshot { .. } => "take_snapshot",
            Call::LoadSnapshot { .. } => "load_snapshot",
            Call::ListSnapshots { .. } => "list_snapshots",
            Call::DeleteSnapshot { .. } => "delete_snapshot",
            Call::CreateCanister { .. } => "create_canister",
            Call::InstallCode { .. } => "install_code",
            Call::UninstallCode { .. } => "uninstall_code",
            Call::StartCanister { .. } => "start_canister",
            Call::StopCanister { .. } => "stop_canister",
            Call::UpdateSettings { .. } => "update_settings",
            Call::DeleteCanister { .. } => "delete_canister",
            Call::UploadChunk { .. } => "upload_chunk",
            Call::ClearChunkStore { .. } => "clear_chunk_store",
            Call::CanisterStatus { .. } => "canister_status",
            Call::CanisterInfo { .. } => "canister_info",
            Call::TopUp { .. } => "top_up",
            Call::WriteWasmMemory { .. } => "write_wasm_memory",
            Call::WriteStableMemory { .. } => "write_stable_memory",
            Call::ReadWasmMemory { .. } => "read_wasm_memory",
            Call::ReadStableMemory { .. } => "read_stable_memory",
            Call::SetGlobal { .. } => "set_global",
            Call::ReadGlobals { .. } => "read_globals",
            Call::SetCertifiedData { .. } => "set_certified_data",
            Call::SetTimer { .. } => "set_timer",
            Call::AdvanceTime { .. } => "advance_time",
            Call::Checkpoint => "checkpoint",
        }
    }

    /// Every method name, for coverage tables.
    pub const METHOD_NAMES: &'static [&'static str] = &[
        "take_canister_snapshot",
        "load_canister_snapshot",
        "list_canister_snapshots",
        "delete_canister_snapshot",
        "take_snapshot",
        "load_snapshot",
        "list_snapshots",
        "delete_snapshot",
        "create_canister",
        "install_code",
        "uninstall_code",
        "start_canister",
        "stop_canister",
        "update_settings",
        "delete_canister",
        "upload_chunk",
        "clear_chunk_store",
        "canister_status",
        "canister_info",
        "top_up",
        "write_wasm_memory",
        "write_stable_memory",
        "read_wasm_memory",
        "read_stable_memory",
        "set_global",
        "read_globals",
        "set_certified_data",
        "set_timer",
        "advance_time",
        "checkpoint",
    ];

    /// Whether this is one of the eight snapshot methods (either API form).
    pub fn is_snapshot_method(&self) -> bool {
        matches!(
            self,
            Call::TakeCanisterSnapshot(_)
                | Call::LoadCanisterSnapshot(_)
                | Call::ListCanisterSnapshots { .. }
                | Call::DeleteCanisterSnapshot(_)
                | Call::TakeSnapshot { .. }
                | Call::LoadSnapshot { .. }
                | Call::ListSnapshots { .. }
                | Call::DeleteSnapshot { .. }
        )
    }
}
