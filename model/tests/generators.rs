//! The fuzz targets' random worlds (`World::arbitrary`): the zero choice is the small world,
//! every alternative of every field is reachable, and every world's prelude succeeds.

use std::collections::BTreeSet;

use arbitrary::Unstructured;
use snapspec_model::config::Api;
use snapspec_model::generators::{world_from_bytes, World};
use snapspec_model::ids::ANONYMOUS;
use snapspec_model::{step, CanisterId, Config, State};

/// Every world the first five choices can give (the mask byte over all its values).
fn worlds(api: Api) -> Vec<World> {
    let mut out = Vec::new();
    for canisters in 0..5u8 {
        for mask in 0..=u8::MAX {
            for b in 0..16u8 {
                let data = [canisters, mask, b, b.wrapping_mul(7), b.wrapping_mul(13)];
                out.push(World::arbitrary(&mut Unstructured::new(&data), api).unwrap());
            }
        }
    }
    out
}

#[test]
fn zero_choices_give_the_small_world() {
    for api in [Api::Management, Api::Proposal] {
        assert_eq!(World::arbitrary(&mut Unstructured::new(&[]), api).unwrap(), World::small(api));
        assert_eq!(World::arbitrary(&mut Unstructured::new(&[0; 16]), api).unwrap(), World::small(api));
        let (world, rest) = world_from_bytes(&[0, 0, 0, 0, 0, 9, 8], api);
        assert_eq!((world, rest), (World::small(api), [9u8, 8].as_slice()), "five choices, one byte each");
    }
}

#[test]
fn every_alternative_is_reachable() {
    let all = worlds(Api::Management);
    let distinct = |f: fn(&World) -> u64| all.iter().map(f).collect::<BTreeSet<u64>>();
    assert_eq!(distinct(|w| w.canisters), BTreeSet::from([1, 2, 3, 4, 5]));
    assert_eq!(distinct(|w| w.local_ids), BTreeSet::from([1, 2, 4, 8, 12]));
    assert_eq!(distinct(|w| w.offset_bytes_max), BTreeSet::from([0, 4_095, 65_536, 3 * 65_536, 16 * 65_536]));
    assert_eq!(distinct(|w| w.write_bytes_max as u64), BTreeSet::from([1, 16, 64, 4_097]));
    assert_eq!(distinct(|w| w.principals.len() as u64), (1..=9).collect());
    assert!(all.iter().any(|w| w.principals == [World::small(Api::Management).owner()]), "the owner alone");
    assert!(all.iter().any(|w| w.co_controller().is_none() && w.principals.len() > 1), "anonymous second");
}

#[test]
fn worlds_are_well_formed() {
    for world in worlds(Api::Management) {
        let owner = World::small(Api::Management).owner();
        assert_eq!(world.principals[0], owner, "{world:?}");
        assert_eq!(world.principals.iter().collect::<BTreeSet<_>>().len(), world.principals.len(), "{world:?}");
        assert_ne!(world.co_controller(), Some(ANONYMOUS));
        // The small world's c0 and c1 stay callers with fewer canisters (like deleted ones);
        // the extra canisters come only with their ids.
        for index in 2..5 {
            let principal = CanisterId::from_index(index).principal();
            assert!(index < world.canisters || !world.principals.contains(&principal), "{world:?}");
        }
    }
}

#[test]
fn the_prelude_key_determines_the_prelude() {
    for api in [Api::Management, Api::Proposal] {
        let mut by_key = std::collections::BTreeMap::new();
        for world in worlds(api) {
            let prelude = format!("{:?}", world.prelude());
            let key = format!("{:?}", world.prelude_key());
            assert_eq!(by_key.entry(key).or_insert_with(|| prelude.clone()), &prelude, "{world:?}");
        }
        // Not vacuous: the worlds span many keys (a prelude of one or two canister ids ignores
        // the second controller, so some keys share a prelude).
        assert!(by_key.len() > 23, "{}", by_key.len());
    }
}

#[test]
fn every_prelude_succeeds() {
    for config in [Config::ic(), Config::proposal_2024()] {
        let mut preludes = BTreeSet::new();
        for world in worlds(config.api) {
            let prelude = world.prelude();
            assert_eq!(prelude.len() as u64, 2 * (world.canisters - 1));
            if !preludes.insert(format!("{prelude:?}")) {
                continue;
            }
            let mut state = State::new(&config);
            for request in &prelude {
                let transition = step(&config, &state, request);
                assert!(transition.outcome.reply().is_some(), "{request:?}: {:?}", transition.outcome);
                state = transition.state;
            }
            snapspec_model::invariants::check_state(&config, &state).unwrap();
        }
        // One or two canister ids: one prelude each (the second canister is never created).
        // With c ids: no second controller, bob, carol, c0, c1 and the extra canisters below c.
        assert_eq!(preludes.len(), 1 + 1 + 6 + 7 + 8, "{}", config.name);
    }
}
