//! permessage-deflate: RFC 7692 vectors, negotiation rules, round trips, bombs.

use alloc::vec::Vec;
use std::prelude::rust_2021::*;

use proptest::prelude::*;

use super::*;
use crate::handshake::{Limits, ServerHandshake};
use crate::{Config, Connection, Event, Role};

fn server() -> Connection {
    let mut config = Config::default();
    config = config.with_deflate(DeflateConfig { min_message_len: 0, ..*config.deflate() });
    let mut conn = Connection::new(Role::Server, config, [0; 16]);
    conn.enable_deflate(DeflateParams::default());
    conn
}

fn client_with(params: DeflateParams) -> Connection {
    let mut config = Config::default();
    config = config.with_deflate(DeflateConfig { min_message_len: 0, ..*config.deflate() });
    let mut conn = Connection::new(Role::Client, config, [0; 16]);
    conn.enable_deflate(params);
    conn
}

/// Feeds frames to `conn` through `handle_read`; returns whole messages or the close
/// code.
fn receive(conn: &mut Connection, wire: &[u8]) -> Result<Vec<Vec<u8>>, u16> {
    let mut owned = wire.to_vec();
    let mut rest = owned.as_mut_slice();
    let mut messages = Vec::new();
    let mut current = Vec::new();
    while !rest.is_empty() {
        let (event, r) = conn.handle_read(rest).map_err(|e| e.close_code().get())?;
        rest = r;
        let last = match event {
            Some(Event::Data(chunk)) => {
                current.extend_from_slice(chunk.payload());
                chunk.is_last()
            }
            Some(Event::Inflated { is_last, .. }) => {
                current.extend_from_slice(conn.inflated());
                is_last
            }
            _ => false,
        };
        if last {
            messages.push(core::mem::take(&mut current));
        }
    }
    Ok(messages)
}

