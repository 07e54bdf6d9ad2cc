//! Principals, canister ids and snapshot ids.
//!
//! Snapshot ids follow the replica's layout (ic-replica.md §2): an 8-byte big-endian
//! per-canister counter followed by the owning canister's principal bytes. The spec treats
//! ids as opaque blobs; the model uses the layout so that the owner of an id can be found
//! from the id alone, as the replica's load does.

use std::fmt;

pub use candid::Principal;
use serde::{Deserialize, Serialize};

/// The anonymous principal (`2vxsx-fae`): a caller with no special rights.
pub const ANONYMOUS: Principal = Principal::anonymous();

/// Length of the local counter prefix of a snapshot id.
pub const SNAPSHOT_LOCAL_ID_BYTES: usize = 8;
/// Maximum principal length on the IC.
pub const PRINCIPAL_BYTES_MAX: usize = 29;
/// Maximum snapshot id length: counter plus the longest principal.
pub const SNAPSHOT_ID_BYTES_MAX: usize = SNAPSHOT_LOCAL_ID_BYTES + PRINCIPAL_BYTES_MAX;

/// A canister id. On the IC these are "opaque" principals: `u64` big-endian ‖ `0x01 0x01`.
///
/// Ordered as the principal's bytes, lexicographically (as `Principal` orders).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CanisterId(pub Principal);

impl Ord for CanisterId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Every map lookup compares canister ids; comparing the usual 10-byte ones as
        // integers spares a `memcmp` call (which fuzz builds route through libFuzzer's
        // comparison hook). Equal lengths: big-endian integer order is byte order.
        let (a, b) = (self.as_slice(), other.as_slice());
        match (canister_id_key(a), canister_id_key(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.cmp(b),
        }
    }
}

impl PartialOrd for CanisterId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Bytes of a canister id ([`CanisterId::from_index`]'s layout).
const CANISTER_ID_BYTES: usize = 10;

/// A 10-byte principal as a big-endian integer.
fn canister_id_key(bytes: &[u8]) -> Option<u128> {
    let bytes: &[u8; CANISTER_ID_BYTES] = bytes.try_into().ok()?;
    let mut padded = [0u8; 16];
    padded[..CANISTER_ID_BYTES].copy_from_slice(bytes);
    Some(u128::from_be_bytes(padded))
}

impl CanisterId {
    /// The canister id with index `index`, laid out as the replica's `CanisterId::from_u64`.
    pub fn from_index(index: u64) -> Self {
        let mut bytes = [0u8; CANISTER_ID_BYTES];
        bytes[..8].copy_from_slice(&index.to_be_bytes());
        bytes[8] = 0x01;
        bytes[9] = 0x01;
        CanisterId(Principal::from_slice(&bytes))
    }

    /// The principal of this canister (what it is as a caller).
    pub fn principal(&self) -> Principal {
        self.0
    }

    /// Raw principal bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl fmt::Display for CanisterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        text(&self.0, |t| f.write_str(t))
    }
}

/// Entries the principal-text memo keeps before it starts over (a bound on its memory).
const TEXT_MEMO_ENTRIES_MAX: usize = 4_096;

thread_local! {
    static TEXT_MEMO: std::cell::RefCell<rustc_hash::FxHashMap<Principal, String>> = Default::default();
}

/// Calls `use_text` with the principal's textual form. Rendering (CRC-32, base-32, dashes)
/// dominated error messages, which name the same few principals over and over; a bounded
/// per-thread memo serves repeats. Pure in effect: the text is a function of the principal.
pub fn text<R>(principal: &Principal, use_text: impl FnOnce(&str) -> R) -> R {
    TEXT_MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= TEXT_MEMO_ENTRIES_MAX {
            memo.clear();
        }
        let text = memo.entry(*principal).or_insert_with(|| principal.to_text());
        use_text(text)
    })
}

/// A principal's textual form as an owned string, through the memo.
pub fn to_text(principal: &Principal) -> String {
    text(principal, str::to_string)
}

impl fmt::Debug for CanisterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CanisterId({})", self.0.to_text())
    }
}

