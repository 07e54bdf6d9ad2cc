//! Replaying vector files against an implementation, from the files alone.

use std::path::{Path, PathBuf};

use snapspec_model::Request;
use snapspec_vectors::format::{self, LoadError, Suite, Vector};

use crate::compare::Mode;
use crate::run::{run_steps, Coverage, Divergence};
use crate::sut::SystemUnderTest;

/// A vector that diverged.
#[derive(Clone, Debug)]
pub struct VectorResult {
    /// Suite file.
    pub file: PathBuf,
    /// Vector id.
    pub id: String,
    /// The suite's profile name.
    pub profile: String,
    /// The vector's requests (model ids).
    pub trace: Vec<Request>,
    /// How it diverged.
    pub divergence: Divergence,
}

/// Which vectors to replay.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only suites of this profile.
    pub profile: Option<String>,
    /// Only vectors with this id.
    pub id: Option<String>,
}

impl Selection {
    fn takes_suite(&self, suite: &Suite) -> bool {
        self.profile.as_ref().is_none_or(|p| *p == suite.profile.name)
    }

    fn takes_vector(&self, vector: &Vector) -> bool {
        self.id.as_ref().is_none_or(|id| *id == vector.id)
    }
}

/// What a replay did.
#[derive(Clone, Debug, Default)]
pub struct ReplayReport {
    /// Suite files read.
    pub files: u64,
    /// Vectors the selection left out.
    pub unselected: u64,
    /// Vectors run.
    pub vectors: u64,
    /// Vectors that passed.
    pub passed: u64,
    /// Vectors skipped (profile not supported by the implementation).
    pub skipped: u64,
    /// Failures.
    pub failures: Vec<VectorResult>,
    /// Coverage.
    pub coverage: Coverage,
}

/// Suite files under `path` (a file or a directory, searched recursively), sorted.
pub fn suite_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?.path();
        if entry.is_dir() {
            files.extend(suite_files(&entry)?);
        } else if format::is_suite_file(&entry) {
            files.push(entry);
        }
    }
    files.sort();
    Ok(files)
}

/// Replays one vector of `suite`.
pub fn replay_vector(
    sut: &mut dyn SystemUnderTest,
    suite: &Suite,
    vector: &Vector,
    mode: Mode,
) -> (Option<Divergence>, Coverage) {
    let requests: Vec<_> = vector.steps.iter().map(|s| s.request().expect("validated at load")).collect();
    let mut expectations = vector.steps.iter().map(|s| s.expectation());
    let result = run_steps(sut, &suite.profile, mode, &requests, |_| expectations.next().expect("one per step"));
    (result.divergence, result.coverage)
}

/// Whether the implementation can run every step of `vector` (expectations are fixed, so a
/// vector with an unsupported step cannot be replayed in part).
pub fn supported(sut: &dyn SystemUnderTest, vector: &Vector) -> bool {
    vector.steps.iter().all(|s| s.request().map(|r| sut.manifest().supports(&r)).unwrap_or(false))
}

/// Replays every vector of every suite under `path`. Load errors are returned, not panicked.
pub fn replay_path(
    sut: &mut dyn SystemUnderTest,
    path: &Path,
    mode: Mode,
    tick: impl FnMut(),
) -> Result<ReplayReport, LoadError> {
    replay_selected(sut, path, &Selection::default(), mode, tick)
}

/// Replays the vectors `selection` takes from the suites under `path`; `tick` is called once
/// per suite file.
pub fn replay_selected(
    sut: &mut dyn SystemUnderTest,
    path: &Path,
    selection: &Selection,
    mode: Mode,
    mut tick: impl FnMut(),
) -> Result<ReplayReport, LoadError> {
    let files = suite_files(path).map_err(|e| LoadError {
        file: path.to_path_buf(),
        path: ".".into(),
        message: e.to_string(),
    })?;
    let mut report = ReplayReport::default();
    for file in files {
        let suite = format::load(&file)?;
        report.files += 1;
        let (selected, unselected): (Vec<&Vector>, Vec<&Vector>) =
            suite.vectors.iter().partition(|v| selection.takes_suite(&suite) && selection.takes_vector(v));
        report.unselected += unselected.len() as u64;
        if sut.manifest().profiles.contains(&suite.profile.name) {
            for vector in selected {
                replay_into(&mut report, sut, &file, &suite, vector, mode);
            }
        } else {
            report.skipped += selected.len() as u64;
        }
        tick();
    }
    Ok(report)
}

fn replay_into(
    report: &mut ReplayReport,
    sut: &mut dyn SystemUnderTest,
    file: &Path,
    suite: &Suite,
    vector: &Vector,
    mode: Mode,
) {
    if !supported(sut, vector) {
        report.skipped += 1;
        return;
    }
    let (divergence, coverage) = replay_vector(sut, suite, vector, mode);
    report.vectors += 1;
    report.coverage.merge(&coverage);
    match divergence {
        None => report.passed += 1,
        Some(mut divergence) => {
            // Answers can be megabytes each (a hostile or broken implementation's): past the
            // first failures, only how they differ is kept, not the whole answer.
            if report.failures.len() >= FAILURES_WITH_ANSWER_MAX {
                divergence.actual = None;
            }
            report.failures.push(VectorResult {
                file: file.to_path_buf(),
                id: vector.id.clone(),
                profile: suite.profile.name.clone(),
                trace: vector.steps.iter().filter_map(|s| s.request().ok()).collect(),
                divergence,
            })
        }
    }
}

/// Failures whose answer is kept whole (the text report shows 10).
const FAILURES_WITH_ANSWER_MAX: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sut::{Manifest, ModelSut, Observed, SutFault, SystemUnderTest};
    use snapspec_model::{Config, Request};

    /// The model, but every call is rejected with a long message.
    struct RejectsAll(ModelSut);

    impl SystemUnderTest for RejectsAll {
        fn manifest(&self) -> &Manifest {
            self.0.manifest()
        }
        fn reset(&mut self, config: &Config) -> Result<(), SutFault> {
            self.0.reset(config)
        }
        fn call(&mut self, _: &Request) -> Result<Observed, SutFault> {
            Ok(Observed::Reject { code: 502, reject_code: 5, message: "x".repeat(10_000).into() })
        }
    }

    /// Every failure is kept, but only the first ones with the whole answer.
    #[test]
    fn failures_past_the_first_keep_no_answer() {
        let suites = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/suites/ic");
        let selection = Selection { profile: Some("ic".into()), id: None };
        let report = replay_selected(&mut RejectsAll(ModelSut::new()), &suites, &selection, Mode::Strict, || {})
            .expect("the suites load");
        assert!(report.failures.len() > FAILURES_WITH_ANSWER_MAX, "{} failures", report.failures.len());
        let (kept, cut) = report.failures.split_at(FAILURES_WITH_ANSWER_MAX);
        assert!(kept.iter().all(|f| f.divergence.actual.is_some()));
        assert!(cut.iter().all(|f| f.divergence.actual.is_none() && f.divergence.mismatch.is_some()));
    }
}
