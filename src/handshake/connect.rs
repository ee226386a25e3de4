//! WebSocket over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220): the extended CONNECT.
//!
//! The frame layer is the same; only the opening handshake differs. The client sends a
//! `CONNECT` request with the pseudo-header field `:protocol: websocket` on a new stream
//! of a connection whose peer announced `SETTINGS_ENABLE_CONNECT_PROTOCOL`; there is no
//! `Sec-WebSocket-Key`, `Upgrade` or `Connection`. A `2xx` answer opens the WebSocket, and
//! the stream's DATA frames carry its bytes in both directions. Subprotocols, extensions
//! (permessage-deflate included), `Origin` and `Sec-WebSocket-Version: 13` are negotiated
//! as over HTTP/1.1 (RFC 8441 §5).
//!
//! An HTTP/2 or HTTP/3 stack decodes the header block (HPACK, QPACK) and hands over
//! name/value pairs; this module validates them as [`Header`]s and answers with pairs,
//! allocating nothing. The `http` feature converts from and to `http::Request` and
//! `http::Response`, which the `h2` and `h3` crates use.

use core::fmt::Write as _;

#[cfg(feature = "deflate")]
use crate::deflate::{self, ExtensionHeader};

use super::client::{self, ClientRequest};
use super::head::{is_field_byte, is_tchar, Header, Headers};
use super::negotiate::{Extensions, Subprotocols};
use super::server::{self, check_accept, host_str, visible_str, Accept};
use super::target::parse_target;
use super::upgrade::{ClientUpgrade, Negotiated, ServerUpgrade};
use super::{HandshakeError, Rejected, ResponseError, UsageError, WEBSOCKET_VERSION};

/// A validated extended CONNECT request (RFC 8441 §4-5, RFC 9220 §3): a WebSocket opened
/// on an HTTP/2 or HTTP/3 stream, viewed in the caller's decoded header fields.
///
/// [`parse`](Self::parse) checks what those RFCs and RFC 6455 require: `:method CONNECT`,
/// `:protocol websocket`, a `:scheme` of `http` or `https`, an `:authority`, a `:path` in
/// origin-form, exactly one `sec-websocket-version: 13`, well-formed subprotocol and
/// extension lists, and the field rules of RFC 9113 §8.2-8.3 (pseudo-header fields first
/// and once each, lowercase names, no connection-specific fields). The answer is
/// [`accept`](Self::accept) (a `200` whose fields [`ConnectResponse`] lists) or a
/// [`Reject`](super::Reject)'s status; the [`ServerUpgrade`] builds the server
/// [`Connection`](crate::Connection), which then reads and writes the stream's bytes.
///
/// ```
/// use rfc6455::handshake::{Accept, ConnectRequest, Header, OriginPolicy};
/// use rfc6455::{Config, Event, Role};
///
/// // The request's fields, as an HTTP/2 stack decoded them.
/// let fields = [
///     Header { name: ":method", value: b"CONNECT" },
///     Header { name: ":protocol", value: b"websocket" },
///     Header { name: ":scheme", value: b"https" },
///     Header { name: ":authority", value: b"example.com" },
///     Header { name: ":path", value: b"/chat?room=1" },
///     Header { name: "sec-websocket-version", value: b"13" },
///     Header { name: "sec-websocket-protocol", value: b"chat, superchat" },
///     Header { name: "origin", value: b"https://example.com" },
/// ];
/// let request = ConnectRequest::parse(&fields)?;
/// assert_eq!((request.path(), request.query(), request.host()), ("/chat", Some("room=1"), "example.com"));
/// OriginPolicy::SameHost.check_connect(&request)?;
///
/// let accept = Accept::new().with_subprotocol(request.select_subprotocol(&["superchat"]));
/// let (response, upgrade) = request.accept(&accept)?;
/// assert_eq!(response.status(), 200);
/// assert!(response.fields().eq([("sec-websocket-protocol", "superchat")]));
/// // Send the response's HEADERS, then run the connection over the stream.
/// let mut conn = upgrade.into_connection(Config::default());
/// assert_eq!(conn.role(), Role::Server);
/// let mut frame = *b"\x81\x82\x01\x02\x03\x04\x69\x6b"; // the client's masked "hi"
/// let (event, _) = conn.handle_read(&mut frame)?;
/// let Some(Event::Data(chunk)) = event else { panic!("a text frame") };
/// assert_eq!(chunk.as_whole_text(), Some("hi"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ConnectRequest<'a> {
    fields: &'a [Header<'a>],
    scheme: &'a str,
    host: &'a str,
    target: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    origin: Option<&'a str>,
}

