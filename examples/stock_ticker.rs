//! The live stock-ticker demo: `cargo run --example stock_ticker --features tokio`, then
//! open the URL it prints (<http://127.0.0.1:8080/> by default; pass another address as
//! the first argument).
//!
//! One process on tokio and the crate's async driver ([`rfc6455::tokio::WebSocket`]), one
//! task per client, one listener for the page and the quote streams:
//!
//! - `GET /` serves one self-contained page (`examples/stock_ticker/index.html`, compiled
//!   in) that opens `ws://<host>/stock_info/?encoding=text` and draws a live table.
//! - `/stock_info/?encoding=text` pushes every connected client a JSON message per tick
//!   (4 a second): `{"type":"quotes","time":<ms>,"quotes":[{"symbol":"ACME","price":142.53,
//!   "change":0.03}, ...]}`, after a first `{"type":"hello", ...}` with each stock's name,
//!   open and recent history. `?encoding=binary` pushes the same quotes as binary
//!   messages (the hello stays JSON): `u8 1`, `u64 time (ms)`, `u8 count`, then per quote
//!   `u8 symbol length`, the symbol, `u32 price in cents`, `i32 change since open in
//!   cents`, all big-endian. Any other encoding is refused in the handshake: 400 and the
//!   reason in the body.
//! - A client may send `{"subscribe": ["ACME", "HOOL"]}` to receive only those symbols
//!   (`["*"]` for all, `[]` for none); the server answers `{"type":"subscribed", ...}`.
//! - `Origin` must match `Host` (a page served by this server); `--any-origin` lifts that.
//!   Clients that send no `Origin` (not browsers) are let in.
//! - Keepalive: a ping every 15 s (`--keepalive-ms`); a client that has not answered when
//!   the next one is due is dropped. The driver runs these timers on `tokio::time`.
//! - Slow clients: the ticker task never waits for a client. It broadcasts each tick
//!   (`tokio::sync::broadcast`), which keeps 16 ticks (4 s) for each client; a client that
//!   falls further behind *skips* quotes (the next one it gets carries the current price).
//!   A client that has not taken a tick for 10 s is closed with 1008 ("client too slow");
//!   a socket that accepts no bytes for 10 s is dropped (write timeout).
//! - Ctrl-C (or SIGTERM/SIGHUP, caught with `tokio::signal`) closes every client with
//!   1001 ("going away"); a second one stops at once.
//! - At most 10,000 quote streams at once (`--max-clients`; each needs a file descriptor,
//!   so raise `ulimit -n` to match), then 503.

extern crate alloc;

use alloc::borrow::Cow;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::fmt::Write as _;
use core::future::Future;
use core::net::SocketAddr;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use core::task::{Context, Poll};
use core::time::Duration;
use std::io::{self, ErrorKind, Write};
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use rfc6455::handshake::{
    Accept, HandshakeError, Limits, OriginPolicy, Reject, Request, ServerHandshake, Status,
};
use rfc6455::message::MessageBuffer;
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{random_mask_seed, CloseCode, Config, MessageReader, Received};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;
use tokio::time::{sleep, sleep_until, timeout, Instant, Sleep};

/// `println!` that never panics: after Ctrl-C the terminal may be gone while the server
/// is still closing its clients.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(io::stdout().lock(), $($arg)*);
    }};
}

/// The page, compiled in: no CDN, no other file.
const PAGE: &str = include_str!("stock_ticker/index.html");
const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The quote stream's path (Tornado's demo name).
const STREAM_PATH: &str = "/stock_info/";
/// Time between two ticks of the market.
const TICK: Duration = Duration::from_millis(250);
/// Ticks kept for a client that has not taken them; beyond, it skips quotes.
const QUEUE_LEN: usize = 16;
/// A client that has not taken a tick for this long (40 ticks) is closed with 1008.
const SLOW_LIMIT: Duration = Duration::from_secs(10);
/// Prices remembered per stock, for the page's sparkline.
const HISTORY: usize = 120;
/// Time allowed to send a request head, and for a socket to accept any of our bytes.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// The piece of a request head read at once: what came after the head fits the reader.
const HEAD_READ: usize = 1024;
/// A stream's read buffer. Clients send only subscriptions, pongs and Close frames: a
/// longer message (up to the 4 KiB limit) is gathered in the reader's message buffer.
/// It must hold what came after the request head, less than [`HEAD_READ`].
const READ_BUFFER: usize = 1024;
/// Default limit of simultaneous quote streams.
const MAX_CLIENTS: usize = 10_000;
/// Default keepalive ping interval.
const KEEPALIVE_MS: u64 = 15_000;
/// Time a client is given to finish the close handshake we start.
const CLOSING: Duration = Duration::from_millis(3_500);
/// Time the clients are given to close after Ctrl-C.
const DRAIN: Duration = Duration::from_secs(4);

