//! Opening handshake through the public API: RFC 6455 vectors, the design example, both
//! roles, rejections and limits.
#![cfg(feature = "alloc")]

use rfc6455::handshake::{
    accept_key, Accept, ClientHandshake, ClientKey, ClientRequest, HandshakeError, Limits,
    OriginPolicy, Reject, Request, ResponseError, ServerHandshake, Status, UsageError,
    MAX_SUBPROTOCOL_LEN,
};
use rfc6455::{BufferTooSmall, SliceSink};

/// The example request of design.md, as a client sends it.
const DESIGN_REQUEST: &[u8] = b"GET /stock_info/?encoding=text HTTP/1.1\r\n\
Host: echo.websocket.org\r\n\
Origin: http://websocket.org\r\n\
Cookie: __token=ubcxx13\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: uRovscZjNol/umbTt5uKmw==\r\n\
Upgrade: websocket\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

/// The 16 bytes behind `uRovscZjNol/umbTt5uKmw==`.
const DESIGN_NONCE: [u8; 16] =
    [185, 26, 47, 177, 198, 99, 54, 137, 127, 186, 102, 211, 183, 155, 138, 155];

/// `base64(sha1("uRovscZjNol/umbTt5uKmw==" + GUID))`, computed independently.
const DESIGN_ACCEPT: &str = "rLHCkw/SKsO9GAH/ZSFhBATDKrU=";

const MINIMAL: &str = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

fn parse(bytes: &[u8]) -> Result<Request<'_>, HandshakeError> {
    parse_within(bytes, &Limits::default())
}

fn parse_within<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Request<'a>, HandshakeError> {
    match ServerHandshake::new(*limits).parse_request(bytes)? {
        Status::Complete(request) => Ok(request),
        Status::Partial => panic!("partial: {:?}", bytes.escape_ascii().to_string()),
    }
}

/// The minimal valid request plus `extra` header lines.
fn with_headers(extra: &str) -> String {
    match extra.trim_end_matches("\r\n") {
        "" => format!("{MINIMAL}\r\n"),
        extra => format!("{MINIMAL}{extra}\r\n\r\n"),
    }
}

fn design_client() -> ClientRequest<'static> {
    ClientRequest::from_uri(
        "ws://echo.websocket.org/stock_info/?encoding=text",
        ClientKey::from_random(DESIGN_NONCE),
    )
    .unwrap()
    .with_origin(Some("http://websocket.org"))
    .with_headers(&[("Cookie", "__token=ubcxx13")])
}

/// A [`ResponseError`] reduced to what these tests compare.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    /// [`ResponseError::Rejected`] with its status code.
    Rejected(u16),
    /// [`ResponseError::Invalid`].
    Invalid(HandshakeError),
}

/// Parses a complete response `body` to `request`: the head length and chosen
/// subprotocol of a `101`, or why it was refused.
fn response_for(
    request: &ClientRequest<'_>,
    body: &[u8],
) -> Result<(usize, Option<String>), Refused> {
    match ClientHandshake::new(*request, Limits::default()).parse_response(body) {
        Ok(Status::Complete(accepted)) => {
            Ok((accepted.head_len(), accepted.subprotocol().map(str::to_owned)))
        }
        Ok(Status::Partial) => panic!("partial"),
        Err(ResponseError::Rejected(rejected)) => Err(Refused::Rejected(rejected.status())),
        Err(ResponseError::Invalid(error)) => Err(Refused::Invalid(error)),
    }
}

// ===== RFC 6455 and design.md vectors =====