/// The pseudo-header fields of a request (RFC 9113 §8.3.1).
#[derive(Default)]
struct Pseudo<'a> {
    method: Option<&'a [u8]>,
    protocol: Option<&'a [u8]>,
    scheme: Option<&'a [u8]>,
    authority: Option<&'a [u8]>,
    path: Option<&'a [u8]>,
}

/// Fields that are connection-specific, which HTTP/2 and HTTP/3 forbid (RFC 9113 §8.2.2,
/// RFC 9114 §4.2); `te` is allowed with the value `trailers` only.
const CONNECTION_SPECIFIC: [&str; 5] =
    ["connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding"];

impl<'a> ConnectRequest<'a> {
    /// Validates a request's decoded header fields: the pseudo-header fields first
    /// (`:method`, `:protocol`, `:scheme`, `:authority`, `:path`, in any order), then the
    /// regular ones, every name in lowercase as HTTP/2 and HTTP/3 require.
    ///
    /// ```
    /// use rfc6455::handshake::{ConnectRequest, HandshakeError, Header};
    ///
    /// let mut fields = [
    ///     Header { name: ":method", value: b"CONNECT" },
    ///     Header { name: ":protocol", value: b"websocket" },
    ///     Header { name: ":scheme", value: b"http" },
    ///     Header { name: ":authority", value: b"[::1]:8080" },
    ///     Header { name: ":path", value: b"/" },
    ///     Header { name: "sec-websocket-version", value: b"8" },
    /// ];
    /// let error = ConnectRequest::parse(&fields).unwrap_err();
    /// assert_eq!((error, error.status()), (HandshakeError::UnsupportedWebSocketVersion, 426));
    /// fields[5].value = b"13";
    /// assert_eq!(ConnectRequest::parse(&fields)?.host(), "[::1]:8080");
    /// fields[1].value = b"connect-udp";
    /// let error = ConnectRequest::parse(&fields).unwrap_err();
    /// assert_eq!((error, error.status()), (HandshakeError::InvalidHeader(":protocol"), 400));
    /// # Ok::<(), HandshakeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`HandshakeError::MethodNotConnect`] (405) for another `:method`;
    /// - [`HandshakeError::MissingHeader`] for a missing `:protocol`, `:scheme`,
    ///   `:authority` or `:path`, [`HandshakeError::DuplicateHeader`] for a repeated
    ///   pseudo-header field or version, origin or host field;
    /// - [`HandshakeError::InvalidHeader`] for a `:protocol` other than `websocket`, an
    ///   `:authority` (or a `host` that differs from it), `origin`, subprotocol or
    ///   extension list that is malformed, or a connection-specific field;
    /// - [`HandshakeError::UnsupportedTargetScheme`] for a `:scheme` other than `http` and
    ///   `https`, [`HandshakeError::InvalidTarget`] for a `:path` not in origin-form;
    /// - [`HandshakeError::InvalidHeaderName`] for an unknown pseudo-header field, one
    ///   after a regular field, or a name that is not a lowercase token;
    ///   [`HandshakeError::InvalidHeaderValue`] for a value with control bytes or
    ///   surrounding whitespace;
    /// - [`HandshakeError::UnsupportedWebSocketVersion`] (426) unless the version is 13;
    /// - [`HandshakeError::UnexpectedBody`] for a `content-length`.
    pub fn parse(fields: &'a [Header<'a>]) -> Result<Self, HandshakeError> {
        let pseudo = collect_pseudo(fields)?;
        if pseudo.method != Some(b"CONNECT") {
            return Err(match pseudo.method {
                None => HandshakeError::MissingHeader(":method"),
                Some(_) => HandshakeError::MethodNotConnect,
            });
        }
        match pseudo.protocol {
            None => return Err(HandshakeError::MissingHeader(":protocol")),
            Some(b"websocket") => {}
            Some(_) => return Err(HandshakeError::InvalidHeader(":protocol")),
        }
        let scheme = match pseudo.scheme.ok_or(HandshakeError::MissingHeader(":scheme"))? {
            b"http" => "http",
            b"https" => "https",
            _ => return Err(HandshakeError::UnsupportedTargetScheme),
        };
        let authority = pseudo.authority.ok_or(HandshakeError::MissingHeader(":authority"))?;
        let host = host_str(authority).ok_or(HandshakeError::InvalidHeader(":authority"))?;
        let target = pseudo.path.ok_or(HandshakeError::MissingHeader(":path"))?;
        let target = Some(target)
            .filter(|t| t.starts_with(b"/") && t.iter().all(|&b| matches!(b, b'!'..=b'~')))
            .and_then(|t| core::str::from_utf8(t).ok())
            .ok_or(HandshakeError::InvalidTarget)?;
        let parsed = parse_target(target)?;
        let seen = server::collect(Headers::fields(fields))?;
        if seen.upgrade || seen.connection {
            let name = if seen.upgrade { "Upgrade" } else { "Connection" };
            return Err(HandshakeError::InvalidHeader(name));
        }
        if seen.host.is_some_and(|h| !h.eq_ignore_ascii_case(host.as_bytes())) {
            return Err(HandshakeError::HostMismatch);
        }
        if seen.version != Some(WEBSOCKET_VERSION.as_bytes()) {
            return Err(HandshakeError::UnsupportedWebSocketVersion);
        }
        let origin = match seen.origin {
            Some(origin) => {
                Some(visible_str(origin).ok_or(HandshakeError::InvalidHeader("Origin"))?)
            }
            None => None,
        };
        let (path, query) = (parsed.path, parsed.query);
        Ok(Self { fields, scheme, host, target, path, query, origin })
    }

    /// The `:scheme`: `https` for a `wss` WebSocket, `http` for `ws` (RFC 8441 §5).
    pub const fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// The `:path` verbatim: path and query (`/chat?room=1`). Route on
    /// [`path`](Self::path) and [`query`](Self::query).
    pub const fn target(&self) -> &'a str {
        self.target
    }

    /// The path of the target, before any `?`.
    pub const fn path(&self) -> &'a str {
        self.path
    }

    /// The query of the target (after the first `?`), if any.
    pub const fn query(&self) -> Option<&'a str> {
        self.query
    }

    /// The `:authority`, `host[:port]` as received: the authority the request is for.
    /// [`OriginPolicy::SameHost`](super::OriginPolicy::SameHost) compares against this.
    pub const fn host(&self) -> &'a str {
        self.host
    }

    /// The `origin` field value; browsers always send one (RFC 8441 §5).
    pub const fn origin(&self) -> Option<&'a str> {
        self.origin
    }

    /// The offered subprotocols in the client's order of preference, across every
    /// `sec-websocket-protocol` field.
    pub fn subprotocols(&self) -> Subprotocols<'a> {
        Subprotocols::new(self.headers())
    }

    /// Picks the first of `supported` (the server's order of preference) that the client
    /// offered, returned as the client spelled it.
    pub fn select_subprotocol(&self, supported: &[&str]) -> Option<&'a str> {
        supported.iter().find_map(|s| self.subprotocols().find(|offered| offered == s))
    }

    /// The offered extensions in order, across every `sec-websocket-extensions` field.
    pub fn extensions(&self) -> Extensions<'a> {
        Extensions::new(self.headers())
    }

    /// Every regular field in order (the pseudo-header fields are the accessors above).
    pub fn headers(&self) -> Headers<'a> {
        Headers::fields(self.fields)
    }

    /// The value of the first regular field named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers().find(|h| h.is(name)).map(|h| h.value)
    }

    /// Accepts: returns the `200` answer's fields and the [`ServerUpgrade`] that builds the
    /// server [`Connection`](crate::Connection). With `Accept::with_deflate` (feature
    /// `deflate`) the client's permessage-deflate offers are answered as over HTTP/1.1.
    /// The upgrade's [`head_len`](ServerUpgrade::head_len) is 0: every byte the stream
    /// carries after the request's HEADERS is the client's.
    ///
    /// Extra header names must be lowercase tokens, as HTTP/2 and HTTP/3 require (the
    /// `http` conversion lowercases them itself).
    ///
    /// # Errors
    ///
    /// As [`Request::accept`](super::Request::accept), without `BufferTooSmall`:
    /// [`UsageError::SubprotocolNotOffered`], [`UsageError::SubprotocolTooLong`],
    /// [`UsageError::ExtensionNotOffered`], [`UsageError::InvalidExtension`],
    /// [`UsageError::ReservedExtension`], [`UsageError::InvalidHeader`] (also for an
    /// uppercase name) or [`UsageError::ReservedHeader`].
    pub fn accept<'r>(
        &self,
        accept: &Accept<'r>,
    ) -> Result<(ConnectResponse<'r>, ServerUpgrade), UsageError> {
        check_accept(accept, self.headers())?;
        check_lowercase(accept.headers)?;
        let negotiated =
            Negotiated::new(0, accept.subprotocol).ok_or(UsageError::SubprotocolTooLong)?;
        let response = ConnectResponse {
            subprotocol: accept.subprotocol,
            extensions: accept.extensions,
            headers: accept.headers,
            #[cfg(feature = "deflate")]
            deflate: None,
        };
        #[cfg(feature = "deflate")]
        {
            let agreed = accept.deflate.and_then(|c| deflate::accept_offer(self.extensions(), &c));
            let (params, answer) = agreed.map_or((None, None), |(p, a)| (Some(p), Some(a)));
            let response = ConnectResponse { deflate: answer, ..response };
            Ok((response, ServerUpgrade::new(negotiated.with_deflate(params))))
        }
        #[cfg(not(feature = "deflate"))]
        Ok((response, ServerUpgrade::new(negotiated)))
    }
}

