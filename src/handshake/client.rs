//! The client side: build the upgrade request (RFC 6455 §4.1), validate the server's
//! answer (RFC 6455 §4.1, §4.2.2).

use core::fmt;

use super::accept::ClientKey;
use super::error::{Rejected, ResponseError};
use super::head::{Head, Headers, Kind, Scanner};
use super::negotiate::{is_extension_list, is_token, list_contains, Extensions};
use super::server::PERMESSAGE_DEFLATE;
use super::upgrade::{ClientUpgrade, Negotiated, MAX_SUBPROTOCOL_LEN};
use super::write::{check_headers, write_all, Out};
use super::{HandshakeError, Limits, Status, UsageError, WEBSOCKET_VERSION};
#[cfg(feature = "deflate")]
use crate::deflate::{self, DeflateConfig};
use crate::FrameSink;

/// A client upgrade request: where to connect, what to offer, what else to send.
///
/// Built from a `ws://`/`wss://` URI with [`from_uri`](Self::from_uri) or from its parts
/// with [`new`](Self::new); everything is validated when it is written.
///
/// ```
/// use rfc6455::handshake::{ClientKey, ClientRequest};
///
/// let key = ClientKey::from_random(*b"the sample nonce");
/// let request = ClientRequest::from_uri("wss://[::1]:8443/feed?x=1", key)?
///     .with_subprotocols(&["v2.feed", "feed"])
///     .with_origin(Some("https://example.com"));
/// let mut buf = [0u8; 512];
/// let mut out = rfc6455::SliceSink::new(&mut buf);
/// request.write(&mut out)?;
/// let text = std::str::from_utf8(out.filled())?;
/// assert!(text.starts_with("GET /feed?x=1 HTTP/1.1\r\nHost: [::1]:8443\r\n"));
/// assert!(text.contains("\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
/// assert!(text.contains("\r\nSec-WebSocket-Protocol: v2.feed, feed\r\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientRequest<'r> {
    pub(crate) host: &'r str,
    pub(crate) port: Option<u16>,
    pub(crate) secure: bool,
    pub(crate) target: &'r str,
    key: ClientKey,
    pub(crate) subprotocols: &'r [&'r str],
    pub(crate) extensions: &'r [&'r str],
    pub(crate) origin: Option<&'r str>,
    pub(crate) headers: &'r [(&'r str, &'r str)],
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateConfig>,
}

/// Headers the request writes itself.
const RESERVED: [&str; 8] = [
    "Host",
    "Upgrade",
    "Connection",
    "Origin",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
];

impl<'r> ClientRequest<'r> {
    /// A request for `target` (path and query, e.g. `/chat?room=1`) on `host`.
    ///
    /// `host` is a name, an IPv4 address, or an IPv6 address with or without brackets.
    /// The port defaults to 80; see [`with_port`](Self::with_port) and
    /// [`with_secure`](Self::with_secure).
    pub const fn new(host: &'r str, target: &'r str, key: ClientKey) -> Self {
        Self {
            host,
            port: None,
            secure: false,
            target,
            key,
            subprotocols: &[],
            extensions: &[],
            origin: None,
            headers: &[],
            #[cfg(feature = "deflate")]
            deflate: None,
        }
    }

