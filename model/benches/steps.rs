//! Model throughput: steps per second on random sequences (target ≥ 2 M/s on one core), and
//! take + load on 1 MiB vs 1 GiB of written memory (target: ratio ≤ 2 — snapshots copy nothing).

// The model churns 4 KiB pages; glibc's malloc returns them to the kernel and faults them back
// in, which would dominate the figures. The CLI uses the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use snapspec_model::config::Api;
use snapspec_model::generators::{requests_from_bytes, World};
use snapspec_model::{step, Call, CanisterId, Config, LoadArgs, Outcome, Principal, Reply, Request, State, TakeArgs};

fn random_sequences() -> Vec<Vec<Request>> {
    let world = World::small(Api::Management);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    (0..500)
        .map(|_| {
            let bytes: Vec<u8> = (0..1_000)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            requests_from_bytes(&bytes, &world, 80)
        })
        .collect()
}

fn run(config: &Config, sequences: &[Vec<Request>]) -> State {
    let mut last = State::new(config);
    for sequence in sequences {
        let mut state = State::new(config);
        for request in sequence {
            state = step(config, &state, request).state;
        }
        last = state;
    }
    last
}

fn steps_per_second(c: &mut Criterion) {
    let config = Config::ic();
    let sequences = random_sequences();
    let steps: usize = sequences.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("model");
    group.throughput(Throughput::Elements(steps as u64));
    group.bench_function("random_steps", |b| b.iter(|| run(&config, &sequences)));
    group.finish();
}

/// A subnet with one installed canister whose heap has `bytes` written.
fn canister_with_heap(config: &Config, bytes: u64) -> (State, Principal, CanisterId) {
    let alice = Principal::from_slice(&[1; 29]);
    let mut state = State::new(config);
    let call = |state: &mut State, call: Call| {
        let transition = step(config, state, &Request { caller: alice, call });
        *state = transition.state;
        transition.outcome
    };
    let Outcome::Reply(Reply::CanisterId(id)) =
        call(&mut state, Call::CreateCanister { controllers: None, cycles: u64::MAX })
    else {
        panic!("create")
    };
    let (wasm_module, globals) = snapspec_model::generators::module(0);
    call(
        &mut state,
        Call::InstallCode {
            canister_id: id,
            mode: snapspec_model::InstallMode::Install,
            wasm_module,
            globals,
            sender_canister_version: None,
        },
    );
    let chunk: Vec<u8> = (0..65_536u32).map(|i| (i * 31 % 251) as u8).collect();
    for offset in (0..bytes).step_by(chunk.len()) {
        call(&mut state, Call::WriteWasmMemory { canister_id: id, offset, bytes: chunk.clone() });
    }
    (state, alice, id)
}

fn take_then_load(config: &Config, state: &State, alice: Principal, id: CanisterId) -> State {
    let take = Request {
        caller: alice,
        call: Call::TakeCanisterSnapshot(TakeArgs {
            canister_id: id,
            replace_snapshot: None,
            uninstall_code: None,
            sender_canister_version: None,
        }),
    };
    let taken = step(config, state, &take);
    let Outcome::Reply(Reply::Snapshot(info)) = taken.outcome else { panic!("take") };
    let load = Request {
        caller: alice,
        call: Call::LoadCanisterSnapshot(LoadArgs {
            canister_id: id,
            snapshot_id: info.id.into(),
            sender_canister_version: None,
        }),
    };
    step(config, &taken.state, &load).state
}

fn take_and_load(c: &mut Criterion) {
    let mut config = Config::ic();
    config.resources.freezing_threshold_cycles_per_byte = 0;
    let mut group = c.benchmark_group("take_load");
    for (name, bytes) in [("1MiB", 1u64 << 20), ("1GiB", 1u64 << 30)] {
        let mut setup = None;
        group.bench_function(name, |b| {
            let (state, alice, id) = setup.get_or_insert_with(|| canister_with_heap(&config, bytes)).clone();
            b.iter_batched(|| state.clone(), |s| take_then_load(&config, &s, alice, id), BatchSize::SmallInput)
        });
    }
    group.finish();
}

criterion_group!(benches, steps_per_second, take_and_load);
criterion_main!(benches);
