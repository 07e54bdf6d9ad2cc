//! Bounded exhaustive exploration: every call sequence up to a depth over a tiny world.
//!
//! Breadth-first over a fixed action alphabet. States are deduplicated by a fingerprint taken
//! under symmetry reduction: the world is mirror-symmetric (c0 controlled by alice and
//! carol, c1 by alice and bob), so swapping c0↔c1 together with bob↔carol maps behaviours to
//! behaviours, and so does shifting all times by a constant (no rule reads absolute time).
//! The fingerprint is the minimum over both mirror images, with times taken relative to now.
//! Against the model the explorer checks every invariant on every transition; against an
//! implementation it replays the shortest path to each distinct state plus each action and
//! compares every step.

use std::collections::{BTreeSet, HashSet};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use snapspec_model::call::{DeleteArgs, LoadArgs, Settings, TakeArgs};
use snapspec_model::canister::{Canister, ChangeDetails, ChangeOrigin, InstallMode, Visibility};
use snapspec_model::config::Api;
use snapspec_model::generators::{module, user};
use snapspec_model::invariants::{self, InvariantChecker};
use snapspec_model::memory::LeafMemo;
use snapspec_model::{step, Call, CanisterId, Clause, Config, Principal, Request, SnapshotId, SnapshotIdArg, State};

use crate::compare::Mode;
use crate::run::{run_trace, Coverage, Divergence};
use crate::sut::SystemUnderTest;

/// The tiny world: two canisters, four principals, a small action alphabet.
#[derive(Clone, Debug)]
pub struct ExploreWorld {
    /// alice (controls both), bob (c1), carol (c0), eve (nothing).
    pub principals: [Principal; 4],
    /// The setup every path starts from.
    pub prelude: Vec<Request>,
    /// The action alphabet.
    pub actions: Vec<Request>,
    /// The identity and the mirror image.
    mirrors: [Mirror; 2],
}

fn c(index: u64) -> CanisterId {
    CanisterId::from_index(index)
}

impl ExploreWorld {
    /// The world for `config`'s API; snapshot ids range over local numbers `0..local_ids`.
    pub fn new(config: &Config, local_ids: u64) -> ExploreWorld {
        let [alice, bob, carol, eve] = [user(1), user(2), user(3), user(4)];
        let mut prelude = Vec::new();
        for (index, co) in [(0, carol), (1, bob)] {
            prelude.push(Request {
                caller: alice,
                call: Call::CreateCanister { controllers: Some(vec![alice, co]), cycles: 1 << 50 },
            });
            let (wasm_module, globals) = module(0);
            prelude.push(Request {
                caller: alice,
                call: Call::InstallCode {
                    canister_id: c(index),
                    mode: InstallMode::Install,
                    wasm_module,
                    globals,
                    sender_canister_version: None,
                },
            });
        }
        let actions = actions(config, [alice, bob, carol, eve], local_ids);
        let principals = [alice, bob, carol, eve];
        ExploreWorld { principals, prelude, actions, mirrors: [false, true].map(|swap| Mirror::new(swap, principals)) }
    }

    /// The state every path starts from: the prelude run on an empty subnet.
    pub fn root_state(&self, config: &Config) -> State {
        self.prelude.iter().fold(State::new(config), |state, request| step(config, &state, request).state)
    }
}

fn snapshot(owner: u64, local: u64) -> SnapshotIdArg {
    SnapshotId { owner: c(owner), local }.into()
}

