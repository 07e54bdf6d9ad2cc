//! The committed suites: equal to a fresh generation (all but the small world, whose
//! exploration lives in the harness: `conformance/tests/vectors.rs` checks every file), valid
//! against the schema, loadable and round-tripping, covering every clause each profile
//! reaches; and the loader's behaviour on damaged input.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use snapspec_model::clause::ClauseKind;
use snapspec_model::{Clause, Config};
use snapspec_vectors::format::{self, Expected, Status};
use snapspec_vectors::generate::{self, clauses, SUITES};
use snapspec_vectors::schema;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf()
}

fn suites_dir() -> PathBuf {
    root().join("vectors/suites")
}

fn suite_path(profile: &str, suite: &str) -> PathBuf {
    suites_dir().join(profile).join(format!("{suite}.json"))
}

/// Every committed suite file.
fn committed() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for config in Config::presets() {
        for suite in SUITES {
            files.push(suite_path(&config.name, suite));
        }
    }
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const REGENERATE: &str = "run `cargo run -- vectors generate` and commit the result";

#[test]
fn committed_suites_equal_a_fresh_generation() {
    let mut stale = Vec::new();
    for config in Config::presets() {
        for suite in SUITES.iter().filter(|s| **s != "small-world") {
            let fresh = format::to_json(&generate::generate_suite(suite, &config, None));
            if std::fs::read_to_string(suite_path(&config.name, suite)).ok().as_deref() != Some(fresh.as_str()) {
                stale.push(format!("{}/{suite}.json", config.name));
            }
        }
    }
    assert!(stale.is_empty(), "stale suites: {stale:?}; {REGENERATE}");
}

#[test]
fn committed_schema_equals_the_generated_one() {
    assert!(read(&root().join(schema::SCHEMA_PATH)) == schema::schema_json(), "stale schema; {REGENERATE}");
}

