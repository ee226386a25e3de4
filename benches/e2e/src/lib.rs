//! Issue 21's end-to-end harness: echo servers over loopback TCP, each in its own
//! process (`src/bin/echo_*.rs`), driven by one load generator ([`load`]) for all of
//! them. `src/bin/e2e.rs` is the command; `tests/echo.rs` checks every server's echoes.

pub mod load;
pub mod procfs;
pub mod report;
pub mod server;
