// The summary line is the `///` on `pub mod http` in `mod.rs`; this block continues it.
//!
//! For servers and clients built on hyper, axum and similar stacks, which parse the HTTP
//! head themselves and hand over an [`http::Request`](::http::Request) or
//! [`http::Response`](::http::Response). The functions here write that head back out as
//! HTTP/1.1 bytes into a caller `Vec` and run the byte-level parser of this crate over it,
//! so every check of RFC 6455 §4 and of this crate's strict HTTP syntax applies exactly as
//! it does to bytes read from a socket. The results are the usual [`Request`] view,
//! borrowing that `Vec`, so [`Request::select_subprotocol`],
//! [`OriginPolicy`](crate::handshake::OriginPolicy) and the rest work unchanged, and the
//! usual owned [`ServerUpgrade`] / [`ClientUpgrade`] (or [`ResponseError`]), which build
//! the [`Connection`](crate::Connection) to run over the upgraded transport. In the other
//! direction, the `101`, the rejections and the client request are written by the same
//! writers as [`Request::accept`], [`Reject::write`] and [`ClientRequest::write`], then
//! converted, so both paths send the same headers.
//!
//! The HTTP stack has already bounded the size of the head, so no [`Limits`] apply to
//! these copies. [`validate_request`](http::validate_request) takes the HTTP/1.1 Upgrade of RFC 6455 and refuses
//! any other method than `GET` with 405.
//!
//! WebSocket over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220), the extended `CONNECT`, has
//! its own functions: [`validate_connect_request`](http::validate_connect_request), [`accept_connect_response`](http::accept_connect_response),
//! [`reject_connect_response`](http::reject_connect_response), [`ClientRequest::to_http_connect`] and
//! [`validate_connect_response`](http::validate_connect_response). They view the `http` types as the header fields
//! [`ConnectRequest`] and [`ClientRequest::check_connect_response`] validate, with no
//! HTTP/1.1 head in between. The `:protocol` pseudo-header field is not part of
//! `http::Request`: the `h2` crate keeps it as an `h2::ext::Protocol` in the request's
//! extensions (hyper as a `hyper::ext::Protocol`), so the caller hands it over as text.
//! `examples/h2_echo.rs` in the repository is a whole HTTP/2 server and client on the
//! `h2` crate.
//!
//! # Server
//!
//! ```
//! use rfc6455::handshake::http::{accept_response, reject_response, validate_request};
//! use rfc6455::handshake::{Accept, OriginPolicy, Reject};
//!
//! // What hyper or axum hands to a handler.
//! let incoming = http::Request::get("/chat")
//!     .header("host", "example.com")
//!     .header("upgrade", "websocket")
//!     .header("connection", "Upgrade")
//!     .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
//!     .header("sec-websocket-version", "13")
//!     .header("sec-websocket-protocol", "chat, superchat")
//!     .body(())?;
//!
//! let mut buf = Vec::new();
//! let (response, upgrade) = match validate_request(&incoming, &mut buf) {
//!     Ok(request) => match OriginPolicy::SameHost.check(&request) {
//!         Ok(()) => {
//!             let protocol = request.select_subprotocol(&["superchat"]);
//!             let (response, upgrade) =
//!                 accept_response(&request, &Accept::new().with_subprotocol(protocol))?;
//!             (response.map(|()| Vec::new()), Some(upgrade))
//!         }
//!         Err(error) => (reject_response(&Reject::from_error(error))?, None),
//!     },
//!     Err(error) => (reject_response(&Reject::from_error(error))?, None),
//! };
//! assert_eq!(response.status(), http::StatusCode::SWITCHING_PROTOCOLS);
//! assert_eq!(response.headers()["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
//! assert_eq!(response.headers()["sec-websocket-protocol"], "superchat");
//! // hyper: return `response` (with an empty body) and take the connection with
//! // `hyper::upgrade::on(incoming)`; then drive this connection over it.
//! let conn = upgrade.expect("accepted").into_connection(rfc6455::Config::default());
//! assert_eq!(conn.role(), rfc6455::Role::Server);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Client
//!
//! ```
//! use rfc6455::handshake::http::validate_response;
//! use rfc6455::handshake::{accept_key, ClientKey, ClientRequest, ResponseError};
//!
//! let key = ClientKey::from_random([7; 16]); // 16 bytes from the caller's RNG
//! let request = ClientRequest::from_uri("ws://example.com/chat", key)?;
//! let outgoing = request.to_http()?; // send it with hyper's `client::conn::http1`
//! assert_eq!(outgoing.uri(), "/chat");
//! assert_eq!(outgoing.headers()["host"], "example.com");
//!
//! // The response hyper returns.
//! let answer = http::Response::builder()
//!     .status(101)
//!     .header("upgrade", "websocket")
//!     .header("connection", "upgrade")
//!     .header("sec-websocket-accept", accept_key(key.as_str().as_bytes()).as_str())
//!     .body(())?;
//! match validate_response(&request, &answer) {
//!     Ok(upgrade) => {
//!         // `hyper::upgrade::on(answer)`, then drive this connection over it.
//!         let conn = upgrade.into_connection(rfc6455::Config::default(), [42; 16]);
//!         assert_eq!(conn.role(), rfc6455::Role::Client);
//!     }
//!     Err(ResponseError::Rejected(rejected)) => panic!("status {}", rejected.status()),
//!     Err(ResponseError::Invalid(error)) => panic!("fail the connection: {error}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::vec::Vec;

