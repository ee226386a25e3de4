//! The tokio driver: both roles over loopback TCP, cancellation at every `.await`,
//! timers, and a transport that fails in every way it can (short reads and writes,
//! `Pending`, `Interrupted`, a reset at every byte of a session).

#![cfg(feature = "tokio")]

mod support;

extern crate alloc;

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::{Context, Poll};
use core::time::Duration;
use std::io;

use rfc6455::message::MessageBuffer;
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{CloseCode, Config, ConnectionError, MessageReader, Received};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use support::scripted;

type Reader = MessageReader<Vec<u8>, MessageBuffer>;

async fn pair(
    server_config: Config,
) -> (WebSocket<TcpStream>, Reader, WebSocket<TcpStream>, Reader) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut reader = MessageReader::default();
        let stream = listener.accept().await.unwrap().0;
        let ws = WebSocket::accept(stream, &mut reader, server_config).await.unwrap();
        (ws, reader)
    });
    let mut reader = MessageReader::default();
    let stream = TcpStream::connect(addr).await.unwrap();
    let uri = format!("ws://{addr}/");
    let client = WebSocket::connect(stream, &mut reader, &uri, Config::default()).await.unwrap();
    let (server, server_reader) = server.await.unwrap();
    (server, server_reader, client, reader)
}

/// Echoes until the connection is over; returns the number of messages echoed and
/// the close code.
async fn echo(mut ws: WebSocket<TcpStream>, mut reader: Reader) -> (usize, Option<CloseCode>) {
    let mut echoed = 0;
    loop {
        match ws.recv(&mut reader).await {
            Ok(Received::Text(t)) => ws.send_text(t).await.unwrap(),
            Ok(Received::Binary(b)) => ws.send_binary(b).await.unwrap(),
            Ok(_) => continue,
            Err(Error::Closed) => return (echoed, ws.close_code()),
            Err(e) => panic!("server: {e}"),
        }
        echoed += 1;
    }
}

async fn with_deadline<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f).await.expect("bounded in time")
}

#[tokio::test]
async fn echo_round_trip_and_clean_close_in_both_roles() {
    with_deadline(async {
        let (server, server_reader, mut ws, mut reader) = pair(Config::default()).await;
        let server = tokio::spawn(echo(server, server_reader));
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        ws.send_text("").await.unwrap();
        assert_eq!(ws.recv(&mut reader).await.unwrap(), Received::Text(""));
        ws.send_binary(&big).await.unwrap();
        assert_eq!(ws.recv(&mut reader).await.unwrap(), Received::Binary(&big[..]));
        ws.send_ping(b"p").await.unwrap();
        assert!(
            matches!(ws.recv(&mut reader).await.unwrap(), Received::Pong(p) if p.as_bytes() == b"p")
        );
        ws.close(CloseCode::NORMAL, "bye").await.unwrap();
        let close = ws.recv(&mut reader).await.unwrap();
        assert!(matches!(close, Received::Close(c) if c.code() == Some(CloseCode::NORMAL)));
        assert!(matches!(ws.recv(&mut reader).await, Err(Error::Closed)));
        assert_eq!(server.await.unwrap(), (2, Some(CloseCode::NORMAL)));
    })
    .await;
}

