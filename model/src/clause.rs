//! Clause ids: every precondition and effect of the model, named and sourced.
//!
//! A clause id (`TAKE.CTRL`, `LOAD.CROSS.CTRL`, …) ties one rule of the model to the
//! sentence of the reference it implements. Each step of the model reports the clauses it
//! exercised; vectors list them; coverage is measured against [`Clause::ALL`].
//! `docs/clauses.md` is generated from the table below ([`render_markdown`]) and a test keeps
//! the two identical.
//!
//! Sources: `spec` = ic-interface-spec.md, `replica` = ic-replica.md,
//! `proposal` = proposal-2024.md, `tools` = snapshot-tools-and-formats.md, `status-vis` =
//! status-visibility.md (all in `docs/reference/`), `model` = a choice of this project where the references are silent.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ErrorCode;

/// Whether a clause is a condition for success or a consequence of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClauseKind {
    /// A condition the call must meet; violating it rejects the call.
    Precondition,
    /// A change (or non-change) a successful call makes.
    Effect,
}

macro_rules! clauses {
    ($( $variant:ident = $id:literal, $kind:ident, $source:literal, $text:literal; )*) => {
        /// Every precondition and effect of the model. See the module docs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)] // Each variant's doc is its row in `docs/clauses.md`.
        pub enum Clause { $($variant),* }

        impl Clause {
            /// All clauses, in table order.
            pub const ALL: &'static [Clause] = &[$(Clause::$variant),*];

            /// The stable id, e.g. `TAKE.CTRL`.
            pub fn id(self) -> &'static str {
                match self { $(Clause::$variant => $id),* }
            }

            /// Precondition or effect.
            pub fn kind(self) -> ClauseKind {
                match self { $(Clause::$variant => ClauseKind::$kind),* }
            }

            /// Where in `docs/reference/` the rule comes from.
            pub fn source(self) -> &'static str {
                match self { $(Clause::$variant => $source),* }
            }

            /// The rule in one sentence.
            pub fn text(self) -> &'static str {
                match self { $(Clause::$variant => $text),* }
            }
        }
    };
}

