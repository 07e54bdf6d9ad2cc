//! The vector file format (`snapspec-vectors/1`). `vectors/README.md` documents it and
//! `vectors/schema/suite.schema.json` is its JSON Schema.
//!
//! A suite file holds a provenance block, the profile's knobs, and vectors. A vector is a
//! list of steps from an empty subnet; each step is a caller, a call (structured JSON with
//! symbolic handles, and the candid argument bytes where the call is a management call),
//! what must come back (with the reply's candid bytes where it has them) and, after steps
//! that change canisters, the content checksums of the canisters it touched. A suite may
//! also carry pure checksum cases: content in, per-component checksums out.
//!
//! Loading never panics: a malformed, truncated, wrong-version or schema-violating file
//! gives a [`LoadError`] naming the file, the JSON path and what was expected.
//!
//! Two JSON-level encodings sit between the file and these types: ids are symbolic handles
//! in the file ([`crate::symbolic`]), and long blobs in calls and candid arguments may be
//! written compactly ([`crate::blob`]). [`parse`] undoes both before deserializing and
//! [`to_json`] applies both after serializing, so `to_json(&parse(file)?) == file`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use snapspec_model::checksum::Components;
use snapspec_model::ids::hex_bytes32;
use snapspec_model::{Certainty, Clause, Config, Global, Outcome, Reply, SnapshotId, State, Transition};

use crate::{blob, symbolic};

/// The format identifier every suite carries.
pub const FORMAT: &str = "snapspec-vectors/1";
/// Largest vector file the loader reads, bytes.
pub const FILE_BYTES_MAX: u64 = 64 << 20;
/// The `$schema` reference of committed suites: relative to `vectors/suites/<profile>/`.
pub const SCHEMA_REF: &str = "../../schema/suite.schema.json";
/// JSON files in a suite directory that are not suites (the verdict report).
pub const NON_SUITE_FILES: &[&str] = &["verdicts.json"];

/// Whether `path` names a suite file: `*.json`, but not a schema (`*.schema.json`) nor one
/// of [`NON_SUITE_FILES`].
pub fn is_suite_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".json") && !name.ends_with(".schema.json") && !NON_SUITE_FILES.contains(&name)
}

/// One suite file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// The JSON Schema the file follows (committed suites: [`SCHEMA_REF`]).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Always [`FORMAT`].
    pub format: String,
    /// Where the vectors come from.
    pub provenance: Provenance,
    /// Suite name, e.g. `permissions`.
    pub suite: String,
    /// The profile's knobs.
    pub profile: Config,
    /// What the suite certifies beyond its vectors (e.g. distinct states of an exploration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certifies: Option<String>,
    /// The vectors.
    pub vectors: Vec<Vector>,
    /// Pure checksum cases: content in, checksums out (docs/checksum.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checksums: Vec<ChecksumCase>,
    /// Every content checksum a step's `post` names, with its six components, so that a
    /// runner whose checksum differs can name the component that does.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contents: BTreeMap<Hash, ContentComponents>,
    /// Shared setups, by name (see [`Vector::setup`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub setups: BTreeMap<String, Setup>,
}

impl Suite {
    /// A suite named `name` of `vectors` under `config`, with this build's provenance and
    /// no schema reference, certificate or checksum cases.
    pub fn new(config: &Config, name: &str, vectors: Vec<Vector>) -> Suite {
        Suite {
            schema: None,
            format: FORMAT.into(),
            provenance: provenance(config),
            suite: name.into(),
            profile: config.clone(),
            certifies: None,
            vectors,
            checksums: Vec::new(),
            contents: BTreeMap::new(),
            setups: BTreeMap::new(),
        }
    }
}

/// Provenance of a suite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Generator name.
    pub generator: String,
    /// Generator version.
    pub generator_version: String,
    /// Where the semantics come from.
    pub spec_source: String,
    /// The spec version of the profile.
    pub spec_version: String,
    /// SHA-256 over the model's clause table and profile (changes when the semantics do).
    pub model_digest: String,
}

/// Whether an expectation is the spec's, the replica's observed behaviour, or disputed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Follows from the spec or the replica's code as read.
    Normative,
    /// Observed from a replica run.
    Observed,
    /// The references disagree or are silent; the model's choice is documented.
    Disputed,
}