use ::http::header::{HeaderMap, HeaderName, HeaderValue};
use ::http::{Method, StatusCode, Uri, Version};

use super::head::{is_field_byte, Head, Kind, Scanner};
use super::{
    Accept, ClientHandshake, ClientRequest, ClientUpgrade, ConnectRequest, HandshakeError, Header,
    Limits, Reject, Request, ResponseError, ServerHandshake, ServerUpgrade, Status, UsageError,
    WEBSOCKET_VERSION,
};

/// The HTTP stack bounded the head already; its copy is checked for syntax and meaning only.
const UNBOUNDED: Limits =
    Limits::DEFAULT.with_max_head_len(usize::MAX).with_max_headers(usize::MAX);

/// Validates an upgrade request received by an HTTP stack, with every check of
/// [`ServerHandshake::parse_request`].
///
/// `buf` is cleared and receives the request head as HTTP/1.1 bytes: the method, the URI
/// as a request target in the form it was received, the version and every header; the
/// returned [`Request`] is a view of it. Header values that could not appear in a valid
/// head (control bytes) are refused.
///
/// The request target follows the same rules as in [`ServerHandshake::parse_request`], by
/// the same code:
/// an origin-form URI (`/chat`) is what an HTTP stack usually hands over; an absolute-form
/// one (`http://example.com/chat`, as an HTTP/1.1 client may send it) is accepted for
/// `http` and `https` when the `Host` header names the same host and port, and then
/// [`Request::host`] is the URI's authority; an authority-form URI (`example.com:443`) or
/// `*` is refused with [`HandshakeError::UnsupportedTargetForm`]. `http::Uri` has already
/// dropped any `#fragment` and writes an empty absolute path as `/`.
///
/// ```
/// use rfc6455::handshake::http::validate_request;
/// use rfc6455::handshake::HandshakeError;
///
/// let incoming = http::Request::get("/feed?x=1")
///     .header("host", "example.com")
///     .header("upgrade", "websocket")
///     .header("connection", "keep-alive, Upgrade")
///     .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
///     .header("sec-websocket-version", "13")
///     .body(())?;
/// let mut buf = Vec::new();
/// let request = validate_request(&incoming, &mut buf)?;
/// assert_eq!((request.path(), request.query()), ("/feed", Some("x=1")));
/// assert_eq!(request.key(), "dGhlIHNhbXBsZSBub25jZQ==");
///
/// let plain = http::Request::get("/").header("host", "example.com").body(())?;
/// let error = validate_request(&plain, &mut buf).unwrap_err();
/// assert_eq!(error, HandshakeError::MissingHeader("Upgrade"));
/// assert_eq!(error.status(), 400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// Any [`HandshakeError`] of [`ServerHandshake::parse_request`] except the size limits;
/// answer it with
/// [`reject_response`] and [`Reject::from_error`].
pub fn validate_request<'b, B>(
    request: &::http::Request<B>,
    buf: &'b mut Vec<u8>,
) -> Result<Request<'b>, HandshakeError> {
    buf.clear();
    buf.extend_from_slice(request.method().as_str().as_bytes());
    buf.push(b' ');
    put_target(buf, request.uri());
    buf.push(b' ');
    buf.extend_from_slice(version_str(request.version()).as_bytes());
    put_headers(buf, request.headers())?;
    match ServerHandshake::new(UNBOUNDED).parse_request(buf)? {
        Status::Complete(request) => Ok(request),
        // Unreachable: `put_headers` ended a head whose values hold no line end.
        Status::Partial => Err(HandshakeError::InvalidHeaderValue),
    }
}

