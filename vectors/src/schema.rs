//! The JSON Schema of suite files (`vectors/schema/suite.schema.json`), written out by hand.
//!
//! Why by hand rather than derived (`schemars`): the schema must describe the *file*, and the
//! file is not the serde form of the Rust types. Ids are symbolic handles (`$c0`,
//! `$c0.s1`), put in by a JSON-level pass ([`crate::symbolic`]); long blobs may be compact
//! objects ([`crate::blob`]); and most types are the model crate's, with foreign
//! (`candid::Principal`) and hand-written (`Clause`, `SnapshotId`, hex and decimal) serde
//! forms that a derive would have to override field by field. Written here, the schema says
//! what a runner in another language reads, and it stays honest by two tests: every committed
//! suite validates against it (with `additionalProperties: false` everywhere, so a field the
//! types gain fails until the schema gains it too), and damaged suites do not.
//!
//! Lists that the model defines (clause ids, error codes, method names) are taken from the
//! model, so they cannot drift.

use serde_json::{json, Map, Value};
use snapspec_model::{Clause, ErrorCode};

use crate::format::FORMAT;

/// Where the schema is committed, relative to the workspace root.
pub const SCHEMA_PATH: &str = "vectors/schema/suite.schema.json";

/// The schema as canonical JSON text (what `snapspec vectors generate` writes).
pub fn schema_json() -> String {
    crate::format::to_canonical_json(schema())
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{name}") })
}

fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [{ "type": "null" }, schema] })
}

fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

/// A closed object: `required` fields must be present, `optional` ones may be.
fn object(required: &[(&str, Value)], optional: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    for (name, schema) in required.iter().chain(optional) {
        properties.insert((*name).to_string(), schema.clone());
    }
    let names: Vec<&str> = required.iter().map(|(n, _)| *n).collect();
    json!({ "type": "object", "additionalProperties": false, "required": names, "properties": properties })
}

fn described(mut schema: Value, description: &str) -> Value {
    schema["description"] = json!(description);
    schema
}

fn u64() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

/// A call variant: `method` plus its fields (the model's `Call`, internally tagged).
fn method(name: &str, fields: &[(&str, Value)]) -> Value {
    let mut all = vec![("method", json!({ "const": name }))];
    all.extend(fields.iter().cloned());
    let required: Vec<(&str, Value)> = all.iter().filter(|(n, _)| !is_optional_field(n)).cloned().collect();
    let optional: Vec<(&str, Value)> = all.iter().filter(|(n, _)| is_optional_field(n)).cloned().collect();
    object(&required, &optional)
}

/// `Option` fields of calls: serde accepts them absent.
fn is_optional_field(name: &str) -> bool {
    matches!(name, "replace_snapshot" | "uninstall_code" | "sender_canister_version" | "label" | "controllers")
}

/// A reply variant (the model's `Reply`, adjacently tagged).
fn reply(name: &str, value: Option<Value>) -> Value {
    match value {
        None => object(&[("type", json!({ "const": name }))], &[]),
        Some(value) => object(&[("type", json!({ "const": name })), ("value", value)], &[]),
    }
}