fn actions(config: &Config, [alice, bob, carol, eve]: [Principal; 4], local_ids: u64) -> Vec<Request> {
    let api = config.api;
    let mut out = Vec::new();
    let mut add = |caller: Principal, call: Call| out.push(Request { caller, call });
    let ids: Vec<(u64, u64)> = (0..2).flat_map(|o| (0..local_ids).map(move |l| (o, l))).collect();
    for canister in 0..2 {
        let canister_id = c(canister);
        // The co-controller of this canister: the alphabet must map onto itself under the mirror.
        let co = if canister == 0 { carol } else { bob };
        for caller in [alice, co, eve] {
            add(caller, take(api, canister_id, None, false));
        }
        if api == Api::Management {
            add(alice, take(api, canister_id, None, true));
            for &(o, l) in &ids {
                add(alice, take(api, canister_id, Some(snapshot(o, l)), false));
            }
        }
        for &(o, l) in &ids {
            for caller in [alice, co] {
                add(caller, load(api, canister_id, snapshot(o, l)));
            }
            add(alice, delete(api, canister_id, snapshot(o, l)));
        }
        for caller in [alice, eve] {
            add(caller, list(api, canister_id));
        }
        for value in [1u8, 2] {
            add(alice, Call::WriteWasmMemory { canister_id, offset: 0, bytes: vec![value] });
        }
        add(alice, Call::WriteStableMemory { canister_id, offset: 0, bytes: vec![3] });
        for mode in [InstallMode::Reinstall, InstallMode::Upgrade] {
            let (wasm_module, globals) = module(1);
            add(alice, Call::InstallCode { canister_id, mode, wasm_module, globals, sender_canister_version: None });
        }
        add(alice, Call::UninstallCode { canister_id, sender_canister_version: None });
        // Observations: versions, sizes and history are only visible through these.
        add(alice, Call::CanisterStatus { canister_id });
        add(alice, Call::CanisterInfo { canister_id });
        add(alice, Call::StopCanister { canister_id });
        add(alice, Call::StartCanister { canister_id });
        let settings = Settings { snapshot_visibility: Some(Visibility::Public), ..Settings::default() };
        add(alice, Call::UpdateSettings { canister_id, settings, sender_canister_version: None });
        // Only where the setting exists, so that the other profiles' alphabets stay as they were.
        if config.status_visibility {
            add(eve, Call::CanisterStatus { canister_id });
            let settings = Settings { status_visibility: Some(Visibility::Public), ..Settings::default() };
            add(alice, Call::UpdateSettings { canister_id, settings, sender_canister_version: None });
        }
    }
    add(alice, Call::Checkpoint);
    add(alice, Call::AdvanceTime { nanos: 1_000 });
    out
}

fn take(api: Api, canister_id: CanisterId, replace_snapshot: Option<SnapshotIdArg>, uninstall: bool) -> Call {
    match api {
        Api::Proposal => Call::TakeSnapshot { canister_id, label: None },
        Api::Management => Call::TakeCanisterSnapshot(TakeArgs {
            canister_id,
            replace_snapshot,
            uninstall_code: uninstall.then_some(true),
            sender_canister_version: None,
        }),
    }
}

fn load(api: Api, canister_id: CanisterId, snapshot_id: SnapshotIdArg) -> Call {
    match api {
        Api::Proposal => Call::LoadSnapshot { snapshot_id, canister_id },
        Api::Management => {
            Call::LoadCanisterSnapshot(LoadArgs { canister_id, snapshot_id, sender_canister_version: None })
        }
    }
}

fn delete(api: Api, canister_id: CanisterId, snapshot_id: SnapshotIdArg) -> Call {
    match api {
        Api::Proposal => Call::DeleteSnapshot { snapshot_id },
        Api::Management => Call::DeleteCanisterSnapshot(DeleteArgs { canister_id, snapshot_id }),
    }
}

fn list(api: Api, canister_id: CanisterId) -> Call {
    match api {
        Api::Proposal => Call::ListSnapshots { canister_id },
        Api::Management => Call::ListCanisterSnapshots { canister_id },
    }
}

/// The mirror: c0↔c1 and bob↔carol (and the canisters' own principals), or the identity.
/// Hashing sees a principal only through its code under a mirror: the hash of its image. The
/// world's principals have their codes computed once; any other principal is its own image.
#[derive(Clone, Debug)]
struct Mirror {
    /// The world's principals (users and canisters) and the hash of each one's image.
    codes: [(Principal, u64); 6],
}

impl Mirror {
    fn new(swap: bool, [alice, bob, carol, eve]: [Principal; 4]) -> Mirror {
        let (c0, c1) = (c(0).principal(), c(1).principal());
        let pairs = [(alice, alice), (bob, carol), (carol, bob), (eve, eve), (c0, c1), (c1, c0)];
        Mirror { codes: pairs.map(|(from, to)| (from, principal_hash(if swap { to } else { from }))) }
    }

    /// The hash of `p`'s image.
    fn code(&self, p: &Principal) -> u64 {
        self.codes.iter().find(|(known, _)| known == p).map_or_else(|| principal_hash(*p), |(_, code)| *code)
    }
}

fn principal_hash(p: Principal) -> u64 {
    let mut h = hasher();
    p.hash(&mut h);
    h.finish()
}

/// The fingerprint hasher: fast, and seeded with constants so that runs are reproducible.
fn hasher() -> impl Hasher {
    use std::hash::BuildHasher;
    ahash::RandomState::with_seeds(0x736e_6170, 0x7370_6563, 0x6578_706c, 0x6f72_6521).build_hasher()
}

/// Fingerprints are hashes already: the seen-set hashes them again with the same fast hasher.
type FingerprintSet = HashSet<u64, ahash::RandomState>;

