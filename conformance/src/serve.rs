//! `snapspec serve`: the model behind the stdio protocol.
//!
//! Reads requests from `input`, one JSON object per line, and writes one answer per line.
//! A line that is not a valid request gets an `error` answer (with id 0 when the id cannot be
//! read) and the session continues; `bye` ends it.

use std::io::{BufRead, Write};

use snapspec_model::{Config, Model, Request};

use crate::protocol::{Capability, FromImpl, ToImpl, PROTOCOL_VERSION};
use crate::sut::Observed;

/// Serves until `bye` or end of input.
pub fn serve(input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    let mut model = Model::new(Config::ic());
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (answer, done) = answer(&mut model, &line);
        let mut text = serde_json::to_string(&answer).expect("answers serialize");
        text.push('\n');
        output.write_all(text.as_bytes())?;
        output.flush()?;
        if done {
            break;
        }
    }
    Ok(())
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
