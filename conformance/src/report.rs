//! Reports: the summary table, divergence reports and the whole run's report (text and JSON).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::Serialize;
use snapspec_model::{Clause, Request};

use crate::compare::{cut, summary, Mode};
use crate::run::{Coverage, Divergence};
use crate::sut::{Found, SutFault};

/// Divergences printed in full in text; the JSON report has all of them.
pub const DIVERGENCES_SHOWN_MAX: usize = 10;

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
    /// The vector file holding the trace, if there is one.
    pub vector_file: Option<String>,
    /// The vector's id in that file, when the file holds more than this vector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector_id: Option<String>,
    /// A shell command that replays the vector against the same implementation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
}

impl DivergenceReport {
    /// Human-readable rendering.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let d = &self.divergence;
        let (campaign, profile, steps) = (&self.campaign, &self.profile, self.trace.len());
        if d.at_reset {
            let _ = writeln!(out, "DIVERGENCE ({campaign}, profile {profile}) at the reset, before step 0 of {steps}:");
        } else {
            // A fault found between calls happened after the answer before it.
            let when = match &d.fault {
                Some(SutFault::Unsolicited { found: Found::AtEnd, .. }) => " (after its answer, the trace's last)",
                Some(SutFault::Unsolicited { found: Found::BeforeAnswer, .. }) => " (an extra line before its answer)",
                Some(fault) if fault.between_calls() => " (before its request was read)",
                _ => "",
            };
            let _ = writeln!(out, "DIVERGENCE ({campaign}, profile {profile}) at step {} of {steps}{when}:", d.step);
        }
        for (index, request) in self.trace.iter().enumerate() {
            let marker = if index == d.step && !d.at_reset { ">>" } else { "  " };
            let _ = writeln!(out, "{marker} {index:>3}  {}", render_request(request));
        }
        if d.at_reset {
            let _ = writeln!(out, "expected: the reset acknowledged");
        } else {
            let _ = writeln!(out, "expected: {}", render_expected(&d.expected.outcome));
        }
        match (&d.actual, &d.fault) {
            (Some(actual), _) => {
                let _ = writeln!(out, "actual:   {}", cut(serde_json::to_string(actual).unwrap_or_default()));
            }
            (None, Some(fault)) => {
                let _ = writeln!(out, "actual:   implementation fault: {}", describe_fault(fault));
            }
            _ => {}
        }
        if let Some(m) = &d.mismatch {
            let _ = writeln!(out, "differs:  {}: expected {} but got {}", m.field, m.expected, m.actual);
        }
        let _ = writeln!(out, "clauses:  {}", clause_list(&self.clauses));
        if let Some(file) = &self.vector_file {
            let id = self.vector_id.as_ref().map(|id| format!(", vector {id}")).unwrap_or_default();
            let _ = writeln!(out, "vector:   {file}{id}");
        }
        if let Some(command) = &self.replay {
            let _ = writeln!(out, "replay:   {command}");
        }
        printable(&out)
    }
}

/// A fault as the user should read it, with the implementation's last stderr lines.
pub fn describe_fault(fault: &SutFault) -> String {
    with_stderr_tail(fault_summary(fault), fault)
}

/// A fault in one line. (`SutFault`'s own rendering prints an exit status as `Some(3)` and
/// gives no hint.)
pub fn fault_summary(fault: &SutFault) -> String {
    let summary = exit_or_fault_summary(fault);
    match fault {
        SutFault::Exited { before_request: true, .. } => {
            format!("{summary} after its previous answer, without reading this request")
        }
        _ => summary,
    }
}

fn exit_or_fault_summary(fault: &SutFault) -> String {
    match fault {
        SutFault::Exited { status: Some(127), .. } => {
            "it exited with status 127 (command not found? check the --sut command)".to_string()
        }
        // `sh -c` reports a child killed by signal N as status 128 + N.
        SutFault::Exited { status: Some(code @ 129..=192), .. } => {
            format!("it exited with status {code} (the shell's report of signal {}: killed or crashed)", code - 128)
        }
        SutFault::Exited { status: Some(code), .. } => format!("it exited with status {code}"),
        SutFault::Exited { signal: Some(signal), .. } => format!("it was killed by signal {signal}"),
        SutFault::Exited { status: None, .. } => "it closed its stdout".to_string(),
        SutFault::Timeout { waited_ms, .. } => {
            format!("no answer within {waited_ms} ms (if it is only slow, raise --timeout-ms)")
        }
        other => other.to_string(),
    }
}

/// `text`, followed by the stderr tail `fault` captured, if any.
pub fn with_stderr_tail(mut text: String, fault: &SutFault) -> String {
    if let Some(tail) = fault.stderr_tail().filter(|t| !t.is_empty()) {
        let _ = write!(text, "\nstderr (last lines):\n{tail}");
    }
    printable(&text)
}