/// The listed companies: symbol, name, opening price in cents.
const LISTING: [(&str, &str, i64); 6] = [
    ("ACME", "Acme Corporation", 14_250),
    ("GLBX", "Globex", 8_720),
    ("INTK", "Initech", 2_375),
    ("HOOL", "Hooli", 61_200),
    ("UMBR", "Umbrella Corp.", 5_510),
    ("WAYN", "Wayne Enterprises", 31_040),
];

/// Command-line settings.
#[derive(Clone, Debug)]
struct Settings {
    addr: String,
    any_origin: bool,
    keepalive_ms: u64,
    max_clients: usize,
}

impl Settings {
    fn parse() -> Result<Self, String> {
        let mut settings = Self {
            addr: DEFAULT_ADDR.into(),
            any_origin: false,
            keepalive_ms: KEEPALIVE_MS,
            max_clients: MAX_CLIENTS,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--any-origin" => settings.any_origin = true,
                "--keepalive-ms" => {
                    let value = args.next().ok_or("--keepalive-ms needs a value")?;
                    settings.keepalive_ms = value
                        .parse()
                        .ok()
                        .filter(|&ms| ms > 0)
                        .ok_or(format!("bad --keepalive-ms {value:?}"))?;
                }
                "--max-clients" => {
                    let value = args.next().ok_or("--max-clients needs a value")?;
                    settings.max_clients =
                        value.parse().map_err(|_| format!("bad --max-clients {value:?}"))?;
                }
                "-h" | "--help" => {
                    return Err(
                        "usage: stock_ticker [ADDR (default 127.0.0.1:8080)] [--any-origin] \
                         [--keepalive-ms MS] [--max-clients N]"
                            .into(),
                    )
                }
                flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
                addr => addr.clone_into(&mut settings.addr),
            }
        }
        Ok(settings)
    }

    fn config(&self) -> Config {
        Config::new()
            // Clients only send subscriptions.
            .with_max_frame_len(4096)
            .with_max_message_len(4096)
            .with_keepalive(
                Some(Duration::from_millis(self.keepalive_ms)),
                Some(Duration::from_millis(self.keepalive_ms)),
            )
            .with_close_timeout(Duration::from_millis(3_000))
    }
}

// ---- the market ---------------------------------------------------------------------------

/// A tiny xorshift64* generator: good enough for a demo, no dependency.
struct Rng(u64);

impl Rng {
    fn seeded() -> Self {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&random_mask_seed()[..8]);
        Self(u64::from_le_bytes(bytes) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        (-2.0 * self.unit().ln()).sqrt() * (core::f64::consts::TAU * self.unit()).cos()
    }
}

struct Stock {
    symbol: &'static str,
    name: &'static str,
    open: i64,
    price: f64,
    history: VecDeque<i64>,
}

impl Stock {
    fn cents(&self) -> i64 {
        (self.price * 100.0).round() as i64
    }
}

struct Market {
    stocks: Vec<Stock>,
    rng: Rng,
}

/// One tick: every stock's price and change since the open, in cents, in listing order.
struct Tick {
    time_ms: u64,
    quotes: Vec<(i64, i64)>,
    /// All the quotes, encoded once for every client that watches every stock.
    json: String,
    binary: Vec<u8>,
}

