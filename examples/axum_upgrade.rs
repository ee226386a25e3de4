//! A WebSocket route in an axum 0.8 app, over HTTP/1.1 and HTTP/2: axum routes the
//! request, this crate validates it and answers (a `101` to an HTTP/1.1 Upgrade, a `200`
//! to an HTTP/2 extended CONNECT, RFC 8441, which `axum::serve` enables), and after hyper
//! hands over the connection (or the HTTP/2 stream) the tokio driver runs the WebSocket
//! over it. axum's own `ws` feature is not used.
//!
//! The crate's part, the same as in `examples/hyper_upgrade.rs`, is in
//! `examples/common/http_upgrade.rs`; this file is the axum side.
//!
//! `cargo run --example axum_upgrade --features http,tokio` starts the server on a free
//! port, runs an HTTP/1.1 client and two HTTP/2 clients sharing one connection against it,
//! and exits; `-- serve 127.0.0.1:9002` only serves.
//! Add the `deflate` feature and permessage-deflate is agreed as well.

#[path = "common/http_upgrade.rs"]
mod http_upgrade;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::{any, get};
use axum::Router;
use tokio::net::TcpListener;

use http_upgrade::PATH;

/// The app: a page, and the WebSocket route; axum answers 404 for the rest.
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello, HTTP: the WebSocket is at /echo\n" }))
        // `any`, not `get`: the crate answers the other methods (405 with `Allow: GET`).
        .route(PATH, any(websocket))
}

/// The WebSocket route's handler: the whole request, so that the crate sees every header
/// and hyper's pending upgrade can be taken from its extensions.
async fn websocket(mut request: Request) -> Response {
    http_upgrade::upgrade(&mut request).map(Body::from)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("serve") {
        let addr = args.next().unwrap_or_else(|| "127.0.0.1:9002".into());
        println!("serving on http://{addr}/ and ws://{addr}{PATH}");
        return Ok(axum::serve(TcpListener::bind(addr).await?, app()).await?);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app()).await });
    http_upgrade::demo(addr, "Hello, axum").await
}