/// A fingerprint of `state` under symmetry reduction (see the module docs).
pub fn fingerprint(state: &State, world: &ExploreWorld) -> u64 {
    Prints::of(state, world, None).fingerprint(state)
}

/// Per-canister hashes of a state under both mirror images, kept with each explored node so
/// that a successor re-hashes only the canisters its step rewrote (a new `Arc`): one step
/// touches one canister, and a rejected call or a query touches none.
#[derive(Clone, Debug)]
struct Prints {
    time_ns: u64,
    /// Inline: the explore world has two canisters and no action creates one.
    canisters: smallvec::SmallVec<[CanisterPrint; 2]>,
}

/// One canister's hashes, and those of its history and its snapshots on their own. The parts
/// leave out the time (they hash times relative to an anchor inside the part), so a rewritten
/// canister, or a time step, re-hashes only the parts that are not shared with the parent.
#[derive(Clone, Copy, Debug)]
struct CanisterPrint {
    id: CanisterId,
    /// The id's code under each mirror (see [`Mirror`]).
    id_codes: [u64; 2],
    /// The address of the `Arc<Canister>` hashed.
    address: usize,
    /// The canister's hash as is and in the mirror, at the state's time.
    hashes: [u64; 2],
    /// Keyed by the address of `history.recent`; both mirror images.
    history: Part<[u64; 2]>,
    /// Keyed by the address of the snapshot map's entries; the mirror cannot change them.
    snapshots: Part<u64>,
}

/// A hash of a shared part of a canister and the address of the part it was taken from.
#[derive(Clone, Copy, Debug)]
struct Part<T> {
    address: usize,
    hash: T,
}

impl<T: Copy> Part<T> {
    /// The parent's hash if the part is the parent's (same address; the parent is alive while
    /// its successors are hashed, so its parts' addresses are not reused), else a fresh one.
    fn reuse_or(parent: Option<Part<T>>, address: usize, fresh: impl FnOnce() -> T) -> Part<T> {
        match parent {
            Some(part) if part.address == address => part,
            _ => Part { address, hash: fresh() },
        }
    }
}

impl Prints {
    /// Hashes `state`, reusing `parent`'s hash of every canister (and canister part) the step
    /// left in place. The parent's state is alive while its successors are expanded, so an
    /// address seen in both is the same value.
    fn of(state: &State, world: &ExploreWorld, parent: Option<&Prints>) -> Prints {
        let same_time = parent.is_some_and(|p| p.time_ns == state.time_ns);
        let canisters = state
            .canisters
            .iter()
            .map(|(id, canister)| {
                let address = std::sync::Arc::as_ptr(canister) as usize;
                let previous = parent.and_then(|p| p.canisters.iter().find(|print| print.id == *id));
                match previous {
                    Some(print) if same_time && print.address == address => *print,
                    _ => CanisterPrint::of(canister, address, state.time_ns, world, previous),
                }
            })
            .collect();
        Prints { time_ns: state.time_ns, canisters }
    }

    /// The minimum over both mirror images of the hash of (canister id code, canister hash)
    /// pairs, sorted (any fixed order of the pairs makes mirror images hash alike).
    fn fingerprint(&self, state: &State) -> u64 {
        let image = |image: usize, pairs: &mut [(u64, u64)]| {
            for (pair, print) in pairs.iter_mut().zip(&self.canisters) {
                *pair = (print.id_codes[image], print.hashes[image]);
            }
            pairs.sort_unstable();
            let mut hasher = hasher();
            (state.next_canister_index, &*pairs).hash(&mut hasher);
            hasher.finish()
        };
        // One per successor, so on the stack: the explore world has two canisters and no
        // action creates one.
        let mut buffer = [(0, 0); 2];
        let pairs = buffer.get_mut(..self.canisters.len()).expect("the explore world holds two canisters");
        image(0, pairs).min(image(1, pairs))
    }
}

impl CanisterPrint {
    fn of(
        canister: &Canister,
        address: usize,
        now: u64,
        world: &ExploreWorld,
        parent: Option<&CanisterPrint>,
    ) -> CanisterPrint {
        let recent = &canister.history.recent;
        let history = Part::reuse_or(parent.map(|p| p.history), std::sync::Arc::as_ptr(recent) as usize, || {
            world.mirrors.each_ref().map(|mirror| hash_history(recent, mirror))
        });
        let snapshots = Part::reuse_or(parent.map(|p| p.snapshots), canister.snapshots.entries_address(), || {
            hash_snapshots(canister)
        });
        let mut content = hasher();
        hash_content(canister, now, snapshots.hash, &mut content);
        let content = content.finish();
        let hashes = [0, 1].map(|image| {
            let mut h = hasher();
            content.hash(&mut h);
            hash_principals(canister, now, history.hash[image], &world.mirrors[image], &mut h);
            h.finish()
        });
        let id_codes = match parent {
            Some(print) => print.id_codes,
            None => world.mirrors.each_ref().map(|mirror| mirror.code(&canister.id.principal())),
        };
        CanisterPrint { id: canister.id, id_codes, address, hashes, history, snapshots }
    }
}

