//! Thin glue: see `snapspec::oracles::candid_args`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(message) = snapspec::oracles::candid_args(data) {
        panic!("{message}");
    }
});
