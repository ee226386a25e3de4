//! The interop scenario of `examples/interop_client.rs` and
//! `examples/interop_client_tokio.rs`, without I/O: the command line, the PASS/FAIL lines,
//! what is sent and what must come back for each check. Each client does the sending and
//! receiving with its driver and asks here whether what arrived passes.
//!
//! The `*_CHECK` constants name the checks in the PASS/FAIL lines, in the order they run;
//! the `*_COMMAND`s are the interop server's `cmd:` commands (`examples/interop_server.rs`).

use core::time::Duration;
use std::process::ExitCode;

use rfc6455::handshake::{ClientKey, ClientRequest};
use rfc6455::{random_mask_seed, CloseCode, Config, Connection, Received};

/// How long any single expectation may wait.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// The connections' configuration.
pub(crate) fn config() -> Config {
    Config::default().with_close_timeout(Duration::from_millis(5_000))
}

/// What arrived, owned.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Got {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
}

impl From<Received<'_>> for Got {
    fn from(received: Received<'_>) -> Self {
        match received {
            Received::Text(t) => Self::Text(t.to_owned()),
            Received::Binary(b) => Self::Binary(b.to_vec()),
            Received::Ping(p) => Self::Ping(p.as_bytes().to_vec()),
            Received::Pong(p) => Self::Pong(p.as_bytes().to_vec()),
            Received::Close(c) => Self::Close(c.code().map(u16::from), c.reason().to_owned()),
        }
    }
}

/// `got` for a FAIL line: long messages by their size.
fn describe(got: &Got) -> String {
    match got {
        Got::Text(t) if t.len() > 60 => format!("text of {} bytes", t.len()),
        Got::Binary(b) if b.len() > 16 => format!("binary of {} bytes", b.len()),
        got => format!("{got:?}"),
    }
}

/// The command line (`URL LABEL [--expect-deflate]`) and the tally of the checks.
pub(crate) struct Checks {
    url: String,
    label: String,
    /// The peer compresses: permessage-deflate must be negotiated (feature `deflate`).
    expect_deflate: bool,
    failures: usize,
}

impl Checks {
    /// From the command line of `program`; prints the usage and returns exit status 2 if
    /// it does not fit.
    pub(crate) fn from_args(program: &str) -> Result<Self, ExitCode> {
        let mut args = std::env::args().skip(1);
        let (Some(url), Some(label)) = (args.next(), args.next()) else {
            eprintln!("usage: {program} ws://127.0.0.1:PORT/ LABEL [--expect-deflate]");
            return Err(ExitCode::from(2));
        };
        let expect_deflate = args.next().as_deref() == Some("--expect-deflate");
        Ok(Self { url, label, expect_deflate, failures: 0 })
    }

    /// Prints `PASS LABEL: check` or `FAIL LABEL: check: why`.
    pub(crate) fn report(&mut self, check: &str, result: Result<(), String>) {
        match result {
            Ok(()) => println!("PASS {}: {check}", self.label),
            Err(why) => {
                self.failures += 1;
                println!("FAIL {}: {check}: {why}", self.label);
            }
        }
    }

    /// Failure if any check failed.
    pub(crate) fn exit_code(&self) -> ExitCode {
        if self.failures == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    /// `HOST:PORT` of the URL, to connect to.
    pub(crate) fn authority(&self) -> Result<&str, String> {
        let authority = self.url.strip_prefix("ws://").and_then(|rest| rest.split('/').next());
        authority.ok_or_else(|| "the URL must be ws://HOST:PORT/...".into())
    }

    /// The handshake request for the URL, offering `subprotocols`.
    pub(crate) fn request<'a>(
        &'a self,
        subprotocols: &'a [&'a str],
    ) -> Result<ClientRequest<'a>, String> {
        let key = ClientKey::from_random(random_mask_seed());
        let request = ClientRequest::from_uri(&self.url, key).map_err(|e| e.to_string())?;
        Ok(request.with_subprotocols(subprotocols))
    }

    /// The check that `connection` agreed permessage-deflate, if the peer must agree it.
    pub(crate) fn deflate(&mut self, connection: &Connection) {
        #[cfg(feature = "deflate")]
        let on = connection.is_deflate_enabled();
        #[cfg(not(feature = "deflate"))]
        let on = {
            let _ = connection;
            false
        };
        if self.expect_deflate {
            let result = if on { Ok(()) } else { Err("not negotiated".into()) };
            self.report("permessage-deflate negotiated (messages below are compressed)", result);
        }
    }
}

/// The first connection's subprotocols, of which the server must pick `chat.v2`.
pub(crate) const OFFERED: &[&str] = &["bogus", "chat.v1", "chat.v2"];
/// The first connection failed.
pub(crate) const HANDSHAKE_CHECK: &str = "handshake";
pub(crate) const SUBPROTOCOL_CHECK: &str = "handshake, subprotocol chat.v2 selected by both sides";
/// Asks the server which subprotocol it agreed.
pub(crate) const SUBPROTOCOL_COMMAND: &str = "cmd:subprotocol";

/// The subprotocol agreed on our side.
pub(crate) fn agreed_chat_v2(agreed: Option<&str>) -> Result<(), String> {
    match agreed {
        Some("chat.v2") => Ok(()),
        other => Err(format!("agreed {other:?}, want chat.v2")),
    }
}

/// The server's answer to [`SUBPROTOCOL_COMMAND`].
pub(crate) fn server_agreed_chat_v2(got: &Got) -> Result<(), String> {
    match got {
        Got::Text(t) if t == "chat.v2" => Ok(()),
        got => Err(format!("the server says {}", describe(got))),
    }
}

