//! The blocking adapter over real loopback TCP, both roles, with bounded timeouts.
#![cfg(feature = "std")]

mod support;

use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Instant;

use rfc6455::blocking::{Error, WebSocket};
use rfc6455::handshake::{Accept, Limits, Reject};
use rfc6455::Received;
use rfc6455::{CloseCode, Config, ConnectionError, MessageReader};

fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    (l, addr)
}

/// A raw TCP client with a read timeout so no test can hang.
fn raw(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn read_all(mut s: TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

const UPGRADE: &str = "GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Sec-WebSocket-Version: 13\r\n\r\n";

#[test]
fn echo_round_trip_and_clean_close_in_both_roles() {
    let (l, addr) = listener();
    let server = thread::spawn(move || {
        let mut buf = MessageReader::default();
        let mut ws = WebSocket::accept(l.accept().unwrap().0, &mut buf, Config::default()).unwrap();
        let mut echoed = 0;
        loop {
            match ws.recv(&mut buf) {
                Ok(Received::Text(t)) => {
                    ws.send_text(t).unwrap();
                    echoed += 1
                }
                Ok(Received::Binary(b)) => {
                    ws.send_binary(b).unwrap();
                    echoed += 1
                }
                Ok(_) => {}
                Err(Error::Closed) => return (echoed, ws.close_code()),
                Err(e) => panic!("server: {e}"),
            }
        }
    });
    let mut buf = MessageReader::default();
    let mut ws =
        WebSocket::connect(raw(&addr), &mut buf, &format!("ws://{addr}/"), Config::default())
            .unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    ws.send_text("").unwrap();
    assert_eq!(ws.recv(&mut buf).unwrap(), Received::Text(""));
    ws.send_binary(&big).unwrap();
    assert_eq!(ws.recv(&mut buf).unwrap(), Received::Binary(&big[..]));
    ws.close(CloseCode::NORMAL, "bye").unwrap();
    assert!(
        matches!(ws.recv(&mut buf).unwrap(), Received::Close(c) if c.code() == Some(CloseCode::NORMAL))
    );
    assert!(matches!(ws.recv(&mut buf), Err(Error::Closed)));
    assert_eq!(server.join().unwrap(), (2, Some(CloseCode::NORMAL)));
}

#[test]
fn malformed_request_gets_400_and_wrong_version_426() {
    for (request, status) in [
        ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "400"),
        (&UPGRADE.replace("Version: 13", "Version: 8") as &str, "426"),
    ] {
        let (l, addr) = listener();
        let server = thread::spawn(move || {
            let mut buf = MessageReader::default();
            WebSocket::accept(l.accept().unwrap().0, &mut buf, Config::default()).map(|_| ())
        });
        let mut s = raw(&addr);
        s.write_all(request.as_bytes()).unwrap();
        let reply = String::from_utf8_lossy(&read_all(s)).into_owned();
        assert!(reply.starts_with(&format!("HTTP/1.1 {status} ")), "{reply}");
        if status == "426" {
            assert!(reply.contains("Sec-WebSocket-Version: 13\r\n"));
        }
        assert!(matches!(server.join().unwrap(), Err(Error::Handshake(_))));
    }
}

#[test]
fn declined_request_reaches_the_client_as_rejected() {
    let (l, addr) = listener();
    let server = thread::spawn(move || {
        let stream = l.accept().unwrap().0;
        let mut buf = MessageReader::default();
        let limits = Limits::default();
        WebSocket::accept_with(stream, &mut buf, Config::default(), &limits, |request| {
            if request.path() == "/known" {
                Ok(Accept::new())
            } else {
                Err(Reject::new(404))
            }
        })
        .map(|_| ())
    });
    let mut buf = MessageReader::default();
    let uri = format!("ws://{addr}/unknown");
    let result = WebSocket::connect(raw(&addr), &mut buf, &uri, Config::default());
    assert!(matches!(result, Err(Error::Rejected { status: 404 })));
    assert!(matches!(server.join().unwrap(), Err(Error::Declined { status: 404 })));
}

#[test]
fn frame_pipelined_behind_the_request_is_not_lost() {
    let (l, addr) = listener();
    let server = thread::spawn(move || {
        let mut buf = MessageReader::default();
        let mut ws = WebSocket::accept(l.accept().unwrap().0, &mut buf, Config::default()).unwrap();
        let got = ws.recv(&mut buf).map(|r| format!("{r:?}"));
        got
    });
    let mut s = raw(&addr);
    let mut bytes = UPGRADE.as_bytes().to_vec();
    bytes.extend_from_slice(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    s.write_all(&bytes).unwrap();
    assert_eq!(server.join().unwrap().unwrap(), "Text(\"Hello\")");
}

#[test]
fn keepalive_fails_a_silent_peer_with_1001() {
    let (l, addr) = listener();
    let config = Config::default()
        .with_keepalive(Some(Duration::from_millis(50)), Some(Duration::from_millis(100)));
    let server = thread::spawn(move || {
        let mut buf = MessageReader::default();
        let mut ws = WebSocket::accept(l.accept().unwrap().0, &mut buf, config).unwrap();
        let start = Instant::now();
        let err = loop {
            if let Err(e) = ws.recv(&mut buf) {
                break e;
            }
        };
        (err, start.elapsed(), ws.connection().failure())
    });
    let mut s = raw(&addr);
    s.write_all(UPGRADE.as_bytes()).unwrap();
    // Never answer pings; just collect what the server sends until it closes.
    let (err, elapsed, failure) = server.join().unwrap();
    // The failure is reported once (after its Close was written), then `Closed`.
    assert!(matches!(err, Error::Protocol(ConnectionError::PongTimeout)), "{err}");
    assert_eq!(failure, Some(ConnectionError::PongTimeout));
    assert!(elapsed < Duration::from_secs(3));
    let wire = read_all(s);
    let head_end = wire.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let frames = &wire[head_end..];
    assert_eq!(&frames[..2], &[0x89, 0x00], "a keepalive ping first");
    assert!(frames.ends_with(&[0x88, 0x02, 0x03, 0xE9]), "then close 1001: {frames:x?}");
}

#[test]
fn server_close_gives_up_on_a_silent_client_after_the_timeout() {
    let (l, addr) = listener();
    let config = Config::default().with_close_timeout(Duration::from_millis(200));
    let server = thread::spawn(move || {
        let mut buf = MessageReader::default();
        let mut ws = WebSocket::accept(l.accept().unwrap().0, &mut buf, config).unwrap();
        ws.close(CloseCode::GOING_AWAY, "shutdown").unwrap();
        let start = Instant::now();
        let result = ws.recv(&mut buf).map(|r| format!("{r:?}"));
        (result.is_err(), start.elapsed(), ws.close_code())
    });
    let mut s = raw(&addr);
    s.write_all(UPGRADE.as_bytes()).unwrap();
    let (closed, elapsed, code) = server.join().unwrap();
    assert!(closed);
    assert!(
        elapsed >= Duration::from_millis(150) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert_eq!(code, Some(CloseCode::ABNORMAL));
}

#[test]
fn protocol_error_sends_the_close_code_then_ends() {
    let (l, addr) = listener();
    let server = thread::spawn(move || {
        let mut buf = MessageReader::default();
        let mut ws = WebSocket::accept(l.accept().unwrap().0, &mut buf, Config::default()).unwrap();
        let code = match ws.recv(&mut buf) {
            Err(Error::Protocol(e)) => e.close_code(),
            other => panic!("{other:?}"),
        };
        // Reported once: a loop that reads on after it (as the Autobahn server does)
        // sees the end, not the same error forever.
        assert!(matches!(ws.recv(&mut buf), Err(Error::Closed)));
        assert!(matches!(ws.recv(&mut buf), Err(Error::Closed)));
        code
    });
    let mut s = raw(&addr);
    let mut bytes = UPGRADE.as_bytes().to_vec();
    bytes.extend_from_slice(&[0x81, 0x05, b'H', b'e', b'l', b'l', b'o']); // unmasked
    s.write_all(&bytes).unwrap();
    assert_eq!(server.join().unwrap(), CloseCode::PROTOCOL_ERROR);
    let wire = read_all(s);
    assert!(wire.ends_with(&[0x88, 0x02, 0x03, 0xEA]));
}

#[test]
fn read_timeout_returns_none_then_the_message() {
    let (l, addr) = listener();
    let server = thread::spawn(move || {
        let mut buf = MessageReader::default();
        let mut ws = WebSocket::accept(l.accept().unwrap().0, &mut buf, Config::default()).unwrap();
        let start = Instant::now();
        let first = ws.recv_timeout(&mut buf, Duration::from_millis(100)).unwrap().is_none();
        let waited = start.elapsed();
        ws.send_text("go").unwrap();
        let second =
            ws.recv_timeout(&mut buf, Duration::from_secs(5)).unwrap().map(|r| format!("{r:?}"));
        (first, waited, second)
    });
    let mut buf = MessageReader::default();
    let mut ws =
        WebSocket::connect(raw(&addr), &mut buf, &format!("ws://{addr}/"), Config::default())
            .unwrap();
    assert_eq!(ws.recv(&mut buf).unwrap(), Received::Text("go"));
    ws.send_text("late").unwrap();
    let (first, waited, second) = server.join().unwrap();
    assert!(first);
    assert!(waited >= Duration::from_millis(90) && waited < Duration::from_secs(2), "{waited:?}");
    assert_eq!(second.as_deref(), Some("Text(\"late\")"));
}

#[cfg(feature = "deflate")]
#[test]
fn permessage_deflate_is_negotiated_and_used() {
    let (l, addr) = listener();
    let server = thread::spawn(move || {
        let mut buf = MessageReader::default();
        let mut ws = WebSocket::accept(l.accept().unwrap().0, &mut buf, Config::default()).unwrap();
        let enabled = ws.connection().is_deflate_enabled();
        if let Ok(Received::Text(t)) = ws.recv(&mut buf) {
            ws.send_text(t).unwrap();
        }
        enabled
    });
    let mut buf = MessageReader::default();
    let mut ws =
        WebSocket::connect(raw(&addr), &mut buf, &format!("ws://{addr}/"), Config::default())
            .unwrap();
    assert!(ws.connection().is_deflate_enabled());
    let text = "compressible ".repeat(10_000);
    ws.send_text(&text).unwrap();
    assert_eq!(ws.recv(&mut buf).unwrap(), Received::Text(&text));
    assert!(server.join().unwrap());
}

/// A transport whose peer is gone: every write fails, but a read still returns what the
/// peer sent before it went away (here its Close), then end of stream.
struct GoneAfterClose {
    unread: Vec<u8>,
}

impl Read for GoneAfterClose {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.unread.len());
        buf[..n].copy_from_slice(&self.unread[..n]);
        self.unread.drain(..n);
        Ok(n)
    }
}

impl Write for GoneAfterClose {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl rfc6455::blocking::Transport for GoneAfterClose {
    fn set_read_timeout(&mut self, _: Option<Duration>) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failed_write_still_reports_the_close_that_was_read() {
    // The peer sent Close(1001) and left. Our send fails (broken pipe), but the next
    // read reports the peer's Close with its code, not the write error.
    let mut peer = rfc6455::Connection::server(Config::default());
    let mut close = Vec::new();
    peer.close(CloseCode::GOING_AWAY, "bye", &mut close).unwrap();
    let conn = rfc6455::Connection::client(Config::default(), [3; 16]);
    let mut ws = WebSocket::from_connection(GoneAfterClose { unread: close }, conn);
    assert!(matches!(ws.send_text("too late"), Err(Error::Io(_))));
    let mut reader = MessageReader::default();
    let received = ws.recv(&mut reader).unwrap();
    assert!(
        matches!(received, Received::Close(c) if c.code() == Some(CloseCode::GOING_AWAY)),
        "{received:?}"
    );
    assert!(matches!(ws.recv(&mut reader), Err(Error::Closed)));
    assert_eq!(ws.close_code(), Some(CloseCode::GOING_AWAY));
}

/// A blocking transport that hands out a scripted input through every kind of trouble:
/// short reads and writes, `WouldBlock` and `TimedOut` (a read timeout: after the
/// handshake only, since one during the handshake ends it), `Interrupted`, and a reset
/// after `reset_at` input bytes.
struct Faulty {
    input: Vec<u8>,
    pos: usize,
    reset_at: usize,
    calls: usize,
}

impl Faulty {
    fn trouble(&mut self) -> Option<std::io::Error> {
        use std::io::ErrorKind;
        self.calls += 1;
        let open = self.pos >= support::scripted::UPGRADE.len();
        match self.calls % 7 {
            0 => Some(ErrorKind::Interrupted.into()),
            3 if open => Some(ErrorKind::WouldBlock.into()),
            5 if open => Some(ErrorKind::TimedOut.into()),
            _ => None,
        }
    }
}

impl Read for Faulty {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(e) = self.trouble() {
            return Err(e);
        }
        if self.pos >= self.reset_at {
            return Err(std::io::ErrorKind::ConnectionReset.into());
        }
        let end = self.input.len().min(self.reset_at);
        let n = (end - self.pos).min(buf.len()).min(1 + self.calls % 3);
        buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for Faulty {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.calls.is_multiple_of(7) {
            self.calls += 1;
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        self.calls += 1;
        Ok(buf.len().min(1 + self.calls % 4))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl rfc6455::blocking::Transport for Faulty {
    fn set_read_timeout(&mut self, _: Option<Duration>) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_faulty_transport_loses_nothing_before_a_reset_at_any_byte() {
    use support::scripted;
    let (script, ends) = scripted::session();
    for reset_at in 0..=script.len() {
        let io = Faulty { input: script.clone(), pos: 0, reset_at, calls: 0 };
        let mut reader = MessageReader::new(vec![0u8; 160], rfc6455::message::MessageBuffer::new());
        let mut ws = match WebSocket::accept(io, &mut reader, Config::default()) {
            Ok(ws) => ws,
            Err(e) => {
                assert!(reset_at < scripted::UPGRADE.len(), "reset at {reset_at}: {e}");
                continue;
            }
        };
        let mut seen = Vec::new();
        let end = loop {
            match ws.recv(&mut reader) {
                Ok(message) => seen.push(scripted::describe(&message)),
                Err(Error::Closed) => break None,
                Err(e) => break Some(e.to_string()),
            }
        };
        assert_eq!(seen, scripted::expected_before(&ends, reset_at), "reset at {reset_at}");
        assert_eq!(end, None, "reset at {reset_at}: a reset is the end, not an error");
        let want = if reset_at == script.len() { 1000 } else { 1006 };
        assert_eq!(ws.close_code().map(CloseCode::get), Some(want), "reset at {reset_at}");
    }
}

/// An in-memory transport: reads what the peer sent, records each write.
struct Recorded {
    unread: Vec<u8>,
    writes: Vec<Vec<u8>>,
}

impl Read for Recorded {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.unread.len());
        buf[..n].copy_from_slice(&self.unread[..n]);
        self.unread.drain(..n);
        Ok(n)
    }
}

impl Write for Recorded {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.writes.push(bytes.to_vec());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl rfc6455::blocking::Transport for Recorded {
    fn set_read_timeout(&mut self, _: Option<Duration>) -> std::io::Result<()> {
        Ok(())
    }
}

/// Messages that arrive in one read are echoed with one write; a send with nothing left
/// to take writes at once, and `flush` writes what waits.
#[test]
fn what_one_read_brought_is_answered_with_one_write() {
    let mut wire = Vec::new();
    let mut client = rfc6455::Connection::client(Config::default(), [6; 16]);
    for i in 0..10 {
        client.send_text(&format!("message {i}"), &mut wire).unwrap();
    }
    let transport = Recorded { unread: wire, writes: Vec::new() };
    let mut ws =
        WebSocket::from_connection(transport, rfc6455::Connection::server(Config::default()));
    let mut reader = MessageReader::default();
    for i in 0..10 {
        let Received::Text(text) = ws.recv(&mut reader).unwrap() else { panic!("text") };
        assert_eq!(text, format!("message {i}"));
        ws.send_text(text).unwrap();
        let writes = ws.get_ref().writes.len();
        assert_eq!(writes, usize::from(i == 9), "after message {i}");
    }
    // All ten echoes in that one write, in order.
    let mut echoes = rfc6455::Connection::client(Config::default(), [7; 16]);
    let mut echo_reader = MessageReader::default();
    let mut written = ws.get_ref().writes[0].clone();
    let mut seen = Vec::new();
    let n = echo_reader.feed(&written);
    written.drain(..n);
    while let Some(Received::Text(text)) = echo_reader.next(&mut echoes) {
        seen.push(text.to_owned());
    }
    assert_eq!(seen, (0..10).map(|i| format!("message {i}")).collect::<Vec<_>>());

    // Two messages in one read, the second answered with `flush` before any recv.
    let mut wire = Vec::new();
    client.send_text("a", &mut wire).unwrap();
    client.send_text("b", &mut wire).unwrap();
    let transport = Recorded { unread: wire, writes: Vec::new() };
    let mut ws =
        WebSocket::from_connection(transport, rfc6455::Connection::server(Config::default()));
    assert_eq!(ws.recv(&mut reader).unwrap(), Received::Text("a"));
    ws.send_text("A").unwrap();
    assert!(ws.get_ref().writes.is_empty(), "waits for b to be taken");
    ws.flush().unwrap();
    assert_eq!(ws.get_ref().writes.len(), 1);
}
