//! Tests of the sparse Merkle memory and the snapshot content checksum against the
//! normative definition in `docs/checksum.md`.

use std::collections::BTreeSet;

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use snapspec_model::checksum::*;
use snapspec_model::globals::*;
use snapspec_model::memory::*;

/// The normative document; its worked-example values must match the literals below.
const DOC: &str = include_str!("../../docs/checksum.md");

// Worked examples. These literals appear verbatim in docs/checksum.md.
const ZERO_0: &str = "acddc527fbfce9f5b8bb6c5faedd09c11d6352b7edf7d1379a010f14aa79dd6b";
const ZERO_5: &str = "9b667e34976a2716990c83e81b80e5216e7d2cc8dedb709ff93374d542daa30a";
const A_ROOT: &str = ZERO_0;
const A_COMPONENT: &str = "f39ad26a72ab2d946de423e18f3c0d77d13f7bca01c28e4901a4d2d4bd6382b3";
const B_LEAF_0: &str = "414b900d25e711afd7589f9631512ee22f95bb804a78390ffcf835e04178d937";
const B_ROOT: &str = "c4fd023dced07ff462ef0379bc0b33ce4c1a1703a7e49d47d401b5e792e3d7bf";
const B_COMPONENT: &str = "eb5059b0c4b57dbec19b9ca8c412ff9b15f8c4c4f8e29ce65f2a31938eeea470";
const C_ROOT: &str = "99eda8fb00a2a4841b3a190e8381069d27f8794c0c2d4510cb7d34c68b0db199";
const C_COMPONENT: &str = "42e7d450607ac281be34a0054f397e8cb5f9641fe05dbdd747eb0e0b1e2b9b59";
const D_MODULE: &str = "33f3613368f53f9fbb0c6c938505d8e5e47c158e3e17c0a9a520eaa431ceebc0";
const D_GLOBALS: &str = "1f0701d6f10c466f5525fd2d13a699275a47f651a08d197ab8f54a23666b52c3";
const D_WASM_MEMORY: &str = B_COMPONENT;
const D_STABLE_MEMORY: &str = A_COMPONENT;
const D_CHUNK_STORE: &str = "7fe73538f5d0160374ef0ade24c4d9b05b18bbdd05451d98d0b9c4c0ede7ebee";
const D_CERTIFIED_DATA: &str = "e53fa4abd7f414ec4fc22242498ea4593a75b5e617496e5dc8b4c3f6d0e50d42";
const D_CHECKSUM: &str = "a28be8a75bab745f57c58a21a4b224eaa27a41df0332b41c5de47247e8972502";
const NO_MODULE: &str = "3a770aa7273decf564a55f5379d465ad6b957e6d5785ad7bb99cc3046f09d420";

const ALL_LITERALS: [&str; 16] = [
    ZERO_0,
    ZERO_5,
    A_COMPONENT,
    B_LEAF_0,
    B_ROOT,
    B_COMPONENT,
    C_ROOT,
    C_COMPONENT,
    D_MODULE,
    D_GLOBALS,
    D_CHUNK_STORE,
    D_CERTIFIED_DATA,
    D_CHECKSUM,
    NO_MODULE,
    D_WASM_MEMORY,
    D_STABLE_MEMORY,
];

const PAGE: usize = OS_PAGE_SIZE_BYTES;

// ---------------------------------------------------------------------------------
// Naive reference: the definition of docs/checksum.md over a flat byte vector, using
// sha2 directly and its own copies of the tags, so it shares no code with the crate.

