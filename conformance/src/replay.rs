//! Replaying vector files against an implementation, from the files alone.

use std::path::{Path, PathBuf};

use snapspec_vectors::format::{self, LoadError, Suite, Vector};

use crate::compare::Mode;
use crate::run::{run_steps, Coverage, Divergence};
use crate::sut::SystemUnderTest;

/// The result of replaying one vector.
#[derive(Clone, Debug)]
pub struct VectorResult {
    /// Suite file.
    pub file: PathBuf,
    /// Vector id.
    pub id: String,
    /// The divergence, if any.
    pub divergence: Option<Divergence>,
}

/// What a replay did.
#[derive(Clone, Debug, Default)]
pub struct ReplayReport {
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
    vector.steps.iter().all(|s| s.request().map(|r| sut.manifest().supports(&r.call)).unwrap_or(false))
}

/// Replays every vector of every suite under `path`. Load errors are returned, not panicked.
pub fn replay_path(
    sut: &mut dyn SystemUnderTest,
    path: &Path,
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
        if !sut.manifest().profiles.contains(&suite.profile.name) {
            report.skipped += suite.vectors.len() as u64;
            continue;
        }
        for vector in &suite.vectors {
            if !supported(sut, vector) {
                report.skipped += 1;
                continue;
            }
            let (divergence, coverage) = replay_vector(sut, &suite, vector, mode);
            report.vectors += 1;
            report.coverage.merge(&coverage);
            tick();
            match divergence {
                None => report.passed += 1,
                Some(divergence) => report.failures.push(VectorResult {
                    file: file.clone(),
                    id: vector.id.clone(),
                    divergence: Some(divergence),
                }),
            }
        }
    }
    Ok(report)
}
