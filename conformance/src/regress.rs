//! Writing a shrunk divergence out as a vector file, so it replays without the seed.

use std::path::{Path, PathBuf};

use snapspec_model::{step, Config, Request, State};
use snapspec_vectors::format::{self, Status, Step, Suite, Vector};

/// The vector for a trace: every step with the model's expectation.
pub fn vector_for(config: &Config, id: &str, comment: &str, requests: &[Request]) -> Vector {
    let mut state = State::new(config);
    let mut steps = Vec::new();
    let mut clauses = Vec::new();
    for request in requests {
        let transition = step(config, &state, request);
        for clause in &transition.exercised {
            if !clauses.contains(clause) {
                clauses.push(*clause);
            }
        }
        let candid = snapspec_vectors::encode::encode_call_args(&request.call);
        steps.push(Step::from_transition(request, &transition, candid));
        state = transition.state;
    }
    clauses.sort();
    Vector::new(id, comment, Status::Normative, clauses, steps)
}

/// Writes a one-vector suite under `dir`, atomically; returns the file.
pub fn write_regression(
    dir: &Path,
    config: &Config,
    signature: &str,
    requests: &[Request],
    comment: &str,
) -> std::io::Result<PathBuf> {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(&Sha256::digest(serde_json::to_vec(requests).expect("requests serialize"))[..6]);
    let slug: String = signature.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let name = format!("{}-{}-{}", config.name, slug, digest);
    let suite = Suite::new(config, "regressions", vec![vector_for(config, &name, comment, requests)]);
    let path = dir.join(format!("{name}.json"));
    format::write_atomic(&path, &suite)?;
    Ok(path)
}