fn tagged(tag: &str, parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(tag.as_bytes());
    hasher.update([0u8]);
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

fn naive_root(flat: &[u8]) -> [u8; 32] {
    let pages = flat.len() / PAGE;
    let mut height = 0;
    while (1usize << height) < pages {
        height += 1;
    }
    let mut level: Vec<[u8; 32]> = (0..1usize << height)
        .map(|i| {
            let mut page = vec![0u8; PAGE];
            if i < pages {
                page.copy_from_slice(&flat[i * PAGE..(i + 1) * PAGE]);
            }
            tagged("snapspec/v1/page", &[&page])
        })
        .collect();
    while level.len() > 1 {
        level = level.chunks(2).map(|p| tagged("snapspec/v1/node", &[&p[0], &p[1]])).collect();
    }
    level[0]
}

fn naive_digest(flat: &[u8]) -> [u8; 32] {
    tagged("snapspec/v1/memory", &[&(flat.len() as u64).to_be_bytes(), &naive_root(flat)])
}

fn hex(hash: [u8; 32]) -> String {
    hex32(&hash)
}

// ---------------------------------------------------------------------------------
// Worked examples.

fn example_b() -> Memory {
    let mut memory = Memory::with_size(1).unwrap();
    memory.write(0, b"abc").unwrap();
    memory
}

fn example_c() -> Memory {
    let mut memory = Memory::with_size(2).unwrap();
    memory.write(70000, &[0xff]).unwrap();
    memory
}

#[test]
fn worked_example_zero_hashes() {
    assert_eq!(hex(zero_hash(0)), ZERO_0);
    assert_eq!(hex(zero_hash(5)), ZERO_5);
    assert_eq!(hex(leaf_hash(&[0; PAGE])), ZERO_0);
}

#[test]
fn worked_example_a_empty_memory() {
    let memory = Memory::new();
    assert_eq!(hex(memory.root_hash()), A_ROOT);
    assert_eq!(hex(memory.digest()), A_COMPONENT);
    assert_eq!(hex(naive_digest(&[])), A_COMPONENT);
}

#[test]
fn worked_example_b_abc() {
    let memory = example_b();
    let mut page = [0u8; PAGE];
    page[..3].copy_from_slice(b"abc");
    assert_eq!(hex(leaf_hash(&page)), B_LEAF_0);
    assert_eq!(hex(memory.root_hash()), B_ROOT);
    assert_eq!(hex(memory.digest()), B_COMPONENT);
    assert_eq!(hex(naive_digest(&memory.read(0, memory.size_bytes()).unwrap())), B_COMPONENT);
}

#[test]
fn worked_example_c_byte_at_70000() {
    let memory = example_c();
    assert_eq!(memory.tree_height(), 5);
    assert_eq!(hex(memory.root_hash()), C_ROOT);
    assert_eq!(hex(memory.digest()), C_COMPONENT);
    assert_eq!(hex(naive_digest(&memory.read(0, memory.size_bytes()).unwrap())), C_COMPONENT);
}

#[test]
fn worked_example_d_full_checksum() {
    let wasm_memory = example_b();
    let stable_memory = Memory::new();
    let chunk_hashes = [<[u8; 32]>::from(Sha256::digest(b"chunk"))];
    let content = ContentRef {
        module: Some(b"\0asm\x01\0\0\0"),
        globals: &[Global::I32(7), Global::I64(-1)],
        wasm_memory: &wasm_memory,
        stable_memory: &stable_memory,
        chunk_hashes: &chunk_hashes,
        certified_data: b"hi",
    };
    let parts = components(&content);
    assert_eq!(hex(parts.module), D_MODULE);
    assert_eq!(hex(parts.globals), D_GLOBALS);
    assert_eq!(hex(parts.wasm_memory), D_WASM_MEMORY);
    assert_eq!(hex(parts.stable_memory), D_STABLE_MEMORY);
    assert_eq!(hex(parts.chunk_store), D_CHUNK_STORE);
    assert_eq!(hex(parts.certified_data), D_CERTIFIED_DATA);
    assert_eq!(hex(parts.root()), D_CHECKSUM);
    assert_eq!(hex(checksum(&content)), D_CHECKSUM);
}

#[test]
fn worked_example_absent_module() {
    assert_eq!(hex(module_component(None)), NO_MODULE);
}

#[test]
fn doc_states_every_worked_example_value() {
    for literal in ALL_LITERALS {
        assert!(DOC.contains(literal), "docs/checksum.md lacks {literal}");
    }
}

// ---------------------------------------------------------------------------------
// A memory paired with a flat model of its content.

#[derive(Clone, Debug)]
enum Op {
    Grow(u64),
    /// Offset is reduced modulo the current size so that the write is in bounds.
    Write(u64, Vec<u8>),
    /// Writes back the bytes at (offset, length), both reduced to fit, with the byte at the
    /// third field (modulo the length) flipped if present: writes of unchanged content and
    /// their near misses.
    Rewrite(u64, u64, Option<u64>),
    /// Forces hashes to be cached so later writes exercise cache invalidation.
    Hash,
}

#[derive(Clone)]
struct Pair {
    memory: Memory,
    flat: Vec<u8>,
}

impl Pair {
    fn new() -> Pair {
        Pair { memory: Memory::new(), flat: Vec::new() }
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Grow(pages) => {
                self.memory.grow_to(*pages).unwrap();
                let size = self.memory.size_bytes() as usize;
                self.flat.resize(size.max(self.flat.len()), 0);
            }
            Op::Write(raw_offset, bytes) => {
                let size = self.flat.len();
                let offset = (*raw_offset % (size as u64 + 1)) as usize;
                let len = bytes.len().min(size - offset);
                self.memory.write(offset as u64, &bytes[..len]).unwrap();
                self.flat[offset..offset + len].copy_from_slice(&bytes[..len]);
            }
            Op::Rewrite(raw_offset, raw_len, flip) => {
                let size = self.flat.len() as u64;
                let offset = (raw_offset % (size + 1)) as usize;
                let len = (raw_len % (size - offset as u64 + 1)) as usize;
                let mut bytes = self.flat[offset..offset + len].to_vec();
                if let (Some(flip), false) = (flip, bytes.is_empty()) {
                    bytes[(flip % len as u64) as usize] ^= 0x5a;
                }
                self.memory.mark_clean();
                self.memory.write(offset as u64, &bytes).unwrap();
                assert_eq!(self.memory.is_dirty(), len > 0, "a write marks the memory dirty, unchanged or not");
                self.flat[offset..offset + len].copy_from_slice(&bytes);
            }
            Op::Hash => {
                self.memory.root_hash();
            }
        }
    }

    fn run(ops: &[Op]) -> Pair {
        let mut pair = Pair::new();
        for op in ops {
            pair.apply(op);
        }
        pair
    }
}

