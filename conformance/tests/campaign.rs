//! Parallel campaigns report exactly what a sequential one does: the same cases counted, the
//! same coverage, and the same (lowest) failing case, whatever the interleaving.

use snapspec::campaign::{self, CampaignOptions, CampaignReport};
use snapspec::compare::Mode;
use snapspec::mutants::{Fault, MutantSut};
use snapspec::sut::{ModelSut, SystemUnderTest};
use snapspec_model::Config;

fn options(cases: u64) -> CampaignOptions {
    CampaignOptions { seed: 3, cases, steps_max: 30, mode: Mode::Strict, config: Config::ic(), shrink_runs_max: 200 }
}

fn summary(report: &CampaignReport) -> (u64, u64, String, Option<(u64, Vec<snapspec_model::Request>)>) {
    (
        report.cases_run,
        report.steps_run,
        serde_json::to_string(&report.coverage).unwrap(),
        report.finding.as_ref().map(|f| (f.case, f.requests.clone())),
    )
}

#[test]
fn a_parallel_campaign_over_a_conforming_implementation_counts_every_case() {
    let sequential = campaign::run(&mut ModelSut::new(), &options(200), |_| {});
    for workers in [1, 2, 3] {
        let mut suts: Vec<Box<dyn SystemUnderTest + Send>> =
            (0..workers).map(|_| Box::new(ModelSut::new()) as Box<dyn SystemUnderTest + Send>).collect();
        let parallel = campaign::run_parallel(&mut suts, &options(200), |_| {});
        assert_eq!(summary(&parallel), summary(&sequential), "{workers} workers");
        assert_eq!(parallel.cases_run, 200);
    }
}

#[test]
fn a_parallel_campaign_finds_the_same_first_divergence() {
    let mut compared = 0;
    for fault in Fault::ALL {
        let sequential = campaign::run(&mut MutantSut::new(fault), &options(500), |_| {});
        // Some mutants only show in vectors or exploration, not in 500 random cases.
        let Some(finding) = &sequential.finding else { continue };
        compared += 1;
        let mut suts: Vec<Box<dyn SystemUnderTest + Send>> =
            (0..2).map(|_| Box::new(MutantSut::new(fault)) as Box<dyn SystemUnderTest + Send>).collect();
        let parallel = campaign::run_parallel(&mut suts, &options(500), |_| {});
        assert_eq!(summary(&parallel), summary(&sequential), "{}", fault.name());
        assert_eq!(parallel.cases_run, finding.case + 1, "nothing after the failing case is counted");
    }
    assert!(compared >= 10, "only {compared} mutants were found by random cases");
}