/// One vector: steps from an empty subnet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// Unique within the suite.
    pub id: String,
    /// Why the expectation holds.
    pub comment: String,
    /// Normative, observed or disputed.
    pub status: Status,
    /// Clause ids the vector covers (union over its steps, the setup's included).
    pub clauses: Vec<Clause>,
    /// The name of the suite's [`Setup`] the vector starts with, if any. In the file the
    /// vector's `steps` are those after the setup's; in memory (after [`parse`]) `steps`
    /// holds the setup's steps too, so every vector is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<String>,
    /// The steps.
    pub steps: Vec<Step>,
}

/// Steps several vectors of a suite start with, written once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// What the steps do.
    pub comment: String,
    /// The steps, checked like any other.
    pub steps: Vec<Step>,
}

impl Vector {
    /// A vector without a setup.
    pub fn new(id: &str, comment: &str, status: Status, clauses: Vec<Clause>, steps: Vec<Step>) -> Vector {
        Vector { id: id.into(), comment: comment.into(), status, clauses, setup: None, steps }
    }
}

/// One call and its expectation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Caller: a principal or a canister handle.
    pub caller: String,
    /// The call (the model's JSON encoding, ids as handles).
    pub call: serde_json::Value,
    /// Candid argument bytes (hex) as the management canister receives them; absent for the
    /// model's abstract execution effects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candid_args: Option<String>,
    /// What must come back.
    pub expect: Expectation,
    /// After a step that replied and changed canisters: per canister handle, the content
    /// checksums of every canister whose content, snapshots or existence changed (`null`:
    /// the canister no longer exists); their components are in [`Suite::contents`]. Absent
    /// after steps that changed none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<BTreeMap<String, Option<CanisterPost>>>,
}

/// Checksums of one canister after a step (docs/checksum.md §5): content checksums, each a
/// key of the suite's [`Suite::contents`], where its six components are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanisterPost {
    /// The checksum of the canister's current content: what a snapshot taken now would hold.
    pub content: Hash,
    /// Every snapshot the canister holds, by handle: its content checksum.
    pub snapshots: BTreeMap<String, Hash>,
}

/// The six components of docs/checksum.md §1, whose content checksum (§5) is
/// [`ContentComponents::checksum`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentComponents {
    /// `module_component`.
    pub module: Hash,
    /// `globals_component`.
    pub globals: Hash,
    /// `memory_component` of the Wasm heap.
    pub wasm_memory: Hash,
    /// `memory_component` of stable memory.
    pub stable_memory: Hash,
    /// `chunk_store_component`.
    pub chunk_store: Hash,
    /// `certified_data_component`.
    pub certified_data: Hash,
}

impl ContentComponents {
    /// As the model's components.
    pub fn to_model(&self) -> Components {
        Components {
            module: self.module.0,
            globals: self.globals.0,
            wasm_memory: self.wasm_memory.0,
            stable_memory: self.stable_memory.0,
            chunk_store: self.chunk_store.0,
            certified_data: self.certified_data.0,
        }
    }

    /// The content checksum over the components.
    pub fn checksum(&self) -> Hash {
        Hash(self.to_model().root())
    }
}

impl From<Components> for ContentComponents {
    fn from(c: Components) -> Self {
        ContentComponents {
            module: Hash(c.module),
            globals: Hash(c.globals),
            wasm_memory: Hash(c.wasm_memory),
            stable_memory: Hash(c.stable_memory),
            chunk_store: Hash(c.chunk_store),
            certified_data: Hash(c.certified_data),
        }
    }
}

/// A 32-byte hash, as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hash(#[serde(with = "hex_bytes32")] pub [u8; 32]);

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Bytes, as lowercase hex.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HexBytes(pub Vec<u8>);

impl std::fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{}", hex::encode(&self.0))
    }
}

impl Serialize for HexBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(serde::de::Error::custom("expected lowercase hex"));
        }
        hex::decode(&text).map(HexBytes).map_err(|e| serde::de::Error::custom(format!("expected lowercase hex: {e}")))
    }
}

/// A pure checksum case (CCTV style): content in, every component and the checksum out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksumCase {
    /// Unique within the suite (docs/checksum.md's worked examples are `docs-9.N-…`).
    pub name: String,
    /// What the case checks.
    pub comment: String,
    /// The content.
    pub content: ChecksumContent,
    /// The expected checksums.
    pub expect: ChecksumExpect,
}

