//! Server-side refusals: error responses (RFC 6455 §4.2.2, §4.4) and the Origin policy
//! (RFC 6455 §10.2).

use core::fmt::Write as _;

use super::connect::ConnectRequest;
use super::server::Request;
use super::write::{check_headers, has_header, measure, reason_phrase, write_all, Out};
use super::{HandshakeError, UsageError, WEBSOCKET_VERSION};
use crate::FrameSink;

/// An HTTP error response refusing the upgrade.
///
/// The response always carries `Content-Length` and `Connection: close`; a `426` also
/// carries `Sec-WebSocket-Version: 13` and `Upgrade: websocket` (RFC 6455 §4.4), a `405`
/// an `Allow: GET` unless the caller gives one. A non-empty body gets
/// `Content-Type: text/plain; charset=utf-8` unless the caller gives a `Content-Type`.
///
/// ```
/// use rfc6455::handshake::{HandshakeError, Reject};
///
/// use rfc6455::SliceSink;
///
/// let mut buf = [0u8; 256];
/// let mut out = SliceSink::new(&mut buf);
/// Reject::from_error(HandshakeError::UnsupportedWebSocketVersion).write(&mut out)?;
/// let text = std::str::from_utf8(out.filled())?;
/// assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
/// assert!(text.contains("\r\nSec-WebSocket-Version: 13\r\n"));
///
/// let mut buf = [0u8; 256];
/// let mut out = SliceSink::new(&mut buf);
/// Reject::new(404).with_body(b"no such stream").write(&mut out)?;
/// assert!(out.filled().ends_with(b"Content-Length: 14\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nno such stream"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reject<'r> {
    status: u16,
    pub(crate) headers: &'r [(&'r str, &'r str)],
    body: Body<'r>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body<'r> {
    Bytes(&'r [u8]),
    Error(HandshakeError),
}

/// Headers a rejection writes itself.
const RESERVED: [&str; 5] =
    ["Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "Sec-WebSocket-Version"];

impl<'r> Reject<'r> {
    /// A rejection with `status` (e.g. 401, 403, 404, or a 3xx redirect with a `Location`
    /// header) and an empty body.
    pub const fn new(status: u16) -> Self {
        Self { status, headers: &[], body: Body::Bytes(b"") }
    }

    /// The rejection for a malformed request: [`HandshakeError::status`] with the error's
    /// description as the body.
    pub const fn from_error(error: HandshakeError) -> Self {
        Self { status: error.status(), headers: &[], body: Body::Error(error) }
    }

    /// Sets extra headers (`WWW-Authenticate`, `Location`, CORS, ...).
    pub const fn with_headers(mut self, headers: &'r [(&'r str, &'r str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the body.
    pub const fn with_body(mut self, body: &'r [u8]) -> Self {
        self.body = Body::Bytes(body);
        self
    }

    /// The status code.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// Appends the response to `sink`, returning its length.
    ///
    /// # Errors
    ///
    /// [`UsageError::InvalidStatus`] outside `200..=599`, [`UsageError::InvalidHeader`],
    /// [`UsageError::ReservedHeader`], or [`UsageError::BufferTooSmall`] (nothing written).
    pub fn write<S: FrameSink>(&self, sink: &mut S) -> Result<usize, UsageError> {
        self.check()?;
        write_all(sink, |o| self.emit(o))
    }

    pub(crate) fn check(&self) -> Result<(), UsageError> {
        if !(200..=599).contains(&self.status) {
            return Err(UsageError::InvalidStatus);
        }
        check_headers(self.headers, &RESERVED)
    }

    /// The body [`write`](Self::write) writes after the head.
    #[cfg(feature = "http")]
    pub(crate) fn body(&self) -> alloc::vec::Vec<u8> {
        let mut body = alloc::vec::Vec::new();
        // A `Vec` sink has room for anything.
        let _ = write_all(&mut body, |o| self.emit_body(o));
        body
    }

    fn emit_body(&self, o: &mut Out<'_>) {
        match self.body {
            Body::Bytes(bytes) => o.put(bytes),
            Body::Error(error) => {
                // `Out` never fails to format.
                let _ = writeln!(o, "{error}");
            }
        }
    }

    fn emit(&self, o: &mut Out<'_>) {
        let _ = write!(o, "HTTP/1.1 {} {}\r\n", self.status, reason_phrase(self.status));
        if self.status == 426 {
            o.header("Sec-WebSocket-Version", WEBSOCKET_VERSION.as_bytes());
            o.put(b"Upgrade: websocket\r\nConnection: Upgrade, close\r\n");
        } else {
            o.put(b"Connection: close\r\n");
        }
        if self.status == 405 && !has_header(self.headers, "Allow") {
            o.put(b"Allow: GET\r\n");
        }
        let body_len = measure(&|o: &mut Out<'_>| self.emit_body(o));
        let _ = write!(o, "Content-Length: {body_len}\r\n");
        if body_len > 0 && !has_header(self.headers, "Content-Type") {
            o.put(b"Content-Type: text/plain; charset=utf-8\r\n");
        }
        o.headers(self.headers);
        o.put(b"\r\n");
        self.emit_body(o);
    }
}

/// Which `Origin` values a server accepts (RFC 6455 §10.2).
///
/// A request without `Origin` is not from a browser (RFC 6455 §4.1 item 8) and passes
/// every policy: browsers always send one, and other clients can forge it anyway.
///
/// ```
/// use rfc6455::handshake::{HandshakeError, Limits, OriginPolicy, ServerHandshake};
///
/// let wire = b"GET / HTTP/1.1\r\nHost: chat.example\r\nOrigin: https://evil.example\r\n\
///     Upgrade: websocket\r\nConnection: Upgrade\r\n\
///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
/// let mut parser = ServerHandshake::new(Limits::default());
/// let request = parser.parse_request(wire)?.complete().expect("complete");
/// assert_eq!(OriginPolicy::SameHost.check(&request), Err(HandshakeError::ForbiddenOrigin));
/// let allowed = OriginPolicy::AllowList(&["https://evil.example"]);
/// assert_eq!(allowed.check(&request), Ok(()));
/// # Ok::<(), HandshakeError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OriginPolicy<'p> {
    /// Accept every origin.
    AllowAny,
    /// Accept the listed serialized origins (`scheme://host[:port]`), compared
    /// ASCII case-insensitively.
    AllowList(&'p [&'p str]),
    /// Accept an origin whose `host[:port]` equals [`Request::host`], ASCII
    /// case-insensitively (Tornado's default `check_origin`): the `Host` header, or the
    /// authority of an absolute-form target, which wins over `Host` (RFC 9112 §3.2.2).
    SameHost,
}

impl OriginPolicy<'_> {
    /// Checks the request's `Origin`.
    ///
    /// # Errors
    ///
    /// [`HandshakeError::ForbiddenOrigin`] (status 403) when the origin is refused.
    pub fn check(&self, request: &Request<'_>) -> Result<(), HandshakeError> {
        self.allows(request.origin(), request.host())
    }

    /// The same check for an extended CONNECT over HTTP/2 or HTTP/3 (RFC 8441 §5), whose
    /// [`host`](ConnectRequest::host) is the `:authority`.
    ///
    /// ```
    /// use rfc6455::handshake::{ConnectRequest, HandshakeError, Header, OriginPolicy};
    ///
    /// let fields = [
    ///     Header { name: ":method", value: b"CONNECT" },
    ///     Header { name: ":protocol", value: b"websocket" },
    ///     Header { name: ":scheme", value: b"https" },
    ///     Header { name: ":authority", value: b"chat.example" },
    ///     Header { name: ":path", value: b"/" },
    ///     Header { name: "sec-websocket-version", value: b"13" },
    ///     Header { name: "origin", value: b"https://evil.example" },
    /// ];
    /// let request = ConnectRequest::parse(&fields)?;
    /// assert_eq!(OriginPolicy::SameHost.check_connect(&request), Err(HandshakeError::ForbiddenOrigin));
    /// # Ok::<(), HandshakeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`HandshakeError::ForbiddenOrigin`] (status 403) when the policy refuses the origin.
    pub fn check_connect(&self, request: &ConnectRequest<'_>) -> Result<(), HandshakeError> {
        self.allows(request.origin(), request.host())
    }

    fn allows(&self, origin: Option<&str>, host: &str) -> Result<(), HandshakeError> {
        let Some(origin) = origin else {
            return Ok(());
        };
        let allowed = match self {
            Self::AllowAny => true,
            Self::AllowList(list) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
            Self::SameHost => origin_authority(origin)
                .is_some_and(|authority| authority.eq_ignore_ascii_case(host)),
        };
        if allowed {
            Ok(())
        } else {
            Err(HandshakeError::ForbiddenOrigin)
        }
    }
}

/// The `host[:port]` of a serialized origin, `None` for `null` or a malformed one.
fn origin_authority(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then_some(authority)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec::Vec;

    fn written(reject: Reject<'_>) -> String {
        let mut out = Vec::new();
        let n = reject.write(&mut out).unwrap();
        assert_eq!(n, out.len());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn error_rejection_has_status_body_and_length() {
        let text = written(Reject::from_error(HandshakeError::MissingHeader("Host")));
        assert_eq!(
            text,
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 20\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nmissing Host header\n"
        );
    }

    #[test]
    fn method_rejection_lists_allow() {
        let text = written(Reject::from_error(HandshakeError::MethodNotGet));
        assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
        assert!(text.contains("\r\nAllow: GET\r\n"));
    }

    #[test]
    fn caller_headers_and_unknown_status() {
        let headers = [("WWW-Authenticate", "Basic realm=\"ws\""), ("Content-Type", "text/html")];
        let text = written(Reject::new(499).with_headers(&headers).with_body(b"<p>x</p>"));
        assert!(text.starts_with("HTTP/1.1 499 \r\n"));
        assert!(!text.contains("text/plain"));
        assert!(text.ends_with(
            "WWW-Authenticate: Basic realm=\"ws\"\r\nContent-Type: text/html\r\n\r\n<p>x</p>"
        ));
    }

    #[test]
    fn misuse_is_reported() {
        let mut out = Vec::new();
        assert_eq!(Reject::new(101).write(&mut out), Err(UsageError::InvalidStatus));
        let headers = [("Connection", "keep-alive")];
        assert_eq!(
            Reject::new(403).with_headers(&headers).write(&mut out),
            Err(UsageError::ReservedHeader)
        );
    }

    #[test]
    fn origin_authority_parsing() {
        assert_eq!(origin_authority("http://a.example:8080"), Some("a.example:8080"));
        assert_eq!(origin_authority("https://a.example/"), Some("a.example"));
        assert_eq!(origin_authority("null"), None);
        assert_eq!(origin_authority("http://"), None);
    }
}
