//! Handshake errors: peer faults ([`HandshakeError`]), a client's failed upgrade
//! ([`ResponseError`]) and caller mistakes ([`UsageError`]).
//!
//! Every error here owns what it reports (`'static`, `Copy`), so `?` carries it into
//! `Box<dyn Error>` or any other error type:
//!
//! ```
//! use rfc6455::handshake::{ClientHandshake, ClientKey, ClientRequest, Limits, ServerHandshake};
//!
//! fn open(request: &[u8], response: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//!     let _ = ServerHandshake::new(Limits::default()).parse_request(request)?;
//!     let client = ClientRequest::from_uri("ws://h/", ClientKey::from_random([1; 16]))?;
//!     let _ = ClientHandshake::new(client, Limits::default()).parse_response(response)?;
//!     Ok(())
//! }
//! let error = open(b"GET / HTTP/1.0\r\n\r\n", b"").unwrap_err();
//! assert_eq!(error.to_string(), "http version below 1.1");
//! let request = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
//!     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
//! let error = open(request, b"HTTP/1.1 404 Not Found\r\n\r\n").unwrap_err();
//! assert_eq!(error.to_string(), "server answered 404");
//! ```

use core::fmt;

use super::head::Headers;
use super::upgrade::head_in;
use crate::BufferTooSmall;

