//! Fuzzing oracles: each takes raw bytes, runs one check, and returns `Err` with a readable
//! account of what broke. The fuzz targets under `fuzz/` are one-line glue over these (the
//! wasmtime layout), and `tests/fuzz_regressions.rs` replays saved crashes through them.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Duration;

use arbitrary::Unstructured;
use rustc_hash::FxHashMap;

use snapspec_model::config::Api;
use snapspec_model::config::PRESET_NAMES;
use snapspec_model::generators::{calls_from_bytes, requests_from_bytes, world_from_bytes, PreludeKey, World};
use snapspec_model::invariants::InvariantChecker;
use snapspec_model::memory::{Memory, OS_PAGE_SIZE_BYTES, WASM_PAGE_SIZE_BYTES};
use snapspec_model::{step, Config, Request, State};

use crate::compare::Mode;
use crate::mutants::{Fault, MutantSut};
use crate::run::run_trace;
use crate::sut::{ModelSut, SystemUnderTest};

/// Calls per fuzzed sequence at most.
pub const SEQUENCE_CALLS_MAX: usize = 64;
/// Bytes the parser oracles look at at most (bounded memory per input).
pub const INPUT_BYTES_MAX: usize = 1 << 20;

/// The profile and call sequence a fuzz input denotes: the first byte picks the profile, the
/// next choices a world ([`World::arbitrary`]), the rest the calls (prelude included here).
pub fn sequence(data: &[u8]) -> (Config, Vec<Request>) {
    let Decoded { config, requests, .. } = decode_sequence(data);
    (config, requests)
}

/// Everything a `model_invariants` or `differential` input denotes.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The profile.
    pub config: Config,
    /// The world the calls are drawn from.
    pub world: World,
    /// The calls, the world's prelude first.
    pub requests: Vec<Request>,
}

/// Decodes a `model_invariants` or `differential` input (see [`sequence`]).
pub fn decode_sequence(data: &[u8]) -> Decoded {
    let (preset, world, calls) = decode(data);
    let config = Config::preset(PRESET_NAMES[preset]).expect("listed preset");
    let requests = requests_from_bytes(calls, &world, SEQUENCE_CALLS_MAX);
    Decoded { config, world, requests }
}

/// (index into [`PRESET_NAMES`], world, bytes left for the calls).
fn decode(data: &[u8]) -> (usize, World, &[u8]) {
    let (first, rest) = data.split_first().map_or((0, data), |(f, r)| (*f, r));
    let preset = first as usize % PRESET_NAMES.len();
    let (world, calls) = world_from_bytes(rest, preset_api(preset));
    (preset, world, calls)
}

/// The API of preset `index` (building the whole [`Config`] per input is measurable when
/// inputs are short).
fn preset_api(index: usize) -> Api {
    static APIS: OnceLock<Vec<Api>> = OnceLock::new();
    APIS.get_or_init(|| PRESET_NAMES.iter().map(|name| Config::preset(name).expect("listed preset").api).collect())
        [index]
}

/// A profile, a world's prelude and the state after it (checked once).
struct Start {
    config: Config,
    prelude: Vec<Request>,
    state: State,
}

/// The profile (index into [`PRESET_NAMES`]) and [`World::prelude_key`].
type StartKey = (usize, PreludeKey);

thread_local! {
    /// Starts built so far: each fuzz input then begins from a shared, already verified
    /// state (an O(1) clone) instead of re-running and re-checking the prelude. Bounded:
    /// presets × 5 canister counts × at most 8 second controllers (or none).
    static STARTS: RefCell<FxHashMap<StartKey, Rc<Start>>> = RefCell::new(FxHashMap::default());
}

fn start(preset: usize, world: &World) -> Rc<Start> {
    let key = (preset, world.prelude_key());
    STARTS.with_borrow_mut(|starts| {
        let start = starts.entry(key).or_insert_with(|| {
            let config = Config::preset(PRESET_NAMES[preset]).expect("listed preset");
            let prelude = world.prelude();
            let mut state = State::new(&config);
            for request in &prelude {
                state = step(&config, &state, request).state;
            }
            snapspec_model::invariants::check_state(&config, &state).expect("the prelude's state is valid");
            Rc::new(Start { config, prelude, state })
        });
        Rc::clone(start)
    })
}

