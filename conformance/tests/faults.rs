//! Misbehaving implementations: each gives a clear finding with the trace so far and the
//! process's stderr tail — never a panic of the harness, never a lost report.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use snapspec::campaign::{self, CampaignOptions};
use snapspec::compare::Mode;
use snapspec::stdio::StdioSut;
use snapspec::sut::SutFault;
use snapspec_model::Config;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    format!("exec sh '{}'", path.display())
}

fn options() -> CampaignOptions {
    CampaignOptions { seed: 1, cases: 3, steps_max: 10, mode: Mode::Strict, config: Config::ic(), shrink_runs_max: 20 }
}

/// Runs a short campaign against the fixture and returns the fault it found.
fn fault_of(name: &str) -> SutFault {
    let mut sut = match StdioSut::spawn(&fixture(name), Duration::from_millis(500)) {
        Ok(sut) => sut,
        Err(fault) => return fault,
    };
    let report = campaign::run(&mut sut, &options(), |_| {});
    let finding = report.finding.unwrap_or_else(|| panic!("{name}: no finding"));
    assert!(!finding.requests.is_empty(), "{name}: the finding carries the trace");
    finding
        .divergence
        .fault
        .unwrap_or_else(|| panic!("{name}: expected a fault, got {:?}", finding.divergence.mismatch))
}

#[test]
fn a_crash_is_a_finding_with_stderr() {
    match fault_of("crash.sh") {
        SutFault::Exited { status, stderr_tail, .. } => {
            assert_eq!(status, Some(3));
            assert!(stderr_tail.contains("boom: simulated crash"), "{stderr_tail}");
        }
        other => panic!("{other:?}"),
    }
}

/// Killed by a signal: whether the shell reports it (status 128 + 9) or the signal itself
/// reaches the harness, the report names the signal.
#[test]
fn a_kill_is_reported_as_a_signal() {
    let fault = fault_of("killed.sh");
    assert!(
        matches!(fault, SutFault::Exited { status: Some(137), .. } | SutFault::Exited { signal: Some(9), .. }),
        "{fault:?}"
    );
    let summary = snapspec::report::fault_summary(&fault);
    assert!(summary.contains("signal 9"), "{summary}");
}

#[test]
fn a_hang_times_out() {
    assert!(matches!(fault_of("hang.sh"), SutFault::Timeout { waited_ms: 500, .. }));
}

#[test]
fn a_closed_stdout_is_an_exit() {
    assert!(matches!(fault_of("close.sh"), SutFault::Exited { .. }));
}

#[test]
fn garbage_is_reported_with_the_line() {
    match fault_of("garbage.sh") {
        SutFault::Garbage { line, .. } => assert_eq!(line, "this is not json"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_malformed_reply_is_garbage() {
    assert!(matches!(fault_of("bad_reply.sh"), SutFault::Garbage { .. }));
}

#[test]
fn a_wrong_protocol_version_is_refused() {
    assert_eq!(fault_of("wrong_version.sh"), SutFault::ProtocolVersion { got: 99 });
}

#[test]
fn an_answer_to_another_request_is_refused() {
    assert!(matches!(fault_of("wrong_id.sh"), SutFault::WrongId { got: 999, .. }));
}

#[test]
fn an_answer_of_the_wrong_kind_is_refused() {
    assert!(matches!(fault_of("wrong_kind.sh"), SutFault::Unexpected { .. }));
}

#[test]
fn a_missing_program_cannot_spawn_or_exits() {
    let fault = match StdioSut::spawn("/nonexistent/snapspec-impl", Duration::from_millis(500)) {
        Ok(_) => panic!("a missing program cannot pass the handshake"),
        Err(fault) => fault,
    };
    assert!(matches!(fault, SutFault::Exited { .. } | SutFault::Spawn { .. }), "{fault:?}");
}

#[test]
fn the_cli_exits_nonzero_and_prints_the_report() {
    let output = Command::new(env!("CARGO_BIN_EXE_snapspec"))
        .args([
            "check",
            "--quiet",
            "--cases",
            "2",
            "--steps",
            "5",
            "--depth",
            "1",
            "--timeout-ms",
            "500",
            "--regressions",
        ])
        .arg(std::env::temp_dir().join("snapspec-faults-regressions"))
        .args(["--sut", &fixture("garbage.sh")])
        .output()
        .expect("snapspec runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("DIVERGENCE"), "{stdout}");
    assert!(stdout.contains("invalid message \"this is not json\""), "{stdout}");
}
