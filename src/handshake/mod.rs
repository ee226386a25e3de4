//! The opening handshake, client and server: the HTTP/1.1 Upgrade (RFC 6455 §4), and the
//! extended CONNECT that opens a WebSocket on an HTTP/2 or HTTP/3 stream (RFC 8441,
//! RFC 9220).
//!
//! Everything that happens before the first frame, for both roles, as pure functions and
//! small state machines over caller buffers. Nothing here performs I/O, reads a clock,
//! draws randomness or allocates. Output goes to a [`FrameSink`](crate::FrameSink): a
//! [`SliceSink`](crate::SliceSink) over a caller buffer, or a `Vec<u8>` with `alloc`.
//!
//! # Server
//!
//! 1. Read bytes from the transport into a buffer and call
//!    [`ServerHandshake::parse_request`] with everything received so far.
//!    [`Status::Partial`] means "read more".
//! 2. A [`Request`] is a validated, zero-copy view of the head: target (path and query),
//!    host, `Origin`, offered subprotocols and extensions, and every header.
//! 3. Decide, then write the answer. [`Request::accept`] with an [`Accept`] (subprotocol,
//!    permessage-deflate with `Accept::with_deflate` (feature `deflate`), extra headers such as CORS or
//!    `Set-Cookie`) writes the `101` and returns a [`ServerUpgrade`]; a [`Reject`] writes
//!    an error response instead (`403` for a refused [`OriginPolicy`], `404`, or
//!    [`Reject::from_error`] for a malformed request: `400`, `405`, `426`, `431`).
//! 4. [`ServerUpgrade::into_connection`] builds the [`Connection`](crate::Connection),
//!    compressing when permessage-deflate was agreed; [`ServerUpgrade::leftover`] gives
//!    the bytes after the head, frames a client may pipeline right behind it.
//!
//! ```
//! use rfc6455::handshake::{Accept, Limits, Reject, ServerHandshake, Status};
//! use rfc6455::{Config, Event, SliceSink};
//!
//! // One read: the request head and the client's first frame (masked "hi").
//! let mut buf = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
//!     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
//!     Sec-WebSocket-Version: 13\r\n\r\n\x81\x82\x01\x02\x03\x04\x69\x6b"
//!     .to_vec();
//! let mut handshake = ServerHandshake::new(Limits::default());
//! let request = match handshake.parse_request(&buf) {
//!     Ok(Status::Complete(request)) => request,
//!     Ok(Status::Partial) => unreachable!("read more, then call again"),
//!     Err(error) => {
//!         let mut storage = [0u8; 256];
//!         Reject::from_error(error).write(&mut SliceSink::new(&mut storage))?; // send, close
//!         return Err(error.into());
//!     }
//! };
//! assert_eq!(request.path(), "/chat");
//! let config = Config::default();
//! let mut storage = [0u8; 256];
//! let mut response = SliceSink::new(&mut storage); // or a `Vec<u8>` with `alloc`
//! let upgrade = request.accept(&Accept::new(), &mut response)?;
//! assert!(response.filled().starts_with(b"HTTP/1.1 101 Switching Protocols\r\n")); // send it
//!
//! let mut conn = upgrade.into_connection(config);
//! let (event, _) = conn.handle_read(upgrade.leftover(&mut buf))?;
//! let Some(Event::Data(chunk)) = event else { panic!("the pipelined frame") };
//! assert_eq!(chunk.as_whole_text(), Some("hi"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Client
//!
//! 1. Build a [`ClientRequest`] from a `ws://`/`wss://` URI (or its parts) and a
//!    [`ClientKey`] made from 16 random bytes supplied by the caller (offer
//!    permessage-deflate with `ClientRequest::with_deflate` (feature `deflate`)), then write it with
//!    [`ClientRequest::write`].
//! 2. Feed the server's answer to [`ClientHandshake::parse_response`] until it is
//!    complete. A `101` that passes every check of RFC 6455 §4.1 gives a
//!    [`ClientUpgrade`]; any other status gives [`ResponseError::Rejected`] with the
//!    status code (its headers are read from the buffer with [`Rejected::headers`]).
//! 3. [`ClientUpgrade::into_connection`] builds the client
//!    [`Connection`](crate::Connection); [`ClientUpgrade::leftover`] gives the server's
//!    first frames if they came in the same read.
//!
//! ```
//! use rfc6455::handshake::{accept_key, ClientHandshake, ClientKey, ClientRequest, Limits, Status};
//! use rfc6455::{Config, Event, SliceSink};
//!
//! let key = ClientKey::from_random([7; 16]); // 16 bytes from the caller's RNG
//! let request = ClientRequest::from_uri("ws://example.com/chat", key)?;
//! let mut storage = [0u8; 512];
//! let mut out = SliceSink::new(&mut storage); // or a `Vec<u8>` with `alloc`
//! request.write(&mut out)?; // send it
//! assert!(out.filled().starts_with(b"GET /chat HTTP/1.1\r\nHost: example.com\r\n"));
//!
//! // The server's answer, followed by its first frame in the same read.
//! let mut buf = format!(
//!     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
//!      Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
//!     accept_key(key.as_str().as_bytes()) // what the server computes
//! )
//! .into_bytes();
//! buf.extend_from_slice(b"\x81\x02hi");
//! let mut handshake = ClientHandshake::new(request, Limits::default());
//! let Status::Complete(upgrade) = handshake.parse_response(&buf)? else {
//!     unreachable!("read more, then call again");
//! };
//! let mut conn = upgrade.into_connection(Config::default(), [42; 16]); // seed from the RNG
//! let (event, _) = conn.handle_read(upgrade.leftover(&mut buf))?;
//! let Some(Event::Data(chunk)) = event else { panic!("the server's first frame") };
//! assert_eq!(chunk.as_whole_text(), Some("hi"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # HTTP/2 and HTTP/3
//!
//! Over HTTP/2 and HTTP/3 the HTTP stack decodes the header block and the handshake is
//! over name/value pairs: [`ConnectRequest::parse`] validates a server's extended CONNECT
//! from its fields and [`ConnectRequest::accept`] answers with a [`ConnectResponse`] (a
//! `200` and its fields) and the same [`ServerUpgrade`]; a client turns its
//! [`ClientRequest`] into fields with [`ClientRequest::to_connect`] and checks the answer
//! with [`ClientRequest::check_connect_response`], which gives the same [`ClientUpgrade`].
//! The stream's bytes are then the connection's, with no head before them
//! ([`head_len`](ServerUpgrade::head_len) is 0). The `http` feature does the same with
//! `http::Request` and `http::Response` (the `h2` and `h3` crates' types).
//!
//! # Guarantees
//!
//! - Peer input never panics and is never copied while it is looked at: views borrow
//!   the caller's buffer. What outlives the head (the upgrades, every error) owns what
//!   it holds: the subprotocol is copied, at most [`MAX_SUBPROTOCOL_LEN`] bytes.
//! - [`Limits`] (head size, header count) are enforced as bytes arrive: a prefix that can
//!   no longer become a valid head within the limits is refused at once, so a peer that
//!   trickles bytes or sends an endless header cannot make the caller buffer more than
//!   [`Limits::max_head_len`] bytes.
//! - Feeding the same bytes in any split gives the same result; the incremental state
//!   machines scan each byte once.
//! - The HTTP/1.1 syntax is strict (RFC 9112): `CRLF` line ends only (a bare `LF` or bare
//!   `CR` is refused), no obsolete line folding, no whitespace between a field name and
//!   its colon, no control bytes, token characters only in names. Empty lines before the
//!   start line are skipped (RFC 9112 §2.2). `Name:value` without a space and any case of
//!   field names are accepted.
//! - Request targets (RFC 9112 §3.2): origin-form (`/chat`) and absolute-form
//!   (`http://example.com/chat`, `http` and `https` only, with a plain `host[:port]`
//!   authority) are accepted. In absolute-form the authority is the host the request is
//!   for, and `Host` must name the same host and port or the request is refused (400).
//!   Authority-form (`host:port`) and asterisk-form (`*`) are refused (400). The `http`
//!   conversions apply the same rules by the same code.
//! - Writers validate everything the caller supplies (tokens, header names and values,
//!   offered subprotocols) and either write the whole message or return
//!   [`UsageError::BufferTooSmall`] with the sink untouched.

