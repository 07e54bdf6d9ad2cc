//! Misbehaving implementations: each gives a clear finding with the trace so far and the
//! process's stderr tail — never a panic of the harness, never a lost report.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use snapspec::campaign::{self, CampaignOptions};
use snapspec::compare::Mode;
use snapspec::stdio::StdioSut;
use snapspec::sut::{Found, Observed, SutFault, SystemUnderTest};
use snapspec_model::generators::user;
use snapspec_model::{Call, CanisterId, Config, Request};

/// Runs `snapspec ARGS --sut FIXTURE`, which must find a divergence (exit 1); returns stdout.
fn diverging_check(args: &[&OsStr], fixture_name: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_snapspec"))
        .args(args)
        .args(["--sut", &fixture(fixture_name)])
        .output()
        .expect("snapspec runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    stdout
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    format!("exec sh '{}'", path.display())
}

fn options() -> CampaignOptions {
    CampaignOptions { seed: 1, cases: 3, steps_max: 10, mode: Mode::Strict, config: Config::ic(), shrink_runs_max: 20 }
}

/// Runs a short campaign against the fixture and returns the fault it found.
fn fault_of(name: &str) -> SutFault {
    fault_within(name, Duration::from_millis(500))
}

/// [`fault_of`] with a per-call timeout of `timeout`.
fn fault_within(name: &str, timeout: Duration) -> SutFault {
    let mut sut = match StdioSut::spawn(&fixture(name), timeout) {
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

/// A reset that fails is reported as such: before step 0, with no step marked as the one sent.
#[test]
fn a_failed_reset_is_reported_before_any_step() {
    let mut sut =
        StdioSut::spawn(&fixture("reset_crash.sh"), Duration::from_millis(500)).expect("the handshake passes");
    let report = campaign::run(&mut sut, &options(), |_| {});
    let finding = report.finding.expect("a finding");
    let divergence = &finding.divergence;
    assert!(divergence.at_reset, "{divergence:?}");
    assert_eq!(divergence.step, 0);
    match &divergence.fault {
        Some(SutFault::Exited { status: Some(4), stderr_tail, .. }) => {
            assert!(stderr_tail.contains("reset: simulated crash"), "{stderr_tail}")
        }
        other => panic!("{other:?}"),
    }
    let report = snapspec::report::DivergenceReport {
        campaign: "random".into(),
        profile: "ic".into(),
        trace: finding.requests.clone(),
        divergence: divergence.clone(),
        clauses: Vec::new(),
        vector_file: None,
        vector_id: None,
        replay: None,
    };
    let text = report.to_text();
    assert!(text.contains("at the reset, before step 0"), "{text}");
    assert!(text.contains("expected: the reset acknowledged"), "{text}");
    assert!(!text.contains(">>"), "no step is marked as sent:\n{text}");
    let json = serde_json::to_value(&report).expect("serialises");
    assert_eq!(json["divergence"]["at_reset"], true);
}

/// Through the CLI: the report says "at the reset", and the JSON lists no clause for it (the
/// step it stands for was never sent).
#[test]
fn the_cli_reports_a_failed_reset_without_clauses() {
    let dir = std::env::temp_dir().join(format!("snapspec-reset-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let json = dir.join("report.json");
    let (no_vectors, regressions) = (dir.join("no-vectors"), dir.join("regressions"));
    let quick = ["check", "--quiet", "--cases", "1", "--steps", "3", "--depth", "0", "--vectors"];
    let mut args: Vec<&OsStr> = quick.iter().map(OsStr::new).collect();
    args.extend([no_vectors.as_os_str(), "--regressions".as_ref(), regressions.as_os_str()]);
    args.extend(["--json".as_ref(), json.as_os_str()]);
    let stdout = diverging_check(&args, "reset_crash.sh");
    assert!(stdout.contains("at the reset, before step 0"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the report")).expect("JSON");
    let divergence = &report["divergences"][0];
    assert_eq!(divergence["divergence"]["at_reset"], true, "{divergence}");
    assert_eq!(divergence["clauses"], serde_json::json!([]), "{divergence}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_hang_times_out() {
    assert!(matches!(fault_of("hang.sh"), SutFault::Timeout { waited_ms: 500, .. }));
}

/// A request longer than a pipe holds, sent to a program that has stopped reading: the write
/// gives up at the per-call timeout instead of blocking the harness for good.
#[test]
fn a_long_request_to_a_program_that_stopped_reading_times_out() {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sut = StdioSut::spawn(&fixture("deaf.sh"), Duration::from_millis(500)).expect("the handshake");
        sut.reset(&Config::ic()).expect("the reset");
        let chunk = vec![7; 1 << 20];
        let upload =
            Request { caller: user(1), call: Call::UploadChunk { canister_id: CanisterId::from_index(0), chunk } };
        let _ = sender.send(sut.call(&upload));
    });
    let outcome = receiver.recv_timeout(Duration::from_secs(20)).expect("the call returns within 20 s");
    assert!(matches!(outcome, Err(SutFault::Timeout { waited_ms: 500, .. })), "{outcome:?}");
}

/// Stderr is read to the end whatever it holds (more than a pipe holds, a line of 1 MB, bytes
/// that are not UTF-8), and each line is cut to a quote's length: the program's last words
/// reach the report.
#[test]
fn a_flood_of_stderr_is_drained_and_cut() {
    let SutFault::Exited { status, signal, stderr_tail, .. } = fault_within("noisy_stderr.sh", Duration::from_secs(10))
    else {
        panic!("an exit")
    };
    assert_eq!((status, signal), (Some(3), None), "{stderr_tail}");
    let lines: Vec<&str> = stderr_tail.lines().collect();
    assert_eq!(lines.last(), Some(&"last words"), "{stderr_tail}");
    assert!(lines.contains(&"not UTF-8: \u{fffd}\u{fffd}"), "{stderr_tail}");
    assert!(lines.contains(&"x".repeat(200).as_str()), "the 1 MB line, cut: {stderr_tail}");
    assert!(lines.iter().all(|line| line.chars().count() <= 200), "{stderr_tail}");
}

/// An implementation started and reset, with a per-call timeout of 2 s.
fn started_and_reset(name: &str) -> StdioSut {
    let mut sut = StdioSut::spawn(&fixture(name), Duration::from_secs(2)).expect("the handshake");
    sut.reset(&Config::ic()).expect("the reset");
    sut
}

fn status_call() -> Request {
    Request { caller: user(1), call: Call::CanisterStatus { canister_id: CanisterId::from_index(0) } }
}

/// A line no request asked for is a fault, not the next request's answer; one that is not
/// even a protocol line too, quoted as far as it can be read.
#[test]
fn an_unsolicited_line_is_refused() {
    let cases = [
        ("unsolicited.sh", r#"{"type":"ok","id":999}"#, ""),
        ("unsolicited_unreadable.sh", "\u{fffd}\u{fffd} oops", "line is not UTF-8"),
    ];
    for (fixture, quoted, why) in cases {
        let mut sut = started_and_reset(fixture);
        // The line came in the same write as the answer to the reset; give the reader thread,
        // which queues it, a moment on a loaded machine.
        std::thread::sleep(Duration::from_millis(300));
        match sut.call(&status_call()) {
            Err(SutFault::Unsolicited { line, unreadable, found: Found::BeforeRequest }) => {
                assert_eq!((line.as_str(), unreadable.as_str()), (quoted, why), "{fixture}")
            }
            other => panic!("{fixture}: {other:?}"),
        }
    }
}

/// The harness reads at most a few lines ahead: a program that floods its stdout unasked
/// blocks on its own pipe instead of filling the harness's memory (32 MiB here; the fixture
/// marks the end of its writes with a file, which must not appear).
#[test]
fn unasked_output_is_read_ahead_only_a_few_lines() {
    let marker = std::env::temp_dir().join(format!("snapspec-flood-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let command = format!("export MARKER='{}'; {}", marker.display(), fixture("flood.sh"));
    let mut sut = StdioSut::spawn(&command, Duration::from_secs(2)).expect("the handshake");
    sut.reset(&Config::ic()).expect("the reset");
    // Long enough for 32 MiB through a pipe many times over, were nothing holding it back.
    std::thread::sleep(Duration::from_millis(1_000));
    assert!(!marker.exists(), "the fixture wrote all 32 MiB: the harness read them all");
    assert!(matches!(sut.call(&status_call()), Err(SutFault::Unsolicited { .. })));
    drop(sut);
    let _ = std::fs::remove_file(&marker);
}

/// A program that exited after its previous answer is charged to no call, though its stdin
/// still takes the next request (a child holds it) and the exit is noticed only while that
/// request waits for its answer: the request was never read. The next call follows at once,
/// as in a campaign, and again after a pause, when the exit is seen before the write.
#[test]
fn an_exit_after_an_answer_is_charged_to_no_call() {
    for pause_ms in [0, 300] {
        let mut sut = started_and_reset("exit_after_answer.sh");
        let advance = Request { caller: user(1), call: Call::AdvanceTime { nanos: 1 } };
        assert!(matches!(sut.call(&advance), Ok(Observed::Reply { .. })), "the first call is answered");
        std::thread::sleep(Duration::from_millis(pause_ms));
        let fault = sut.call(&advance).expect_err("it has exited");
        assert!(matches!(fault, SutFault::Exited { status: Some(0), before_request: true, .. }), "{fault:?}");
        assert!(fault.between_calls());
    }
}

/// An extra line before a request's answer is unsolicited, not a wrong id, when that answer
/// follows it; it is charged to the request, whose doing it may be.
#[test]
fn a_stray_line_read_in_place_of_an_answer_is_unsolicited() {
    let mut sut = started_and_reset("stray_before_answer.sh");
    let advance = Request { caller: user(1), call: Call::AdvanceTime { nanos: 1 } };
    assert!(matches!(sut.call(&advance), Ok(Observed::Reply { .. })), "the first call is answered");
    match sut.call(&advance) {
        Err(fault @ SutFault::Unsolicited { found: Found::BeforeAnswer, .. }) => {
            assert!(!fault.between_calls(), "charged to the request");
            assert!(matches!(&fault, SutFault::Unsolicited { line, .. } if line == r#"{"type":"ok","id":999}"#));
        }
        other => panic!("{other:?}"),
    }
}

/// A line sent after a trace's last answer is that trace's fault, found when it ends.
#[test]
fn a_line_after_the_last_answer_ends_the_trace() {
    let mut sut = started_and_reset("after_last_answer.sh");
    let advance = Request { caller: user(1), call: Call::AdvanceTime { nanos: 1 } };
    assert!(matches!(sut.call(&advance), Ok(Observed::Reply { .. })), "the call itself is answered");
    std::thread::sleep(Duration::from_millis(300));
    match sut.finish_trace() {
        Err(SutFault::Unsolicited { line, found: Found::AtEnd, .. }) => assert_eq!(line, r#"{"type":"ok","id":999}"#),
        other => panic!("{other:?}"),
    }
}

/// A program that closes its stdin but lives on is told apart from one that exited.
#[test]
fn a_closed_stdin_is_not_an_exit() {
    // The fixture closed its stdin before it answered the reset.
    let mut sut = started_and_reset("closes_stdin.sh");
    let outcome = sut.call(&status_call());
    assert!(matches!(outcome, Err(SutFault::InputClosed { .. })), "{outcome:?}");
}

/// A program that exits while a child of its (in a session of its own) holds its stdout open
/// has exited: the harness does not wait for the pipe, and so for the timeout.
#[test]
fn an_exit_is_seen_while_a_child_holds_stdout() {
    // The child outlives the timeout: a harness that waits for the pipe reports a timeout.
    let fault = fault_within("daemon.sh", Duration::from_secs(10));
    let child =
        fault.stderr_tail().and_then(|tail| tail.lines().find_map(|l| l.strip_prefix("child ")?.parse::<u32>().ok()));
    if let Some(pid) = child {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    assert!(matches!(fault, SutFault::Exited { status: Some(0), .. }), "{fault:?}");
    assert!(child.is_some(), "the fixture names its child: {fault:?}");
}

/// Whether process `pid` has ended (a zombie that no one reaps counts: it runs no more).
fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the parenthesised command name.
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
    }
}

/// Waits up to 5 s for `pid` to end.
fn ends_soon(pid: u32) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if ended(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A broken implementation is killed with its whole process group: a child it started does
/// not live on (holding its pipes open).
#[test]
fn a_hung_implementation_is_killed_with_its_children() {
    let SutFault::Timeout { stderr_tail, .. } = fault_of("hang_with_child.sh") else { panic!("a timeout") };
    let pid: u32 = stderr_tail
        .lines()
        .find_map(|line| line.strip_prefix("child ")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("the fixture names its child: {stderr_tail}"));
    assert!(ends_soon(pid), "the fixture's child {pid} outlived the fixture");
}

/// An interrupted `snapspec` stops the implementation it started, with the implementation's
/// children (their process group is not the terminal's), and leaves no unwritten --json file.
#[test]
fn an_interrupted_run_stops_its_implementation() {
    let dir = std::env::temp_dir().join(format!("snapspec-interrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let (pids, json) = (dir.join("pids"), dir.join("report.json"));
    let run = Command::new(env!("CARGO_BIN_EXE_snapspec"))
        .args(["check", "--quiet", "--jobs", "1", "--timeout-ms", "60000", "--json"])
        .arg(&json)
        .args(["--sut", &fixture("hang_with_child.sh")])
        .env("SNAPSPEC_FIXTURE_PIDS", &pids)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("snapspec starts");
    let started = std::time::Instant::now();
    let child = loop {
        let written = std::fs::read_to_string(&pids).unwrap_or_default();
        if let Some(pid) = written.lines().next().and_then(|line| line.trim().parse::<u32>().ok()) {
            break pid;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the implementation never started its child");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(json.exists(), "--json is created before the run");
    // SAFETY: signalling a child process of this test that has not been waited for.
    unsafe { libc::kill(run.id() as i32, libc::SIGINT) };
    let output = run.wait_with_output().expect("snapspec ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(ends_soon(child), "the implementation's child {child} outlived the interrupted run");
    assert!(!json.exists(), "an interrupted run leaves no unwritten --json file");
    // An interrupted run starts no further implementation (a fault would otherwise restart one).
    std::thread::sleep(Duration::from_millis(300));
    let started = std::fs::read_to_string(&pids).unwrap_or_default();
    assert_eq!(started.lines().count(), 1, "implementations started: {started}");
    let _ = std::fs::remove_dir_all(&dir);
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

/// Output that ends in the middle of a line is not an answer, and the report quotes it.
#[test]
fn a_cut_off_line_is_reported_with_its_start() {
    match fault_of("cut_off.sh") {
        SutFault::Garbage { line, error, .. } => {
            assert_eq!(line, r#"{"type":"reply","id":"#);
            assert!(error.contains("middle of a line"), "{error}");
        }
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
    let regressions = std::env::temp_dir().join("snapspec-faults-regressions");
    let quick = ["check", "--quiet", "--cases", "2", "--steps", "5", "--depth", "1", "--timeout-ms", "500"];
    let mut args: Vec<&OsStr> = quick.iter().map(OsStr::new).collect();
    args.extend(["--regressions".as_ref(), regressions.as_os_str()]);
    let stdout = diverging_check(&args, "garbage.sh");
    assert!(stdout.contains("DIVERGENCE"), "{stdout}");
    assert!(stdout.contains("invalid message \"this is not json\""), "{stdout}");
}
