//! The server that other WebSocket implementations test against (`tests/interop/run.sh`):
//! `cargo run --example interop_server -- [ADDR]` (default `127.0.0.1:0`); it prints
//! `listening on ws://ADDR/` once it accepts connections.
//!
//! Every path echoes: text as text, binary as binary. Subprotocols: `chat.v2` is preferred
//! over `chat.v1` (chosen with `Request::select_subprotocol`), anything else gets none.
//! Text messages starting with `cmd:` are commands instead:
//!
//! | command | answer |
//! |---|---|
//! | `cmd:close:CODE:REASON` | a Close with that code and reason |
//! | `cmd:ping:PAYLOAD` | a ping carrying `PAYLOAD`; its pong is reported as `pong:PAYLOAD` |
//! | `cmd:last-close` | `CODE REASON` of the last Close a client sent (empty before any) |
//! | `cmd:subprotocol` | the subprotocol agreed on this connection (empty for none) |

use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;

use rfc6455::blocking::{Error, WebSocket};
use rfc6455::handshake::{Accept, Limits};
use rfc6455::MessageReader;
use rfc6455::Received;
use rfc6455::{CloseCode, Config};

/// The last Close received from a client: `CODE REASON`.
static LAST_CLOSE: Mutex<String> = Mutex::new(String::new());

/// The server's subprotocols, most preferred first.
const SUBPROTOCOLS: [&str; 2] = ["chat.v2", "chat.v1"];

fn serve(stream: TcpStream) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let mut buffer = MessageReader::default();
    let limits = Limits::default();
    let mut ws = WebSocket::accept_with(stream, &mut buffer, Config::default(), &limits, |r| {
        Ok(Accept::new().with_subprotocol(r.select_subprotocol(&SUBPROTOCOLS)))
    })?;
    loop {
        let sent = match ws.recv(&mut buffer) {
            Ok(Received::Text(text)) => match text.strip_prefix("cmd:") {
                Some(command) => run(&mut ws, command),
                None => ws.send_text(text),
            },
            Ok(Received::Binary(bytes)) => ws.send_binary(bytes),
            Ok(Received::Pong(payload)) => {
                ws.send_text(&format!("pong:{}", String::from_utf8_lossy(payload.as_bytes())))
            }
            Ok(Received::Close(close)) => {
                let code = close.code().map_or(String::new(), |c| c.get().to_string());
                *LAST_CLOSE.lock().unwrap_or_else(|e| e.into_inner()) =
                    format!("{code} {}", close.reason());
                Ok(())
            }
            Ok(Received::Ping(_)) => Ok(()),
            Err(Error::Closed) => return Ok(()),
            Err(e) => return Err(e),
        };
        match sent {
            // A message crossing the close handshake is dropped.
            Ok(()) | Err(Error::Send(_)) => {}
            Err(e) => return Err(e),
        }
    }
}

fn run(ws: &mut WebSocket<TcpStream>, command: &str) -> Result<(), Error> {
    if let Some(rest) = command.strip_prefix("close:") {
        let (code, reason) = rest.split_once(':').unwrap_or((rest, ""));
        let code = code.parse().map_or(CloseCode::NORMAL, CloseCode::new);
        return ws.close(code, reason);
    }
    if let Some(payload) = command.strip_prefix("ping:") {
        return ws.send_ping(payload.as_bytes());
    }
    match command {
        "last-close" => {
            let last = LAST_CLOSE.lock().unwrap_or_else(|e| e.into_inner()).clone();
            ws.send_text(&last)
        }
        "subprotocol" => {
            let agreed = ws.subprotocol().unwrap_or_default().to_owned();
            ws.send_text(&agreed)
        }
        _ => ws.send_text(&format!("unknown command {command:?}")),
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