/// The difference `time_ns - anchor_ns`, exact (no wrapping, no clamping): hashing times
/// relative to an anchor is what makes a hash invariant under shifting all times.
fn since(anchor_ns: u64, time_ns: u64) -> i128 {
    i128::from(time_ns) - i128::from(anchor_ns)
}

/// The parts of a canister that name no principal; `snapshots` is [`hash_snapshots`]'s.
fn hash_content(canister: &Canister, now: u64, snapshots: u64, h: &mut impl Hasher) {
    (canister.status, canister.version, canister.next_snapshot_id, canister.snapshots_size_bytes, canister.cycles)
        .hash(h);
    (&canister.certified_data, canister.hook_status, canister.history.total_num_changes).hash(h);
    relative_timer(canister.global_timer, now).hash(h);
    hash_execution(canister.execution.as_ref(), h);
    canister.chunk_store.keys().for_each(|k| k.hash(h));
    // The snapshots' times relative to their anchor (the first one's), and the anchor's to now.
    let anchor = canister.snapshots.iter().next().map(|(_, first)| first.taken_at_timestamp_ns);
    (snapshots, anchor.map(|anchor| since(anchor, now))).hash(h);
}

/// The snapshots of a canister, with times relative to the first one's.
fn hash_snapshots(canister: &Canister) -> u64 {
    let mut h = hasher();
    let anchor = canister.snapshots.iter().next().map_or(0, |(_, first)| first.taken_at_timestamp_ns);
    for (id, snapshot) in &canister.snapshots {
        (id.local, snapshot.canister_version, since(anchor, snapshot.taken_at_timestamp_ns), snapshot.size_bytes)
            .hash(&mut h);
        (&snapshot.certified_data, snapshot.label.as_deref(), snapshot.has_unflushed_changes()).hash(&mut h);
        hash_execution(Some(&snapshot.execution), &mut h);
        snapshot.chunk_store.keys().for_each(|k| k.hash(&mut h));
    }
    h.finish()
}

/// The parts of a canister that name principals, under `mirror`; `history` is
/// [`hash_history`]'s under the same mirror.
fn hash_principals(canister: &Canister, now: u64, history: u64, mirror: &Mirror, h: &mut impl Hasher) {
    hash_set(canister.controllers.iter(), mirror, h);
    for visibility in [&canister.snapshot_visibility, &canister.status_visibility] {
        match visibility {
            Visibility::AllowedViewers(viewers) => hash_set(viewers.iter(), mirror, h),
            other => std::mem::discriminant(other).hash(h),
        }
    }
    // The entries' times relative to their anchor (the last one's), and the anchor's to now.
    let anchor = canister.history.recent.last().map(|change| change.timestamp_ns);
    (history, anchor.map(|anchor| since(anchor, now))).hash(h);
}

/// History entries under `mirror`, with times relative to the last entry's.
fn hash_history(recent: &[snapspec_model::canister::Change], mirror: &Mirror) -> u64 {
    let mut h = hasher();
    let anchor = recent.last().map_or(0, |change| change.timestamp_ns);
    for change in recent {
        (change.canister_version, since(anchor, change.timestamp_ns)).hash(&mut h);
        hash_origin(&change.origin, mirror, &mut h);
        hash_details(&change.details, anchor, mirror, &mut h);
    }
    h.finish()
}

fn relative_timer(timer: snapspec_model::Timer, now: u64) -> Option<i128> {
    match timer {
        snapspec_model::Timer::Inactive => None,
        snapspec_model::Timer::Active(at) => Some(since(now, at)),
    }
}

thread_local! {
    /// The explorer's writes produce a handful of distinct pages in thousands of states: each
    /// worker remembers their leaf hashes instead of re-running SHA-256 on every copy.
    static LEAF_MEMO: std::cell::RefCell<LeafMemo> = std::cell::RefCell::new(LeafMemo::default());
}

fn hash_execution(execution: Option<&snapspec_model::canister::ExecutionState>, h: &mut impl Hasher) {
    let Some(e) = execution else { return 0u8.hash(h) };
    // Size and Merkle root (both cached) determine a memory's digest; hashing them skips a SHA-256.
    let [wasm_root, stable_root] =
        LEAF_MEMO.with_borrow_mut(|memo| [e.wasm_memory.root_hash_with(memo), e.stable_memory.root_hash_with(memo)]);
    (e.module_hash, &e.globals, e.wasm_memory.size_bytes(), wasm_root).hash(h);
    (e.stable_memory.size_bytes(), stable_root).hash(h);
    (e.wasm_memory.is_dirty(), e.stable_memory.is_dirty()).hash(h);
}

