//! The issue 6 workloads under Criterion: one group per workload, one benchmark per
//! implementation (and the memcpy baseline), each iteration one checked pass.
//!
//! `cargo bench --manifest-path benches/peers/Cargo.toml [-- W2/]`. The table in
//! `BENCHMARKS.md` comes from `--bin report`, which runs the same drivers.

use std::cell::OnceCell;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rfc6455_peers::harness::{time_once, validate, Data};
use rfc6455_peers::imps::{runtime, Impl};
use rfc6455_peers::workload::{Unit, Workload};

fn workloads(c: &mut Criterion) {
    let rt = runtime();
    for w in Workload::ALL {
        // Built on first use, so a filtered run only builds what it measures.
        let data: OnceCell<Data> = OnceCell::new();
        let mut group = c.benchmark_group(w.name());
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(5));
        group.throughput(match w.unit() {
            Unit::Messages => Throughput::Elements(w.count() as u64),
            Unit::Bytes => Throughput::Bytes(w.payload_bytes()),
        });
        for imp in Impl::ALL {
            if imp.unsupported(w).is_some() {
                continue;
            }
            group.bench_function(imp.name(), |b| {
                let data = data.get_or_init(|| Data::new(w));
                validate(imp, data, &rt)
                    .unwrap_or_else(|e| panic!("{} {}: {e}", w.name(), imp.name()));
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| time_once(imp, data, &rt).unwrap_or_else(|e| panic!("{e}")))
                        .map(Duration::from_secs_f64)
                        .sum()
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, workloads);
criterion_main!(benches);
