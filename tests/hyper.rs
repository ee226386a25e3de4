//! The crate's handshake inside a hyper 1.x server (features `http` and `tokio`), as in
//! `examples/hyper_upgrade.rs`: hyper parses the request, `validate_request` checks it,
//! `accept_response` / `reject_response` answer it through hyper, and the tokio driver
//! runs over hyper's `Upgraded`. Checked from the wire: a good upgrade echoes, bad
//! requests get the crate's error responses, and frames sent in the same write as the
//! request head survive the upgrade. Over HTTP/2 (RFC 8441, hyper's extended CONNECT):
//! a session runs over the upgraded stream, and bad requests get the crate's answers
//! without connection-specific fields.

#![cfg(all(feature = "http", feature = "tokio"))]

use core::convert::Infallible;
use core::net::SocketAddr;
use core::time::Duration;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http2::SendRequest;
use hyper::ext::Protocol;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rfc6455::handshake::http::{
    accept_connect_response, accept_response, reject_connect_response, reject_response,
    validate_connect_request, validate_connect_response, validate_request,
};
use rfc6455::handshake::{
    accept_key, Accept, ClientKey, ClientRequest, HandshakeError, Limits, OriginPolicy, Reject,
};
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{CloseCode, Config, MessageReader, Received};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PATH: &str = "/echo";
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// Bounds every exchange: a hang is a failure, not a stuck CI run.
const LIMIT: Duration = Duration::from_secs(10);

/// Starts the server of the example on a free loopback port: HTTP/1.1 with upgrades, or
/// HTTP/2 (prior knowledge) with the extended CONNECT.
async fn server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut http = auto::Builder::new(TokioExecutor::new());
                http.http2().enable_connect_protocol();
                let io = TokioIo::new(stream);
                let _ = http.serve_connection_with_upgrades(io, service_fn(handle)).await;
            });
        }
    });
    addr
}

async fn handle(mut request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let h2 = request.version() == hyper::Version::HTTP_2;
    let rejection = |reject: Reject<'_>| {
        let response = if h2 { reject_connect_response(&reject) } else { reject_response(&reject) };
        Ok(response.unwrap().map(Full::from))
    };
    if request.uri().path() != PATH {
        return rejection(Reject::new(404));
    }
    if h2 {
        return Ok(handle_connect(&mut request)
            .unwrap_or_else(|reject| reject_connect_response(&reject).unwrap().map(Full::from)));
    }
    let config = Config::default();
    let mut buf = Vec::new();
    let valid = match validate_request(&request, &mut buf) {
        Ok(valid) => valid,
        Err(error) => return rejection(Reject::from_error(error)),
    };
    if let Err(error) = OriginPolicy::SameHost.check(&valid) {
        return rejection(Reject::from_error(error));
    }
    let accept = Accept::new().with_subprotocol(valid.select_subprotocol(&["echo.v1"]));
    #[cfg(feature = "deflate")]
    let accept = accept.with_deflate(*config.deflate());
    let (response, upgrade) = accept_response(&valid, &accept).unwrap();
    tokio::spawn(echo(hyper::upgrade::on(&mut request), upgrade.into_connection(config)));
    Ok(response.map(|()| Full::default()))
}

/// The extended CONNECT: validated from hyper's request and its `:protocol`, answered with
/// a `200`, the echo spawned on the stream hyper hands over.
fn handle_connect(
    request: &mut Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Reject<'static>> {
    let config = Config::default();
    let protocol = request.extensions().get::<Protocol>().map(Protocol::as_str);
    let mut fields = Vec::new();
    let valid =
        validate_connect_request(request, protocol, &mut fields).map_err(Reject::from_error)?;
    OriginPolicy::SameHost.check_connect(&valid).map_err(Reject::from_error)?;
    let accept = Accept::new().with_subprotocol(valid.select_subprotocol(&["echo.v1"]));
    #[cfg(feature = "deflate")]
    let accept = accept.with_deflate(*config.deflate());
    let (response, upgrade) = accept_connect_response(&valid, &accept).unwrap();
    tokio::spawn(echo(hyper::upgrade::on(request), upgrade.into_connection(config)));
    Ok(response.map(|()| Full::default()))
}

