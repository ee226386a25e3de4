//! The client the Autobahn|Testsuite `fuzzingserver` tests:
//! `cargo run --release --example autobahn_client -- ws://127.0.0.1:9001 rfc6455`.
//!
//! Asks `/getCaseCount`, runs every case with `/runCase?case=N&agent=AGENT` echoing every
//! message, then asks `/updateReports?agent=AGENT` to write the report.
//! These URLs and the limits the cases need are in `examples/common/autobahn_cases.rs`,
//! shared by the clients of both drivers.

#[path = "common/autobahn_cases.rs"]
mod autobahn_cases;

use std::net::TcpStream;
use std::process::ExitCode;

use rfc6455::blocking::{Error, WebSocket};
use rfc6455::message::MessageBuffer;
use rfc6455::MessageReader;
use rfc6455::Received;

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
    let stream = TcpStream::connect(autobahn_cases::authority(base))?;
    stream.set_nodelay(true)?;
    WebSocket::connect(stream, buffer, &uri, autobahn_cases::config())
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
    let count = autobahn_cases::case_count(session(base, autobahn_cases::CASE_COUNT)?);
    println!("{count} cases");
    for case in 1..=count {
        if let Err(e) = session(base, &autobahn_cases::run_case(case, agent)) {
            eprintln!("case {case}: {e}");
        }
    }
    session(base, &autobahn_cases::update_reports(agent))?;
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
