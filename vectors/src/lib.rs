//! Test vectors (see issue: vectors).

pub mod candid_types;
pub mod encode;
pub mod format;
pub mod symbolic;
