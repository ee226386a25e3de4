//! Request targets (RFC 9112 §3.2): which of the four forms a request line uses, the
//! resource it names, and the authority the request is for.
//!
//! This is the one place these rules live. [`ServerHandshake::parse_request`](super::ServerHandshake::parse_request) calls
//! [`parse_target`] on the request line and [`Target::authority_for`] with the `Host`
//! header; the `http` conversion writes the `http::Uri` back as a request target in the
//! form it came in and parses it through the same path, so both see the same result.
//!
//! - **origin-form** (`/path?query`, RFC 9112 §3.2.1): the usual WebSocket request line
//!   (RFC 6455 §4.1); the authority is the `Host` header.
//! - **absolute-form** (`http://host[:port]/path?query`, RFC 9112 §3.2.2): accepted for the
//!   `http` and `https` schemes, the "absolute HTTP/HTTPS URI" RFC 6455 §4.2.1 item 1
//!   allows. Other schemes, `ws` and `wss` included, are refused: RFC 6455 maps a `ws`
//!   URI to an origin-form request line plus `Host` (§4.1), so no conforming client puts
//!   one on the request line, and RFC 9110 §4.2 defines only `http` and `https` as the
//!   schemes of HTTP resources. The target's authority wins over `Host`, but `Host` must
//!   still be present and name the same host and port, or the request is refused: RFC 9112
//!   §3.2 requires a client to send a `Host` identical to the target's authority, and a
//!   pair that disagrees is how a proxy routing on one and a server checking the other
//!   end up with different ideas of the destination. Hosts compare ASCII
//!   case-insensitively; an absent or empty port is the scheme's default (80 for `http`,
//!   443 for `https`, RFC 9110 §4.2.3), so `http://h:80/` agrees with `Host: h`.
//!   The authority must be a plain `host[:port]`: user info is refused (RFC 9110 §4.2.4
//!   forbids it in a target URI and tells recipients to treat it as an error), as is
//!   percent-encoding (DNS names need none, and a second spelling of a host would either
//!   compare unequal to `Host` or need decoding before the comparison), an empty host
//!   (RFC 9110 §4.2.1) and a port above 65535.
//! - **authority-form** (`host:port`, RFC 9112 §3.2.3) is for `CONNECT` and
//!   **asterisk-form** (`*`, RFC 9112 §3.2.4) for a server-wide `OPTIONS`; neither names a
//!   resource to upgrade, so both are refused.
//!
//! Everything here borrows the target; nothing is copied or allocated.

use super::HandshakeError;

/// A request target in one of the two forms a WebSocket upgrade may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target<'a> {
    /// The path: in absolute-form, the part after the authority, `/` when that is empty.
    pub(crate) path: &'a str,
    /// The query, after the first `?`.
    pub(crate) query: Option<&'a str>,
    /// The authority of an absolute-form target; `None` for origin-form.
    authority: Option<Authority<'a>>,
}

impl<'a> Target<'a> {
    /// Splits an origin-form target, or the part of an absolute-form one after its
    /// authority, into path and query.
    fn new(path_and_query: &'a str, authority: Option<Authority<'a>>) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        let path = if path.is_empty() { "/" } else { path };
        Self { path, query, authority }
    }

    /// The authority the request is for, given the (already validated) `Host` value:
    /// `host` itself for origin-form, the target's authority for absolute-form.
    ///
    /// # Errors
    ///
    /// [`HandshakeError::HostMismatch`] when an absolute-form target's authority and
    /// `host` name different hosts or ports.
    pub(crate) fn authority_for(&self, host: &'a str) -> Result<&'a str, HandshakeError> {
        match self.authority {
            None => Ok(host),
            Some(authority) if authority.agrees_with(host) => Ok(authority.text),
            Some(_) => Err(HandshakeError::HostMismatch),
        }
    }
}

/// Classifies a request target (already lexically valid: visible ASCII, non-empty) and
/// splits it into its parts.
///
/// # Errors
///
/// [`HandshakeError::UnsupportedTargetForm`] for authority-form and asterisk-form,
/// [`HandshakeError::UnsupportedTargetScheme`] for an absolute URI whose scheme is not
/// `http` or `https`, [`HandshakeError::InvalidTargetAuthority`] for an `http`/`https` URI
/// without a plain `host[:port]` authority, [`HandshakeError::InvalidTarget`] for a target
/// of no form at all (`chat`, `?x`).
pub(crate) fn parse_target(target: &str) -> Result<Target<'_>, HandshakeError> {
    if target.starts_with('/') {
        return Ok(Target::new(target, None));
    }
    if target == "*" || is_authority_form(target) {
        return Err(HandshakeError::UnsupportedTargetForm);
    }
    let (scheme, rest) = split_scheme(target).ok_or(HandshakeError::InvalidTarget)?;
    let scheme = Scheme::from_name(scheme).ok_or(HandshakeError::UnsupportedTargetScheme)?;
    let rest = rest.strip_prefix("//").ok_or(HandshakeError::InvalidTargetAuthority)?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) =
        rest.split_at_checked(end).ok_or(HandshakeError::InvalidTargetAuthority)?;
    let authority =
        Authority::parse(authority, scheme).ok_or(HandshakeError::InvalidTargetAuthority)?;
    Ok(Target::new(path_and_query, Some(authority)))
}

