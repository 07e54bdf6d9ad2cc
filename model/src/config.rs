//! Profiles: the knobs that distinguish what shipped from what was proposed.
//!
//! A [`Config`] is plain data. Presets name the combinations that matter:
//! `ic` (interface spec 0.66 and the replica), older IC versions, and `proposal-2024` (the
//! original design). Every rule of the model reads its behaviour from here, never from a
//! profile name.

use serde::{Deserialize, Serialize};

/// Which method surface the subnet exposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    /// `take_canister_snapshot`, `load_canister_snapshot`, … with record arguments.
    Management,
    /// The seed's `take_snapshot(canister_id, label)`, `load_snapshot(snapshot_id, canister_id)`,
    /// `list_snapshots(canister_id)`, `delete_snapshot(snapshot_id)`.
    Proposal,
}

/// What happens when a take without `replace_snapshot` meets the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Replacement {
    /// The take fails; replacing is explicit through `replace_snapshot`.
    Explicit,
    /// The oldest snapshot is silently replaced (the proposal's single slot).
    Implicit,
}

/// Which order the preconditions are checked in, i.e. which error wins when several are
/// violated at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOrder {
    /// The replica's order (ic-replica.md §4–§7): existence, controller, snapshot id and
    /// limit, resources, and for take the empty-canister check last.
    Replica,
    /// The order the spec's rules read in: the empty-canister check right after the
    /// controller check. Used by the `proposal-2024` profile, which has no replica.
    Spec,
}

/// Which fields a `load_snapshot` history entry carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadHistoryFields {
    /// Spec 0.28: `{canister_version; snapshot_id; taken_at_timestamp}`.
    Basic,
    /// Spec 0.46: plus `source`.
    WithSource,
    /// Spec 0.50: plus `from_canister_id`.
    WithSourceAndFrom,
}

/// Where the replica keeps snapshots, which decides whom a load's not-found error names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotStorage {
    /// 2024–2025 replicas: one subnet-wide map; an absent snapshot is reported for the target.
    SubnetWide,
    /// 2026 replicas: per canister, owner read from the id; an absent owner is reported as
    /// the canister the snapshot was looked up at.
    PerCanister,
}

/// The explicit resource model: subnet memory and cycles. Fees are simple linear knobs; the
/// IC's fee schedule is out of scope (docs/architecture.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Resources {
    /// Memory the subnet can give to canisters, snapshots included.
    pub subnet_memory_capacity_bytes: u64,
    /// Cycles a canister must keep per byte of memory usage not to be frozen.
    pub freezing_threshold_cycles_per_byte: u64,
    /// Fee for a take: base part.
    pub snapshot_fee_base_cycles: u64,
    /// Fee for a take or load: per byte of the snapshot.
    pub snapshot_fee_cycles_per_byte: u64,
}

/// All knobs of a profile.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Config {
    /// The preset this config came from (informational; rules never read it).
    pub name: String,
    /// Interface-spec version the profile follows, e.g. `0.66.0`.
    pub spec_version: String,
    /// Method surface.
    pub api: Api,
    /// `MAX_SNAPSHOTS`: snapshots per canister.
    pub snapshots_per_canister_max: u64,
    /// Explicit or implicit replacement at the limit.
    pub replacement: Replacement,
    /// Whether `snapshot_visibility` governs listing (spec 0.57+); else controllers only.
    pub visibility: bool,
    /// Whether `status_visibility` governs `canister_status` (replicas since August 2026,
    /// dfinity/ic #10667; denial IC0542); else controllers and the canister itself. Left out of
    /// JSON when false, so that implementations of the other profiles never see it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub status_visibility: bool,
    /// Whether a snapshot may be loaded onto another canister of the subnet (spec 0.50+).
    pub cross_canister_load: bool,
    /// Whether take honours `uninstall_code` (spec 0.54+).
    pub uninstall_on_take: bool,
    /// Whether snapshots carry a label (proposal).
    pub labels: bool,
    /// Whether listings report the content checksum (proposal).
    pub checksum_in_listing: bool,
    /// Precondition order.
    pub check_order: CheckOrder,
    /// Fields of the `load_snapshot` history entry.
    pub load_history: LoadHistoryFields,
    /// Replica generation's snapshot storage.
    pub snapshot_storage: SnapshotStorage,
    /// Chunk-store capacity in chunks (replica: 100 MiB / 1 MiB).
    pub chunk_store_chunks_max: u64,
    /// Largest Wasm memory in 64 KiB pages (4 GiB for Wasm32).
    pub wasm_memory_pages_max: u64,
    /// Largest stable memory in 64 KiB pages.
    pub stable_memory_pages_max: u64,
    /// Resource model.
    pub resources: Resources,
    /// Time of the subnet's first block, ns since 1970.
    pub genesis_time_ns: u64,
}