/// Splits off and checks the pseudo-header fields; checks every regular field's syntax.
fn collect_pseudo<'a>(fields: &'a [Header<'a>]) -> Result<Pseudo<'a>, HandshakeError> {
    let mut pseudo = Pseudo::default();
    let mut regular = false;
    for field in fields {
        if !field.value.iter().all(|&b| is_field_byte(b))
            || matches!(field.value, [b' ' | b'\t', ..] | [.., b' ' | b'\t'])
        {
            return Err(HandshakeError::InvalidHeaderValue);
        }
        if let Some(name) = field.name.strip_prefix(':') {
            let (slot, static_name) = match name {
                "method" => (&mut pseudo.method, ":method"),
                "protocol" => (&mut pseudo.protocol, ":protocol"),
                "scheme" => (&mut pseudo.scheme, ":scheme"),
                "authority" => (&mut pseudo.authority, ":authority"),
                "path" => (&mut pseudo.path, ":path"),
                _ => return Err(HandshakeError::InvalidHeaderName),
            };
            if regular {
                return Err(HandshakeError::InvalidHeaderName);
            }
            if slot.replace(field.value).is_some() {
                return Err(HandshakeError::DuplicateHeader(static_name));
            }
            continue;
        }
        regular = true;
        if !is_lowercase_token(field.name) {
            return Err(HandshakeError::InvalidHeaderName);
        }
        if let Some(name) = CONNECTION_SPECIFIC.iter().find(|n| **n == field.name) {
            return Err(HandshakeError::InvalidHeader(name));
        }
        if field.name == "te" && field.value != b"trailers" {
            return Err(HandshakeError::InvalidHeader("te"));
        }
        if field.name == "content-length" {
            return Err(HandshakeError::UnexpectedBody);
        }
    }
    Ok(pseudo)
}

/// A field name HTTP/2 and HTTP/3 accept: a token without uppercase letters.
fn is_lowercase_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| is_tchar(b) && !b.is_ascii_uppercase())
}

