//! The server side: parse and validate an upgrade request (RFC 6455 §4.2.1), answer it
//! with a `101` (RFC 6455 §4.2.2).

use super::accept::{accept_key, is_valid_key, AcceptKey};
use super::head::{split_once, Head, Headers, Kind, Scanner};
use super::negotiate::{is_extension_list, is_token_list, list_contains, Extensions, Subprotocols};
use super::target::parse_target;
use super::upgrade::{Negotiated, ServerUpgrade};
use super::write::{check_headers, write_all, Out};
use super::{HandshakeError, Limits, Status, UsageError};
#[cfg(feature = "deflate")]
use crate::deflate::{self, DeflateConfig};
use crate::FrameSink;

/// The server's request parser, the one way to read an upgrade request: call
/// [`parse_request`](Self::parse_request) with the whole buffer received so far after
/// every read; each byte is scanned once, so a peer that trickles its head byte by byte
/// costs no more than one that sends it at once. A buffer that already holds the whole
/// head takes one call on a fresh parser.
///
/// If the transport ends while the status is still [`Status::Partial`], the head was
/// truncated (no final `CRLF CRLF`): close the connection, or answer 400.
///
/// ```
/// use rfc6455::handshake::ServerHandshake;
///
/// let wire = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
/// let mut server = ServerHandshake::default();
/// for end in 1..wire.len() {
///     assert!(server.parse_request(&wire[..end])?.is_partial()); // one byte at a time
/// }
/// let request = server.parse_request(wire)?.complete().expect("complete");
/// assert_eq!(request.head_len(), wire.len());
/// # Ok::<(), rfc6455::handshake::HandshakeError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ServerHandshake {
    limits: Limits,
    scanner: Scanner,
}

impl ServerHandshake {
    /// Creates a parser enforcing `limits`.
    pub const fn new(limits: Limits) -> Self {
        Self { limits, scanner: Scanner::new(Kind::Request) }
    }

    /// Parses the request head at the start of `buf`, which must begin with the bytes
    /// given to earlier calls (a shorter buffer restarts the scan).
    ///
    /// Returns [`Status::Partial`] while `buf` is a valid prefix of a head. Bytes after
    /// [`Request::head_len`] are not looked at: they are frames the client pipelined.
    ///
    /// # Errors
    ///
    /// Any [`HandshakeError`]; answer it with [`Reject::from_error`](super::Reject::from_error).
    pub fn parse_request<'a>(
        &mut self,
        buf: &'a [u8],
    ) -> Result<Status<Request<'a>>, HandshakeError> {
        match self.scanner.scan(buf, &self.limits)? {
            Status::Partial => Ok(Status::Partial),
            Status::Complete(len) => {
                Request::from_head(Head::split(buf, len)).map(Status::Complete)
            }
        }
    }

    /// Forgets the bytes scanned so far.
    pub fn reset(&mut self) {
        self.scanner = Scanner::new(Kind::Request);
    }
}

impl Default for ServerHandshake {
    fn default() -> Self {
        Self::new(Limits::DEFAULT)
    }
}

/// A validated WebSocket upgrade request: a zero-copy view of the head in the caller's buffer.
///
/// Everything RFC 6455 §4.2.1 requires has been checked: `GET` over HTTP/1.1 or later,
/// one `Host`, `Upgrade: websocket`, a `Connection` token `Upgrade`, one
/// `Sec-WebSocket-Version: 13`, one `Sec-WebSocket-Key` holding 16 bytes, and well-formed
/// subprotocol and extension lists.
///
/// The request target is in origin-form (`/chat?room=1`) or absolute-form
/// (`http://example.com/chat?room=1`, RFC 9112 §3.2.2, `http` and `https` only). In
/// absolute-form the target's authority is the one the request is for
/// ([`host`](Self::host)), and the `Host` header must name the same host and port
/// ([`HandshakeError::HostMismatch`] otherwise); [`path`](Self::path) and
/// [`query`](Self::query) are those of the URI. Authority-form (`host:port`) and
/// asterisk-form (`*`) are refused with [`HandshakeError::UnsupportedTargetForm`].
///
/// ```
/// use rfc6455::handshake::{HandshakeError, Limits, Request, ServerHandshake};
///
/// let head = |target: &str, host: &str| {
///     format!(
///         "GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n\
///          Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///          Sec-WebSocket-Version: 13\r\n\r\n"
///     )
/// };
/// fn parse(wire: &str) -> Result<Request<'_>, HandshakeError> {
///     Ok(ServerHandshake::new(Limits::default()).parse_request(wire.as_bytes())?.complete().unwrap())
/// }
/// let wire = head("http://chat.example/room?id=7", "chat.example:80");
/// let request = parse(&wire)?;
/// assert_eq!((request.path(), request.query()), ("/room", Some("id=7")));
/// assert_eq!(request.host(), "chat.example");
/// assert_eq!(request.target(), "http://chat.example/room?id=7");
///
/// let wire = head("http://evil.example/room", "chat.example");
/// let error = parse(&wire).unwrap_err();
/// assert_eq!((error, error.status()), (HandshakeError::HostMismatch, 400));
/// # Ok::<(), HandshakeError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    head: Head<'a>,
    target: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    /// The authority the request is for: `Host`, or an absolute-form target's authority.
    host: &'a str,
    origin: Option<&'a str>,
    key: &'a str,
}