/// Names of the presets, for CLIs and vectors.
pub const PRESET_NAMES: &[&str] = &["ic", "ic-2026-08", "ic-0.54", "ic-0.50", "ic-0.35", "ic-2024", "proposal-2024"];

/// `ic` preset's resources: generous enough that only deliberate scenarios hit them.
pub const DEFAULT_RESOURCES: Resources = Resources {
    subnet_memory_capacity_bytes: 2 << 40,
    freezing_threshold_cycles_per_byte: 10,
    snapshot_fee_base_cycles: 1_000_000,
    snapshot_fee_cycles_per_byte: 1,
};

impl Config {
    /// Interface spec 0.66 and the replica: 10 snapshots, explicit replace, visibility,
    /// cross-canister load, uninstall on take.
    pub fn ic() -> Config {
        Config {
            name: "ic".into(),
            spec_version: "0.66.0".into(),
            api: Api::Management,
            snapshots_per_canister_max: 10,
            replacement: Replacement::Explicit,
            visibility: true,
            status_visibility: false,
            cross_canister_load: true,
            uninstall_on_take: true,
            labels: false,
            checksum_in_listing: false,
            check_order: CheckOrder::Replica,
            load_history: LoadHistoryFields::WithSourceAndFrom,
            snapshot_storage: SnapshotStorage::PerCanister,
            chunk_store_chunks_max: 100,
            wasm_memory_pages_max: 65_536,
            stable_memory_pages_max: 500 * 16_384,
            resources: DEFAULT_RESOURCES,
            genesis_time_ns: 1_700_000_000_000_000_000,
        }
    }

    /// `ic` plus the `status_visibility` setting that replicas carry since August 2026
    /// (dfinity/ic #10667 and #10673; docs/reference/status-visibility.md): `canister_status`
    /// is open to whom the setting allows, and refused with IC0542 otherwise. The interface
    /// spec documented it in August 2026; its version number is not confirmed.
    pub fn ic_2026_08() -> Config {
        Config {
            name: "ic-2026-08".into(),
            spec_version: "0.66.0+status_visibility".into(),
            status_visibility: true,
            ..Config::ic()
        }
    }

    /// Spec 0.54: like `ic` but listing is controllers-only (no visibility setting).
    pub fn ic_0_54() -> Config {
        Config {
            name: "ic-0.54".into(),
            spec_version: "0.54.0".into(),
            visibility: false,
            snapshot_storage: SnapshotStorage::SubnetWide,
            ..Config::ic()
        }
    }

    /// Spec 0.50: cross-canister load, no uninstall on take.
    pub fn ic_0_50() -> Config {
        Config { name: "ic-0.50".into(), spec_version: "0.50.0".into(), uninstall_on_take: false, ..Config::ic_0_54() }
    }

    /// Spec 0.35: several snapshots; no cross-canister load; history without `from`.
    pub fn ic_0_35() -> Config {
        Config {
            name: "ic-0.35".into(),
            spec_version: "0.35.0".into(),
            cross_canister_load: false,
            load_history: LoadHistoryFields::Basic,
            ..Config::ic_0_50()
        }
    }

    /// Spec 0.28 (2024): one snapshot, explicit replace, no cross-canister load.
    pub fn ic_2024() -> Config {
        Config {
            name: "ic-2024".into(),
            spec_version: "0.28.0".into(),
            snapshots_per_canister_max: 1,
            ..Config::ic_0_35()
        }
    }

    /// The 2024 forum proposal: one slot replaced implicitly, labels, checksums in listings.
    pub fn proposal_2024() -> Config {
        Config {
            name: "proposal-2024".into(),
            spec_version: "proposal-2024".into(),
            api: Api::Proposal,
            replacement: Replacement::Implicit,
            labels: true,
            checksum_in_listing: true,
            check_order: CheckOrder::Spec,
            ..Config::ic_2024()
        }
    }

    /// A preset by name (see [`PRESET_NAMES`]).
    pub fn preset(name: &str) -> Option<Config> {
        Some(match name {
            "ic" => Config::ic(),
            "ic-2026-08" => Config::ic_2026_08(),
            "ic-0.54" => Config::ic_0_54(),
            "ic-0.50" => Config::ic_0_50(),
            "ic-0.35" => Config::ic_0_35(),
            "ic-2024" => Config::ic_2024(),
            "proposal-2024" => Config::proposal_2024(),
            _ => return None,
        })
    }

    /// All presets.
    pub fn presets() -> Vec<Config> {
        PRESET_NAMES.iter().map(|name| Config::preset(name).expect("listed preset")).collect()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::ic()
    }
}
