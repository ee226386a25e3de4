//! `ReadBuffer` and `Connection::read_message`: messages cut short by a read are kept in
//! the read buffer and delivered in place, without the message store.
#![cfg(feature = "alloc")]

mod support;

use proptest::prelude::*;
use rfc6455::frame::OpCode;
use rfc6455::message::{MessageBuffer, SliceMessageBuffer};
use rfc6455::{Config, Connection, Event, ReadBuffer};
use support::{client_frame, drive, drive_buffered, Seen};

/// A single-frame message or a ping, as a client sends it.
fn small_frame() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|p| client_frame(
            OpCode::Binary,
            true,
            &p
        )),
        ".{0,80}".prop_map(|t| client_frame(OpCode::Text, true, t.as_bytes())),
        proptest::collection::vec(any::<u8>(), 0..125).prop_map(|p| client_frame(
            OpCode::Ping,
            true,
            &p
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// However the reads cut single-frame messages that fit in the buffer (of 400
    /// bytes, which keeps frames of up to 336), each is delivered whole, in place: the
    /// message store never holds a byte.
    #[test]
    fn messages_that_fit_never_touch_the_store(
        frames in proptest::collection::vec(small_frame(), 1..12),
        cuts in proptest::collection::vec(0usize..4000, 0..30),
    ) {
        let wire = frames.concat();
        let expected = drive(&mut Connection::server(Config::default()), &wire, &[]);
        let (seen, out, store) =
            drive_buffered(&mut Connection::server(Config::default()), &wire, &cuts, 400);
        prop_assert_eq!(&expected, &(seen, out));
        prop_assert_eq!(store, 0);
    }
}

#[test]
fn a_message_larger_than_the_buffer_is_gathered() {
    let payload: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    let wire =
        [client_frame(OpCode::Binary, true, &payload), client_frame(OpCode::Text, true, b"after")]
            .concat();
    let (seen, _, store) =
        drive_buffered(&mut Connection::server(Config::default()), &wire, &[100, 700], 256);
    assert_eq!(seen, [Seen::Binary(payload), Seen::Text("after".into())]);
    assert!(store >= 1000, "the large message went through the store ({store})");
}

#[test]
fn kept_bytes_move_to_the_front_and_reads_land_after_them() {
    let mut server = Connection::server(Config::default());
    let mut messages = SliceMessageBuffer::new(&mut []);
    let mut buffer = ReadBuffer::new(vec![0u8; 32]);
    let first = client_frame(OpCode::Text, true, b"one");
    let second = client_frame(OpCode::Text, true, b"two, a little longer");
    let wire = [first.clone(), second.clone()].concat();
    // A read that ends 5 bytes into the second frame.
    let cut = first.len() + 5;
    buffer.spare()[..cut].copy_from_slice(&wire[..cut]);
    buffer.filled(cut);
    let Some(Event::Data(m)) = server.read_message(&mut buffer, &mut messages).unwrap() else {
        panic!("expected the first message")
    };
    assert_eq!(m.as_whole_text(), Some("one"));
    assert!(server.read_message(&mut buffer, &mut messages).unwrap().is_none());
    // The start of the second frame is kept, whole, for the next read.
    assert_eq!(buffer.len(), 5);
    let spare = buffer.spare();
    assert_eq!(spare.len(), 32 - 5, "the kept bytes moved to the front");
    let rest = &wire[cut..];
    spare[..rest.len()].copy_from_slice(rest);
    buffer.filled(rest.len());
    let Some(Event::Data(m)) = server.read_message(&mut buffer, &mut messages).unwrap() else {
        panic!("expected the second message")
    };
    assert_eq!(m.as_whole_text(), Some("two, a little longer"));
    assert!(server.read_message(&mut buffer, &mut messages).unwrap().is_none());
    assert!(buffer.is_empty());
    // The second frame was read to the front of the storage, and unmasked in place.
    let storage = buffer.into_inner();
    assert_eq!(storage[..6], second[..6]);
    assert_eq!(&storage[6..second.len()], b"two, a little longer");
}

#[test]
fn a_header_refused_fails_before_the_frame_is_whole() {
    // The header of an unmasked client frame (1002), and of a frame over the message
    // limit (1009), without their payloads: both fail at once, nothing is kept.
    let limited = Config { max_message_len: 100, max_frame_len: 100, ..Config::default() };
    for (config, start, code) in [
        (Config::default(), vec![0x81, 0x05], 1002),
        (limited, vec![0x82, 0x80 | 126, 0x01, 0x00, 1, 2, 3, 4], 1009),
    ] {
        let mut server = Connection::server(config);
        let mut messages = MessageBuffer::new();
        let mut buffer = ReadBuffer::new([0u8; 1024]);
        buffer.spare()[..start.len()].copy_from_slice(&start);
        buffer.filled(start.len());
        let error = server.read_message(&mut buffer, &mut messages);
        assert_eq!(error.map_err(|e| e.close_code().0).err(), Some(code), "{start:x?}");
        assert!(buffer.is_empty());
    }
}

#[test]
#[should_panic(expected = "filled more than the free space")]
fn filling_more_than_the_free_space_panics() {
    let mut buffer = ReadBuffer::new([0u8; 8]);
    buffer.filled(9);
}

#[test]
fn a_frame_that_fills_the_buffer_is_kept_and_one_byte_more_is_gathered() {
    // Client frames of 63, 64 and 65 bytes (6 header bytes), through a 64-byte buffer
    // in reads of 10 bytes.
    for (payload_len, kept) in [(57, true), (58, true), (59, false)] {
        let payload = vec![b'x'; payload_len];
        let wire = client_frame(OpCode::Text, true, &payload);
        let cuts: Vec<usize> = (10..wire.len()).step_by(10).collect();
        let (seen, _, store) =
            drive_buffered(&mut Connection::server(Config::default()), &wire, &cuts, 64);
        assert_eq!(seen, [Seen::Text(String::from_utf8(payload).unwrap())]);
        assert_eq!(store == 0, kept, "a frame of {} bytes", wire.len());
    }
}

#[test]
fn reads_after_kept_bytes_land_on_a_cache_line() {
    let mut server = Connection::server(Config::default());
    let mut messages = SliceMessageBuffer::new(&mut []);
    let mut buffer = ReadBuffer::new(vec![0u8; 1024]);
    assert_eq!(buffer.largest_kept_frame(), 1024 - 64);
    let small = client_frame(OpCode::Text, true, b"before");
    let frame = client_frame(OpCode::Binary, true, &[9; 100]);
    for kept in [1, 13, 64, 70] {
        // A whole message, then the start of the next: the read after it lands on a
        // cache line (its bytes moved just before one).
        let read = [&small[..], &frame[..kept]].concat();
        buffer.spare()[..read.len()].copy_from_slice(&read);
        buffer.filled(read.len());
        assert!(server.read_message(&mut buffer, &mut messages).unwrap().is_some());
        assert!(server.read_message(&mut buffer, &mut messages).unwrap().is_none());
        assert_eq!(buffer.len(), kept);
        let spare = buffer.spare();
        assert_eq!(spare.as_ptr() as usize % 64, 0, "{kept} bytes kept");
        let rest = &frame[kept..];
        spare[..rest.len()].copy_from_slice(rest);
        buffer.filled(rest.len());
        let Some(Event::Data(m)) = server.read_message(&mut buffer, &mut messages).unwrap() else {
            panic!("expected the message")
        };
        assert_eq!(m.payload(), &[9; 100]);
    }
    // A small storage is not aligned: it keeps frames as large as itself.
    assert_eq!(ReadBuffer::new([0u8; 100]).largest_kept_frame(), 100);
}

#[test]
fn invalid_text_in_a_kept_frame_fails_before_the_frame_is_whole() {
    // The first read holds the header and "ok" then a byte that no UTF-8 holds; the
    // frame (20 bytes of payload) is not whole, yet the connection fails at once, as
    // it does when gathering. A valid start, even one that ends inside a code point,
    // is kept without error.
    let mut bad = b"ok".to_vec();
    bad.push(0xFF);
    bad.resize(20, b'.');
    let mut good = b"ok \xE2\x82".to_vec();
    good.extend_from_slice(b"\xAC and more text..");
    for (payload, cut, fails) in [(bad, 6 + 3, true), (good, 6 + 5, false)] {
        let wire = client_frame(OpCode::Text, true, &payload);
        let mut server = Connection::server(Config::default());
        let mut messages = MessageBuffer::new();
        let mut buffer = ReadBuffer::new([0u8; 256]);
        buffer.spare()[..cut].copy_from_slice(&wire[..cut]);
        buffer.filled(cut);
        let read = server.read_message(&mut buffer, &mut messages);
        if fails {
            assert_eq!(read.map(|e| e.is_none()).map_err(|e| e.close_code().0), Err(1007));
            continue;
        }
        assert!(read.unwrap().is_none());
        assert_eq!(buffer.len(), cut, "kept");
        let rest = &wire[cut..];
        buffer.spare()[..rest.len()].copy_from_slice(rest);
        buffer.filled(rest.len());
        let Some(Event::Data(m)) = server.read_message(&mut buffer, &mut messages).unwrap() else {
            panic!("expected the message")
        };
        assert_eq!(m.as_whole_text(), Some("ok \u{20ac} and more text.."));
    }
}
