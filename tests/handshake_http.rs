//! The `http` feature: validation and answers through `http::Request` / `http::Response`,
//! checked against the byte-level API they reuse.
#![cfg(feature = "http")]

use http::{Method, StatusCode, Version};
use proptest::prelude::*;
use rfc6455::handshake::http::{
    accept_response, reject_response, validate_request, validate_response,
};
use rfc6455::handshake::{
    accept_key, Accept, ClientKey, ClientRequest, HandshakeError, Limits, OriginPolicy, Reject,
    Request, ResponseError, ServerHandshake, UsageError,
};

/// The RFC 6455 §1.2 sample request as an HTTP stack hands it over.
fn rfc_sample() -> http::request::Builder {
    http::Request::get("/chat")
        .header("host", "server.example.com")
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("origin", "http://example.com")
        .header("sec-websocket-protocol", "chat, superchat")
        .header("sec-websocket-version", "13")
}

/// A minimal valid request without the header named `skip`, plus `extra`.
fn request_with(skip: &str, extra: &[(&str, &str)]) -> http::Request<()> {
    let base = [
        ("host", "h"),
        ("upgrade", "websocket"),
        ("connection", "Upgrade"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("sec-websocket-version", "13"),
    ];
    let mut builder = http::Request::get("/");
    for (name, value) in base.iter().filter(|(name, _)| *name != skip).chain(extra) {
        builder = builder.header(*name, *value);
    }
    builder.body(()).unwrap()
}

fn validate(request: &http::Request<()>) -> Result<(), HandshakeError> {
    validate_request(request, &mut Vec::new()).map(|_| ())
}

/// Header lines as `(lowercase name, value)`.
fn pairs(headers: &http::HeaderMap) -> Vec<(String, Vec<u8>)> {
    headers.iter().map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec())).collect()
}

/// The header lines of a head written by the byte-level API, names lowercased.
fn wire_pairs(wire: &[u8]) -> Vec<(String, Vec<u8>)> {
    let text = core::str::from_utf8(wire).unwrap();
    let head = text.split("\r\n\r\n").next().unwrap();
    head.split("\r\n")
        .skip(1)
        .map(|line| {
            let (name, value) = line.split_once(": ").unwrap();
            (name.to_ascii_lowercase(), value.as_bytes().to_vec())
        })
        .collect()
}

fn switching(key: ClientKey) -> http::response::Builder {
    http::Response::builder()
        .status(101)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-accept", accept_key(key.as_str().as_bytes()).as_str())
}

