//! The handshake head parser against `httparse`, and property tests: round trip, no panic
//! on arbitrary bytes, split invariance.
//!
//! Differential contract: whatever `httparse` (default configuration) rejects, we reject;
//! on heads both accept, both see the same head length and the same headers. Where we
//! accept and it does not, or the other way round, the difference is one of the documented
//! decisions listed in [`Divergence`], each checked explicitly.
#![cfg(feature = "alloc")]

use proptest::prelude::*;
use rfc6455::handshake::{
    ClientHandshake, ClientKey, ClientRequest, ClientUpgrade, HandshakeError, Limits, Request,
    ResponseError, ServerHandshake, Status,
};

type Headers = Vec<(String, Vec<u8>)>;

/// What a parser made of a buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Partial,
    Complete { len: usize, headers: Headers },
    Error(Option<HandshakeError>),
}

fn collect<'a>(headers: impl Iterator<Item = rfc6455::handshake::Header<'a>>) -> Headers {
    headers.map(|h| (h.name.to_owned(), h.value.to_vec())).collect()
}

/// Turns an httparse result and the headers it filled into an [`Outcome`].
fn httparse_outcome(result: httparse::Result<usize>, headers: &[httparse::Header<'_>]) -> Outcome {
    match result {
        Ok(httparse::Status::Complete(len)) => Outcome::Complete {
            len,
            headers: headers.iter().map(|h| (h.name.to_owned(), h.value.to_vec())).collect(),
        },
        Ok(httparse::Status::Partial) => Outcome::Partial,
        Err(_) => Outcome::Error(None),
    }
}

fn httparse_request(buf: &[u8]) -> Outcome {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let result = request.parse(buf);
    httparse_outcome(result, request.headers)
}

fn httparse_response(buf: &[u8]) -> Outcome {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let result = response.parse(buf);
    httparse_outcome(result, response.headers)
}

fn our_request(buf: &[u8]) -> Outcome {
    match parse_request(buf, &Limits::default()) {
        Ok(Status::Complete(r)) => {
            Outcome::Complete { len: r.head_len(), headers: collect(r.headers()) }
        }
        Ok(Status::Partial) => Outcome::Partial,
        Err(error) => Outcome::Error(Some(error)),
    }
}

fn client() -> ClientRequest<'static> {
    ClientRequest::new("h", "/", ClientKey::from_random([1; 16]))
}

/// A whole buffer through a fresh server parser.
fn parse_request<'a>(
    buf: &'a [u8],
    limits: &Limits,
) -> Result<Status<Request<'a>>, HandshakeError> {
    ServerHandshake::new(*limits).parse_request(buf)
}

/// A whole buffer through a fresh client parser for [`client`].
fn parse_response(buf: &[u8]) -> Result<Status<ClientUpgrade>, ResponseError> {
    ClientHandshake::new(client(), Limits::default()).parse_response(buf)
}

/// Non-101 responses pass through the client as `Rejected` with their headers, so this
/// compares pure HTTP syntax.
fn our_response(buf: &[u8]) -> Outcome {
    response_summary(buf, parse_response(buf))
}

/// Our documented departures from `httparse`'s defaults.
#[derive(Debug, PartialEq, Eq)]
enum Divergence {
    /// We require CRLF; `httparse` also takes a bare LF as a line end.
    BareLf,
    /// We require ASCII in the request target; `httparse` takes UTF-8.
    NonAsciiTarget,
    /// `httparse` knows only HTTP/1.0 and 1.1; we parse `HTTP/DIGIT.DIGIT` (RFC 9112 §2.3)
    /// and accept 1.x with x >= 1 for a request (RFC 9112 §2.6).
    OtherVersion,
    /// `httparse` takes any visible characters as a request target; we take origin-form
    /// (starting with `/`) and absolute-form only (RFC 9112 §3.2), and refuse a target
    /// of no form (`chat`) as [`HandshakeError::InvalidTarget`].
    TargetForm,
}

