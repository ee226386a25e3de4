//! Every limit is enforced on the frame header, before any payload is buffered.
#![cfg(feature = "alloc")]

mod support;

use rfc6455::frame::OpCode;
use rfc6455::message::MessageBuffer;
use rfc6455::{Config, Connection, MessageReader};
use support::{client_frame, drive, parse_frames, Seen};

#[test]
fn a_2_pow_63_length_header_is_refused_before_buffering() {
    // 127 + 0x7FFF_FFFF_FFFF_FFFF, masked, and nothing else: the header alone fails.
    let wire = [0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4];
    let mut server = Connection::server(Config::default());
    let (seen, out) = drive(&mut server, &wire, &[]);
    assert_eq!(seen, [Seen::Error(1009)]);
    assert_eq!(support::close_code_of(&parse_frames(&out)[0].1), Some(1009));
}

#[test]
fn top_bit_of_64_bit_length_is_a_protocol_error() {
    let wire = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
    let mut server = Connection::server(Config::default());
    assert_eq!(drive(&mut server, &wire, &[]).0, [Seen::Error(1002)]);
}

#[test]
fn frame_limit() {
    let config = Config::default().with_max_frame_len(100);
    let mut server = Connection::server(config);
    assert_eq!(
        drive(&mut server, &client_frame(OpCode::Binary, true, &[0; 100]), &[]).0,
        [Seen::Binary(vec![0; 100])]
    );
    let mut server = Connection::server(config);
    // Only the header of the 101-byte frame is fed: the refusal needs no payload.
    let wire = client_frame(OpCode::Binary, true, &[0; 101]);
    assert_eq!(drive(&mut server, &wire[..6], &[]).0, [Seen::Error(1009)]);
}

#[test]
fn message_limit_spans_fragments() {
    let config = Config::default().with_max_message_len(10);
    let mut server = Connection::server(config);
    let ok = [
        client_frame(OpCode::Text, false, b"01234"),
        client_frame(OpCode::Continuation, true, b"56789"),
    ]
    .concat();
    assert_eq!(drive(&mut server, &ok, &[]).0, [Seen::Text("0123456789".into())]);
    let bad = [
        client_frame(OpCode::Text, false, b"01234"),
        client_frame(OpCode::Continuation, true, b"567890"),
    ]
    .concat();
    let head_of_second = client_frame(OpCode::Text, false, b"01234").len() + 6;
    let mut server = Connection::server(config);
    let (seen, _) = drive(&mut server, &bad[..head_of_second], &[]);
    assert_eq!(seen, [Seen::Error(1009)]);
}

/// Reads `wire` into `reader` in reads of at most `read` bytes; returns each message's
/// bytes with the store's capacity when it was delivered.
fn read_messages(
    server: &mut Connection,
    reader: &mut MessageReader<Vec<u8>, MessageBuffer>,
    wire: &[u8],
    read: usize,
) -> Vec<(Vec<u8>, usize)> {
    let mut delivered = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let spare = reader.spare(server).unwrap();
        let n = spare.len().min(rest.len()).min(read);
        spare[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        reader.filled(n);
        while reader.has_next(server) {
            let capacity = reader.store_mut().capacity();
            let message = reader.next(server).unwrap().data().unwrap().to_vec();
            delivered.push((message, capacity));
        }
    }
    delivered
}

#[test]
fn message_buffer_never_exceeds_the_limit_and_shrinks_back() {
    let config = Config::default().with_max_message_len(1 << 20);
    let mut server = Connection::server(config);
    let store = MessageBuffer::with_retained_capacity(1024);
    let mut reader = MessageReader::new(vec![0u8; 16 * 1024], store);
    let wire = [
        client_frame(OpCode::Binary, true, &vec![7; 1 << 20]),
        client_frame(OpCode::Binary, true, b"small"),
    ]
    .concat();
    let delivered = read_messages(&mut server, &mut reader, &wire, usize::MAX);
    let capacities: Vec<usize> = delivered.iter().map(|(_, c)| *c).collect();
    assert!(capacities[0] >= 1 << 20 && capacities[0] < 3 << 20, "{capacities:?}");
    // The small message is delivered in place; the store gave its memory back.
    assert_eq!(delivered[1].0, b"small");
    assert!(reader.store_mut().capacity() <= 1024, "shrunk back: {capacities:?}");
}