/// Whether a principal is an opaque id, the class canister ids belong to. The replica tells
/// canister callers from users by the message source; the model, which has no messages,
/// tells them by class so that history origins come out the same.
pub fn is_opaque(principal: &Principal) -> bool {
    principal.as_slice().last() == Some(&0x01)
}

/// A decoded snapshot id: which canister owns it and its local number there.
/// Serialized as the lowercase hex of its wire bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotId {
    /// The owning canister.
    pub owner: CanisterId,
    /// The owner's snapshot counter value when the snapshot was created.
    pub local: u64,
}

impl SnapshotId {
    /// The id's wire bytes: `u64be(local) ‖ owner principal bytes`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(SNAPSHOT_LOCAL_ID_BYTES + self.owner.as_slice().len());
        bytes.extend_from_slice(&self.local.to_be_bytes());
        bytes.extend_from_slice(self.owner.as_slice());
        bytes
    }

    /// Decodes wire bytes as the replica's `SnapshotId::try_from` does.
    pub fn try_from_bytes(bytes: &[u8]) -> Result<Self, SnapshotIdError> {
        if bytes.len() < SNAPSHOT_LOCAL_ID_BYTES {
            return Err(SnapshotIdError::TooShort { len: bytes.len() });
        }
        if bytes.len() > SNAPSHOT_ID_BYTES_MAX {
            return Err(SnapshotIdError::TooLong { len: bytes.len() });
        }
        let (local, owner) = bytes.split_at(SNAPSHOT_LOCAL_ID_BYTES);
        let local = u64::from_be_bytes(local.try_into().expect("split at 8"));
        let owner = Principal::try_from_slice(owner).map_err(|_| SnapshotIdError::BadOwner)?;
        Ok(SnapshotId { owner: CanisterId(owner), local })
    }
}

impl Serialize for SnapshotId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.to_bytes()))
    }
}

impl<'de> Deserialize<'de> for SnapshotId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes = hex_bytes::deserialize(d)?;
        SnapshotId::try_from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

impl PartialOrd for SnapshotId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The replica derives `Ord` on `(len, bytes)`: within one canister that is local-id order.
impl Ord for SnapshotId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // `(len, u64be(local) ‖ owner)` without building the bytes (every snapshot-map lookup
        // compares ids): the length is the owner's plus 8, the first 8 bytes order as `local`,
        // and owners of one length order as their bytes.
        let length = |id: &SnapshotId| id.owner.as_slice().len();
        length(self).cmp(&length(other)).then(self.local.cmp(&other.local)).then_with(|| self.owner.cmp(&other.owner))
    }
}

/// `Display` as the replica renders ids in error messages: `{canister}-{local}`.
impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.owner, self.local)
    }
}

impl fmt::Debug for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SnapshotId({self})")
    }
}

/// Why snapshot id bytes could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotIdError {
    /// Fewer than 8 bytes.
    TooShort {
        /// Length provided.
        len: usize,
    },
    /// More than 37 bytes.
    TooLong {
        /// Length provided.
        len: usize,
    },
    /// The bytes after the counter are not a principal.
    BadOwner,
}

/// Rendered like the replica's `SnapshotIdError` `Debug` inside
/// `"Payload deserialization error: {err:?}"`.
impl fmt::Display for SnapshotIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The replica prints the maximum length in the "minimum" message (sic).
            SnapshotIdError::TooShort { len } => write!(
                f,
                "InvalidLength(\"Invalid snapshot ID length: provided {len}, minumum length expected {SNAPSHOT_ID_BYTES_MAX}.\")"
            ),
            SnapshotIdError::TooLong { len } => write!(
                f,
                "InvalidLength(\"Invalid snapshot ID length: provided {len}, maximum length expected {SNAPSHOT_ID_BYTES_MAX}.\")"
            ),
            SnapshotIdError::BadOwner => write!(
                f,
                "InvalidFormat(\"Failed to create a Snapshot ID. Input could not be parsed into a Snapshot ID.\")"
            ),
        }
    }
}