/// Everything the content checksum covers (docs/checksum.md §1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksumContent {
    /// The Wasm module; `null` for a canister without code.
    pub module: Option<HexBytes>,
    /// Exported globals, in order.
    pub globals: Vec<Global>,
    /// The Wasm heap.
    pub wasm_memory: MemoryContent,
    /// Stable memory.
    pub stable_memory: MemoryContent,
    /// The chunk store's chunks (their bytes; the store keys them by SHA-256).
    pub chunks: Vec<HexBytes>,
    /// Certified data (at most 32 bytes).
    pub certified_data: HexBytes,
}

/// A memory: its size and the non-zero bytes written into it (everything else is zero).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryContent {
    /// Size in bytes, a multiple of 65536.
    pub size_bytes: u64,
    /// Writes, applied in order.
    pub writes: Vec<MemoryWrite>,
}

/// `bytes` written at `offset`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryWrite {
    /// Byte offset.
    pub offset: u64,
    /// The bytes.
    pub bytes: HexBytes,
}

/// The expected checksums of a [`ChecksumCase`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksumExpect {
    /// `root` of the Wasm heap's Merkle tree (docs/checksum.md §3.2).
    pub wasm_memory_root: Hash,
    /// `root` of stable memory's Merkle tree.
    pub stable_memory_root: Hash,
    /// The six components.
    pub components: ContentComponents,
    /// The content checksum.
    pub checksum: Hash,
}

/// What one step must produce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Reply or reject.
    pub outcome: Expected,
    /// Clauses the step exercises.
    pub clauses: Vec<Clause>,
    /// Relational floors for `total_size` (spec mode): at least the snapshot's memories and module.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub size_floors: Vec<SizeFloor>,
    /// The reply's candid bytes (hex), in the model's ids, where the reply is a management
    /// reply with a candid form ([`crate::encode::encode_reply`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candid_reply: Option<String>,
}

/// `total_size` of snapshot `id` is at least `total_size_ge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeFloor {
    /// The snapshot.
    pub id: SnapshotId,
    /// The floor, bytes.
    pub total_size_ge: u64,
}

/// The expected outcome. Where the spec allows several outcomes, `strict` and `spec`
/// expectations are both given: `code` is the replica's (check order decides), `spec_codes`
/// the codes of every violated precondition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expected {
    /// A reply equal to this one (ids through handles; timestamps and sizes by relation in
    /// spec mode).
    Reply(Reply),
    /// A reject.
    Reject {
        /// Strict: the replica's error code.
        code: u16,
        /// The reject code (first digit of `code`).
        reject_code: u8,
        /// Strict: a prefix of the replica's message (rendered when read).
        message: snapspec_model::error::Message,
        /// How much of `code` and `message` the references confirm.
        certainty: Certainty,
        /// Spec: any of these codes is acceptable.
        spec_codes: Vec<u16>,
        /// Spec: any code at all is acceptable (some violated precondition's code is unconfirmed).
        spec_any_code: bool,
        /// Violated preconditions in check order.
        violated: Vec<Clause>,
    },
}

impl Expectation {
    /// What the model's transition expects.
    pub fn from_transition(transition: &Transition) -> Expectation {
        let outcome = match &transition.outcome {
            Outcome::Reply(reply) => Expected::Reply(reply.clone()),
            Outcome::Reject(rejection) => Expected::Reject {
                code: rejection.error.code.number(),
                reject_code: rejection.reject_code().number(),
                message: rejection.error.message.clone(),
                certainty: rejection.error.certainty,
                spec_codes: dedup(rejection.spec_codes().map(|code| code.number()).collect()),
                spec_any_code: rejection.violated.iter().any(|v| v.error.certainty == Certainty::Unconfirmed),
                violated: rejection.violated.iter().map(|v| v.clause).collect(),
            },
        };
        let size_floors = size_floors(&transition.outcome, &transition.state);
        Expectation { outcome, clauses: transition.exercised.clone(), size_floors, candid_reply: None }
    }

    /// The floor for snapshot `id`, if any.
    pub fn size_floor(&self, id: &SnapshotId) -> Option<u64> {
        self.size_floors.iter().find(|f| f.id == *id).map(|f| f.total_size_ge)
    }
}