/// The `101 Switching Protocols` answer to `request`, with the headers
/// [`Request::accept`] writes, in the same order (an `http::HeaderMap` keeps the values of
/// a repeated name together), and the [`ServerUpgrade`] that builds the connection to run
/// over the upgraded transport. Its [`head_len`](ServerUpgrade::head_len) counts the
/// bytes of `request`'s buffer; an HTTP stack hands over the frames itself.
///
/// ```
/// use rfc6455::handshake::http::{accept_response, validate_request};
/// use rfc6455::handshake::Accept;
///
/// let incoming = http::Request::get("/")
///     .header("host", "example.com")
///     .header("upgrade", "websocket")
///     .header("connection", "Upgrade")
///     .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
///     .header("sec-websocket-version", "13")
///     .body(())?;
/// let mut buf = Vec::new();
/// let request = validate_request(&incoming, &mut buf)?;
/// let accept = Accept::new().with_headers(&[("Set-Cookie", "id=1")]);
/// let (response, upgrade) = accept_response(&request, &accept)?;
/// assert_eq!(response.status(), 101);
/// assert_eq!(upgrade.subprotocol(), None);
/// let headers: Vec<_> =
///     response.headers().iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap())).collect();
/// assert_eq!(
///     headers,
///     [
///         ("upgrade", "websocket"),
///         ("connection", "Upgrade"),
///         ("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
///         ("set-cookie", "id=1"),
///     ]
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`Request::accept`]: [`UsageError::SubprotocolNotOffered`],
/// [`UsageError::SubprotocolTooLong`], [`UsageError::ExtensionNotOffered`],
/// [`UsageError::InvalidExtension`], [`UsageError::ReservedExtension`],
/// [`UsageError::InvalidHeader`] or [`UsageError::ReservedHeader`].
pub fn accept_response(
    request: &Request<'_>,
    accept: &Accept<'_>,
) -> Result<(::http::Response<()>, ServerUpgrade), UsageError> {
    let mut wire = Vec::new();
    let upgrade = request.accept(accept, &mut wire)?;
    to_response(101, &wire).map(|(response, _)| (response, upgrade))
}

/// The error response `reject` describes, with the headers and body [`Reject::write`]
/// writes: `Connection: close`, `Content-Length`, and for a 426 the
/// `Sec-WebSocket-Version: 13` a client needs to retry.
///
/// ```
/// use rfc6455::handshake::http::reject_response;
/// use rfc6455::handshake::{HandshakeError, Reject};
///
/// let version = HandshakeError::UnsupportedWebSocketVersion;
/// let response = reject_response(&Reject::from_error(version))?;
/// assert_eq!(response.status(), 426);
/// assert_eq!(response.headers()["sec-websocket-version"], "13");
/// assert_eq!(response.body(), b"unsupported websocket version\n");
///
/// let response = reject_response(&Reject::new(404).with_body(b"no such stream"))?;
/// assert_eq!(response.status(), 404);
/// assert_eq!(response.headers()["content-length"], "14");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`Reject::write`]: [`UsageError::InvalidStatus`] outside `200..=599`,
/// [`UsageError::InvalidHeader`] or [`UsageError::ReservedHeader`].
pub fn reject_response(reject: &Reject<'_>) -> Result<::http::Response<Vec<u8>>, UsageError> {
    let mut wire = Vec::new();
    reject.write(&mut wire)?;
    let (response, head_len) = to_response(reject.status(), &wire)?;
    let body = wire.get(head_len..).unwrap_or_default().to_vec();
    Ok(response.map(|()| body))
}

