//! The blocking embedded-io driver (`rfc6455::embedded_io`) with heapless buffers: a
//! client and a server over an in-memory duplex in two threads, through short and
//! interrupted reads and writes; scripted sessions cut by a reset or the end of the
//! stream at every byte, and a transport that stops taking writes at every byte.

extern crate alloc;

mod embedded_support;

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::time::Duration;
use std::sync::{Condvar, Mutex};

use embedded_io::{ErrorKind, ErrorType, Read, Write};
use embedded_support::{
    accept, client_script, reader, request, seen, server_script, Out, Reader, Script, Seen,
    CLIENT_SEED,
};
use rfc6455::embedded_io::{Error, WebSocket};
use rfc6455::handshake::Limits;
use rfc6455::message::MessageKind;
use rfc6455::{CloseCode, Config, Connection, ConnectionError, Received, SendError, SliceSink};

// ===== an in-memory duplex =====

/// One direction: bytes, and whether the writer is gone (end of stream) or the
/// reader is (writes fail).
#[derive(Default)]
struct Pipe {
    state: Mutex<(VecDeque<u8>, bool, bool)>,
    ready: Condvar,
}

/// One end of a duplex; dropping it ends the stream the peer reads.
struct End {
    inbox: Arc<Pipe>,
    outbox: Arc<Pipe>,
}

fn duplex() -> (End, End) {
    let (a, b) = (Arc::new(Pipe::default()), Arc::new(Pipe::default()));
    (End { inbox: a.clone(), outbox: b.clone() }, End { inbox: b, outbox: a })
}

impl Drop for End {
    fn drop(&mut self) {
        self.outbox.state.lock().unwrap().1 = true;
        self.outbox.ready.notify_all();
        self.inbox.state.lock().unwrap().2 = true;
    }
}

impl ErrorType for End {
    type Error = ErrorKind;
}

impl Read for End {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let mut state = self.inbox.state.lock().unwrap();
        while state.0.is_empty() && !state.1 {
            let (next, wait) =
                self.inbox.ready.wait_timeout(state, Duration::from_secs(10)).unwrap();
            state = next;
            if wait.timed_out() {
                return Err(ErrorKind::TimedOut); // a test bug, not a hang
            }
        }
        let n = buf.len().min(state.0.len());
        for (slot, byte) in buf.iter_mut().zip(state.0.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

impl Write for End {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let mut state = self.outbox.state.lock().unwrap();
        if state.2 {
            return Err(ErrorKind::BrokenPipe);
        }
        state.0.extend(buf);
        self.outbox.ready.notify_all();
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// A transport that moves at most `max` bytes per call and, with `interrupt`, fails
/// every other call with `Interrupted` first.
struct Faulty<T> {
    inner: T,
    max: usize,
    interrupt: bool,
    calls: usize,
}

impl<T> Faulty<T> {
    fn new(inner: T, max: usize, interrupt: bool) -> Self {
        Self { inner, max, interrupt, calls: 0 }
    }

    fn interrupted(&mut self) -> bool {
        self.calls += 1;
        self.interrupt && self.calls % 2 == 1
    }
}

impl<T: ErrorType<Error = ErrorKind>> ErrorType for Faulty<T> {
    type Error = ErrorKind;
}

impl<T: Read + ErrorType<Error = ErrorKind>> Read for Faulty<T> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if self.interrupted() {
            return Err(ErrorKind::Interrupted);
        }
        let n = buf.len().min(self.max);
        self.inner.read(&mut buf[..n])
    }
}

impl<T: Write + ErrorType<Error = ErrorKind>> Write for Faulty<T> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        if self.interrupted() {
            return Err(ErrorKind::Interrupted);
        }
        let n = buf.len().min(self.max);
        self.inner.write(&buf[..n])
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        if self.interrupted() {
            return Err(ErrorKind::Interrupted);
        }
        self.inner.flush()
    }
}

// ===== a whole session in two threads =====

type Outcome = (Vec<Seen>, Error<ErrorKind>, Option<CloseCode>);

