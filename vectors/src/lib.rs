//! Test vectors (see issue: vectors).