/// `text` safe for a terminal: control characters other than newline and tab, and the
/// characters that reorder text on screen, are shown escaped (`\u{1b}`). Reports quote what
/// implementations send, and an escape sequence in a message could clear the screen or
/// rewrite a verdict.
pub fn printable(text: &str) -> String {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.contains(unsafe_char) {
        return text.to_string();
    }
    text.chars().map(|c| if unsafe_char(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

/// Clause ids separated by commas, or `none`.
pub fn clause_list<'a>(clauses: impl IntoIterator<Item = &'a Clause>) -> String {
    let ids: Vec<&str> = clauses.into_iter().map(|c| c.id()).collect();
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

/// The divergences in text, the first [`DIVERGENCES_SHOWN_MAX`] in full.
pub fn divergences_text(reports: &[DivergenceReport], json_written: bool) -> String {
    let mut out = String::new();
    for report in reports.iter().take(DIVERGENCES_SHOWN_MAX) {
        let _ = writeln!(out, "\n{}", report.to_text());
    }
    let hidden = reports.len().saturating_sub(DIVERGENCES_SHOWN_MAX);
    if hidden > 0 {
        let all = if json_written { "the --json report has all" } else { "pass --json FILE to get all" };
        let _ = writeln!(out, "\n… {hidden} more {}; {all}", noun(hidden as u64, "divergence", "divergences"));
    }
    out
}

/// The command that replays `file` (and only vector `id` of it) against `sut` in `mode`,
/// quoted for a POSIX shell.
pub fn replay_command(file: &str, id: Option<&str>, sut: &str, mode: Mode) -> String {
    let mut words = vec!["snapspec".to_string(), "replay".into(), shell_quote(file)];
    if let Some(id) = id {
        words.extend(["--id".into(), shell_quote(id)]);
    }
    words.extend(["--sut".into(), shell_quote(sut), "--mode".into(), mode.to_string()]);
    words.join(" ")
}

/// `word` as one word for a POSIX shell.
pub fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// `1 vector`, `2 vectors`.
pub fn plural(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", noun(count, one, many))
}

/// `one` or `many`, as `count` asks.
pub fn noun<'a>(count: u64, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 {
        one
    } else {
        many
    }
}

/// The outcome of a whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No divergence.
    Conforms,
    /// At least one divergence.
    Diverges,
    /// The model broke one of its own invariants (a bug of the model, not the implementation).
    ModelInvariantViolated,
}

/// What the vector phase did.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct VectorCounts {
    /// Vectors run.
    pub run: u64,
    /// Vectors that passed.
    pub passed: u64,
    /// Vectors that diverged.
    pub failed: u64,
    /// Vectors not run (profile or calls the implementation does not support).
    pub skipped: u64,
}

/// What the random campaign did.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct RandomCounts {
    /// Sequences run.
    pub cases: u64,
    /// Calls sent.
    pub calls: u64,
}

/// What the exhaustive exploration did.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct ExploreCounts {
    /// Depth reached.
    pub depth: usize,
    /// Transitions of the model taken.
    pub states_explored: u64,
    /// Distinct model states.
    pub distinct_states: u64,
    /// Clauses the model reached.
    pub clauses_reached: usize,
    /// Traces replayed against the implementation.
    pub traces: u64,
    /// Calls those traces sent.
    pub calls: u64,
}

/// Per phase, what ran; a phase that did not run is absent.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    /// Vector replay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vectors: Option<VectorCounts>,
    /// Random campaign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub random: Option<RandomCounts>,
    /// Exhaustive exploration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explore: Option<ExploreCounts>,
}

/// How a clause fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClauseStatus {
    /// Exercised, never diverged.
    Pass,
    /// Some step involving it diverged.
    Fail,
    /// Not exercised.
    Uncovered,
}

impl ClauseStatus {
    fn of(pass: u64, fail: u64) -> ClauseStatus {
        match (pass, fail) {
            (_, f) if f > 0 => ClauseStatus::Fail,
            (0, 0) => ClauseStatus::Uncovered,
            _ => ClauseStatus::Pass,
        }
    }

    /// As in the text table (a failure stands out in capitals).
    fn text(self) -> &'static str {
        match self {
            ClauseStatus::Pass => "pass",
            ClauseStatus::Fail => "FAIL",
            ClauseStatus::Uncovered => "uncovered",
        }
    }
}

/// One clause's (or method's) results against the implementation.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ClauseResult {
    /// Steps involving it that matched.
    pub pass: u64,
    /// Steps involving it that diverged.
    pub fail: u64,
    /// Its status.
    pub status: ClauseStatus,
}

