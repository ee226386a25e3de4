//! A whole conversation using only caller buffers: what a `no_std`, no-`alloc` user has.

use rfc6455::message::{Message, MessageKind, SliceMessageBuffer};
use rfc6455::{CloseCode, Config, Connection, Event, SliceSink, State};

/// Moves every byte of `wire` through `conn` with a 16-byte read buffer, returning the
/// whole messages and the number of bytes `poll_transmit` produced.
fn pump(conn: &mut Connection, wire: &[u8], storage: &mut [u8]) -> (usize, [u8; 64], usize) {
    let mut messages = SliceMessageBuffer::new(storage);
    let mut count = 0;
    let mut last = [0u8; 64];
    let mut replies = [0u8; 512];
    let mut reply_sink = SliceSink::new(&mut replies);
    for piece in wire.chunks(16) {
        let mut read_buf = [0u8; 16];
        read_buf[..piece.len()].copy_from_slice(piece);
        let mut rest = &mut read_buf[..piece.len()];
        while !rest.is_empty() {
            let (event, r) = conn.handle_read(rest).unwrap();
            rest = r;
            if let Some(Event::Data(chunk)) = event {
                if let Some(message) = messages.push(&chunk).unwrap() {
                    count += 1;
                    let bytes = message.as_bytes();
                    last[..bytes.len()].copy_from_slice(bytes);
                    assert!(matches!(message, Message::Text(_)));
                }
            }
            while conn.poll_transmit(&mut reply_sink).unwrap() {}
        }
    }
    (count, last, reply_sink.len())
}

#[test]
fn conversation_through_a_16_byte_read_buffer() {
    let mut client = Connection::client(Config::default(), [1; 16]);
    let mut server = Connection::server(Config::default());
    let mut wire = [0u8; 512];
    let mut out = SliceSink::new(&mut wire);
    client.send_text("a message longer than the read buffer", &mut out).unwrap();
    client.send_fragment(MessageKind::Text, "κό".as_bytes(), false, &mut out).unwrap();
    client.send_ping(b"", &mut out).unwrap();
    client.send_fragment(MessageKind::Text, "σμε".as_bytes(), true, &mut out).unwrap();
    client.close(CloseCode::NORMAL, "bye", &mut out).unwrap();
    let len = out.len();
    let mut storage = [0u8; 64];
    let (count, last, replied) = pump(&mut server, &wire[..len], &mut storage);
    assert_eq!(count, 2);
    assert_eq!(&last[.."κόσμε".len()], "κόσμε".as_bytes());
    assert_eq!(replied, 2 + 2 + 2, "a pong and the close echo");
    assert_eq!(server.state(), State::Closed);
    assert!(server.should_close_transport());
}

#[test]
fn message_larger_than_storage_is_refused() {
    let mut server = Connection::server(Config { max_message_len: 1 << 20, ..Config::default() });
    let mut wire = [0u8; 128];
    let mut out = SliceSink::new(&mut wire);
    let mut client = Connection::client(Config::default(), [1; 16]);
    client.send_binary(&[0; 100], &mut out).unwrap();
    let len = out.len();
    let mut storage = [0u8; 32];
    let mut messages = SliceMessageBuffer::new(&mut storage);
    let mut rest = &mut wire[..len];
    let mut refused = false;
    while !rest.is_empty() {
        let (event, r) = server.handle_read(rest).unwrap();
        rest = r;
        if let Some(Event::Data(chunk)) = event {
            refused |= messages.push(&chunk).is_err();
        }
    }
    assert!(refused);
}

