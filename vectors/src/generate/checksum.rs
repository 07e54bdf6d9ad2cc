//! The `checksum` suite: content → expected checksums, so that other implementations can
//! validate their checksum code (docs/checksum.md), in two forms:
//! - pure cases ([`ChecksumCase`]): the content spelled out, every component, both memory
//!   roots and the checksum; docs/checksum.md's worked examples are the `docs-9.*` cases;
//! - vectors that build the same contents through the API; the take step's `post` carries
//!   the snapshot's components, and in profiles that list checksums the listing does too.

use sha2::{Digest, Sha256};
use snapspec_model::checksum::{self, ContentRef};
use snapspec_model::memory::Memory;
use snapspec_model::{Call, Config, Global, InstallMode};

use super::clauses::installed;
use super::script::*;
use super::{Made, Scenario};
use crate::format::{ChecksumCase, ChecksumContent, ChecksumExpect, Hash, HexBytes, MemoryContent, MemoryWrite};

const PAGE: u64 = 65_536;

fn memory(size_bytes: u64, writes: &[(u64, &[u8])]) -> MemoryContent {
    MemoryContent {
        size_bytes,
        writes: writes
            .iter()
            .map(|(offset, bytes)| MemoryWrite { offset: *offset, bytes: HexBytes(bytes.to_vec()) })
            .collect(),
    }
}

fn empty() -> MemoryContent {
    memory(0, &[])
}

fn content(
    module: Option<&[u8]>,
    globals: Vec<Global>,
    wasm_memory: MemoryContent,
    stable_memory: MemoryContent,
    chunks: &[&[u8]],
    certified_data: &[u8],
) -> ChecksumContent {
    ChecksumContent {
        module: module.map(|m| HexBytes(m.to_vec())),
        globals,
        wasm_memory,
        stable_memory,
        chunks: chunks.iter().map(|c| HexBytes(c.to_vec())).collect(),
        certified_data: HexBytes(certified_data.to_vec()),
    }
}

/// The model's memory for a [`MemoryContent`].
pub fn build_memory(content: &MemoryContent) -> Memory {
    let mut memory =
        Memory::with_size(content.size_bytes / PAGE).expect("checksum cases stay within the model's limit");
    for write in &content.writes {
        memory.write(write.offset, &write.bytes.0).expect("checksum case writes stay within size");
    }
    memory
}

/// The expected checksums of a content, computed by the model.
pub fn expect(content: &ChecksumContent) -> ChecksumExpect {
    let wasm = build_memory(&content.wasm_memory);
    let stable = build_memory(&content.stable_memory);
    let hashes: Vec<[u8; 32]> = content.chunks.iter().map(|c| Sha256::digest(&c.0).into()).collect();
    let view = ContentRef {
        module: content.module.as_ref().map(|m| m.0.as_slice()),
        globals: &content.globals,
        wasm_memory: &wasm,
        stable_memory: &stable,
        chunk_hashes: &hashes,
        certified_data: &content.certified_data.0,
    };
    ChecksumExpect {
        wasm_memory_root: Hash(wasm.root_hash()),
        stable_memory_root: Hash(stable.root_hash()),
        components: checksum::components(&view).into(),
        checksum: Hash(checksum::checksum(&view)),
    }
}

fn case(name: &str, comment: &str, content: ChecksumContent) -> ChecksumCase {
    let expect = expect(&content);
    ChecksumCase { name: name.into(), comment: comment.into(), content, expect }
}

fn docs_d() -> ChecksumContent {
    content(
        Some(WASM_HEADER),
        vec![Global::I32(7), Global::I64(-1)],
        memory(PAGE, &[(0, b"abc")]),
        empty(),
        &[b"chunk"],
        b"hi",
    )
}

