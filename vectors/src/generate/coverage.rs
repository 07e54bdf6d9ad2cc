//! The clause × suite coverage matrix of a set of suites.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use snapspec_model::clause::ClauseKind;
use snapspec_model::Clause;

use super::SUITES;
use crate::format::{Expected, Suite};

/// Clauses no vector can cover, with the reason. Empty: every clause is covered.
pub const UNCOVERABLE: &[(&str, &str)] = &[];

/// Per clause and suite: vectors that exercise the clause, and vectors that violate it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// (clause, suite) → vectors listing the clause.
    pub exercised: BTreeMap<(Clause, String), u64>,
    /// clause → vectors in which some step's reject lists it as violated.
    pub violated: BTreeMap<Clause, u64>,
    /// (profile, suite) → vectors.
    pub vectors: BTreeMap<(String, String), u64>,
    /// (profile, suite) → steps.
    pub steps: BTreeMap<(String, String), u64>,
    /// Pure checksum cases.
    pub checksum_cases: u64,
}

impl Coverage {
    /// The coverage of `suites`.
    pub fn of(suites: &[Suite]) -> Coverage {
        let mut coverage = Coverage::default();
        for suite in suites {
            let key = (suite.profile.name.clone(), suite.suite.clone());
            *coverage.vectors.entry(key.clone()).or_default() += suite.vectors.len() as u64;
            coverage.checksum_cases += suite.checksums.len() as u64;
            for vector in &suite.vectors {
                *coverage.steps.entry(key.clone()).or_default() += vector.steps.len() as u64;
                for clause in &vector.clauses {
                    *coverage.exercised.entry((*clause, suite.suite.clone())).or_default() += 1;
                }
                let violated: BTreeSet<Clause> = vector
                    .steps
                    .iter()
                    .filter_map(|s| match &s.expect.outcome {
                        Expected::Reject { violated, .. } => Some(violated.iter().copied()),
                        Expected::Reply(_) => None,
                    })
                    .flatten()
                    .collect();
                for clause in violated {
                    *coverage.violated.entry(clause).or_default() += 1;
                }
            }
        }
        coverage
    }

    /// Clauses no vector exercises.
    pub fn uncovered(&self) -> Vec<Clause> {
        let covered: BTreeSet<Clause> = self.exercised.keys().map(|(c, _)| *c).collect();
        Clause::ALL.iter().copied().filter(|c| !covered.contains(c)).collect()
    }

    /// Preconditions no vector violates.
    pub fn never_violated(&self) -> Vec<Clause> {
        Clause::ALL
            .iter()
            .copied()
            .filter(|c| c.kind() == ClauseKind::Precondition && !self.violated.contains_key(c))
            .collect()
    }

    /// The matrix as text: one row per clause, one column per suite (vectors exercising the
    /// clause, summed over profiles), then vectors violating it; then vectors and steps per
    /// profile and suite.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = write!(out, "{:<28} {:>4}", "clause", "kind");
        for suite in SUITES {
            let _ = write!(out, " {suite:>11}");
        }
        let _ = writeln!(out, " {:>9}", "violated");
        for clause in Clause::ALL {
            let kind = match clause.kind() {
                ClauseKind::Precondition => "P",
                ClauseKind::Effect => "E",
            };
            let _ = write!(out, "{:<28} {:>4}", clause.id(), kind);
            for suite in SUITES {
                let count = self.exercised.get(&(*clause, suite.to_string())).copied().unwrap_or(0);
                let _ = write!(out, " {:>11}", if count == 0 { "-".to_string() } else { count.to_string() });
            }
            let violated = match clause.kind() {
                ClauseKind::Precondition => self.violated.get(clause).copied().unwrap_or(0).to_string(),
                ClauseKind::Effect => String::new(),
            };
            let _ = writeln!(out, " {violated:>9}");
        }
        let uncovered: Vec<&str> = self.uncovered().iter().map(|c| c.id()).collect();
        let never: Vec<&str> = self.never_violated().iter().map(|c| c.id()).collect();
        let _ = writeln!(
            out,
            "\nclauses covered: {} of {}; uncovered: {}",
            Clause::ALL.len() - uncovered.len(),
            Clause::ALL.len(),
            if uncovered.is_empty() { "none".to_string() } else { uncovered.join(", ") }
        );
        let _ = writeln!(
            out,
            "preconditions never violated: {}",
            if never.is_empty() { "none".to_string() } else { never.join(", ") }
        );
        let profiles: BTreeSet<&String> = self.vectors.keys().map(|(p, _)| p).collect();
        let _ = write!(out, "\n{:<16}", "vectors (steps)");
        for suite in SUITES {
            let _ = write!(out, " {suite:>18}");
        }
        let _ = writeln!(out);
        let mut totals = (0u64, 0u64);
        for profile in profiles {
            let _ = write!(out, "{profile:<16}");
            for suite in SUITES {
                let key = (profile.clone(), suite.to_string());
                let (v, s) = (self.vectors.get(&key).copied().unwrap_or(0), self.steps.get(&key).copied().unwrap_or(0));
                totals = (totals.0 + v, totals.1 + s);
                let _ = write!(out, " {:>18}", format!("{v} ({s})"));
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(
            out,
            "total: {} vectors, {} steps, {} pure checksum cases",
            totals.0, totals.1, self.checksum_cases
        );
        out.lines().map(|line| format!("{}\n", line.trim_end())).collect()
    }
}
