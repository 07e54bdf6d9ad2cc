//! A canister's state and its snapshots.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::globals::Global;
use crate::ids::{CanisterId, Principal, SnapshotId};
use crate::memory::{Memory, WASM_PAGE_SIZE_BYTES};

/// `size_of::<Global>()` in the replica: `enum Global { I32, I64, F32, F64, V128(u128) }`
/// is 32 bytes on x86_64 with Rust ≥ 1.77 (u128 is 16-aligned). ic-replica.md §3.3 leaves it
/// open; it is a named constant so that a profile can change it in one place.
pub const GLOBAL_SIZE_BYTES: u64 = 32;
/// Globals the replica's instrumentation adds (the instruction counter), counted in a taken
/// snapshot's size but never visible to users.
pub const INSTRUMENTATION_GLOBALS: u64 = 1;
/// A chunk-store entry is charged as 1 MiB whatever its length (replica `CHUNK_SIZE`).
pub const CHUNK_SIZE_BYTES: u64 = 1 << 20;
/// Certified data is at most 32 bytes.
pub const CERTIFIED_DATA_BYTES_MAX: usize = 32;
/// The replica keeps the 20 most recent history changes.
pub const HISTORY_CHANGES_MAX: usize = 20;
/// Controllers per canister.
pub const CONTROLLERS_MAX: usize = 10;
/// `allowed_viewers` entries.
pub const ALLOWED_VIEWERS_MAX: usize = 10;
/// Longest label of the proposal profile.
pub const LABEL_BYTES_MAX: usize = 256;
/// Largest heap or stable read one call may return (the replica's slice cap).
pub const READ_BYTES_MAX: u64 = 2_000_000;
/// Most exported globals a module may declare (model limit).
pub const GLOBALS_MAX: usize = 1_000;
/// Largest Wasm module the model accepts (the replica's `WASM_MAX_SIZE`).
pub const MODULE_BYTES_MAX: usize = 100 << 20;

/// SHA-256 of a byte string.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Running status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Status {
    /// A new canister's status.
    #[default]
    Running,
    Stopping,
    Stopped,
}

/// Who may list the canister's snapshots (spec §2.5), or, as `status_visibility`, read its
/// status (dfinity/ic #10667).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Controllers only (the default).
    Controllers,
    /// Anyone.
    Public,
    /// Controllers and the listed principals.
    AllowedViewers(Vec<Principal>),
}

/// The global timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// No timer set.
    Inactive,
    /// Fires at this time (ns since 1970).
    Active(u64),
}

/// The low-Wasm-memory hook's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum HookStatus {
    ConditionNotSatisfied,
    Ready,
    Executed,
}

/// Where a snapshot came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotSource {
    /// `take_canister_snapshot`.
    TakenFromCanister,
    /// `upload_canister_snapshot_metadata` (not modelled yet; kept so load's rules read as
    /// the spec's).
    MetadataUpload,
}

/// Install modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum InstallMode {
    Install,
    Reinstall,
    Upgrade,
}

/// What code execution owns: module, globals and both memories. Empty canisters have none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionState {
    /// The Wasm module exactly as installed.
    pub module: Arc<Vec<u8>>,
    /// SHA-256 of `module`.
    pub module_hash: [u8; 32],
    /// Exported globals (without the replica's hidden instruction counter).
    pub globals: Vec<Global>,
    /// The heap.
    pub wasm_memory: Memory,
    /// Stable memory.
    pub stable_memory: Memory,
}

impl ExecutionState {
    /// Memory this state occupies, as the replica counts it for a snapshot (ic-replica.md
    /// §3.3, `memory_usage_in_snapshot`).
    pub fn size_bytes(&self) -> u64 {
        self.wasm_memory.size_bytes()
            + self.stable_memory.size_bytes()
            + GLOBAL_SIZE_BYTES * (self.globals.len() as u64 + INSTRUMENTATION_GLOBALS)
            + self.module.len() as u64
    }
}

/// Chunk store: SHA-256 → chunk.
pub type ChunkStore = crate::pmap::PMap<[u8; 32], Arc<Vec<u8>>>;

/// Bytes a chunk store is charged for.
pub fn chunk_store_size_bytes(store: &ChunkStore) -> u64 {
    store.len() as u64 * CHUNK_SIZE_BYTES
}

/// Who made a change (history origin).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOrigin {
    /// An external user.
    FromUser {
        /// The user.
        user_id: Principal,
    },
    /// A canister, with the version it declared.
    FromCanister {
        /// The calling canister.
        canister_id: Principal,
        /// Its `sender_canister_version`, if given.
        canister_version: Option<u64>,
    },
}

