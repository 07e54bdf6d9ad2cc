//! The vector file format (`snapspec-vectors/1`). `vectors/README.md` documents it and
//! `vectors/schema/suite.schema.json` is its JSON Schema.
//!
//! A suite file holds a provenance block, the profile's knobs, and vectors. A vector is a
//! list of steps from an empty subnet; each step is a caller, a call (structured JSON with
//! symbolic handles, and the candid argument bytes where the call is a management call) and
//! what must come back. Loading never panics: a malformed, truncated, wrong-version or
//! schema-violating file gives a [`LoadError`] naming the file, the JSON path and what was
//! expected.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use snapspec_model::{Certainty, Clause, Config, Outcome, Reply, SnapshotId, State, Transition};

use crate::symbolic;

/// The format identifier every suite carries.
pub const FORMAT: &str = "snapspec-vectors/1";
/// Largest vector file the loader reads, bytes.
pub const FILE_BYTES_MAX: u64 = 64 << 20;

/// One suite file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
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
    /// Clause ids the vector covers (union over its steps).
    pub clauses: Vec<Clause>,
    /// The steps.
    pub steps: Vec<Step>,
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
    /// Content checksums after the step, per canister handle (docs/checksum.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<serde_json::Value>,
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
        /// Strict: a prefix of the replica's message.
        message: String,
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
                spec_codes: dedup(rejection.violated.iter().map(|v| v.error.code.number()).collect()),
                spec_any_code: rejection.violated.iter().any(|v| v.error.certainty == Certainty::Unconfirmed),
                violated: rejection.violated.iter().map(|v| v.clause).collect(),
            },
        };
        let size_floors = size_floors(&transition.outcome, &transition.state);
        Expectation { outcome, clauses: transition.exercised.clone(), size_floors }
    }

    /// The floor for snapshot `id`, if any.
    pub fn size_floor(&self, id: &SnapshotId) -> Option<u64> {
        self.size_floors.iter().find(|f| f.id == *id).map(|f| f.total_size_ge)
    }
}

fn dedup(mut codes: Vec<u16>) -> Vec<u16> {
    let mut seen = std::collections::BTreeSet::new();
    codes.retain(|c| seen.insert(*c));
    codes
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

/// Parses suite bytes; errors carry the JSON path.
pub fn parse(bytes: &[u8]) -> Result<Suite, (String, String)> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| (".".to_string(), format!("not JSON: {e}")))?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => return Err(("format".into(), format!("expected \"{FORMAT}\", found \"{other}\""))),
        None => return Err(("format".into(), format!("missing; expected \"{FORMAT}\""))),
    }
    symbolic::desymbolize(&mut value);
    let suite: Suite = serde_path_to_error::deserialize(value).map_err(|e| (e.path().to_string(), e.inner().to_string()))?;
    validate(&suite)?;
    Ok(suite)
}

fn validate(suite: &Suite) -> Result<(), (String, String)> {
    let mut ids = std::collections::HashSet::new();
    for (i, vector) in suite.vectors.iter().enumerate() {
        if !ids.insert(&vector.id) {
            return Err((format!("vectors[{i}].id"), format!("duplicate vector id {:?}", vector.id)));
        }
        for (j, step) in vector.steps.iter().enumerate() {
            if let Err(message) = step.request() {
                return Err((format!("vectors[{i}].steps[{j}].call"), message));
            }
            if let Some(hex_args) = &step.candid_args {
                if hex::decode(hex_args).is_err() {
                    return Err((format!("vectors[{i}].steps[{j}].candid_args"), "expected lowercase hex".into()));
                }
            }
        }
    }
    Ok(())
}

impl Step {
    /// The model request this step denotes (handles resolved to the model's ids).
    pub fn request(&self) -> Result<snapspec_model::Request, String> {
        let mut value = serde_json::json!({ "caller": self.caller, "call": self.call });
        symbolic::desymbolize(&mut value);
        serde_path_to_error::deserialize(value).map_err(|e| format!("at {}: {}", e.path(), e.inner()))
    }

    /// The expectation with handles resolved to the model's ids.
    pub fn expectation(&self) -> Expectation {
        self.expect.clone()
    }

    /// A step from a model request and transition, ids as handles.
    pub fn from_transition(request: &snapspec_model::Request, transition: &Transition, candid_args: Option<Vec<u8>>) -> Step {
        let mut value = serde_json::to_value(request).expect("requests serialize");
        symbolic::symbolize(&mut value);
        Step {
            caller: value["caller"].as_str().expect("caller is a string").to_string(),
            call: value["call"].take(),
            candid_args: candid_args.map(hex::encode),
            expect: Expectation::from_transition(transition),
            post: None,
        }
    }
}

/// Serializes a suite deterministically: pretty JSON, handles for ids, trailing newline.
pub fn to_json(suite: &Suite) -> String {
    let mut value = serde_json::to_value(suite).expect("suites serialize");
    symbolic::symbolize(&mut value);
    let mut text = serde_json::to_string_pretty(&value).expect("values serialize");
    text.push('\n');
    text
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
            "shared/reference/proposal-2024.md".into()
        } else {
            "dfinity/developer-docs ic-interface-spec; dfinity/ic replica (shared/reference)".into()
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