/// The client: sends "hello", a fragmented "Hello" with a ping between its fragments
/// (and reads the echo and the pong before the last fragment, so their order is
/// known), three bytes, reads the answers, then closes.
fn client<T: Read + Write<Error = ErrorKind>>(io: T) -> Outcome {
    let mut reader = reader();
    let (config, limits) = (Config::default(), Limits::default());
    let mut ws =
        WebSocket::connect(io, &mut reader, Out::new(), &request(), config, limits, CLIENT_SEED)
            .unwrap();
    assert_eq!(ws.subprotocol(), Some("chat.v2"));
    ws.send_text("hello").unwrap();
    let (conn, out) = ws.connection_and_output();
    conn.send_fragment(MessageKind::Text, b"Hel", false, out).unwrap();
    ws.flush().unwrap();
    ws.send_ping(b"p").unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        got.push(seen(&ws.recv(&mut reader).unwrap()));
    }
    let (conn, out) = ws.connection_and_output();
    conn.send_fragment(MessageKind::Text, b"lo", true, out).unwrap();
    ws.send_binary(&[1, 2, 3]).unwrap(); // writes the last fragment too
    while got.len() < 4 {
        got.push(seen(&ws.recv(&mut reader).unwrap()));
    }
    ws.close(CloseCode::NORMAL, "bye").unwrap();
    loop {
        match ws.recv(&mut reader) {
            Ok(message) => got.push(seen(&message)),
            Err(e) => return (got, e, ws.close_code()),
        }
    }
}

/// The server: echoes text and binary messages until the connection is over.
fn server<T: Read + Write<Error = ErrorKind>>(io: T) -> Outcome {
    let mut reader = reader();
    let accepted = WebSocket::accept_with(
        io,
        &mut reader,
        Out::new(),
        Config::default(),
        Limits::default(),
        |r| Ok(accept(r)),
    );
    let mut ws = match accepted {
        Ok(ws) => ws,
        Err(e) => return (Vec::new(), e, None),
    };
    assert_eq!(ws.subprotocol(), Some("chat.v2"));
    serve(&mut ws, &mut reader)
}

fn serve<T: Read + Write<Error = ErrorKind>>(
    ws: &mut WebSocket<T, Out>,
    reader: &mut Reader,
) -> Outcome {
    let mut got = Vec::new();
    loop {
        match ws.recv(reader) {
            Ok(message) => {
                got.push(seen(&message));
                // A failed echo ends the output; reading goes on.
                let _ = match message {
                    Received::Text(text) => ws.send_text(text),
                    Received::Binary(data) => ws.send_binary(data),
                    _ => Ok(()),
                };
            }
            Err(e) => return (got, e, ws.close_code()),
        }
    }
}

fn session<T, F>(wrap: F) -> (Outcome, Outcome)
where
    T: Read + Write<Error = ErrorKind> + Send + 'static,
    F: Fn(End) -> T,
{
    let (a, b) = duplex();
    let (client_io, server_io) = (wrap(a), wrap(b));
    let server = std::thread::spawn(move || server(server_io));
    let client = client(client_io);
    (client, server.join().unwrap())
}

fn expected_session() -> (Outcome, Outcome) {
    let client = vec![
        Seen::Text("hello".into()),
        Seen::Pong(b"p".to_vec()),
        Seen::Text("Hello".into()),
        Seen::Binary(vec![1, 2, 3]),
        Seen::Close(Some(1000), String::new()),
    ];
    let server = vec![
        Seen::Text("hello".into()),
        Seen::Ping(b"p".to_vec()),
        Seen::Text("Hello".into()),
        Seen::Binary(vec![1, 2, 3]),
        Seen::Close(Some(1000), "bye".into()),
    ];
    let normal = Some(CloseCode::NORMAL);
    ((client, Error::Closed, normal), (server, Error::Closed, normal))
}

#[test]
fn a_client_and_a_server_talk_over_a_duplex() {
    assert_eq!(session(|end| end), expected_session());
}

#[test]
fn short_and_interrupted_reads_and_writes_change_nothing() {
    for (max, interrupt) in [(1, false), (1, true), (3, true), (usize::MAX, true)] {
        let outcome = session(|end| Faulty::new(end, max, interrupt));
        assert_eq!(outcome, expected_session(), "{max} bytes a call, interrupted: {interrupt}");
    }
}

// ===== scripted sessions, cut at every byte =====

/// How a scripted transport ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End2 {
    /// Reads fail with `ConnectionReset`.
    Reset,
    /// Reads return 0.
    Eof,
}

/// A transport that plays `input[..cut]` in reads of at most `max` bytes, then ends as
/// `end` says; writes are kept, and fail with `BrokenPipe` from byte `write_limit` on.
struct Replay<'a> {
    input: &'a [u8],
    cut: usize,
    at: usize,
    max: usize,
    end: End2,
    written: Vec<u8>,
    write_limit: usize,
}

impl<'a> Replay<'a> {
    fn new(input: &'a [u8], cut: usize, max: usize, end: End2) -> Self {
        Self { input, cut, at: 0, max, end, written: Vec::new(), write_limit: usize::MAX }
    }
}

