//! The handover from the handshake to the frame layer: what both ends agreed on, owned,
//! and the [`Connection`] it describes.

use core::fmt;

#[cfg(feature = "deflate")]
use crate::deflate::DeflateParams;
use crate::{Config, Connection};

use super::head::{Head, Headers, Kind, Scanner};
use super::{Limits, Status};

/// The longest subprotocol an upgrade can carry, in bytes (RFC 6455 §4.1 makes it a
/// token; registered ones are short, e.g. `graphql-transport-ws` is 20 bytes).
///
/// A longer one is refused before anything is written: by
/// [`Request::accept`](super::Request::accept) and [`ClientRequest::write`](super::ClientRequest::write)
/// with [`UsageError::SubprotocolTooLong`](super::UsageError::SubprotocolTooLong).
pub const MAX_SUBPROTOCOL_LEN: usize = 64;

/// A subprotocol token copied out of the head, at most [`MAX_SUBPROTOCOL_LEN`] bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Subprotocol {
    bytes: [u8; MAX_SUBPROTOCOL_LEN],
    len: u8,
}

impl Subprotocol {
    /// Copies `token`; `None` when it is longer than [`MAX_SUBPROTOCOL_LEN`].
    fn new(token: &str) -> Option<Self> {
        let mut bytes = [0; MAX_SUBPROTOCOL_LEN];
        bytes.get_mut(..token.len())?.copy_from_slice(token.as_bytes());
        Some(Self { bytes, len: u8::try_from(token.len()).ok()? })
    }

    fn as_str(&self) -> &str {
        // A copy of a `&str` cut at its own length.
        core::str::from_utf8(self.bytes.get(..usize::from(self.len)).unwrap_or_default())
            .unwrap_or_default()
    }
}

impl fmt::Debug for Subprotocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// What both roles agreed on: shared by [`ServerUpgrade`] and [`ClientUpgrade`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Negotiated {
    head_len: usize,
    subprotocol: Option<Subprotocol>,
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateParams>,
}

impl Negotiated {
    /// `None` when `subprotocol` is longer than [`MAX_SUBPROTOCOL_LEN`].
    pub(crate) fn new(head_len: usize, subprotocol: Option<&str>) -> Option<Self> {
        let subprotocol = match subprotocol {
            Some(token) => Some(Subprotocol::new(token)?),
            None => None,
        };
        Some(Self {
            head_len,
            subprotocol,
            #[cfg(feature = "deflate")]
            deflate: None,
        })
    }

    #[cfg(feature = "deflate")]
    pub(crate) const fn with_deflate(mut self, deflate: Option<DeflateParams>) -> Self {
        self.deflate = deflate;
        self
    }

    pub(crate) fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_ref().map(Subprotocol::as_str)
    }

    fn leftover<'b>(&self, buf: &'b mut [u8]) -> &'b mut [u8] {
        buf.get_mut(self.head_len..).unwrap_or_default()
    }

    /// Turns permessage-deflate on in `conn` when it was negotiated.
    fn finish(&self, #[allow(unused_mut)] mut conn: Connection) -> Connection {
        #[cfg(feature = "deflate")]
        if let Some(params) = self.deflate {
            conn.enable_deflate(params);
        }
        conn
    }
}

/// A server's accepted upgrade: returned by [`Request::accept`](super::Request::accept)
/// once the `101` is written, it owns what was agreed and builds the server
/// [`Connection`].
///
/// It borrows nothing: keep it after the request buffer is gone.
///
/// ```
/// use rfc6455::handshake::{Accept, Limits, ServerHandshake, Status};
/// use rfc6455::{Config, Event, SliceSink};
///
/// // The request head, and the client's first frame (masked "hi") in the same read.
/// let mut buf = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n\
///     \x81\x82\x01\x02\x03\x04\x69\x6b"
///     .to_vec();
/// let Status::Complete(request) = ServerHandshake::new(Limits::default()).parse_request(&buf)?
/// else {
///     unreachable!("the head is complete");
/// };
/// let accept = Accept::new().with_subprotocol(request.select_subprotocol(&["chat"]));
/// let mut storage = [0u8; 256];
/// let upgrade = request.accept(&accept, &mut SliceSink::new(&mut storage))?; // send it
/// assert_eq!(upgrade.subprotocol(), Some("chat"));
///
/// let mut conn = upgrade.into_connection(Config::default());
/// let (event, _) = conn.handle_read(upgrade.leftover(&mut buf))?;
/// let Some(Event::Data(chunk)) = event else { panic!("a text frame") };
/// assert_eq!(chunk.as_whole_text(), Some("hi"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerUpgrade {
    negotiated: Negotiated,
}

impl ServerUpgrade {
    pub(crate) const fn new(negotiated: Negotiated) -> Self {
        Self { negotiated }
    }

    /// What both ends agreed on.
    pub(crate) const fn negotiated(&self) -> Negotiated {
        self.negotiated
    }

    /// The length of the request head; the bytes after it in the buffer it was parsed
    /// from are frames the client sent right behind it (see [`leftover`](Self::leftover)).
    pub const fn head_len(&self) -> usize {
        self.negotiated.head_len
    }

