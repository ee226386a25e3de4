//! An echo server on tokio, and a client that talks to it.
//!
//! `cargo run --example tokio_echo --features tokio` starts the server on a free port,
//! runs the client against it and exits; `-- serve 127.0.0.1:9002` only serves.

use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{CloseCode, Config, MessageReader, Received};
use tokio::net::{TcpListener, TcpStream};

/// The whole server: one task per connection, every message sent straight back.
async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
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
            println!("server: {peer} closed with {:?}", ws.close_code());
            Ok::<_, Error>(())
        });
    }
}

async fn client(addr: core::net::SocketAddr) -> Result<(), Error> {
    let mut reader = MessageReader::default();
    let uri = format!("ws://{addr}/echo");
    let stream = TcpStream::connect(addr).await?;
    let mut ws = WebSocket::connect(stream, &mut reader, &uri, Config::default()).await?;
    ws.send_text("Hello, tokio").await?;
    println!("client: echoed {:?}", ws.recv(&mut reader).await?);
    ws.send_binary(&[0xDE, 0xAD, 0xBE, 0xEF]).await?;
    println!("client: echoed {:?}", ws.recv(&mut reader).await?);
    ws.close(CloseCode::NORMAL, "demo over").await?;
    while let Ok(message) = ws.recv(&mut reader).await {
        println!("client: got {message:?}");
    }
    println!("client: closed with {:?}", ws.close_code());
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("serve") {
        let addr = args.next().unwrap_or_else(|| "127.0.0.1:9002".into());
        println!("serving on ws://{addr}/");
        return Ok(serve(TcpListener::bind(addr).await?).await?);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener));
    client(addr).await?;
    // Let the server task print its line.
    tokio::time::sleep(core::time::Duration::from_millis(50)).await;
    println!("demo finished");
    Ok(())
}
