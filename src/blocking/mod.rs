//! A blocking adapter (feature `std`): a [`Connection`] driven over any [`Transport`],
//! such as a [`TcpStream`](std::net::TcpStream).
//!
//! This is the only part of the crate that does I/O. It performs the opening handshake,
//! then reads whole messages (answering pings and Close frames on its own), sends
//! messages, and runs the connection's timers through the socket's read timeout.
//!
//! ```
//! use std::net::{TcpListener, TcpStream};
//! use rfc6455::blocking::{Received, WebSocket};
//! use rfc6455::message::MessageBuffer;
//! use rfc6455::{CloseCode, Config};
//!
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! let server = std::thread::spawn(move || -> Result<(), rfc6455::blocking::Error> {
//!     let (stream, _) = listener.accept()?;
//!     let mut ws = WebSocket::accept(stream, Config::default())?;
//!     let mut buffer = MessageBuffer::new();
//!     loop {
//!         match ws.read(&mut buffer) {
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
//! let mut buffer = MessageBuffer::new();
//! assert_eq!(ws.read(&mut buffer)?, Received::Text("Hello"));
//! ws.close(CloseCode::NORMAL, "done")?;
//! assert!(matches!(ws.read(&mut buffer)?, Received::Close(_)));
//! server.join().unwrap()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod handshake;
mod transport;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;
use std::io::ErrorKind;
use std::time::Instant;

pub use error::Error;
pub use transport::Transport;

use crate::message::{CloseFrame, ControlPayload, Message, MessageBuffer};
use crate::{CloseCode, Connection, Event};

/// Size of the read buffer: payloads stream through it, so it bounds nothing.
const READ_BUF_LEN: usize = 16 * 1024;

/// Something the peer sent, as returned by [`WebSocket::read`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received<'a> {
    /// A whole text message.
    Text(&'a str),
    /// A whole binary message.
    Binary(&'a [u8]),
    /// A ping; the pong was already sent (unless `auto_pong` is off).
    Ping(ControlPayload),
    /// A pong.
    Pong(ControlPayload),
    /// The peer's Close; the reply was already sent. Keep calling
    /// [`read`](WebSocket::read) until it returns [`Error::Closed`] to finish the close
    /// handshake cleanly.
    Close(CloseFrame),
}

impl<'a> From<Message<'a>> for Received<'a> {
    fn from(message: Message<'a>) -> Self {
        match message {
            Message::Text(t) => Self::Text(t),
            Message::Binary(b) => Self::Binary(b),
        }
    }
}

/// A WebSocket connection over a blocking [`Transport`].
#[derive(Debug)]
pub struct WebSocket<S> {
    stream: S,
    conn: Connection,
    read_buf: Vec<u8>,
    pos: usize,
    len: usize,
    out: Vec<u8>,
    epoch: Instant,
    read_timeout: Option<Duration>,
    subprotocol: Option<String>,
}

impl<S: Transport> WebSocket<S> {
    /// Wraps a stream whose opening handshake is done; `leftover` holds bytes read past
    /// the handshake head (the peer's first frames).
    pub fn from_connection(stream: S, conn: Connection, leftover: &[u8]) -> Self {
        let mut read_buf = vec![0; READ_BUF_LEN.max(leftover.len())];
        read_buf[..leftover.len()].copy_from_slice(leftover);
        Self {
            stream,
            conn,
            read_buf,
            pos: 0,
            len: leftover.len(),
            out: Vec::new(),
            epoch: Instant::now(),
            read_timeout: None,
            subprotocol: None,
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

    /// Reads until the next message, ping, pong or Close, gathering messages in
    /// `buffer` (which the result borrows, so the socket stays free for replies).
    ///
    /// # Errors
    /// [`Error::Closed`] once the connection is over; [`Error::Protocol`] when the peer
    /// broke the protocol (the Close frame was sent); [`Error::Io`].
    pub fn read<'b>(&mut self, buffer: &'b mut MessageBuffer) -> Result<Received<'b>, Error> {
        self.read_until(buffer, None)?.ok_or(Error::Closed)
    }

    /// Like [`read`](Self::read), but gives up after `timeout` and returns `Ok(None)`,
    /// so one thread can both read and send (for example, push updates between reads).
    /// A message partly received when the time runs out is kept for the next call.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn read_timeout<'b>(
        &mut self,
        buffer: &'b mut MessageBuffer,
        timeout: Duration,
    ) -> Result<Option<Received<'b>>, Error> {
        let deadline =
            self.now().saturating_add(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        self.read_until(buffer, Some(deadline))
    }

    fn read_until<'b>(
        &mut self,
        buffer: &'b mut MessageBuffer,
        deadline: Option<u64>,
    ) -> Result<Option<Received<'b>>, Error> {
        let control = loop {
            match self.next_event(buffer)? {
                Some(Step::Message) => break None,
                Some(Step::Control(received)) => break Some(received),
                None if deadline.is_some_and(|d| self.now() >= d) => return Ok(None),
                None => self.fill(deadline)?,
            }
        };
        match control {
            Some(received) => Ok(Some(received)),
            None => Ok(buffer.message()?.map(Received::from)),
        }
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

    /// Processes buffered bytes until a message completes or a control event arrives;
    /// `None` when more bytes must be read.
    fn next_event(&mut self, buffer: &mut MessageBuffer) -> Result<Option<Step>, Error> {
        while self.pos < self.len {
            let input = &mut self.read_buf[self.pos..self.len];
            let available = input.len();
            // Messages are gathered in `buffer` (which `Received` borrows) in one pass
            // that copies, unmasks and checks text; `buffer.message()` then trusts it.
            let (event, rest) = match self.conn.handle_read_gathered(input, buffer) {
                Ok(read) => read,
                Err(e) => {
                    self.flush()?;
                    self.close_transport_if_done();
                    return Err(Error::Protocol(e));
                }
            };
            self.pos += available - rest.len();
            let step = match event {
                // Always a whole message, left in `buffer`.
                Some(Event::Data(_)) => Some(Step::Message),
                // Control payloads are at most 125 bytes, so they always fit.
                Some(Event::Ping(p)) => Some(Step::Control(Received::Ping(control(p)))),
                Some(Event::Pong(p)) => Some(Step::Control(Received::Pong(control(p)))),
                Some(Event::Close(c)) => Some(Step::Control(Received::Close(*c))),
                None => None,
            };
            self.flush()?;
            if step.is_some() {
                return Ok(step);
            }
        }
        self.pos = 0;
        self.len = 0;
        if self.close_transport_if_done() {
            return Err(Error::Closed);
        }
        Ok(None)
    }

    /// Reads more bytes, running the timers while waiting, until `deadline` at most.
    fn fill(&mut self, deadline: Option<u64>) -> Result<(), Error> {
        let now = self.now();
        self.conn.handle_timeout(now);
        self.flush()?;
        if self.close_transport_if_done() {
            return Err(Error::Closed);
        }
        let wake = match (self.conn.poll_timeout(), deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let timeout = wake.map(|at| Duration::from_millis(at.saturating_sub(now).max(1)));
        if timeout != self.read_timeout {
            self.stream.set_read_timeout(timeout)?;
            self.read_timeout = timeout;
        }
        match self.stream.read(&mut self.read_buf) {
            Ok(0) => self.conn.handle_eof(),
            Ok(n) => self.len = n,
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
            if self.out.capacity() > READ_BUF_LEN * 4 {
                self.out.shrink_to(READ_BUF_LEN);
            }
            if let Err(e) = result {
                // The peer is gone; the connection cannot continue.
                self.conn.handle_eof();
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn close_transport_if_done(&mut self) -> bool {
        let done = self.conn.should_close_transport();
        if done {
            let _ = self.stream.shutdown();
        }
        done
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// An owned copy of a control payload (at most 125 bytes by the frame check).
fn control(payload: &[u8]) -> ControlPayload {
    ControlPayload::new(payload).unwrap_or_default()
}

enum Step {
    Message,
    Control(Received<'static>),
}