    /// A request for a `ws://` or `wss://` URI (RFC 6455 §3): host, optional port, path
    /// and query. A URI without a path asks for `/`.
    ///
    /// # Errors
    ///
    /// [`UsageError::InvalidUri`] for another scheme, a missing host, a bad port, user
    /// info, or a fragment.
    pub fn from_uri(uri: &'r str, key: ClientKey) -> Result<Self, UsageError> {
        let (scheme, rest) = uri.split_once("://").ok_or(UsageError::InvalidUri)?;
        let secure = match scheme {
            s if s.eq_ignore_ascii_case("ws") => false,
            s if s.eq_ignore_ascii_case("wss") => true,
            _ => return Err(UsageError::InvalidUri),
        };
        if rest.contains(['#', '@']) {
            return Err(UsageError::InvalidUri);
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at_checked(split).ok_or(UsageError::InvalidUri)?;
        let (host, port) = split_authority(authority)?;
        Ok(Self { port, secure, ..Self::new(host, target, key) })
    }

    /// Sets the port; omitted from `Host` when it is the scheme's default (RFC 6455 §4.1 item 4).
    pub const fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Marks the connection as TLS (`wss`), whose default port is 443.
    pub const fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Sets the offered subprotocols, in order of preference (RFC 6455 §4.1 item 10),
    /// each at most [`MAX_SUBPROTOCOL_LEN`] bytes.
    pub const fn with_subprotocols(mut self, subprotocols: &'r [&'r str]) -> Self {
        self.subprotocols = subprotocols;
        self
    }

