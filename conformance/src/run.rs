//! Running one trace through the model and an implementation side by side.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use snapspec_model::{step, Clause, Config, Request, State};

use crate::compare::{Comparator, Expectation, Mismatch, Mode};
use crate::sut::{Observed, SutFault, SystemUnderTest};

/// Where and how an implementation first differed from the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergence {
    /// Index of the first differing step (0 when the reset before it failed).
    pub step: usize,
    /// The implementation failed its reset, before any step ran: `fault` says how, and
    /// `request` and `expected` stand for the trace's first step, which was never sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_reset: bool,
    /// The step as the model saw it.
    pub request: Request,
    /// The step as sent to the implementation (its ids).
    pub sut_request: Request,
    /// What the model expected.
    pub expected: Expectation,
    /// What the implementation answered, if it answered.
    pub actual: Option<Observed>,
    /// The field that differs, when it answered.
    pub mismatch: Option<Mismatch>,
    /// The fault, when it did not.
    pub fault: Option<SutFault>,
}

impl Divergence {
    /// A short key: method and what differed, for de-duplicating and shrinking.
    pub fn signature(&self) -> String {
        let what = match (&self.mismatch, &self.fault) {
            (Some(m), _) => m.field.split('[').next().unwrap_or(&m.field).to_string(),
            (None, Some(fault)) => serde_json::to_value(fault)
                .ok()
                .and_then(|v| v.get("fault")?.as_str().map(String::from))
                .unwrap_or_default(),
            _ => String::new(),
        };
        // A failed reset names no method: the step it stands for was never sent. Nor does a
        // fault found between two calls: it belongs to neither, and a shrink may change the next.
        let at = match &self.fault {
            _ if self.at_reset => "reset",
            Some(fault) if fault.between_calls() => "between-calls",
            _ => self.request.call.method_name(),
        };
        format!("{at}:{what}")
    }
}

/// Pass/fail counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Steps that matched.
    pub pass: u64,
    /// Steps that diverged.
    pub fail: u64,
}

/// Which clauses and methods a run exercised, and how they fared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// By clause id.
    pub clauses: BTreeMap<Clause, Tally>,
    /// By method name.
    pub methods: BTreeMap<String, Tally>,
}

impl Coverage {
    /// Adds another run's counts.
    pub fn merge(&mut self, other: &Coverage) {
        for (clause, tally) in &other.clauses {
            let entry = self.clauses.entry(*clause).or_default();
            entry.pass += tally.pass;
            entry.fail += tally.fail;
        }
        for (method, tally) in &other.methods {
            let entry = self.methods.entry(method.clone()).or_default();
            entry.pass += tally.pass;
            entry.fail += tally.fail;
        }
    }
}

/// Counts of one trace, kept in flat arrays (a call touches several clauses; map lookups per
/// call cost more than the comparison) and folded into a [`Coverage`] once at the end.
struct TraceTally {
    clauses: Vec<Tally>,
    methods: Vec<(&'static str, Tally)>,
}

impl TraceTally {
    fn new() -> TraceTally {
        TraceTally { clauses: vec![Tally::default(); Clause::ALL.len()], methods: Vec::new() }
    }

    fn record(&mut self, request: &Request, clauses: &[Clause], passed: bool) {
        let bump = |tally: &mut Tally| if passed { tally.pass += 1 } else { tally.fail += 1 };
        let method = request.call.method_name();
        match self.methods.iter_mut().find(|(name, _)| *name == method) {
            Some((_, tally)) => bump(tally),
            None => {
                let mut tally = Tally::default();
                bump(&mut tally);
                self.methods.push((method, tally));
            }
        }
        for clause in clauses {
            bump(&mut self.clauses[*clause as usize]);
        }
    }

