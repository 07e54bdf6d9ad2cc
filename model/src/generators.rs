//! Call generators for downstream users: one core over a choice sequence, three front-ends.
//!
//! The core, [`request`], turns choices drawn from an [`arbitrary::Unstructured`] into one
//! [`Request`] over a small [`World`] (a few principals, canisters and snapshot ids), biased
//! toward the snapshot methods and the states they care about. Because it reads a choice
//! sequence, the same generator serves:
//! - cargo-fuzz (`arbitrary`): bytes from libFuzzer;
//! - proptest (feature `proptest`): [`requests_strategy`] shrinks the byte vector, which
//!   shrinks toward earlier (simpler) choices;
//! - quickcheck (feature `quickcheck`): [`QcRequests`].
//!
//! Exhausted input yields zero choices, i.e. the simplest call, so every byte string maps to
//! a valid sequence.

use arbitrary::{Result, Unstructured};

use crate::call::{Call, DeleteArgs, LoadArgs, Request, Settings, SnapshotIdArg, TakeArgs};
use crate::canister::{InstallMode, Timer, Visibility, ALLOWED_VIEWERS_MAX};
use crate::config::Api;
use crate::globals::Global;
use crate::ids::{CanisterId, Principal, SnapshotId, ANONYMOUS};

/// A principal that looks like a user's (self-authenticating class, last byte 0x02).
pub fn user(n: u8) -> Principal {
    let mut bytes = [n; 29];
    bytes[28] = 0x02;
    Principal::from_slice(&bytes)
}

/// What a world's prelude depends on ([`World::prelude_key`]): API, owner, canister ids and
/// the second controller.
pub type PreludeKey = (Api, Principal, u64, Option<Principal>);

/// The bounded universe calls are drawn from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct World {
    /// Which API the calls use.
    pub api: Api,
    /// Callers: users, anonymous, and canisters calling themselves.
    pub principals: Vec<Principal>,
    /// Canister ids drawn: indices `0..canisters` (the prelude creates all but the last, so
    /// missing canisters are drawn too).
    pub canisters: u64,
    /// Local snapshot ids drawn: `0..local_ids`.
    pub local_ids: u64,
    /// Largest write offset, bytes.
    pub offset_bytes_max: u64,
    /// Largest write, bytes.
    pub write_bytes_max: usize,
    /// Swarm testing: confine calls to one kind for this sequence (`None` = all kinds).
    pub focus: Option<Focus>,
}

/// What a swarm-tested sequence concentrates on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// Takes only (reaches the snapshot limit).
    Takes,
    /// Snapshot methods only.
    Snapshots,
    /// Timers, globals, takes and loads.
    Timers,
    /// Stopping, deleting and uninstalling canisters among takes, loads and lists: what
    /// becomes of snapshots when their canister goes (a delete needs a stop first, which
    /// unfocused sequences rarely draw in that order).
    Teardown,
    /// Visibility settings changed and read back: `update_settings` among the calls the
    /// settings open or close (status, list), from every caller (a setting must change before
    /// a stranger's read can pass, which unfocused sequences rarely draw in that order).
    Access,
}

impl World {
    /// Three canisters (two created by the prelude), alice/bob/carol/anonymous and the two
    /// canisters as callers, ids 0..4, writes within the first three Wasm pages.
    pub fn small(api: Api) -> World {
        World {
            api,
            principals: vec![
                user(1),
                user(2),
                user(3),
                ANONYMOUS,
                CanisterId::from_index(0).principal(),
                CanisterId::from_index(1).principal(),
            ],
            canisters: 3,
            local_ids: 4,
            offset_bytes_max: 3 * 65_536,
            write_bytes_max: 16,
            focus: None,
        }
    }