    /// Sets offers of extensions of the caller's own, each an element of
    /// `Sec-WebSocket-Extensions` such as `x-custom; level=1` (RFC 6455 §9.1), sent after
    /// the permessage-deflate offer of `with_deflate`. `permessage-deflate` is refused
    /// here ([`UsageError::ReservedExtension`]): only `with_deflate` turns it on in the
    /// connection.
    pub const fn with_extensions(mut self, extensions: &'r [&'r str]) -> Self {
        self.extensions = extensions;
        self
    }

    /// Offers permessage-deflate under `policy` (feature `deflate`), normally
    /// [`Config::deflate`](crate::Config::deflate); nothing is offered when
    /// `policy.enabled` is `false`. [`ClientHandshake::parse_response`] then checks the
    /// server's answer (RFC 7692 §7) and the [`ClientUpgrade`] builds a connection that
    /// compresses when the server accepted.
    ///
    /// ```
    /// use rfc6455::handshake::{ClientKey, ClientRequest};
    /// use rfc6455::Config;
    ///
    /// let key = ClientKey::from_random([7; 16]);
    /// let request = ClientRequest::from_uri("ws://h/", key)?.with_deflate(*Config::default().deflate());
    /// let mut out = Vec::new();
    /// request.write(&mut out)?;
    /// let text = String::from_utf8(out)?;
    /// assert!(text.contains("\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "deflate")]
    pub const fn with_deflate(mut self, policy: DeflateConfig) -> Self {
        self.deflate = Some(policy);
        self
    }

    /// Sets the `Origin` header (required for browser-like clients, RFC 6455 §4.1 item 8).
    pub const fn with_origin(mut self, origin: Option<&'r str>) -> Self {
        self.origin = origin;
        self
    }

    /// Sets extra headers (cookies, authorization, ...), written as given.
    pub const fn with_headers(mut self, headers: &'r [(&'r str, &'r str)]) -> Self {
        self.headers = headers;
        self
    }

    /// The key this request sends.
    pub const fn key(&self) -> ClientKey {
        self.key
    }

    /// The host, as given.
    pub const fn host(&self) -> &'r str {
        self.host
    }

    /// The port the transport should connect to: the explicit one, else 80 or 443.
    pub const fn port(&self) -> u16 {
        match (self.port, self.secure) {
            (Some(port), _) => port,
            (None, false) => 80,
            (None, true) => 443,
        }
    }

    /// Returns `true` for `wss` (the transport must run TLS, RFC 6455 §4.1 step 5).
    pub const fn is_secure(&self) -> bool {
        self.secure
    }

    /// Appends the request to `sink`, returning its length.
    ///
    /// # Errors
    ///
    /// [`UsageError::InvalidHost`], [`UsageError::InvalidTarget`],
    /// [`UsageError::InvalidSubprotocol`], [`UsageError::SubprotocolTooLong`],
    /// [`UsageError::InvalidExtension`], [`UsageError::ReservedExtension`],
    /// [`UsageError::InvalidHeader`], [`UsageError::ReservedHeader`], or
    /// [`UsageError::BufferTooSmall`] (nothing written).
    pub fn write<S: FrameSink>(&self, sink: &mut S) -> Result<usize, UsageError> {
        self.check()?;
        write_all(sink, |o| self.emit(o))
    }

    pub(crate) fn check(&self) -> Result<(), UsageError> {
        check_host(self.host)?;
        let target_ok = matches!(self.target.as_bytes(), [] | [b'/' | b'?', ..])
            && self.target.bytes().all(|b| matches!(b, b'!'..=b'~') && b != b'#');
        if !target_ok {
            return Err(UsageError::InvalidTarget);
        }
        for (i, protocol) in self.subprotocols.iter().enumerate() {
            let duplicate = self.subprotocols.get(..i).unwrap_or_default().contains(protocol);
            if duplicate || !is_token(protocol.as_bytes()) {
                return Err(UsageError::InvalidSubprotocol);
            }
            if protocol.len() > MAX_SUBPROTOCOL_LEN {
                return Err(UsageError::SubprotocolTooLong);
            }
        }
        if !self.extensions.iter().all(|e| is_extension_list(e.as_bytes())) {
            return Err(UsageError::InvalidExtension);
        }
        let mut offers = self.extensions.iter().flat_map(|e| Extensions::from_value(e.as_bytes()));
        if offers.any(|offer| offer.name().eq_ignore_ascii_case(PERMESSAGE_DEFLATE)) {
            return Err(UsageError::ReservedExtension);
        }
        if let Some(origin) = self.origin {
            check_headers(&[("Origin", origin)], &[])?;
        }
        check_headers(self.headers, &RESERVED)
    }

    fn emit(&self, o: &mut Out<'_>) {
        o.put(b"GET ");
        if !self.target.starts_with('/') {
            o.put(b"/");
        }
        o.put(self.target.as_bytes());
        o.put(b" HTTP/1.1\r\nHost: ");
        let bare_ipv6 = self.host.contains(':') && !self.host.starts_with('[');
        if bare_ipv6 {
            o.put(b"[");
        }
        o.put(self.host.as_bytes());
        if bare_ipv6 {
            o.put(b"]");
        }
        if self.port.is_some_and(|port| port != if self.secure { 443 } else { 80 }) {
            let _ = fmt::Write::write_fmt(o, format_args!(":{}", self.port()));
        }
        o.put(b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
        o.header("Sec-WebSocket-Key", self.key.as_str().as_bytes());
        o.header("Sec-WebSocket-Version", WEBSOCKET_VERSION.as_bytes());
        if let Some(origin) = self.origin {
            o.header("Origin", origin.as_bytes());
        }
        emit_list(o, "Sec-WebSocket-Protocol", self.subprotocols.iter().copied());
        #[cfg(feature = "deflate")]
        let offer = self.deflate_offer();
        #[cfg(feature = "deflate")]
        let deflate = offer.as_ref().map(deflate::ExtensionHeader::as_str);
        #[cfg(not(feature = "deflate"))]
        let deflate = None;
        let extensions = deflate.into_iter().chain(self.extensions.iter().copied());
        emit_list(o, "Sec-WebSocket-Extensions", extensions);
        o.headers(self.headers);
        o.put(b"\r\n");
    }

    /// The permessage-deflate offer this request sends, if any.
    #[cfg(feature = "deflate")]
    pub(crate) fn deflate_offer(&self) -> Option<deflate::ExtensionHeader> {
        self.deflate.filter(|policy| policy.enabled).map(|policy| deflate::offer(&policy))
    }

    fn offers_deflate(&self) -> bool {
        #[cfg(feature = "deflate")]
        return self.deflate.is_some_and(|policy| policy.enabled);
        #[cfg(not(feature = "deflate"))]
        false
    }

    fn check_response(&self, head: Head<'_>) -> Result<ClientUpgrade, ResponseError> {
        let (minor, status) = parse_status_line(head.start_line)?;
        if status != 101 {
            return Err(ResponseError::Rejected(Rejected { status, head_len: head.len }));
        }
        if minor < b'1' {
            return Err(HandshakeError::UnsupportedHttpVersion.into());
        }
        let seen = collect(head.headers())?;
        match seen.upgrade {
            None => return Err(HandshakeError::MissingHeader("Upgrade").into()),
            Some(v) if !v.eq_ignore_ascii_case(b"websocket") => {
                return Err(HandshakeError::InvalidHeader("Upgrade").into());
            }
            Some(_) => {}
        }
        if !list_contains(head.headers(), "Connection", "Upgrade") {
            return Err(HandshakeError::InvalidHeader("Connection").into());
        }
        let accept = seen.accept.ok_or(HandshakeError::MissingHeader("Sec-WebSocket-Accept"))?;
        if accept != self.key.accept_key().as_bytes() {
            return Err(HandshakeError::InvalidAccept.into());
        }
        self.negotiated(&seen, head.len)
    }

    /// What an accepting answer agreed to, checked against what this request offered:
    /// `Sec-WebSocket-Protocol` and `Sec-WebSocket-Extensions` (RFC 6455 §4.1 items 5-6,
    /// RFC 7692 §7), the same over HTTP/1.1, HTTP/2 and HTTP/3.
    pub(crate) fn negotiated(
        &self,
        seen: &Seen<'_>,
        head_len: usize,
    ) -> Result<ClientUpgrade, ResponseError> {
        let subprotocol = seen.protocol.map(|p| self.offered_protocol(p)).transpose()?;
        if let Some(extensions) = seen.extensions {
            self.check_extensions(extensions)?;
        }
        // Every offered subprotocol fits (`check`); one that does not was never offered.
        let negotiated =
            Negotiated::new(head_len, subprotocol).ok_or(HandshakeError::UnexpectedSubprotocol)?;
        #[cfg(feature = "deflate")]
        let negotiated = match self.deflate.filter(|policy| policy.enabled) {
            Some(policy) => {
                let answer = Extensions::from_value(seen.extensions.unwrap_or_default());
                negotiated.with_deflate(deflate::accept_answer(answer, &policy)?)
            }
            None => negotiated,
        };
        Ok(ClientUpgrade::new(negotiated))
    }

    /// The chosen subprotocol, if we offered it (RFC 6455 §4.1 response item 6).
    fn offered_protocol<'a>(&self, value: &'a [u8]) -> Result<&'a str, HandshakeError> {
        let offered = self.subprotocols.iter().any(|p| p.as_bytes() == value);
        let text = core::str::from_utf8(value).ok().filter(|_| offered);
        text.ok_or(HandshakeError::UnexpectedSubprotocol)
    }

    /// Accepted extensions must match the grammar and have been offered (response item 5).
    fn check_extensions(&self, value: &[u8]) -> Result<(), HandshakeError> {
        if !is_extension_list(value) {
            return Err(HandshakeError::InvalidHeader("Sec-WebSocket-Extensions"));
        }
        let offered = |name: &str| {
            let mut offers =
                self.extensions.iter().flat_map(|e| Extensions::from_value(e.as_bytes()));
            (self.offers_deflate() && name.eq_ignore_ascii_case(PERMESSAGE_DEFLATE))
                || offers.any(|offer| offer.name().eq_ignore_ascii_case(name))
        };
        match Extensions::from_value(value).all(|accepted| offered(accepted.name())) {
            true => Ok(()),
            false => Err(HandshakeError::UnexpectedExtension),
        }
    }
}