/// Serde helpers: blobs travel as lowercase hex strings in every JSON the project writes.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize bytes as lowercase hex.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    /// Deserialize bytes from hex.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canister_ids_order_as_their_bytes() {
        // Short and long ids, proper prefixes, trailing zeros and the 16-byte boundary.
        let samples: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![0, 0],
            vec![1],
            vec![1, 0],
            vec![1, 0, 1],
            vec![0xff; 10],
            [vec![0; 8], vec![1, 1]].concat(),
            [vec![0; 7], vec![1, 1, 1]].concat(),
            vec![7; 16],
            [vec![7; 16], vec![0]].concat(),
            vec![7; 17],
            vec![7; 29],
            [vec![7; 15], vec![8]].concat(),
        ];
        for a in &samples {
            for b in &samples {
                let (x, y) = (CanisterId(Principal::from_slice(a)), CanisterId(Principal::from_slice(b)));
                assert_eq!(x.cmp(&y), a.cmp(b), "{a:?} vs {b:?}");
                assert_eq!(x == y, a == b);
            }
        }
    }

    #[test]
    fn snapshot_ids_order_as_their_length_and_bytes() {
        let owners: Vec<Vec<u8>> =
            vec![vec![], vec![0], vec![1], vec![0xff; 10], [vec![0; 8], vec![1, 1]].concat(), vec![7; 29]];
        let locals = [0, 1, 255, 256, 1 << 32, u64::MAX];
        let ids: Vec<SnapshotId> = owners
            .iter()
            .flat_map(|o| locals.map(|local| SnapshotId { owner: CanisterId(Principal::from_slice(o)), local }))
            .collect();
        for a in &ids {
            for b in &ids {
                let (x, y) = (a.to_bytes(), b.to_bytes());
                assert_eq!(a.cmp(b), (x.len(), &x).cmp(&(y.len(), &y)), "{a:?} vs {b:?}");
                assert_eq!(a == b, x == y);
            }
        }
    }

    #[test]
    fn snapshot_id_layout_matches_the_replica_example() {
        // ic-interface-spec.md §2.2: counter 0 of canister 800000000010000a0101.
        let owner = CanisterId(Principal::from_slice(&hex::decode("800000000010000a0101").unwrap()));
        let id = SnapshotId { owner, local: 0 };
        assert_eq!(hex::encode(id.to_bytes()), "0000000000000000800000000010000a0101");
        assert_eq!(SnapshotId::try_from_bytes(&id.to_bytes()), Ok(id));
    }

    #[test]
    fn malformed_ids_are_rejected() {
        assert_eq!(SnapshotId::try_from_bytes(&[0; 7]), Err(SnapshotIdError::TooShort { len: 7 }));
        assert_eq!(SnapshotId::try_from_bytes(&[0; 38]), Err(SnapshotIdError::TooLong { len: 38 }));
    }

    #[test]
    fn canister_ids_are_opaque_and_users_are_not() {
        assert!(is_opaque(&CanisterId::from_index(3).principal()));
        assert!(!is_opaque(&ANONYMOUS));
        assert_eq!(CanisterId::from_index(0).to_string(), "rwlgt-iiaaa-aaaaa-aaaaa-cai");
    }
}

/// Serde helper for 32-byte hashes as hex.
pub mod hex_bytes32 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize as lowercase hex.
    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    /// Deserialize from 64 hex digits.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = hex::decode(&text).map_err(serde::de::Error::custom)?;
        bytes.try_into().map_err(|_| serde::de::Error::custom("expected 32 bytes"))
    }
}

/// Serde helper for optional 32-byte hashes as hex or null.
pub mod opt_hex_bytes32 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serialize as lowercase hex or null.
    pub fn serialize<S: Serializer>(bytes: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        bytes.map(hex::encode).serialize(s)
    }

    /// Deserialize from 64 hex digits or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else { return Ok(None) };
        let bytes = hex::decode(&text).map_err(serde::de::Error::custom)?;
        bytes.try_into().map(Some).map_err(|_| serde::de::Error::custom("expected 32 bytes"))
    }
}

/// Serde helper: u128 as a decimal string (JSON numbers lose precision past 2^53).
pub mod u128_decimal {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize as a decimal string.
    pub fn serialize<S: Serializer>(value: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    /// Deserialize from a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}
