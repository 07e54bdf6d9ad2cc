//! The project's own candid types for the management-canister snapshot surface.
//!
//! Field names, field types and variant names follow interface spec 0.66
//! (`dfinity/developer-docs:public/references/ic.did`, digested in
//! `docs/reference/ic-interface-spec.md` §3), so that `candid::encode_one` of a value gives
//! the exact bytes the management canister receives or replies. Each Rust type's doc names
//! the candid type it mirrors. Blobs are [`ByteBuf`], which candid encodes as `blob`
//! (`vec nat8`).
//!
//! The 2024 forum proposal's methods take positional arguments; their argument lists are
//! plain structs (see [`TakeSnapshotArgs`] and its siblings) that `crate::encode` turns into
//! candid argument sequences, not records.
//!
//! These types are independent of `ic-management-canister-types`; the test
//! `tests/candid_conformance.rs` checks them against it.

use candid::{CandidType, Nat, Principal, Reserved};
use serde::Deserialize;
use serde_bytes::ByteBuf;

/// `type canister_id = principal`.
pub type CanisterId = Principal;

/// `type snapshot_id = blob`.
pub type SnapshotId = ByteBuf;

// --- snapshot methods ------------------------------------------------------------------------

/// `snapshot`: what take returns and list lists.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The snapshot's id.
    pub id: SnapshotId,
    /// Creation time, ns since 1970.
    pub taken_at_timestamp: u64,
    /// Memory the snapshot is charged for, in bytes.
    pub total_size: u64,
}

/// `take_canister_snapshot_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct TakeCanisterSnapshotArgs {
    /// The canister to snapshot.
    pub canister_id: CanisterId,
    /// A snapshot of the canister to replace.
    pub replace_snapshot: Option<SnapshotId>,
    /// Uninstall code atomically after taking (spec 0.54+).
    pub uninstall_code: Option<bool>,
    /// The calling canister's version.
    pub sender_canister_version: Option<u64>,
}

/// `load_canister_snapshot_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct LoadCanisterSnapshotArgs {
    /// The target canister.
    pub canister_id: CanisterId,
    /// The snapshot to load.
    pub snapshot_id: SnapshotId,
    /// The calling canister's version.
    pub sender_canister_version: Option<u64>,
}

/// `list_canister_snapshots_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ListCanisterSnapshotsArgs {
    /// The canister.
    pub canister_id: CanisterId,
}

/// `delete_canister_snapshot_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct DeleteCanisterSnapshotArgs {
    /// The canister the snapshot belongs to.
    pub canister_id: CanisterId,
    /// The snapshot.
    pub snapshot_id: SnapshotId,
}

/// `read_canister_snapshot_metadata_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ReadCanisterSnapshotMetadataArgs {
    /// The canister the snapshot belongs to.
    pub canister_id: CanisterId,
    /// The snapshot.
    pub snapshot_id: SnapshotId,
}

/// The `source` variant of snapshot metadata and of the `load_snapshot` history entry.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum SnapshotSource {
    /// `taken_from_canister : reserved`.
    #[serde(rename = "taken_from_canister")]
    TakenFromCanister(Reserved),
    /// `metadata_upload : reserved`.
    #[serde(rename = "metadata_upload")]
    MetadataUpload(Reserved),
}

/// An element of `globals` in snapshot metadata: a typed Wasm global value.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum SnapshotGlobal {
    /// `i32 : int32`.
    #[serde(rename = "i32")]
    I32(i32),
    /// `i64 : int64`.
    #[serde(rename = "i64")]
    I64(i64),
    /// `f32 : float32`.
    #[serde(rename = "f32")]
    F32(f32),
    /// `f64 : float64`.
    #[serde(rename = "f64")]
    F64(f64),
    /// `v128 : nat`.
    #[serde(rename = "v128")]
    V128(Nat),
}

/// `global_timer`'s variant in snapshot metadata.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum GlobalTimer {
    /// `inactive`.
    #[serde(rename = "inactive")]
    Inactive,
    /// `active : nat64` (ns since 1970).
    #[serde(rename = "active")]
    Active(u64),
}

