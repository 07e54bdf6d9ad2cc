//! Once the harness is stopping (interrupted), no implementation starts any more: a fault in
//! a running campaign would otherwise restart one after the interruption killed them all.
//! Alone in its test binary, because the stop is process-wide.

use std::time::Duration;

use snapspec::stdio::{kill_running_implementations, StdioSut};
use snapspec::sut::SutFault;

#[test]
fn no_implementation_starts_once_the_harness_is_stopping() {
    let serve = format!("exec '{}' serve", env!("CARGO_BIN_EXE_snapspec"));
    let running = StdioSut::spawn(&serve, Duration::from_secs(10));
    assert!(running.is_ok(), "starts before the stop: {:?}", running.err());
    kill_running_implementations();
    match StdioSut::spawn(&serve, Duration::from_secs(10)) {
        Err(SutFault::Spawn { message }) => assert!(message.contains("stopping"), "{message}"),
        Err(other) => panic!("refused for another reason: {other:?}"),
        Ok(_) => panic!("an implementation started after the stop"),
    }
}
