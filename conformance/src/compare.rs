//! Comparing an implementation's answer with the model's.
//!
//! Exact where the spec is exact, relational where it is not:
//! - **strict** mode follows the replica: the error code of the first violated precondition
//!   in the replica's check order, its reject code, the message prefix where the model is
//!   certain of it, `total_size` by the replica's formula, ids by the replica's layout;
//! - **spec** mode accepts the error of any violated precondition (and the codes the spec
//!   leaves open for it, `Clause::spec_also_accepts`), and checks by relation what the spec
//!   leaves open: monotone time, sizes at least the memories they hold and a listed size equal
//!   to the size the take reported, listings in any order, history versions that grow, and
//!   the proposal's checksums as any function of the content.
//!
//! Both modes check reply-vs-reject, reject codes against error codes, id freshness, and
//! every field whose value the spec fixes (memories, module hashes, labels, history).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use snapspec_model::call::{InfoReply, ProposalSnapshotInfo, StatusReply};
use snapspec_model::canister::{ChangeDetails, Visibility};
use snapspec_model::{Certainty, Reply, SnapshotId, SnapshotInfo};

use crate::ids::{BindError, IdMap};
use crate::protocol::Capability;
use crate::sut::{Manifest, Observed};

/// How exactly answers must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The replica's exact behaviour.
    Strict,
    /// What the interface spec allows.
    Spec,
}

/// As spelled on the command line.
impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use clap::ValueEnum as _;
        f.write_str(self.to_possible_value().expect("no mode is skipped").get_name())
    }
}

pub use snapspec_vectors::format::{Expectation, Expected};

/// A difference between model and implementation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    /// Which part differs, e.g. `reject.code` or `reply.snapshots[1].total_size`.
    pub field: String,
    /// What the model expects (rendered).
    pub expected: String,
    /// What the implementation gave (rendered).
    pub actual: String,
}

fn mismatch(field: &str, expected: impl std::fmt::Debug, actual: impl std::fmt::Debug) -> Mismatch {
    let (expected, actual) = (format!("{expected:?}"), format!("{actual:?}"));
    Mismatch { field: field.to_string(), expected: cut(expected), actual: cut(actual) }
}

/// Characters of a value that a [`Mismatch`] keeps: an implementation's answer can be
/// megabytes long, and a run can keep many mismatches.
pub const RENDERED_CHARS_MAX: usize = 1_000;

/// `text`, cut to [`RENDERED_CHARS_MAX`] characters with a note of its full length.
pub fn cut(text: String) -> String {
    match text.char_indices().nth(RENDERED_CHARS_MAX) {
        None => text,
        Some((end, _)) => format!("{}… ({} characters in all)", &text[..end], text.chars().count()),
    }
}

/// Compares answers step by step over one run, keeping ids and relations.
pub struct Comparator {
    mode: Mode,
    deterministic_time: bool,
    model_resources: bool,
    /// Id bindings.
    pub ids: IdMap,
    last_timestamp: u64,
    sizes: BTreeMap<SnapshotId, u64>,
    taken_at: BTreeMap<SnapshotId, u64>,
    /// Spec mode: the implementation's checksum for each of the model's, and back.
    checksums: BTreeMap<[u8; 32], [u8; 32]>,
    checksums_back: BTreeMap<[u8; 32], [u8; 32]>,
}

type Check = Result<(), Mismatch>;

impl Comparator {
    /// A comparator for a fresh run against an implementation with `manifest`.
    pub fn new(mode: Mode, manifest: &Manifest) -> Comparator {
        Comparator {
            mode,
            deterministic_time: manifest.has(Capability::DeterministicTime),
            model_resources: manifest.has(Capability::ModelResources),
            ids: IdMap::new(manifest.has(Capability::ModelIds)),
            last_timestamp: 0,
            sizes: BTreeMap::new(),
            taken_at: BTreeMap::new(),
            checksums: BTreeMap::new(),
            checksums_back: BTreeMap::new(),
        }
    }

    fn strict(&self) -> bool {
        self.mode == Mode::Strict
    }