/// `on_low_wasm_memory_hook_status`'s variant in snapshot metadata.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum OnLowWasmMemoryHookStatus {
    /// `condition_not_satisfied`.
    #[serde(rename = "condition_not_satisfied")]
    ConditionNotSatisfied,
    /// `ready`.
    #[serde(rename = "ready")]
    Ready,
    /// `executed`.
    #[serde(rename = "executed")]
    Executed,
}

/// `chunk_hash`: `record { hash : blob }` (also `upload_chunk_result` and the elements of
/// `wasm_chunk_store` in snapshot metadata).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ChunkHash {
    /// SHA-256 of the chunk.
    pub hash: ByteBuf,
}

/// `upload_chunk_result`.
pub type UploadChunkResult = ChunkHash;

/// `read_canister_snapshot_metadata_response`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ReadCanisterSnapshotMetadataResponse {
    /// Taken or uploaded.
    pub source: SnapshotSource,
    /// Creation time, ns since 1970.
    pub taken_at_timestamp: u64,
    /// Module bytes.
    pub wasm_module_size: u64,
    /// Exported globals.
    pub globals: Vec<SnapshotGlobal>,
    /// Heap bytes.
    pub wasm_memory_size: u64,
    /// Stable memory bytes.
    pub stable_memory_size: u64,
    /// Hashes of the chunk-store chunks.
    pub wasm_chunk_store: Vec<ChunkHash>,
    /// The canister's version when the snapshot was created.
    pub canister_version: u64,
    /// Certified data.
    pub certified_data: ByteBuf,
    /// Global timer, if recorded.
    pub global_timer: Option<GlobalTimer>,
    /// Low-Wasm-memory hook status, if recorded.
    pub on_low_wasm_memory_hook_status: Option<OnLowWasmMemoryHookStatus>,
}

/// A byte range of a snapshot blob: `record { offset : nat64; size : nat64 }`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Slice {
    /// First byte.
    pub offset: u64,
    /// Number of bytes.
    pub size: u64,
}

/// The `kind` variant of `read_canister_snapshot_data_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum SnapshotDataKind {
    /// `wasm_module : record { offset; size }`.
    #[serde(rename = "wasm_module")]
    WasmModule(Slice),
    /// `wasm_memory : record { offset; size }`.
    #[serde(rename = "wasm_memory")]
    WasmMemory(Slice),
    /// `stable_memory : record { offset; size }`.
    #[serde(rename = "stable_memory")]
    StableMemory(Slice),
    /// `wasm_chunk : record { hash : blob }`.
    #[serde(rename = "wasm_chunk")]
    WasmChunk(ChunkHash),
}

/// `read_canister_snapshot_data_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ReadCanisterSnapshotDataArgs {
    /// The canister the snapshot belongs to.
    pub canister_id: CanisterId,
    /// The snapshot.
    pub snapshot_id: SnapshotId,
    /// What to read.
    pub kind: SnapshotDataKind,
}

/// `read_canister_snapshot_data_response`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ReadCanisterSnapshotDataResponse {
    /// The bytes read.
    pub chunk: ByteBuf,
}

/// `upload_canister_snapshot_metadata_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct UploadCanisterSnapshotMetadataArgs {
    /// The canister to create the snapshot for.
    pub canister_id: CanisterId,
    /// A snapshot of the canister to replace.
    pub replace_snapshot: Option<SnapshotId>,
    /// Module bytes.
    pub wasm_module_size: u64,
    /// Exported globals.
    pub globals: Vec<SnapshotGlobal>,
    /// Heap bytes.
    pub wasm_memory_size: u64,
    /// Stable memory bytes.
    pub stable_memory_size: u64,
    /// Certified data.
    pub certified_data: ByteBuf,
    /// Global timer to restore on load, if any.
    pub global_timer: Option<GlobalTimer>,
    /// Hook status to restore on load, if any.
    pub on_low_wasm_memory_hook_status: Option<OnLowWasmMemoryHookStatus>,
}

/// `upload_canister_snapshot_metadata_response`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct UploadCanisterSnapshotMetadataResponse {
    /// The new snapshot's id.
    pub snapshot_id: SnapshotId,
}

/// An offset into a snapshot blob: `record { offset : nat64 }`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Offset {
    /// First byte written.
    pub offset: u64,
}