impl Market {
    fn open() -> Self {
        let stocks = LISTING
            .iter()
            .map(|&(symbol, name, open)| Stock {
                symbol,
                name,
                open,
                price: open as f64 / 100.0,
                history: VecDeque::with_capacity(HISTORY + 1),
            })
            .collect();
        let mut market = Self { stocks, rng: Rng::seeded() };
        for _ in 0..HISTORY {
            market.step(); // 30 s of history, so the page's sparklines start full
        }
        market
    }

    /// Moves every price one step of a mean-reverting random walk.
    fn step(&mut self) -> Tick {
        let quotes = self
            .stocks
            .iter_mut()
            .map(|stock| {
                let open = stock.open as f64 / 100.0;
                let pull = 0.002 * (open - stock.price) / open;
                let shock = 0.0018 * self.rng.normal();
                stock.price = (stock.price * (1.0 + pull + shock)).max(0.01);
                let cents = stock.cents();
                stock.history.push_back(cents);
                if stock.history.len() > HISTORY {
                    stock.history.pop_front();
                }
                (cents, cents - stock.open)
            })
            .collect();
        let mut tick = Tick { time_ms: unix_millis(), quotes, json: String::new(), binary: vec![] };
        let all = [true; LISTING.len()];
        tick.json = quotes_json(&tick, &all).unwrap_or_default();
        tick.binary = quotes_binary(&tick, &all).unwrap_or_default();
        tick
    }

    fn hello(&self, encoding: Encoding) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let _ = write!(
            out,
            r#"{{"type":"hello","encoding":"{}","interval_ms":{},"stocks":["#,
            encoding.name(),
            TICK.as_millis()
        );
        for (i, stock) in self.stocks.iter().enumerate() {
            out.push_str(if i == 0 { "{" } else { ",{" });
            let _ = write!(out, r#""symbol":"{}","name":"#, stock.symbol);
            json_string(&mut out, stock.name);
            out.push_str(r#","open":"#);
            money(&mut out, stock.open);
            out.push_str(r#","price":"#);
            money(&mut out, stock.cents());
            out.push_str(r#","history":["#);
            for (j, &cents) in stock.history.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                money(&mut out, cents);
            }
            out.push_str("]}");
        }
        out.push_str("]}");
        out
    }
}

fn unix_millis() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// Writes cents as a JSON number with two decimals.
fn money(out: &mut String, cents: i64) {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:02}", abs / 100, abs % 100);
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---- the quote encodings ------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Text,
    Binary,
}

impl Encoding {
    const fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Binary => "binary",
        }
    }
}

