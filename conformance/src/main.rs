//! The `snapspec` command line. See `snapspec --help` and README.md.

// The model churns 4 KiB pages; glibc's malloc hands them back to the kernel and faults them
// in again, which dominated campaign time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use snapspec::campaign::{self, CampaignOptions};
use snapspec::compare::Mode;
use snapspec::explore::{self, ExploreWorld};
use snapspec::replay;
use snapspec::report::{coverage_table, uncovered, DivergenceReport};
use snapspec::run::Coverage;
use snapspec::stdio::StdioSut;
use snapspec::sut::{ModelSut, SystemUnderTest};
use snapspec_model::{Call, Clause, Config};

#[derive(Parser)]
#[command(
    name = "snapspec",
    version,
    about = "Executable specification and conformance harness for IC canister snapshots"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Vectors, random campaign and bounded exhaustive exploration against an implementation.
    Check(CheckArgs),
    /// Serve the model over the stdio protocol (docs/protocol.md).
    Serve,
    /// Bounded exhaustive exploration of the model (and optionally an implementation).
    Explore(ExploreArgs),
    /// Replay vector files (a file or a directory) against an implementation.
    Replay(ReplayArgs),
    /// Run the mutation suite: every faulty variant must be caught.
    Mutants(MutantArgs),
    /// Write seed corpora for the fuzz targets (from the vectors and the model's generator).
    FuzzCorpus {
        /// Output directory (one folder per target).
        #[arg(long, default_value = "fuzz/corpus")]
        out: PathBuf,
        /// Vector suites to take seeds from.
        #[arg(long, default_value = "vectors/suites")]
        vectors: PathBuf,
    },
    /// Show what a `model_invariants` or `differential` fuzz input (a crash artifact, a corpus
    /// entry) denotes: profile, world and calls, and whether the model's invariants hold.
    /// Exit code 1 if they do not.
    FuzzInput {
        /// The input file.
        file: PathBuf,
        /// Also write the calls, with the model's expected outcomes, as a one-vector suite in
        /// this directory: `snapspec replay` then runs it against any implementation.
        #[arg(long)]
        vector_dir: Option<PathBuf>,
    },
    /// Generate the vector suites (`generate`) or print their clause coverage (`coverage`).
    #[command(subcommand)]
    Vectors(snapspec::vectors_cli::VectorsCommand),
    /// Print the clause table (`--markdown` renders docs/clauses.md).
    Clauses {
        /// Markdown, as in docs/clauses.md.
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(Args, Clone)]
struct SutArgs {
    /// `serve` (the bundled model over the protocol), `model` (in-process), `pocketic`, or a command line.
    #[arg(long, default_value = "serve")]
    sut: String,
    /// Profile preset.
    #[arg(long, default_value = "ic")]
    profile: String,
    /// Strict (the replica's exact behaviour) or spec (what the spec allows).
    #[arg(long, value_enum, default_value_t = Mode::Strict)]
    mode: Mode,
    /// Per-call timeout for process implementations, milliseconds.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Hide progress bars.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    sut: SutArgs,
    /// Seed of the random campaign (reproduces a run exactly).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Random sequences.
    #[arg(long, default_value_t = 300)]
    cases: u64,
    /// Calls per random sequence.
    #[arg(long, default_value_t = 40)]
    steps: usize,
    /// Implementations the random campaign drives at once (cases are independent; the report
    /// is the same for any value). Default: one per core, or 1 for `pocketic`.
    #[arg(long)]
    jobs: Option<usize>,
    /// Exploration depth.
    #[arg(long, default_value_t = 2)]
    depth: usize,
    /// Exploration traces replayed against the implementation at most.
    #[arg(long, default_value_t = 3_000)]
    explore_traces: u64,
    /// Vector suites to replay.
    #[arg(long, default_value = "vectors/suites")]
    vectors: PathBuf,
    /// Where shrunk divergences are written as vectors.
    #[arg(long, default_value = "regressions")]
    regressions: PathBuf,
}

#[derive(Args)]
struct ExploreArgs {
    #[command(flatten)]
    sut: SutArgs,
    /// Depth.
    #[arg(long, default_value_t = 3)]
    depth: usize,
    /// Snapshot local ids in the alphabet.
    #[arg(long, default_value_t = 2)]
    local_ids: u64,
    /// Also replay against `--sut` (at most this many traces; 0 = model only).
    #[arg(long, default_value_t = 0)]
    sut_traces: u64,
}

