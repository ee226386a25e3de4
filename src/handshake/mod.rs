//! The opening handshake (RFC 6455 §4): HTTP/1.1 Upgrade, client and server.
//!
//! Everything that happens before the first frame, for both roles, as pure functions and
//! small state machines over caller buffers. Nothing here performs I/O, reads a clock,
//! draws randomness or allocates. Output goes to a [`FrameSink`](crate::FrameSink): a
//! [`SliceSink`](crate::SliceSink) over a caller buffer, or a `Vec<u8>` with `alloc`.
//!
//! # Server
//!
//! 1. Read bytes from the transport into a buffer and call
//!    [`ServerHandshake::parse_request`] with everything received so far (or the pure
//!    [`Request::parse`]). [`Status::Partial`] means "read more".
//! 2. A [`Request`] is a validated, zero-copy view of the head: target (path and query),
//!    host, `Origin`, offered subprotocols and extensions, and every header. Bytes after
//!    [`Request::head_len`] belong to the frame layer (a client may pipeline its first
//!    frame right behind the head).
//! 3. Decide, then write the answer: [`Request::accept`] with an [`Accept`] (subprotocol,
//!    extensions, extra headers such as CORS or `Set-Cookie`) writes the `101`; a
//!    [`Reject`] writes an error response (`403` for a refused [`OriginPolicy`], `404`,
//!    or [`Reject::from_error`] for a malformed request: `400`, `405`, `426`, `431`).
//!
//! ```
//! use rfc6455::handshake::{Accept, Limits, Request, Status};
//!
//! let bytes = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
//!     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
//!     Sec-WebSocket-Version: 13\r\n\r\n";
//! let Status::Complete(request) = Request::parse(bytes, &Limits::default())? else {
//!     unreachable!("the head is complete");
//! };
//! assert_eq!(request.target(), "/chat");
//! let mut buf = [0u8; 256];
//! let mut out = rfc6455::SliceSink::new(&mut buf);
//! request.accept(&Accept::new(), &mut out)?;
//! assert!(out.filled().starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Client
//!
//! 1. Build a [`ClientRequest`] from a `ws://`/`wss://` URI (or its parts) and a
//!    [`ClientKey`] made from 16 random bytes supplied by the caller, then write it with
//!    [`ClientRequest::write`].
//! 2. Feed the server's answer to [`ClientHandshake::parse_response`] (or the pure
//!    [`ClientRequest::parse_response`]) until it is complete. A `101` that passes every
//!    check of RFC 6455 §4.1 gives an [`Accepted`]; any other status gives
//!    [`ResponseError::Rejected`], which still exposes the status code and headers.
//!
//! ```
//! use rfc6455::handshake::{ClientKey, ClientRequest, Limits, ResponseError, Status};
//!
//! let key = ClientKey::from_random([7; 16]); // 16 bytes from the caller's RNG
//! let request = ClientRequest::from_uri("ws://example.com/chat", key)?;
//! let mut buf = [0u8; 512];
//! let mut out = rfc6455::SliceSink::new(&mut buf);
//! request.write(&mut out)?;
//! assert!(out.filled().starts_with(b"GET /chat HTTP/1.1\r\nHost: example.com\r\n"));
//!
//! // The server's answer, possibly followed by its first frames in the same read.
//! let mut wire = format!(
//!     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
//!      Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
//!     key.accept_key()
//! )
//! .into_bytes();
//! wire.extend_from_slice(b"\x81\x02hi");
//! match request.parse_response(&wire, &Limits::default()) {
//!     Ok(Status::Complete(accepted)) => {
//!         let frames = &wire[accepted.head_len()..];
//!         assert_eq!(frames, b"\x81\x02hi"); // for the frame layer
//!     }
//!     Ok(Status::Partial) => { /* read more */ }
//!     Err(ResponseError::Rejected(rejected)) => panic!("status {}", rejected.status()),
//!     Err(ResponseError::Invalid(error)) => panic!("fail the connection: {error}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Guarantees
//!
//! - Peer input never panics and is never copied: views borrow the caller's buffer.
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
mod error;
mod head;
/// Conversions to and from `http::Request` and `http::Response` (feature `http`).
#[cfg(feature = "http")]
pub mod http;
mod negotiate;
mod reject;
mod server;
mod target;
mod write;

pub use accept::{accept_key, AcceptKey, ClientKey};
pub use client::{Accepted, ClientHandshake, ClientRequest, Rejected, ResponseError};
pub use error::{HandshakeError, UsageError};
pub use head::{Header, Headers};
pub use negotiate::{Extension, Extensions, Param, ParamValue, Params, Subprotocols};
pub use reject::{OriginPolicy, Reject};
pub use server::{Accept, Request, ServerHandshake};

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