/// The quotes of `tick` a client watches, as one JSON text; `None` when it watches none.
fn quotes_json(tick: &Tick, watch: &[bool]) -> Option<String> {
    let mut out = String::with_capacity(48 + 56 * tick.quotes.len());
    let _ = write!(out, r#"{{"type":"quotes","time":{},"quotes":["#, tick.time_ms);
    let mut count = 0;
    for (i, &(price, change)) in tick.quotes.iter().enumerate() {
        if !watch[i] {
            continue;
        }
        out.push_str(if count == 0 { "{" } else { ",{" });
        let _ = write!(out, r#""symbol":"{}","price":"#, LISTING[i].0);
        money(&mut out, price);
        out.push_str(r#","change":"#);
        money(&mut out, change);
        out.push('}');
        count += 1;
    }
    out.push_str("]}");
    (count > 0).then_some(out)
}

/// The same quotes in the compact binary encoding (see the module documentation).
fn quotes_binary(tick: &Tick, watch: &[bool]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(10 + 13 * tick.quotes.len());
    out.push(1);
    out.extend_from_slice(&tick.time_ms.to_be_bytes());
    out.push(0);
    let mut count = 0u8;
    for (i, &(price, change)) in tick.quotes.iter().enumerate() {
        if !watch[i] {
            continue;
        }
        let symbol = LISTING[i].0.as_bytes();
        out.push(symbol.len() as u8);
        out.extend_from_slice(symbol);
        out.extend_from_slice(&u32::try_from(price).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(&i32::try_from(change).unwrap_or(0).to_be_bytes());
        count += 1;
    }
    out[9] = count;
    (count > 0).then_some(out)
}

/// Parses `{"subscribe": ["ACME", ...]}` (the only message clients send).
fn parse_subscribe(text: &str) -> Option<Vec<&str>> {
    struct Cursor<'a>(&'a str);
    impl<'a> Cursor<'a> {
        fn eat(&mut self, c: char) -> bool {
            self.0 = self.0.trim_start();
            let ate = self.0.starts_with(c);
            if ate {
                self.0 = &self.0[1..];
            }
            ate
        }
        fn string(&mut self) -> Option<&'a str> {
            if !self.eat('"') {
                return None;
            }
            let (s, rest) = self.0.split_once('"')?;
            self.0 = rest;
            (!s.contains('\\')).then_some(s)
        }
    }
    let mut json = Cursor(text);
    if !json.eat('{') || json.string()? != "subscribe" || !json.eat(':') || !json.eat('[') {
        return None;
    }
    let mut symbols = Vec::new();
    if !json.eat(']') {
        loop {
            symbols.push(json.string()?);
            if json.eat(']') {
                break;
            }
            if !json.eat(',') {
                return None;
            }
        }
    }
    (json.eat('}') && json.0.trim().is_empty()).then_some(symbols)
}

/// Applies a client's message to its watch list and returns the answer.
fn command(text: &str, watch: &mut [bool]) -> String {
    let Some(symbols) = parse_subscribe(text) else {
        return r#"{"type":"error","message":"expected {\"subscribe\": [\"ACME\", ...]}"}"#.into();
    };
    let mut unknown = Vec::new();
    watch.fill(false);
    for symbol in symbols {
        if symbol == "*" {
            watch.fill(true);
        } else if let Some(i) = LISTING.iter().position(|l| l.0.eq_ignore_ascii_case(symbol)) {
            watch[i] = true;
        } else {
            unknown.push(symbol);
        }
    }
    let mut out = String::from(r#"{"type":"subscribed","symbols":["#);
    let watched = LISTING.iter().zip(watch.iter()).filter(|(_, &on)| on);
    for (n, (listing, _)) in watched.enumerate() {
        if n > 0 {
            out.push(',');
        }
        json_string(&mut out, listing.0);
    }
    out.push_str(r#"],"unknown":["#);
    for (n, symbol) in unknown.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        json_string(&mut out, symbol);
    }
    out.push_str("]}");
    out
}

// ---- the hub: the ticker and the clients --------------------------------------------------

struct Hub {
    settings: Settings,
    market: Mutex<Market>,
    /// Every tick, to every client; each receiver keeps the last [`QUEUE_LEN`].
    ticks: broadcast::Sender<Arc<Tick>>,
    /// Set once, on Ctrl-C.
    stop: watch::Sender<bool>,
    /// Open quote streams.
    streams: AtomicUsize,
    next_id: AtomicU64,
}

/// Never held across an `.await`.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Moves the market every [`TICK`] and broadcasts the tick, which never waits for a
/// client: one that has not taken the last [`QUEUE_LEN`] ticks loses the oldest.
async fn run_ticker(hub: Arc<Hub>) {
    let mut stop = hub.stop.subscribe();
    let mut every = tokio::time::interval_at(Instant::now() + TICK, TICK);
    // A late tick does not delay the next ones; one later than a whole interval is skipped.
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.wait_for(|&stop| stop) => return,
        }
        let tick = Arc::new(lock(&hub.market).step());
        // An error only says that no client is connected.
        let _ = hub.ticks.send(tick);
    }
}

/// Resolves once Ctrl-C was pressed.
async fn stopping(stop: &mut watch::Receiver<bool>) {
    // An error means the hub is gone: stopping too.
    let _ = stop.wait_for(|&stop| stop).await;
}

// ---- HTTP: the page, and the upgrade ------------------------------------------------------

/// A socket whose writes fail with `TimedOut` once it has accepted no byte for
/// [`IO_TIMEOUT`] (what `set_write_timeout` does for a blocking socket): a client that
/// stopped reading is dropped, and the close handshake, which would wait behind the
/// bytes it did not take, is skipped.
struct Stalling {
    io: TcpStream,
    /// Armed when a write finds the socket full; disarmed by any progress.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl AsyncRead for Stalling {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stalling {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Pending => {}
            written => {
                this.stalled = None;
                return written;
            }
        }
        let stalled = this.stalled.get_or_insert_with(|| Box::pin(sleep(IO_TIMEOUT)));
        core::task::ready!(stalled.as_mut().poll(cx));
        this.stalled = None;
        Poll::Ready(Err(ErrorKind::TimedOut.into()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Reads a request head (and whatever follows it); `None` when the peer went away, was too
/// slow, or sent too much (then 431 was answered).
async fn read_head(stream: &mut Stalling) -> io::Result<Option<(Vec<u8>, usize)>> {
    let mut buf = Vec::with_capacity(HEAD_READ);
    loop {
        let from = buf.len();
        buf.resize(from + HEAD_READ, 0);
        let n = match stream.read(&mut buf[from..]).await {
            Ok(0) => return Ok(None),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        buf.truncate(from + n);
        let start = from.saturating_sub(3);
        if let Some(end) = buf[start..].windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(Some((buf, start + end + 4)));
        }
        if buf.len() > MAX_HEAD {
            respond(stream, Reject::from_error(HandshakeError::HeadTooLarge)).await?;
            return Ok(None);
        }
    }
}

/// Whether the head has an `Upgrade` header: a WebSocket attempt, checked in full by
/// [`ServerHandshake::parse_request`]. Anything else is plain HTTP.
fn wants_upgrade(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n')
        .skip(1)
        .any(|line| line.len() > 8 && line[..8].eq_ignore_ascii_case(b"upgrade:"))
}

async fn respond(stream: &mut Stalling, reject: Reject<'_>) -> io::Result<()> {
    let mut out = Vec::new();
    if reject.write(&mut out).is_ok() {
        stream.write_all(&out).await?;
    }
    Ok(())
}

/// Serves plain HTTP: the page at `/`, a 426 at the stream's path, 404 elsewhere.
async fn serve_http(stream: &mut Stalling, head: &[u8]) -> io::Result<&'static str> {
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let line = core::str::from_utf8(line).unwrap_or_default();
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let path = target.split('?').next().unwrap_or_default();
    if method != "GET" && method != "HEAD" {
        respond(stream, Reject::new(405).with_headers(&[("Allow", "GET, HEAD")])).await?;
        return Ok("405");
    }
    match path {
        "/" | "/index.html" => {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
                PAGE.len()
            )
            .into_bytes();
            if method == "GET" {
                out.extend_from_slice(PAGE.as_bytes());
            }
            stream.write_all(&out).await?;
            Ok("200 page")
        }
        "/stock_info/" | "/stock_info" => {
            let body = b"this is a WebSocket endpoint: /stock_info/?encoding=text or binary\n";
            respond(stream, Reject::new(426).with_body(body)).await?;
            Ok("426")
        }
        _ => {
            respond(stream, Reject::new(404).with_body(b"not found: the page is at /\n")).await?;
            Ok("404")
        }
    }
}

/// The server's decision on an upgrade request: the encoding, or the refusal.
fn decide(request: &Request<'_>, hub: &Hub) -> Result<Encoding, (u16, String)> {
    let path = request.path();
    if path != STREAM_PATH && path != "/stock_info" {
        return Err((404, format!("no stream at {path}: quotes are at {STREAM_PATH}\n")));
    }
    let policy =
        if hub.settings.any_origin { OriginPolicy::AllowAny } else { OriginPolicy::SameHost };
    if policy.check(request).is_err() {
        let origin = request.origin().unwrap_or_default();
        return Err((403, format!("origin {origin} may not open {STREAM_PATH} on this host\n")));
    }
    let mut encoding = Encoding::Text;
    for pair in request.query().unwrap_or_default().split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == "encoding" {
            encoding = match value {
                "text" => Encoding::Text,
                "binary" => Encoding::Binary,
                other => {
                    return Err((
                        400,
                        format!(
                            "unknown encoding {other:?}: use encoding=text or encoding=binary\n"
                        ),
                    ))
                }
            };
        }
    }
    if hub.streams.load(Ordering::Relaxed) >= hub.settings.max_clients {
        return Err((503, "too many clients, try again later\n".into()));
    }
    Ok(encoding)
}

