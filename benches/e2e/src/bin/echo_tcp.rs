//! The limit: a plain TCP echo that copies the bytes back (no WebSocket at all; the
//! generator skips the handshake and reads its own masked frames back). One task per
//! connection; a 64 KiB buffer allocated at the first read, as a server that holds no
//! buffer while idle would.
//! Prints `listening 127.0.0.1:PORT` on stdout, then serves until killed.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn echo(mut stream: TcpStream) -> std::io::Result<()> {
    // `readable` may wake spuriously; `peek` waits for a byte that is really there.
    if stream.peek(&mut [0u8; 1]).await? == 0 {
        return Ok(());
    }
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = rfc6455_e2e::server::bind().await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(echo(stream));
    }
}
