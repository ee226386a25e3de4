//! The interop scenario of `examples/interop_client.rs` on the tokio driver
//! (`rfc6455::tokio`), for `tests/interop/run.sh`:
//! `cargo run --features tokio --example interop_client_tokio -- ws://127.0.0.1:PORT/ LABEL`.
//!
//! The same checks against a server that follows the protocol of
//! `examples/interop_server.rs`: echo, `chat.v2` preferred over `chat.v1`, and the `cmd:`
//! commands. Every check prints one `PASS LABEL: check` or `FAIL LABEL: check: why` line;
//! the exit status is 1 if any failed.

use core::time::Duration;
use std::process::ExitCode;
use std::time::Instant;

use rfc6455::handshake::{ClientKey, ClientRequest, Limits};
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{random_mask_seed, CloseCode, Config, MessageReader, Received};
use tokio::net::TcpStream;

/// How long any single expectation may wait.
const WAIT: Duration = Duration::from_secs(10);

type Ws = WebSocket<TcpStream>;

/// What arrived, owned.
#[derive(Debug, PartialEq, Eq)]
enum Got {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
}

struct Scenario {
    url: String,
    label: String,
    /// The peer compresses: permessage-deflate must be negotiated (feature `deflate`).
    expect_deflate: bool,
    failures: usize,
    buffer: MessageReader<Vec<u8>, rfc6455::message::MessageBuffer>,
}

impl Scenario {
    fn report(&mut self, check: &str, result: Result<(), String>) {
        match result {
            Ok(()) => println!("PASS {}: {check}", self.label),
            Err(why) => {
                self.failures += 1;
                println!("FAIL {}: {check}: {why}", self.label);
            }
        }
    }

    async fn connect(&mut self, subprotocols: &[&str]) -> Result<Ws, String> {
        let authority = self
            .url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .ok_or("the URL must be ws://HOST:PORT/...")?;
        let stream = TcpStream::connect(authority).await.map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let key = ClientKey::from_random(random_mask_seed());
        let request = ClientRequest::from_uri(&self.url, key)
            .map_err(|e| e.to_string())?
            .with_subprotocols(subprotocols);
        let (limits, seed) = (Limits::default(), random_mask_seed());
        let handshake =
            WebSocket::connect_with(stream, &mut self.buffer, &request, config(), &limits, seed);
        match tokio::time::timeout(WAIT, handshake).await {
            Ok(result) => result.map_err(|e| format!("handshake: {e}")),
            Err(_) => Err("handshake: timed out".into()),
        }
    }

    /// The next message, ping, pong or Close, within [`WAIT`].
    async fn next(&mut self, ws: &mut Ws) -> Result<Got, String> {
        let received = match tokio::time::timeout(WAIT, ws.recv(&mut self.buffer)).await {
            Ok(Ok(received)) => received,
            Ok(Err(e)) => return Err(format!("read: {e}")),
            Err(_) => return Err("timed out".into()),
        };
        Ok(match received {
            Received::Text(t) => Got::Text(t.to_owned()),
            Received::Binary(b) => Got::Binary(b.to_vec()),
            Received::Ping(p) => Got::Ping(p.as_bytes().to_vec()),
            Received::Pong(p) => Got::Pong(p.as_bytes().to_vec()),
            Received::Close(c) => Got::Close(c.code().map(u16::from), c.reason().to_owned()),
        })
    }

    /// The next message or Close, skipping pings and pongs.
    async fn next_message(&mut self, ws: &mut Ws) -> Result<Got, String> {
        loop {
            match self.next(ws).await? {
                Got::Ping(_) | Got::Pong(_) => {}
                got => return Ok(got),
            }
        }
    }