/// Headers that may appear only once in a request, and where they are kept.
#[derive(Default)]
pub(crate) struct Seen<'a> {
    pub(crate) host: Option<&'a [u8]>,
    pub(crate) origin: Option<&'a [u8]>,
    key: Option<&'a [u8]>,
    pub(crate) version: Option<&'a [u8]>,
    pub(crate) upgrade: bool,
    pub(crate) connection: bool,
}

impl<'a> Request<'a> {
    fn from_head(head: Head<'a>) -> Result<Self, HandshakeError> {
        let target = parse_request_line(head.start_line)?;
        let parsed = parse_target(target)?;
        let seen = collect(head.headers())?;
        let host = seen.host.ok_or(HandshakeError::MissingHeader("Host"))?;
        let host = host_str(host).ok_or(HandshakeError::InvalidHeader("Host"))?;
        let host = parsed.authority_for(host)?;
        check_upgrade(&head, &seen)?;
        if seen.version != Some(b"13") {
            return Err(HandshakeError::UnsupportedWebSocketVersion);
        }
        let key = seen.key.ok_or(HandshakeError::MissingHeader("Sec-WebSocket-Key"))?;
        let key = Some(key).filter(|k| is_valid_key(k)).and_then(|k| core::str::from_utf8(k).ok());
        let key = key.ok_or(HandshakeError::InvalidHeader("Sec-WebSocket-Key"))?;
        let origin = match seen.origin {
            Some(origin) => {
                Some(visible_str(origin).ok_or(HandshakeError::InvalidHeader("Origin"))?)
            }
            None => None,
        };
        Ok(Self { head, target, path: parsed.path, query: parsed.query, host, origin, key })
    }

