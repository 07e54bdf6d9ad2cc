//! Compact blobs: long byte strings in vector files written as prefix plus a repeated byte.
//!
//! Some clauses need big arguments: a chunk over 1 MiB (`CHUNK.SIZE`), a module that fills
//! the subnet to the byte (`INSTALL.MEMORY`). Spelled out as hex they would dominate the
//! suites, so in a file the blob fields of a step's `call` and its `candid_args` may be
//! written as
//!
//! ```json
//! {"prefix": "0061736d01000000", "fill": "00", "count": 65000, "suffix": ""}
//! ```
//!
//! meaning the bytes of `prefix`, then `count` copies of the byte `fill`, then the bytes of
//! `suffix`. [`to_json`] writes this form for blobs whose longest run of one byte is at least
//! [`RUN_BYTES_MIN`] long (the first such run where several are equally long) and [`parse`]
//! expands it, so in memory every blob is plain hex.
//!
//! [`to_json`]: crate::format::to_json
//! [`parse`]: crate::format::parse

use serde_json::{json, Map, Value};

/// Fields of a call that hold blobs (hex strings).
pub const BLOB_KEYS: &[&str] = &["bytes", "chunk", "data", "wasm_module"];
/// Shortest trailing run that is written compactly.
pub const RUN_BYTES_MIN: usize = 256;
/// Largest blob a compact form may expand to.
pub const BLOB_BYTES_MAX: u64 = 16 << 20;
/// Largest total of expanded compact blobs in one file.
pub const EXPANDED_BYTES_MAX: u64 = 256 << 20;