/// Every model invariant holds after every step of the sequence `data` denotes (the same
/// sequence as [`sequence`]).
pub fn model_invariants(data: &[u8]) -> Result<(), String> {
    let (preset, world, rest) = decode(data);
    let start = start(preset, &world);
    let calls = calls_from_bytes(rest, &world, SEQUENCE_CALLS_MAX);
    let mut state = start.state.clone();
    let mut checker = InvariantChecker::new();
    for (index, request) in calls.iter().enumerate() {
        let transition = step(&start.config, &state, request);
        // `state` is verified: the start was checked once, each later state by the step before.
        if let Err(violation) = checker.observe_from_verified(&start.config, &state, &transition) {
            let calls: Vec<String> =
                start.prelude.iter().chain(&calls[..=index]).map(crate::report::render_request).collect();
            return Err(format!("profile {}: {violation}\ncalls:\n  {}", start.config.name, calls.join("\n  ")));
        }
        state = transition.state;
    }
    Ok(())
}

/// Which implementation the differential oracle compares with the model: the
/// `SNAPSPEC_FUZZ_SUT` environment variable names a mutant (`mutant:limit-off-by-one`), a
/// command line for the stdio protocol, or `model` (the default: the model against itself).
pub fn differential_sut() -> Box<dyn SystemUnderTest + Send> {
    let choice = std::env::var("SNAPSPEC_FUZZ_SUT").unwrap_or_else(|_| "model".into());
    if let Some(name) = choice.strip_prefix("mutant:") {
        let fault =
            Fault::ALL.into_iter().find(|f| f.name() == name).unwrap_or_else(|| panic!("unknown mutant {name}"));
        return Box::new(MutantSut::new(fault));
    }
    if choice == "model" {
        return Box::new(ModelSut::new());
    }
    match crate::stdio::StdioSut::spawn(&choice, Duration::from_secs(10)) {
        Ok(sut) => Box::new(sut),
        Err(fault) => panic!("SNAPSPEC_FUZZ_SUT={choice}: {fault}"),
    }
}

/// The implementation answers the sequence `data` denotes as the model does (strict mode).
pub fn differential(sut: &mut dyn SystemUnderTest, data: &[u8]) -> Result<(), String> {
    let (config, requests) = sequence(data);
    if !sut.manifest().profiles.contains(&config.name) {
        return Ok(());
    }
    match run_trace(sut, &config, Mode::Strict, &requests).divergence {
        None => Ok(()),
        Some(d) if d.at_reset => Err(format!("profile {}: reset: {:?}", config.name, d.fault)),
        Some(d) => Err(format!(
            "profile {}: step {} {}: {:?} {:?}",
            config.name,
            d.step,
            crate::report::render_request(&d.request),
            d.mismatch,
            d.fault
        )),
    }
}

/// Wasm pages the `checksum` target's memory grows to at most: each input rebuilds its
/// memory from scratch, so this bounds the work per input.
pub const CHECKSUM_WASM_PAGES_MAX: u64 = 4;
/// Operations one `checksum` input denotes at most.
pub const CHECKSUM_OPS_MAX: usize = 128;
/// Clones one `checksum` input keeps (and checks) at most.
pub const CHECKSUM_CLONES_MAX: usize = 4;

/// One operation of the `checksum` target: what execution and snapshots do to a memory.
#[derive(Clone, Debug, arbitrary::Arbitrary)]
pub enum MemoryOp {
    /// Writes `len` bytes of `pattern` at `offset`; both are reduced to fit the current
    /// size, so every write is in bounds.
    Write {
        /// Byte offset, modulo the size.
        offset: u32,
        /// Length, at most what fits after the offset.
        len: u16,
        /// The bytes.
        pattern: Pattern,
    },
    /// Writes back the bytes already at (`offset`, `len`), both reduced to fit.
    Rewrite {
        /// Byte offset, modulo the size.
        offset: u32,
        /// Length, at most what fits after the offset.
        len: u16,
    },
    /// Grows by `wasm_pages`, up to [`CHECKSUM_WASM_PAGES_MAX`] in all.
    Grow {
        /// Wasm pages to add.
        wasm_pages: u8,
    },
    /// Keeps a clone (as a snapshot does) with its checksum and contents, checked at the end.
    Clone,
    /// Computes the checksum now, so later writes must invalidate the cached hashes.
    Hash,
}

