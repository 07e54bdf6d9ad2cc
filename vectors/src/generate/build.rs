//! From a scenario (steps as the model ran them) to a vector: handles, candid bytes, the
//! model's expectations and the post-step content checksums.

use std::collections::BTreeMap;

use snapspec_model::{Certainty, Clause, Outcome, State};

use super::Scenario;
use crate::format::{CanisterPost, ContentComponents, Expected, Hash, Status, Step, Vector};
use crate::symbolic::{canister_handle, snapshot_handle};

/// Content checksums and their components, as a suite lists them.
pub type Contents = BTreeMap<Hash, ContentComponents>;

/// The vector of a scenario; the contents its posts name are added to `contents`.
pub fn vector(scenario: &Scenario, contents: &mut Contents) -> Vector {
    let mut clauses: Vec<Clause> = Vec::new();
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for recorded in &scenario.steps {
        let candid = crate::encode::encode_call_args(&recorded.request.call);
        let mut step = Step::from_transition(&recorded.request, &recorded.transition, candid);
        if matches!(recorded.transition.outcome, Outcome::Reply(_)) {
            step.post = post(&recorded.before, &recorded.transition.state, contents);
        }
        clauses.extend(recorded.transition.exercised.iter().copied());
        steps.push(step);
    }
    clauses.sort();
    clauses.dedup();
    let (status, comment) = status_and_comment(scenario, &steps);
    Vector { id: scenario.id.clone(), comment, status, clauses, setup: None, steps }
}

/// Preconditions whose bound is the model's own choice: the references set none.
pub const MODEL_CHOICES: &[(Clause, &str)] = &[
    (Clause::ArgsLabel, "the 256-byte bound on labels is the model's (the proposal sets none)"),
    (
        Clause::InstallModule,
        "the bound of 1000 globals is the model's (the references give none; the replica's own module limits differ)",
    ),
];

/// A scenario whose steps expect an error the references do not confirm, or a violation of
/// a bound the model chose, is disputed whatever its author said; the comment says why.
fn status_and_comment(scenario: &Scenario, steps: &[Step]) -> (Status, String) {
    let mut unconfirmed: Vec<Clause> = Vec::new();
    let mut chosen: Vec<&str> = Vec::new();
    for step in steps {
        if let Expected::Reject { certainty, violated, .. } = &step.expect.outcome {
            if *certainty == Certainty::Unconfirmed {
                unconfirmed.extend(violated.first().copied());
            }
            for (clause, reason) in MODEL_CHOICES {
                if violated.contains(clause) && !chosen.contains(reason) {
                    chosen.push(reason);
                }
            }
        }
    }
    unconfirmed.dedup();
    let mut comment = scenario.comment.clone();
    if !unconfirmed.is_empty() {
        let ids: Vec<&str> = unconfirmed.iter().map(|c| c.id()).collect();
        comment.push_str(&format!(
            " Disputed: the references do not confirm the error code of {} (certainty `unconfirmed`); spec mode accepts any code.",
            ids.join(", ")
        ));
    }
    for reason in &chosen {
        comment.push_str(&format!(" Disputed: {reason}."));
    }
    let disputed = !unconfirmed.is_empty() || !chosen.is_empty();
    (if disputed { Status::Disputed } else { scenario.status }, comment)
}

/// Checksums of every canister whose existence, content or snapshots changed between
/// `before` and `after`; `None` if none did. Components go to `contents`.
pub fn post(before: &State, after: &State, contents: &mut Contents) -> Option<BTreeMap<String, Option<CanisterPost>>> {
    let mut out = BTreeMap::new();
    let ids: std::collections::BTreeSet<_> = before.canisters.keys().chain(after.canisters.keys()).copied().collect();
    let mut record = |components: snapspec_model::checksum::Components| {
        let hash = Hash(components.root());
        contents.entry(hash).or_insert_with(|| components.into());
        hash
    };
    for id in ids {
        let Some(handle) = canister_handle(&id) else { continue };
        match (before.canisters.get(&id), after.canisters.get(&id)) {
            (Some(_), None) => {
                out.insert(handle, None);
            }
            (old, Some(new)) => {
                let content = new.content_components();
                let changed = match old {
                    None => true,
                    Some(old) if std::sync::Arc::ptr_eq(old, new) => false,
                    Some(old) => old.content_components() != content || !old.snapshots.keys().eq(new.snapshots.keys()),
                };
                if !changed {
                    continue;
                }
                let snapshots = new
                    .snapshots
                    .iter()
                    .filter_map(|(sid, snapshot)| Some((snapshot_handle(sid)?, record(snapshot.components()))))
                    .collect();
                out.insert(handle, Some(CanisterPost { content: record(content), snapshots }));
            }
            (None, None) => {}
        }
    }
    (!out.is_empty()).then_some(out)
}
