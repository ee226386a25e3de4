//! The loop every transport driver runs, without the I/O: [`Driver`].
//!
//! A driver over a byte stream (the blocking one, tokio, embedded-io, or a stack of
//! your own) does the same thing in the same order: write the handshake, read the
//! peer's head, answer it, then read frames, deliver messages, write pongs and Close
//! replies, fire timers, and stop when the connection is over. [`Driver`] holds that
//! loop and everything it needs between two I/O calls, and says what the transport is
//! to do next ([`Next`]); the transport code around it is a `match` of a few lines per
//! step (see [`Driver`]). The crate's own drivers are written that way, so the protocol
//! loop exists once.

mod handshake;
mod output;

pub use output::OutputBuffer;

use core::time::Duration;

use crate::handshake::{Limits, ServerHandshake};
use crate::message::{MessageError, MessageStore};
use crate::{
    CloseCode, Config, Connection, ConnectionError, Error, MessageReader, Received, SendError,
};

/// What the transport is to do next, as [`Driver::poll`] says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Next {
    /// Write [`Driver::output`] (all of it, or a part), then report the count with
    /// [`Driver::wrote`], or [`Driver::write_failed`] when the transport cannot write.
    Write,
    /// Everything queued was written: flush the transport (a TLS stream or a buffered
    /// writer holds bytes until then), then call [`Driver::flushed`].
    Flush,
    /// Read into [`Driver::read_buffer`] and report the count with [`Driver::filled`]
    /// (0 at end of stream). While waiting, call [`Driver::handle_timeout`] when the
    /// time since the driver's epoch reaches `wake_at`, then poll again. A read that
    /// has not completed can be abandoned (to send, say): nothing is lost.
    Read {
        /// When a timer (keepalive, close handshake) is due; `None` when none runs.
        wake_at: Option<Duration>,
    },
    /// The peer's handshake head is whole. A server answers it with
    /// [`Driver::accept`], a client checks it with [`Driver::check_response`].
    Handshake,
    /// A message (or ping, pong, Close) is ready: take it with [`Driver::message`].
    Message,
    /// The handshake or the connection failed; any answer the peer must get (an HTTP
    /// error status, a Close frame with the code) was written first. Returned once;
    /// polling on reads the transport to its end and then says [`Next::Closed`].
    Failed(Error),
    /// The connection is over (the close handshake completed, a timer ran out, the
    /// transport ended, or the handshake failed): close the transport. Returned again
    /// on every call.
    Closed,
}

/// Where the driver is.
#[derive(Debug)]
// The connection is the large variant and the one the driver spends its life in; it
// cannot be boxed without `alloc`.
#[allow(clippy::large_enum_variant)]
enum Phase {
    /// A server reading the client's request head.
    Accepting { handshake: ServerHandshake, config: Config },
    /// A client whose request is queued, reading the server's response head.
    Connecting { handshake: handshake::ResponseScan, config: Config, mask_seed: [u8; 16] },
    /// Frames flow.
    Open(Connection),
    /// The handshake did not lead to a connection; the error is reported after the
    /// answer (if any) is written, then it is over.
    Refused(Option<Error>),
}

