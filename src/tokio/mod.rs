//! An async driver on tokio (feature `tokio`): a [`Connection`] over any
//! `AsyncRead + AsyncWrite + Unpin` stream — a `TcpStream`, a TLS stream, hyper's
//! `Upgraded` — with the keepalive and close timers on `tokio::time`.
//!
//! It runs the crate's one protocol loop, [`Driver`]: the
//! opening handshake, then whole messages, answering pings and Close frames on its own.
//! A message borrows the caller's [`MessageReader`], not the socket, so it can be sent
//! back while it is held. A whole echo server:
//!
//! ```
//! use rfc6455::tokio::{Error, WebSocket};
//! use rfc6455::{Config, MessageReader, Received};
//!
//! async fn echo(stream: tokio::net::TcpStream) -> Result<(), Error> {
//!     let mut reader = MessageReader::default();
//!     let mut ws = WebSocket::accept(stream, &mut reader, Config::default()).await?;
//!     loop {
//!         match ws.recv(&mut reader).await {
//!             Ok(Received::Text(text)) => ws.send_text(text).await?,
//!             Ok(Received::Binary(data)) => ws.send_binary(data).await?,
//!             Ok(_) => {} // pings are answered, Close frames too
//!             Err(Error::Closed) => return Ok(()),
//!             Err(e) => return Err(e),
//!         }
//!     }
//! }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! # let addr = listener.local_addr()?;
//! # let server = tokio::spawn(async move { echo(listener.accept().await.unwrap().0).await });
//! # let mut reader = MessageReader::default();
//! # let stream = tokio::net::TcpStream::connect(addr).await?;
//! # let uri = format!("ws://{addr}/");
//! # let mut ws = WebSocket::connect(stream, &mut reader, &uri, Config::default()).await?;
//! # ws.send_text("Hello").await?;
//! # assert_eq!(ws.recv(&mut reader).await?, Received::Text("Hello"));
//! # ws.close(rfc6455::CloseCode::NORMAL, "").await?;
//! # assert!(matches!(ws.recv(&mut reader).await?, Received::Close(_)));
//! # server.await??;
//! # Ok(())
//! # }
//! ```
//!
//! # Cancellation
//! Every `async fn` here keeps its progress in the `WebSocket` and the reader, not in
//! the future, so dropping one at an `.await` (a `select!` branch that lost, a
//! timeout) loses nothing:
//! - [`recv`](WebSocket::recv): bytes already read stay in the reader, and the next
//!   call goes on from there; a message is never half taken.
//! - [`send_text`](WebSocket::send_text) and the other sends queue the whole message
//!   before their first `.await`; dropped later, the message is still sent, by the next
//!   `recv`, send or [`flush`](WebSocket::flush).
//!
//! While `recv` waits, it also writes: pongs, Close replies and keepalive pings go out
//! without a send, and a write that cannot proceed does not stop reading.

mod handshake;
mod split;
mod stream;

pub use split::{RecvHalf, SendHalf};
pub use stream::{Message, MessageStream};

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::io::ErrorKind;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::time::{Instant, Sleep};

pub use crate::blocking::Error;
use crate::driver::{Driver, Next};
use crate::message::MessageStore;
use crate::{CloseCode, Connection, MessageReader, Received, SendError};

/// A WebSocket connection over a tokio byte stream.
#[derive(Debug)]
pub struct WebSocket<T> {
    io: T,
    driver: Driver<Vec<u8>>,
    /// The connection's clock starts here.
    epoch: Instant,
    /// The timer of the connection's next deadline, made when one is first armed.
    timer: Option<(Pin<Box<Sleep>>, Duration)>,
    /// A failure found while taking a message, held until its Close was written (so a
    /// `recv` dropped while writing it still reports it, at the next call).
    unreported: Option<crate::Error>,
    /// The reader held more received bytes after the message `recv` returned last: a
    /// send then queues only, and the next `recv` (which takes those bytes first), send
    /// or flush writes, so that what one read brought is answered with one write.
    more_received: bool,
}

impl<T: AsyncRead + AsyncWrite + Unpin> WebSocket<T> {
    /// Wraps a stream whose opening handshake is done (by an HTTP server, say). Give
    /// the bytes read past the handshake head to the reader first
    /// ([`MessageReader::feed`]).
    pub fn from_connection(io: T, conn: Connection) -> Self {
        Self::new(io, Driver::from_connection(conn, Vec::new()))
    }

    fn new(io: T, driver: Driver<Vec<u8>>) -> Self {
        Self {
            io,
            driver,
            epoch: Instant::now(),
            timer: None,
            unreported: None,
            more_received: false,
        }
    }