/// Echoes every message over the upgraded connection or stream.
async fn echo(on_upgrade: hyper::upgrade::OnUpgrade, conn: rfc6455::Connection) {
    let io = TokioIo::new(on_upgrade.await.unwrap());
    let mut ws = WebSocket::from_connection(io, conn);
    let mut reader = MessageReader::default();
    loop {
        match ws.recv(&mut reader).await {
            Ok(Received::Text(text)) => ws.send_text(text).await.unwrap(),
            Ok(Received::Binary(data)) => ws.send_binary(data).await.unwrap(),
            Ok(_) => {}
            Err(Error::Closed) => break,
            Err(e) => panic!("server: {e}"),
        }
    }
}

/// Writes `request` in one write and reads until the server closes the connection.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(LIMIT, stream.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes the connection in time")
        .unwrap();
    answer
}

/// A request head on `path` with the usual upgrade headers, less the one named `skip`,
/// plus `extra` lines.
fn head(addr: SocketAddr, path: &str, skip: &str, extra: &str) -> Vec<u8> {
    let lines = [
        format!("Host: {addr}\r\n"),
        "Upgrade: websocket\r\n".into(),
        "Connection: Upgrade\r\n".into(),
        format!("Sec-WebSocket-Key: {KEY}\r\n"),
        "Sec-WebSocket-Version: 13\r\n".into(),
    ];
    let mut text = format!("GET {path} HTTP/1.1\r\n");
    for line in lines.iter().filter(|line| !line.starts_with(skip) || skip.is_empty()) {
        text.push_str(line);
    }
    text.push_str(extra);
    text.push_str("\r\n");
    text.into_bytes()
}

/// A response: status, lowercased headers, and what followed the head.
struct Answer {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    rest: Vec<u8>,
}

impl Answer {
    fn parse(bytes: &[u8]) -> Self {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(len) = response.parse(bytes).unwrap() else {
            panic!("incomplete response: {:?}", String::from_utf8_lossy(bytes));
        };
        let headers = response
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
            .collect();
        Self { status: response.code.unwrap(), headers, rest: bytes[len..].to_vec() }
    }

    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// Checks that this is the response `reject_response` builds for `reject`: its
    /// status, every one of its headers, and its body.
    fn assert_is(&self, reject: Reject<'_>) {
        let expected = reject_response(&reject).unwrap();
        assert_eq!(self.status, expected.status().as_u16());
        for (name, value) in expected.headers() {
            assert_eq!(self.header(name.as_str()), Some(value.as_bytes()), "header {name}");
        }
        assert_eq!(self.rest, *expected.body());
    }
}

/// A client frame: FIN, `opcode`, masked with a fixed key, payload under 126 bytes.
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let mut frame = vec![0x80 | opcode, 0x80 | u8::try_from(payload.len()).unwrap()];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    frame
}

/// Splits unmasked server frames with payloads under 126 bytes into (first byte, payload).
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while let [first, len, rest @ ..] = bytes {
        let len = usize::from(*len);
        assert!(len < 126, "a short unmasked frame");
        frames.push((*first, rest[..len].to_vec()));
        bytes = &rest[len..];
    }
    assert!(bytes.is_empty(), "a partial frame at the end");
    frames
}

#[tokio::test]
async fn good_upgrade_echoes_over_upgraded() {
    let addr = server().await;
    let uri = format!("ws://{addr}{PATH}");
    let request = ClientRequest::from_uri(&uri, ClientKey::from_random([7; 16]))
        .unwrap()
        .with_subprotocols(&["other", "echo.v1"]);
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut reader = MessageReader::default();
    let session = async {
        let ws = WebSocket::connect_with(
            stream,
            &mut reader,
            &request,
            Config::default(),
            &Limits::default(),
            [9; 16],
        )
        .await?;
        assert_eq!(ws.subprotocol(), Some("echo.v1"));
        #[cfg(feature = "deflate")]
        assert!(ws.connection().is_deflate_enabled(), "permessage-deflate agreed through hyper");
        talk(ws, &mut reader, "Hello, hyper").await
    };
    tokio::time::timeout(LIMIT, session).await.unwrap().unwrap();
}

/// Text, a message larger than any one read (and than an HTTP/2 stream's initial 64 KiB
/// window), a ping, and the close handshake, against the echo server.
async fn talk<S>(
    mut ws: WebSocket<S>,
    reader: &mut MessageReader<Vec<u8>, rfc6455::message::MessageBuffer>,
    hello: &str,
) -> Result<(), Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    ws.send_text(hello).await?;
    assert_eq!(ws.recv(reader).await?, Received::Text(hello));
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    ws.send_binary(&big).await?;
    assert_eq!(ws.recv(reader).await?, Received::Binary(&big));
    ws.send_ping(b"are you there").await?;
    let Received::Pong(pong) = ws.recv(reader).await? else { panic!("a pong") };
    assert_eq!(pong, b"are you there");
    ws.close(CloseCode::NORMAL, "done").await?;
    assert!(matches!(ws.recv(reader).await?, Received::Close(_)));
    assert!(matches!(ws.recv(reader).await, Err(Error::Closed)));
    assert_eq!(ws.close_code(), Some(CloseCode::NORMAL));
    Ok(())
}

