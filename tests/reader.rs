//! `MessageReader`: messages cut short by a read are kept in the read buffer and
//! delivered in place, without the message store; large frames are read straight into
//! the store; errors come out after the Close was queued.
#![cfg(feature = "alloc")]

mod support;

use proptest::prelude::*;
use rfc6455::frame::OpCode;
use rfc6455::message::{MessageBuffer, SliceMessageBuffer};
use rfc6455::{Config, Connection, MessageReader, Received};
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

/// Copies `bytes` into the space the reader lends (which must hold them).
fn read_into<R: AsRef<[u8]> + AsMut<[u8]>, S: rfc6455::message::MessageStore>(
    reader: &mut MessageReader<R, S>,
    conn: &mut Connection,
    bytes: &[u8],
) {
    let spare = reader.spare(conn).unwrap();
    spare[..bytes.len()].copy_from_slice(bytes);
    reader.filled(bytes.len());
}

#[test]
fn kept_bytes_move_to_the_front_and_reads_land_after_them() {
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new(vec![0u8; 32], SliceMessageBuffer::new(&mut []));
    let first = client_frame(OpCode::Text, true, b"one");
    let second = client_frame(OpCode::Text, true, b"two, a little longer");
    let wire = [first.clone(), second.clone()].concat();
    // A read that ends 5 bytes into the second frame.
    let cut = first.len() + 5;
    read_into(&mut reader, &mut server, &wire[..cut]);
    assert_eq!(reader.next(&mut server), Some(Received::Text("one")));
    assert!(reader.next(&mut server).is_none());
    // The start of the second frame is kept, whole, for the next read.
    assert_eq!(reader.buffered(), 5);
    let spare = reader.spare(&mut server).unwrap();
    assert_eq!(spare.len(), 32 - 5, "the kept bytes moved to the front");
    read_into(&mut reader, &mut server, &wire[cut..]);
    assert_eq!(reader.next(&mut server), Some(Received::Text("two, a little longer")));
    assert!(reader.next(&mut server).is_none());
    assert_eq!(reader.buffered(), 0);
    // The second frame was read to the front of the storage, and unmasked in place.
    let (storage, _) = reader.into_parts();
    assert_eq!(storage[..6], second[..6]);
    assert_eq!(&storage[6..second.len()], b"two, a little longer");
}

#[test]
fn a_header_refused_fails_before_the_frame_is_whole() {
    // The header of an unmasked client frame (1002), and of a frame over the message
    // limit (1009), without their payloads: both fail at once, nothing is kept, and
    // the error comes out of the next `spare`, once the Close is queued.
    let limited = Config::default().with_max_message_len(100).with_max_frame_len(100);
    for (config, start, code) in [
        (Config::default(), vec![0x81, 0x05], 1002),
        (limited, vec![0x82, 0x80 | 126, 0x01, 0x00, 1, 2, 3, 4], 1009),
    ] {
        let mut server = Connection::server(config);
        let mut reader = MessageReader::new([0u8; 1024], MessageBuffer::new());
        read_into(&mut reader, &mut server, &start);
        assert_eq!(reader.next(&mut server), None);
        assert_eq!(reader.buffered(), 0);
        assert!(server.wants_transmit(), "the Close is queued");
        let error = reader.spare(&mut server).map(|_| ()).map_err(|e| e.close_code().get());
        assert_eq!(error, Err(code), "{start:x?}");
    }
}

#[test]
#[should_panic(expected = "filled more than the free space")]
fn filling_more_than_the_free_space_panics() {
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new([0u8; 8], MessageBuffer::new());
    let _ = reader.spare(&mut server);
    reader.filled(9);
}

#[test]
#[should_panic(expected = "a MessageReader needs a read buffer")]
fn an_empty_read_buffer_is_refused_at_construction() {
    let _ = MessageReader::new([0u8; 0], MessageBuffer::new());
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
    let mut reader = MessageReader::new(vec![0u8; 1024], SliceMessageBuffer::new(&mut []));
    let small = client_frame(OpCode::Text, true, b"before");
    let frame = client_frame(OpCode::Binary, true, &[9; 100]);
    for kept in [1, 13, 64, 70] {
        // A whole message, then the start of the next: the read after it lands on a
        // cache line (its bytes moved just before one).
        read_into(&mut reader, &mut server, &[&small[..], &frame[..kept]].concat());
        assert!(reader.next(&mut server).is_some());
        assert!(reader.next(&mut server).is_none());
        assert_eq!(reader.buffered(), kept);
        let spare = reader.spare(&mut server).unwrap();
        assert_eq!(spare.as_ptr() as usize % 64, 0, "{kept} bytes kept");
        read_into(&mut reader, &mut server, &frame[kept..]);
        assert_eq!(reader.next(&mut server), Some(Received::Binary(&[9; 100])));
    }
}

