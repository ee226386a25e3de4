//! A WebSocket endpoint inside a hyper 1.x server: hyper parses the HTTP request, this
//! crate validates it and writes the `101`, and after hyper hands over the connection
//! the tokio driver runs the WebSocket over it.
//!
//! `cargo run --example hyper_upgrade --features http,tokio` starts the server on a free
//! port, runs a client against it and exits; `-- serve 127.0.0.1:9002` only serves.
//! Add the `deflate` feature and permessage-deflate is agreed as well.

use core::convert::Infallible;
use core::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rfc6455::handshake::http::{accept_response, reject_response, validate_request};
use rfc6455::handshake::ServerUpgrade;
use rfc6455::handshake::{Accept, ClientKey, ClientRequest, Limits, OriginPolicy, Reject};
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{random_mask_seed, CloseCode, Config, MessageReader, Received};
use tokio::net::{TcpListener, TcpStream};

/// The one path that speaks WebSocket; the rest of the site would be served as usual.
const PATH: &str = "/echo";
/// The subprotocols the server speaks, in its order of preference.
const PROTOCOLS: &[&str] = &["echo.v1"];

/// The whole server: hyper's HTTP/1.1 on each connection, with upgrades enabled.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let http = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(handle))
                .with_upgrades();
            if let Err(e) = http.await {
                eprintln!("server: http: {e}");
            }
        });
    }
}

/// One HTTP request: the WebSocket upgrade on [`PATH`], 404 elsewhere.
async fn handle(mut request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.uri().path() != PATH {
        return Ok(rejection(&Reject::new(404)));
    }
    let config = Config::default();
    let (response, upgrade) = answer(&request, &config);
    if let Some(upgrade) = upgrade {
        // Fulfilled by hyper once the `101` below is written and the connection is
        // handed over; so it must be awaited in another task, never in this handler.
        let on_upgrade = hyper::upgrade::on(&mut request);
        tokio::spawn(async move {
            let upgraded = match on_upgrade.await {
                Ok(upgraded) => upgraded,
                Err(e) => return eprintln!("server: upgrade failed: {e}"),
            };
            // No leftover to feed to the reader: bytes hyper read past the request head
            // (frames the client sent right behind it) stay in `Upgraded`, which hands
            // them out through its first reads before reading the socket again (in
            // hyper 1.x, `Upgraded` wraps the IO in a rewinding reader over its read
            // buffer). Only `Upgraded::downcast` takes them out, as `Parts::read_buf`,
            // which then goes to `MessageReader::feed`. tests/hyper.rs checks this.
            let ws =
                WebSocket::from_connection(TokioIo::new(upgraded), upgrade.into_connection(config));
            if let Err(e) = echo(ws).await {
                eprintln!("server: {e}");
            }
        });
    }
    Ok(response)
}

/// The crate's answer to an upgrade request: the `101` and the upgrade that builds the
/// connection, or the error response (400, 403, 405, 426, ...).
fn answer<B>(
    request: &Request<B>,
    config: &Config,
) -> (Response<Full<Bytes>>, Option<ServerUpgrade>) {
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
        Ok((response, upgrade)) => (response.map(|()| Full::default()), Some(upgrade)),
        // Only for an `Accept` that does not fit the request (a subprotocol not offered).
        Err(error) => {
            eprintln!("server: {error}");
            (rejection(&Reject::new(500)), None)
        }
    }
}

/// The error response `reject` describes, as the crate writes it (`Connection: close`,
/// a text body, `Sec-WebSocket-Version: 13` with a 426).
fn rejection(reject: &Reject<'_>) -> Response<Full<Bytes>> {
    match reject_response(reject) {
        Ok(response) => response.map(Full::from),
        // Unreachable: a `Reject` of a status in 200..=599 without extra headers.
        Err(_) => {
            let mut response = Response::new(Full::default());
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

/// Every message sent straight back; pings and Close frames are answered by the driver.
async fn echo(mut ws: WebSocket<TokioIo<hyper::upgrade::Upgraded>>) -> Result<(), Error> {
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

/// A client of this crate's tokio driver, over a plain `TcpStream`.
async fn client(addr: SocketAddr) -> Result<(), Box<dyn core::error::Error>> {
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
    for text in ["Hello, hyper", "and again"] {
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("serve") {
        let addr = args.next().unwrap_or_else(|| "127.0.0.1:9002".into());
        println!("serving on ws://{addr}{PATH}");
        return Ok(serve(TcpListener::bind(addr).await?).await?);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener));
    tokio::time::timeout(core::time::Duration::from_secs(10), client(addr)).await??;
    // Let the server task print its line.
    tokio::time::sleep(core::time::Duration::from_millis(50)).await;
    println!("demo finished");
    Ok(())
}
