//! Runs one implementation on one receive workload in a loop, for `perf record`:
//! `cargo run --release --bin probe -- W3 rfc6455 [PASSES]` (20 passes by default).
use rfc6455_peers::check::Sampled;
use rfc6455_peers::imps::{runtime, Impl};
use rfc6455_peers::io::{Transport, SEND_SAMPLE_STRIDE};
use rfc6455_peers::workload::{RecvData, Workload};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let w = match args.next().as_deref() {
        Some("W1") => Workload::W1,
        Some("W3") => Workload::W3,
        Some("W4") => Workload::W4,
        Some("W5") => Workload::W5,
        _ => Workload::W2,
    };
    let imp = args.next().and_then(|s| Impl::parse(&s)).unwrap_or(Impl::Rfc6455);
    let passes = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let d = RecvData::new(w);
    let rt = runtime();
    let total: usize = d.messages().map(<[u8]>::len).sum();
    for _ in 0..passes {
        let mut t = Transport::new(SEND_SAMPLE_STRIDE);
        let start = Instant::now();
        imp.recv(&d, &rt, &mut t, &mut Sampled::default()).unwrap();
        let secs = start.elapsed().as_secs_f64();
        println!("{w:?} {}: {:.2} GB/s", imp.name(), total as f64 / secs / 1e9);
    }
}