fn calls() -> Value {
    let canister = || ("canister_id", r("canister"));
    let version = || ("sender_canister_version", nullable(u64()));
    let only_canister = |name: &str| method(name, &[canister()]);
    json!({ "oneOf": [
        method("take_canister_snapshot", &[canister(), ("replace_snapshot", nullable(r("snapshot_id"))), ("uninstall_code", nullable(json!({"type": "boolean"}))), version()]),
        method("load_canister_snapshot", &[canister(), ("snapshot_id", r("snapshot_id")), version()]),
        only_canister("list_canister_snapshots"),
        method("delete_canister_snapshot", &[canister(), ("snapshot_id", r("snapshot_id"))]),
        method("take_snapshot", &[canister(), ("label", nullable(json!({"type": "string"})))]),
        method("load_snapshot", &[("snapshot_id", r("snapshot_id")), canister()]),
        only_canister("list_snapshots"),
        method("delete_snapshot", &[("snapshot_id", r("snapshot_id"))]),
        method("create_canister", &[("controllers", nullable(array(r("principal")))), ("cycles", u64())]),
        method("install_code", &[canister(), ("mode", r("install_mode")), ("wasm_module", r("blob")), ("globals", array(r("global"))), version()]),
        method("uninstall_code", &[canister(), version()]),
        only_canister("start_canister"),
        only_canister("stop_canister"),
        method("update_settings", &[canister(), ("settings", r("settings")), version()]),
        only_canister("delete_canister"),
        method("upload_chunk", &[canister(), ("chunk", r("blob"))]),
        only_canister("clear_chunk_store"),
        only_canister("canister_status"),
        only_canister("canister_info"),
        method("top_up", &[canister(), ("cycles", u64())]),
        method("write_wasm_memory", &[canister(), ("offset", u64()), ("bytes", r("blob"))]),
        method("write_stable_memory", &[canister(), ("offset", u64()), ("bytes", r("blob"))]),
        method("read_wasm_memory", &[canister(), ("offset", u64()), ("len", u64())]),
        method("read_stable_memory", &[canister(), ("offset", u64()), ("len", u64())]),
        method("set_global", &[canister(), ("index", u64()), ("value", r("global"))]),
        only_canister("read_globals"),
        method("set_certified_data", &[canister(), ("data", r("blob"))]),
        method("set_timer", &[canister(), ("timer", r("timer"))]),
        method("advance_time", &[("nanos", u64())]),
        method("checkpoint", &[]),
    ]})
}

fn replies() -> Value {
    json!({ "oneOf": [
        reply("empty", None),
        reply("snapshot", Some(r("snapshot_info"))),
        reply("snapshot_id", Some(r("snapshot_id"))),
        reply("snapshots", Some(array(r("snapshot_info")))),
        reply("proposal_snapshots", Some(array(r("proposal_snapshot_info")))),
        reply("canister_id", Some(r("canister"))),
        reply("status", Some(r("status_reply"))),
        reply("info", Some(r("info_reply"))),
        reply("bytes", Some(r("hex"))),
        reply("chunk_hash", Some(r("hash"))),
        reply("timer", Some(r("timer"))),
        reply("globals", Some(array(r("global")))),
    ]})
}

fn global(name: &str, value: Value) -> Value {
    object(&[("type", json!({ "const": name })), ("value", value)], &[])
}

fn tagged(name: &str, value: Value) -> Value {
    object(&[(name, value)], &[])
}

