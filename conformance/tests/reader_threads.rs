//! The threads that read an implementation's stdout and stderr end with it, even when a
//! child it left in a session of its own still holds both pipes open. In a binary of its own:
//! it counts this process's threads.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use snapspec::stdio::StdioSut;
use snapspec::sut::{SutFault, SystemUnderTest};
use snapspec_model::generators::user;
use snapspec_model::{Call, Config, Request};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|tasks| tasks.count()).unwrap_or(0)
}

#[test]
fn readers_end_with_their_process_though_a_child_holds_the_pipes() {
    if threads() == 0 {
        eprintln!("note: no /proc/self/task here; skipping the thread count");
        return;
    }
    let before = threads();
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/daemon.sh");
    let mut sut =
        StdioSut::spawn(&format!("exec sh '{}'", fixture.display()), Duration::from_secs(10)).expect("the handshake");
    sut.reset(&Config::ic()).expect("the reset");
    let fault = sut.call(&Request { caller: user(1), call: Call::AdvanceTime { nanos: 1 } }).expect_err("it exits");
    let child =
        fault.stderr_tail().and_then(|tail| tail.lines().find_map(|l| l.strip_prefix("child ")?.parse::<u32>().ok()));
    assert!(matches!(fault, SutFault::Exited { .. }), "{fault:?}");
    drop(sut);
    // The readers poll for the stop every 100 ms.
    let started = Instant::now();
    while threads() > before && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let after = threads();
    if let Some(pid) = child {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    assert!(child.is_some(), "the fixture names its child: {fault:?}");
    assert!(
        after <= before,
        "{} reader threads outlived their process ({before} threads before, {after} after)",
        after - before
    );
}