    /// Compares one answer.
    pub fn compare(&mut self, expected: &Expectation, observed: &Observed) -> Check {
        match (&expected.outcome, observed) {
            (Expected::Reply(model), Observed::Reply { reply }) => self.reply(model, reply, expected),
            (Expected::Reject { .. }, Observed::Reject { code, reject_code, message }) => {
                self.reject(&expected.outcome, *code, *reject_code, message)
            }
            (Expected::Reply(model), Observed::Reject { code, message, .. }) => {
                Err(mismatch("outcome", format!("reply {}", summary(model)), format!("reject IC{code:04}: {message}")))
            }
            (Expected::Reject { code, .. }, Observed::Reply { reply }) => {
                Err(mismatch("outcome", format!("reject IC{code:04}"), format!("reply {}", summary(reply))))
            }
        }
    }

    fn reject(&self, expected: &Expected, code: u16, reject_code: u8, message: &str) -> Check {
        let Expected::Reject { code: model_code, message: model_message, certainty, spec_codes, spec_any_code, .. } =
            expected
        else {
            unreachable!("called for rejects")
        };
        if u16::from(reject_code) != code / 100 {
            return Err(mismatch("reject.reject_code", code / 100, reject_code));
        }
        if !self.strict() {
            return if *spec_any_code || spec_codes.contains(&code) {
                Ok(())
            } else {
                Err(mismatch("reject.code", spec_codes, code))
            };
        }
        if *certainty != Certainty::Unconfirmed && code != *model_code {
            return Err(mismatch("reject.code", model_code, code));
        }
        let prefix = self.ids.message_to_sut(model_message);
        if *certainty == Certainty::Exact && !message.starts_with(&prefix) {
            return Err(mismatch("reject.message", prefix, message));
        }
        Ok(())
    }

    fn reply(&mut self, model: &Reply, actual: &Reply, expectation: &Expectation) -> Check {
        match (model, actual) {
            (Reply::Empty, Reply::Empty) => Ok(()),
            (Reply::Snapshot(m), Reply::Snapshot(a)) => {
                self.bind(m.id, a.id)?;
                self.snapshot_info("reply.snapshot", m, a, expectation)
            }
            (Reply::SnapshotId(m), Reply::SnapshotId(a)) => {
                self.bind(*m, *a)?;
                self.time_relation("reply", self.last_timestamp, self.last_timestamp)
            }
            (Reply::Snapshots(m), Reply::Snapshots(a)) => self.list(m, a, expectation),
            (Reply::ProposalSnapshots(m), Reply::ProposalSnapshots(a)) => self.proposal_list(m, a, expectation),
            (Reply::CanisterId(m), Reply::CanisterId(a)) => {
                self.ids.bind_canister(*m, *a).map_err(|e| bind_mismatch("reply.canister_id", e))
            }
            (Reply::Status(m), Reply::Status(a)) => self.status(m, a),
            (Reply::Info(m), Reply::Info(a)) => self.info(m, a),
            (Reply::Bytes(m), Reply::Bytes(a)) => equal("reply.bytes", &hex::encode(m), &hex::encode(a)),
            (Reply::ChunkHash(m), Reply::ChunkHash(a)) => equal("reply.hash", &hex::encode(m), &hex::encode(a)),
            (Reply::Timer(m), Reply::Timer(a)) => equal("reply.timer", m, a),
            (Reply::Globals(m), Reply::Globals(a)) => equal("reply.globals", m, a),
            _ => Err(mismatch("reply.type", summary(model), summary(actual))),
        }
    }

    fn bind(&mut self, model: SnapshotId, actual: SnapshotId) -> Check {
        let strict = self.strict();
        self.ids.bind_snapshot(model, actual, strict).map_err(|e| bind_mismatch("reply.id", e))
    }

    fn snapshot_info(&mut self, field: &str, m: &SnapshotInfo, a: &SnapshotInfo, expectation: &Expectation) -> Check {
        self.time_relation(&format!("{field}.taken_at_timestamp"), m.taken_at_timestamp, a.taken_at_timestamp)?;
        self.taken_at.insert(m.id, a.taken_at_timestamp);
        self.size_relation(&format!("{field}.total_size"), m.id, m.total_size, a.total_size, expectation)
    }

    /// A fresh timestamp: equal to the model's clock when the implementation follows it,
    /// never before the previous one otherwise.
    fn time_relation(&mut self, field: &str, model: u64, actual: u64) -> Check {
        if self.deterministic_time {
            equal(field, &model, &actual)?;
        } else if actual < self.last_timestamp {
            return Err(mismatch(field, format!(">= {}", self.last_timestamp), actual));
        }
        self.last_timestamp = self.last_timestamp.max(actual);
        Ok(())
    }

