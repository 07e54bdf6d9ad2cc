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

    /// The implementation's id for a model canister: the bound one, or for a canister the model
    /// does not have, one the harness invents (its messages are translated alike).
    pub fn canister_to_sut(&self, id: CanisterId) -> CanisterId {
        if self.identity {
            return id;
        }
        if let Some(sut) = self.canisters.get(&id) {
            return *sut;
        }
        // Not a canister id the model hands out (e.g. the owner part of a malformed snapshot
        // id): no implementation canister corresponds to it, so it goes out as is.
        if !snapshot_model_canister(&id.principal()) {
            return id;
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

    /// Binds a snapshot id from a take reply, checking freshness, and the layout under `strict`
    /// or `model_ids` (whose implementations are sent the model's ids afterwards, so any other
    /// id would go unnoticed until a later call failed for no visible reason).
    pub fn bind_snapshot(&mut self, model: SnapshotId, sut: SnapshotId, strict: bool) -> Result<(), BindError> {
        if !self.seen_snapshot_ids.insert(sut) {
            return Err(BindError::Reused(format!("snapshot id {sut} was handed out before")));
        }
        let expected = SnapshotId { owner: self.canister_to_sut(model.owner), local: model.local };
        if (strict || self.identity) && sut != expected {
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

    /// Rewrites a model message into the implementation's ids, so prefixes compare: every
    /// model canister id in it (bound, or one the harness invented for an absent canister)
    /// and every snapshot id (`{canister}-{local}`). One pass over the text, so an id already
    /// rewritten is never rewritten again (an implementation's ids may look like the model's).
    pub fn message_to_sut(&self, message: &str) -> String {
        if self.identity {
            return message.to_string();
        }
        let mut out = String::with_capacity(message.len());
        let mut rest = message;
        while let Some(start) = rest.find(is_id_char) {
            out.push_str(&rest[..start]);
            rest = &rest[start..];
            let end = rest.find(|c: char| !is_id_char(c)).unwrap_or(rest.len());
            out.push_str(&self.id_token_to_sut(&rest[..end]));
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }

    /// A token of a message in the implementation's ids: a model canister id, a snapshot id
    /// `{canister}-{local}`, or (anything else) the token unchanged.
    fn id_token_to_sut<'t>(&self, token: &'t str) -> Cow<'t, str> {
        if let Some(canister) = model_canister_text(token) {
            return Cow::Owned(self.canister_to_sut(canister).to_string());
        }
        let snapshot = token.rsplit_once('-').and_then(|(owner, local)| {
            let local = local.parse::<u64>().ok().filter(|_| local.bytes().all(|b| b.is_ascii_digit()))?;
            Some(SnapshotId { owner: model_canister_text(owner)?, local })
        });
        match snapshot {
            Some(id) => Cow::Owned(self.snapshot_to_sut(id).to_string()),
            None => Cow::Borrowed(token),
        }
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

/// Characters of principal text (and of a snapshot id's `-{local}` suffix).
fn is_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

/// The model canister id `text` spells, if it spells one.
fn model_canister_text(text: &str) -> Option<CanisterId> {
    let principal = Principal::from_text(text).ok()?;
    snapshot_model_canister(&principal).then_some(CanisterId(principal))
}

/// Model canister ids are `u64be ‖ 01 01`; the harness treats those as canisters.
fn snapshot_model_canister(principal: &Principal) -> bool {
    let bytes = principal.as_slice();
    bytes.len() == 10 && bytes[8] == 0x01 && bytes[9] == 0x01
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(index: u64) -> CanisterId {
        CanisterId::from_index(index)
    }

    /// Model canisters 0 and 1 bound to the implementation's 1 and 1000: canister 1's text is
    /// then both a model id and an implementation id, which a second pass would rewrite again.
    fn shifted() -> IdMap {
        let mut ids = IdMap::new(false);
        ids.bind_canister(c(0), c(1)).expect("fresh");
        ids.bind_canister(c(1), c(1000)).expect("fresh");
        ids
    }

    #[test]
    fn messages_name_bound_canisters_by_the_implementations_ids_once() {
        let ids = shifted();
        let message = format!("Canister {} and canister {}.", c(0), c(1));
        assert_eq!(ids.message_to_sut(&message), format!("Canister {} and canister {}.", c(1), c(1000)));
    }

    #[test]
    fn messages_name_absent_canisters_as_requests_do() {
        let ids = shifted();
        let absent = c(7);
        let sent = ids.canister_to_sut(absent);
        assert_ne!(sent, absent, "the harness invents an id for a canister the model lacks");
        assert_eq!(ids.message_to_sut(&format!("Canister {absent} not found.")), format!("Canister {sent} not found."));
    }

    #[test]
    fn messages_name_snapshots_by_bound_or_laid_out_ids() {
        let mut ids = shifted();
        let (model, sut) = (SnapshotId { owner: c(0), local: 3 }, SnapshotId { owner: c(1), local: 9 });
        ids.bind_snapshot(model, sut, false).expect("fresh");
        let unbound = SnapshotId { owner: c(1), local: 4 };
        let message = format!("snapshot ID {model} for canister {}; {unbound}", c(0));
        let expected = format!("snapshot ID {sut} for canister {}; {}", c(1), SnapshotId { owner: c(1000), local: 4 });
        assert_eq!(ids.message_to_sut(&message), expected);
    }

    #[test]
    fn messages_keep_users_and_other_text() {
        let ids = shifted();
        let user = Principal::from_slice(&[7; 29]).to_text();
        let message = format!("Sender's ID: {user}\nIC0512 - see docs (not-a-principal).");
        assert_eq!(ids.message_to_sut(&message), message);
    }

    #[test]
    fn model_ids_bind_only_the_models_snapshot_ids_in_either_mode() {
        let model = SnapshotId { owner: c(0), local: 3 };
        let other = SnapshotId { owner: c(0), local: 10 };
        for strict in [true, false] {
            let mut ids = IdMap::new(true);
            assert!(matches!(ids.bind_snapshot(model, other, strict), Err(BindError::Layout(_))), "strict: {strict}");
            assert_eq!(ids.bind_snapshot(model, model, strict), Ok(()));
        }
        let mut translated = IdMap::new(false);
        assert_eq!(translated.bind_snapshot(model, other, false), Ok(()), "spec mode lets own ids through");
    }

    #[test]
    fn ids_that_no_model_canister_can_have_go_out_as_they_are() {
        let ids = shifted();
        let owner = CanisterId(Principal::from_slice(&[1, 2, 3]));
        assert_eq!(ids.canister_to_sut(owner), owner);
        let snapshot = SnapshotId { owner, local: 5 };
        assert_eq!(ids.snapshot_to_sut(snapshot), snapshot);
        assert_eq!(ids.message_to_sut(&format!("ID {snapshot}.")), format!("ID {snapshot}."));
    }
}
