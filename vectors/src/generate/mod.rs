//! The suite generator: deterministic library code (no clock, no randomness) that writes
//! the committed suites under `vectors/suites/`.
//!
//! Every suite is a list of *scenarios* per profile: requests run through the model as they
//! are written ([`script::Script`]), so that a setup step that does not do what it says is
//! a generator bug, not a wrong vector. A scenario becomes a vector ([`build::vector`]) with
//! the model's expectations, candid bytes and post-step checksums. Suites:
//!
//! | suite | what | module |
//! |---|---|---|
//! | `clauses` | every clause the profile reaches; every precondition violated alone; every pair of a snapshot method's preconditions violated together; every cycles check at its edge | [`clauses`], [`knobs`] |
//! | `permissions` | snapshot method × caller class × visibility setting | [`permissions`] |
//! | `lifecycle` | snapshots across uninstall, reinstall, upgrade, delete, stop/start; empty canisters; replacement; id non-reuse; edges fault injection found unpinned | [`lifecycle`], [`gaps`] |
//! | `small-world` | the maximal shortest paths of a bounded exhaustive exploration | [`small_world`] |
//! | `checksum` | content → checksums, pure and through the API | [`checksum`] |
//!
//! [`generate_all`] also writes `verdicts.json` ([`verdicts`]): every scenario under every
//! profile it can be built in, so behaviour changes between profiles are machine-readable.

pub mod build;
pub mod checksum;
pub mod clauses;
pub mod coverage;
pub mod gaps;
pub mod knobs;
pub mod lifecycle;
pub mod permissions;
pub mod script;
pub mod setups;
pub mod small_world;
pub mod verdicts;

use std::collections::{BTreeMap, BTreeSet};

use snapspec_model::Config;

pub use small_world::Exploration;

use crate::format::{self, Status, Suite};
use script::{Recorded, Script, SetupError};

/// The suites, in the order the coverage report lists them.
pub const SUITES: [&str; 5] = ["clauses", "permissions", "lifecycle", "small-world", "checksum"];

/// A scenario: an id shared by every profile it is built in, why its expectations hold, and
/// the steps as the model ran them.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The vector id.
    pub id: String,
    /// Why the expectations hold.
    pub comment: String,
    /// Normative unless the references are uncertain.
    pub status: Status,
    /// The steps.
    pub steps: Vec<Recorded>,
    /// Whether the profile's suite holds it (otherwise it only feeds the verdict report).
    pub in_suite: bool,
}

impl Scenario {
    /// A normative scenario of the suite from a script's steps.
    pub fn new(id: &str, comment: impl Into<String>, script: Script) -> Scenario {
        Scenario {
            id: id.into(),
            comment: comment.into(),
            status: Status::Normative,
            steps: script.into_steps(),
            in_suite: true,
        }
    }

    /// Marks the scenario disputed, appending the reason to its comment.
    pub fn disputed(mut self, reason: &str) -> Scenario {
        self.status = Status::Disputed;
        self.comment = if self.comment.is_empty() { reason.into() } else { format!("{} {reason}", self.comment) };
        self
    }
}

/// What a hand-written scenario function returns: `Ok(None)` when it does not apply to the
/// profile, `Err` when its setup did not do what it says (a generator bug).
pub type Made = Result<Option<Scenario>, SetupError>;

/// Unwraps a hand-written scenario; a failed setup is a generator bug.
pub(crate) fn made(result: Made, config: &Config) -> Option<Scenario> {
    match result {
        Ok(scenario) => scenario,
        Err(error) => panic!("generator bug: a scenario's setup failed in profile {}: {error}", config.name),
    }
}

/// The scenarios of `suite` for `config` (the small world needs the profile's exploration).
pub fn scenarios(suite: &str, config: &Config, exploration: Option<&Exploration>) -> Vec<Scenario> {
    match suite {
        "clauses" => clauses::scenarios(config),
        "permissions" => permissions::scenarios(config),
        "lifecycle" => lifecycle::scenarios(config),
        "checksum" => checksum::scenarios(config),
        "small-world" => {
            let exploration = exploration.expect("the small world needs an exploration");
            small_world::maximal_paths(&exploration.paths)
                .iter()
                .map(|p| small_world::scenario(config, exploration, p))
                .collect()
        }
        other => panic!("unknown suite {other:?}"),
    }
}