#[test]
fn every_committed_suite_loads_and_round_trips_byte_for_byte() {
    for path in committed() {
        let suite = format::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(suite.schema.as_deref(), Some(format::SCHEMA_REF), "{}", path.display());
        assert!(format::to_json(&suite) == read(&path), "{} does not round-trip", path.display());
    }
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&schema::schema_json()).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).take(5).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn every_committed_suite_validates_against_the_schema() {
    let validator = validator();
    for path in committed() {
        let instance: Value = serde_json::from_str(&read(&path)).expect("JSON");
        let errors = schema_errors(&validator, &instance);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

#[test]
fn damaged_suites_violate_the_schema() {
    let validator = validator();
    let original: Value = serde_json::from_str(&read(&suite_path("ic", "clauses"))).expect("JSON");
    type Edit = fn(&mut Value);
    let damage: [(&str, Edit); 8] = [
        ("unknown top-level field", |v| v["extra"] = json!(1)),
        ("wrong format", |v| v["format"] = json!("snapspec-vectors/2")),
        ("unknown clause", |v| v["vectors"][0]["clauses"][0] = json!("TAKE.NOPE")),
        ("bad status", |v| v["vectors"][0]["status"] = json!("maybe")),
        ("canister id as a number", |v| v["vectors"][0]["steps"][0]["call"]["canister_id"] = json!(5)),
        ("unknown method", |v| v["vectors"][0]["steps"][0]["call"]["method"] = json!("frobnicate")),
        ("uppercase hex", |v| v["vectors"][0]["steps"][0]["candid_args"] = json!("4449444C")),
        ("reject without code", |v| {
            let steps = v["vectors"][0]["steps"].as_array_mut().unwrap();
            let step = steps.iter_mut().find(|s| s["expect"]["outcome"].get("reject").is_some()).unwrap();
            step["expect"]["outcome"]["reject"].as_object_mut().unwrap().remove("code");
        }),
    ];
    for (what, apply) in damage {
        let mut damaged = original.clone();
        apply(&mut damaged);
        assert!(!validator.is_valid(&damaged), "the schema accepts a suite with {what}");
    }
}

// --- clause reachability per profile ------------------------------------------------------------

#[test]
fn each_profile_exercises_every_reachable_clause_and_violates_every_violable_precondition() {
    for config in Config::presets() {
        let suite = format::load(&suite_path(&config.name, "clauses")).unwrap_or_else(|e| panic!("{e}"));
        let exercised: std::collections::BTreeSet<Clause> =
            suite.vectors.iter().flat_map(|v| v.clauses.iter().copied()).collect();
        let violated: std::collections::BTreeSet<Clause> = suite
            .vectors
            .iter()
            .flat_map(|v| v.steps.iter())
            .filter_map(|s| match &s.expect.outcome {
                Expected::Reject { violated, .. } => Some(violated.clone()),
                Expected::Reply(_) => None,
            })
            .flatten()
            .collect();
        for clause in Clause::ALL {
            if clauses::unreachable(*clause, &config).is_none() {
                assert!(exercised.contains(clause), "{}: {} is reachable but not exercised", config.name, clause.id());
            }
            if clause.kind() == ClauseKind::Precondition && clauses::unviolable(*clause, &config).is_none() {
                assert!(violated.contains(clause), "{}: {} is violable but never violated", config.name, clause.id());
            }
        }
    }
}

#[test]
fn every_vector_explains_itself_and_disputed_ones_say_why() {
    for path in committed() {
        let suite = format::load(&path).unwrap_or_else(|e| panic!("{e}"));
        for vector in &suite.vectors {
            assert!(!vector.comment.is_empty(), "{}: {} has no comment", path.display(), vector.id);
            assert!(!vector.clauses.is_empty(), "{}: {} lists no clause", path.display(), vector.id);
            if vector.status == Status::Disputed {
                assert!(
                    vector.comment.contains("Disputed"),
                    "{}: {} is disputed without a reason",
                    path.display(),
                    vector.id
                );
            }
            for step in &vector.steps {
                if let Expected::Reject { certainty: snapspec_model::Certainty::Unconfirmed, .. } = step.expect.outcome
                {
                    assert_eq!(
                        vector.status,
                        Status::Disputed,
                        "{}: {} expects an unconfirmed error",
                        path.display(),
                        vector.id
                    );
                }
            }
        }
    }
}

#[test]
fn checksum_cases_reproduce_the_worked_examples_of_docs_checksum_md() {
    let doc = read(&root().join("docs/checksum.md"));
    let suite = format::load(&suite_path("ic", "checksum")).unwrap_or_else(|e| panic!("{e}"));
    let docs_cases: Vec<_> = suite.checksums.iter().filter(|c| c.name.starts_with("docs-")).collect();
    assert_eq!(docs_cases.len(), 5, "the five worked examples of §9");
    let hex = |h: &format::Hash| hex::encode(h.0);
    for case in docs_cases {
        let e = &case.expect;
        let mut values = vec![hex(&e.components.wasm_memory), hex(&e.wasm_memory_root)];
        if case.name.contains("9.4") {
            let c = &e.components;
            values.extend(
                [&c.module, &c.globals, &c.stable_memory, &c.chunk_store, &c.certified_data, &e.checksum].map(hex),
            );
        }
        if case.name.contains("9.5") {
            values.push(hex(&e.components.module));
        }
        for value in values {
            assert!(doc.contains(&value), "{}: {value} is not in docs/checksum.md", case.name);
        }
    }
    // Every case's expectation is what the model computes from its content.
    for case in &suite.checksums {
        assert_eq!(generate::checksum::expect(&case.content), case.expect, "{}", case.name);
    }
}

// --- loader errors ----------------------------------------------------------------------------

fn load_text(name: &str, text: &[u8]) -> format::LoadError {
    let dir = std::env::temp_dir().join(format!("snapspec-vectors-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let error = format::load(&file).expect_err("damaged input must not load");
    assert_eq!(error.file, file, "the error names the file");
    error
}

fn small_suite_text() -> String {
    read(&suite_path("ic", "lifecycle"))
}

fn edited(text: &str, apply: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_str(text).unwrap();
    apply(&mut value);
    serde_json::to_vec_pretty(&value).unwrap()
}

#[test]
fn malformed_json_is_a_load_error() {
    let error = load_text("malformed.json", b"{\"format\": \"snapspec-vectors/1\", oops}");
    assert_eq!(error.path, ".");
    assert!(error.message.starts_with("expected JSON"), "{error}");
}

#[test]
fn truncated_files_are_load_errors_never_panics() {
    let text = small_suite_text();
    let bytes = text.as_bytes();
    for cut in (1..bytes.len()).step_by(bytes.len() / 97 + 1) {
        let error = load_text("truncated.json", &bytes[..cut]);
        assert!(!error.message.is_empty());
    }
    let error = load_text("truncated.json", &bytes[..bytes.len() / 2]);
    assert_eq!(error.path, ".");
    assert!(error.message.contains("ends early"), "{error}");
}

#[test]
fn a_wrong_format_version_is_a_load_error() {
    let error = load_text("v2.json", &edited(&small_suite_text(), |v| v["format"] = json!("snapspec-vectors/2")));
    assert_eq!(
        (error.path.as_str(), error.message.as_str()),
        ("format", "expected \"snapspec-vectors/1\", found \"snapspec-vectors/2\"")
    );
    let error = load_text("array.json", b"[1, 2, 3]");
    assert!(error.message.contains("expected a JSON object"), "{error}");
}

/// The first step (vector index, step index in the file) that `want` accepts.
fn locate(value: &Value, want: impl Fn(&Value) -> bool) -> (usize, usize) {
    for (i, vector) in value["vectors"].as_array().unwrap().iter().enumerate() {
        for (j, step) in vector["steps"].as_array().unwrap().iter().enumerate() {
            if want(step) {
                return (i, j);
            }
        }
    }
    panic!("no such step")
}

type Damage = Box<dyn Fn(&mut Value) -> String>;

#[test]
fn schema_violations_deep_inside_a_step_name_the_json_path() {
    let text = small_suite_text();
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "a canister id that is a number",
            Box::new(|v| {
                let (i, j) = locate(v, |s| s["call"].get("canister_id").is_some());
                v["vectors"][i]["steps"][j]["call"]["canister_id"] = json!(5);
                format!("vectors[{i}].steps[{j}].call.canister_id")
            }),
            "invalid type: integer `5`, expected",
        ),
        (
            "a total size that is a string",
            Box::new(|v| {
                let (i, j) = locate(v, |s| {
                    s["expect"]["outcome"]["reply"]["type"] == "snapshots"
                        && s["expect"]["outcome"]["reply"]["value"][0].is_object()
                });
                v["vectors"][i]["steps"][j]["expect"]["outcome"]["reply"]["value"][0]["total_size"] = json!("big");
                format!("vectors[{i}].steps[{j}].expect.outcome")
            }),
            "invalid type: string \"big\", expected u64",
        ),
        (
            "an unknown field in an expectation",
            Box::new(|v| {
                let (i, j) = locate(v, |_| true);
                v["vectors"][i]["steps"][j]["expect"]["colour"] = json!("blue");
                format!("vectors[{i}].steps[{j}].expect.colour")
            }),
            "unknown field `colour`",
        ),
        (
            "an unknown clause id",
            Box::new(|v| {
                let (i, j) = locate(v, |s| !s["expect"]["clauses"].as_array().unwrap().is_empty());
                v["vectors"][i]["steps"][j]["expect"]["clauses"][0] = json!("TAKE.NOPE");
                format!("vectors[{i}].steps[{j}].expect.clauses[0]")
            }),
            "unknown clause id `TAKE.NOPE`",
        ),
        (
            "candid arguments of another method",
            Box::new(|v| {
                let (i, j) = locate(v, |s| s.get("candid_args").is_some());
                v["vectors"][i]["steps"][j]["candid_args"] = json!("4449444c0000");
                format!("vectors[{i}].steps[{j}].candid_args")
            }),
            "expected the candid arguments of",
        ),
        (
            "a post checksum no `contents` entry explains",
            Box::new(|v| {
                let (i, j) =
                    locate(v, |s| s.get("post").is_some_and(|p| p.as_object().unwrap().values().any(Value::is_object)));
                let post = v["vectors"][i]["steps"][j]["post"].as_object_mut().unwrap();
                let (handle, canister) = post.iter_mut().find(|(_, c)| c.is_object()).unwrap();
                canister["content"] = json!("00".repeat(32));
                format!("vectors[{i}].steps[{j}].post.{handle}.content")
            }),
            "expected a checksum listed in `contents`",
        ),
        (
            "a setup that does not exist",
            Box::new(|v| {
                v["vectors"][0]["setup"] = json!("setup-nope");
                "vectors[0].setup".into()
            }),
            "expected the name of one of the suite's `setups`",
        ),
        (
            "a broken compact blob",
            Box::new(|v| {
                let (i, j) = locate(v, |s| s.get("candid_args").is_some());
                v["vectors"][i]["steps"][j]["candid_args"] = json!({"prefix": "00", "fill": "0"});
                format!("vectors[{i}].steps[{j}].candid_args")
            }),
            "expected a hex string or",
        ),
    ];
    for (what, apply, message) in cases {
        let mut value: Value = serde_json::from_str(&text).unwrap();
        let path = apply(&mut value);
        let error = load_text("deep.json", &serde_json::to_vec_pretty(&value).unwrap());
        assert!(error.path.starts_with(&path), "{what}: path {:?} does not start with {path:?} ({error})", error.path);
        assert!(error.message.contains(message), "{what}: message {:?} lacks {message:?}", error.message);
        assert!(error.to_string().contains("deep.json"), "{what}: {error}");
    }
}

#[test]
fn flipped_bytes_never_panic_the_loader() {
    let text = small_suite_text();
    let mut bytes = text.into_bytes();
    let len = bytes.len();
    for k in 0..200 {
        let position = (k * 7919 + 13) % len;
        let original = bytes[position];
        bytes[position] = original.wrapping_add(1 + (k % 50) as u8);
        let _ = format::parse(&bytes);
        bytes[position] = original;
    }
}

// --- insta snapshots of representative vectors --------------------------------------------------

/// A vector as its file holds it, with the steps of its setup.
fn vector_json(profile: &str, suite: &str, id: &str) -> String {
    let value: Value = serde_json::from_str(&read(&suite_path(profile, suite))).unwrap();
    let vector = value["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
        .clone();
    let setup = vector.get("setup").and_then(Value::as_str).map(|name| value["setups"][name].clone());
    let contents: serde_json::Map<String, Value> = value["contents"].as_object().cloned().unwrap_or_default();
    let text = format!("{vector}{}", setup.clone().unwrap_or(Value::Null));
    let mentioned: serde_json::Map<String, Value> =
        contents.into_iter().filter(|(hash, _)| text.contains(hash.as_str())).collect();
    format::to_canonical_json(json!({ "vector": vector, "setup": setup, "contents (mentioned)": mentioned }))
}

#[test]
fn snapshot_of_a_check_order_vector() {
    insta::assert_snapshot!(vector_json("ic", "clauses", "take/order/TAKE.CTRL+TAKE.LIMIT"));
}

#[test]
fn snapshot_of_a_permission_vector() {
    insta::assert_snapshot!(vector_json("ic", "permissions", "list/anonymous/vis-controllers"));
}

#[test]
fn snapshot_of_a_checksum_case() {
    let value: Value = serde_json::from_str(&read(&suite_path("ic", "checksum"))).unwrap();
    let case = value["checksums"].as_array().unwrap().iter().find(|c| c["name"] == "docs-9.4-d-full").unwrap().clone();
    insta::assert_snapshot!(format::to_canonical_json(case));
}