#[test]
fn rfc6455_sample_key_gives_sample_accept() {
    assert_eq!(accept_key(b"dGhlIHNhbXBsZSBub25jZQ==").as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    let key = ClientKey::from_random(*b"the sample nonce");
    assert_eq!(key.as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
    assert_eq!(accept_key(key.as_str().as_bytes()), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

#[test]
fn design_example_server_sees_every_field() {
    let mut wire = DESIGN_REQUEST.to_vec();
    wire.extend_from_slice(&[0x81, 0x80, 1, 2, 3, 4]); // a pipelined empty masked text frame
    let request = parse(&wire).unwrap();
    assert_eq!(request.head_len(), DESIGN_REQUEST.len());
    assert_eq!(&wire[request.head_len()..], [0x81, 0x80, 1, 2, 3, 4]);
    assert_eq!(request.target(), "/stock_info/?encoding=text");
    assert_eq!(request.path(), "/stock_info/");
    assert_eq!(request.query(), Some("encoding=text"));
    assert_eq!(request.host(), "echo.websocket.org");
    assert_eq!(request.origin(), Some("http://websocket.org"));
    assert_eq!(request.key(), "uRovscZjNol/umbTt5uKmw==");
    assert_eq!(accept_key(request.key().as_bytes()), DESIGN_ACCEPT);
    assert_eq!(request.header("cookie"), Some(&b"__token=ubcxx13"[..]));
    assert_eq!(request.subprotocols().count(), 0);
    assert_eq!(request.extensions().count(), 0);
    let names: Vec<_> = request.headers().map(|h| h.name).collect();
    assert_eq!(
        names,
        [
            "Host",
            "Origin",
            "Cookie",
            "Connection",
            "Sec-WebSocket-Key",
            "Upgrade",
            "Sec-WebSocket-Version"
        ]
    );
}

#[test]
fn design_example_server_answer_is_exact() {
    let request = parse(DESIGN_REQUEST).unwrap();
    let cors = [("Access-Control-Allow-Origin", "http://websocket.org")];
    let mut out = Vec::new();
    let upgrade = request.accept(&Accept::new().with_headers(&cors), &mut out).unwrap();
    assert_eq!(upgrade.head_len(), DESIGN_REQUEST.len());
    let expected = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {DESIGN_ACCEPT}\r\n\
         Access-Control-Allow-Origin: http://websocket.org\r\n\r\n"
    );
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[test]
fn design_example_client_builds_the_same_request_fields() {
    let client = design_client();
    let mut out = Vec::new();
    client.write(&mut out).unwrap();
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        "GET /stock_info/?encoding=text HTTP/1.1\r\nHost: echo.websocket.org\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: uRovscZjNol/umbTt5uKmw==\r\n\
         Sec-WebSocket-Version: 13\r\nOrigin: http://websocket.org\r\nCookie: __token=ubcxx13\r\n\r\n"
    );
    let request = parse(&out).unwrap();
    let reference = parse(DESIGN_REQUEST).unwrap();
    assert_eq!(request.target(), reference.target());
    assert_eq!(request.host(), reference.host());
    assert_eq!(request.origin(), reference.origin());
    assert_eq!(request.key(), reference.key());
    assert_eq!(request.header("Cookie"), reference.header("Cookie"));
}

#[test]
fn design_example_client_accepts_a_real_world_101() {
    let response = format!(
        "HTTP/1.1 101 WebSocket Protocol Handshake\r\n\
         Date: Fri, 10 Feb 2012 17:38:18 GMT\r\n\
         connection: upgrade\r\n\
         Upgrade:WebSocket\r\n\
         Access-Control-Allow-Origin: http://websocket.org\r\n\
         Access-Control-Allow-Credentials: true\r\n\
         Sec-WebSocket-Accept: {DESIGN_ACCEPT}\r\n\
         Access-Control-Allow-Headers: content-type\r\n\r\n"
    );
    let (len, subprotocol) = response_for(&design_client(), response.as_bytes()).unwrap();
    assert_eq!(len, response.len());
    assert_eq!(subprotocol, None);
}

#[test]
fn design_example_client_rejects_any_wrong_accept() {
    let wrong = [
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", // the RFC's, for another key
        "rLHCkw/SKsO9GAH/ZSFhBATDKrU",  // truncated
        "RLHCKW/SKSO9GAH/ZSFHBATDKRU=", // case changed
        "rLHCkw/SKsO9GAH/ZSFhBATDKrU=x",
        "uRovscZjNol/umbTt5uKmw==", // the key echoed
        "",
    ];
    for accept in wrong {
        let response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {accept}\r\n\r\n"
        );
        let error = response_for(&design_client(), response.as_bytes()).unwrap_err();
        assert_eq!(error, Refused::Invalid(HandshakeError::InvalidAccept), "{accept}");
    }
    let missing =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    let error = response_for(&design_client(), missing.as_bytes()).unwrap_err();
    assert_eq!(error, Refused::Invalid(HandshakeError::MissingHeader("Sec-WebSocket-Accept")));
    let padded = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: \t {DESIGN_ACCEPT} \r\n\r\n"
    );
    assert!(
        response_for(&design_client(), padded.as_bytes()).is_ok(),
        "whitespace is not part of the value"
    );
}

// ===== Server validation =====

#[test]
fn malformed_requests_get_the_right_status() {
    let cases: &[(&str, u16)] = &[
        ("POST / HTTP/1.1\r\nHost: h\r\n\r\n", 405),
        ("get / HTTP/1.1\r\nHost: h\r\n\r\n", 405),
        ("GET / HTTP/1.0\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 426),
    ];
    for (wire, status) in cases {
        let error = parse(wire.as_bytes()).unwrap_err();
        assert_eq!(error.status(), *status, "{wire:?}: {error}");
    }
    let header_cases: &[(&str, HandshakeError)] = &[
        ("Sec-WebSocket-Version: 8", HandshakeError::DuplicateHeader("Sec-WebSocket-Version")),
        (
            "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==",
            HandshakeError::DuplicateHeader("Sec-WebSocket-Key"),
        ),
        ("Host: other", HandshakeError::DuplicateHeader("Host")),
        ("Origin: a\r\nOrigin: b", HandshakeError::DuplicateHeader("Origin")),
        ("Origin: http://caf\u{e9}", HandshakeError::InvalidHeader("Origin")),
        (
            "Sec-WebSocket-Protocol: chat, two words",
            HandshakeError::InvalidHeader("Sec-WebSocket-Protocol"),
        ),
        (
            "Sec-WebSocket-Extensions: foo; =1",
            HandshakeError::InvalidHeader("Sec-WebSocket-Extensions"),
        ),
        ("Content-Length: 5", HandshakeError::UnexpectedBody),
        ("Transfer-Encoding: chunked", HandshakeError::UnexpectedBody),
    ];
    for (extra, expected) in header_cases {
        let wire = with_headers(extra);
        assert_eq!(parse(wire.as_bytes()).unwrap_err(), *expected, "{extra}");
        assert_eq!(expected.status(), 400);
    }
    assert!(parse(with_headers("Content-Length: 0").as_bytes()).is_ok());
}

#[test]
fn websocket_version_and_key_are_checked() {
    let base = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    let cases: &[(&str, HandshakeError)] = &[
        (
            "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            HandshakeError::UnsupportedWebSocketVersion,
        ),
        (
            "Sec-WebSocket-Version: 13, 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            HandshakeError::UnsupportedWebSocketVersion,
        ),
        ("Sec-WebSocket-Version: 13", HandshakeError::MissingHeader("Sec-WebSocket-Key")),
        (
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ",
            HandshakeError::InvalidHeader("Sec-WebSocket-Key"),
        ),
        (
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA",
            HandshakeError::InvalidHeader("Sec-WebSocket-Key"),
        ),
        (
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAA",
            HandshakeError::InvalidHeader("Sec-WebSocket-Key"),
        ),
    ];
    for (extra, expected) in cases {
        let wire = format!("{base}{extra}\r\n\r\n");
        assert_eq!(parse(wire.as_bytes()).unwrap_err(), *expected, "{extra}");
    }
}

#[test]
fn version_rejection_lists_version_13() {
    let wire = MINIMAL.replace("Version: 13", "Version: 8") + "\r\n";
    let error = parse(wire.as_bytes()).unwrap_err();
    assert_eq!(error.status(), 426);
    let mut out = Vec::new();
    Reject::from_error(error).write(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"), "{text}");
    assert!(text.contains("\r\nSec-WebSocket-Version: 13\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nunsupported websocket version\n"), "{text}");
}

#[test]
fn header_lists_are_case_insensitive_and_may_span_lines() {
    let variants = [
        "GET / HTTP/1.1\r\nhost:h\r\nupgrade:WebSocket\r\nconnection:keep-alive, Upgrade\r\n",
        "GET / HTTP/1.1\r\nHOST: h\r\nUPGRADE: websocket, h2c\r\nCONNECTION: keep-alive\r\nConnection:  UPGRADE \r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive,,upgrade,\r\n",
    ];
    for start in variants {
        let wire = format!(
            "{start}sec-websocket-key:dGhlIHNhbXBsZSBub25jZQ==\r\nSEC-WEBSOCKET-VERSION:13\r\n\r\n"
        );
        let request = parse(wire.as_bytes()).unwrap();
        assert_eq!(request.host(), "h");
        assert_eq!(request.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    }
}

#[test]
fn subprotocols_merge_across_lines_and_selection_is_checked() {
    let wire =
        with_headers("Sec-WebSocket-Protocol: chat, v2.chat\r\nSec-WebSocket-Protocol: ,superchat");
    let request = parse(wire.as_bytes()).unwrap();
    assert_eq!(request.subprotocols().collect::<Vec<_>>(), ["chat", "v2.chat", "superchat"]);
    assert_eq!(request.select_subprotocol(&["superchat", "chat"]), Some("superchat"));
    assert_eq!(request.select_subprotocol(&["mqtt"]), None);

    let mut out = Vec::new();
    let bad = Accept::new().with_subprotocol(Some("mqtt"));
    assert_eq!(request.accept(&bad, &mut out), Err(UsageError::SubprotocolNotOffered));
    assert!(out.is_empty());
    let good = Accept::new().with_subprotocol(Some("v2.chat"));
    request.accept(&good, &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("\r\nSec-WebSocket-Protocol: v2.chat\r\n"));

    let mut out = Vec::new();
    request.accept(&Accept::new(), &mut out).unwrap();
    assert!(
        !String::from_utf8(out).unwrap().contains("Sec-WebSocket-Protocol"),
        "R25: none chosen"
    );
}

#[test]
fn extension_offers_are_parsed_with_parameters() {
    let wire = with_headers(
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-webkit-deflate-frame\r\n\
         Sec-WebSocket-Extensions: permessage-deflate ; server_max_window_bits=\"10\" ; client_no_context_takeover",
    );
    let request = parse(wire.as_bytes()).unwrap();
    let offers: Vec<_> = request.extensions().collect();
    let names: Vec<_> = offers.iter().map(|e| e.name()).collect();
    assert_eq!(names, ["permessage-deflate", "x-webkit-deflate-frame", "permessage-deflate"]);
    let first: Vec<_> = offers[0].params().map(|p| (p.name(), p.value())).collect();
    assert_eq!(first, [("client_max_window_bits", None)]);
    let third: Vec<_> = offers[2].params().collect();
    assert_eq!(third.len(), 2);
    assert_eq!(third[0].name(), "server_max_window_bits");
    let bits = third[0].value().unwrap();
    assert!(bits.is_quoted());
    assert_eq!(bits.as_str(), Some("10"));
    assert_eq!(third[1].name(), "client_no_context_takeover");

    let mut out = Vec::new();
    let accept = Accept::new().with_extensions(&["x-webkit-deflate-frame; level=1"]);
    request.accept(&accept, &mut out).unwrap();
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("\r\nSec-WebSocket-Extensions: x-webkit-deflate-frame; level=1\r\n"));
    let mut out = Vec::new();
    let by_hand = Accept::new().with_extensions(&["permessage-deflate; server_max_window_bits=10"]);
    assert_eq!(request.accept(&by_hand, &mut out), Err(UsageError::ReservedExtension));
    let unoffered = Accept::new().with_extensions(&["x-other"]);
    assert_eq!(request.accept(&unoffered, &mut out), Err(UsageError::ExtensionNotOffered));
    let malformed = Accept::new().with_extensions(&["permessage-deflate;"]);
    assert_eq!(request.accept(&malformed, &mut out), Err(UsageError::InvalidExtension));
}

#[test]
fn other_headers_are_exposed_in_order() {
    let wire = with_headers("Cookie: a=1; b=2\r\nAuthorization: Bearer x\r\nX-Empty:");
    let request = parse(wire.as_bytes()).unwrap();
    let extra: Vec<_> = request.headers().skip(5).map(|h| (h.name, h.value)).collect();
    assert_eq!(
        extra,
        [("Cookie", &b"a=1; b=2"[..]), ("Authorization", b"Bearer x"), ("X-Empty", b"")]
    );
    assert_eq!(request.header("AUTHORIZATION"), Some(&b"Bearer x"[..]));
}

#[test]
fn accept_refuses_bad_extra_headers_and_small_buffers() {
    let request = parse(DESIGN_REQUEST).unwrap();
    let mut out = Vec::new();
    for headers in
        [&[("Set-Cookie", "a=1\r\nX-Injected: 1")][..], &[("Bad Name", "1")][..], &[("", "1")][..]]
    {
        let accept = Accept::new().with_headers(headers);
        assert_eq!(request.accept(&accept, &mut out), Err(UsageError::InvalidHeader));
    }
    let accept = Accept::new().with_headers(&[("sec-websocket-accept", "x")]);
    assert_eq!(request.accept(&accept, &mut out), Err(UsageError::ReservedHeader));
    assert!(out.is_empty());

    let mut buf = [0u8; 64];
    let mut sink = SliceSink::new(&mut buf);
    let error = request.accept(&Accept::new(), &mut sink).unwrap_err();
    assert_eq!(error, UsageError::BufferTooSmall(BufferTooSmall { required: 129 }));
    assert!(sink.is_empty());
}

#[test]
fn origin_policies() {
    let request = parse(DESIGN_REQUEST).unwrap();
    assert_eq!(OriginPolicy::AllowAny.check(&request), Ok(()));
    assert_eq!(OriginPolicy::SameHost.check(&request), Err(HandshakeError::ForbiddenOrigin));
    assert_eq!(OriginPolicy::AllowList(&["HTTP://WebSocket.org"]).check(&request), Ok(()));
    let denied = OriginPolicy::AllowList(&["https://websocket.org"]).check(&request).unwrap_err();
    assert_eq!(denied.status(), 403);
    let mut out = Vec::new();
    Reject::from_error(denied).write(&mut out).unwrap();
    assert!(out.starts_with(b"HTTP/1.1 403 Forbidden\r\n"));

    let same = with_headers("Origin: https://H");
    assert_eq!(OriginPolicy::SameHost.check(&parse(same.as_bytes()).unwrap()), Ok(()));
    let other_port = with_headers("Origin: https://h:8443");
    let request = parse(other_port.as_bytes()).unwrap();
    assert_eq!(OriginPolicy::SameHost.check(&request), Err(HandshakeError::ForbiddenOrigin));
    let no_origin = with_headers("");
    let request = parse(no_origin.as_bytes()).unwrap();
    assert_eq!(OriginPolicy::AllowList(&[]).check(&request), Ok(()), "non-browser clients pass");
}

#[test]
fn caller_rejections_carry_status_headers_and_body() {
    let mut out = Vec::new();
    let headers = [("WWW-Authenticate", "Bearer realm=\"ws\"")];
    Reject::new(401).with_headers(&headers).with_body(b"log in first").write(&mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 12\r\n\
         Content-Type: text/plain; charset=utf-8\r\nWWW-Authenticate: Bearer realm=\"ws\"\r\n\r\n\
         log in first"
    );
    let mut out = Vec::new();
    Reject::new(404).write(&mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
}

// ===== Request targets (RFC 9112 §3.2) =====

/// A valid upgrade request with `target` on the request line and `host` as the `Host`
/// header (`None`: no `Host` line), plus `extra` header lines.
fn with_target(target: &str, host: Option<&str>, extra: &str) -> String {
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    format!(
        "GET {target} HTTP/1.1\r\n{host}Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

#[test]
fn absolute_form_with_another_host_is_refused() {
    // Before: accepted, `path()` was the whole URI and `SameHost` checked `Host`.
    let wire = with_target(
        "http://evil.example/chat",
        Some("good.example"),
        "Origin: http://good.example\r\n",
    );
    let error = parse(wire.as_bytes()).unwrap_err();
    assert_eq!(error, HandshakeError::HostMismatch);
    assert_eq!(error.status(), 400);
    let mut out = Vec::new();
    Reject::from_error(error).write(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nHost header does not match the request target\n"), "{text}");
}

#[test]
fn matching_absolute_form_is_accepted_with_its_path() {
    let wire = with_target(
        "http://good.example/chat?room=1",
        Some("good.example"),
        "Origin: http://good.example\r\n",
    );
    let request = parse(wire.as_bytes()).unwrap();
    assert_eq!(request.path(), "/chat");
    assert_eq!(request.query(), Some("room=1"));
    assert_eq!(request.target(), "http://good.example/chat?room=1");
    assert_eq!(request.host(), "good.example");
    assert_eq!(request.header("Host"), Some(&b"good.example"[..]));
    assert_eq!(OriginPolicy::SameHost.check(&request), Ok(()));
    let mut out = Vec::new();
    request.accept(&Accept::new(), &mut out).unwrap();
    assert!(out.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));

    // Without a path, the path is `/`.
    for (target, query) in [("http://good.example", None), ("http://good.example?x", Some("x"))] {
        let wire = with_target(target, Some("good.example"), "");
        let request = parse(wire.as_bytes()).unwrap();
        assert_eq!((request.path(), request.query()), ("/", query), "{target}");
    }
}

#[test]
fn absolute_form_authority_is_the_host_origin_policies_see() {
    // The target's spelling wins; `Host` only has to agree with it.
    let wire = with_target(
        "http://Chat.Example:8080/",
        Some("chat.example:8080"),
        "Origin: http://chat.example:8080\r\n",
    );
    let request = parse(wire.as_bytes()).unwrap();
    assert_eq!(request.host(), "Chat.Example:8080");
    assert_eq!(OriginPolicy::SameHost.check(&request), Ok(()));

    let wire = with_target(
        "https://chat.example/",
        Some("chat.example:443"),
        "Origin: https://chat.example\r\n",
    );
    let request = parse(wire.as_bytes()).unwrap();
    assert_eq!(request.host(), "chat.example");
    assert_eq!(OriginPolicy::SameHost.check(&request), Ok(()));
    let foreign = with_target(
        "https://chat.example/",
        Some("chat.example:443"),
        "Origin: https://evil.example\r\n",
    );
    let request = parse(foreign.as_bytes()).unwrap();
    assert_eq!(OriginPolicy::SameHost.check(&request), Err(HandshakeError::ForbiddenOrigin));
}

#[test]
fn absolute_form_host_and_port_must_agree_with_host() {
    let agreeing = [
        ("http://h/", "h"),
        ("http://h/", "H"),
        ("http://h:80/", "h"),
        ("http://h/", "h:80"),
        ("http://h:/", "h"),
        ("HTTP://h:8080/", "h:8080"),
        ("https://h/", "h"),
        ("https://h:443/", "h"),
        ("https://h/", "h:443"),
        ("http://10.0.0.1:8000/", "10.0.0.1:8000"),
        ("http://[::1]/", "[::1]:80"),
    ];
    for (target, host) in agreeing {
        assert!(parse(with_target(target, Some(host), "").as_bytes()).is_ok(), "{target} {host}");
    }
    let mismatched = [
        ("http://h:8080/", "h"),
        ("http://h/", "h:8080"),
        ("http://h:8080/", "h:8081"),
        ("http://h/", "h:443"),
        ("https://h/", "h:80"),
        ("https://h:8443/", "h:443"),
        ("http://h/", "h.example"),
        ("http://h.example/", "h"),
        ("http://[::1]/", "[0:0::1]"),
    ];
    for (target, host) in mismatched {
        let error = parse(with_target(target, Some(host), "").as_bytes()).unwrap_err();
        assert_eq!(error, HandshakeError::HostMismatch, "{target} {host}");
        assert_eq!(error.status(), 400);
    }
}

#[test]
fn absolute_form_still_needs_one_valid_host() {
    let missing = with_target("http://h/chat", None, "");
    assert_eq!(parse(missing.as_bytes()).unwrap_err(), HandshakeError::MissingHeader("Host"));
    let twice = with_target("http://h/chat", Some("h"), "Host: h\r\n");
    assert_eq!(parse(twice.as_bytes()).unwrap_err(), HandshakeError::DuplicateHeader("Host"));
    let empty = with_target("http://h/chat", Some(""), "");
    assert_eq!(parse(empty.as_bytes()).unwrap_err(), HandshakeError::InvalidHeader("Host"));
}

#[test]
fn authority_and_asterisk_forms_are_refused_with_400() {
    for target in ["good.example:443", "[::1]:8080", "localhost:", "*"] {
        let error = parse(with_target(target, Some("good.example"), "").as_bytes()).unwrap_err();
        assert_eq!(error, HandshakeError::UnsupportedTargetForm, "{target}");
        assert_eq!(error.status(), 400);
    }
    // Refused at the request line, before any header is looked at.
    let bare = b"GET * HTTP/1.1\r\n\r\n";
    assert_eq!(parse(bare).unwrap_err(), HandshakeError::UnsupportedTargetForm);
}

#[test]
fn absolute_form_takes_http_and_https_only() {
    for target in ["ws://h/chat", "wss://h/chat", "ftp://h/", "file:///etc/passwd", "urn:x:y"] {
        let error = parse(with_target(target, Some("h"), "").as_bytes()).unwrap_err();
        assert_eq!(error, HandshakeError::UnsupportedTargetScheme, "{target}");
        assert_eq!(error.status(), 400);
    }
    for target in ["chat", "?x=1", "1http://h/", "-://h/"] {
        let error = parse(with_target(target, Some("h"), "").as_bytes()).unwrap_err();
        assert_eq!(error, HandshakeError::InvalidTarget, "{target}");
    }
}

#[test]
fn absolute_form_authority_must_be_plain_host_and_port() {
    // RFC 9110 §4.2.4: user info in an http(s) target is an error. It is also the classic
    // way to make one URI name two hosts to two parsers.
    let refused = [
        "http://user@h/",
        "http://user:secret@h/",
        "http://h@evil.example/",
        "http://@h/",
        "http://%68/",
        "http://h%2eexample/",
        "http:///chat",
        "http://:80/",
        "http:/chat",
        "http://h:65536/",
        "http://h:http/",
        "http://h#@evil.example/",
        "http://[::1/",
    ];
    for target in refused {
        let error = parse(with_target(target, Some("h"), "").as_bytes()).unwrap_err();
        assert_eq!(error, HandshakeError::InvalidTargetAuthority, "{target}");
        assert_eq!(error.status(), 400);
    }
}

#[test]
fn origin_form_is_unchanged() {
    // A path that starts like an authority is a path; the host is `Host`.
    let wire = with_target("//evil.example/chat?x", Some("good.example"), "");
    let request = parse(wire.as_bytes()).unwrap();
    assert_eq!((request.path(), request.query()), ("//evil.example/chat", Some("x")));
    assert_eq!(request.host(), "good.example");
    let wire = with_target("/a:b@c/?d=http://e", Some("h"), "");
    let request = parse(wire.as_bytes()).unwrap();
    assert_eq!((request.path(), request.query()), ("/a:b@c/", Some("d=http://e")));
}

// ===== Limits =====

#[test]
fn trickled_endless_header_is_refused_at_the_limit() {
    let limits = Limits::default();
    let mut wire = b"GET / HTTP/1.1\r\nX-Long: ".to_vec();
    wire.resize(limits.max_head_len + 100, b'a');
    let mut server = ServerHandshake::new(limits);
    let mut refused_at = None;
    for end in 1..=wire.len() {
        match server.parse_request(&wire[..end]) {
            Ok(Status::Partial) => {}
            Err(error) => {
                refused_at = Some((end, error));
                break;
            }
            Ok(Status::Complete(_)) => panic!("complete"),
        }
    }
    assert_eq!(refused_at, Some((limits.max_head_len, HandshakeError::HeadTooLarge)));
    assert_eq!(HandshakeError::HeadTooLarge.status(), 431);
}

#[test]
fn too_many_headers_are_refused() {
    let limits = Limits::default();
    let extra: String = (0..limits.max_headers).map(|i| format!("X-{i}: v\r\n")).collect();
    let error = parse(with_headers(&extra).as_bytes()).unwrap_err();
    assert_eq!(error, HandshakeError::TooManyHeaders);
    let mut out = Vec::new();
    Reject::from_error(error).write(&mut out).unwrap();
    assert!(out.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"));

    let mut small = Limits::default();
    small.max_headers = 5;
    assert!(parse_within(with_headers("").as_bytes(), &small).is_ok());
    let error = parse_within(with_headers("X: 1").as_bytes(), &small).unwrap_err();
    assert_eq!(error, HandshakeError::TooManyHeaders);
}

#[test]
fn smuggling_shapes_are_refused_with_400() {
    let cases = ["Host : h", "X: a\r\n folded", "X: a\rb", "X: a\0b", "X\t: a", "X(: a"];
    for extra in cases {
        let wire = with_headers(extra);
        let error = parse(wire.as_bytes()).unwrap_err();
        assert_eq!(error.status(), 400, "{extra:?}: {error}");
    }
    let lf_only = MINIMAL.replace("\r\n", "\n") + "\n";
    assert_eq!(parse(lf_only.as_bytes()).unwrap_err(), HandshakeError::InvalidLineEnding);
    let unterminated = MINIMAL.as_bytes();
    let mut server = ServerHandshake::new(Limits::default());
    assert!(server.parse_request(unterminated).unwrap().is_partial());
}

// ===== Client side =====

#[test]
fn uri_forms_map_to_target_and_host() {
    let key = ClientKey::from_random([0; 16]);
    let cases = [
        ("ws://h", "GET / HTTP/1.1\r\nHost: h\r\n", 80),
        ("ws://h?x=1", "GET /?x=1 HTTP/1.1\r\nHost: h\r\n", 80),
        ("ws://h:80/a", "GET /a HTTP/1.1\r\nHost: h\r\n", 80),
        ("ws://h:8080/a", "GET /a HTTP/1.1\r\nHost: h:8080\r\n", 8080),
        ("WSS://h:443/a/b?c=d&e", "GET /a/b?c=d&e HTTP/1.1\r\nHost: h\r\n", 443),
        ("wss://h:80/", "GET / HTTP/1.1\r\nHost: h:80\r\n", 80),
        ("ws://[::1]/", "GET / HTTP/1.1\r\nHost: [::1]\r\n", 80),
        ("wss://[fe80::1]:9000/", "GET / HTTP/1.1\r\nHost: [fe80::1]:9000\r\n", 9000),
        (
            "ws://127.0.0.1:9001/runCase?case=1&agent=x",
            "GET /runCase?case=1&agent=x HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n",
            9001,
        ),
    ];
    for (uri, start, port) in cases {
        let request = ClientRequest::from_uri(uri, key).unwrap();
        assert_eq!(request.port(), port, "{uri}");
        let mut out = Vec::new();
        request.write(&mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().starts_with(start), "{uri}");
    }
    for bad in [
        "http://h/",
        "ws:/h",
        "ws://",
        "ws://h/#frag",
        "ws://user@h/",
        "ws://h:/",
        "ws://h:99999/",
        "ws://h:8x/",
        "ws://[::1/",
        "ws://::1/",
    ] {
        assert_eq!(ClientRequest::from_uri(bad, key), Err(UsageError::InvalidUri), "{bad}");
    }
}

#[test]
fn request_from_parts() {
    let key = ClientKey::from_random([0; 16]);
    let mut out = Vec::new();
    ClientRequest::new("::1", "/x", key).with_port(8080).write(&mut out).unwrap();
    assert!(out.starts_with(b"GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n"));
    let mut out = Vec::new();
    ClientRequest::new("example.com", "/", key)
        .with_secure(true)
        .with_port(443)
        .write(&mut out)
        .unwrap();
    assert!(out.starts_with(b"GET / HTTP/1.1\r\nHost: example.com\r\n"));
}

#[test]
fn builder_refuses_invalid_input() {
    let key = ClientKey::from_random([0; 16]);
    let base = ClientRequest::new("h", "/", key);
    let too_long = &*"p".repeat(MAX_SUBPROTOCOL_LEN + 1);
    let too_long = &[too_long];
    let mut out = Vec::new();
    let cases: &[(ClientRequest<'_>, UsageError)] = &[
        (base.with_subprotocols(&["chat", "chat"]), UsageError::InvalidSubprotocol),
        (base.with_subprotocols(&[""]), UsageError::InvalidSubprotocol),
        (base.with_subprotocols(&["a,b"]), UsageError::InvalidSubprotocol),
        (base.with_subprotocols(&["a b"]), UsageError::InvalidSubprotocol),
        (base.with_extensions(&["permessage-deflate; x="]), UsageError::InvalidExtension),
        (base.with_extensions(&["x-a, permessage-deflate"]), UsageError::ReservedExtension),
        (base.with_subprotocols(too_long), UsageError::SubprotocolTooLong),
        (base.with_headers(&[("Sec-WebSocket-Key", "x")]), UsageError::ReservedHeader),
        (base.with_headers(&[("X", "a\nb")]), UsageError::InvalidHeader),
        (base.with_origin(Some("http://a\r\nX: y")), UsageError::InvalidHeader),
        (ClientRequest::new("a b", "/", key), UsageError::InvalidHost),
        (ClientRequest::new("", "/", key), UsageError::InvalidHost),
        (ClientRequest::new("h", "x", key), UsageError::InvalidTarget),
        (ClientRequest::new("h", "/a b", key), UsageError::InvalidTarget),
        (ClientRequest::new("h", "/a#b", key), UsageError::InvalidTarget),
    ];
    for (request, error) in cases {
        assert_eq!(request.write(&mut out), Err(*error), "{request:?}");
        assert!(out.is_empty());
    }
}

fn server_answer(client: &ClientRequest<'_>, extra: &str) -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{extra}\r\n",
        accept_key(client.key().as_str().as_bytes())
    )
}

#[test]
fn client_checks_subprotocol_and_extensions_against_its_offer() {
    let key = ClientKey::from_random([3; 16]);
    let client = ClientRequest::new("h", "/", key)
        .with_subprotocols(&["chat", "superchat"])
        .with_extensions(&["x-custom; level"]);
    let ok = server_answer(
        &client,
        "Sec-WebSocket-Protocol: superchat\r\nSec-WebSocket-Extensions: x-custom; level=1\r\n",
    );
    let (_, subprotocol) = response_for(&client, ok.as_bytes()).unwrap();
    assert_eq!(subprotocol.as_deref(), Some("superchat"));

    let cases: &[(&str, HandshakeError)] = &[
        ("Sec-WebSocket-Protocol: mqtt\r\n", HandshakeError::UnexpectedSubprotocol),
        ("Sec-WebSocket-Protocol: chat, superchat\r\n", HandshakeError::UnexpectedSubprotocol),
        (
            "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n",
            HandshakeError::DuplicateHeader("Sec-WebSocket-Protocol"),
        ),
        ("Sec-WebSocket-Extensions: x-other\r\n", HandshakeError::UnexpectedExtension),
        ("Sec-WebSocket-Extensions: permessage-deflate\r\n", HandshakeError::UnexpectedExtension),
        (
            "Sec-WebSocket-Extensions: x-custom;\r\n",
            HandshakeError::InvalidHeader("Sec-WebSocket-Extensions"),
        ),
        ("Sec-WebSocket-Accept: x\r\n", HandshakeError::DuplicateHeader("Sec-WebSocket-Accept")),
    ];
    for (extra, expected) in cases {
        let wire = server_answer(&client, extra);
        match response_for(&client, wire.as_bytes()) {
            Err(Refused::Invalid(error)) => assert_eq!(error, *expected, "{extra}"),
            other => panic!("{extra}: {other:?}"),
        }
    }
    let plain = ClientRequest::new("h", "/", key);
    let wire = server_answer(&plain, "Sec-WebSocket-Protocol: chat\r\n");
    assert_eq!(
        response_for(&plain, wire.as_bytes()),
        Err(Refused::Invalid(HandshakeError::UnexpectedSubprotocol))
    );
}

#[test]
fn client_checks_upgrade_and_connection() {
    let client = ClientRequest::new("h", "/", ClientKey::from_random([5; 16]));
    let accept = accept_key(client.key().as_str().as_bytes());
    let cases: &[(String, HandshakeError)] = &[
        (format!("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), HandshakeError::MissingHeader("Upgrade")),
        (format!("HTTP/1.1 101 OK\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), HandshakeError::InvalidHeader("Upgrade")),
        (format!("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), HandshakeError::InvalidHeader("Connection")),
        (format!("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: close\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), HandshakeError::InvalidHeader("Connection")),
        (format!("HTTP/1.0 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), HandshakeError::UnsupportedHttpVersion),
    ];
    for (wire, expected) in cases {
        match response_for(&client, wire.as_bytes()) {
            Err(Refused::Invalid(error)) => assert_eq!(error, *expected, "{wire}"),
            other => panic!("{wire}: {other:?}"),
        }
    }
}

#[test]
fn non_101_responses_expose_status_and_headers() {
    let client = ClientRequest::new("h", "/", ClientKey::from_random([5; 16]));
    let wire = b"HTTP/1.1 302 Found\r\nLocation: ws://elsewhere/\r\nContent-Length: 3\r\n\r\nabc";
    let header = |headers: rfc6455::handshake::Headers<'_>, name: &str| {
        headers.filter(|h| h.is(name)).map(|h| h.value.to_vec()).next()
    };
    match ClientHandshake::new(client, Limits::default()).parse_response(wire) {
        Err(ResponseError::Rejected(rejected)) => {
            assert_eq!(rejected.status(), 302);
            assert_eq!(
                header(rejected.headers(wire), "location"),
                Some(b"ws://elsewhere/".to_vec())
            );
            assert_eq!(&wire[rejected.head_len()..], b"abc");
            assert_eq!(rejected.headers(wire).count(), 2);
            // Another buffer gives no header rather than a misreading.
            assert_eq!(rejected.headers(b"HTTP/1.1 302 Found\r\n\r\n").count(), 0);
            assert_eq!(rejected.headers(b"").count(), 0);
        }
        other => panic!("{other:?}"),
    }
    let wire = b"HTTP/1.1 401 \r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n";
    match ClientHandshake::new(client, Limits::default()).parse_response(wire) {
        Err(error @ ResponseError::Rejected(rejected)) => {
            assert_eq!(rejected.status(), 401);
            assert_eq!(
                header(rejected.headers(wire), "WWW-Authenticate"),
                Some(b"Basic realm=\"x\"".to_vec())
            );
            assert_eq!(error.to_string(), "server answered 401");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn client_handshake_trickle_and_trailing_frames() {
    let client = design_client();
    let mut handshake = ClientHandshake::new(client, Limits::default());
    let mut wire = server_answer(&client, "").into_bytes();
    assert!(String::from_utf8_lossy(&wire).contains(DESIGN_ACCEPT));
    let head_len = wire.len();
    wire.extend_from_slice(&[0x81, 0x02, b'h', b'i']);
    for end in 0..head_len {
        assert!(matches!(handshake.parse_response(&wire[..end]), Ok(Status::Partial)), "{end}");
    }
    match handshake.parse_response(&wire) {
        Ok(Status::Complete(upgrade)) => {
            assert_eq!(upgrade.head_len(), head_len);
            assert_eq!(upgrade.leftover(&mut wire), [0x81, 0x02, b'h', b'i']);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn full_exchange_between_both_roles() {
    let key = ClientKey::from_random([9; 16]);
    let client = ClientRequest::from_uri("wss://chat.example:8443/room/1?token=abc", key)
        .unwrap()
        .with_subprotocols(&["v2.chat", "chat"])
        .with_extensions(&["x-custom; level"])
        .with_origin(Some("https://chat.example:8443"))
        .with_headers(&[("Authorization", "Bearer t")]);
    let mut buf = [0u8; 1024];
    let mut sink = SliceSink::new(&mut buf);
    let n = client.write(&mut sink).unwrap();
    assert_eq!(n, sink.len());

    let mut server = ServerHandshake::default();
    let request = server.parse_request(sink.filled()).unwrap().complete().unwrap();
    assert_eq!(request.host(), "chat.example:8443");
    assert_eq!(request.target(), "/room/1?token=abc");
    assert_eq!(OriginPolicy::SameHost.check(&request), Ok(()));
    assert_eq!(request.header("authorization"), Some(&b"Bearer t"[..]));
    let chosen = request.select_subprotocol(&["chat"]);
    let accept = Accept::new()
        .with_subprotocol(chosen)
        .with_extensions(&["x-custom"])
        .with_headers(&[("Set-Cookie", "session=1")]);
    let mut answer = Vec::new();
    let server_upgrade = request.accept(&accept, &mut answer).unwrap();
    assert_eq!(server_upgrade.subprotocol(), Some("chat"));

    match ClientHandshake::new(client, Limits::default()).parse_response(&answer) {
        Ok(Status::Complete(upgrade)) => {
            assert_eq!(upgrade.subprotocol(), Some("chat"));
            let extensions: Vec<_> = upgrade
                .headers(&answer)
                .filter(|h| h.is("Sec-WebSocket-Extensions"))
                .map(|h| h.value)
                .collect();
            assert_eq!(extensions, [b"x-custom"]);
            let cookie = upgrade.headers(&answer).find(|h| h.is("set-cookie")).map(|h| h.value);
            assert_eq!(cookie, Some(&b"session=1"[..]));
        }
        other => panic!("{other:?}"),
    }
}