clauses! {
    // --- Arguments and API surface ---------------------------------------------------------
    ApiMethod = "API.METHOD", Precondition, "spec §1, §9; proposal; ic (execution_environment: `Management canister has no method '{}'`)",
        "The method belongs to the profile's API (management-canister records for `ic*`, the seed's positional forms for `proposal-2024`); otherwise the call is rejected as an unknown method.";
    IngressExists = "INGRESS.EXISTS", Precondition, "replica §1.1; spec §2.6",
        "Replica profiles: a user's (ingress) call to a controller-only management method names an existing canister, checked before the method runs (else IC0301 `Canister {id} not found`, without the execution path's final dot).";
    IngressCtrl = "INGRESS.CTRL", Precondition, "replica §1.1; spec §2.6; ic (agent-rs and dfx tests: IC0512 for `update_settings`, `install_code`, `canister_status`, `clear_chunk_store`)",
        "Replica profiles: a user's (ingress) call to a controller-only management method comes from a controller, checked before the method runs (else IC0512 `Only controllers of canister {id} can call ic00 method {method}`). With `snapshot_visibility`, `list_canister_snapshots` is left to LIST.VIS.*; with `status_visibility`, `canister_status` to STATUS.VIS.* (the filter still checks INGRESS.EXISTS).";
    ArgsSnapshotId = "ARGS.SNAPSHOT_ID", Precondition, "replica §1.2, §2",
        "A snapshot id argument decodes: 8 to 37 bytes, the bytes after the 8-byte counter form a principal (else IC0408 `Payload deserialization error`).";
    ArgsLabel = "ARGS.LABEL", Precondition, "proposal; model",
        "A label has at most `LABEL_BYTES_MAX` bytes (the proposal sets no bound; the model puts a limit on everything).";

    // --- take_canister_snapshot -----------------------------------------------------------
    TakeExists = "TAKE.EXISTS", Precondition, "replica §1.3, §4 step 2",
        "The canister exists (else IC0301, checked before the controller).";
    TakeCtrl = "TAKE.CTRL", Precondition, "spec §4.1, §2.6; replica §4 step 3",
        "The caller is a controller of the canister; anonymous and the canister itself get no special right (else IC0512).";
    TakeReplaceExists = "TAKE.REPLACE.EXISTS", Precondition, "spec §2.4; replica §4 step 4",
        "`replace_snapshot`, when given, names an existing snapshot (else IC0305).";
    TakeReplaceOwned = "TAKE.REPLACE.OWNED", Precondition, "spec §2.4; replica §4 step 4",
        "`replace_snapshot`, when given, belongs to this canister (else IC0406 InvalidOwnership).";
    TakeLimit = "TAKE.LIMIT", Precondition, "spec §2.4; replica §4 step 4, §15",
        "Without `replace_snapshot` the canister holds fewer than `snapshots_per_canister_max` snapshots (else IC0406); the limit is not checked when replacing.";
    TakeMemory = "TAKE.MEMORY", Precondition, "replica §4 step 8, §12.1",
        "The memory the call adds fits the subnet's available memory (else IC0101).";
    TakeFreeze = "TAKE.FREEZE", Precondition, "spec §4.1 (cycles pattern); replica §12.2",
        "The balance covers the freezing threshold at the new memory usage (else IC0532).";
    TakeFee = "TAKE.FEE", Precondition, "replica §4 step 7, §12.3",
        "The balance minus the take fee still covers the freezing threshold (else IC0207).";
    TakeNonEmpty = "TAKE.NONEMPTY", Precondition, "replica §3.2 (PR #452); spec §4.1 [inferred]",
        "The canister has code installed (else IC0406 `Failed to create snapshot for empty canister`); checked after the resource checks in the replica's order, right after the controller check in the spec's (`proposal-2024`).";
    TakeContent = "TAKE.CONTENT", Effect, "spec §2.1, §4.1; replica §3.2",
        "The snapshot holds the module, globals, Wasm and stable memory, chunk store, certified data, timer, hook status, the canister version, `taken_at_timestamp` = now and source `taken_from_canister`.";
    TakeId = "TAKE.ID", Effect, "replica §2; ic (`new_local_snapshot_id` returns the counter, then increments it); model (the counter's initial value, 0)",
        "The new id is `u64be(next_snapshot_id) ‖ canister principal`; the counter increments, so ids are never reused after delete or replace; failed calls consume none.";
    TakeSize = "TAKE.SIZE", Effect, "replica §3.3; model (`GLOBAL_SIZE_BYTES` = 32, the replica's `size_of::<Global>()` with its `V128` variant, which the reference leaves uncertain)",
        "`total_size` = Wasm pages×65536 + stable pages×65536 + `GLOBAL_SIZE_BYTES`×(globals+1) + module bytes + chunks×1 MiB + certified data bytes.";
    TakeReply = "TAKE.REPLY", Effect, "spec §3, §4.1; proposal",
        "The reply is `{id; taken_at_timestamp = now; total_size}`; the proposal's `take_snapshot` replies with the bare id.";
    TakeReplaceRemove = "TAKE.REPLACE.REMOVE", Effect, "spec §4.1; replica §4",
        "The replaced snapshot disappears, only together with the creation of the new one.";
    TakeCanisterUnchanged = "TAKE.CANISTER_UNCHANGED", Effect, "spec §4.1 rule A, §5.5",
        "Without `uninstall_code` the canister is untouched: no version bump, no history entry.";
    TakeUninstall = "TAKE.UNINSTALL", Effect, "spec §4.1 rule B; replica §4",
        "With `uninstall_code = true` the canister is uninstalled atomically after the snapshot: empty, chunk store and certified data cleared, timer inactive, version + 1, one `code_uninstall` history entry.";
    TakeUninstallIgnored = "TAKE.UNINSTALL.IGNORED", Effect, "spec §1 (0.54.0)",
        "Profiles before spec 0.54 have no `uninstall_code` field; candid decoding drops it and the take is a plain take.";
    TakeImplicitReplace = "TAKE.IMPLICIT_REPLACE", Effect, "proposal",
        "Proposal profile: at the limit a new take silently replaces the oldest snapshot.";
    TakeLabel = "TAKE.LABEL", Effect, "proposal",
        "Proposal profile: the snapshot keeps the caller's optional label.";
    TakeCharge = "TAKE.CHARGE", Effect, "replica §4 step 7; spec §6",
        "The take fee is burned from the canister's balance.";

    // --- load_canister_snapshot -----------------------------------------------------------
    LoadExists = "LOAD.EXISTS", Precondition, "replica §5 step 2",
        "The target canister exists (else IC0301).";
    LoadCtrl = "LOAD.CTRL", Precondition, "spec §4.2; replica §5 step 3",
        "The caller controls the target canister (else IC0512).";
    LoadSnapshotExists = "LOAD.SNAPSHOT.EXISTS", Precondition, "spec §4.2; replica §5 step 5",
        "The snapshot exists at its owner (else IC0305).";
    LoadOwned = "LOAD.OWNED", Precondition, "spec §1 (0.50.0); replica §5 step 5",
        "Profiles without cross-canister load: the snapshot belongs to the target (else IC0406 InvalidOwnership).";
    LoadCrossCtrl = "LOAD.CROSS.CTRL", Precondition, "spec §4.2; replica §5 step 5 (PR #6592)",
        "Cross-canister load: the caller also controls the owning canister (else IC0406 NotController).";
    LoadCrossLoadable = "LOAD.CROSS.LOADABLE", Precondition, "replica §5 step 10; tools §1",
        "Cross-canister load: the snapshot's memories have no unflushed changes since the last checkpoint (else IC0406 NotLoadable).";
    LoadFeeBase = "LOAD.FEE.BASE", Precondition, "replica §5 step 7",
        "The balance minus the fee's baseline covers the freezing threshold at the current usage (else IC0207); checked before the memory checks.";
    LoadMemory = "LOAD.MEMORY", Precondition, "replica §5 step 13, §12.1",
        "The memory the load adds fits the subnet (else IC0101).";
    LoadFreeze = "LOAD.FREEZE", Precondition, "spec §4.2; replica §5 step 13, §12.2",
        "The balance minus the fee's baseline covers the freezing threshold at the new usage (else IC0532).";
    LoadFee = "LOAD.FEE", Precondition, "replica §5 step 13, §12.3",
        "The balance minus the whole fee (baseline and per byte) covers the freezing threshold at the new usage (else IC0207).";
    LoadRestore = "LOAD.RESTORE", Effect, "spec §4.2; replica §5 steps 10-11",
        "The target's module, globals, Wasm memory, stable memory, chunk store and certified data become the snapshot's.";
    LoadKeep = "LOAD.KEEP", Effect, "spec §4.2; replica §5",
        "Controllers, settings, status, `next_snapshot_id` and all snapshots (the loaded one included) are kept; the snapshot is not consumed.";
    LoadTimerKeep = "LOAD.TIMER.KEEP", Effect, "spec §4.2; replica §5 step 11 (PR #6347)",
        "For a snapshot taken from a canister, the target keeps its own global timer and hook status.";
    LoadVersion = "LOAD.VERSION", Effect, "spec §5.5; replica §5",
        "The target's canister version increases by one.";
    LoadHistory = "LOAD.HISTORY", Effect, "spec §5.4; replica §5",
        "A `load_snapshot` history entry records the snapshot's version, id, timestamp, source (from 0.46) and `from_canister_id` for cross-canister loads (from 0.50).";
    LoadCharge = "LOAD.CHARGE", Effect, "replica §5 step 7",
        "The load fee is burned from the target's balance.";

    // --- list_canister_snapshots ----------------------------------------------------------
    ListExists = "LIST.EXISTS", Precondition, "replica §6",
        "The canister exists (else IC0301).";
    ListCtrl = "LIST.CTRL", Precondition, "replica §6 (G2); spec §4.3 (before 0.57)",
        "Profiles without `snapshot_visibility`: the caller is a controller (else IC0512).";
    ListVisControllers = "LIST.VIS.CONTROLLERS", Precondition, "spec §2.5, §4.3",
        "Visibility `controllers`: the caller is a controller (else `CanisterSnapshotAccessDenied`, whose code the references do not give; the model uses IC0406, marked unconfirmed).";
    ListVisAllowed = "LIST.VIS.ALLOWED", Precondition, "spec §2.5, §4.3; model (a viewer may list by ingress too, see the choices below)",
        "Visibility `allowed_viewers`: the caller is a controller or a listed viewer (else `CanisterSnapshotAccessDenied`, IC0406 unconfirmed).";
    ListVisPublic = "LIST.VIS.PUBLIC", Effect, "spec §2.5, §4.3",
        "Visibility `public`: anyone may list.";
    ListReply = "LIST.REPLY", Effect, "spec §4.3; replica §6",
        "The reply has one `{id; taken_at_timestamp; total_size}` per snapshot, ascending by id; nothing changes.";
    ListProposal = "LIST.PROPOSAL", Effect, "proposal",
        "Proposal profile: entries are `{id; taken_on; label; total_size; checksum}`.";
    ListChecksum = "LIST.CHECKSUM", Effect, "proposal; model (docs/checksum.md: what the checksum covers and how)",
        "The listed checksum is the content checksum of docs/checksum.md.";

    // --- delete_canister_snapshot ---------------------------------------------------------
    DeleteExists = "DELETE.EXISTS", Precondition, "replica §7",
        "The canister exists (else IC0301).";
    DeleteCtrl = "DELETE.CTRL", Precondition, "spec §4.4; replica §7",
        "The caller is a controller of the canister (else IC0512).";
    DeleteSnapshotExists = "DELETE.SNAPSHOT.EXISTS", Precondition, "spec §4.4; replica §7",
        "The snapshot exists (else IC0305).";
    DeleteOwned = "DELETE.OWNED", Precondition, "spec §4.4; replica §7",
        "The snapshot belongs to the named canister (else IC0406 InvalidOwnership).";
    DeleteRemove = "DELETE.REMOVE", Effect, "spec §4.4; replica §7; model (no resource check: the replica's §7 check cannot fail while every balance covers its threshold, which the model maintains)",
        "The snapshot is removed and its size freed; no version bump, no history entry, no charge.";

    // --- canister lifecycle ---------------------------------------------------------------
    CanisterExists = "CANISTER.EXISTS", Precondition, "spec §5; replica §1.3",
        "Lifecycle calls name an existing canister (else IC0301).";
    CanisterCtrl = "CANISTER.CTRL", Precondition, "spec §5.1, §5.2 (uninstall, delete); ic (agent-rs and dfx tests: IC0512 for `install_code`, `update_settings`)",
        "Lifecycle calls (install, uninstall, start, stop, settings, delete) come from a controller (else IC0512).";
    CanisterCtrlOrSelf = "CANISTER.CTRL_OR_SELF", Precondition, "spec §2.6 (chunk-store self-calls); replica §1.1 (status self-exemption)",
        "Chunk-store calls, and status calls in profiles without `status_visibility`, come from a controller or the canister itself (else IC0512).";
    CreateEffect = "CREATE.EFFECT", Effect, "spec §5.2; model (version 0 and the `creation` history entry: the IC's history rules, not quoted in the references)",
        "A new canister is empty and running, version 0, controlled by the given controllers (default: the caller), visibility `controllers`, no snapshots, a `creation` history entry; ids are never reused.";
    SettingsControllersLimit = "SETTINGS.CONTROLLERS.LIMIT", Precondition, "spec §2.5; model",
        "At most `CONTROLLERS_MAX` controllers (else IC0504).";
    SettingsViewersLimit = "SETTINGS.VIEWERS.LIMIT", Precondition, "spec §2.5; status-vis §1.3 (`BoundedAllowedViewers`)",
        "At most 10 allowed viewers in each visibility setting the profile has, checked while the arguments are decoded, before the ingress filter and every other check of `update_settings` (else IC0408 `Error decoding candid: …`; the message is indicative).";
    SettingsEffect = "SETTINGS.EFFECT", Effect, "spec §2.5, §5.2",
        "`update_settings` replaces controllers (with a `controllers_change` history entry) and the visibility settings the profile has; the version increases; snapshots are untouched.";
    SettingsVisIgnored = "SETTINGS.VIS.IGNORED", Effect, "spec §1 (0.57.0)",
        "Profiles before spec 0.57 have no `snapshot_visibility`; the field is dropped.";
    SettingsStatusVisIgnored = "SETTINGS.STATUS_VIS.IGNORED", Effect, "status-vis §1 (dfinity/ic #10667)",
        "Profiles without `status_visibility` (all but `ic-2026-08`) drop the field, unchecked.";
    InstallModeInstall = "INSTALL.MODE.INSTALL", Precondition, "ic (`CanisterManagerError::CanisterNonEmpty`, canister_manager.rs)",
        "Mode `install` needs an empty canister (else IC0514).";
    InstallModeUpgrade = "INSTALL.MODE.UPGRADE", Precondition, "ic (`HypervisorError::WasmModuleNotFound`: `Attempted to execute a message, but the canister contains no Wasm module.`)",
        "Mode `upgrade` needs installed code (else IC0537).";
    InstallModule = "INSTALL.MODULE", Precondition, "replica §15 (`WASM_MAX_SIZE`, value unverified); ic docs (icp-cli: `exceeds the maximum allowed size of 104857600`); model (`GLOBALS_MAX`)",
        "The module has at most `MODULE_BYTES_MAX` bytes and at most `GLOBALS_MAX` globals (else IC0505).";
    InstallMemory = "INSTALL.MEMORY", Precondition, "replica §12.1",
        "The new code fits the subnet's memory (else IC0101).";
    InstallFreeze = "INSTALL.FREEZE", Precondition, "replica §12.2",
        "The balance covers the freezing threshold with the new code (else IC0532).";
    InstallEffect = "INSTALL.EFFECT", Effect, "spec §5.6; model (the IC's install semantics, not quoted in the references)",
        "New module and globals, fresh Wasm memory, stable memory kept only on upgrade, timer inactive, certified data cleared except on upgrade, version + 1, `code_deployment` history entry.";
    InstallKeepsSnapshots = "INSTALL.KEEPS_SNAPSHOTS", Effect, "spec §5.2; replica §13",
        "Install, reinstall and upgrade keep all snapshots.";
    UninstallEffect = "UNINSTALL.EFFECT", Effect, "spec §5.1",
        "The canister becomes empty; chunk store and certified data cleared; timer inactive; version + 1; `code_uninstall` history entry.";
    UninstallKeepsSnapshots = "UNINSTALL.KEEPS_SNAPSHOTS", Effect, "spec §5.1; replica §13",
        "`uninstall_code` keeps all snapshots.";
    StartEffect = "START.EFFECT", Effect, "model",
        "The canister runs.";
    StopEffect = "STOP.EFFECT", Effect, "model",
        "The canister stops (immediately: the model has no outstanding calls, so `stopping` is never observed).";
    DeleteCanisterStopped = "DELETE_CANISTER.STOPPED", Precondition, "spec §5.2; ic (`DeleteCanisterNotStopped`: `Canister {} must be stopped before it is deleted.`)",
        "Only a stopped canister can be deleted (else IC0510).";
    DeleteCanisterEffect = "DELETE_CANISTER.EFFECT", Effect, "spec §5.2; replica §13",
        "The canister and all its snapshots are removed; its id is never reissued.";
    ChunkSize = "CHUNK.SIZE", Precondition, "ic (wasm_chunk_store.rs: `CHUNK_SIZE` = 1 MiB, `Wasm chunk size {} exceeds the maximum chunk size of {}`)",
        "An uploaded chunk has at most 1 MiB (else IC0504).";
    ChunkLimit = "CHUNK.LIMIT", Precondition, "ic (wasm_chunk_store.rs: at most `wasm_chunk_store_max_size / CHUNK_SIZE` entries); model (100 entries: the size is a replica setting the references do not give)",
        "A new chunk keeps the store within `chunk_store_chunks_max` entries (else IC0504).";
    ChunkMemory = "CHUNK.MEMORY", Precondition, "replica §12.1",
        "A new chunk's 1 MiB fits the subnet (else IC0101).";
    ChunkFreeze = "CHUNK.FREEZE", Precondition, "replica §12.2",
        "The balance covers the freezing threshold with the new chunk (else IC0532).";
    ChunkEffect = "CHUNK.EFFECT", Effect, "spec §2.6; ic (wasm_chunk_store.rs: chunks keyed by SHA-256, a known chunk is not stored again)",
        "The chunk is stored under its SHA-256 (a known hash is a no-op) and the hash is returned.";
    ChunkClear = "CHUNK.CLEAR", Effect, "spec §2.6; model",
        "`clear_chunk_store` empties the chunk store; snapshots keep their own copies.";
    StatusReply = "STATUS.REPLY", Effect, "spec §5.3",
        "`canister_status` reports status, module hash, controllers, version, memory sizes, `snapshots_size`, cycles and, in profiles with `snapshot_visibility` (spec 0.57), the visibility setting, and in profiles with `status_visibility`, that setting.";
    StatusVisControllers = "STATUS.VIS.CONTROLLERS", Precondition, "status-vis §2, §3 (dfinity/ic #10667, #10673)",
        "Profiles with `status_visibility`, set to `controllers` (the default): the caller is a controller or the canister itself (else IC0542 `Caller {caller} is not allowed to read the canister status`, reject code 5; on the ingress path too).";
    StatusVisAllowed = "STATUS.VIS.ALLOWED", Precondition, "status-vis §2, §3 (dfinity/ic #10667)",
        "Status visibility `allowed_viewers`: the caller is a controller, the canister itself or a listed viewer (else IC0542).";
    StatusVisPublic = "STATUS.VIS.PUBLIC", Effect, "status-vis §2 (dfinity/ic #10667)",
        "Status visibility `public`: anyone may read the status, by ingress too.";
    InfoReply = "INFO.REPLY", Effect, "spec §5.4; ic (`MAX_CANISTER_HISTORY_CHANGES` = 20, replicated_state system_state.rs)",
        "`canister_info` reports the recent history (at most 20 entries), the total number of changes, module hash and controllers.";

    // --- canister execution, abstracted ---------------------------------------------------
    ExecExists = "EXEC.EXISTS", Precondition, "model",
        "Execution effects target an existing canister (else IC0301).";
    ExecCode = "EXEC.CODE", Precondition, "model",
        "Execution effects need installed code (else IC0537).";
    ExecRunning = "EXEC.RUNNING", Precondition, "model",
        "Execution effects need a running canister (else IC0508).";
    ExecBounds = "EXEC.BOUNDS", Precondition, "model; spec (system API: certified data); ic (execution-errors docs and Azle's tests: IC0504 `Canister violated contract: ic0_certified_data_set failed because the passed data must be no larger than 32 bytes. Found {n} bytes.`)",
        "Writes stay within the memory's page limit, reads within its size, global writes match index and type (else IC0502 trap); certified data ≤ 32 bytes (else IC0504 contract violation).";
    ExecMemory = "EXEC.MEMORY", Precondition, "replica §12.1; model",
        "Memory growth fits the subnet (else IC0101).";
    ExecFreeze = "EXEC.FREEZE", Precondition, "replica §12.2; model",
        "Memory growth keeps the balance above the freezing threshold (else IC0532).";
    ExecEffect = "EXEC.EFFECT", Effect, "model",
        "Writes grow memory as Wasm would (whole 64 KiB pages) and mark it changed since the last checkpoint; globals, certified data and the timer are set (setting the timer returns the previous one, as `ic0.global_timer_set` does); reads of memory and globals change nothing.";
    TimeAdvance = "TIME.ADVANCE", Effect, "model",
        "Time moves forward by the given nanoseconds; it never moves back.";
    Checkpoint = "CHECKPOINT", Effect, "replica §5 step 10",
        "A checkpoint flushes all page changes, so every snapshot becomes loadable onto other canisters.";
    CyclesTopUp = "CYCLES.TOPUP", Effect, "model",
        "A top-up adds cycles to an existing canister.";
}