fn bytes_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(0u8..3, 0..10_000),
        prop::collection::vec(Just(0u8), 0..10_000),
    ]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0u64..=5).prop_map(Op::Grow),
        4 => (any::<u64>(), bytes_strategy()).prop_map(|(o, b)| Op::Write(o, b)),
        2 => (any::<u64>(), prop_oneof![0u64..64, 0u64..20_000], any::<Option<u64>>())
            .prop_map(|(o, l, f)| Op::Rewrite(o, l, f)),
        1 => Just(Op::Hash),
    ]
}

fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op_strategy(), 0..16)
}

/// A memory holding `flat`, built by one write per non-zero page, last page first.
fn rebuild(flat: &[u8]) -> Memory {
    let mut memory = Memory::with_size(flat.len() as u64 / WASM_PAGE_SIZE_BYTES).unwrap();
    for (i, page) in flat.chunks(PAGE).enumerate().rev() {
        if page.iter().any(|&b| b != 0) {
            memory.write((i * PAGE) as u64, page).unwrap();
        }
    }
    memory
}

fn heavy() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

proptest! {
    #![proptest_config(heavy())]

    #[test]
    fn incremental_root_matches_rebuild_and_naive(ops in ops_strategy()) {
        let pair = Pair::run(&ops);
        let rebuilt = rebuild(&pair.flat);
        prop_assert_eq!(pair.memory.size_bytes(), pair.flat.len() as u64);
        prop_assert_eq!(pair.memory.root_hash(), naive_root(&pair.flat));
        prop_assert_eq!(rebuilt.root_hash(), pair.memory.root_hash());
        prop_assert_eq!(pair.memory.digest(), naive_digest(&pair.flat));
    }

    #[test]
    fn read_returns_what_was_written(ops in ops_strategy(), a in any::<u64>(), b in any::<u64>()) {
        let pair = Pair::run(&ops);
        let size = pair.flat.len() as u64;
        prop_assert_eq!(pair.memory.read(0, size).unwrap(), pair.flat.clone());
        let start = a % (size + 1);
        let len = b % (size - start + 1);
        let expected = &pair.flat[start as usize..(start + len) as usize];
        prop_assert_eq!(pair.memory.read(start, len).unwrap(), expected.to_vec());
    }

    #[test]
    fn equal_content_gives_equal_digest(ops in ops_strategy()) {
        let pair = Pair::run(&ops);
        let rebuilt = rebuild(&pair.flat);
        prop_assert_eq!(rebuilt.digest(), pair.memory.digest());
        prop_assert!(rebuilt.materialized_pages() <= pair.memory.materialized_pages());
    }

    #[test]
    fn memo_hashing_matches_plain_hashing(ops in ops_strategy()) {
        // Fresh trees with the same bytes hashed through one memo: the second one hits it for
        // every non-zero page. All equal the naive definition.
        let plain = Pair::run(&ops);
        let expected = naive_root(&plain.flat);
        let mut memo = LeafMemo::default();
        let (first, second) = (rebuild(&plain.flat), rebuild(&plain.flat));
        prop_assert_eq!(first.root_hash_with(&mut memo), expected);
        let remembered = memo.len();
        prop_assert_eq!(second.root_hash_with(&mut memo), expected);
        prop_assert_eq!(memo.len(), remembered, "the same pages again are all hits");
        // A tree whose history left some hashes cached mixes cached and remembered ones.
        prop_assert_eq!(Pair::run(&ops).memory.root_hash_with(&mut memo), expected);
        prop_assert_eq!(plain.memory.root_hash(), expected);
        // Hashes cached through the memo serve later plain calls.
        prop_assert_eq!(first.digest(), naive_digest(&plain.flat));
    }

    #[test]
    fn different_content_gives_different_digest(ops in ops_strategy(), at in any::<u64>(), flip in 1u8..=255) {
        let pair = Pair::run(&ops);
        prop_assume!(!pair.flat.is_empty());
        let offset = at % pair.flat.len() as u64;
        let mut changed = pair.memory.clone();
        let old = pair.flat[offset as usize];
        changed.write(offset, &[old ^ flip]).unwrap();
        prop_assert_ne!(changed.digest(), pair.memory.digest());
        prop_assert_ne!(changed.root_hash(), pair.memory.root_hash());
    }

    #[test]
    fn clone_then_write_leaves_original_unchanged(before in ops_strategy(), after in ops_strategy()) {
        let original = Pair::run(&before);
        let digest = original.memory.digest();
        let mut copy = original.clone();
        for op in &after {
            copy.apply(op);
        }
        prop_assert_eq!(original.memory.digest(), digest);
        prop_assert_eq!(original.memory.read(0, original.flat.len() as u64).unwrap(), original.flat.clone());
        prop_assert_eq!(digest, naive_digest(&original.flat));
        prop_assert_eq!(copy.memory.digest(), naive_digest(&copy.flat));
    }

    #[test]
    fn out_of_bounds_accesses_fail_without_effect(ops in ops_strategy(), offset in any::<u64>(), len in 1u64..100_000) {
        let pair = Pair::run(&ops);
        let size = pair.flat.len() as u64;
        prop_assume!(offset.checked_add(len).is_none_or(|end| end > size));
        let expected = OutOfBounds { offset, len, size_bytes: size };
        prop_assert_eq!(pair.memory.read(offset, len), Err(expected));
        let mut memory = pair.memory.clone();
        memory.mark_clean();
        let bytes = vec![1u8; len as usize];
        prop_assert_eq!(memory.write(offset, &bytes), Err(expected));
        prop_assert!(!memory.is_dirty());
        prop_assert_eq!(memory.digest(), pair.memory.digest());
    }
}

