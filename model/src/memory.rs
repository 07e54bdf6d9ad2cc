//! Sparse copy-on-write linear memory (Wasm heap or stable memory) with a cached Merkle tree.
//!
//! Content lives in a persistent binary radix tree over 4 KiB page indices. Cloning a
//! [`Memory`] is one `Arc` clone, so taking a snapshot costs O(1) regardless of size;
//! writes copy only the O(h) nodes on the path to the touched pages, so a snapshot that
//! shares nodes with the live memory never observes later writes and keeps its cached
//! hashes. Every node caches its hash, which makes the checksum after a small write
//! O(h) hashes instead of O(size). The hash layout is normative and specified in
//! `docs/checksum.md`.
//!
//! Sizes are bounded by [`MEMORY_WASM_PAGES_MAX`]; callers enforce their own (smaller)
//! canister limits before growing.

use std::fmt;
use std::sync::{Arc, LazyLock, OnceLock};

use sha2::{Digest, Sha256};

use crate::checksum::{hex32, tagged_hasher, TAG_MEMORY, TAG_NODE, TAG_PAGE};

/// Size of an OS page, the unit of sparseness and of leaf hashing.
pub const OS_PAGE_SIZE_BYTES: usize = 4096;
/// Size of a Wasm page, the unit memories grow by.
pub const WASM_PAGE_SIZE_BYTES: u64 = 65536;
/// OS pages per Wasm page.
pub const OS_PAGES_PER_WASM_PAGE: u64 = 16;
/// Largest size [`Memory::grow_to`] accepts: 2^23 Wasm pages (512 GiB), so trees stay at
/// most [`TREE_HEIGHT_MAX`] levels high.
pub const MEMORY_WASM_PAGES_MAX: u64 = 1 << 23;
/// Tree height of a memory of [`MEMORY_WASM_PAGES_MAX`] pages.
pub const TREE_HEIGHT_MAX: u32 = 27;

const PAGE_BYTES: u64 = OS_PAGE_SIZE_BYTES as u64;

/// Below this height hashing a subtree is too little work to be worth a rayon task
/// (2^6 pages = 256 KiB of SHA-256).
const PARALLEL_MIN_HEIGHT: u32 = 6;
/// A memory with fewer pages than this is hashed on the calling thread alone.
const PARALLEL_MIN_PAGES: u64 = 1 << PARALLEL_MIN_HEIGHT;

type Page = [u8; OS_PAGE_SIZE_BYTES];
type Hash = [u8; 32];

/// A tree node. Shared nodes are never mutated; `Arc::make_mut` copies them first.
#[derive(Clone)]
enum Node {
    Leaf {
        page: Box<Page>,
        hash: OnceLock<Hash>,
    },
    /// An absent child is an all-zero subtree.
    Inner {
        children: [Option<Arc<Node>>; 2],
        hash: OnceLock<Hash>,
    },
}

/// A sparse, copy-on-write linear memory whose size is a whole number of Wasm pages.
///
/// Unwritten bytes read as zero. `clone` is O(1) and shares all page data.
#[derive(Clone, Default)]
pub struct Memory {
    wasm_pages: u64,
    /// Root of a tree of height `tree_height(wasm_pages)`; `None` = all zero.
    root: Option<Arc<Node>>,
    materialized: u64,
    dirty: bool,
}

/// An access outside the current size of a [`Memory`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfBounds {
    /// Start of the attempted access.
    pub offset: u64,
    /// Length of the attempted access in bytes.
    pub len: u64,
    /// Size of the memory at the time of the access.
    pub size_bytes: u64,
}

impl fmt::Display for OutOfBounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "memory access out of bounds: offset {} + length {} exceeds size {} bytes",
            self.offset, self.len, self.size_bytes
        )
    }
}

impl std::error::Error for OutOfBounds {}

/// A requested size above [`MEMORY_WASM_PAGES_MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryTooLarge {
    /// The rejected size in Wasm pages.
    pub requested_wasm_pages: u64,
}

impl fmt::Display for MemoryTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "memory size of {} Wasm pages exceeds the model's limit of {} Wasm pages",
            self.requested_wasm_pages, MEMORY_WASM_PAGES_MAX
        )
    }
}

