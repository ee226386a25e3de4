//! WebSocket over HTTP/2 and HTTP/3 (RFC 8441, RFC 9220): the extended CONNECT from header
//! fields, both roles, and its agreement with the HTTP/1.1 Upgrade on everything the two
//! negotiate the same way (subprotocols, extensions, permessage-deflate).
#![cfg(feature = "alloc")]

use proptest::prelude::*;
use rfc6455::handshake::{
    Accept, ClientKey, ClientRequest, ClientUpgrade, ConnectRequest, HandshakeError, Header,
    Limits, OriginPolicy, Reject, ResponseError, ServerHandshake, UsageError,
};
use rfc6455::{Config, Connection, Event};

fn key() -> ClientKey {
    ClientKey::from_random(*b"the sample nonce")
}

/// The fields a client's request sends, as an HTTP/2 stack would decode them.
fn owned_fields(request: &ClientRequest<'_>) -> Vec<(String, Vec<u8>)> {
    let connect = request.to_connect().expect("a valid request");
    connect.fields().map(|(name, value)| (name.to_owned(), value.as_bytes().to_vec())).collect()
}

fn view(fields: &[(String, Vec<u8>)]) -> Vec<Header<'_>> {
    fields.iter().map(|(name, value)| Header { name, value }).collect()
}

/// A valid request's fields with `edit` applied.
fn edited(edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) -> Vec<(String, Vec<u8>)> {
    let request = ClientRequest::from_uri("wss://example.com/chat?room=1", key())
        .unwrap()
        .with_subprotocols(&["chat", "superchat"])
        .with_origin(Some("https://example.com"));
    let mut fields = owned_fields(&request);
    edit(&mut fields);
    fields
}

fn parse_error(fields: &[(String, Vec<u8>)]) -> HandshakeError {
    ConnectRequest::parse(&view(fields)).expect_err("a malformed request")
}

fn set(fields: &mut [(String, Vec<u8>)], name: &str, value: &str) {
    let field = fields.iter_mut().find(|(n, _)| n == name).expect("the field");
    field.1 = value.as_bytes().to_vec();
}

fn push(fields: &mut Vec<(String, Vec<u8>)>, name: &str, value: &str) {
    fields.push((name.to_owned(), value.as_bytes().to_vec()));
}

fn remove(fields: &mut Vec<(String, Vec<u8>)>, name: &str) {
    fields.retain(|(n, _)| n != name);
}

#[test]
fn a_valid_request_is_viewed_field_by_field() {
    let fields = edited(|f| push(f, "cookie", "id=1"));
    let view_fields = view(&fields);
    let request = ConnectRequest::parse(&view_fields).unwrap();
    assert_eq!(request.scheme(), "https");
    assert_eq!(request.host(), "example.com");
    assert_eq!(request.target(), "/chat?room=1");
    assert_eq!((request.path(), request.query()), ("/chat", Some("room=1")));
    assert_eq!(request.origin(), Some("https://example.com"));
    assert_eq!(request.subprotocols().collect::<Vec<_>>(), ["chat", "superchat"]);
    assert_eq!(request.select_subprotocol(&["superchat", "chat"]), Some("superchat"));
    assert_eq!(request.header("Cookie"), Some(&b"id=1"[..]));
    let names: Vec<_> = request.headers().map(|h| h.name).collect();
    assert_eq!(
        names,
        [
            "sec-websocket-version",
            "origin",
            "sec-websocket-protocol",
            "sec-websocket-protocol",
            "cookie"
        ]
    );
    assert_eq!(OriginPolicy::SameHost.check_connect(&request), Ok(()));
    let other = edited(|f| set(f, "origin", "https://evil.example"));
    let view_other = view(&other);
    let request = ConnectRequest::parse(&view_other).unwrap();
    assert_eq!(
        OriginPolicy::SameHost.check_connect(&request),
        Err(HandshakeError::ForbiddenOrigin)
    );
    assert_eq!(OriginPolicy::AllowAny.check_connect(&request), Ok(()));
}

