//! A client and a server of this crate talk through in-memory pipes: the opening
//! handshake, masked text and binary messages, a fragmented message with a ping between
//! its fragments, the pong, messages from the server, and the close handshake.
//!
//! The buffers are arrays on the stack, lent to the crate as slices (`SliceSink` for
//! output, `SliceMessageBuffer` for messages gathered from fragments); nothing
//! allocates. (The crate's `heapless` feature needs heapless 0.9, which needs Rust 1.87;
//! this program is built with Debian's Rust 1.85: see run.sh.)

use rfc6455::handshake::{
    accept_key, Accept, ClientHandshake, ClientKey, ClientRequest, Limits, ServerHandshake, Status,
};
use rfc6455::message::{MessageKind, SliceMessageBuffer};
use rfc6455::{CloseCode, Config, Connection, MessageReader, Received, SliceSink, State};

use crate::{check, Checked};

/// One direction of the in-memory transport: frames are written into it, and read
/// from its `filled()` bytes.
pub type Wire<'a> = SliceSink<'a>;

/// A connection with its reader: a 256-byte read buffer, and a caller-lent store for
/// messages that do not arrive whole in one read.
pub struct Peer<'s> {
    /// The protocol state.
    pub conn: Connection,
    /// Where received bytes go.
    pub reader: MessageReader<[u8; 256], SliceMessageBuffer<'s>>,
}

impl<'s> Peer<'s> {
    fn new(conn: Connection, store: &'s mut [u8]) -> Self {
        Self { conn, reader: MessageReader::new([0; 256], SliceMessageBuffer::new(store)) }
    }
}

