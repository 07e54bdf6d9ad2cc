//! Two memory leaves hashed at once (plumbing for [`crate::memory`]).
//!
//! Within one SHA-256 stream every `sha256rnds2` instruction needs the previous one's
//! result, so a single stream waits on the instruction's latency. The leaves of the
//! checksum tree are independent: interleaving the rounds of two of them lets the CPU
//! overlap them (1.37x the throughput of one stream per core, measured on this project's
//! AMD EPYC machine). The bytes hashed are exactly `leaf(page)` of `docs/checksum.md`;
//! tests compare every result with [`crate::memory::leaf_hash`], which goes through the
//! `sha2` crate.
//!
//! On other CPUs (or other architectures) the pair is hashed one leaf after the other.

// The block layout below is used by the x86-64 kernel and the tests only.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use crate::checksum::TAG_PAGE;
use crate::memory::{leaf_hash, OS_PAGE_SIZE_BYTES};

type Page = [u8; OS_PAGE_SIZE_BYTES];

/// `leaf(a)` and `leaf(b)`.
pub fn leaf_hash_pair(a: &Page, b: &Page) -> [[u8; 32]; 2] {
    #[cfg(target_arch = "x86_64")]
    if x86::available() {
        // SAFETY: the CPU has the features `x86::hash_pair` is compiled for.
        return unsafe { x86::hash_pair(a, b) };
    }
    [leaf_hash(a), leaf_hash(b)]
}

/// Bytes of the tag prefix of a leaf input: the tag and its zero terminator.
const PREFIX_BYTES: usize = TAG_PAGE.len() + 1;
/// Bytes of the whole leaf input.
const INPUT_BYTES: usize = PREFIX_BYTES + OS_PAGE_SIZE_BYTES;
const BLOCK_BYTES: usize = 64;
/// Page bytes in the first block, after the prefix.
const HEAD_BYTES: usize = BLOCK_BYTES - PREFIX_BYTES;
/// Page bytes in the last block, before the padding.
const TAIL_BYTES: usize = (OS_PAGE_SIZE_BYTES - HEAD_BYTES) % BLOCK_BYTES;
/// Whole blocks taken straight from the page, between the first and the last block.
const MIDDLE_BLOCKS: usize = (OS_PAGE_SIZE_BYTES - HEAD_BYTES) / BLOCK_BYTES;

// The padding (0x80 and the 8-byte length) must fit in the last block after the tail.
const _: () = assert!(TAIL_BYTES + 1 + 8 <= BLOCK_BYTES && PREFIX_BYTES < BLOCK_BYTES);

/// First block of a leaf input: prefix, then the page's first bytes.
fn head_block(page: &Page) -> [u8; BLOCK_BYTES] {
    let mut block = [0; BLOCK_BYTES];
    block[..TAG_PAGE.len()].copy_from_slice(TAG_PAGE.as_bytes());
    block[PREFIX_BYTES..].copy_from_slice(&page[..HEAD_BYTES]);
    block
}

