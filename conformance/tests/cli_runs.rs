//! The `snapspec` command line as a user meets it: bad input is refused before any work, a
//! run that checks nothing does not pass, failures to start say why, and reports (text and
//! `--json`) say what ran and how to reproduce each divergence.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use snapspec::campaign::{self, CampaignOptions};
use snapspec::compare::Mode;
use snapspec::stdio::StdioSut;
use snapspec::sut::SutFault;
use snapspec_model::generators::user;
use snapspec_model::{Call, Config, Request};
use snapspec_vectors::format::{self, Suite};

/// Ids that need quoting in a shell, as the small-world suite's do.
const ODD_IDS: usize = 12;

fn snapspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snapspec")).args(args).output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `--sut` for a fixture of tests/fixtures (shared with tests/faults.rs).
fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    format!("exec sh '{}'", path.display())
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("snapspec-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// A suite file of `profile` with `ODD_IDS` one-call vectors whose ids need shell quoting.
fn odd_suite(dir: &Path, profile: &str) -> PathBuf {
    let config = Config::preset(profile).expect("preset");
    let create =
        Request { caller: user(1), call: Call::CreateCanister { controllers: Some(vec![user(1)]), cycles: 1 << 50 } };
    let vectors = (0..ODD_IDS)
        .map(|i| {
            snapspec::regress::vector_for(
                &config,
                &format!("sw/take($c0)@alice 'q' #{i}"),
                "cli test",
                std::slice::from_ref(&create),
            )
        })
        .collect();
    let path = dir.join(format!("{profile}.json"));
    format::write_atomic(&path, &Suite::new(&config, "cli", vectors)).expect("suite written");
    path
}

fn assert_refused(args: &[&str], message: &str) {
    let output = snapspec(args);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stdout(&output));
    assert!(stdout(&output).is_empty(), "{args:?} refused before any work: {}", stdout(&output));
    assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
}

#[test]
fn counts_and_depths_out_of_range_are_refused_at_parse_time() {
    for (args, message) in [
        (&["check", "--timeout-ms", "0"][..], "at least 1"),
        (&["check", "--jobs", "0"], "1..=64"),
        (&["check", "--cases", "0"], "at least 1"),
        (&["check", "--steps", "0"], "at least 1"),
        (&["check", "--depth", "8"], "at most 7"),
        (&["explore", "--depth", "0"], "at least 1"),
        (&["explore", "--depth", "9"], "would not fit in memory"),
        (&["explore", "--local-ids", "100000000"], "1..=7"),
        (&["mutants", "--cases", "0"], "at least 1"),
    ] {
        assert_refused(args, message);
    }
}

#[test]
fn explore_refuses_implementation_options_without_sut_traces() {
    for flag in [&["--sut", "model"][..], &["--mode", "spec"], &["--timeout-ms", "5"]] {
        let args: Vec<&str> = ["explore", "--depth", "1"].iter().chain(flag).copied().collect();
        assert_refused(&args, "--sut-traces");
    }
}

