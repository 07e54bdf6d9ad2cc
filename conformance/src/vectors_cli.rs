//! `snapspec vectors`: writes the committed vector suites and reports their clause coverage.
//!
//! The generator itself is library code of the vector crate
//! ([`snapspec_vectors::generate`]); this module adds what only the harness has, the
//! bounded exhaustive exploration behind the `small-world` suite ([`crate::explore`]), and
//! the file handling. The dependency points one way: the harness depends on the vector
//! crate, and the vector crate takes the exploration's result as plain data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use snapspec_model::Config;
use snapspec_vectors::format::{self, LoadError};
use snapspec_vectors::generate::coverage::Coverage;
use snapspec_vectors::generate::{self, Exploration, Generated};

use crate::explore::{self, ExploreWorld};

/// Depth of the small world's exploration.
pub const SMALL_WORLD_DEPTH: usize = 2;
/// Snapshot local ids in the small world's alphabet.
pub const SMALL_WORLD_LOCAL_IDS: u64 = 2;
/// The suites directory, relative to the workspace root.
pub const SUITES_DIR: &str = "vectors/suites";

/// `snapspec vectors …`.
#[derive(clap::Subcommand, Clone, Debug)]
pub enum VectorsCommand {
    /// Rewrite the suites, `verdicts.json` and the JSON Schema (byte for byte the same on every run).
    Generate {
        /// The suites directory.
        #[arg(long, default_value = SUITES_DIR)]
        out: PathBuf,
        /// Where the JSON Schema goes.
        #[arg(long, default_value = snapspec_vectors::schema::SCHEMA_PATH)]
        schema: PathBuf,
        /// Write nothing; fail if the files differ from a fresh generation.
        #[arg(long)]
        check: bool,
    },
    /// Print the clause × suite coverage matrix of the suites in a directory.
    Coverage {
        /// The suites directory.
        #[arg(long, default_value = SUITES_DIR)]
        dir: PathBuf,
    },
}

/// Runs a `vectors` subcommand; `Ok(false)` when a check found differences.
pub fn run(command: VectorsCommand) -> Result<bool, String> {
    match command {
        VectorsCommand::Generate { out, schema, check: true } => {
            let differences = differences(&generate(), &out, &schema);
            for difference in &differences {
                println!("{difference}");
            }
            if !differences.is_empty() {
                println!(
                    "{} file(s) differ from a fresh generation: run `snapspec vectors generate`",
                    differences.len()
                );
            }
            Ok(differences.is_empty())
        }
        VectorsCommand::Generate { out, schema, check: false } => {
            let generated = generate();
            let written = write(&generated, &out, &schema).map_err(|e| e.to_string())?;
            let bytes: usize = generated.files.values().map(String::len).sum::<usize>() + generated.schema.len();
            println!(
                "wrote {} files ({} bytes) under {} and {}",
                written.len(),
                bytes,
                out.display(),
                schema.display()
            );
            Ok(true)
        }
        VectorsCommand::Coverage { dir } => {
            print!("{}", coverage(&dir).map_err(|e| e.to_string())?.render());
            Ok(true)
        }
    }
}

/// The small world's exploration under `config`.
pub fn exploration(config: &Config) -> Exploration {
    let world = ExploreWorld::new(config, SMALL_WORLD_LOCAL_IDS);
    let report = explore::explore_model(config, &world, SMALL_WORLD_DEPTH);
    if let Some((_, message)) = &report.violation {
        panic!("the model violates an invariant in the small world of {}: {message}", config.name);
    }
    Exploration {
        prelude: world.prelude,
        actions: world.actions,
        paths: report.paths,
        depth: report.depth,
        distinct_states: report.distinct_states,
        transitions: report.states_explored,
        reduction: "after symmetry reduction: the world's mirror image (c0↔c1 with bob↔carol) identified, times taken relative to now".into(),
    }
}

/// Every profile's exploration.
pub fn explorations() -> BTreeMap<String, Exploration> {
    Config::presets().iter().map(|config| (config.name.clone(), exploration(config))).collect()
}

/// Every generated file.
pub fn generate() -> Generated {
    generate::generate_all(&explorations())
}

/// Writes `generated`: suite files and `verdicts.json` under `out` (atomically, file by
/// file), the schema at `schema`; removes suite files under `out`'s profile directories that
/// the generation no longer produces. Returns the files written.
pub fn write(generated: &Generated, out: &Path, schema: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (relative, text) in &generated.files {
        let path = out.join(relative);
        write_atomic(&path, text)?;
        written.push(path);
    }
    write_atomic(schema, &generated.schema)?;
    written.push(schema.to_path_buf());
    for stale in stale_files(generated, out)? {
        std::fs::remove_file(&stale)?;
    }
    Ok(written)
}

fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// Suite files in `out`'s profile directories that `generated` does not contain.
fn stale_files(generated: &Generated, out: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for name in snapspec_model::config::PRESET_NAMES {
        let dir = out.join(name);
        if !dir.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let relative = format!("{name}/{}", path.file_name().and_then(|n| n.to_str()).unwrap_or(""));
            if format::is_suite_file(&path) && !generated.files.contains_key(&relative) {
                stale.push(path);
            }
        }
    }
    stale.sort();
    Ok(stale)
}

/// How the files under `out` and at `schema` differ from `generated`: one line per file
/// that is missing, different or stale. Empty when they are identical byte for byte.
pub fn differences(generated: &Generated, out: &Path, schema: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    let mut compare = |path: &Path, expected: &str| match std::fs::read(path) {
        Err(_) => lines.push(format!("missing:   {}", path.display())),
        Ok(bytes) if bytes != expected.as_bytes() => lines.push(format!("different: {}", path.display())),
        Ok(_) => {}
    };
    for (relative, text) in &generated.files {
        compare(&out.join(relative), text);
    }
    compare(schema, &generated.schema);
    match stale_files(generated, out) {
        Ok(stale) => lines.extend(stale.iter().map(|p| format!("stale:     {}", p.display()))),
        Err(e) => lines.push(format!("unreadable: {}: {e}", out.display())),
    }
    lines
}

/// The coverage of the suites under `dir`.
pub fn coverage(dir: &Path) -> Result<Coverage, LoadError> {
    let files = crate::replay::suite_files(dir).map_err(|e| LoadError {
        file: dir.to_path_buf(),
        path: ".".into(),
        message: e.to_string(),
    })?;
    let suites = files.iter().map(|file| format::load(file)).collect::<Result<Vec<_>, _>>()?;
    Ok(Coverage::of(&suites))
}
