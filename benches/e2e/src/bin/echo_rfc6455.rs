//! rfc6455's echo server, written as `examples/tokio_echo.rs` writes it: one task per
//! connection, `WebSocket::accept`, then `recv` and `send_text`/`send_binary`.
//! Prints `listening 127.0.0.1:PORT` on stdout, then serves until killed.

use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{Config, MessageReader, Received};
use tokio::net::TcpListener;

async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let mut reader = MessageReader::default();
            let mut ws = WebSocket::accept(stream, &mut reader, Config::default()).await?;
            loop {
                match ws.recv(&mut reader).await {
                    Ok(Received::Text(text)) => ws.send_text(text).await?,
                    Ok(Received::Binary(data)) => ws.send_binary(data).await?,
                    Ok(_) => {} // pings and Close frames are answered by the driver
                    Err(Error::Closed) => break,
                    Err(e) => return Err(e),
                }
            }
            Ok::<_, Error>(())
        });
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    serve(rfc6455_e2e::server::bind().await?).await
}