mod accept;
mod client;
mod connect;
mod error;
mod head;
/// Conversions to and from `http::Request` and `http::Response` (feature `http`).
#[cfg(feature = "http")]
pub mod http;
mod negotiate;
mod reject;
mod server;
mod target;
mod upgrade;
mod write;

pub use accept::{accept_key, AcceptKey, ClientKey};
pub use client::{ClientHandshake, ClientRequest};
pub use connect::{ClientConnect, ConnectRequest, ConnectResponse};
pub use error::{HandshakeError, Rejected, ResponseError, UsageError};
pub use head::{Header, Headers};
pub use negotiate::{Extension, Extensions, Param, ParamValue, Params, Subprotocols};
pub use reject::{OriginPolicy, Reject};
pub use server::{Accept, Request, ServerHandshake};
pub use upgrade::{ClientUpgrade, ServerUpgrade, MAX_SUBPROTOCOL_LEN};

pub(crate) use head::{Kind, Scanner};
pub(crate) use upgrade::Negotiated;

/// The WebSocket protocol version this crate speaks (RFC 6455 §4.1, `Sec-WebSocket-Version`).
pub const WEBSOCKET_VERSION: &str = "13";

/// Default for [`Limits::max_head_len`]: 8 KiB, the common HTTP server default.
pub const DEFAULT_MAX_HEAD_LEN: usize = 8 * 1024;

