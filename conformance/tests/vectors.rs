//! The committed vector suites (`vectors/suites`): byte for byte a fresh generation (the CI
//! check), covering every clause, and replaying against the model in strict and spec mode.

use std::path::{Path, PathBuf};

use snapspec::compare::Mode;
use snapspec::replay;
use snapspec::sut::ModelSut;
use snapspec::vectors_cli;
use snapspec_model::Clause;
use snapspec_vectors::generate::coverage::UNCOVERABLE;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf()
}

fn suites() -> PathBuf {
    root().join(vectors_cli::SUITES_DIR)
}

#[test]
fn committed_files_equal_a_fresh_generation() {
    let generated = vectors_cli::generate();
    let differences =
        vectors_cli::differences(&generated, &suites(), &root().join(snapspec_vectors::schema::SCHEMA_PATH));
    assert!(
        differences.is_empty(),
        "the committed vectors differ from a fresh generation; run `cargo run -- vectors generate` and commit:\n{}",
        differences.join("\n")
    );
}

#[test]
fn every_clause_is_covered_by_some_vector() {
    let coverage = vectors_cli::coverage(&suites()).unwrap_or_else(|e| panic!("{e}"));
    let uncovered: Vec<&str> = coverage.uncovered().iter().map(|c| c.id()).collect();
    let excepted: Vec<&str> = UNCOVERABLE.iter().map(|(id, _)| *id).collect();
    assert_eq!(uncovered, excepted, "clauses no vector covers vs. the declared exceptions");
    let never: Vec<&str> = coverage.never_violated().iter().map(|c| c.id()).collect();
    assert!(never.is_empty(), "preconditions no vector violates: {never:?}");
    assert_eq!(
        Clause::ALL.len(),
        coverage.exercised.keys().map(|(c, _)| *c).collect::<std::collections::BTreeSet<_>>().len()
    );
}

fn replay_all(mode: Mode) {
    let report = replay::replay_path(&mut ModelSut::new(), &suites(), mode, || {}).unwrap_or_else(|e| panic!("{e}"));
    let failures: Vec<String> =
        report.failures.iter().map(|f| format!("{} ({}): {:?}", f.file.display(), f.id, f.divergence)).collect();
    assert!(
        failures.is_empty(),
        "{mode:?}: {} of {} vectors fail:\n{}",
        failures.len(),
        report.vectors,
        failures.join("\n")
    );
    assert_eq!(report.skipped, 0, "the model supports every profile and call");
    assert!(report.vectors > 1_000, "{} vectors replayed", report.vectors);
}

#[test]
fn every_committed_suite_replays_against_the_model_in_strict_mode() {
    replay_all(Mode::Strict);
}

#[test]
fn every_committed_suite_replays_against_the_model_in_spec_mode() {
    replay_all(Mode::Spec);
}

#[test]
fn coverage_report() {
    let coverage = vectors_cli::coverage(&suites()).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(coverage.render());
}
