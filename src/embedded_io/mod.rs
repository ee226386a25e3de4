//! A blocking driver over the [embedded-io](::embedded_io) traits (feature `embedded-io`): a
//! WebSocket on any `embedded_io::Read + Write` byte stream, with no allocation.
//!
//! [`WebSocket`] runs the crate's [`Driver`] over the transport: it performs the
//! opening handshake, reads whole messages into the caller's [`MessageReader`]
//! (answering pings and Close frames on its own), and writes what it sends through a
//! fixed output buffer: a `heapless::Vec<u8, N>` (feature `heapless`) or a
//! [`SliceSink`](crate::SliceSink) over caller memory.
//!
//! # Sizes
//! - The reader's read buffer holds the peer's handshake head (a browser's is 400 to
//!   800 bytes) and then frames; a message that does not arrive whole in one read is
//!   gathered in its store (a `HeaplessMessageBuffer<N>` or a `SliceMessageBuffer`),
//!   which bounds the size of a message (larger ones fail the connection with 1009).
//! - The output buffer holds the handshake (a request or a 101 response, 150 to 300
//!   bytes with a subprotocol) and then the largest message sent plus 14 bytes of
//!   header. A send that does not fit while output is pending writes the output and
//!   tries again once; a message larger than the buffer is refused with
//!   [`SendError::BufferTooSmall`] (send it in fragments through
//!   [`connection_and_output`](WebSocket::connection_and_output)).
//!
//! # Time
//! embedded-io has no clock, so the connection's timers (keepalive pings, the pong and
//! close handshake timeouts of [`Config`](crate::Config)) run only when the caller hands in the time
//! with [`handle_timeout`](WebSocket::handle_timeout), whenever
//! [`poll_timeout`](WebSocket::poll_timeout) says; a ping it queues goes out at the
//! next [`recv`](WebSocket::recv), send or [`flush`](WebSocket::flush). Without it, a
//! peer that never answers a Close is waited for as long as the transport waits. A
//! transport whose reads time out (returning an error) lets one loop do both: `recv`
//! returns [`Error::Io`] with the connection unchanged, the caller runs the timers and
//! calls `recv` again.
//!
//! ```
//! use rfc6455::embedded_io::{Error, WebSocket};
//! use rfc6455::message::SliceMessageBuffer;
//! use rfc6455::{Config, MessageReader, Received, SliceSink};
//!
//! /// Echoes every text message until the connection is over.
//! fn serve<T: embedded_io::Read + embedded_io::Write>(io: T) -> Result<(), Error<T::Error>> {
//!     // 1 KiB reads, messages up to 4 KiB, 1 KiB of output: all on the stack. (With
//!     // `heapless`, a `HeaplessMessageBuffer<4096>` and a `heapless::Vec<u8, 1024>`
//!     // own their bytes instead.)
//!     let mut storage = [0u8; 4096];
//!     let mut reader = MessageReader::new([0u8; 1024], SliceMessageBuffer::new(&mut storage));
//!     let mut out = [0u8; 1024];
//!     let mut ws = WebSocket::accept(io, &mut reader, SliceSink::new(&mut out), Config::default())?;
//!     loop {
//!         match ws.recv(&mut reader) {
//!             Ok(Received::Text(text)) => ws.send_text(text)?,
//!             Ok(_) => {} // binary, ping, pong, the peer's Close
//!             Err(Error::Closed) => return Ok(()),
//!             Err(e) => return Err(e),
//!         }
//!     }
//! }
//!
//! // A client's opening handshake and a masked "hi", then the client goes away.
//! let hello = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
//!     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\
//!     \x81\x82\0\0\0\0hi";
//! # #[derive(Default)]
//! # struct Pipe { input: &'static [u8], output: Vec<u8> }
//! # impl embedded_io::ErrorType for &mut Pipe { type Error = embedded_io::ErrorKind; }
//! # impl embedded_io::Read for &mut Pipe {
//! #     fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
//! #         let n = buf.len().min(self.input.len());
//! #         buf[..n].copy_from_slice(&self.input[..n]);
//! #         self.input = &self.input[n..];
//! #         Ok(n)
//! #     }
//! # }
//! # impl embedded_io::Write for &mut Pipe {
//! #     fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
//! #         self.output.extend_from_slice(buf);
//! #         Ok(buf.len())
//! #     }
//! #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! # }
//! let mut transport = Pipe { input: hello, ..Pipe::default() }; // in memory
//! serve(&mut transport)?;
//! assert!(transport.output.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
//! assert!(transport.output.ends_with(b"\x81\x02hi")); // the echo
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod handshake;
pub(crate) mod step;

use ::embedded_io::{Read, Write};
use core::time::Duration;

pub use error::Error;

use self::step::{retry_after_writing, Core, Io, Step};
use crate::driver::{Driver, OutputBuffer};
use crate::message::MessageStore;
use crate::{CloseCode, Connection, MessageReader, Received, SendError};

