//! Shared setups: the longest step prefixes vectors of a suite have in common, written once.
//!
//! For every vector, the deepest prefix of at least [`SETUP_STEPS_MIN`] steps that some other
//! vector of the suite starts with too (and that leaves the vector at least one step of its
//! own) becomes its setup; a prefix only one vector ends up using stays inline. Names are
//! content-derived (`setup-` and 8 hex digits of a hash over the steps), so they are stable
//! under reordering.

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use super::small_world::label;
use crate::format::{Setup, Vector};

/// Shortest prefix worth sharing.
pub const SETUP_STEPS_MIN: usize = 2;

/// Picks setups for `vectors` (setting their `setup`) and returns them by name.
pub fn factor(vectors: &mut [Vector]) -> BTreeMap<String, Setup> {
    let keys: Vec<Vec<[u8; 32]>> = vectors.iter().map(prefix_keys).collect();
    let mut passing: HashMap<[u8; 32], usize> = HashMap::new();
    for vector_keys in &keys {
        for key in vector_keys {
            *passing.entry(*key).or_default() += 1;
        }
    }
    let chosen: Vec<Option<usize>> = keys
        .iter()
        .map(|vector_keys| {
            (SETUP_STEPS_MIN..vector_keys.len()).rev().find(|&depth| passing[&vector_keys[depth - 1]] >= 2)
        })
        .collect();
    let mut uses: HashMap<[u8; 32], usize> = HashMap::new();
    for (vector_keys, depth) in keys.iter().zip(&chosen) {
        if let Some(depth) = depth {
            *uses.entry(vector_keys[depth - 1]).or_default() += 1;
        }
    }
    let mut setups = BTreeMap::new();
    for ((vector, vector_keys), depth) in vectors.iter_mut().zip(&keys).zip(chosen) {
        let Some(depth) = depth else { continue };
        let key = vector_keys[depth - 1];
        if uses[&key] < 2 {
            continue;
        }
        let name = format!("setup-{}", hex::encode(&key[..4]));
        let setup = setups.entry(name.clone()).or_insert_with(|| Setup {
            comment: describe(&vector.steps[..depth]),
            steps: vector.steps[..depth].to_vec(),
        });
        assert_eq!(setup.steps.as_slice(), &vector.steps[..depth], "setup name collision: {name}");
        vector.setup = Some(name);
    }
    setups
}

/// The hash of every prefix of the vector's steps: element `d - 1` is the first `d` steps'.
fn prefix_keys(vector: &Vector) -> Vec<[u8; 32]> {
    let mut hasher = Sha256::new();
    vector
        .steps
        .iter()
        .map(|step| {
            hasher.update(serde_json::to_vec(step).expect("steps serialize"));
            hasher.update([0]);
            hasher.clone().finalize().into()
        })
        .collect()
}

fn describe(steps: &[crate::format::Step]) -> String {
    let labels: Vec<String> = steps.iter().map(|s| s.request().map(|r| label(&r)).unwrap_or_else(|e| e)).collect();
    format!("{} steps: {}.", steps.len(), labels.join(", "))
}
