//! Allocator tuning for the binaries that install mimalloc as the global allocator (the CLI
//! and the benchmarks). Plumbing.

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (stable numbering; the `-sys`
/// crate names only some options).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory for reuse instead of returning it to the OS after mimalloc's default
/// 10 ms. Exploration and campaigns free and reallocate states continuously; each page
/// handed back had to be faulted in and zeroed again (a whole 2 MiB page with transparent
/// huge pages), which took about a fifth of `explore`'s CPU time. The cost is that the
/// resident size stays at its peak until the process exits. Call before heavy work; a
/// no-op for the allocator when mimalloc is linked but not the global allocator.
pub fn keep_freed_memory() {
    // SAFETY: setting a valid option id to a valid value; mimalloc options are atomics
    // that may be set at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id is mimalloc's purge delay: it reads that option's default in the v2 line this
    /// crate links (10 ms; v3's is 1,000 ms) before, and no purging after. A renumbering in
    /// mimalloc, or a switch of line, would otherwise go unnoticed.
    #[test]
    fn the_option_set_is_the_purge_delay() {
        // SAFETY: reading an option by a valid id.
        let read = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(read(), 10, "mimalloc's default purge delay");
        }
        keep_freed_memory();
        assert_eq!(read(), -1);
    }
}