fn definitions() -> Map<String, Value> {
    let clause_ids: Vec<&str> = Clause::ALL.iter().map(|c| c.id()).collect();
    let codes: Vec<u16> = ErrorCode::ALL.iter().map(|c| c.number()).collect();
    let component_fields: Vec<(&str, Value)> =
        ["module", "globals", "wasm_memory", "stable_memory", "chunk_store", "certified_data"]
            .iter()
            .map(|n| (*n, r("hash")))
            .collect();
    let int = || json!({ "type": "integer" });
    let decimal = || r("decimal");
    let mut defs = Map::new();
    defs.insert(
        "hex".into(),
        described(json!({ "type": "string", "pattern": "^([0-9a-f]{2})*$" }), "Bytes as lowercase hex."),
    );
    defs.insert(
        "hash".into(),
        described(json!({ "type": "string", "pattern": "^[0-9a-f]{64}$" }), "A 32-byte hash as lowercase hex."),
    );
    defs.insert(
        "decimal".into(),
        described(
            json!({ "type": "string", "pattern": "^[0-9]+$" }),
            "An unsigned integer that may exceed 2^53, as a decimal string.",
        ),
    );
    defs.insert(
        "canister_handle".into(),
        described(
            json!({ "type": "string", "pattern": "^\\$c[0-9]+$" }),
            "`$cN`: the N-th canister the vector creates (0-based); never bound = a canister that does not exist.",
        ),
    );
    defs.insert("snapshot_handle".into(), described(json!({ "type": "string", "pattern": "^\\$c[0-9]+\\.s[0-9]+$" }), "`$cN.sL`: the snapshot with local number L of canister `$cN`; never bound = a snapshot that does not exist."));
    defs.insert(
        "principal_text".into(),
        described(
            json!({ "type": "string", "pattern": "^[a-z2-7]{1,5}(-[a-z2-7]{1,5})*$" }),
            "A principal in its textual form (users, anonymous).",
        ),
    );
    defs.insert("canister".into(), json!({ "anyOf": [r("canister_handle"), r("principal_text")] }));
    defs.insert(
        "principal".into(),
        described(
            json!({ "anyOf": [r("canister_handle"), r("principal_text")] }),
            "A caller or controller: a canister handle or a principal's text.",
        ),
    );
    defs.insert(
        "snapshot_id".into(),
        described(
            json!({ "anyOf": [r("snapshot_handle"), r("hex")] }),
            "A snapshot handle, or hex for bytes that are no well-formed snapshot id.",
        ),
    );
    defs.insert("blob".into(), described(json!({ "anyOf": [r("hex"), object(&[("prefix", r("hex")), ("fill", json!({ "type": "string", "pattern": "^[0-9a-f]{2}$" })), ("count", u64()), ("suffix", r("hex"))], &[])] }),
            "Bytes: lowercase hex, or compactly `prefix`, then `count` copies of the byte `fill`, then `suffix`."));
    defs.insert("clause".into(), described(json!({ "enum": clause_ids }), "A clause id (docs/clauses.md)."));
    defs.insert(
        "error_code".into(),
        described(json!({ "enum": codes }), "An error code the model can produce (IC0xxx as a number)."),
    );
    defs.insert("install_mode".into(), json!({ "enum": ["install", "reinstall", "upgrade"] }));
    defs.insert("status".into(), json!({ "enum": ["running", "stopping", "stopped"] }));
    defs.insert("timer".into(), json!({ "oneOf": [{ "const": "inactive" }, tagged("active", u64())] }));
    defs.insert("visibility".into(), json!({ "oneOf": [{ "const": "controllers" }, { "const": "public" }, tagged("allowed_viewers", array(r("principal")))] }));
    defs.insert(
        "settings".into(),
        object(
            &[],
            &[
                ("controllers", nullable(array(r("principal")))),
                ("snapshot_visibility", nullable(r("visibility"))),
                ("status_visibility", r("visibility")),
            ],
        ),
    );
    defs.insert("global".into(), json!({ "oneOf": [global("i32", int()), global("i64", int()), global("f32", u64()), global("f64", u64()), global("v128", decimal())] }));
    defs.insert(
        "call".into(),
        described(calls(), "A call: the model's `Call`, internally tagged by `method`; ids as handles."),
    );
    defs.insert(
        "snapshot_info".into(),
        object(&[("id", r("snapshot_id")), ("taken_at_timestamp", u64()), ("total_size", u64())], &[]),
    );
    defs.insert(
        "proposal_snapshot_info".into(),
        object(
            &[
                ("id", r("snapshot_id")),
                ("taken_on", u64()),
                ("label", nullable(json!({ "type": "string" }))),
                ("total_size", u64()),
                ("checksum", nullable(r("hash"))),
            ],
            &[],
        ),
    );
    defs.insert(
        "status_reply".into(),
        object(
            &[
                ("status", r("status")),
                ("module_hash", nullable(r("hash"))),
                ("controllers", array(r("principal"))),
                ("version", u64()),
                ("memory_size", u64()),
                ("wasm_memory_size", u64()),
                ("stable_memory_size", u64()),
                ("wasm_binary_size", u64()),
                ("wasm_chunk_store_size", u64()),
                ("snapshots_size", u64()),
                ("cycles", decimal()),
                ("snapshot_visibility", nullable(r("visibility"))),
            ],
            &[("status_visibility", r("visibility"))],
        ),
    );
    defs.insert("change_origin".into(), json!({ "oneOf": [
            tagged("from_user", object(&[("user_id", r("principal"))], &[])),
            tagged("from_canister", object(&[("canister_id", r("principal")), ("canister_version", nullable(u64()))], &[])),
        ]}));
    defs.insert("change_details".into(), json!({ "oneOf": [
            tagged("creation", object(&[("controllers", array(r("principal")))], &[])),
            { "const": "code_uninstall" },
            tagged("code_deployment", object(&[("mode", r("install_mode")), ("module_hash", r("hash"))], &[])),
            tagged("load_snapshot", object(&[
                ("canister_version", u64()), ("snapshot_id", r("snapshot_id")), ("taken_at_timestamp", u64()),
                ("source", nullable(json!({ "enum": ["taken_from_canister", "metadata_upload"] }))), ("from_canister_id", nullable(r("canister"))),
            ], &[])),
            tagged("controllers_change", object(&[("controllers", array(r("principal")))], &[])),
        ]}));
    defs.insert(
        "change".into(),
        object(
            &[
                ("timestamp_ns", u64()),
                ("canister_version", u64()),
                ("origin", r("change_origin")),
                ("details", r("change_details")),
            ],
            &[],
        ),
    );
    defs.insert(
        "info_reply".into(),
        object(
            &[
                ("total_num_changes", u64()),
                ("recent_changes", array(r("change"))),
                ("module_hash", nullable(r("hash"))),
                ("controllers", array(r("principal"))),
            ],
            &[],
        ),
    );
    defs.insert(
        "reply".into(),
        described(replies(), "A reply: the model's `Reply`, adjacently tagged (`type`, `value`); ids as handles."),
    );
    defs.insert(
        "reject".into(),
        object(
            &[
                (
                    "code",
                    described(
                        r("error_code"),
                        "Strict mode: the error code of the first violated precondition in the profile's check order.",
                    ),
                ),
                (
                    "reject_code",
                    described(
                        json!({ "type": "integer", "minimum": 1, "maximum": 5 }),
                        "The reject code: the error code's first digit.",
                    ),
                ),
                (
                    "message",
                    described(
                        json!({ "type": "string" }),
                        "Strict mode, certainty `exact`: a prefix of the message (model ids; see README).",
                    ),
                ),
                (
                    "certainty",
                    described(
                        json!({ "enum": ["exact", "code_only", "unconfirmed"] }),
                        "How much of code and message the references confirm.",
                    ),
                ),
                ("spec_codes", described(array(r("error_code")), "Spec mode: any of these codes is acceptable.")),
                ("spec_any_code", described(json!({ "type": "boolean" }), "Spec mode: any code at all is acceptable.")),
                ("violated", described(array(r("clause")), "Every violated precondition, in check order.")),
            ],
            &[],
        ),
    );
    defs.insert("outcome".into(), json!({ "oneOf": [tagged("reply", r("reply")), tagged("reject", r("reject"))] }));
    defs.insert("size_floor".into(), object(&[("id", r("snapshot_id")), ("total_size_ge", u64())], &[]));
    defs.insert(
        "expectation".into(),
        object(
            &[("outcome", r("outcome")), ("clauses", array(r("clause")))],
            &[
                ("size_floors", array(r("size_floor"))),
                ("candid_reply", described(r("hex"), "The reply's candid bytes, in the model's ids.")),
            ],
        ),
    );
    defs.insert(
        "content_components".into(),
        described(object(&component_fields, &[]), "The six components of docs/checksum.md §1."),
    );
    defs.insert("canister_post".into(), object(
            &[("content", r("hash")), ("snapshots", json!({ "type": "object", "propertyNames": r("snapshot_handle"), "additionalProperties": r("hash") }))],
            &[],
        ));
    defs.insert("post".into(), described(json!({ "type": "object", "propertyNames": r("canister_handle"), "additionalProperties": nullable(r("canister_post")) }),
            "After a step that replied and changed canisters: the content checksums of each changed canister and its snapshots (null: it no longer exists); components in the suite's `contents`."));
    defs.insert(
        "step".into(),
        object(
            &[("caller", r("principal")), ("call", r("call")), ("expect", r("expectation"))],
            &[
                (
                    "candid_args",
                    described(
                        r("blob"),
                        "The call's candid argument bytes, in the model's ids (management calls only).",
                    ),
                ),
                ("post", r("post")),
            ],
        ),
    );
    defs.insert(
        "vector".into(),
        object(
            &[
                ("id", json!({ "type": "string", "minLength": 1 })),
                ("comment", json!({ "type": "string" })),
                ("status", json!({ "enum": ["normative", "observed", "disputed"] })),
                ("clauses", array(r("clause"))),
                ("steps", described(array(r("step")), "The vector's steps, after its setup's if it names one.")),
            ],
            &[(
                "setup",
                described(json!({ "type": "string" }), "The name of one of the suite's `setups`: its steps run first."),
            )],
        ),
    );
    defs.insert("setup".into(), object(&[("comment", json!({ "type": "string" })), ("steps", array(r("step")))], &[]));
    defs.insert(
        "provenance".into(),
        object(
            &[
                ("generator", json!({ "type": "string" })),
                ("generator_version", json!({ "type": "string" })),
                ("spec_source", json!({ "type": "string" })),
                ("spec_version", json!({ "type": "string" })),
                ("model_digest", json!({ "type": "string", "pattern": "^sha256:[0-9a-f]{64}$" })),
            ],
            &[],
        ),
    );
    defs.insert(
        "resources".into(),
        object(
            &[
                ("subnet_memory_capacity_bytes", u64()),
                ("freezing_threshold_cycles_per_byte", u64()),
                ("snapshot_fee_base_cycles", u64()),
                ("snapshot_fee_cycles_per_byte", u64()),
            ],
            &[],
        ),
    );
    defs.insert(
        "config".into(),
        described(
            object(
                &[
                    ("name", json!({ "type": "string" })),
                    ("spec_version", json!({ "type": "string" })),
                    ("api", json!({ "enum": ["management", "proposal"] })),
                    ("snapshots_per_canister_max", u64()),
                    ("replacement", json!({ "enum": ["explicit", "implicit"] })),
                    ("visibility", json!({ "type": "boolean" })),
                    ("cross_canister_load", json!({ "type": "boolean" })),
                    ("uninstall_on_take", json!({ "type": "boolean" })),
                    ("labels", json!({ "type": "boolean" })),
                    ("checksum_in_listing", json!({ "type": "boolean" })),
                    ("check_order", json!({ "enum": ["replica", "spec"] })),
                    ("load_history", json!({ "enum": ["basic", "with_source", "with_source_and_from"] })),
                    ("snapshot_storage", json!({ "enum": ["subnet_wide", "per_canister"] })),
                    ("chunk_store_chunks_max", u64()),
                    ("wasm_memory_pages_max", u64()),
                    ("stable_memory_pages_max", u64()),
                    ("resources", r("resources")),
                    ("genesis_time_ns", u64()),
                ],
                &[("status_visibility", json!({ "type": "boolean" }))],
            ),
            "The profile's knobs (the model's `Config`).",
        ),
    );
    defs.insert(
        "memory_content".into(),
        object(
            &[("size_bytes", u64()), ("writes", array(object(&[("offset", u64()), ("bytes", r("hex"))], &[])))],
            &[],
        ),
    );
    defs.insert(
        "checksum_content".into(),
        object(
            &[
                ("module", nullable(r("hex"))),
                ("globals", array(r("global"))),
                ("wasm_memory", r("memory_content")),
                ("stable_memory", r("memory_content")),
                ("chunks", array(r("hex"))),
                ("certified_data", r("hex")),
            ],
            &[],
        ),
    );
    defs.insert(
        "checksum_expect".into(),
        object(
            &[
                ("wasm_memory_root", r("hash")),
                ("stable_memory_root", r("hash")),
                ("components", r("content_components")),
                ("checksum", r("hash")),
            ],
            &[],
        ),
    );
    defs.insert(
        "checksum_case".into(),
        object(
            &[
                ("name", json!({ "type": "string", "minLength": 1 })),
                ("comment", json!({ "type": "string" })),
                ("content", r("checksum_content")),
                ("expect", r("checksum_expect")),
            ],
            &[],
        ),
    );
    defs
}

/// The schema document.
pub fn schema() -> Value {
    let top = object(
        &[
            ("format", json!({ "const": FORMAT })),
            ("provenance", r("provenance")),
            ("suite", json!({ "type": "string", "minLength": 1 })),
            ("profile", r("config")),
            ("vectors", array(r("vector"))),
        ],
        &[
            ("$schema", json!({ "type": "string" })),
            ("certifies", json!({ "type": "string" })),
            ("checksums", array(r("checksum_case"))),
            (
                "setups",
                described(
                    json!({ "type": "object", "additionalProperties": r("setup") }),
                    "Steps several vectors start with, by name.",
                ),
            ),
            (
                "contents",
                described(
                    json!({ "type": "object", "propertyNames": r("hash"), "additionalProperties": r("content_components") }),
                    "Every content checksum a post names, with its six components.",
                ),
            ),
        ],
    );
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "snapspec-vectors/1 suite",
        "description": "A suite of language-neutral test vectors for IC canister snapshots. See vectors/README.md for every field and the runner's rules.",
        "$defs": definitions(),
    });
    if let (Value::Object(out), Value::Object(top)) = (&mut schema, top) {
        out.extend(top);
    }
    schema
}