/// The protocol loop of one WebSocket connection over a byte stream, from the opening
/// handshake to the end, for drivers: it owns the [`Connection`] once there is one and
/// the [`OutputBuffer`] frames are queued in. Reads go through the caller's
/// [`MessageReader`] (the same one at every call, for the whole connection), whose read
/// buffer also takes the handshake head, so the frames that arrive with it stay where
/// they are; messages borrow the reader, not the driver, so they can be sent back while
/// they are held.
///
/// The transport code around it calls [`poll`](Self::poll) and does what it says,
/// until [`Next::Message`] (take it with [`message`](Self::message)) or
/// [`Next::Closed`]. Sending is a command of the [`Connection`] that
/// [`connection_and_output`](Self::connection_and_output) lends, then
/// polling until the output is written. This is a whole blocking server:
///
/// ```
/// use std::io::{Read, Write};
/// use rfc6455::driver::{Driver, Next};
/// use rfc6455::handshake::{Accept, Limits};
/// use rfc6455::message::SliceMessageBuffer;
/// use rfc6455::{Config, MessageReader, Received, SliceSink};
///
/// /// Echoes every text message until the connection is over. (With `alloc`, the
/// /// buffers can be `MessageReader::default()` and a `Vec<u8>`.)
/// fn serve(socket: &mut (impl Read + Write)) -> Result<(), rfc6455::Error> {
///     let (mut store, mut output) = ([0u8; 4096], [0u8; 4096]);
///     let mut reader = MessageReader::new([0u8; 2048], SliceMessageBuffer::new(&mut store));
///     let out = SliceSink::new(&mut output);
///     let mut ws = Driver::server(Config::default(), Limits::default(), out);
///     loop {
///         match ws.poll(&mut reader) {
///             Next::Write => match socket.write(ws.output()) {
///                 Ok(n) => ws.wrote(n),
///                 Err(_) => ws.write_failed(),
///             },
///             Next::Flush => match socket.flush() {
///                 Ok(()) => ws.flushed(),
///                 Err(_) => ws.write_failed(),
///             },
///             Next::Read { .. } => {
///                 // (A driver with a clock waits at most until `wake_at`.)
///                 let n = socket.read(ws.read_buffer(&mut reader)).unwrap_or(0);
///                 ws.filled(&mut reader, n);
///             }
///             Next::Handshake => ws.accept(&mut reader, |_request| Ok(Accept::new())),
///             Next::Message => match ws.message(&mut reader) {
///                 Ok(Received::Text(text)) => {
///                     let (conn, out) = ws.connection_and_output()?;
///                     conn.send_text(text, out)?; // out at the next Write
///                 }
///                 Ok(_) => {}
///                 Err(error) => {
///                     socket.write_all(ws.output()).ok(); // the Close goes first
///                     return Err(error);
///                 }
///             },
///             Next::Failed(error) => return Err(error),
///             Next::Closed => return Ok(()),
///             _ => {}
///         }
///     }
/// }
///
/// // A client's opening handshake and a message, then the client goes away.
/// let hello = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\
///     \x81\x82\0\0\0\0hi";
/// # struct Pipe { input: &'static [u8], output: [u8; 256], len: usize }
/// # impl Read for Pipe { fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> { self.input.read(b) } }
/// # impl Write for Pipe {
/// #     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
/// #         let n = (&mut self.output[self.len..]).write(b)?; self.len += n; Ok(n)
/// #     }
/// #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// # }
/// let mut socket = Pipe { input: hello, output: [0; 256], len: 0 };
/// serve(&mut socket)?;
/// let written = &socket.output[..socket.len];
/// assert!(written.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
/// assert!(written.ends_with(b"\x81\x02hi"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// `O` is the output buffer: a `Vec<u8>` with `alloc`, a
/// [`SliceSink`](crate::SliceSink) over caller memory without it. With a fixed output
/// buffer, a message that does not fit in what is left of it is refused with
/// [`SendError::BufferTooSmall`]: write the output, then send again.
#[derive(Debug)]
pub struct Driver<O> {
    phase: Phase,
    out: O,
    /// The bytes at the front of `out` already written.
    written: usize,
    /// Bytes were written since the last flush.
    unflushed: bool,
    /// The connection's failure was returned by `poll`.
    failure_reported: bool,
    /// Where reads go once the reader takes nothing more (after a failure).
    discard: [u8; 64],
    /// The subprotocol and extensions agreed in the handshake.
    agreed: Option<crate::handshake::Negotiated>,
}