fn dedup(codes: Vec<u16>) -> Vec<u16> {
    // A handful of codes: a quadratic scan beats building a set.
    let mut kept = Vec::with_capacity(codes.len());
    for code in codes {
        if !kept.contains(&code) {
            kept.push(code);
        }
    }
    kept
}

fn size_floors(outcome: &Outcome, state: &State) -> Vec<SizeFloor> {
    let ids: Vec<SnapshotId> = match outcome {
        Outcome::Reply(Reply::Snapshot(info)) => vec![info.id],
        Outcome::Reply(Reply::SnapshotId(id)) => vec![*id],
        Outcome::Reply(Reply::Snapshots(list)) => list.iter().map(|s| s.id).collect(),
        Outcome::Reply(Reply::ProposalSnapshots(list)) => list.iter().map(|s| s.id).collect(),
        _ => Vec::new(),
    };
    ids.into_iter()
        .filter_map(|id| {
            let snapshot = state.canister(&id.owner)?.snapshots.get(&id)?;
            let e = &snapshot.execution;
            let floor = e.wasm_memory.size_bytes() + e.stable_memory.size_bytes() + e.module.len() as u64;
            Some(SizeFloor { id, total_size_ge: floor })
        })
        .collect()
}

/// Why a vector file could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The file.
    pub file: PathBuf,
    /// JSON path of the offending value (`.` for the whole document).
    pub path: String,
    /// What was expected.
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: at {}: {}", self.file.display(), self.path, self.message)
    }
}

impl std::error::Error for LoadError {}

/// Reads and validates a suite file.
pub fn load(file: &Path) -> Result<Suite, LoadError> {
    let error = |path: &str, message: String| LoadError { file: file.to_path_buf(), path: path.to_string(), message };
    let size = std::fs::metadata(file).map_err(|e| error(".", format!("cannot read: {e}")))?.len();
    if size > FILE_BYTES_MAX {
        return Err(error(".", format!("file has {size} bytes; at most {FILE_BYTES_MAX} are read")));
    }
    let text = std::fs::read(file).map_err(|e| error(".", format!("cannot read: {e}")))?;
    parse(&text).map_err(|(path, message)| error(&path, message))
}

/// Parses suite bytes; errors carry the JSON path (`.` for the whole document) and what
/// was expected there.
pub fn parse(bytes: &[u8]) -> Result<Suite, (String, String)> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| (".".to_string(), json_error(&e)))?;
    if !value.is_object() {
        return Err((".".into(), format!("expected a JSON object (a `{FORMAT}` suite)")));
    }
    match value.get("format") {
        Some(serde_json::Value::String(format)) if format == FORMAT => {}
        Some(serde_json::Value::String(other)) => {
            return Err(("format".into(), format!("expected \"{FORMAT}\", found \"{other}\"")))
        }
        Some(other) => return Err(("format".into(), format!("expected the string \"{FORMAT}\", found {other}"))),
        None => return Err(("format".into(), format!("missing; expected \"{FORMAT}\""))),
    }
    blob::expand_suite(&mut value)?;
    symbolic::desymbolize(&mut value);
    let mut suite: Suite =
        serde_path_to_error::deserialize(value).map_err(|e| (path_text(e.path()), e.inner().to_string()))?;
    validate(&suite)?;
    for vector in &mut suite.vectors {
        if let Some(name) = &vector.setup {
            let setup = &suite.setups[name];
            vector.steps.splice(0..0, setup.steps.iter().cloned());
        }
    }
    Ok(suite)
}

fn json_error(error: &serde_json::Error) -> String {
    match error.classify() {
        serde_json::error::Category::Eof => {
            format!("expected more JSON: the document ends early (truncated?): {error}")
        }
        serde_json::error::Category::Io => format!("cannot read: {error}"),
        _ => format!("expected JSON: {error}"),
    }
}

fn path_text(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text.is_empty() {
        ".".into()
    } else {
        text
    }
}

