//! The independent Python implementation (`examples/python/snapspec_example.py`) must conform.
//!
//! Runs `snapspec check` against it with the `ic` profile, once in strict and once in spec
//! mode, and checks that it shrugs off bad input. Skipped, with a note, when `python3` is not
//! installed.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate sits in the workspace").to_path_buf()
}

fn example() -> PathBuf {
    workspace()
        .join("examples/python/snapspec_example.py")
        .canonicalize()
        .expect("examples/python/snapspec_example.py exists")
}

fn python_available() -> bool {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("note: python3 is not installed; skipping the Python example's conformance test");
    }
    found
}

/// `snapspec check` against the example (with `options`) over `cases` random cases; returns its
/// output after asserting it conforms.
fn check(mode: &'static str, options: &'static str, cases: &'static str) -> String {
    let sut = format!("python3 '{}' {options}", example().display());
    let name = format!("python-example-regressions-{mode}{}", options.replace(' ', ""));
    let regressions = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let output = Command::new(env!("CARGO_BIN_EXE_snapspec"))
        .current_dir(workspace())
        .args(["check", "--sut", &sut, "--profile", "ic", "--mode", mode, "--cases", cases, "--quiet"])
        .arg("--regressions")
        .arg(&regressions)
        .output()
        .expect("snapspec runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("result: CONFORMS"),
        "the Python example ({options}) does not conform in {mode} mode (status {:?})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status
    );
    stdout
}

#[test]
fn the_python_example_conforms_in_strict_and_spec_mode() {
    if !python_available() {
        return;
    }
    // The two runs are independent processes: run them side by side.
    let strict = thread::spawn(|| check("strict", "", "150"));
    let spec = thread::spawn(|| check("spec", "", "150"));
    for (mode, run) in [("strict", strict), ("spec", spec)] {
        let stdout = run.join().unwrap_or_else(|_| panic!("the {mode} run failed (see above)"));
        assert!(stdout.contains("snapspec_example.py"), "the report names the implementation:\n{stdout}");
    }
}

/// With `--own-ids` the example hands out canister ids of its own and leaves out `model_ids`:
/// every request, reply and message then goes through the harness's id translation (absent
/// canisters, snapshot ids in messages, viewers, history controller order). With `--own-clock`
/// its clock runs ahead of the model's and it leaves out `deterministic_time`: timestamps are
/// then held to relations (monotone takes, listings and history as the takes reported). Strict
/// mode.
#[test]
fn the_python_example_conforms_with_ids_and_a_clock_of_its_own() {
    if !python_available() {
        return;
    }
    // The run only tests translation if the example really uses ids of its own.
    let answers = exchange(
        &["--own-ids", "--own-clock"],
        &[
            r#"{"type":"hello","id":1,"protocol":1}"#,
            r#"{"type":"call","id":2,"caller":"2vxsx-fae","call":{"method":"create_canister","controllers":null,"cycles":1000000000000}}"#,
            r#"{"type":"bye","id":3}"#,
        ],
    );
    let hello: serde_json::Value = serde_json::from_str(&answers[0]).expect("JSON");
    let capabilities = hello["capabilities"].as_array().expect("a hello answer lists capabilities");
    for dropped in ["model_ids", "deterministic_time"] {
        assert!(!capabilities.iter().any(|c| c == dropped), "no {dropped} with --own-ids --own-clock: {hello}");
    }
    let created: serde_json::Value = serde_json::from_str(&answers[1]).expect("JSON");
    let own_first = snapspec_model::CanisterId::from_index(1_000_000).to_string();
    assert_eq!(created["reply"]["value"], own_first.as_str(), "the first canister is index 1,000,000: {created}");
    // 300 cases: seed 1's first viewer that is a canister comes after case 150.
    check("strict", "--own-ids --own-clock", "300");
}

/// Runs the example with `args`, feeds it `lines`, and returns its answer lines (after a clean
/// exit).
fn exchange(args: &[&str], lines: &[&str]) -> Vec<String> {
    let mut child = Command::new("python3")
        .arg(example())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    child.stdin.take().expect("piped").write_all((lines.join("\n") + "\n").as_bytes()).expect("writes");
    let output = child.wait_with_output().expect("exits");
    assert!(
        output.status.success(),
        "exits cleanly after bye: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8").lines().map(str::to_string).collect()
}

