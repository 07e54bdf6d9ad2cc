//! Invariants after every step of random call sequences, for every profile.
//! Failing cases are persisted by proptest under `tests/invariants.proptest-regressions`.

use proptest::prelude::*;
use snapspec_model::config::Api;
use snapspec_model::generators::{requests_from_bytes, requests_strategy, world_from_bytes, QcRequests, World};
use snapspec_model::invariants::InvariantChecker;
use snapspec_model::{step, Config, Request, State};

/// Runs `requests` under `config`, checking every invariant after every step.
fn run_checked(config: &Config, requests: &[Request]) -> Result<State, String> {
    let mut state = State::new(config);
    let mut checker = InvariantChecker::new();
    for (index, request) in requests.iter().enumerate() {
        let transition = step(config, &state, request);
        checker.observe(config, &state, &transition).map_err(|v| format!("step {index} {request:?}: {v}"))?;
        state = transition.state;
    }
    Ok(state)
}

fn world_for(config: &Config) -> World {
    World::small(config.api)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_every_profile(profile in proptest::sample::select(snapspec_model::config::PRESET_NAMES), seq in requests_strategy(World::small(Api::Management), 60)) {
        let config = Config::preset(profile).unwrap();
        // Re-target the sequence to the profile's API by regenerating over its world when needed.
        let requests = if config.api == Api::Management { seq } else { retarget(&seq, &config) };
        if let Err(message) = run_checked(&config, &requests) {
            prop_assert!(false, "{}: {}", profile, message);
        }
    }

    #[test]
    fn invariants_hold_in_random_worlds(profile in proptest::sample::select(snapspec_model::config::PRESET_NAMES), data in proptest::collection::vec(any::<u8>(), 0..600)) {
        // The fuzz targets' decoding: a world (`World::arbitrary`), then calls over it.
        let config = Config::preset(profile).unwrap();
        let (world, calls) = world_from_bytes(&data, config.api);
        let requests = requests_from_bytes(calls, &world, 40);
        if let Err(message) = run_checked(&config, &requests) {
            prop_assert!(false, "{} in {:?}: {}", profile, world, message);
        }
    }

    #[test]
    fn proposal_profile_invariants(seq in requests_strategy(world_for(&Config::proposal_2024()), 60)) {
        let config = Config::proposal_2024();
        if let Err(message) = run_checked(&config, &seq) {
            prop_assert!(false, "{}", message);
        }
    }

    #[test]
    fn a_step_is_a_function_of_its_inputs(seq in requests_strategy(World::small(Api::Management), 40)) {
        let config = Config::ic();
        let first = run_checked(&config, &seq).unwrap();
        let second = run_checked(&config, &seq).unwrap();
        prop_assert_eq!(first, second);
    }
}

/// Management-API calls mean nothing to the proposal profile; they are rejected as unknown
/// methods, which is itself an invariant-preserving step. Keep them: it exercises API.METHOD.
fn retarget(seq: &[Request], _config: &Config) -> Vec<Request> {
    seq.to_vec()
}

#[test]
fn quickcheck_front_end_holds_invariants() {
    fn property(requests: QcRequests) -> bool {
        run_checked(&Config::ic(), &requests.0).is_ok()
    }
    quickcheck::QuickCheck::new().tests(200).quickcheck(property as fn(QcRequests) -> bool);
}

#[test]
fn arbitrary_front_end_holds_invariants() {
    use arbitrary::{Arbitrary, Unstructured};
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..200 {
        let data: Vec<u8> = (0..512)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        let requests = snapspec_model::generators::ArbitraryRequests::arbitrary(&mut Unstructured::new(&data)).unwrap();
        run_checked(&Config::ic(), &requests.0).unwrap();
    }
}

