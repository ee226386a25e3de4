//! The server that other WebSocket implementations test against (`tests/interop/run.sh`):
//! `cargo run --example interop_server -- [ADDR]` (default `127.0.0.1:0`); it prints
//! `listening on ws://ADDR/` once it accepts connections.
//!
//! Every path echoes: text as text, binary as binary. Subprotocols: `chat.v2` is preferred
//! over `chat.v1` (chosen with `Request::select_subprotocol`), anything else gets none.
//! Text messages starting with `cmd:` are commands instead (this protocol, without the
//! I/O, is `examples/common/interop_replies.rs`, shared with `interop_server_tokio`):
//!
//! | command | answer |
//! |---|---|
//! | `cmd:close:CODE:REASON` | a Close with that code and reason |
//! | `cmd:ping:PAYLOAD` | a ping carrying `PAYLOAD`; its pong is reported as `pong:PAYLOAD` |
//! | `cmd:last-close` | `CODE REASON` of the last Close a client sent (empty before any) |
//! | `cmd:subprotocol` | the subprotocol agreed on this connection (empty for none) |

#[path = "common/interop_replies.rs"]
mod interop_replies;

use std::net::{TcpListener, TcpStream};
use std::thread;

use interop_replies::Reply;
use rfc6455::blocking::{Error, WebSocket};
use rfc6455::handshake::Limits;
use rfc6455::Config;
use rfc6455::MessageReader;

fn serve(stream: TcpStream) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let mut buffer = MessageReader::default();
    let limits = Limits::default();
    let mut ws = WebSocket::accept_with(
        stream,
        &mut buffer,
        Config::default(),
        &limits,
        interop_replies::accept,
    )?;
    loop {
        let reply = match ws.recv(&mut buffer) {
            Ok(received) => interop_replies::reply(received, ws.subprotocol()),
            Err(Error::Closed) => return Ok(()),
            Err(e) => return Err(e),
        };
        let sent = match reply {
            Reply::Echo(text) => ws.send_text(text),
            Reply::Text(text) => ws.send_text(&text),
            Reply::Binary(bytes) => ws.send_binary(bytes),
            Reply::Ping(payload) => ws.send_ping(payload),
            Reply::Close(code, reason) => ws.close(code, reason),
            Reply::Nothing => Ok(()),
        };
        match sent {
            // A message crossing the close handshake is dropped.
            Ok(()) | Err(Error::Send(_)) => {}
            Err(e) => return Err(e),
        }
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = TcpListener::bind(addr)?;
    println!("listening on ws://{}/", listener.local_addr()?);
    for stream in listener.incoming() {
        let stream = stream?;
        thread::spawn(move || {
            if let Err(e) = serve(stream) {
                eprintln!("interop_server: {e}");
            }
        });
    }
    Ok(())
}
