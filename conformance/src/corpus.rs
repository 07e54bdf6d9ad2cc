//! Seed corpora for the fuzz targets, generated from the committed vectors and the model's
//! generator (`snapspec fuzz-corpus`). Deterministic: the same inputs give the same files.

use std::collections::BTreeSet;
use std::path::Path;

use sha2::{Digest, Sha256};
use snapspec_vectors::format::{self, Suite};

use crate::campaign::case_bytes;
use crate::protocol::{ToImpl, PROTOCOL_VERSION};

/// Files per target at most.
pub const ENTRIES_PER_TARGET_MAX: usize = 256;
/// Largest seed, bytes: large seeds make libFuzzer's executions slow for every later input.
pub const SEED_BYTES_MAX: usize = 64 << 10;

/// What [`write`] did for one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetCorpus {
    /// The fuzz target.
    pub name: &'static str,
    /// Seeds generated (at most [`ENTRIES_PER_TARGET_MAX`] distinct ones are kept).
    pub seeds: usize,
    /// Files written.
    pub files: usize,
    /// Seeds equal to an earlier one: files are named by their content, so they share its file.
    pub duplicates: usize,
}

/// Writes the corpora under `out/<target>/` from the suites under `vectors` (which must
/// exist and hold at least one suite).
pub fn write(out: &Path, vectors: &Path) -> Result<Vec<TargetCorpus>, String> {
    let suites = load_suites(vectors)?;
    let targets: [(&'static str, Vec<Vec<u8>>); 6] = [
        ("model_invariants", sequences()),
        ("differential", sequences()),
        ("checksum", (0..32).map(|i| case_bytes(0xc0ffee, i, 256)).collect()),
        ("vector_parse", single_vector_suites(&suites)),
        ("protocol_line", protocol_lines(&suites)),
        ("candid_args", candid_args(&suites)),
    ];
    let mut counts = Vec::new();
    for (name, entries) in targets {
        let dir = out.join(name);
        let seeds = entries.len();
        let (files, duplicates) = write_target(&dir, entries).map_err(|e| format!("{}: {e}", dir.display()))?;
        counts.push(TargetCorpus { name, seeds, files, duplicates });
    }
    Ok(counts)
}

fn load_suites(vectors: &Path) -> Result<Vec<Suite>, String> {
    let files = crate::replay::suite_files(vectors).map_err(|e| {
        format!(
            "--vectors {}: {e}: pass the vector suites directory (vectors/suites in the repository)",
            vectors.display()
        )
    })?;
    if files.is_empty() {
        return Err(format!("--vectors {}: no vector suite files (*.json) there", vectors.display()));
    }
    files.iter().map(|file| format::load(file).map_err(|e| e.to_string())).collect()
}

/// Writes the distinct `entries` (the first [`ENTRIES_PER_TARGET_MAX`]) into `dir`, each
/// named by a digest of its content; returns how many files it wrote and how many entries
/// repeated an earlier one.
fn write_target(dir: &Path, entries: Vec<Vec<u8>>) -> std::io::Result<(usize, usize)> {
    std::fs::create_dir_all(dir)?;
    let mut names = BTreeSet::new();
    let mut duplicates = 0;
    for entry in entries {
        let name = hex::encode(&Sha256::digest(&entry)[..10]);
        if names.contains(&name) {
            duplicates += 1;
        } else if names.len() < ENTRIES_PER_TARGET_MAX {
            std::fs::write(dir.join(&name), entry)?;
            names.insert(name);
        }
    }
    Ok((names.len(), duplicates))
}

fn sequences() -> Vec<Vec<u8>> {
    (0..64).map(|case| case_bytes(1, case, 1_024)).collect()
}

fn single_vector_suites(suites: &[Suite]) -> Vec<Vec<u8>> {
    suites
        .iter()
        .flat_map(|suite| {
            suite.vectors.iter().take(20).map(move |vector| {
                let single = Suite { vectors: vec![vector.clone()], ..suite.clone() };
                format::to_json(&single).into_bytes()
            })
        })
        .filter(|seed| seed.len() <= SEED_BYTES_MAX)
        .collect()
}

fn protocol_lines(suites: &[Suite]) -> Vec<Vec<u8>> {
    let mut lines = vec![
        serde_json::to_vec(&ToImpl::Hello { id: 1, protocol: PROTOCOL_VERSION }).expect("serializes"),
        serde_json::to_vec(&ToImpl::Bye { id: 9 }).expect("serializes"),
    ];
    for suite in suites.iter().take(8) {
        lines.push(serde_json::to_vec(&ToImpl::Reset { id: 2, config: suite.profile.clone() }).expect("serializes"));
        for step in suite.vectors.iter().flat_map(|v| v.steps.iter()).take(30) {
            if let Ok(request) = step.request() {
                lines.push(serde_json::to_vec(&ToImpl::call(3, &request)).expect("serializes"));
            }
        }
    }
    lines
}

fn candid_args(suites: &[Suite]) -> Vec<Vec<u8>> {
    let mut entries = Vec::new();
    for step in suites.iter().flat_map(|s| s.vectors.iter()).flat_map(|v| v.steps.iter()) {
        let (Some(args), Ok(request)) = (&step.candid_args, step.request()) else { continue };
        let Some(method) = snapspec_vectors::encode::ic_method_name(&request.call) else { continue };
        let Some(index) = crate::oracles::METHODS.iter().position(|m| *m == method) else { continue };
        let mut entry = vec![index as u8];
        entry.extend(hex::decode(args).unwrap_or_default());
        entries.push(entry);
    }
    entries.sort();
    entries.dedup();
    entries
}