#[test]
fn rfc7692_hello_and_shared_window_are_byte_exact() {
    let mut s = server();
    let mut out = Vec::new();
    s.send_text("Hello", &mut out).unwrap();
    assert_eq!(out, [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    out.clear();
    s.send_text("Hello", &mut out).unwrap();
    assert_eq!(out, [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);
}

#[test]
fn rfc7692_decoder_vectors() {
    let hello = b"Hello".to_vec();
    let cases: [&[u8]; 4] = [
        &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
        &[0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00],
        &[0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00],
        &[0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00],
    ];
    for wire in cases {
        let mut c = client_with(DeflateParams::default());
        assert_eq!(receive(&mut c, wire), Ok(vec![hello.clone()]), "{wire:x?}");
    }
    let two_blocks =
        [0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00];
    let mut c = client_with(DeflateParams::default());
    assert_eq!(receive(&mut c, &two_blocks), Ok(vec![hello.clone()]));
    let mut c = client_with(DeflateParams::default());
    assert_eq!(receive(&mut c, &[0xc1, 0x01, 0x00]), Ok(vec![vec![]]), "the empty message");
    // The shared-window second message after the first.
    let mut c = client_with(DeflateParams::default());
    let both = [cases[0], &[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]].concat();
    assert_eq!(receive(&mut c, &both), Ok(vec![hello.clone(), hello]));
}

#[test]
fn rsv1_rules() {
    // RSV1 on a continuation, and on a ping, are protocol errors.
    let mut c = client_with(DeflateParams::default());
    assert_eq!(
        receive(&mut c, &[0x41, 0x03, 0xf2, 0x48, 0xcd, 0xc0, 0x04, 0xc9, 0xc9, 0x07, 0x00]),
        Err(1002)
    );
    let mut c = client_with(DeflateParams::default());
    assert_eq!(receive(&mut c, &[0xc9, 0x00]), Err(1002));
    // An uncompressed message (RSV1 clear) passes through untouched.
    let mut c = client_with(DeflateParams::default());
    assert_eq!(receive(&mut c, &[0x81, 0x02, b'h', b'i']), Ok(vec![b"hi".to_vec()]));
    // Garbage that does not inflate is 1007.
    let mut c = client_with(DeflateParams::default());
    assert_eq!(receive(&mut c, &[0xc1, 0x02, 0xff, 0xff]), Err(1007));
}

/// Empty messages in a row, and an empty last fragment, with and without context
/// takeover, at every window size: each is sent as the single byte 0x00 (RFC 7692
/// §7.2.3.6), never as an empty payload. zlib writes nothing for a sync flush with no
/// new input right after another, and an empty payload would inflate as the bare tail
/// `00 00 FF FF`: a stored block header and LEN 0xFF00, which swallows what follows (the
/// third of three empty messages came out as `[0, 255, 255]`,
/// tests/deflate.proptest-regressions).
#[test]
fn empty_messages_in_a_row_are_one_zero_byte_each() {
    use crate::message::MessageKind::Binary;
    // The only payload an empty message may have here: 0x00 is a stored block header
    // (BFINAL 0, BTYPE 00, padding), and the tail the receiver appends supplies its
    // LEN 0 and NLEN 0xFFFF, so the message inflates to nothing and the stream is back
    // on a byte boundary between blocks, as after every sync flush.
    const EMPTY: [u8; 1] = [0x00];
    for bits in 9..=15 {
        for no_context_takeover in [false, true] {
            let params = DeflateParams {
                local_no_context_takeover: no_context_takeover,
                peer_no_context_takeover: no_context_takeover,
                local_max_window_bits: bits,
                peer_max_window_bits: bits,
            };
            let mut config = Config::default();
            config = config.with_deflate(DeflateConfig { min_message_len: 0, ..*config.deflate() });
            let mut sender = Connection::new(Role::Server, config, [0; 16]);
            sender.enable_deflate(params);
            let case = format!("window bits {bits}, no_context_takeover {no_context_takeover}");
            let (mut wire, mut expected) = (Vec::new(), Vec::new());
            // Sends one frame and checks its payload (a server's frames are unmasked,
            // so a payload under 126 bytes follows a 2-byte header).
            let mut frame = |sender: &mut Connection, data: &[u8], fin, payload: Option<&[u8]>| {
                let mut out = Vec::new();
                sender.send_fragment(Binary, data, fin, &mut out).unwrap();
                if let Some(payload) = payload {
                    assert_eq!(&out[2..], payload, "{case}");
                }
                wire.extend_from_slice(&out);
            };
            for _ in 0..4 {
                frame(&mut sender, &[], true, Some(&EMPTY));
                expected.push(Vec::new());
            }
            frame(&mut sender, b"Hello", true, None);
            expected.push(b"Hello".to_vec());
            frame(&mut sender, &[], true, Some(&EMPTY));
            expected.push(Vec::new());
            // A message whose data ends before its last fragment (§7.2.3.6's case): the
            // first fragment keeps its flush tail, the empty last one is 0x00.
            frame(&mut sender, b"Hello", false, None);
            frame(&mut sender, &[], true, Some(&EMPTY));
            expected.push(b"Hello".to_vec());
            frame(&mut sender, &[], true, Some(&EMPTY));
            expected.push(Vec::new());
            frame(&mut sender, b"Hello", true, None);
            expected.push(b"Hello".to_vec());
            let mut receiver = client_with(mirror(params));
            assert_eq!(receive(&mut receiver, &wire), Ok(expected), "{case}");
        }
    }
}

/// An unmasked binary frame with RSV1 set (a compressed message, as a server sends it).
fn compressed_frame(payload: &[u8]) -> Vec<u8> {
    let header = crate::frame::FrameHeader {
        rsv: 0b100,
        ..crate::frame::FrameHeader::new(crate::frame::OpCode::Binary, payload.len() as u64)
    };
    let mut head = [0u8; 14];
    let n = header.encode(&mut head);
    [&head[..n], payload].concat()
}

/// A compressed stream of `blocks` MiB of zeros, built from one repeated block.
fn zero_bomb(blocks: usize) -> Vec<u8> {
    let mut d = zlib_rs::Deflate::new(9, false, 15);
    let zeros = vec![0u8; 1 << 20];
    let block = |d: &mut zlib_rs::Deflate| {
        let mut out = vec![0u8; 1 << 16];
        let before = d.total_out();
        d.compress(&zeros, &mut out, zlib_rs::DeflateFlush::SyncFlush).unwrap();
        out.truncate((d.total_out() - before) as usize);
        out
    };
    let first = block(&mut d);
    let second = block(&mut d);
    let third = block(&mut d);
    assert_eq!(second, third, "a steady-state block repeats");
    let mut stream = first;
    for _ in 1..blocks {
        stream.extend_from_slice(&second);
    }
    stream.truncate(stream.len() - 4); // the message's sync tail is implied
    stream
}

#[test]
fn decompression_bomb_is_refused_while_inflating() {
    // About 1 MiB of frame that would inflate to 1 GiB, against a 1 MiB limit.
    let payload = zero_bomb(1024);
    assert!(payload.len() < 2 << 20, "{}", payload.len());
    let mut config = Config::default().with_max_message_len(1 << 20);
    config = config.with_max_frame_len(4 << 20);
    let mut c = Connection::new(Role::Client, config, [0; 16]);
    c.enable_deflate(DeflateParams::default());
    assert_eq!(receive(&mut c, &compressed_frame(&payload)), Err(1009));
    // Inflated in pieces of at most 64 KiB: the connection never held more.
    let held = c.buffered_bytes();
    assert!(held <= 64 << 10, "the inflate buffer grew to {held}");
}

#[test]
fn negotiation_server_side() {
    fn answer(offers: &str, config: &DeflateConfig) -> Option<(DeflateParams, String)> {
        let head = format!(
            "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Extensions: {offers}\r\n\r\n"
        );
        let mut parser = ServerHandshake::new(Limits::default());
        let request = parser.parse_request(head.as_bytes()).unwrap().complete().unwrap();
        accept_offer(request.extensions(), config).map(|(p, a)| (p, a.as_str().to_owned()))
    }
    let c = DeflateConfig::default();
    assert_eq!(answer("permessage-deflate", &c).unwrap().1, "permessage-deflate");
    // Declined, not failed: unknown, duplicate, malformed, out of range, window 8.
    for bad in [
        "permessage-deflate; foo",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=08",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; server_max_window_bits=8",
        "x-webkit-deflate-frame",
    ] {
        assert_eq!(answer(bad, &c), None, "{bad}");
    }
    // The first acceptable offer wins; quoted values are fine.
    let (p, a) = answer(
        "permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=\"10\"; client_max_window_bits, permessage-deflate",
        &c,
    )
    .unwrap();
    assert_eq!(
        (a.as_str(), p.local_max_window_bits),
        ("permessage-deflate; server_max_window_bits=10", 10)
    );
    let (p, a) =
        answer("permessage-deflate; server_no_context_takeover; client_no_context_takeover", &c)
            .unwrap();
    assert_eq!(a, "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    assert!(p.local_no_context_takeover && p.peer_no_context_takeover);
    assert_eq!(answer("permessage-deflate", &DeflateConfig { enabled: false, ..c }), None);
}

#[test]
fn negotiation_client_side() {
    fn check(answer: &str) -> Result<Option<DeflateParams>, crate::handshake::HandshakeError> {
        // The answer's grammar is the request's, so parse it through a request head.
        let head = format!(
            "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Extensions: {answer}\r\n\r\n"
        );
        let mut parser = ServerHandshake::new(Limits::default());
        let req = parser.parse_request(head.as_bytes()).unwrap().complete().unwrap();
        accept_answer(req.extensions(), &DeflateConfig::default())
    }
    assert_eq!(
        offer(&DeflateConfig::default()).as_str(),
        "permessage-deflate; client_max_window_bits"
    );
    let p = check("permessage-deflate; client_max_window_bits=9; server_no_context_takeover")
        .unwrap()
        .unwrap();
    assert_eq!((p.local_max_window_bits, p.peer_no_context_takeover), (9, true));
    assert_eq!(
        check("permessage-deflate; server_max_window_bits=8")
            .unwrap()
            .unwrap()
            .peer_max_window_bits,
        8
    );
    for bad in [
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; client_max_window_bits=8",
        "permessage-deflate; bogus",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate, permessage-deflate",
    ] {
        assert!(check(bad).is_err(), "{bad}");
    }
}

fn arb_params() -> impl Strategy<Value = DeflateParams> {
    (any::<bool>(), any::<bool>(), 9u8..=15, 8u8..=15).prop_map(|(l, p, lw, pw)| DeflateParams {
        local_no_context_takeover: l,
        peer_no_context_takeover: p,
        local_max_window_bits: lw,
        peer_max_window_bits: pw,
    })
}

/// The same agreement seen from the other end.
fn mirror(p: DeflateParams) -> DeflateParams {
    DeflateParams {
        local_no_context_takeover: p.peer_no_context_takeover,
        peer_no_context_takeover: p.local_no_context_takeover,
        local_max_window_bits: p.peer_max_window_bits.max(9),
        peer_max_window_bits: p.local_max_window_bits,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn round_trip_for_every_parameter_combination(
        params in arb_params(),
        messages in proptest::collection::vec(
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..2000),
                proptest::collection::vec(0u8..4, 0..70_000),
            ],
            1..6,
        ),
        fragment in any::<bool>(),
    ) {
        let mut sender = client_with(params);
        let mut receiver = Connection::new(Role::Server, Config::default(), [0; 16]);
        receiver.enable_deflate(mirror(params));
        let mut wire = Vec::new();
        for m in &messages {
            if fragment && m.len() > 2 {
                let (a, b) = m.split_at(m.len() / 2);
                sender.send_fragment(crate::message::MessageKind::Binary, a, false, &mut wire).unwrap();
                sender.send_fragment(crate::message::MessageKind::Binary, b, true, &mut wire).unwrap();
            } else {
                sender.send_binary(m, &mut wire).unwrap();
            }
        }
        let got = receive(&mut receiver, &wire).unwrap();
        prop_assert_eq!(&got, &messages);

        // The same stream read as whole messages, in 1000-byte reads, into a buffer.
        let mut receiver = Connection::new(Role::Server, Config::default(), [0; 16]);
        receiver.enable_deflate(mirror(params));
        let mut reader = crate::MessageReader::new(
            alloc::vec![0u8; 1000],
            crate::message::MessageBuffer::new(),
        );
        let mut gathered = Vec::new();
        for mut piece in wire.chunks(1000) {
            while !piece.is_empty() {
                let taken = reader.feed(piece);
                piece = &piece[taken..];
                while let Some(message) = reader.next(&mut receiver) {
                    if let Some(data) = message.data() {
                        gathered.push(data.to_vec());
                    }
                }
                prop_assert!(receiver.failure().is_none());
            }
        }
        prop_assert_eq!(gathered, messages);
    }

    #[test]
    fn random_compressed_bytes_never_panic_or_exceed_the_limit(
        payload in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut config = Config::default().with_max_message_len(4096);
        config = config.with_deflate(DeflateConfig { min_message_len: 0, ..*config.deflate() });
        let mut c = Connection::new(Role::Client, config, [0; 16]);
        c.enable_deflate(DeflateParams::default());
        match receive(&mut c, &compressed_frame(&payload)) {
            Ok(messages) => prop_assert!(messages.iter().all(|m| m.len() <= 4096)),
            Err(code) => prop_assert!(code == 1007 || code == 1009, "{}", code),
        }
        let held = c.buffered_bytes();
        prop_assert!(held <= 2 * 4097, "{}", held);
    }
}