/// Writes `name: a, b, c` when `items` is not empty.
fn emit_list<'i>(o: &mut Out<'_>, name: &str, mut items: impl Iterator<Item = &'i str>) {
    let Some(first) = items.next() else {
        return;
    };
    let rest = items;
    o.put(name.as_bytes());
    o.put(b": ");
    o.put(first.as_bytes());
    for item in rest {
        o.put(b", ");
        o.put(item.as_bytes());
    }
    o.put(b"\r\n");
}

/// Splits `host[:port]` or `[ipv6][:port]`.
fn split_authority(authority: &str) -> Result<(&str, Option<u16>), UsageError> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let close = rest.find(']').ok_or(UsageError::InvalidUri)? + 2;
            let (host, port) = authority.split_at_checked(close).ok_or(UsageError::InvalidUri)?;
            (host, port)
        }
        None => match authority.rsplit_once(':') {
            Some((host, _)) => (host, authority.get(host.len()..).unwrap_or_default()),
            None => (authority, ""),
        },
    };
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => None,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(digits.parse().map_err(|_| UsageError::InvalidUri)?)
        }
        _ => return Err(UsageError::InvalidUri),
    };
    if host.is_empty() || (host.contains(':') && !host.starts_with('[')) {
        return Err(UsageError::InvalidUri);
    }
    Ok((host, port))
}