#[test]
fn malformed_requests_get_the_right_error_and_status() {
    type Edit = fn(&mut Vec<(String, Vec<u8>)>);
    let cases: [(&str, Edit, HandshakeError, u16); 26] = [
        ("GET", |f| set(f, ":method", "GET"), HandshakeError::MethodNotConnect, 405),
        ("no :method", |f| remove(f, ":method"), HandshakeError::MissingHeader(":method"), 400),
        (
            "plain CONNECT",
            |f| remove(f, ":protocol"),
            HandshakeError::MissingHeader(":protocol"),
            400,
        ),
        (
            "another protocol",
            |f| set(f, ":protocol", "webtransport"),
            HandshakeError::InvalidHeader(":protocol"),
            400,
        ),
        (
            "protocol case",
            |f| set(f, ":protocol", "WebSocket"),
            HandshakeError::InvalidHeader(":protocol"),
            400,
        ),
        ("no :scheme", |f| remove(f, ":scheme"), HandshakeError::MissingHeader(":scheme"), 400),
        ("ftp", |f| set(f, ":scheme", "ftp"), HandshakeError::UnsupportedTargetScheme, 400),
        (
            "no :authority",
            |f| remove(f, ":authority"),
            HandshakeError::MissingHeader(":authority"),
            400,
        ),
        (
            "bad authority",
            |f| set(f, ":authority", "a b"),
            HandshakeError::InvalidHeader(":authority"),
            400,
        ),
        ("no :path", |f| remove(f, ":path"), HandshakeError::MissingHeader(":path"), 400),
        ("asterisk", |f| set(f, ":path", "*"), HandshakeError::InvalidTarget, 400),
        ("absolute path", |f| set(f, ":path", "https://x/"), HandshakeError::InvalidTarget, 400),
        ("empty path", |f| set(f, ":path", ""), HandshakeError::InvalidTarget, 400),
        (
            "duplicate :path",
            |f| f.insert(1, (":path".into(), b"/".to_vec())),
            HandshakeError::DuplicateHeader(":path"),
            400,
        ),
        (
            "unknown pseudo",
            |f| f.insert(0, (":status".into(), b"200".to_vec())),
            HandshakeError::InvalidHeaderName,
            400,
        ),
        (
            "pseudo after regular",
            |f| {
                let path = f.remove(4);
                f.push(path);
            },
            HandshakeError::InvalidHeaderName,
            400,
        ),
        ("uppercase name", |f| push(f, "Cookie", "x"), HandshakeError::InvalidHeaderName, 400),
        (
            "connection",
            |f| push(f, "connection", "upgrade"),
            HandshakeError::InvalidHeader("connection"),
            400,
        ),
        (
            "upgrade",
            |f| push(f, "upgrade", "websocket"),
            HandshakeError::InvalidHeader("upgrade"),
            400,
        ),
        ("te", |f| push(f, "te", "gzip"), HandshakeError::InvalidHeader("te"), 400),
        ("content-length", |f| push(f, "content-length", "0"), HandshakeError::UnexpectedBody, 400),
        (
            "no version",
            |f| remove(f, "sec-websocket-version"),
            HandshakeError::UnsupportedWebSocketVersion,
            426,
        ),
        (
            "two versions",
            |f| push(f, "sec-websocket-version", "13"),
            HandshakeError::DuplicateHeader("Sec-WebSocket-Version"),
            400,
        ),
        ("host differs", |f| push(f, "host", "evil.example"), HandshakeError::HostMismatch, 400),
        ("control byte", |f| push(f, "x-a", "a\u{1}b"), HandshakeError::InvalidHeaderValue, 400),
        ("padded value", |f| push(f, "x-a", " a"), HandshakeError::InvalidHeaderValue, 400),
    ];
    for (what, edit, error, status) in cases {
        let fields = edited(edit);
        let got = parse_error(&fields);
        assert_eq!((got, got.status()), (error, status), "{what}");
    }
    // What is allowed: `te: trailers`, a `host` equal to the authority, fields in any order.
    let mut fields = edited(|f| {
        push(f, "te", "trailers");
        push(f, "host", "EXAMPLE.com");
    });
    fields.swap(0, 4);
    fields.swap(6, 7);
    assert!(ConnectRequest::parse(&view(&fields)).is_ok());
    let bad_list = edited(|f| push(f, "sec-websocket-protocol", "a b"));
    assert_eq!(parse_error(&bad_list), HandshakeError::InvalidHeader("Sec-WebSocket-Protocol"));
}