    /// A random world: the first choices of a fuzz input. One choice per field, and a zero
    /// choice keeps [`World::small`]'s value, so exhausted input (and shrinking toward zero)
    /// gives the small world. Canister ids 1–5 (the prelude creates all but the last; with one
    /// id it creates none), callers: the owner plus any of the small world's others and the
    /// extra canisters, local snapshot ids 1–12 (past the default limit of 10), write offsets
    /// up to 16 Wasm pages and writes up to one OS page and a byte (so they straddle pages).
    pub fn arbitrary(u: &mut Unstructured, api: Api) -> Result<World> {
        let small = World::small(api);
        let canisters = [3, 1, 2, 4, 5][u.int_in_range(0..=4usize)?];
        // Bits 0–4 drop one of the small world's non-owners; bits 5–7 add canisters 2–4.
        let mask: u8 = u.arbitrary()?;
        let kept = small.principals[1..].iter().enumerate().filter(|(bit, _)| mask & (1 << bit) == 0);
        let extra = (2..5u64).filter(|index| mask & (1 << (index + 3)) != 0 && *index < canisters);
        let principals = std::iter::once(small.owner())
            .chain(kept.map(|(_, p)| *p))
            .chain(extra.map(|index| CanisterId::from_index(index).principal()))
            .collect();
        Ok(World {
            api,
            principals,
            canisters,
            local_ids: [4, 1, 2, 8, 12][u.int_in_range(0..=4usize)?],
            offset_bytes_max: [3 * 65_536, 0, 4_095, 65_536, 16 * 65_536][u.int_in_range(0..=4usize)?],
            write_bytes_max: [16, 1, 64, 4_097][u.int_in_range(0..=3usize)?],
            focus: None,
        })
    }

    /// The first principal: the controller of everything the prelude creates.
    pub fn owner(&self) -> Principal {
        self.principals[0]
    }

    /// The second controller the prelude gives its second canister (for cross-canister
    /// loads): the second principal, unless that is the anonymous one.
    pub fn co_controller(&self) -> Option<Principal> {
        self.principals.get(1).copied().filter(|p| *p != ANONYMOUS)
    }

    /// Everything [`World::prelude`] depends on: worlds with equal keys have equal preludes,
    /// so callers may cache the state after it under this key.
    pub fn prelude_key(&self) -> PreludeKey {
        (self.api, self.owner(), self.canisters, self.co_controller())
    }

    /// Setup every generated sequence starts from: the owner creates `canisters - 1`
    /// canisters (the second also controlled by the second principal, for cross-canister
    /// loads) and installs a module with two globals in each.
    pub fn prelude(&self) -> Vec<Request> {
        let owner = self.owner();
        let mut requests = Vec::new();
        for index in 0..self.canisters.saturating_sub(1) {
            let mut controllers = vec![owner];
            if let Some(co) = self.co_controller().filter(|_| index == 1) {
                controllers.push(co);
            }
            requests.push(Request {
                caller: owner,
                call: Call::CreateCanister { controllers: Some(controllers), cycles: 1 << 50 },
            });
            requests
                .push(Request { caller: owner, call: install(CanisterId::from_index(index), InstallMode::Install, 0) });
        }
        requests
    }
}

/// One of a few fixed modules, each with the globals it declares.
pub fn module(variant: u8) -> (Vec<u8>, Vec<Global>) {
    let bytes = [b"\0asm\x01\0\0\0".as_slice(), &[variant]].concat();
    let globals = match variant % 3 {
        0 => vec![Global::I32(0), Global::I64(0)],
        1 => vec![Global::I64(0)],
        _ => vec![Global::I32(0), Global::F64(0), Global::V128(0)],
    };
    (bytes, globals)
}

fn install(canister_id: CanisterId, mode: InstallMode, variant: u8) -> Call {
    let (wasm_module, globals) = module(variant);
    Call::InstallCode { canister_id, mode, wasm_module, globals, sender_canister_version: None }
}

