//! The server processes: what each echo binary calls to listen, and the handle the
//! harness keeps on a running one (killed when dropped, on every exit path).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The implementations, in table order; the last is the limit.
pub const IMPLS: [Impl; 5] =
    [Impl::Rfc6455, Impl::Tungstenite, Impl::TokioWebsockets, Impl::Fastwebsockets, Impl::Tcp];

/// One echo server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// rfc6455's tokio driver.
    Rfc6455,
    /// tokio-tungstenite.
    Tungstenite,
    /// tokio-websockets.
    TokioWebsockets,
    /// fastwebsockets over hyper's upgrade.
    Fastwebsockets,
    /// A plain TCP echo: the limit.
    Tcp,
}

impl Impl {
    /// The name in tables and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rfc6455 => "rfc6455",
            Self::Tungstenite => "tokio-tungstenite",
            Self::TokioWebsockets => "tokio-websockets",
            Self::Fastwebsockets => "fastwebsockets",
            Self::Tcp => "TCP echo",
        }
    }

    /// The server binary's name.
    pub fn bin(self) -> &'static str {
        match self {
            Self::Rfc6455 => "echo_rfc6455",
            Self::Tungstenite => "echo_tungstenite",
            Self::TokioWebsockets => "echo_tokio_websockets",
            Self::Fastwebsockets => "echo_fastwebsockets",
            Self::Tcp => "echo_tcp",
        }
    }

    /// Whether the generator speaks WebSocket to it (the TCP echo gets raw frames).
    pub fn is_websocket(self) -> bool {
        self != Self::Tcp
    }

    /// A peer (not rfc6455, not the limit).
    pub fn is_peer(self) -> bool {
        !matches!(self, Self::Rfc6455 | Self::Tcp)
    }

    /// Parses a command-line name (`tcp` for the TCP echo).
    pub fn parse(name: &str) -> Option<Self> {
        IMPLS.into_iter().find(|i| i.name() == name || i.bin() == format!("echo_{name}")).or(
            match name {
                "tcp" => Some(Self::Tcp),
                "tungstenite" => Some(Self::Tungstenite),
                _ => None,
            },
        )
    }
}

/// For the echo binaries: listens on a free loopback port, prints `listening ADDR` on
/// stdout, and exits the process when stdin reaches its end (the harness holds the pipe,
/// so a server never outlives it, however the harness ends).
pub async fn bind() -> std::io::Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening {}", listener.local_addr()?)?;
    out.flush()?;
    std::thread::spawn(|| {
        let mut sink = [0u8; 64];
        while let Ok(n) = std::io::stdin().read(&mut sink) {
            if n == 0 {
                break;
            }
        }
        std::process::exit(0);
    });
    Ok(listener)
}

/// A running echo server process; killed and reaped when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `bin_dir/<impl's binary>` and waits (at most 10 s) for its address.
    pub fn start(bin_dir: &Path, imp: Impl) -> Result<Self, String> {
        Self::start_path(&bin_dir.join(imp.bin()))
    }

    /// Starts the binary at `path`.
    pub fn start_path(path: &PathBuf) -> Result<Self, String> {
        let mut child = Command::new(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
        let stdout = child.stdout.take().expect("stdout was piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        // From here on, `Drop` kills it whatever happens.
        let mut server = Self { child, addr: SocketAddr::from(([127, 0, 0, 1], 0)) };
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| format!("{} printed no address in 10 s", path.display()))?;
        server.addr = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("{}: unexpected first line {line:?}", path.display()))?;
        Ok(server)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