#[test]
fn accept_answers_with_fields_and_checks_the_decision() {
    let fields = edited(|f| push(f, "sec-websocket-extensions", "x-custom; level=1"));
    let view_fields = view(&fields);
    let request = ConnectRequest::parse(&view_fields).unwrap();
    let headers = [("set-cookie", "id=1")];
    let extensions = ["x-custom"];
    let accept = Accept::new()
        .with_subprotocol(Some("chat"))
        .with_extensions(&extensions)
        .with_headers(&headers);
    let (response, upgrade) = request.accept(&accept).unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.fields().collect::<Vec<_>>(),
        [
            ("sec-websocket-protocol", "chat"),
            ("sec-websocket-extensions", "x-custom"),
            ("set-cookie", "id=1"),
        ]
    );
    assert_eq!((upgrade.subprotocol(), upgrade.head_len()), (Some("chat"), 0));
    assert!(format!("{response:?}").contains("set-cookie"));

    let refusals: [(Accept<'_>, UsageError); 5] = [
        (Accept::new().with_subprotocol(Some("mqtt")), UsageError::SubprotocolNotOffered),
        (Accept::new().with_extensions(&["x-other"]), UsageError::ExtensionNotOffered),
        (Accept::new().with_headers(&[("Set-Cookie", "id=1")]), UsageError::InvalidHeader),
        (
            Accept::new().with_headers(&[("sec-websocket-protocol", "x")]),
            UsageError::ReservedHeader,
        ),
        (Accept::new().with_extensions(&["permessage-deflate"]), UsageError::ReservedExtension),
    ];
    for (accept, error) in refusals {
        assert_eq!(request.accept(&accept).unwrap_err(), error, "{accept:?}");
    }
}

#[test]
fn the_client_writes_its_fields_from_the_uri() {
    let authority = |uri: &str| {
        let request = ClientRequest::from_uri(uri, key()).unwrap();
        let connect = request.to_connect().unwrap();
        (connect.scheme(), connect.authority().to_owned(), connect.path().to_owned())
    };
    assert_eq!(authority("ws://h"), ("http", "h".into(), "/".into()));
    assert_eq!(authority("ws://h:80/a"), ("http", "h".into(), "/a".into()));
    assert_eq!(authority("wss://h:443/a?b"), ("https", "h".into(), "/a?b".into()));
    assert_eq!(authority("wss://h:80/"), ("https", "h:80".into(), "/".into()));
    assert_eq!(authority("ws://[::1]:9000/"), ("http", "[::1]:9000".into(), "/".into()));
    let bare_ipv6 = ClientRequest::new("::1", "/", key()).with_port(9000);
    assert_eq!(bare_ipv6.to_connect().unwrap().authority(), "[::1]:9000");

    let query_only = ClientRequest::from_uri("ws://h?x=1", key()).unwrap();
    assert_eq!(query_only.to_connect().unwrap_err(), UsageError::InvalidTarget);
    let uppercase =
        ClientRequest::from_uri("ws://h/", key()).unwrap().with_headers(&[("Cookie", "a")]);
    assert_eq!(uppercase.to_connect().unwrap_err(), UsageError::InvalidHeader);
    let long_host = "a".repeat(256);
    let long = ClientRequest::new(&long_host, "/", key());
    assert_eq!(long.to_connect().unwrap_err(), UsageError::InvalidHost);
    let reserved =
        ClientRequest::from_uri("ws://h/", key()).unwrap().with_headers(&[("origin", "x")]);
    assert_eq!(reserved.to_connect().unwrap_err(), UsageError::ReservedHeader);

    // Every field the client writes passes the server's checks.
    let request = ClientRequest::from_uri("ws://h/", key())
        .unwrap()
        .with_subprotocols(&["a", "b"])
        .with_extensions(&["x-one", "x-two; p=1"])
        .with_headers(&[("authorization", "Bearer t")]);
    let fields = owned_fields(&request);
    let view_fields = view(&fields);
    let parsed = ConnectRequest::parse(&view_fields).unwrap();
    assert_eq!(parsed.subprotocols().collect::<Vec<_>>(), ["a", "b"]);
    let names: Vec<_> = parsed.extensions().map(|e| e.name().to_owned()).collect();
    assert_eq!(names, ["x-one", "x-two"]);
    assert_eq!(parsed.header("authorization"), Some(&b"Bearer t"[..]));
}

