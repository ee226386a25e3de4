//! The issue 6 benchmark harness: `rfc6455` against tungstenite, fastwebsockets,
//! tokio-websockets and embedded-websocket on identical in-memory workloads, with a memcpy
//! baseline.
//!
//! * `cargo run --release --bin report`: validates every implementation, times W1-W6
//!   (median of 5 passes each), counts allocations, measures connection memory, and
//!   writes `BENCHMARKS.md` at the repository root.
//! * `cargo run --release --bin allocs`: allocations per message and connection memory
//!   only.
//! * `cargo bench`: the same drivers under Criterion, one group per workload.
//!
//! The measurement rules (read chunking, checksums, send flushing) are documented in
//! [`io`], [`check`], [`imps`] and [`harness`], and in `BENCHMARKS.md`.

pub mod alloc;
pub mod check;
pub mod harness;
pub mod imps;
pub mod io;
pub mod machine;
pub mod memory;
pub mod workload;