impl<O: OutputBuffer> Driver<O> {
    /// A server that reads a client's opening handshake (within `limits`, and within
    /// the read buffer of the reader it is polled with) and then runs a connection with
    /// `config`. With the `deflate` feature, permessage-deflate is negotiated as
    /// `config` says. A head that does not fit in the read buffer is refused with 431
    /// ([`HandshakeError::HeadTooLarge`](crate::handshake::HandshakeError::HeadTooLarge)):
    /// browsers send 400 to 1,000 bytes, more with cookies.
    pub const fn server(config: Config, limits: Limits, out: O) -> Self {
        let handshake = ServerHandshake::new(limits);
        Self::with_phase(Phase::Accepting { handshake, config }, out)
    }

    /// Drives a connection whose handshake was done elsewhere (for example by an HTTP
    /// server that handed over the upgraded stream). Give bytes read past the handshake
    /// head to the reader first ([`MessageReader::feed`]).
    pub const fn from_connection(conn: Connection, out: O) -> Self {
        Self::with_phase(Phase::Open(conn), out)
    }

    const fn with_phase(phase: Phase, out: O) -> Self {
        Self {
            phase,
            out,
            written: 0,
            unflushed: false,
            failure_reported: false,
            discard: [0; 64],
            agreed: None,
        }
    }

