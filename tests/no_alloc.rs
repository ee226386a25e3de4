//! A whole conversation using only caller buffers: what a `no_std`, no-`alloc` user has.

use rfc6455::message::{MessageKind, SliceMessageBuffer};
use rfc6455::{CloseCode, Config, Connection, MessageReader, Received, SliceSink, State};

/// Moves every byte of `wire` through `conn` with a 16-byte read buffer, returning the
/// whole messages and the number of bytes `poll_transmit` produced.
fn pump(conn: &mut Connection, wire: &[u8], storage: &mut [u8]) -> (usize, [u8; 64], usize) {
    let mut reader = MessageReader::new([0u8; 16], SliceMessageBuffer::new(storage));
    let mut count = 0;
    let mut last = [0u8; 64];
    let mut replies = [0u8; 512];
    let mut reply_sink = SliceSink::new(&mut replies);
    let mut rest = wire;
    while !rest.is_empty() {
        let spare = reader.spare(conn).unwrap();
        let n = spare.len().min(rest.len());
        spare[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        reader.filled(n);
        while let Some(received) = reader.next(conn) {
            if let Received::Text(text) = received {
                count += 1;
                last[..text.len()].copy_from_slice(text.as_bytes());
            }
            while conn.poll_transmit(&mut reply_sink).unwrap() {}
        }
        while conn.poll_transmit(&mut reply_sink).unwrap() {}
    }
    (count, last, reply_sink.len())
}

/// Feeds `wire` to `conn` through `reader` in reads of at most `read` bytes; calls
/// `on_received` with each message and returns the error that failed the connection.
fn read_all<R, S>(
    conn: &mut Connection,
    reader: &mut MessageReader<R, S>,
    wire: &[u8],
    read: usize,
    mut on_received: impl FnMut(Received<'_>),
) -> Option<CloseCode>
where
    R: AsRef<[u8]> + AsMut<[u8]>,
    S: rfc6455::message::MessageStore,
{
    let mut rest = wire;
    while !rest.is_empty() {
        let spare = match reader.spare(conn) {
            Ok(spare) => spare,
            Err(e) => return Some(e.close_code()),
        };
        let n = spare.len().min(rest.len()).min(read);
        spare[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        reader.filled(n);
        while let Some(received) = reader.next(conn) {
            on_received(received);
        }
    }
    conn.failure().map(|e| e.close_code())
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
    let mut server = Connection::server(Config::default().with_max_message_len(1 << 20));
    let mut wire = [0u8; 128];
    let mut out = SliceSink::new(&mut wire);
    let mut client = Connection::client(Config::default(), [1; 16]);
    client.send_binary(&[0; 100], &mut out).unwrap();
    let len = out.len();
    let mut storage = [0u8; 32];
    let mut reader = MessageReader::new([0u8; 16], SliceMessageBuffer::new(&mut storage));
    let failure = read_all(&mut server, &mut reader, &wire[..len], 16, |_| panic!("delivered"));
    assert_eq!(failure, Some(CloseCode::MESSAGE_TOO_BIG));
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
    let mut reader = MessageReader::new([0u8; 7], SliceMessageBuffer::new(&mut storage));
    let mut seen = [[0u8; 40]; 4];
    let mut lens = [0usize; 4];
    let mut count = 0;
    let mut pings = 0;
    let failure = read_all(&mut server, &mut reader, &wire[..len], 7, |received| match received {
        Received::Ping(p) => {
            assert_eq!(p, b"between");
            pings += 1;
        }
        received => {
            let bytes = received.data().expect("a message");
            seen[count][..bytes.len()].copy_from_slice(bytes);
            lens[count] = bytes.len();
            count += 1;
        }
    });
    // No frame fits a 7-byte read, so every message was gathered in the slice.
    assert_eq!(count, 2);
    assert_eq!(&seen[0][..lens[0]], "fragmented héllo".as_bytes());
    assert_eq!(&seen[1][..lens[1]], &[7; 32]);
    assert_eq!(pings, 1);
    assert_eq!(failure, Some(CloseCode::MESSAGE_TOO_BIG));
    assert_eq!(server.state(), State::Closed);
}

/// Pending payload read straight into a caller slice: a 20-byte message arrives as a
/// 6-byte read (header and key) and one direct read into the slice of the rest of the
/// frame and the bytes after it (as many as the 8-byte read buffer holds), which the
/// reader moves to its read buffer; a 40-byte message cannot fit the 32-byte slice,
/// which the reader reports as 1009 before more of it is read.
#[test]
fn pending_payload_read_straight_into_a_slice() {
    let mut client = Connection::client(Config::default(), [6; 16]);
    let mut server = Connection::server(Config::default());
    let mut wire = [0u8; 128];
    let mut out = SliceSink::new(&mut wire);
    client.send_binary(&[3; 20], &mut out).unwrap();
    client.send_binary(&[4; 40], &mut out).unwrap();
    let len = out.len();
    let wire = &wire[..len];

    let mut storage = [0u8; 32];
    let mut reader = MessageReader::new([0u8; 8], SliceMessageBuffer::new(&mut storage));
    assert_eq!(reader.feed(&wire[..6]), 6);
    assert!(reader.next(&mut server).is_none());
    assert_eq!(reader.buffered(), 0, "the header was taken");
    let room = reader.spare(&mut server).unwrap();
    assert_eq!(room.len(), 28, "the rest of the frame and 8 bytes after it");
    room.copy_from_slice(&wire[6..34]);
    reader.filled(28);
    assert_eq!(reader.feed(&wire[34..]), 0, "the read into the store comes first");
    assert_eq!(reader.next(&mut server), Some(Received::Binary(&[3; 20])));
    assert_eq!(reader.buffered(), 8, "the bytes after the frame are in the read buffer");
    assert!(reader.next(&mut server).is_none());
    let error = reader.spare(&mut server).unwrap_err();
    assert_eq!(error.close_code(), CloseCode::MESSAGE_TOO_BIG);
    assert!(server.failure().is_some());
}