/// One connection: plain HTTP, or an upgrade to a quote stream.
async fn handle(stream: TcpStream, peer: SocketAddr, hub: &Hub) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let mut stream = Stalling { io: stream, stalled: None };
    // A browser may open a connection ahead of time and send nothing on it.
    let mut stop = hub.stop.subscribe();
    let head = tokio::select! {
        head = timeout(IO_TIMEOUT, read_head(&mut stream)) => head,
        () = stopping(&mut stop) => return Ok(()),
    };
    let Ok(head) = head else {
        return Ok(()); // too slow to send its request
    };
    let Some((mut buf, head_len)) = head? else {
        return Ok(());
    };
    if !wants_upgrade(&buf[..head_len]) {
        let answer = serve_http(&mut stream, &buf[..head_len]).await?;
        let line = buf.split(|&b| b == b'\r').next().unwrap_or_default();
        say!("{peer}: {} -> {answer}", String::from_utf8_lossy(line));
        return Ok(());
    }
    let request = match ServerHandshake::new(Limits::default()).parse_request(&buf) {
        Ok(Status::Complete(request)) => request,
        Ok(Status::Partial) => return Ok(()), // cannot happen: the head is complete
        Err(e) => {
            say!("{peer}: bad upgrade request: {e}");
            return Ok(respond(&mut stream, Reject::from_error(e)).await?);
        }
    };
    let encoding = match decide(&request, hub) {
        Ok(encoding) => encoding,
        Err((status, reason)) => {
            say!("{peer}: {} refused with {status}: {}", request.target(), reason.trim_end());
            let reject = Reject::new(status).with_body(reason.as_bytes());
            return Ok(respond(&mut stream, reject).await?);
        }
    };
    let mut answer = Vec::new();
    let upgrade = request.accept(&Accept::new(), &mut answer)?;
    stream.write_all(&answer).await?;
    let conn = upgrade.into_connection(hub.settings.config());
    let mut reader = MessageReader::new(vec![0; READ_BUFFER], MessageBuffer::new());
    // The head was read in pieces of HEAD_READ bytes: what came after it fits the reader.
    let leftover = upgrade.leftover(&mut buf);
    let taken = reader.feed(leftover);
    debug_assert_eq!(taken, leftover.len());
    drop(buf);
    let ws = WebSocket::from_connection(stream, conn);
    stream_quotes(ws, &mut reader, peer, encoding, hub, stop).await;
    Ok(())
}

