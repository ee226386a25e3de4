//! The interop server of `examples/interop_server.rs` on the tokio driver
//! (`rfc6455::tokio`), for `tests/interop/run.sh`:
//! `cargo run --features tokio --example interop_server_tokio -- [ADDR]` (default
//! `127.0.0.1:0`); it prints `listening on ws://ADDR/` once it accepts connections.
//!
//! The same protocol: every path echoes (text as text, binary as binary), `chat.v2` is
//! preferred over `chat.v1`, and text starting with `cmd:` is a command — `close:CODE:REASON`,
//! `ping:PAYLOAD` (its pong is reported as `pong:PAYLOAD`), `last-close`, `subprotocol`.

use std::sync::Mutex;

use rfc6455::handshake::{Accept, Limits};
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{CloseCode, Config, MessageReader, Received};
use tokio::net::{TcpListener, TcpStream};

/// The last Close received from a client: `CODE REASON`.
static LAST_CLOSE: Mutex<String> = Mutex::new(String::new());

/// The server's subprotocols, most preferred first.
const SUBPROTOCOLS: [&str; 2] = ["chat.v2", "chat.v1"];

async fn serve(stream: TcpStream) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let mut reader = MessageReader::default();
    let limits = Limits::default();
    let mut ws = WebSocket::accept_with(stream, &mut reader, Config::default(), &limits, |r| {
        Ok(Accept::new().with_subprotocol(r.select_subprotocol(&SUBPROTOCOLS)))
    })
    .await?;
    loop {
        let sent = match ws.recv(&mut reader).await {
            Ok(Received::Text(text)) => match text.strip_prefix("cmd:") {
                Some(command) => run(&mut ws, command).await,
                None => ws.send_text(text).await,
            },
            Ok(Received::Binary(bytes)) => ws.send_binary(bytes).await,
            Ok(Received::Pong(payload)) => {
                let text = format!("pong:{}", String::from_utf8_lossy(payload.as_bytes()));
                ws.send_text(&text).await
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

async fn run(ws: &mut WebSocket<TcpStream>, command: &str) -> Result<(), Error> {
    if let Some(rest) = command.strip_prefix("close:") {
        let (code, reason) = rest.split_once(':').unwrap_or((rest, ""));
        let code = code.parse().map_or(CloseCode::NORMAL, CloseCode::new);
        return ws.close(code, reason).await;
    }
    if let Some(payload) = command.strip_prefix("ping:") {
        return ws.send_ping(payload.as_bytes()).await;
    }
    match command {
        "last-close" => {
            let last = LAST_CLOSE.lock().unwrap_or_else(|e| e.into_inner()).clone();
            ws.send_text(&last).await
        }
        "subprotocol" => {
            let agreed = ws.subprotocol().unwrap_or_default().to_owned();
            ws.send_text(&agreed).await
        }
        _ => ws.send_text(&format!("unknown command {command:?}")).await,
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
