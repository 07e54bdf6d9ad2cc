//! `snapspec serve`: the model behind the stdio protocol.
//!
//! Reads requests from `input`, one JSON object per line, and writes one answer per line.
//! A line that is not a valid request gets an `error` answer (with id 0 when the id cannot be
//! read) and the session continues; `bye` ends it.

use std::io::{BufRead, Read, Write};

use snapspec_model::{Config, Model, Request};

use crate::protocol::{Capability, FromImpl, ToImpl, LINE_BYTES_MAX, PROTOCOL_VERSION};
use crate::sut::Observed;

/// Serves until `bye` or end of input. Empty lines are skipped; a line that is not UTF-8, or
/// longer than the protocol allows, gets an `error` answer with id 0 and the session goes on.
pub fn serve(mut input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    let mut model = Model::new(Config::ic());
    let mut raw = Vec::new();
    loop {
        let line = match read_line(&mut input, &mut raw)? {
            Line::End => break,
            Line::Text(line) if line.trim().is_empty() => continue,
            Line::Text(line) => line,
            Line::Bad(why) => {
                write_answer(&mut output, &FromImpl::Error { id: 0, message: format!("invalid request: {why}") })?;
                continue;
            }
        };
        let (answer, done) = answer(&mut model, line);
        write_answer(&mut output, &answer)?;
        if done {
            break;
        }
    }
    Ok(())
}

enum Line<'a> {
    End,
    Text(&'a str),
    Bad(String),
}

/// The next line of `input` (terminator excluded), read into `raw`.
fn read_line<'a>(input: &mut impl BufRead, raw: &'a mut Vec<u8>) -> std::io::Result<Line<'a>> {
    raw.clear();
    let read = input.by_ref().take(LINE_BYTES_MAX as u64 + 2).read_until(b'\n', raw)?;
    if read == 0 {
        return Ok(Line::End);
    }
    let ended = raw.last() == Some(&b'\n');
    if ended {
        raw.pop();
        if raw.last() == Some(&b'\r') {
            raw.pop();
        }
    }
    // The limit excludes the terminator (docs/protocol.md §2); the read stops 2 bytes past it.
    if raw.len() > LINE_BYTES_MAX {
        // Skip the rest of the overlong line, in bounded reads.
        while !ended && !raw.is_empty() && raw.last() != Some(&b'\n') {
            raw.clear();
            input.by_ref().take(1 << 20).read_until(b'\n', raw)?;
        }
        return Ok(Line::Bad(format!("line longer than {LINE_BYTES_MAX} bytes")));
    }
    match std::str::from_utf8(raw) {
        Ok(line) => Ok(Line::Text(line)),
        Err(error) => Ok(Line::Bad(format!("line is not UTF-8 ({error})"))),
    }
}

fn write_answer(output: &mut impl Write, answer: &FromImpl) -> std::io::Result<()> {
    let mut text = serde_json::to_string(answer).expect("answers serialize");
    text.push('\n');
    output.write_all(text.as_bytes())?;
    output.flush()
}

fn answer(model: &mut Model, line: &str) -> (FromImpl, bool) {
    let message: ToImpl = match serde_json::from_str(line) {
        Ok(message) => message,
        Err(error) => {
            let id =
                serde_json::from_str::<serde_json::Value>(line).ok().and_then(|v| v.get("id")?.as_u64()).unwrap_or(0);
            return (FromImpl::Error { id, message: format!("invalid request: {error}") }, false);
        }
    };
    match message {
        ToImpl::Hello { id, .. } => (hello(id), false),
        ToImpl::Reset { id, config } => {
            *model = Model::new(config);
            (FromImpl::Ok { id }, false)
        }
        ToImpl::Call { id, caller, call } => (call_answer(id, model.request(&Request { caller, call })), false),
        ToImpl::Bye { id } => (FromImpl::Ok { id }, true),
    }
}

fn hello(id: u64) -> FromImpl {
    FromImpl::Hello {
        id,
        protocol: PROTOCOL_VERSION,
        implementation: format!("snapspec-model {}", env!("CARGO_PKG_VERSION")),
        profiles: snapspec_model::config::PRESET_NAMES.iter().map(|s| s.to_string()).collect(),
        capabilities: Capability::ALL.iter().map(|c| c.name().to_string()).collect(),
    }
}

fn call_answer(id: u64, outcome: snapspec_model::Outcome) -> FromImpl {
    match Observed::from_outcome(outcome) {
        Observed::Reply { reply } => FromImpl::Reply { id, reply },
        Observed::Reject { code, reject_code, message } => {
            FromImpl::Reject { id, code, reject_code, message: message.to_string() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers `serve` gives to `input`, one per line.
    fn answers(input: &[u8]) -> Vec<FromImpl> {
        let mut output = Vec::new();
        serve(input, &mut output).expect("serve runs");
        String::from_utf8(output)
            .expect("answers are UTF-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("answers parse"))
            .collect()
    }

    fn is_error_about(answer: &FromImpl, what: &str) -> bool {
        matches!(answer, FromImpl::Error { id: 0, message } if message.contains(what))
    }

    #[test]
    fn bad_lines_get_errors_and_the_session_goes_on() {
        let mut input = b"\xff\xfe not UTF-8\n\n   \r\n".to_vec();
        input.extend(vec![b' '; LINE_BYTES_MAX + 5]);
        input.extend(b"\n{\"type\":\"hello\",\"id\":3,\"protocol\":1}\r\n{\"type\":\"bye\",\"id\":4}\n");
        let answers = answers(&input);
        assert_eq!(answers.len(), 4, "empty lines get no answer: {answers:?}");
        assert!(is_error_about(&answers[0], "not UTF-8"), "{:?}", answers[0]);
        assert!(is_error_about(&answers[1], "longer than"), "{:?}", answers[1]);
        assert!(matches!(answers[2], FromImpl::Hello { id: 3, .. }), "{:?}", answers[2]);
        assert!(matches!(answers[3], FromImpl::Ok { id: 4 }), "{:?}", answers[3]);
    }

    /// A hello padded with an unknown field to `content_bytes` bytes.
    fn padded_hello(id: u64, content_bytes: usize) -> Vec<u8> {
        let head = format!("{{\"type\":\"hello\",\"id\":{id},\"protocol\":1,\"pad\":\"");
        let mut line = head.into_bytes();
        line.resize(content_bytes - 2, b'x');
        line.extend(b"\"}");
        line
    }

    /// The limit is on the line without its terminator: 8 MiB exactly is a line, one byte more
    /// is not, whichever terminator follows.
    #[test]
    fn the_line_limit_excludes_the_terminator() {
        for terminator in [&b"\n"[..], b"\r\n"] {
            let mut input = padded_hello(1, LINE_BYTES_MAX);
            input.extend(terminator);
            input.extend(padded_hello(2, LINE_BYTES_MAX + 1));
            input.extend(terminator);
            input.extend(b"{\"type\":\"bye\",\"id\":3}\n");
            let answers = answers(&input);
            assert!(matches!(answers[0], FromImpl::Hello { id: 1, .. }), "{:?}", answers[0]);
            assert!(is_error_about(&answers[1], "longer than"), "{:?}", answers[1]);
            assert!(matches!(answers[2], FromImpl::Ok { id: 3 }), "{:?}", answers[2]);
        }
    }

    #[test]
    fn a_last_line_without_terminator_is_answered() {
        let answers = answers(b"{\"type\":\"bye\",\"id\":9}");
        assert!(matches!(answers[..], [FromImpl::Ok { id: 9 }]), "{answers:?}");
    }
}