/// Writes the blobs of every step (of vectors and of setups) compactly where that is shorter.
pub fn compact_suite(suite: &mut Value) {
    for (_, step) in steps_mut(suite) {
        for (name, value) in step.iter_mut() {
            match (name.as_str(), value) {
                ("candid_args", value) => compact(value),
                ("call", Value::Object(call)) => {
                    for (_, value) in call.iter_mut().filter(|(k, _)| BLOB_KEYS.contains(&k.as_str())) {
                        compact(value);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Expands every compact blob of every step; errors name the JSON path.
pub fn expand_suite(suite: &mut Value) -> Result<(), (String, String)> {
    let mut budget = EXPANDED_BYTES_MAX;
    for (path, step) in steps_mut(suite) {
        for (name, value) in step.iter_mut() {
            let mut places: Vec<(String, &mut Value)> = Vec::new();
            match (name.as_str(), value) {
                ("candid_args", value) => places.push(("candid_args".into(), value)),
                ("call", Value::Object(call)) => {
                    for (key, value) in call.iter_mut().filter(|(k, _)| BLOB_KEYS.contains(&k.as_str())) {
                        places.push((format!("call.{key}"), value));
                    }
                }
                _ => {}
            }
            for (field, value) in places {
                expand(value, &mut budget).map_err(|message| (format!("{path}.{field}"), message))?;
            }
        }
    }
    Ok(())
}

/// Every step object of a suite document with its JSON path: `vectors[i].steps[j]` and
/// `setups.<name>.steps[j]`.
fn steps_mut(suite: &mut Value) -> Vec<(String, &mut Map<String, Value>)> {
    let mut out = Vec::new();
    let Value::Object(top) = suite else { return out };
    for (key, value) in top.iter_mut() {
        match (key.as_str(), value) {
            ("vectors", Value::Array(vectors)) => {
                for (i, vector) in vectors.iter_mut().enumerate() {
                    if let Some(Value::Array(steps)) = vector.get_mut("steps") {
                        for (j, step) in steps.iter_mut().enumerate() {
                            if let Value::Object(step) = step {
                                out.push((format!("vectors[{i}].steps[{j}]"), step));
                            }
                        }
                    }
                }
            }
            ("setups", Value::Object(setups)) => {
                for (name, setup) in setups.iter_mut() {
                    if let Some(Value::Array(steps)) = setup.get_mut("steps") {
                        for (j, step) in steps.iter_mut().enumerate() {
                            if let Value::Object(step) = step {
                                out.push((format!("setups.{name}.steps[{j}]"), step));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Replaces a hex string by its compact form when its longest run is long enough.
fn compact(value: &mut Value) {
    let Value::String(text) = value else { return };
    let Ok(bytes) = hex::decode(text.as_str()) else { return };
    let (mut best_start, mut best_len) = (0, 0);
    let mut start = 0;
    while start < bytes.len() {
        let len = bytes[start..].iter().take_while(|&&b| b == bytes[start]).count();
        if len > best_len {
            (best_start, best_len) = (start, len);
        }
        start += len;
    }
    if best_len < RUN_BYTES_MIN {
        return;
    }
    let (prefix, rest) = bytes.split_at(best_start);
    let suffix = &rest[best_len..];
    *value = json!({ "prefix": hex::encode(prefix), "fill": hex::encode([rest[0]]), "count": best_len, "suffix": hex::encode(suffix) });
}

/// Replaces a compact form by its hex string; plain strings stay.
fn expand(value: &mut Value, budget: &mut u64) -> Result<(), String> {
    let Value::Object(map) = value else { return Ok(()) };
    const EXPECTED: &str =
        "expected a hex string or {\"prefix\": hex, \"fill\": one byte of hex, \"count\": n, \"suffix\": hex}";
    if map.len() != 4 {
        return Err(EXPECTED.into());
    }
    let prefix = map.get("prefix").and_then(Value::as_str).ok_or(EXPECTED)?;
    let fill = map.get("fill").and_then(Value::as_str).ok_or(EXPECTED)?;
    let count = map.get("count").and_then(Value::as_u64).ok_or(EXPECTED)?;
    let suffix = map.get("suffix").and_then(Value::as_str).ok_or(EXPECTED)?;
    let lowercase_hex = |text: &str, field: &str| -> Result<Vec<u8>, String> {
        match hex::decode(text) {
            Ok(bytes) if !text.bytes().any(|b| b.is_ascii_uppercase()) => Ok(bytes),
            _ => Err(format!("expected `{field}` in lowercase hex")),
        }
    };
    let prefix = lowercase_hex(prefix, "prefix")?;
    let suffix = lowercase_hex(suffix, "suffix")?;
    let fill = match lowercase_hex(fill, "fill") {
        Ok(bytes) if bytes.len() == 1 => bytes[0],
        _ => return Err("expected `fill` to be one byte of lowercase hex".into()),
    };
    let total = (prefix.len() as u64 + suffix.len() as u64).saturating_add(count);
    if total > BLOB_BYTES_MAX {
        return Err(format!("expected a blob of at most {BLOB_BYTES_MAX} bytes, found {total}"));
    }
    if total > *budget {
        return Err(format!("expected at most {EXPANDED_BYTES_MAX} bytes of compact blobs per file"));
    }
    *budget -= total;
    let mut bytes = prefix;
    bytes.resize(bytes.len() + count as usize, fill);
    bytes.extend_from_slice(&suffix);
    *value = Value::String(hex::encode(bytes));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite(call: Value, candid_args: Value) -> Value {
        json!({"vectors": [{"steps": [{"call": call, "candid_args": candid_args}]}]})
    }

    #[test]
    fn long_runs_round_trip() {
        let chunk = [vec![1, 2, 3], vec![0; 1 << 20]].concat();
        let original =
            suite(json!({"method": "upload_chunk", "chunk": hex::encode(&chunk)}), json!(hex::encode(&chunk)));
        let mut value = original.clone();
        compact_suite(&mut value);
        let compacted = &value["vectors"][0]["steps"][0];
        assert_eq!(
            compacted["call"]["chunk"],
            json!({"prefix": "010203", "fill": "00", "count": 1 << 20, "suffix": ""})
        );
        assert_eq!(compacted["candid_args"]["count"], json!(1 << 20));
        expand_suite(&mut value).unwrap();
        assert_eq!(value, original);
    }

    #[test]
    fn runs_in_the_middle_round_trip() {
        let blob = [vec![9; 3], vec![0xaa; 300], vec![1, 2], vec![0xbb; 300]].concat();
        let original = suite(json!({"wasm_module": hex::encode(&blob)}), json!("00"));
        let mut value = original.clone();
        compact_suite(&mut value);
        let compacted = &value["vectors"][0]["steps"][0]["call"]["wasm_module"];
        assert_eq!(compacted["prefix"], json!("090909"));
        assert_eq!(compacted["fill"], json!("aa"));
        expand_suite(&mut value).unwrap();
        assert_eq!(value, original);
    }

    #[test]
    fn short_blobs_stay_hex() {
        let original = suite(json!({"chunk": hex::encode([7u8; 255])}), json!("4449444c"));
        let mut value = original.clone();
        compact_suite(&mut value);
        assert_eq!(value, original);
    }

    #[test]
    fn bad_compact_forms_are_errors_with_paths() {
        for bad in [
            json!({"prefix": "", "fill": "0", "count": 3, "suffix": ""}),
            json!({"prefix": "", "fill": "00", "suffix": ""}),
            json!({"prefix": "AB", "fill": "00", "count": 1, "suffix": ""}),
            json!({"prefix": "", "fill": "00", "count": 1, "suffix": "x"}),
            json!({"prefix": "", "fill": "00", "count": BLOB_BYTES_MAX + 1, "suffix": ""}),
        ] {
            let mut value = suite(json!({"chunk": bad}), json!("00"));
            let (path, message) = expand_suite(&mut value).unwrap_err();
            assert_eq!(path, "vectors[0].steps[0].call.chunk");
            assert!(message.starts_with("expected"), "{message}");
        }
    }
}