#[test]
fn rfc_sample_key_through_http_request() {
    let incoming = rfc_sample().body(()).unwrap();
    let mut buf = Vec::new();
    let request = validate_request(&incoming, &mut buf).unwrap();
    assert_eq!(accept_key(request.key().as_bytes()), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_eq!(request.target(), "/chat");
    assert_eq!(request.host(), "server.example.com");
    assert_eq!(request.origin(), Some("http://example.com"));
    assert_eq!(request.subprotocols().collect::<Vec<_>>(), ["chat", "superchat"]);

    let (response, upgrade) = accept_response(&request, &Accept::new()).unwrap();
    assert_eq!(upgrade.head_len(), buf.len());
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(response.version(), Version::HTTP_11);
    assert_eq!(response.headers()["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_eq!(response.headers()["upgrade"], "websocket");
    assert_eq!(response.headers()["connection"], "Upgrade");
}

#[test]
fn accept_response_has_the_headers_the_writer_writes() {
    let incoming =
        rfc_sample().header("sec-websocket-extensions", "x-custom; level").body(()).unwrap();
    let mut buf = Vec::new();
    let request = validate_request(&incoming, &mut buf).unwrap();
    let extra = [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Served-By", "test")];
    let accept = Accept::new()
        .with_subprotocol(request.select_subprotocol(&["superchat"]))
        .with_extensions(&["x-custom; level=1"])
        .with_headers(&extra);
    let mut wire = Vec::new();
    request.accept(&accept, &mut wire).unwrap();
    let (response, upgrade) = accept_response(&request, &accept).unwrap();
    assert_eq!(upgrade.subprotocol(), Some("superchat"));
    assert_eq!(pairs(response.headers()), wire_pairs(&wire));
    assert_eq!(response.headers().get_all("set-cookie").iter().count(), 2);
}

#[test]
fn http_request_head_matches_the_byte_parser() {
    // The same head through both paths gives the same view.
    let incoming = rfc_sample().header("cookie", "id=1").body(()).unwrap();
    let mut buf = Vec::new();
    let via_http = validate_request(&incoming, &mut buf).unwrap();
    let wire = b"GET /chat HTTP/1.1\r\nhost: server.example.com\r\nupgrade: websocket\r\n\
        connection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        origin: http://example.com\r\nsec-websocket-protocol: chat, superchat\r\n\
        sec-websocket-version: 13\r\ncookie: id=1\r\n\r\n";
    let mut parser = ServerHandshake::new(Limits::default());
    let direct = parser.parse_request(wire).unwrap().complete().unwrap();
    assert_eq!(via_http.headers().collect::<Vec<_>>(), direct.headers().collect::<Vec<_>>());
    assert_eq!(via_http.head_len(), direct.head_len());
    assert_eq!(buf, wire);
}

#[test]
fn missing_upgrade_is_refused_with_400() {
    let error = validate(&request_with("upgrade", &[])).unwrap_err();
    assert_eq!(error, HandshakeError::MissingHeader("Upgrade"));
    assert_eq!(error.status(), 400);
    let response = reject_response(&Reject::from_error(error)).unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["connection"], "close");
    assert_eq!(response.headers()["content-length"], "23");
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(response.body(), b"missing Upgrade header\n");
}

#[test]
fn wrong_version_is_refused_with_426() {
    let incoming = request_with("sec-websocket-version", &[("sec-websocket-version", "8")]);
    let error = validate(&incoming).unwrap_err();
    assert_eq!(error, HandshakeError::UnsupportedWebSocketVersion);
    let response = reject_response(&Reject::from_error(error)).unwrap();
    assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(response.headers()["sec-websocket-version"], "13");
    assert_eq!(response.headers()["upgrade"], "websocket");
    assert_eq!(response.headers()["connection"], "Upgrade, close");
    let missing = validate(&request_with("sec-websocket-version", &[])).unwrap_err();
    assert_eq!(missing.status(), 426);
}

#[test]
fn reject_response_matches_the_writer() {
    let headers = [("WWW-Authenticate", "Basic realm=\"ws\"")];
    let reject = Reject::new(401).with_headers(&headers).with_body(b"who are you?");
    let mut wire = Vec::new();
    reject.write(&mut wire).unwrap();
    let response = reject_response(&reject).unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(pairs(response.headers()), wire_pairs(&wire));
    assert_eq!(response.body(), b"who are you?");

    let response = reject_response(&Reject::from_error(HandshakeError::MethodNotGet)).unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET");

    assert_eq!(reject_response(&Reject::new(101)).unwrap_err(), UsageError::InvalidStatus);
    let reserved = [("Content-Length", "1")];
    let reject = Reject::new(403).with_headers(&reserved);
    assert_eq!(reject_response(&reject).unwrap_err(), UsageError::ReservedHeader);
}

#[test]
fn request_line_checks_apply() {
    let mut post = request_with("", &[]);
    *post.method_mut() = Method::POST;
    assert_eq!(validate(&post), Err(HandshakeError::MethodNotGet));

    let mut old = request_with("", &[]);
    *old.version_mut() = Version::HTTP_10;
    assert_eq!(validate(&old), Err(HandshakeError::UnsupportedHttpVersion));

    // WebSocket over HTTP/2 (RFC 8441) is out of scope: refused like any non-GET.
    let mut h2 = request_with("", &[]);
    *h2.method_mut() = Method::CONNECT;
    *h2.version_mut() = Version::HTTP_2;
    assert_eq!(validate(&h2).map_err(|e| e.status()), Err(405));
    let mut h2_get = request_with("", &[]);
    *h2_get.version_mut() = Version::HTTP_2;
    assert_eq!(validate(&h2_get), Err(HandshakeError::UnsupportedHttpVersion));

    // `http` accepts UTF-8 in paths; this crate requires it percent-encoded.
    let mut utf8 = request_with("", &[]);
    *utf8.uri_mut() = "/café".parse().unwrap();
    assert_eq!(validate(&utf8), Err(HandshakeError::InvalidTarget));

    // Authority-form (`CONNECT`) and asterisk-form (`OPTIONS`) name no resource: refused
    // as `ServerHandshake::parse_request` refuses them (before, authority-form was `InvalidTarget` here and
    // accepted there).
    for uri in ["example.com:80", "*"] {
        let mut incoming = request_with("", &[]);
        *incoming.uri_mut() = uri.parse().unwrap();
        assert_eq!(validate(&incoming), Err(HandshakeError::UnsupportedTargetForm), "{uri}");
    }
}

#[test]
fn absolute_form_uri_gives_path_and_query() {
    let mut incoming = request_with("", &[]);
    *incoming.uri_mut() = "http://h/feed?x=1&y=2".parse().unwrap();
    let mut buf = Vec::new();
    let request = validate_request(&incoming, &mut buf).unwrap();
    assert_eq!((request.path(), request.query()), ("/feed", Some("x=1&y=2")));
    assert_eq!(request.target(), "http://h/feed?x=1&y=2");
    assert!(buf.starts_with(b"GET http://h/feed?x=1&y=2 HTTP/1.1\r\n"));
    *incoming.uri_mut() = "http://h".parse().unwrap();
    let request = validate_request(&incoming, &mut buf).unwrap();
    // `http::Uri` writes the empty path of an absolute URI as `/`.
    assert_eq!((request.path(), request.target()), ("/", "http://h/"));
}

#[test]
fn absolute_form_uri_must_agree_with_host() {
    // The case of the report: before, the authority was dropped and `Host` believed.
    let mut incoming = request_with("host", &[("host", "good.example")]);
    *incoming.uri_mut() = "http://evil.example/chat".parse().unwrap();
    let error = validate(&incoming).unwrap_err();
    assert_eq!((error, error.status()), (HandshakeError::HostMismatch, 400));
    let response = reject_response(&Reject::from_error(error)).unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let mut incoming =
        request_with("host", &[("host", "good.example:80"), ("origin", "http://good.example")]);
    *incoming.uri_mut() = "http://good.example/chat".parse().unwrap();
    let mut buf = Vec::new();
    let request = validate_request(&incoming, &mut buf).unwrap();
    assert_eq!((request.path(), request.host()), ("/chat", "good.example"));
    assert_eq!(OriginPolicy::SameHost.check(&request), Ok(()));

    let mut no_host = request_with("host", &[]);
    *no_host.uri_mut() = "http://good.example/chat".parse().unwrap();
    assert_eq!(validate(&no_host), Err(HandshakeError::MissingHeader("Host")));
}

/// What a parsed request says about its target, or the error.
type TargetView = Result<(String, Option<String>, String), HandshakeError>;

fn view(result: Result<Request<'_>, HandshakeError>) -> TargetView {
    result.map(|r| (r.path().to_owned(), r.query().map(str::to_owned), r.host().to_owned()))
}

/// The same request through both paths: as bytes with `target` on the request line, and
/// as an `http::Request` whose URI is `target` parsed by `http`. `None` when `http` does
/// not take `target` as a URI.
fn both_paths(target: &str, host: &str) -> Option<(TargetView, TargetView)> {
    let uri: http::Uri = target.parse().ok()?;
    let mut incoming = request_with("host", &[("host", host)]);
    *incoming.uri_mut() = uri;
    let mut buf = Vec::new();
    let via_http = view(validate_request(&incoming, &mut buf));
    let wire = format!(
        "GET {target} HTTP/1.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
         sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\
         host: {host}\r\n\r\n"
    );
    let direct = view(
        ServerHandshake::new(Limits::default())
            .parse_request(wire.as_bytes())
            .map(|s| s.complete().expect("a complete head")),
    );
    Some((via_http, direct))
}

#[test]
fn request_targets_agree_with_the_byte_parser() {
    let cases: &[(&str, &str, TargetView)] = &[
        ("/chat?x=1", "h", Ok(("/chat".into(), Some("x=1".into()), "h".into()))),
        ("http://h/chat?x=1", "h", Ok(("/chat".into(), Some("x=1".into()), "h".into()))),
        ("http://h:80", "H", Ok(("/".into(), None, "h:80".into()))),
        ("HTTPS://h/", "h:443", Ok(("/".into(), None, "h".into()))),
        ("http://[::1]:8080/a", "[::1]:8080", Ok(("/a".into(), None, "[::1]:8080".into()))),
        ("http://evil.example/chat", "good.example", Err(HandshakeError::HostMismatch)),
        ("http://h:8080/", "h", Err(HandshakeError::HostMismatch)),
        ("https://h/", "h:80", Err(HandshakeError::HostMismatch)),
        ("h:443", "h", Err(HandshakeError::UnsupportedTargetForm)),
        ("*", "h", Err(HandshakeError::UnsupportedTargetForm)),
        ("ws://h/chat", "h", Err(HandshakeError::UnsupportedTargetScheme)),
        ("wss://h/chat", "h", Err(HandshakeError::UnsupportedTargetScheme)),
        ("ftp://h/", "h", Err(HandshakeError::UnsupportedTargetScheme)),
        ("http://user@h/", "h", Err(HandshakeError::InvalidTargetAuthority)),
        ("http://user:pw@h/", "h", Err(HandshakeError::InvalidTargetAuthority)),
        ("http://h:/", "h:80", Ok(("/".into(), None, "h:".into()))),
        ("http://h:65536/", "h", Err(HandshakeError::InvalidTargetAuthority)),
    ];
    // `http` itself refuses percent-encoding in an authority and `http:/chat`.
    assert!(both_paths("http://h%2e/", "h").is_none());
    assert!(both_paths("http:/chat", "h").is_none());
    for (target, host, expected) in cases {
        let (via_http, direct) = both_paths(target, host).expect("`http` parses the URI");
        assert_eq!(&direct, expected, "{target} with Host {host}");
        assert_eq!(via_http, direct, "{target} with Host {host}");
    }
}

/// Targets of every form, built from parts that hit each rule.
fn any_target() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["http", "HTTP", "https", "ws", "wss", "ftp"]);
    let userinfo = prop::option::weighted(0.1, prop::sample::select(vec!["u", "u:p", ""]));
    let host = prop::sample::select(vec!["h", "H", "good.example", "[::1]", "10.0.0.1"]);
    let port =
        prop::option::of(prop::sample::select(vec!["", "80", "443", "8080", "0080", "70000"]));
    let path = "(/[a-z:@]{0,3}){0,2}";
    let query = prop::option::of("[a-z=&/?:]{0,6}");
    (0u8..8, scheme, userinfo, host, port, path, query).prop_map(
        |(form, scheme, userinfo, host, port, path, query)| {
            let authority = match port {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            };
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            match form {
                0 => "*".to_owned(),
                1 => authority,
                2 | 3 => format!("/{path}{query}"),
                _ => {
                    let userinfo = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
                    format!("{scheme}://{userinfo}{authority}{path}{query}")
                }
            }
        },
    )
}

fn any_host() -> impl Strategy<Value = String> {
    let host = prop::sample::select(vec!["h", "H", "good.example", "[::1]", "10.0.0.1"]);
    let port = prop::option::of(prop::sample::select(vec!["", "80", "443", "8080", "080"]));
    (host, port).prop_map(|(host, port)| match port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// `validate_request` and `ServerHandshake::parse_request` agree on every target `http` can hold.
    #[test]
    fn generated_targets_agree_with_the_byte_parser(target in any_target(), host in any_host()) {
        if let Some((via_http, direct)) = both_paths(&target, &host) {
            prop_assert_eq!(via_http, direct, "{} with Host {}", target, host);
        }
    }
}

/// Guards against a vacuous agreement test: the generators reach every outcome, and
/// `http` takes most of the targets.
#[test]
fn target_generators_cover_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let outcomes = [
        Ok(()),
        Err(HandshakeError::HostMismatch),
        Err(HandshakeError::UnsupportedTargetForm),
        Err(HandshakeError::UnsupportedTargetScheme),
        Err(HandshakeError::InvalidTargetAuthority),
    ];
    let mut seen = [0; 5];
    let mut compared = 0;
    let mut runner = TestRunner::deterministic();
    for _ in 0..2000 {
        let target = any_target().new_tree(&mut runner).unwrap().current();
        let host = any_host().new_tree(&mut runner).unwrap().current();
        if let Some((_, direct)) = both_paths(&target, &host) {
            compared += 1;
            let outcome = direct.map(|_| ());
            if let Some(at) = outcomes.iter().position(|o| *o == outcome) {
                seen[at] += 1;
            }
        }
    }
    assert!(compared > 1500, "{compared} of 2000 targets compared");
    for (outcome, count) in outcomes.iter().zip(seen) {
        assert!(count >= 20, "{outcome:?} seen {count} times: {seen:?}");
    }
}

/// Header to leave out, headers to add, the error.
type Case = (&'static str, &'static [(&'static str, &'static str)], HandshakeError);

#[test]
fn header_checks_apply() {
    let cases: [Case; 6] = [
        (
            "",
            &[("sec-websocket-key", "AAAA")],
            HandshakeError::DuplicateHeader("Sec-WebSocket-Key"),
        ),
        (
            "sec-websocket-key",
            &[("sec-websocket-key", "short")],
            HandshakeError::InvalidHeader("Sec-WebSocket-Key"),
        ),
        ("host", &[], HandshakeError::MissingHeader("Host")),
        (
            "connection",
            &[("connection", "keep-alive")],
            HandshakeError::InvalidHeader("Connection"),
        ),
        ("", &[("content-length", "5")], HandshakeError::UnexpectedBody),
        (
            "",
            &[("sec-websocket-protocol", "a b")],
            HandshakeError::InvalidHeader("Sec-WebSocket-Protocol"),
        ),
    ];
    for (skip, extra, error) in cases {
        assert_eq!(validate(&request_with(skip, extra)), Err(error), "{skip} {extra:?}");
    }
    // obs-text in a value is allowed by both `http` and this crate, and kept as bytes.
    let value = http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap();
    let mut incoming = request_with("", &[]);
    incoming.headers_mut().insert("x-name", value);
    let mut buf = Vec::new();
    let request = validate_request(&incoming, &mut buf).unwrap();
    assert_eq!(request.header("X-Name"), Some("café".as_bytes()));
}

#[test]
fn buffer_is_cleared_and_reused() {
    let mut buf = b"left over".to_vec();
    assert!(validate_request(&request_with("", &[]), &mut buf).is_ok());
    assert!(buf.starts_with(b"GET / HTTP/1.1\r\n"));
    let len = buf.len();
    assert!(validate_request(&request_with("", &[]), &mut buf).is_ok());
    assert_eq!(buf.len(), len);
}

#[test]
fn accept_misuse_is_reported() {
    let incoming = rfc_sample().body(()).unwrap();
    let mut buf = Vec::new();
    let request = validate_request(&incoming, &mut buf).unwrap();
    let accept = Accept::new().with_subprotocol(Some("mqtt"));
    assert_eq!(accept_response(&request, &accept).unwrap_err(), UsageError::SubprotocolNotOffered);
    let headers = [("Upgrade", "h2c")];
    let accept = Accept::new().with_headers(&headers);
    assert_eq!(accept_response(&request, &accept).unwrap_err(), UsageError::ReservedHeader);
}

#[test]
fn to_http_has_the_headers_the_writer_writes() {
    let key = ClientKey::from_random(*b"the sample nonce");
    let extra = [("Cookie", "a=1"), ("Authorization", "Bearer t"), ("Cookie", "b=2")];
    let request = ClientRequest::from_uri("ws://[::1]:9001?q=1", key)
        .unwrap()
        .with_subprotocols(&["chat", "superchat"])
        .with_extensions(&["x-custom; level"])
        .with_origin(Some("http://example.com"))
        .with_headers(&extra);
    let mut wire = Vec::new();
    request.write(&mut wire).unwrap();
    let outgoing = request.to_http().unwrap();
    assert_eq!(outgoing.method(), Method::GET);
    assert_eq!(outgoing.version(), Version::HTTP_11);
    assert_eq!(outgoing.uri(), "/?q=1");
    assert!(wire.starts_with(b"GET /?q=1 HTTP/1.1\r\n"));
    // Same names and values; `http` groups repeated names together.
    let mut expected = wire_pairs(&wire);
    let mut got = pairs(outgoing.headers());
    assert_eq!(got[..8], expected[..8], "the handshake's own headers keep their order");
    assert_eq!(outgoing.headers()["host"], "[::1]:9001");
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    let cookies: Vec<_> = outgoing.headers().get_all("cookie").iter().collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
}

#[test]
fn to_http_reports_misuse() {
    let key = ClientKey::from_random([1; 16]);
    let bad_host = ClientRequest::new("a b", "/", key);
    assert_eq!(bad_host.to_http().unwrap_err(), UsageError::InvalidHost);
    let reserved = [("Sec-WebSocket-Key", "x")];
    let request = ClientRequest::new("h", "/", key).with_headers(&reserved);
    assert_eq!(request.to_http().unwrap_err(), UsageError::ReservedHeader);
    let bad_target = ClientRequest::new("h", "/a b", key);
    assert_eq!(bad_target.to_http().unwrap_err(), UsageError::InvalidTarget);
}

#[test]
fn client_server_round_trip() {
    let key = ClientKey::from_random([42; 16]);
    let origin = "https://chat.example";
    let client = ClientRequest::from_uri("wss://chat.example/room?id=7", key)
        .unwrap()
        .with_subprotocols(&["v2.chat", "chat"])
        .with_extensions(&["x-custom; level"])
        .with_origin(Some(origin));
    let outgoing = client.to_http().unwrap();

    // Server side.
    let mut server_buf = Vec::new();
    let request = validate_request(&outgoing, &mut server_buf).unwrap();
    assert_eq!((request.path(), request.query()), ("/room", Some("id=7")));
    assert_eq!(request.host(), "chat.example");
    assert_eq!(request.key(), key.as_str());
    assert_eq!(OriginPolicy::AllowList(&[origin]).check(&request), Ok(()));
    let protocol = request.select_subprotocol(&["chat"]);
    let accept = Accept::new()
        .with_subprotocol(protocol)
        .with_extensions(&["x-custom"])
        .with_headers(&[("Set-Cookie", "session=1")]);
    let (response, server_upgrade) = accept_response(&request, &accept).unwrap();
    assert_eq!(server_upgrade.subprotocol(), Some("chat"));

    // Client side.
    let upgrade = match validate_response(&client, &response) {
        Ok(upgrade) => upgrade,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(upgrade.subprotocol(), Some("chat"));
    assert_eq!(response.headers()["sec-websocket-extensions"], "x-custom");
    assert_eq!(response.headers()["set-cookie"], "session=1");
    let conn = upgrade.into_connection(rfc6455::Config::default(), [1; 16]);
    assert_eq!(conn.role(), rfc6455::Role::Client);
}

#[test]
fn wrong_accept_is_refused() {
    let key = ClientKey::from_random([3; 16]);
    let client = ClientRequest::new("h", "/", key);
    let other = ClientKey::from_random([4; 16]);
    let response = switching(other).body(()).unwrap();
    assert!(matches!(
        validate_response(&client, &response),
        Err(ResponseError::Invalid(HandshakeError::InvalidAccept))
    ));
    let missing = http::Response::builder()
        .status(101)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .body(())
        .unwrap();
    assert!(matches!(
        validate_response(&client, &missing),
        Err(ResponseError::Invalid(HandshakeError::MissingHeader("Sec-WebSocket-Accept")))
    ));
    let unoffered = switching(key).header("sec-websocket-protocol", "chat").body(()).unwrap();
    assert!(matches!(
        validate_response(&client, &unoffered),
        Err(ResponseError::Invalid(HandshakeError::UnexpectedSubprotocol))
    ));
    assert!(validate_response(&client, &switching(key).body(()).unwrap()).is_ok());
}

#[test]
fn non_101_status_is_reported_with_its_status() {
    let key = ClientKey::from_random([5; 16]);
    let client = ClientRequest::new("h", "/", key);
    let forbidden = http::Response::builder()
        .status(403)
        .header("content-type", "text/plain")
        .body(b"go away".to_vec())
        .unwrap();
    match validate_response(&client, &forbidden) {
        Err(ResponseError::Rejected(rejected)) => assert_eq!(rejected.status(), 403),
        other => panic!("{other:?}"),
    }
    // A status without a canonical reason phrase.
    let odd = http::Response::builder().status(599).body(()).unwrap();
    match validate_response(&client, &odd) {
        Err(ResponseError::Rejected(rejected)) => assert_eq!(rejected.status(), 599),
        other => panic!("{other:?}"),
    }
    // A rejection built by this crate's server reads back with its status.
    let reject = reject_response(&Reject::new(404).with_body(b"no such room")).unwrap();
    match validate_response(&client, &reject) {
        Err(ResponseError::Rejected(rejected)) => assert_eq!(rejected.status(), 404),
        other => panic!("{other:?}"),
    }
}

#[test]
fn response_version_is_checked() {
    let key = ClientKey::from_random([6; 16]);
    let client = ClientRequest::new("h", "/", key);
    let mut old = switching(key).body(()).unwrap();
    *old.version_mut() = Version::HTTP_10;
    assert!(matches!(
        validate_response(&client, &old),
        Err(ResponseError::Invalid(HandshakeError::UnsupportedHttpVersion))
    ));
    let mut h2 = http::Response::new(());
    *h2.version_mut() = Version::HTTP_2;
    assert!(matches!(
        validate_response(&client, &h2),
        Err(ResponseError::Invalid(HandshakeError::UnsupportedHttpVersion))
    ));
}