/// Validates the response an HTTP stack received for `request`, with every check of
/// [`ClientHandshake::parse_response`], and returns the [`ClientUpgrade`] that builds the
/// connection to run over the upgraded transport.
///
/// The response head is written out as bytes (the version, the status code with its
/// canonical reason phrase, and every header) into a scratch buffer and parsed there; the
/// body, if any, is not looked at. The results own what they hold: read headers from
/// `response` itself ([`ClientUpgrade::head_len`] and [`Rejected::head_len`](super::Rejected::head_len)
/// count bytes of that scratch copy, and the HTTP stack hands over the frames).
///
/// ```
/// use rfc6455::handshake::http::validate_response;
/// use rfc6455::handshake::{accept_key, ClientKey, ClientRequest, HandshakeError, ResponseError};
///
/// let key = ClientKey::from_random([7; 16]);
/// let request = ClientRequest::from_uri("ws://example.com/chat", key)?
///     .with_subprotocols(&["chat"]);
/// let answer = http::Response::builder()
///     .status(101)
///     .header("upgrade", "websocket")
///     .header("connection", "Upgrade")
///     .header("sec-websocket-accept", accept_key(key.as_str().as_bytes()).as_str())
///     .header("sec-websocket-protocol", "chat")
///     .body(())?;
/// let upgrade = validate_response(&request, &answer)?;
/// assert_eq!(upgrade.subprotocol(), Some("chat"));
///
/// let moved = http::Response::builder().status(302).header("location", "/elsewhere").body(())?;
/// let Err(ResponseError::Rejected(rejected)) = validate_response(&request, &moved) else {
///     panic!("a 302 is no upgrade")
/// };
/// assert_eq!(rejected.status(), 302);
/// assert_eq!(moved.headers()["location"], "/elsewhere"); // headers come from `moved`
///
/// let forged = http::Response::builder()
///     .status(101)
///     .header("upgrade", "websocket")
///     .header("connection", "Upgrade")
///     .header("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
///     .body(())?;
/// assert_eq!(
///     validate_response(&request, &forged),
///     Err(ResponseError::Invalid(HandshakeError::InvalidAccept))
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`ClientHandshake::parse_response`]: [`ResponseError::Rejected`] for a status other
/// than 101, [`ResponseError::Invalid`] for a `101` that fails RFC 6455 §4.1 (fail the
/// connection), for an HTTP version other than 1.x, or for a header value with control
/// bytes ([`HandshakeError::InvalidHeaderValue`]).
pub fn validate_response<B>(
    request: &ClientRequest<'_>,
    response: &::http::Response<B>,
) -> Result<ClientUpgrade, ResponseError> {
    let mut buf = Vec::new();
    let status = response.status();
    buf.extend_from_slice(version_str(response.version()).as_bytes());
    buf.push(b' ');
    buf.extend_from_slice(status.as_str().as_bytes());
    if let Some(reason) = status.canonical_reason() {
        buf.push(b' ');
        buf.extend_from_slice(reason.as_bytes());
    }
    put_headers(&mut buf, response.headers())?;
    match ClientHandshake::new(*request, UNBOUNDED).parse_response(&buf)? {
        Status::Complete(upgrade) => Ok(upgrade),
        // Unreachable: `put_headers` ended a head whose values hold no line end.
        Status::Partial => Err(HandshakeError::InvalidHeaderValue.into()),
    }
}