impl std::error::Error for MemoryTooLarge {}

impl Memory {
    /// An empty memory of 0 pages.
    pub fn new() -> Memory {
        Memory::default()
    }

    /// An all-zero memory of `wasm_pages` Wasm pages.
    pub fn with_size(wasm_pages: u64) -> Result<Memory, MemoryTooLarge> {
        let mut memory = Memory::new();
        memory.grow_to(wasm_pages)?;
        Ok(memory)
    }

    /// Current size in Wasm pages.
    pub fn size_wasm_pages(&self) -> u64 {
        self.wasm_pages
    }

    /// Current size in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.wasm_pages * WASM_PAGE_SIZE_BYTES
    }

    /// Height of the Merkle tree for the current size (see `docs/checksum.md`).
    pub fn tree_height(&self) -> u32 {
        tree_height(self.wasm_pages)
    }

    /// Number of 4 KiB pages actually stored (written at least once with non-zero data).
    pub fn materialized_pages(&self) -> u64 {
        self.materialized
    }

    /// Whether a write happened since the last [`Memory::mark_clean`] ("unflushed page
    /// deltas since the last checkpoint"). Not part of the checksum.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Clears the dirty flag, as a checkpoint would.
    pub fn mark_clean(&mut self) {
        self.dirty = false;
    }

    /// Grows to `wasm_pages`; a no-op when that is not larger than the current size.
    /// New pages read as zero. Does not set the dirty flag.
    pub fn grow_to(&mut self, wasm_pages: u64) -> Result<(), MemoryTooLarge> {
        if wasm_pages > MEMORY_WASM_PAGES_MAX {
            return Err(MemoryTooLarge { requested_wasm_pages: wasm_pages });
        }
        if wasm_pages <= self.wasm_pages {
            return Ok(());
        }
        // The old tree becomes the leftmost subtree of the taller one; its cached hashes
        // stay valid because leaf positions do not change.
        for _ in tree_height(self.wasm_pages)..tree_height(wasm_pages) {
            if let Some(old) = self.root.take() {
                self.root = Some(Arc::new(Node::Inner { children: [Some(old), None], hash: OnceLock::new() }));
            }
        }
        self.wasm_pages = wasm_pages;
        Ok(())
    }

    /// Writes `bytes` at `offset`, possibly spanning pages. Fails without effect unless
    /// the whole range lies within the current size; never grows.
    pub fn write(&mut self, offset: u64, bytes: &[u8]) -> Result<(), OutOfBounds> {
        self.check_bounds(offset, bytes.len() as u64)?;
        if bytes.is_empty() {
            return Ok(());
        }
        let height = self.tree_height();
        // Writing back what is there changes no page: leaving the tree alone keeps its cached
        // hashes and its sharing with clones (no copy, no re-hash). It still counts as a write.
        if !range_equals(self.root.as_deref(), height, 0, offset, bytes) {
            self.materialized += write_range(&mut self.root, height, 0, offset, bytes);
        }
        self.dirty = true;
        Ok(())
    }

    /// Reads `len` bytes at `offset`; fails unless the range lies within the current size.
    pub fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, OutOfBounds> {
        self.check_bounds(offset, len)?;
        let mut out = vec![0; len as usize];
        read_range(self.root.as_deref(), self.tree_height(), 0, offset, &mut out);
        Ok(out)
    }

    /// Merkle root over the pages (`root` in `docs/checksum.md`). Cached per node, so
    /// repeated calls and calls after small writes are cheap.
    pub fn root_hash(&self) -> [u8; 32] {
        // Forking costs microseconds (waking a worker); a small memory hashes faster alone.
        let fork = self.materialized >= PARALLEL_MIN_PAGES;
        subtree_hash(self.root.as_deref(), self.tree_height(), fork)
    }

    /// [`Memory::root_hash`], with unhashed leaves hashed through `memo` (and then cached in
    /// the tree as usual). On the calling thread: memos pay off on many small memories.
    pub fn root_hash_with(&self, memo: &mut LeafMemo) -> [u8; 32] {
        subtree_hash_memo(self.root.as_deref(), self.tree_height(), memo)
    }

    /// The memory's checksum component: commits to size and content.
    pub fn digest(&self) -> [u8; 32] {
        let mut hasher = tagged_hasher(TAG_MEMORY);
        hasher.update(self.size_bytes().to_be_bytes());
        hasher.update(self.root_hash());
        hasher.finalize().into()
    }

    fn check_bounds(&self, offset: u64, len: u64) -> Result<(), OutOfBounds> {
        let size_bytes = self.size_bytes();
        match offset.checked_add(len) {
            Some(end) if end <= size_bytes => Ok(()),
            _ => Err(OutOfBounds { offset, len, size_bytes }),
        }
    }

    fn same_root(&self, other: &Memory) -> bool {
        match (&self.root, &other.root) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl PartialEq for Memory {
    /// Equal iff same size, same dirty flag and same content.
    fn eq(&self, other: &Memory) -> bool {
        self.wasm_pages == other.wasm_pages
            && self.dirty == other.dirty
            && (self.same_root(other) || self.root_hash() == other.root_hash())
    }
}

impl Eq for Memory {}

impl fmt::Debug for Memory {
    /// Prints a summary; page bytes would swamp any test failure message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digest = hex32(&self.digest());
        f.debug_struct("Memory")
            .field("wasm_pages", &self.wasm_pages)
            .field("dirty", &self.dirty)
            .field("materialized_pages", &self.materialized)
            .field("digest", &format_args!("{}…", &digest[..16]))
            .finish()
    }
}

