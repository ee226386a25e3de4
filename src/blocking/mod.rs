//! A blocking adapter (feature `std`): a [`Connection`] driven over any [`Transport`],
//! such as a [`TcpStream`](std::net::TcpStream).
//!
//! It runs the crate's one protocol loop, [`Driver`], over `std::io`: the opening
//! handshake, then whole messages (answering pings and Close frames on its own),
//! sending, and the connection's timers through the socket's read timeout.
//!
//! A write blocks until the peer takes the bytes. To bound that wait for a peer that
//! stops reading, set a write timeout on the stream
//! ([`TcpStream::set_write_timeout`](std::net::TcpStream::set_write_timeout)): a write
//! that times out fails with [`Error::Io`], and the connection then writes no more but
//! still reads what arrives.
//!
//! ```
//! use std::net::{TcpListener, TcpStream};
//! use rfc6455::blocking::WebSocket;
//! use rfc6455::{CloseCode, Config, MessageReader, Received};
//!
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! let server = std::thread::spawn(move || -> Result<(), rfc6455::blocking::Error> {
//!     let (stream, _) = listener.accept()?;
//!     let mut reader = MessageReader::default(); // 16 KiB reads, a growing store
//!     let mut ws = WebSocket::accept(stream, &mut reader, Config::default())?;
//!     loop {
//!         match ws.recv(&mut reader) {
//!             Ok(Received::Text(text)) => ws.send_text(text)?,          // echo
//!             Ok(Received::Binary(bytes)) => ws.send_binary(bytes)?,
//!             Ok(_) => {}                                                // ping, pong, close
//!             Err(rfc6455::blocking::Error::Closed) => return Ok(()),
//!             Err(e) => return Err(e),
//!         }
//!     }
//! });
//!
//! let stream = TcpStream::connect(addr)?;
//! let mut reader = MessageReader::default();
//! let uri = format!("ws://{addr}/echo");
//! let mut ws = WebSocket::connect(stream, &mut reader, &uri, Config::default())?;
//! ws.send_text("Hello")?;
//! assert_eq!(ws.recv(&mut reader)?, Received::Text("Hello"));
//! ws.close(CloseCode::NORMAL, "done")?;
//! assert!(matches!(ws.recv(&mut reader)?, Received::Close(_)));
//! server.join().unwrap()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod handshake;
mod transport;

use alloc::vec::Vec;
use core::time::Duration;
use std::io::{self, ErrorKind};
use std::time::Instant;

pub use error::Error;
pub use transport::Transport;

use crate::driver::{Driver, Next};
use crate::message::MessageStore;
use crate::Received;
use crate::{CloseCode, Connection, MessageReader, SendError};

/// A WebSocket connection over a blocking [`Transport`].
#[derive(Debug)]
pub struct WebSocket<S> {
    stream: S,
    driver: Driver<Vec<u8>>,
    epoch: Instant,
    read_timeout: Option<Duration>,
    /// The reader held more received bytes after the message `recv` returned last: a
    /// send then queues only (see [`send_text`](Self::send_text)).
    more_received: bool,
}

impl<S: Transport> WebSocket<S> {
    /// Wraps a stream whose opening handshake is done. Give the bytes read past the
    /// handshake head (the peer's first frames) to the reader first
    /// ([`MessageReader::feed`]).
    pub fn from_connection(stream: S, conn: Connection) -> Self {
        Self::new(stream, Driver::from_connection(conn, Vec::new()))
    }

    const fn new_with_epoch(stream: S, driver: Driver<Vec<u8>>, epoch: Instant) -> Self {
        Self { stream, driver, epoch, read_timeout: None, more_received: false }
    }

    fn new(stream: S, driver: Driver<Vec<u8>>) -> Self {
        Self::new_with_epoch(stream, driver, Instant::now())
    }

    /// The connection state machine.
    pub fn connection(&self) -> &Connection {
        self.driver.connection().expect("a WebSocket is made once the handshake is done")
    }

    /// The underlying stream.
    pub const fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Returns the underlying stream.
    pub fn into_inner(self) -> S {
        self.stream
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

    /// Reads until the next message, ping, pong or Close. Messages are received by
    /// `reader` (the one given to the handshake, for the whole connection), which the
    /// result borrows, so the socket stays free for replies.
    ///
    /// # Errors
    /// [`Error::Closed`] once the connection is over; [`Error::Protocol`] when the peer
    /// broke the protocol (the Close frame was sent; reported once, then
    /// [`Error::Closed`]); [`Error::Io`].
    pub fn recv<'b, R, M>(
        &mut self,
        reader: &'b mut MessageReader<R, M>,
    ) -> Result<Received<'b>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        self.recv_until(reader, None)?.ok_or(Error::Closed)
    }

    /// Like [`recv`](Self::recv), but gives up after `timeout` and returns `Ok(None)`,
    /// so one thread can both read and send (for example, push updates between reads).
    /// A message partly received when the time runs out is kept for the next call.
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn recv_timeout<'b, R, M>(
        &mut self,
        reader: &'b mut MessageReader<R, M>,
        timeout: Duration,
    ) -> Result<Option<Received<'b>>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        let deadline = self.now().saturating_add(timeout);
        self.recv_until(reader, Some(deadline))
    }

    fn recv_until<'b, R, M>(
        &mut self,
        reader: &'b mut MessageReader<R, M>,
        deadline: Option<Duration>,
    ) -> Result<Option<Received<'b>>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        self.more_received = false;
        if !self.run(reader, deadline)? {
            return Ok(None);
        }
        let buffered = reader.buffered();
        match self.driver.message(reader) {
            Ok(received) => {
                self.more_received = crate::driver::more_received(buffered, &received);
                Ok(Some(received))
            }
            // Its text was not UTF-8: the Close goes out, then the error.
            Err(error) => {
                let _ = self.flush();
                Err(error.into())
            }
        }
    }

    /// Does what the driver says until a message is ready (`true`) or `deadline` passed
    /// (`false`).
    fn run<R, M>(
        &mut self,
        reader: &mut MessageReader<R, M>,
        deadline: Option<Duration>,
    ) -> Result<bool, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        loop {
            match self.driver.poll(reader) {
                Next::Message => return Ok(true),
                // A write that fails leaves the connection unable to write; reading
                // goes on with what arrived.
                Next::Write | Next::Flush => drop(self.write_step()),
                Next::Read { wake_at } => {
                    let now = self.now();
                    if wake_at.is_some_and(|at| at <= now) {
                        self.driver.handle_timeout(now);
                        continue;
                    }
                    if deadline.is_some_and(|d| d <= now) {
                        return Ok(false);
                    }
                    let wake = match (wake_at, deadline) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    self.read_step(reader, wake.map(|at| at.saturating_sub(now)))?;
                }
                Next::Failed(error) => return Err(error.into()),
                Next::Closed => {
                    let _ = self.stream.shutdown();
                    return Err(Error::Closed);
                }
                // Only before the handshake, which the constructors complete.
                _ => return Err(Error::Closed),
            }
        }
    }

    /// One read, waiting at most `wait`.
    fn read_step<R, M>(
        &mut self,
        reader: &mut MessageReader<R, M>,
        wait: Option<Duration>,
    ) -> Result<(), Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        // Whole milliseconds, rounded up, so the socket's timeout changes rarely.
        let timeout = wait.map(|wait| {
            let millis =
                wait.as_millis().saturating_add(u128::from(wait.subsec_nanos() % 1_000_000 != 0));
            Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX).max(1))
        });
        if timeout != self.read_timeout {
            self.stream.set_read_timeout(timeout)?;
            self.read_timeout = timeout;
        }
        match self.stream.read(self.driver.read_buffer(reader)) {
            Ok(n) => self.driver.filled(reader, n),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                ) =>
            {
                self.driver.filled(reader, 0);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Writes (or flushes) once; on failure the driver stops writing.
    fn write_step(&mut self) -> io::Result<()> {
        let result = if self.driver.output().is_empty() {
            match self.stream.flush() {
                Ok(()) => {
                    self.driver.flushed();
                    Ok(())
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => Ok(()),
                Err(e) => Err(e),
            }
        } else {
            match self.stream.write(self.driver.output()) {
                Ok(0) => Err(ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.driver.wrote(n);
                    Ok(())
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => Ok(()),
                Err(e) => Err(e),
            }
        };
        if let Err(e) = result {
            self.driver.write_failed();
            return Err(e);
        }
        Ok(())
    }

    /// Writes and flushes everything queued: sends that waited for the messages
    /// received before them to be taken (see [`send_text`](Self::send_text)), and
    /// frames the connection queued itself (pongs, Close replies).
    ///
    /// # Errors
    /// [`Error::Io`] when writing fails.
    pub fn flush(&mut self) -> Result<(), Error> {
        while self.driver.has_output() {
            self.write_step()?;
        }
        Ok(())
    }

    /// Queues with `send`, then writes.
    fn send_with(
        &mut self,
        send: impl FnOnce(&mut Driver<Vec<u8>>) -> Result<(), SendError>,
    ) -> Result<(), Error> {
        send(&mut self.driver)?;
        // Frames the connection queued itself (a pong) go out with it.
        if let Ok((conn, out)) = self.driver.connection_and_output() {
            while let Ok(true) = conn.poll_transmit(out) {}
        }
        // Only the first send after such a `recv` waits: a caller that stops receiving
        // and goes on sending has the rest written.
        if core::mem::take(&mut self.more_received)
            && self.driver.output().len() < crate::driver::BATCH_LIMIT
        {
            return Ok(());
        }
        self.flush()
    }

    /// Sends a text message.
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
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_with(|d| d.send_text(text))
    }

    /// Sends a binary message; written as [`send_text`](Self::send_text) says.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_with(|d| d.send_binary(data))
    }

    /// Sends a ping (at most 125 bytes); written as [`send_text`](Self::send_text) says.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_with(|d| d.send_ping(payload))
    }

    /// Starts the close handshake. Keep calling [`recv`](Self::recv) until it returns
    /// [`Error::Closed`] (or the peer's Close) to let the peer answer.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.driver.close(code, reason)?;
        self.flush()
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }
}
