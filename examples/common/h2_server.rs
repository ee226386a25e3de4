//! The HTTP/2 server side that `examples/h2_echo.rs` (cleartext, prior knowledge) and
//! `examples/h2_browser.rs` (TLS, for Chromium) share: an `h2` server connection that
//! announces `SETTINGS_ENABLE_CONNECT_PROTOCOL` (RFC 8441 §3), the crate's handshake on
//! each extended CONNECT (`validate_connect_request`, the Origin policy,
//! `accept_connect_response` or `reject_connect_response`), and an echo over the
//! stream with the tokio driver. A `GET /` gets the example's page, if it has one.
//!
//! Every request is logged with its pseudo-header fields, so a log shows how a
//! WebSocket arrived: `:method CONNECT :protocol websocket` over HTTP/2, never an
//! HTTP/1.1 `Upgrade`.

use bytes::Bytes;
use h2::ext::Protocol;
use h2::server::SendResponse;
use h2::RecvStream;
use http::{Method, Request, Response, StatusCode};
use rfc6455::handshake::http::{
    accept_connect_response, reject_connect_response, validate_connect_request,
};
use rfc6455::handshake::{Accept, OriginPolicy, Reject};
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{Config, MessageReader, Received};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::h2_stream::H2Stream;

/// The subprotocols the echo speaks.
const PROTOCOLS: &[&str] = &["echo.v1"];

/// Serves one HTTP/2 connection (after the TLS handshake, if any) until the client
/// goes away. `page` is the HTML answered to `GET /`.
pub(crate) async fn serve_connection<T>(io: T, page: Option<&'static str>) -> Result<(), h2::Error>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut connection = h2::server::Builder::new()
        .enable_connect_protocol()
        // Larger than a stream's window: a WebSocket nobody reads must not hold the
        // whole connection window (see h2_stream.rs).
        .initial_connection_window_size(1 << 20)
        .handshake::<_, Bytes>(io)
        .await?;
    while let Some(request) = connection.accept().await {
        let (request, respond) = request?;
        tokio::spawn(serve_stream(request, respond, page));
    }
    Ok(())
}

/// Answers one request: the page, the WebSocket, or a refusal.
async fn serve_stream(
    request: Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    page: Option<&'static str>,
) {
    let id = u32::from(respond.stream_id());
    let protocol = request.extensions().get::<Protocol>().map(|p| p.as_str());
    println!(
        "server: stream {id}: {:?} :method {} :protocol {} :path {} (upgrade header: {})",
        request.version(),
        request.method(),
        protocol.unwrap_or("-"),
        request.uri().path(),
        if request.headers().contains_key("upgrade") { "yes" } else { "none" },
    );
    if request.method() == Method::GET && protocol.is_none() {
        let (status, body) = match (page, request.uri().path()) {
            (Some(page), "/") => (StatusCode::OK, page),
            _ => (StatusCode::NOT_FOUND, "not found\n"),
        };
        let response = Response::builder()
            .status(status)
            .header("content-type", "text/html; charset=utf-8")
            .body(())
            .expect("a valid response");
        if let Ok(mut send) = respond.send_response(response, false) {
            let _ = send.send_data(Bytes::from_static(body.as_bytes()), true);
        }
        return;
    }
    let config = Config::default();
    let mut fields = Vec::new();
    let connect = validate_connect_request(&request, protocol, &mut fields)
        .and_then(|connect| OriginPolicy::SameHost.check_connect(&connect).map(|()| connect));
    let connect = match connect {
        Ok(connect) => connect,
        Err(error) => {
            println!("server: stream {id}: refused: {error}");
            return reject(respond, &Reject::from_error(error));
        }
    };
    let accept = Accept::new()
        .with_subprotocol(connect.select_subprotocol(PROTOCOLS))
        .with_deflate(*config.deflate());
    let Ok((response, upgrade)) = accept_connect_response(&connect, &accept) else {
        return reject(respond, &Reject::new(500));
    };
    let Ok(send) = respond.send_response(response, false) else { return };
    println!(
        "server: stream {id}: WebSocket over HTTP/2 accepted (200), subprotocol {:?}, \
         permessage-deflate {}",
        upgrade.subprotocol(),
        if upgrade.deflate().is_some() { "on" } else { "off" },
    );
    let ws = WebSocket::from_connection(
        H2Stream::new(send, request.into_body()),
        upgrade.into_connection(config),
    );
    match echo(ws).await {
        Ok((messages, close)) => println!(
            "server: stream {id}: WebSocket over HTTP/2 echoed {messages} messages, peer's Close: {}",
            close.as_deref().unwrap_or("none")
        ),
        Err(error) => println!("server: stream {id}: WebSocket over HTTP/2 failed: {error}"),
    }
}

/// Sends the crate's error response for `reject`.
fn reject(mut respond: SendResponse<Bytes>, reject: &Reject<'_>) {
    let Ok(response) = reject_connect_response(reject) else { return };
    let (parts, body) = response.into_parts();
    if let Ok(mut send) = respond.send_response(Response::from_parts(parts, ()), body.is_empty()) {
        if !body.is_empty() {
            let _ = send.send_data(Bytes::from(body), true);
        }
    }
}

/// Every message sent straight back; pings and the Close are answered by the driver.
/// Returns how many messages were echoed and the peer's Close (code and reason), if any.
async fn echo(mut ws: WebSocket<H2Stream>) -> Result<(usize, Option<String>), Error> {
    let mut reader = MessageReader::default();
    let (mut messages, mut close) = (0, None);
    loop {
        match ws.recv(&mut reader).await {
            Ok(Received::Text(text)) => ws.send_text(text).await?,
            Ok(Received::Binary(data)) => ws.send_binary(data).await?,
            Ok(Received::Close(frame)) => {
                close = Some(format!("{:?} {:?}", frame.code().map(u16::from), frame.reason()));
                continue;
            }
            Ok(_) => continue,
            Err(Error::Closed) => return Ok((messages, close)),
            Err(e) => return Err(e),
        }
        messages += 1;
    }
}
