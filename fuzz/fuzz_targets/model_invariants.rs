//! Thin glue: see `snapspec::oracles::model_invariants`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(message) = snapspec::oracles::model_invariants(data) {
        panic!("{message}");
    }
});
