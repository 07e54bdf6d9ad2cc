//! Error codes, reject codes and the messages the replica gives.
//!
//! Every failed call in the model carries the replica's `ErrorCode`, the reject code derived
//! from it (its first digit), and the replica's message (ic-replica.md §1.5). The replica
//! appends an `ErrorHelp` suffix (`"\n{suggestion} See documentation: {link}"`) whose link
//! the references do not pin down; the model's message is therefore a prefix of the
//! replica's, and [`Certainty`] says how much of it the references confirm.

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::clause::Clause;

/// The replica's `ErrorCode` (dfinity/ic `rs/types/error_types`), as far as the model uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(missing_docs)] // Variant names are the replica's.
pub enum ErrorCode {
    SubnetOversubscribed = 101,
    CanisterOutOfCycles = 207,
    CanisterNotFound = 301,
    CanisterSnapshotNotFound = 305,
    CanisterRejectedMessage = 406,
    InvalidManagementPayload = 408,
    CanisterSnapshotImmutable = 409,
    CanisterTrapped = 502,
    CanisterContractViolation = 504,
    CanisterInvalidWasm = 505,
    CanisterStopped = 508,
    CanisterStopping = 509,
    CanisterNotStopped = 510,
    CanisterInvalidController = 512,
    CanisterNonEmpty = 514,
    InsufficientCyclesInMemoryGrow = 532,
    CanisterMethodNotFound = 536,
    CanisterWasmModuleNotFound = 537,
    CanisterStatusAccessDenied = 542,
}

impl ErrorCode {
    /// All codes the model can produce.
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::SubnetOversubscribed,
        ErrorCode::CanisterOutOfCycles,
        ErrorCode::CanisterNotFound,
        ErrorCode::CanisterSnapshotNotFound,
        ErrorCode::CanisterRejectedMessage,
        ErrorCode::InvalidManagementPayload,
        ErrorCode::CanisterSnapshotImmutable,
        ErrorCode::CanisterTrapped,
        ErrorCode::CanisterContractViolation,
        ErrorCode::CanisterInvalidWasm,
        ErrorCode::CanisterStopped,
        ErrorCode::CanisterStopping,
        ErrorCode::CanisterNotStopped,
        ErrorCode::CanisterInvalidController,
        ErrorCode::CanisterNonEmpty,
        ErrorCode::InsufficientCyclesInMemoryGrow,
        ErrorCode::CanisterMethodNotFound,
        ErrorCode::CanisterWasmModuleNotFound,
        ErrorCode::CanisterStatusAccessDenied,
    ];

    /// The numeric code, e.g. 305 for `IC0305`.
    pub fn number(self) -> u16 {
        self as u16
    }

    /// The reject code is the first digit of the error code.
    pub fn reject_code(self) -> RejectCode {
        match self.number() / 100 {
            1 => RejectCode::SysFatal,
            2 => RejectCode::SysTransient,
            3 => RejectCode::DestinationInvalid,
            4 => RejectCode::CanisterReject,
            _ => RejectCode::CanisterError,
        }
    }

    /// Parses `IC0305` or `305`.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        let digits = text.strip_prefix("IC").unwrap_or(text);
        let number: u16 = digits.parse().ok()?;
        ErrorCode::ALL.into_iter().find(|code| code.number() == number)
    }
}

/// `IC0305` form.
impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IC{:04}", self.number())
    }
}

/// The interface spec's reject codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum RejectCode {
    SysFatal = 1,
    SysTransient = 2,
    DestinationInvalid = 3,
    CanisterReject = 4,
    CanisterError = 5,
}

impl RejectCode {
    /// The numeric reject code.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// From the numeric reject code.
    pub fn from_number(number: u8) -> Option<RejectCode> {
        Some(match number {
            1 => RejectCode::SysFatal,
            2 => RejectCode::SysTransient,
            3 => RejectCode::DestinationInvalid,
            4 => RejectCode::CanisterReject,
            5 => RejectCode::CanisterError,
            _ => return None,
        })
    }
}

/// An error message rendered only when someone reads it. Random campaigns reject most calls
/// and read few messages; rendering principals as text dominated the model's step time.
#[derive(Clone)]
pub struct Message(Arc<dyn Text>);