/// ceil(log2(number of OS pages)), 0 for memories of at most one OS page.
fn tree_height(wasm_pages: u64) -> u32 {
    let pages = wasm_pages * OS_PAGES_PER_WASM_PAGE;
    if pages <= 1 {
        0
    } else {
        u64::BITS - (pages - 1).leading_zeros()
    }
}

/// Byte length of the part of `offset..offset+len` that falls into the left child of
/// the subtree of `height` starting at byte `base`.
fn left_len(base: u64, height: u32, offset: u64, len: usize) -> usize {
    let mid = base + (PAGE_BYTES << (height - 1));
    mid.saturating_sub(offset).min(len as u64) as usize
}

/// Writes `bytes` (lying within the subtree at `base`) into the subtree in `slot`,
/// copying shared nodes on the way. Returns the number of leaves created.
fn write_range(slot: &mut Option<Arc<Node>>, height: u32, base: u64, offset: u64, bytes: &[u8]) -> u64 {
    if height == 0 {
        return write_leaf(slot, base, offset, bytes);
    }
    let created_here = slot.is_none();
    let node = slot.get_or_insert_with(|| Arc::new(Node::Inner { children: [None, None], hash: OnceLock::new() }));
    let Node::Inner { children, hash } = Arc::make_mut(node) else {
        unreachable!("leaf above height 0");
    };
    hash.take();
    let split = left_len(base, height, offset, bytes.len());
    let (left, right) = bytes.split_at(split);
    let mid = base + (PAGE_BYTES << (height - 1));
    let [left_child, right_child] = children;
    let mut created = 0;
    if !left.is_empty() {
        created += write_range(left_child, height - 1, base, offset, left);
    }
    if !right.is_empty() {
        created += write_range(right_child, height - 1, mid, offset + split as u64, right);
    }
    // Zero writes into absent subtrees must not leave empty inner nodes behind.
    if created_here && left_child.is_none() && right_child.is_none() {
        *slot = None;
    }
    created
}

fn write_leaf(slot: &mut Option<Arc<Node>>, base: u64, offset: u64, bytes: &[u8]) -> u64 {
    // Absent pages already read as zero; storing zeros would only cost memory.
    if slot.is_none() && bytes.iter().all(|&b| b == 0) {
        return 0;
    }
    let created = u64::from(slot.is_none());
    let node = slot
        .get_or_insert_with(|| Arc::new(Node::Leaf { page: Box::new([0; OS_PAGE_SIZE_BYTES]), hash: OnceLock::new() }));
    let Node::Leaf { page, hash } = Arc::make_mut(node) else {
        unreachable!("inner node at height 0");
    };
    hash.take();
    let start = (offset - base) as usize;
    page[start..start + bytes.len()].copy_from_slice(bytes);
    created
}

