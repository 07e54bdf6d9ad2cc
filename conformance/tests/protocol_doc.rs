//! Keeps `docs/protocol.md` honest.
//!
//! Every fenced JSON block of the document is tagged:
//! - ```` ```json request ````: one harness message per line; each must parse as
//!   [`ToImpl`] and serialize back to the same JSON value;
//! - ```` ```json answer ````: one implementation message per line; each must parse as
//!   [`FromImpl`] and serialize back to the same JSON value;
//! - ```` ```json exchange ````: request and answer lines alternating. Read in document order the
//!   exchanges form one session: it is replayed through the model (`snapspec serve`) and the
//!   model's answers must equal the document's (the free-text `implementation` of `hello` aside).
//!   A request line that is not a valid request must be answered with `error`.
//!
//! On top of that the document must show every call method, every reply variant and every
//! message type, and mention every capability, every config knob, every preset and every error
//! code the model knows — so a protocol change the document does not follow fails here.

use std::collections::BTreeSet;

use serde_json::Value;
use snapspec::protocol::{Capability, FromImpl, ToImpl};
use snapspec_model::{Call, Config, ErrorCode, Reply};

const DOC: &str = include_str!("../../docs/protocol.md");

struct Block {
    tag: String,
    /// 1-based line number of the opening fence.
    line: usize,
    lines: Vec<String>,
}

fn json_blocks() -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (index, line) in DOC.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (current.take(), fence) {
            (Some(block), Some(_)) => blocks.push(block),
            (Some(mut block), None) => {
                if !line.trim().is_empty() {
                    block.lines.push(line.to_string());
                }
                current = Some(block);
            }
            (None, Some(info)) => {
                let mut words = info.split_whitespace();
                // Other fenced blocks (sh, plain text) are skipped.
                let tag = if words.next() == Some("json") {
                    words.next().unwrap_or("").to_string()
                } else {
                    "#skip".to_string()
                };
                current = Some(Block { tag, line: index + 1, lines: Vec::new() });
            }
            (None, None) => {}
        }
    }
    assert!(current.is_none(), "docs/protocol.md: unterminated code block");
    blocks.into_iter().filter(|b| b.tag != "#skip").collect()
}

fn value(line: &str, block: &Block) -> Value {
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("docs/protocol.md block at line {}: not JSON ({e}): {line}", block.line))
}

/// Parses as `ToImpl` and checks that serializing gives the same JSON back.
fn request(line: &str, block: &Block) -> Result<ToImpl, String> {
    let message: ToImpl = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let again = serde_json::to_value(&message).expect("serializes");
    assert_eq!(
        again,
        value(line, block),
        "docs/protocol.md block at line {}: request does not round-trip: {line}",
        block.line
    );
    Ok(message)
}

/// Parses as `FromImpl` and checks that serializing gives the same JSON back.
fn answer(line: &str, block: &Block) -> FromImpl {
    let message: FromImpl = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("docs/protocol.md block at line {}: not a valid answer ({e}): {line}", block.line));
    let again = serde_json::to_value(&message).expect("serializes");
    assert_eq!(
        again,
        value(line, block),
        "docs/protocol.md block at line {}: answer does not round-trip: {line}",
        block.line
    );
    message
}

/// Every reply variant by wire name. The exhaustive match makes a new variant a compile error
/// here, as a reminder to document it.
fn reply_name(reply: &Reply) -> &'static str {
    match reply {
        Reply::Empty => "empty",
        Reply::Snapshot(_) => "snapshot",
        Reply::SnapshotId(_) => "snapshot_id",
        Reply::Snapshots(_) => "snapshots",
        Reply::ProposalSnapshots(_) => "proposal_snapshots",
        Reply::CanisterId(_) => "canister_id",
        Reply::Status(_) => "status",
        Reply::Info(_) => "info",
        Reply::Bytes(_) => "bytes",
        Reply::ChunkHash(_) => "chunk_hash",
        Reply::Timer(_) => "timer",
        Reply::Globals(_) => "globals",
    }
}
const REPLY_NAMES: [&str; 12] = [
    "empty",
    "snapshot",
    "snapshot_id",
    "snapshots",
    "proposal_snapshots",
    "canister_id",
    "status",
    "info",
    "bytes",
    "chunk_hash",
    "timer",
    "globals",
];

fn to_impl_name(message: &ToImpl) -> &'static str {
    match message {
        ToImpl::Hello { .. } => "hello",
        ToImpl::Reset { .. } => "reset",
        ToImpl::Call { .. } => "call",
        ToImpl::Bye { .. } => "bye",
    }
}

fn from_impl_name(message: &FromImpl) -> &'static str {
    match message {
        FromImpl::Hello { .. } => "hello",
        FromImpl::Ok { .. } => "ok",
        FromImpl::Reply { .. } => "reply",
        FromImpl::Reject { .. } => "reject",
        FromImpl::Error { .. } => "error",
    }
}

#[derive(Default)]
struct Seen {
    requests: BTreeSet<&'static str>,
    answers: BTreeSet<&'static str>,
    methods: BTreeSet<&'static str>,
    replies: BTreeSet<&'static str>,
}

impl Seen {
    fn request(&mut self, message: &ToImpl) {
        self.requests.insert(to_impl_name(message));
        if let ToImpl::Call { call, .. } = message {
            self.methods.insert(call.method_name());
        }
    }

