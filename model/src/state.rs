//! The subnet: canisters, a clock and a checkpoint counter.

use std::sync::Arc;

use crate::canister::Canister;
use crate::config::Config;
use crate::ids::CanisterId;
use crate::pmap::PMap;

/// The whole state the model transitions. Cloning is O(1): canisters sit in a persistent
/// map and their memories are copy-on-write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// Current time, ns since 1970. Only `advance_time` moves it.
    pub time_ns: u64,
    /// Checkpoints written so far.
    pub checkpoints: u64,
    /// Canisters by id.
    pub canisters: PMap<CanisterId, Arc<Canister>>,
    /// Index of the next canister id; never reused.
    pub next_canister_index: u64,
}

impl State {
    /// An empty subnet at the profile's genesis time.
    pub fn new(config: &Config) -> State {
        State { time_ns: config.genesis_time_ns, checkpoints: 0, canisters: PMap::new(), next_canister_index: 0 }
    }

    /// A canister by id.
    pub fn canister(&self, id: &CanisterId) -> Option<&Canister> {
        self.canisters.get(id).map(Arc::as_ref)
    }

    /// Memory all canisters use, snapshots included.
    pub fn subnet_memory_used_bytes(&self) -> u64 {
        self.canisters.values().map(|c| c.memory_usage_bytes()).sum()
    }

    /// Applies `change` to one canister, copying only what it touches.
    pub fn update_canister(&mut self, id: &CanisterId, change: impl FnOnce(&mut Canister)) {
        if let Some(canister) = self.canisters.get_mut(id) {
            change(Arc::make_mut(canister));
        }
    }

    /// Whether `other` is this very state (shared structure), without comparing contents.
    pub fn is_same(&self, other: &State) -> bool {
        self.time_ns == other.time_ns
            && self.checkpoints == other.checkpoints
            && self.next_canister_index == other.next_canister_index
            && self.canisters.ptr_eq(&other.canisters)
    }

    /// Number of snapshots on the subnet.
    pub fn snapshot_count(&self) -> usize {
        self.canisters.values().map(|c| c.snapshots.len()).sum()
    }
}