// ---- a quote stream -----------------------------------------------------------------------

type Ws = WebSocket<Stalling>;
type Reader = MessageReader<Vec<u8>, MessageBuffer>;

/// Why a quote stream ends on our side.
enum Stop {
    /// The peer closed, or failed.
    Peer,
    /// Ctrl-C.
    Shutdown,
    /// It has not taken a tick for [`SLOW_LIMIT`].
    TooSlow,
}

async fn stream_quotes(
    mut ws: Ws,
    reader: &mut Reader,
    peer: SocketAddr,
    encoding: Encoding,
    hub: &Hub,
    mut stop: watch::Receiver<bool>,
) {
    hub.streams.fetch_add(1, Ordering::Relaxed);
    let id = hub.next_id.fetch_add(1, Ordering::Relaxed) + 1;
    let mut ticks = hub.ticks.subscribe();
    say!("#{id} {peer}: streaming {} quotes", encoding.name());
    let result = pump(&mut ws, reader, &mut ticks, &mut stop, encoding, hub).await;
    drop(ticks);
    // Whether to wait for the end of the close handshake, and our Close, if we start it.
    let (finish, close) = match &result {
        Ok(Stop::Shutdown) => (true, Some((CloseCode::GOING_AWAY, "server shutting down"))),
        Ok(Stop::TooSlow) => {
            say!("#{id}: too slow, closing with 1008");
            (true, Some((CloseCode::POLICY_VIOLATION, "client too slow")))
        }
        // The driver answered the peer's Close, or sent its own after a protocol error.
        Ok(Stop::Peer) | Err(Error::Send(_) | Error::Protocol(_)) => (true, None),
        // The connection is over, or the socket failed.
        Err(_) => (false, None),
    };
    let mut result = result;
    if finish {
        // Bounded here: the driver's close timer does not run while a write waits for a
        // client that reads nothing.
        let closing = timeout(CLOSING, async {
            if let Some((code, reason)) = close {
                ws.close(code, reason).await?;
            }
            loop {
                match ws.recv(reader).await {
                    Ok(_) => {}
                    Err(Error::Closed) => return Ok(()),
                    Err(e) => return Err(e),
                }
            }
        })
        .await;
        match closing {
            Ok(Err(e @ Error::Io(_))) => result = Err(e),
            Err(_) => result = Err(io::Error::new(ErrorKind::TimedOut, "close timed out").into()),
            Ok(_) => {}
        }
    }
    match result {
        Err(e @ (Error::Io(_) | Error::Protocol(_))) => say!("#{id}: dropped: {e}"),
        _ => say!("#{id}: closed ({:?})", ws.close_code().map(u16::from)),
    }
    hub.streams.fetch_sub(1, Ordering::Relaxed);
}

