//! The shared driver loop (`rfc6455::driver::Driver`) between a client and a server in
//! memory: the handshake, messages, reads and writes cut at every size, failures and
//! refusals, and what the peer is told in each case.

#![cfg(feature = "alloc")]

use rfc6455::driver::{Driver, Next};
use rfc6455::handshake::{Accept, ClientKey, ClientRequest, HandshakeError, Limits, Reject};
use rfc6455::message::MessageBuffer;
use rfc6455::{CloseCode, Config, Error, MessageReader, Received};

type VecDriver = Driver<Vec<u8>>;
type Reader = MessageReader<Vec<u8>, MessageBuffer>;

fn reader(size: usize) -> MessageReader<Vec<u8>, MessageBuffer> {
    MessageReader::new(vec![0; size], MessageBuffer::new())
}

const KEY: [u8; 16] = *b"the sample nonce";

fn request() -> ClientRequest<'static> {
    ClientRequest::from_uri("ws://example.com/chat", ClientKey::from_random(KEY))
        .unwrap()
        .with_subprotocols(&["chat.v1", "chat.v2"])
}

/// One side of the in-memory transport: its reader, and what it saw.
#[derive(Debug)]
struct Side {
    reader: Reader,
    received: Vec<Owned>,
    failed: Option<Error>,
    closed: bool,
}

impl Side {
    fn new(read_size: usize) -> Self {
        Self { reader: reader(read_size), received: Vec::new(), failed: None, closed: false }
    }
}

#[derive(Debug, PartialEq, Eq, Clone)]
enum Owned {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>),
}

fn owned(message: &Received<'_>) -> Owned {
    match message {
        Received::Text(t) => Owned::Text((*t).to_owned()),
        Received::Binary(b) => Owned::Binary(b.to_vec()),
        Received::Ping(p) => Owned::Ping(p.to_vec()),
        Received::Pong(p) => Owned::Pong(p.to_vec()),
        Received::Close(c) => Owned::Close(c.code().map(CloseCode::get)),
    }
}

/// Runs one driver step against `inbox` (bytes from the peer) and `wire` (bytes to the
/// peer), with reads and writes of at most `chunk` bytes. Returns `false` when the
/// driver waits for input that is not there.
fn step(
    d: &mut VecDriver,
    side: &mut Side,
    inbox: &mut Vec<u8>,
    wire: &mut Vec<u8>,
    chunk: usize,
    request: &ClientRequest<'_>,
    inbox_ended: bool,
) -> bool {
    let next = d.poll(&mut side.reader);
    step_with(d, next, side, inbox, wire, chunk, request, inbox_ended)
}

#[allow(clippy::too_many_arguments)]
fn step_with(
    d: &mut VecDriver,
    next: Next,
    side: &mut Side,
    inbox: &mut Vec<u8>,
    wire: &mut Vec<u8>,
    chunk: usize,
    request: &ClientRequest<'_>,
    inbox_ended: bool,
) -> bool {
    match next {
        Next::Write => {
            let n = d.output().len().min(chunk);
            wire.extend_from_slice(&d.output()[..n]);
            d.wrote(n);
        }
        Next::Flush => d.flushed(),
        Next::Read { .. } => {
            if inbox.is_empty() {
                if inbox_ended {
                    d.filled(&mut side.reader, 0);
                    return true;
                }
                return false;
            }
            let buf = d.read_buffer(&mut side.reader);
            let n = buf.len().min(chunk).min(inbox.len());
            buf[..n].copy_from_slice(&inbox[..n]);
            inbox.drain(..n);
            d.filled(&mut side.reader, n);
        }
        Next::Handshake => {
            if d.connection().is_none() && side.received.is_empty() {
                // The same driver type plays both roles; the request tells them apart.
                d.check_response(&mut side.reader, request);
                d.accept(&mut side.reader, |r| {
                    Ok(Accept::new().with_subprotocol(r.select_subprotocol(&["chat.v2"])))
                });
            }
        }
        Next::Message => {
            let server = d.connection().unwrap().role() == rfc6455::Role::Server;
            match d.message(&mut side.reader) {
                Ok(message) => {
                    // Echo data back, as a server would, straight from the reader.
                    match message {
                        Received::Text(t) if server => {
                            let (conn, out) = d.connection_and_output().unwrap();
                            conn.send_text(t, out).unwrap();
                        }
                        Received::Binary(b) if server => {
                            let (conn, out) = d.connection_and_output().unwrap();
                            conn.send_binary(b, out).unwrap();
                        }
                        _ => {}
                    }
                    side.received.push(owned(&message));
                }
                Err(e) => {
                    assert!(side.failed.is_none(), "a failure is reported once");
                    side.failed = Some(e);
                }
            }
        }
        Next::Failed(e) => {
            assert!(side.failed.is_none(), "a failure is reported once");
            side.failed = Some(e);
        }
        Next::Closed => {
            side.closed = true;
            return false;
        }
        _ => unreachable!(),
    }
    true
}

