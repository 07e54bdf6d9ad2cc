//! The `snapspec` command line. See `snapspec --help` and README.md.

// The model churns 4 KiB pages; glibc's malloc hands them back to the kernel and faults them
// in again, which dominated campaign time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::builder::RangedU64ValueParser;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use snapspec::campaign::{self, CampaignOptions};
use snapspec::compare::Mode;
use snapspec::explore::{self, ExploreReport, ExploreWorld};
use snapspec::replay::{self, ReplayReport, Selection, VectorResult};
use snapspec::report::{
    self, clause_list, coverage_table, plural, uncovered, Counts, DivergenceReport, ExploreCounts, RandomCounts,
    RunReport, VectorCounts, Verdict,
};
use snapspec::run::{Coverage, Divergence};
use snapspec::stdio::StdioSut;
use snapspec::sut::{Manifest, ModelSut, SutFault, SystemUnderTest};
use snapspec_model::{Call, Clause, Config, Request};

/// Deepest exploration accepted. Each level holds 10-13 times the states of the one before,
/// and time and memory grow alike: depth 6 takes ~10 s and 0.7 GB (`ic` profile), so depth 7
/// takes minutes and ~7 GB, and depth 8 would exhaust the memory of an ordinary machine.
const DEPTH_MAX: usize = 7;
/// The most snapshot local ids worth putting in the exploration's alphabet: local ids are
/// handed out in order, and a path of at most `DEPTH_MAX` calls takes at most that many
/// snapshots of a canister, so higher ids never exist.
const LOCAL_IDS_MAX: u64 = DEPTH_MAX as u64;
/// The most implementations the random phase drives at once.
const JOBS_MAX: u64 = 64;
/// Why depths beyond `DEPTH_MAX` are refused, for the error and the help.
const DEPTH_COST: &str = "each level costs about ten times the time and memory of the one before \
(depth 6: ~10 s and 0.7 GB; depth 7: minutes and ~7 GB)";

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
        /// Vector suites to take seeds from (must exist and hold suites).
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
        /// this directory (created if missing): `snapspec replay` then runs it against any
        /// implementation.
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
    /// The implementation: `serve` (the bundled model over the protocol), `model` (in-process),
    /// `pocketic`, or a command line (run with `sh -c`).
    #[arg(long, default_value = "serve")]
    sut: String,
    /// Strict (the replica's exact behaviour) or spec (what the spec allows).
    #[arg(long, value_enum, default_value_t = Mode::Strict)]
    mode: Mode,
    /// Per-request timeout for process implementations, milliseconds (at least 1).
    #[arg(long, default_value_t = 10_000, value_parser = positive::<u64>)]
    timeout_ms: u64,
    /// Write the whole run's report as JSON to this file (created before the run starts).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Hide progress bars.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct ProfileArg {
    /// Profile preset. `check` also takes `all`: every preset the implementation declares, one
    /// after another.
    #[arg(long, default_value = "ic")]
    profile: String,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    sut: SutArgs,
    #[command(flatten)]
    profile: ProfileArg,
    /// Seed of the random campaign (reproduces a run exactly).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Random sequences (at least 1).
    #[arg(long, default_value_t = 300, value_parser = positive::<u64>)]
    cases: u64,
    /// Calls per random sequence, at most (at least 1).
    #[arg(long, default_value_t = 40, value_parser = positive::<usize>)]
    steps: usize,
    /// Implementations the random campaign drives at once, 1 to 64 (cases are independent; the
    /// report is the same for any value). Default: one per core, or 1 for `pocketic`.
    #[arg(long, value_parser = RangedU64ValueParser::<usize>::new().range(1..=JOBS_MAX))]
    jobs: Option<usize>,
    /// Exploration depth, at most 7 (each level costs about ten times the one before); 0 skips
    /// the exploration.
    #[arg(long, default_value_t = 2, value_parser = check_depth)]
    depth: usize,
    /// Exploration traces replayed against the implementation at most (0: explore the model only).
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
// An implementation is only driven with `--sut-traces`: without it, options about the
// implementation would be silently ignored.
#[command(
    mut_arg("sut", |a| a.requires("sut_traces")),
    mut_arg("mode", |a| a.requires("sut_traces")),
    mut_arg("timeout_ms", |a| a.requires("sut_traces"))
)]
struct ExploreArgs {
    #[command(flatten)]
    sut: SutArgs,
    #[command(flatten)]
    profile: ProfileArg,
    /// Depth, 1 to 7 (each level costs about ten times the time and memory of the one before).
    #[arg(long, default_value_t = 3, value_parser = explore_depth)]
    depth: usize,
    /// Snapshot local ids in the alphabet, 1 to 7 (a path of at most 7 calls never reaches a
    /// higher one).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=LOCAL_IDS_MAX))]
    local_ids: u64,
    /// Also replay at most N exploration traces against `--sut`. Without it only the model is
    /// explored, and `--sut`, `--mode` and `--timeout-ms` are refused.
    #[arg(long, value_name = "N", value_parser = positive::<u64>)]
    sut_traces: Option<u64>,
}