/// A host: a registered name or IPv4 address, or an IPv6 literal with or without brackets.
fn check_host(host: &str) -> Result<(), UsageError> {
    let inner = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    let ok = match inner {
        Some(ip) => {
            !ip.is_empty() && ip.bytes().all(|b| b.is_ascii_alphanumeric() || b":.%-".contains(&b))
        }
        None if host.contains(':') => {
            host.bytes().all(|b| b.is_ascii_hexdigit() || b":.".contains(&b))
        }
        None => {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b))
        }
    };
    ok.then_some(()).ok_or(UsageError::InvalidHost)
}

/// Splits `HTTP/1.x SP code [SP reason]` (already lexically valid) into the minor
/// version and the status code.
fn parse_status_line(line: &[u8]) -> Result<(u8, u16), HandshakeError> {
    let [b'H', b'T', b'T', b'P', b'/', major, b'.', minor, b' ', c1, c2, c3, ..] = line else {
        return Err(HandshakeError::InvalidStatusLine);
    };
    if *major != b'1' {
        return Err(HandshakeError::UnsupportedHttpVersion);
    }
    let digit = |c: u8| u16::from(c.wrapping_sub(b'0'));
    let status = digit(*c1) * 100 + digit(*c2) * 10 + digit(*c3);
    Ok((*minor, status))
}

/// Response headers that may appear only once (RFC 6455 §11.3).
#[derive(Default)]
pub(crate) struct Seen<'a> {
    upgrade: Option<&'a [u8]>,
    accept: Option<&'a [u8]>,
    protocol: Option<&'a [u8]>,
    extensions: Option<&'a [u8]>,
}

pub(crate) fn collect(headers: Headers<'_>) -> Result<Seen<'_>, HandshakeError> {
    let mut seen = Seen::default();
    for h in headers {
        let (slot, name) = match h.name {
            n if n.eq_ignore_ascii_case("Upgrade") => (&mut seen.upgrade, "Upgrade"),
            n if n.eq_ignore_ascii_case("Sec-WebSocket-Accept") => {
                (&mut seen.accept, "Sec-WebSocket-Accept")
            }
            n if n.eq_ignore_ascii_case("Sec-WebSocket-Protocol") => {
                (&mut seen.protocol, "Sec-WebSocket-Protocol")
            }
            n if n.eq_ignore_ascii_case("Sec-WebSocket-Extensions") => {
                (&mut seen.extensions, "Sec-WebSocket-Extensions")
            }
            _ => continue,
        };
        if slot.replace(h.value).is_some() {
            return Err(HandshakeError::DuplicateHeader(name));
        }
    }
    Ok(seen)
}

/// The client's response parser for one [`ClientRequest`], the one way to read the
/// server's answer: call [`parse_response`](Self::parse_response) with the whole buffer
/// received so far after every read; each byte is scanned once.
///
/// ```
/// use rfc6455::handshake::{ClientHandshake, ClientKey, ClientRequest, Limits, Status};
///
/// let request = ClientRequest::from_uri("ws://h/", ClientKey::from_random(*b"the sample nonce"))?;
/// let mut handshake = ClientHandshake::new(request, Limits::default());
/// let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///     Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
/// for end in 0..wire.len() {
///     assert!(handshake.parse_response(&wire[..end])?.is_partial()); // one byte at a time
/// }
/// let Status::Complete(upgrade) = handshake.parse_response(wire)? else { unreachable!() };
/// assert_eq!(upgrade.head_len(), wire.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ClientHandshake<'r> {
    request: ClientRequest<'r>,
    limits: Limits,
    scanner: Scanner,
}