    async fn echo(&mut self, ws: &mut Ws, message: &Got) -> Result<(), String> {
        match message {
            Got::Text(t) => ws.send_text(t).await,
            Got::Binary(b) => ws.send_binary(b).await,
            _ => unreachable!("only messages are echoed"),
        }
        .map_err(|e| format!("send: {e}"))?;
        let got = self.next_message(ws).await?;
        if got == *message {
            Ok(())
        } else {
            Err(format!("got {}", describe(&got)))
        }
    }

    /// Reads until the connection is over (after a Close), within [`WAIT`].
    async fn finish(&mut self, ws: &mut Ws) -> Result<(), String> {
        let start = Instant::now();
        loop {
            match tokio::time::timeout(WAIT, ws.recv(&mut self.buffer)).await {
                Ok(Err(Error::Closed)) => return Ok(()),
                Ok(Err(e)) => return Err(format!("read: {e}")),
                _ if start.elapsed() > WAIT => return Err("not closed in time".into()),
                _ => {}
            }
        }
    }

    async fn run(&mut self) {
        let mut ws = match self.connect(&["bogus", "chat.v1", "chat.v2"]).await {
            Ok(ws) => ws,
            Err(e) => return self.report("handshake", Err(e)),
        };
        let result = self.subprotocol_chat_v2(&mut ws).await;
        self.report("handshake, subprotocol chat.v2 selected by both sides", result);
        if self.expect_deflate {
            let on = deflate_enabled(&ws);
            let result = if on { Ok(()) } else { Err("not negotiated".into()) };
            self.report("permessage-deflate negotiated (messages below are compressed)", result);
        }

        let messages = [
            ("text", Got::Text("Hello, interop".into())),
            ("utf-8 text", Got::Text("κόσμε · 你好 · 🌍".into())),
            ("empty text", Got::Text(String::new())),
            ("empty binary", Got::Binary(Vec::new())),
            ("binary 0..=255", Got::Binary((0..=255).collect())),
        ];
        for (name, message) in messages {
            let result = self.echo(&mut ws, &message).await;
            self.report(&format!("echo {name}"), result);
        }
        for len in [125, 126, 65_535, 65_536, 1 << 20] {
            let data = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let result = self.echo(&mut ws, &Got::Binary(data)).await;
            self.report(&format!("echo binary {len} bytes"), result);
        }
        for len in [65_536, 1 << 20] {
            let text = "abcdefghijklmnopqrstuvwxyz0123456789".chars().cycle().take(len).collect();
            let result = self.echo(&mut ws, &Got::Text(text)).await;
            self.report(&format!("echo text {len} bytes"), result);
        }

        let result = self.client_ping(&mut ws).await;
        self.report("ping answered by a pong with the same payload", result);
        let result = self.server_ping(&mut ws).await;
        self.report("server ping answered by our pong", result);

        let result = match ws.close(CloseCode::NORMAL, "scenario done").await {
            Ok(()) => self.finish(&mut ws).await,
            Err(e) => Err(e.to_string()),
        };
        self.report("close 1000 after the messages", result);

        match self.connect(&[]).await {
            Ok(mut ws) => {
                let result = match ws.subprotocol() {
                    None => Ok(()),
                    Some(p) => Err(format!("agreed {p:?} though none was offered")),
                };
                self.report("no subprotocol offered, none agreed", result);
                let _ = ws.close(CloseCode::NORMAL, "").await;
                let _ = self.finish(&mut ws).await;
            }
            Err(e) => self.report("no subprotocol offered, none agreed", Err(e)),
        }

        let result = self.server_closes().await;
        self.report("server closes with 4002 \"server bye\"", result);
        let result = self.client_closes().await;
        self.report("client closes with 4001 \"client bye\", server saw both", result);
    }

    async fn subprotocol_chat_v2(&mut self, ws: &mut Ws) -> Result<(), String> {
        match ws.subprotocol() {
            Some("chat.v2") => {}
            other => return Err(format!("agreed {other:?}, want chat.v2")),
        }
        ws.send_text("cmd:subprotocol").await.map_err(|e| e.to_string())?;
        match self.next_message(ws).await? {
            Got::Text(t) if t == "chat.v2" => Ok(()),
            got => Err(format!("the server says {}", describe(&got))),
        }
    }

