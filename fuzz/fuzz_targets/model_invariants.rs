//! Thin glue: see `snapspec::oracles::model_invariants`.
#![no_main]

// The allocator the CLI uses: the model churns 4 KiB pages, which glibc's malloc handles slowly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(message) = snapspec::oracles::model_invariants(data) {
        panic!("{message}");
    }
});