#[tokio::test]
async fn missing_key_gets_the_crates_400() {
    let addr = server().await;
    let answer = exchange(addr, &head(addr, PATH, "Sec-WebSocket-Key", "")).await;
    let answer = Answer::parse(&answer);
    answer.assert_is(Reject::from_error(HandshakeError::MissingHeader("Sec-WebSocket-Key")));
    assert_eq!(answer.status, 400);
    assert_eq!(answer.header("connection"), Some(&b"close"[..]));
}

#[tokio::test]
async fn wrong_version_gets_the_crates_426() {
    let addr = server().await;
    let request = head(addr, PATH, "Sec-WebSocket-Version", "Sec-WebSocket-Version: 8\r\n");
    let answer = Answer::parse(&exchange(addr, &request).await);
    answer.assert_is(Reject::from_error(HandshakeError::UnsupportedWebSocketVersion));
    assert_eq!(answer.status, 426);
    assert_eq!(answer.header("sec-websocket-version"), Some(&b"13"[..]));
}

#[tokio::test]
async fn post_gets_the_crates_405() {
    let addr = server().await;
    let mut request = head(addr, PATH, "", "");
    request.splice(..3, *b"POST");
    let answer = Answer::parse(&exchange(addr, &request).await);
    answer.assert_is(Reject::from_error(HandshakeError::MethodNotGet));
    assert_eq!(answer.header("allow"), Some(&b"GET"[..]));
}

#[tokio::test]
async fn foreign_origin_gets_403() {
    let addr = server().await;
    let request = head(addr, PATH, "", "Origin: https://evil.example\r\n");
    let answer = Answer::parse(&exchange(addr, &request).await);
    answer.assert_is(Reject::from_error(HandshakeError::ForbiddenOrigin));
    assert_eq!(answer.status, 403);

    // The page's own origin passes.
    let request = head(addr, PATH, "", &format!("Origin: http://{addr}\r\n"));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&request).await.unwrap();
    let mut answer = vec![0; 1024];
    let n = tokio::time::timeout(LIMIT, stream.read(&mut answer)).await.unwrap().unwrap();
    assert_eq!(Answer::parse(&answer[..n]).status, 101);
}

#[tokio::test]
async fn unknown_path_gets_404() {
    let addr = server().await;
    let answer = Answer::parse(&exchange(addr, &head(addr, "/elsewhere", "", "")).await);
    answer.assert_is(Reject::new(404));
}

/// The client's first frames in the same write as its request head: hyper reads them
/// with the head and must hand them over in `Upgraded`, or the session stalls.
#[tokio::test]
async fn frames_pipelined_with_the_head_survive_the_upgrade() {
    let addr = server().await;
    let mut request = head(addr, PATH, "", "");
    request.extend(masked(0x1, b"hello"));
    request.extend(masked(0x2, &[1, 2, 3]));
    request.extend(masked(0x9, b"p"));
    request.extend(masked(0x8, &1000u16.to_be_bytes()));
    let answer = Answer::parse(&exchange(addr, &request).await);
    assert_eq!(answer.status, 101);
    assert_eq!(answer.header("sec-websocket-accept"), Some(accept_key(KEY.as_bytes()).as_bytes()));
    assert_eq!(
        frames(&answer.rest),
        [
            (0x81, b"hello".to_vec()),
            (0x82, vec![1, 2, 3]),
            (0x8A, b"p".to_vec()),
            (0x88, 1000u16.to_be_bytes().to_vec()),
        ]
    );
}

/// An HTTP/2 client connection to `addr` (prior knowledge), once the server's SETTINGS are
/// in: they precede the answer to a first plain request (404 outside the route).
async fn h2_client(addr: SocketAddr) -> SendRequest<Empty<Bytes>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let page = Request::get(format!("http://{addr}/")).body(Empty::new()).unwrap();
    assert_eq!(sender.send_request(page).await.unwrap().status(), 404);
    sender
}

