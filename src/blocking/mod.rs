//! A blocking adapter (feature `std`): a [`Connection`] driven over any [`Transport`],
//! such as a [`TcpStream`](std::net::TcpStream).
//!
//! This is the only part of the crate that does I/O. It performs the opening handshake,
//! then reads whole messages (answering pings and Close frames on its own), sends
//! messages, and runs the connection's timers through the socket's read timeout.
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
//!     let mut ws = WebSocket::accept(stream, Config::default())?;
//!     let mut reader = MessageReader::default(); // 16 KiB reads, a growing store
//!     loop {
//!         match ws.read(&mut reader) {
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
//! let mut ws = WebSocket::connect(stream, &format!("ws://{addr}/echo"), Config::default())?;
//! ws.send_text("Hello")?;
//! let mut reader = MessageReader::default();
//! assert_eq!(ws.read(&mut reader)?, Received::Text("Hello"));
//! ws.close(CloseCode::NORMAL, "done")?;
//! assert!(matches!(ws.read(&mut reader)?, Received::Close(_)));
//! server.join().unwrap()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod handshake;
mod transport;

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use std::io::ErrorKind;
use std::time::Instant;

pub use error::Error;
pub use transport::Transport;

use crate::message::MessageStore;
use crate::Received;
use crate::{CloseCode, Connection, ConnectionError, MessageReader};

/// Output beyond this is given back after a write.
const KEPT_OUTPUT: usize = 16 * 1024;

/// A WebSocket connection over a blocking [`Transport`].
#[derive(Debug)]
pub struct WebSocket<S> {
    stream: S,
    conn: Connection,
    /// Bytes read with the handshake, for the first reader.
    leftover: Vec<u8>,
    out: Vec<u8>,
    epoch: Instant,
    read_timeout: Option<Duration>,
    subprotocol: Option<String>,
    /// [`Error::Protocol`] was returned once.
    failure_reported: bool,
}

impl<S: Transport> WebSocket<S> {
    /// Wraps a stream whose opening handshake is done; `leftover` holds bytes read past
    /// the handshake head (the peer's first frames).
    pub fn from_connection(stream: S, conn: Connection, leftover: &[u8]) -> Self {
        Self {
            stream,
            conn,
            leftover: leftover.to_vec(),
            out: Vec::new(),
            epoch: Instant::now(),
            read_timeout: None,
            subprotocol: None,
            failure_reported: false,
        }
    }

    /// The connection state machine.
    pub const fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The underlying stream.
    pub const fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Returns the underlying stream.
    pub fn into_inner(self) -> S {
        self.stream
    }

    /// The subprotocol agreed in the handshake.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The close code (RFC 6455 §7.1.5): the peer's, 1005 if its Close had none, 1006
    /// if the transport ended without one; `None` while open.
    pub fn close_code(&self) -> Option<CloseCode> {
        self.conn.close_code()
    }

