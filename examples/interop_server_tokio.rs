//! The interop server of `examples/interop_server.rs` on the tokio driver
//! (`rfc6455::tokio`), for `tests/interop/run.sh`:
//! `cargo run --features tokio --example interop_server_tokio -- [ADDR]` (default
//! `127.0.0.1:0`); it prints `listening on ws://ADDR/` once it accepts connections.
//!
//! The same protocol: every path echoes (text as text, binary as binary), `chat.v2` is
//! preferred over `chat.v1`, and text starting with `cmd:` is a command — `close:CODE:REASON`,
//! `ping:PAYLOAD` (its pong is reported as `pong:PAYLOAD`), `last-close`, `subprotocol`;
//! `examples/common/interop_replies.rs` has it without the I/O, for both servers.

#[path = "common/interop_replies.rs"]
mod interop_replies;

use interop_replies::Reply;
use rfc6455::handshake::Limits;
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{Config, MessageReader};
use tokio::net::{TcpListener, TcpStream};

async fn serve(stream: TcpStream) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let mut reader = MessageReader::default();
    let limits = Limits::default();
    let mut ws = WebSocket::accept_with(
        stream,
        &mut reader,
        Config::default(),
        &limits,
        interop_replies::accept,
    )
    .await?;
    loop {
        let reply = match ws.recv(&mut reader).await {
            Ok(received) => interop_replies::reply(received, ws.subprotocol()),
            Err(Error::Closed) => return Ok(()),
            Err(e) => return Err(e),
        };
        let sent = match reply {
            Reply::Echo(text) => ws.send_text(text).await,
            Reply::Text(text) => ws.send_text(&text).await,
            Reply::Binary(bytes) => ws.send_binary(bytes).await,
            Reply::Ping(payload) => ws.send_ping(payload).await,
            Reply::Close(code, reason) => ws.close(code, reason).await,
            Reply::Nothing => Ok(()),
        };
        match sent {
            // A message crossing the close handshake is dropped.
            Ok(()) | Err(Error::Send(_)) => {}
            Err(e) => return Err(e),
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = TcpListener::bind(addr).await?;
    println!("listening on ws://{}/", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = serve(stream).await {
                eprintln!("interop_server_tokio: {e}");
            }
        });
    }
}