#[derive(Args)]
struct ReplayArgs {
    /// A vector file or a directory of them.
    path: PathBuf,
    #[command(flatten)]
    sut: SutArgs,
    /// Only the suites of this profile (default: every profile the implementation supports).
    #[arg(long)]
    profile: Option<String>,
    /// Only the vector with this id (divergence reports print it).
    #[arg(long)]
    id: Option<String>,
}

#[derive(Args)]
struct MutantArgs {
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Random sequences per mutant at most (at least 1).
    #[arg(long, default_value_t = 2_000, value_parser = positive::<u64>)]
    cases: u64,
}

/// A count that must not be 0 (clap's own range message would quote `u64::MAX`).
fn positive<T: std::str::FromStr + PartialOrd + From<u8>>(text: &str) -> Result<T, String> {
    match text.parse::<T>() {
        Ok(value) if value >= T::from(1) => Ok(value),
        Ok(_) => Err("must be at least 1".into()),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

fn check_depth(text: &str) -> Result<usize, String> {
    bounded_depth(text, 0)
}

fn explore_depth(text: &str) -> Result<usize, String> {
    bounded_depth(text, 1)
}

fn bounded_depth(text: &str, min: usize) -> Result<usize, String> {
    let depth: usize = text.parse().map_err(|_| format!("{text:?} is not a depth (a whole number)"))?;
    if depth < min {
        return Err(format!("the depth must be at least {min}"));
    }
    if depth > DEPTH_MAX {
        return Err(format!(
            "the depth is at most {DEPTH_MAX}: {DEPTH_COST}, so depth {depth} would not fit in memory"
        ));
    }
    Ok(depth)
}

fn main() -> ExitCode {
    snapspec::allocator::keep_freed_memory();
    let cli = Cli::parse();
    // Commands that only compute and print behave as Unix filters. Commands that drive an
    // implementation keep SIGPIPE ignored: a write to a crashed implementation's stdin must
    // become a finding, not kill the harness.
    let drives_implementation = match &cli.command {
        Command::Clauses { .. } | Command::Vectors(_) | Command::FuzzCorpus { .. } | Command::FuzzInput { .. } => false,
        Command::Explore(args) => args.sut_traces.is_some(),
        _ => true,
    };
    if !drives_implementation {
        end_quietly_on_closed_stdout();
    } else if !matches!(cli.command, Command::Serve) {
        stop_implementations_on_interrupt();
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

/// Implementations run in process groups of their own (see `snapspec::stdio`), which the
/// terminal's Ctrl-C does not reach: an interrupted run kills them itself, and removes a
/// `--json` file it has not written yet.
fn stop_implementations_on_interrupt() {
    let installed = ctrlc::set_handler(|| {
        snapspec::stdio::kill_running_implementations();
        JsonOut::remove_pending();
        // Not `eprintln!`: on a closed stderr (a hung-up terminal) it would panic this thread
        // and leave the run going without a handler.
        let _ = writeln!(std::io::stderr(), "\ninterrupted: stopped the implementations this run started");
        std::process::exit(130);
    });
    if let Err(e) = installed {
        eprintln!(
            "warning: cannot handle interruptions ({e}): an interrupted run may leave its implementation running"
        );
    }
}

fn config_for(name: &str) -> Result<Config, String> {
    Config::preset(name)
        .ok_or_else(|| format!("unknown profile {name:?}; known: {}", snapspec_model::config::PRESET_NAMES.join(", ")))
}

/// How many implementations the random phase of `check` runs at once.
fn random_jobs(args: &CheckArgs) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let default = if args.sut.sut == "pocketic" { 1 } else { cores.min(JOBS_MAX as usize) };
    args.jobs.unwrap_or(default)
}

fn open_sut(args: &SutArgs) -> Result<Box<dyn SystemUnderTest + Send>, String> {
    let timeout = Duration::from_millis(args.timeout_ms);
    match args.sut.as_str() {
        "model" => Ok(Box::new(ModelSut::new())),
        "serve" => {
            let exe = std::env::current_exe().map_err(|e| format!("cannot find this program to run `serve`: {e}"))?;
            spawn_stdio(&format!("{} serve", report::shell_quote(&exe.display().to_string())), timeout)
        }
        "pocketic" => open_pocketic(),
        command => spawn_stdio(command, timeout),
    }
}

fn spawn_stdio(command: &str, timeout: Duration) -> Result<Box<dyn SystemUnderTest + Send>, String> {
    StdioSut::spawn(command, timeout)
        .map(|s| Box::new(s) as Box<dyn SystemUnderTest + Send>)
        .map_err(|fault| startup_failure(command, &fault))
}

/// Why the implementation `command` did not get through the handshake, and what to do.
fn startup_failure(command: &str, fault: &SutFault) -> String {
    let what = match fault {
        SutFault::Timeout { waited_ms, .. } => format!(
            "no answer to `hello` within {waited_ms} ms (raise --timeout-ms if it is only slow to start; it must \
             answer each request with one line on stdout, flushed)"
        ),
        SutFault::ProtocolVersion { got } => format!(
            "it answered `hello` with protocol version {got}, but this harness speaks version {} (docs/protocol.md)",
            snapspec::protocol::PROTOCOL_VERSION
        ),
        other => report::fault_summary(other),
    };
    format!("the implementation `{command}` did not start: {}", report::with_stderr_tail(what, fault))
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
    let style = ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos}/{len} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_prefix(what.to_string());
    bar
}

/// The `--json` report's file, created before the run: a path that cannot be written fails
/// at once, not after a long run and in place of its verdict.
struct JsonOut {
    path: PathBuf,
    file: File,
    /// Whether the report was written (else the file is removed when dropped).
    written: bool,
}

/// The `--json` file created and not yet written, for an interruption to remove.
static PENDING_JSON: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

impl JsonOut {
    fn create(path: Option<&Path>) -> Result<Option<JsonOut>, String> {
        let Some(path) = path else { return Ok(None) };
        let file = File::create(path)
            .map_err(|e| format!("--json {}: {e}: pass a file path in a writable directory", path.display()))?;
        Self::set_pending(Some(path.to_path_buf()));
        Ok(Some(JsonOut { path: path.to_path_buf(), file, written: false }))
    }

    fn write(mut self, report: &impl serde::Serialize) -> Result<(), String> {
        let mut json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
        json.push('\n');
        self.file.write_all(json.as_bytes()).map_err(|e| format!("--json {}: {e}", self.path.display()))?;
        self.written = true;
        Self::set_pending(None);
        Ok(())
    }

    fn set_pending(path: Option<PathBuf>) {
        *PENDING_JSON.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = path;
    }

    fn remove_pending() {
        if let Some(path) = PENDING_JSON.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A run that stops before its report (an implementation that does not start, a replay that
/// runs nothing) leaves no file: an empty one would read as broken JSON, not as the error.
impl Drop for JsonOut {
    fn drop(&mut self) {
        if !self.written {
            let _ = std::fs::remove_file(&self.path);
            Self::set_pending(None);
        }
    }
}

/// What a run has found so far.
#[derive(Default)]
struct Run {
    coverage: Coverage,
    counts: Counts,
    divergences: Vec<DivergenceReport>,
    violation: Option<String>,
}

impl Run {
    fn into_report(self, command: &'static str) -> RunReport {
        RunReport::new(command, &self.coverage, self.counts, self.divergences, self.violation)
    }

    /// Records a vector replay: its counts, coverage and one report per failed vector.
    fn add_vectors(&mut self, campaign: &str, report: ReplayReport, sut: &SutArgs) {
        self.coverage.merge(&report.coverage);
        self.counts.vectors = Some(VectorCounts {
            run: report.vectors,
            passed: report.passed,
            failed: report.failures.len() as u64,
            skipped: report.skipped,
        });
        for VectorResult { file, id, profile, trace, divergence } in report.failures {
            let vector = VectorRef { file: file.display().to_string(), id: Some(id) };
            self.divergences.push(divergence_report(campaign, &profile, trace, divergence, Some(vector), sut));
        }
    }
}

/// Where a divergence's trace is stored as a vector: a file, and the vector's id when the
/// file holds others.
struct VectorRef {
    file: String,
    id: Option<String>,
}

fn divergence_report(
    campaign: &str,
    profile: &str,
    trace: Vec<Request>,
    divergence: Divergence,
    vector: Option<VectorRef>,
    sut: &SutArgs,
) -> DivergenceReport {
    let replay = vector.as_ref().map(|v| report::replay_command(&v.file, v.id.as_deref(), &sut.sut, sut.mode));
    let (vector_file, vector_id) = vector.map_or((None, None), |v| (Some(v.file), v.id));
    DivergenceReport {
        campaign: campaign.into(),
        profile: profile.into(),
        // A failed reset involves no clause: the step it stands for was never sent. Nor does a
        // fault between calls: no step was being answered.
        clauses: if divergence.at_reset || divergence.fault.as_ref().is_some_and(SutFault::between_calls) {
            Vec::new()
        } else {
            divergence.expected.clauses.clone()
        },
        trace,
        divergence,
        vector_file,
        vector_id,
        replay,
    }
}

/// Writes a divergence's trace as a one-vector suite under `dir`; warns if it cannot.
fn save_regression(
    dir: &Path,
    config: &Config,
    divergence: &Divergence,
    trace: &[Request],
    comment: &str,
) -> Option<VectorRef> {
    match snapspec::regress::write_regression(dir, config, &divergence.signature(), trace, comment) {
        Ok(path) => Some(VectorRef { file: path.display().to_string(), id: None }),
        Err(e) => {
            eprintln!("warning: could not write the regression vector under {}: {e}", dir.display());
            None
        }
    }
}

/// `--profile all`: every preset the implementation declares.
const ALL_PROFILES: &str = "all";

fn check(args: CheckArgs) -> Result<bool, String> {
    // An unknown profile fails before anything starts.
    let single = match args.profile.profile.as_str() {
        ALL_PROFILES => None,
        name => Some(config_for(name)?),
    };
    let json = JsonOut::create(args.sut.json.as_deref())?;
    let started = Instant::now();
    let sut = open_sut(&args.sut)?;
    match single {
        Some(config) => {
            let (report, _) = check_profile(&args, &config, sut)?;
            finish(&report, json, started)
        }
        None => check_all(&args, sut, json, started),
    }
}

/// `check --profile all`: [`check_profile`] for each preset the implementation declares.
fn check_all(
    args: &CheckArgs,
    mut sut: Box<dyn SystemUnderTest + Send>,
    json: Option<JsonOut>,
    started: Instant,
) -> Result<bool, String> {
    let configs = declared_presets(sut.manifest())?;
    let mut reports = Vec::new();
    for (index, config) in configs.iter().enumerate() {
        if index > 0 {
            println!();
        }
        let (report, returned) = check_profile(args, config, sut)?;
        sut = returned;
        println!("\nprofile {}: {}", config.name, verdict_text(&report));
        reports.push(report);
    }
    finish_all(&reports, json, started)
}

/// The presets `manifest` declares, in preset order.
fn declared_presets(manifest: &Manifest) -> Result<Vec<Config>, String> {
    let configs: Vec<Config> =
        Config::presets().into_iter().filter(|config| manifest.profiles.contains(&config.name)).collect();
    if configs.is_empty() {
        return Err(format!(
            "--profile all: the implementation declares none of the presets ({}); it declares {:?}",
            snapspec_model::config::PRESET_NAMES.join(", "),
            manifest.profiles
        ));
    }
    Ok(configs)
}

/// Vectors, random campaign and exploration under one profile; returns the report and the
/// implementation, for the next profile.
fn check_profile(
    args: &CheckArgs,
    config: &Config,
    sut: Box<dyn SystemUnderTest + Send>,
) -> Result<(RunReport, Box<dyn SystemUnderTest + Send>), String> {
    let mut sut = sut;
    let implementation = sut.manifest().implementation.clone();
    println!(
        "snapspec check: implementation {implementation:?}, profile {}, mode {}, seed {}",
        config.name, args.sut.mode, args.seed
    );
    let mut run = Run::default();
    check_vectors(args, config, sut.as_mut(), &mut run)?;
    let mut sut = check_random(args, config, sut, &mut run)?;
    check_explore(args, config, sut.as_mut(), &mut run);
    print_summary(&run.coverage, config);
    let report = RunReport {
        implementation: Some(implementation),
        profile: Some(config.name.clone()),
        mode: Some(args.sut.mode),
        seed: Some(args.seed),
        ..run.into_report("check")
    };
    Ok((report, sut))
}

fn check_vectors(
    args: &CheckArgs,
    config: &Config,
    sut: &mut dyn SystemUnderTest,
    run: &mut Run,
) -> Result<(), String> {
    if !args.vectors.exists() {
        println!("vectors:     none at {} (skipped)", args.vectors.display());
        return Ok(());
    }
    let files = replay::suite_files(&args.vectors).map_err(|e| format!("--vectors {}: {e}", args.vectors.display()))?;
    let bar = progress(args.sut.quiet, files.len() as u64, "vectors");
    let selection = Selection { profile: Some(config.name.clone()), id: None };
    let report = replay::replay_selected(sut, &args.vectors, &selection, args.sut.mode, || bar.inc(1))
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    println!(
        "vectors:     {} run, {} passed, {} skipped ({})",
        report.vectors,
        report.passed,
        report.skipped,
        args.vectors.display()
    );
    run.add_vectors("vectors", report, &args.sut);
    Ok(())
}

/// The random campaign; returns the first implementation, for the exploration.
fn check_random(
    args: &CheckArgs,
    config: &Config,
    sut: Box<dyn SystemUnderTest + Send>,
    run: &mut Run,
) -> Result<Box<dyn SystemUnderTest + Send>, String> {
    let options = CampaignOptions {
        seed: args.seed,
        cases: args.cases,
        steps_max: args.steps,
        mode: args.sut.mode,
        config: config.clone(),
        shrink_runs_max: 2_000,
    };
    let mut suts = vec![sut];
    for copy in 2..=random_jobs(args) {
        // The first copy is running, and earlier phases' findings are in `run`: a copy that
        // will not start costs parallelism, not the report.
        match open_sut(&args.sut) {
            Ok(sut) => suts.push(sut),
            Err(why) => {
                println!("random:      copy {copy} of the implementation did not start; running on {}", suts.len());
                println!("             {}", why.replace('\n', "\n             "));
                break;
            }
        }
    }
    let bar = progress(args.sut.quiet, args.cases, "random");
    let report = campaign::run_parallel(&mut suts, &options, |_| bar.inc(1));
    bar.finish_and_clear();
    run.coverage.merge(&report.coverage);
    run.counts.random = Some(RandomCounts { cases: report.cases_run, calls: report.steps_run });
    println!(
        "random:      {} cases, {} calls, {:.1}s ({:.0} calls/s)",
        report.cases_run,
        report.steps_run,
        report.elapsed.as_secs_f64(),
        report.steps_run as f64 / report.elapsed.as_secs_f64().max(1e-9)
    );
    if let Some(finding) = report.finding {
        println!(
            "             divergence in case {} ({} steps, shrunk to {})",
            finding.case,
            finding.original_len,
            finding.requests.len()
        );
        let comment = if finding.confirmed {
            "shrunk divergence from a random campaign"
        } else {
            println!("             (the shrunk trace did not diverge the same way; the unshrunk one is kept)");
            "divergence from a random campaign, unshrunk: the shrunk trace did not diverge the same way"
        };
        let vector = save_regression(&args.regressions, config, &finding.divergence, &finding.requests, comment);
        run.divergences.push(divergence_report(
            "random",
            &config.name,
            finding.requests,
            finding.divergence,
            vector,
            &args.sut,
        ));
    }
    Ok(suts.swap_remove(0))
}

fn check_explore(args: &CheckArgs, config: &Config, sut: &mut dyn SystemUnderTest, run: &mut Run) {
    if args.depth == 0 {
        println!("explore:     skipped (--depth 0)");
        return;
    }
    let world = ExploreWorld::new(config, 2);
    let model = explore::explore_model(config, &world, args.depth);
    println!(
        "explore:     depth {}, {} states explored, {} distinct, {} clauses reached, {:.1}s",
        model.depth,
        model.states_explored,
        model.distinct_states,
        model.clauses.len(),
        model.elapsed.as_secs_f64()
    );
    if let Some((path, message)) = &model.violation {
        println!("             MODEL INVARIANT VIOLATED: {message} after {} steps", path.len());
        run.counts.explore = Some(explore_counts(&model));
        run.violation = Some(message.clone());
        return;
    }
    let traces_max = args.explore_traces.min(model.paths.len() as u64 * world.actions.len() as u64);
    let regressions = Some(args.regressions.as_path());
    replay_exploration(sut, config, &args.sut, &world, &model, traces_max, regressions, run);
    let counts = run.counts.explore.unwrap_or_default();
    println!("             {} traces ({} calls) replayed against the implementation", counts.traces, counts.calls);
}

fn explore_counts(model: &ExploreReport) -> ExploreCounts {
    ExploreCounts {
        depth: model.depth,
        states_explored: model.states_explored,
        distinct_states: model.distinct_states,
        clauses_reached: model.clauses.len(),
        traces: 0,
        calls: 0,
    }
}

/// Replays at most `traces_max` of the exploration's traces against `sut`; a divergence's
/// trace is written under `regressions`, if given.
#[allow(clippy::too_many_arguments)]
fn replay_exploration(
    sut: &mut dyn SystemUnderTest,
    config: &Config,
    args: &SutArgs,
    world: &ExploreWorld,
    model: &ExploreReport,
    traces_max: u64,
    regressions: Option<&Path>,
    run: &mut Run,
) {
    let bar = progress(args.quiet, traces_max, "explore");
    let report = explore::explore_sut(sut, config, args.mode, world, &model.paths, traces_max, |_| bar.inc(1));
    bar.finish_and_clear();
    run.coverage.merge(&report.coverage);
    run.counts.explore = Some(ExploreCounts { traces: report.traces, calls: report.steps, ..explore_counts(model) });
    if let Some((mut trace, divergence)) = report.divergence {
        trace.truncate(divergence.step + 1);
        let comment = "divergence found by exhaustive exploration";
        let vector = regressions.and_then(|dir| save_regression(dir, config, &divergence, &trace, comment));
        run.divergences.push(divergence_report("explore", &config.name, trace, divergence, vector, args));
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
    println!("uncovered clauses ({} of {}): {}", missing.len(), Clause::ALL.len(), clause_list(&missing));
}

fn method_in_profile(method: &str, config: &Config) -> bool {
    let proposal = ["take_snapshot", "load_snapshot", "list_snapshots", "delete_snapshot"].contains(&method);
    let management = method.ends_with("_canister_snapshot") || method == "list_canister_snapshots";
    match config.api {
        snapspec_model::config::Api::Proposal => !management,
        snapspec_model::config::Api::Management => !proposal,
    }
}

/// Prints the divergences and the verdict, writes the JSON report; `Ok(true)` if it conforms.
fn finish(report: &RunReport, json: Option<JsonOut>, started: Instant) -> Result<bool, String> {
    print!("{}", report::divergences_text(&report.divergences, json.is_some()));
    if let Some(json) = json {
        json.write(report)?;
    }
    println!("\nresult: {} ({:.1}s)", verdict_text(report), started.elapsed().as_secs_f64());
    Ok(report.result == Verdict::Conforms)
}

fn verdict_text(report: &RunReport) -> String {
    match report.result {
        Verdict::Conforms if report.implementation.is_none() => "the model's invariants hold".to_string(),
        Verdict::Conforms => "CONFORMS".to_string(),
        Verdict::Diverges => plural(report.divergences.len() as u64, "divergence", "divergences"),
        Verdict::ModelInvariantViolated => "MODEL INVARIANT VIOLATED".to_string(),
    }
}

/// `check --profile all`: the divergences of every profile, one verdict, and as JSON one
/// object holding each profile's report.
fn finish_all(reports: &[RunReport], json: Option<JsonOut>, started: Instant) -> Result<bool, String> {
    let divergences: Vec<DivergenceReport> = reports.iter().flat_map(|r| r.divergences.iter().cloned()).collect();
    print!("{}", report::divergences_text(&divergences, json.is_some()));
    let all = report::AllProfilesReport::new(reports);
    if let Some(json) = json {
        json.write(&all)?;
    }
    let verdict = if all.result == Verdict::Conforms {
        format!("CONFORMS under {}", all.profiles.join(", "))
    } else {
        let per_profile: Vec<String> =
            reports.iter().map(|r| format!("{} {}", r.profile.as_deref().unwrap_or("?"), verdict_text(r))).collect();
        per_profile.join("; ")
    };
    println!("\nresult: {verdict} ({:.1}s)", started.elapsed().as_secs_f64());
    Ok(all.result == Verdict::Conforms)
}

fn explore_command(args: ExploreArgs) -> Result<bool, String> {
    let config = config_for(&args.profile.profile)?;
    let json = JsonOut::create(args.sut.json.as_deref())?;
    let started = Instant::now();
    // Opened first: a command that cannot start fails before a long exploration.
    let mut sut = args.sut_traces.map(|_| open_sut(&args.sut)).transpose()?;
    let world = ExploreWorld::new(&config, args.local_ids);
    let model = explore::explore_model(&config, &world, args.depth);
    println!(
        "profile {}: {} actions, depth {}, {} states explored, {} distinct states, {:.2}s ({:.0} states/s)",
        config.name,
        world.actions.len(),
        model.depth,
        model.states_explored,
        model.distinct_states,
        model.elapsed.as_secs_f64(),
        model.states_explored as f64 / model.elapsed.as_secs_f64().max(1e-9)
    );
    println!("clauses reached ({} of {}): {}", model.clauses.len(), Clause::ALL.len(), clause_list(&model.clauses));
    let mut run = Run::default();
    run.counts.explore = Some(explore_counts(&model));
    if let Some((path, message)) = &model.violation {
        println!("INVARIANT VIOLATED: {message}");
        for request in path {
            println!("  {}", report::render_request(request));
        }
        run.violation = Some(message.clone());
    } else if let (Some(sut), Some(traces_max)) = (sut.as_mut(), args.sut_traces) {
        replay_exploration(sut.as_mut(), &config, &args.sut, &world, &model, traces_max, None, &mut run);
        let counts = run.counts.explore.unwrap_or_default();
        println!("{} traces, {} calls against {:?}", counts.traces, counts.calls, sut.manifest().implementation);
    }
    let implementation = sut.as_ref().map(|s| s.manifest().implementation.clone());
    let report = RunReport {
        mode: implementation.as_ref().map(|_| args.sut.mode),
        implementation,
        profile: Some(config.name.clone()),
        ..run.into_report("explore")
    };
    finish(&report, json, started)
}

fn replay_command(args: ReplayArgs) -> Result<bool, String> {
    if let Some(profile) = &args.profile {
        config_for(profile)?;
    }
    let json = JsonOut::create(args.sut.json.as_deref())?;
    let started = Instant::now();
    let files = replay::suite_files(&args.path).map_err(|e| format!("{}: {e}", args.path.display()))?;
    let mut sut = open_sut(&args.sut)?;
    let selection = Selection { profile: args.profile.clone(), id: args.id.clone() };
    let bar = progress(args.sut.quiet, files.len() as u64, "replay");
    let report = replay::replay_selected(sut.as_mut(), &args.path, &selection, args.sut.mode, || bar.inc(1))
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    println!(
        "{} run, {} passed, {} failed, {} skipped (profile or calls not supported by the implementation)",
        plural(report.vectors, "vector", "vectors"),
        report.passed,
        report.failures.len(),
        report.skipped
    );
    if report.vectors == 0 {
        return Err(nothing_replayed(&args, &report, sut.manifest()));
    }
    let mut run = Run::default();
    run.add_vectors("replay", report, &args.sut);
    let report = RunReport {
        implementation: Some(sut.manifest().implementation.clone()),
        profile: args.profile.clone(),
        mode: Some(args.sut.mode),
        ..run.into_report("replay")
    };
    finish(&report, json, started)
}

/// Why a replay ran no vector: a run that checked nothing must not pass.
fn nothing_replayed(args: &ReplayArgs, report: &ReplayReport, manifest: &Manifest) -> String {
    let path = args.path.display();
    let present = report.unselected + report.skipped;
    let why = if report.files == 0 {
        format!("{path} holds no vector suite files (*.json): check the path")
    } else if present == 0 {
        format!("the suites under {path} hold no vectors")
    } else if report.skipped == 0 {
        let filters: Vec<String> = [("--profile", &args.profile), ("--id", &args.id)]
            .into_iter()
            .filter_map(|(flag, value)| value.as_ref().map(|v| format!("{flag} {}", report::shell_quote(v))))
            .collect();
        format!("{} selects none of the {present} vectors under {path}", filters.join(" "))
    } else {
        format!(
            "{} skipped: the implementation supports profiles [{}] and capabilities [{}]",
            plural(report.skipped, "vector was", "vectors were"),
            manifest.profiles.join(", "),
            manifest.capabilities.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    };
    report::printable(&format!("no vector ran: {why}"))
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

fn fuzz_corpus(out: &Path, vectors: &Path) -> Result<bool, String> {
    for target in snapspec::corpus::write(out, vectors)? {
        let left_out = target.seeds - target.files - target.duplicates;
        let notes: Vec<String> = [
            (
                target.duplicates,
                format!("{} merged", plural(target.duplicates as u64, "duplicate seed", "duplicate seeds")),
            ),
            (left_out, format!("{left_out} left out: at most {} per target", snapspec::corpus::ENTRIES_PER_TARGET_MAX)),
        ]
        .into_iter()
        .filter_map(|(count, note)| (count > 0).then_some(note))
        .collect();
        let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join("; ")) };
        let files = plural(target.files as u64, "file", "files");
        println!("{:<18} {files:>9} written to {}{notes}", target.name, out.join(target.name).display());
    }
    Ok(true)
}

fn fuzz_input(file: &Path, vector_dir: Option<&Path>) -> Result<bool, String> {
    if let Some(dir) = vector_dir.filter(|d| d.exists() && !d.is_dir()) {
        return Err(format!("--vector-dir {}: not a directory: pass a directory (created if missing)", dir.display()));
    }
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
        println!("{index:>4} {marker:<7} {}", report::render_request(request));
    }
    let verdict = snapspec::oracles::model_invariants(&data);
    match &verdict {
        Ok(()) => println!("model invariants: hold after every step"),
        Err(message) => println!("model invariants: BROKEN\n{message}"),
    }
    if let Some(dir) = vector_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("--vector-dir {}: {e}", dir.display()))?;
        let comment = format!("decoded from fuzz input {}", file.display());
        let path = snapspec::regress::write_regression(dir, &config, "fuzz-input", &requests, &comment)
            .map_err(|e| format!("--vector-dir {}: {e}", dir.display()))?;
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
