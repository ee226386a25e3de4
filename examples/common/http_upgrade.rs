//! What `examples/hyper_upgrade.rs` and `examples/axum_upgrade.rs` share: the crate's side
//! of a WebSocket opening inside an `http` stack (validate the request, answer with the
//! `101` or `200` or the error response, run the tokio driver over the upgraded connection
//! or stream) and the demo clients. Each example adds its HTTP framework: it routes the
//! request here and turns the `Vec<u8>` body of the answer into its own body type.
//!
//! Both protocols arrive at the same route: an HTTP/1.1 `GET` with `Upgrade: websocket`
//! (RFC 6455), and over HTTP/2 an extended `CONNECT` with `:protocol websocket` (RFC 8441),
//! which hyper hands over as an upgrade of the stream once the `200` is sent.

use core::net::SocketAddr;
use core::time::Duration;

use http::{Request, Response, StatusCode};
use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::ext::Protocol;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rfc6455::handshake::http::{
    accept_connect_response, accept_response, reject_connect_response, reject_response,
    validate_connect_request, validate_connect_response, validate_request,
};
use rfc6455::handshake::ServerUpgrade;
use rfc6455::handshake::{Accept, ClientKey, ClientRequest, Limits, OriginPolicy, Reject};
use rfc6455::message::MessageBuffer;
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{random_mask_seed, CloseCode, Config, MessageReader, Received};
use tokio::net::TcpStream;

/// The one path that speaks WebSocket.
pub(crate) const PATH: &str = "/echo";
/// The subprotocols the server speaks, in its order of preference.
const PROTOCOLS: &[&str] = &["echo.v1"];

/// Answers an upgrade request: the `101` (and, once the HTTP stack has written it and
/// handed over the connection, the echo over the WebSocket in a task of its own), or the
/// error response (400, 403, 405, 426, ...).
pub(crate) fn upgrade<B>(request: &mut Request<B>) -> Response<Vec<u8>> {
    let config = Config::default();
    let (response, upgrade) = answer(request, &config);
    if let Some(upgrade) = upgrade {
        // Fulfilled by hyper once the `101` is written and the connection is handed
        // over; so it must be awaited in another task, never in the request's handler.
        let on_upgrade = hyper::upgrade::on(request);
        tokio::spawn(serve_upgraded(on_upgrade, upgrade, config));
    }
    response
}

/// The crate's answer to an upgrade request: the `101` (or over HTTP/2 the `200`) and the
/// upgrade that builds the connection, or the error response.
fn answer<B>(request: &Request<B>, config: &Config) -> (Response<Vec<u8>>, Option<ServerUpgrade>) {
    if request.version() == http::Version::HTTP_2 {
        return answer_connect(request, config);
    }
    let mut buf = Vec::new();
    let request = match validate_request(request, &mut buf) {
        Ok(request) => request,
        Err(error) => return (rejection(&Reject::from_error(error)), None),
    };
    // Browsers send `Origin`; refuse pages of other sites (cross-site WebSocket hijacking).
    if let Err(error) = OriginPolicy::SameHost.check(&request) {
        return (rejection(&Reject::from_error(error)), None);
    }
    let accept = Accept::new().with_subprotocol(request.select_subprotocol(PROTOCOLS));
    #[cfg(feature = "deflate")]
    let accept = accept.with_deflate(*config.deflate());
    #[cfg(not(feature = "deflate"))]
    let _ = config;
    match accept_response(&request, &accept) {
        // A `101` has no body.
        Ok((response, upgrade)) => (response.map(|()| Vec::new()), Some(upgrade)),
        // Only for an `Accept` that does not fit the request (a subprotocol not offered).
        Err(error) => {
            eprintln!("server: {error}");
            (rejection(&Reject::new(500)), None)
        }
    }
}