/// Small alphabets make different op sequences produce equal contents (e.g. a zero
/// write vs no write, chunks in another order), so both directions get exercised.
#[derive(Clone, Debug)]
struct Content {
    module: Option<Vec<u8>>,
    globals: Vec<Global>,
    wasm: Vec<Op>,
    stable: Vec<Op>,
    chunks: Vec<u8>,
    certified_data: Vec<u8>,
}

fn content_strategy() -> impl Strategy<Value = Content> {
    let global = global_strategy();
    let small_op = prop_oneof![
        (0u64..=1).prop_map(Op::Grow),
        (0u64..3, prop::collection::vec(0u8..2, 0..2)).prop_map(|(o, b)| Op::Write(o, b)),
    ];
    (
        prop::option::of(prop::collection::vec(0u8..2, 0..2)),
        prop::collection::vec(global, 0..2),
        prop::collection::vec(small_op.clone(), 0..3),
        prop::collection::vec(small_op, 0..3),
        prop::collection::vec(0u8..2, 0..3),
        prop::collection::vec(0u8..2, 0..2),
    )
        .prop_map(|(module, globals, wasm, stable, chunks, certified_data)| Content {
            module,
            globals,
            wasm,
            stable,
            chunks,
            certified_data,
        })
}

/// The content a snapshot load would restore, in directly comparable form.
type Semantic = (Option<Vec<u8>>, Vec<Global>, Vec<u8>, Vec<u8>, BTreeSet<u8>, Vec<u8>);