    fn into_coverage(self) -> Coverage {
        let touched = |tally: &Tally| tally.pass + tally.fail > 0;
        Coverage {
            clauses: Clause::ALL.iter().copied().zip(self.clauses).filter(|(_, t)| touched(t)).collect(),
            methods: self.methods.into_iter().map(|(name, tally)| (name.to_string(), tally)).collect(),
        }
    }
}

/// The result of one trace.
#[derive(Clone, Debug, Default)]
pub struct TraceResult {
    /// Steps sent to the implementation.
    pub steps_run: usize,
    /// The first divergence, if any.
    pub divergence: Option<Divergence>,
    /// What the trace exercised.
    pub coverage: Coverage,
}

/// Runs `requests` through the model and `sut` from an empty subnet, stopping at the first
/// divergence. Calls the implementation cannot run (per its manifest) are skipped.
pub fn run_trace(sut: &mut dyn SystemUnderTest, config: &Config, mode: Mode, requests: &[Request]) -> TraceResult {
    let mut state = State::new(config);
    run_steps(sut, config, mode, requests, |request| {
        let transition = step(config, &state, request);
        let expectation = Expectation::from_transition(&transition);
        state = transition.state;
        expectation
    })
}

/// Like [`run_trace`], with expectations from elsewhere (a vector file). `expect` is called
/// once per step the implementation supports, in order; callers with fixed expectations
/// (vectors) must only pass traces whose every step is supported.
pub fn run_steps(
    sut: &mut dyn SystemUnderTest,
    config: &Config,
    mode: Mode,
    requests: &[Request],
    mut expect: impl FnMut(&Request) -> Expectation,
) -> TraceResult {
    let mut result = TraceResult::default();
    if let Err(fault) = sut.reset(config) {
        let first = requests.iter().find(|request| sut.manifest().supports(request));
        result.divergence = Some(reset_divergence(config, first, fault));
        return result;
    }
    let mut comparator = Comparator::new(mode, sut.manifest());
    let mut tally = TraceTally::new();
    // The last step answered, to charge with what the implementation does after it.
    let mut last = None;
    for (index, request) in requests.iter().enumerate() {
        // Unsupported calls are dropped for both sides, so the model never runs ahead.
        if !sut.manifest().supports(request) {
            continue;
        }
        let expected = expect(request);
        let sut_request = comparator.ids.request_to_sut(request);
        result.steps_run += 1;
        let divergence = match sut.call(&sut_request) {
            Err(fault) => Some(fault_divergence(index, request, &sut_request, expected.clone(), fault)),
            Ok(observed) => comparator.compare(&expected, &observed).err().map(|mismatch| Divergence {
                step: index,
                request: request.clone(),
                sut_request: sut_request.as_ref().clone(),
                at_reset: false,
                expected: expected.clone(),
                actual: Some(observed),
                mismatch: Some(mismatch),
                fault: None,
            }),
        };
        // A step whose request was never sent, or never read, neither passed nor failed.
        let sent = !divergence.as_ref().and_then(|d| d.fault.as_ref()).is_some_and(SutFault::between_calls);
        if sent {
            tally.record(request, &expected.clauses, divergence.is_none());
        }
        if divergence.is_some() {
            result.divergence = divergence;
            break;
        }
        last = Some((index, request, expected));
    }
    // Only a trace that got an answer has one for a stray line to follow.
    if let (None, Some((index, request, expected))) = (&result.divergence, last) {
        if let Err(fault) = sut.finish_trace() {
            let sut_request = comparator.ids.request_to_sut(request);
            result.divergence = Some(fault_divergence(index, request, &sut_request, expected, fault));
        }
    }
    result.coverage = tally.into_coverage();
    result
}

fn fault_divergence(
    step: usize,
    request: &Request,
    sut_request: &Request,
    expected: Expectation,
    fault: SutFault,
) -> Divergence {
    Divergence {
        step,
        at_reset: false,
        request: request.clone(),
        sut_request: sut_request.clone(),
        expected,
        actual: None,
        mismatch: None,
        fault: Some(fault),
    }
}

/// The implementation failed the reset before the trace. The divergence names the trace's
/// first step the implementation supports (a checkpoint if none) only so that every
/// divergence has a step, and a vector written for it runs.
fn reset_divergence(config: &Config, first: Option<&Request>, fault: SutFault) -> Divergence {
    let placeholder = Request { caller: snapspec_model::ids::ANONYMOUS, call: snapspec_model::Call::Checkpoint };
    let first = first.unwrap_or(&placeholder);
    let expected = Expectation::from_transition(&step(config, &State::new(config), first));
    Divergence { at_reset: true, ..fault_divergence(0, first, first, expected, fault) }
}

/// The model's transitions for a trace, without any implementation (for model-side shrinking).
pub fn model_signature(config: &Config, requests: &[Request], step_index: usize) -> Option<(bool, Vec<Clause>)> {
    let mut state = State::new(config);
    for (index, request) in requests.iter().enumerate() {
        let transition = step(config, &state, request);
        if index == step_index {
            return Some((transition.outcome.reply().is_some(), transition.exercised));
        }
        state = transition.state;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sut::{Found, Manifest, ModelSut, Observed};
    use snapspec_model::generators::user;
    use snapspec_model::{Call, CanisterId};

    /// The model, except for a fault found between calls: before call `before_call` (1-based),
    /// or after the trace's last answer.
    struct Between {
        model: ModelSut,
        calls: usize,
        before_call: usize,
        fault: SutFault,
    }

    impl SystemUnderTest for Between {
        fn manifest(&self) -> &Manifest {
            self.model.manifest()
        }
        fn reset(&mut self, config: &Config) -> Result<(), SutFault> {
            self.model.reset(config)
        }
        fn call(&mut self, request: &Request) -> Result<Observed, SutFault> {
            self.calls += 1;
            if self.calls == self.before_call {
                return Err(self.fault.clone());
            }
            self.model.call(request)
        }
        fn finish_trace(&mut self) -> Result<(), SutFault> {
            if self.before_call == 0 {
                return Err(self.fault.clone());
            }
            Ok(())
        }
    }

    /// A fault found between two calls is charged to neither: a step whose request was not sent
    /// is not counted as failed, a step that was answered stays passed, and the signature names
    /// no method, so that a shrink may replace the step. A line after the last answer is the
    /// finished trace's, not the next one's.
    #[test]
    fn a_fault_between_calls_is_charged_to_no_method() {
        let alice = user(1);
        let requests = [
            Request { caller: alice, call: Call::CreateCanister { controllers: None, cycles: 1 << 50 } },
            Request { caller: alice, call: Call::CanisterStatus { canister_id: CanisterId::from_index(0) } },
        ];
        let line =
            |unreadable: &str, found| SutFault::Unsolicited { line: "{".into(), unreadable: unreadable.into(), found };
        let exited =
            SutFault::Exited { status: Some(0), signal: None, before_request: true, stderr_tail: String::new() };
        let passed = |n| Some(Tally { pass: n, fail: 0 });
        let cases = [
            (2, line("", Found::BeforeRequest), "between-calls:unsolicited", passed(1), None),
            (2, line("line is not UTF-8", Found::BeforeRequest), "between-calls:unsolicited", passed(1), None),
            // Sent before the answer, the line may be the request's doing: charged to it.
            (
                2,
                line("", Found::BeforeAnswer),
                "canister_status:unsolicited",
                passed(1),
                Some(Tally { pass: 0, fail: 1 }),
            ),
            (2, exited, "between-calls:exited", passed(1), None),
            (0, line("", Found::AtEnd), "between-calls:unsolicited", passed(1), passed(1)),
        ];
        for (before_call, fault, signature, created, status) in cases {
            let mut sut = Between { model: ModelSut::new(), calls: 0, before_call, fault: fault.clone() };
            let result = run_trace(&mut sut, &Config::ic(), Mode::Strict, &requests);
            let divergence = result.divergence.unwrap_or_else(|| panic!("{fault:?} is a divergence"));
            assert_eq!((divergence.step, divergence.signature().as_str()), (1, signature), "{fault:?}");
            let methods = &result.coverage.methods;
            assert_eq!(methods.get("create_canister").copied(), created, "{fault:?}");
            assert_eq!(methods.get("canister_status").copied(), status, "{fault:?}");
        }
    }
}
