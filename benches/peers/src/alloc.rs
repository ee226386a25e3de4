//! A counting global allocator, switched off by default.
//!
//! A binary installs it with `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
//! While counting is off it costs one relaxed load per allocation, so timed runs in the
//! same process are not slowed measurably.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

use crate::check::{Check, Tally};
use crate::imps::Progress;

static ON: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicI64 = AtomicI64::new(0);

/// Wraps the system allocator; counts allocation calls (`alloc`, `alloc_zeroed`,
/// `realloc`) and live bytes while [`counting`] is on.
#[derive(Debug)]
pub struct CountingAlloc;

// SAFETY: every call is forwarded unchanged to `System`; the counters are side effects.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            LIVE.fetch_add(layout.size() as i64, Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if ON.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            LIVE.fetch_add(layout.size() as i64, Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ON.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ON.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            LIVE.fetch_add(new_size as i64 - layout.size() as i64, Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Turns counting on or off.
pub fn counting(on: bool) {
    ON.store(on, Relaxed);
}

/// Allocation calls counted so far.
pub fn allocations() -> u64 {
    ALLOCS.load(Relaxed)
}

/// Bytes allocated minus bytes freed while counting was on.
pub fn live_bytes() -> i64 {
    LIVE.load(Relaxed)
}

/// Runs `f` with counting on; returns its result, the allocation calls and the change in
/// live bytes. Only meaningful in a binary that installed [`CountingAlloc`].
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, u64, i64) {
    let (a, l) = (allocations(), live_bytes());
    counting(true);
    let r = f();
    counting(false);
    (r, allocations() - a, live_bytes() - l)
}

/// A [`Check`] (and [`Progress`]) that notes the allocation count once `warm` messages
/// have been seen, so the allocations of the steady state can be told from setup.
#[derive(Debug)]
pub struct Steady<C> {
    /// The check messages are passed on to.
    pub inner: C,
    warm: u64,
    seen: u64,
    at_warm: Option<u64>,
}

impl<C> Steady<C> {
    /// Notes the counter after `warm` messages.
    pub const fn new(inner: C, warm: u64) -> Self {
        Self { inner, warm, seen: 0, at_warm: None }
    }

    fn step(&mut self) {
        self.seen += 1;
        if self.seen == self.warm {
            self.at_warm = Some(allocations());
        }
    }

    /// Allocation calls since the warm-up ended, and the messages they served.
    pub fn steady(&self) -> Option<(u64, u64)> {
        self.at_warm.map(|a| (allocations() - a, self.seen - self.warm))
    }
}

impl<C: Check> Check for Steady<C> {
    fn message(&mut self, text: bool, payload: &[u8]) {
        self.inner.message(text, payload);
        self.step();
    }

    fn tally(&self) -> Tally {
        self.inner.tally()
    }
}

impl<C> Progress for Steady<C> {
    fn sent(&mut self) {
        self.step();
    }
}