/// The `kind` variant of `upload_canister_snapshot_data_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum SnapshotDataOffset {
    /// `wasm_module : record { offset }`.
    #[serde(rename = "wasm_module")]
    WasmModule(Offset),
    /// `wasm_memory : record { offset }`.
    #[serde(rename = "wasm_memory")]
    WasmMemory(Offset),
    /// `stable_memory : record { offset }`.
    #[serde(rename = "stable_memory")]
    StableMemory(Offset),
    /// `wasm_chunk` (the chunk itself is the `chunk` field).
    #[serde(rename = "wasm_chunk")]
    WasmChunk,
}

/// `upload_canister_snapshot_data_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct UploadCanisterSnapshotDataArgs {
    /// The canister the snapshot belongs to.
    pub canister_id: CanisterId,
    /// The (uploaded) snapshot.
    pub snapshot_id: SnapshotId,
    /// Where to write.
    pub kind: SnapshotDataOffset,
    /// The bytes to write.
    pub chunk: ByteBuf,
}

// --- settings --------------------------------------------------------------------------------

/// `snapshot_visibility` (spec 0.57+).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum SnapshotVisibility {
    /// `controllers`.
    #[serde(rename = "controllers")]
    Controllers,
    /// `public`.
    #[serde(rename = "public")]
    Public,
    /// `allowed_viewers : vec principal`.
    #[serde(rename = "allowed_viewers")]
    AllowedViewers(Vec<Principal>),
}

/// `log_visibility` (same shape as [`SnapshotVisibility`]).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum LogVisibility {
    /// `controllers`.
    #[serde(rename = "controllers")]
    Controllers,
    /// `public`.
    #[serde(rename = "public")]
    Public,
    /// `allowed_viewers : vec principal`.
    #[serde(rename = "allowed_viewers")]
    AllowedViewers(Vec<Principal>),
}

/// `status_visibility` (same shape as [`SnapshotVisibility`]).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum StatusVisibility {
    /// `controllers`.
    #[serde(rename = "controllers")]
    Controllers,
    /// `public`.
    #[serde(rename = "public")]
    Public,
    /// `allowed_viewers : vec principal`.
    #[serde(rename = "allowed_viewers")]
    AllowedViewers(Vec<Principal>),
}

/// `environment_variable`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct EnvironmentVariable {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// `canister_settings`: every field optional, `null` = keep (or default at creation).
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct CanisterSettings {
    /// New controllers (at most 10).
    pub controllers: Option<Vec<Principal>>,
    /// Compute allocation, percent.
    pub compute_allocation: Option<Nat>,
    /// Memory allocation, bytes.
    pub memory_allocation: Option<Nat>,
    /// Freezing threshold, seconds.
    pub freezing_threshold: Option<Nat>,
    /// Cap on reserved cycles.
    pub reserved_cycles_limit: Option<Nat>,
    /// Minimum cycles an inter-canister call must attach.
    pub minimum_incoming_canister_call_cycles: Option<Nat>,
    /// Who may read logs.
    pub log_visibility: Option<LogVisibility>,
    /// Cap on log memory, bytes.
    pub log_memory_limit: Option<Nat>,
    /// Who may list and read snapshots.
    pub snapshot_visibility: Option<SnapshotVisibility>,
    /// Who may read the status.
    pub status_visibility: Option<StatusVisibility>,
    /// Cap on heap memory, bytes.
    pub wasm_memory_limit: Option<Nat>,
    /// Low-Wasm-memory hook threshold, bytes.
    pub wasm_memory_threshold: Option<Nat>,
    /// Environment variables.
    pub environment_variables: Option<Vec<EnvironmentVariable>>,
}

/// `update_settings_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct UpdateSettingsArgs {
    /// The canister.
    pub canister_id: CanisterId,
    /// What to change.
    pub settings: CanisterSettings,
    /// The calling canister's version.
    pub sender_canister_version: Option<u64>,
}

// --- lifecycle -------------------------------------------------------------------------------

/// `record { canister_id : canister_id }`: `start_canister_args`, `stop_canister_args`,
/// `delete_canister_args`, `canister_status_args`, `clear_chunk_store_args` and the
/// `provisional_create_canister_with_cycles_result`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct CanisterIdRecord {
    /// The canister.
    pub canister_id: CanisterId,
}

