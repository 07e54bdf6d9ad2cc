//! Symbolic handles: the model's ids renamed so vectors read the same in any implementation.
//!
//! The model's canister `N` (id `u64be(N) ‖ 01 01`) is `$cN`; its snapshot with local number
//! `L` is `$cN.sL`. A replayer binds `$cN` when a `create_canister` reply returns it and
//! `$cN.sL` when a take reply returns it, checking that the id is fresh; a handle never bound
//! names something that does not exist (an unknown canister, a snapshot never taken). Ids
//! that are not well-formed stay as literal hex.

use serde_json::Value;
use snapspec_model::{CanisterId, Principal, SnapshotId};

/// Keys whose string values are principals or canister ids.
const PRINCIPAL_KEYS: &[&str] =
    &["canister_id", "caller", "controllers", "allowed_viewers", "from_canister_id", "user_id"];
/// Keys whose string values are snapshot ids (hex).
const SNAPSHOT_KEYS: &[&str] = &["snapshot_id", "replace_snapshot", "id"];

/// The model canister index of a principal, if it is a model canister id.
pub fn canister_index(principal: &Principal) -> Option<u64> {
    let bytes = principal.as_slice();
    (bytes.len() == 10 && bytes[8] == 1 && bytes[9] == 1)
        .then(|| u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes")))
}

/// The handle of a canister.
pub fn canister_handle(id: &CanisterId) -> Option<String> {
    canister_index(&id.0).map(|n| format!("$c{n}"))
}

/// The handle of a snapshot.
pub fn snapshot_handle(id: &SnapshotId) -> Option<String> {
    canister_index(&id.owner.0).map(|n| format!("$c{n}.s{}", id.local))
}

/// Parses `$cN` or `$cN.sL`.
pub fn parse_handle(text: &str) -> Option<Handle> {
    let rest = text.strip_prefix("$c")?;
    match rest.split_once(".s") {
        Some((canister, local)) => Some(Handle::Snapshot(SnapshotId {
            owner: CanisterId::from_index(canister.parse().ok()?),
            local: local.parse().ok()?,
        })),
        None => Some(Handle::Canister(CanisterId::from_index(rest.parse().ok()?))),
    }
}

/// What a handle denotes in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handle {
    /// A canister.
    Canister(CanisterId),
    /// A snapshot.
    Snapshot(SnapshotId),
}

/// Replaces model ids by handles in a JSON value (by key, so data blobs are never touched).
pub fn symbolize(value: &mut Value) {
    walk(value, "", &|text, key| {
        if PRINCIPAL_KEYS.contains(&key) {
            if let Some(handle) = Principal::from_text(text).ok().and_then(|p| canister_handle(&CanisterId(p))) {
                return Some(handle);
            }
        }
        if SNAPSHOT_KEYS.contains(&key) {
            let id = hex::decode(text).ok().and_then(|b| SnapshotId::try_from_bytes(&b).ok())?;
            return snapshot_handle(&id);
        }
        None
    });
}

/// Replaces handles by the model's ids.
pub fn desymbolize(value: &mut Value) {
    walk(value, "", &|text, _| match parse_handle(text)? {
        Handle::Canister(id) => Some(id.0.to_text()),
        Handle::Snapshot(id) => Some(hex::encode(id.to_bytes())),
    });
}

fn walk(value: &mut Value, key: &str, rewrite: &dyn Fn(&str, &str) -> Option<String>) {
    match value {
        Value::Object(map) => {
            // Replies are `{"type": T, "value": V}`: a bare id's meaning comes from T.
            let value_key = match map.get("type").and_then(Value::as_str) {
                Some("canister_id") => "canister_id",
                Some("snapshot_id") => "snapshot_id",
                _ => "",
            };
            for (k, v) in map.iter_mut() {
                let key = if k == "value" { value_key } else { k.as_str() };
                walk(v, key, rewrite);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| walk(v, key, rewrite)),
        Value::String(text) => {
            if let Some(new) = rewrite(text, key) {
                *text = new;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip() {
        let canister = CanisterId::from_index(3);
        let snapshot = SnapshotId { owner: canister, local: 7 };
        let mut value = serde_json::json!({
            "caller": canister.0.to_text(),
            "call": {"method": "load_canister_snapshot", "canister_id": canister.0.to_text(), "snapshot_id": hex::encode(snapshot.to_bytes())},
            "bytes": hex::encode(snapshot.to_bytes()),
        });
        let original = value.clone();
        symbolize(&mut value);
        assert_eq!(value["call"]["snapshot_id"], "$c3.s7");
        assert_eq!(value["caller"], "$c3");
        assert_eq!(value["bytes"], original["bytes"], "data blobs are never renamed");
        desymbolize(&mut value);
        assert_eq!(value, original);
    }
}