fn validate(suite: &Suite) -> Result<(), (String, String)> {
    for (name, setup) in &suite.setups {
        for (j, step) in setup.steps.iter().enumerate() {
            validate_step(step, suite)
                .map_err(|(path, message)| (format!("setups.{name}.steps[{j}].{path}"), message))?;
        }
    }
    let mut ids = std::collections::HashSet::new();
    for (i, vector) in suite.vectors.iter().enumerate() {
        if !ids.insert(&vector.id) {
            return Err((format!("vectors[{i}].id"), format!("duplicate vector id {:?}", vector.id)));
        }
        if let Some(name) = &vector.setup {
            if !suite.setups.contains_key(name) {
                return Err((
                    format!("vectors[{i}].setup"),
                    format!("expected the name of one of the suite's `setups`, found {name:?}"),
                ));
            }
        }
        for (j, step) in vector.steps.iter().enumerate() {
            validate_step(step, suite)
                .map_err(|(path, message)| (format!("vectors[{i}].steps[{j}].{path}"), message))?;
        }
    }
    for (hash, components) in &suite.contents {
        if components.checksum() != *hash {
            let found = components.checksum();
            return Err((
                format!("contents.{hash:?}"),
                format!("expected components whose checksum is the key; they give {found:?}"),
            ));
        }
    }
    let mut names = std::collections::HashSet::new();
    for (i, case) in suite.checksums.iter().enumerate() {
        if !names.insert(&case.name) {
            return Err((format!("checksums[{i}].name"), format!("duplicate checksum case {:?}", case.name)));
        }
        validate_content(&case.content)
            .map_err(|(path, message)| (format!("checksums[{i}].content.{path}"), message))?;
        if case.expect.components.checksum() != case.expect.checksum {
            return Err((format!("checksums[{i}].expect.checksum"), "expected the checksum over `components`".into()));
        }
    }
    Ok(())
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("expected lowercase hex".into());
    }
    hex::decode(text).map_err(|e| format!("expected lowercase hex: {e}"))
}

fn validate_step(step: &Step, suite: &Suite) -> Result<(), (String, String)> {
    let request = step.request_at()?;
    if let Some(hex_args) = &step.candid_args {
        let bytes = decode_hex(hex_args).map_err(|message| ("candid_args".to_string(), message))?;
        let Some(method) = crate::encode::ic_method_name(&request.call) else {
            let method = request.call.method_name();
            return Err((
                "candid_args".into(),
                format!("expected no candid arguments: `{method}` is not a management call"),
            ));
        };
        if let Err(e) = crate::encode::decode_call_args(method, &bytes) {
            return Err(("candid_args".into(), format!("expected the candid arguments of `{method}`: {e}")));
        }
    }
    if let Some(hex_reply) = &step.expect.candid_reply {
        decode_hex(hex_reply).map_err(|message| ("expect.candid_reply".to_string(), message))?;
        if !matches!(step.expect.outcome, Expected::Reply(_)) {
            return Err(("expect.candid_reply".into(), "expected no candid reply: the step expects a reject".into()));
        }
    }
    for (handle, post) in step.post.iter().flatten() {
        validate_post(handle, post.as_ref(), suite)
            .map_err(|(path, message)| (format!("post.{handle}{path}"), message))?;
    }
    Ok(())
}

fn validate_post(handle: &str, post: Option<&CanisterPost>, suite: &Suite) -> Result<(), (String, String)> {
    let Some(symbolic::Handle::Canister(canister)) = symbolic::parse_handle(handle) else {
        return Err((String::new(), format!("expected a canister handle `$cN` as the key, found {handle:?}")));
    };
    let Some(post) = post else { return Ok(()) };
    let known = |hash: &Hash| suite.contents.contains_key(hash);
    if !known(&post.content) {
        return Err((".content".into(), format!("expected a checksum listed in `contents`, found {:?}", post.content)));
    }
    for (key, hash) in &post.snapshots {
        match symbolic::parse_handle(key) {
            Some(symbolic::Handle::Snapshot(id)) if id.owner == canister => {}
            _ => {
                return Err((
                    format!(".snapshots.{key}"),
                    format!("expected a snapshot handle `{handle}.sL`, found {key:?}"),
                ))
            }
        }
        if !known(hash) {
            return Err((
                format!(".snapshots.{key}"),
                format!("expected a checksum listed in `contents`, found {hash:?}"),
            ));
        }
    }
    Ok(())
}