/// Last block of a leaf input: the page's last bytes, then SHA-256 padding.
fn tail_block(page: &Page) -> [u8; BLOCK_BYTES] {
    let mut block = [0; BLOCK_BYTES];
    block[..TAIL_BYTES].copy_from_slice(&page[OS_PAGE_SIZE_BYTES - TAIL_BYTES..]);
    block[TAIL_BYTES] = 0x80;
    block[BLOCK_BYTES - 8..].copy_from_slice(&(INPUT_BYTES as u64 * 8).to_be_bytes());
    block
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::sync::LazyLock;

    use super::{head_block, tail_block, Page, BLOCK_BYTES, HEAD_BYTES, MIDDLE_BLOCKS};

    pub(super) fn available() -> bool {
        static AVAILABLE: LazyLock<bool> = LazyLock::new(|| {
            is_x86_feature_detected!("sha")
                && is_x86_feature_detected!("sse2")
                && is_x86_feature_detected!("ssse3")
                && is_x86_feature_detected!("sse4.1")
        });
        *AVAILABLE
    }

    /// SHA-256 round constants (FIPS 180-4 §4.2.2).
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// Initial hash value (FIPS 180-4 §5.3.3).
    const H0: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    /// The working state in the register layout the SHA extensions use.
    #[derive(Clone, Copy)]
    struct Lane {
        abef: __m128i,
        cdgh: __m128i,
    }

    #[inline(always)]
    unsafe fn initial_lane() -> Lane {
        let dcba = _mm_loadu_si128(H0.as_ptr().cast());
        let hgfe = _mm_loadu_si128(H0.as_ptr().add(4).cast());
        let cdab = _mm_shuffle_epi32(dcba, 0xB1);
        let efgh = _mm_shuffle_epi32(hgfe, 0x1B);
        Lane { abef: _mm_alignr_epi8(cdab, efgh, 8), cdgh: _mm_blend_epi16(efgh, cdab, 0xF0) }
    }

    #[inline(always)]
    unsafe fn digest(lane: Lane) -> [u8; 32] {
        let feba = _mm_shuffle_epi32(lane.abef, 0x1B);
        let dchg = _mm_shuffle_epi32(lane.cdgh, 0xB1);
        let mut words = [0u32; 8];
        _mm_storeu_si128(words.as_mut_ptr().cast(), _mm_blend_epi16(feba, dchg, 0xF0));
        _mm_storeu_si128(words.as_mut_ptr().add(4).cast(), _mm_alignr_epi8(dchg, feba, 8));
        let mut out = [0u8; 32];
        for (bytes, word) in out.chunks_exact_mut(4).zip(words) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// Message words 16.. from the previous sixteen, four at a time.
    #[inline(always)]
    unsafe fn schedule(w0: __m128i, w1: __m128i, w2: __m128i, w3: __m128i) -> __m128i {
        let t = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
        _mm_sha256msg2_epu32(t, w3)
    }

    /// Four rounds of one lane.
    macro_rules! rounds4 {
        ($lane:ident, $w:expr, $k:expr) => {{
            let t = _mm_add_epi32($w, $k);
            $lane.cdgh = _mm_sha256rnds2_epu32($lane.cdgh, $lane.abef, t);
            $lane.abef = _mm_sha256rnds2_epu32($lane.abef, $lane.cdgh, _mm_shuffle_epi32(t, 0x0E));
        }};
    }

    /// Rounds 4i..4i+3 of both lanes. `$x0` holds words 4(i-4).. on entry (the oldest of
    /// the four kept) and words 4i.. after it; named registers, not an indexed array, so
    /// the words stay in registers.
    macro_rules! group {
        ($i:expr, $a:ident, $b:ident, [$a0:ident, $a1:ident, $a2:ident, $a3:ident], [$b0:ident, $b1:ident, $b2:ident, $b3:ident]) => {{
            let k = _mm_loadu_si128(K.as_ptr().add(4 * $i).cast());
            if $i >= 4 {
                $a0 = schedule($a0, $a1, $a2, $a3);
                $b0 = schedule($b0, $b1, $b2, $b3);
            }
            rounds4!($a, $a0, k);
            rounds4!($b, $b0, k);
        }};
    }

    /// One 64-byte block into each lane, the two lanes' rounds interleaved.
    #[inline(always)]
    unsafe fn compress_pair(lanes: &mut [Lane; 2], blocks: [*const u8; 2]) {
        let byte_swap = _mm_set_epi64x(0x0C0D_0E0F_0809_0A0B, 0x0405_0607_0001_0203);
        let load = |block: *const u8, j: usize| _mm_shuffle_epi8(_mm_loadu_si128(block.add(16 * j).cast()), byte_swap);
        let [mut a, mut b] = *lanes;
        let (mut a0, mut a1, mut a2, mut a3) =
            (load(blocks[0], 0), load(blocks[0], 1), load(blocks[0], 2), load(blocks[0], 3));
        let (mut b0, mut b1, mut b2, mut b3) =
            (load(blocks[1], 0), load(blocks[1], 1), load(blocks[1], 2), load(blocks[1], 3));
        group!(0, a, b, [a0, a1, a2, a3], [b0, b1, b2, b3]);
        group!(1, a, b, [a1, a2, a3, a0], [b1, b2, b3, b0]);
        group!(2, a, b, [a2, a3, a0, a1], [b2, b3, b0, b1]);
        group!(3, a, b, [a3, a0, a1, a2], [b3, b0, b1, b2]);
        group!(4, a, b, [a0, a1, a2, a3], [b0, b1, b2, b3]);
        group!(5, a, b, [a1, a2, a3, a0], [b1, b2, b3, b0]);
        group!(6, a, b, [a2, a3, a0, a1], [b2, b3, b0, b1]);
        group!(7, a, b, [a3, a0, a1, a2], [b3, b0, b1, b2]);
        group!(8, a, b, [a0, a1, a2, a3], [b0, b1, b2, b3]);
        group!(9, a, b, [a1, a2, a3, a0], [b1, b2, b3, b0]);
        group!(10, a, b, [a2, a3, a0, a1], [b2, b3, b0, b1]);
        group!(11, a, b, [a3, a0, a1, a2], [b3, b0, b1, b2]);
        group!(12, a, b, [a0, a1, a2, a3], [b0, b1, b2, b3]);
        group!(13, a, b, [a1, a2, a3, a0], [b1, b2, b3, b0]);
        group!(14, a, b, [a2, a3, a0, a1], [b2, b3, b0, b1]);
        group!(15, a, b, [a3, a0, a1, a2], [b3, b0, b1, b2]);
        for (lane, next) in lanes.iter_mut().zip([a, b]) {
            lane.abef = _mm_add_epi32(lane.abef, next.abef);
            lane.cdgh = _mm_add_epi32(lane.cdgh, next.cdgh);
        }
    }

    /// # Safety
    /// The CPU must support SHA, SSE2, SSSE3 and SSE4.1 ([`available`]).
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) unsafe fn hash_pair(a: &Page, b: &Page) -> [[u8; 32]; 2] {
        let mut lanes = [initial_lane(); 2];
        let heads = [head_block(a), head_block(b)];
        compress_pair(&mut lanes, [heads[0].as_ptr(), heads[1].as_ptr()]);
        for block in 0..MIDDLE_BLOCKS {
            let offset = HEAD_BYTES + block * BLOCK_BYTES;
            // In bounds: the last middle block ends TAIL_BYTES before the page's end.
            compress_pair(&mut lanes, [a.as_ptr().add(offset), b.as_ptr().add(offset)]);
        }
        let tails = [tail_block(a), tail_block(b)];
        compress_pair(&mut lanes, [tails[0].as_ptr(), tails[1].as_ptr()]);
        [digest(lanes[0]), digest(lanes[1])]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(seed: u64) -> Box<Page> {
        let mut state = seed | 1;
        let mut page = Box::new([0u8; OS_PAGE_SIZE_BYTES]);
        for byte in page.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        page
    }

    #[test]
    fn pair_equals_two_single_leaf_hashes() {
        let zero = Box::new([0u8; OS_PAGE_SIZE_BYTES]);
        let pages: Vec<Box<Page>> = (1..=6).map(page).chain([zero]).collect();
        for a in &pages {
            for b in &pages {
                assert_eq!(leaf_hash_pair(a, b), [leaf_hash(a), leaf_hash(b)]);
            }
        }
    }

    #[test]
    fn every_byte_position_matters() {
        let base = page(42);
        let [reference, _] = leaf_hash_pair(&base, &base);
        // First and last bytes of the head, middle and tail blocks.
        for index in [0, HEAD_BYTES - 1, HEAD_BYTES, OS_PAGE_SIZE_BYTES - TAIL_BYTES - 1, OS_PAGE_SIZE_BYTES - 1] {
            let mut changed = base.clone();
            changed[index] ^= 1;
            let [left, right] = leaf_hash_pair(&changed, &base);
            assert_ne!(left, reference, "byte {index}");
            assert_eq!(left, leaf_hash(&changed), "byte {index}");
            assert_eq!(right, reference);
        }
    }
}
