//! Fuzzing oracles: each takes raw bytes, runs one check, and returns `Err` with a readable
//! account of what broke. The fuzz targets under `fuzz/` are one-line glue over these (the
//! wasmtime layout), and `tests/fuzz_regressions.rs` replays saved crashes through them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use snapspec_model::config::PRESET_NAMES;
use snapspec_model::generators::{calls_from_bytes, requests_from_bytes, world_from_bytes, World};
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
    let (preset, world, calls) = decode(data);
    let config = Config::preset(PRESET_NAMES[preset]).expect("listed preset");
    let requests = requests_from_bytes(calls, &world, SEQUENCE_CALLS_MAX);
    (config, requests)
}

/// (index into [`PRESET_NAMES`], world, bytes left for the calls).
fn decode(data: &[u8]) -> (usize, World, &[u8]) {
    let (first, rest) = data.split_first().map_or((0, data), |(f, r)| (*f, r));
    let preset = first as usize % PRESET_NAMES.len();
    let api = Config::preset(PRESET_NAMES[preset]).expect("listed preset").api;
    let (world, calls) = world_from_bytes(rest, api);
    (preset, world, calls)
}

/// A profile, a world's prelude and the state after it (checked once).
struct Start {
    config: Config,
    prelude: Vec<Request>,
    state: State,
}

/// What a world's prelude depends on, with the profile: (preset index, canister ids, second
/// controller). The owner is the same in every world.
type StartKey = (usize, u64, Option<snapspec_model::Principal>);

thread_local! {
    /// Starts built so far: each fuzz input then begins from a shared, already verified
    /// state (an O(1) clone) instead of re-running and re-checking the prelude. Bounded:
    /// presets × 5 canister counts × at most 9 second controllers.
    static STARTS: RefCell<HashMap<StartKey, Rc<Start>>> = RefCell::new(HashMap::new());
}

fn start(preset: usize, world: &World) -> Rc<Start> {
    let key = (preset, world.canisters, world.co_controller());
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
        debug_assert!(start.prelude == world.prelude(), "the start key covers everything the prelude depends on");
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

/// After random writes, the incrementally maintained checksum equals one computed from scratch
/// over the same bytes, and a clone taken midway keeps its own checksum.
pub fn checksum(data: &[u8]) -> Result<(), String> {
    let mut memory = Memory::with_size(4).map_err(|e| e.to_string())?;
    let mut flat = vec![0u8; 4 * WASM_PAGE_SIZE_BYTES as usize];
    let mut midway: Option<(Memory, [u8; 32])> = None;
    for (index, chunk) in data.chunks(7).enumerate() {
        let offset = (u32::from_le_bytes([chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0), 0])
            as usize)
            % flat.len();
        let bytes: Vec<u8> = chunk[3.min(chunk.len())..].iter().copied().take(flat.len() - offset).collect();
        memory.write(offset as u64, &bytes).map_err(|e| e.to_string())?;
        flat[offset..offset + bytes.len()].copy_from_slice(&bytes);
        if index == 3 {
            midway = Some((memory.clone(), memory.digest()));
        }
    }
    let mut fresh = Memory::with_size(4).map_err(|e| e.to_string())?;
    for (page, bytes) in flat.chunks(OS_PAGE_SIZE_BYTES).enumerate() {
        if bytes.iter().any(|b| *b != 0) {
            fresh.write((page * OS_PAGE_SIZE_BYTES) as u64, bytes).map_err(|e| e.to_string())?;
        }
    }
    if memory.digest() != fresh.digest() {
        return Err("incremental checksum differs from the checksum recomputed from scratch".into());
    }
    if memory.read(0, flat.len() as u64).map_err(|e| e.to_string())? != flat {
        return Err("memory contents differ from the flat reference".into());
    }
    match midway {
        Some((clone, digest)) if clone.digest() != digest => {
            Err("a clone's checksum changed when the original was written".into())
        }
        _ => Ok(()),
    }
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
