//! What one model step costs, per action of the explore world: a diagnostic for the
//! explorer's throughput (README, Performance). Steps every action from the same sampled
//! states (random walks of 0-5 actions from the root, a fixed seed) and prints the mean time
//! per step, slowest first, with the share of steps that left the state in place.
//!
//! `cargo run --release -p snapspec --example step_costs`

use std::time::Instant;

use snapspec::campaign::case_bytes;
use snapspec::explore::ExploreWorld;
use snapspec_model::{step, Config, State};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// States stepped from.
const SAMPLE_STATES: usize = 3_000;
/// Actions on a random walk to a sample, at most.
const WALK_ACTIONS_MAX: usize = 5;
/// Seed of the sample walks.
const SEED: u64 = 12_345;
/// Passes over the samples per action.
const PASSES: usize = 5;

fn main() {
    snapspec::allocator::keep_freed_memory();
    let config = Config::ic();
    let world = ExploreWorld::new(&config, 2);
    let states = sample_states(&config, &world);
    let mut rows: Vec<(f64, f64, String)> = world
        .actions
        .iter()
        .map(|action| {
            let mut unchanged = 0usize;
            let started = Instant::now();
            for _ in 0..PASSES {
                for state in &states {
                    let transition = step(&config, state, action);
                    unchanged += usize::from(transition.state.is_same(state));
                    std::hint::black_box(transition);
                }
            }
            let steps = (PASSES * states.len()) as f64;
            let request = snapspec::report::render_request(action);
            (started.elapsed().as_nanos() as f64 / steps, unchanged as f64 / steps, request)
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{:>8}  {:>9}  action", "ns/step", "unchanged");
    for (nanos, unchanged, request) in &rows {
        println!("{nanos:>8.0}  {unchanged:>9.2}  {}", request.chars().take(100).collect::<String>());
    }
    let mean = rows.iter().map(|row| row.0).sum::<f64>() / rows.len() as f64;
    println!("mean {mean:.0} ns per step over {} actions", rows.len());
}

/// The root, and states a few random actions away from it (the campaigns' seeded bytes, so
/// runs compare).
fn sample_states(config: &Config, world: &ExploreWorld) -> Vec<State> {
    let root = world.root_state(config);
    (0..SAMPLE_STATES as u64)
        .map(|sample| {
            let bytes = case_bytes(SEED, sample, 1 + WALK_ACTIONS_MAX);
            let walk = usize::from(bytes[0]) % (WALK_ACTIONS_MAX + 1);
            bytes[1..=walk].iter().fold(root.clone(), |state, &byte| {
                let action = &world.actions[usize::from(byte) % world.actions.len()];
                step(config, &state, action).state
            })
        })
        .collect()
}