    /// The bytes of `buf` after the request head: the client's first frames, for
    /// [`MessageReader::feed`](crate::MessageReader::feed) or
    /// [`Connection::handle_read`]. `buf` is the buffer the request was parsed from; empty
    /// when nothing followed the head.
    pub fn leftover<'b>(&self, buf: &'b mut [u8]) -> &'b mut [u8] {
        self.negotiated.leftover(buf)
    }

    /// The subprotocol the `101` named, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.negotiated.subprotocol()
    }

    /// The permessage-deflate parameters agreed (feature `deflate`), if the server asked
    /// for it with [`Accept::with_deflate`](super::Accept::with_deflate) and the client
    /// offered something it could honour.
    #[cfg(feature = "deflate")]
    pub const fn deflate(&self) -> Option<DeflateParams> {
        self.negotiated.deflate
    }

    /// The server [`Connection`] for this upgrade, with `config` and permessage-deflate on
    /// when it was negotiated.
    pub fn into_connection(self, config: Config) -> Connection {
        self.negotiated.finish(Connection::server(config))
    }
}

/// A client's completed upgrade: a `101` that passed every check of RFC 6455 §4.1,
/// returned by [`ClientHandshake::parse_response`](super::ClientHandshake::parse_response).
/// It owns what was agreed and builds the client [`Connection`].
///
/// It borrows nothing: keep it after the response buffer is gone. While the buffer is
/// still there, [`headers`](Self::headers) shows the response's header lines.
///
/// ```
/// use rfc6455::handshake::{accept_key, ClientHandshake, ClientKey, ClientRequest, Limits, Status};
/// use rfc6455::{Config, Event};
///
/// let key = ClientKey::from_random([7; 16]); // from the caller's RNG
/// let request = ClientRequest::from_uri("ws://example.com/chat", key)?;
/// let mut handshake = ClientHandshake::new(request, Limits::default());
/// // The server's answer and its first frame (unmasked "hi") in the same read.
/// let mut buf = format!(
///     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///      Sec-WebSocket-Accept: {}\r\nSet-Cookie: id=1\r\n\r\n",
///     accept_key(key.as_str().as_bytes())
/// )
/// .into_bytes();
/// buf.extend_from_slice(b"\x81\x02hi");
/// let Status::Complete(upgrade) = handshake.parse_response(&buf)? else { unreachable!() };
/// assert_eq!(upgrade.headers(&buf).find(|h| h.is("Set-Cookie")).map(|h| h.value), Some(&b"id=1"[..]));
///
/// let mut conn = upgrade.into_connection(Config::default(), [9; 16]); // mask seed from the RNG
/// let (event, _) = conn.handle_read(upgrade.leftover(&mut buf))?;
/// let Some(Event::Data(chunk)) = event else { panic!("a text frame") };
/// assert_eq!(chunk.as_whole_text(), Some("hi"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientUpgrade {
    negotiated: Negotiated,
}

impl ClientUpgrade {
    pub(crate) const fn new(negotiated: Negotiated) -> Self {
        Self { negotiated }
    }

    /// What both ends agreed on.
    pub(crate) const fn negotiated(&self) -> Negotiated {
        self.negotiated
    }

    /// The length of the response head; the bytes after it in the buffer it was parsed
    /// from are frames the server sent right behind it (RFC 6455 §4.1; see
    /// [`leftover`](Self::leftover)).
    pub const fn head_len(&self) -> usize {
        self.negotiated.head_len
    }

    /// The bytes of `buf` after the response head: the server's first frames, for
    /// [`MessageReader::feed`](crate::MessageReader::feed) or
    /// [`Connection::handle_read`]. `buf` is the buffer the response was parsed from; empty
    /// when nothing followed the head.
    pub fn leftover<'b>(&self, buf: &'b mut [u8]) -> &'b mut [u8] {
        self.negotiated.leftover(buf)
    }

    /// The header lines of the response, read from `buf`, the buffer it was parsed from
    /// (`Set-Cookie`, an accepted extension of the caller's own, ...). Empty when `buf`
    /// does not start with that head.
    pub fn headers<'b>(&self, buf: &'b [u8]) -> Headers<'b> {
        head_in(buf, self.negotiated.head_len).headers()
    }

    /// The subprotocol the server chose, one of those offered.
    pub fn subprotocol(&self) -> Option<&str> {
        self.negotiated.subprotocol()
    }

    /// The permessage-deflate parameters agreed (feature `deflate`), if the request
    /// offered it with [`ClientRequest::with_deflate`](super::ClientRequest::with_deflate)
    /// and the server accepted.
    #[cfg(feature = "deflate")]
    pub const fn deflate(&self) -> Option<DeflateParams> {
        self.negotiated.deflate
    }

    /// The client [`Connection`] for this upgrade, with `config`, masking keys derived
    /// from `mask_seed` (16 bytes from a strong random source), and permessage-deflate on
    /// when it was negotiated.
    pub fn into_connection(self, config: Config, mask_seed: [u8; 16]) -> Connection {
        self.negotiated.finish(Connection::client(config, mask_seed))
    }
}

/// The response head of `len` bytes at the start of `buf`, checked again so that a
/// buffer other than the one parsed gives no header rather than a misreading.
pub(crate) fn head_in(buf: &[u8], len: usize) -> Head<'_> {
    let unbounded = Limits::DEFAULT.with_max_head_len(usize::MAX).with_max_headers(usize::MAX);
    match Scanner::new(Kind::Response).scan(buf.get(..len).unwrap_or_default(), &unbounded) {
        Ok(Status::Complete(n)) if n == len => Head::split(buf, len),
        _ => Head::split(&[], 0),
    }
}