fn first_line(buf: &[u8]) -> &[u8] {
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(buf.len());
    let rest = &buf[start..];
    &rest[..rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())]
}

fn divergences(buf: &[u8]) -> Vec<Divergence> {
    let mut found = Vec::new();
    if buf.iter().enumerate().any(|(i, &b)| b == b'\n' && (i == 0 || buf[i - 1] != b'\r')) {
        found.push(Divergence::BareLf);
    }
    let line = first_line(buf);
    if line.iter().any(|&b| b >= 0x80) {
        found.push(Divergence::NonAsciiTarget);
    }
    let target = line.split(|&b| b == b' ').nth(1).unwrap_or_default();
    if !target.starts_with(b"/") {
        found.push(Divergence::TargetForm);
    }
    if let Some(at) = line.windows(5).position(|w| w == b"HTTP/") {
        let version = &line[at + 5..line.len().min(at + 8)];
        if !(b"1.0".starts_with(version) || b"1.1".starts_with(version)) {
            found.push(Divergence::OtherVersion);
        }
    }
    found
}

/// Errors that are about HTTP syntax, as opposed to WebSocket semantics.
fn is_syntax_error(error: &HandshakeError) -> bool {
    matches!(
        error,
        HandshakeError::InvalidMethod
            | HandshakeError::InvalidTarget
            | HandshakeError::InvalidHttpVersion
            | HandshakeError::InvalidStatusLine
            | HandshakeError::InvalidHeaderName
            | HandshakeError::WhitespaceBeforeColon
            | HandshakeError::ObsoleteLineFolding
            | HandshakeError::InvalidHeaderValue
            | HandshakeError::InvalidLineEnding
            | HandshakeError::TooManyHeaders
    )
}

/// Checks the differential contract for one buffer; `semantic` says whether `ours` may
/// also reject for WebSocket reasons (requests) or not (non-101 responses).
fn check(buf: &[u8], theirs: &Outcome, ours: &Outcome) -> Result<(), TestCaseError> {
    let divergent = divergences(buf);
    let context =
        || format!("{:?}\nhttparse: {theirs:?}\nours: {ours:?}", buf.escape_ascii().to_string());
    match (theirs, ours) {
        (Outcome::Error(_), Outcome::Error(_)) => {}
        (Outcome::Error(_), _) => {
            prop_assert!(
                divergent.contains(&Divergence::OtherVersion),
                "we accept what httparse rejects: {}",
                context()
            );
        }
        (Outcome::Complete { .. }, Outcome::Complete { .. }) => {
            prop_assert_eq!(theirs, ours, "{}", context())
        }
        (Outcome::Partial, Outcome::Partial) => {}
        (Outcome::Complete { .. } | Outcome::Partial, Outcome::Error(Some(error))) => {
            let explained = !is_syntax_error(error) || !divergent.is_empty();
            prop_assert!(explained, "we reject what httparse accepts: {}", context());
        }
        _ => prop_assert!(false, "status mismatch: {}", context()),
    }
    Ok(())
}

// ===== Crafted heads =====

