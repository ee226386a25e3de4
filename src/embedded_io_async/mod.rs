//! An async driver over the [embedded-io-async](::embedded_io_async) traits (feature
//! `embedded-io-async`): a WebSocket on any `embedded_io_async::Read + Write` byte
//! stream (an embassy-net `TcpSocket`, say), with no allocation and no runtime of its
//! own.
//!
//! The same as the blocking [`embedded_io`](crate::embedded_io) driver, with `async`
//! methods: the same [`Driver`] loop, the same sizes, the same [`Error`].
//!
//! # Cancellation and timers
//! [`recv`](WebSocket::recv) keeps nothing of its own between awaits: all of it is in
//! the driver and the reader, which change only when a read or write completed. So a
//! `recv` future dropped at an await (because a timer or another event won a
//! `select`) loses nothing, provided the transport's `read` and `write` are
//! side-effect-free on cancel, as embedded-io-async encourages: bytes read or written
//! before the cancellation are then not taken from or given to the transport either.
//! The next `recv` carries on where it stopped, a partly received message included.
//!
//! That is how timers run, as there is no clock here: race `recv` against a timer
//! set to [`poll_timeout`](WebSocket::poll_timeout), and when the timer wins call
//! [`handle_timeout`](WebSocket::handle_timeout), then `recv` again (which writes the
//! keepalive ping it queued). Without it, keepalive and the close handshake timeout
//! never fire.
//!
//! A send cancelled while it writes has queued its message, which the next call that
//! writes (`recv`, a send, [`flush`](WebSocket::flush)) sends; one cancelled while it
//! makes room for the message (writing pending output first) has not queued it.
//! [`accept`](WebSocket::accept) and [`connect`](WebSocket::connect) are not
//! cancel-safe: dropped, the handshake is lost.
//!
//! ```
//! use rfc6455::embedded_io_async::{Error, WebSocket};
//! use rfc6455::message::SliceMessageBuffer;
//! use rfc6455::{Config, MessageReader, Received, SliceSink};
//!
//! /// Echoes every text message until the connection is over.
//! async fn serve<T>(io: T) -> Result<(), Error<T::Error>>
//! where
//!     T: embedded_io_async::Read + embedded_io_async::Write,
//! {
//!     // 1 KiB reads, messages up to 4 KiB, 1 KiB of output: all on the stack. (With
//!     // `heapless`, a `HeaplessMessageBuffer<4096>` and a `heapless::Vec<u8, 1024>`
//!     // own their bytes instead.)
//!     let mut storage = [0u8; 4096];
//!     let mut reader = MessageReader::new([0u8; 1024], SliceMessageBuffer::new(&mut storage));
//!     let mut out = [0u8; 1024];
//!     let mut ws = WebSocket::accept(io, &mut reader, SliceSink::new(&mut out), Config::default()).await?;
//!     loop {
//!         match ws.recv(&mut reader).await {
//!             Ok(Received::Text(text)) => ws.send_text(text).await?,
//!             Ok(_) => {}
//!             Err(Error::Closed) => return Ok(()),
//!             Err(e) => return Err(e),
//!         }
//!     }
//! }
//!
//! let hello = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
//!     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\
//!     \x81\x82\0\0\0\0hi";
//! # #[derive(Default)]
//! # struct Pipe { input: &'static [u8], output: Vec<u8> }
//! # impl embedded_io_async::ErrorType for &mut Pipe { type Error = embedded_io_async::ErrorKind; }
//! # impl embedded_io_async::Read for &mut Pipe {
//! #     async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
//! #         let n = buf.len().min(self.input.len());
//! #         buf[..n].copy_from_slice(&self.input[..n]);
//! #         self.input = &self.input[n..];
//! #         Ok(n)
//! #     }
//! # }
//! # impl embedded_io_async::Write for &mut Pipe {
//! #     async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
//! #         self.output.extend_from_slice(buf);
//! #         Ok(buf.len())
//! #     }
//! # }
//! # fn block_on<F: std::future::Future>(future: F) -> F::Output {
//! #     let mut future = std::pin::pin!(future);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop {
//! #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
//! #             return output;
//! #         }
//! #     }
//! # }
//! let mut transport = Pipe { input: hello, ..Pipe::default() };
//! block_on(serve(&mut transport))?; // any executor: embassy, tokio, ...
//! assert!(transport.output.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
//! assert!(transport.output.ends_with(b"\x81\x02hi"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod handshake;

use ::embedded_io_async::{Read, Write};
use core::time::Duration;

pub use crate::embedded_io::Error;

use crate::driver::{Driver, OutputBuffer};
use crate::embedded_io::step::{retry_after_writing, Core, Io, Step};
use crate::message::MessageStore;
use crate::{CloseCode, Connection, MessageReader, Received, SendError};

/// A WebSocket connection over an async embedded-io transport `T`, sending through
/// the output buffer `O` (see the [module docs](self)).
///
/// Pass the transport by value, or as `&mut` to keep it. Receive with the same
/// [`MessageReader`] that the handshake read into, for the whole connection.
#[derive(Debug)]
pub struct WebSocket<T, O> {
    io: T,
    core: Core<O>,
}