/// What a stream sends next.
enum Outgoing {
    Quotes(Arc<Tick>),
    Answer(Cow<'static, str>),
}

/// Sends the hello, then the ticks, and answers the client's messages, until one side
/// stops.
async fn pump(
    ws: &mut Ws,
    reader: &mut Reader,
    ticks: &mut broadcast::Receiver<Arc<Tick>>,
    stop: &mut watch::Receiver<bool>,
    encoding: Encoding,
    hub: &Hub,
) -> Result<Stop, Error> {
    let hello = lock(&hub.market).hello(encoding);
    let mut taken = Instant::now();
    if let Some(stopped) = bounded(ws.send_text(&hello), taken + SLOW_LIMIT, stop).await? {
        return Ok(stopped);
    }
    drop(hello);
    let mut watch = [true; LISTING.len()];
    loop {
        // All three are cancel-safe: the two that lose lose nothing.
        let outgoing = tokio::select! {
            received = ws.recv(reader) => match received? {
                Received::Text(text) => Outgoing::Answer(command(text, &mut watch).into()),
                Received::Binary(_) => Outgoing::Answer(
                    r#"{"type":"error","message":"send JSON text, not binary"}"#.into(),
                ),
                Received::Close(_) => return Ok(Stop::Peer),
                Received::Ping(_) | Received::Pong(_) => continue,
            },
            tick = ticks.recv() => {
                taken = Instant::now();
                match tick {
                    Ok(tick) => Outgoing::Quotes(tick),
                    // Fell behind: skip to the current prices.
                    Err(broadcast::error::RecvError::Lagged(_)) => match latest(ticks) {
                        Some(tick) => Outgoing::Quotes(tick),
                        None => continue,
                    },
                    Err(broadcast::error::RecvError::Closed) => return Ok(Stop::Shutdown),
                }
            }
            () = stopping(stop) => return Ok(Stop::Shutdown),
        };
        let sent = match &outgoing {
            Outgoing::Answer(text) => bounded(ws.send_text(text), taken + SLOW_LIMIT, stop).await?,
            Outgoing::Quotes(tick) => match quotes(tick, &watch, encoding) {
                None => None,
                Some(Quotes::Text(text)) => {
                    bounded(ws.send_text(&text), taken + SLOW_LIMIT, stop).await?
                }
                Some(Quotes::Binary(bytes)) => {
                    bounded(ws.send_binary(&bytes), taken + SLOW_LIMIT, stop).await?
                }
            },
        };
        if let Some(stopped) = sent {
            return Ok(stopped);
        }
    }
}

/// The newest tick queued for a receiver that lagged.
fn latest(ticks: &mut broadcast::Receiver<Arc<Tick>>) -> Option<Arc<Tick>> {
    let mut latest = None;
    loop {
        match ticks.try_recv() {
            Ok(tick) => latest = Some(tick),
            Err(broadcast::error::TryRecvError::Lagged(_)) => {}
            Err(_) => return latest,
        }
    }
}

/// A tick's quotes for one client.
enum Quotes<'t> {
    Text(Cow<'t, str>),
    Binary(Cow<'t, [u8]>),
}

/// The quotes of `tick` that a client watching `watch` gets: the tick's own encoding
/// when it watches everything (the common case, encoded once for all), else its own.
fn quotes<'t>(tick: &'t Tick, watch: &[bool], encoding: Encoding) -> Option<Quotes<'t>> {
    let all = watch.iter().all(|&on| on);
    match encoding {
        Encoding::Text if all => Some(Quotes::Text(Cow::Borrowed(&tick.json))),
        Encoding::Binary if all => Some(Quotes::Binary(Cow::Borrowed(&tick.binary))),
        Encoding::Text => quotes_json(tick, watch).map(|text| Quotes::Text(text.into())),
        Encoding::Binary => quotes_binary(tick, watch).map(|bytes| Quotes::Binary(bytes.into())),
    }
}

