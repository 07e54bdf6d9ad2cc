//! The verdict report (`verdicts.json`): for every scenario, under every profile it can be
//! built in, the final step's verdict (`reply` or the error code), so behaviour changes
//! between profiles can be read off by machine.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use snapspec_model::Outcome;

use super::Scenario;

/// The format identifier of the report.
pub const FORMAT: &str = "snapspec-verdicts/1";

/// One step's verdict: `reply` or `ICxxxx`.
pub fn step_verdict(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Reply(_) => "reply".into(),
        Outcome::Reject(r) => r.error.code.to_string(),
    }
}

#[derive(Default)]
struct Entry {
    verdicts: BTreeMap<String, String>,
    traces: BTreeMap<String, Vec<String>>,
    in_suite: BTreeSet<String>,
}

/// Collects scenarios as they are generated.
#[derive(Default)]
pub struct Verdicts {
    entries: BTreeMap<String, Entry>,
}

impl Verdicts {
    /// Records `scenario` of `suite` under `profile`.
    pub fn record(&mut self, suite: &str, profile: &str, scenario: &Scenario) {
        let entry = self.entries.entry(format!("{suite}/{}", scenario.id)).or_default();
        let trace: Vec<String> = scenario.steps.iter().map(|r| step_verdict(&r.transition.outcome)).collect();
        entry.verdicts.insert(profile.into(), trace.last().cloned().unwrap_or_default());
        entry.traces.insert(profile.into(), trace);
        if scenario.in_suite {
            entry.in_suite.insert(profile.into());
        }
    }

    /// The report: scenarios some suite holds, with their verdicts per profile; `changes`
    /// marks those whose final verdict differs between profiles, `traces` (only where an
    /// earlier step differs between profiles with equally long traces) every step's verdict.
    pub fn to_json(&self, profiles: &[String]) -> String {
        let mut scenarios = serde_json::Map::new();
        let (mut count, mut final_changes, mut trace_changes) = (0u64, 0u64, 0u64);
        for (id, entry) in &self.entries {
            if entry.in_suite.is_empty() {
                continue;
            }
            count += 1;
            let finals: BTreeSet<&String> = entry.verdicts.values().collect();
            let changes = finals.len() > 1;
            final_changes += u64::from(changes);
            let lengths: BTreeSet<usize> = entry.traces.values().map(Vec::len).collect();
            let prefixes: BTreeSet<&[String]> =
                entry.traces.values().map(|t| &t[..t.len().saturating_sub(1)]).collect();
            let earlier_differs = lengths.len() == 1 && prefixes.len() > 1;
            trace_changes += u64::from(earlier_differs);
            let mut object = json!({
                "changes": changes,
                "in_suite": entry.in_suite.iter().collect::<Vec<_>>(),
                "verdicts": entry.verdicts,
            });
            if earlier_differs {
                let traces: BTreeMap<&String, String> = entry.traces.iter().map(|(p, t)| (p, t.join(" "))).collect();
                object["traces"] = json!(traces);
            }
            scenarios.insert(id.clone(), object);
        }
        let report = json!({
            "format": FORMAT,
            "comment": "For every scenario of the suites (key: suite/vector id), the final step's verdict under every profile the scenario can be built in: `reply` or the error code the model expects in strict mode. `in_suite` lists the profiles whose suite file holds the vector (elsewhere the scenario was built only for this report: e.g. a precondition that profile does not have). `changes` is true when the verdict differs between profiles; `traces` gives every step's verdict where an earlier step differs too. Regenerated with the suites by `snapspec vectors generate`.",
            "profiles": profiles,
            "summary": {"scenarios": count, "changes": final_changes, "earlier_step_changes": trace_changes},
            "scenarios": Value::Object(scenarios),
        });
        crate::format::to_canonical_json(report)
    }
}
