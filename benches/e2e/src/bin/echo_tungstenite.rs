//! tokio-tungstenite's echo server, as its `echo-server` example: `accept_async`, then the
//! stream's text and binary messages forwarded into its sink.
//! Prints `listening 127.0.0.1:PORT` on stdout, then serves until killed.

use futures_util::{future, StreamExt, TryStreamExt};
use tokio::net::{TcpListener, TcpStream};

async fn accept_connection(stream: TcpStream) {
    let Ok(ws_stream) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (write, read) = ws_stream.split();
    // Ends with an error when the generator drops the connection: nothing to report.
    let _ =
        read.try_filter(|msg| future::ready(msg.is_text() || msg.is_binary())).forward(write).await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener: TcpListener = rfc6455_e2e::server::bind().await?;
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(accept_connection(stream));
    }
    Ok(())
}