impl ClientRequest<'_> {
    /// The request as an `http::Request` (feature `http`), with the headers
    /// [`write`](Self::write) writes, in the same order (an `http::HeaderMap` keeps the
    /// values of a repeated name together), and an empty body.
    ///
    /// The URI is the origin-form target of the request line (`/chat?room=1`), which is
    /// what hyper's `client::conn` sends; the authority is in the `Host` header. The
    /// transport connects to [`host`](Self::host) and [`port`](Self::port), with TLS when
    /// [`is_secure`](Self::is_secure).
    ///
    /// ```
    /// use rfc6455::handshake::{ClientKey, ClientRequest};
    ///
    /// let key = ClientKey::from_random(*b"the sample nonce");
    /// let request = ClientRequest::from_uri("wss://example.com:8443/feed?x=1", key)?
    ///     .with_subprotocols(&["v2.feed", "feed"]);
    /// let outgoing = request.to_http()?;
    /// assert_eq!(outgoing.method(), http::Method::GET);
    /// assert_eq!(outgoing.uri(), "/feed?x=1");
    /// assert_eq!(outgoing.version(), http::Version::HTTP_11);
    /// let headers = outgoing.headers();
    /// assert_eq!(headers["host"], "example.com:8443");
    /// assert_eq!(headers["sec-websocket-key"], "dGhlIHNhbXBsZSBub25jZQ==");
    /// assert_eq!(headers["sec-websocket-protocol"], "v2.feed, feed");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write): [`UsageError::InvalidHost`],
    /// [`UsageError::InvalidTarget`], [`UsageError::InvalidSubprotocol`],
    /// [`UsageError::InvalidExtension`], [`UsageError::InvalidHeader`] or
    /// [`UsageError::ReservedHeader`].
    pub fn to_http(&self) -> Result<::http::Request<()>, UsageError> {
        let mut wire = Vec::new();
        self.write(&mut wire)?;
        let head = split_own_head(&wire, Kind::Request)?;
        // The request line is `GET <target> HTTP/1.1`.
        let mut parts = head.start_line.split(|&b| b == b' ');
        let target = parts.nth(1).ok_or(UsageError::InvalidTarget)?;
        let uri = Uri::try_from(target).map_err(|_| UsageError::InvalidTarget)?;
        let mut request = ::http::Request::new(());
        *request.method_mut() = Method::GET;
        *request.uri_mut() = uri;
        *request.version_mut() = Version::HTTP_11;
        copy_headers(&head, request.headers_mut())?;
        Ok(request)
    }

    /// The request as an extended CONNECT for HTTP/2 or HTTP/3 (feature `http`), with the
    /// fields of [`to_connect`](Self::to_connect) (extra header names lowercased): method
    /// `CONNECT`, the absolute URI (`https` for `wss`, `http` for `ws`), version HTTP/2.
    /// Add the `:protocol` to its extensions before sending it: with the `h2` crate,
    /// `h2::ext::Protocol::from_static("websocket")`.
    ///
    /// ```
    /// use rfc6455::handshake::{ClientKey, ClientRequest};
    ///
    /// let request = ClientRequest::from_uri("wss://example.com/chat", ClientKey::from_random([7; 16]))?
    ///     .with_subprotocols(&["chat"])
    ///     .with_headers(&[("Authorization", "Bearer x")]);
    /// let outgoing = request.to_http_connect()?;
    /// assert_eq!(outgoing.method(), http::Method::CONNECT);
    /// assert_eq!(outgoing.uri(), "https://example.com/chat");
    /// assert_eq!(outgoing.headers()["sec-websocket-version"], "13");
    /// assert_eq!(outgoing.headers()["sec-websocket-protocol"], "chat");
    /// assert_eq!(outgoing.headers()["authorization"], "Bearer x");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`to_connect`](Self::to_connect).
    pub fn to_http_connect(&self) -> Result<::http::Request<()>, UsageError> {
        let lowered = lowercase_names(self.headers);
        let pairs: Vec<(&str, &str)> = lowered.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let connect = self.with_headers(&pairs).to_connect()?;
        let uri =
            alloc::format!("{}://{}{}", connect.scheme(), connect.authority(), connect.path());
        let mut request = ::http::Request::new(());
        *request.method_mut() = Method::CONNECT;
        *request.uri_mut() = Uri::try_from(uri).map_err(|_| UsageError::InvalidTarget)?;
        *request.version_mut() = Version::HTTP_2;
        for (name, value) in connect.fields().filter(|(name, _)| !name.starts_with(':')) {
            append(request.headers_mut(), name, value)?;
        }
        Ok(request)
    }
}

