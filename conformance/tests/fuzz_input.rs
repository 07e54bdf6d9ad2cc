//! `snapspec fuzz-input`: a fuzz input shown as its profile, world and calls, and turned into a
//! vector file that `snapspec replay` runs against implementations.

use std::path::Path;
use std::process::{Command, Output};

fn snapspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snapspec")).args(args).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_fuzz_input_becomes_a_call_list_and_a_replayable_vector() {
    let dir = std::env::temp_dir().join(format!("snapspec-fuzz-input-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("input");
    let vectors = dir.join("vectors");
    let data = snapspec::campaign::case_bytes(7, 3, 300);
    std::fs::write(&input, &data).unwrap();
    let decoded = snapspec::oracles::decode_sequence(&data);
    assert!(decoded.requests.len() > decoded.world.prelude().len(), "the input denotes calls");

    let shown = snapspec(&["fuzz-input", path(&input), "--vector-dir", path(&vectors)]);
    let stdout = text(&shown.stdout);
    assert!(shown.status.success(), "{stdout}{}", text(&shown.stderr));
    assert!(stdout.starts_with(&format!("profile {}\n", decoded.config.name)), "{stdout}");
    let numbered = stdout.lines().filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit())).count();
    assert_eq!(numbered, decoded.requests.len(), "one line per call, prelude included:\n{stdout}");
    assert!(stdout.contains("model invariants: hold after every step"), "{stdout}");

    let files: Vec<_> = std::fs::read_dir(&vectors).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let replayed = snapspec(&["replay", path(&files[0]), "--sut", "model"]);
    let stdout = text(&replayed.stdout);
    assert!(replayed.status.success(), "{stdout}{}", text(&replayed.stderr));
    assert!(stdout.contains("1 vector run, 1 passed, 0 failed"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_input_is_a_clear_error() {
    let missing = std::env::temp_dir().join("snapspec-fuzz-input-does-not-exist");
    let shown = snapspec(&["fuzz-input", path(&missing)]);
    assert_eq!(shown.status.code(), Some(2));
    let stderr = text(&shown.stderr);
    assert!(stderr.contains("snapspec-fuzz-input-does-not-exist") && stderr.contains("error:"), "{stderr}");
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}
