//! Cost of the memory checksum at 1 GiB: from scratch (tree, parallel and on one
//! thread) against a single-stream SHA-256 of the same bytes, after a one-page write
//! into an already hashed memory, and cloning (taking a snapshot of) the memory.
//!
//! Sample sizes are minimal so the whole run stays under two minutes.

use std::time::Duration;

// The allocator the CLI and the step benchmark use: it keeps 4 KiB pages 4 KiB-aligned, so a
// leaf spans one OS page, not two.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use sha2::{Digest, Sha256};
use snapspec_model::memory::{Memory, OS_PAGE_SIZE_BYTES, WASM_PAGE_SIZE_BYTES};

const GIB: u64 = 1 << 30;

/// Deterministic incompressible content, so no page is all zero and every leaf exists.
fn xorshift_bytes(len: u64) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut bytes = Vec::with_capacity(len as usize);
    while (bytes.len() as u64) < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(len as usize);
    bytes
}

/// A memory holding `flat` with no hash cached yet.
fn memory_from(flat: &[u8]) -> Memory {
    let mut memory = Memory::with_size(flat.len() as u64 / WASM_PAGE_SIZE_BYTES).unwrap();
    memory.write(0, flat).unwrap();
    memory
}

fn from_scratch(c: &mut Criterion, flat: &[u8]) {
    let mut group = c.benchmark_group("checksum_1GiB");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(GIB));
    group.bench_function("sha256_single_stream", |b| b.iter(|| Sha256::digest(black_box(flat))));
    // iter_batched_ref keeps building and dropping the 1 GiB tree out of the timing.
    group.bench_function("tree_parallel", |b| {
        b.iter_batched_ref(|| memory_from(flat), |memory| memory.digest(), BatchSize::PerIteration)
    });
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    group.bench_function("tree_one_thread", |b| {
        b.iter_batched_ref(
            || memory_from(flat),
            |memory| one_thread.install(|| memory.digest()),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn incremental(c: &mut Criterion, flat: &[u8]) {
    let base = memory_from(flat);
    base.digest();
    let page = vec![0x5a; OS_PAGE_SIZE_BYTES];
    let pages = base.size_bytes() / OS_PAGE_SIZE_BYTES as u64;
    let mut group = c.benchmark_group("memory_1GiB");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    // A snapshot shares `base`; the live memory then dirties one page and is rehashed.
    let mut next = 0u64;
    group.bench_function("clone_write_1_page_rechecksum", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |memory| {
                next = (next + 7919) % pages;
                memory.write(next * OS_PAGE_SIZE_BYTES as u64, &page).unwrap();
                memory.digest()
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("clone", |b| b.iter(|| black_box(&base).clone()));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let flat = xorshift_bytes(GIB);
    from_scratch(c, &flat);
    incremental(c, &flat);
}

criterion_group!(checksum, benches);
criterion_main!(checksum);