#[test]
fn crafted_requests_agree_with_httparse() {
    let base = "GET /chat?x=1 HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    let extras: &[&[u8]] = &[
        b"",
        b"X:v\r\n",
        b"X: \t v \t\r\n",
        b"X:\r\n",
        b"x-UPPER-lower: 1\r\n",
        b"X: caf\xc3\xa9 \xff\r\n",
        b"X : v\r\n",
        b"X\t: v\r\n",
        b" X: v\r\n",
        b"X: a\r\n b\r\n",
        b"X: a\rb\r\n",
        b"X: a\0b\r\n",
        b"X: a\x7fb\r\n",
        b"X: a\x01b\r\n",
        b"X(: v\r\n",
        b"X\x80: v\r\n",
        b": v\r\n",
        b"X v\r\n",
        b"X: v\n",
        b"X: v\r\r\n",
    ];
    for extra in extras {
        let mut wire = base.as_bytes().to_vec();
        wire.extend_from_slice(extra);
        wire.extend_from_slice(b"\r\n");
        check(&wire, &httparse_request(&wire), &our_request(&wire)).unwrap();
    }
    // Every request-target form: the same head length and headers where we accept.
    let targets = [
        ("http://h/chat?x=1", true),
        ("HTTPS://h:443/", true),
        ("http://evil.example/", false),
        ("h:443", false),
        ("*", false),
        ("ws://h/", false),
    ];
    for (target, accepted) in targets {
        let wire = format!("{}\r\n", base.replacen("/chat?x=1", target, 1));
        let ours = our_request(wire.as_bytes());
        check(wire.as_bytes(), &httparse_request(wire.as_bytes()), &ours).unwrap();
        assert_eq!(matches!(ours, Outcome::Complete { .. }), accepted, "{target}: {ours:?}");
    }
    let lines: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\n\r\n",
        b"\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        b"\nGET / HTTP/1.1\r\n\r\n",
        b"GET  / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1 \r\n\r\n",
        b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.2\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET / http/1.1\r\n\r\n",
        b"G@T / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h",
        b"GET / HTTP/1.1\r\nHost: h\r\n\r",
    ];
    for wire in lines {
        check(wire, &httparse_request(wire), &our_request(wire)).unwrap();
    }
}

#[test]
fn crafted_responses_agree_with_httparse() {
    let heads: &[&[u8]] = &[
        b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n",
        b"HTTP/1.1 200\r\n\r\n",
        b"HTTP/1.1 200 \r\n\r\n",
        b"HTTP/1.0 403 Forbidden\r\n\r\n",
        b"HTTP/1.1 404 Not \xfe Found\r\n\r\n",
        b"HTTP/1.1  200 OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 200 O\x01K\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA : b\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",
        b"HTTP/1.1 200 OK\nA: b\n\n",
        b"HTTP/1.2 200 OK\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\nbody",
    ];
    for wire in heads {
        check(wire, &httparse_response(wire), &our_response(wire)).unwrap();
    }
}

#[test]
fn documented_divergences_behave_as_documented() {
    assert_eq!(
        httparse_request(b"GET / HTTP/1.1\nHost: h\n\n"),
        Outcome::Complete { len: 24, headers: vec![("Host".into(), b"h".to_vec())] }
    );
    assert_eq!(
        our_request(b"GET / HTTP/1.1\nHost: h\n\n"),
        Outcome::Error(Some(HandshakeError::InvalidLineEnding))
    );
    for target in ["chat", "a/b?c", "?x"] {
        let wire = format!("GET {target} HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(matches!(httparse_request(wire.as_bytes()), Outcome::Complete { .. }), "{target}");
        assert_eq!(
            our_request(wire.as_bytes()),
            Outcome::Error(Some(HandshakeError::InvalidTarget)),
            "{target}"
        );
        assert_eq!(divergences(wire.as_bytes()), [Divergence::TargetForm], "{target}");
    }
    assert!(matches!(httparse_request(b"GET / HTTP/1.2\r\n\r\n"), Outcome::Error(_)));
    assert_eq!(
        our_request(b"GET / HTTP/1.2\r\n\r\n"),
        Outcome::Error(Some(HandshakeError::MissingHeader("Host"))),
        "1.2 is 1.1-compatible"
    );
}

// ===== Generated heads =====

/// Bytes that exercise every branch of the scanner.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        6 => prop::sample::select(b"abcXYZ019-_.!~".to_vec()),
        1 => prop::sample::select(b" \t:\r\n\0\x7f\x80\xff\",;=()".to_vec()),
        1 => any::<u8>(),
    ]
}

fn header_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => ("[A-Za-z][A-Za-z0-9-]{0,10}", "[ -~]{0,16}").prop_map(|(name, value)| format!("{name}: {value}\r\n").into_bytes()),
        1 => prop::collection::vec(interesting_byte(), 0..20).prop_map(|mut line| {
            line.extend_from_slice(b"\r\n");
            line
        }),
    ]
}

