//! WebSockets over HTTP/2 (RFC 8441) with the `h2` crate, on cleartext HTTP/2 with prior
//! knowledge (h2c): an echo server that announces the extended CONNECT, and a client that
//! opens two WebSockets on one HTTP/2 connection and talks on both at once.
//!
//! `cargo run --example h2_echo --features http,tokio,deflate` starts the server on a free
//! port, runs the client against it and exits; `-- serve 127.0.0.1:9003` only serves.
//! Browsers speak HTTP/2 only over TLS: see `examples/h2_browser.rs`.

#[path = "common/h2_server.rs"]
mod h2_server;
#[path = "common/h2_stream.rs"]
mod h2_stream;

use core::net::SocketAddr;
use core::time::Duration;

use bytes::Bytes;
use h2::client::SendRequest;
use h2::ext::Protocol;
use rfc6455::handshake::http::validate_connect_response;
use rfc6455::handshake::{ClientKey, ClientRequest};
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{random_mask_seed, CloseCode, Config, MessageReader, Received};
use tokio::net::{TcpListener, TcpStream};

use h2_stream::H2Stream;

/// Accepts TCP connections and serves each as HTTP/2.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (tcp, peer) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        tokio::spawn(async move {
            if let Err(e) = h2_server::serve_connection(tcp, None).await {
                println!("server: {peer}: {e}");
            }
        });
    }
}

/// Opens an HTTP/2 connection and learns the server's SETTINGS (they precede its answer
/// to a PING), so that the extended CONNECT is only sent where it is announced.
async fn connect(addr: SocketAddr) -> Result<SendRequest<Bytes>, Box<dyn core::error::Error>> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let (h2, mut connection) =
        h2::client::Builder::new().initial_connection_window_size(1 << 20).handshake(tcp).await?;
    let mut ping_pong = connection.ping_pong().ok_or("no PingPong")?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            println!("client: connection: {e}");
        }
    });
    ping_pong.ping(h2::Ping::opaque()).await?;
    let h2 = h2.ready().await?;
    if !h2.is_extended_connect_protocol_enabled() {
        return Err("the server did not announce SETTINGS_ENABLE_CONNECT_PROTOCOL".into());
    }
    Ok(h2)
}

/// Opens a WebSocket on a new stream of `h2`: the extended CONNECT, then the driver over
/// the stream.
async fn open(
    h2: &mut SendRequest<Bytes>,
    uri: &str,
) -> Result<WebSocket<H2Stream>, Box<dyn core::error::Error>> {
    let config = Config::default();
    let key = ClientKey::from_random(random_mask_seed()); // unused over HTTP/2
    let offer = ClientRequest::from_uri(uri, key)?
        .with_subprotocols(&["echo.v1"])
        .with_deflate(*config.deflate());
    let mut request = offer.to_http_connect()?;
    request.extensions_mut().insert(Protocol::from_static("websocket"));
    let (response, send) = h2.send_request(request, false)?;
    let response = response.await?;
    let upgrade = validate_connect_response(&offer, &response)?;
    println!(
        "client: {uri}: {} with subprotocol {:?}, permessage-deflate {}",
        response.status(),
        upgrade.subprotocol(),
        if upgrade.deflate().is_some() { "on" } else { "off" }
    );
    let conn = upgrade.into_connection(config, random_mask_seed());
    Ok(WebSocket::from_connection(H2Stream::new(send, response.into_body()), conn))
}

/// A few messages on `ws`, then the close handshake.
async fn talk(mut ws: WebSocket<H2Stream>, name: &str) -> Result<(), Error> {
    let mut reader = MessageReader::default();
    for i in 0..3 {
        ws.send_text(&format!("{name}: hello #{i} over HTTP/2")).await?;
        println!("client: echoed {:?}", ws.recv(&mut reader).await?);
    }
    ws.send_binary(name.as_bytes()).await?;
    println!("client: echoed {:?}", ws.recv(&mut reader).await?);
    ws.close(CloseCode::NORMAL, "demo over").await?;
    loop {
        match ws.recv(&mut reader).await {
            Ok(Received::Close(_)) | Err(Error::Closed) => break,
            Ok(other) => println!("client: got {other:?}"),
            Err(e) => return Err(e),
        }
    }
    println!("client: {name} closed with {:?}", ws.close_code().map(u16::from));
    Ok(())
}

async fn client(addr: SocketAddr) -> Result<(), Box<dyn core::error::Error>> {
    let mut h2 = connect(addr).await?;
    // Two WebSockets, two streams of the one connection, both open at once.
    let a = open(&mut h2, &format!("ws://{addr}/echo")).await?;
    let b = open(&mut h2, &format!("ws://{addr}/echo?second")).await?;
    let (a, b) = tokio::join!(talk(a, "a"), talk(b, "b"));
    a?;
    b?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("serve") {
        let addr = args.next().unwrap_or_else(|| "127.0.0.1:9003".into());
        println!("serving HTTP/2 (h2c, prior knowledge) on http://{addr}/");
        return Ok(serve(TcpListener::bind(addr).await?).await?);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener));
    tokio::time::timeout(Duration::from_secs(10), client(addr)).await??;
    // Let the server's tasks print their last lines.
    tokio::time::sleep(Duration::from_millis(50)).await;
    println!("demo finished");
    Ok(())
}