/// Draws one request.
pub fn request(u: &mut Unstructured, world: &World) -> Result<Request> {
    let caller = if u.ratio(1, 2)? { world.owner() } else { *u.choose(&world.principals)? };
    Ok(Request { caller, call: call(u, world)? })
}

/// Draws `len` requests after the world's prelude.
pub fn requests(u: &mut Unstructured, world: &World, len: usize) -> Result<Vec<Request>> {
    let mut all = world.prelude();
    for _ in 0..len {
        all.push(request(u, world)?);
    }
    Ok(all)
}

fn canister(u: &mut Unstructured, world: &World) -> Result<CanisterId> {
    Ok(CanisterId::from_index(u.int_in_range(0..=world.canisters.saturating_sub(1))?))
}

fn snapshot_id(u: &mut Unstructured, world: &World) -> Result<SnapshotIdArg> {
    if u.ratio(1, 20)? {
        let len = u.int_in_range(0..=40)?;
        return Ok(SnapshotIdArg(u.bytes(len)?.to_vec()));
    }
    let owner = canister(u, world)?;
    let local = u.int_in_range(0..=world.local_ids.saturating_sub(1))?;
    Ok(SnapshotId { owner, local }.into())
}

fn bytes(u: &mut Unstructured, max: usize) -> Result<Vec<u8>> {
    let len = u.int_in_range(0..=max)?;
    let fill: u8 = u.arbitrary()?;
    Ok((0..len).map(|i| fill.wrapping_add(i as u8)).collect())
}

fn offset(u: &mut Unstructured, world: &World) -> Result<u64> {
    Ok(match u.int_in_range(0..=5)? {
        0 => 0,
        1 => 4_095,
        2 => 65_535,
        3 => 65_536,
        _ => u.int_in_range(0..=world.offset_bytes_max)?,
    })
}

fn call(u: &mut Unstructured, world: &World) -> Result<Call> {
    // Weights out of 100; snapshot methods take half. With a swarm focus the draw is confined
    // to one band, so long runs of one kind of call happen (e.g. takes up to the limit).
    let pick = match world.focus {
        Some(Focus::Takes) => u.int_in_range(0..=23u8)?.min(17),
        Some(Focus::Snapshots) => u.int_in_range(0..=45u8)?,
        Some(Focus::Timers) => return timers(u, world),
        Some(Focus::Teardown) => return teardown(u, world),
        Some(Focus::Access) => return access(u, world),
        None => u.int_in_range(0..=99u8)?,
    };
    Ok(match pick {
        0..=17 => take(u, world)?,
        18..=29 => load(u, world)?,
        30..=37 => list(u, world)?,
        38..=45 => delete(u, world)?,
        46..=63 => execution(u, world)?,
        64..=85 => lifecycle(u, world)?,
        86..=93 => Call::AdvanceTime { nanos: u.int_in_range(1..=1_000_000_000)? },
        _ => Call::Checkpoint,
    })
}

fn take(u: &mut Unstructured, world: &World) -> Result<Call> {
    if world.focus == Some(Focus::Takes) {
        return takes_to_the_limit(u, world);
    }
    let canister_id = canister(u, world)?;
    if world.api == Api::Proposal {
        let label = if u.ratio(1, 2)? { Some(format!("label-{}", u.int_in_range(0..=9u8)?)) } else { None };
        return Ok(Call::TakeSnapshot { canister_id, label });
    }
    let replace_snapshot = if u.ratio(1, 3)? { Some(snapshot_id(u, world)?) } else { None };
    let uninstall_code = if u.ratio(1, 8)? { Some(u.arbitrary()?) } else { None };
    Ok(Call::TakeCanisterSnapshot(TakeArgs {
        canister_id,
        replace_snapshot,
        uninstall_code,
        sender_canister_version: None,
    }))
}