/// The schemes accepted in absolute-form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    /// Schemes compare case-insensitively (RFC 3986 §3.1).
    fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("http") {
            Some(Self::Http)
        } else if name.eq_ignore_ascii_case("https") {
            Some(Self::Https)
        } else {
            None
        }
    }

    /// The port an absent or empty port stands for (RFC 9110 §4.2.1, §4.2.2).
    const fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// A plain `host[:port]` authority of an absolute-form target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Authority<'a> {
    /// `host[:port]` as received.
    text: &'a str,
    /// The host: a registered name, an IPv4 address, or a bracketed IPv6 address.
    host: &'a str,
    /// The port, the scheme's default when absent or empty.
    port: u16,
    scheme: Scheme,
}

impl<'a> Authority<'a> {
    /// Parses `host[:port]`; `None` for anything else (user info, percent-encoding, an
    /// empty host, a port that is not a number up to 65535).
    fn parse(text: &'a str, scheme: Scheme) -> Option<Self> {
        let (host, port) = split_host_port(text)?;
        let port = match port {
            None | Some("") => scheme.default_port(),
            Some(digits) => parse_port(digits)?,
        };
        Some(Self { text, host, port, scheme })
    }

    /// Whether a `Host` value names this host and port: hosts ASCII case-insensitively,
    /// ports as numbers, an absent port being the target scheme's default.
    fn agrees_with(&self, host: &str) -> bool {
        Authority::parse(host, self.scheme).is_some_and(|other| {
            other.host.eq_ignore_ascii_case(self.host) && other.port == self.port
        })
    }
}

/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"` (RFC 3986 §3.1): the scheme and what
/// follows its colon.
fn split_scheme(target: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = target.split_once(':')?;
    let mut bytes = scheme.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    (first_ok && rest_ok).then_some((scheme, rest))
}

/// `uri-host ":" port` (RFC 9112 §3.2.3), the form `CONNECT` uses.
fn is_authority_form(target: &str) -> bool {
    target.rsplit_once(':').is_some_and(|(host, port)| {
        port.bytes().all(|b| b.is_ascii_digit())
            && split_host_port(host).is_some_and(|(_, p)| p.is_none())
    })
}

/// Splits `host[:port]`, checking the host: a non-empty registered name or IPv4 address
/// without percent-encoding, or an IPv6 address in brackets. The port is not checked.
fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if text.starts_with('[') {
        let end = text.find(']')?.checked_add(1)?;
        let (host, rest) = text.split_at_checked(end)?;
        let port = match rest {
            "" => None,
            rest => Some(rest.strip_prefix(':')?),
        };
        (is_ipv6_literal(host).then_some(host)?, port)
    } else {
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        };
        let ok = !host.is_empty() && host.bytes().all(is_reg_name_byte);
        (ok.then_some(host)?, port)
    };
    Some((host, port))
}