/// Validates an extended CONNECT received by an HTTP/2 or HTTP/3 stack (RFC 8441,
/// RFC 9220), with every check of [`ConnectRequest::parse`].
///
/// `protocol` is the request's `:protocol`, which `http::Request` does not hold: with the
/// `h2` crate, `request.extensions().get::<h2::ext::Protocol>().map(|p| p.as_str())`.
/// `fields` is cleared and receives the request's pseudo-header fields (from the method,
/// `protocol` and the URI's scheme, authority and path) and its headers, borrowing
/// `request`; the returned [`ConnectRequest`] is a view of them.
///
/// ```
/// use rfc6455::handshake::http::{accept_connect_response, validate_connect_request};
/// use rfc6455::handshake::{Accept, OriginPolicy};
///
/// // What an h2 server hands over (`h2::server::Connection::accept`), and the
/// // `h2::ext::Protocol` from its extensions.
/// let incoming = http::Request::builder()
///     .method("CONNECT")
///     .version(http::Version::HTTP_2)
///     .uri("https://example.com/chat")
///     .header("sec-websocket-version", "13")
///     .header("sec-websocket-protocol", "chat")
///     .header("origin", "https://example.com")
///     .body(())?;
/// let mut fields = Vec::new();
/// let request = validate_connect_request(&incoming, Some("websocket"), &mut fields)?;
/// OriginPolicy::SameHost.check_connect(&request)?;
/// let accept = Accept::new().with_subprotocol(request.select_subprotocol(&["chat"]));
/// let (response, upgrade) = accept_connect_response(&request, &accept)?;
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["sec-websocket-protocol"], "chat");
/// // h2: `respond.send_response(response, false)`, then run
/// // `upgrade.into_connection(config)` over the stream's `SendStream` and `RecvStream`.
/// assert_eq!(upgrade.subprotocol(), Some("chat"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// Any [`HandshakeError`] of [`ConnectRequest::parse`], and
/// [`HandshakeError::UnsupportedHttpVersion`] for a request that did not come over
/// HTTP/2 or HTTP/3. Answer it with [`reject_connect_response`] and
/// [`Reject::from_error`].
pub fn validate_connect_request<'a, 'b, B>(
    request: &'a ::http::Request<B>,
    protocol: Option<&'a str>,
    fields: &'b mut Vec<Header<'a>>,
) -> Result<ConnectRequest<'b>, HandshakeError> {
    if !matches!(request.version(), Version::HTTP_2 | Version::HTTP_3) {
        return Err(HandshakeError::UnsupportedHttpVersion);
    }
    fields.clear();
    let uri = request.uri();
    let mut pseudo = |name, value: Option<&'a str>| {
        if let Some(value) = value {
            fields.push(Header { name, value: value.as_bytes() });
        }
    };
    pseudo(":method", Some(request.method().as_str()));
    pseudo(":protocol", protocol);
    pseudo(":scheme", uri.scheme_str());
    pseudo(":authority", uri.authority().map(::http::uri::Authority::as_str));
    pseudo(":path", uri.path_and_query().map(::http::uri::PathAndQuery::as_str));
    for (name, value) in request.headers() {
        fields.push(Header { name: name.as_str(), value: value.as_bytes() });
    }
    ConnectRequest::parse(fields)
}

/// The `200` answer to an extended CONNECT, with the fields [`ConnectRequest::accept`]
/// gives (extra header names lowercased), and the [`ServerUpgrade`] that builds the
/// connection to run over the stream.
///
/// # Errors
///
/// As [`ConnectRequest::accept`]: [`UsageError::SubprotocolNotOffered`],
/// [`UsageError::SubprotocolTooLong`], [`UsageError::ExtensionNotOffered`],
/// [`UsageError::InvalidExtension`], [`UsageError::ReservedExtension`],
/// [`UsageError::InvalidHeader`] or [`UsageError::ReservedHeader`].
pub fn accept_connect_response(
    request: &ConnectRequest<'_>,
    accept: &Accept<'_>,
) -> Result<(::http::Response<()>, ServerUpgrade), UsageError> {
    let lowered = lowercase_names(accept.headers);
    let pairs: Vec<(&str, &str)> = lowered.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let (answer, upgrade) = request.accept(&accept.with_headers(&pairs))?;
    let mut response = ::http::Response::new(());
    *response.status_mut() = StatusCode::OK;
    for (name, value) in answer.fields() {
        append(response.headers_mut(), name, value)?;
    }
    Ok((response, upgrade))
}