#[tokio::test]
async fn a_recv_dropped_by_select_loses_nothing() {
    with_deadline(async {
        let (mut server, _server_reader, mut ws, mut reader) = pair(Config::default()).await;
        // The server sends a large message in small pieces with pauses, so the client's
        // `recv` is cancelled many times in the middle of it.
        let text: String = (0..400_000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let sent = text.clone();
        let sender = tokio::spawn(async move {
            let (conn, _) = (server.connection(), ());
            assert!(conn.can_send());
            for chunk in sent.as_bytes().chunks(50_000).collect::<Vec<_>>() {
                server.send_text(core::str::from_utf8(chunk).unwrap()).await.unwrap();
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
            server
        });
        let mut got = String::new();
        let mut cancelled = 0;
        while got.len() < text.len() {
            tokio::select! {
                message = ws.recv(&mut reader) => match message.unwrap() {
                    Received::Text(t) => got.push_str(t),
                    other => panic!("{other:?}"),
                },
                () = tokio::time::sleep(Duration::from_micros(200)) => cancelled += 1,
            }
        }
        assert_eq!(got, text);
        assert!(cancelled > 0, "the test never cancelled a recv");
        drop(sender.await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_send_dropped_at_its_await_is_still_sent() {
    with_deadline(async {
        // An in-memory pipe that holds 16 KiB: 8 MiB cannot be written in one poll, so
        // the send leaves it queued, and its future is dropped there.
        let (client_io, server_io) = tokio::io::duplex(16 << 10);
        let server = tokio::spawn(async move {
            let mut reader = MessageReader::default();
            let mut ws =
                WebSocket::accept(server_io, &mut reader, Config::default()).await.unwrap();
            let mut echoed = 0;
            loop {
                match ws.recv(&mut reader).await {
                    Ok(Received::Binary(b)) => ws.send_binary(b).await.unwrap(),
                    Ok(_) => continue,
                    Err(Error::Closed) => return echoed,
                    Err(e) => panic!("server: {e}"),
                }
                echoed += 1;
            }
        });
        let mut reader = MessageReader::default();
        let mut ws =
            WebSocket::connect(client_io, &mut reader, "ws://h/", Config::default()).await.unwrap();
        // Incompressible, so that permessage-deflate (with `--all-features`) cannot
        // shrink it into the pipe either.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let big: Vec<u8> = (0..8 << 20)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let attempt = tokio::time::timeout(Duration::ZERO, ws.send_binary(&big)).await;
        assert!(attempt.is_err(), "the send finished in one poll");
        // The next recv writes the rest while it waits for the echo.
        assert_eq!(ws.recv(&mut reader).await.unwrap(), Received::Binary(&big[..]));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        while ws.recv(&mut reader).await.is_ok() {}
        assert_eq!(server.await.unwrap(), 1);
    })
    .await;
}

#[tokio::test]
async fn keepalive_fails_a_silent_peer_with_1001_then_closes() {
    with_deadline(async {
        let config = Config::default()
            .with_keepalive(Some(Duration::from_millis(50)), Some(Duration::from_millis(100)));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let mut reader = MessageReader::default();
            let stream = listener.accept().await.unwrap().0;
            let mut ws = WebSocket::accept(stream, &mut reader, config).await.unwrap();
            let first = ws.recv(&mut reader).await.map(|_| ()).unwrap_err();
            let second = ws.recv(&mut reader).await.map(|_| ()).unwrap_err();
            (first, second, ws.close_code())
        });
        // A raw client: the upgrade, then silence (it never answers a ping).
        let mut stream = TcpStream::connect(addr).await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream
            .write_all(
                b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                  Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            )
            .await
            .unwrap();
        let mut wire = Vec::new();
        stream.read_to_end(&mut wire).await.unwrap();
        let (first, second, code) = server.await.unwrap();
        assert!(matches!(first, Error::Protocol(ConnectionError::PongTimeout)), "{first}");
        assert!(matches!(second, Error::Closed), "{second}");
        // The server sent 1001 but never heard a Close: the closure is abnormal.
        assert_eq!(code, Some(CloseCode::ABNORMAL));
        // Pings went out, then the Close with 1001.
        assert!(wire.windows(2).any(|w| w == [0x89, 0x00]), "no ping");
        assert!(wire.ends_with(&[0x88, 0x02, 0x03, 0xe9]), "{wire:x?}");
    })
    .await;
}

/// A transport that hands out a scripted input through every kind of trouble: short
/// reads and writes, `Pending` (waking itself), `Interrupted`, and a reset after
/// `reset_at` input bytes.
struct Faulty {
    input: Vec<u8>,
    pos: usize,
    reset_at: usize,
    output: Vec<u8>,
    calls: usize,
}

impl Faulty {
    fn new(input: Vec<u8>, reset_at: usize) -> Self {
        Self { input, pos: 0, reset_at, output: Vec::new(), calls: 0 }
    }

    /// What this call does: 0 Pending, 1 Interrupted, else go on.
    fn trouble(&mut self, cx: &mut Context<'_>) -> Option<Poll<io::Result<()>>> {
        self.calls += 1;
        match self.calls % 5 {
            0 => {
                cx.waker().wake_by_ref();
                Some(Poll::Pending)
            }
            1 => Some(Poll::Ready(Err(io::ErrorKind::Interrupted.into()))),
            _ => None,
        }
    }
}

impl AsyncRead for Faulty {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(trouble) = self.trouble(cx) {
            return trouble;
        }
        if self.pos >= self.reset_at {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        let end = self.input.len().min(self.reset_at);
        // 1 to 3 bytes at a time.
        let n = (end - self.pos).min(buf.remaining()).min(1 + self.calls % 3);
        let pos = self.pos;
        buf.put_slice(&self.input[pos..pos + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Faulty {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(trouble) = self.trouble(cx) {
            return trouble.map_ok(|()| 0);
        }
        let n = buf.len().min(1 + self.calls % 4);
        self.output.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.trouble(cx).unwrap_or(Poll::Ready(Ok(())))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_faulty_transport_loses_nothing_before_a_reset_at_any_byte() {
    let (script, ends) = scripted::session();
    for reset_at in 0..=script.len() {
        let io = Faulty::new(script.clone(), reset_at);
        let mut reader = MessageReader::new(vec![0u8; 160], MessageBuffer::new()); // the head fits
        let outcome = with_deadline(async {
            let mut ws = match WebSocket::accept(io, &mut reader, Config::default()).await {
                Ok(ws) => ws,
                Err(e) => return (Vec::new(), Some(e.to_string()), None),
            };
            let mut seen = Vec::new();
            let end = loop {
                match ws.recv(&mut reader).await {
                    Ok(message) => seen.push(scripted::describe(&message)),
                    Err(Error::Closed) => break None,
                    Err(e) => break Some(e.to_string()),
                }
            };
            (seen, end, ws.close_code())
        })
        .await;
        let (seen, end, code) = outcome;
        // Every message whose last byte came before the reset, in order, and no other.
        let expected = scripted::expected_before(&ends, reset_at);
        if reset_at < scripted::UPGRADE.len() {
            assert!(seen.is_empty(), "reset at {reset_at}");
            continue;
        }
        assert_eq!(seen, expected, "reset at {reset_at}");
        assert_eq!(end, None, "reset at {reset_at}: a reset is the end, not an error");
        // Without the peer's Close, the closure is abnormal.
        let want = if reset_at == script.len() { 1000 } else { 1006 };
        assert_eq!(code.map(CloseCode::get), Some(want), "reset at {reset_at}");
    }
}

#[tokio::test]
async fn split_halves_send_from_one_task_while_the_other_answers_pings() {
    with_deadline(async {
        let (server, mut server_reader, mut ws, mut reader) = pair(Config::default()).await;
        let (mut rx, mut tx) = server.split();
        // One task pushes 50 messages, pausing between them; the receiving half runs in
        // another and must answer pings (and the Close) while the pusher waits.
        let pusher = tokio::spawn(async move {
            for i in 0..50 {
                tx.send_text(&format!("tick {i}")).await.unwrap();
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tx
        });
        let receiver = tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                match rx.recv(&mut server_reader).await {
                    Ok(Received::Ping(p)) => seen.push(p.to_vec()),
                    Ok(_) => {}
                    Err(Error::Closed) => return (seen, rx.close_code()),
                    Err(e) => panic!("{e}"),
                }
            }
        });
        // Each ping waits for its pong (a peer may answer only the latest of several
        // pings, RFC 6455 §5.5.3), while ticks keep coming.
        let mut ticks = 0;
        for i in 0u8..10 {
            ws.send_ping(&[i]).await.unwrap();
            loop {
                match ws.recv(&mut reader).await.unwrap() {
                    Received::Text(t) => {
                        assert_eq!(t, format!("tick {ticks}"));
                        ticks += 1;
                    }
                    Received::Pong(p) => {
                        assert_eq!(p.as_bytes(), [i]);
                        break;
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        while ticks < 50 {
            assert_eq!(ws.recv(&mut reader).await.unwrap(), Received::Text(&format!("tick {ticks}")));
            ticks += 1;
        }
        // The sending half is now idle (held, not dropped): the pong comes from the
        // receiving half alone.
        let tx = pusher.await.unwrap();
        ws.send_ping(b"idle").await.unwrap();
        assert!(matches!(ws.recv(&mut reader).await.unwrap(), Received::Pong(p) if p.as_bytes() == b"idle"));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        assert!(matches!(ws.recv(&mut reader).await.unwrap(), Received::Close(_)));
        let (seen, code) = receiver.await.unwrap();
        let mut expected: Vec<Vec<u8>> = (0u8..10).map(|i| vec![i]).collect();
        expected.push(b"idle".to_vec());
        assert_eq!(seen, expected);
        assert_eq!(code, Some(CloseCode::NORMAL));
        drop(tx);
    })
    .await;
}

#[tokio::test]
async fn a_message_stream_is_a_stream_and_a_sink_of_owned_messages() {
    use futures_util::{SinkExt, StreamExt};
    use rfc6455::tokio::Message;
    with_deadline(async {
        let (server, server_reader, ws, reader) = pair(Config::default()).await;
        // The server echoes through its stream, upper-casing text.
        let server = tokio::spawn(async move {
            let mut messages = server.into_stream(server_reader);
            while let Some(message) = messages.next().await {
                match message.unwrap() {
                    Message::Text(t) => messages.send(Message::Text(t.to_uppercase())).await,
                    Message::Binary(b) => messages.send(Message::Binary(b)).await,
                    _ => Ok(()),
                }
                .unwrap();
            }
            messages.get_ref().close_code()
        });
        let mut client = ws.into_stream(reader);
        client.send(Message::Text("hello".into())).await.unwrap();
        client.feed(Message::Binary(vec![1, 2, 3])).await.unwrap();
        client.feed(Message::Ping(b"p".to_vec())).await.unwrap();
        client.flush().await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), Message::Text("HELLO".into()));
        assert_eq!(client.next().await.unwrap().unwrap(), Message::Binary(vec![1, 2, 3]));
        assert_eq!(client.next().await.unwrap().unwrap(), Message::Pong(b"p".to_vec()));
        client.close().await.unwrap();
        let close = client.next().await.unwrap().unwrap();
        assert_eq!(close, Message::Close(Some((CloseCode::NORMAL, String::new()))));
        assert!(client.next().await.is_none(), "the stream ends with the connection");
        assert_eq!(server.await.unwrap(), Some(CloseCode::NORMAL));
    })
    .await;
}

#[tokio::test]
async fn a_peer_that_stops_reading_is_given_up_on_by_the_close_timer() {
    with_deadline(async {
        let config = Config::default().with_close_timeout(Duration::from_millis(200));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let mut reader = MessageReader::default();
            let stream = listener.accept().await.unwrap().0;
            let mut ws = WebSocket::accept(stream, &mut reader, config).await.unwrap();
            // More than the socket buffers hold: the send cannot finish.
            let big = vec![0u8; 64 << 20];
            let stuck = tokio::time::timeout(Duration::from_millis(100), ws.send_binary(&big));
            assert!(stuck.await.is_err(), "the peer read 64 MiB");
            // The Close cannot be written either; the close timer ends the wait.
            let start = std::time::Instant::now();
            let closed = ws.close(CloseCode::GOING_AWAY, "").await;
            assert!(matches!(closed, Err(Error::Closed)), "{closed:?}");
            let end = ws.recv(&mut reader).await.map(|_| ()).unwrap_err();
            (end, start.elapsed(), ws.close_code())
        });
        // A client that upgrades, then never reads again (and stays connected).
        use tokio::io::AsyncWriteExt;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(scripted::UPGRADE).await.unwrap();
        let (end, waited, code) = server.await.unwrap();
        assert!(matches!(end, Error::Closed), "{end}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
        assert_eq!(code, Some(CloseCode::ABNORMAL));
        drop(stream);
    })
    .await;
}

#[tokio::test]
async fn a_failure_is_reported_once_however_recv_is_dropped_while_its_close_is_written() {
    with_deadline(async {
        // A pipe of 1 byte: the 1007 Close takes four writes, each a chance to drop.
        let (client_io, mut server_io) = tokio::io::duplex(1);
        let client = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut rest = Vec::new();
            let mut head = [0u8; 1024];
            let mut client_io = client_io;
            client_io.write_all(scripted::UPGRADE).await.unwrap();
            // The 101, then the invalid text, then everything the server writes.
            let mut n = 0;
            while !head[..n].ends_with(b"\r\n\r\n") {
                n += client_io.read(&mut head[n..]).await.unwrap();
            }
            client_io.write_all(&scripted::frame(0x1, &[0xff, 0xfe], true)).await.unwrap();
            client_io.read_to_end(&mut rest).await.unwrap();
            rest
        });
        let mut reader = MessageReader::default();
        let mut ws =
            WebSocket::accept(&mut server_io, &mut reader, Config::default()).await.unwrap();
        let (mut errors, mut dropped) = (Vec::new(), 0);
        loop {
            // One poll of a fresh `recv`, then it is dropped.
            let polled = {
                let mut recv = core::pin::pin!(ws.recv(&mut reader));
                core::future::poll_fn(|cx| Poll::Ready(recv.as_mut().poll(cx)))
                    .await
                    .map(|r| r.map(|_| ()))
            };
            match polled {
                Poll::Pending => {
                    dropped += 1;
                    tokio::task::yield_now().await;
                }
                Poll::Ready(Ok(())) => panic!("a message"),
                Poll::Ready(Err(Error::Closed)) => break,
                Poll::Ready(Err(e)) => errors.push(e.to_string()),
            }
        }
        drop(ws);
        drop(server_io);
        let wire = client.await.unwrap();
        assert!(dropped > 3, "recv was dropped {dropped} times; {errors:?} {wire:x?}");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("protocol error"), "{errors:?}");
        assert_eq!(wire, [0x88, 0x02, 0x03, 0xef], "the 1007 Close");
    })
    .await;
}

#[tokio::test]
async fn every_ping_read_together_is_answered_and_before_the_next_message() {
    // Autobahn 2.10 and 5.6: ten pings that arrive in one read get ten pongs, and a
    // ping between the fragments of a message is answered before the message's echo.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut script = scripted::UPGRADE.to_vec();
    let mut expected = Vec::new();
    for i in 0..10 {
        let payload = format!("payload-{i}");
        script.extend(scripted::frame(0x9, payload.as_bytes(), true));
        expected.extend([0x8a, 9]);
        expected.extend_from_slice(payload.as_bytes());
    }
    script.extend(scripted::frame(0x1, b"fragment1", false));
    script.extend(scripted::frame(0x9, b"ping payload", true));
    script.extend(scripted::frame(0x0, b"fragment2", true));
    script.extend(scripted::frame(0x8, &[0x03, 0xe8], true));
    expected.extend(b"\x8a\x0cping payload\x81\x12fragment1fragment2\x88\x02\x03\xe8");

    let (mut peer, io) = tokio::io::duplex(1 << 16);
    peer.write_all(&script).await.unwrap(); // all of it before the server reads
    let wire = with_deadline(async {
        let server = tokio::spawn(async move {
            let mut reader = MessageReader::default();
            let mut ws = WebSocket::accept(io, &mut reader, Config::default()).await.unwrap();
            loop {
                match ws.recv(&mut reader).await {
                    Ok(Received::Text(t)) => ws.send_text(t).await.unwrap(),
                    Ok(_) => {}
                    Err(Error::Closed) => return ws.close_code(),
                    Err(e) => panic!("server: {e}"),
                }
            }
        });
        let mut wire = Vec::new();
        peer.read_to_end(&mut wire).await.unwrap();
        assert_eq!(server.await.unwrap(), Some(CloseCode::NORMAL));
        wire
    })
    .await;
    let end = wire.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(wire[end..], expected[..], "{}", String::from_utf8_lossy(&wire[end..]));
}

/// A stream that counts the writes that reach it.
struct CountingWrites<T> {
    inner: T,
    writes: Arc<AtomicUsize>,
}

impl<T: AsyncRead + Unpin> AsyncRead for CountingWrites<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for CountingWrites<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if poll.is_ready() {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Messages that arrive in one read are echoed with one write: the sends between `recv`s
/// that take buffered messages queue only, and the `recv` that finds the reader empty
/// writes them all before it reads. A send with nothing left to take writes at once.
#[tokio::test]
async fn what_one_read_brought_is_answered_with_one_write() {
    with_deadline(async {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let writes = Arc::new(AtomicUsize::new(0));
        let server_io = CountingWrites { inner: server_io, writes: writes.clone() };
        let server_conn = rfc6455::Connection::server(Config::default());
        let mut server = WebSocket::from_connection(server_io, server_conn);
        let mut server_reader: Reader = MessageReader::default();
        // Ten messages in one write from the client, so in one read at the server.
        let client_conn = rfc6455::Connection::client(Config::default(), [5; 16]);
        let mut wire = Vec::new();
        let mut encoder = rfc6455::Connection::client(Config::default(), [6; 16]);
        for i in 0..10 {
            encoder.send_text(&format!("message {i}"), &mut wire).unwrap();
        }
        let mut client_io = client_io;
        tokio::io::AsyncWriteExt::write_all(&mut client_io, &wire).await.unwrap();
        let mut client = WebSocket::from_connection(client_io, client_conn);
        let mut client_reader: Reader = MessageReader::default();

        for i in 0..10 {
            let Received::Text(text) = server.recv(&mut server_reader).await.unwrap() else {
                panic!("a text message");
            };
            assert_eq!(text, format!("message {i}"));
            server.send_text(text).await.unwrap();
            let expected = if i < 9 { 0 } else { 1 };
            assert_eq!(writes.load(Ordering::SeqCst), expected, "after {i}");
        }
        for i in 0..10 {
            let echoed = client.recv(&mut client_reader).await.unwrap();
            assert_eq!(echoed, Received::Text(&format!("message {i}")));
        }
        // One message alone: its echo is written by the send itself.
        client.send_text("alone").await.unwrap();
        assert_eq!(server.recv(&mut server_reader).await.unwrap(), Received::Text("alone"));
        server.send_text("alone").await.unwrap();
        assert_eq!(writes.load(Ordering::SeqCst), 2);
        assert_eq!(client.recv(&mut client_reader).await.unwrap(), Received::Text("alone"));
    })
    .await;
}

/// Only the first send after a `recv` that left messages waiting is held back: a caller
/// that stops receiving and goes on sending has everything written.
#[tokio::test]
async fn a_second_send_after_a_recv_writes_everything() {
    with_deadline(async {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let writes = Arc::new(AtomicUsize::new(0));
        let server_io = CountingWrites { inner: server_io, writes: writes.clone() };
        let mut server =
            WebSocket::from_connection(server_io, rfc6455::Connection::server(Config::default()));
        let mut server_reader: Reader = MessageReader::default();
        let mut wire = Vec::new();
        let mut encoder = rfc6455::Connection::client(Config::default(), [6; 16]);
        encoder.send_text("one", &mut wire).unwrap();
        encoder.send_text("two", &mut wire).unwrap();
        let mut client_io = client_io;
        tokio::io::AsyncWriteExt::write_all(&mut client_io, &wire).await.unwrap();
        assert_eq!(server.recv(&mut server_reader).await.unwrap(), Received::Text("one"));
        server.send_text("first").await.unwrap();
        assert_eq!(writes.load(Ordering::SeqCst), 0, "held while \"two\" waits");
        server.send_text("second").await.unwrap();
        assert_eq!(writes.load(Ordering::SeqCst), 1, "both written");
        let mut client = WebSocket::from_connection(
            client_io,
            rfc6455::Connection::client(Config::default(), [5; 16]),
        );
        let mut client_reader: Reader = MessageReader::default();
        assert_eq!(client.recv(&mut client_reader).await.unwrap(), Received::Text("first"));
        assert_eq!(client.recv(&mut client_reader).await.unwrap(), Received::Text("second"));
    })
    .await;
}
