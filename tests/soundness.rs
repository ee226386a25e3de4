//! Regression tests for `&str` views over bytes that are not UTF-8, reachable through
//! the safe API before the validators were poisoned by their first error and the stores'
//! text checks were bound to the bytes they hold. Each scenario must end in an error or
//! in text that really is UTF-8 (checked here with `core::str::from_utf8`, so a release
//! build, without the crate's debug assertions, fails too).

#![cfg(feature = "alloc")]

use rfc6455::frame::{FrameHeader, OpCode};
use rfc6455::message::{Assembler, MessageBuffer, MessageError, SliceMessageBuffer};
use rfc6455::{Config, Connection, Event, MessageReader, Received};

/// Fails the test if `text` is not UTF-8; walks it as a caller would.
fn assert_utf8(text: &str) {
    assert!(
        core::str::from_utf8(text.as_bytes()).is_ok(),
        "a &str over invalid UTF-8: {:02X?}",
        text.as_bytes()
    );
    assert_eq!(text.chars().map(char::len_utf8).sum::<usize>(), text.len());
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

/// Feeds all of `bytes` to `reader` for `conn`; returns the messages delivered, after
/// checking every `&str` among them.
fn feed_all<R, S>(reader: &mut MessageReader<R, S>, conn: &mut Connection, bytes: &[u8]) -> usize
where
    R: AsRef<[u8]> + AsMut<[u8]>,
    S: rfc6455::message::MessageStore,
{
    let mut delivered = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        let taken = reader.feed(rest);
        rest = &rest[taken..];
        while let Some(received) = reader.next(conn) {
            if let Received::Text(text) = received {
                assert_utf8(text);
            }
            delivered += 1;
        }
        if taken == 0 {
            break;
        }
    }
    delivered
}

/// A store handed from reader to reader in the middle of messages: B starts a text
/// message, A starts one with bytes that fail, and B ends its message with a byte that
/// would complete A's rejected E2 82.
#[test]
fn a_store_moved_between_connections_mid_message() {
    let mut b = Connection::client(Config::default(), [1; 16]);
    let mut a = Connection::client(Config::default(), [2; 16]);
    let mut reader = MessageReader::new([0u8; 64], MessageBuffer::new());
    assert_eq!(feed_all(&mut reader, &mut b, &frame(false, 1, b"b")), 0);
    let (_, store) = reader.into_parts();
    let mut reader = MessageReader::new([0u8; 64], store);
    feed_all(&mut reader, &mut a, &frame(false, 1, &REJECTED));
    assert!(a.failure().is_some());
    let (_, store) = reader.into_parts();
    let mut reader = MessageReader::new([0u8; 64], store);
    let delivered = feed_all(&mut reader, &mut b, &frame(true, 0, &[0x80]));
    assert!(delivered == 0 && b.failure().is_some(), "B's message was never whole in one store");
}

/// A store reused by a new connection after the old one failed in the middle of a text
/// message; the new connection's first fragment is read by `handle_read`, the rest by a
/// reader over the old store.
#[test]
fn a_store_reused_after_a_failure_in_a_text_message() {
    let mut old = Connection::client(Config::default(), [1; 16]);
    let mut reader = MessageReader::new([0u8; 64], MessageBuffer::new());
    feed_all(&mut reader, &mut old, &frame(false, 1, &REJECTED));
    assert!(old.failure().is_some());
    let mut new = Connection::client(Config::default(), [2; 16]);
    let mut start = frame(false, 1, b"z");
    let (event, _) = new.handle_read(&mut start).unwrap();
    assert!(matches!(event, Some(Event::Data(c)) if c.payload() == b"z"));
    let (_, store) = reader.into_parts();
    let mut reader = MessageReader::new([0u8; 64], store);
    let delivered = feed_all(&mut reader, &mut new, &frame(true, 0, &[0x80]));
    assert!(delivered == 0 && new.failure().is_some(), "a start the store never checked");
}

/// The same with a slice store, the last byte read straight into the store.
#[test]
fn a_slice_store_reused_after_a_failure_with_direct_reads() {
    let mut storage = [0u8; 64];
    let mut old = Connection::client(Config::default(), [1; 16]);
    let mut reader = MessageReader::new([0u8; 64], SliceMessageBuffer::new(&mut storage));
    feed_all(&mut reader, &mut old, &frame(false, 1, &REJECTED));
    let mut new = Connection::client(Config::default(), [2; 16]);
    let mut start = frame(false, 1, b"z");
    let (event, _) = new.handle_read(&mut start).unwrap();
    assert!(event.is_some());
    let (_, store) = reader.into_parts();
    let mut reader = MessageReader::new([0u8; 64], store);
    // The last fragment's header, then its 40 payload bytes (at least half the read
    // buffer) read straight into the store.
    assert_eq!(feed_all(&mut reader, &mut new, &[0x80, 40]), 0);
    assert_eq!(reader.buffered(), 0);
    let room = reader.spare(&mut new).unwrap();
    assert!(room.len() >= 40, "the store's room for the 40 pending bytes");
    room[..40].fill(0x80);
    reader.filled(40);
    assert!(reader.next(&mut new).is_none());
    assert!(new.failure().is_some(), "a message whose start was never checked by the store");
}

/// A header declaring a 16 MiB frame makes a `MessageBuffer` reserve (and lend) at most
/// 64 KiB ahead of the bytes that arrived, and it grows with them (to at most four
/// times).
#[test]
fn a_declared_length_alone_reserves_at_most_64_kib() {
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new(vec![0u8; 4096], MessageBuffer::new());
    let len: u64 = 16 << 20;
    let mut header = vec![0x82, 0xFF];
    header.extend_from_slice(&len.to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    assert_eq!(feed_all(&mut reader, &mut server, &header), 0);
    let room = reader.spare(&mut server).unwrap();
    assert_eq!(room.len(), 64 * 1024, "room for 64 KiB on the word of the header");
    room[..4096].fill(7);
    reader.filled(4096);
    assert!(reader.next(&mut server).is_none());
    let reserved = reader.store_mut().capacity();
    assert!(reserved <= 4096 + 64 * 1024, "reserved {reserved} bytes for 4 KiB that arrived");
    // After 1 MiB arrived the reservation is still bounded by what arrived.
    let mut arrived = 4096;
    let mut growths = 0;
    while arrived < 1 << 20 {
        let before = reader.store_mut().capacity();
        let n = reader.spare(&mut server).unwrap().len();
        growths += usize::from(reader.store_mut().capacity() != before);
        reader.filled(n);
        assert!(reader.next(&mut server).is_none());
        arrived += n;
    }
    assert!(growths <= 6, "the store grew {growths} times: it must grow geometrically");
    let reserved = reader.store_mut().capacity();
    assert!(reserved <= 4 * arrived + 64 * 1024, "reserved {reserved} for {arrived} arrived");
    assert!(reserved < 16 << 20);
}