fn checksum_and_semantic(content: &Content) -> ([u8; 32], Semantic) {
    let wasm = Pair::run(&content.wasm);
    let stable = Pair::run(&content.stable);
    let chunk_hashes: Vec<[u8; 32]> = content.chunks.iter().map(|c| Sha256::digest([*c]).into()).collect();
    let sum = checksum(&ContentRef {
        module: content.module.as_deref(),
        globals: &content.globals,
        wasm_memory: &wasm.memory,
        stable_memory: &stable.memory,
        chunk_hashes: &chunk_hashes,
        certified_data: &content.certified_data,
    });
    let semantic = (
        content.module.clone(),
        content.globals.clone(),
        wasm.flat,
        stable.flat,
        content.chunks.iter().copied().collect(),
        content.certified_data.clone(),
    );
    (sum, semantic)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn equal_content_iff_equal_checksum(a in content_strategy(), other in content_strategy(),
                                        replace in prop::array::uniform6(prop::bool::weighted(0.25))) {
        // Replacing only some parts of `a` keeps the contents equal often enough.
        let b = Content {
            module: if replace[0] { other.module } else { a.module.clone() },
            globals: if replace[1] { other.globals } else { a.globals.clone() },
            wasm: if replace[2] { other.wasm } else { a.wasm.clone() },
            stable: if replace[3] { other.stable } else { a.stable.clone() },
            chunks: if replace[4] { other.chunks } else { a.chunks.clone() },
            certified_data: if replace[5] { other.certified_data } else { a.certified_data.clone() },
        };
        let (sum_a, semantic_a) = checksum_and_semantic(&a);
        let (sum_b, semantic_b) = checksum_and_semantic(&b);
        prop_assert_eq!(semantic_a == semantic_b, sum_a == sum_b);
    }

    #[test]
    fn globals_component_commits_to_types_and_values(a in prop::collection::vec(global_strategy(), 0..4),
                                                     b in prop::collection::vec(global_strategy(), 0..4)) {
        prop_assert_eq!(a == b, globals_component(&a) == globals_component(&b));
    }
}

/// Small values so that different types share bit patterns, e.g. `I32(0)` vs `F32(0)`.
fn global_strategy() -> impl Strategy<Value = Global> {
    prop_oneof![
        (0i32..2).prop_map(Global::I32),
        (0i64..2).prop_map(Global::I64),
        (0u32..2).prop_map(Global::F32),
        (0u64..2).prop_map(Global::F64),
        (0u128..2).prop_map(Global::V128),
    ]
}

// ---------------------------------------------------------------------------------
// Unit tests of specific semantics.

#[test]
fn zero_writes_equal_unwritten_pages() {
    let untouched = Memory::with_size(3).unwrap();
    let mut zeroed = Memory::with_size(3).unwrap();
    zeroed.write(1000, &vec![0; 100_000]).unwrap();
    assert_eq!(zeroed.digest(), untouched.digest());
    assert_eq!(zeroed.materialized_pages(), 0);
    // Overwriting real data with zeros also hashes like never-written pages.
    let mut overwritten = Memory::with_size(3).unwrap();
    overwritten.write(5000, &[7; 9000]).unwrap();
    overwritten.write(5000, &[0; 9000]).unwrap();
    assert_eq!(overwritten.digest(), untouched.digest());
    assert_eq!(overwritten.materialized_pages(), 3);
}