/// Mostly plain takes on the first canister, so the limit is reached and crossed.
fn takes_to_the_limit(u: &mut Unstructured, world: &World) -> Result<Call> {
    let canister_id = CanisterId::from_index(0);
    if world.api == Api::Proposal {
        return Ok(Call::TakeSnapshot { canister_id, label: None });
    }
    let replace_snapshot = if u.ratio(1, 10)? { Some(snapshot_id(u, world)?) } else { None };
    Ok(Call::TakeCanisterSnapshot(TakeArgs {
        canister_id,
        replace_snapshot,
        uninstall_code: None,
        sender_canister_version: None,
    }))
}

fn load(u: &mut Unstructured, world: &World) -> Result<Call> {
    let canister_id = canister(u, world)?;
    let snapshot_id = snapshot_id(u, world)?;
    Ok(match world.api {
        Api::Proposal => Call::LoadSnapshot { snapshot_id, canister_id },
        Api::Management => {
            Call::LoadCanisterSnapshot(LoadArgs { canister_id, snapshot_id, sender_canister_version: None })
        }
    })
}

fn list(u: &mut Unstructured, world: &World) -> Result<Call> {
    let canister_id = canister(u, world)?;
    Ok(match world.api {
        Api::Proposal => Call::ListSnapshots { canister_id },
        Api::Management => Call::ListCanisterSnapshots { canister_id },
    })
}

fn delete(u: &mut Unstructured, world: &World) -> Result<Call> {
    let canister_id = canister(u, world)?;
    let snapshot_id = snapshot_id(u, world)?;
    Ok(match world.api {
        Api::Proposal => Call::DeleteSnapshot { snapshot_id },
        Api::Management => Call::DeleteCanisterSnapshot(DeleteArgs { canister_id, snapshot_id }),
    })
}

fn execution(u: &mut Unstructured, world: &World) -> Result<Call> {
    let canister_id = canister(u, world)?;
    Ok(match u.int_in_range(0..=9u8)? {
        0..=3 => {
            Call::WriteWasmMemory { canister_id, offset: offset(u, world)?, bytes: bytes(u, world.write_bytes_max)? }
        }
        4..=5 => {
            Call::WriteStableMemory { canister_id, offset: offset(u, world)?, bytes: bytes(u, world.write_bytes_max)? }
        }
        6 => Call::ReadStableMemory { canister_id, offset: offset(u, world)?, len: u.int_in_range(0..=16)? },
        7 if u.ratio(1, 3)? => Call::ReadGlobals { canister_id },
        7 => Call::SetGlobal { canister_id, index: u.int_in_range(0..=2)?, value: global(u)? },
        8 => Call::SetCertifiedData { canister_id, data: bytes(u, 33)? },
        _ => set_timer(u, canister_id)?,
    })
}

fn set_timer(u: &mut Unstructured, canister_id: CanisterId) -> Result<Call> {
    let timer = if u.arbitrary()? { Timer::Inactive } else { Timer::Active(u.int_in_range(0..=1_000)?) };
    Ok(Call::SetTimer { canister_id, timer })
}

/// Timer and globals around takes and loads: what load must keep or restore.
fn timers(u: &mut Unstructured, world: &World) -> Result<Call> {
    let canister_id = canister(u, world)?;
    Ok(match u.int_in_range(0..=5u8)? {
        0 | 1 => set_timer(u, canister_id)?,
        2 => Call::SetGlobal { canister_id, index: u.int_in_range(0..=1)?, value: global(u)? },
        3 => Call::ReadGlobals { canister_id },
        4 => take(u, world)?,
        _ => load(u, world)?,
    })
}

/// Canisters going away around snapshot calls (see [`Focus::Teardown`]).
fn teardown(u: &mut Unstructured, world: &World) -> Result<Call> {
    let canister_id = canister(u, world)?;
    Ok(match u.int_in_range(0..=5u8)? {
        0 => Call::StopCanister { canister_id },
        1 => Call::DeleteCanister { canister_id },
        2 => Call::UninstallCode { canister_id, sender_canister_version: None },
        3 => take(u, world)?,
        4 => load(u, world)?,
        _ => list(u, world)?,
    })
}

