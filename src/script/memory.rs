//! A memory budget for scripts: the process counts the bytes it has
//! allocated, and a script running past the budget is stopped with an
//! ordinary script error, before the machine runs out and the process
//! aborts. (Rhai's own data-size limits are not used: they re-measure a
//! whole value after every call that changes it; docs/performance.md,
//! "Rhai's data-size limits", has what that cost.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Bytes allocated and not yet freed, through [`CountingAllocator`].
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting live bytes. The `csctl` binary installs
/// it as the global allocator; without it the budget is never reached.
pub struct CountingAllocator;

// SAFETY: every call is forwarded to `System` with the same arguments; the
// counter is only bookkeeping.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

/// Bytes allocated and not yet freed (0 without [`CountingAllocator`]).
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// The default budget: 1 GiB.
pub const DEFAULT_BUDGET: u64 = 1 << 30;

/// The memory a script may use: `$CSCTL_SCRIPT_MEMORY` (a size such as
/// `512MiB`), else [`DEFAULT_BUDGET`].
pub fn budget() -> u64 {
    static BUDGET: OnceLock<u64> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        std::env::var("CSCTL_SCRIPT_MEMORY")
            .ok()
            .and_then(|text| crate::client::config::parse_size(&text).ok())
            .unwrap_or(DEFAULT_BUDGET)
    })
}

/// Whether the process holds more than the budget.
pub fn over_budget() -> bool {
    live_bytes() as u64 > budget()
}