    fn size_relation(
        &mut self,
        field: &str,
        id: SnapshotId,
        model: u64,
        actual: u64,
        expectation: &Expectation,
    ) -> Check {
        if self.strict() {
            equal(field, &model, &actual)?;
        } else if let Some(floor) = expectation.size_floor(&id) {
            if actual < floor {
                return Err(mismatch(field, format!(">= {floor}"), actual));
            }
        }
        match self.sizes.insert(id, actual) {
            Some(before) if before != actual => Err(mismatch(field, format!("{before} (as reported earlier)"), actual)),
            _ => Ok(()),
        }
    }

    /// Strict mode: docs/checksum.md's checksum. Spec mode: the proposal says only "checksum
    /// for correctness verification", so any function of the content will do that tells
    /// contents apart: equal contents give equal checksums and different contents different
    /// ones, throughout the trace (a comparator lives for one).
    fn checksum_relation(&mut self, field: &str, model: Option<[u8; 32]>, actual: Option<[u8; 32]>) -> Check {
        let (Some(m), Some(a), false) = (model, actual, self.strict()) else {
            return equal(field, &model.map(hex::encode), &actual.map(hex::encode));
        };
        let paired = *self.checksums.entry(m).or_insert(a);
        let paired_back = *self.checksums_back.entry(a).or_insert(m);
        if paired != a {
            return Err(mismatch(
                field,
                format!("{} (as reported for the same content)", hex::encode(paired)),
                hex::encode(a),
            ));
        }
        if paired_back != m {
            return Err(mismatch(field, "a checksum not reported for other content", hex::encode(a)));
        }
        Ok(())
    }

    fn listed_id(&self, field: &str, model: SnapshotId, actual: SnapshotId) -> Check {
        match self.ids.snapshot_to_model(actual) {
            Some(bound) if bound == model => Ok(()),
            bound => {
                Err(mismatch(field, model, bound.map_or_else(|| format!("unknown id {actual}"), |b| b.to_string())))
            }
        }
    }

    fn listed_time(&self, field: &str, id: SnapshotId, model: u64, actual: u64) -> Check {
        if self.deterministic_time {
            return equal(field, &model, &actual);
        }
        match self.taken_at.get(&id) {
            Some(taken) => equal(field, taken, &actual),
            None => Ok(()),
        }
    }