    /// Reads until the next message, ping, pong or Close. Messages are received by
    /// `reader` (use one for the whole connection; `MessageReader::default()` suits
    /// most), which the result borrows, so the socket stays free for replies.
    ///
    /// # Errors
    /// [`Error::Closed`] once the connection is over; [`Error::Protocol`] when the peer
    /// broke the protocol (the Close frame was sent); [`Error::Io`].
    pub fn read<'b, R, M>(
        &mut self,
        reader: &'b mut MessageReader<R, M>,
    ) -> Result<Received<'b>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        self.read_until(reader, None)?.ok_or(Error::Closed)
    }

    /// Like [`read`](Self::read), but gives up after `timeout` and returns `Ok(None)`,
    /// so one thread can both read and send (for example, push updates between reads).
    /// A message partly received when the time runs out is kept for the next call.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn read_timeout<'b, R, M>(
        &mut self,
        reader: &'b mut MessageReader<R, M>,
        timeout: Duration,
    ) -> Result<Option<Received<'b>>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        let deadline = self.now().saturating_add(timeout);
        self.read_until(reader, Some(deadline))
    }

    fn read_until<'b, R, M>(
        &mut self,
        reader: &'b mut MessageReader<R, M>,
        deadline: Option<Duration>,
    ) -> Result<Option<Received<'b>>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        while !reader.has_next(&mut self.conn) {
            self.flush_while_reading()?;
            // A failure is reported once, after its Close was written; then reading
            // goes on (a client waits for the server to close) until it is over.
            if let Some(error) = self.unreported_failure() {
                return Err(Error::Protocol(error));
            }
            if self.close_transport_if_done() {
                return Err(Error::Closed);
            }
            if !self.leftover.is_empty() {
                // Bytes read with the handshake come first.
                let taken = reader.feed(&self.leftover);
                if taken == 0 || taken == self.leftover.len() {
                    // All taken: give the memory back. (Nothing taken cannot happen:
                    // a reader that found nothing always has room; were it to, the
                    // bytes are dropped rather than the loop spinning.)
                    self.leftover = Vec::new();
                } else {
                    self.leftover.drain(..taken);
                }
                continue;
            }
            if deadline.is_some_and(|d| self.now() >= d) {
                return Ok(None);
            }
            self.fill(reader, deadline)?;
        }
        let received = reader.next(&mut self.conn);
        self.flush_while_reading()?;
        match received {
            Some(received) => Ok(Some(received)),
            None => match self.unreported_failure() {
                Some(error) => Err(Error::Protocol(error)),
                None => Err(Error::Closed),
            },
        }
    }

    /// The connection's failure, the first time it is asked for.
    fn unreported_failure(&mut self) -> Option<ConnectionError> {
        let error = self.conn.failure().filter(|_| !self.failure_reported)?;
        self.failure_reported = true;
        Some(error)
    }

    /// Sends a text message.
    ///
    /// # Errors
    /// [`Error::Send`] when closing or closed, [`Error::Io`].
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.conn.send_text(text, &mut self.out)?;
        self.flush()
    }

    /// Sends a binary message.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.conn.send_binary(data, &mut self.out)?;
        self.flush()
    }

    /// Sends a ping (at most 125 bytes).
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.conn.send_ping(payload, &mut self.out)?;
        self.flush()
    }

    /// Starts the close handshake. Keep calling [`read`](Self::read) until it returns
    /// [`Error::Closed`] (or the peer's Close) to let the peer answer.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.conn.close(code, reason, &mut self.out)?;
        self.flush()
    }

    /// Reads more bytes, running the timers while waiting, until `deadline` at most.
    fn fill<R, M>(
        &mut self,
        reader: &mut MessageReader<R, M>,
        deadline: Option<Duration>,
    ) -> Result<(), Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        let now = self.now();
        self.conn.handle_timeout(now);
        self.flush_while_reading()?;
        if self.close_transport_if_done() {
            return Err(Error::Closed);
        }
        let wake = match (self.conn.poll_timeout(), deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // Whole milliseconds, rounded up, so the socket's timeout changes rarely.
        let timeout = wake.map(|at| {
            let wait = at.saturating_sub(now);
            let millis =
                wait.as_millis().saturating_add(u128::from(wait.subsec_nanos() % 1_000_000 != 0));
            Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX).max(1))
        });
        if timeout != self.read_timeout {
            self.stream.set_read_timeout(timeout)?;
            self.read_timeout = timeout;
        }
        // After a failure the reader takes nothing more; read on only to see the end.
        let mut discard = [0u8; 256];
        let (spare, taken) = match reader.spare(&mut self.conn) {
            Ok(spare) => (spare, true),
            Err(_) => (&mut discard[..], false),
        };
        match self.stream.read(spare) {
            Ok(0) => self.conn.handle_eof(),
            Ok(n) if taken => reader.filled(n),
            Ok(_) => {}
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
                self.conn.handle_eof();
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Writes queued protocol frames and pending output.
    fn flush(&mut self) -> Result<(), Error> {
        // A `Vec` sink always has room, so this only stops when nothing is pending.
        while let Ok(true) = self.conn.poll_transmit(&mut self.out) {}
        if !self.out.is_empty() {
            let result = self.stream.write_all(&self.out).and_then(|()| self.stream.flush());
            self.out.clear();
            if self.out.capacity() > KEPT_OUTPUT * 4 {
                self.out.shrink_to(KEPT_OUTPUT);
            }
            if let Err(e) = result {
                // Nothing more can be sent, but what was read is still handled: a
                // Close the peer sent before it went away is still reported.
                self.conn.handle_write_closed();
                return Err(e.into());
            }
        }
        Ok(())
    }

    /// [`flush`](Self::flush) for the read path: a write that fails there leaves the
    /// connection unable to write, and reading goes on with what arrived.
    fn flush_while_reading(&mut self) -> Result<(), Error> {
        match self.flush() {
            Err(Error::Io(_)) => Ok(()),
            flushed => flushed,
        }
    }

    fn close_transport_if_done(&mut self) -> bool {
        let done = self.conn.should_close_transport();
        if done {
            let _ = self.stream.shutdown();
        }
        done
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }
}