impl Clause {
    /// Looks a clause up by its id.
    pub fn from_id(id: &str) -> Option<Clause> {
        Clause::ALL.iter().copied().find(|c| c.id() == id)
    }

    /// Codes spec mode accepts for a violation of this precondition besides the replica's own.
    /// The spec states one condition, "the snapshot is one of the canister's snapshots", where
    /// the replica answers two ways: IC0305 for an id it cannot find and IC0406 for another
    /// canister's snapshot. An implementation may report either for either; and to the spec a
    /// snapshot id is an opaque blob, so one the replica cannot decode is simply not found.
    pub fn spec_also_accepts(self) -> &'static [ErrorCode] {
        match self {
            Clause::ArgsSnapshotId | Clause::TakeReplaceOwned | Clause::LoadOwned | Clause::DeleteOwned => {
                &[ErrorCode::CanisterSnapshotNotFound]
            }
            Clause::TakeReplaceExists | Clause::LoadSnapshotExists | Clause::DeleteSnapshotExists => {
                &[ErrorCode::CanisterRejectedMessage]
            }
            _ => &[],
        }
    }

    /// The method group a clause belongs to (the part of its id before the first dot).
    pub fn group(self) -> &'static str {
        self.id().split('.').next().unwrap_or("")
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Clause {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Clause {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Clause::from_id(&id).ok_or_else(|| serde::de::Error::custom(format!("unknown clause id `{id}`")))
    }
}