#[test]
fn the_client_checks_the_answer() {
    let request = ClientRequest::from_uri("ws://h/", key())
        .unwrap()
        .with_subprotocols(&["chat"])
        .with_extensions(&["x-a"]);
    let check = |status: u16, fields: &[(&str, &str)]| {
        let fields: Vec<_> =
            fields.iter().map(|(name, value)| Header { name, value: value.as_bytes() }).collect();
        request.check_connect_response(status, &fields)
    };
    assert_eq!(check(200, &[]).unwrap().subprotocol(), None);
    assert_eq!(
        check(204, &[("sec-websocket-protocol", "chat")]).unwrap().subprotocol(),
        Some("chat")
    );
    assert_eq!(
        check(200, &[(":status", "200"), ("sec-websocket-extensions", "x-a")]).map(|_| ()),
        Ok(())
    );
    for status in [101, 199, 300, 403, 426, 501] {
        let Err(ResponseError::Rejected(rejected)) = check(status, &[]) else {
            panic!("{status} opens nothing");
        };
        assert_eq!((rejected.status(), rejected.head_len()), (status, 0));
    }
    let invalid = |fields: &[(&str, &str)]| match check(200, fields) {
        Err(ResponseError::Invalid(error)) => error,
        other => panic!("{fields:?}: {other:?}"),
    };
    assert_eq!(
        invalid(&[("sec-websocket-protocol", "mqtt")]),
        HandshakeError::UnexpectedSubprotocol
    );
    assert_eq!(
        invalid(&[("sec-websocket-extensions", "x-b")]),
        HandshakeError::UnexpectedExtension
    );
    assert_eq!(
        invalid(&[("sec-websocket-protocol", "chat"), ("sec-websocket-protocol", "chat")]),
        HandshakeError::DuplicateHeader("Sec-WebSocket-Protocol")
    );
    assert_eq!(invalid(&[("x-a", "a\nb")]), HandshakeError::InvalidHeaderValue);
}

/// Client request → server → answer → client, then frames both ways over the two
/// connections the upgrades build.
fn open(
    request: &ClientRequest<'_>,
    decide: impl for<'x> FnOnce(&ConnectRequest<'x>) -> Accept<'x>,
) -> (Connection, Connection) {
    let fields = owned_fields(request);
    let view_fields = view(&fields);
    let parsed = ConnectRequest::parse(&view_fields).unwrap();
    let (response, server_upgrade) = parsed.accept(&decide(&parsed)).unwrap();
    let answer: Vec<(String, Vec<u8>)> =
        response.fields().map(|(n, v)| (n.to_owned(), v.as_bytes().to_vec())).collect();
    let client_upgrade: ClientUpgrade =
        request.check_connect_response(response.status(), &view(&answer)).unwrap();
    assert_eq!(client_upgrade.subprotocol(), server_upgrade.subprotocol());
    let config = Config::default();
    (client_upgrade.into_connection(config, [3; 16]), server_upgrade.into_connection(config))
}