    /// The request target verbatim, as the request line has it: path and query in
    /// origin-form (`/stock_info/?encoding=text`), the whole URI in absolute-form
    /// (`http://example.com/stock_info/?encoding=text`). Route on [`path`](Self::path) and
    /// [`query`](Self::query), which are the same for both forms.
    pub const fn target(&self) -> &'a str {
        self.target
    }

    /// The path of the target, before any `?`: in absolute-form, the path after the
    /// authority, `/` when the URI has none (`http://example.com?x=1` has path `/`).
    pub const fn path(&self) -> &'a str {
        self.path
    }

    /// The query of the target (after the first `?`), if any.
    pub const fn query(&self) -> Option<&'a str> {
        self.query
    }

    /// The authority the request is for, `host[:port]` as received: the `Host` header
    /// value for an origin-form target, the target's authority for an absolute-form one
    /// (RFC 9112 §3.2.2; `Host` was checked to name the same host and port, so the two
    /// differ at most in ASCII case and in spelling out the default port).
    /// [`OriginPolicy::SameHost`](super::OriginPolicy::SameHost) compares against this.
    pub const fn host(&self) -> &'a str {
        self.host
    }

    /// The `Origin` header value; browsers always send one (RFC 6455 §4.1 item 8, §10.2).
    pub const fn origin(&self) -> Option<&'a str> {
        self.origin
    }

    /// The `Sec-WebSocket-Key` value, without surrounding whitespace.
    pub const fn key(&self) -> &'a str {
        self.key
    }

    /// The offered subprotocols in the client's order of preference, across every
    /// `Sec-WebSocket-Protocol` line.
    pub fn subprotocols(&self) -> Subprotocols<'a> {
        Subprotocols::new(self.head.headers())
    }

    /// Picks the first of `supported` (the server's order of preference) that the client
    /// offered, returned as the client spelled it.
    pub fn select_subprotocol(&self, supported: &[&str]) -> Option<&'a str> {
        supported.iter().find_map(|s| self.subprotocols().find(|offered| offered == s))
    }

    /// The offered extensions in order, across every `Sec-WebSocket-Extensions` line.
    pub fn extensions(&self) -> Extensions<'a> {
        Extensions::new(self.head.headers())
    }

    /// Every header line in order, including the ones interpreted above.
    pub fn headers(&self) -> Headers<'a> {
        self.head.headers()
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.head.header(name)
    }

    /// The length of the head in the input buffer; the bytes after it belong to the
    /// frame layer.
    pub const fn head_len(&self) -> usize {
        self.head.len
    }

    /// Appends the `101 Switching Protocols` answer to `sink` and returns the
    /// [`ServerUpgrade`]: what was agreed, owned, and the [`Connection`](crate::Connection)
    /// it builds.
    ///
    /// With `Accept::with_deflate` (feature `deflate`), the client's permessage-deflate
    /// offers are answered here and the connection the upgrade builds compresses.
    ///
    /// ```
    /// use rfc6455::handshake::{Accept, Limits, ServerHandshake};
    ///
    /// let wire = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    ///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
    ///     Sec-WebSocket-Protocol: chat, superchat\r\n\r\n";
    /// let mut parser = ServerHandshake::new(Limits::default());
    /// let request = parser.parse_request(wire)?.complete().expect("complete");
    /// let accept = Accept::new()
    ///     .with_subprotocol(request.select_subprotocol(&["superchat"]))
    ///     .with_headers(&[("Set-Cookie", "id=1")]);
    /// let mut buf = [0u8; 256]; // or a `Vec<u8>` with `alloc`
    /// let mut out = rfc6455::SliceSink::new(&mut buf);
    /// let upgrade = request.accept(&accept, &mut out)?;
    /// assert_eq!(
    ///     out.filled(),
    ///     b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    ///       Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
    ///       Sec-WebSocket-Protocol: superchat\r\nSet-Cookie: id=1\r\n\r\n"
    /// );
    /// assert_eq!((upgrade.subprotocol(), upgrade.head_len()), (Some("superchat"), wire.len()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`UsageError::SubprotocolNotOffered`], [`UsageError::SubprotocolTooLong`],
    /// [`UsageError::ExtensionNotOffered`], [`UsageError::InvalidExtension`],
    /// [`UsageError::ReservedExtension`], [`UsageError::InvalidHeader`],
    /// [`UsageError::ReservedHeader`], or [`UsageError::BufferTooSmall`] (nothing written).
    pub fn accept<S: FrameSink>(
        &self,
        accept: &Accept<'_>,
        sink: &mut S,
    ) -> Result<ServerUpgrade, UsageError> {
        check_accept(accept, self.headers())?;
        let negotiated = Negotiated::new(self.head_len(), accept.subprotocol)
            .ok_or(UsageError::SubprotocolTooLong)?;
        let key = accept_key(self.key.as_bytes());
        #[cfg(feature = "deflate")]
        {
            let agreed = accept.deflate.and_then(|c| deflate::accept_offer(self.extensions(), &c));
            let answer = agreed.as_ref().map(|(_, answer)| answer.as_str());
            write_all(sink, |o| emit_accept(o, accept, &key, answer))?;
            Ok(ServerUpgrade::new(negotiated.with_deflate(agreed.map(|(params, _)| params))))
        }
        #[cfg(not(feature = "deflate"))]
        {
            write_all(sink, |o| emit_accept(o, accept, &key, None))?;
            Ok(ServerUpgrade::new(negotiated))
        }
    }
}

/// Checks the caller's decision against what the client offered in `headers`: the
/// subprotocol and extensions must have been offered, extra headers must be valid and none
/// the answer writes itself.
pub(crate) fn check_accept(accept: &Accept<'_>, headers: Headers<'_>) -> Result<(), UsageError> {
    if let Some(chosen) = accept.subprotocol {
        if !Subprotocols::new(headers.clone()).any(|offered| offered == chosen) {
            return Err(UsageError::SubprotocolNotOffered);
        }
    }
    for value in accept.extensions {
        if !is_extension_list(value.as_bytes()) {
            return Err(UsageError::InvalidExtension);
        }
        for ext in Extensions::from_value(value.as_bytes()) {
            if ext.name().eq_ignore_ascii_case(PERMESSAGE_DEFLATE) {
                return Err(UsageError::ReservedExtension);
            }
            let mut offers = Extensions::new(headers.clone());
            if !offers.any(|offer| offer.name().eq_ignore_ascii_case(ext.name())) {
                return Err(UsageError::ExtensionNotOffered);
            }
        }
    }
    check_headers(accept.headers, &RESERVED_IN_ANSWER)
}