/// The invariants checked after every step (see `invariants.rs`).
pub const INVARIANTS: &[(&str, &str)] = &[
    ("INV.FAILURE_UNCHANGED", "A rejected call leaves the state exactly as it was."),
    (
        "INV.ID.UNIQUE",
        "Snapshot ids are unique across the subnet (checked through INV.ID.OWNER: an id embeds its owner, and a canister holds an id once).",
    ),
    (
        "INV.ID.OWNER",
        "Every snapshot id names the canister that holds it, with a local number below its `next_snapshot_id`.",
    ),
    ("INV.ID.FRESH", "A successful take returns an id never seen before in the run."),
    ("INV.LIMIT", "No canister holds more than `snapshots_per_canister_max` snapshots."),
    (
        "INV.SNAPSHOTS_SIZE",
        "A canister's `snapshots_size` equals the sum of its snapshots' sizes, and each size follows TAKE.SIZE.",
    ),
    ("INV.SUBNET_MEMORY", "The subnet's used memory never exceeds its capacity."),
    ("INV.VERSION_MONOTONE", "Canister versions never decrease."),
    ("INV.TIME_MONOTONE", "Time never decreases."),
    (
        "INV.HISTORY",
        "`total_num_changes` ≥ recent entries, recent entries ≤ 20, versions in history are non-decreasing.",
    ),
];