fn check_lowercase(headers: &[(&str, &str)]) -> Result<(), UsageError> {
    match headers.iter().all(|(name, _)| is_lowercase_token(name)) {
        true => Ok(()),
        false => Err(UsageError::InvalidHeader),
    }
}

/// The `200` answer to an accepted [`ConnectRequest`]: send [`status`](Self::status) and
/// [`fields`](Self::fields) as the stream's response HEADERS, without ending the stream.
#[derive(Clone, Copy)]
pub struct ConnectResponse<'r> {
    subprotocol: Option<&'r str>,
    extensions: &'r [&'r str],
    headers: &'r [(&'r str, &'r str)],
    #[cfg(feature = "deflate")]
    deflate: Option<ExtensionHeader>,
}

impl core::fmt::Debug for ConnectResponse<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let status = ("status", "200");
        f.debug_list().entry(&status).entries(self.fields()).finish()
    }
}

impl<'r> ConnectResponse<'r> {
    /// The status to send: `200` (RFC 8441 §5 accepts any `2xx`; `200` is what clients
    /// expect).
    pub const fn status(&self) -> u16 {
        200
    }

    /// The response's regular fields, lowercase names: `sec-websocket-protocol` with the
    /// chosen subprotocol, one `sec-websocket-extensions` per accepted extension
    /// (permessage-deflate first), then the caller's extra headers as given.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        #[cfg(feature = "deflate")]
        let deflate = self.deflate.as_ref().map(ExtensionHeader::as_str);
        #[cfg(not(feature = "deflate"))]
        let deflate: Option<&str> = None;
        let extensions = deflate.into_iter().chain(self.extensions.iter().copied());
        self.subprotocol
            .map(|p| ("sec-websocket-protocol", p))
            .into_iter()
            .chain(extensions.map(|e| ("sec-websocket-extensions", e)))
            .chain(self.headers.iter().copied())
    }
}