    fn answer(&mut self, message: &FromImpl) {
        self.answers.insert(from_impl_name(message));
        if let FromImpl::Reply { reply, .. } = message {
            self.replies.insert(reply_name(reply));
        }
    }
}

/// Answers compare as JSON values; `hello`'s free-text `implementation` (it carries the crate
/// version) is left out.
fn comparable(mut answer: Value) -> Value {
    if answer.get("type").and_then(Value::as_str) == Some("hello") {
        answer.as_object_mut().expect("an object").remove("implementation");
    }
    answer
}

#[test]
fn every_json_block_is_a_valid_protocol_message() {
    let blocks = json_blocks();
    assert!(blocks.len() >= 10, "docs/protocol.md has only {} JSON blocks", blocks.len());
    let mut seen = Seen::default();
    for block in &blocks {
        match block.tag.as_str() {
            "request" => {
                for line in &block.lines {
                    let message = request(line, block)
                        .unwrap_or_else(|e| panic!("docs/protocol.md block at line {}: not a valid request ({e}): {line}", block.line));
                    seen.request(&message);
                }
            }
            "answer" => {
                for line in &block.lines {
                    seen.answer(&answer(line, block));
                }
            }
            "exchange" => {
                assert!(block.lines.len() % 2 == 0, "docs/protocol.md block at line {}: an exchange alternates request and answer lines", block.line);
                for pair in block.lines.chunks(2) {
                    let reply = answer(&pair[1], block);
                    match request(&pair[0], block) {
                        Ok(message) => {
                            assert_eq!(message.id(), reply.id(), "docs/protocol.md block at line {}: the answer must echo the id", block.line);
                            seen.request(&message);
                        }
                        Err(_) => assert!(
                            matches!(reply, FromImpl::Error { .. }),
                            "docs/protocol.md block at line {}: an invalid request must be answered with `error`: {}",
                            block.line,
                            pair[0]
                        ),
                    }
                    seen.answer(&reply);
                }
            }
            other => panic!("docs/protocol.md block at line {}: tag the block `json request`, `json answer` or `json exchange`, not {other:?}", block.line),
        }
    }

    let methods: BTreeSet<&str> = Call::METHOD_NAMES.iter().copied().collect();
    let missing: Vec<&&str> = methods.difference(&seen.methods).collect();
    assert!(missing.is_empty(), "docs/protocol.md shows no example of {missing:?}");
    let replies: BTreeSet<&str> = REPLY_NAMES.into_iter().collect();
    let missing: Vec<&&str> = replies.difference(&seen.replies).collect();
    assert!(missing.is_empty(), "docs/protocol.md shows no reply of type {missing:?}");
    assert_eq!(seen.requests.len(), 4, "every request type needs an example: {:?}", seen.requests);
    assert_eq!(seen.answers.len(), 5, "every answer type needs an example: {:?}", seen.answers);
}

#[test]
fn the_exchanges_are_what_the_model_answers() {
    let mut requests = Vec::new();
    let mut expected = Vec::new();
    for block in json_blocks().iter().filter(|b| b.tag == "exchange") {
        for pair in block.lines.chunks(2) {
            requests.push(pair[0].clone());
            expected.push((block.line, pair[1].clone()));
        }
    }
    let input = requests.join("\n") + "\n";
    let mut output = Vec::new();
    snapspec::serve::serve(input.as_bytes(), &mut output).expect("serve runs");
    let answers: Vec<&str> = std::str::from_utf8(&output).expect("UTF-8").lines().collect();
    assert_eq!(
        answers.len(),
        expected.len(),
        "the model answered {} of the document's {} requests (the session must end with its only `bye`)",
        answers.len(),
        expected.len()
    );
    for ((request, (line, doc_answer)), model_answer) in requests.iter().zip(&expected).zip(answers) {
        let doc: Value = serde_json::from_str(doc_answer).expect("checked JSON");
        let model: Value = serde_json::from_str(model_answer).expect("the model answers JSON");
        assert_eq!(
            comparable(model),
            comparable(doc),
            "docs/protocol.md exchange block at line {line}: the model answers differently to\n{request}\nmodel: {model_answer}\ndoc:   {doc_answer}"
        );
    }
}

#[test]
fn the_document_names_every_capability_knob_preset_and_error_code() {
    for capability in Capability::ALL {
        assert!(
            DOC.contains(&format!("`{}`", capability.name())),
            "docs/protocol.md does not describe capability {:?}",
            capability.name()
        );
    }
    let config = serde_json::to_value(Config::ic()).expect("serializes");
    for (key, value) in config.as_object().expect("an object") {
        match value.as_object() {
            Some(nested) => {
                for inner in nested.keys() {
                    assert!(
                        DOC.contains(&format!("`{key}.{inner}`")),
                        "docs/protocol.md does not describe config knob {key}.{inner}"
                    );
                }
            }
            None => assert!(DOC.contains(&format!("`{key}`")), "docs/protocol.md does not describe config knob {key}"),
        }
    }
    for preset in snapspec_model::config::PRESET_NAMES {
        assert!(DOC.contains(&format!("`{preset}`")), "docs/protocol.md does not describe preset {preset}");
    }
    for code in ErrorCode::ALL {
        assert!(
            DOC.contains(&format!("| {} | {code:?} |", code.number())),
            "docs/protocol.md's code table lacks {} {code:?}",
            code.number()
        );
    }
}