/// Hashes a set of principals, mirrored, independently of order and without allocating: the
/// wrapping sum of the elements' hashes. A list with a repeat hashes apart from the set without
/// it, which can only split states, never merge distinct ones.
fn hash_set<'a>(principals: impl Iterator<Item = &'a Principal>, mirror: &Mirror, h: &mut impl Hasher) {
    let (mut count, mut sum) = (0u64, 0u64);
    for principal in principals {
        sum = sum.wrapping_add(mirror.code(principal));
        count += 1;
    }
    (count, sum).hash(h);
}

fn hash_origin(origin: &ChangeOrigin, mirror: &Mirror, h: &mut impl Hasher) {
    match origin {
        ChangeOrigin::FromUser { user_id } => (0u8, mirror.code(user_id)).hash(h),
        ChangeOrigin::FromCanister { canister_id, canister_version } => {
            (1u8, mirror.code(canister_id), canister_version).hash(h)
        }
    }
}

fn hash_details(details: &ChangeDetails, anchor: u64, mirror: &Mirror, h: &mut impl Hasher) {
    match details {
        ChangeDetails::Creation { controllers } => {
            0u8.hash(h);
            hash_set(controllers.iter(), mirror, h)
        }
        ChangeDetails::CodeUninstall => 1u8.hash(h),
        ChangeDetails::CodeDeployment { mode, module_hash } => (2u8, mode, module_hash).hash(h),
        ChangeDetails::LoadSnapshot { canister_version, snapshot_id, taken_at_timestamp, source, from_canister_id } => {
            let id = (mirror.code(&snapshot_id.owner.principal()), snapshot_id.local);
            (
                3u8,
                canister_version,
                id,
                since(anchor, *taken_at_timestamp),
                source,
                from_canister_id.map(|c| mirror.code(&c.principal())),
            )
                .hash(h)
        }
        ChangeDetails::ControllersChange { controllers } => {
            4u8.hash(h);
            hash_set(controllers.iter(), mirror, h)
        }
    }
}

/// What an exploration did.
#[derive(Clone, Debug, Default)]
pub struct ExploreReport {
    /// Depth reached.
    pub depth: usize,
    /// Transitions taken (successor states generated, duplicates included).
    pub states_explored: u64,
    /// Distinct states after symmetry reduction.
    pub distinct_states: u64,
    /// Clauses reached.
    pub clauses: BTreeSet<Clause>,
    /// An invariant violation: the path (prelude included) and what broke.
    pub violation: Option<(Vec<Request>, String)>,
    /// Wall time.
    pub elapsed: Duration,
    /// Shortest path (action indices) to each distinct state, for replay against an implementation.
    pub paths: Vec<Vec<u16>>,
}

struct Node {
    state: State,
    path: Vec<u16>,
    prints: Prints,
}

