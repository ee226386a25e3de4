//! The crate on a Cortex-M, without `std` or `alloc`: what the QEMU programs run.
//!
//! Every check compares what came out with what went in (payloads, opcodes, wire bits,
//! close codes) and returns `Err(what failed)` on the first mismatch.
#![no_std]

pub mod conversation;
pub mod limits;

/// The outcome of a group of checks: `Err` names the first check that failed.
pub type Checked = Result<(), &'static str>;

/// Fails with `what` unless `ok`.
pub fn check(ok: bool, what: &'static str) -> Checked {
    if ok {
        Ok(())
    } else {
        Err(what)
    }
}