/// The longest `:authority` a [`ClientConnect`] writes: a 255-byte host, brackets and a
/// port.
const MAX_AUTHORITY_LEN: usize = 255 + 2 + 6;

/// A client's extended CONNECT request (RFC 8441 §4-5, RFC 9220 §3) as header fields,
/// from [`ClientRequest::to_connect`]: send [`fields`](Self::fields) as the HEADERS of a
/// new stream, without ending it, on a connection whose server announced
/// `SETTINGS_ENABLE_CONNECT_PROTOCOL`, then check the answer with
/// [`ClientRequest::check_connect_response`].
#[derive(Clone, Copy)]
pub struct ClientConnect<'r> {
    request: ClientRequest<'r>,
    authority: [u8; MAX_AUTHORITY_LEN],
    authority_len: usize,
    #[cfg(feature = "deflate")]
    deflate: Option<ExtensionHeader>,
}

impl core::fmt::Debug for ClientConnect<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.fields()).finish()
    }
}

impl<'r> ClientConnect<'r> {
    /// `https` for `wss`, `http` for `ws` (RFC 8441 §5).
    pub const fn scheme(&self) -> &'static str {
        if self.request.secure {
            "https"
        } else {
            "http"
        }
    }

    /// `host[:port]`, the port only when it is not the scheme's default.
    pub fn authority(&self) -> &str {
        let bytes = self.authority.get(..self.authority_len).unwrap_or_default();
        // Written from a checked host (ASCII) and digits.
        core::str::from_utf8(bytes).unwrap_or_default()
    }

    /// The `:path`: the request's target, `/` for an empty one.
    pub const fn path(&self) -> &'r str {
        if self.request.target.is_empty() {
            "/"
        } else {
            self.request.target
        }
    }

    /// Every field, pseudo-header fields first: `:method CONNECT`, `:protocol websocket`,
    /// `:scheme`, `:authority`, `:path`, `sec-websocket-version 13`, `origin`, one
    /// `sec-websocket-protocol` per offered subprotocol, one `sec-websocket-extensions`
    /// per offered extension (permessage-deflate first), then the extra headers.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let request = &self.request;
        #[cfg(feature = "deflate")]
        let deflate = self.deflate.as_ref().map(ExtensionHeader::as_str);
        #[cfg(not(feature = "deflate"))]
        let deflate: Option<&str> = None;
        let fixed = [
            (":method", "CONNECT"),
            (":protocol", "websocket"),
            (":scheme", self.scheme()),
            (":authority", self.authority()),
            (":path", self.path()),
            ("sec-websocket-version", WEBSOCKET_VERSION),
        ];
        fixed
            .into_iter()
            .chain(request.origin.map(|origin| ("origin", origin)))
            .chain(request.subprotocols.iter().map(|p| ("sec-websocket-protocol", *p)))
            .chain(deflate.into_iter().map(|e| ("sec-websocket-extensions", e)))
            .chain(request.extensions.iter().map(|e| ("sec-websocket-extensions", *e)))
            .chain(request.headers.iter().copied())
    }
}

