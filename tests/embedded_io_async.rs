//! The async embedded-io driver (`rfc6455::embedded_io_async`) with heapless buffers,
//! on a tiny executor of this file (no runtime): a client and a server joined over an
//! in-memory duplex whose every read and write may first return `Pending`, and a
//! `recv` dropped at every await of a session, which loses nothing.

extern crate alloc;

mod embedded_support;

use alloc::collections::VecDeque;
use alloc::rc::Rc;
use core::cell::RefCell;
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use embedded_io_async::{ErrorKind, ErrorType, Read, Write};
use embedded_support::{
    accept, client_script, reader, request, seen, Out, Reader, Seen, CLIENT_SEED,
};
use rfc6455::embedded_io_async::{Error, WebSocket};
use rfc6455::handshake::Limits;
use rfc6455::message::MessageKind;
use rfc6455::{CloseCode, Config, Connection, Received};

// ===== a tiny executor =====

/// Polls `future` to completion with a waker that does nothing: every future here
/// makes progress each time it is polled, or waits for another that does.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("no progress");
}

/// Runs `a` and `b` together until both are done.
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut ra, mut rb) = (None, None);
    poll_fn(|cx| {
        if ra.is_none() {
            ra = match a.as_mut().poll(cx) {
                Poll::Ready(out) => Some(out),
                Poll::Pending => None,
            };
        }
        if rb.is_none() {
            rb = match b.as_mut().poll(cx) {
                Poll::Ready(out) => Some(out),
                Poll::Pending => None,
            };
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}

/// `Pending` once, then ready: an await point the caller may be dropped at.
async fn yield_once() {
    let mut yielded = false;
    poll_fn(|_| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            Poll::Pending
        }
    })
    .await;
}

// ===== an in-memory duplex =====

/// One direction: bytes, and whether the writer is gone.
type Pipe = Rc<RefCell<(VecDeque<u8>, bool)>>;

/// One end of a duplex. Every read and write yields first when `yielding`, and moves
/// at most `max` bytes. Nothing happens to the pipes unless a call completes, so
/// dropping a call is harmless (cancel-safe, as embedded-io-async asks).
struct End {
    inbox: Pipe,
    outbox: Pipe,
    max: usize,
    yielding: bool,
}

fn duplex(max: usize, yielding: bool) -> (End, End) {
    let (a, b) = (Pipe::default(), Pipe::default());
    let end = |inbox: &Pipe, outbox: &Pipe| End {
        inbox: inbox.clone(),
        outbox: outbox.clone(),
        max,
        yielding,
    };
    (end(&a, &b), end(&b, &a))
}

impl Drop for End {
    fn drop(&mut self) {
        self.outbox.borrow_mut().1 = true;
    }
}

impl ErrorType for End {
    type Error = ErrorKind;
}

impl Read for End {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if self.yielding {
            yield_once().await;
        }
        poll_fn(|_| {
            let mut pipe = self.inbox.borrow_mut();
            if pipe.0.is_empty() && !pipe.1 {
                return Poll::Pending;
            }
            let n = buf.len().min(pipe.0.len()).min(self.max);
            for (slot, byte) in buf.iter_mut().zip(pipe.0.drain(..n)) {
                *slot = byte;
            }
            Poll::Ready(Ok(n))
        })
        .await
    }
}

impl Write for End {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        if self.yielding {
            yield_once().await;
        }
        let n = buf.len().min(self.max);
        self.outbox.borrow_mut().0.extend(&buf[..n]);
        Ok(n)
    }
}

// ===== a session =====

type Outcome = (Vec<Seen>, Error<ErrorKind>, Option<CloseCode>);

/// As the blocking test's client: "hello", a fragmented "Hello" around a ping, three
/// bytes, then the close handshake.
async fn client(io: End) -> Outcome {
    let mut reader = reader();
    let (config, limits) = (Config::default(), Limits::default());
    let request = request();
    let connected =
        WebSocket::connect(io, &mut reader, Out::new(), &request, config, limits, CLIENT_SEED);
    let mut ws = connected.await.unwrap();
    assert_eq!(ws.subprotocol(), Some("chat.v2"));
    ws.send_text("hello").await.unwrap();
    let (conn, out) = ws.connection_and_output();
    conn.send_fragment(MessageKind::Text, b"Hel", false, out).unwrap();
    ws.send_ping(b"p").await.unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        got.push(seen(&ws.recv(&mut reader).await.unwrap()));
    }
    let (conn, out) = ws.connection_and_output();
    conn.send_fragment(MessageKind::Text, b"lo", true, out).unwrap();
    ws.flush().await.unwrap();
    ws.send_binary(&[1, 2, 3]).await.unwrap();
    while got.len() < 4 {
        got.push(seen(&ws.recv(&mut reader).await.unwrap()));
    }
    ws.close(CloseCode::NORMAL, "bye").await.unwrap();
    loop {
        match ws.recv(&mut reader).await {
            Ok(message) => got.push(seen(&message)),
            Err(e) => return (got, e, ws.close_code()),
        }
    }
}

