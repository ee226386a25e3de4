//! The `heapless` feature: `heapless::Vec` as a frame sink and a driver's output
//! buffer, and `HeaplessMessageBuffer`, an owned fixed-capacity message store, against
//! the slice store it must match byte for byte.

use rfc6455::driver::{Driver, Next};
use rfc6455::handshake::Limits;
use rfc6455::message::{HeaplessMessageBuffer, MessageKind, MessageStore, SliceMessageBuffer};
use rfc6455::{
    CloseCode, Config, Connection, FrameSink, MessageReader, Received, SendError, SliceSink,
};

/// A client's frames: fragments with a ping between them, masked text and binary
/// messages of every size up to `max`, and a Close. (Written into a `heapless::Vec`:
/// `Vec<u8>` is a sink only with `alloc`.)
fn client_frames(max: usize) -> heapless::Vec<u8, 4096> {
    let mut client = Connection::client(Config::default(), [9; 16]);
    let mut out = heapless::Vec::new();
    client.send_fragment(MessageKind::Text, "fragmented ".as_bytes(), false, &mut out).unwrap();
    client.send_ping(b"between", &mut out).unwrap();
    client.send_fragment(MessageKind::Text, "héllo".as_bytes(), true, &mut out).unwrap();
    for len in (0..=max).step_by(7) {
        // At most `len` bytes: a third as many characters of up to three bytes.
        let text: String = "aé€".chars().cycle().take(len / 3).collect();
        client.send_text(&text, &mut out).unwrap();
        client.send_binary(&vec![len as u8; len], &mut out).unwrap();
    }
    client.close(CloseCode::NORMAL, "bye", &mut out).unwrap();
    out
}

#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Message(MessageKind, Vec<u8>),
    Control(Vec<u8>),
    Failed(u16),
}

/// What a server sees of `wire` through `reader`, in reads of at most `read` bytes.
fn receive<R, S>(mut reader: MessageReader<R, S>, wire: &[u8], read: usize) -> Vec<Seen>
where
    R: AsRef<[u8]> + AsMut<[u8]>,
    S: MessageStore,
{
    let mut server = Connection::server(Config::default().with_max_message_len(1 << 20));
    let mut seen = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let spare = match reader.spare(&mut server) {
            Ok(spare) => spare,
            Err(e) => {
                seen.push(Seen::Failed(e.close_code().get()));
                break;
            }
        };
        let n = spare.len().min(rest.len()).min(read);
        spare[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        reader.filled(n);
        while let Some(received) = reader.next(&mut server) {
            seen.push(match received {
                Received::Text(t) => Seen::Message(MessageKind::Text, t.as_bytes().to_vec()),
                Received::Binary(b) => Seen::Message(MessageKind::Binary, b.to_vec()),
                Received::Ping(p) | Received::Pong(p) => Seen::Control(p.to_vec()),
                Received::Close(c) => Seen::Control(c.reason().as_bytes().to_vec()),
            });
        }
    }
    match server.failure() {
        Some(e) if !matches!(seen.last(), Some(Seen::Failed(_))) => {
            seen.push(Seen::Failed(e.close_code().get()));
        }
        _ => {}
    }
    seen
}

#[test]
fn the_heapless_store_delivers_what_the_slice_store_does() {
    let wire = client_frames(90);
    for read in [1, 2, 3, 7, 16, 64, 1000] {
        let mut storage = [0u8; 100];
        let slice = receive(
            MessageReader::new([0u8; 16], SliceMessageBuffer::new(&mut storage)),
            &wire,
            read,
        );
        let owned = receive(
            MessageReader::new([0u8; 16], HeaplessMessageBuffer::<100>::new()),
            &wire,
            read,
        );
        assert_eq!(owned, slice, "reads of {read}");
        // Every message arrived, the fragmented one first, and nothing failed.
        assert_eq!(
            owned[0],
            Seen::Control(b"between".to_vec()),
            "the ping is delivered before the message it interrupted"
        );
        assert_eq!(owned[1], Seen::Message(MessageKind::Text, "fragmented héllo".into()));
        assert_eq!(owned.last(), Some(&Seen::Control(b"bye".to_vec())));
        assert!(!owned.iter().any(|s| matches!(s, Seen::Failed(_))));
    }
}