/// An extended CONNECT to [`PATH`] for `protocol`, with the usual fields (less the one
/// named `skip`) plus `extra`; returns the status, the headers and the body.
async fn h2_exchange(
    sender: &mut SendRequest<Empty<Bytes>>,
    addr: SocketAddr,
    protocol: &'static str,
    skip: &str,
    extra: &[(&str, &str)],
) -> Response<Bytes> {
    let mut request = Request::connect(format!("http://{addr}{PATH}"))
        .version(hyper::Version::HTTP_2)
        .body(Empty::new())
        .unwrap();
    request.extensions_mut().insert(Protocol::from_static(protocol));
    let headers = request.headers_mut();
    for (name, value) in [("sec-websocket-version", "13")].iter().chain(extra) {
        if *name != skip {
            let name = hyper::header::HeaderName::from_bytes(name.as_bytes()).unwrap();
            headers.append(name, value.parse().unwrap());
        }
    }
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = tokio::time::timeout(LIMIT, body.collect()).await.unwrap().unwrap().to_bytes();
    Response::from_parts(parts, body)
}

/// Checks `response` is what `reject_connect_response` builds for `reject`.
fn assert_h2_rejection(response: &Response<Bytes>, reject: Reject<'_>) {
    let expected = reject_connect_response(&reject).unwrap();
    assert_eq!(response.status(), expected.status());
    for (name, value) in expected.headers() {
        assert_eq!(response.headers().get(name), Some(value), "header {name}");
    }
    assert!(response.headers().get("connection").is_none());
    assert_eq!(response.body().as_ref(), expected.body().as_slice());
}

#[tokio::test]
async fn h2_extended_connect_echoes_over_the_stream() {
    let addr = server().await;
    let mut reader_h2 = MessageReader::default();
    let sender = h2_client(addr).await;
    let uri = format!("ws://{addr}{PATH}");
    let request = ClientRequest::from_uri(&uri, ClientKey::from_random([7; 16]))
        .unwrap()
        .with_subprotocols(&["other", "echo.v1"]);
    #[cfg(feature = "deflate")]
    let request = request.with_deflate(*Config::default().deflate());
    let session = async {
        let mut outgoing = request.to_http_connect().unwrap().map(|()| Empty::<Bytes>::new());
        outgoing.extensions_mut().insert(Protocol::from_static("websocket"));
        let response = sender.clone().send_request(outgoing).await.unwrap();
        assert_eq!(response.status(), 200);
        let upgrade = validate_connect_response(&request, &response).unwrap();
        assert_eq!(upgrade.subprotocol(), Some("echo.v1"));
        #[cfg(feature = "deflate")]
        assert!(upgrade.deflate().is_some(), "permessage-deflate agreed over HTTP/2");
        let stream = TokioIo::new(hyper::upgrade::on(response).await.unwrap());
        let ws =
            WebSocket::from_connection(stream, upgrade.into_connection(Config::default(), [9; 16]));
        talk(ws, &mut reader_h2, "Hello, h2").await
    };
    tokio::time::timeout(LIMIT, session).await.unwrap().unwrap();
}

#[tokio::test]
async fn h2_bad_requests_get_the_crates_answers() {
    let addr = server().await;
    let mut sender = h2_client(addr).await;
    let other = h2_exchange(&mut sender, addr, "webtransport", "", &[]).await;
    assert_h2_rejection(&other, Reject::from_error(HandshakeError::InvalidHeader(":protocol")));
    assert_eq!(other.status(), 400);

    let old = h2_exchange(
        &mut sender,
        addr,
        "websocket",
        "sec-websocket-version",
        &[("sec-websocket-version", "8")],
    )
    .await;
    assert_h2_rejection(&old, Reject::from_error(HandshakeError::UnsupportedWebSocketVersion));
    assert_eq!(old.headers()["sec-websocket-version"], "13");

    let evil =
        h2_exchange(&mut sender, addr, "websocket", "", &[("origin", "https://evil.example")])
            .await;
    assert_h2_rejection(&evil, Reject::from_error(HandshakeError::ForbiddenOrigin));
    assert_eq!(evil.status(), 403);

    // A plain GET of the route over HTTP/2 is no WebSocket: 405, `allow: CONNECT`.
    let get = Request::get(format!("http://{addr}{PATH}")).body(Empty::new()).unwrap();
    let response = sender.send_request(get).await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "CONNECT");

    // The connection is still good for a WebSocket after all that.
    let own =
        h2_exchange(&mut sender, addr, "websocket", "", &[("origin", &format!("http://{addr}"))])
            .await;
    assert_eq!(own.status(), 200);
}