/// Echoes text and binary messages until the connection is over.
async fn server(io: End) -> Outcome {
    let mut reader = reader();
    let (config, limits) = (Config::default(), Limits::default());
    let accepted =
        WebSocket::accept_with(io, &mut reader, Out::new(), config, limits, |r| Ok(accept(r)));
    let mut ws = match accepted.await {
        Ok(ws) => ws,
        Err(e) => return (Vec::new(), e, None),
    };
    serve(&mut ws, &mut reader).await
}

async fn serve(ws: &mut WebSocket<End, Out>, reader: &mut Reader) -> Outcome {
    let mut got = Vec::new();
    loop {
        match ws.recv(reader).await {
            Ok(message) => {
                got.push(seen(&message));
                let _ = match message {
                    Received::Text(text) => ws.send_text(text).await,
                    Received::Binary(data) => ws.send_binary(data).await,
                    _ => Ok(()),
                };
            }
            Err(e) => return (got, e, ws.close_code()),
        }
    }
}

#[test]
fn an_async_client_and_server_talk_over_a_duplex() {
    let expected_client = vec![
        Seen::Text("hello".into()),
        Seen::Pong(b"p".to_vec()),
        Seen::Text("Hello".into()),
        Seen::Binary(vec![1, 2, 3]),
        Seen::Close(Some(1000), String::new()),
    ];
    let normal = Some(CloseCode::NORMAL);
    for (max, yielding) in [(usize::MAX, false), (usize::MAX, true), (1, true)] {
        let (a, b) = duplex(max, yielding);
        let (client, server) = block_on(join(client(a), server(b)));
        assert_eq!(client, (expected_client.clone(), Error::Closed, normal), "{max} {yielding}");
        assert_eq!(server, (client_script().all(), Error::Closed, normal), "{max} {yielding}");
    }
}

/// A server reads the client session's frames; each `recv` is dropped (at an await: a
/// read or a write) after 1, 2, ... up to `polls` polls in turn, and called again
/// (never dropped for `usize::MAX`).
/// Returns what it received and what it wrote.
fn serve_cancelled(polls: usize) -> (Vec<Seen>, Vec<u8>) {
    let script = client_script();
    let (got, errors, written) = serve_cancelled_input(&script.bytes[script.head_len..], 1, polls);
    assert_eq!(errors, []);
    (got, written)
}

/// As `serve_cancelled`, over `input` in reads and writes of at most `max` bytes; also
/// returns the errors `recv` returned before `Closed`.
fn serve_cancelled_input(
    input: &[u8],
    max: usize,
    polls: usize,
) -> (Vec<Seen>, Vec<Error<ErrorKind>>, Vec<u8>) {
    let (peer, io) = duplex(max, true);
    peer.outbox.borrow_mut().0.extend(input);
    peer.outbox.borrow_mut().1 = true; // then the end of the stream
    let mut ws = WebSocket::from_connection(io, Connection::server(Config::default()), Out::new());
    let mut reader = reader();
    let (mut got, mut errors) = (Vec::new(), Vec::new());
    let mut cx = Context::from_waker(Waker::noop());
    for call in 0..100_000 {
        let mut recv = pin!(ws.recv(&mut reader));
        let mut outcome = None;
        // (`usize::MAX`: never dropped.)
        let budget = if polls == usize::MAX { polls } else { call % polls + 1 };
        for _ in 0..budget {
            if let Poll::Ready(result) = recv.as_mut().poll(&mut cx) {
                outcome = Some(result.map(|m| seen(&m)));
                break;
            }
        }
        match outcome {
            // Dropped at an await.
            None => continue,
            Some(Ok(message)) => got.push(message),
            Some(Err(Error::Closed)) => {
                let written = peer.inbox.borrow().0.iter().copied().collect();
                return (got, errors, written);
            }
            Some(Err(e)) => errors.push(e),
        }
    }
    panic!("no end, dropping recv after up to {polls} polls");
}

#[test]
fn a_recv_dropped_at_any_await_loses_nothing() {
    let reference = serve_cancelled(usize::MAX);
    assert_eq!(reference.0, client_script().all());
    // The pong, then the Close reply.
    assert_eq!(reference.1, b"\x8a\x01p\x88\x02\x03\xe8");
    // (Every read and write here is `Pending` at its first poll, so a `recv` polled
    // once never gets further: one in `polls` at least moves a byte.)
    for polls in 2..12 {
        assert_eq!(serve_cancelled(polls), reference, "recv dropped after up to {polls} polls");
    }
}

#[test]
fn a_failure_is_reported_once_however_its_recv_is_dropped() {
    // "ok", then a text frame that is not UTF-8. Read whole, it is found out when
    // taken (the Close is written by `recv` itself, which may be dropped then); read a
    // byte at a time, on its first byte.
    let input = b"\x81\x82\0\0\0\0ok\x81\x82\0\0\0\0\xff\xff";
    for (max, polls) in [1, usize::MAX].into_iter().flat_map(|m| (2..8).map(move |p| (m, p))) {
        let (got, errors, written) = serve_cancelled_input(input, max, polls);
        let context = format!("{max} bytes a call, dropped after up to {polls} polls");
        assert_eq!(got, [Seen::Text("ok".into())], "{context}");
        let codes: Vec<_> = errors.iter().map(|e| e.close_code().map(CloseCode::get)).collect();
        assert_eq!(codes, [Some(1007)], "reported once, {context}");
        assert_eq!(written, b"\x88\x02\x03\xef", "the Close with 1007, {context}");
    }
}
