//! Thin glue: see `snapspec::oracles::differential`. `SNAPSPEC_FUZZ_SUT` picks the
//! implementation (`model`, `mutant:NAME`, or a stdio command line).
#![no_main]

// The allocator the CLI uses: the model churns 4 KiB pages, which glibc's malloc handles slowly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::{Mutex, OnceLock};

use snapspec::sut::SystemUnderTest;

static SUT: OnceLock<Mutex<Box<dyn SystemUnderTest + Send>>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let sut = SUT.get_or_init(|| Mutex::new(snapspec::oracles::differential_sut()));
    let mut sut = sut.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Err(message) = snapspec::oracles::differential(sut.as_mut(), data) {
        panic!("{message}");
    }
});
