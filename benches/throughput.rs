//! Receive and send throughput of the connection on in-memory workloads.
//!
//! `cargo bench --bench throughput`. Peer crates are compared side by side in the
//! performance work (issue 6); this bench tracks the crate's own paths.

use core::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rfc6455::frame::apply_mask;
use rfc6455::{Config, Connection, Event};

/// `count` masked binary messages of `size` bytes, as a client sends them.
fn client_stream(count: usize, size: usize) -> Vec<u8> {
    let mut client = Connection::client(Config::default(), [3; 16]);
    let payload = vec![0x5A; size];
    let mut wire = Vec::with_capacity(count * (size + 14));
    for _ in 0..count {
        client.send_binary(&payload, &mut wire).unwrap();
    }
    wire
}

fn receive(c: &mut Criterion) {
    let mut group = c.benchmark_group("receive");
    for (name, count, size) in [("16B", 10_000, 16), ("64KiB", 64, 64 * 1024)] {
        let wire = client_stream(count, size);
        let mut buf = wire.clone();
        group.throughput(Throughput::Bytes((count * size) as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                buf.copy_from_slice(&wire);
                let mut server = Connection::server(Config::default());
                let mut rest = buf.as_mut_slice();
                let mut bytes = 0usize;
                while !rest.is_empty() {
                    let (event, r) = server.handle_read(rest).unwrap();
                    rest = r;
                    if let Some(Event::Data(chunk)) = event {
                        bytes += chunk.payload().len();
                    }
                }
                black_box(bytes)
            })
        });
    }
    group.finish();
}

fn send(c: &mut Criterion) {
    let mut group = c.benchmark_group("send");
    let payload = vec![0x5A; 64 * 1024];
    group.throughput(Throughput::Bytes(payload.len() as u64));
    let mut out = Vec::with_capacity(payload.len() + 14);
    let mut client = Connection::client(Config::default(), [3; 16]);
    group.bench_function("masked 64KiB", |b| {
        b.iter(|| {
            out.clear();
            client.send_binary(black_box(&payload), &mut out).unwrap();
            black_box(out.len())
        })
    });
    group.finish();
}

fn mask(c: &mut Criterion) {
    let mut data = vec![0u8; 1 << 20];
    let mut group = c.benchmark_group("mask");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("1MiB offset 1", |b| {
        b.iter(|| apply_mask(black_box(&mut data[1..]), [1, 2, 3, 4], 1))
    });
    group.finish();
}

criterion_group!(benches, receive, send, mask);
criterion_main!(benches);