/// Settings and the reads they govern (see [`Focus::Access`]).
fn access(u: &mut Unstructured, world: &World) -> Result<Call> {
    let canister_id = canister(u, world)?;
    Ok(match u.int_in_range(0..=4u8)? {
        0 | 1 => Call::UpdateSettings { canister_id, settings: settings(u, world)?, sender_canister_version: None },
        2 => Call::CanisterStatus { canister_id },
        3 => list(u, world)?,
        _ => take(u, world)?,
    })
}

fn global(u: &mut Unstructured) -> Result<Global> {
    Ok(match u.int_in_range(0..=3u8)? {
        0 => Global::I32(u.arbitrary()?),
        1 => Global::I64(u.arbitrary()?),
        2 => Global::F64(u.arbitrary()?),
        _ => Global::V128(u.arbitrary()?),
    })
}

fn lifecycle(u: &mut Unstructured, world: &World) -> Result<Call> {
    let canister_id = canister(u, world)?;
    Ok(match u.int_in_range(0..=12u8)? {
        0 => Call::CreateCanister { controllers: None, cycles: 1 << 50 },
        1 => install(
            canister_id,
            *u.choose(&[InstallMode::Install, InstallMode::Reinstall, InstallMode::Upgrade])?,
            u.int_in_range(0..=2)?,
        ),
        2 => Call::UninstallCode { canister_id, sender_canister_version: None },
        3 => Call::StartCanister { canister_id },
        4 => Call::StopCanister { canister_id },
        5 => Call::UpdateSettings { canister_id, settings: settings(u, world)?, sender_canister_version: None },
        6 => Call::DeleteCanister { canister_id },
        7 => Call::UploadChunk { canister_id, chunk: bytes(u, 8)? },
        8 => Call::ClearChunkStore { canister_id },
        9 => Call::CanisterStatus { canister_id },
        10 => Call::CanisterInfo { canister_id },
        11 => Call::ReadWasmMemory { canister_id, offset: offset(u, world)?, len: u.int_in_range(0..=16)? },
        _ => Call::TopUp { canister_id, cycles: u.int_in_range(0..=1 << 40)? },
    })
}

fn settings(u: &mut Unstructured, world: &World) -> Result<Settings> {
    let controllers = if u.ratio(1, 3)? {
        let count = u.int_in_range(0..=2)?;
        Some((0..count).map(|_| u.choose(&world.principals).copied()).collect::<Result<Vec<_>>>()?)
    } else {
        None
    };
    // One choice picks which visibility setting changes (if any; 1–3 the snapshot visibility,
    // 4–6 the status visibility) and to what.
    let choice = u.int_in_range(0..=6u8)?;
    let visibility = match (choice > 0).then(|| (choice - 1) % 3) {
        None => None,
        Some(0) => Some(Visibility::Controllers),
        Some(1) => Some(Visibility::Public),
        Some(_) => {
            // Now and then one over the limit: campaigns then reach SETTINGS.VIEWERS.LIMIT, and,
            // in profiles without the setting, its absence (the list is dropped unchecked).
            let count = if u.ratio(1, 8)? { ALLOWED_VIEWERS_MAX + 1 } else { 1 };
            let viewers = (0..count).map(|_| u.choose(&world.principals).copied()).collect::<Result<_>>()?;
            Some(Visibility::AllowedViewers(viewers))
        }
    };
    Ok(if choice <= 3 {
        Settings { controllers, snapshot_visibility: visibility, status_visibility: None }
    } else {
        Settings { controllers, snapshot_visibility: None, status_visibility: visibility }
    })
}

/// Draws requests from raw bytes: the prelude, then calls until the bytes run out or
/// `len_max` calls have been drawn.
pub fn requests_from_bytes(data: &[u8], world: &World, len_max: usize) -> Vec<Request> {
    let mut all = world.prelude();
    all.extend(calls_from_bytes(data, world, len_max));
    all
}