impl<'r> ClientHandshake<'r> {
    /// Starts a handshake for `request`, enforcing `limits` on the response head.
    pub const fn new(request: ClientRequest<'r>, limits: Limits) -> Self {
        Self { request, limits, scanner: Scanner::new(Kind::Response) }
    }

    /// The request this handshake validates against; write it with [`ClientRequest::write`].
    pub const fn request(&self) -> &ClientRequest<'r> {
        &self.request
    }

    /// Parses the response head at the start of `buf`, which must begin with the bytes
    /// given to earlier calls (a shorter buffer restarts the scan).
    ///
    /// Returns [`Status::Partial`] while `buf` is a valid prefix of a head, and the
    /// [`ClientUpgrade`] for a `101` that passes every check of RFC 6455 §4.1, including
    /// the permessage-deflate answer when the request offered it.
    ///
    /// # Errors
    ///
    /// [`ResponseError::Rejected`] for a status other than 101, with its status code;
    /// [`ResponseError::Invalid`] for a malformed head or a `101` that fails RFC 6455 §4.1
    /// (the connection must then be failed).
    pub fn parse_response(&mut self, buf: &[u8]) -> Result<Status<ClientUpgrade>, ResponseError> {
        match self.scanner.scan(buf, &self.limits)? {
            Status::Partial => Ok(Status::Partial),
            Status::Complete(len) => {
                self.request.check_response(Head::split(buf, len)).map(Status::Complete)
            }
        }
    }

    /// Forgets the bytes scanned so far.
    pub fn reset(&mut self) {
        self.scanner = Scanner::new(Kind::Response);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_forms() {
        assert_eq!(split_authority("h"), Ok(("h", None)));
        assert_eq!(split_authority("h:9"), Ok(("h", Some(9))));
        assert_eq!(split_authority("[::1]"), Ok(("[::1]", None)));
        assert_eq!(split_authority("[::1]:65535"), Ok(("[::1]", Some(65535))));
        for bad in ["", ":80", "h:", "h:65536", "h:-1", "[::1]x", "[::1", "::1"] {
            assert_eq!(split_authority(bad), Err(UsageError::InvalidUri), "{bad}");
        }
    }

    #[test]
    fn host_forms() {
        for good in ["example.com", "127.0.0.1", "[::1]", "::1", "xn--bcher-kva.example", "a_b"] {
            assert_eq!(check_host(good), Ok(()), "{good}");
        }
        for bad in ["", "a b", "a/b", "a\r\nb", "[]", "a:b:zz", "h@x"] {
            assert_eq!(check_host(bad), Err(UsageError::InvalidHost), "{bad}");
        }
    }

    #[test]
    fn status_line_parts() {
        assert_eq!(parse_status_line(b"HTTP/1.1 101 Switching"), Ok((b'1', 101)));
        assert_eq!(parse_status_line(b"HTTP/1.1 404"), Ok((b'1', 404)));
        assert_eq!(
            parse_status_line(b"HTTP/2.0 200 OK"),
            Err(HandshakeError::UnsupportedHttpVersion)
        );
    }
}
