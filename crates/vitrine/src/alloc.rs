//! The memory allocator: mimalloc instead of the system allocator, and how long it keeps
//! memory that was freed.

use std::ffi::{c_int, c_long};

/// mimalloc instead of the system allocator: indexing makes millions of small strings
/// from several threads at once, where glibc's arenas spent a fifth of a rebuild in
/// malloc, free and the locks between them (measured with perf; docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's option setter (`mimalloc.h`); setting an option is safe at any time.
    safe fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_purge_delay` in `mimalloc.h` (the enum keeps its positions across versions).
const PURGE_DELAY: c_int = 15;

/// A server keeps the memory it frees instead of returning it to the system 10 ms later:
/// each search allocates and frees its buffers on whichever thread runs it, and the
/// freed pages were handed back and faulted in (zeroed) again for the next search
/// (1.4 % of a loaded server in the kernel's page clearing; 737 → 774 first-time staff
/// searches a second, docs/benchmarks.md). A rebuild, whose indexing threads fill and
/// free large buffers again and again, runs about 5 % faster too (42.6–49.2 → 40.5–41.6 s
/// for 1,000,000 records, peak RSS 0.91–0.94 → 1.03 GB). The resident memory then stays
/// at its peak. An operator's `MIMALLOC_PURGE_DELAY` is left as set.
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        mi_option_set(PURGE_DELAY, -1);
    }
}