/// A WebSocket connection over a blocking embedded-io transport `T`, sending through
/// the output buffer `O` (see the [module docs](self)).
///
/// Pass the transport by value, or as `&mut` to keep it (embedded-io implements its
/// traits for `&mut T`). Receive with the same [`MessageReader`] that the handshake
/// read into, for the whole connection.
#[derive(Debug)]
pub struct WebSocket<T, O> {
    io: T,
    core: Core<O>,
}

impl<T: Read + Write, O: OutputBuffer> WebSocket<T, O> {
    /// Drives a connection whose opening handshake was done elsewhere. Give bytes read
    /// past the handshake head to the reader first ([`MessageReader::feed`]).
    ///
    /// ```
    /// use rfc6455::embedded_io::WebSocket;
    /// use rfc6455::message::SliceMessageBuffer;
    /// use rfc6455::{Config, Connection, MessageReader, Received, SliceSink};
    ///
    /// // A server frame that came with the handshake, and one on the transport.
    /// let mut reader = MessageReader::new([0u8; 64], SliceMessageBuffer::new(&mut []));
    /// reader.feed(b"\x81\x05early");
    /// let transport: &[u8] = b"\x82\x01\x07";
    /// let mut out = [0u8; 64];
    /// let conn = Connection::client(Config::default(), [7; 16]);
    /// # struct Io<'a>(&'a [u8]);
    /// # impl embedded_io::ErrorType for Io<'_> { type Error = embedded_io::ErrorKind; }
    /// # impl embedded_io::Read for Io<'_> {
    /// #     fn read(&mut self, b: &mut [u8]) -> Result<usize, Self::Error> { Ok(embedded_io::Read::read(&mut self.0, b).unwrap()) }
    /// # }
    /// # impl embedded_io::Write for Io<'_> {
    /// #     fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> { Ok(b.len()) }
    /// #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
    /// # }
    /// # let transport = Io(transport);
    /// let mut ws = WebSocket::from_connection(transport, conn, SliceSink::new(&mut out));
    /// assert_eq!(ws.recv(&mut reader)?, Received::Text("early"));
    /// assert_eq!(ws.recv(&mut reader)?, Received::Binary(&[7]));
    /// # Ok::<(), rfc6455::embedded_io::Error<embedded_io::ErrorKind>>(())
    /// ```
    pub const fn from_connection(io: T, conn: Connection, out: O) -> Self {
        Self::with_driver(io, Driver::from_connection(conn, out))
    }

    const fn with_driver(io: T, driver: Driver<O>) -> Self {
        Self { io, core: Core::new(driver) }
    }

