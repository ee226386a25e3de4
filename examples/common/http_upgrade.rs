//! What `examples/hyper_upgrade.rs` and `examples/axum_upgrade.rs` share: the crate's side
//! of a WebSocket upgrade inside an `http` stack (validate the request, answer with the
//! `101` or the error response, run the tokio driver over the upgraded connection) and the
//! demo client. Each example adds its HTTP framework: it routes the request here and turns
//! the `Vec<u8>` body of the answer into its own body type.

use core::net::SocketAddr;
use core::time::Duration;

use http::{Request, Response, StatusCode};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use rfc6455::handshake::http::{accept_response, reject_response, validate_request};
use rfc6455::handshake::ServerUpgrade;
use rfc6455::handshake::{Accept, ClientKey, ClientRequest, Limits, OriginPolicy, Reject};
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

/// The crate's answer to an upgrade request: the `101` and the upgrade that builds the
/// connection, or the error response.
fn answer<B>(request: &Request<B>, config: &Config) -> (Response<Vec<u8>>, Option<ServerUpgrade>) {
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

/// The demo: runs [`client`] against the server at `addr`, `hello` its first message.
pub(crate) async fn demo(addr: SocketAddr, hello: &str) -> Result<(), Box<dyn core::error::Error>> {
    tokio::time::timeout(Duration::from_secs(10), client(addr, hello)).await??;
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
    let mut ws =
        WebSocket::connect_with(stream, &mut reader, &request, config, &limits, random_mask_seed())
            .await?;
    println!("client: connected, subprotocol {:?}", ws.subprotocol());
    #[cfg(feature = "deflate")]
    println!("client: permessage-deflate {}", ws.connection().is_deflate_enabled());
    for text in [hello, "and again"] {
        ws.send_text(text).await?;
        let echoed = ws.recv(&mut reader).await?;
        println!("client: echoed {echoed:?}");
        assert_eq!(echoed, Received::Text(text));
    }
    ws.send_binary(&[0xDE, 0xAD, 0xBE, 0xEF]).await?;
    let echoed = ws.recv(&mut reader).await?;
    println!("client: echoed {echoed:?}");
    assert_eq!(echoed, Received::Binary(&[0xDE, 0xAD, 0xBE, 0xEF]));
    ws.close(CloseCode::NORMAL, "demo over").await?;
    while let Ok(message) = ws.recv(&mut reader).await {
        println!("client: got {message:?}");
    }
    println!("client: closed with {:?}", ws.close_code());
    assert_eq!(ws.close_code(), Some(CloseCode::NORMAL));
    Ok(())
}