/// Runs a send unless the client is still behind at `deadline` (it has then not taken a
/// tick for [`SLOW_LIMIT`]) or the server stops first. A send that lost is not lost: its
/// message was queued, and goes out before the Close.
async fn bounded(
    send: impl Future<Output = Result<(), Error>>,
    deadline: Instant,
    stop: &mut watch::Receiver<bool>,
) -> Result<Option<Stop>, Error> {
    tokio::select! {
        // The send first: most sends complete at once, and then no timer is armed.
        biased;
        sent = send => sent.map(|()| None),
        () = sleep_until(deadline) => Ok(Some(Stop::TooSlow)),
        () = stopping(stop) => Ok(Some(Stop::Shutdown)),
    }
}

// ---- the process --------------------------------------------------------------------------

/// Ctrl-C, and on Unix SIGTERM and SIGHUP, caught from the start: none of them ends the
/// process before its clients were told.
struct Signals {
    #[cfg(unix)]
    caught: [tokio::signal::unix::Signal; 3],
}

impl Signals {
    fn catch() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let caught = [
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
                signal(SignalKind::hangup())?,
            ];
            Ok(Self { caught })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Resolves at the next signal.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            let [int, term, hup] = &mut self.caught;
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn serve(settings: Settings) -> io::Result<()> {
    let mut signals = Signals::catch()?;
    let listener = TcpListener::bind(&settings.addr).await?;
    let local = listener.local_addr()?;
    let shown = if local.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], local.port()))
    } else {
        local
    };
    say!("stock ticker: open http://{shown}/ in a browser");
    say!("  quotes: ws://{shown}{STREAM_PATH}?encoding=text (or encoding=binary)");
    say!("  Ctrl-C closes every client with 1001 and stops");
    let hub = Arc::new(Hub {
        settings,
        market: Mutex::new(Market::open()),
        ticks: broadcast::channel(QUEUE_LEN).0,
        stop: watch::channel(false).0,
        streams: AtomicUsize::new(0),
        next_id: AtomicU64::new(0),
    });
    let ticker = tokio::spawn(run_ticker(Arc::clone(&hub)));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = signals.next() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let hub = Arc::clone(&hub);
                    connections.spawn(async move {
                        if let Err(e) = handle(stream, peer, &hub).await {
                            say!("{peer}: {e}");
                        }
                    });
                }
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    eprintln!("accept: {e}");
                    sleep(Duration::from_millis(100)).await;
                }
            },
            // Forget the connections that ended.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener); // the address is free again at once
    let open = hub.streams.load(Ordering::Relaxed);
    say!("shutting down: closing {open} client(s) with 1001");
    hub.stop.send_replace(true);
    // Each stream closes with 1001 and waits for the client's Close, for at most CLOSING.
    tokio::select! {
        _ = timeout(DRAIN, async { while connections.join_next().await.is_some() {} }) => {}
        () = signals.next() => say!("second signal: stopping now"),
    }
    connections.shutdown().await;
    let _ = ticker.await;
    say!("stopped");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::parse() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match serve(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stock_ticker: {e}");
            ExitCode::FAILURE
        }
    }
}