/// The suite `name` of `config` from its scenarios (those with `in_suite`).
pub fn suite(name: &str, config: &Config, scenarios: &[Scenario], exploration: Option<&Exploration>) -> Suite {
    let mut contents = build::Contents::new();
    let mut vectors: Vec<_> =
        scenarios.iter().filter(|s| s.in_suite).map(|s| build::vector(s, &mut contents)).collect();
    let setups = setups::factor(&mut vectors);
    let mut suite = Suite::new(config, name, vectors);
    suite.contents = contents;
    suite.setups = setups;
    suite.schema = Some(format::SCHEMA_REF.into());
    if name == "small-world" {
        let exploration = exploration.expect("the small world needs an exploration");
        suite.certifies = Some(small_world::certificate(exploration, suite.vectors.len()));
    }
    if name == "checksum" {
        suite.checksums = checksum::cases();
    }
    suite
}

/// One suite, built from scratch.
pub fn generate_suite(name: &str, config: &Config, exploration: Option<&Exploration>) -> Suite {
    suite(name, config, &scenarios(name, config, exploration), exploration)
}

/// Every generated file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Generated {
    /// Suite files and `verdicts.json`, by path relative to the suites directory (`/`-separated).
    pub files: BTreeMap<String, String>,
    /// The JSON Schema (`vectors/schema/suite.schema.json`).
    pub schema: String,
}

/// Every suite of every profile, and the verdict report. `explorations` holds each
/// profile's small-world exploration, by profile name.
pub fn generate_all(explorations: &BTreeMap<String, Exploration>) -> Generated {
    let configs = Config::presets();
    let mut generated = Generated { files: BTreeMap::new(), schema: crate::schema::schema_json() };
    let mut verdicts = verdicts::Verdicts::default();
    for config in &configs {
        for name in SUITES {
            let exploration = explorations.get(&config.name);
            if name == "small-world" && exploration.is_none() {
                panic!("no exploration for profile {}", config.name);
            }
            let scenarios = scenarios(name, config, exploration);
            for scenario in &scenarios {
                verdicts.record(name, &config.name, scenario);
            }
            let suite = suite(name, config, &scenarios, exploration);
            generated.files.insert(format!("{}/{name}.json", config.name), format::to_json(&suite));
        }
    }
    small_world_verdicts(&configs, explorations, &mut verdicts);
    let profiles: Vec<String> = configs.iter().map(|c| c.name.clone()).collect();
    generated.files.insert(format::NON_SUITE_FILES[0].into(), verdicts.to_json(&profiles));
    generated
}

/// Builds every profile's small-world paths under every other profile with the same
/// alphabet, for the verdict report.
fn small_world_verdicts(
    configs: &[Config],
    explorations: &BTreeMap<String, Exploration>,
    verdicts: &mut verdicts::Verdicts,
) {
    let emitted: BTreeMap<&str, BTreeSet<Vec<u16>>> = explorations
        .iter()
        .map(|(profile, e)| (profile.as_str(), small_world::maximal_paths(&e.paths).into_iter().collect()))
        .collect();
    for config in configs {
        let Some(own) = explorations.get(&config.name) else { continue };
        let mut extra: BTreeSet<&Vec<u16>> = BTreeSet::new();
        for (profile, paths) in &emitted {
            let other = &explorations[*profile];
            if *profile != config.name && other.prelude == own.prelude && other.actions == own.actions {
                extra.extend(paths.iter().filter(|p| !emitted[config.name.as_str()].contains(*p)));
            }
        }
        for path in extra {
            let mut scenario = small_world::scenario(config, own, path);
            scenario.in_suite = false;
            verdicts.record("small-world", &config.name, &scenario);
        }
    }
}