/// Explores the model alone up to `depth`, checking invariants on every transition.
pub fn explore_model(config: &Config, world: &ExploreWorld, depth: usize) -> ExploreReport {
    let started = Instant::now();
    let mut report = ExploreReport::default();
    let state = world.root_state(config);
    if let Err(violation) = invariants::check_state(config, &state) {
        report.violation = Some((world.prelude.clone(), violation.to_string()));
    }
    let prints = Prints::of(&state, world, None);
    let fingerprint = prints.fingerprint(&state);
    let mut seen = new_fingerprint_set();
    seen.insert(fingerprint);
    let mut frontier = vec![Node { state, path: Vec::new(), prints }];
    let mut level = Level { clauses: 0, new: new_fingerprint_set(), next: Vec::new() };
    report.paths.push(Vec::new());
    for depth_index in 0..depth {
        // The last level's states are never expanded: only their paths are kept.
        let keep_states = depth_index + 1 < depth;
        // Chunks bound the transitions held at once. Chunk k+1 is expanded in parallel while
        // chunk k is de-duplicated: the expansion reads only `seen` (earlier levels), which
        // is frozen for the level; this level's fingerprints go to `level.new`. Outcomes are
        // absorbed in frontier order, so paths and reports do not depend on thread timing.
        // Each level has reached 10-13 times the states of the one before: sizing for that
        // once spares the ordered de-duplication rehashing a growing table (millions of
        // entries at depth 6) while the other core waits.
        let expected_new = frontier.len().saturating_mul(LEVEL_GROWTH_EXPECTED);
        level.new.reserve(expected_new);
        report.paths.reserve(expected_new);
        let chunks: Vec<&[Node]> = frontier.chunks(EXPAND_CHUNK_NODES).collect();
        let mut pending: Option<(&[Node], Vec<Batch>)> = None;
        for chunk in chunks.iter().copied().map(Some).chain([None]) {
            let previous = pending.take();
            let (expanded, ()) = rayon::join(
                || chunk.map(|chunk| (chunk, expand_all(config, world, &seen, chunk, keep_states))),
                || {
                    if let Some((parents, outcomes)) = previous {
                        level.absorb(world, parents, outcomes, &mut report);
                    }
                },
            );
            pending = expanded;
        }
        report.depth = depth_index + 1;
        // The last level's fingerprints are only counted: merging them would take a core alone
        // for 0.4 s at depth 6.
        if keep_states {
            seen.extend(level.new.drain());
        }
        let expanded = std::mem::replace(&mut frontier, std::mem::take(&mut level.next));
        // Freeing thousands of states one by one would leave a core idle.
        expanded.into_par_iter().for_each(drop);
        if frontier.is_empty() {
            break;
        }
    }
    let clauses = level.clauses;
    report.clauses = Clause::ALL.iter().copied().filter(|c| clauses & clause_bit(*c) != 0).collect();
    // Disjoint: a level's new fingerprints exclude every earlier level's.
    report.distinct_states = (seen.len() + level.new.len()) as u64;
    report.elapsed = started.elapsed();
    report
}

/// New states per frontier node to make room for (the world's levels grow 10-13 times).
const LEVEL_GROWTH_EXPECTED: usize = 12;

/// Frontier nodes expanded per parallel batch (each yields one transition per action).
const EXPAND_CHUNK_NODES: usize = 512;

fn new_fingerprint_set() -> FingerprintSet {
    FingerprintSet::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4))
}

/// What de-duplicating one level accumulates (clauses accumulate over all levels).
struct Level {
    clauses: u128,
    /// Fingerprints first reached on this level.
    new: FingerprintSet,
    /// The states first reached on this level (unless it is the last): the next frontier.
    next: Vec<Node>,
}

impl Level {
    /// Takes in the transitions out of `parents`, in order.
    fn absorb(&mut self, world: &ExploreWorld, parents: &[Node], batches: Vec<Batch>, report: &mut ExploreReport) {
        let path = |parent: usize, action: u16| {
            let mut path = parents[parent].path.clone();
            path.push(action);
            path
        };
        for batch in batches {
            report.states_explored += batch.transitions;
            self.clauses |= batch.clauses;
            if let (None, Some((parent, action, message))) = (&report.violation, batch.violation) {
                report.violation = Some((full_path(world, &path(parent, action)), message));
            }
            for candidate in batch.candidates {
                if !self.new.insert(candidate.fingerprint) {
                    continue;
                }
                let path = path(candidate.parent, candidate.action);
                match candidate.successor.map(|successor| *successor) {
                    Some((state, prints)) => {
                        report.paths.push(path.clone());
                        self.next.push(Node { state, path, prints });
                    }
                    None => report.paths.push(path),
                }
            }
        }
    }
}

/// Every transition out of every node of `chunk`, in (node, action) order, reduced in the
/// parallel phase to batches: runs of consecutive transitions, in order, each keeping only
/// what the ordered de-duplication needs.
fn expand_all(
    config: &Config,
    world: &ExploreWorld,
    seen: &FingerprintSet,
    chunk: &[Node],
    keep_states: bool,
) -> Vec<Batch> {
    let actions = world.actions.len();
    (0..chunk.len() * actions)
        .into_par_iter()
        .fold(Batch::default, |mut batch, i| {
            let (parent, action) = (i / actions, i % actions);
            batch.add(parent, action as u16, expand(config, world, seen, &chunk[parent], action, keep_states));
            batch
        })
        .collect()
}

fn clause_bit(clause: Clause) -> u128 {
    const _: () = assert!(Clause::ALL.len() <= 128, "clauses fit a u128 bit set");
    1 << clause as u32
}

/// One transition, as the explorer keeps it.
struct Expanded {
    clauses: u128,
    violation: Option<String>,
    /// The fingerprint of a state not seen on an earlier level (it may still repeat one
    /// reached earlier on this level), with the state when the next level will expand it.
    candidate: Option<(u64, Option<Box<Successor>>)>,
}