#[derive(Args)]
struct ReplayArgs {
    /// A vector file or a directory of them.
    path: PathBuf,
    #[command(flatten)]
    sut: SutArgs,
}

#[derive(Args)]
struct MutantArgs {
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Random sequences per mutant at most.
    #[arg(long, default_value_t = 2_000)]
    cases: u64,
}

fn main() -> ExitCode {
    snapspec::allocator::keep_freed_memory();
    let cli = Cli::parse();
    // Commands that only compute and print behave as Unix filters. Commands that drive an
    // implementation keep SIGPIPE ignored: a write to a crashed implementation's stdin must
    // become a finding, not kill the harness.
    let drives_implementation = match &cli.command {
        Command::Clauses { .. } | Command::Vectors(_) | Command::FuzzCorpus { .. } | Command::FuzzInput { .. } => false,
        Command::Explore(args) => args.sut_traces > 0,
        _ => true,
    };
    if !drives_implementation {
        end_quietly_on_closed_stdout();
    }
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Serve => snapspec::serve::serve(std::io::stdin().lock(), std::io::stdout().lock())
            .map(|_| true)
            .map_err(|e| e.to_string()),
        Command::Explore(args) => explore_command(args),
        Command::Replay(args) => replay_command(args),
        Command::Mutants(args) => mutants_command(args),
        Command::FuzzCorpus { out, vectors } => fuzz_corpus(&out, &vectors),
        Command::FuzzInput { file, vector_dir } => fuzz_input(&file, vector_dir.as_deref()),
        Command::Vectors(command) => snapspec::vectors_cli::run(command),
        Command::Clauses { markdown } => {
            print_clauses(markdown);
            Ok(true)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// `snapspec clauses | head` ends quietly when the reader is gone, instead of panicking in
/// `println!` on the closed pipe (Rust ignores SIGPIPE by default).
fn end_quietly_on_closed_stdout() {
    #[cfg(unix)]
    // SAFETY: called in `main` before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn config_for(name: &str) -> Result<Config, String> {
    Config::preset(name)
        .ok_or_else(|| format!("unknown profile {name:?}; known: {}", snapspec_model::config::PRESET_NAMES.join(", ")))
}

/// How many implementations the random phase of `check` runs at once.
fn random_jobs(args: &CheckArgs) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let default = if args.sut.sut == "pocketic" { 1 } else { cores };
    args.jobs.unwrap_or(default).clamp(1, 64)
}

fn open_sut(args: &SutArgs) -> Result<Box<dyn SystemUnderTest + Send>, String> {
    let timeout = Duration::from_millis(args.timeout_ms);
    match args.sut.as_str() {
        "model" => Ok(Box::new(ModelSut::new())),
        "serve" => {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            let command = format!("'{}' serve", exe.display());
            StdioSut::spawn(&command, timeout)
                .map(|s| Box::new(s) as Box<dyn SystemUnderTest + Send>)
                .map_err(|f| f.to_string())
        }
        "pocketic" => open_pocketic(),
        command => StdioSut::spawn(command, timeout)
            .map(|s| Box::new(s) as Box<dyn SystemUnderTest + Send>)
            .map_err(|f| f.to_string()),
    }
}

#[cfg(feature = "pocketic")]
fn open_pocketic() -> Result<Box<dyn SystemUnderTest + Send>, String> {
    snapspec::pocketic::PocketIcSut::from_env().map(|s| Box::new(s) as Box<dyn SystemUnderTest + Send>)
}

#[cfg(not(feature = "pocketic"))]
fn open_pocketic() -> Result<Box<dyn SystemUnderTest + Send>, String> {
    Err("this build has no PocketIC adapter: rebuild with `--features pocketic`".into())
}

fn progress(quiet: bool, len: u64, what: &str) -> ProgressBar {
    if quiet || len == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos}/{len} {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(what.to_string());
    bar
}

struct Findings {
    reports: Vec<DivergenceReport>,
}

fn check(args: CheckArgs) -> Result<bool, String> {
    let config = config_for(&args.sut.profile)?;
    let mut sut = open_sut(&args.sut)?;
    let started = Instant::now();
    println!(
        "snapspec check: implementation {:?}, profile {}, mode {:?}, seed {}",
        sut.manifest().implementation,
        config.name,
        args.sut.mode,
        args.seed
    );
    let mut coverage = Coverage::default();
    let mut findings = Findings { reports: Vec::new() };

    // 1. Vectors.
    if args.vectors.exists() {
        let files = replay::suite_files(&args.vectors).map_err(|e| e.to_string())?;
        let bar = progress(args.sut.quiet, files.len() as u64, "vectors");
        let mut totals = (0u64, 0u64, 0u64);
        for file in &files {
            let suite = snapspec_vectors::format::load(file).map_err(|e| e.to_string())?;
            if suite.profile.name != config.name {
                bar.inc(1);
                continue;
            }
            let report = replay::replay_path(sut.as_mut(), file, args.sut.mode, || {}).map_err(|e| e.to_string())?;
            totals = (totals.0 + report.vectors, totals.1 + report.passed, totals.2 + report.skipped);
            coverage.merge(&report.coverage);
            for failure in report.failures {
                let divergence = failure.divergence.expect("failures diverge");
                let vector = snapspec_vectors::format::load(&failure.file)
                    .ok()
                    .and_then(|s| s.vectors.into_iter().find(|v| v.id == failure.id));
                let trace =
                    vector.map(|v| v.steps.iter().filter_map(|s| s.request().ok()).collect()).unwrap_or_default();
                findings.reports.push(divergence_report(
                    "vectors",
                    &config,
                    trace,
                    divergence,
                    Some(format!("{} ({})", failure.file.display(), failure.id)),
                ));
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        println!(
            "vectors:     {} run, {} passed, {} skipped ({})",
            totals.0,
            totals.1,
            totals.2,
            args.vectors.display()
        );
    } else {
        println!("vectors:     none at {} (skipped)", args.vectors.display());
    }

    // 2. Random campaign.
    let options = CampaignOptions {
        seed: args.seed,
        cases: args.cases,
        steps_max: args.steps,
        mode: args.sut.mode,
        config: config.clone(),
        shrink_runs_max: 2_000,
    };
    let bar = progress(args.sut.quiet, args.cases, "random");
    let mut suts = vec![sut];
    for _ in 1..random_jobs(&args) {
        suts.push(open_sut(&args.sut)?);
    }
    let report = campaign::run_parallel(&mut suts, &options, |_| bar.inc(1));
    let mut sut = suts.swap_remove(0);
    bar.finish_and_clear();
    coverage.merge(&report.coverage);
    println!(
        "random:      {} cases, {} calls, {:.1}s ({:.0} calls/s)",
        report.cases_run,
        report.steps_run,
        report.elapsed.as_secs_f64(),
        report.steps_run as f64 / report.elapsed.as_secs_f64().max(1e-9)
    );
    if let Some(finding) = report.finding {
        let file = snapspec::regress::write_regression(
            &args.regressions,
            &config,
            &finding.divergence.signature(),
            &finding.requests,
            "shrunk divergence from a random campaign",
        )
        .map(|p| p.display().to_string())
        .map_err(|e| eprintln!("warning: could not write the regression vector: {e}"))
        .ok();
        println!(
            "             divergence in case {} ({} steps, shrunk to {})",
            finding.case,
            finding.original_len,
            finding.requests.len()
        );
        findings.reports.push(divergence_report("random", &config, finding.requests, finding.divergence, file));
    }

    // 3. Bounded exhaustive exploration.
    let world = ExploreWorld::new(&config, 2);
    let model_report = explore::explore_model(&config, &world, args.depth);
    println!(
        "explore:     depth {}, {} states explored, {} distinct, {} clauses reached, {:.1}s",
        model_report.depth,
        model_report.states_explored,
        model_report.distinct_states,
        model_report.clauses.len(),
        model_report.elapsed.as_secs_f64()
    );
    if let Some((path, message)) = &model_report.violation {
        println!("             MODEL INVARIANT VIOLATED: {message} after {} steps", path.len());
        return Ok(false);
    }
    let traces_max = args.explore_traces.min(model_report.paths.len() as u64 * world.actions.len() as u64);
    let bar = progress(args.sut.quiet, traces_max, "explore");
    let sut_report =
        explore::explore_sut(sut.as_mut(), &config, args.sut.mode, &world, &model_report.paths, traces_max, |_| {
            bar.inc(1)
        });
    bar.finish_and_clear();
    coverage.merge(&sut_report.coverage);
    println!(
        "             {} traces ({} calls) replayed against the implementation",
        sut_report.traces, sut_report.steps
    );
    if let Some((trace, divergence)) = sut_report.divergence {
        let signature = divergence.signature();
        let trace = trace[..=divergence.step].to_vec();
        let file = snapspec::regress::write_regression(
            &args.regressions,
            &config,
            &signature,
            &trace,
            "divergence found by exhaustive exploration",
        )
        .map(|p| p.display().to_string())
        .ok();
        findings.reports.push(divergence_report("explore", &config, trace, divergence, file));
    }

    print_summary(&coverage, &config);
    finish(&args.sut, &findings, started)
}

fn divergence_report(
    campaign: &str,
    config: &Config,
    trace: Vec<snapspec_model::Request>,
    divergence: snapspec::run::Divergence,
    vector_file: Option<String>,
) -> DivergenceReport {
    let clauses = divergence.expected.clauses.clone();
    DivergenceReport {
        campaign: campaign.into(),
        profile: config.name.clone(),
        trace,
        divergence,
        clauses,
        vector_file,
    }
}

fn print_summary(coverage: &Coverage, config: &Config) {
    let methods: Vec<&str> = Call::METHOD_NAMES
        .iter()
        .copied()
        .filter(|m| coverage.methods.contains_key(*m) || method_in_profile(m, config))
        .collect();
    println!("\n{}", coverage_table(coverage, &methods));
    let missing = uncovered(coverage);
    let ids: Vec<&str> = missing.iter().map(|c| c.id()).collect();
    println!(
        "uncovered clauses ({} of {}): {}",
        missing.len(),
        Clause::ALL.len(),
        if ids.is_empty() { "none".to_string() } else { ids.join(", ") }
    );
}

fn method_in_profile(method: &str, config: &Config) -> bool {
    let proposal = ["take_snapshot", "load_snapshot", "list_snapshots", "delete_snapshot"].contains(&method);
    let management = method.ends_with("_canister_snapshot") || method == "list_canister_snapshots";
    match config.api {
        snapspec_model::config::Api::Proposal => !management,
        snapspec_model::config::Api::Management => !proposal,
    }
}

fn finish(args: &SutArgs, findings: &Findings, started: Instant) -> Result<bool, String> {
    for report in &findings.reports {
        println!("\n{}", report.to_text());
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&findings.reports).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let conforms = findings.reports.is_empty();
    println!(
        "\nresult: {} ({:.1}s)",
        if conforms { "CONFORMS".to_string() } else { format!("{} divergence(s)", findings.reports.len()) },
        started.elapsed().as_secs_f64()
    );
    Ok(conforms)
}

fn explore_command(args: ExploreArgs) -> Result<bool, String> {
    let config = config_for(&args.sut.profile)?;
    let world = ExploreWorld::new(&config, args.local_ids);
    let report = explore::explore_model(&config, &world, args.depth);
    let rate = report.states_explored as f64 / report.elapsed.as_secs_f64().max(1e-9);
    println!(
        "profile {}: {} actions, depth {}, {} states explored, {} distinct states, {:.2}s ({:.0} states/s)",
        config.name,
        world.actions.len(),
        report.depth,
        report.states_explored,
        report.distinct_states,
        report.elapsed.as_secs_f64(),
        rate
    );
    let reached: Vec<&str> = report.clauses.iter().map(|c| c.id()).collect();
    println!("clauses reached ({} of {}): {}", reached.len(), Clause::ALL.len(), reached.join(" "));
    if let Some((path, message)) = &report.violation {
        println!("INVARIANT VIOLATED: {message}");
        for request in path {
            println!("  {}", snapspec::report::render_request(request));
        }
        return Ok(false);
    }
    if args.sut_traces == 0 {
        return Ok(true);
    }
    let mut sut = open_sut(&args.sut)?;
    let bar = progress(args.sut.quiet, args.sut_traces, "explore");
    let sut_report =
        explore::explore_sut(sut.as_mut(), &config, args.sut.mode, &world, &report.paths, args.sut_traces, |_| {
            bar.inc(1)
        });
    bar.finish_and_clear();
    println!("{} traces, {} calls against {:?}", sut_report.traces, sut_report.steps, sut.manifest().implementation);
    let mut findings = Findings { reports: Vec::new() };
    if let Some((trace, divergence)) = sut_report.divergence {
        let trace = trace[..=divergence.step].to_vec();
        findings.reports.push(divergence_report("explore", &config, trace, divergence, None));
    }
    finish(&args.sut, &findings, Instant::now())
}

fn replay_command(args: ReplayArgs) -> Result<bool, String> {
    let mut sut = open_sut(&args.sut)?;
    let bar = progress(args.sut.quiet, 0, "replay");
    let report =
        replay::replay_path(sut.as_mut(), &args.path, args.sut.mode, || bar.inc(1)).map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    println!(
        "{} vectors run, {} passed, {} failed, {} skipped (profile not supported)",
        report.vectors,
        report.passed,
        report.failures.len(),
        report.skipped
    );
    let mut findings = Findings { reports: Vec::new() };
    for failure in report.failures {
        let suite = snapspec_vectors::format::load(&failure.file).map_err(|e| e.to_string())?;
        let trace = suite
            .vectors
            .iter()
            .find(|v| v.id == failure.id)
            .map(|v| v.steps.iter().filter_map(|s| s.request().ok()).collect())
            .unwrap_or_default();
        let divergence = failure.divergence.expect("failures diverge");
        findings.reports.push(divergence_report(
            "replay",
            &suite.profile,
            trace,
            divergence,
            Some(format!("{} ({})", failure.file.display(), failure.id)),
        ));
    }
    finish(&args.sut, &findings, Instant::now())
}

fn mutants_command(args: MutantArgs) -> Result<bool, String> {
    let results = snapspec::mutants::hunt_all(args.seed, args.cases);
    let mut all_killed = true;
    println!("{:<30} {:>8} {:>10}  by", "mutant", "killed", "time");
    for result in &results {
        all_killed &= result.killed_by.is_some();
        println!(
            "{:<30} {:>8} {:>8.1}ms  {}",
            result.fault.name(),
            if result.killed_by.is_some() { "yes" } else { "NO" },
            result.elapsed.as_secs_f64() * 1e3,
            result.killed_by.as_deref().unwrap_or("-")
        );
    }
    println!("{} of {} mutants killed", results.iter().filter(|r| r.killed_by.is_some()).count(), results.len());
    Ok(all_killed)
}

fn fuzz_corpus(out: &std::path::Path, vectors: &std::path::Path) -> Result<bool, String> {
    let counts = snapspec::corpus::write(out, vectors).map_err(|e| format!("{}: {e}", out.display()))?;
    for (target, count) in counts {
        println!("{target:<18} {count:>4} seeds in {}", out.join(target).display());
    }
    Ok(true)
}

fn fuzz_input(file: &std::path::Path, vector_dir: Option<&std::path::Path>) -> Result<bool, String> {
    let data = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let snapspec::oracles::Decoded { config, world, requests } = snapspec::oracles::decode_sequence(&data);
    let prelude = world.prelude().len();
    println!("profile {}", config.name);
    println!(
        "world: {} canister ids, {} callers, {} local snapshot ids, write offsets up to {} and lengths up to {} bytes",
        world.canisters,
        world.principals.len(),
        world.local_ids,
        world.offset_bytes_max,
        world.write_bytes_max
    );
    println!("calls: {} after a prelude of {prelude}", requests.len() - prelude);
    for (index, request) in requests.iter().enumerate() {
        let marker = if index < prelude { "prelude" } else { "" };
        println!("{index:>4} {marker:<7} {}", snapspec::report::render_request(request));
    }
    let verdict = snapspec::oracles::model_invariants(&data);
    match &verdict {
        Ok(()) => println!("model invariants: hold after every step"),
        Err(message) => println!("model invariants: BROKEN\n{message}"),
    }
    if let Some(dir) = vector_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let comment = format!("decoded from fuzz input {}", file.display());
        let path = snapspec::regress::write_regression(dir, &config, "fuzz-input", &requests, &comment)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        println!("vector: {}", path.display());
    }
    Ok(verdict.is_ok())
}

fn print_clauses(markdown: bool) {
    if markdown {
        print!("{}", snapspec_model::clause::render_markdown());
        return;
    }
    for clause in Clause::ALL {
        println!("{:<28} {:?}  {}", clause.id(), clause.kind(), clause.text());
    }
}