/// Whether the subtree holds `bytes` at `offset` (absent subtrees read as zero); stops at the
/// first difference.
fn range_equals(node: Option<&Node>, height: u32, base: u64, offset: u64, bytes: &[u8]) -> bool {
    match node {
        None => bytes.iter().all(|&b| b == 0),
        Some(Node::Leaf { page, .. }) => {
            let start = (offset - base) as usize;
            page[start..start + bytes.len()] == *bytes
        }
        Some(Node::Inner { children, .. }) => {
            let split = left_len(base, height, offset, bytes.len());
            let (left, right) = bytes.split_at(split);
            let mid = base + (PAGE_BYTES << (height - 1));
            (left.is_empty() || range_equals(children[0].as_deref(), height - 1, base, offset, left))
                && (right.is_empty()
                    || range_equals(children[1].as_deref(), height - 1, mid, offset + split as u64, right))
        }
    }
}

/// Copies the subtree's bytes at `offset..offset+out.len()` into `out`, which the caller
/// zero-filled so absent subtrees need no work.
fn read_range(node: Option<&Node>, height: u32, base: u64, offset: u64, out: &mut [u8]) {
    match node {
        None => {}
        Some(Node::Leaf { page, .. }) => {
            let start = (offset - base) as usize;
            out.copy_from_slice(&page[start..start + out.len()]);
        }
        Some(Node::Inner { children, .. }) => {
            let split = left_len(base, height, offset, out.len());
            let (left, right) = out.split_at_mut(split);
            let mid = base + (PAGE_BYTES << (height - 1));
            if !left.is_empty() {
                read_range(children[0].as_deref(), height - 1, base, offset, left);
            }
            if !right.is_empty() {
                read_range(children[1].as_deref(), height - 1, mid, offset + split as u64, right);
            }
        }
    }
}

fn subtree_hash(node: Option<&Node>, height: u32, fork: bool) -> Hash {
    match node {
        None => zero_hash(height),
        Some(node) => node.hash(height, fork),
    }
}

fn subtree_hash_memo(node: Option<&Node>, height: u32, memo: &mut LeafMemo) -> Hash {
    let Some(node) = node else { return zero_hash(height) };
    if let Some(hash) = node.cache().get() {
        return *hash;
    }
    let value = match node {
        Node::Leaf { page, .. } => memo.leaf_hash(page),
        Node::Inner { children, .. } => node_hash(
            &subtree_hash_memo(children[0].as_deref(), height - 1, memo),
            &subtree_hash_memo(children[1].as_deref(), height - 1, memo),
        ),
    };
    let _ = node.cache().set(value);
    value
}

/// Leaf hashes remembered by page content, for callers that hash many memories whose pages
/// repeat: the explorer writes a handful of distinct pages into thousands of states. A hit
/// costs a fast hash and a comparison of the page instead of a SHA-256. The values are
/// exactly [`leaf_hash`]'s, so a tree hashed through a memo caches what it would without.
#[derive(Default)]
pub struct LeafMemo {
    by_content: rustc_hash::FxHashMap<u64, Vec<(Box<Page>, Hash)>>,
    pages: usize,
}

impl LeafMemo {
    /// Pages remembered at most (16 MiB); further pages are hashed without being remembered.
    pub const PAGES_MAX: usize = 4096;

    /// `leaf(page)` of `docs/checksum.md`, remembered.
    pub fn leaf_hash(&mut self, page: &Page) -> Hash {
        use std::hash::Hasher;
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write(page);
        let key = hasher.finish();
        let known = self.by_content.get(&key).and_then(|bucket| bucket.iter().find(|(p, _)| **p == *page));
        if let Some((_, hash)) = known {
            return *hash;
        }
        let hash = leaf_hash(page);
        if self.pages < Self::PAGES_MAX {
            self.by_content.entry(key).or_default().push((Box::new(*page), hash));
            self.pages += 1;
        }
        hash
    }

    /// Pages remembered.
    pub fn len(&self) -> usize {
        self.pages
    }

