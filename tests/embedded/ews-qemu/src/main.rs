//! The conversation of rfc6455-qemu's `footprint`, done with embedded-websocket 0.9: a
//! client and a server in one program, in-memory pipes, the same messages and the same
//! checks. What embedded-websocket leaves to its user is written here as a user would:
//! parsing the request head (httparse, as its examples do), answering pings and the
//! peer's Close, reassembling fragments and checking that text is UTF-8.
#![no_std]
#![no_main]

use embedded_websocket::{
    read_http_header, WebSocket, WebSocketClient, WebSocketCloseStatusCode as Code,
    WebSocketOptions, WebSocketReceiveMessageType as In, WebSocketSendMessageType as Out,
    WebSocketServer, WebSocketState, WebSocketType,
};
use rand_core::{impls, RngCore};
use support::{entry, exit, print, report_stack};

type Checked = Result<(), &'static str>;

fn check(ok: bool, what: &'static str) -> Checked {
    if ok {
        Ok(())
    } else {
        Err(what)
    }
}

/// The client's source of keys and masks: xorshift32 (a fixed seed; rfc6455-qemu's
/// client takes a fixed 16-byte seed too).
struct XorShift(u32);

impl RngCore for XorShift {
    fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
    fn next_u64(&mut self) -> u64 {
        impls::next_u64_via_u32(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// One direction of the in-memory transport.
struct Wire {
    bytes: [u8; 512],
    len: usize,
}

impl Wire {
    fn new() -> Self {
        Self { bytes: [0; 512], len: 0 }
    }
    fn filled(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
    fn spare(&mut self) -> &mut [u8] {
        &mut self.bytes[self.len..]
    }
}

/// Sends one frame into `wire`.
fn send<T: RngCore, S: WebSocketType>(
    ws: &mut WebSocket<T, S>,
    kind: Out,
    last: bool,
    payload: &[u8],
    wire: &mut Wire,
) -> Checked {
    let n = ws.write(kind, last, payload, wire.spare()).map_err(|_| "write")?;
    wire.len += n;
    Ok(())
}

#[derive(Clone, Copy)]
enum Expect<'a> {
    Text(&'a str),
    Binary(&'a [u8]),
    Ping(&'a [u8]),
    Pong(&'a [u8]),
    Close(Code, &'a str),
}

/// Reads every frame in `wire`, reassembles messages, answers pings and a Close into
/// `replies`, and checks that exactly `expected` came out, in order.
fn deliver<T: RngCore, S: WebSocketType>(
    ws: &mut WebSocket<T, S>,
    wire: &mut Wire,
    expected: &[Expect<'_>],
    replies: &mut Wire,
) -> Checked {
    let mut frame = [0u8; 256];
    let mut message = [0u8; 256];
    let mut message_len = 0;
    let mut at = 0;
    let mut seen = 0;
    while at < wire.len {
        let r = ws.read(&wire.bytes[at..wire.len], &mut frame).map_err(|_| "read")?;
        at += r.len_from;
        let payload = &frame[..r.len_to];
        let got = match r.message_type {
            In::Text | In::Binary => {
                let end = message_len + payload.len();
                message
                    .get_mut(message_len..end)
                    .ok_or("message too big")?
                    .copy_from_slice(payload);
                message_len = end;
                if !r.end_of_message {
                    continue;
                }
                let whole = &message[..message_len];
                message_len = 0;
                match (r.message_type, expected.get(seen)) {
                    (In::Text, Some(Expect::Text(want))) => {
                        core::str::from_utf8(whole).map_err(|_| "text not UTF-8")? == *want
                    }
                    (In::Binary, Some(Expect::Binary(want))) => whole == *want,
                    _ => false,
                }
            }
            In::Ping => {
                send(ws, Out::Pong, true, payload, replies)?;
                matches!(expected.get(seen), Some(Expect::Ping(want)) if payload == *want)
            }
            In::Pong => matches!(expected.get(seen), Some(Expect::Pong(want)) if payload == *want),
            In::CloseMustReply | In::CloseCompleted => {
                if r.message_type == In::CloseMustReply {
                    send(ws, Out::CloseReply, true, &payload[..2], replies)?;
                }
                matches!(expected.get(seen), Some(Expect::Close(code, reason))
                    if r.close_status == Some(*code) && &payload[2..] == reason.as_bytes())
            }
        };
        check(got, "a message differs from the one sent")?;
        seen += 1;
    }
    wire.len = 0;
    check(seen == expected.len(), "a message sent was not received")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn conversation() -> Checked {
    let mut c2s = Wire::new();
    let mut s2c = Wire::new();

    // The opening handshake.
    let mut client: WebSocketClient<XorShift> = WebSocketClient::new_client(XorShift(0x5a5a_5a5a));
    let options = WebSocketOptions {
        path: "/telemetry?v=1",
        host: "sensor.local:8080",
        origin: "http://sensor.local",
        sub_protocols: Some(&["telemetry.v1"]),
        additional_headers: None,
    };
    let (n, key) = client.client_connect(&options, c2s.spare()).map_err(|_| "connect")?;
    c2s.len = n;
    check(c2s.filled().starts_with(b"GET /telemetry?v=1 HTTP/1.1\r\n"), "request line")?;

    let mut server = WebSocketServer::new_server();
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut request = httparse::Request::new(&mut headers);
    let parsed = request.parse(c2s.filled()).map_err(|_| "server: request")?;
    check(parsed.is_complete(), "server: whole request")?;
    check(request.path == Some("/telemetry?v=1"), "server: path")?;
    let host = request.headers.iter().find(|h| h.name.eq_ignore_ascii_case("host"));
    check(host.is_some_and(|h| h.value == b"sensor.local:8080"), "server: host")?;
    let context = read_http_header(request.headers.iter().map(|h| (h.name, h.value)))
        .map_err(|_| "server: headers")?
        .ok_or("server: not an upgrade")?;
    check(context.sec_websocket_key == key, "server: key")?;
    let protocol = context.sec_websocket_protocol_list.first();
    check(protocol.is_some_and(|p| p == "telemetry.v1"), "server: subprotocol")?;
    c2s.len = 0;
    s2c.len = server.server_accept(&key, protocol, s2c.spare()).map_err(|_| "accept")?;
    check(s2c.filled().starts_with(b"HTTP/1.1 101 "), "101 status line")?;
    check(contains(s2c.filled(), b"Sec-WebSocket-Accept: "), "101 carries the accept key")?;
    let (_, protocol) = client.client_accept(&key, s2c.filled()).map_err(|_| "client: 101")?;
    check(protocol.is_some_and(|p| p == "telemetry.v1"), "client: subprotocol")?;
    s2c.len = 0;
    check(client.state == WebSocketState::Open, "client open")?;
    check(server.state == WebSocketState::Open, "server open")?;

    // A masked text message.
    let text = "hello from a Cortex-M";
    send(&mut client, Out::Text, true, text.as_bytes(), &mut c2s)?;
    check(c2s.len == 2 + 4 + text.len(), "text frame length")?;
    check(c2s.bytes[0] == 0x81 && c2s.bytes[1] == 0x80 | text.len() as u8, "text header")?;
    check(&c2s.filled()[6..] != text.as_bytes(), "text payload masked on the wire")?;
    deliver(&mut server, &mut c2s, &[Expect::Text(text)], &mut s2c)?;

    // A masked binary message of 200 bytes.
    let mut binary = [0u8; 200];
    for (i, b) in binary.iter_mut().enumerate() {
        *b = (i * 7 + 3) as u8;
    }
    send(&mut client, Out::Binary, true, &binary, &mut c2s)?;
    check(c2s.bytes[..4] == [0x82, 0x80 | 126, 0, 200], "binary frame header")?;
    deliver(&mut server, &mut c2s, &[Expect::Binary(&binary)], &mut s2c)?;

    // A ping, then three fragments; the server answers the ping. (rfc6455-qemu sends
    // the ping between the first two fragments; embedded-websocket 0.9.5's `write`
    // turns a ping written while a fragmented message is open into a continuation
    // frame with FIN set, which ends the message with the ping's payload.)
    send(&mut client, Out::Ping, true, b"ping?", &mut c2s)?;
    send(&mut client, Out::Text, false, b"frag", &mut c2s)?;
    let fragment = "mented \u{2713} ".as_bytes();
    let (second, third_start) = fragment.split_at(fragment.len() - 2);
    send(&mut client, Out::Text, false, second, &mut c2s)?;
    let mut third = [0u8; 9];
    third[..2].copy_from_slice(third_start);
    third[2..].copy_from_slice(b"message");
    send(&mut client, Out::Text, true, &third, &mut c2s)?;
    check(c2s.bytes[11] == 0x01, "first fragment: text, FIN clear")?;
    let expected = [Expect::Ping(b"ping?"), Expect::Text("fragmented \u{2713} message")];
    deliver(&mut server, &mut c2s, &expected, &mut s2c)?;
    check(s2c.bytes[..2] == [0x8a, 5], "the pong, unmasked")?;
    deliver(&mut client, &mut s2c, &[Expect::Pong(b"ping?")], &mut c2s)?;
    check(c2s.len == 0, "a pong needs no reply")?;

    // From the server: unmasked text, and a binary message in two fragments.
    send(&mut server, Out::Text, true, b"ack", &mut s2c)?;
    check(s2c.filled() == b"\x81\x03ack", "server text frame, unmasked")?;
    let (head, tail) = binary.split_at(120);
    send(&mut server, Out::Binary, false, head, &mut s2c)?;
    send(&mut server, Out::Binary, true, tail, &mut s2c)?;
    let expected = [Expect::Text("ack"), Expect::Binary(&binary)];
    deliver(&mut client, &mut s2c, &expected, &mut c2s)?;

    // The client pings, the server's pong comes back.
    send(&mut client, Out::Ping, true, b"\x00\x01\x02", &mut c2s)?;
    deliver(&mut server, &mut c2s, &[Expect::Ping(b"\x00\x01\x02")], &mut s2c)?;
    deliver(&mut client, &mut s2c, &[Expect::Pong(b"\x00\x01\x02")], &mut c2s)?;

    // The close handshake, started by the client.
    let n = client.close(Code::NormalClosure, Some("bye"), c2s.spare()).map_err(|_| "close")?;
    c2s.len = n;
    check(client.state == WebSocketState::CloseSent, "client closing")?;
    let late = client.write(Out::Text, true, b"late", &mut [0u8; 16]);
    check(late.is_err(), "no text after our Close")?;
    deliver(&mut server, &mut c2s, &[Expect::Close(Code::NormalClosure, "bye")], &mut s2c)?;
    check(s2c.bytes[..4] == [0x88, 2, 0x03, 0xe8], "server echoes code 1000")?;
    check(server.state == WebSocketState::Closed, "server closed")?;
    deliver(&mut client, &mut s2c, &[Expect::Close(Code::NormalClosure, "")], &mut c2s)?;
    check(c2s.len == 0, "no reply to the reply")?;
    check(client.state == WebSocketState::Closed, "client closed")
}

#[entry]
fn main() -> ! {
    support::paint_stack();
    let result = conversation();
    report_stack();
    match result {
        Ok(()) => {
            print("embedded-websocket footprint: conversation passed\n");
            exit(true)
        }
        Err(what) => {
            print("FAIL: ");
            print(what);
            print("\n");
            exit(false)
        }
    }
}
