//! The harness must prove its power: every faulty variant of the model is caught, and the
//! correct model passes the same campaigns.

use snapspec::campaign::{self, CampaignOptions};
use snapspec::compare::Mode;
use snapspec::mutants::{hunt_all, Fault};
use snapspec::sut::ModelSut;
use snapspec_model::Config;

#[test]
fn the_harness_kills_every_mutant() {
    let results = hunt_all(1, 500);
    assert!(results.len() >= 20, "at least 20 mutants");
    let mut survivors = Vec::new();
    for result in &results {
        // Time to detection, for the log (never asserted: timing is a benchmark's business).
        println!(
            "{:<30} {:<40} {:>8.1} ms",
            result.fault.name(),
            result.killed_by.as_deref().unwrap_or("SURVIVED"),
            result.elapsed.as_secs_f64() * 1e3
        );
        if result.killed_by.is_none() {
            survivors.push(result.fault.name());
        }
    }
    assert!(survivors.is_empty(), "mutants survived: {survivors:?}");
    assert_eq!(results.len(), Fault::ALL.len());
}

#[test]
fn the_correct_model_passes_the_same_campaigns() {
    for profile in snapspec_model::config::PRESET_NAMES {
        let config = Config::preset(profile).unwrap();
        for mode in [Mode::Strict, Mode::Spec] {
            let options = CampaignOptions {
                seed: 1,
                cases: 300,
                steps_max: 40,
                mode,
                config: config.clone(),
                shrink_runs_max: 0,
            };
            let report = campaign::run(&mut ModelSut::new(), &options, |_| {});
            assert!(report.finding.is_none(), "{profile} {mode:?}: {:?}", report.finding.map(|f| f.divergence));
        }
    }
}

#[test]
fn mutant_names_are_unique() {
    let mut names: Vec<String> = Fault::ALL.iter().map(|f| f.name()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), Fault::ALL.len());
}