    /// The connection state machine.
    pub fn connection(&self) -> &Connection {
        self.driver.connection().expect("a WebSocket is made once the handshake is done")
    }

    /// The underlying stream.
    pub const fn get_ref(&self) -> &T {
        &self.io
    }

    /// Returns the underlying stream.
    pub fn into_inner(self) -> T {
        self.io
    }

    /// The subprotocol agreed in the handshake this driver ran; `None` after
    /// `from_connection` (the upgrade that built the connection has it).
    pub fn subprotocol(&self) -> Option<&str> {
        self.driver.subprotocol()
    }

    /// The close code (RFC 6455 §7.1.5): the peer's, 1005 if its Close had none, 1006
    /// if the transport ended without one; `None` while open.
    pub fn close_code(&self) -> Option<CloseCode> {
        self.driver.close_code()
    }

    /// The next message, ping, pong or Close. Messages are received by `reader` (the
    /// one given to the handshake, for the whole connection), which the result
    /// borrows. Cancel-safe.
    ///
    /// # Errors
    /// [`Error::Closed`] once the connection is over; [`Error::Protocol`] when the peer
    /// broke the protocol (the Close frame was sent; reported once, then
    /// [`Error::Closed`]); [`Error::Io`] when reading fails.
    pub async fn recv<'r, R, S>(
        &mut self,
        reader: &'r mut MessageReader<R, S>,
    ) -> Result<Received<'r>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        self.more_received = false;
        if self.unreported.is_none() {
            poll_fn(|cx| self.poll_message(cx, reader)).await?;
            let buffered = reader.buffered();
            match self.driver.message(reader) {
                Ok(received) => {
                    self.more_received = crate::driver::more_received(buffered, &received);
                    return Ok(received);
                }
                // Its text was not UTF-8: the Close goes out, then the error.
                Err(error) => self.unreported = Some(error),
            }
        }
        let _ = self.flush().await;
        Err(self.unreported.take().map_or(Error::Closed, Error::from))
    }

    /// Drives the connection until a message is ready in `reader`.
    fn poll_message<R, S>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &mut MessageReader<R, S>,
    ) -> Poll<Result<(), Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        loop {
            let next = self.driver.poll(reader);
            let progress = match next {
                Next::Message => return Poll::Ready(Ok(())),
                // A write that cannot go on does not stop reading: the peer may be
                // waiting for us to read before it reads again.
                // The timers run too: a peer that reads nothing is given up on.
                Next::Write | Next::Flush => match self.poll_write_step(cx) {
                    Poll::Ready(_) => Poll::Ready(()),
                    Poll::Pending => {
                        let wake_at = self.driver.connection().and_then(Connection::poll_timeout);
                        self.poll_read_step(cx, reader, wake_at)?
                    }
                },
                Next::Read { wake_at } => self.poll_read_step(cx, reader, wake_at)?,
                Next::Failed(error) => return Poll::Ready(Err(error.into())),
                Next::Closed => {
                    // Best effort: the stream is closed when the caller drops it.
                    let _ = Pin::new(&mut self.io).poll_shutdown(cx);
                    return Poll::Ready(Err(Error::Closed));
                }
                // Only before the handshake, which the constructors complete.
                _ => return Poll::Ready(Err(Error::Closed)),
            };
            if progress.is_pending() {
                return Poll::Pending;
            }
        }
    }

    /// Fires the timer if it is due, else reads once (when the connection reads).
    fn poll_read_step<R, S>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &mut MessageReader<R, S>,
        wake_at: Option<Duration>,
    ) -> Result<Poll<()>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        if let Some(at) = wake_at {
            if self.poll_timer(cx, at).is_ready() {
                return Ok(Poll::Ready(()));
            }
        }
        let mut buf = ReadBuf::new(self.driver.read_buffer(reader));
        match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len();
                self.driver.filled(reader, n);
            }
            Poll::Ready(Err(e)) if e.kind() == ErrorKind::Interrupted => {}
            Poll::Ready(Err(e)) if is_reset(e.kind()) => self.driver.filled(reader, 0),
            Poll::Ready(Err(e)) => return Err(e.into()),
            Poll::Pending => return Ok(Poll::Pending),
        }
        Ok(Poll::Ready(()))
    }

    /// Waits for `at` (the connection's next deadline); when it has come, runs the
    /// connection's timers.
    fn poll_timer(&mut self, cx: &mut Context<'_>, at: Duration) -> Poll<()> {
        let deadline = self.epoch + at;
        let (sleep, armed) =
            self.timer.get_or_insert_with(|| (Box::pin(::tokio::time::sleep_until(deadline)), at));
        if *armed != at {
            sleep.as_mut().reset(deadline);
            *armed = at;
        }
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        // The timer fired at `at` or later; never earlier, whatever the clock says.
        let now = self.epoch.elapsed().max(at);
        self.driver.handle_timeout(now);
        Poll::Ready(())
    }

    /// Writes (or flushes) once. A failed write leaves the connection unable to
    /// write (reading goes on) and is returned.
    fn poll_write_step(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let io = Pin::new(&mut self.io);
        let result = if self.driver.output().is_empty() {
            match io.poll_flush(cx) {
                Poll::Ready(Ok(())) => {
                    self.driver.flushed();
                    Ok(())
                }
                Poll::Ready(Err(e)) if e.kind() == ErrorKind::Interrupted => Ok(()),
                Poll::Ready(Err(e)) => Err(e),
                Poll::Pending => return Poll::Pending,
            }
        } else {
            match io.poll_write(cx, self.driver.output()) {
                Poll::Ready(Ok(0)) => Err(ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => {
                    self.driver.wrote(n);
                    Ok(())
                }
                Poll::Ready(Err(e)) if e.kind() == ErrorKind::Interrupted => Ok(()),
                Poll::Ready(Err(e)) => Err(e),
                Poll::Pending => return Poll::Pending,
            }
        };
        if let Err(e) = result {
            self.driver.write_failed();
            return Poll::Ready(Err(e.into()));
        }
        Poll::Ready(Ok(()))
    }

    /// Writes and flushes everything queued, including the frames the connection
    /// queued itself (pongs, Close replies). Cancel-safe. The connection's timers run
    /// while it waits.
    ///
    /// # Errors
    /// [`Error::Io`] when writing fails (the connection then writes no more, but
    /// [`recv`](Self::recv) still delivers what arrives); [`Error::Closed`] when the
    /// close timer gave up on a peer that read nothing (what was queued is dropped).
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| self.poll_flush_output(cx)).await
    }

    /// Writes until everything queued is written and flushed.
    fn poll_flush_output(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if let Ok((conn, out)) = self.driver.connection_and_output() {
            while let Ok(true) = conn.poll_transmit(out) {}
        }
        while self.driver.has_output() {
            match self.poll_write_step(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                // While the peer reads nothing, the timers still run: the close timer
                // gives up on it, dropping what could not be written.
                Poll::Pending => {
                    let wake_at = self.driver.connection().and_then(Connection::poll_timeout);
                    if wake_at.is_none_or(|at| self.poll_timer(cx, at).is_pending()) {
                        return Poll::Pending;
                    }
                    if self.driver.connection().is_some_and(Connection::should_close_transport) {
                        return Poll::Ready(Err(Error::Closed));
                    }
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Queues with `send`, then writes, unless received messages wait in the reader
    /// (see [`send_text`](Self::send_text)).
    async fn send_with(
        &mut self,
        send: impl FnOnce(&mut Driver<Vec<u8>>) -> Result<(), SendError>,
    ) -> Result<(), Error> {
        send(&mut self.driver)?;
        // Only the first send after such a `recv` waits: a caller that stops receiving
        // and goes on sending has the rest written.
        if core::mem::take(&mut self.more_received)
            && self.driver.output().len() < crate::driver::BATCH_LIMIT
        {
            return Ok(());
        }
        self.flush().await
    }

    /// Sends a text message. Cancel-safe: the message is queued before the first
    /// `.await`.
    ///
    /// It returns once the message is written and flushed, except for the first send
    /// after a [`recv`](Self::recv) that left messages received in the same read waiting
    /// in the reader: that one returns once the message is queued, and the next `recv`
    /// (which returns those messages first, without reading), send or
    /// [`flush`](Self::flush) writes everything queued at once (64 KiB queued are
    /// written at any time). An echo server thus answers all that one read brought with
    /// one write. Keep calling `recv` (or call `flush`) after such a send.
    ///
    /// # Errors
    /// [`Error::Send`] when closing or closed, [`Error::Io`].
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_with(|d| d.send_text(text)).await
    }

    /// Sends a binary message; written as [`send_text`](Self::send_text) says.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_with(|d| d.send_binary(data)).await
    }

    /// Sends a ping (at most 125 bytes); written as [`send_text`](Self::send_text) says.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub async fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_with(|d| d.send_ping(payload)).await
    }

    /// Starts the close handshake. Keep calling [`recv`](Self::recv) until it returns
    /// [`Error::Closed`] (or the peer's Close) to let the peer answer.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.driver.close(code, reason)?;
        self.flush().await
    }
}

/// Errors that mean the peer went away: the end of the stream, not a failure.
fn is_reset(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof
    )
}