#[test]
fn different_sizes_give_different_digests() {
    let digests: BTreeSet<[u8; 32]> = (0..=9).map(|pages| Memory::with_size(pages).unwrap().digest()).collect();
    assert_eq!(digests.len(), 10);
    // 3 and 4 Wasm pages share tree height 6, hence the root: only the size tells them apart.
    let three = Memory::with_size(3).unwrap();
    let four = Memory::with_size(4).unwrap();
    assert_eq!(three.root_hash(), four.root_hash());
    assert_ne!(three.digest(), four.digest());
}

#[test]
fn growing_keeps_content_and_matches_naive() {
    let mut memory = Memory::with_size(1).unwrap();
    memory.write(65535, &[9]).unwrap();
    memory.root_hash();
    memory.grow_to(3).unwrap();
    let mut flat = vec![0u8; 3 * 65536];
    flat[65535] = 9;
    assert_eq!(memory.read(0, flat.len() as u64).unwrap(), flat);
    assert_eq!(memory.digest(), naive_digest(&flat));
    memory.grow_to(2).unwrap();
    assert_eq!(memory.size_wasm_pages(), 3, "grow_to never shrinks");
}

#[test]
fn size_limit_is_enforced() {
    let too_large = MEMORY_WASM_PAGES_MAX + 1;
    assert_eq!(Memory::with_size(too_large).unwrap_err(), MemoryTooLarge { requested_wasm_pages: too_large });
    let mut memory = Memory::with_size(1).unwrap();
    assert!(memory.grow_to(u64::MAX).is_err());
    assert_eq!(memory.size_wasm_pages(), 1);
}

#[test]
fn largest_memory_is_sparse_and_cheap() {
    let mut memory = Memory::with_size(MEMORY_WASM_PAGES_MAX).unwrap();
    assert_eq!(memory.tree_height(), TREE_HEIGHT_MAX);
    assert_eq!(memory.root_hash(), zero_hash(TREE_HEIGHT_MAX));
    let last = memory.size_bytes() - 1;
    memory.write(last, &[1]).unwrap();
    assert_eq!(memory.read(last, 1).unwrap(), vec![1]);
    assert_eq!(memory.materialized_pages(), 1);
    assert_ne!(memory.root_hash(), zero_hash(TREE_HEIGHT_MAX));
}

#[test]
fn bounds_checks_do_not_overflow() {
    let mut memory = Memory::with_size(1).unwrap();
    let err = memory.write(u64::MAX, &[1, 2]).unwrap_err();
    assert_eq!(err, OutOfBounds { offset: u64::MAX, len: 2, size_bytes: 65536 });
    assert!(memory.read(1, u64::MAX).is_err());
    assert!(memory.read(65536, 1).is_err());
    assert_eq!(memory.read(65536, 0).unwrap(), Vec::<u8>::new());
    assert!(memory.write(65537, &[]).is_err());
    assert!(Memory::new().write(0, &[0]).is_err());
    assert!(err.to_string().contains("out of bounds"));
}

#[test]
fn leaf_memo_remembers_by_content_within_its_bound() {
    let page = |n: usize| {
        let mut page = [0u8; PAGE];
        page[..8].copy_from_slice(&(n as u64).to_le_bytes());
        page[PAGE - 1] = 1;
        page
    };
    let mut memo = LeafMemo::default();
    assert!(memo.is_empty());
    for n in 0..LeafMemo::PAGES_MAX + 10 {
        assert_eq!(memo.leaf_hash(&page(n)), leaf_hash(&page(n)), "page {n}");
    }
    assert_eq!(memo.len(), LeafMemo::PAGES_MAX, "bounded");
    // Remembered and forgotten pages alike keep their exact hashes; near misses do not hit.
    for n in [0, 1, LeafMemo::PAGES_MAX - 1, LeafMemo::PAGES_MAX + 5] {
        assert_eq!(memo.leaf_hash(&page(n)), leaf_hash(&page(n)), "page {n} again");
        let mut near = page(n);
        near[PAGE / 2] ^= 1;
        assert_eq!(memo.leaf_hash(&near), leaf_hash(&near), "page {n} with one bit flipped");
    }
    assert_eq!(memo.len(), LeafMemo::PAGES_MAX);
}

