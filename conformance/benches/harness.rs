//! Harness throughput: random campaign against the in-process model and against `serve` over
//! stdio, the exhaustive explorer on the model, and the `model_invariants` fuzz oracle alone.
//! Figures go into README.md and fuzz/README.md.

// The allocator the `snapspec` CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use snapspec::campaign::{self, CampaignOptions};
use snapspec::compare::Mode;
use snapspec::explore::{self, ExploreWorld};
use snapspec::sut::{ModelSut, SystemUnderTest};
use snapspec_model::Config;

fn options(cases: u64) -> CampaignOptions {
    CampaignOptions { seed: 7, cases, steps_max: 40, mode: Mode::Strict, config: Config::ic(), shrink_runs_max: 0 }
}

fn random_in_process(c: &mut Criterion) {
    snapspec::allocator::keep_freed_memory();
    let calls = campaign::run(&mut ModelSut::new(), &options(200), |_| {}).steps_run;
    let mut group = c.benchmark_group("campaign");
    group.sample_size(10);
    group.throughput(Throughput::Elements(calls));
    group.bench_function("random_in_process_200_cases", |b| {
        b.iter(|| campaign::run(&mut ModelSut::new(), &options(200), |_| {}))
    });
    // What `snapspec check --sut model` does: one implementation per core.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut suts: Vec<Box<dyn SystemUnderTest + Send>> =
        (0..cores).map(|_| Box::new(ModelSut::new()) as Box<dyn SystemUnderTest + Send>).collect();
    let calls_2000 = campaign::run(&mut ModelSut::new(), &options(2_000), |_| {}).steps_run;
    group.throughput(Throughput::Elements(calls_2000));
    group.bench_function("random_in_process_2000_cases_all_cores", |b| {
        b.iter(|| campaign::run_parallel(&mut suts, &options(2_000), |_| {}))
    });
    group.finish();
}

/// This build's `snapspec serve`, over the stdio protocol.
fn spawn_serve() -> snapspec::stdio::StdioSut {
    let exe = env!("CARGO_BIN_EXE_snapspec");
    snapspec::stdio::StdioSut::spawn(&format!("'{exe}' serve"), std::time::Duration::from_secs(10))
        .expect("serve starts")
}

fn random_over_stdio(c: &mut Criterion) {
    snapspec::allocator::keep_freed_memory();
    let mut sut = spawn_serve();
    let calls = campaign::run(&mut sut, &options(20), |_| {}).steps_run;
    let mut group = c.benchmark_group("campaign");
    group.sample_size(10);
    group.throughput(Throughput::Elements(calls));
    group.bench_function("random_over_stdio_20_cases", |b| b.iter(|| campaign::run(&mut sut, &options(20), |_| {})));
    // What `snapspec check` does by default: one `serve` process per core.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut suts: Vec<Box<dyn SystemUnderTest + Send>> =
        (0..cores).map(|_| Box::new(spawn_serve()) as Box<dyn SystemUnderTest + Send>).collect();
    group.bench_function("random_over_stdio_20_cases_all_cores", |b| {
        b.iter(|| campaign::run_parallel(&mut suts, &options(20), |_| {}))
    });
    group.finish();
}

fn exhaustive(c: &mut Criterion) {
    snapspec::allocator::keep_freed_memory();
    let config = Config::ic();
    let world = ExploreWorld::new(&config, 2);
    let explored = explore::explore_model(&config, &world, 4).states_explored;
    let mut group = c.benchmark_group("explore");
    group.sample_size(10);
    group.throughput(Throughput::Elements(explored));
    group.bench_function("model_depth_4", |b| b.iter(|| explore::explore_model(&config, &world, 4)));
    group.finish();
}

/// The `model_invariants` fuzz oracle without libFuzzer: the ceiling of that target's exec/s
/// (fuzz/README.md compares it with instrumented runs). Inputs of 512 bytes hold up to 64
/// calls, as in CI's runs; 64 bytes hold about ten.
fn fuzz_oracle(c: &mut Criterion) {
    snapspec::allocator::keep_freed_memory();
    let mut group = c.benchmark_group("fuzz_oracle");
    for input_bytes in [512, 64] {
        let inputs: Vec<Vec<u8>> = (0..64).map(|i| campaign::case_bytes(0x5eed, i, input_bytes)).collect();
        group.throughput(Throughput::Elements(inputs.len() as u64));
        group.bench_function(format!("model_invariants_{input_bytes}_bytes"), |b| {
            b.iter(|| inputs.iter().all(|input| snapspec::oracles::model_invariants(input).is_ok()))
        });
    }
    group.finish();
}

criterion_group!(benches, random_in_process, random_over_stdio, exhaustive, fuzz_oracle);
criterion_main!(benches);