#[test]
fn every_request_round_trips_through_json() {
    use arbitrary::Unstructured;
    let world = World::small(Api::Management);
    let proposal = World::small(Api::Proposal);
    let mut seed = 7u64;
    for round in 0..300 {
        let data: Vec<u8> = (0..256)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (seed >> 33) as u8
            })
            .collect();
        let world = if round % 2 == 0 { &world } else { &proposal };
        for request in snapspec_model::generators::requests(&mut Unstructured::new(&data), world, 20).unwrap() {
            let json = serde_json::to_string(&request).unwrap();
            let back: Request = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(back, request, "{json}");
        }
    }
}

/// A state with one canister holding one snapshot, and the last transition that made it.
fn one_snapshot() -> (Config, State, snapspec_model::Transition) {
    let config = Config::ic();
    let world = World::small(Api::Management);
    let mut state = State::new(&config);
    for request in &world.prelude() {
        state = step(&config, &state, request).state;
    }
    let transition = step(&config, &state, &Request { caller: world.owner(), call: take_on_c0() });
    assert_eq!(transition.state.snapshot_count(), 1);
    (config, state, transition)
}

/// The checker must flag broken states, from scratch and incrementally: the negative space.
#[test]
fn broken_states_are_reported() {
    let (config, before, good) = one_snapshot();
    let id = snapspec_model::CanisterId::from_index(0);
    type Breakage = fn(&mut snapspec_model::canister::Canister);
    let breakages: [(&str, Breakage); 4] = [
        ("INV.SNAPSHOTS_SIZE", |c| c.snapshots_size_bytes += 1),
        ("INV.ID.OWNER", |c| c.next_snapshot_id = 0),
        ("INV.HISTORY", |c| c.history.total_num_changes = 0),
        ("INV.LIMIT", |c| {
            let (sid, snapshot) = c.snapshots.iter().next().map(|(k, v)| (*k, v.clone())).unwrap();
            for local in 1..=10 {
                let mut copy = (*snapshot).clone();
                copy.id = snapspec_model::SnapshotId { local: sid.local + local, ..sid };
                c.snapshots.insert(copy.id, std::sync::Arc::new(copy));
            }
            c.next_snapshot_id += 10;
            c.snapshots_size_bytes *= 11;
        }),
    ];
    for (expected, breakage) in breakages {
        let mut broken = good.clone();
        broken.state.update_canister(&id, breakage);
        let full = snapspec_model::invariants::check_state(&config, &broken.state).unwrap_err();
        assert_eq!(full.id, expected, "{full}");
        let incremental = snapspec_model::invariants::check_transition(&config, &before, &broken.state).unwrap_err();
        assert_eq!(incremental.id, expected, "{incremental}");
        // A checker told that `before` is verified checks the step incrementally and still sees it.
        let violation = InvariantChecker::new().observe_from_verified(&config, &before, &broken).unwrap_err();
        assert_eq!(violation.id, expected);
    }
    snapspec_model::invariants::check_state(&config, &good.state).unwrap();
}

/// A rejected step that claims a changed state, and a reused id, are reported.
#[test]
fn unchanged_on_failure_and_fresh_ids_are_enforced() {
    let (config, before, good) = one_snapshot();
    let mut checker = InvariantChecker::new();
    checker.observe(&config, &before, &good).unwrap();
    // The same take again, answering the same id: not fresh.
    assert_eq!(checker.observe(&config, &before, &good).unwrap_err().id, "INV.ID.FRESH");
    let rejected = step(&config, &before, &Request { caller: snapspec_model::ids::ANONYMOUS, call: take_on_c0() });
    assert!(rejected.outcome.rejection().is_some());
    let lying = snapspec_model::Transition { state: good.state.clone(), ..rejected };
    assert_eq!(InvariantChecker::new().observe(&config, &before, &lying).unwrap_err().id, "INV.FAILURE_UNCHANGED");
}

/// `take_canister_snapshot` on the prelude's first canister.
fn take_on_c0() -> snapspec_model::Call {
    snapspec_model::Call::TakeCanisterSnapshot(snapspec_model::TakeArgs {
        canister_id: snapspec_model::CanisterId::from_index(0),
        replace_snapshot: None,
        uninstall_code: None,
        sender_canister_version: None,
    })
}
