//! WebSockets over HTTP/2 for a browser: a TLS server (rustls on the ring provider, ALPN
//! `h2` and `http/1.1`) with a self-signed certificate made at start (rcgen). `GET /`
//! over HTTP/2 serves a page whose script opens a WebSocket to the same origin and
//! echoes a text and a binary message through it. Chromium opens that WebSocket with
//! the extended CONNECT of RFC 8441 on the page's HTTP/2 connection, because the server
//! announced SETTINGS_ENABLE_CONNECT_PROTOCOL; the log says how each WebSocket arrived.
//!
//! `cargo run --example h2_browser --features http,tokio,deflate -- [127.0.0.1:8443]`
//! prints the address and the SHA-256 of the certificate's public key for Chromium's
//! `--ignore-certificate-errors-spki-list`. `tests/interop/chromium_h2.py` drives
//! headless Chromium against it.

extern crate alloc;

#[path = "common/h2_server.rs"]
mod h2_server;
#[path = "common/h2_stream.rs"]
mod h2_stream;

use alloc::sync::Arc;

use base64ct::{Base64, Encoding};
use rcgen::PublicKeyData;
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{Config, MessageReader, Received};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// The page: a WebSocket to the same origin, a text and a binary echo, a Close with a
/// code and reason; the outcome in `window.result` (and on the page).
const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>rfc6455: WebSocket over HTTP/2</title>
<pre id="log"></pre>
<script>
const log = (line) => { document.getElementById('log').textContent += line + '\n'; };
window.result = null;
const got = [];
const ws = new WebSocket(`wss://${location.host}/echo`, ['echo.v1']);
ws.binaryType = 'arraybuffer';
ws.onopen = () => {
  log(`open: protocol ${ws.protocol}, extensions ${ws.extensions}`);
  ws.send('hello over HTTP/2');
};
ws.onmessage = (event) => {
  if (typeof event.data === 'string') {
    got.push(event.data);
    ws.send(new Uint8Array([1, 2, 3, 250]));
  } else {
    got.push(Array.from(new Uint8Array(event.data)));
    ws.close(4000, 'page done');
  }
};
ws.onerror = () => log('error');
ws.onclose = (event) => {
  window.result = {
    got, code: event.code, reason: event.reason, clean: event.wasClean,
    protocol: ws.protocol, extensions: ws.extensions,
    page: performance.getEntriesByType('navigation')[0].nextHopProtocol,
  };
  log(JSON.stringify(window.result));
};
</script>
"#;

/// A self-signed certificate for `localhost` and 127.0.0.1, its key, and the base64
/// SHA-256 of its SubjectPublicKeyInfo (what `--ignore-certificate-errors-spki-list`
/// takes).
fn certificate(
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>, String), Box<dyn core::error::Error>>
{
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let rcgen::CertifiedKey { cert, signing_key } = rcgen::generate_simple_self_signed(names)?;
    let spki = ring::digest::digest(&ring::digest::SHA256, &signing_key.subject_public_key_info());
    let mut buf = [0u8; 44];
    let spki = Base64::encode(spki.as_ref(), &mut buf).map_err(|_| "base64")?.to_owned();
    let key = PrivatePkcs8KeyDer::from(signing_key.serialize_der());
    Ok((cert.der().clone(), key.into(), spki))
}

/// An HTTP/1.1 connection: only a WebSocket Upgrade is served (the crate's own HTTP/1.1
/// handshake), and logged as such, so a browser that did not use HTTP/2 shows in the log.
async fn serve_http1(tls: TlsStream<tokio::net::TcpStream>) -> Result<(), Error> {
    let mut reader = MessageReader::default();
    let mut ws = WebSocket::accept(tls, &mut reader, Config::default()).await?;
    println!("server: HTTP/1.1 connection: WebSocket Upgrade accepted (101), not RFC 8441");
    loop {
        match ws.recv(&mut reader).await {
            Ok(Received::Text(text)) => ws.send_text(text).await?,
            Ok(Received::Binary(data)) => ws.send_binary(data).await?,
            Ok(_) => {}
            Err(Error::Closed) => break,
            Err(e) => return Err(e),
        }
    }
    println!("server: HTTP/1.1 WebSocket closed with {:?}", ws.close_code().map(u16::from));
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let (cert, key, spki) = certificate()?;
    // rustls 0.23.48 deprecates the ring provider for its lack of post-quantum key
    // exchange; a loopback demo needs none, and aws-lc-rs would be a far heavier build.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)?;
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(tls));

    let listener = TcpListener::bind(addr).await?;
    println!("certificate SPKI sha256: {spki}");
    println!("listening on https://{}/", listener.local_addr()?);
    loop {
        let (tcp, peer) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let tls = match acceptor.accept(tcp).await {
                Ok(tls) => tls,
                Err(e) => return println!("server: {peer}: TLS: {e}"),
            };
            let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
            println!(
                "server: {peer}: TLS connection, ALPN {}",
                alpn.as_deref().map_or("none".into(), String::from_utf8_lossy)
            );
            if alpn.as_deref() == Some(b"h2") {
                if let Err(e) = h2_server::serve_connection(tls, Some(PAGE)).await {
                    println!("server: {peer}: HTTP/2: {e}");
                }
            } else if let Err(e) = serve_http1(tls).await {
                println!("server: {peer}: HTTP/1.1: {e}");
            }
        });
    }
}