/// Runs both drivers until neither can make progress.
fn pump(
    client: &mut VecDriver,
    server: &mut VecDriver,
    sides: &mut (Side, Side),
    wires: &mut (Vec<u8>, Vec<u8>),
    chunk: usize,
) {
    let request = request();
    for _ in 0..1_000_000 {
        // A side whose peer closed the transport reads the end of the stream.
        let ended = sides.1.closed;
        let a = step(client, &mut sides.0, &mut wires.1, &mut wires.0, chunk, &request, ended);
        let ended = sides.0.closed;
        let b = step(server, &mut sides.1, &mut wires.0, &mut wires.1, chunk, &request, ended);
        if !a && !b {
            return;
        }
    }
    panic!("no end");
}

fn pair(read_size: usize) -> (VecDriver, VecDriver, (Side, Side)) {
    let client =
        Driver::client(&request(), Config::default(), Limits::default(), [5; 16], Vec::new())
            .unwrap();
    let server = Driver::server(Config::default(), Limits::default(), Vec::new());
    (client, server, (Side::new(read_size), Side::new(read_size)))
}

#[test]
fn a_session_through_every_read_and_write_size() {
    for chunk in [1, 2, 3, 7, 64, 1000, usize::MAX] {
        let (mut client, mut server, mut sides) = pair(512);
        let mut wires = (Vec::new(), Vec::new());
        pump(&mut client, &mut server, &mut sides, &mut wires, chunk);
        assert_eq!(client.subprotocol(), Some("chat.v2"));
        assert_eq!(server.subprotocol(), Some("chat.v2"));

        let (conn, out) = client.connection_and_output().unwrap();
        conn.send_text("Hello", out).unwrap();
        conn.send_binary(&[7; 2000], out).unwrap(); // larger than the read buffer
        conn.send_ping(b"p", out).unwrap();
        pump(&mut client, &mut server, &mut sides, &mut wires, chunk);
        let (conn, out) = client.connection_and_output().unwrap();
        conn.close(CloseCode::NORMAL, "bye", out).unwrap();
        pump(&mut client, &mut server, &mut sides, &mut wires, chunk);

        let expected = vec![
            Owned::Text("Hello".into()),
            Owned::Binary(vec![7; 2000]),
            Owned::Ping(b"p".to_vec()),
            Owned::Close(Some(1000)),
        ];
        assert_eq!(sides.1.received, expected, "server, chunk {chunk}");
        assert_eq!(
            sides.0.received,
            vec![
                Owned::Text("Hello".into()),
                Owned::Binary(vec![7; 2000]),
                Owned::Pong(b"p".to_vec()),
                Owned::Close(Some(1000)),
            ],
            "client, chunk {chunk}"
        );
        assert!(sides.0.closed && sides.1.closed);
        assert_eq!((sides.0.failed, sides.1.failed), (None, None));
        assert_eq!(server.close_code(), Some(CloseCode::NORMAL));
    }
}

#[test]
fn frames_that_come_with_the_handshake_head_are_kept() {
    // The client's head and its first frame arrive in one read.
    let (mut client, mut server, mut sides) = pair(1024);
    client.connection_and_output().unwrap_err(); // not open yet
    let mut head = Vec::new();
    while let Next::Write = client.poll(&mut sides.0.reader) {
        head.extend_from_slice(client.output());
        let n = client.output().len();
        client.wrote(n);
    }
    head.extend_from_slice(b"\x81\x85\x01\x02\x03\x04");
    head.extend(b"early".iter().zip([1u8, 2, 3, 4].iter().cycle()).map(|(b, k)| b ^ k));
    let mut wires = (head, Vec::new());
    pump(&mut client, &mut server, &mut sides, &mut wires, usize::MAX);
    assert_eq!(sides.1.received, vec![Owned::Text("early".into())]);
}

/// Feeds `input` to a server driver; returns what it wrote, its failure, and whether
/// it ended.
fn serve(input: &[u8], read_size: usize, decide: Option<u16>) -> (Vec<u8>, Side) {
    let mut server = Driver::server(Config::default(), Limits::default(), Vec::new());
    let mut side = Side::new(read_size);
    let mut inbox = input.to_vec();
    let mut wire = Vec::new();
    let request = request();
    for _ in 0..100_000 {
        let next = server.poll(&mut side.reader);
        if let Next::Handshake = next {
            server.accept(&mut side.reader, |_| match decide {
                Some(status) => Err(Reject::new(status)),
                None => Ok(Accept::new()),
            });
            continue;
        }
        if !step_with(&mut server, next, &mut side, &mut inbox, &mut wire, 100, &request, true) {
            break;
        }
    }
    (wire, side)
}

