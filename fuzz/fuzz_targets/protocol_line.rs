//! Thin glue: see `snapspec::oracles::protocol_line`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(message) = snapspec::oracles::protocol_line(data) {
        panic!("{message}");
    }
});