/// A handshake received from the peer is malformed or unacceptable.
///
/// On the server, [`HandshakeError::status`] gives the HTTP status to answer with, and
/// [`Reject::from_error`](super::Reject::from_error) writes that answer. On the client,
/// every variant means the connection must be failed (RFC 6455 §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The head did not end within [`Limits::max_head_len`](super::Limits::max_head_len)
    /// bytes (status 431).
    HeadTooLarge,
    /// The head has more than [`Limits::max_headers`](super::Limits::max_headers) header
    /// lines (status 431).
    TooManyHeaders,
    /// The request method is not a token, or the request line is malformed.
    InvalidMethod,
    /// The request target is empty, holds a byte outside `%x21-7E`, or has none of the
    /// forms of RFC 9112 §3.2 (it neither starts with `/` nor is an absolute URI, e.g.
    /// `chat`).
    InvalidTarget,
    /// The `HTTP-version` is not `HTTP/DIGIT.DIGIT`.
    InvalidHttpVersion,
    /// The response status line is malformed.
    InvalidStatusLine,
    /// A field name is empty or holds a byte that is not a token character.
    InvalidHeaderName,
    /// Whitespace between a field name and its colon (RFC 9112 §5.1, a smuggling vector).
    WhitespaceBeforeColon,
    /// A header line starts with whitespace: obsolete line folding (RFC 9112 §5.2).
    ObsoleteLineFolding,
    /// A field value holds a control byte (NUL, DEL, ...).
    InvalidHeaderValue,
    /// A line ends with a bare `LF`, or a `CR` is not followed by `LF`.
    InvalidLineEnding,
    /// The request method is not `GET` (RFC 6455 §4.1, status 405).
    MethodNotGet,
    /// The `:method` of a request with a `:protocol` is not `CONNECT` (RFC 8441 §4,
    /// RFC 9220 §3; status 405).
    MethodNotConnect,
    /// The HTTP version is below 1.1 or its major version is not 1 (RFC 6455 §4.1).
    UnsupportedHttpVersion,
    /// A required header is absent; the name says which.
    MissingHeader(&'static str),
    /// A header that may appear once appears more often (RFC 6455 §11.3, RFC 9112 §3.2).
    DuplicateHeader(&'static str),
    /// The request target is in authority-form (`host:port`, used only by `CONNECT`,
    /// RFC 9112 §3.2.3) or asterisk-form (`*`, used only by a server-wide `OPTIONS`,
    /// RFC 9112 §3.2.4); neither names a resource to upgrade.
    UnsupportedTargetForm,
    /// The request target is an absolute URI whose scheme is not `http` or `https`, the
    /// only ones RFC 6455 §4.2.1 allows there (`ws://` and `wss://` URIs are sent as an
    /// origin-form target plus `Host`, RFC 6455 §4.1).
    UnsupportedTargetScheme,
    /// An absolute-form `http`/`https` target has no authority, or one that is not a plain
    /// `host[:port]`: user info (RFC 9110 §4.2.4), percent-encoding, an empty host
    /// (RFC 9110 §4.2.1), or a port that is not a number up to 65535.
    InvalidTargetAuthority,
    /// The `Host` header does not name the host and port of an absolute-form request
    /// target (RFC 9112 §3.2, §3.2.2). Hosts compare ASCII case-insensitively; an absent
    /// port is the target scheme's default (80 for `http`, 443 for `https`).
    HostMismatch,
    /// A header value is malformed or lacks the required token; the name says which.
    InvalidHeader(&'static str),
    /// `Sec-WebSocket-Version` is absent or not `13` (RFC 6455 §4.2.2, status 426).
    UnsupportedWebSocketVersion,
    /// The request announces a body (`Transfer-Encoding`, or a `Content-Length` other than 0),
    /// whose bytes would otherwise be taken for frames.
    UnexpectedBody,
    /// The `Origin` was refused by an [`OriginPolicy`](super::OriginPolicy) (status 403).
    ForbiddenOrigin,
    /// `Sec-WebSocket-Accept` does not match the key we sent (RFC 6455 §4.1).
    InvalidAccept,
    /// The server chose a subprotocol we did not offer (RFC 6455 §4.1).
    UnexpectedSubprotocol,
    /// The server accepted an extension we did not offer (RFC 6455 §4.1).
    UnexpectedExtension,
}

impl HandshakeError {
    /// The HTTP status a server should answer this error with.
    ///
    /// 431 for the size limits, 405 for a method other than `GET`, 426 for a missing or
    /// wrong `Sec-WebSocket-Version`, 403 for a refused `Origin`, 400 for everything else.
    ///
    /// ```
    /// use rfc6455::handshake::HandshakeError;
    ///
    /// assert_eq!(HandshakeError::UnsupportedWebSocketVersion.status(), 426);
    /// assert_eq!(HandshakeError::MissingHeader("Host").status(), 400);
    /// ```
    pub const fn status(&self) -> u16 {
        match self {
            Self::HeadTooLarge | Self::TooManyHeaders => 431,
            Self::MethodNotGet | Self::MethodNotConnect => 405,
            Self::UnsupportedWebSocketVersion => 426,
            Self::ForbiddenOrigin => 403,
            _ => 400,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::HeadTooLarge => "handshake head too large",
            Self::TooManyHeaders => "too many headers",
            Self::InvalidMethod => "invalid request method",
            Self::InvalidTarget => "invalid request target",
            Self::InvalidHttpVersion => "invalid http version",
            Self::InvalidStatusLine => "invalid status line",
            Self::InvalidHeaderName => "invalid header name",
            Self::WhitespaceBeforeColon => "whitespace before header colon",
            Self::ObsoleteLineFolding => "obsolete line folding",
            Self::InvalidHeaderValue => "invalid header value",
            Self::InvalidLineEnding => "invalid line ending",
            Self::MethodNotGet => "method is not GET",
            Self::MethodNotConnect => "method is not CONNECT",
            Self::UnsupportedHttpVersion => "http version below 1.1",
            Self::MissingHeader(name) => return write!(f, "missing {name} header"),
            Self::DuplicateHeader(name) => return write!(f, "duplicate {name} header"),
            Self::InvalidHeader(name) => return write!(f, "invalid {name} header"),
            Self::UnsupportedTargetForm => "request target in authority-form or asterisk-form",
            Self::UnsupportedTargetScheme => "request target scheme is not http or https",
            Self::InvalidTargetAuthority => "invalid authority in request target",
            Self::HostMismatch => "Host header does not match the request target",
            Self::UnsupportedWebSocketVersion => "unsupported websocket version",
            Self::UnexpectedBody => "unexpected request body",
            Self::ForbiddenOrigin => "origin not allowed",
            Self::InvalidAccept => "wrong Sec-WebSocket-Accept",
            Self::UnexpectedSubprotocol => "subprotocol not offered",
            Self::UnexpectedExtension => "extension not offered",
        };
        f.write_str(text)
    }
}

impl core::error::Error for HandshakeError {}

/// Why a client handshake did not open a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseError {
    /// The server answered with another status than 101 (RFC 6455 §4.1 response item 1):
    /// a redirect, an authentication challenge, a refusal.
    Rejected(Rejected),
    /// The response is malformed or fails RFC 6455 §4.1; fail the connection.
    Invalid(HandshakeError),
}

impl From<HandshakeError> for ResponseError {
    fn from(error: HandshakeError) -> Self {
        Self::Invalid(error)
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(rejected) => write!(f, "server answered {}", rejected.status),
            Self::Invalid(error) => fmt::Display::fmt(error, f),
        }
    }
}

/// The message of an [`Invalid`](Self::Invalid) response is its [`HandshakeError`]'s,
/// so it is not repeated as a source.
impl core::error::Error for ResponseError {}

/// A response with a status other than 101: its status code and where its head ends.
///
/// Its headers (`Location`, `WWW-Authenticate`, ...) are read from the buffer the
/// response was parsed from with [`headers`](Self::headers); a body, if any, follows
/// the head.
///
/// ```
/// use rfc6455::handshake::{ClientHandshake, ClientKey, ClientRequest, Limits, ResponseError};
///
/// let request = ClientRequest::new("h", "/", ClientKey::from_random([5; 16]));
/// let buf = b"HTTP/1.1 302 Found\r\nLocation: ws://elsewhere/\r\n\r\n";
/// let Err(ResponseError::Rejected(rejected)) =
///     ClientHandshake::new(request, Limits::default()).parse_response(buf)
/// else {
///     panic!("a 302 is no upgrade");
/// };
/// assert_eq!(rejected.status(), 302);
/// let location = rejected.headers(buf).find(|h| h.is("Location")).map(|h| h.value);
/// assert_eq!(location, Some(&b"ws://elsewhere/"[..]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub(crate) status: u16,
    pub(crate) head_len: usize,
}