/// The pure cases: docs/checksum.md §9 first, then edge cases.
pub fn cases() -> Vec<ChecksumCase> {
    let abc = || memory(PAGE, &[(0, b"abc")]);
    vec![
        case(
            "docs-9.1-a-empty-memory",
            "docs/checksum.md §9.1 (a): no module, no globals, both memories empty (0 pages): root = zero(0); memory component f39ad26a….",
            content(None, vec![], empty(), empty(), &[], b""),
        ),
        case(
            "docs-9.2-b-one-page-abc",
            "docs/checksum.md §9.2 (b): one Wasm page with \"abc\" at offset 0 in the heap: root c4fd023d…, component eb5059b0….",
            content(None, vec![], abc(), empty(), &[], b""),
        ),
        case(
            "docs-9.3-c-two-pages-ff",
            "docs/checksum.md §9.3 (c): two Wasm pages with byte ff at offset 70000 (page 17): root 99eda8fb…, component 42e7d450….",
            content(None, vec![], memory(2 * PAGE, &[(70_000, &[0xff])]), empty(), &[], b""),
        ),
        case(
            "docs-9.4-d-full",
            "docs/checksum.md §9.4 (d): the 8-byte module header, globals [i32 7, i64 -1], heap (b), empty stable memory, one chunk \"chunk\", certified data \"hi\": checksum a28be8a7….",
            docs_d(),
        ),
        case(
            "docs-9.5-absent-module",
            "docs/checksum.md §9.5: module_component(absent) = 3a770aa7…; an absent module differs from an empty one (next case).",
            content(None, vec![], empty(), empty(), &[], b""),
        ),
        case(
            "empty-module",
            "A present but empty module (flag 01 then H(empty)) differs from an absent one.",
            content(Some(b""), vec![], empty(), empty(), &[], b""),
        ),
        case(
            "globals-every-type",
            "One global of each type, little-endian in its width with its valtype code: i32 -2, i64 2^40, f32 bits of 1.5, f64 bits of -0.0, v128 2^100.",
            content(
                Some(WASM_HEADER),
                vec![
                    Global::I32(-2),
                    Global::I64(1 << 40),
                    Global::F32(1.5f32.to_bits()),
                    Global::F64((-0.0f64).to_bits()),
                    Global::V128(1 << 100),
                ],
                empty(),
                empty(),
                &[],
                b"",
            ),
        ),
        case(
            "globals-i32-zero-vs-f32-zero",
            "i32 0 and f32 0 have the same value bytes but different type codes (compare the next case's globals component).",
            content(Some(WASM_HEADER), vec![Global::I32(0)], empty(), empty(), &[], b""),
        ),
        case(
            "globals-f32-zero",
            "f32 +0: type code 7d; differs from i32 0.",
            content(Some(WASM_HEADER), vec![Global::F32(0)], empty(), empty(), &[], b""),
        ),
        case(
            "globals-nan-payload",
            "Floats commit to their bits: a NaN with payload 1 differs from the canonical NaN (next case).",
            content(Some(WASM_HEADER), vec![Global::F64(0x7ff0_0000_0000_0001)], empty(), empty(), &[], b""),
        ),
        case(
            "globals-canonical-nan",
            "The canonical f64 NaN.",
            content(Some(WASM_HEADER), vec![Global::F64(0x7ff8_0000_0000_0000)], empty(), empty(), &[], b""),
        ),
        case(
            "chunks-order-and-duplicates",
            "The chunk store is a set of SHA-256 hashes sorted ascending: \"b\", \"a\", \"b\" gives the same component as the next case's \"a\", \"b\".",
            content(None, vec![], empty(), empty(), &[b"b", b"a", b"b"], b""),
        ),
        case("chunks-sorted", "\"a\", \"b\": equal to the previous case's component.", content(None, vec![], empty(), empty(), &[b"a", b"b"], b"")),
        case(
            "memory-three-zero-pages",
            "Three all-zero Wasm pages: root zero(6), like four pages (next case), but the component commits to the size and differs.",
            content(None, vec![], memory(3 * PAGE, &[]), empty(), &[], b""),
        ),
        case(
            "memory-four-zero-pages",
            "Four all-zero Wasm pages: the same root as three, another component.",
            content(None, vec![], memory(4 * PAGE, &[]), empty(), &[], b""),
        ),
        case(
            "memory-zeros-written",
            "Writing zeros is indistinguishable from never writing: equal to the previous case.",
            content(None, vec![], memory(4 * PAGE, &[(100, &[0; 64])]), empty(), &[], b""),
        ),
        case(
            "memory-last-byte",
            "A byte at the very end of a 64-page stable memory: the rightmost leaf of a height-10 tree.",
            content(None, vec![], empty(), memory(64 * PAGE, &[(64 * PAGE - 1, &[1])]), &[], b""),
        ),
        case(
            "heap-vs-stable",
            "The same bytes in stable memory instead of the heap give another checksum (components are positional); compare docs-9.2-b.",
            content(None, vec![], empty(), abc(), &[], b""),
        ),
        case(
            "certified-data-32-bytes",
            "Certified data of the maximal 32 bytes (length byte 20).",
            content(None, vec![], empty(), empty(), &[], &[0xcd; 32]),
        ),
    ]
}