/// A whole run, as written by `--json`.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// The subcommand: `check`, `explore` or `replay`.
    pub command: &'static str,
    /// The implementation's name, when one ran.
    pub implementation: Option<String>,
    /// The profile checked (`replay`: the `--profile` filter, if any).
    pub profile: Option<String>,
    /// The comparison mode, when an implementation ran.
    pub mode: Option<Mode>,
    /// The random campaign's seed, when it ran.
    pub seed: Option<u64>,
    /// The verdict.
    pub result: Verdict,
    /// What each phase did.
    pub counts: Counts,
    /// Every clause of docs/clauses.md with its results against the implementation.
    pub clauses: BTreeMap<&'static str, ClauseResult>,
    /// What the model broke, when it broke an invariant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_invariant_violation: Option<String>,
    /// Every divergence, in the order found.
    pub divergences: Vec<DivergenceReport>,
}

/// `check --profile all`: one report per profile the implementation declares.
#[derive(Clone, Debug, Serialize)]
pub struct AllProfilesReport {
    /// Always `check`.
    pub command: &'static str,
    /// Conforms only if it conforms under every profile; a model invariant violation wins.
    pub result: Verdict,
    /// The profiles checked, in preset order.
    pub profiles: Vec<String>,
    /// Each profile's report, in the same order.
    pub reports: Vec<RunReport>,
}

impl AllProfilesReport {
    /// The reports of `reports`' profiles under one verdict.
    pub fn new(reports: &[RunReport]) -> AllProfilesReport {
        let results = || reports.iter().map(|r| r.result);
        let result = if results().any(|r| r == Verdict::ModelInvariantViolated) {
            Verdict::ModelInvariantViolated
        } else if results().any(|r| r == Verdict::Diverges) {
            Verdict::Diverges
        } else {
            Verdict::Conforms
        };
        AllProfilesReport {
            command: "check",
            result,
            profiles: reports.iter().filter_map(|r| r.profile.clone()).collect(),
            reports: reports.to_vec(),
        }
    }
}

impl RunReport {
    /// The report of a run: the verdict follows from the divergences and the violation; who
    /// ran and how is left for the caller to fill in.
    pub fn new(
        command: &'static str,
        coverage: &Coverage,
        counts: Counts,
        divergences: Vec<DivergenceReport>,
        model_invariant_violation: Option<String>,
    ) -> RunReport {
        let result = match (&model_invariant_violation, divergences.is_empty()) {
            (Some(_), _) => Verdict::ModelInvariantViolated,
            (None, true) => Verdict::Conforms,
            (None, false) => Verdict::Diverges,
        };
        RunReport {
            command,
            implementation: None,
            profile: None,
            mode: None,
            seed: None,
            result,
            counts,
            clauses: clause_results(coverage),
            model_invariant_violation,
            divergences,
        }
    }
}

/// Every clause's results in `coverage`.
pub fn clause_results(coverage: &Coverage) -> BTreeMap<&'static str, ClauseResult> {
    Clause::ALL
        .iter()
        .map(|clause| {
            let tally = coverage.clauses.get(clause).copied().unwrap_or_default();
            (
                clause.id(),
                ClauseResult { pass: tally.pass, fail: tally.fail, status: ClauseStatus::of(tally.pass, tally.fail) },
            )
        })
        .collect()
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
    ClauseStatus::of(pass, fail).text()
}

/// Clauses no run exercised.
pub fn uncovered(coverage: &Coverage) -> BTreeSet<Clause> {
    Clause::ALL.iter().copied().filter(|c| !coverage.clauses.contains_key(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What implementations send reaches the terminal escaped where it could act on it.
    #[test]
    fn reports_escape_what_could_act_on_a_terminal() {
        let hostile = "\u{1b}[2J\rresult: CONFORMS\u{7}\u{202e}drawkcab";
        assert_eq!(printable(hostile), "\\u{1b}[2J\\u{d}result: CONFORMS\\u{7}\\u{202e}drawkcab");
        let plain = "line one\n\tindented: é, 日本, ←";
        assert_eq!(printable(plain), plain, "newlines, tabs and other text stay as they are");
    }

    /// A fault's stderr tail, quoted in reports, goes through the same escaping.
    #[test]
    fn a_stderr_tail_is_escaped() {
        let fault = SutFault::Timeout { waited_ms: 5, stderr_tail: "\u{1b}]0;title\u{7}".into() };
        let text = describe_fault(&fault);
        assert!(text.ends_with("stderr (last lines):\n\\u{1b}]0;title\\u{7}"), "{text}");
    }
}
