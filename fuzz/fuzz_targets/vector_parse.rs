//! Thin glue: see `snapspec::oracles::vector_parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(message) = snapspec::oracles::vector_parse(data) {
        panic!("{message}");
    }
});
