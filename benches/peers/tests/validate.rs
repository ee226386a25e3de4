//! Every driver decodes (or encodes) every workload correctly, on shortened workloads.
//! A quick check after API changes: `cargo test --release --manifest-path
//! benches/peers/Cargo.toml`. No timing here.

use rfc6455_peers::harness::{time_once, validate, Data};
use rfc6455_peers::imps::{runtime, Impl};
use rfc6455_peers::workload::{RecvData, SendData, Workload};

fn shortened(w: Workload) -> Data {
    if w.is_send() {
        Data::Send(SendData::with_count(w, 300))
    } else {
        // Enough messages to cross several 64 KiB reads.
        let n = match w {
            Workload::W1 => 20_000,
            Workload::W4 => 300,
            _ => 3,
        };
        Data::Recv(RecvData::new(w).prefix(n))
    }
}

#[test]
fn every_driver_passes_validation_and_its_timed_check() {
    let rt = runtime();
    for w in Workload::ALL {
        let data = shortened(w);
        for imp in Impl::ALL {
            if imp.unsupported(w).is_some() {
                continue;
            }
            validate(imp, &data, &rt)
                .unwrap_or_else(|e| panic!("{} {}: {e}", w.name(), imp.name()));
            time_once(imp, &data, &rt)
                .unwrap_or_else(|e| panic!("{} {}: {e}", w.name(), imp.name()));
        }
    }
}

#[test]
fn a_corrupted_stream_fails_validation() {
    let rt = runtime();
    let mut d = RecvData::new(Workload::W4).prefix(50);
    let at = d.wire.len() / 2;
    d.wire[at] ^= 0x20; // flips one payload bit (or a header bit: an error either way)
    let data = Data::Recv(d);
    // The memcpy baseline reads the payloads, not the wire.
    for imp in Impl::ALL.into_iter().filter(|&i| i != Impl::Memcpy) {
        assert!(validate(imp, &data, &rt).is_err(), "{} accepted a corrupted stream", imp.name());
    }
}