/// A run of consecutive transitions (see [`expand_all`]).
#[derive(Default)]
struct Batch {
    transitions: u64,
    clauses: u128,
    /// The run's first invariant violation: (parent, action, what broke).
    violation: Option<(usize, u16, String)>,
    /// Transitions to candidate states, in order.
    candidates: Vec<Candidate>,
}

struct Candidate {
    parent: usize,
    action: u16,
    fingerprint: u64,
    /// Boxed: most candidates (all on the last level) carry none, and a level's candidates
    /// are held a chunk at a time, so their size is memory first touched (and zeroed).
    successor: Option<Box<Successor>>,
}

/// A state the next level will expand, with its hashes.
type Successor = (State, Prints);

impl Batch {
    fn add(&mut self, parent: usize, action: u16, transition: Expanded) {
        self.transitions += 1;
        self.clauses |= transition.clauses;
        if let (None, Some(message)) = (&self.violation, transition.violation) {
            self.violation = Some((parent, action, message));
        }
        if let Some((fingerprint, successor)) = transition.candidate {
            self.candidates.push(Candidate { parent, action, fingerprint, successor });
        }
    }
}

/// One transition. A step that leaves the state in place (a rejection, a query) returns to
/// the parent, which is already seen, and so does any state `seen` holds: neither is a
/// candidate. Only rewritten canisters are re-hashed and re-checked (the parent passed
/// every invariant when it was reached). States that will not be expanded (seen before, or on
/// the last level) are dropped here, in parallel, rather than in the ordered de-duplication.
fn expand(
    config: &Config,
    world: &ExploreWorld,
    seen: &FingerprintSet,
    node: &Node,
    action: usize,
    keep_states: bool,
) -> Expanded {
    let transition = step(config, &node.state, &world.actions[action]);
    let clauses = transition.exercised.iter().fold(0, |bits, c| bits | clause_bit(*c));
    let mut checker = InvariantChecker::new();
    let violation = checker.observe_from_verified(config, &node.state, &transition).err().map(|v| v.to_string());
    let candidate = if transition.state.is_same(&node.state) {
        None
    } else {
        let prints = Prints::of(&transition.state, world, Some(&node.prints));
        let fingerprint = prints.fingerprint(&transition.state);
        (!seen.contains(&fingerprint)).then(|| (fingerprint, keep_states.then(|| Box::new((transition.state, prints)))))
    };
    Expanded { clauses, violation, candidate }
}

/// The requests of a path, prelude included.
pub fn full_path(world: &ExploreWorld, path: &[u16]) -> Vec<Request> {
    world.prelude.iter().cloned().chain(path.iter().map(|&i| world.actions[i as usize].clone())).collect()
}

/// What replaying the exploration against an implementation did.
#[derive(Clone, Debug, Default)]
pub struct ExploreSutReport {
    /// Traces run.
    pub traces: u64,
    /// Calls sent.
    pub steps: u64,
    /// Coverage.
    pub coverage: Coverage,
    /// The first divergence and its trace.
    pub divergence: Option<(Vec<Request>, Divergence)>,
}

