//! The interop scenario of `examples/interop_client.rs` on the tokio driver
//! (`rfc6455::tokio`), for `tests/interop/run.sh`:
//! `cargo run --features tokio --example interop_client_tokio -- ws://127.0.0.1:PORT/ LABEL`.
//!
//! The same checks against a server that follows the protocol of
//! `examples/interop_server.rs`: echo, `chat.v2` preferred over `chat.v1`, and the `cmd:`
//! commands. Every check prints one `PASS LABEL: check` or `FAIL LABEL: check: why` line;
//! the exit status is 1 if any failed. What is sent and what must come back is in
//! `examples/common/interop_checks.rs`, shared with `interop_client`; this file is the I/O.

#[path = "common/interop_checks.rs"]
mod interop_checks;

use std::process::ExitCode;
use std::time::Instant;

use interop_checks::{config, Checks, Got, ServerPing, WAIT};
use rfc6455::handshake::Limits;
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{random_mask_seed, CloseCode, MessageReader};
use tokio::net::TcpStream;

type Ws = WebSocket<TcpStream>;

struct Scenario {
    checks: Checks,
    buffer: MessageReader<Vec<u8>, rfc6455::message::MessageBuffer>,
}

impl Scenario {
    async fn connect(&mut self, subprotocols: &[&str]) -> Result<Ws, String> {
        let stream = TcpStream::connect(self.checks.authority()?)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let request = self.checks.request(subprotocols)?;
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
        match tokio::time::timeout(WAIT, ws.recv(&mut self.buffer)).await {
            Ok(Ok(received)) => Ok(received.into()),
            Ok(Err(e)) => Err(format!("read: {e}")),
            Err(_) => Err("timed out".into()),
        }
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
        interop_checks::echoed(message, &self.next_message(ws).await?)
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
        let mut ws = match self.connect(interop_checks::OFFERED).await {
            Ok(ws) => ws,
            Err(e) => return self.checks.report(interop_checks::HANDSHAKE_CHECK, Err(e)),
        };
        let result = self.subprotocol_chat_v2(&mut ws).await;
        self.checks.report(interop_checks::SUBPROTOCOL_CHECK, result);
        self.checks.deflate(ws.connection());

        for (name, message) in interop_checks::echoes() {
            let result = self.echo(&mut ws, &message).await;
            self.checks.report(&name, result);
        }

        let result = self.client_ping(&mut ws).await;
        self.checks.report(interop_checks::CLIENT_PING_CHECK, result);
        let result = self.server_ping(&mut ws).await;
        self.checks.report(interop_checks::SERVER_PING_CHECK, result);

        let result = match ws.close(CloseCode::NORMAL, interop_checks::CLOSE_REASON).await {
            Ok(()) => self.finish(&mut ws).await,
            Err(e) => Err(e.to_string()),
        };
        self.checks.report(interop_checks::CLOSE_CHECK, result);

        match self.connect(&[]).await {
            Ok(mut ws) => {
                let result = interop_checks::none_agreed(ws.subprotocol());
                self.checks.report(interop_checks::NONE_AGREED_CHECK, result);
                let _ = ws.close(CloseCode::NORMAL, "").await;
                let _ = self.finish(&mut ws).await;
            }
            Err(e) => self.checks.report(interop_checks::NONE_AGREED_CHECK, Err(e)),
        }

        let result = self.server_closes().await;
        self.checks.report(interop_checks::SERVER_CLOSE_CHECK, result);
        let result = self.client_closes().await;
        self.checks.report(interop_checks::CLIENT_CLOSE_CHECK, result);
    }

    async fn subprotocol_chat_v2(&mut self, ws: &mut Ws) -> Result<(), String> {
        interop_checks::agreed_chat_v2(ws.subprotocol())?;
        let command = interop_checks::SUBPROTOCOL_COMMAND;
        ws.send_text(command).await.map_err(|e| e.to_string())?;
        interop_checks::server_agreed_chat_v2(&self.next_message(ws).await?)
    }

    async fn client_ping(&mut self, ws: &mut Ws) -> Result<(), String> {
        ws.send_ping(interop_checks::CLIENT_PING).await.map_err(|e| e.to_string())?;
        loop {
            if let Some(verdict) = interop_checks::client_ping_answer(self.next(ws).await?) {
                return verdict;
            }
        }
    }

    async fn server_ping(&mut self, ws: &mut Ws) -> Result<(), String> {
        let command = interop_checks::SERVER_PING_COMMAND;
        ws.send_text(command).await.map_err(|e| e.to_string())?;
        let mut check = ServerPing::default();
        loop {
            if let Some(verdict) = check.answer(self.next(ws).await?) {
                return verdict;
            }
        }
    }

    async fn server_closes(&mut self) -> Result<(), String> {
        let mut ws = self.connect(&[]).await?;
        let command = interop_checks::SERVER_CLOSE_COMMAND;
        ws.send_text(command).await.map_err(|e| e.to_string())?;
        interop_checks::server_close(&self.next_message(&mut ws).await?)?;
        self.finish(&mut ws).await?;
        interop_checks::server_close_code(ws.close_code())
    }

    async fn client_closes(&mut self) -> Result<(), String> {
        let mut ws = self.connect(&[]).await?;
        let (code, reason) = interop_checks::CLIENT_CLOSE;
        ws.close(code, reason).await.map_err(|e| e.to_string())?;
        interop_checks::client_close_reply(&self.next_message(&mut ws).await?)?;
        self.finish(&mut ws).await?;
        // The server reports what it received, on a new connection.
        let start = Instant::now();
        loop {
            let mut ws = self.connect(&[]).await?;
            let command = interop_checks::LAST_CLOSE_COMMAND;
            ws.send_text(command).await.map_err(|e| e.to_string())?;
            let got = self.next_message(&mut ws).await?;
            let _ = ws.close(CloseCode::NORMAL, "").await;
            let _ = self.finish(&mut ws).await;
            match interop_checks::last_close(got, start.elapsed()) {
                Some(verdict) => return verdict,
                None => tokio::time::sleep(interop_checks::LAST_CLOSE_RETRY).await,
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let checks = match Checks::from_args("interop_client_tokio") {
        Ok(checks) => checks,
        Err(usage) => return usage,
    };
    let mut scenario = Scenario { checks, buffer: MessageReader::default() };
    scenario.run().await;
    scenario.checks.exit_code()
}