/// The extension negotiated by `with_deflate` only (RFC 7692 §7).
pub(crate) const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// Headers an accepting answer (a `101`, or the `200` to an extended CONNECT) writes itself.
pub(crate) const RESERVED_IN_ANSWER: [&str; 7] = [
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Content-Length",
    "Transfer-Encoding",
];

/// Writes the `101`; `deflate` is the permessage-deflate answer, first of the extensions.
fn emit_accept(o: &mut Out<'_>, accept: &Accept<'_>, key: &AcceptKey, deflate: Option<&str>) {
    o.put(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
    o.header("Sec-WebSocket-Accept", key.as_bytes());
    if let Some(protocol) = accept.subprotocol {
        o.header("Sec-WebSocket-Protocol", protocol.as_bytes());
    }
    let mut extensions = deflate.into_iter().chain(accept.extensions.iter().copied());
    if let Some(first) = extensions.next() {
        o.put(b"Sec-WebSocket-Extensions: ");
        o.put(first.as_bytes());
        for ext in extensions {
            o.put(b", ");
            o.put(ext.as_bytes());
        }
        o.put(b"\r\n");
    }
    o.headers(accept.headers);
    o.put(b"\r\n");
}

/// The server's decision to accept: subprotocol, permessage-deflate, other extensions,
/// extra headers.
///
/// Every field is optional; [`Accept::new`] accepts with none of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accept<'r> {
    pub(crate) subprotocol: Option<&'r str>,
    pub(crate) extensions: &'r [&'r str],
    pub(crate) headers: &'r [(&'r str, &'r str)],
    #[cfg(feature = "deflate")]
    pub(crate) deflate: Option<DeflateConfig>,
}

impl<'r> Accept<'r> {
    /// Accepts with no subprotocol, no extension and no extra header.
    pub const fn new() -> Self {
        Self {
            subprotocol: None,
            extensions: &[],
            headers: &[],
            #[cfg(feature = "deflate")]
            deflate: None,
        }
    }

    /// Answers the client's permessage-deflate offers under `policy` (feature `deflate`),
    /// normally [`Config::deflate`](crate::Config::deflate): the first offer it can
    /// honour, in the client's order of preference, is accepted in the `101` and its
    /// parameters go to the [`ServerUpgrade`], whose connection then compresses (RFC 7692
    /// §5). Offers it cannot honour are declined, never an error; nothing is negotiated
    /// when `policy.enabled` is `false` or the client offered nothing.
    ///
    /// ```
    /// use rfc6455::handshake::{Accept, Limits, ServerHandshake};
    /// use rfc6455::Config;
    ///
    /// let wire = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    ///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
    ///     Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
    /// let request = ServerHandshake::new(Limits::default()).parse_request(wire)?.complete().unwrap();
    /// let config = Config::default();
    /// let mut response = Vec::new();
    /// let upgrade = request.accept(&Accept::new().with_deflate(*config.deflate()), &mut response)?;
    /// let response = String::from_utf8(response)?;
    /// assert!(response.contains("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"));
    /// assert!(upgrade.deflate().is_some());
    /// assert!(upgrade.into_connection(config).is_deflate_enabled());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "deflate")]
    pub const fn with_deflate(mut self, policy: DeflateConfig) -> Self {
        self.deflate = Some(policy);
        self
    }

    /// The chosen subprotocol, if any.
    pub const fn subprotocol(&self) -> Option<&'r str> {
        self.subprotocol
    }

    /// Sets the chosen subprotocol, which must be one the client offered (RFC 6455 §4.2.2);
    /// `None` sends no `Sec-WebSocket-Protocol` header.
    pub const fn with_subprotocol(mut self, subprotocol: Option<&'r str>) -> Self {
        self.subprotocol = subprotocol;
        self
    }

    /// Sets the accepted extensions of the caller's own, each an element of the
    /// `Sec-WebSocket-Extensions` answer such as `x-custom; level=1`, in the order they
    /// apply (RFC 6455 §9.1), after permessage-deflate if [`with_deflate`] accepted it.
    /// Each name must have been offered; `permessage-deflate` is refused here
    /// ([`UsageError::ReservedExtension`]), since only `with_deflate` turns it on in the
    /// connection.
    ///
    /// [`with_deflate`]: #method.with_deflate
    pub const fn with_extensions(mut self, extensions: &'r [&'r str]) -> Self {
        self.extensions = extensions;
        self
    }

    /// Sets extra headers (CORS, `Set-Cookie`, ...), written as given.
    pub const fn with_headers(mut self, headers: &'r [(&'r str, &'r str)]) -> Self {
        self.headers = headers;
        self
    }
}