/// What a peer must receive, in order.
#[derive(Clone, Copy)]
pub enum Expect<'a> {
    /// A whole text message.
    Text(&'a str),
    /// A whole binary message.
    Binary(&'a [u8]),
    /// A ping with this payload.
    Ping(&'a [u8]),
    /// A pong with this payload.
    Pong(&'a [u8]),
    /// A Close with this code and reason.
    Close(CloseCode, &'a str),
}

fn matches(received: &Received<'_>, expected: Expect<'_>) -> bool {
    match (received, expected) {
        (Received::Text(got), Expect::Text(want)) => *got == want,
        (Received::Binary(got), Expect::Binary(want)) => *got == want,
        (Received::Ping(got), Expect::Ping(want)) => got.as_bytes() == want,
        (Received::Pong(got), Expect::Pong(want)) => got.as_bytes() == want,
        (Received::Close(got), Expect::Close(code, reason)) => {
            got.code() == Some(code) && got.reason() == reason
        }
        _ => false,
    }
}

/// Reads of this many bytes at most: frames and headers are cut across reads.
const READ: usize = 13;

/// Feeds `wire` to `peer` in short reads, checks that exactly `expected` comes out, in
/// order, and drains what the peer then sends on its own (pongs, the close reply) into
/// `replies`. `wire` is emptied.
pub fn deliver(
    peer: &mut Peer<'_>,
    wire: &mut Wire<'_>,
    expected: &[Expect<'_>],
    replies: &mut Wire<'_>,
) -> Checked {
    let bytes = wire.filled();
    let mut at = 0;
    let mut seen = 0;
    while at < bytes.len() {
        let spare = peer.reader.spare(&mut peer.conn).map_err(|_| "reader refused a read")?;
        let n = spare.len().min(bytes.len() - at).min(READ);
        spare[..n].copy_from_slice(&bytes[at..at + n]);
        at += n;
        peer.reader.filled(n);
        while let Some(received) = peer.reader.next(&mut peer.conn) {
            let want = *expected.get(seen).ok_or("a message more than expected")?;
            check(matches(&received, want), "a message differs from the one sent")?;
            seen += 1;
        }
        while peer.conn.poll_transmit(replies).map_err(|_| "reply wire full")? {}
    }
    wire.clear();
    check(seen == expected.len(), "a message sent was not received")?;
    check(peer.conn.failure().is_none(), "the connection failed")
}

/// The opening handshake over the pipes: the client's request, the server's checks and
/// 101, the client's checks. Returns the client and the server, whose message stores
/// are `stores`.
pub fn handshake<'s>(
    c2s: &mut Wire<'_>,
    s2c: &mut Wire<'_>,
    stores: (&'s mut [u8], &'s mut [u8]),
) -> Result<(Peer<'s>, Peer<'s>), &'static str> {
    let key = ClientKey::from_random([0x5a; 16]);
    let request = ClientRequest::from_uri("ws://sensor.local:8080/telemetry?v=1", key)
        .map_err(|_| "client request refused")?
        .with_subprotocols(&["telemetry.v1"]);
    request.write(c2s).map_err(|_| "client request does not fit")?;
    check(c2s.filled().starts_with(b"GET /telemetry?v=1 HTTP/1.1\r\n"), "request line")?;

    let mut server_handshake = ServerHandshake::new(Limits::default());
    let server = match server_handshake.parse_request(c2s.filled()) {
        Ok(Status::Complete(request)) => {
            check(request.path() == "/telemetry", "server: path")?;
            check(request.query() == Some("v=1"), "server: query")?;
            check(request.host() == "sensor.local:8080", "server: host")?;
            check(request.key() == key.as_str(), "server: key")?;
            let protocol = request.select_subprotocol(&["telemetry.v1"]);
            check(protocol == Some("telemetry.v1"), "server: subprotocol")?;
            let accept = Accept::new().with_subprotocol(protocol);
            let upgrade = request.accept(&accept, s2c).map_err(|_| "server: 101 refused")?;
            check(upgrade.leftover(&mut []).is_empty(), "server: leftover")?;
            upgrade.into_connection(Config::default())
        }
        _ => return Err("server: request not accepted"),
    };
    c2s.clear();

    check(s2c.filled().starts_with(b"HTTP/1.1 101 "), "101 status line")?;
    let accept = accept_key(key.as_str().as_bytes());
    check(contains(s2c.filled(), accept.as_bytes()), "101 carries the accept key")?;
    let mut client_handshake = ClientHandshake::new(request, Limits::default());
    let client = match client_handshake.parse_response(s2c.filled()) {
        Ok(Status::Complete(upgrade)) => {
            check(upgrade.subprotocol() == Some("telemetry.v1"), "client: subprotocol")?;
            upgrade.into_connection(Config::default(), [0x3c; 16])
        }
        _ => return Err("client: 101 not accepted"),
    };
    s2c.clear();
    Ok((Peer::new(client, stores.0), Peer::new(server, stores.1)))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The whole conversation; `Err` names the first check that failed.
pub fn run() -> Checked {
    let (mut c2s_bytes, mut s2c_bytes) = ([0u8; 512], [0u8; 512]);
    let mut c2s = Wire::new(&mut c2s_bytes);
    let mut s2c = Wire::new(&mut s2c_bytes);
    let (mut client_store, mut server_store) = ([0u8; 256], [0u8; 256]);
    let stores = (&mut client_store[..], &mut server_store[..]);
    let (mut client, mut server) = handshake(&mut c2s, &mut s2c, stores)?;
    check(client.conn.state() == State::Open, "client open")?;
    check(server.conn.state() == State::Open, "server open")?;

    // A masked text message: FIN + text, the mask bit, and masked bytes on the wire.
    let text = "hello from a Cortex-M";
    client.conn.send_text(text, &mut c2s).map_err(|_| "send_text")?;
    check(c2s.len() == 2 + 4 + text.len(), "text frame length")?;
    check(
        c2s.filled()[0] == 0x81 && c2s.filled()[1] == 0x80 | text.len() as u8,
        "text frame header",
    )?;
    check(&c2s.filled()[6..] != text.as_bytes(), "text payload masked on the wire")?;
    deliver(&mut server, &mut c2s, &[Expect::Text(text)], &mut s2c)?;

    // A masked binary message of 200 bytes: the 16-bit length form.
    let mut binary = [0u8; 200];
    for (i, b) in binary.iter_mut().enumerate() {
        *b = (i * 7 + 3) as u8;
    }
    client.conn.send_binary(&binary, &mut c2s).map_err(|_| "send_binary")?;
    check(c2s.filled()[..4] == [0x82, 0x80 | 126, 0, 200], "binary frame header")?;
    deliver(&mut server, &mut c2s, &[Expect::Binary(&binary)], &mut s2c)?;

    // A text message in three fragments with a ping between them; the server answers
    // the ping with a pong (auto pong) before the message is complete.
    client.conn.send_fragment(MessageKind::Text, b"frag", false, &mut c2s).map_err(|_| "frag 1")?;
    client.conn.send_ping(b"ping?", &mut c2s).map_err(|_| "ping")?;
    let fragment = "mented \u{2713} ".as_bytes();
    // The check mark is cut across two fragments: UTF-8 is checked over the message.
    let (second, third_start) = fragment.split_at(fragment.len() - 2);
    client.conn.send_fragment(MessageKind::Text, second, false, &mut c2s).map_err(|_| "frag 2")?;
    let mut third = [0u8; 9];
    third[..2].copy_from_slice(third_start);
    third[2..].copy_from_slice(b"message");
    client.conn.send_fragment(MessageKind::Text, &third, true, &mut c2s).map_err(|_| "frag 3")?;
    check(c2s.filled()[0] == 0x01, "first fragment: text, FIN clear")?;
    let expected = [Expect::Ping(b"ping?"), Expect::Text("fragmented \u{2713} message")];
    deliver(&mut server, &mut c2s, &expected, &mut s2c)?;
    check(s2c.filled()[..2] == [0x8a, 5], "the pong, unmasked")?;
    deliver(&mut client, &mut s2c, &[Expect::Pong(b"ping?")], &mut c2s)?;
    check(c2s.is_empty(), "a pong needs no reply")?;

    // From the server: unmasked text, and a binary message in two fragments.
    server.conn.send_text("ack", &mut s2c).map_err(|_| "server send_text")?;
    check(s2c.filled() == *b"\x81\x03ack", "server text frame, unmasked")?;
    let (head, tail) = binary.split_at(120);
    server.conn.send_fragment(MessageKind::Binary, head, false, &mut s2c).map_err(|_| "s frag")?;
    server.conn.send_fragment(MessageKind::Binary, tail, true, &mut s2c).map_err(|_| "s frag")?;
    let expected = [Expect::Text("ack"), Expect::Binary(&binary)];
    deliver(&mut client, &mut s2c, &expected, &mut c2s)?;

    // The client pings, the server's pong comes back.
    client.conn.send_ping(b"\x00\x01\x02", &mut c2s).map_err(|_| "ping")?;
    deliver(&mut server, &mut c2s, &[Expect::Ping(b"\x00\x01\x02")], &mut s2c)?;
    deliver(&mut client, &mut s2c, &[Expect::Pong(b"\x00\x01\x02")], &mut c2s)?;

    // The close handshake, started by the client.
    client.conn.close(CloseCode::NORMAL, "bye", &mut c2s).map_err(|_| "close")?;
    check(client.conn.state() == State::ClosingLocal, "client closing")?;
    check(client.conn.send_text("late", &mut c2s).is_err(), "no text after our Close")?;
    deliver(&mut server, &mut c2s, &[Expect::Close(CloseCode::NORMAL, "bye")], &mut s2c)?;
    check(s2c.filled()[..4] == [0x88, 2, 0x03, 0xe8], "server echoes code 1000")?;
    check(server.conn.state() == State::Closed, "server closed")?;
    check(server.conn.should_close_transport(), "server closes the transport")?;
    deliver(&mut client, &mut s2c, &[Expect::Close(CloseCode::NORMAL, "")], &mut c2s)?;
    check(c2s.is_empty(), "no reply to the reply")?;
    check(client.conn.state() == State::Closed, "client closed")?;
    check(client.conn.close_code() == Some(CloseCode::NORMAL), "client close code")?;
    check(server.conn.close_code() == Some(CloseCode::NORMAL), "server close code")
}