fn validate_content(content: &ChecksumContent) -> Result<(), (String, String)> {
    for (name, memory) in [("wasm_memory", &content.wasm_memory), ("stable_memory", &content.stable_memory)] {
        let pages_max = snapspec_model::memory::MEMORY_WASM_PAGES_MAX;
        if memory.size_bytes % 65_536 != 0 || memory.size_bytes / 65_536 > pages_max {
            return Err((
                format!("{name}.size_bytes"),
                format!("expected a multiple of 65536 of at most {pages_max} Wasm pages"),
            ));
        }
        for (k, write) in memory.writes.iter().enumerate() {
            if write.offset.checked_add(write.bytes.0.len() as u64).is_none_or(|end| end > memory.size_bytes) {
                return Err((format!("{name}.writes[{k}]"), "expected a write within size_bytes".into()));
            }
        }
    }
    if content.certified_data.0.len() > snapspec_model::checksum::CERTIFIED_DATA_MAX_BYTES {
        return Err(("certified_data".into(), "expected at most 32 bytes".into()));
    }
    Ok(())
}

impl Step {
    /// The model request this step denotes (handles resolved to the model's ids).
    pub fn request(&self) -> Result<snapspec_model::Request, String> {
        self.request_at().map_err(|(path, message)| format!("at {path}: {message}"))
    }

    /// Like [`Step::request`], with the error's JSON path relative to the step.
    fn request_at(&self) -> Result<snapspec_model::Request, (String, String)> {
        let mut value = serde_json::json!({ "caller": self.caller, "call": self.call });
        symbolic::desymbolize(&mut value);
        let error = match serde_path_to_error::deserialize::<_, snapspec_model::Request>(value.clone()) {
            Ok(request) => return Ok(request),
            Err(e) => (path_text(e.path()), e.inner().to_string()),
        };
        // `Call` is internally tagged, so serde reports errors inside it at `call`: find the
        // field whose removal changes the error (into its absence, or into success).
        if error.0 == "call" {
            if let Some(fields) = value["call"].as_object() {
                for field in fields.keys().filter(|k| *k != "method") {
                    let mut probe = value.clone();
                    probe["call"].as_object_mut().expect("an object").remove(field);
                    let changed = match serde_json::from_value::<snapspec_model::Request>(probe) {
                        Ok(_) => true,
                        Err(e) => e.to_string() != error.1,
                    };
                    if changed {
                        return Err((format!("call.{field}"), error.1));
                    }
                }
            }
        }
        Err(error)
    }

    /// The expectation with handles resolved to the model's ids.
    pub fn expectation(&self) -> Expectation {
        self.expect.clone()
    }

    /// A step from a model request and transition, ids as handles; the expectation carries
    /// the reply's candid bytes where it has them.
    pub fn from_transition(
        request: &snapspec_model::Request,
        transition: &Transition,
        candid_args: Option<Vec<u8>>,
    ) -> Step {
        let mut value = serde_json::to_value(request).expect("requests serialize");
        symbolic::symbolize(&mut value);
        let mut expect = Expectation::from_transition(transition);
        if let Outcome::Reply(reply) = &transition.outcome {
            if candid_args.is_some() {
                expect.candid_reply = crate::encode::encode_reply(reply).map(hex::encode);
            }
        }
        Step {
            caller: value["caller"].as_str().expect("caller is a string").to_string(),
            call: value["call"].take(),
            candid_args: candid_args.map(hex::encode),
            expect,
            post: None,
        }
    }
}

/// Serializes a suite deterministically: pretty JSON with keys in ascending order, handles
/// for ids, long blobs compacted, trailing newline.
pub fn to_json(suite: &Suite) -> String {
    let mut value = serde_json::to_value(suite).expect("suites serialize");
    strip_setups(suite, &mut value);
    symbolic::symbolize(&mut value);
    blob::compact_suite(&mut value);
    to_canonical_json(value)
}

/// Writes vectors with a setup without the setup's steps (which lead their in-memory steps).
fn strip_setups(suite: &Suite, value: &mut serde_json::Value) {
    let Some(serde_json::Value::Array(vectors)) = value.get_mut("vectors") else { return };
    for (vector, json) in suite.vectors.iter().zip(vectors) {
        let Some(name) = &vector.setup else { continue };
        let setup =
            suite.setups.get(name).unwrap_or_else(|| panic!("vector {} names the unknown setup {name}", vector.id));
        assert!(vector.steps.starts_with(&setup.steps), "vector {} does not start with its setup {name}", vector.id);
        if let Some(serde_json::Value::Array(steps)) = json.get_mut("steps") {
            steps.drain(..setup.steps.len());
        }
    }
}