/// The same over HTTP/2: an extended CONNECT, answered with a `200` and the same choices.
fn answer_connect<B>(
    request: &Request<B>,
    config: &Config,
) -> (Response<Vec<u8>>, Option<ServerUpgrade>) {
    // hyper keeps the `:protocol` pseudo-header field in the request's extensions.
    let protocol = request.extensions().get::<Protocol>().map(Protocol::as_str);
    let mut fields = Vec::new();
    let request = match validate_connect_request(request, protocol, &mut fields) {
        Ok(request) => request,
        Err(error) => return (connect_rejection(&Reject::from_error(error)), None),
    };
    if let Err(error) = OriginPolicy::SameHost.check_connect(&request) {
        return (connect_rejection(&Reject::from_error(error)), None);
    }
    let accept = Accept::new().with_subprotocol(request.select_subprotocol(PROTOCOLS));
    #[cfg(feature = "deflate")]
    let accept = accept.with_deflate(*config.deflate());
    #[cfg(not(feature = "deflate"))]
    let _ = config;
    match accept_connect_response(&request, &accept) {
        Ok((response, upgrade)) => (response.map(|()| Vec::new()), Some(upgrade)),
        Err(error) => {
            eprintln!("server: {error}");
            (connect_rejection(&Reject::new(500)), None)
        }
    }
}