#[test]
fn dirty_flag_tracks_writes_since_mark_clean() {
    let mut memory = Memory::with_size(1).unwrap();
    assert!(!memory.is_dirty());
    memory.grow_to(2).unwrap();
    assert!(!memory.is_dirty(), "growing is not a page delta");
    memory.write(10, &[]).unwrap();
    assert!(!memory.is_dirty(), "an empty write changes nothing");
    let _ = memory.write(1 << 20, &[1]);
    assert!(!memory.is_dirty(), "a failed write changes nothing");
    memory.write(10, &[0]).unwrap();
    assert!(memory.is_dirty(), "any successful write counts, even of zeros");
    let snapshot = memory.clone();
    memory.mark_clean();
    assert!(!memory.is_dirty());
    assert!(snapshot.is_dirty(), "clones keep their own flag");
}

#[test]
fn dirty_flag_is_in_eq_but_not_in_checksum() {
    let clean = Memory::with_size(1).unwrap();
    let mut dirty = clean.clone();
    dirty.write(0, &[0]).unwrap();
    assert_ne!(clean, dirty);
    assert_eq!(clean.digest(), dirty.digest());
    dirty.mark_clean();
    assert_eq!(clean, dirty);
    let mut other = Memory::with_size(1).unwrap();
    other.write(3, &[4]).unwrap();
    other.mark_clean();
    assert_ne!(clean, other);
}

#[test]
fn debug_shows_summary_not_bytes() {
    let mut memory = Memory::with_size(1).unwrap();
    memory.write(0, &[0xab; 64]).unwrap();
    let text = format!("{memory:?}");
    assert!(text.contains("wasm_pages: 1"), "{text}");
    assert!(text.contains("dirty: true"), "{text}");
    assert!(text.contains("materialized_pages: 1"), "{text}");
    assert!(text.contains(&hex32(&memory.digest())[..16]), "{text}");
    assert!(text.len() < 200, "{text}");
}

#[test]
fn concurrent_hashing_of_shared_trees_agrees() {
    let mut base = Memory::with_size(64).unwrap();
    for i in 0..base.size_bytes() / 4096 {
        base.write(i * 4096, &i.to_le_bytes()).unwrap();
    }
    let variants: Vec<Memory> = (0..4u64)
        .map(|i| {
            let mut variant = base.clone();
            variant.write(i * 100_000, &[0xee]).unwrap();
            variant
        })
        .collect();
    let flats: Vec<Vec<u8>> = variants.iter().map(|m| m.read(0, m.size_bytes()).unwrap()).collect();
    std::thread::scope(|scope| {
        for (memory, flat) in variants.iter().zip(&flats) {
            scope.spawn(move || assert_eq!(memory.digest(), naive_digest(flat)));
        }
    });
}

#[test]
fn chunk_store_ignores_order_and_duplicates() {
    let a = [1u8; 32];
    let b = [2u8; 32];
    assert_eq!(chunk_store_component([b, a, b]), chunk_store_component([a, b]));
    assert_ne!(chunk_store_component([a]), chunk_store_component([a, b]));
    assert_ne!(chunk_store_component([]), chunk_store_component([[0; 32]]));
}

#[test]
fn certified_data_length_is_committed() {
    assert_ne!(certified_data_component(b""), certified_data_component(b"\0"));
    certified_data_component(&[7; 32]);
}

#[test]
#[should_panic(expected = "exceeds the 32-byte limit")]
fn certified_data_over_limit_panics() {
    certified_data_component(&[0; 33]);
}

#[test]
fn module_presence_is_committed() {
    assert_ne!(module_component(None), module_component(Some(b"")));
}

#[test]
fn global_types_and_zero_values() {
    let types = [GlobalType::I32, GlobalType::I64, GlobalType::F32, GlobalType::F64, GlobalType::V128];
    let codes: Vec<u8> = types.iter().map(|t| t.wasm_code()).collect();
    assert_eq!(codes, [0x7f, 0x7e, 0x7d, 0x7c, 0x7b]);
    for ty in types {
        let zero = Global::zero(ty);
        assert_eq!(zero.value_type(), ty);
        assert_eq!(zero.value_le_bytes(), vec![0; ty.byte_width()]);
    }
    assert_eq!(Global::I64(-1).value_le_bytes(), vec![0xff; 8]);
}