/// Replays, for each distinct state (shortest path first), its path plus every action,
/// comparing every step; at most `traces_max` traces.
pub fn explore_sut(
    sut: &mut dyn SystemUnderTest,
    config: &Config,
    mode: Mode,
    world: &ExploreWorld,
    paths: &[Vec<u16>],
    traces_max: u64,
    mut tick: impl FnMut(u64),
) -> ExploreSutReport {
    let mut report = ExploreSutReport::default();
    for path in paths {
        for action in 0..world.actions.len() as u16 {
            if report.traces >= traces_max {
                return report;
            }
            let mut full = path.clone();
            full.push(action);
            let requests = full_path(world, &full);
            let result = run_trace(sut, config, mode, &requests);
            report.traces += 1;
            report.steps += result.steps_run as u64;
            report.coverage.merge(&result.coverage);
            tick(report.traces);
            if let Some(divergence) = result.divergence {
                report.divergence = Some((requests, divergence));
                return report;
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cached, incremental hashes equal hashes computed from scratch, for every state two
    /// steps from the start, in both APIs (including time shifts, which invalidate the cache).
    #[test]
    fn incremental_fingerprints_equal_fresh_ones() {
        for config in [Config::ic(), Config::proposal_2024()] {
            let world = ExploreWorld::new(&config, 2);
            let root = world.root_state(&config);
            let root_prints = Prints::of(&root, &world, None);
            for first in &world.actions {
                let one = step(&config, &root, first).state;
                let one_prints = Prints::of(&one, &world, Some(&root_prints));
                assert_eq!(one_prints.fingerprint(&one), fingerprint(&one, &world), "{first:?}");
                for second in &world.actions {
                    let two = step(&config, &one, second).state;
                    let incremental = Prints::of(&two, &world, Some(&one_prints)).fingerprint(&two);
                    assert_eq!(incremental, fingerprint(&two, &world), "{first:?} then {second:?}");
                }
            }
        }
    }

    /// The state counts of the implementation before fingerprints were cached and frontiers
    /// batched: the optimisations change speed, not what is explored.
    #[test]
    fn exploration_counts_are_those_of_the_uncached_explorer() {
        let config = Config::ic();
        let report = explore_model(&config, &ExploreWorld::new(&config, 2), 3);
        assert_eq!((report.states_explored, report.distinct_states), (10_404, 1_676));
        assert!(report.violation.is_none(), "{:?}", report.violation);
        assert_eq!(report.paths.len() as u64, report.distinct_states);
    }

    /// Shifting every time by a constant keeps a fingerprint (no rule reads absolute time):
    /// every two-action path from a root, and from the same root built 5 µs later, ends in
    /// states with one fingerprint, hashed fresh and incrementally.
    #[test]
    fn time_shifted_states_share_a_fingerprint() {
        let config = Config::ic();
        let world = ExploreWorld::new(&config, 2);
        let root = world.root_state(&config);
        let mut later = State::new(&config);
        later.time_ns += 5_000;
        let later = world.prelude.iter().fold(later, |state, request| step(&config, &state, request).state);
        assert_ne!(root.time_ns, later.time_ns);
        let (root_prints, later_prints) = (Prints::of(&root, &world, None), Prints::of(&later, &world, None));
        for first in &world.actions {
            let (one, one_later) = (step(&config, &root, first).state, step(&config, &later, first).state);
            let one_later_prints = Prints::of(&one_later, &world, Some(&later_prints));
            assert_eq!(Prints::of(&one, &world, Some(&root_prints)).fingerprint(&one), fingerprint(&one_later, &world));
            for second in &world.actions {
                let two = step(&config, &one, second).state;
                let two_later = step(&config, &one_later, second).state;
                let incremental = Prints::of(&two_later, &world, Some(&one_later_prints)).fingerprint(&two_later);
                assert_eq!(fingerprint(&two, &world), incremental, "{first:?} then {second:?}");
            }
        }
    }

    /// Times relative to each other still count: a snapshot loaded 1 µs after it was taken
    /// and one loaded at once leave states apart, although both end at the same time.
    #[test]
    fn relative_times_split_states() {
        let config = Config::ic();
        let world = ExploreWorld::new(&config, 2);
        let alice = world.principals[0];
        let run = |calls: Vec<Call>| {
            let requests = calls.into_iter().map(|call| Request { caller: alice, call });
            requests.fold(world.root_state(&config), |state, request| {
                let transition = step(&config, &state, &request);
                assert!(transition.outcome.reply().is_some(), "{request:?}: {:?}", transition.outcome);
                transition.state
            })
        };
        let take = || super::take(Api::Management, c(0), None, false);
        let load = || super::load(Api::Management, c(0), snapshot(0, 0));
        let advance = || Call::AdvanceTime { nanos: 1_000 };
        let aged = run(vec![take(), advance(), load()]);
        let fresh = run(vec![advance(), take(), load()]);
        assert_eq!(aged.time_ns, fresh.time_ns);
        assert_ne!(fingerprint(&aged, &world), fingerprint(&fresh, &world));
        // Without the load the snapshot's age alone tells them apart.
        assert_ne!(
            fingerprint(&run(vec![take(), advance()]), &world),
            fingerprint(&run(vec![advance(), take()]), &world)
        );
    }

    /// A state and its mirror image (c0↔c1, bob↔carol) share a fingerprint; a different state
    /// does not.
    #[test]
    fn mirror_images_share_a_fingerprint() {
        let config = Config::ic();
        let world = ExploreWorld::new(&config, 2);
        let root = world.root_state(&config);
        let [alice, bob, carol, _] = world.principals;
        let take = |canister, caller| Request { caller, call: super::take(Api::Management, c(canister), None, false) };
        let on_c0 = step(&config, &root, &take(0, carol)).state;
        let on_c1 = step(&config, &root, &take(1, bob)).state;
        assert_eq!(fingerprint(&on_c0, &world), fingerprint(&on_c1, &world));
        let by_alice = step(&config, &root, &take(0, alice)).state;
        assert_ne!(fingerprint(&on_c0, &world), fingerprint(&root, &world));
        assert_eq!(on_c0.snapshot_count(), 1);
        // Taken by another caller, the snapshot is the same; the states are equal too.
        assert_eq!(fingerprint(&by_alice, &world), fingerprint(&on_c0, &world));
    }
}