    /// Reads until the next message, ping, pong or Close, writing what the connection
    /// queued (pongs, the Close reply) on the way. The message borrows `reader` (the
    /// one the handshake read into), not the socket, so it can be sent back at once.
    ///
    /// # Errors
    /// - [`Error::WebSocket`] once when the peer broke the protocol or a limit, after
    ///   the Close with its code was written; later calls read the transport to its
    ///   end, then return [`Error::Closed`].
    /// - [`Error::Closed`] once the connection is over.
    /// - [`Error::Io`] when a read fails (the connection is unchanged: call again to
    ///   retry). A write that fails here ends the output only: reading goes on, so a
    ///   Close the peer sent is still delivered.
    pub fn recv<'r, R, S>(
        &mut self,
        reader: &'r mut MessageReader<R, S>,
    ) -> Result<Received<'r>, Error<T::Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        loop {
            match self.core.step(reader)? {
                Step::Io(Io::Read) => self.read(reader)?,
                // A write that fails ends the output only: reading goes on.
                Step::Io(io) => drop(self.write(io)),
                Step::Message => break,
                // Only before the handshake completed, which `WebSocket` is not.
                Step::Handshake => return Err(Error::Closed),
            }
        }
        match self.core.driver.message(reader) {
            Ok(message) => Ok(message),
            Err(error) => {
                // Its text was not UTF-8: the connection failed. The Close goes first.
                self.core.hold_failure(error);
                let _ = self.flush();
                Err(self.core.take_failure())
            }
        }
    }

    /// Sends a text message: queues it and writes it.
    ///
    /// # Errors
    /// [`Error::WebSocket`] when the command is refused ([`SendError::Closed`] after a
    /// Close, [`SendError::BufferTooSmall`] for a message larger than the output
    /// buffer, ...); [`Error::Io`] or [`Error::WriteZero`] when the write fails
    /// (nothing more is sent, but [`recv`](Self::recv) goes on reading).
    pub fn send_text(&mut self, text: &str) -> Result<(), Error<T::Error>> {
        self.send(|d| d.send_text(text))
    }

    /// Sends a binary message.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error<T::Error>> {
        self.send(|d| d.send_binary(data))
    }

    /// Sends a ping (at most 125 bytes); its pong arrives through
    /// [`recv`](Self::recv).
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error<T::Error>> {
        self.send(|d| d.send_ping(payload))
    }

    /// Starts the close handshake: keep calling [`recv`](Self::recv) until it returns
    /// [`Error::Closed`] (the peer's Close comes first) to let the peer answer.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error<T::Error>> {
        self.send(|d| d.close(code, reason))
    }

    /// Queues with `queue`; when that is refused for want of room while output is
    /// pending, writes the output and queues again, once. Then writes.
    fn send(
        &mut self,
        mut queue: impl FnMut(&mut Driver<O>) -> Result<(), SendError>,
    ) -> Result<(), Error<T::Error>> {
        match queue(&mut self.core.driver) {
            Err(e) if retry_after_writing(&e, self.core.driver.has_output()) => {
                self.flush()?;
                queue(&mut self.core.driver)?;
            }
            queued => queued?,
        }
        self.flush()
    }

    /// Writes and flushes everything queued: after commands given through
    /// [`connection_and_output`](Self::connection_and_output), or the keepalive ping
    /// [`handle_timeout`](Self::handle_timeout) queued.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::WriteZero`] when the write fails (nothing more is
    /// sent, but [`recv`](Self::recv) goes on reading).
    pub fn flush(&mut self) -> Result<(), Error<T::Error>> {
        while let Some(io) = self.core.output_step() {
            self.write(io)?;
        }
        Ok(())
    }

    /// One write or flush.
    fn write(&mut self, io: Io) -> Result<(), Error<T::Error>> {
        match io {
            Io::Write => {
                let result = self.io.write(self.core.driver.output());
                self.core.wrote(result)
            }
            Io::Flush => {
                let result = self.io.flush();
                self.core.flushed(result)
            }
            // Writing never asks for a read.
            Io::Read => Ok(()),
        }
    }

    /// One read into `reader`.
    fn read<R, S>(&mut self, reader: &mut MessageReader<R, S>) -> Result<(), Error<T::Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let buf = self.core.driver.read_buffer(reader);
        let room = buf.len();
        let result = self.io.read(buf);
        self.core.filled(reader, result, room)
    }

    /// Advances the connection's clock to `now`, the time since an epoch of the
    /// caller's choice (monotonic): queues a keepalive ping, fails the connection when
    /// its pong is overdue, or gives up on the close handshake (see
    /// [`Connection::handle_timeout`]). What it queues is written by the next
    /// [`recv`](Self::recv), send or [`flush`](Self::flush).
    pub fn handle_timeout(&mut self, now: Duration) {
        self.core.driver.handle_timeout(now);
    }

    /// When [`handle_timeout`](Self::handle_timeout) wants to be called, in the same
    /// time; `None` when no timer runs. See [`Connection::poll_timeout`].
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.connection().poll_timeout()
    }

    /// The connection, for its state.
    pub fn connection(&self) -> &Connection {
        // A `WebSocket` is made only once the handshake completed, and a driver's
        // connection then stays.
        self.core.driver.connection().expect("a WebSocket's driver has a connection")
    }

    /// The connection and the output buffer, for any other command (fragments,
    /// [`Connection::send_header`]); [`flush`](Self::flush) then writes it.
    ///
    /// ```
    /// use rfc6455::embedded_io::WebSocket;
    /// use rfc6455::message::MessageKind;
    /// use rfc6455::{Config, Connection, SliceSink};
    /// # #[derive(Default)]
    /// # struct Sink(Vec<u8>);
    /// # impl embedded_io::ErrorType for &mut Sink { type Error = embedded_io::ErrorKind; }
    /// # impl embedded_io::Read for &mut Sink {
    /// #     fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> { Ok(0) }
    /// # }
    /// # impl embedded_io::Write for &mut Sink {
    /// #     fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> { self.0.extend_from_slice(b); Ok(b.len()) }
    /// #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
    /// # }
    ///
    /// let mut transport = Sink::default(); // records what is written
    /// let conn = Connection::server(Config::default());
    /// let mut out = [0u8; 64];
    /// let mut ws = WebSocket::from_connection(&mut transport, conn, SliceSink::new(&mut out));
    /// let (conn, out) = ws.connection_and_output();
    /// conn.send_fragment(MessageKind::Text, b"Hel", false, out)?;
    /// conn.send_fragment(MessageKind::Text, b"lo", true, out)?;
    /// ws.flush()?;
    /// drop(ws);
    /// assert_eq!(transport.0, b"\x01\x03Hel\x80\x02lo");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connection_and_output(&mut self) -> (&mut Connection, &mut O) {
        // As in `connection`.
        self.core.driver.connection_and_output().expect("a WebSocket's driver has a connection")
    }

    /// The subprotocol agreed in the handshake this driver ran; `None` after
    /// `from_connection` (the upgrade that built the connection has it).
    pub fn subprotocol(&self) -> Option<&str> {
        self.core.driver.subprotocol()
    }

    /// The close code (RFC 6455 §7.1.5) once the connection is over: the peer's, 1005
    /// if its Close had none, 1006 if the transport ended without one; `None` while
    /// open.
    pub fn close_code(&self) -> Option<CloseCode> {
        self.core.driver.close_code()
    }

    /// The transport.
    pub const fn get_ref(&self) -> &T {
        &self.io
    }

    /// The transport, mutably (reading or writing it directly corrupts the stream).
    pub const fn get_mut(&mut self) -> &mut T {
        &mut self.io
    }

    /// Returns the transport.
    pub fn into_inner(self) -> T {
        self.io
    }
}