/// The error response `reject` describes, for an extended CONNECT over HTTP/2 or HTTP/3:
/// its status, its extra headers, `sec-websocket-version: 13` for a 426, `allow: CONNECT`
/// for a 405, and the body [`Reject::write`] writes, with its `content-type`. Unlike
/// [`reject_response`], no `connection` field: HTTP/2 and HTTP/3 forbid it, and a refused
/// stream ends on its own.
///
/// ```
/// use rfc6455::handshake::http::reject_connect_response;
/// use rfc6455::handshake::{HandshakeError, Reject};
///
/// let response = reject_connect_response(&Reject::from_error(HandshakeError::MethodNotConnect))?;
/// assert_eq!(response.status(), 405);
/// assert_eq!(response.headers()["allow"], "CONNECT");
/// assert!(response.headers().get("connection").is_none());
/// assert_eq!(response.body(), b"method is not CONNECT\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`Reject::write`]: [`UsageError::InvalidStatus`] outside `200..=599`,
/// [`UsageError::InvalidHeader`] or [`UsageError::ReservedHeader`].
pub fn reject_connect_response(
    reject: &Reject<'_>,
) -> Result<::http::Response<Vec<u8>>, UsageError> {
    reject.check()?;
    let body = reject.body();
    let mut response = ::http::Response::new(());
    let status = StatusCode::from_u16(reject.status()).map_err(|_| UsageError::InvalidStatus)?;
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if status == StatusCode::UPGRADE_REQUIRED {
        append(headers, "sec-websocket-version", WEBSOCKET_VERSION)?;
    }
    let has = |name: &str| reject.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    if status == StatusCode::METHOD_NOT_ALLOWED && !has("allow") {
        append(headers, "allow", "CONNECT")?;
    }
    if !body.is_empty() && !has("content-type") {
        append(headers, "content-type", "text/plain; charset=utf-8")?;
    }
    for (name, value) in reject.headers {
        append(headers, name, value)?;
    }
    Ok(response.map(|()| body))
}

/// Validates the answer an HTTP/2 or HTTP/3 stack received for `request`'s extended
/// CONNECT, with every check of [`ClientRequest::check_connect_response`].
///
/// ```
/// use rfc6455::handshake::http::validate_connect_response;
/// use rfc6455::handshake::{ClientKey, ClientRequest, HandshakeError, ResponseError};
///
/// let request = ClientRequest::from_uri("ws://example.com/chat", ClientKey::from_random([7; 16]))?
///     .with_subprotocols(&["chat"]);
/// let answer = http::Response::builder().status(200).header("sec-websocket-protocol", "chat").body(())?;
/// assert_eq!(validate_connect_response(&request, &answer)?.subprotocol(), Some("chat"));
///
/// let wrong = http::Response::builder().status(200).header("sec-websocket-protocol", "mqtt").body(())?;
/// assert_eq!(
///     validate_connect_response(&request, &wrong),
///     Err(ResponseError::Invalid(HandshakeError::UnexpectedSubprotocol))
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`ClientRequest::check_connect_response`]: [`ResponseError::Rejected`] for a status
/// outside `200..=299`, [`ResponseError::Invalid`] for an answer that agrees to something
/// the request did not offer (reset the stream).
pub fn validate_connect_response<B>(
    request: &ClientRequest<'_>,
    response: &::http::Response<B>,
) -> Result<ClientUpgrade, ResponseError> {
    let fields: Vec<Header<'_>> = response
        .headers()
        .iter()
        .map(|(name, value)| Header { name: name.as_str(), value: value.as_bytes() })
        .collect();
    request.check_connect_response(response.status().as_u16(), &fields)
}

/// `headers` with lowercase names, as HTTP/2 and HTTP/3 send them.
fn lowercase_names<'v>(headers: &[(&str, &'v str)]) -> Vec<(alloc::string::String, &'v str)> {
    headers.iter().map(|(name, value)| (name.to_ascii_lowercase(), *value)).collect()
}