/// What changed (history details), as the candid `change_details`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ChangeDetails {
    Creation {
        controllers: Vec<Principal>,
    },
    CodeUninstall,
    CodeDeployment {
        mode: InstallMode,
        #[serde(with = "crate::ids::hex_bytes32")]
        module_hash: [u8; 32],
    },
    LoadSnapshot {
        canister_version: u64,
        snapshot_id: SnapshotId,
        taken_at_timestamp: u64,
        /// Absent before spec 0.46.
        source: Option<SnapshotSource>,
        /// Set for cross-canister loads (spec 0.50+).
        from_canister_id: Option<CanisterId>,
    },
    ControllersChange {
        controllers: Vec<Principal>,
    },
}

/// One canister-history entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Change {
    /// Time of the change.
    pub timestamp_ns: u64,
    /// The canister's version after the change.
    pub canister_version: u64,
    /// Who made it.
    pub origin: ChangeOrigin,
    /// What it was.
    pub details: ChangeDetails,
}

/// Canister history: the most recent entries and the count of all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// Up to [`HISTORY_CHANGES_MAX`] most recent changes, oldest first. Shared between
    /// clones of the canister until a change is recorded.
    pub recent: Arc<Vec<Change>>,
    /// Changes ever recorded.
    pub total_num_changes: u64,
}

impl History {
    /// Records a change, dropping the oldest beyond the cap.
    pub fn push(&mut self, change: Change) {
        let recent = Arc::make_mut(&mut self.recent);
        recent.push(change);
        if recent.len() > HISTORY_CHANGES_MAX {
            recent.remove(0);
        }
        self.total_num_changes += 1;
    }
}

/// A snapshot: everything load restores plus what identifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Its id.
    pub id: SnapshotId,
    /// Taken or uploaded.
    pub source: SnapshotSource,
    /// When it was created.
    pub taken_at_timestamp_ns: u64,
    /// The canister's version when it was created.
    pub canister_version: u64,
    /// Module, globals and memories.
    pub execution: ExecutionState,
    /// The canister's chunk store.
    pub chunk_store: ChunkStore,
    /// The canister's certified data.
    pub certified_data: Vec<u8>,
    /// The timer (always present for taken snapshots).
    pub global_timer: Option<Timer>,
    /// The hook status (always present for taken snapshots).
    pub hook_status: Option<HookStatus>,
    /// `total_size`, fixed at creation.
    pub size_bytes: u64,
    /// Proposal profile: the caller's label.
    pub label: Option<String>,
}

impl Snapshot {
    /// The content checksum (docs/checksum.md) of what this snapshot restores.
    pub fn checksum(&self) -> [u8; 32] {
        self.components().root()
    }

    /// Per-component checksums, so a mismatch can name the component.
    pub fn components(&self) -> crate::checksum::Components {
        let hashes = self.chunk_hashes_sorted();
        crate::checksum::components(&content_ref(Some(&self.execution), &hashes, &self.certified_data))
    }

    /// Chunk hashes in ascending order.
    pub fn chunk_hashes_sorted(&self) -> Vec<[u8; 32]> {
        self.chunk_store.keys().copied().collect()
    }

    /// Whether any memory has changes not yet flushed by a checkpoint.
    pub fn has_unflushed_changes(&self) -> bool {
        self.execution.wasm_memory.is_dirty() || self.execution.stable_memory.is_dirty()
    }
}

/// Builds a checksum view. The chunk hashes are passed in because the view borrows them.
pub(crate) fn content_ref<'a>(
    execution: Option<&'a ExecutionState>,
    chunk_hashes: &'a [[u8; 32]],
    certified_data: &'a [u8],
) -> crate::checksum::ContentRef<'a> {
    static EMPTY: std::sync::OnceLock<Memory> = std::sync::OnceLock::new();
    let empty = EMPTY.get_or_init(Memory::new);
    crate::checksum::ContentRef {
        module: execution.map(|e| e.module.as_slice()),
        globals: execution.map(|e| e.globals.as_slice()).unwrap_or(&[]),
        wasm_memory: execution.map(|e| &e.wasm_memory).unwrap_or(empty),
        stable_memory: execution.map(|e| &e.stable_memory).unwrap_or(empty),
        chunk_hashes,
        certified_data,
    }
}