/// Default for [`Limits::max_headers`]: 64 header lines.
pub const DEFAULT_MAX_HEADERS: usize = 64;

/// The progress of parsing a head from a growing buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// The buffer holds a valid prefix of a head; read more bytes and call again.
    Partial,
    /// The head is complete; `T` knows how many bytes it used.
    Complete(T),
}

impl<T> Status<T> {
    /// Returns `true` for [`Status::Complete`].
    pub const fn is_complete(&self) -> bool {
        matches!(self, Self::Complete(_))
    }

    /// Returns `true` for [`Status::Partial`].
    pub const fn is_partial(&self) -> bool {
        matches!(self, Self::Partial)
    }

    /// Converts the status into an `Option`, `None` for [`Status::Partial`].
    pub fn complete(self) -> Option<T> {
        match self {
            Self::Complete(value) => Some(value),
            Self::Partial => None,
        }
    }
}

/// Size limits applied to a received head, checked as bytes arrive.
///
/// ```
/// use rfc6455::handshake::Limits;
///
/// let mut limits = Limits::default();
/// assert_eq!((limits.max_head_len, limits.max_headers), (8192, 64));
/// limits.max_head_len = 2048; // a small device
/// const TINY: Limits = Limits::DEFAULT.with_max_head_len(1024).with_max_headers(16);
/// assert_eq!(TINY.max_headers, 16);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest head accepted, in bytes, counting the start line, every header line and
    /// the final empty line. A prefix of this length that is not a complete head is
    /// refused with [`HandshakeError::HeadTooLarge`] (status 431).
    /// Default: [`DEFAULT_MAX_HEAD_LEN`].
    pub max_head_len: usize,
    /// Largest number of header lines accepted. The first byte of one more header line is
    /// refused with [`HandshakeError::TooManyHeaders`] (status 431).
    /// Default: [`DEFAULT_MAX_HEADERS`].
    pub max_headers: usize,
}

impl Limits {
    /// The defaults: 8 KiB of head and 64 header lines.
    pub const DEFAULT: Self =
        Self { max_head_len: DEFAULT_MAX_HEAD_LEN, max_headers: DEFAULT_MAX_HEADERS };

    /// Returns these limits with [`max_head_len`](Self::max_head_len) set to `len`.
    pub const fn with_max_head_len(mut self, len: usize) -> Self {
        self.max_head_len = len;
        self
    }

    /// Returns these limits with [`max_headers`](Self::max_headers) set to `count`.
    pub const fn with_max_headers(mut self, count: usize) -> Self {
        self.max_headers = count;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