/// Appends one field to `map`.
fn append(map: &mut HeaderMap, name: &str, value: &str) -> Result<(), UsageError> {
    let name = HeaderName::from_bytes(name.as_bytes());
    let value = HeaderValue::from_str(value);
    let (Ok(name), Ok(value)) = (name, value) else {
        return Err(UsageError::InvalidHeader);
    };
    map.try_append(name, value).map_err(|_| UsageError::InvalidHeader)?;
    Ok(())
}

/// Appends `uri` as a request target in the form the HTTP stack received it, so that
/// [`ServerHandshake::parse_request`] applies its rules on request-target forms (RFC 9112 §3.2) to it:
/// origin-form `/path?query`, absolute-form `scheme://authority/path?query`,
/// authority-form `host:port`, asterisk-form `*` (the `Display` of `http::Uri`).
fn put_target(buf: &mut Vec<u8>, uri: &Uri) {
    if let Some(scheme) = uri.scheme_str() {
        buf.extend_from_slice(scheme.as_bytes());
        buf.extend_from_slice(b"://");
    }
    if let Some(authority) = uri.authority() {
        buf.extend_from_slice(authority.as_str().as_bytes());
    }
    // Empty for authority-form only; `/` for an absolute URI without a path.
    buf.extend_from_slice(uri.path().as_bytes());
    if let Some(query) = uri.query() {
        buf.push(b'?');
        buf.extend_from_slice(query.as_bytes());
    }
}

/// The start-line spelling of an HTTP version.
fn version_str(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_11 => "HTTP/1.1",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        // A version added to `http` later is none this crate speaks.
        _ => "HTTP/0.0",
    }
}

/// Appends `CRLF`, each header line, and the final `CRLF` to a start line in `buf`.
///
/// Refuses a value with a byte that cannot appear in a field value (a `CR` or `LF` would
/// otherwise end the line and smuggle in another header).
fn put_headers(buf: &mut Vec<u8>, headers: &HeaderMap) -> Result<(), HandshakeError> {
    buf.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        if !value.as_bytes().iter().all(|&b| is_field_byte(b)) {
            return Err(HandshakeError::InvalidHeaderValue);
        }
        buf.extend_from_slice(name.as_str().as_bytes());
        buf.extend_from_slice(b": ");
        buf.extend_from_slice(value.as_bytes());
        buf.extend_from_slice(b"\r\n");
    }
    buf.extend_from_slice(b"\r\n");
    Ok(())
}

/// Splits a head this crate's writers produced into its parts.
fn split_own_head(wire: &[u8], kind: Kind) -> Result<Head<'_>, UsageError> {
    match Scanner::new(kind).scan(wire, &UNBOUNDED) {
        Ok(Status::Complete(len)) => Ok(Head::split(wire, len)),
        // Unreachable: the writers only write valid heads.
        _ => Err(UsageError::InvalidHeader),
    }
}

/// Appends every header line of `head` to `map`, in order.
fn copy_headers(head: &Head<'_>, map: &mut HeaderMap) -> Result<(), UsageError> {
    for header in head.headers() {
        let name = HeaderName::from_bytes(header.name.as_bytes());
        let value = HeaderValue::from_bytes(header.value);
        let (Ok(name), Ok(value)) = (name, value) else {
            return Err(UsageError::InvalidHeader);
        };
        map.try_append(name, value).map_err(|_| UsageError::InvalidHeader)?;
    }
    Ok(())
}

/// Converts a response head this crate wrote into an `http::Response` with `status`,
/// returning it with the head's length (the body follows).
fn to_response(status: u16, wire: &[u8]) -> Result<(::http::Response<()>, usize), UsageError> {
    let head = split_own_head(wire, Kind::Response)?;
    let mut response = ::http::Response::new(());
    *response.status_mut() = StatusCode::from_u16(status).map_err(|_| UsageError::InvalidStatus)?;
    *response.version_mut() = Version::HTTP_11;
    copy_headers(&head, response.headers_mut())?;
    Ok((response, head.len))
}
