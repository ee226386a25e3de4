//! The client the Autobahn|Testsuite `fuzzingserver` tests:
//! `cargo run --release --example autobahn_client -- ws://127.0.0.1:9001 rfc6455`.
//!
//! Asks `/getCaseCount`, runs every case with `/runCase?case=N&agent=AGENT` echoing every
//! message, then asks `/updateReports?agent=AGENT` to write the report.

use std::net::TcpStream;
use std::process::ExitCode;

use rfc6455::blocking::{Error, WebSocket};
use rfc6455::message::MessageBuffer;
use rfc6455::Config;
use rfc6455::MessageReader;
use rfc6455::Received;

/// Section 9 sends 16 MiB messages; leave headroom.
const LIMIT: u64 = 64 << 20;

/// Opens `path` and echoes until the connection is over; returns the last text received.
fn session(base: &str, path: &str) -> Result<Option<String>, Error> {
    let mut buffer = MessageReader::default();
    let ws = open(base, path, &mut buffer)?;
    echo_until_closed(ws, &mut buffer)
}

fn open(
    base: &str,
    path: &str,
    buffer: &mut MessageReader<Vec<u8>, MessageBuffer>,
) -> Result<WebSocket<TcpStream>, Error> {
    let uri = format!("{base}{path}");
    let authority = base.trim_start_matches("ws://").trim_end_matches('/');
    let stream = TcpStream::connect(authority)?;
    stream.set_nodelay(true)?;
    let config = Config::default().with_max_frame_len(LIMIT).with_max_message_len(LIMIT);
    WebSocket::connect(stream, buffer, &uri, config)
}

/// Echoes every message until the connection is over; returns the last text received.
fn echo_until_closed(
    mut ws: WebSocket<TcpStream>,
    buffer: &mut MessageReader<Vec<u8>, MessageBuffer>,
) -> Result<Option<String>, Error> {
    let mut last_text = None;
    loop {
        let sent = match ws.recv(buffer) {
            Ok(Received::Text(text)) => {
                last_text = Some(text.to_owned());
                ws.send_text(text)
            }
            Ok(Received::Binary(bytes)) => ws.send_binary(bytes),
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

fn run(base: &str, agent: &str) -> Result<(), Error> {
    let count =
        session(base, "/getCaseCount")?.and_then(|t| t.trim().parse::<u32>().ok()).unwrap_or(0);
    println!("{count} cases");
    for case in 1..=count {
        if let Err(e) = session(base, &format!("/runCase?case={case}&agent={agent}")) {
            eprintln!("case {case}: {e}");
        }
    }
    session(base, &format!("/updateReports?agent={agent}"))?;
    println!("reports updated for agent {agent}");
    Ok(())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "rfc6455".into());
    match run(base.trim_end_matches('/'), &agent) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("autobahn client failed: {e}");
            ExitCode::FAILURE
        }
    }
}
