//! Symbolic id handling: the model's ids and the implementation's are bound as replies arrive.
//!
//! Requests are generated in the model's ids; before a request goes out its canister ids,
//! caller and snapshot ids are translated into the implementation's. A take's reply binds the
//! model's new snapshot id to the implementation's, after checking that the implementation's
//! id is fresh (never seen before in the run, so never reused after delete or replace).

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use serde_json::Value;
use snapspec_model::{CanisterId, Principal, Request, SnapshotId};

/// Base index of the canister ids the harness uses for model canisters that do not exist:
/// high enough that no implementation hands them out.
const ABSENT_CANISTER_INDEX_BASE: u64 = 0x7fff_ffff_0000_0000;

/// The binding between the model's ids and the implementation's.
#[derive(Clone, Debug, Default)]
pub struct IdMap {
    canisters: BTreeMap<CanisterId, CanisterId>,
    canisters_back: BTreeMap<CanisterId, CanisterId>,
    snapshots: BTreeMap<SnapshotId, SnapshotId>,
    snapshots_back: FxHashMap<SnapshotId, SnapshotId>,
    seen_snapshot_ids: FxHashSet<SnapshotId>,
    identity: bool,
}

/// Why a binding was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindError {
    /// The implementation handed out an id it had handed out before.
    Reused(String),
    /// The implementation's id does not follow the model's layout (strict, `model_ids`).
    Layout(String),
}

impl IdMap {
    /// A map for an implementation that uses the model's ids exactly (`model_ids`).
    pub fn new(identity: bool) -> IdMap {
        IdMap { identity, ..IdMap::default() }
    }

    /// The implementation's id for a model canister.
    pub fn canister_to_sut(&self, id: CanisterId) -> CanisterId {
        if self.identity {
            return id;
        }
        if let Some(sut) = self.canisters.get(&id) {
            return *sut;
        }
        let index = u64::from_be_bytes(id.as_slice().get(..8).and_then(|b| b.try_into().ok()).unwrap_or([0; 8]));
        CanisterId::from_index(ABSENT_CANISTER_INDEX_BASE.wrapping_add(index))
    }

    /// The model's id for an implementation canister, if bound.
    pub fn canister_to_model(&self, id: CanisterId) -> Option<CanisterId> {
        if self.identity {
            return Some(id);
        }
        self.canisters_back.get(&id).copied()
    }

    /// Binds a newly created canister.
    pub fn bind_canister(&mut self, model: CanisterId, sut: CanisterId) -> Result<(), BindError> {
        if self.identity {
            return if model == sut {
                Ok(())
            } else {
                Err(BindError::Layout(format!("created {sut}, the model created {model}")))
            };
        }
        if self.canisters_back.contains_key(&sut) {
            return Err(BindError::Reused(format!("canister id {sut} was handed out before")));
        }
        self.canisters.insert(model, sut);
        self.canisters_back.insert(sut, model);
        Ok(())
    }

    /// The implementation's id for a model snapshot id (bound, or laid out like the model's).
    pub fn snapshot_to_sut(&self, id: SnapshotId) -> SnapshotId {
        if self.identity {
            return id;
        }
        self.snapshots
            .get(&id)
            .copied()
            .unwrap_or(SnapshotId { owner: self.canister_to_sut(id.owner), local: id.local })
    }

    /// The model's id for an implementation snapshot id, if bound.
    pub fn snapshot_to_model(&self, id: SnapshotId) -> Option<SnapshotId> {
        if self.identity {
            return Some(id);
        }
        self.snapshots_back.get(&id).copied()
    }

    /// Binds a snapshot id from a take reply, checking freshness (and layout under `strict`).
    pub fn bind_snapshot(&mut self, model: SnapshotId, sut: SnapshotId, strict: bool) -> Result<(), BindError> {
        if !self.seen_snapshot_ids.insert(sut) {
            return Err(BindError::Reused(format!("snapshot id {sut} was handed out before")));
        }
        let expected = SnapshotId { owner: self.canister_to_sut(model.owner), local: model.local };
        if strict && sut != expected {
            return Err(BindError::Layout(format!("got {sut}, the replica's layout gives {expected}")));
        }
        if !self.identity {
            self.snapshots.insert(model, sut);
            self.snapshots_back.insert(sut, model);
        }
        Ok(())
    }

    /// A caller or controller in the implementation's ids.
    pub fn principal_to_sut(&self, principal: Principal) -> Principal {
        match self.canister_for_principal(principal) {
            Some(canister) => self.canister_to_sut(canister).principal(),
            None => principal,
        }
    }

    fn canister_for_principal(&self, principal: Principal) -> Option<CanisterId> {
        let id = CanisterId(principal);
        (snapshot_model_canister(&principal) || self.canisters.contains_key(&id)).then_some(id)
    }

    /// A request in the implementation's ids (borrowed as is when the ids are the model's).
    pub fn request_to_sut<'a>(&self, request: &'a Request) -> Cow<'a, Request> {
        if self.identity {
            return Cow::Borrowed(request);
        }
        let mut value = serde_json::to_value(request).expect("requests serialize");
        self.translate(&mut value, "");
        Cow::Owned(serde_json::from_value(value).expect("translation keeps the request's shape"))
    }

    /// Rewrites a model message into the implementation's ids, so prefixes compare.
    pub fn message_to_sut(&self, message: &str) -> String {
        let mut out = message.to_string();
        if self.identity {
            return out;
        }
        for (model, sut) in &self.snapshots {
            out = out.replace(&model.to_string(), &sut.to_string());
        }
        for (model, sut) in &self.canisters {
            out = out.replace(&model.to_string(), &sut.to_string());
        }
        out
    }

    /// Rewrites ids inside any JSON value (by key: canister ids, principals, snapshot ids).
    pub fn json_to_sut(&self, value: &mut Value) {
        self.translate(value, "");
    }

    fn translate(&self, value: &mut Value, key: &str) {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    self.translate(v, k);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.translate(v, key)),
            Value::String(text) => {
                if let Some(new) = self.translate_string(text, key) {
                    *text = new;
                }
            }
            _ => {}
        }
    }

    fn translate_string(&self, text: &str, key: &str) -> Option<String> {
        match key {
            "canister_id" | "caller" | "controllers" | "allowed_viewers" | "from_canister_id" | "user_id" => {
                let principal = Principal::from_text(text).ok()?;
                Some(self.principal_to_sut(principal).to_text())
            }
            "snapshot_id" | "replace_snapshot" => {
                let bytes = hex::decode(text).ok()?;
                let id = SnapshotId::try_from_bytes(&bytes).ok()?;
                Some(hex::encode(self.snapshot_to_sut(id).to_bytes()))
            }
            _ => None,
        }
    }
}

/// Model canister ids are `u64be ‖ 01 01`; the harness treats those as canisters.
fn snapshot_model_canister(principal: &Principal) -> bool {
    let bytes = principal.as_slice();
    bytes.len() == 10 && bytes[8] == 0x01 && bytes[9] == 0x01
}