/// (position, byte, operation) edits applied to an otherwise well-formed head.
fn mutations() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    prop::collection::vec((any::<usize>(), interesting_byte(), 0u8..3), 0..3)
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, byte, op) in edits {
        let at = at % (bytes.len() + 1);
        match op {
            0 => bytes.insert(at, byte),
            1 if at < bytes.len() => bytes[at] = byte,
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

fn websocket_request() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(header_line(), 0..6), mutations(), any::<prop::sample::Index>())
        .prop_map(|(lines, edits, cut)| {
            let mut wire =
                b"GET /a?b=c HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    .to_vec();
            lines.iter().for_each(|line| wire.extend_from_slice(line));
            wire.extend_from_slice(b"\r\n");
            let wire = mutate(wire, &edits);
            let keep = if cut.index(8) == 0 { cut.index(wire.len() + 1) } else { wire.len() };
            wire[..keep].to_vec()
        })
}

fn plain_response() -> impl Strategy<Value = Vec<u8>> {
    (200u16..600, "[ -~]{0,12}", prop::collection::vec(header_line(), 0..6), mutations()).prop_map(
        |(status, reason, lines, edits)| {
            let mut wire = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
            lines.iter().for_each(|line| wire.extend_from_slice(line));
            wire.extend_from_slice(b"\r\n");
            mutate(wire, &edits)
        },
    )
}

/// A comparable summary of a server-side parse.
fn request_summary(
    result: Result<Status<Request<'_>>, HandshakeError>,
) -> Result<Option<(usize, Headers)>, HandshakeError> {
    result.map(|status| status.complete().map(|r| (r.head_len(), collect(r.headers()))))
}

/// A comparable summary of a client-side parse.
fn response_summary(buf: &[u8], result: Result<Status<ClientUpgrade>, ResponseError>) -> Outcome {
    match result {
        Ok(Status::Complete(a)) => {
            Outcome::Complete { len: a.head_len(), headers: collect(a.headers(buf)) }
        }
        Ok(Status::Partial) => Outcome::Partial,
        Err(ResponseError::Rejected(r)) => {
            Outcome::Complete { len: r.head_len(), headers: collect(r.headers(buf)) }
        }
        Err(ResponseError::Invalid(e)) => Outcome::Error(Some(e)),
    }
}