    async fn client_ping(&mut self, ws: &mut Ws) -> Result<(), String> {
        ws.send_ping(b"client-ping-17").await.map_err(|e| e.to_string())?;
        loop {
            match self.next(ws).await? {
                Got::Pong(p) if p == b"client-ping-17" => return Ok(()),
                Got::Pong(p) => return Err(format!("pong {:?}", String::from_utf8_lossy(&p))),
                Got::Ping(_) => {}
                got => return Err(format!("got {}", describe(&got))),
            }
        }
    }

    async fn server_ping(&mut self, ws: &mut Ws) -> Result<(), String> {
        ws.send_text("cmd:ping:server-ping-42").await.map_err(|e| e.to_string())?;
        let mut pinged = false;
        loop {
            match self.next(ws).await? {
                Got::Ping(p) if p == b"server-ping-42" => pinged = true,
                Got::Text(t) if t == "pong:server-ping-42" && pinged => return Ok(()),
                got => return Err(format!("got {}", describe(&got))),
            }
        }
    }

    async fn server_closes(&mut self) -> Result<(), String> {
        let mut ws = self.connect(&[]).await?;
        ws.send_text("cmd:close:4002:server bye").await.map_err(|e| e.to_string())?;
        match self.next_message(&mut ws).await? {
            Got::Close(Some(4002), reason) if reason == "server bye" => {}
            got => return Err(format!("got {}", describe(&got))),
        }
        self.finish(&mut ws).await?;
        match ws.close_code() {
            Some(code) if code.get() == 4002 => Ok(()),
            code => Err(format!("close code {code:?}")),
        }
    }

    async fn client_closes(&mut self) -> Result<(), String> {
        let mut ws = self.connect(&[]).await?;
        ws.close(CloseCode::new(4001), "client bye").await.map_err(|e| e.to_string())?;
        match self.next_message(&mut ws).await? {
            Got::Close(Some(4001), _) => {}
            got => return Err(format!("close reply {}", describe(&got))),
        }
        self.finish(&mut ws).await?;
        // The server reports what it received, on a new connection.
        let start = Instant::now();
        loop {
            let mut ws = self.connect(&[]).await?;
            ws.send_text("cmd:last-close").await.map_err(|e| e.to_string())?;
            let got = self.next_message(&mut ws).await?;
            let _ = ws.close(CloseCode::NORMAL, "").await;
            let _ = self.finish(&mut ws).await;
            match got {
                Got::Text(t) if t == "4001 client bye" => return Ok(()),
                got if start.elapsed() > Duration::from_secs(3) => {
                    return Err(format!("server saw {}", describe(&got)))
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

fn config() -> Config {
    Config::default().with_close_timeout(Duration::from_millis(5_000))
}

fn describe(got: &Got) -> String {
    match got {
        Got::Text(t) if t.len() > 60 => format!("text of {} bytes", t.len()),
        Got::Binary(b) if b.len() > 16 => format!("binary of {} bytes", b.len()),
        got => format!("{got:?}"),
    }
}

#[cfg(feature = "deflate")]
fn deflate_enabled(ws: &Ws) -> bool {
    ws.connection().is_deflate_enabled()
}

#[cfg(not(feature = "deflate"))]
fn deflate_enabled(_: &Ws) -> bool {
    false
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(label)) = (args.next(), args.next()) else {
        eprintln!("usage: interop_client_tokio ws://127.0.0.1:PORT/ LABEL [--expect-deflate]");
        return ExitCode::from(2);
    };
    let expect_deflate = args.next().as_deref() == Some("--expect-deflate");
    let mut scenario =
        Scenario { url, label, expect_deflate, failures: 0, buffer: MessageReader::default() };
    scenario.run().await;
    if scenario.failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