    /// `actual` in the model's order. The spec leaves a listing's order open, so in spec mode
    /// each entry is put where the model lists the id it is bound to (unknown ids last, where
    /// the id check reports them); strict mode holds the replica's order.
    fn in_model_order<'a, T>(&self, model: &[T], actual: &'a [T], id: impl Fn(&T) -> SnapshotId) -> Vec<&'a T> {
        let mut ordered: Vec<&T> = actual.iter().collect();
        if !self.strict() {
            ordered.sort_by_key(|a| {
                let bound = self.ids.snapshot_to_model(id(a));
                model.iter().position(|m| Some(id(m)) == bound).unwrap_or(usize::MAX)
            });
        }
        ordered
    }

    fn list(&mut self, model: &[SnapshotInfo], actual: &[SnapshotInfo], expectation: &Expectation) -> Check {
        equal("reply.snapshots.len", &model.len(), &actual.len())?;
        let actual = self.in_model_order(model, actual, |s| s.id);
        for (i, (m, a)) in model.iter().zip(actual).enumerate() {
            let field = format!("reply.snapshots[{i}]");
            self.listed_id(&format!("{field}.id"), m.id, a.id)?;
            self.listed_time(&format!("{field}.taken_at_timestamp"), m.id, m.taken_at_timestamp, a.taken_at_timestamp)?;
            self.size_relation(&format!("{field}.total_size"), m.id, m.total_size, a.total_size, expectation)?;
        }
        Ok(())
    }

    fn proposal_list(
        &mut self,
        model: &[ProposalSnapshotInfo],
        actual: &[ProposalSnapshotInfo],
        expectation: &Expectation,
    ) -> Check {
        equal("reply.snapshots.len", &model.len(), &actual.len())?;
        let actual = self.in_model_order(model, actual, |s| s.id);
        for (i, (m, a)) in model.iter().zip(actual).enumerate() {
            let field = format!("reply.snapshots[{i}]");
            self.listed_id(&format!("{field}.id"), m.id, a.id)?;
            self.listed_time(&format!("{field}.taken_on"), m.id, m.taken_on, a.taken_on)?;
            self.size_relation(&format!("{field}.total_size"), m.id, m.total_size, a.total_size, expectation)?;
            equal(&format!("{field}.label"), &m.label, &a.label)?;
            self.checksum_relation(&format!("{field}.checksum"), m.checksum, a.checksum)?;
        }
        Ok(())
    }

    fn status(&mut self, m: &StatusReply, a: &StatusReply) -> Check {
        equal("reply.status.status", &m.status, &a.status)?;
        equal("reply.status.module_hash", &m.module_hash.map(hex::encode), &a.module_hash.map(hex::encode))?;
        equal("reply.status.controllers", &self.sut_principals(&m.controllers), &sorted_text(&a.controllers))?;
        equal("reply.status.wasm_memory_size", &m.wasm_memory_size, &a.wasm_memory_size)?;
        equal("reply.status.stable_memory_size", &m.stable_memory_size, &a.stable_memory_size)?;
        equal("reply.status.wasm_binary_size", &m.wasm_binary_size, &a.wasm_binary_size)?;
        // A profile without a setting predates its field: spec mode leaves it open there.
        let settings = [
            ("reply.status.snapshot_visibility", &m.snapshot_visibility, &a.snapshot_visibility),
            ("reply.status.status_visibility", &m.status_visibility, &a.status_visibility),
        ];
        for (field, model, actual) in settings {
            if model.is_some() || self.strict() {
                equal(field, &model.as_ref().map(|v| self.sut_visibility(v)), actual)?;
            }
        }
        if self.strict() {
            equal("reply.status.version", &m.version, &a.version)?;
            equal("reply.status.snapshots_size", &m.snapshots_size, &a.snapshots_size)?;
            equal("reply.status.wasm_chunk_store_size", &m.wasm_chunk_store_size, &a.wasm_chunk_store_size)?;
        }
        if self.model_resources {
            equal("reply.status.cycles", &m.cycles, &a.cycles)?;
            equal("reply.status.memory_size", &m.memory_size, &a.memory_size)?;
        }
        Ok(())
    }

    fn info(&mut self, m: &InfoReply, a: &InfoReply) -> Check {
        equal("reply.info.module_hash", &m.module_hash.map(hex::encode), &a.module_hash.map(hex::encode))?;
        self.info_controllers(&m.controllers, &a.controllers)?;
        // The spec fixes which changes are recorded, so history is compared in both modes.
        equal("reply.info.total_num_changes", &m.total_num_changes, &a.total_num_changes)?;
        equal("reply.info.recent_changes.len", &m.recent_changes.len(), &a.recent_changes.len())?;
        let mut previous_version = None;
        let mut previous_time = 0;
        for (i, (mc, ac)) in m.recent_changes.iter().zip(&a.recent_changes).enumerate() {
            let details =
                self.versioned_as_implemented(self.timed_as_implemented(&mc.details, &ac.details), &ac.details);
            let field = |part: &str| format!("reply.info.recent_changes[{i}].{part}");
            equal(&field("details"), &self.json_in_sut_ids(&details), &self.as_compared(&ac.details))?;
            equal(&field("origin"), &self.json_in_sut_ids(&mc.origin), &json(&ac.origin))?;
            if self.deterministic_time {
                equal(&field("timestamp_ns"), &mc.timestamp_ns, &ac.timestamp_ns)?;
            } else if ac.timestamp_ns < previous_time {
                return Err(mismatch(&field("timestamp_ns"), format!(">= {previous_time}"), ac.timestamp_ns));
            }
            previous_time = ac.timestamp_ns;
            let field = field("canister_version");
            if self.strict() {
                equal(&field, &mc.canister_version, &ac.canister_version)?;
            } else if let Some(previous) = previous_version.filter(|previous| ac.canister_version <= *previous) {
                // Every recorded change bumps the version (spec: creation, deployment,
                // uninstall, controllers, load), however else the implementation counts.
                return Err(mismatch(&field, format!("> {previous}"), ac.canister_version));
            }
            previous_version = Some(ac.canister_version);
        }
        Ok(())
    }
}

impl Comparator {
    /// `value` as JSON in the implementation's ids, controller lists in its order.
    fn json_in_sut_ids(&self, value: &impl Serialize) -> serde_json::Value {
        let mut value = json(value);
        self.ids.json_to_sut(&mut value);
        sort_controller_lists(&mut value);
        value
    }

