//! The conformance harness (see issue: conformance).