/// Reads `wire` into `reader` as a socket would (each read fills what the reader lends,
/// as far as the wire goes); returns the messages and the size of each read's room.
fn read_all<R: AsRef<[u8]> + AsMut<[u8]>>(
    reader: &mut MessageReader<R, MessageBuffer>,
    server: &mut Connection,
    wire: &[u8],
) -> (Vec<Vec<u8>>, Vec<usize>) {
    let mut rest = wire;
    let (mut messages, mut reads) = (Vec::new(), Vec::new());
    while !rest.is_empty() {
        let spare = reader.spare(server).unwrap();
        let n = spare.len().min(rest.len());
        reads.push(spare.len());
        spare[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        reader.filled(n);
        while let Some(message) = reader.next(server) {
            messages.push(message.data().unwrap().to_vec());
        }
    }
    (messages, reads)
}

#[test]
fn a_large_frame_is_read_straight_into_the_store() {
    // A 100 000-byte binary message through a 4 KiB read buffer: after the first read,
    // the rest of the frame is read into the store in reads that follow what arrived
    // (64 KiB on the word of the header, then all the rest, and the 64 bytes after
    // it), and the message is delivered from there without a copy.
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let wire = client_frame(OpCode::Binary, true, &payload);
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new(vec![0u8; 4096], MessageBuffer::new());
    let (messages, reads) = read_all(&mut reader, &mut server, &wire);
    assert_eq!(messages, [payload]);
    let pending = wire.len() - 4096 - 65536;
    assert_eq!(reads, [4096, 65536, pending + 64]);
}

#[test]
fn large_messages_in_a_row_take_one_read_each() {
    // Three 50 000-byte messages and two small ones after them, through a 16 KiB read
    // buffer: the first read is the read buffer's, then one read per message, each
    // also taking the next message's header (moved to the read buffer).
    let payloads: Vec<Vec<u8>> =
        (0..3u8).map(|k| (0..50_000u32).map(|i| (i % 241) as u8 ^ k).collect()).collect();
    let mut wire: Vec<u8> =
        payloads.iter().flat_map(|p| client_frame(OpCode::Binary, true, p)).collect();
    wire.extend(client_frame(OpCode::Binary, true, b"small"));
    wire.extend(client_frame(OpCode::Binary, true, b"after"));
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new(vec![0u8; 16 << 10], MessageBuffer::new());
    let (messages, reads) = read_all(&mut reader, &mut server, &wire);
    let mut expected = payloads.clone();
    expected.extend([b"small".to_vec(), b"after".to_vec()]);
    assert_eq!(messages, expected);
    // Frame 1: its 16 KiB read, the rest and 64 bytes; frames 2 and 3: the rest and 64
    // bytes each; the small messages came with the last 64 bytes.
    assert_eq!(reads.len(), 4, "{reads:?}");
    assert_eq!(reads[0], 16 << 10);
    assert!(reads[1..].iter().all(|&r| r > 16 << 10), "{reads:?}");
}

#[test]
fn a_short_rest_of_a_frame_is_read_into_the_read_buffer() {
    // Fragments of 1000 bytes through a 4 KiB read buffer: the rest of a fragment a
    // read cut (less than half the read buffer) is read with what follows it, into
    // the read buffer, never alone into the store.
    let text = "é".repeat(5000);
    let bytes = text.as_bytes();
    let mut wire = Vec::new();
    for (i, piece) in bytes.chunks(1000).enumerate() {
        let op = if i == 0 { OpCode::Text } else { OpCode::Continuation };
        wire.extend(client_frame(op, (i + 1) * 1000 >= bytes.len(), piece));
    }
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new(vec![0u8; 4096], MessageBuffer::new());
    let (messages, reads) = read_all(&mut reader, &mut server, &wire);
    assert_eq!(messages, [bytes.to_vec()]);
    assert!(reads.iter().all(|&r| r >= 4096 - 64), "{reads:?}");
}

#[test]
fn has_next_then_next_gives_each_message_once() {
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new([0u8; 256], MessageBuffer::new());
    let wire = [
        client_frame(OpCode::Text, true, b"one"),
        client_frame(OpCode::Ping, true, b"p"),
        client_frame(OpCode::Text, false, b"tw"),
        client_frame(OpCode::Continuation, true, b"o"),
    ]
    .concat();
    read_into(&mut reader, &mut server, &wire);
    let mut seen = Vec::new();
    while reader.has_next(&mut server) {
        assert!(reader.has_next(&mut server), "asking twice finds the same");
        seen.push(format!("{:?}", reader.next(&mut server).unwrap()));
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen[0].contains("one") && seen[1].contains("Ping") && seen[2].contains("two"));
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
        let mut reader = MessageReader::new([0u8; 256], MessageBuffer::new());
        read_into(&mut reader, &mut server, &wire[..cut]);
        assert!(reader.next(&mut server).is_none());
        if fails {
            assert_eq!(server.failure().map(|e| e.close_code().get()), Some(1007));
            continue;
        }
        assert_eq!(reader.buffered(), cut, "kept");
        read_into(&mut reader, &mut server, &wire[cut..]);
        assert_eq!(reader.next(&mut server), Some(Received::Text("ok \u{20ac} and more text..")));
    }
}

