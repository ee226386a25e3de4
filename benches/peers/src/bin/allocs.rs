//! Allocations per message in steady state and memory per connection, without timing.
//!
//! ```text
//! cargo run --release --manifest-path benches/peers/Cargo.toml --bin allocs [-- W1,W5]
//! ```

use rfc6455_peers::alloc::CountingAlloc;
use rfc6455_peers::imps::{runtime, Impl};
use rfc6455_peers::memory::{allocs_table, memory_section};
use rfc6455_peers::workload::Workload;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    let workloads: Vec<Workload> = match std::env::args().nth(1) {
        Some(list) => list
            .split(',')
            .map(|w| Workload::parse(w).unwrap_or_else(|| panic!("unknown workload {w}")))
            .collect(),
        _ => Workload::ALL.to_vec(),
    };
    let rt = runtime();
    let mut log = |s: &str| eprintln!("{s}");
    println!("## Allocations per message (steady state; whole pass in brackets)\n");
    println!("{}", allocs_table(&workloads, &Impl::ALL, &rt, &mut log));
    println!("## Memory per connection\n");
    println!("{}", memory_section(&rt).unwrap_or_else(|e| format!("failed: {e}")));
}