/// The bytes a [`MemoryOp::Write`] writes.
#[derive(Clone, Copy, Debug, arbitrary::Arbitrary)]
pub enum Pattern {
    /// Zeros: clears pages, and must not store pages that were absent.
    Zeros,
    /// One byte repeated.
    Run(u8),
    /// `first`, `first + 1`, … (wrapping): differs at every position.
    Ramp(u8),
}

impl Pattern {
    fn bytes(self, len: usize) -> Vec<u8> {
        match self {
            Pattern::Zeros => vec![0; len],
            Pattern::Run(byte) => vec![byte; len],
            Pattern::Ramp(first) => (0..len).map(|i| first.wrapping_add(i as u8)).collect(),
        }
    }
}

/// The memory, and the flat bytes it must hold.
struct Tracked {
    memory: Memory,
    flat: Vec<u8>,
}

impl Tracked {
    fn apply(&mut self, op: &MemoryOp, clones: &mut Vec<(Tracked, [u8; 32])>) -> Result<(), String> {
        let size = self.flat.len();
        let fit = |offset: u32, len: u16| {
            let offset = offset as usize % (size + 1);
            (offset, (len as usize).min(size - offset))
        };
        match *op {
            MemoryOp::Write { offset, len, pattern } => {
                let (offset, len) = fit(offset, len);
                self.write(offset, &pattern.bytes(len))?;
            }
            MemoryOp::Rewrite { offset, len } => {
                let (offset, len) = fit(offset, len);
                let bytes = self.flat[offset..offset + len].to_vec();
                self.write(offset, &bytes)?;
            }
            MemoryOp::Grow { wasm_pages } => {
                let target = (self.memory.size_wasm_pages() + u64::from(wasm_pages)).min(CHECKSUM_WASM_PAGES_MAX);
                self.memory.grow_to(target).map_err(|e| e.to_string())?;
                self.flat.resize((target * WASM_PAGE_SIZE_BYTES) as usize, 0);
            }
            MemoryOp::Clone if clones.len() < CHECKSUM_CLONES_MAX => {
                let clone = Tracked { memory: self.memory.clone(), flat: self.flat.clone() };
                let digest = clone.memory.digest();
                clones.push((clone, digest));
            }
            MemoryOp::Clone => {}
            MemoryOp::Hash => {
                self.memory.root_hash();
            }
        }
        Ok(())
    }

