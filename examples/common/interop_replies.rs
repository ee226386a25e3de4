//! The protocol of the interop server (`examples/interop_server.rs` and
//! `examples/interop_server_tokio.rs`), without I/O: which subprotocol is agreed, and what
//! the server sends for each message, ping, pong or Close it receives.
//!
//! Every path echoes: text as text, binary as binary. Subprotocols: `chat.v2` is preferred
//! over `chat.v1`, anything else gets none. Text messages starting with `cmd:` are commands
//! instead:
//!
//! | command | answer |
//! |---|---|
//! | `cmd:close:CODE:REASON` | a Close with that code and reason |
//! | `cmd:ping:PAYLOAD` | a ping carrying `PAYLOAD`; its pong is reported as `pong:PAYLOAD` |
//! | `cmd:last-close` | `CODE REASON` of the last Close a client sent (empty before any) |
//! | `cmd:subprotocol` | the subprotocol agreed on this connection (empty for none) |

use std::sync::Mutex;

use rfc6455::handshake::{Accept, Reject, Request};
use rfc6455::{CloseCode, Received};

/// The last Close received from a client: `CODE REASON`.
static LAST_CLOSE: Mutex<String> = Mutex::new(String::new());

/// The server's subprotocols, most preferred first.
const SUBPROTOCOLS: [&str; 2] = ["chat.v2", "chat.v1"];

/// The server's answer to the handshake: the most preferred subprotocol the client offers
/// (chosen with `Request::select_subprotocol`), or none.
pub(crate) fn accept<'r>(request: &Request<'r>) -> Result<Accept<'r>, Reject<'r>> {
    Ok(Accept::new().with_subprotocol(request.select_subprotocol(&SUBPROTOCOLS)))
}

/// What the server sends in answer to one received item.
pub(crate) enum Reply<'m> {
    /// A text message received, sent back.
    Echo(&'m str),
    /// The answer to a command or a pong.
    Text(String),
    Binary(&'m [u8]),
    Ping(&'m [u8]),
    Close(CloseCode, &'m str),
    Nothing,
}

/// The answer to `received`, on a connection that agreed `subprotocol`.
pub(crate) fn reply<'m>(received: Received<'m>, subprotocol: Option<&str>) -> Reply<'m> {
    match received {
        Received::Text(text) => match text.strip_prefix("cmd:") {
            Some(command) => run(command, subprotocol),
            None => Reply::Echo(text),
        },
        Received::Binary(bytes) => Reply::Binary(bytes),
        Received::Pong(payload) => {
            Reply::Text(format!("pong:{}", String::from_utf8_lossy(payload.as_bytes())))
        }
        Received::Close(close) => {
            let code = close.code().map_or(String::new(), |c| c.get().to_string());
            *LAST_CLOSE.lock().unwrap_or_else(|e| e.into_inner()) =
                format!("{code} {}", close.reason());
            Reply::Nothing
        }
        Received::Ping(_) => Reply::Nothing,
    }
}

/// The answer to `cmd:COMMAND`.
fn run<'m>(command: &'m str, subprotocol: Option<&str>) -> Reply<'m> {
    if let Some(rest) = command.strip_prefix("close:") {
        let (code, reason) = rest.split_once(':').unwrap_or((rest, ""));
        let code = code.parse().map_or(CloseCode::NORMAL, CloseCode::new);
        return Reply::Close(code, reason);
    }
    if let Some(payload) = command.strip_prefix("ping:") {
        return Reply::Ping(payload.as_bytes());
    }
    let text = match command {
        "last-close" => LAST_CLOSE.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        "subprotocol" => subprotocol.unwrap_or_default().to_owned(),
        _ => format!("unknown command {command:?}"),
    };
    Reply::Text(text)
}