/// One pass over the headers: single-instance headers, list syntax, body framing.
pub(crate) fn collect<'a>(headers: Headers<'a>) -> Result<Seen<'a>, HandshakeError> {
    let mut seen = Seen::default();
    for h in headers {
        let slot = match h.name {
            n if n.eq_ignore_ascii_case("Host") => Some((&mut seen.host, "Host")),
            n if n.eq_ignore_ascii_case("Origin") => Some((&mut seen.origin, "Origin")),
            n if n.eq_ignore_ascii_case("Sec-WebSocket-Key") => {
                Some((&mut seen.key, "Sec-WebSocket-Key"))
            }
            n if n.eq_ignore_ascii_case("Sec-WebSocket-Version") => {
                Some((&mut seen.version, "Sec-WebSocket-Version"))
            }
            _ => None,
        };
        if let Some((slot, name)) = slot {
            if slot.replace(h.value).is_some() {
                return Err(HandshakeError::DuplicateHeader(name));
            }
        }
        seen.upgrade |= h.is("Upgrade");
        seen.connection |= h.is("Connection");
        check_syntax(h.name, h.value)?;
    }
    Ok(seen)
}

/// Checks `method SP target SP HTTP/1.x` (already lexically valid) and returns the target;
/// its form is checked by [`parse_target`].
fn parse_request_line(line: &[u8]) -> Result<&str, HandshakeError> {
    let (method, rest) = split_once(line, b' ').ok_or(HandshakeError::InvalidMethod)?;
    let (target, version) = split_once(rest, b' ').ok_or(HandshakeError::InvalidTarget)?;
    if method != b"GET" {
        return Err(HandshakeError::MethodNotGet);
    }
    match version {
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor] if *minor >= b'1' => {}
        _ => return Err(HandshakeError::UnsupportedHttpVersion),
    }
    core::str::from_utf8(target).map_err(|_| HandshakeError::InvalidTarget)
}

/// Checks `Upgrade` and `Connection` (RFC 6455 §4.2.1 items 3-4).
fn check_upgrade(head: &Head<'_>, seen: &Seen<'_>) -> Result<(), HandshakeError> {
    if !seen.upgrade {
        return Err(HandshakeError::MissingHeader("Upgrade"));
    }
    if !list_contains(head.headers(), "Upgrade", "websocket") {
        return Err(HandshakeError::InvalidHeader("Upgrade"));
    }
    if !seen.connection {
        return Err(HandshakeError::MissingHeader("Connection"));
    }
    if !list_contains(head.headers(), "Connection", "Upgrade") {
        return Err(HandshakeError::InvalidHeader("Connection"));
    }
    Ok(())
}

/// Per-header syntax checks: negotiation lists (RFC 6455 §9.1) and body framing.
pub(crate) fn check_syntax(name: &str, value: &[u8]) -> Result<(), HandshakeError> {
    if name.eq_ignore_ascii_case("Sec-WebSocket-Protocol") && !is_token_list(value) {
        return Err(HandshakeError::InvalidHeader("Sec-WebSocket-Protocol"));
    }
    if name.eq_ignore_ascii_case("Sec-WebSocket-Extensions") && !is_extension_list(value) {
        return Err(HandshakeError::InvalidHeader("Sec-WebSocket-Extensions"));
    }
    let chunked = name.eq_ignore_ascii_case("Transfer-Encoding");
    if chunked || (name.eq_ignore_ascii_case("Content-Length") && value != b"0") {
        return Err(HandshakeError::UnexpectedBody);
    }
    Ok(())
}

/// A `Host` value: `uri-host [":" port]` characters only (RFC 3986 §3.2.2).
pub(crate) fn host_str(value: &[u8]) -> Option<&str> {
    let ok = !value.is_empty()
        && value.iter().all(|&b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:[]".contains(&b));
    ok.then(|| core::str::from_utf8(value).ok()).flatten()
}

/// A non-empty value of visible ASCII characters.
pub(crate) fn visible_str(value: &[u8]) -> Option<&str> {
    let ok = !value.is_empty() && value.iter().all(|&b| matches!(b, b'!'..=b'~'));
    ok.then(|| core::str::from_utf8(value).ok()).flatten()
}