/// `start_canister_args`.
pub type StartCanisterArgs = CanisterIdRecord;
/// `stop_canister_args`.
pub type StopCanisterArgs = CanisterIdRecord;
/// `delete_canister_args`.
pub type DeleteCanisterArgs = CanisterIdRecord;
/// `canister_status_args`.
pub type CanisterStatusArgs = CanisterIdRecord;
/// `clear_chunk_store_args`.
pub type ClearChunkStoreArgs = CanisterIdRecord;
/// `provisional_create_canister_with_cycles_result`.
pub type ProvisionalCreateCanisterWithCyclesResult = CanisterIdRecord;

/// `provisional_create_canister_with_cycles_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ProvisionalCreateCanisterWithCyclesArgs {
    /// Initial cycles.
    pub amount: Option<Nat>,
    /// Initial settings.
    pub settings: Option<CanisterSettings>,
    /// Id to create the canister under (test environments only).
    pub specified_id: Option<CanisterId>,
    /// The calling canister's version.
    pub sender_canister_version: Option<u64>,
}

/// `wasm_memory_persistence`'s variant in upgrade options.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum WasmMemoryPersistence {
    /// `keep`.
    #[serde(rename = "keep")]
    Keep,
    /// `replace`.
    #[serde(rename = "replace")]
    Replace,
}

/// The options record of `canister_install_mode`'s `upgrade`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct UpgradeFlags {
    /// Skip `canister_pre_upgrade`.
    pub skip_pre_upgrade: Option<bool>,
    /// Keep or replace the heap (enhanced orthogonal persistence).
    pub wasm_memory_persistence: Option<WasmMemoryPersistence>,
}

/// `canister_install_mode`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum CanisterInstallMode {
    /// `install`.
    #[serde(rename = "install")]
    Install,
    /// `reinstall`.
    #[serde(rename = "reinstall")]
    Reinstall,
    /// `upgrade : opt record { skip_pre_upgrade; wasm_memory_persistence }`.
    #[serde(rename = "upgrade")]
    Upgrade(Option<UpgradeFlags>),
}

/// `install_code_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct InstallCodeArgs {
    /// Install, reinstall or upgrade.
    pub mode: CanisterInstallMode,
    /// The canister.
    pub canister_id: CanisterId,
    /// The module (`wasm_module = blob`).
    pub wasm_module: ByteBuf,
    /// Argument to `canister_init` / `canister_post_upgrade`.
    pub arg: ByteBuf,
    /// The calling canister's version.
    pub sender_canister_version: Option<u64>,
}

/// `uninstall_code_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct UninstallCodeArgs {
    /// The canister.
    pub canister_id: CanisterId,
    /// The calling canister's version.
    pub sender_canister_version: Option<u64>,
}

/// `upload_chunk_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct UploadChunkArgs {
    /// The canister whose chunk store receives the chunk.
    pub canister_id: CanisterId,
    /// The chunk (at most 1 MiB).
    pub chunk: ByteBuf,
}

// --- history ---------------------------------------------------------------------------------

/// `canister_info_args`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct CanisterInfoArgs {
    /// The canister.
    pub canister_id: CanisterId,
    /// How many recent changes to return; `null` returns none.
    pub num_requested_changes: Option<u64>,
}

/// `change_origin`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum ChangeOrigin {
    /// `from_user : record { user_id : principal }`.
    #[serde(rename = "from_user")]
    FromUser {
        /// The user.
        user_id: Principal,
    },
    /// `from_canister : record { canister_id; canister_version : opt nat64 }`.
    #[serde(rename = "from_canister")]
    FromCanister {
        /// The calling canister.
        canister_id: CanisterId,
        /// Its `sender_canister_version`, if it gave one.
        canister_version: Option<u64>,
    },
}

/// The `mode` variant of `code_deployment` history entries.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum CodeDeploymentMode {
    /// `install`.
    #[serde(rename = "install")]
    Install,
    /// `reinstall`.
    #[serde(rename = "reinstall")]
    Reinstall,
    /// `upgrade`.
    #[serde(rename = "upgrade")]
    Upgrade,
}

/// The `rename_to` record of `rename_canister` history entries.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct RenameTo {
    /// The new canister id.
    pub canister_id: CanisterId,
    /// The new canister's version.
    pub version: u64,
    /// The new canister's change count.
    pub total_num_changes: u64,
}