#[test]
fn the_python_example_answers_bad_input_with_errors_and_keeps_going() {
    if !python_available() {
        return;
    }
    let input = [
        "not json at all",
        r#"[1, 2, 3]"#,
        r#"{"type":"call","id":7,"caller":"not-a-principal","call":{"method":"checkpoint"}}"#,
        r#"{"type":"call","id":8,"caller":"2vxsx-fae","call":{"method":"read_wasm_memory","canister_id":"rwlgt-iiaaa-aaaaa-aaaaa-cai","offset":-1,"len":2}}"#,
        r#"{"type":"call","id":9,"caller":"2vxsx-fae","call":{"method":"no_such_method"}}"#,
        r#"{"type":"reset","id":10,"config":{"name":"broken"}}"#,
        r#"{"type":"frobnicate","id":11}"#,
        r#"{"type":"call","id":12,"caller":"2vxsx-fae","call":{"method":"take_canister_snapshot","canister_id":"rwlgt-iiaaa-aaaaa-aaaaa-cai","replace_snapshot":"abc","uninstall_code":null,"sender_canister_version":null}}"#,
        r#"{"type":"call","id":13,"caller":"2vxsx-fae","call":{"method":"advance_time","nanos":true}}"#,
        r#"{"type":"call","id":14,"caller":"2vxsx-fae","call":{"method":"checkpoint"}}"#,
        r#"{"type":"bye","id":15}"#,
    ];
    let answers: Vec<snapspec::protocol::FromImpl> = exchange(&[], &input)
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a protocol answer ({e}): {line}")))
        .collect();
    use snapspec::protocol::FromImpl;
    let ids: Vec<u64> = answers.iter().map(FromImpl::id).collect();
    assert_eq!(ids, [0, 0, 7, 8, 9, 10, 11, 12, 13, 14, 15], "one answer per line, ids echoed: {answers:?}");
    for answer in &answers[..9] {
        assert!(matches!(answer, FromImpl::Error { .. }), "bad input gets `error`: {answer:?}");
    }
    assert!(matches!(answers[9], FromImpl::Reply { .. }), "a good call after bad ones still works: {:?}", answers[9]);
    assert!(matches!(answers[10], FromImpl::Ok { .. }), "bye is answered with ok: {:?}", answers[10]);
}

/// The line limit is on the line without its terminator (docs/protocol.md §2): a line of
/// exactly the limit is read, with `\n` or `\r\n`; a byte more is refused, and the next line
/// is read after it.
#[test]
fn the_python_example_reads_lines_up_to_the_limit() {
    if !python_available() {
        return;
    }
    use snapspec::protocol::{FromImpl, LINE_BYTES_MAX};
    let padded = |id: u64, content_bytes: usize, terminator: &str| {
        let call = format!(r#"{{"type":"call","id":{id},"caller":"2vxsx-fae","call":{{"method":"checkpoint"}}}}"#);
        format!("{call}{}{terminator}", " ".repeat(content_bytes - call.len()))
    };
    let input = [
        padded(1, LINE_BYTES_MAX, ""),
        padded(2, LINE_BYTES_MAX, "\r"),
        padded(3, LINE_BYTES_MAX + 1, ""),
        padded(4, LINE_BYTES_MAX + 1, "\r"),
        padded(5, 100, ""),
        r#"{"type":"bye","id":6}"#.to_string(),
    ];
    let answers: Vec<FromImpl> = exchange(&[], &input.iter().map(String::as_str).collect::<Vec<_>>())
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a protocol answer ({e}): {line}")))
        .collect();
    let kinds: Vec<(u64, bool)> = answers.iter().map(|a| (a.id(), matches!(a, FromImpl::Error { .. }))).collect();
    assert_eq!(kinds, [(1, false), (2, false), (0, true), (0, true), (5, false), (6, false)], "{answers:?}");
}