/// Whole messages into a caller slice, in one pass per byte: fragments and frames
/// split across 7-byte reads are gathered (and unmasked) into the slice; a message
/// longer than the slice fails the connection with 1009 instead of being cut.
#[test]
fn whole_messages_gathered_into_a_slice() {
    let mut client = Connection::client(Config::default(), [5; 16]);
    let mut server = Connection::server(Config::default());
    let mut wire = [0u8; 256];
    let mut out = SliceSink::new(&mut wire);
    client.send_fragment(MessageKind::Text, "fragmented ".as_bytes(), false, &mut out).unwrap();
    client.send_ping(b"between", &mut out).unwrap();
    client.send_fragment(MessageKind::Text, "héllo".as_bytes(), true, &mut out).unwrap();
    client.send_binary(&[7; 32], &mut out).unwrap(); // fills the slice
    client.send_binary(&[9; 33], &mut out).unwrap(); // one byte over it
    let len = out.len();

    let mut storage = [0u8; 32];
    let mut messages = SliceMessageBuffer::new(&mut storage);
    let mut seen = [[0u8; 40]; 4];
    let mut lens = [0usize; 4];
    let mut count = 0;
    let mut pings = 0;
    let mut failure = None;
    'reads: for piece in wire[..len].chunks(7) {
        let mut read_buf = [0u8; 7];
        read_buf[..piece.len()].copy_from_slice(piece);
        let mut rest = &mut read_buf[..piece.len()];
        while !rest.is_empty() {
            match server.handle_read_message(rest, &mut messages) {
                Ok((event, r)) => {
                    rest = r;
                    match event {
                        Some(Event::Data(message)) => {
                            assert!(message.is_whole());
                            let bytes = message.payload();
                            seen[count][..bytes.len()].copy_from_slice(bytes);
                            lens[count] = bytes.len();
                            count += 1;
                        }
                        Some(Event::Ping(p)) => {
                            assert_eq!(p, b"between");
                            pings += 1;
                        }
                        _ => {}
                    }
                }
                Err(e) => {
                    failure = Some(e.close_code());
                    break 'reads;
                }
            }
        }
    }
    // No frame fits a 7-byte read, so every message was gathered in the slice.
    assert_eq!(count, 2);
    assert_eq!(&seen[0][..lens[0]], "fragmented héllo".as_bytes());
    assert_eq!(&seen[1][..lens[1]], &[7; 32]);
    assert_eq!(pings, 1);
    assert_eq!(failure, Some(CloseCode::MESSAGE_TOO_BIG));
    assert_eq!(server.state(), State::Closed);
}

/// Pending payload read straight into a caller slice: a 20-byte message arrives as a
/// 6-byte read (header and key) and two direct reads into the slice; a 40-byte message
/// cannot fit the 32-byte slice, which `payload_room` reports as 1009 before any byte
/// of it is read.
#[test]
fn pending_payload_read_straight_into_a_slice() {
    let mut client = Connection::client(Config::default(), [6; 16]);
    let mut server = Connection::server(Config::default());
    let mut wire = [0u8; 128];
    let mut out = SliceSink::new(&mut wire);
    client.send_binary(&[3; 20], &mut out).unwrap();
    client.send_binary(&[4; 40], &mut out).unwrap();
    let len = out.len();
    let wire = &mut wire[..len];

    let mut storage = [0u8; 32];
    let mut messages = SliceMessageBuffer::new(&mut storage);
    let (first, rest) = wire.split_at_mut(6);
    let (event, left) = server.handle_read_message(first, &mut messages).unwrap();
    assert!(event.is_none() && left.is_empty());
    assert_eq!(server.pending_payload(), Some(20));
    let room = server.payload_room(&mut messages, 8).unwrap().unwrap();
    assert_eq!(room.len(), 8);
    room.copy_from_slice(&rest[..8]);
    // Claiming more than the room takes only the room; a second commit takes nothing.
    assert!(server.commit_payload(15, &mut messages).unwrap().is_none());
    assert_eq!(server.pending_payload(), Some(12));
    assert!(server.commit_payload(5, &mut messages).unwrap().is_none());
    assert_eq!(server.pending_payload(), Some(12));
    let room = server.payload_room(&mut messages, 64).unwrap().unwrap();
    assert_eq!(room.len(), 12, "never past the frame");
    room.copy_from_slice(&rest[8..20]);
    let Some(Event::Data(message)) = server.commit_payload(12, &mut messages).unwrap() else {
        panic!("expected the message")
    };
    assert_eq!(message.payload(), &[3; 20]);
    assert_eq!(server.pending_payload(), None);

    let (header, _) = rest[20..].split_at_mut(6);
    let (event, _) = server.handle_read_message(header, &mut messages).unwrap();
    assert!(event.is_none());
    assert_eq!(server.pending_payload(), Some(40));
    let error = server.payload_room(&mut messages, 64).unwrap_err();
    assert_eq!(error.close_code(), CloseCode::MESSAGE_TOO_BIG);
    assert_eq!(server.pending_payload(), None, "the connection failed");
}
