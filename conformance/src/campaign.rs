//! Random campaigns: seeded call sequences through the model and the implementation, with
//! shrinking of the first divergence.

use std::time::{Duration, Instant};

use snapspec_model::generators::{requests_from_bytes, World};
use snapspec_model::{Config, Request};

use crate::compare::Mode;
use crate::run::{run_trace, Coverage, Divergence};
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

/// Deterministic bytes for case `case` of seed `seed` (SplitMix64).
pub fn case_bytes(seed: u64, case: u64, len: usize) -> Vec<u8> {
    let mut state = seed ^ case.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        bytes.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
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
        report.cases_run += 1;
        report.steps_run += result.steps_run as u64;
        report.coverage.merge(&result.coverage);
        tick(case);
        if let Some(divergence) = result.divergence {
            let shrunk = shrink(sut, &options.config, options.mode, &requests, &divergence, options.shrink_runs_max);
            report.finding = Some(Finding {
                case,
                original_len: divergence.step + 1,
                requests: shrunk.requests,
                divergence: shrunk.divergence,
                confirmed: shrunk.confirmed,
            });
            break;
        }
    }
    report.elapsed = started.elapsed();
    report
}
