//! Inputs the fuzzers found (and a few hand-made edge cases) replayed through the same
//! oracles the fuzz targets use, so a fixed crash stays fixed. Add a crash by copying the
//! artifact to `fuzz/regressions/<target>/`.

use std::path::PathBuf;

use snapspec::oracles;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
}

fn replay(target: &str, mut oracle: impl FnMut(&[u8]) -> Result<(), String>, edge_cases: &[&[u8]]) {
    for (path, data) in inputs(target) {
        if let Err(message) = oracle(&data) {
            panic!("{}: {message}", path.display());
        }
    }
    for data in edge_cases {
        if let Err(message) = oracle(data) {
            panic!("edge case {:?}: {message}", String::from_utf8_lossy(data));
        }
    }
}

#[test]
fn model_invariants() {
    replay("model_invariants", oracles::model_invariants, &[b"", &[0; 64], &[0xff; 512]]);
}

#[test]
fn differential_model_against_itself() {
    let mut sut = snapspec::sut::ModelSut::new();
    replay("differential", |data| oracles::differential(&mut sut, data), &[b"", &[7; 300]]);
}

#[test]
fn checksum() {
    replay("checksum", oracles::checksum, &[b"", b"\xff\xff\xff", &[0xab; 700]]);
}

/// Hand-made operation lists for what random bytes rarely hit: overlapping writes that agree
/// on their first bytes, rewrites across pages, zeros into absent pages, writes after a clone
/// into the page the clone shares, and growth followed by writes at the new end.
#[test]
fn checksum_edge_cases() {
    use oracles::{MemoryOp::*, Pattern::*};
    let write = |offset, len, pattern| Write { offset, len, pattern };
    let cases: Vec<(u64, Vec<oracles::MemoryOp>)> = vec![
        (1, vec![write(0, 10, Run(5)), Hash, write(0, 20, Run(5))]),
        (1, vec![write(100, 10, Ramp(1)), write(100, 20, Ramp(1)), Hash, write(100, 30, Ramp(1))]),
        (1, vec![write(4_090, 20, Ramp(7)), Hash, Rewrite { offset: 4_085, len: 40 }, write(4_095, 2, Run(9))]),
        (2, vec![write(70_000, 9_000, Zeros), Hash, write(70_000, 1, Run(1)), write(70_000, 9_000, Zeros)]),
        (1, vec![write(0, 4_096, Run(3)), Clone, Hash, write(1, 1, Run(3)), write(2, 1, Run(4)), Clone]),
        (
            0,
            vec![
                Grow { wasm_pages: 2 },
                write(131_071, 1, Run(8)),
                Hash,
                Grow { wasm_pages: 9 },
                write(262_143, 1, Run(1)),
            ],
        ),
    ];
    for (index, (initial, ops)) in cases.iter().enumerate() {
        if let Err(message) = oracles::checksum_run(*initial, ops) {
            panic!("case {index}: {message}");
        }
    }
}

/// The checksum target's inputs reach every kind of operation and every memory size, and
/// the oracle accepts what the model does for all of them (the seed corpus's generator).
#[test]
fn checksum_inputs_reach_every_operation() {
    use oracles::MemoryOp;
    let mut kinds = std::collections::BTreeSet::new();
    let mut sizes = std::collections::BTreeSet::new();
    for case in 0..400 {
        let data = snapspec::campaign::case_bytes(0xc0ffee, case, 256);
        let (initial, ops) = oracles::checksum_ops(&data);
        sizes.insert(initial);
        kinds.extend(ops.iter().map(|op| match op {
            MemoryOp::Write { pattern: oracles::Pattern::Zeros, .. } => "zeros",
            MemoryOp::Write { pattern: oracles::Pattern::Run(_), .. } => "run",
            MemoryOp::Write { pattern: oracles::Pattern::Ramp(_), .. } => "ramp",
            MemoryOp::Rewrite { .. } => "rewrite",
            MemoryOp::Grow { .. } => "grow",
            MemoryOp::Clone => "clone",
            MemoryOp::Hash => "hash",
        }));
        if let Err(message) = oracles::checksum(&data) {
            panic!("case {case}: {message}");
        }
    }
    assert_eq!(kinds.len(), 7, "{kinds:?}");
    assert_eq!(sizes, (0..=oracles::CHECKSUM_WASM_PAGES_MAX).collect(), "initial sizes");
}

#[test]
fn vector_parse() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    replay(
        "vector_parse",
        oracles::vector_parse,
        &[b"", b"{}", b"{\"format\":\"snapspec-vectors/1\"}", b"{\"format\":7}", deep.as_bytes(), b"\xff\xfe"],
    );
}

#[test]
fn protocol_line() {
    replay(
        "protocol_line",
        oracles::protocol_line,
        &[
            b"",
            b"{}",
            b"{\"type\":\"call\",\"id\":1}",
            b"{\"type\":\"bye\",\"id\":1}",
            b"\x00\x01",
            b"{\"type\":\"reset\",\"id\":1,\"config\":null}",
        ],
    );
}

#[test]
fn candid_args() {
    replay(
        "candid_args",
        oracles::candid_args,
        &[b"", b"\x00DIDL", b"\x01DIDL\x00\x01\x71\xff\xff\xff\xff\x0f", &[0x02; 100]],
    );
}
