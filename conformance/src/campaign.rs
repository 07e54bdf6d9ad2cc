//! Random campaigns: seeded call sequences through the model and the implementation, with
//! shrinking of the first divergence.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use snapspec_model::generators::{requests_from_bytes, World};
use snapspec_model::{Config, Request};

use crate::compare::Mode;
use crate::run::{run_trace, Coverage, Divergence, TraceResult};
use crate::shrink::shrink;
use crate::sut::SystemUnderTest;

/// What to run.
#[derive(Clone, Debug)]
pub struct CampaignOptions {
    /// Reproduces the run exactly.
    pub seed: u64,
    /// Sequences to try.
    pub cases: u64,
    /// Calls per sequence after the prelude.
    pub steps_max: usize,
    /// Strict or spec.
    pub mode: Mode,
    /// The profile.
    pub config: Config,
    /// Implementation runs the shrinker may spend.
    pub shrink_runs_max: u64,
}

/// A shrunk divergence.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The case that found it.
    pub case: u64,
    /// Length of the original failing trace.
    pub original_len: usize,
    /// The minimal trace.
    pub requests: Vec<Request>,
    /// Its divergence.
    pub divergence: Divergence,
    /// Whether the shrunk trace was re-confirmed on the implementation.
    pub confirmed: bool,
}

/// What a campaign did.
#[derive(Clone, Debug, Default)]
pub struct CampaignReport {
    /// Cases run.
    pub cases_run: u64,
    /// Calls sent to the implementation.
    pub steps_run: u64,
    /// Coverage over all cases.
    pub coverage: Coverage,
    /// The first divergence, shrunk.
    pub finding: Option<Finding>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Deterministic bytes for case `case` of seed `seed`: a SplitMix64 stream whose start is the
/// mixed (seed, case) pair. Every stream walks the same cycle of states, so starts that
/// differ by a few steps would make cases shifted copies of each other (as `seed ^ case·γ`
/// did: with seed 0, case c+1 was case c less its first 8 bytes).
pub fn case_bytes(seed: u64, case: u64, len: usize) -> Vec<u8> {
    let mut state = splitmix64_mix(seed ^ splitmix64_mix(case.wrapping_add(SPLITMIX64_GAMMA)));
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state = state.wrapping_add(SPLITMIX64_GAMMA);
        bytes.extend_from_slice(&splitmix64_mix(state).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

const SPLITMIX64_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function: a bijection that scatters nearby inputs.
fn splitmix64_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The sequence of case `case`.
pub fn case_requests(options: &CampaignOptions, case: u64) -> Vec<Request> {
    let world = World::small(options.config.api);
    requests_from_bytes(&case_bytes(options.seed, case, options.steps_max * 16), &world, options.steps_max)
}

/// Runs the campaign, stopping at the first divergence. `tick` is called after each case.
pub fn run(sut: &mut dyn SystemUnderTest, options: &CampaignOptions, mut tick: impl FnMut(u64)) -> CampaignReport {
    let started = Instant::now();
    let mut report = CampaignReport::default();
    for case in 0..options.cases {
        let requests = case_requests(options, case);
        let result = run_trace(sut, &options.config, options.mode, &requests);
        tick(case);
        if let Some(divergence) = report.add(result) {
            report.finding = Some(shrink_finding(sut, options, case, &requests, &divergence));
            break;
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// Runs the campaign on several implementations at once, one worker each on rayon's pool
/// (cases are independent; with more implementations than pool threads, the extra ones
/// wait). The report is the one [`run`] gives for the same options: cases are counted in case
/// order, the finding is the lowest failing case, and nothing after it is counted, whatever
/// the interleaving.
pub fn run_parallel(
    suts: &mut [Box<dyn SystemUnderTest + Send>],
    options: &CampaignOptions,
    tick: impl Fn(u64) + Sync,
) -> CampaignReport {
    let started = Instant::now();
    let next_case = AtomicU64::new(0);
    let first_failure = AtomicU64::new(u64::MAX);
    let committer = Mutex::new(Committer::default());
    // Rayon's pool threads outlive the call, so their allocator caches and memos stay warm
    // from one campaign to the next.
    rayon::scope(|scope| {
        for sut in suts.iter_mut() {
            let (next_case, first_failure, committer, tick) = (&next_case, &first_failure, &committer, &tick);
            scope.spawn(move |_| loop {
                let case = next_case.fetch_add(1, Ordering::Relaxed);
                if case >= options.cases || case > first_failure.load(Ordering::Relaxed) {
                    return;
                }
                let result = run_trace(sut.as_mut(), &options.config, options.mode, &case_requests(options, case));
                if result.divergence.is_some() {
                    first_failure.fetch_min(case, Ordering::Relaxed);
                }
                tick(case);
                committer.lock().expect("no worker panics holding the lock").commit(case, result);
            });
        }
    });
    let Committer { mut report, failure, .. } = committer.into_inner().expect("workers finished");
    if let Some((case, divergence)) = failure {
        let sut = suts.first_mut().expect("at least one implementation");
        let requests = case_requests(options, case);
        report.finding = Some(shrink_finding(sut.as_mut(), options, case, &requests, &divergence));
    }
    report.elapsed = started.elapsed();
    report
}

/// Counts finished cases in case order, holding only those that finished ahead of an earlier
/// one still running (at most about one per worker).
#[derive(Default)]
struct Committer {
    next: u64,
    pending: BTreeMap<u64, TraceResult>,
    report: CampaignReport,
    failure: Option<(u64, Divergence)>,
}

impl Committer {
    fn commit(&mut self, case: u64, result: TraceResult) {
        self.pending.insert(case, result);
        while let Some(result) = self.pending.remove(&self.next) {
            if self.failure.is_none() {
                if let Some(divergence) = self.report.add(result) {
                    self.failure = Some((self.next, divergence));
                }
            }
            self.next += 1;
        }
    }
}

impl CampaignReport {
    /// Counts one case; returns its divergence, if any.
    fn add(&mut self, result: TraceResult) -> Option<Divergence> {
        self.cases_run += 1;
        self.steps_run += result.steps_run as u64;
        self.coverage.merge(&result.coverage);
        result.divergence
    }
}

fn shrink_finding(
    sut: &mut dyn SystemUnderTest,
    options: &CampaignOptions,
    case: u64,
    requests: &[Request],
    divergence: &Divergence,
) -> Finding {
    let shrunk = shrink(sut, &options.config, options.mode, requests, divergence, options.shrink_runs_max);
    Finding {
        case,
        original_len: divergence.step + 1,
        requests: shrunk.requests,
        divergence: shrunk.divergence,
        confirmed: shrunk.confirmed,
    }
}
