//! Reports: the summary table, divergence reports (text and JSON).

use std::collections::BTreeSet;
use std::fmt::Write;

use serde::Serialize;
use snapspec_model::{Clause, Request};

use crate::compare::summary;
use crate::run::{Coverage, Divergence};

/// A divergence with its minimal trace, as written to reports.
#[derive(Clone, Debug, Serialize)]
pub struct DivergenceReport {
    /// Which campaign found it.
    pub campaign: String,
    /// Profile name.
    pub profile: String,
    /// The minimal trace (model ids).
    pub trace: Vec<Request>,
    /// The first differing step.
    pub divergence: Divergence,
    /// Clauses the differing step involves.
    pub clauses: Vec<Clause>,
    /// Where the trace was written as a vector, if it was.
    pub vector_file: Option<String>,
}

impl DivergenceReport {
    /// Human-readable rendering.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let d = &self.divergence;
        let _ = writeln!(
            out,
            "DIVERGENCE ({}, profile {}) at step {} of {}:",
            self.campaign,
            self.profile,
            d.step,
            self.trace.len()
        );
        for (index, request) in self.trace.iter().enumerate() {
            let marker = if index == d.step { ">>" } else { "  " };
            let _ = writeln!(out, "{marker} {index:>3}  {}", render_request(request));
        }
        let _ = writeln!(out, "expected: {}", render_expected(&d.expected.outcome));
        match (&d.actual, &d.fault) {
            (Some(actual), _) => {
                let _ = writeln!(out, "actual:   {}", serde_json::to_string(actual).unwrap_or_default());
            }
            (None, Some(fault)) => {
                let _ = writeln!(out, "actual:   implementation fault: {fault}");
                if let Some(tail) = fault.stderr_tail().filter(|t| !t.is_empty()) {
                    let _ = writeln!(out, "stderr (last lines):\n{tail}");
                }
            }
            _ => {}
        }
        if let Some(m) = &d.mismatch {
            let _ = writeln!(out, "differs:  {}: expected {} but got {}", m.field, m.expected, m.actual);
        }
        let ids: Vec<&str> = self.clauses.iter().map(|c| c.id()).collect();
        let _ = writeln!(out, "clauses:  {}", ids.join(", "));
        if let Some(file) = &self.vector_file {
            let _ = writeln!(out, "vector:   {file} (replay with `snapspec replay {file}`)");
        }
        out
    }
}

/// One line for a request.
pub fn render_request(request: &Request) -> String {
    let mut call = serde_json::to_value(&request.call).expect("calls serialize");
    let method = call
        .as_object_mut()
        .and_then(|m| m.remove("method"))
        .and_then(|m| m.as_str().map(String::from))
        .unwrap_or_default();
    let mut args = call.to_string();
    if args.len() > 200 {
        args = format!("{}…", &args[..args.char_indices().nth(200).map_or(args.len(), |(i, _)| i)]);
    }
    format!("{} ← {} {}", method, request.caller.to_text(), args)
}

fn render_expected(expected: &crate::compare::Expected) -> String {
    match expected {
        crate::compare::Expected::Reply(reply) => format!("reply {}", summary(reply)),
        crate::compare::Expected::Reject { code, message, spec_codes, .. } => {
            format!("reject IC{code:04} (spec accepts {spec_codes:?}): {message}")
        }
    }
}

/// The summary table: per method and per clause, pass / fail / uncovered.
pub fn coverage_table(coverage: &Coverage, methods: &[&str]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<28} {:>9} {:>6}  status", "method", "pass", "fail");
    for method in methods {
        let tally = coverage.methods.get(*method).copied().unwrap_or_default();
        let _ = writeln!(out, "{:<28} {:>9} {:>6}  {}", method, tally.pass, tally.fail, status(tally.pass, tally.fail));
    }
    let _ = writeln!(out, "\n{:<28} {:>9} {:>6}  status", "clause", "pass", "fail");
    for clause in Clause::ALL {
        let tally = coverage.clauses.get(clause).copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<28} {:>9} {:>6}  {}",
            clause.id(),
            tally.pass,
            tally.fail,
            status(tally.pass, tally.fail)
        );
    }
    out
}

fn status(pass: u64, fail: u64) -> &'static str {
    match (pass, fail) {
        (_, f) if f > 0 => "FAIL",
        (0, 0) => "uncovered",
        _ => "pass",
    }
}

/// Clauses no run exercised.
pub fn uncovered(coverage: &Coverage) -> BTreeSet<Clause> {
    Clause::ALL.iter().copied().filter(|c| !coverage.clauses.contains_key(c)).collect()
}