#[test]
fn a_malformed_request_gets_its_status_before_the_error() {
    let (wire, side) = serve(b"GET / HTTP/1.0\r\nHost: h\r\n\r\n", 1024, None);
    assert!(wire.starts_with(b"HTTP/1.1 "), "{}", String::from_utf8_lossy(&wire));
    assert!(matches!(side.failed, Some(Error::Handshake(_))));
    assert!(side.closed);
}

#[test]
fn a_declined_request_is_answered_then_reported() {
    let head = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let (wire, side) = serve(head, 1024, Some(403));
    assert!(wire.starts_with(b"HTTP/1.1 403 "), "{}", String::from_utf8_lossy(&wire));
    assert_eq!(side.failed, Some(Error::Declined { status: 403 }));
    assert!(side.closed);
}

#[test]
fn a_head_larger_than_the_read_buffer_is_refused_with_431() {
    let mut head = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
    head.extend(core::iter::repeat_n(b"X-Filler: 0123456789\r\n".as_slice(), 20).flatten());
    let (wire, side) = serve(&head, 256, None);
    assert!(wire.starts_with(b"HTTP/1.1 431 "), "{}", String::from_utf8_lossy(&wire));
    assert_eq!(side.failed, Some(Error::Handshake(HandshakeError::HeadTooLarge)));
}

#[test]
fn a_peer_gone_during_the_handshake_ends_it_quietly() {
    let (wire, side) = serve(b"GET / HTTP/1.1\r\n", 1024, None);
    assert!(wire.is_empty());
    assert_eq!(side.failed, None);
    assert!(side.closed);
}

#[test]
fn a_protocol_failure_sends_its_close_then_reports_once() {
    let head = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let mut input = head.to_vec();
    input.extend_from_slice(b"\x81\x82\0\0\0\0ok"); // a text message
    input.extend_from_slice(b"\x81\x82\0\0\0\0\xff\xff"); // invalid UTF-8
    let (wire, side) = serve(&input, 1024, None);
    assert_eq!(side.received, vec![Owned::Text("ok".into())]);
    let code = side.failed.and_then(|e| e.close_code());
    assert_eq!(code, Some(CloseCode::INVALID_PAYLOAD));
    // The echo, then the Close with 1007.
    assert!(wire.ends_with(b"\x81\x02ok\x88\x02\x03\xef"), "{wire:x?}");
    assert!(side.closed);
}

#[test]
fn a_failed_write_still_delivers_the_peers_close() {
    let (mut client, mut server, mut sides) = pair(1024);
    let mut wires = (Vec::new(), Vec::new());
    pump(&mut client, &mut server, &mut sides, &mut wires, usize::MAX);
    let (conn, out) = client.connection_and_output().unwrap();
    conn.close(CloseCode::GOING_AWAY, "", out).unwrap();
    while let Next::Write = client.poll(&mut sides.0.reader) {
        wires.0.extend_from_slice(client.output());
        let n = client.output().len();
        client.wrote(n);
    }
    // The server's transport can no longer write: its Close reply is dropped, the
    // client's Close is delivered, and the server is done.
    server.write_failed();
    let request = request();
    while step(&mut server, &mut sides.1, &mut wires.0, &mut wires.1, usize::MAX, &request, false) {
    }
    assert_eq!(sides.1.received, vec![Owned::Close(Some(1001))]);
    assert!(wires.1.is_empty());
    assert!(sides.1.closed);
    assert_eq!(server.close_code(), Some(CloseCode::GOING_AWAY));
}

/// A client frame masked with the zero key.
fn client_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![first, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    f.extend_from_slice(payload);
    f
}

#[test]
fn every_ping_read_together_is_answered_and_before_the_next_message() {
    // Autobahn 2.10 and 5.6: ten pings that arrive in one read get ten pongs, and a
    // ping between the fragments of a message is answered before the message's echo.
    let head = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let mut input = head.to_vec();
    let mut expected = Vec::new();
    for i in 0..10 {
        let payload = format!("payload-{i}");
        input.extend(client_frame(0x89, payload.as_bytes()));
        expected.extend([0x8a, 9]);
        expected.extend_from_slice(payload.as_bytes());
    }
    input.extend(client_frame(0x01, b"fragment1"));
    input.extend(client_frame(0x89, b"ping payload"));
    input.extend(client_frame(0x80, b"fragment2"));
    expected.extend(b"\x8a\x0cping payload\x81\x12fragment1fragment2");
    let (wire, side) = serve(&input, 1024, None);
    let end = wire.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(wire[end..], expected[..], "{}", String::from_utf8_lossy(&wire[end..]));
    assert_eq!(side.received.len(), 12);
}