    /// An implementation's value as compared with [`Self::json_in_sut_ids`]: its controller
    /// lists as given in strict mode (which holds them to the replica's order), as sets
    /// (sorted the same way) in spec mode, which leaves their order open.
    fn as_compared(&self, value: &impl Serialize) -> serde_json::Value {
        let mut value = json(value);
        if !self.strict() {
            sort_controller_lists(&mut value);
        }
        value
    }

    /// `canister_info` lists controllers in (length, bytes) order (docs/protocol.md §6.12):
    /// strict mode holds an implementation to that order, in its own ids; spec mode compares
    /// them as a set.
    fn info_controllers(&self, model: &[snapspec_model::Principal], actual: &[snapspec_model::Principal]) -> Check {
        let field = "reply.info.controllers";
        if !self.strict() {
            return equal(field, &self.sut_principals(model), &sorted_text(actual));
        }
        let mut expected: Vec<_> = model.iter().map(|p| self.ids.principal_to_sut(*p)).collect();
        expected.sort();
        let text =
            |principals: &[snapspec_model::Principal]| principals.iter().map(|p| p.to_text()).collect::<Vec<_>>();
        equal(field, &text(&expected), &text(actual))
    }

    /// The model's principals in the implementation's ids, as sorted text (order-free).
    fn sut_principals(&self, principals: &[snapspec_model::Principal]) -> Vec<String> {
        let mapped: Vec<snapspec_model::Principal> = principals.iter().map(|p| self.ids.principal_to_sut(*p)).collect();
        sorted_text(&mapped)
    }

    /// `details` with a loaded snapshot's time as the implementation reported it when it took
    /// the snapshot: without the model's clock, the snapshot's time is the implementation's own
    /// (as for listed timestamps). As is with `deterministic_time`.
    fn timed_as_implemented(&self, details: &ChangeDetails, actual: &ChangeDetails) -> ChangeDetails {
        let mut details = details.clone();
        if let (false, ChangeDetails::LoadSnapshot { snapshot_id, taken_at_timestamp, .. }) =
            (self.deterministic_time, &mut details)
        {
            let reported = match actual {
                ChangeDetails::LoadSnapshot { taken_at_timestamp: actual, .. } => Some(*actual),
                _ => None,
            };
            // A snapshot whose take reported no time (the proposal's take replies with the id
            // only) is held to nothing.
            if let Some(time) = self.taken_at.get(snapshot_id).copied().or(reported) {
                *taken_at_timestamp = time;
            }
        }
        details
    }

    /// In spec mode, the version a `load_snapshot` change records is the implementation's:
    /// the spec bumps the version on every update message, which the model's execution
    /// effects leave out (docs/protocol.md §6.8), so only strict mode holds it to the model's.
    fn versioned_as_implemented(&self, mut details: ChangeDetails, actual: &ChangeDetails) -> ChangeDetails {
        if let (
            false,
            ChangeDetails::LoadSnapshot { canister_version, .. },
            ChangeDetails::LoadSnapshot { canister_version: reported, .. },
        ) = (self.strict(), &mut details, actual)
        {
            *canister_version = *reported;
        }
        details
    }

    /// The model's visibility with its viewers in the implementation's ids (order kept: the
    /// setting keeps the list as given).
    fn sut_visibility(&self, visibility: &Visibility) -> Visibility {
        match visibility {
            Visibility::AllowedViewers(viewers) => {
                Visibility::AllowedViewers(viewers.iter().map(|p| self.ids.principal_to_sut(*p)).collect())
            }
            other => other.clone(),
        }
    }
}

/// History details list controllers in (length, bytes) order of the implementation's ids,
/// which translation from the model's ids can reorder. `Principal`'s own order is (length,
/// bytes), the replica's `BTreeSet<PrincipalId>` order.
fn sort_controller_lists(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                match inner {
                    serde_json::Value::Array(items) if key == "controllers" => {
                        items.sort_by_cached_key(|item| {
                            item.as_str().and_then(|t| snapspec_model::Principal::from_text(t).ok())
                        });
                    }
                    _ => sort_controller_lists(inner),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(sort_controller_lists),
        _ => {}
    }
}

fn json(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("model values serialize")
}

