//! The snapshot content checksum, version 1. Normative definition: `docs/checksum.md`.
//!
//! The checksum commits to exactly what loading a snapshot restores (module, globals,
//! both memories, chunk store, certified data) and to nothing else, so two snapshots
//! have the same checksum iff loading either one yields the same canister state.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::globals::Global;
use crate::memory::Memory;

/// Domain tag of a memory leaf (4 KiB page) hash.
pub const TAG_PAGE: &str = "snapspec/v1/page";
/// Domain tag of an inner Merkle node hash.
pub const TAG_NODE: &str = "snapspec/v1/node";
/// Domain tag of a memory component.
pub const TAG_MEMORY: &str = "snapspec/v1/memory";
/// Domain tag of the module component.
pub const TAG_MODULE: &str = "snapspec/v1/module";
/// Domain tag of the globals component.
pub const TAG_GLOBALS: &str = "snapspec/v1/globals";
/// Domain tag of the chunk store component.
pub const TAG_CHUNKS: &str = "snapspec/v1/chunks";
/// Domain tag of the certified data component.
pub const TAG_CERTIFIED_DATA: &str = "snapspec/v1/certified-data";
/// Domain tag of the overall content checksum.
pub const TAG_SNAPSHOT: &str = "snapspec/v1/snapshot";

/// Largest certified data the IC accepts, in bytes.
pub const CERTIFIED_DATA_MAX_BYTES: usize = 32;

/// A SHA-256 hasher already fed `tag ‖ 0x00`. The NUL terminator keeps one tag from
/// being a prefix of another's input, so hashes of different kinds never collide.
pub fn tagged_hasher(tag: &str) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(tag.as_bytes());
    hasher.update([0]);
    hasher
}

/// Borrowed view of everything a snapshot's content checksum covers.
#[derive(Clone, Copy, Debug)]
pub struct ContentRef<'a> {
    /// The Wasm module, or `None` for a canister without code.
    pub module: Option<&'a [u8]>,
    /// Exported Wasm globals, in order.
    pub globals: &'a [Global],
    /// The Wasm heap.
    pub wasm_memory: &'a Memory,
    /// Stable memory.
    pub stable_memory: &'a Memory,
    /// SHA-256 hashes of the chunks in the Wasm chunk store (order and duplicates ignored).
    pub chunk_hashes: &'a [[u8; 32]],
    /// Certified data, at most [`CERTIFIED_DATA_MAX_BYTES`] bytes.
    pub certified_data: &'a [u8],
}

/// The per-part hashes the content checksum is built from. Serializes each field as a
/// lowercase hex string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Components {
    /// See [`module_component`].
    #[serde(with = "hex_serde")]
    pub module: [u8; 32],
    /// See [`globals_component`].
    #[serde(with = "hex_serde")]
    pub globals: [u8; 32],
    /// [`Memory::digest`] of the Wasm heap.
    #[serde(with = "hex_serde")]
    pub wasm_memory: [u8; 32],
    /// [`Memory::digest`] of stable memory.
    #[serde(with = "hex_serde")]
    pub stable_memory: [u8; 32],
    /// See [`chunk_store_component`].
    #[serde(with = "hex_serde")]
    pub chunk_store: [u8; 32],
    /// See [`certified_data_component`].
    #[serde(with = "hex_serde")]
    pub certified_data: [u8; 32],
}

impl Components {
    /// The content checksum: the snapshot-tagged hash of all components in fixed order.
    pub fn root(&self) -> [u8; 32] {
        let mut hasher = tagged_hasher(TAG_SNAPSHOT);
        for part in [
            &self.module,
            &self.globals,
            &self.wasm_memory,
            &self.stable_memory,
            &self.chunk_store,
            &self.certified_data,
        ] {
            hasher.update(part);
        }
        hasher.finalize().into()
    }
}

/// All components of `content`. Panics if the certified data exceeds
/// [`CERTIFIED_DATA_MAX_BYTES`] (the caller enforces the IC limit).
pub fn components(content: &ContentRef) -> Components {
    Components {
        module: module_component(content.module),
        globals: globals_component(content.globals),
        wasm_memory: content.wasm_memory.digest(),
        stable_memory: content.stable_memory.digest(),
        chunk_store: chunk_store_component(content.chunk_hashes.iter().copied()),
        certified_data: certified_data_component(content.certified_data),
    }
}

/// The content checksum of `content` (`components(content).root()`).
pub fn checksum(content: &ContentRef) -> [u8; 32] {
    components(content).root()
}

/// Commits to presence and content of the module. Hashing the module first keeps the
/// component input small and lets callers reuse the IC's module hash.
pub fn module_component(module: Option<&[u8]>) -> [u8; 32] {
    let mut hasher = tagged_hasher(TAG_MODULE);
    match module {
        None => hasher.update([0x00]),
        Some(module) => {
            hasher.update([0x01]);
            hasher.update(Sha256::digest(module));
        }
    }
    hasher.finalize().into()
}

/// Commits to the globals in order, including their types (so `I32(0)` ≠ `F32(0)`).
pub fn globals_component(globals: &[Global]) -> [u8; 32] {
    let mut hasher = tagged_hasher(TAG_GLOBALS);
    hasher.update(count_be(globals.len()));
    for global in globals {
        hasher.update([global.value_type().wasm_code()]);
        hasher.update(global.value_le_bytes());
    }
    hasher.finalize().into()
}

/// Commits to the set of chunk hashes: sorted and deduplicated, because the chunk store
/// is content-addressed and has no order.
pub fn chunk_store_component(hashes: impl IntoIterator<Item = [u8; 32]>) -> [u8; 32] {
    let mut hashes: Vec<[u8; 32]> = hashes.into_iter().collect();
    hashes.sort_unstable();
    hashes.dedup();
    let mut hasher = tagged_hasher(TAG_CHUNKS);
    hasher.update(count_be(hashes.len()));
    for hash in &hashes {
        hasher.update(hash);
    }
    hasher.finalize().into()
}

/// Commits to the certified data. Panics if `data` exceeds [`CERTIFIED_DATA_MAX_BYTES`].
pub fn certified_data_component(data: &[u8]) -> [u8; 32] {
    assert!(
        data.len() <= CERTIFIED_DATA_MAX_BYTES,
        "certified data of {} bytes exceeds the {CERTIFIED_DATA_MAX_BYTES}-byte limit",
        data.len()
    );
    let mut hasher = tagged_hasher(TAG_CERTIFIED_DATA);
    hasher.update([data.len() as u8]);
    hasher.update(data);
    hasher.finalize().into()
}

/// Lowercase hex of a 32-byte hash.
pub fn hex32(hash: &[u8; 32]) -> String {
    hex::encode(hash)
}

/// Counts are bounded by IC limits far below 2^32; exceeding that is a caller bug.
fn count_be(count: usize) -> [u8; 4] {
    u32::try_from(count).expect("more than 2^32 - 1 items").to_be_bytes()
}

mod hex_serde {
    use super::*;

    pub fn serialize<S: Serializer>(hash: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex32(hash))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut hash = [0; 32];
        hex::decode_to_slice(&text, &mut hash).map_err(serde::de::Error::custom)?;
        Ok(hash)
    }
}