/// A reader in 4 KiB reads: a 1 MiB message is gathered (no more than about twice its
/// size), stays while lent, and the next read empties the store and gives back all but
/// the retained capacity, even when that read holds a whole message.
#[test]
fn gathered_message_memory_is_given_back_on_the_next_read() {
    let config = Config::default().with_max_message_len(1 << 20);
    let mut server = Connection::server(config);
    let mut reader = MessageReader::new(vec![0u8; 4096], MessageBuffer::new());
    assert_eq!(MessageBuffer::DEFAULT_RETAINED_CAPACITY, 4096);
    let wire = client_frame(OpCode::Binary, true, &vec![7; 1 << 20]);
    let delivered = read_messages(&mut server, &mut reader, &wire, 4096);
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].0, vec![7; 1 << 20]);
    // Held while lent (the capacity when it was delivered); the next call gives it back.
    let held = delivered[0].1;
    assert!((1 << 20..=2 << 20).contains(&held), "{held}");
    assert!(reader.store_mut().capacity() <= MessageBuffer::DEFAULT_RETAINED_CAPACITY);
    let small = client_frame(OpCode::Binary, true, b"small");
    let delivered = read_messages(&mut server, &mut reader, &small, 4096);
    assert_eq!(delivered[0].0, b"small");
    let capacity = reader.store_mut().capacity();
    assert!(capacity <= MessageBuffer::DEFAULT_RETAINED_CAPACITY, "{capacity}");
    reader.store_mut().release();
    assert_eq!(reader.store_mut().capacity(), 0);
}

#[test]
fn control_payload_over_125_is_refused() {
    let mut wire = vec![0x89, 0xFE, 0x00, 0x7E, 0, 0, 0, 0];
    wire.extend_from_slice(&[0; 126]);
    let mut server = Connection::server(Config::default());
    assert_eq!(drive(&mut server, &wire, &[]).0, [Seen::Error(1002)]);
    let mut out = Vec::new();
    let mut server = Connection::server(Config::default());
    assert_eq!(
        server.send_ping(&[0; 126], &mut out),
        Err(rfc6455::SendError::ControlPayloadTooLong)
    );
    server.send_ping(&[0; 125], &mut out).unwrap();
}

#[test]
fn masking_rules_per_role() {
    let mut server = Connection::server(Config::default());
    assert_eq!(
        drive(&mut server, &support::frame(OpCode::Text, true, b"x", None), &[]).0,
        [Seen::Error(1002)]
    );
    let mut client = Connection::client(Config::default(), [1; 16]);
    assert_eq!(
        drive(&mut client, &client_frame(OpCode::Text, true, b"x"), &[]).0,
        [Seen::Error(1002)]
    );
}

#[test]
fn reserved_bits_and_opcodes_fail_on_the_first_byte() {
    for first in [0xC1u8, 0xA1, 0x91, 0x83, 0x87, 0x8B, 0x8F] {
        let mut server = Connection::server(Config::default());
        assert_eq!(drive(&mut server, &[first], &[]).0, [Seen::Error(1002)], "{first:#x}");
    }
}

#[test]
fn non_minimal_length_is_strict_by_default_and_can_be_relaxed() {
    // 5 bytes announced with the 16-bit form.
    let mut wire = vec![0x82, 0xFE, 0x00, 0x05, 0, 0, 0, 0];
    wire.extend_from_slice(b"abcde");
    let mut server = Connection::server(Config::default());
    assert_eq!(drive(&mut server, &wire, &[]).0, [Seen::Error(1002)]);
    let mut server = Connection::server(Config::default().with_strict_length_encoding(false));
    assert_eq!(drive(&mut server, &wire, &[]).0, [Seen::Binary(b"abcde".to_vec())]);
}

#[test]
fn after_an_error_exactly_one_close_is_queued_and_nothing_follows() {
    let wire = [
        client_frame(OpCode::Text, true, b"before"),
        client_frame(OpCode::Continuation, true, b"orphan"),
        client_frame(OpCode::Text, true, b"after"),
        client_frame(OpCode::Ping, true, b""),
    ]
    .concat();
    let mut server = Connection::server(Config::default());
    let (seen, out) = drive(&mut server, &wire, &[]);
    assert_eq!(seen, [Seen::Text("before".into()), Seen::Error(1002)]);
    let frames = parse_frames(&out);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].0.opcode, OpCode::Close);
    assert_eq!(server.send_text("x", &mut Vec::new()), Err(rfc6455::SendError::Closed));
    assert!(server.should_close_transport());
}