    /// What to do next. Call it after every step, with the same `reader` every time.
    pub fn poll<R, S>(&mut self, reader: &mut MessageReader<R, S>) -> Next
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        if let Phase::Open(conn) = &mut self.phase {
            // Frames the connection queued (pongs, pings, Close) go after what the
            // caller sent; an output buffer that is full takes them after a write. They
            // are queued before the next frame is read: that frame may be a ping whose
            // pong would replace the one still pending (then only the last of several
            // pings read together would be answered), and the caller's answer to the
            // next message must go after them.
            while let Ok(true) = conn.poll_transmit(&mut self.out) {}
            if reader.has_next(conn) {
                return Next::Message;
            }
        }
        if self.written < self.out.filled().len() {
            return Next::Write;
        }
        if self.unflushed {
            return Next::Flush;
        }
        match &mut self.phase {
            Phase::Open(conn) => {
                if let Some(error) = conn.failure().filter(|_| !self.failure_reported) {
                    self.failure_reported = true;
                    return Next::Failed(error.into());
                }
                if conn.should_close_transport() {
                    // The transport is closed from here on: without the peer's Close,
                    // the close code is 1006 (RFC 6455 §7.1.5).
                    conn.handle_eof();
                    return Next::Closed;
                }
                Next::Read { wake_at: conn.poll_timeout() }
            }
            Phase::Refused(error) => match error.take() {
                Some(error) => Next::Failed(error),
                None => Next::Closed,
            },
            Phase::Accepting { .. } | Phase::Connecting { .. } => self.poll_head(reader),
        }
    }

    /// The bytes to write, at [`Next::Write`].
    pub fn output(&self) -> &[u8] {
        self.out.filled().get(self.written..).unwrap_or_default()
    }

    /// Records that the first `n` bytes of [`output`](Self::output) were written.
    ///
    /// # Panics
    /// If `n` is more than [`output`](Self::output) holds.
    pub fn wrote(&mut self, n: usize) {
        assert!(n <= self.output().len(), "wrote more than the output holds");
        self.written += n;
        self.unflushed |= n > 0;
        if self.written == self.out.filled().len() {
            self.out.clear();
            self.written = 0;
        }
    }

    /// Records that the transport was flushed.
    pub fn flushed(&mut self) {
        self.unflushed = false;
    }

    /// Records that the transport cannot be written to any more (a write or flush
    /// failed, or the write half was shut down). Output is dropped; reading goes on,
    /// so a Close the peer sent before it went away is still delivered (see
    /// [`Connection::handle_write_closed`]).
    pub fn write_failed(&mut self) {
        self.out.clear();
        self.written = 0;
        self.unflushed = false;
        match &mut self.phase {
            Phase::Open(conn) => conn.handle_write_closed(),
            Phase::Refused(_) => {}
            // The peer cannot get our handshake: there is nothing to wait for.
            _ => self.phase = Phase::Refused(None),
        }
    }

    /// Where to read, at [`Next::Read`]: never empty.
    pub fn read_buffer<'b, R, S>(&'b mut self, reader: &'b mut MessageReader<R, S>) -> &'b mut [u8]
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        match &mut self.phase {
            Phase::Open(conn) => match reader.spare(conn) {
                Ok(spare) => spare,
                // After a failure the reader takes nothing; read on only to see the end.
                Err(_) => &mut self.discard,
            },
            Phase::Accepting { .. } | Phase::Connecting { .. } => {
                let spare = reader.head_spare();
                if spare.is_empty() {
                    &mut self.discard
                } else {
                    spare
                }
            }
            Phase::Refused(_) => &mut self.discard,
        }
    }

    /// Records that the first `n` bytes of [`read_buffer`](Self::read_buffer) were
    /// read into; 0 is the end of the stream.
    ///
    /// # Panics
    /// If `n` is larger than that buffer.
    pub fn filled<R, S>(&mut self, reader: &mut MessageReader<R, S>, n: usize)
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        match &mut self.phase {
            Phase::Open(conn) if n == 0 => conn.handle_eof(),
            Phase::Open(conn) => {
                if conn.failure().is_none() {
                    reader.filled(n);
                }
            }
            Phase::Accepting { .. } | Phase::Connecting { .. } if n == 0 => {
                // The peer went away before the handshake was done.
                self.phase = Phase::Refused(None);
            }
            Phase::Accepting { .. } | Phase::Connecting { .. } => reader.head_filled(n),
            Phase::Refused(_) => {}
        }
    }

    /// Advances the connection's clock to `now`, the time since an epoch of the
    /// driver's choice (monotonic; see [`Connection::handle_timeout`]).
    ///
    /// When a timer gives up on the peer (the close handshake timed out), output that
    /// could not be written is dropped, and [`poll`](Self::poll) says
    /// [`Next::Closed`]: a peer that stopped reading cannot hold the connection open.
    pub fn handle_timeout(&mut self, now: Duration) {
        if let Phase::Open(conn) = &mut self.phase {
            let was_over = conn.should_close_transport();
            conn.handle_timeout(now);
            if !was_over && conn.should_close_transport() {
                self.out.clear();
                self.written = 0;
                self.unflushed = false;
            }
        }
    }

    /// The message that [`Next::Message`] announced, from `reader`. It borrows the
    /// reader, not the driver, so it can be sent back while it is held.
    ///
    /// # Errors
    /// When its text turns out not to be UTF-8, the connection fails: the error is
    /// returned here (not by [`poll`](Self::poll)) with its Close already in
    /// [`output`](Self::output). Write the output, then report it.
    pub fn message<'r, R, S>(
        &mut self,
        reader: &'r mut MessageReader<R, S>,
    ) -> Result<Received<'r>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let Phase::Open(conn) = &mut self.phase else {
            return Err(Error::Send(SendError::Closed));
        };
        if let Some(message) = reader.next(conn) {
            return Ok(message);
        }
        while let Ok(true) = conn.poll_transmit(&mut self.out) {}
        self.failure_reported = true;
        // (A reader finds nothing only when the connection failed.)
        let failure = conn.failure().unwrap_or(MessageError::InvalidUtf8.into());
        Err(Error::Connection(failure))
    }

    /// Queues a text message (for the crate's drivers; callers use
    /// [`connection_and_output`](Self::connection_and_output)).
    ///
    /// # Errors
    /// As [`Connection::send_text`]; [`SendError::Closed`] before the handshake
    /// completed.
    #[cfg(any(feature = "std", feature = "embedded-io"))]
    pub(crate) fn send_text(&mut self, text: &str) -> Result<(), SendError> {
        let (conn, out) = self.connection_and_output()?;
        conn.send_text(text, out)
    }

    /// Queues a binary message.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    #[cfg(any(feature = "std", feature = "embedded-io"))]
    pub(crate) fn send_binary(&mut self, data: &[u8]) -> Result<(), SendError> {
        let (conn, out) = self.connection_and_output()?;
        conn.send_binary(data, out)
    }

    /// Queues a ping (at most 125 bytes).
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    #[cfg(any(feature = "std", feature = "embedded-io"))]
    pub(crate) fn send_ping(&mut self, payload: &[u8]) -> Result<(), SendError> {
        let (conn, out) = self.connection_and_output()?;
        conn.send_ping(payload, out)
    }

    /// Starts the close handshake; keep polling until [`Next::Closed`] to let the peer
    /// answer.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    #[cfg(any(feature = "std", feature = "embedded-io"))]
    pub(crate) fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), SendError> {
        let (conn, out) = self.connection_and_output()?;
        conn.close(code, reason, out)
    }

    /// The connection and the output buffer, to send: `conn.send_text(text, out)` and
    /// every other command of [`Connection`] (fragments, pings, the close,
    /// [`Connection::send_header`]). What is queued goes out at the next
    /// [`Next::Write`]. [`SendError::BufferTooSmall`] (or
    /// [`OutputFull`](SendError::OutputFull)) while output is pending: write it, then
    /// send again.
    ///
    /// # Errors
    /// [`SendError::Closed`] before the handshake completed.
    pub fn connection_and_output(&mut self) -> Result<(&mut Connection, &mut O), SendError> {
        match &mut self.phase {
            Phase::Open(conn) => Ok((conn, &mut self.out)),
            _ => Err(SendError::Closed),
        }
    }

    /// The connection, once the handshake completed.
    pub const fn connection(&self) -> Option<&Connection> {
        match &self.phase {
            Phase::Open(conn) => Some(conn),
            _ => None,
        }
    }

    /// The subprotocol agreed in the handshake this driver ran; `None` after
    /// `from_connection` (the upgrade that built the connection has it).
    pub fn subprotocol(&self) -> Option<&str> {
        self.agreed.as_ref().and_then(crate::handshake::Negotiated::subprotocol)
    }

    /// The close code (RFC 6455 §7.1.5) once the connection is over, as
    /// [`Connection::close_code`] says; `None` while open or before the handshake.
    pub fn close_code(&self) -> Option<CloseCode> {
        self.connection().and_then(Connection::close_code)
    }

    /// The connection's failure, if it failed.
    pub fn failure(&self) -> Option<ConnectionError> {
        self.connection().and_then(Connection::failure)
    }

    /// `true` when output is waiting to be written (or flushed).
    pub fn has_output(&self) -> bool {
        !self.output().is_empty() || self.unflushed
    }
}

/// Queued output past which a driver's send writes even while received messages wait
/// in the reader (the `tokio` and `blocking` drivers answer what one read brought with
/// one write).
#[cfg(feature = "std")]
pub(crate) const BATCH_LIMIT: usize = 64 * 1024;

/// Whether the reader still holds received bytes after the message just taken, given
/// `buffered`, what it held before: more than the message's frame can have taken (its
/// payload and the longest header for that length, masking key included; compressed
/// messages are judged by their inflated length, which at worst delays a write to the
/// next `recv`, send or flush).
#[cfg(feature = "std")]
pub(crate) fn more_received(buffered: usize, received: &Received<'_>) -> bool {
    let payload = match received {
        Received::Text(text) => text.len(),
        Received::Binary(data) => data.len(),
        Received::Ping(payload) | Received::Pong(payload) => payload.len(),
        Received::Close(_) => 125,
    };
    let header = match payload {
        0..=125 => 6,
        126..=0xFFFF => 8,
        _ => 14,
    };
    buffered > payload + header
}