/// Lines the writer fills before it breaks an array or object over several lines.
pub const LINE_WIDTH_MAX: usize = 120;

/// Canonical JSON: keys in ascending order (whatever the `serde_json` features of the
/// build), two-space indentation, an array or object on one line (`{"a": 1, "b": [2, 3]}`)
/// when it fits in [`LINE_WIDTH_MAX`] columns and is not the document itself, longer arrays
/// of scalars packed as many to a line as fit, a trailing newline. Deterministic, valid
/// JSON, and diffs line by line.
pub fn to_canonical_json(value: serde_json::Value) -> String {
    let mut text = String::new();
    write_value(&mut text, &sort_keys(value), 0, 0);
    text.push('\n');
    text
}

fn one_line(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(one_line).collect();
            format!("[{}]", parts.join(", "))
        }
        serde_json::Value::Object(map) => {
            let parts: Vec<String> =
                map.iter().map(|(k, v)| format!("{}: {}", serde_json::Value::String(k.clone()), one_line(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// Writes `value` whose first line starts at column `column` (after a key), indented by
/// `depth` levels.
fn write_value(out: &mut String, value: &serde_json::Value, depth: usize, column: usize) {
    let compound = matches!(value, serde_json::Value::Array(_) | serde_json::Value::Object(_));
    if !compound || depth > 0 {
        let line = one_line(value);
        if !compound || column + line.len() <= LINE_WIDTH_MAX {
            out.push_str(&line);
            return;
        }
    }
    let inner = "  ".repeat(depth + 1);
    match value {
        serde_json::Value::Array(items) if items.is_empty() => out.push_str("[]"),
        serde_json::Value::Object(map) if map.is_empty() => out.push_str("{}"),
        serde_json::Value::Array(items)
            if items.iter().all(|i| !matches!(i, serde_json::Value::Array(_) | serde_json::Value::Object(_))) =>
        {
            // Scalars: as many to a line as fit.
            out.push_str("[\n");
            let mut line = inner.clone();
            for (i, item) in items.iter().enumerate() {
                let text = format!("{item}{}", if i + 1 < items.len() { "," } else { "" });
                if line.len() > inner.len() && line.len() + 1 + text.len() > LINE_WIDTH_MAX {
                    out.push_str(&line);
                    out.push('\n');
                    line = inner.clone();
                }
                if line.len() > inner.len() {
                    line.push(' ');
                }
                line.push_str(&text);
            }
            out.push_str(&line);
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
            out.push(']');
        }
        serde_json::Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&inner);
                write_value(out, item, depth + 1, inner.len());
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(depth));
            out.push(']');
        }
        serde_json::Value::Object(map) => {
            out.push_str("{\n");
            for (i, (key, item)) in map.iter().enumerate() {
                let key = format!("{}: ", serde_json::Value::String(key.clone()));
                out.push_str(&inner);
                out.push_str(&key);
                write_value(out, item, depth + 1, inner.len() + key.len());
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(depth));
            out.push('}');
        }
        _ => unreachable!("scalars are written on one line"),
    }
}

fn sort_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sort_keys(v))).collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// Writes a suite atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, suite: &Suite) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, to_json(suite))?;
    std::fs::rename(&temporary, path)
}

/// The provenance of suites generated by this build of the model for `config`.
pub fn provenance(config: &Config) -> Provenance {
    Provenance {
        generator: "snapspec".into(),
        generator_version: env!("CARGO_PKG_VERSION").into(),
        spec_source: if config.api == snapspec_model::config::Api::Proposal {
            "docs/reference/proposal-2024.md".into()
        } else {
            "dfinity/developer-docs ic-interface-spec; dfinity/ic replica (docs/reference)".into()
        },
        spec_version: config.spec_version.clone(),
        model_digest: model_digest(config),
    }
}

/// SHA-256 over the clause table and the profile: changes whenever the semantics' surface does.
pub fn model_digest(config: &Config) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(snapspec_model::clause::render_markdown().as_bytes());
    hasher.update(serde_json::to_vec(config).expect("configs serialize"));
    format!("sha256:{}", hex::encode(hasher.finalize()))
}
