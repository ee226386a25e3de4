//! A WebSocket endpoint inside a hyper 1.x server, over HTTP/1.1 and HTTP/2: hyper parses
//! the HTTP request, this crate validates it and answers (a `101` to an HTTP/1.1 Upgrade,
//! a `200` to an HTTP/2 extended CONNECT, RFC 8441), and after hyper hands over the
//! connection (or the HTTP/2 stream) the tokio driver runs the WebSocket over it.
//!
//! The crate's part, the same as in `examples/axum_upgrade.rs`, is in
//! `examples/common/http_upgrade.rs`; this file is the hyper side.
//!
//! `cargo run --example hyper_upgrade --features http,tokio` starts the server on a free
//! port, runs an HTTP/1.1 client and two HTTP/2 clients sharing one connection against it,
//! and exits; `-- serve 127.0.0.1:9002` only serves.
//! Add the `deflate` feature and permessage-deflate is agreed as well.

#[path = "common/http_upgrade.rs"]
mod http_upgrade;

use core::convert::Infallible;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rfc6455::handshake::Reject;
use tokio::net::TcpListener;

use http_upgrade::PATH;

/// The whole server: hyper on each connection, HTTP/1.1 with upgrades or HTTP/2 (prior
/// knowledge) with the extended CONNECT enabled (`SETTINGS_ENABLE_CONNECT_PROTOCOL`).
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let mut http = auto::Builder::new(TokioExecutor::new());
            http.http2().enable_connect_protocol();
            let connection =
                http.serve_connection_with_upgrades(TokioIo::new(stream), service_fn(handle));
            if let Err(e) = connection.await {
                eprintln!("server: http: {e}");
            }
        });
    }
}

/// One HTTP request: the WebSocket upgrade on [`PATH`], 404 elsewhere (where the rest of
/// the site would be served as usual).
async fn handle(mut request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = if request.uri().path() == PATH {
        http_upgrade::upgrade(&mut request)
    } else {
        http_upgrade::rejection(&Reject::new(404))
    };
    Ok(response.map(Full::from))
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
    http_upgrade::demo(addr, "Hello, hyper").await
}