type Make = fn(&Config) -> Made;

const SCENARIOS: &[Make] =
    &[docs_d_through_the_api, two_pages_through_the_api, equal_content_equal_checksum, load_reproduces_checksum];

/// The vectors that build contents through the API.
pub fn scenarios(config: &Config) -> Vec<Scenario> {
    SCENARIOS.iter().filter_map(|make| super::made(make(config), config)).collect()
}

fn docs_d_through_the_api(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    let call = Call::InstallCode {
        canister_id: c(0),
        mode: InstallMode::Install,
        wasm_module: WASM_HEADER.to_vec(),
        globals: vec![Global::I32(0), Global::I64(0)],
        sender_canister_version: None,
    };
    s.a(call)?;
    s.a(set_global(0, 0, Global::I32(7)))?;
    s.a(set_global(0, 1, Global::I64(-1)))?;
    s.a(write_heap(0, 0, b"abc"))?;
    s.a(upload(0, b"chunk"))?;
    s.a(set_cert(0, b"hi"))?;
    s.a(take(config, 0))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "docs-9.4-d-through-the-api",
        "docs/checksum.md §9.4 (d) built through the API: after these calls the canister's content, and so the snapshot the take creates, has exactly the components of case docs-9.4-d (the post after the take, and `contents`; the proposal lists the checksum a28be8a7…).",
        s,
    )))
}

fn two_pages_through_the_api(config: &Config) -> Made {
    let mut s = Script::new(config);
    s.a(create(&[alice()], BIG))?;
    s.a(Call::InstallCode {
        canister_id: c(0),
        mode: InstallMode::Install,
        wasm_module: WASM_HEADER.to_vec(),
        globals: vec![],
        sender_canister_version: None,
    })?;
    s.a(write_heap(0, 70_000, &[0xff]))?;
    s.a(take(config, 0))?;
    s.a(list(config, 0))?;
    Ok(Some(Scenario::new(
        "docs-9.3-c-through-the-api",
        "docs/checksum.md §9.3 (c) as a heap: a write of ff at 70000 grows the heap to 2 pages; the snapshot's wasm_memory component is 42e7d450… (post).",
        s,
    )))
}

fn equal_content_equal_checksum(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    installed(&mut s)?;
    for n in 0..2 {
        s.a(write_stable(n, 5, b"same"))?;
    }
    s.a(take(config, 0))?;
    s.a(Call::AdvanceTime { nanos: 100 })?;
    s.a(take(config, 1))?;
    s.a(list(config, 0))?;
    s.a(list(config, 1))?;
    Ok(Some(Scenario::new(
        "equal-content-equal-checksum",
        "The checksum excludes id, timestamp, source and owner: snapshots of two canisters with the same content, taken at different times, have equal checksums (post).",
        s,
    )))
}

fn load_reproduces_checksum(config: &Config) -> Made {
    let mut s = Script::new(config);
    installed(&mut s)?;
    s.a(write_heap(0, 0, b"v1"))?;
    s.a(set_timer(0, snapspec_model::Timer::Active(config.genesis_time_ns + 1)))?;
    s.a(take(config, 0))?;
    s.a(write_heap(0, 0, b"v2"))?;
    s.a(set_timer(0, snapspec_model::Timer::Inactive))?;
    s.a(load(config, 0, sid(0, 0)))?;
    Ok(Some(Scenario::new(
        "load-reproduces-checksum",
        "Loading a snapshot makes the canister's content checksum equal the snapshot's (post after the load), although the timer (not covered) differs.",
        s,
    )))
}
