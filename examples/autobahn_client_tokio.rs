//! The Autobahn|Testsuite client on the tokio driver (`rfc6455::tokio`), the twin of
//! `examples/autobahn_client.rs`:
//! `cargo run --release --features tokio --example autobahn_client_tokio -- ws://127.0.0.1:9001 rfc6455`.
//!
//! Asks `/getCaseCount`, runs every case with `/runCase?case=N&agent=AGENT` echoing every
//! message, then asks `/updateReports?agent=AGENT` to write the report.

use std::process::ExitCode;

use rfc6455::message::MessageBuffer;
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{Config, MessageReader, Received};
use tokio::net::TcpStream;

/// Section 9 sends 16 MiB messages; leave headroom.
const LIMIT: u64 = 64 << 20;

type Reader = MessageReader<Vec<u8>, MessageBuffer>;

/// Opens `path` and echoes until the connection is over; returns the last text received.
async fn session(base: &str, path: &str) -> Result<Option<String>, Error> {
    let mut reader = MessageReader::default();
    let ws = open(base, path, &mut reader).await?;
    echo_until_closed(ws, &mut reader).await
}

async fn open(base: &str, path: &str, reader: &mut Reader) -> Result<WebSocket<TcpStream>, Error> {
    let uri = format!("{base}{path}");
    let authority = base.trim_start_matches("ws://").trim_end_matches('/');
    let stream = TcpStream::connect(authority).await?;
    stream.set_nodelay(true)?;
    let config = Config::default().with_max_frame_len(LIMIT).with_max_message_len(LIMIT);
    WebSocket::connect(stream, reader, &uri, config).await
}

/// Echoes every message until the connection is over; returns the last text received.
async fn echo_until_closed(
    mut ws: WebSocket<TcpStream>,
    reader: &mut Reader,
) -> Result<Option<String>, Error> {
    let mut last_text = None;
    loop {
        let sent = match ws.recv(reader).await {
            Ok(Received::Text(text)) => {
                last_text = Some(text.to_owned());
                ws.send_text(text).await
            }
            Ok(Received::Binary(bytes)) => ws.send_binary(bytes).await,
            Ok(_) => Ok(()),
            Err(Error::Protocol(_)) => Ok(()), // our Close was sent; wait for the server
            Err(Error::Closed) => return Ok(last_text),
            Err(e) => return Err(e),
        };
        match sent {
            Ok(()) | Err(Error::Send(_)) => {}
            Err(e) => return Err(e),
        }
    }
}

async fn run(base: &str, agent: &str) -> Result<(), Error> {
    let count = session(base, "/getCaseCount")
        .await?
        .and_then(|t| t.trim().parse::<u32>().ok())
        .unwrap_or(0);
    println!("{count} cases");
    for case in 1..=count {
        if let Err(e) = session(base, &format!("/runCase?case={case}&agent={agent}")).await {
            eprintln!("case {case}: {e}");
        }
    }
    session(base, &format!("/updateReports?agent={agent}")).await?;
    println!("reports updated for agent {agent}");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "rfc6455".into());
    match run(base.trim_end_matches('/'), &agent).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("autobahn client failed: {e}");
            ExitCode::FAILURE
        }
    }
}