impl<T: Read + Write, O: OutputBuffer> WebSocket<T, O> {
    /// Drives a connection whose opening handshake was done elsewhere. Give bytes read
    /// past the handshake head to the reader first ([`MessageReader::feed`]).
    pub const fn from_connection(io: T, conn: Connection, out: O) -> Self {
        Self::with_driver(io, Driver::from_connection(conn, out))
    }

    const fn with_driver(io: T, driver: Driver<O>) -> Self {
        Self { io, core: Core::new(driver) }
    }

    /// Reads until the next message, ping, pong or Close, writing what the connection
    /// queued on the way; cancel-safe as the [module docs](self) say.
    ///
    /// # Errors
    /// As the blocking [`recv`](crate::embedded_io::WebSocket::recv).
    pub async fn recv<'r, R, S>(
        &mut self,
        reader: &'r mut MessageReader<R, S>,
    ) -> Result<Received<'r>, Error<T::Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        loop {
            match self.core.step(reader)? {
                Step::Io(Io::Read) => self.read(reader).await?,
                // A write that fails ends the output only: reading goes on.
                Step::Io(io) => drop(self.write(io).await),
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
                let _ = self.flush().await;
                Err(self.core.take_failure())
            }
        }
    }

    /// Sends a text message: queues it and writes it.
    ///
    /// # Errors
    /// As the blocking [`send_text`](crate::embedded_io::WebSocket::send_text).
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error<T::Error>> {
        self.send(|d| d.send_text(text)).await
    }

    /// Sends a binary message.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), Error<T::Error>> {
        self.send(|d| d.send_binary(data)).await
    }

    /// Sends a ping (at most 125 bytes); its pong arrives through
    /// [`recv`](Self::recv).
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub async fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error<T::Error>> {
        self.send(|d| d.send_ping(payload)).await
    }

    /// Starts the close handshake: keep calling [`recv`](Self::recv) until it returns
    /// [`Error::Closed`] (the peer's Close comes first) to let the peer answer.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error<T::Error>> {
        self.send(|d| d.close(code, reason)).await
    }

    /// Queues with `queue`; when that is refused for want of room while output is
    /// pending, writes the output and queues again, once. Then writes.
    async fn send(
        &mut self,
        mut queue: impl FnMut(&mut Driver<O>) -> Result<(), SendError>,
    ) -> Result<(), Error<T::Error>> {
        match queue(&mut self.core.driver) {
            Err(e) if retry_after_writing(&e, self.core.driver.has_output()) => {
                self.flush().await?;
                queue(&mut self.core.driver)?;
            }
            queued => queued?,
        }
        self.flush().await
    }

    /// Writes and flushes everything queued: after commands given through
    /// [`connection_and_output`](Self::connection_and_output), or the keepalive ping
    /// [`handle_timeout`](Self::handle_timeout) queued.
    ///
    /// # Errors
    /// As the blocking [`flush`](crate::embedded_io::WebSocket::flush).
    pub async fn flush(&mut self) -> Result<(), Error<T::Error>> {
        while let Some(io) = self.core.output_step() {
            self.write(io).await?;
        }
        Ok(())
    }

    /// One write or flush.
    async fn write(&mut self, io: Io) -> Result<(), Error<T::Error>> {
        match io {
            Io::Write => {
                let result = self.io.write(self.core.driver.output()).await;
                self.core.wrote(result)
            }
            Io::Flush => {
                let result = self.io.flush().await;
                self.core.flushed(result)
            }
            // Writing never asks for a read.
            Io::Read => Ok(()),
        }
    }

    /// One read into `reader`.
    async fn read<R, S>(&mut self, reader: &mut MessageReader<R, S>) -> Result<(), Error<T::Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let buf = self.core.driver.read_buffer(reader);
        let room = buf.len();
        let result = self.io.read(buf).await;
        self.core.filled(reader, result, room)
    }

    /// Advances the connection's clock to `now`, the time since an epoch of the
    /// caller's choice (monotonic); see the [module docs](self) on timers and
    /// [`Connection::handle_timeout`].
    pub fn handle_timeout(&mut self, now: Duration) {
        self.core.driver.handle_timeout(now);
    }

    /// When [`handle_timeout`](Self::handle_timeout) wants to be called, in the same
    /// time; `None` when no timer runs.
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
    pub fn connection_and_output(&mut self) -> (&mut Connection, &mut O) {
        // As in `connection`.
        self.core.driver.connection_and_output().expect("a WebSocket's driver has a connection")
    }

    /// The subprotocol agreed in the handshake this driver ran; `None` after
    /// `from_connection` (the upgrade that built the connection has it).
    pub fn subprotocol(&self) -> Option<&str> {
        self.core.driver.subprotocol()
    }

    /// The close code (RFC 6455 §7.1.5) once the connection is over; `None` while
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