    /// Whether no page is remembered.
    pub fn is_empty(&self) -> bool {
        self.pages == 0
    }
}

impl Node {
    fn cache(&self) -> &OnceLock<Hash> {
        match self {
            Node::Leaf { hash, .. } | Node::Inner { hash, .. } => hash,
        }
    }

    fn is_unhashed(&self) -> bool {
        self.cache().get().is_none()
    }

    /// The cached hash, computed on first use.
    ///
    /// The value is computed outside the `OnceLock` rather than via `get_or_init`: a
    /// rayon worker waiting in `join` may steal a job from another memory sharing this
    /// node, and re-entering an initializing `OnceLock` on the same thread deadlocks.
    /// A race only duplicates work; both sides compute the same value.
    fn hash(&self, height: u32, fork: bool) -> Hash {
        let cache = self.cache();
        if let Some(hash) = cache.get() {
            return *hash;
        }
        let value = match self {
            Node::Leaf { page, .. } => leaf_hash(page),
            Node::Inner { children, .. } => inner_hash(children, height, fork),
        };
        let _ = cache.set(value);
        value
    }
}

fn inner_hash(children: &[Option<Arc<Node>>; 2], height: u32, fork: bool) -> Hash {
    if let Some(hash) = leaf_pair_hash(children) {
        return hash;
    }
    let child = |i: usize| subtree_hash(children[i].as_deref(), height - 1, fork);
    // A join costs microseconds (more when called from outside rayon's pool), so it pays
    // only when both sides have real hashing to do; re-hashing the path above one
    // written page never forks.
    let both_sides_unhashed = children.iter().all(|c| c.as_deref().is_some_and(Node::is_unhashed));
    let (left, right) = if fork && height >= PARALLEL_MIN_HEIGHT && both_sides_unhashed {
        rayon::join(|| child(0), || child(1))
    } else {
        (child(0), child(1))
    };
    node_hash(&left, &right)
}

/// The node over two leaves that are both still unhashed, with both leaves hashed in one
/// interleaved pass (see [`crate::leaf_pair`]): the bulk of hashing a written memory.
fn leaf_pair_hash(children: &[Option<Arc<Node>>; 2]) -> Option<Hash> {
    let [Some(left), Some(right)] = children else { return None };
    let (Node::Leaf { page: left_page, hash: left_hash }, Node::Leaf { page: right_page, hash: right_hash }) =
        (&**left, &**right)
    else {
        return None;
    };
    if !(left.is_unhashed() && right.is_unhashed()) {
        return None;
    }
    let [left, right] = crate::leaf_pair::leaf_hash_pair(left_page, right_page);
    let _ = left_hash.set(left);
    let _ = right_hash.set(right);
    Some(node_hash(&left, &right))
}

// Leaves and nodes are hashed hundreds of thousands of times per GiB; cloning a hasher
// that has already absorbed the tag is cheaper than absorbing it again each time.
static PAGE_HASHER: LazyLock<Sha256> = LazyLock::new(|| tagged_hasher(TAG_PAGE));
static NODE_HASHER: LazyLock<Sha256> = LazyLock::new(|| tagged_hasher(TAG_NODE));

/// `leaf(page)` of `docs/checksum.md`.
pub fn leaf_hash(page: &[u8; OS_PAGE_SIZE_BYTES]) -> [u8; 32] {
    let mut hasher = PAGE_HASHER.clone();
    hasher.update(page);
    hasher.finalize().into()
}

/// `node(l, r)` of `docs/checksum.md`.
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = NODE_HASHER.clone();
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// `zero(height)` of `docs/checksum.md`: the hash of an all-zero subtree. Heights above
/// [`TREE_HEIGHT_MAX`] never occur in a [`Memory`] and panic.
pub fn zero_hash(height: u32) -> [u8; 32] {
    static ZERO: LazyLock<Vec<Hash>> = LazyLock::new(|| {
        let mut hashes = vec![leaf_hash(&[0; OS_PAGE_SIZE_BYTES])];
        for k in 0..TREE_HEIGHT_MAX as usize {
            hashes.push(node_hash(&hashes[k], &hashes[k]));
        }
        hashes
    });
    ZERO[height as usize]
}