/// A copy of the implementation that will not start for the random phase's second job costs
/// parallelism, not the run: it goes on with the copies that started, and says so.
#[test]
fn a_copy_that_fails_to_start_leaves_the_run_on_the_others() {
    let dir = scratch("first-copy-only");
    let sut = format!(
        "SNAPSPEC_EXE='{}' SNAPSPEC_FIXTURE_LOCK='{}' {}",
        env!("CARGO_BIN_EXE_snapspec"),
        dir.join("lock").display(),
        fixture("first_copy_only.sh")
    );
    let args =
        ["check", "--sut", &sut, "--jobs", "2", "--cases", "4", "--steps", "4", "--depth", "0", "--vectors", "none"];
    let output = snapspec(&args);
    let out = stdout(&output);
    assert!(output.status.success(), "{out}{}", stderr(&output));
    assert!(out.contains("copy 2 of the implementation did not start; running on 1"), "{out}");
    assert!(out.contains("a second copy cannot start"), "its stderr is quoted: {out}");
    assert!(out.contains("random:      4 cases"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_depth_0_skips_the_exploration() {
    let output =
        snapspec(&["check", "--sut", "model", "--cases", "1", "--steps", "2", "--depth", "0", "--vectors", "none"]);
    let out = stdout(&output);
    assert!(output.status.success(), "{out}{}", stderr(&output));
    assert!(out.contains("explore:     skipped (--depth 0)"), "{out}");
    assert!(out.contains("mode strict,"), "the mode as typed on the command line: {out}");
}

#[test]
fn an_unwritable_json_path_fails_before_the_run() {
    let dir = scratch("json");
    let missing = dir.join("no/such/dir/report.json");
    assert_refused(&["check", "--sut", &fixture("crash.sh"), "--json", text(&missing)], "--json");
    assert_refused(&["replay", text(&std::env::temp_dir()), "--json", text(&missing)], "--json");
    assert_refused(&["explore", "--depth", "1", "--json", text(&missing)], "--json");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_replay_that_runs_no_vector_fails() {
    let dir = scratch("nothing");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let suite = odd_suite(&dir, "ic");
    let other_profile = odd_suite(&dir.join("proposal"), "proposal-2024");
    let json = dir.join("report.json");
    let aborted = snapspec(&["replay", text(&empty), "--sut", "model", "--json", text(&json)]);
    assert_eq!(aborted.status.code(), Some(2));
    assert!(!json.exists(), "a run that stops before its report leaves no (empty) --json file");
    for (args, message) in [
        (vec!["replay", text(&empty), "--sut", "model"], "holds no vector suite files"),
        (vec!["replay", text(&suite), "--sut", "model", "--id", "no-such-id"], "--id no-such-id selects none"),
        (vec!["replay", text(&suite), "--sut", "model", "--profile", "ic-2024"], "--profile ic-2024 selects none"),
        (vec!["replay", text(&other_profile), "--sut", &fixture("crash.sh")], "12 vectors were skipped"),
    ] {
        let output = snapspec(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stdout(&output));
        assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
        assert!(!stdout(&output).contains("CONFORMS"), "{args:?}: {}", stdout(&output));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replay_selects_by_profile_and_id_and_times_the_run() {
    let dir = scratch("select");
    let suite = odd_suite(&dir, "ic");
    odd_suite(&dir, "proposal-2024");
    let output = snapspec(&["replay", text(&dir), "--sut", "model", "--profile", "ic"]);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).starts_with(&format!("{ODD_IDS} vectors run, {ODD_IDS} passed")), "{}", stdout(&output));
    let slow_start = format!("sleep 0.3; {}", fixture("crash.sh"));
    let output = snapspec(&["replay", text(&suite), "--id", "sw/take($c0)@alice 'q' #3", "--sut", &slow_start]);
    let out = stdout(&output);
    assert!(out.starts_with("1 vector run, 0 passed, 1 failed"), "{out}");
    let seconds: f64 = out
        .rsplit_once("result: 1 divergence (")
        .and_then(|(_, rest)| rest.strip_suffix("s)\n"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a timed result line: {out}"));
    assert!(seconds >= 0.2, "the run's own time, not that of printing it: {out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn divergences_print_a_replay_command_that_works_and_are_capped_in_text() {
    let dir = scratch("hint");
    let suite = odd_suite(&dir, "ic");
    let output = snapspec(&["replay", text(&suite), "--sut", &fixture("crash.sh"), "--mode", "spec"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
    assert_eq!(out.matches("DIVERGENCE").count(), 10, "{out}");
    assert!(out.contains("… 2 more divergences; pass --json FILE to get all"), "{out}");
    assert!(
        out.contains("actual:   implementation fault: it exited with status 3\nstderr (last lines):\nboom"),
        "{out}"
    );
    let commands: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("replay:   ")).collect();
    assert_eq!(commands.len(), 10, "{out}");
    assert!(commands[0].contains("--mode spec"), "{}", commands[0]);
    // The command as printed, through a shell, replays exactly that vector.
    let shell_line = commands[4].replacen("snapspec", env!("CARGO_BIN_EXE_snapspec"), 1);
    let again = Command::new("sh").arg("-c").arg(&shell_line).output().expect("sh runs");
    let again_out = stdout(&again);
    assert_eq!(again.status.code(), Some(1), "{shell_line}\n{again_out}{}", stderr(&again));
    assert!(again_out.starts_with("1 vector run, 0 passed, 1 failed"), "{again_out}");
    assert!(again_out.contains("sw/take($c0)@alice 'q' #4"), "{again_out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_json_report_is_one_object_with_counts_clauses_and_every_divergence() {
    let dir = scratch("json-report");
    let suite = odd_suite(&dir, "ic");
    let json = dir.join("report.json");
    let output = snapspec(&["replay", text(&suite), "--sut", &fixture("crash.sh"), "--json", text(&json)]);
    assert!(stdout(&output).contains("… 2 more divergences; the --json report has all"), "{}", stdout(&output));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["command"], "replay");
    assert_eq!(report["implementation"], "fixture");
    assert_eq!(report["mode"], "strict");
    assert_eq!(report["result"], "diverges");
    assert_eq!(report["counts"]["vectors"]["failed"], ODD_IDS);
    assert_eq!(report["divergences"].as_array().map(Vec::len), Some(ODD_IDS));
    let first = &report["divergences"][0];
    assert_eq!(first["vector_id"], "sw/take($c0)@alice 'q' #0");
    assert_eq!(first["divergence"]["fault"]["status"], 3);
    let failed = report["clauses"].as_object().map(|c| c.values().filter(|v| v["status"] == "fail").count());
    assert!(failed > Some(0), "the clauses of the diverging steps fail: {report}");

    let conforming = snapspec(&[
        "check",
        "--sut",
        "model",
        "--cases",
        "2",
        "--steps",
        "5",
        "--depth",
        "1",
        "--vectors",
        "none",
        "--json",
        text(&json),
    ]);
    assert!(conforming.status.success(), "{}", stdout(&conforming));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!((report["command"].as_str(), report["result"].as_str()), (Some("check"), Some("conforms")));
    assert_eq!((report["seed"].as_u64(), report["counts"]["random"]["cases"].as_u64()), (Some(1), Some(2)));
    assert!(report["counts"]["explore"]["traces"].as_u64() > Some(0), "{report}");
    assert_eq!(report["divergences"], serde_json::json!([]));
    assert_eq!(report["clauses"].as_object().map(|c| c.len()), Some(snapspec_model::Clause::ALL.len()));

    let explored = snapspec(&["explore", "--depth", "1", "--json", text(&json)]);
    assert!(stdout(&explored).contains("clauses reached (") && stdout(&explored).contains(", INGRESS.EXISTS, "));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!((report["command"].as_str(), report["implementation"].is_null()), (Some("explore"), true));
    assert_eq!(report["counts"]["explore"]["depth"], 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_implementation_that_fails_to_start_is_named_with_its_stderr() {
    let early = snapspec(&["check", "--sut", &fixture("cli_exit_early.sh")]);
    let message = stderr(&early);
    assert_eq!(early.status.code(), Some(2));
    assert!(message.contains("cli_exit_early.sh'` did not start: it exited with status 3"), "{message}");
    assert!(message.contains("stderr (last lines):\nfatal: cannot open database"), "{message}");
    assert!(!message.contains("Some("), "{message}");

    let missing = snapspec(&["check", "--sut", "/nonexistent/snapspec-impl"]);
    assert!(stderr(&missing).contains("status 127 (command not found?"), "{}", stderr(&missing));

    let version = snapspec(&["check", "--sut", &fixture("wrong_version.sh")]);
    let message = stderr(&version);
    assert!(
        message.contains("wrong_version.sh'` did not start") && message.contains("protocol version 99"),
        "{message}"
    );

    let silent = snapspec(&["check", "--sut", "sleep 5", "--timeout-ms", "200"]);
    let message = stderr(&silent);
    assert!(message.contains("no answer to `hello` within 200 ms") && message.contains("--timeout-ms"), "{message}");
}

#[test]
fn the_first_fault_carries_what_the_program_wrote_to_stderr_just_before() {
    let options = CampaignOptions {
        seed: 1,
        cases: 1,
        steps_max: 3,
        mode: Mode::Strict,
        config: Config::ic(),
        shrink_runs_max: 0,
    };
    for _ in 0..5 {
        let mut sut = StdioSut::spawn(&fixture("cli_stderr_then_garbage.sh"), Duration::from_secs(5)).expect("starts");
        let report = campaign::run(&mut sut, &options, |_| {});
        match report.finding.and_then(|f| f.divergence.fault) {
            Some(SutFault::Garbage { stderr_tail, .. }) => assert_eq!(stderr_tail, "about to print garbage"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn fuzz_corpus_counts_the_files_it_writes_and_needs_its_vectors() {
    let dir = scratch("corpus");
    odd_suite(&dir.join("suites"), "ic");
    let out = dir.join("corpus");
    let output = snapspec(&["fuzz-corpus", "--out", text(&out), "--vectors", text(&dir.join("suites"))]);
    assert!(output.status.success(), "{}", stderr(&output));
    for line in stdout(&output).lines() {
        let mut words = line.split_whitespace();
        let (target, files) = (words.next().unwrap(), words.next().unwrap());
        let written = std::fs::read_dir(out.join(target)).unwrap().count();
        assert_eq!(files.parse::<usize>().ok(), Some(written), "{line}");
    }
    assert!(stdout(&output).contains("duplicate seeds merged"), "{}", stdout(&output));
    assert_refused(&["fuzz-corpus", "--out", text(&out), "--vectors", text(&dir.join("missing"))], "--vectors");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fuzz_input_refuses_a_vector_dir_that_is_a_file() {
    let dir = scratch("fuzz-input");
    let input = dir.join("input");
    std::fs::write(&input, snapspec::campaign::case_bytes(7, 3, 64)).unwrap();
    assert_refused(&["fuzz-input", text(&input), "--vector-dir", text(&input)], "not a directory");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `check --profile all` runs every preset the implementation declares and reports each, with
/// one verdict; the JSON holds one report per profile.
#[test]
fn check_profile_all_runs_every_declared_preset() {
    let dir = scratch("profile-all");
    let (json, no_vectors, regressions) = (dir.join("all.json"), dir.join("no-vectors"), dir.join("regressions"));
    let quick = ["check", "--quiet", "--cases", "2", "--steps", "5", "--depth", "1", "--vectors"];
    let mut args: Vec<&str> = quick.to_vec();
    args.extend([text(&no_vectors), "--profile", "all", "--sut", "model", "--json", text(&json)]);
    let output = snapspec(&args);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    for preset in snapspec_model::config::PRESET_NAMES {
        assert!(out.contains(&format!("profile {preset}: CONFORMS")), "{preset}:\n{out}");
    }
    assert!(out.contains("result: CONFORMS under ic, ic-2026-08, ic-0.54"), "{out}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    assert_eq!(report["result"], "conforms");
    assert_eq!(report["profiles"], serde_json::json!(snapspec_model::config::PRESET_NAMES));
    let reported: Vec<&serde_json::Value> =
        report["reports"].as_array().expect("reports").iter().map(|r| &r["profile"]).collect();
    assert_eq!(reported, report["profiles"].as_array().expect("profiles").iter().collect::<Vec<_>>());

    // Only the declared presets run, and one divergence makes the whole run diverge.
    let garbage = fixture("garbage.sh");
    let mut args: Vec<&str> = quick.to_vec();
    args.extend([text(&no_vectors), "--profile", "all", "--timeout-ms", "500", "--sut", &garbage]);
    args.extend(["--regressions", text(&regressions), "--json", text(&json)]);
    let output = snapspec(&args);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    assert_eq!(report["result"], "diverges");
    assert_eq!(report["profiles"], serde_json::json!(["ic"]));

    // An implementation that declares no preset cannot be checked under all of them, and the
    // refusal leaves no --json file.
    let no_preset = fixture("no_preset.sh");
    assert_refused_after_start(
        &["check", "--profile", "all", "--sut", &no_preset, "--json", text(&json)],
        "declares none of the presets",
    );
    assert!(!json.exists(), "a refused run leaves no --json file");
}

/// Like [`assert_refused`], for refusals that need the implementation's manifest.
fn assert_refused_after_start(args: &[&str], message: &str) {
    let output = snapspec(args);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stdout(&output));
    assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
}