fn sorted_text(principals: &[snapspec_model::Principal]) -> Vec<String> {
    let mut text: Vec<String> = principals.iter().map(|p| p.to_text()).collect();
    text.sort();
    text
}

fn equal<T: PartialEq + std::fmt::Debug>(field: &str, expected: &T, actual: &T) -> Check {
    if expected == actual {
        Ok(())
    } else {
        Err(mismatch(field, expected, actual))
    }
}

fn bind_mismatch(field: &str, error: BindError) -> Mismatch {
    match error {
        BindError::Reused(detail) => {
            Mismatch { field: field.to_string(), expected: "a fresh id".into(), actual: detail }
        }
        BindError::Layout(detail) => {
            Mismatch { field: field.to_string(), expected: "the replica's id layout".into(), actual: detail }
        }
    }
}

/// A one-line rendering of a reply for reports.
pub fn summary(reply: &Reply) -> String {
    let text = serde_json::to_string(reply).expect("replies serialize");
    if text.len() > 160 {
        format!("{}…", &text[..text.char_indices().nth(160).map_or(text.len(), |(i, _)| i)])
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use snapspec_model::call::InfoReply;
    use snapspec_model::canister::{Change, ChangeOrigin};
    use snapspec_model::CanisterId;

    /// A rendered value is cut to a bound, with its full length; short ones stay whole.
    #[test]
    fn rendered_values_are_cut() {
        assert_eq!(cut("short".to_string()), "short");
        let long = "é".repeat(RENDERED_CHARS_MAX + 5);
        let expected = format!("{}… ({} characters in all)", "é".repeat(RENDERED_CHARS_MAX), RENDERED_CHARS_MAX + 5);
        assert_eq!(cut(long), expected);
        let m = mismatch("reply", "x".repeat(5_000), 1);
        assert!(m.expected.chars().count() < RENDERED_CHARS_MAX + 40 && m.actual == "1", "{m:?}");
    }

    /// What the model expects when it replies `reply`.
    fn expecting(reply: Reply) -> Expectation {
        Expectation {
            outcome: Expected::Reply(reply),
            clauses: Vec::new(),
            size_floors: Vec::new(),
            candid_reply: None,
        }
    }

    /// Canister ids counting down sort in the reverse order of the model's: a details list
    /// translated element by element must be re-sorted to be the implementation's list.
    #[test]
    fn translated_history_controllers_are_in_the_implementations_order() {
        let (first, second) = (CanisterId::from_index(0), CanisterId::from_index(1));
        let (sut_first, sut_second) = (CanisterId::from_index(1_000_000), CanisterId::from_index(999_999));
        let mut ids = IdMap::new(false);
        ids.bind_canister(first, sut_first).expect("fresh");
        ids.bind_canister(second, sut_second).expect("fresh");
        let mut details = serde_json::json!({"creation": {"controllers": [first.to_string(), second.to_string()]}});
        ids.json_to_sut(&mut details);
        sort_controller_lists(&mut details);
        let expected =
            serde_json::json!({"creation": {"controllers": [sut_second.to_string(), sut_first.to_string()]}});
        assert_eq!(details, expected);
    }

    /// A profile without the visibility setting expects no `snapshot_visibility` in a status:
    /// strict mode holds an implementation to that, spec mode leaves the field open there.
    /// Where the profile has the setting, both modes compare it.
    #[test]
    fn status_visibility_is_open_in_spec_mode_where_the_profile_predates_it() {
        type Setter = fn(Option<Visibility>) -> StatusReply;
        let snapshot: Setter = |snapshot_visibility| StatusReply { snapshot_visibility, ..StatusReply::default() };
        let status: Setter = |status_visibility| StatusReply { status_visibility, ..StatusReply::default() };
        for (with_setting, field) in
            [(snapshot, "reply.status.snapshot_visibility"), (status, "reply.status.status_visibility")]
        {
            let compare = |mode, model: Option<Visibility>, actual: Option<Visibility>| {
                let expectation = expecting(Reply::Status(Box::new(with_setting(model))));
                let observed = Observed::Reply { reply: Reply::Status(Box::new(with_setting(actual))) };
                Comparator::new(mode, &Manifest::full("test")).compare(&expectation, &observed).map_err(|m| m.field)
            };
            let public = Some(Visibility::Public);
            assert!(compare(Mode::Spec, None, public.clone()).is_ok());
            assert_eq!(compare(Mode::Strict, None, public.clone()), Err(field.into()));
            assert!(compare(Mode::Strict, None, None).is_ok());
            for mode in [Mode::Strict, Mode::Spec] {
                assert_eq!(compare(mode, public.clone(), None), Err(field.into()));
                assert_eq!(compare(mode, public.clone(), Some(Visibility::Controllers)), Err(field.into()));
                assert!(compare(mode, public.clone(), public.clone()).is_ok());
            }
        }
    }

    /// The spec leaves a listing's order open: spec mode matches entries by id, strict mode
    /// holds the replica's ascending order. A missing or unknown entry fails either way.
    #[test]
    fn spec_mode_accepts_a_listing_in_any_order() {
        let info = |local| SnapshotInfo {
            id: SnapshotId { owner: CanisterId::from_index(0), local },
            taken_at_timestamp: 7,
            total_size: 100,
        };
        let model = Reply::Snapshots(vec![info(0), info(1)]);
        let expectation = expecting(model);
        let answer = |entries: Vec<SnapshotInfo>| Observed::Reply { reply: Reply::Snapshots(entries) };
        let compare = |mode, observed: &Observed| {
            let mut comparator = Comparator::new(mode, &Manifest::full("test"));
            comparator.compare(&expectation, observed)
        };
        let reversed = answer(vec![info(1), info(0)]);
        assert!(compare(Mode::Spec, &reversed).is_ok());
        let strict = compare(Mode::Strict, &reversed).expect_err("strict mode holds the replica's order");
        assert_eq!(strict.field, "reply.snapshots[0].id");
        for wrong in [answer(vec![info(1), info(2)]), answer(vec![info(1), info(1)]), answer(vec![info(1)])] {
            assert!(compare(Mode::Spec, &wrong).is_err(), "{wrong:?}");
        }
    }

    /// The spec fixes which changes history records and that each bumps the version; spec
    /// mode holds an implementation to both, with versions by relation (the implementation
    /// may count update messages the model's effects leave out).
    #[test]
    fn spec_mode_holds_history_to_the_spec() {
        let alice = snapspec_model::generators::user(1);
        let change = |canister_version, details| Change {
            timestamp_ns: 0,
            canister_version,
            origin: ChangeOrigin::FromUser { user_id: alice },
            details,
        };
        let creation = |version| change(version, ChangeDetails::Creation { controllers: vec![alice] });
        let load = |version, recorded| {
            change(
                version,
                ChangeDetails::LoadSnapshot {
                    canister_version: recorded,
                    snapshot_id: SnapshotId { owner: CanisterId::from_index(0), local: 0 },
                    taken_at_timestamp: 0,
                    source: None,
                    from_canister_id: None,
                },
            )
        };
        let info = |recent_changes: Vec<Change>| InfoReply {
            total_num_changes: recent_changes.len() as u64,
            recent_changes,
            module_hash: None,
            controllers: vec![alice],
        };
        let expectation = expecting(Reply::Info(Box::new(info(vec![creation(0), load(1, 0)]))));
        let compare = |mode, actual: Vec<Change>| {
            let mut manifest = Manifest::full("test");
            manifest.capabilities.remove(Capability::DeterministicTime.name());
            let mut comparator = Comparator::new(mode, &manifest);
            comparator.compare(&expectation, &Observed::Reply { reply: Reply::Info(Box::new(info(actual))) })
        };
        // Two update messages before the load: versions and the recorded version differ.
        assert!(compare(Mode::Spec, vec![creation(0), load(3, 2)]).is_ok());
        assert!(compare(Mode::Strict, vec![creation(0), load(3, 2)]).is_err());
        let unbumped = compare(Mode::Spec, vec![creation(0), load(0, 0)]).expect_err("a load bumps the version");
        assert_eq!(unbumped.field, "reply.info.recent_changes[1].canister_version");
        let unrecorded = compare(Mode::Spec, vec![creation(0)]).expect_err("a load is recorded");
        assert_eq!(unrecorded.field, "reply.info.total_num_changes");
        for mode in [Mode::Strict, Mode::Spec] {
            let mut by_bob = load(1, 0);
            by_bob.origin = ChangeOrigin::FromUser { user_id: snapspec_model::generators::user(2) };
            let wrong_origin = compare(mode, vec![creation(0), by_bob]).expect_err("the caller is recorded");
            assert_eq!(wrong_origin.field, "reply.info.recent_changes[1].origin");
            let mut earlier = creation(0);
            earlier.timestamp_ns = 5;
            let back_in_time = compare(mode, vec![earlier, load(1, 0)]).expect_err("time never goes back");
            assert_eq!(back_in_time.field, "reply.info.recent_changes[1].timestamp_ns");
        }
    }

    /// History controller lists: in the replica's (length, bytes) order in strict mode, any
    /// order in spec mode (the spec fixes none).
    #[test]
    fn history_controller_lists_are_ordered_in_strict_mode_only() {
        let (user, canister) = (snapspec_model::generators::user(1), CanisterId::from_index(0).principal());
        let info = |controllers: Vec<snapspec_model::Principal>| InfoReply {
            total_num_changes: 1,
            recent_changes: vec![Change {
                timestamp_ns: 0,
                canister_version: 0,
                origin: ChangeOrigin::FromUser { user_id: user },
                details: ChangeDetails::Creation { controllers },
            }],
            module_hash: None,
            controllers: vec![canister, user],
        };
        let expectation = expecting(Reply::Info(Box::new(info(vec![canister, user]))));
        let compare = |mode, controllers| {
            let mut comparator = Comparator::new(mode, &Manifest::full("test"));
            comparator.compare(&expectation, &Observed::Reply { reply: Reply::Info(Box::new(info(controllers))) })
        };
        assert!(compare(Mode::Strict, vec![canister, user]).is_ok());
        assert!(compare(Mode::Strict, vec![user, canister]).is_err());
        assert!(compare(Mode::Spec, vec![user, canister]).is_ok());
        assert!(compare(Mode::Spec, vec![user]).is_err());
    }

    /// The proposal leaves the checksum function open: spec mode holds checksums only to the
    /// content they stand for, strict mode to docs/checksum.md's.
    #[test]
    fn spec_mode_holds_checksums_to_their_content() {
        let mut comparator = Comparator::new(Mode::Spec, &Manifest::full("test"));
        let (content_a, content_b) = (Some([1; 32]), Some([2; 32]));
        let (ours_a, ours_b) = (Some([7; 32]), Some([8; 32]));
        assert!(comparator.checksum_relation("c", content_a, ours_a).is_ok());
        assert!(comparator.checksum_relation("c", content_b, ours_b).is_ok());
        assert!(comparator.checksum_relation("c", content_a, ours_a).is_ok(), "the same content again");
        assert!(comparator.checksum_relation("c", content_a, ours_b).is_err(), "another checksum for it");
        assert!(comparator.checksum_relation("c", Some([3; 32]), ours_a).is_err(), "its checksum for other content");
        assert!(comparator.checksum_relation("c", content_a, None).is_err(), "a missing checksum");
        let mut strict = Comparator::new(Mode::Strict, &Manifest::full("test"));
        assert!(strict.checksum_relation("c", content_a, ours_a).is_err());
        assert!(strict.checksum_relation("c", content_a, content_a).is_ok());
    }

    /// `canister_info` lists controllers in (length, bytes) order: strict mode holds an
    /// implementation to it, spec mode takes them as a set.
    #[test]
    fn info_controllers_are_ordered_in_strict_mode_only() {
        let user = snapspec_model::generators::user(1);
        let canister = CanisterId::from_index(0).principal();
        assert!(canister < user, "a canister id is shorter than a user's");
        let comparator = |mode| Comparator::new(mode, &Manifest::full("test"));
        assert!(comparator(Mode::Strict).info_controllers(&[user, canister], &[canister, user]).is_ok());
        assert!(comparator(Mode::Strict).info_controllers(&[user, canister], &[user, canister]).is_err());
        assert!(comparator(Mode::Spec).info_controllers(&[user, canister], &[user, canister]).is_ok());
        assert!(comparator(Mode::Spec).info_controllers(&[user, canister], &[user]).is_err());
    }

    #[test]
    fn controller_lists_sort_by_length_then_bytes() {
        let short = snapspec_model::Principal::from_slice(&[9]);
        let long = snapspec_model::Principal::from_slice(&[1, 1]);
        let mut value = serde_json::json!([{"controllers_change": {"controllers": [long.to_text(), short.to_text()]}}]);
        sort_controller_lists(&mut value);
        assert_eq!(
            value,
            serde_json::json!([{"controllers_change": {"controllers": [short.to_text(), long.to_text()]}}])
        );
    }
}