/// `unreserved / sub-delims` (RFC 3986 §3.2.2 `reg-name` without `pct-encoded`).
const fn is_reg_name_byte(b: u8) -> bool {
    matches!(b,
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~'
        | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=')
}

/// `[` IPv6 address `]`: hex digits, colons and dots (an embedded IPv4 address), with at
/// least one colon. IPvFuture and zone identifiers are refused.
fn is_ipv6_literal(host: &str) -> bool {
    let inner = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or_default();
    inner.contains(':') && inner.bytes().all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
}

/// A non-empty run of digits whose value fits a TCP port; leading zeros are allowed.
fn parse_port(digits: &str) -> Option<u16> {
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    // `u16::from_str` alone would also take a leading `+`.
    all_digits.then(|| digits.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(target: &str) -> Result<(&str, Option<&str>), HandshakeError> {
        parse_target(target).map(|t| (t.path, t.query))
    }

    fn authority(target: &str) -> Option<&str> {
        parse_target(target).ok()?.authority.map(|a| a.text)
    }

    #[test]
    fn origin_form_is_split_at_the_first_question_mark() {
        assert_eq!(parts("/"), Ok(("/", None)));
        assert_eq!(parts("/a/b?x=1?y"), Ok(("/a/b", Some("x=1?y"))));
        assert_eq!(parts("/?"), Ok(("/", Some(""))));
        // A path that looks like an authority is still a path.
        assert_eq!(parts("//evil.example/chat"), Ok(("//evil.example/chat", None)));
        assert_eq!(authority("//evil.example/chat"), None);
        let origin = parse_target("/chat").unwrap();
        assert_eq!(origin.authority_for("good.example"), Ok("good.example"));
    }

    #[test]
    fn absolute_form_gives_path_query_and_authority() {
        assert_eq!(parts("http://h/chat?x=1"), Ok(("/chat", Some("x=1"))));
        assert_eq!(authority("http://h/chat?x=1"), Some("h"));
        assert_eq!(parts("http://h"), Ok(("/", None)));
        assert_eq!(parts("http://h?x=1"), Ok(("/", Some("x=1"))));
        assert_eq!(parts("HTTPS://H:8443/a"), Ok(("/a", None)));
        assert_eq!(authority("HTTPS://H:8443/a"), Some("H:8443"));
        assert_eq!(authority("http://[::1]:8080/"), Some("[::1]:8080"));
        assert_eq!(authority("http://[::ffff:1.2.3.4]/"), Some("[::ffff:1.2.3.4]"));
        assert_eq!(authority("http://10.0.0.1:/"), Some("10.0.0.1:"));
    }

    #[test]
    fn other_forms_and_schemes_are_refused() {
        let cases = [
            ("*", HandshakeError::UnsupportedTargetForm),
            ("example.com:443", HandshakeError::UnsupportedTargetForm),
            ("[::1]:443", HandshakeError::UnsupportedTargetForm),
            ("localhost:", HandshakeError::UnsupportedTargetForm),
            ("ws://h/chat", HandshakeError::UnsupportedTargetScheme),
            ("wss://h/chat", HandshakeError::UnsupportedTargetScheme),
            ("ftp://h/", HandshakeError::UnsupportedTargetScheme),
            ("mailto:a@h", HandshakeError::UnsupportedTargetScheme),
            ("http:/chat", HandshakeError::InvalidTargetAuthority),
            ("chat", HandshakeError::InvalidTarget),
            ("?x=1", HandshakeError::InvalidTarget),
            ("1http://h/", HandshakeError::InvalidTarget),
            ("**", HandshakeError::InvalidTarget),
        ];
        for (target, error) in cases {
            assert_eq!(parse_target(target), Err(error), "{target}");
        }
    }

    #[test]
    fn authority_must_be_plain_host_and_port() {
        let refused = [
            "http://user@h/",
            "http://user:pass@h/",
            "http://@h/",
            "http://good.example@evil.example/",
            "http://ev%69l.example/",
            "http:///chat",
            "http://:80/",
            "http://h:8o/",
            "http://h:+80/",
            "http://h:65536/",
            "http://h:99999999999999999999/",
            "http://h:80:80/",
            "http://h#frag/",
            "http://h\\@evil/",
            "http://[::1/",
            "http://[]/",
            "http://[v1.x]/",
            "http://[fe80::1%25eth0]/",
            "http://[::1]x/",
        ];
        for target in refused {
            assert_eq!(
                parse_target(target),
                Err(HandshakeError::InvalidTargetAuthority),
                "{target}"
            );
        }
        assert_eq!(authority("http://h:65535/"), Some("h:65535"));
        assert_eq!(authority("http://h:0080/"), Some("h:0080"));
    }

    #[test]
    fn host_must_agree_with_the_absolute_authority() {
        fn agree<'a>(target: &'a str, host: &'a str) -> Result<&'a str, HandshakeError> {
            parse_target(target).unwrap().authority_for(host)
        }
        assert_eq!(agree("http://good.example/chat", "good.example"), Ok("good.example"));
        assert_eq!(agree("http://Good.Example/", "good.EXAMPLE"), Ok("Good.Example"));
        assert_eq!(agree("http://h:80/", "h"), Ok("h:80"));
        assert_eq!(agree("http://h/", "h:80"), Ok("h"));
        assert_eq!(agree("http://h:/", "h:0080"), Ok("h:"));
        assert_eq!(agree("https://h/", "h:443"), Ok("h"));
        assert_eq!(agree("http://[::1]/", "[::1]:80"), Ok("[::1]"));
        let mismatched = [
            ("http://evil.example/chat", "good.example"),
            ("http://h:8080/", "h"),
            ("http://h/", "h:8080"),
            ("http://h/", "h:443"),
            ("https://h/", "h:80"),
            ("https://h/", "h.example"),
            ("http://h/", "h%2e"),
            ("http://h/", "h:x"),
            ("http://[::1]/", "[0:0::1]"),
        ];
        for (target, host) in mismatched {
            assert_eq!(agree(target, host), Err(HandshakeError::HostMismatch), "{target} {host}");
        }
    }
}