/// A message's text, fixed or rendered once on demand. Behind one `Arc<dyn Text>` the renderer
/// lives in the same allocation as its text (a rejection allocates once for its message).
trait Text: Send + Sync {
    fn text(&self) -> &str;
}

struct LazyText<F> {
    text: OnceLock<String>,
    render: F,
}

impl<F: Fn() -> String + Send + Sync> Text for LazyText<F> {
    fn text(&self) -> &str {
        self.text.get_or_init(&self.render)
    }
}

impl Text for String {
    fn text(&self) -> &str {
        self
    }
}

impl Message {
    /// A message rendered on first read by `render`.
    pub fn lazy(render: impl Fn() -> String + Send + Sync + 'static) -> Message {
        Message(Arc::new(LazyText { text: OnceLock::new(), render }))
    }

    /// The message text.
    pub fn as_str(&self) -> &str {
        self.0.text()
    }
}

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message(Arc::new(text))
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::from(text.to_string())
    }
}

impl std::ops::Deref for Message {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Message {}

impl PartialEq<str> for Message {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Message {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Message {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Message, D::Error> {
        String::deserialize(d).map(Message::from)
    }
}

/// `format!`, rendered lazily: arguments are captured by value.
#[macro_export]
macro_rules! lazy_format {
    ($($arg:tt)*) => { $crate::error::Message::lazy(move || format!($($arg)*)) };
}

/// One error as the replica would report it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserError {
    /// The replica's error code.
    pub code: ErrorCode,
    /// The replica's message without any `ErrorHelp` suffix.
    pub message: Message,
    /// How much of this error the references confirm.
    pub certainty: Certainty,
}

/// How much of an error the references confirm; the harness compares only what is certain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// Code and message (as a prefix of the replica's) are the replica's.
    Exact,
    /// The code is the replica's; the message is indicative (the reference leaves its
    /// rendering open, e.g. how byte counts print).
    CodeOnly,
    /// The references do not confirm even the code; the model's is its best reading.
    Unconfirmed,
}

impl UserError {
    /// An error whose code and message the model renders exactly.
    pub fn exact(code: ErrorCode, message: impl Into<Message>) -> Self {
        UserError { code, message: message.into(), certainty: Certainty::Exact }
    }

    /// An error whose code is certain but whose message is only indicative.
    pub fn code_only(code: ErrorCode, message: impl Into<Message>) -> Self {
        UserError { code, message: message.into(), certainty: Certainty::CodeOnly }
    }

    /// An error the references do not pin down (see `docs/clauses.md`).
    pub fn unconfirmed(code: ErrorCode, message: impl Into<Message>) -> Self {
        UserError { code, message: message.into(), certainty: Certainty::Unconfirmed }
    }

    /// The reject code derived from the error code.
    pub fn reject_code(&self) -> RejectCode {
        self.code.reject_code()
    }
}

/// A precondition that does not hold, with the error that violating it alone would give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The violated precondition.
    pub clause: Clause,
    /// The error the replica gives for it.
    pub error: UserError,
}

/// A rejected call: the error the replica reports (strict check order) and every violated
/// precondition, so that spec-mode checks can accept any of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The error the replica gives: the first violation in the configured check order.
    pub error: UserError,
    /// Every violated precondition the model could evaluate, in check order.
    pub violated: Vec<Violation>,
}

impl Rejection {
    /// The reject code of the reported error.
    pub fn reject_code(&self) -> RejectCode {
        self.error.reject_code()
    }

    /// Whether `code` is the error of some violated precondition (spec mode's acceptance).
    pub fn admits(&self, code: ErrorCode) -> bool {
        self.spec_codes().any(|admitted| admitted == code)
    }

    /// The codes spec mode accepts: each violated precondition's error, and the codes the spec
    /// leaves open for it (`Clause::spec_also_accepts`). May repeat a code.
    pub fn spec_codes(&self) -> impl Iterator<Item = ErrorCode> + '_ {
        self.violated
            .iter()
            .flat_map(|v| std::iter::once(v.error.code).chain(v.clause.spec_also_accepts().iter().copied()))
    }
}