impl ErrorType for Replay<'_> {
    type Error = ErrorKind;
}

impl Read for Replay<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let rest = &self.input[self.at..self.cut];
        if rest.is_empty() {
            return match self.end {
                End2::Reset => Err(ErrorKind::ConnectionReset),
                End2::Eof => Ok(0),
            };
        }
        let n = buf.len().min(rest.len()).min(self.max);
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

impl Write for Replay<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let room = self.write_limit - self.written.len();
        if room == 0 {
            return Err(ErrorKind::BrokenPipe);
        }
        let n = buf.len().min(room);
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// What a side that read the first `cut` bytes of `script` must end with.
fn expected_cut(
    script: &Script,
    cut: usize,
    end: End2,
    server: bool,
) -> (Vec<Seen>, Error<ErrorKind>) {
    let received = if cut < script.head_len { Vec::new() } else { script.received_by(cut) };
    let all = cut == script.bytes.len();
    let error = match end {
        // A server that got the Close closes without reading again.
        End2::Reset if all && server => Error::Closed,
        End2::Reset => Error::Io(ErrorKind::ConnectionReset),
        End2::Eof => Error::Closed,
    };
    (received, error)
}

#[test]
fn a_server_cut_at_every_byte_of_a_client_session() {
    let script = client_script();
    for end in [End2::Reset, End2::Eof] {
        for max in [1, usize::MAX] {
            for cut in 0..=script.bytes.len() {
                let mut io = Replay::new(&script.bytes, cut, max, end);
                let (got, error, code) = server(&mut io);
                let context = format!("{end:?}, reads of {max}, cut at {cut}");
                assert_eq!((got, error), expected_cut(&script, cut, end, true), "{context}");
                if end == End2::Eof && cut >= script.head_len {
                    let code = code.map(CloseCode::get);
                    let closed = cut == script.bytes.len();
                    assert_eq!(code, Some(if closed { 1000 } else { 1006 }), "{context}");
                }
                if cut >= script.head_len {
                    assert!(io.written.starts_with(b"HTTP/1.1 101 "), "{context}");
                }
            }
        }
    }
}

#[test]
fn a_client_cut_at_every_byte_of_a_server_session() {
    let script = server_script();
    for end in [End2::Reset, End2::Eof] {
        for max in [1, usize::MAX] {
            for cut in 0..=script.bytes.len() {
                let mut io = Replay::new(&script.bytes, cut, max, end);
                let mut reader = reader();
                let (config, limits) = (Config::default(), Limits::default());
                let context = format!("{end:?}, reads of {max}, cut at {cut}");
                let connected = WebSocket::connect(
                    &mut io,
                    &mut reader,
                    Out::new(),
                    &request(),
                    config,
                    limits,
                    CLIENT_SEED,
                );
                let (got, error) = match connected {
                    Ok(mut ws) => {
                        assert_eq!(ws.subprotocol(), Some("chat.v2"), "{context}");
                        let (got, error, _) = serve(&mut ws, &mut reader);
                        (got, error)
                    }
                    Err(e) => (Vec::new(), e),
                };
                assert_eq!((got, error), expected_cut(&script, cut, end, false), "{context}");
                assert!(io.written.starts_with(b"GET /chat HTTP/1.1\r\n"), "{context}");
            }
        }
    }
}

#[test]
fn a_transport_that_stops_taking_writes_still_delivers_every_message() {
    let script = client_script();
    // What the server writes in full: the 101, two echoes, the pong, its Close.
    let mut io = Replay::new(&script.bytes, script.bytes.len(), usize::MAX, End2::Eof);
    server(&mut io);
    let full = io.written.len();
    let head = io.written.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    for limit in 0..full {
        let mut io = Replay::new(&script.bytes, script.bytes.len(), usize::MAX, End2::Eof);
        io.write_limit = limit;
        let (got, error, code) = server(&mut io);
        if limit < head {
            // The handshake cannot be answered: that is the error.
            assert_eq!((got, error), (Vec::new(), Error::Io(ErrorKind::BrokenPipe)), "{limit}");
        } else {
            assert_eq!((got, error), (script.all(), Error::Closed), "{limit}");
            assert_eq!(code, Some(CloseCode::NORMAL), "{limit}: the client's Close arrived");
        }
        assert_eq!(io.written.len(), limit);
    }
}

// ===== failures, sends, timers =====

/// A server connection with `input` to read and its writes kept.
fn opened(input: &[u8]) -> (WebSocket<Replay<'_>, Out>, Reader) {
    let io = Replay::new(input, input.len(), usize::MAX, End2::Eof);
    let ws = WebSocket::from_connection(io, Connection::server(Config::default()), Out::new());
    (ws, reader())
}