/// Sends `text` from `from` and returns what `to` receives, whole.
fn relay(from: &mut Connection, to: &mut Connection, text: &str) -> String {
    let mut wire = Vec::new();
    from.send_text(text, &mut wire).unwrap();
    let masked = wire.get(1).is_some_and(|b| b & 0x80 != 0);
    assert_eq!(masked, from.role() == rfc6455::Role::Client, "clients mask, servers do not");
    match to.handle_read(&mut wire).unwrap() {
        (Some(Event::Data(chunk)), _) => chunk.as_whole_text().unwrap().to_owned(),
        #[cfg(feature = "deflate")]
        (Some(Event::Inflated { is_first: true, is_last: true, .. }), _) => {
            String::from_utf8(to.inflated().to_vec()).unwrap()
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_upgrades_build_connections_that_talk() {
    let request =
        ClientRequest::from_uri("ws://h/", key()).unwrap().with_subprotocols(&["v1", "v2"]);
    let (mut client, mut server) =
        open(&request, |r| Accept::new().with_subprotocol(r.select_subprotocol(&["v2"])));
    assert_eq!(relay(&mut client, &mut server, "hello"), "hello");
    assert_eq!(relay(&mut server, &mut client, "world"), "world");
}

#[cfg(feature = "deflate")]
#[test]
fn permessage_deflate_is_negotiated_from_field_values() {
    let config = Config::default();
    let request =
        ClientRequest::from_uri("ws://h/", key()).unwrap().with_deflate(*config.deflate());
    let policy = *config.deflate();
    let (mut client, mut server) = open(&request, move |_| Accept::new().with_deflate(policy));
    assert!(client.is_deflate_enabled() && server.is_deflate_enabled());
    let text = "compressible ".repeat(100);
    let mut wire = Vec::new();
    client.send_text(&text, &mut wire).unwrap();
    assert!(wire.len() < text.len() / 4, "compressed: {} bytes", wire.len());
    match server.handle_read(&mut wire).unwrap() {
        (Some(Event::Inflated { is_first: true, is_last: true, .. }), _) => {
            assert_eq!(server.inflated(), text.as_bytes());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(relay(&mut client, &mut server, &text), text);
    assert_eq!(relay(&mut server, &mut client, &text), text);

    // An answer that agrees to parameters the client did not offer fails the client.
    let bad = [("sec-websocket-extensions".to_owned(), b"permessage-deflate; foo=1".to_vec())];
    let outcome = request.check_connect_response(200, &view(&bad));
    assert!(matches!(outcome, Err(ResponseError::Invalid(_))), "{outcome:?}");
}

/// The HTTP/1.1 head carrying the same offers, for the differential property.
fn http1_head(subprotocols: &[&str], extensions: &[&str]) -> Vec<u8> {
    let mut head = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        .to_vec();
    for p in subprotocols {
        head.extend_from_slice(format!("Sec-WebSocket-Protocol: {p}\r\n").as_bytes());
    }
    for e in extensions {
        head.extend_from_slice(format!("Sec-WebSocket-Extensions: {e}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    head
}

fn token() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9.]{0,6}"
}

fn deflate_offer() -> impl Strategy<Value = String> {
    let param = prop_oneof![
        Just("client_max_window_bits".to_owned()),
        (8u8..=15).prop_map(|b| format!("client_max_window_bits={b}")),
        (8u8..=15).prop_map(|b| format!("server_max_window_bits={b}")),
        Just("server_no_context_takeover".to_owned()),
        Just("client_no_context_takeover".to_owned()),
        Just("x=1".to_owned()),
    ];
    prop::collection::vec(param, 0..3).prop_map(|params| {
        let mut offer = "permessage-deflate".to_owned();
        for p in params {
            offer.push_str("; ");
            offer.push_str(&p);
        }
        offer
    })
}

proptest! {
    /// Over HTTP/2 the server reads the same offers, and answers them the same way, as over
    /// HTTP/1.1: the same subprotocol choice, the same extension list, and (with
    /// `deflate`) the same permessage-deflate answer.
    #[test]
    fn field_values_negotiate_as_the_http1_head_does(
        offered in prop::collection::vec(token(), 0..4),
        supported in prop::collection::vec(token(), 0..4),
        extensions in prop::collection::vec(prop_oneof![deflate_offer(), token()], 0..3),
    ) {
        let offered: Vec<&str> = offered.iter().map(String::as_str).collect();
        let extensions: Vec<&str> = extensions.iter().map(String::as_str).collect();
        let supported: Vec<&str> = supported.iter().map(String::as_str).collect();
        let head = http1_head(&offered, &extensions);
        let http1 = ServerHandshake::new(Limits::default()).parse_request(&head).unwrap().complete().unwrap();

        let mut fields = edited(|f| f.truncate(6)); // pseudo-header fields and the version
        for p in &offered {
            push(&mut fields, "sec-websocket-protocol", p);
        }
        for e in &extensions {
            push(&mut fields, "sec-websocket-extensions", e);
        }
        let view_fields = view(&fields);
    let h2 = ConnectRequest::parse(&view_fields).unwrap();
        prop_assert_eq!(h2.subprotocols().collect::<Vec<_>>(), http1.subprotocols().collect::<Vec<_>>());
        prop_assert_eq!(h2.select_subprotocol(&supported), http1.select_subprotocol(&supported));
        let names = |e: rfc6455::handshake::Extensions<'_>| e.map(|x| x.name().to_owned()).collect::<Vec<_>>();
        prop_assert_eq!(names(h2.extensions()), names(http1.extensions()));

        let accept = Accept::new().with_subprotocol(h2.select_subprotocol(&supported));
        #[cfg(feature = "deflate")]
        let accept = accept.with_deflate(*Config::default().deflate());
        let (response, h2_upgrade) = h2.accept(&accept).unwrap();
        let mut wire = Vec::new();
        let http1_upgrade = http1.accept(&accept, &mut wire).unwrap();
        prop_assert_eq!(h2_upgrade.subprotocol(), http1_upgrade.subprotocol());
        #[cfg(feature = "deflate")]
        prop_assert_eq!(h2_upgrade.deflate(), http1_upgrade.deflate());
        let wire = String::from_utf8(wire).unwrap();
        for (name, value) in response.fields() {
            let line = format!("\r\n{name}: {value}\r\n").to_ascii_lowercase();
            prop_assert!(wire.to_ascii_lowercase().contains(&line), "{} not in {}", line, wire);
        }
    }
}

#[test]
fn a_rejection_keeps_its_status() {
    let error = parse_error(&edited(|f| set(f, ":method", "GET")));
    assert_eq!(Reject::from_error(error).status(), 405);
}

#[cfg(feature = "http")]
mod http_types {
    use super::*;
    use rfc6455::handshake::http::{
        accept_connect_response, reject_connect_response, validate_connect_request,
        validate_connect_response,
    };

    #[test]
    fn a_round_trip_through_the_http_types() {
        let request = ClientRequest::from_uri("wss://example.com:8443/feed?x=1", key())
            .unwrap()
            .with_subprotocols(&["feed.v2", "feed"])
            .with_headers(&[("Authorization", "Bearer t")]);
        let outgoing = request.to_http_connect().unwrap();
        assert_eq!(outgoing.version(), http::Version::HTTP_2);
        assert_eq!(outgoing.uri(), "https://example.com:8443/feed?x=1");

        let mut fields = Vec::new();
        let received = validate_connect_request(&outgoing, Some("websocket"), &mut fields).unwrap();
        assert_eq!((received.host(), received.path()), ("example.com:8443", "/feed"));
        assert_eq!(received.header("authorization"), Some(&b"Bearer t"[..]));
        let chosen = received.select_subprotocol(&["feed"]);
        let headers = [("Set-Cookie", "id=1")];
        let accept = Accept::new().with_subprotocol(chosen).with_headers(&headers);
        let (response, server) = accept_connect_response(&received, &accept).unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["set-cookie"], "id=1");
        let client = validate_connect_response(&request, &response).unwrap();
        assert_eq!((client.subprotocol(), server.subprotocol()), (Some("feed"), Some("feed")));
    }

    #[test]
    fn requests_that_are_no_extended_connect_are_refused() {
        let request = ClientRequest::from_uri("ws://h/", key()).unwrap();
        let mut outgoing = request.to_http_connect().unwrap();
        let error = validate_connect_request(&outgoing, None, &mut Vec::new()).unwrap_err();
        assert_eq!(error, HandshakeError::MissingHeader(":protocol"));
        *outgoing.version_mut() = http::Version::HTTP_11;
        let error =
            validate_connect_request(&outgoing, Some("websocket"), &mut Vec::new()).unwrap_err();
        assert_eq!(error, HandshakeError::UnsupportedHttpVersion);
        *outgoing.version_mut() = http::Version::HTTP_3;
        *outgoing.method_mut() = http::Method::GET;
        let error =
            validate_connect_request(&outgoing, Some("websocket"), &mut Vec::new()).unwrap_err();
        assert_eq!(error, HandshakeError::MethodNotConnect);
    }

    #[test]
    fn rejections_carry_no_connection_field() {
        let version = Reject::from_error(HandshakeError::UnsupportedWebSocketVersion);
        let response = reject_connect_response(&version).unwrap();
        assert_eq!(response.status(), 426);
        assert_eq!(response.headers()["sec-websocket-version"], "13");
        assert!(response.headers().get("connection").is_none());
        assert!(response.headers().get("upgrade").is_none());
        assert_eq!(response.body(), b"unsupported websocket version\n");

        let custom =
            Reject::new(404).with_headers(&[("Cache-Control", "no-store")]).with_body(b"gone");
        let response = reject_connect_response(&custom).unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
        assert_eq!(response.body(), b"gone");
        let reserved = Reject::new(400).with_headers(&[("Connection", "close")]);
        assert_eq!(reject_connect_response(&reserved).unwrap_err(), UsageError::ReservedHeader);
        assert_eq!(
            reject_connect_response(&Reject::new(99)).unwrap_err(),
            UsageError::InvalidStatus
        );
    }
}

#[test]
fn debug_shows_the_fields() {
    let request = ClientRequest::from_uri("ws://h:8080/a", key()).unwrap();
    let shown = format!("{:?}", request.to_connect().unwrap());
    assert!(shown.contains(r#"(":authority", "h:8080")"#), "{shown}");
    assert!(!shown.contains("0, 0, 0"), "{shown}");
}

/// HTTP/3 (RFC 9220) uses the same fields as HTTP/2: a request as an HTTP/3 stack hands it
/// over (`http::Version::HTTP_3`, QPACK-decoded fields) is validated and answered the
/// same way. (No released `h3` crate can carry `:protocol websocket` yet, so this is the
/// HTTP/3 test there is.)
#[cfg(feature = "http")]
#[test]
fn an_http3_extended_connect_is_validated_and_answered() {
    use rfc6455::handshake::http::{
        accept_connect_response, validate_connect_request, validate_connect_response,
    };
    let request = ClientRequest::from_uri("wss://example.com/feed", key())
        .unwrap()
        .with_subprotocols(&["feed"])
        .with_origin(Some("https://example.com"));
    let mut over_h3 = request.to_http_connect().unwrap();
    *over_h3.version_mut() = http::Version::HTTP_3;
    let mut fields = Vec::new();
    let received = validate_connect_request(&over_h3, Some("websocket"), &mut fields).unwrap();
    assert_eq!((received.scheme(), received.host()), ("https", "example.com"));
    OriginPolicy::SameHost.check_connect(&received).unwrap();
    let accept = Accept::new().with_subprotocol(received.select_subprotocol(&["feed"]));
    let (response, server) = accept_connect_response(&received, &accept).unwrap();
    let client = validate_connect_response(&request, &response).unwrap();
    assert_eq!((server.subprotocol(), client.subprotocol()), (Some("feed"), Some("feed")));
    let (mut client, mut server) = (
        client.into_connection(Config::default(), [1; 16]),
        server.into_connection(Config::default()),
    );
    assert_eq!(relay(&mut client, &mut server, "over a QUIC stream"), "over a QUIC stream");
}