/// Readings the model chose where the references are uncertain (rendered into docs/clauses.md).
pub const CHOICES: &[(&str, &str)] = &[
    (
        "The `ic` profile mixes replica generations",
        "Check order is G2's (ic-replica.md §17 advises it), while load's not-found naming (`snapshot_storage: per_canister`), load's memories before its baseline charge, and list visibility are G3's. Take's `replace_snapshot` and delete look snapshots up subnet-wide as in G2, so another canister's existing snapshot gives IC0406 InvalidOwnership; G3's handlers were not read and might answer IC0305; spec mode accepts either (\"Codes spec mode also accepts\").",
    ),
    (
        "Load: not loadable and the baseline charge, by replica generation",
        "With G3's per-canister storage (`ic`) LOAD.CROSS.LOADABLE comes before LOAD.FEE.BASE, following PR #11142 (memories are built before prepaying); with G2's subnet-wide storage (`ic-0.54`, `ic-0.50`) the baseline (§5 step 7) comes first, then NotLoadable (step 10), then the memory, freezing and fee checks (step 13). `snapshot_storage` stands for the generation.",
    ),
    (
        "Load: a missing snapshot before the owner's controller check",
        "A cross-canister load of an absent snapshot is IC0305 before the caller's control of the owner is checked; with G3's owner-based lookup the order is unclear.",
    ),
    (
        "Ingress filter",
        "Modelled for users' calls in replica profiles (INGRESS.*), with the texts of ic-replica.md §1.1. With `snapshot_visibility`, `list_canister_snapshots` is not filtered on controllers, so a listed viewer or anyone (public) may list by ingress; spec digest §8 notes that read literally the spec's ingress filter would still require a controller.",
    ),
    (
        "`status_visibility` (profile `ic-2026-08`)",
        "The references predate the setting; its rules come from dfinity/ic #10667 and #10673 and the replica's tests (docs/reference/status-visibility.md). Not modelled: subnet admins, who may always read the status, and the setting at creation (the model's `create_canister` takes controllers only). The message is modelled as the prefix every source quotes, `Caller {caller} is not allowed to read the canister status`; a help suffix may follow. The ingress filter and execution give the same answer, so the model checks the access once, in the method, after the filter's INGRESS.EXISTS. More than 10 viewers is SETTINGS.VIEWERS.LIMIT, for either setting: the replica's candid type bounds the list, so decoding fails (IC0408, reject code 4) before anything else is checked, on the ingress path too (notes §1.3); only the message's wording is unconfirmed (earlier versions of the model answered IC0504 after the controller check, from the interface spec, which gives the limit but no error).",
    ),
    (
        "The `proposal-2024` profile beyond the proposal",
        "The profile takes the proposal's API (four positional methods, a bare id from take), its single slot replaced silently, labels and checksums, and the IC's semantics wherever the proposal is silent: a snapshot holds what the spec's does (module, globals, memories, chunk store, certified data; the proposal names only heap and stable memory, spec digest §9), take refuses an empty canister and charges like the replica, a load bumps the version, records history and charges, list and delete are controller-only, a snapshot loads only onto its own canister, ids have the replica's layout (so `delete_snapshot` finds the canister from the id), `taken_on` is in nanoseconds, a label is checked before anything else (IC0408), and unknown call fields are ignored.",
    ),
    (
        "`canister_info` from users",
        "The interface spec lets only canisters call `canister_info` (\"Users cannot call this method\"); the model answers any caller, because the harness uses it to observe history. An implementation backed by a real replica declares the `canister_info` capability only if it routes the call through a canister.",
    ),
    (
        "Snapshot ids",
        "Any 0 to 29 bytes after the counter are accepted as the owner principal (the replica's `InvalidFormat` for a malformed canister id is never produced); `next_snapshot_id` starts at 0.",
    ),
    (
        "Global size",
        "`GLOBAL_SIZE_BYTES` is 32 (the replica's `size_of::<Global>()` with a `V128(u128)` variant; the reference says 16 without it). TAKE.SIZE, and so `total_size` in strict mode, depends on it.",
    ),
    (
        "Left out",
        "Heap-delta rate limiting (IC0210), long-running executions (IC0406), the storage reservation (IC0534), Wasm compilation on load, and the G3 compilation prepayment are not modelled (docs/architecture.md).",
    ),
];