/// The messages to echo, with their checks' names.
pub(crate) fn echoes() -> Vec<(String, Got)> {
    let mut echoes: Vec<_> = [
        ("text", Got::Text("Hello, interop".into())),
        ("utf-8 text", Got::Text("κόσμε · 你好 · 🌍".into())),
        ("empty text", Got::Text(String::new())),
        ("empty binary", Got::Binary(Vec::new())),
        ("binary 0..=255", Got::Binary((0..=255).collect())),
    ]
    .into_iter()
    .map(|(name, message)| (format!("echo {name}"), message))
    .collect();
    for len in [125, 126, 65_535, 65_536, 1 << 20] {
        let data = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
        echoes.push((format!("echo binary {len} bytes"), Got::Binary(data)));
    }
    for len in [65_536, 1 << 20] {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789".chars().cycle().take(len).collect();
        echoes.push((format!("echo text {len} bytes"), Got::Text(text)));
    }
    echoes
}

/// The message that came back for `sent`.
pub(crate) fn echoed(sent: &Got, got: &Got) -> Result<(), String> {
    if got == sent {
        Ok(())
    } else {
        Err(format!("got {}", describe(got)))
    }
}

pub(crate) const CLIENT_PING_CHECK: &str = "ping answered by a pong with the same payload";
pub(crate) const CLIENT_PING: &[u8] = b"client-ping-17";

/// What arrived after our ping of [`CLIENT_PING`]: the verdict, or `None` to read on.
pub(crate) fn client_ping_answer(got: Got) -> Option<Result<(), String>> {
    match got {
        Got::Pong(p) if p == CLIENT_PING => Some(Ok(())),
        Got::Pong(p) => Some(Err(format!("pong {:?}", String::from_utf8_lossy(&p)))),
        Got::Ping(_) => None,
        got => Some(Err(format!("got {}", describe(&got)))),
    }
}

pub(crate) const SERVER_PING_CHECK: &str = "server ping answered by our pong";
/// Asks the server to ping; it reports the pong it gets.
pub(crate) const SERVER_PING_COMMAND: &str = "cmd:ping:server-ping-42";

/// The check of the server's ping: the ping, then the server's report of our pong.
#[derive(Default)]
pub(crate) struct ServerPing {
    pinged: bool,
}

impl ServerPing {
    /// What arrived after [`SERVER_PING_COMMAND`]: the verdict, or `None` to read on.
    pub(crate) fn answer(&mut self, got: Got) -> Option<Result<(), String>> {
        match got {
            Got::Ping(p) if p == b"server-ping-42" => self.pinged = true,
            Got::Text(t) if t == "pong:server-ping-42" && self.pinged => return Some(Ok(())),
            got => return Some(Err(format!("got {}", describe(&got)))),
        }
        None
    }
}

pub(crate) const CLOSE_CHECK: &str = "close 1000 after the messages";
pub(crate) const CLOSE_REASON: &str = "scenario done";

pub(crate) const NONE_AGREED_CHECK: &str = "no subprotocol offered, none agreed";

/// The subprotocol agreed when none was offered.
pub(crate) fn none_agreed(agreed: Option<&str>) -> Result<(), String> {
    match agreed {
        None => Ok(()),
        Some(p) => Err(format!("agreed {p:?} though none was offered")),
    }
}

pub(crate) const SERVER_CLOSE_CHECK: &str = "server closes with 4002 \"server bye\"";
/// Asks the server to close.
pub(crate) const SERVER_CLOSE_COMMAND: &str = "cmd:close:4002:server bye";

/// The message after [`SERVER_CLOSE_COMMAND`].
pub(crate) fn server_close(got: &Got) -> Result<(), String> {
    match got {
        Got::Close(Some(4002), reason) if reason == "server bye" => Ok(()),
        got => Err(format!("got {}", describe(got))),
    }
}

/// The close code of the connection the server closed.
pub(crate) fn server_close_code(code: Option<CloseCode>) -> Result<(), String> {
    match code {
        Some(code) if code.get() == 4002 => Ok(()),
        code => Err(format!("close code {code:?}")),
    }
}

pub(crate) const CLIENT_CLOSE_CHECK: &str =
    "client closes with 4001 \"client bye\", server saw both";
pub(crate) const CLIENT_CLOSE: (CloseCode, &str) = (CloseCode::new(4001), "client bye");
/// Asks the server for the last Close it received, on a new connection.
pub(crate) const LAST_CLOSE_COMMAND: &str = "cmd:last-close";
/// How long to wait before asking again.
pub(crate) const LAST_CLOSE_RETRY: Duration = Duration::from_millis(100);

/// The server's reply to our Close.
pub(crate) fn client_close_reply(got: &Got) -> Result<(), String> {
    match got {
        Got::Close(Some(4001), _) => Ok(()),
        got => Err(format!("close reply {}", describe(got))),
    }
}

/// The answer to [`LAST_CLOSE_COMMAND`], `elapsed` after the first time it was asked: the
/// verdict, or `None` to ask again after [`LAST_CLOSE_RETRY`].
pub(crate) fn last_close(got: Got, elapsed: Duration) -> Option<Result<(), String>> {
    match got {
        Got::Text(t) if t == "4001 client bye" => Some(Ok(())),
        got if elapsed > Duration::from_secs(3) => {
            Some(Err(format!("server saw {}", describe(&got))))
        }
        _ => None,
    }
}