/// Sorted, deduplicated cut points inside `len`.
fn cuts(points: &[prop::sample::Index], len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = points.iter().map(|p| p.index(len + 1)).collect();
    cuts.push(len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_requests_agree_with_httparse(wire in websocket_request()) {
        check(&wire, &httparse_request(&wire), &our_request(&wire))?;
    }

    #[test]
    fn generated_responses_agree_with_httparse(wire in plain_response()) {
        check(&wire, &httparse_response(&wire), &our_response(&wire))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_request(&bytes, &Limits::default());
        if let Ok(Status::Complete(upgrade)) = parse_response(&bytes) {
            let _ = upgrade.headers(&bytes).count();
        }
        let tiny = Limits::default().with_max_head_len(7);
        let _ = parse_request(&bytes, &tiny);
    }

    #[test]
    fn any_split_gives_the_same_request_result(
        wire in prop_oneof![3 => websocket_request(), 1 => prop::collection::vec(interesting_byte(), 0..200)],
        points in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let whole = request_summary(parse_request(&wire, &Limits::default()));
        let mut server = ServerHandshake::default();
        let mut last = Ok(None);
        for end in cuts(&points, wire.len()) {
            last = request_summary(server.parse_request(&wire[..end]));
            if !matches!(last, Ok(None)) {
                break;
            }
        }
        prop_assert_eq!(last, whole);
    }

    #[test]
    fn byte_at_a_time_gives_the_same_response_result(wire in plain_response()) {
        let request = client();
        let whole = response_summary(&wire, parse_response(&wire));
        let mut handshake = ClientHandshake::new(request, Limits::default());
        let mut last = Outcome::Partial;
        for end in 0..=wire.len() {
            last = response_summary(&wire[..end], handshake.parse_response(&wire[..end]));
            if last != Outcome::Partial {
                break;
            }
        }
        prop_assert_eq!(last, whole);
    }

    #[test]
    fn built_requests_round_trip(
        host in "[a-z]{1,10}(\\.[a-z]{1,8}){0,2}",
        port in proptest::option::of(any::<u16>()),
        secure in any::<bool>(),
        path in "(/[A-Za-z0-9._~%-]{0,8}){0,3}",
        query in proptest::option::of("[a-z0-9=&]{0,12}"),
        protocols in prop::collection::btree_set("[a-z][a-z0-9.]{0,6}", 0..4),
        origin in proptest::option::of("https?://[a-z]{1,8}(:[0-9]{2,4})?"),
        extra in prop::collection::vec(("X-[A-Za-z]{1,8}", "[!-~]([ -~]{0,12}[!-~])?"), 0..4),
        nonce in any::<[u8; 16]>(),
    ) {
        let target = match &query {
            Some(query) => format!("{path}?{query}"),
            None => path.clone(),
        };
        let protocols: Vec<&str> = protocols.iter().map(String::as_str).collect();
        let extra: Vec<(&str, &str)> = extra.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let mut client = ClientRequest::new(&host, &target, ClientKey::from_random(nonce))
            .with_secure(secure)
            .with_subprotocols(&protocols)
            .with_origin(origin.as_deref())
            .with_headers(&extra);
        if let Some(port) = port {
            client = client.with_port(port);
        }
        let mut wire = Vec::new();
        client.write(&mut wire).unwrap();
        let whole_head = matches!(httparse_request(&wire), Outcome::Complete { len, .. } if len == wire.len());
        prop_assert!(whole_head);

        let request = parse_request(&wire, &Limits::default()).unwrap().complete().unwrap();
        let expected_target = if target.starts_with('/') { target.clone() } else { format!("/{target}") };
        prop_assert_eq!(request.target(), expected_target.as_str());
        let default_port = if secure { 443 } else { 80 };
        let expected_host = match port {
            Some(port) if port != default_port => format!("{host}:{port}"),
            _ => host.clone(),
        };
        prop_assert_eq!(request.host(), expected_host.as_str());
        prop_assert_eq!(request.origin(), origin.as_deref());
        prop_assert_eq!(request.subprotocols().collect::<Vec<_>>(), protocols.clone());
        for (name, value) in &extra {
            prop_assert!(request.headers().any(|h| h.name == *name && h.value == value.as_bytes()));
        }

        let chosen = protocols.last().copied();
        let accept = rfc6455::handshake::Accept::new().with_subprotocol(chosen);
        let mut answer = Vec::new();
        let server_upgrade = request.accept(&accept, &mut answer).unwrap();
        prop_assert_eq!(server_upgrade.subprotocol(), chosen);
        prop_assert_eq!(server_upgrade.head_len(), wire.len());
        match ClientHandshake::new(client, Limits::default()).parse_response(&answer) {
            Ok(Status::Complete(upgrade)) => {
                prop_assert_eq!(upgrade.subprotocol(), chosen);
                prop_assert_eq!(upgrade.head_len(), answer.len());
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}

/// Guards against a vacuous differential: the generators must produce heads that both
/// parsers accept, as well as heads both reject.
#[test]
fn generators_cover_both_outcomes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let (mut both_accept, mut both_reject) = (0, 0);
    for _ in 0..500 {
        let wire = websocket_request().new_tree(&mut runner).unwrap().current();
        match (httparse_request(&wire), our_request(&wire)) {
            (Outcome::Complete { .. }, Outcome::Complete { .. }) => both_accept += 1,
            (Outcome::Error(_), Outcome::Error(_)) => both_reject += 1,
            _ => {}
        }
    }
    assert!(both_accept > 100, "{both_accept} accepted by both");
    assert!(both_reject > 50, "{both_reject} rejected by both");
}