/// Renders `docs/clauses.md`.
pub fn render_markdown() -> String {
    let mut out = String::new();
    out.push_str("# Clauses\n\n");
    out.push_str("<!-- Generated from model/src/clause.rs by `cargo run -- clauses --markdown`; a test keeps it in sync. -->\n\n");
    out.push_str(
        "Every precondition (P) and effect (E) of the model, with the sentence of `docs/reference/` it implements. ",
    );
    out.push_str("`spec` = ic-interface-spec.md, `replica` = ic-replica.md, `proposal` = proposal-2024.md, `tools` = snapshot-tools-and-formats.md, `status-vis` = status-visibility.md, ");
    out.push_str("`ic` = the dfinity/ic sources (and their tests and docs), read through the tool library's code search where the digests are silent, ");
    out.push_str("`model` = a choice of this project where the references are silent.\n\n");
    let mut group = "";
    for clause in Clause::ALL {
        if clause.group() != group {
            group = clause.group();
            out.push_str(&format!("\n## {group}\n\n| id | kind | rule | source |\n|---|---|---|---|\n"));
        }
        let kind = match clause.kind() {
            ClauseKind::Precondition => "P",
            ClauseKind::Effect => "E",
        };
        out.push_str(&format!("| `{}` | {} | {} | {} |\n", clause.id(), kind, clause.text(), clause.source()));
    }
    out.push_str("\n## Codes spec mode also accepts\n\nSpec mode accepts the error of any violated precondition (docs/protocol.md §10). The spec states one condition — the snapshot is one of the canister's snapshots — where the replica answers IC0305 (no such snapshot) or IC0406 (another canister's); to the spec a snapshot id is an opaque blob, so one the replica cannot decode is simply not found. For these preconditions spec mode also accepts:\n\n| id | also accepted |\n|---|---|\n");
    for clause in Clause::ALL.iter().filter(|c| !c.spec_also_accepts().is_empty()) {
        let also: Vec<String> =
            clause.spec_also_accepts().iter().map(|code| format!("IC{:04}", code.number())).collect();
        out.push_str(&format!("| `{}` | {} |\n", clause.id(), also.join(", ")));
    }
    out.push_str("\n## Invariants\n\nChecked after every step of every property test (`model/tests/invariants.rs`).\n\n| id | invariant |\n|---|---|\n");
    for (id, text) in INVARIANTS {
        out.push_str(&format!("| `{id}` | {text} |\n"));
    }
    out.push_str("\n## Choices where the references are uncertain\n\nWhere the references leave a question open or disagree, the model picks one reading; strict mode then holds implementations to it. Each is a place to look first when a real replica disagrees.\n\n");
    for (topic, choice) in CHOICES {
        out.push_str(&format!("- **{topic}.** {choice}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut ids: Vec<_> = Clause::ALL.iter().map(|c| c.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Clause::ALL.len());
        for clause in Clause::ALL {
            assert_eq!(Clause::from_id(clause.id()), Some(*clause));
        }
        assert_eq!(Clause::from_id("TAKE.NOPE"), None);
    }
}