    fn write(&mut self, offset: usize, bytes: &[u8]) -> Result<(), String> {
        self.memory.write(offset as u64, bytes).map_err(|e| e.to_string())?;
        self.flat[offset..offset + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    /// The memory holds `flat`, and its incrementally kept checksum equals that of a memory
    /// built from scratch with the same bytes.
    fn verify(&self) -> Result<(), String> {
        if self.memory.read(0, self.flat.len() as u64).map_err(|e| e.to_string())? != self.flat {
            return Err("memory contents differ from the flat reference".into());
        }
        let mut fresh = Memory::with_size(self.memory.size_wasm_pages()).map_err(|e| e.to_string())?;
        for (page, bytes) in self.flat.chunks(OS_PAGE_SIZE_BYTES).enumerate() {
            if bytes.iter().any(|b| *b != 0) {
                fresh.write((page * OS_PAGE_SIZE_BYTES) as u64, bytes).map_err(|e| e.to_string())?;
            }
        }
        if self.memory.digest() != fresh.digest() {
            return Err("incremental checksum differs from the checksum recomputed from scratch".into());
        }
        Ok(())
    }
}

/// What a `checksum` input denotes: the memory's initial size in Wasm pages, then up to
/// [`CHECKSUM_OPS_MAX`] operations, drawn until the bytes run out (a truncated last one
/// ends the list, as exhausted bytes end a call sequence).
pub fn checksum_ops(data: &[u8]) -> (u64, Vec<MemoryOp>) {
    let mut u = Unstructured::new(data);
    let initial_wasm_pages = u.int_in_range(0..=CHECKSUM_WASM_PAGES_MAX).unwrap_or(0);
    let ops = match u.arbitrary_take_rest_iter::<MemoryOp>() {
        Ok(ops) => ops.take(CHECKSUM_OPS_MAX).map_while(Result::ok).collect(),
        Err(_) => Vec::new(),
    };
    (initial_wasm_pages, ops)
}

/// After random writes, rewrites, growth and forced hashing, the incrementally maintained
/// checksum equals one computed from scratch over the same bytes, and every clone taken
/// along the way still holds its contents and the checksum it had when taken.
pub fn checksum(data: &[u8]) -> Result<(), String> {
    let (initial_wasm_pages, ops) = checksum_ops(data);
    checksum_run(initial_wasm_pages, &ops)
}

/// [`checksum`] over decoded operations (for hand-made cases).
pub fn checksum_run(initial_wasm_pages: u64, ops: &[MemoryOp]) -> Result<(), String> {
    let memory = Memory::with_size(initial_wasm_pages).map_err(|e| e.to_string())?;
    let flat = vec![0u8; memory.size_bytes() as usize];
    let mut tracked = Tracked { memory, flat };
    let mut clones = Vec::new();
    for op in ops {
        tracked.apply(op, &mut clones)?;
    }
    tracked.verify()?;
    for (index, (clone, digest)) in clones.iter().enumerate() {
        clone.verify().map_err(|e| format!("clone {index}: {e}"))?;
        if clone.memory.digest() != *digest {
            return Err(format!("clone {index}: its checksum changed when the original was written"));
        }
    }
    Ok(())
}

/// The vector loader answers any bytes with a suite or an error, never a panic.
pub fn vector_parse(data: &[u8]) -> Result<(), String> {
    let data = &data[..data.len().min(INPUT_BYTES_MAX)];
    if let Ok(suite) = snapspec_vectors::format::parse(data) {
        // Whatever parses must serialize and parse again to the same suite.
        let again = snapspec_vectors::format::parse(snapspec_vectors::format::to_json(&suite).as_bytes())
            .map_err(|e| format!("{e:?}"))?;
        if again != suite {
            return Err("a parsed suite does not survive a write/parse round trip".into());
        }
    }
    Ok(())
}

/// The protocol decoder and the model server answer any line, never panic.
pub fn protocol_line(data: &[u8]) -> Result<(), String> {
    let data = &data[..data.len().min(INPUT_BYTES_MAX)];
    let _ = serde_json::from_slice::<crate::protocol::FromImpl>(data);
    let Ok(line) = std::str::from_utf8(data) else { return Ok(()) };
    let mut output = Vec::new();
    let input = format!("{}\n", line.replace('\n', " "));
    crate::serve::serve(input.as_bytes(), &mut output).map_err(|e| e.to_string())?;
    let answer = String::from_utf8(output).map_err(|e| e.to_string())?;
    if !answer.trim().is_empty() {
        serde_json::from_str::<crate::protocol::FromImpl>(answer.trim())
            .map_err(|e| format!("serve answered with an invalid message: {e}: {answer}"))?;
    }
    Ok(())
}

/// The management methods the `candid_args` target decodes: every method the decoder table
/// knows (`snapspec_vectors::encode::METHOD_NAMES`); an input's first byte indexes it.
pub use snapspec_vectors::encode::METHOD_NAMES as METHODS;

/// Candid decoding of every management-call argument answers any bytes with a value or an
/// error, never a panic; the first byte picks the method.
pub fn candid_args(data: &[u8]) -> Result<(), String> {
    let Some((first, rest)) = data.split_first() else { return Ok(()) };
    let method = METHODS[*first as usize % METHODS.len()];
    let _ = snapspec_vectors::encode::decode_call_args(method, &rest[..rest.len().min(INPUT_BYTES_MAX)]);
    Ok(())
}