/// The calls [`requests_from_bytes`] draws after the prelude, without it: for callers that
/// start from the prelude's state, computed once (the prelude does not depend on `data`).
pub fn calls_from_bytes(data: &[u8], world: &World, len_max: usize) -> Vec<Request> {
    let mut u = Unstructured::new(data);
    let world = &swarm(&mut u, world);
    let mut calls = Vec::new();
    while !u.is_empty() && calls.len() < len_max {
        match request(&mut u, world) {
            Ok(request) => calls.push(request),
            Err(_) => break,
        }
    }
    calls
}

/// Fuzzing's decoding of `data`: a random world ([`World::arbitrary`]) and the bytes left for
/// the calls ([`calls_from_bytes`]).
pub fn world_from_bytes(data: &[u8], api: Api) -> (World, &[u8]) {
    let mut u = Unstructured::new(data);
    // Choices never fail on exhausted input (they yield zero), so this cannot fall back.
    let world = World::arbitrary(&mut u, api).unwrap_or_else(|_| World::small(api));
    (world, u.take_rest())
}

/// Swarm testing: five sequences in sixteen concentrate on one kind of call.
fn swarm(u: &mut Unstructured, world: &World) -> World {
    let focus = match u.int_in_range(0..=15u8).unwrap_or(0) {
        0 => Some(Focus::Takes),
        1 => Some(Focus::Snapshots),
        2 => Some(Focus::Timers),
        3 => Some(Focus::Teardown),
        4 => Some(Focus::Access),
        _ => None,
    };
    World { focus: world.focus.or(focus), ..world.clone() }
}

/// A proptest strategy for request sequences (prelude included) of up to `len_max` calls.
#[cfg(feature = "proptest")]
pub fn requests_strategy(world: World, len_max: usize) -> impl proptest::strategy::Strategy<Value = Vec<Request>> {
    use proptest::prelude::*;
    proptest::collection::vec(any::<u8>(), 0..len_max * 12)
        .prop_map(move |data| requests_from_bytes(&data, &world, len_max))
}

/// quickcheck front-end: a request sequence over [`World::small`] with the management API.
#[cfg(feature = "quickcheck")]
#[derive(Clone, Debug)]
pub struct QcRequests(pub Vec<Request>);

#[cfg(feature = "quickcheck")]
impl quickcheck::Arbitrary for QcRequests {
    fn arbitrary(g: &mut quickcheck::Gen) -> Self {
        let len = g.size() * 12;
        let data: Vec<u8> = (0..len).map(|_| u8::arbitrary(g)).collect();
        QcRequests(requests_from_bytes(&data, &World::small(Api::Management), g.size()))
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let prelude = World::small(Api::Management).prelude().len();
        let calls = self.0[prelude.min(self.0.len())..].to_vec();
        let head = self.0[..prelude.min(self.0.len())].to_vec();
        // Halves first, then every single-call removal.
        let half = calls.len() / 2;
        let mut candidates = Vec::new();
        if half > 0 {
            candidates.push(calls[..half].to_vec());
            candidates.push(calls[half..].to_vec());
        }
        candidates.extend((0..calls.len()).map(|i| [&calls[..i], &calls[i + 1..]].concat()));
        Box::new(candidates.into_iter().map(move |tail| QcRequests([head.clone(), tail].concat())))
    }
}

/// arbitrary front-end: a request sequence over [`World::small`] (management API).
#[derive(Clone, Debug)]
pub struct ArbitraryRequests(pub Vec<Request>);

impl<'a> arbitrary::Arbitrary<'a> for ArbitraryRequests {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let world = World::small(Api::Management);
        let len = u.arbitrary_len::<[u8; 8]>()?.min(256);
        requests(u, &world, len).map(ArbitraryRequests)
    }
}
