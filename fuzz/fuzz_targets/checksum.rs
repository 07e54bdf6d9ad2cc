//! Thin glue: see `snapspec::oracles::checksum`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(message) = snapspec::oracles::checksum(data) {
        panic!("{message}");
    }
});
