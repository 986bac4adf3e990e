//! A memory budget for scripts: the process counts the bytes it has
//! allocated, and a script running past the budget is stopped with an
//! ordinary script error, before the machine runs out and the process
//! aborts. (Rhai's own data-size limits are not used: they re-measure a
//! whole value after every call that changes it; docs/performance.md,
//! "Rhai's data-size limits", has what that cost.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use mimalloc::MiMalloc;

/// Bytes allocated and not yet freed, through [`CountingAllocator`].
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Blocks of this size and larger come from the system allocator, smaller
/// ones from mimalloc.
pub const LARGE_BLOCK: usize = 256 * 1024;

/// The process's allocator, counting live bytes. The `csctl` binary
/// installs it as the global allocator; without it the budget is never
/// reached.
///
/// Small blocks come from mimalloc: an `api()` call allocates a few hundred
/// of them, and mimalloc serves them in fewer instructions than the
/// system's allocator (see docs/performance.md). Large ones come from the
/// system's allocator, which maps them apart, grows them in place
/// (`mremap`) and gives them back at once: a string doubling up to the
/// memory budget then peaks at about the budget, where mimalloc, copying
/// and keeping freed pages a while, went past it.
pub struct CountingAllocator;

/// Whether a block of `size` bytes comes from the system allocator. A
/// block's size is known at every call (Rust passes the layout it was made
/// with), so this alone says which allocator owns it.
fn is_large(size: usize) -> bool {
    size >= LARGE_BLOCK
}

impl CountingAllocator {
    /// # Safety
    /// As [`GlobalAlloc::alloc`].
    unsafe fn allocate(layout: Layout, zeroed: bool) -> *mut u8 {
        // SAFETY: forwarded as is, to the allocator that owns this size.
        unsafe {
            match (is_large(layout.size()), zeroed) {
                (true, false) => System.alloc(layout),
                (true, true) => System.alloc_zeroed(layout),
                (false, false) => MiMalloc.alloc(layout),
                (false, true) => MiMalloc.alloc_zeroed(layout),
            }
        }
    }

    /// # Safety
    /// As [`GlobalAlloc::dealloc`].
    unsafe fn release(pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is, to the allocator that made the block
        // (the one that owns its size).
        unsafe {
            if is_large(layout.size()) {
                System.dealloc(pointer, layout);
            } else {
                MiMalloc.dealloc(pointer, layout);
            }
        }
    }
}

// SAFETY: every call is forwarded to the allocator that owns the block's
// size (mimalloc or the system's) with the same arguments; a block that
// changes owner on `realloc` is copied into a new block and the old one
// freed by its owner. The counter is only bookkeeping.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees, passed on.
        let pointer = unsafe { Self::allocate(layout, false) };
        if !pointer.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees, passed on.
        let pointer = unsafe { Self::allocate(layout, true) };
        if !pointer.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: the caller's guarantees, passed on.
        unsafe { Self::release(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = match (is_large(layout.size()), is_large(new_size)) {
            // SAFETY: forwarded as is to the block's owner, which stays.
            (false, false) => unsafe { MiMalloc.realloc(pointer, layout, new_size) },
            // SAFETY: as above.
            (true, true) => unsafe { System.realloc(pointer, layout, new_size) },
            _ => {
                let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
                    return std::ptr::null_mut();
                };
                // SAFETY: `new_size` is not zero (the caller's guarantee);
                // the new block holds `new_size` bytes and the old one
                // `layout.size()`, so the copy stays inside both, and they
                // are distinct blocks. The old block is freed by its owner
                // only once copied.
                unsafe {
                    let new = Self::allocate(new_layout, false);
                    if !new.is_null() {
                        std::ptr::copy_nonoverlapping(pointer, new, layout.size().min(new_size));
                        Self::release(pointer, layout);
                    }
                    new
                }
            }
        };
        if !moved.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e`, the
/// same in mimalloc 2 and 3; `libmimalloc-sys` names only older options).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes mimalloc give freed pages back to the system at once rather than a
/// second later: `call --all -o jsonl` of 20,000 VMs peaked at 40.6 MB with
/// the delay and 35.9 MB without (34.7 MB with the system's allocator), and
/// an `api()` loop makes no more system calls either way. (Transparent huge
/// pages, which took that run to 65 MB, are off at build time: the crate's
/// `no_thp` feature.) The binary calls this first thing in `main`.
pub fn tune_allocator() {
    // SAFETY: sets one of mimalloc's options, a plain integer it reads
    // when it decides to purge; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // mimalloc's default purge delay is 1000 ms: the option at this
        // place in its enumeration is the purge delay (unless the
        // environment set it; only this test changes it).
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads an option.
            let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(delay, 1000);
        }
        tune_allocator();
        // SAFETY: reads an option.
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) },
            0
        );
    }

    #[test]
    fn blocks_keep_their_bytes_when_they_change_allocator() {
        let allocator = CountingAllocator;
        let small = Layout::from_size_align(64, 8).unwrap();
        let large_size = LARGE_BLOCK * 2;
        let live = live_bytes();
        // SAFETY: every block is used within its size and freed once, with
        // the layout it has at that moment.
        unsafe {
            let block = allocator.alloc(small);
            assert!(!block.is_null());
            for at in 0..64 {
                *block.add(at) = at as u8;
            }
            let grown = allocator.realloc(block, small, large_size);
            assert!(!grown.is_null());
            for at in 0..64 {
                assert_eq!(*grown.add(at), at as u8);
            }
            *grown.add(large_size - 1) = 7;
            let large = Layout::from_size_align(large_size, 8).unwrap();
            let shrunk = allocator.realloc(grown, large, 32);
            assert!(!shrunk.is_null());
            for at in 0..32 {
                assert_eq!(*shrunk.add(at), at as u8);
            }
            allocator.dealloc(shrunk, Layout::from_size_align(32, 8).unwrap());
            let zeroed = allocator.alloc_zeroed(large);
            assert!((0..large_size).all(|at| *zeroed.add(at) == 0));
            allocator.dealloc(zeroed, large);
        }
        // Other tests allocate at the same time only through the test
        // harness's allocator, which is not this one.
        assert_eq!(live_bytes(), live);
    }
}
