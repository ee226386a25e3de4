//! Regression tests for `&str` views over bytes that are not UTF-8, reachable through
//! the safe API before the validators were poisoned by their first error and the stores'
//! text checks were bound to the bytes they hold. Each scenario must end in an error or
//! in text that really is UTF-8 (checked here with `core::str::from_utf8`, so a release
//! build, without the crate's debug assertions, fails too).

#![cfg(feature = "alloc")]

use rfc6455::frame::{FrameHeader, OpCode};
use rfc6455::message::{Assembler, Message, MessageBuffer, MessageError, SliceMessageBuffer};
use rfc6455::{Config, Connection, Event};

/// Fails the test if `text` is not UTF-8; walks it as a caller would.
fn assert_utf8(text: &str) {
    assert!(
        core::str::from_utf8(text.as_bytes()).is_ok(),
        "a &str over invalid UTF-8: {:02X?}",
        text.as_bytes()
    );
    assert_eq!(text.chars().map(char::len_utf8).sum::<usize>(), text.len());
}

/// Every `&str` an event holds is UTF-8; returns whether it was a whole message.
fn check_event(event: &Option<Event<'_>>) -> bool {
    match event {
        Some(Event::Data(chunk)) => {
            if let Some(text) = chunk.as_whole_text() {
                assert_utf8(text);
            }
            chunk.is_last()
        }
        _ => false,
    }
}

/// An unmasked (server-to-client) frame.
fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut f = vec![u8::from(fin) << 7 | opcode, payload.len() as u8];
    f.extend_from_slice(payload);
    f
}

/// The bytes that completed the E2 82 of a rejected piece.
const REJECTED: [u8; 4] = [0xFF, b'A', 0xE2, 0x82];

#[test]
fn an_assembler_fed_again_after_an_error_keeps_failing() {
    let mut a = Assembler::new(100);
    a.on_header(&FrameHeader::new(OpCode::Text, 5)).unwrap();
    assert_eq!(a.on_payload(&REJECTED, false), Err(MessageError::InvalidUtf8));
    match a.on_payload(&[0x80], true) {
        Ok(Some(chunk)) => {
            if let Some(text) = chunk.as_whole_text() {
                assert_utf8(text);
            }
            panic!("a failed assembler delivered {chunk:?}");
        }
        other => assert_eq!(other, Err(MessageError::InvalidUtf8)),
    }
}

#[test]
fn two_connections_sharing_one_message_buffer() {
    let mut messages = MessageBuffer::new();
    let mut b = Connection::client(Config::default(), [1; 16]);
    let mut a = Connection::client(Config::default(), [2; 16]);
    // B starts a text message; A starts one with bytes that fail; B ends its message
    // with a byte that would complete A's rejected E2 82.
    let mut b_start = frame(false, 1, b"b");
    let (event, _) = b.handle_read_message(&mut b_start, &mut messages).unwrap();
    assert!(event.is_none());
    assert!(a.handle_read_message(&mut frame(false, 1, &REJECTED), &mut messages).is_err());
    let mut b_end = frame(true, 0, &[0x80]);
    let result = b.handle_read_message(&mut b_end, &mut messages);
    if let Ok((event, _)) = &result {
        assert!(check_event(event), "no message delivered and no error");
    }
    if let Ok(Some(Message::Text(text))) = messages.message() {
        assert_utf8(text);
    }
}

/// A store reused by a new connection after the old one failed in the middle of a text
/// message; the new connection's first fragment is read by `handle_read`, the rest by
/// `handle_read_message`.
#[test]
fn a_store_reused_after_a_failure_in_a_text_message() {
    let mut messages = MessageBuffer::new();
    let mut old = Connection::client(Config::default(), [1; 16]);
    assert!(old.handle_read_message(&mut frame(false, 1, &REJECTED), &mut messages).is_err());
    let mut new = Connection::client(Config::default(), [2; 16]);
    let mut start = frame(false, 1, b"z");
    let (event, _) = new.handle_read(&mut start).unwrap();
    assert!(matches!(event, Some(Event::Data(c)) if c.payload() == b"z"));
    let mut end = frame(true, 0, &[0x80]);
    let result = new.handle_read_message(&mut end, &mut messages);
    if let Ok((event, _)) = &result {
        check_event(event);
    }
    assert!(result.is_err(), "a message whose start was never checked by the store");
}

