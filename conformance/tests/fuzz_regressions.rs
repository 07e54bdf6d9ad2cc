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