/// An error response over HTTP/2: no `connection` field, `allow: CONNECT` with a 405.
fn connect_rejection(reject: &Reject<'_>) -> Response<Vec<u8>> {
    reject_connect_response(reject).unwrap_or_else(|_| {
        // Unreachable: a `Reject` of a status in 200..=599 without extra headers.
        let mut response = Response::new(Vec::new());
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

/// The error response `reject` describes, as the crate writes it (`Connection: close`,
/// a text body, `Sec-WebSocket-Version: 13` with a 426).
pub(crate) fn rejection(reject: &Reject<'_>) -> Response<Vec<u8>> {
    reject_response(reject).unwrap_or_else(|_| {
        // Unreachable: a `Reject` of a status in 200..=599 without extra headers.
        let mut response = Response::new(Vec::new());
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

/// Waits for hyper to hand over the connection, then runs the echo over it.
async fn serve_upgraded(on_upgrade: OnUpgrade, upgrade: ServerUpgrade, config: Config) {
    let upgraded = match on_upgrade.await {
        Ok(upgraded) => upgraded,
        Err(e) => return eprintln!("server: upgrade failed: {e}"),
    };
    // No leftover to feed to the reader: bytes hyper read past the request head (frames
    // the client sent right behind it) stay in `Upgraded`, which hands them out through
    // its first reads before reading the socket again (in hyper 1.x, `Upgraded` wraps the
    // IO in a rewinding reader over its read buffer). Only `Upgraded::downcast` takes them
    // out, as `Parts::read_buf`, which then goes to `MessageReader::feed`. tests/hyper.rs
    // checks this.
    let ws = WebSocket::from_connection(TokioIo::new(upgraded), upgrade.into_connection(config));
    if let Err(e) = echo(ws).await {
        eprintln!("server: {e}");
    }
}

/// Every message sent straight back; pings and Close frames are answered by the driver.
async fn echo(mut ws: WebSocket<TokioIo<Upgraded>>) -> Result<(), Error> {
    let mut reader = MessageReader::default();
    loop {
        match ws.recv(&mut reader).await {
            Ok(Received::Text(text)) => ws.send_text(text).await?,
            Ok(Received::Binary(data)) => ws.send_binary(data).await?,
            Ok(_) => {}
            Err(Error::Closed) => break,
            Err(e) => return Err(e),
        }
    }
    println!("server: closed with {:?}", ws.close_code());
    Ok(())
}

/// The demo: runs [`client`] against the server at `addr`, `hello` its first message,
/// then two WebSockets at once over one HTTP/2 connection ([`client_h2`]).
pub(crate) async fn demo(addr: SocketAddr, hello: &str) -> Result<(), Box<dyn core::error::Error>> {
    tokio::time::timeout(Duration::from_secs(10), client(addr, hello)).await??;
    tokio::time::timeout(Duration::from_secs(10), client_h2(addr, hello)).await??;
    // Let the server task print its line.
    tokio::time::sleep(Duration::from_millis(50)).await;
    println!("demo finished");
    Ok(())
}

/// A client of this crate's tokio driver, over a plain `TcpStream`.
async fn client(addr: SocketAddr, hello: &str) -> Result<(), Box<dyn core::error::Error>> {
    let mut reader = MessageReader::default();
    let uri = format!("ws://{addr}{PATH}");
    let key = ClientKey::from_random(random_mask_seed());
    let request = ClientRequest::from_uri(&uri, key)?.with_subprotocols(&["echo.v1"]);
    let stream = TcpStream::connect(addr).await?;
    let (config, limits) = (Config::default(), Limits::default());
    let ws =
        WebSocket::connect_with(stream, &mut reader, &request, config, &limits, random_mask_seed())
            .await?;
    println!("client: connected, subprotocol {:?}", ws.subprotocol());
    conversation("client", ws, &mut reader, hello).await
}

/// Two clients at once over one HTTP/2 connection (prior knowledge, `h2c`): each sends an
/// extended CONNECT on a stream of its own with hyper's HTTP/2 client, and runs the tokio
/// driver over the stream hyper hands over.
async fn client_h2(addr: SocketAddr, hello: &str) -> Result<(), Box<dyn core::error::Error>> {
    let stream = TcpStream::connect(addr).await?;
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    // An extended CONNECT is refused until the server's SETTINGS (with
    // ENABLE_CONNECT_PROTOCOL) are in. They come before any response: one plain request
    // first (the server answers 404 outside the WebSocket route) makes sure of them.
    let page = Request::get(format!("http://{addr}/")).body(Empty::<Bytes>::new())?;
    let answered = sender.clone().send_request(page).await?;
    println!("h2 client: GET / answered {}", answered.status());
    let uri = format!("ws://{addr}{PATH}");
    let key = ClientKey::from_random(random_mask_seed()); // not sent over HTTP/2
    let request = ClientRequest::from_uri(&uri, key)?.with_subprotocols(&["echo.v1"]);
    #[cfg(feature = "deflate")]
    let request = request.with_deflate(*Config::default().deflate());
    let open = |mut sender: hyper::client::conn::http2::SendRequest<Empty<Bytes>>| async move {
        let mut outgoing = request.to_http_connect()?.map(|()| Empty::<Bytes>::new());
        outgoing.extensions_mut().insert(Protocol::from_static("websocket"));
        let response = sender.send_request(outgoing).await?;
        let upgrade = validate_connect_response(&request, &response)?;
        println!(
            "h2 client: {} on a stream, subprotocol {:?}",
            response.status(),
            upgrade.subprotocol()
        );
        assert_eq!(upgrade.subprotocol(), Some("echo.v1"));
        let stream = hyper::upgrade::on(response).await?;
        let conn = upgrade.into_connection(Config::default(), random_mask_seed());
        Ok::<_, Box<dyn core::error::Error>>(WebSocket::from_connection(TokioIo::new(stream), conn))
    };
    let (first, second) = tokio::try_join!(open(sender.clone()), open(sender))?;
    let (mut first_reader, mut second_reader) =
        (MessageReader::default(), MessageReader::default());
    let second_hello = format!("{hello}, on a second stream");
    tokio::try_join!(
        conversation("h2 client 1", first, &mut first_reader, hello),
        conversation("h2 client 2", second, &mut second_reader, &second_hello),
    )?;
    Ok(())
}

/// Text, binary and the close handshake, each echo checked.
async fn conversation<S>(
    who: &str,
    mut ws: WebSocket<S>,
    reader: &mut MessageReader<Vec<u8>, MessageBuffer>,
    hello: &str,
) -> Result<(), Box<dyn core::error::Error>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    #[cfg(feature = "deflate")]
    println!("{who}: permessage-deflate {}", ws.connection().is_deflate_enabled());
    for text in [hello, "and again"] {
        ws.send_text(text).await?;
        let echoed = ws.recv(reader).await?;
        println!("{who}: echoed {echoed:?}");
        assert_eq!(echoed, Received::Text(text));
    }
    ws.send_binary(&[0xDE, 0xAD, 0xBE, 0xEF]).await?;
    let echoed = ws.recv(reader).await?;
    println!("{who}: echoed {echoed:?}");
    assert_eq!(echoed, Received::Binary(&[0xDE, 0xAD, 0xBE, 0xEF]));
    ws.close(CloseCode::NORMAL, "demo over").await?;
    while let Ok(message) = ws.recv(reader).await {
        println!("{who}: got {message:?}");
    }
    println!("{who}: closed with {:?}", ws.close_code());
    assert_eq!(ws.close_code(), Some(CloseCode::NORMAL));
    Ok(())
}