/// `change_details`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum ChangeDetails {
    /// `creation : record { controllers; environment_variables_hash : opt blob }`.
    #[serde(rename = "creation")]
    Creation {
        /// Initial controllers.
        controllers: Vec<Principal>,
        /// Hash of the initial environment variables, if any.
        environment_variables_hash: Option<ByteBuf>,
    },
    /// `code_uninstall`.
    #[serde(rename = "code_uninstall")]
    CodeUninstall,
    /// `code_deployment : record { mode; module_hash : blob }`.
    #[serde(rename = "code_deployment")]
    CodeDeployment {
        /// Install, reinstall or upgrade.
        mode: CodeDeploymentMode,
        /// SHA-256 of the new module.
        module_hash: ByteBuf,
    },
    /// `load_snapshot : record { from_canister_id; snapshot_id; canister_version;
    /// taken_at_timestamp; source }`.
    #[serde(rename = "load_snapshot")]
    LoadSnapshot {
        /// The snapshot's owner, when it differs from the target (spec 0.50+).
        from_canister_id: Option<Principal>,
        /// The loaded snapshot.
        snapshot_id: SnapshotId,
        /// The owner's version when the snapshot was taken.
        canister_version: u64,
        /// When the snapshot was taken.
        taken_at_timestamp: u64,
        /// Taken or uploaded (spec 0.46+).
        source: SnapshotSource,
    },
    /// `controllers_change : record { controllers }`.
    #[serde(rename = "controllers_change")]
    ControllersChange {
        /// The new controllers.
        controllers: Vec<Principal>,
    },
    /// `rename_canister : record { canister_id; total_num_changes; rename_to; requested_by }`.
    #[serde(rename = "rename_canister")]
    RenameCanister {
        /// The id before renaming.
        canister_id: CanisterId,
        /// Changes before renaming.
        total_num_changes: u64,
        /// The new id and its counters.
        rename_to: RenameTo,
        /// Who asked for the rename.
        requested_by: Principal,
    },
}

/// `change`: one canister-history entry.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Change {
    /// When it happened, ns since 1970.
    pub timestamp_nanos: u64,
    /// The canister's version after the change.
    pub canister_version: u64,
    /// Who made it.
    pub origin: ChangeOrigin,
    /// What it was.
    pub details: ChangeDetails,
}

/// `canister_info_result`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct CanisterInfoResult {
    /// Changes ever recorded.
    pub total_num_changes: u64,
    /// The requested recent changes, oldest first.
    pub recent_changes: Vec<Change>,
    /// SHA-256 of the installed module, if any.
    pub module_hash: Option<ByteBuf>,
    /// Controllers.
    pub controllers: Vec<Principal>,
}

// --- the 2024 proposal -----------------------------------------------------------------------

/// The proposal's `snapshot` record (`timestamp = nat`, `bytes = nat`).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ProposalSnapshot {
    /// The snapshot's id.
    pub id: SnapshotId,
    /// Creation time (`timestamp = nat`), ns since 1970.
    pub taken_on: Nat,
    /// The label given at take.
    pub label: Option<String>,
    /// Size (`bytes = nat`).
    pub total_size: Nat,
    /// Checksum for correctness verification.
    pub checksum: ByteBuf,
}

/// `take_snapshot : (canister_id, label : opt text) -> (snapshot_id)`: positional arguments.
#[derive(Deserialize, Clone, Debug, PartialEq)]
pub struct TakeSnapshotArgs {
    /// First argument.
    pub canister_id: CanisterId,
    /// Second argument.
    pub label: Option<String>,
}

/// `load_snapshot : (snapshot_id, canister_id) -> ()`: positional arguments.
#[derive(Deserialize, Clone, Debug, PartialEq)]
pub struct LoadSnapshotArgs {
    /// First argument.
    pub snapshot_id: SnapshotId,
    /// Second argument.
    pub canister_id: CanisterId,
}

/// `list_snapshots : (canister_id) -> (vec snapshot)`: positional arguments.
#[derive(Deserialize, Clone, Debug, PartialEq)]
pub struct ListSnapshotsArgs {
    /// The only argument.
    pub canister_id: CanisterId,
}

/// `delete_snapshot : (snapshot_id) -> ()`: positional arguments.
#[derive(Deserialize, Clone, Debug, PartialEq)]
pub struct DeleteSnapshotArgs {
    /// The only argument.
    pub snapshot_id: SnapshotId,
}