#[test]
fn a_slice_store_reused_after_a_failure_with_direct_reads() {
    let mut storage = [0u8; 64];
    let mut messages = SliceMessageBuffer::new(&mut storage);
    let mut old = Connection::client(Config::default(), [1; 16]);
    assert!(old.handle_read_message(&mut frame(false, 1, &REJECTED), &mut messages).is_err());
    let mut new = Connection::client(Config::default(), [2; 16]);
    let mut start = frame(false, 1, b"z");
    let (event, _) = new.handle_read(&mut start).unwrap();
    assert!(event.is_some());
    // The last fragment's header, then its one payload byte read straight into the
    // store.
    let mut header = [0x80, 0x01];
    let (event, rest) = new.handle_read_message(&mut header, &mut messages).unwrap();
    assert!(event.is_none() && rest.is_empty());
    assert_eq!(new.pending_payload(), Some(1));
    let room = new.payload_room(&mut messages, 16).unwrap().expect("payload pending");
    room[0] = 0x80;
    let result = new.commit_payload(1, &mut messages);
    if let Ok(event) = &result {
        check_event(event);
    }
    assert!(result.is_err(), "a message whose start was never checked by the store");
}

/// The public `push` path: chunks of two messages mixed by the caller are refused, not
/// trusted.
#[test]
fn mixed_chunks_pushed_by_the_caller_are_checked() {
    let mut messages = MessageBuffer::new();
    let mut a = Connection::client(Config::default(), [1; 16]);
    let mut b = Connection::client(Config::default(), [2; 16]);
    let mut first = frame(false, 1, &[b'x', 0xE2, 0x82]);
    let (Some(Event::Data(start)), _) = a.handle_read(&mut first).unwrap() else { panic!() };
    assert!(messages.push(&start).unwrap().is_none());
    // B's message ends with a continuation byte that fits A's open code point: valid
    // together, but B's chunk is not the end of A's message. The store checks what it
    // holds, which here is valid, and must say so truthfully.
    let mut other = frame(true, 2, &[0x80]);
    let (Some(Event::Data(end)), _) = b.handle_read(&mut other).unwrap() else { panic!() };
    match messages.push(&end) {
        Ok(Some(Message::Text(text))) => assert_utf8(text),
        Ok(Some(Message::Binary(_))) | Ok(None) | Err(_) => {}
    }
}

/// A header declaring a 16 MiB frame makes a `MessageBuffer` reserve at most 64 KiB
/// ahead of the bytes that arrived, and it grows with them (to at most four times).
#[test]
fn a_declared_length_alone_reserves_at_most_64_kib() {
    let mut server = Connection::server(Config::default());
    let mut messages = MessageBuffer::new();
    let len: u64 = 16 << 20;
    let mut header = vec![0x82, 0xFF];
    header.extend_from_slice(&len.to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    let (event, rest) = server.handle_read_message(&mut header, &mut messages).unwrap();
    assert!(event.is_none() && rest.is_empty());
    let room = server.payload_room(&mut messages, 4096).unwrap().expect("payload pending");
    assert_eq!(room.len(), 4096);
    room.fill(7);
    assert!(server.commit_payload(4096, &mut messages).unwrap().is_none());
    let reserved = messages.capacity();
    assert!(reserved <= 4096 + 64 * 1024, "reserved {reserved} bytes for 4 KiB that arrived");
    // After 1 MiB arrived the reservation is still bounded by what arrived.
    let mut arrived = 4096;
    while arrived < 1 << 20 {
        let room = server.payload_room(&mut messages, 4096).unwrap().expect("payload pending");
        let n = room.len();
        assert!(server.commit_payload(n, &mut messages).unwrap().is_none());
        arrived += n;
    }
    let reserved = messages.capacity();
    assert!(reserved <= 4 * arrived + 64 * 1024, "reserved {reserved} for {arrived} arrived");
    assert!(reserved < 16 << 20);
}
