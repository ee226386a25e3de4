//! The Autobahn|Testsuite echo server on the tokio driver (`rfc6455::tokio`), the twin of
//! `examples/autobahn_server.rs`:
//! `cargo run --release --features tokio --example autobahn_server_tokio -- 127.0.0.1:9001`.
//!
//! One task per connection on a multi-threaded runtime; text is echoed as text and binary
//! as binary. Limits are raised for section 9 (messages up to 16 MiB).

use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{Config, MessageReader, Received};
use tokio::net::{TcpListener, TcpStream};

/// Section 9 sends 16 MiB messages; leave headroom.
const LIMIT: u64 = 64 << 20;

async fn echo(stream: TcpStream) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let config = Config::default().with_max_frame_len(LIMIT).with_max_message_len(LIMIT);
    let mut reader = MessageReader::default();
    let mut ws = WebSocket::accept(stream, &mut reader, config).await?;
    loop {
        let sent = match ws.recv(&mut reader).await {
            Ok(Received::Text(text)) => ws.send_text(text).await,
            Ok(Received::Binary(bytes)) => ws.send_binary(bytes).await,
            Ok(_) => Ok(()),
            // The peer broke the protocol: the Close was sent; read on until it is over.
            Err(Error::Protocol(_)) => Ok(()),
            Err(Error::Closed) => return Ok(()),
            Err(e) => return Err(e),
        };
        match sent {
            Ok(()) | Err(Error::Send(_)) => {} // a message that crosses our Close is dropped
            Err(e) => return Err(e),
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("autobahn echo server (tokio) on ws://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = echo(stream).await {
                eprintln!("connection ended: {e}");
            }
        });
    }
}