impl<'r> ClientRequest<'r> {
    /// This request as an extended CONNECT (RFC 8441 over HTTP/2, RFC 9220 over HTTP/3):
    /// the same subprotocols, extensions, permessage-deflate offer, `Origin` and extra
    /// headers, validated as [`write`](Self::write) validates them. The key is not sent:
    /// the stream, not a `Sec-WebSocket-Accept`, proves the server speaks WebSocket.
    ///
    /// ```
    /// use rfc6455::handshake::{ClientKey, ClientRequest};
    ///
    /// let key = ClientKey::from_random([7; 16]); // unused over HTTP/2 and HTTP/3
    /// let request = ClientRequest::from_uri("wss://example.com:8443/chat", key)?
    ///     .with_subprotocols(&["chat"])
    ///     .with_origin(Some("https://example.com"));
    /// let connect = request.to_connect()?;
    /// let fields: Vec<_> = connect.fields().collect();
    /// assert_eq!(
    ///     fields,
    ///     [
    ///         (":method", "CONNECT"),
    ///         (":protocol", "websocket"),
    ///         (":scheme", "https"),
    ///         (":authority", "example.com:8443"),
    ///         (":path", "/chat"),
    ///         ("sec-websocket-version", "13"),
    ///         ("origin", "https://example.com"),
    ///         ("sec-websocket-protocol", "chat"),
    ///     ]
    /// );
    /// # Ok::<(), rfc6455::handshake::UsageError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write), and [`UsageError::InvalidHeader`] for an extra header
    /// name with uppercase letters (HTTP/2 and HTTP/3 require lowercase; the `http`
    /// conversion lowercases them itself), [`UsageError::InvalidHost`] for a host longer
    /// than 255 bytes, [`UsageError::InvalidTarget`] for a target that starts with `?`
    /// (write `ws://host/?query`).
    pub fn to_connect(&self) -> Result<ClientConnect<'r>, UsageError> {
        self.check()?;
        check_lowercase(self.headers)?;
        if self.target.starts_with('?') {
            return Err(UsageError::InvalidTarget);
        }
        if self.host.len() > 255 {
            return Err(UsageError::InvalidHost);
        }
        let mut authority = AuthorityWriter { buf: [0; MAX_AUTHORITY_LEN], len: 0 };
        let bare_ipv6 = self.host.contains(':') && !self.host.starts_with('[');
        // At most 255 + 2 + 6 bytes: it fits.
        let _ = match bare_ipv6 {
            true => write!(authority, "[{}]", self.host),
            false => authority.write_str(self.host),
        };
        if self.port.is_some_and(|port| port != if self.secure { 443 } else { 80 }) {
            let _ = write!(authority, ":{}", self.port());
        }
        Ok(ClientConnect {
            request: *self,
            authority: authority.buf,
            authority_len: authority.len,
            #[cfg(feature = "deflate")]
            deflate: self.deflate_offer(),
        })
    }

    /// Checks the answer to this request's extended CONNECT (RFC 8441 §5): a `2xx`
    /// status, and the subprotocol and extensions it agreed to, which must be ones this
    /// request offered (with the permessage-deflate answer of RFC 7692 §7). `fields` are
    /// the response's decoded header fields; pseudo-header fields among them are ignored.
    ///
    /// The [`ClientUpgrade`] builds the client [`Connection`](crate::Connection); its
    /// [`head_len`](ClientUpgrade::head_len) is 0.
    ///
    /// ```
    /// use rfc6455::handshake::{ClientKey, ClientRequest, Header, ResponseError};
    /// use rfc6455::Config;
    ///
    /// let request = ClientRequest::from_uri("ws://example.com/chat", ClientKey::from_random([7; 16]))?
    ///     .with_subprotocols(&["chat"]);
    /// let fields = [Header { name: "sec-websocket-protocol", value: b"chat" }];
    /// let upgrade = request.check_connect_response(200, &fields)?;
    /// assert_eq!(upgrade.subprotocol(), Some("chat"));
    /// let conn = upgrade.into_connection(Config::default(), [42; 16]); // seed from the RNG
    ///
    /// let Err(ResponseError::Rejected(rejected)) = request.check_connect_response(403, &[]) else {
    ///     panic!("a 403 opens nothing");
    /// };
    /// assert_eq!(rejected.status(), 403);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ResponseError::Rejected`] for a status outside `200..=299` (its
    /// [`head_len`](Rejected::head_len) is 0: read its headers from `fields`);
    /// [`ResponseError::Invalid`] with [`HandshakeError::UnexpectedSubprotocol`],
    /// [`HandshakeError::UnexpectedExtension`], [`HandshakeError::InvalidHeader`],
    /// [`HandshakeError::DuplicateHeader`], or [`HandshakeError::InvalidHeaderValue`]
    /// (the stream must then be reset).
    pub fn check_connect_response(
        &self,
        status: u16,
        fields: &[Header<'_>],
    ) -> Result<ClientUpgrade, ResponseError> {
        if !(200..=299).contains(&status) {
            return Err(ResponseError::Rejected(Rejected { status, head_len: 0 }));
        }
        if !fields.iter().all(|f| f.value.iter().all(|&b| is_field_byte(b))) {
            return Err(HandshakeError::InvalidHeaderValue.into());
        }
        let seen = client::collect(Headers::fields(fields))?;
        self.negotiated(&seen, 0)
    }
}

/// A `core::fmt::Write` into a fixed buffer; text past its end is dropped.
struct AuthorityWriter {
    buf: [u8; MAX_AUTHORITY_LEN],
    len: usize,
}

impl core::fmt::Write for AuthorityWriter {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
