//! Every echo server echoes correctly under the generator: each throughput cell
//! shortened (no timing), ping-pong, idle connections, and for rfc6455 the
//! permessage-deflate handshake and a compressed message. A corrupted echo is caught.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rfc6455_e2e::load::{self, Frames, Load, Proto, Verifier};
use rfc6455_e2e::server::{Impl, Server, IMPLS};

fn bin(imp: Impl) -> PathBuf {
    PathBuf::from(match imp {
        Impl::Rfc6455 => env!("CARGO_BIN_EXE_echo_rfc6455"),
        Impl::Tungstenite => env!("CARGO_BIN_EXE_echo_tungstenite"),
        Impl::TokioWebsockets => env!("CARGO_BIN_EXE_echo_tokio_websockets"),
        Impl::Fastwebsockets => env!("CARGO_BIN_EXE_echo_fastwebsockets"),
        Impl::Tcp => env!("CARGO_BIN_EXE_echo_tcp"),
    })
}

fn proto(imp: Impl) -> Proto {
    if imp.is_websocket() {
        Proto::WebSocket { deflate: false }
    } else {
        Proto::Raw
    }
}

/// Runs a cell until `want` echoes were verified (at most 20 s).
fn echoes(imp: Impl, size: usize, conns: usize, want: u64) {
    let server = Server::start_path(&bin(imp)).unwrap();
    let shape = Load { size, conns, in_flight: 16 };
    load::on_runtime(async {
        let progress = load::start(server.addr, proto(imp), shape).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while progress.messages.load(Ordering::Relaxed) < want {
            assert_eq!(progress.error(), None, "{} {size} B x {conns}", imp.name());
            assert!(Instant::now() < deadline, "{} {size} B x {conns}: too few echoes", imp.name());
            load::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(progress.error(), None, "{} {size} B x {conns}", imp.name());
    });
}

#[test]
fn every_server_echoes_every_cell() {
    for imp in IMPLS {
        echoes(imp, 64, 1, 2_000);
        echoes(imp, 64, 64, 5_000);
        echoes(imp, 16 * 1024, 64, 2_000);
        echoes(imp, 1024 * 1024, 64, 64 * 2);
    }
}

#[test]
fn every_server_answers_ping_pong_and_keeps_idle_connections() {
    for imp in IMPLS {
        let mut server = Server::start_path(&bin(imp)).unwrap();
        let now = Instant::now();
        let from = now + Duration::from_millis(20);
        let rtts = load::on_runtime(load::ping_pong(
            server.addr,
            proto(imp),
            64,
            from,
            from + Duration::from_millis(100),
        ))
        .unwrap();
        assert!(rtts.len() > 10, "{}: {} round trips", imp.name(), rtts.len());
        let conns = load::on_runtime(load::open_idle(server.addr, proto(imp), 50, false)).unwrap();
        assert_eq!(conns.len(), 50);
        assert!(server.is_running());
    }
}

#[test]
fn rfc6455_negotiates_deflate_and_echoes_a_compressed_message() {
    let server = Server::start_path(&bin(Impl::Rfc6455)).unwrap();
    let d = Proto::WebSocket { deflate: true };
    let conns = load::on_runtime(load::open_idle(server.addr, d, 3, true)).unwrap();
    assert_eq!(conns.len(), 3);
}

#[test]
fn a_wrong_byte_anywhere_in_an_echo_is_caught() {
    let frames = Frames::new(1000, 1, Proto::WebSocket { deflate: false });
    let mut stream = frames.echo.repeat(3);
    let mut v = Verifier::new(frames.echo.clone());
    // Cut anywhere, the right stream passes.
    for chunk in stream.chunks(7) {
        v.feed(chunk).unwrap();
    }
    assert_eq!(v.messages, 3);
    for at in [0, 1, 3, 500, 1003, 2 * 1004 + 999] {
        stream[at] ^= 1;
        let mut v = Verifier::new(frames.echo.clone());
        assert!(stream.chunks(100).try_for_each(|c| v.feed(c).map(drop)).is_err(), "{at}");
        stream[at] ^= 1;
    }
}
