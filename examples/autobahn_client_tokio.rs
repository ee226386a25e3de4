//! The Autobahn|Testsuite client on the tokio driver (`rfc6455::tokio`), the twin of
//! `examples/autobahn_client.rs`:
//! `cargo run --release --features tokio --example autobahn_client_tokio -- ws://127.0.0.1:9001 rfc6455`.
//!
//! Asks `/getCaseCount`, runs every case with `/runCase?case=N&agent=AGENT` echoing every
//! message, then asks `/updateReports?agent=AGENT` to write the report.
//! These URLs and the limits the cases need are in `examples/common/autobahn_cases.rs`,
//! shared by the clients of both drivers.

#[path = "common/autobahn_cases.rs"]
mod autobahn_cases;

use std::process::ExitCode;

use rfc6455::message::MessageBuffer;
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{MessageReader, Received};
use tokio::net::TcpStream;

type Reader = MessageReader<Vec<u8>, MessageBuffer>;

/// Opens `path` and echoes until the connection is over; returns the last text received.
async fn session(base: &str, path: &str) -> Result<Option<String>, Error> {
    let mut reader = MessageReader::default();
    let ws = open(base, path, &mut reader).await?;
    echo_until_closed(ws, &mut reader).await
}

async fn open(base: &str, path: &str, reader: &mut Reader) -> Result<WebSocket<TcpStream>, Error> {
    let uri = format!("{base}{path}");
    let stream = TcpStream::connect(autobahn_cases::authority(base)).await?;
    stream.set_nodelay(true)?;
    WebSocket::connect(stream, reader, &uri, autobahn_cases::config()).await
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
    let count = autobahn_cases::case_count(session(base, autobahn_cases::CASE_COUNT).await?);
    println!("{count} cases");
    for case in 1..=count {
        if let Err(e) = session(base, &autobahn_cases::run_case(case, agent)).await {
            eprintln!("case {case}: {e}");
        }
    }
    session(base, &autobahn_cases::update_reports(agent)).await?;
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
