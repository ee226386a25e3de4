//! The worked examples of RFC 6455 §5.7, through the public API, both directions.
#![cfg(feature = "alloc")]

mod support;

use rfc6455::message::MessageKind;
use rfc6455::{Config, Connection};
use support::{drive, Seen};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

#[test]
fn single_frame_unmasked_text() {
    let wire = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let mut client = Connection::client(Config::default(), [0; 16]);
    assert_eq!(drive(&mut client, &wire, &[]).0, [Seen::Text("Hello".into())]);
    let mut server = Connection::server(Config::default());
    let mut out = Vec::new();
    server.send_text("Hello", &mut out).unwrap();
    assert_eq!(out, wire);
}

#[test]
fn single_frame_masked_text() {
    let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    let mut server = Connection::server(Config::default());
    assert_eq!(drive(&mut server, &wire, &[]).0, [Seen::Text("Hello".into())]);
    // Built with the frame layer and the same key, the bytes are identical.
    assert_eq!(support::frame(rfc6455::frame::OpCode::Text, true, b"Hello", Some(KEY)), wire);
}

#[test]
fn fragmented_unmasked_text() {
    let wire = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    let mut client = Connection::client(Config::default(), [0; 16]);
    assert_eq!(drive(&mut client, &wire, &[]).0, [Seen::Text("Hello".into())]);
    let mut server = Connection::server(Config::default());
    let mut out = Vec::new();
    server.send_fragment(MessageKind::Text, b"Hel", false, &mut out).unwrap();
    server.send_fragment(MessageKind::Text, b"lo", true, &mut out).unwrap();
    assert_eq!(out, wire);
}

#[test]
fn unmasked_ping_and_masked_pong() {
    let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let mut client = Connection::client(Config::default(), [0; 16]);
    let (seen, reply) = drive(&mut client, &ping, &[]);
    assert_eq!(seen, [Seen::Ping(b"Hello".to_vec())]);
    // The automatic pong is masked with a fresh key and echoes the payload.
    let frames = support::parse_frames(&reply);
    assert_eq!(frames.len(), 1);
    assert_eq!(reply[0], 0x8a);
    assert!(frames[0].0.mask.is_some());
    assert_eq!(frames[0].1, b"Hello");

    let pong = [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    let mut server = Connection::server(Config::default());
    assert_eq!(drive(&mut server, &pong, &[]).0, [Seen::Pong(b"Hello".to_vec())]);
}

#[test]
fn binary_256_bytes_and_64_kib() {
    for (len, head) in [
        (256usize, &[0x82u8, 0x7E, 0x01, 0x00][..]),
        (65536, &[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]),
    ] {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut wire = head.to_vec();
        wire.extend_from_slice(&payload);
        let mut client = Connection::client(Config::default(), [0; 16]);
        assert_eq!(drive(&mut client, &wire, &[3, 100, 1000]).0, [Seen::Binary(payload.clone())]);
        let mut server = Connection::server(Config::default());
        let mut out = Vec::new();
        server.send_binary(&payload, &mut out).unwrap();
        assert_eq!(out, wire);
    }
}