/// One canister.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canister {
    /// Its id.
    pub id: CanisterId,
    /// Controllers, ordered as the replica's `BTreeSet<PrincipalId>` (length, then bytes).
    pub controllers: BTreeSet<Principal>,
    /// Running status.
    pub status: Status,
    /// Code and memories; `None` for an empty canister.
    pub execution: Option<ExecutionState>,
    /// Certified data (≤ 32 bytes).
    pub certified_data: Vec<u8>,
    /// Wasm chunk store.
    pub chunk_store: ChunkStore,
    /// Global timer.
    pub global_timer: Timer,
    /// Low-Wasm-memory hook status.
    pub hook_status: HookStatus,
    /// Canister version.
    pub version: u64,
    /// Canister history.
    pub history: History,
    /// `snapshot_visibility` setting.
    pub snapshot_visibility: Visibility,
    /// `status_visibility` setting (profiles with the `status_visibility` knob).
    pub status_visibility: Visibility,
    /// Cycles balance.
    pub cycles: u128,
    /// Local number of the next snapshot; never decreases.
    pub next_snapshot_id: u64,
    /// Snapshots, keyed (and so listed) by id.
    pub snapshots: crate::pmap::PMap<SnapshotId, Arc<Snapshot>>,
    /// Sum of the snapshots' sizes, kept as the replica keeps `snapshots_memory_usage`.
    pub snapshots_size_bytes: u64,
}

impl Canister {
    /// Whether `principal` controls this canister.
    pub fn is_controller(&self, principal: &Principal) -> bool {
        self.controllers.contains(principal)
    }

    /// Memory of code, globals and memories.
    pub fn execution_size_bytes(&self) -> u64 {
        self.execution.as_ref().map_or(0, ExecutionState::size_bytes)
    }

    /// Memory usage as resource checks count it: execution, chunk store and snapshots.
    /// Certified data counts only in snapshot memory (spec §2.3).
    pub fn memory_usage_bytes(&self) -> u64 {
        self.execution_size_bytes() + chunk_store_size_bytes(&self.chunk_store) + self.snapshots_size_bytes
    }

    /// `total_size` of a snapshot taken now (ic-replica.md §3.3).
    pub fn snapshot_size_bytes(&self) -> u64 {
        self.execution_size_bytes() + chunk_store_size_bytes(&self.chunk_store) + self.certified_data.len() as u64
    }

    /// The content checksum of what a snapshot of this canister would hold.
    pub fn content_checksum(&self) -> [u8; 32] {
        self.content_components().root()
    }

    /// Per-component checksums of the canister's current content.
    pub fn content_components(&self) -> crate::checksum::Components {
        let hashes: Vec<[u8; 32]> = self.chunk_store.keys().copied().collect();
        crate::checksum::components(&content_ref(self.execution.as_ref(), &hashes, &self.certified_data))
    }

    /// The module hash, if code is installed.
    pub fn module_hash(&self) -> Option<[u8; 32]> {
        self.execution.as_ref().map(|e| e.module_hash)
    }
}

/// Wasm pages needed to hold `end_bytes` bytes.
pub fn wasm_pages_for(end_bytes: u64) -> u64 {
    end_bytes.div_ceil(WASM_PAGE_SIZE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(version: u64) -> Change {
        Change {
            timestamp_ns: version,
            canister_version: version,
            origin: ChangeOrigin::FromUser { user_id: Principal::anonymous() },
            details: ChangeDetails::CodeUninstall,
        }
    }

    /// History keeps the newest [`HISTORY_CHANGES_MAX`] changes, oldest first, and counts
    /// all, whether its list is shared with earlier states (copied on push) or not; a
    /// shared list is left as it was.
    #[test]
    fn push_keeps_the_newest_changes_whether_shared_or_not() {
        let mut alone = History::default();
        let mut shared = History::default();
        let mut earlier = Vec::new();
        for version in 1..=(HISTORY_CHANGES_MAX as u64 + 5) {
            earlier.push(shared.clone());
            alone.push(change(version));
            shared.push(change(version));
            let first = version.saturating_sub(HISTORY_CHANGES_MAX as u64) + 1;
            let expected: Vec<Change> = (first..=version).map(change).collect();
            assert_eq!(*alone.recent, expected);
            assert_eq!(*shared.recent, expected);
            assert_eq!((alone.total_num_changes, shared.total_num_changes), (version, version));
        }
        let before_last = earlier.last().expect("one clone per push");
        assert_eq!(before_last.recent.last(), Some(&change(HISTORY_CHANGES_MAX as u64 + 4)));
        assert_eq!(before_last.recent.len(), HISTORY_CHANGES_MAX);
    }
}