#[test]
fn invalid_utf8_is_reported_once_after_its_close_was_written() {
    // "ok", then a text frame that is not UTF-8, then "late" (never delivered).
    let input = b"\x81\x82\0\0\0\0ok\x81\x82\0\0\0\0\xff\xff\x81\x84\0\0\0\0late";
    let (mut ws, mut reader) = opened(input);
    assert_eq!(ws.recv(&mut reader), Ok(Received::Text("ok")));
    let error = ws.recv(&mut reader).unwrap_err();
    assert_eq!(error.close_code(), Some(CloseCode::INVALID_PAYLOAD));
    assert!(matches!(
        error,
        Error::WebSocket(rfc6455::Error::Connection(ConnectionError::Message(_)))
    ));
    assert_eq!(ws.get_ref().written, b"\x88\x02\x03\xef", "the Close with 1007, before the error");
    // Reported once: the transport is then read to its end.
    assert_eq!(ws.recv(&mut reader), Err(Error::Closed));
    assert_eq!(ws.recv(&mut reader), Err(Error::Closed));
    assert_eq!(ws.get_ref().at, input.len());
}

#[test]
fn a_send_that_does_not_fit_writes_the_pending_output_then_sends() {
    let io = Replay::new(b"", 0, usize::MAX, End2::Eof);
    let mut out = [0u8; 32];
    let conn = Connection::server(Config::default());
    let mut ws = WebSocket::from_connection(io, conn, SliceSink::new(&mut out));
    // 22 bytes queued and not written; 12 more do not fit in the 10 left.
    let (conn, out) = ws.connection_and_output();
    conn.send_binary(&[1; 20], out).unwrap();
    ws.send_text("ten bytes!").unwrap();
    let written = &ws.get_ref().written;
    assert_eq!(written.len(), 22 + 12);
    assert_eq!(&written[22..], b"\x81\x0aten bytes!");
    // Larger than the whole buffer: refused after the one retry, nothing written.
    let refused = ws.send_binary(&[0; 31]).unwrap_err();
    assert!(matches!(
        refused,
        Error::WebSocket(rfc6455::Error::Send(SendError::BufferTooSmall(_)))
    ));
    assert_eq!(ws.get_ref().written.len(), 34);
}

#[test]
fn a_failed_send_ends_the_output_and_reading_goes_on() {
    let input = b"\x81\x82\0\0\0\0ok\x88\x82\0\0\0\0\x03\xe8";
    let (mut ws, mut reader) = opened(input);
    ws.get_mut().write_limit = 0;
    assert_eq!(ws.send_text("lost"), Err(Error::Io(ErrorKind::BrokenPipe)));
    assert!(matches!(
        ws.send_text("after"),
        Err(Error::WebSocket(rfc6455::Error::Send(SendError::Closed)))
    ));
    assert_eq!(ws.recv(&mut reader), Ok(Received::Text("ok")));
    assert!(matches!(ws.recv(&mut reader), Ok(Received::Close(_))));
    assert_eq!(ws.recv(&mut reader), Err(Error::Closed));
    assert_eq!(ws.close_code(), Some(CloseCode::NORMAL));
}

#[test]
fn timers_run_when_the_caller_hands_in_the_time() {
    let config = Config::default()
        .with_keepalive(Some(Duration::from_secs(10)), Some(Duration::from_secs(5)));
    let io = Replay::new(b"", 0, usize::MAX, End2::Eof);
    let mut ws = WebSocket::from_connection(io, Connection::server(config), Out::new());
    // No clock here: nothing happens until the time is handed in.
    assert_eq!(ws.poll_timeout(), Some(Duration::ZERO));
    ws.handle_timeout(Duration::ZERO);
    assert_eq!(ws.poll_timeout(), Some(Duration::from_secs(10)));
    ws.flush().unwrap();
    assert!(ws.get_ref().written.is_empty());
    ws.handle_timeout(Duration::from_secs(10));
    ws.flush().unwrap();
    assert_eq!(ws.get_ref().written[..2], [0x89, 0x00], "the keepalive ping");
    // No pong within 5 s: the connection fails with 1001 (its Close is written).
    ws.handle_timeout(Duration::from_secs(15));
    let mut reader = reader();
    let error = ws.recv(&mut reader).unwrap_err();
    assert_eq!(error, Error::WebSocket(ConnectionError::PongTimeout.into()));
    assert!(ws.get_ref().written.ends_with(b"\x88\x02\x03\xe9"));
}
