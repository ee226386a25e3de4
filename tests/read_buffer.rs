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

    /// However the reads cut single-frame messages that fit in the buffer, each is
    /// delivered whole, in place: the message store never holds a byte.
    #[test]
    fn messages_that_fit_never_touch_the_store(
        frames in proptest::collection::vec(small_frame(), 1..12),
        cuts in proptest::collection::vec(0usize..4000, 0..30),
    ) {
        let wire = frames.concat();
        let expected = drive(&mut Connection::server(Config::default()), &wire, &[]);
        let (seen, out, store) =
            drive_buffered(&mut Connection::server(Config::default()), &wire, &cuts, 320);
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
