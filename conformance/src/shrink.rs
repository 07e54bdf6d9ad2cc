//! Shrinking a failing trace to a minimal one.
//!
//! Delta debugging over the steps before the failing one. With a cheap implementation the
//! predicate re-runs it ("still diverges the same way"); with a costly one the predicate is
//! the model's own view of the failing step (same outcome kind, same clauses), and the
//! shrunk trace is confirmed on the implementation: it must diverge the same way again.

use snapspec_model::{Config, Request};

use crate::compare::Mode;
use crate::run::{model_signature, run_trace, Divergence};
use crate::sut::SystemUnderTest;

/// How a shrink went.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The minimal trace found (ends with the failing step).
    pub requests: Vec<Request>,
    /// Its divergence on the implementation (re-confirmed).
    pub divergence: Divergence,
    /// Implementation runs spent.
    pub sut_runs: u64,
    /// Whether the shrunk trace was confirmed on the implementation (else the original is kept).
    pub confirmed: bool,
}

/// Shrinks `requests`, which diverged as `divergence`, within `runs_max` implementation runs.
pub fn shrink(
    sut: &mut dyn SystemUnderTest,
    config: &Config,
    mode: Mode,
    requests: &[Request],
    divergence: &Divergence,
    runs_max: u64,
) -> Shrunk {
    // A failed reset comes before every step: no step can be removed to avoid it. The trace
    // keeps the step the divergence names, so that the vector written for it runs something.
    let failing = if divergence.at_reset {
        vec![divergence.request.clone()]
    } else {
        requests[..(divergence.step + 1).min(requests.len())].to_vec()
    };
    let signature = divergence.signature();
    let mut sut_runs = 0;
    // (An empty trace has nothing to shrink either.)
    let shrunk = if divergence.at_reset || failing.is_empty() {
        failing.clone()
    } else if sut.is_cheap() {
        ddmin(failing.clone(), |candidate| {
            if sut_runs >= runs_max {
                return None;
            }
            sut_runs += 1;
            let result = run_trace(sut, config, mode, candidate);
            let found = result.divergence.filter(|d| d.signature() == signature)?;
            Some(candidate[..=found.step].to_vec())
        })
    } else {
        let target = model_signature(config, &failing, failing.len() - 1);
        ddmin(failing.clone(), |candidate| {
            (model_signature(config, candidate, candidate.len() - 1) == target).then(|| candidate.to_vec())
        })
    };
    // Confirmed only by the same divergence. A different one can be left over from the run
    // before (a program that exited after its last answer fails the next reset); after such
    // a fault, a second run starts from a fresh process. (A model-guided shrink may also have
    // removed a step the implementation needed: then the unshrunk trace is kept.)
    for _ in 0..CONFIRMATION_RUNS_MAX {
        sut_runs += 1;
        let found = run_trace(sut, config, mode, &shrunk).divergence.filter(|d| d.signature() == signature);
        if let Some(found) = found {
            let requests = shrunk[..(found.step + 1).min(shrunk.len())].to_vec();
            return Shrunk { requests, divergence: found, sut_runs, confirmed: true };
        }
    }
    Shrunk { requests: failing, divergence: divergence.clone(), sut_runs, confirmed: false }
}

/// Runs of the shrunk trace that may confirm it.
const CONFIRMATION_RUNS_MAX: u64 = 2;

/// Removes chunks of steps (never the last) while `still_fails` returns the (possibly
/// truncated) failing trace.
fn ddmin(mut current: Vec<Request>, mut still_fails: impl FnMut(&[Request]) -> Option<Vec<Request>>) -> Vec<Request> {
    let mut chunk = (current.len() / 2).max(1);
    loop {
        let mut progressed = false;
        let mut start = 0;
        while start + 1 < current.len() {
            let end = (start + chunk).min(current.len() - 1);
            let candidate: Vec<Request> = current[..start].iter().chain(&current[end..]).cloned().collect();
            match still_fails(&candidate) {
                Some(smaller) if smaller.len() < current.len() => {
                    current = smaller;
                    progressed = true;
                }
                _ => start += chunk,
            }
        }
        if !progressed {
            if chunk == 1 {
                return current;
            }
            chunk = (chunk / 2).max(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sut::{Manifest, ModelSut, Observed, SutFault};
    use snapspec_model::generators::user;
    use snapspec_model::{Call, CanisterId};

    /// The model, except that every `canister_status` is rejected, and that the next
    /// `failing_resets` resets fail as if the program had exited after its previous answer.
    /// Costly, so that shrinking is model-guided and only the confirmation runs it.
    struct Flaky {
        model: ModelSut,
        failing_resets: u32,
    }

    impl SystemUnderTest for Flaky {
        fn manifest(&self) -> &Manifest {
            self.model.manifest()
        }
        fn reset(&mut self, config: &Config) -> Result<(), SutFault> {
            if self.failing_resets > 0 {
                self.failing_resets -= 1;
                let stderr_tail = String::new();
                return Err(SutFault::Exited { status: Some(0), signal: None, before_request: true, stderr_tail });
            }
            self.model.reset(config)
        }
        fn call(&mut self, request: &Request) -> Result<Observed, SutFault> {
            match request.call {
                Call::CanisterStatus { .. } => Ok(Observed::Reject { code: 502, reject_code: 5, message: "no".into() }),
                _ => self.model.call(request),
            }
        }
        fn is_cheap(&self) -> bool {
            false
        }
    }

    /// A trace whose last step, `canister_status`, diverges on `Flaky`, and that divergence.
    fn failing_trace(config: &Config) -> (Vec<Request>, Divergence) {
        let alice = user(1);
        let requests = vec![
            Request { caller: alice, call: Call::CreateCanister { controllers: None, cycles: 1 << 50 } },
            Request { caller: alice, call: Call::AdvanceTime { nanos: 5 } },
            Request { caller: alice, call: Call::CanisterStatus { canister_id: CanisterId::from_index(0) } },
        ];
        let mut sut = Flaky { model: ModelSut::new(), failing_resets: 0 };
        let divergence = run_trace(&mut sut, config, Mode::Strict, &requests).divergence.expect("status diverges");
        (requests, divergence)
    }

    /// A confirmation run that diverges otherwise (a failed reset, left over from the run
    /// before) confirms nothing; the next run, which diverges the same way, does.
    #[test]
    fn only_the_same_divergence_confirms() {
        let config = Config::ic();
        let (requests, divergence) = failing_trace(&config);
        let mut sut = Flaky { model: ModelSut::new(), failing_resets: 1 };
        let shrunk = shrink(&mut sut, &config, Mode::Strict, &requests, &divergence, 100);
        assert!(shrunk.confirmed && !shrunk.divergence.at_reset, "{:?}", shrunk.divergence);
        assert_eq!(shrunk.divergence.signature(), divergence.signature());
        assert_eq!((shrunk.requests.len(), shrunk.sut_runs), (2, 2), "the time step is gone; two runs");
    }

    /// When no confirmation run diverges the same way, the unshrunk trace is kept, unconfirmed.
    #[test]
    fn an_unconfirmed_shrink_keeps_the_trace() {
        let config = Config::ic();
        let (requests, divergence) = failing_trace(&config);
        let mut sut = Flaky { model: ModelSut::new(), failing_resets: u32::MAX };
        let shrunk = shrink(&mut sut, &config, Mode::Strict, &requests, &divergence, 100);
        assert!(!shrunk.confirmed);
        assert_eq!(
            (shrunk.requests, shrunk.divergence, shrunk.sut_runs),
            (requests, divergence, CONFIRMATION_RUNS_MAX)
        );
    }
}