#[test]
fn a_message_over_the_capacity_fails_with_1009() {
    let mut client = Connection::client(Config::default(), [1; 16]);
    let mut out = heapless::Vec::<u8, 128>::new();
    client.send_binary(&[7; 32], &mut out).unwrap(); // fills the store exactly
    client.send_binary(&[9; 33], &mut out).unwrap(); // one byte over it
    for read in [1, 5, 16] {
        let reader = MessageReader::new([0u8; 8], HeaplessMessageBuffer::<32>::new());
        let seen = receive(reader, &out, read);
        assert_eq!(
            seen,
            [Seen::Message(MessageKind::Binary, vec![7; 32]), Seen::Failed(1009)],
            "reads of {read}"
        );
    }
}

#[test]
fn a_heapless_vec_sink_takes_a_frame_whole_or_not_at_all() {
    let mut conn = Connection::server(Config::default());
    let mut out = heapless::Vec::<u8, 16>::new();
    conn.send_binary(&[1; 10], &mut out).unwrap();
    assert_eq!(out.len(), 12);
    assert_eq!(out.capacity_left(), 4);
    assert_eq!(out.queued(), 12);
    // 2 header bytes and 3 payload bytes do not fit in 4: nothing is written.
    let refused = conn.send_binary(&[2; 3], &mut out).unwrap_err();
    assert!(matches!(refused, SendError::BufferTooSmall(_)), "{refused:?}");
    assert_eq!(out.len(), 12);
    conn.send_binary(&[2; 2], &mut out).unwrap();
    assert_eq!(&out[12..], &[0x82, 2, 2, 2]);
    assert_eq!(out.capacity_left(), 0);
    // A client's frames are masked in the sink as in any other.
    let mut client = Connection::client(Config::default(), [3; 16]);
    let mut masked = heapless::Vec::<u8, 16>::new();
    let mut reference = [0u8; 16];
    let mut reference_sink = SliceSink::new(&mut reference);
    client.send_text("masked", &mut masked).unwrap();
    let mut twin = Connection::client(Config::default(), [3; 16]);
    twin.send_text("masked", &mut reference_sink).unwrap();
    assert_eq!(masked.as_slice(), reference_sink.filled());
}

/// Runs a server driver with an output buffer of `N` bytes over `input`; returns what
/// it wrote and the error it reported.
fn serve<const N: usize>(input: &[u8]) -> (Vec<u8>, Option<rfc6455::Error>, Vec<String>) {
    let out = heapless::Vec::<u8, N>::new();
    let mut driver = Driver::server(Config::default(), Limits::default(), out);
    let mut reader = MessageReader::new([0u8; 256], HeaplessMessageBuffer::<64>::new());
    let (mut input, mut wire, mut failed, mut texts) = (input, Vec::new(), None, Vec::new());
    loop {
        match driver.poll(&mut reader) {
            Next::Read { .. } => {
                let buf = driver.read_buffer(&mut reader);
                let n = buf.len().min(input.len()).min(10);
                buf[..n].copy_from_slice(&input[..n]);
                input = &input[n..];
                driver.filled(&mut reader, n);
            }
            Next::Write => {
                wire.extend_from_slice(driver.output());
                driver.wrote(driver.output().len());
            }
            Next::Flush => driver.flushed(),
            Next::Handshake => driver.accept(&mut reader, |_| Ok(Default::default())),
            Next::Message => {
                if let Ok(Received::Text(text)) = driver.message(&mut reader) {
                    texts.push(text.to_owned());
                    let (conn, out) = driver.connection_and_output().unwrap();
                    conn.send_text(text, out).unwrap();
                }
            }
            Next::Failed(e) => failed = Some(e),
            Next::Closed => return (wire, failed, texts),
            next => panic!("{next:?}"),
        }
    }
}

const HEAD: &[u8] = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

#[test]
fn a_driver_writes_through_a_heapless_output_buffer() {
    let mut input = HEAD.to_vec();
    input.extend_from_slice(b"\x81\x82\0\0\0\0hi");
    let (wire, failed, texts) = serve::<160>(&input);
    assert!(wire.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
    assert!(wire.ends_with(b"\x81\x02hi"), "the echo");
    assert_eq!((failed, texts), (None, vec!["hi".to_owned()]));
}

#[test]
fn an_output_buffer_too_small_for_the_handshake_answer_is_reported() {
    let (wire, failed, _) = serve::<32>(HEAD);
    assert!(wire.is_empty(), "neither the 101 nor the 500 fits: {wire:?}");
    assert!(matches!(failed, Some(rfc6455::Error::Usage(_))), "{failed:?}");
}