/// The natural loop with `?` everywhere, over in-memory pipes: read into the reader,
/// answer, drain `poll_transmit`, write, and again.
fn natural_loop(
    conn: &mut Connection,
    incoming: &[u8],
    wire_out: &mut Vec<u8>,
) -> Result<usize, rfc6455::ConnectionError> {
    let mut reader = MessageReader::new(vec![0u8; 64], MessageBuffer::new());
    let mut rest = incoming;
    let mut messages = 0;
    loop {
        let spare = reader.spare(conn)?;
        if rest.is_empty() {
            return Ok(messages);
        }
        let n = spare.len().min(rest.len()).min(7);
        spare[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        reader.filled(n);
        while let Some(message) = reader.next(conn) {
            if let Received::Text(text) = message {
                conn.send_text(text, wire_out).unwrap();
                messages += 1;
            }
        }
        while conn.poll_transmit(wire_out).unwrap() {}
    }
}

#[test]
fn with_question_marks_the_failed_connection_still_sends_its_close() {
    // A good message, then text that is not UTF-8: the loop's `?` ends it with 1007,
    // and by then the Close with 1007 was written after the echo.
    let wire = [
        client_frame(OpCode::Text, true, b"fine"),
        client_frame(OpCode::Text, true, &[b'o', b'k', 0xFF]),
        client_frame(OpCode::Text, true, b"never seen"),
    ]
    .concat();
    let mut server = Connection::server(Config::default());
    let mut wire_out = Vec::new();
    let error = natural_loop(&mut server, &wire, &mut wire_out).unwrap_err();
    assert_eq!(error.close_code().get(), 1007);
    let frames = support::parse_frames(&wire_out);
    assert_eq!(frames.len(), 2, "the echo, then the Close");
    assert_eq!(frames[0].1, b"fine");
    assert_eq!(frames[1].0.opcode, OpCode::Close);
    assert_eq!(support::close_code_of(&frames[1].1), Some(1007));
}

#[test]
fn a_ping_then_a_close_in_one_read_get_a_pong_then_the_close_reply() {
    // The natural loop drains `poll_transmit` once per read: the pong for the ping
    // that came before the Close still goes out, first.
    let wire =
        [client_frame(OpCode::Ping, true, b"p"), client_frame(OpCode::Close, true, &[3, 232])]
            .concat();
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new([0u8; 64], MessageBuffer::new());
    read_into(&mut reader, &mut server, &wire);
    while reader.next(&mut server).is_some() {}
    let mut out = Vec::new();
    while server.poll_transmit(&mut out).unwrap() {}
    let frames = support::parse_frames(&out);
    let opcodes: Vec<OpCode> = frames.iter().map(|(h, _)| h.opcode).collect();
    assert_eq!(opcodes, [OpCode::Pong, OpCode::Close]);
    assert_eq!(frames[0].1, b"p");
}

#[test]
fn invalid_text_read_into_the_store_fails_and_drops_what_came_after() {
    // A 10 000-byte text frame whose rest, read straight into the store with the 64
    // bytes after it, is not UTF-8: the connection fails and the bytes after the frame
    // are dropped with the rest.
    let mut text = vec![b'a'; 10_000];
    text[9_000] = 0xFF;
    let wire =
        [client_frame(OpCode::Text, true, &text), client_frame(OpCode::Text, true, &[b'b'; 100])]
            .concat();
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new(vec![0u8; 4096], MessageBuffer::new());
    read_into(&mut reader, &mut server, &wire[..4096]);
    assert!(reader.next(&mut server).is_none());
    let room = reader.spare(&mut server).unwrap();
    let rest = wire.len() - 4096;
    assert!(room.len() < rest && room.len() > 10_000 - 4096, "{}", room.len());
    let n = room.len();
    room.copy_from_slice(&wire[4096..4096 + n]);
    reader.filled(n);
    assert!(reader.next(&mut server).is_none());
    assert_eq!(reader.buffered(), 0);
    let error = reader.spare(&mut server).unwrap_err();
    assert_eq!(error.close_code().get(), 1007);
}