impl Rejected {
    /// The status code.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The length of the response head; a body, if any, follows it.
    pub const fn head_len(&self) -> usize {
        self.head_len
    }

    /// The header lines of the response, read from `buf`, the buffer it was parsed from.
    /// Empty when `buf` does not start with that head.
    pub fn headers<'b>(&self, buf: &'b [u8]) -> Headers<'b> {
        head_in(buf, self.head_len).headers()
    }
}

/// The caller asked for something this side of the handshake cannot write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// The sink cannot take the whole message; nothing was written.
    BufferTooSmall(BufferTooSmall),
    /// The URI is not `ws://` or `wss://` with a host, or it has a fragment or user info
    /// (RFC 6455 §3).
    InvalidUri,
    /// The host is empty or holds a character not allowed in a URI host.
    InvalidHost,
    /// The request target does not start with `/` or holds a byte outside `%x21-7E` or a `#`.
    InvalidTarget,
    /// A subprotocol is empty, not a token, or listed twice (RFC 6455 §4.1).
    InvalidSubprotocol,
    /// An extension does not match the `Sec-WebSocket-Extensions` grammar (RFC 6455 §9.1).
    InvalidExtension,
    /// The chosen subprotocol was not offered by the client (RFC 6455 §4.2.2).
    SubprotocolNotOffered,
    /// An accepted extension was not offered by the client (RFC 6455 §9.1).
    ExtensionNotOffered,
    /// An extra header has an invalid name or a value with control bytes.
    InvalidHeader,
    /// An extra header would duplicate one the handshake writes itself.
    ReservedHeader,
    /// A rejection status outside `200..=599`.
    InvalidStatus,
    /// A subprotocol longer than [`MAX_SUBPROTOCOL_LEN`](super::MAX_SUBPROTOCOL_LEN) bytes,
    /// more than an upgrade can carry.
    SubprotocolTooLong,
    /// `permessage-deflate` named among the extensions by hand: it is negotiated by
    /// `with_deflate` on [`Accept`](super::Accept) or
    /// [`ClientRequest`](super::ClientRequest) (feature `deflate`), so that the
    /// connection built from the upgrade compresses exactly when both ends agreed to.
    ReservedExtension,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::BufferTooSmall(error) => return fmt::Display::fmt(error, f),
            Self::InvalidUri => "invalid websocket uri",
            Self::InvalidHost => "invalid host",
            Self::InvalidTarget => "invalid request target",
            Self::InvalidSubprotocol => "invalid subprotocol",
            Self::InvalidExtension => "invalid extension",
            Self::SubprotocolNotOffered => "subprotocol not offered by the client",
            Self::ExtensionNotOffered => "extension not offered by the client",
            Self::InvalidHeader => "invalid extra header",
            Self::ReservedHeader => "extra header reserved for the handshake",
            Self::InvalidStatus => "invalid rejection status",
            Self::SubprotocolTooLong => "subprotocol too long",
            Self::ReservedExtension => "permessage-deflate is negotiated by with_deflate",
        };
        f.write_str(text)
    }
}

impl core::error::Error for UsageError {}

impl From<BufferTooSmall> for UsageError {
    fn from(error: BufferTooSmall) -> Self {
        Self::BufferTooSmall(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn statuses_follow_rfc6455() {
        assert_eq!(HandshakeError::HeadTooLarge.status(), 431);
        assert_eq!(HandshakeError::TooManyHeaders.status(), 431);
        assert_eq!(HandshakeError::MethodNotGet.status(), 405);
        assert_eq!(HandshakeError::ForbiddenOrigin.status(), 403);
        assert_eq!(HandshakeError::InvalidHeader("Sec-WebSocket-Key").status(), 400);
        assert_eq!(HandshakeError::UnsupportedTargetForm.status(), 400);
        assert_eq!(HandshakeError::UnsupportedTargetScheme.status(), 400);
        assert_eq!(HandshakeError::InvalidTargetAuthority.status(), 400);
        assert_eq!(HandshakeError::HostMismatch.status(), 400);
    }

    #[test]
    fn display_is_lowercase_and_names_the_header() {
        let text = HandshakeError::DuplicateHeader("Host").to_string();
        assert_eq!(text, "duplicate Host header");
        let text = UsageError::from(BufferTooSmall { required: 12 }).to_string();
        assert_eq!(text, "output buffer too small: 12 bytes required");
    }
}
