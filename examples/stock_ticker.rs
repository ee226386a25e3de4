//! The live stock-ticker demo: `cargo run --example stock_ticker`, then open the URL it
//! prints (<http://127.0.0.1:8080/> by default; pass another address as the first argument).
//!
//! One `std` process, threads and the blocking adapter, no async runtime:
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
//!   the next one is due is dropped.
//! - Slow clients: the ticker thread never blocks. Each client has a queue of 16 ticks
//!   (4 s); when it is full the client *skips* quotes (the next one it gets carries the
//!   current price). A client that has not taken a tick for 10 s is closed with 1008
//!   ("client too slow"); a socket that accepts no bytes for 10 s is dropped (write
//!   timeout).
//! - Ctrl-C (or SIGTERM/SIGHUP) closes every client with 1001 ("going away"). `std` cannot
//!   catch signals, so on Unix the process runs the server in a child in its own process
//!   group; the signal ends the parent, and the child, seeing its stdin pipe from the
//!   parent close, shuts down cleanly. Elsewhere, type `q` and Enter.

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::fmt::Write as _;
use core::net::SocketAddr;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use core::time::Duration;
use std::io::{self, BufRead, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rfc6455::blocking::{Error, WebSocket};
use rfc6455::handshake::{
    Accept, HandshakeError, Limits, OriginPolicy, Reject, Request, ServerHandshake, Status,
};
use rfc6455::message::MessageBuffer;
use rfc6455::MessageReader;
use rfc6455::Received;
use rfc6455::{random_mask_seed, CloseCode, Config};

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
/// Ticks a client may have queued; beyond, it skips quotes.
const QUEUE_LEN: usize = 16;
/// Consecutive skipped ticks (10 s) after which a client is closed with 1008.
const SLOW_LIMIT: u32 = 40;
/// How long a client thread waits for the client's messages before looking at its queue.
const POLL: Duration = Duration::from_millis(25);
/// Prices remembered per stock, for the page's sparkline.
const HISTORY: usize = 120;
/// Time allowed to send a request head, and for a socket to accept our bytes.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// Most simultaneous quote streams.
const MAX_CLIENTS: usize = 512;
/// Default keepalive ping interval.
const KEEPALIVE_MS: u64 = 15_000;
/// Marks the child process that runs the server (see [`supervise`]).
const WORKER_ENV: &str = "STOCK_TICKER_WORKER";

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
}

impl Settings {
    fn parse() -> Result<Self, String> {
        let mut settings =
            Self { addr: DEFAULT_ADDR.into(), any_origin: false, keepalive_ms: KEEPALIVE_MS };
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
                "-h" | "--help" => {
                    return Err(
                        "usage: stock_ticker [ADDR (default 127.0.0.1:8080)] [--any-origin] \
                         [--keepalive-ms MS]"
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
        Tick { time_ms: unix_millis(), quotes }
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

/// A connected client, as the ticker sees it.
struct Subscriber {
    id: u64,
    queue: SyncSender<Arc<Tick>>,
    skipped: u32,
}

struct Hub {
    settings: Settings,
    market: Mutex<Market>,
    subscribers: Mutex<Vec<Subscriber>>,
    /// Open quote streams.
    streams: AtomicUsize,
    next_id: AtomicU64,
    shutdown: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hub {
    fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
    }

    /// Moves the market every [`TICK`] and offers the tick to every client without ever
    /// blocking: a full queue skips the tick for that client.
    fn run_ticker(&self) {
        let mut next = Instant::now();
        while !self.stopping() {
            next += TICK;
            match next.checked_duration_since(Instant::now()) {
                Some(wait) => thread::sleep(wait),
                None => next = Instant::now(),
            }
            let tick = Arc::new(lock(&self.market).step());
            lock(&self.subscribers).retain_mut(|s| match s.queue.try_send(Arc::clone(&tick)) {
                Ok(()) => {
                    s.skipped = 0;
                    true
                }
                Err(TrySendError::Full(_)) => {
                    s.skipped += 1;
                    if s.skipped == SLOW_LIMIT {
                        say!("#{}: too slow, closing with 1008", s.id);
                    }
                    // Dropping the sender tells the client's thread to close.
                    s.skipped < SLOW_LIMIT
                }
                Err(TrySendError::Disconnected(_)) => false,
            });
        }
    }

    fn subscribe(&self) -> (u64, Receiver<Arc<Tick>>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (queue, ticks) = mpsc::sync_channel(QUEUE_LEN);
        lock(&self.subscribers).push(Subscriber { id, queue, skipped: 0 });
        (id, ticks)
    }

    fn unsubscribe(&self, id: u64) {
        lock(&self.subscribers).retain(|s| s.id != id);
    }
}

// ---- HTTP: the page, and the upgrade ------------------------------------------------------

/// Reads a request head (and whatever follows it); `None` when the peer went away, was too
/// slow, or sent too much (then 431 was answered).
fn read_head(stream: &mut TcpStream) -> io::Result<Option<(Vec<u8>, usize)>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0; 2048];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) => return Ok(None),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Ok(None)
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(Some((buf, from + end + 4)));
        }
        if buf.len() > MAX_HEAD {
            respond(stream, Reject::from_error(HandshakeError::HeadTooLarge))?;
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

fn respond(stream: &mut TcpStream, reject: Reject<'_>) -> io::Result<()> {
    let mut out = Vec::new();
    if reject.write(&mut out).is_ok() {
        stream.write_all(&out)?;
    }
    Ok(())
}

/// Serves plain HTTP: the page at `/`, a 426 at the stream's path, 404 elsewhere.
fn serve_http(stream: &mut TcpStream, head: &[u8]) -> io::Result<&'static str> {
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let line = core::str::from_utf8(line).unwrap_or_default();
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let path = target.split('?').next().unwrap_or_default();
    if method != "GET" && method != "HEAD" {
        respond(stream, Reject::new(405).with_headers(&[("Allow", "GET, HEAD")]))?;
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
            stream.write_all(&out)?;
            Ok("200 page")
        }
        "/stock_info/" | "/stock_info" => {
            let body = b"this is a WebSocket endpoint: /stock_info/?encoding=text or binary\n";
            respond(stream, Reject::new(426).with_body(body))?;
            Ok("426")
        }
        _ => {
            respond(stream, Reject::new(404).with_body(b"not found: the page is at /\n"))?;
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
    if hub.streams.load(Ordering::Relaxed) >= MAX_CLIENTS {
        return Err((503, "too many clients, try again later\n".into()));
    }
    Ok(encoding)
}

/// One connection: plain HTTP, or an upgrade to a quote stream.
fn handle(mut stream: TcpStream, peer: SocketAddr, hub: &Hub) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    // A client whose socket takes no bytes for this long is dropped.
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let Some((mut buf, head_len)) = read_head(&mut stream)? else {
        return Ok(());
    };
    if !wants_upgrade(&buf[..head_len]) {
        let answer = serve_http(&mut stream, &buf[..head_len])?;
        let line = buf.split(|&b| b == b'\r').next().unwrap_or_default();
        say!("{peer}: {} -> {answer}", String::from_utf8_lossy(line));
        return Ok(());
    }
    let request = match ServerHandshake::new(Limits::default()).parse_request(&buf) {
        Ok(Status::Complete(request)) => request,
        Ok(Status::Partial) => return Ok(()), // cannot happen: the head is complete
        Err(e) => {
            say!("{peer}: bad upgrade request: {e}");
            return Ok(respond(&mut stream, Reject::from_error(e))?);
        }
    };
    let encoding = match decide(&request, hub) {
        Ok(encoding) => encoding,
        Err((status, reason)) => {
            say!("{peer}: {} refused with {status}: {}", request.target(), reason.trim_end());
            return Ok(respond(&mut stream, Reject::new(status).with_body(reason.as_bytes()))?);
        }
    };
    let mut answer = Vec::new();
    let upgrade = request.accept(&Accept::new(), &mut answer)?;
    stream.write_all(&answer)?;
    stream.set_read_timeout(None)?;
    let conn = upgrade.into_connection(hub.settings.config());
    let ws = WebSocket::from_connection(stream, conn);
    let mut reader = MessageReader::default();
    let mut leftover = &*upgrade.leftover(&mut buf);
    while !leftover.is_empty() {
        // The head is read in 1 KiB pieces: what came after it fits the reader.
        let taken = reader.feed(leftover);
        leftover = &leftover[taken..];
        if taken == 0 {
            break;
        }
    }
    stream_quotes(ws, &mut reader, peer, encoding, hub);
    Ok(())
}

/// Why a quote stream ends on our side.
enum Stop {
    /// The peer closed, or failed.
    Peer,
    /// Ctrl-C.
    Shutdown,
    /// The ticker gave up on this client.
    TooSlow,
}

fn stream_quotes(
    mut ws: WebSocket<TcpStream>,
    buffer: &mut MessageReader<Vec<u8>, MessageBuffer>,
    peer: SocketAddr,
    encoding: Encoding,
    hub: &Hub,
) {
    hub.streams.fetch_add(1, Ordering::Relaxed);
    let (id, ticks) = hub.subscribe();
    say!("#{id} {peer}: streaming {} quotes", encoding.name());
    let result = pump(&mut ws, buffer, &ticks, encoding, hub);
    hub.unsubscribe(id);
    let close = match &result {
        Ok(Stop::Shutdown) => ws.close(CloseCode::GOING_AWAY, "server shutting down"),
        Ok(Stop::TooSlow) => ws.close(CloseCode::POLICY_VIOLATION, "client too slow"),
        Ok(Stop::Peer) | Err(Error::Send(_) | Error::Protocol(_)) => Ok(()),
        Err(_) => Err(Error::Closed),
    };
    if close.is_ok() {
        // Let the close handshake finish (bounded by the close timeout).
        while ws.recv(buffer).is_ok() {}
    }
    match result {
        Err(e @ (Error::Io(_) | Error::Protocol(_))) => say!("#{id}: dropped: {e}"),
        _ => say!("#{id}: closed ({:?})", ws.close_code().map(u16::from)),
    }
    hub.streams.fetch_sub(1, Ordering::Relaxed);
}

/// Sends queued ticks and answers the client's messages until one side stops.
fn pump(
    ws: &mut WebSocket<TcpStream>,
    buffer: &mut MessageReader<Vec<u8>, MessageBuffer>,
    ticks: &Receiver<Arc<Tick>>,
    encoding: Encoding,
    hub: &Hub,
) -> Result<Stop, Error> {
    let hello = lock(&hub.market).hello(encoding);
    ws.send_text(&hello)?;
    let mut watch = [true; LISTING.len()];
    loop {
        if hub.stopping() {
            return Ok(Stop::Shutdown);
        }
        loop {
            let tick = match ticks.try_recv() {
                Ok(tick) => tick,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Ok(Stop::TooSlow),
            };
            match encoding {
                Encoding::Text => {
                    if let Some(text) = quotes_json(&tick, &watch) {
                        ws.send_text(&text)?;
                    }
                }
                Encoding::Binary => {
                    if let Some(bytes) = quotes_binary(&tick, &watch) {
                        ws.send_binary(&bytes)?;
                    }
                }
            }
        }
        match ws.recv_timeout(buffer, POLL)? {
            Some(Received::Text(text)) => {
                let answer = command(text, &mut watch);
                ws.send_text(&answer)?;
            }
            Some(Received::Binary(_)) => {
                ws.send_text(r#"{"type":"error","message":"send JSON text, not binary"}"#)?;
            }
            Some(Received::Close(_)) => return Ok(Stop::Peer),
            Some(Received::Ping(_) | Received::Pong(_)) | None => {}
        }
    }
}

// ---- the process --------------------------------------------------------------------------

/// Ends the server when stdin says so: at end of file when `eof_quits` (the supervisor's
/// pipe closed), or on a line `q`.
fn watch_stdin(hub: Arc<Hub>, eof_quits: bool) {
    thread::spawn(move || {
        let mut line = String::new();
        loop {
            line.clear();
            match io::stdin().lock().read_line(&mut line) {
                Ok(0) | Err(_) if !eof_quits => return,
                Ok(0) | Err(_) => break,
                Ok(_) if line.trim() == "q" => break,
                Ok(_) => {}
            }
        }
        hub.shutdown.store(true, Ordering::Relaxed);
    });
}

fn serve(settings: Settings, supervised: bool) -> io::Result<()> {
    let listener = TcpListener::bind(&settings.addr)?;
    let local = listener.local_addr()?;
    let shown = if local.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], local.port()))
    } else {
        local
    };
    say!("stock ticker: open http://{shown}/ in a browser");
    say!("  quotes: ws://{shown}{STREAM_PATH}?encoding=text (or encoding=binary)");
    if supervised {
        say!("  Ctrl-C closes every client with 1001 and stops");
    } else {
        say!("  type q and Enter to close every client with 1001 and stop");
    }
    let hub = Arc::new(Hub {
        settings,
        market: Mutex::new(Market::open()),
        subscribers: Mutex::new(Vec::new()),
        streams: AtomicUsize::new(0),
        next_id: AtomicU64::new(0),
        shutdown: AtomicBool::new(false),
    });
    watch_stdin(Arc::clone(&hub), supervised);
    let ticker = {
        let hub = Arc::clone(&hub);
        thread::spawn(move || hub.run_ticker())
    };
    // Poll the listener so a shutdown is noticed without a connection arriving.
    listener.set_nonblocking(true)?;
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !hub.stopping() {
        match listener.accept() {
            Ok((stream, peer)) => {
                stream.set_nonblocking(false)?;
                let hub = Arc::clone(&hub);
                workers.retain(|w| !w.is_finished());
                workers.push(thread::spawn(move || {
                    if let Err(e) = handle(stream, peer, &hub) {
                        say!("{peer}: {e}");
                    }
                }));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                eprintln!("accept: {e}");
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
    drop(listener); // the address is free again at once
    let open = hub.streams.load(Ordering::Relaxed);
    say!("shutting down: closing {open} client(s) with 1001");
    // Each client thread sees the flag within `POLL` and closes; the close handshake is
    // bounded by the close timeout (3 s).
    let deadline = Instant::now() + Duration::from_secs(4);
    while workers.iter().any(|w| !w.is_finished()) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let _ = ticker.join();
    say!("stopped");
    Ok(())
}

/// On Unix, runs the server in a child process in its own process group, so that Ctrl-C
/// (which `std` cannot catch) ends only this parent: the child's stdin is a pipe from
/// here, and its end of file tells the child to close every client with 1001 and exit.
/// `None` when the child could not be started.
#[cfg(unix)]
fn supervise() -> Option<ExitCode> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    let mut child = Command::new(std::env::current_exe().ok()?)
        .args(std::env::args_os().skip(1))
        .env(WORKER_ENV, "1")
        .stdin(Stdio::piped())
        .process_group(0)
        .spawn()
        .ok()?;
    // Held until this process ends, however it ends.
    let _pipe = child.stdin.take();
    Some(match child.wait() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}

fn main() -> ExitCode {
    let settings = match Settings::parse() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let worker = std::env::var_os(WORKER_ENV).is_some();
    #[cfg(unix)]
    if !worker {
        if let Some(code) = supervise() {
            return code;
        }
    }
    match serve(settings, worker) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stock_ticker: {e}");
            ExitCode::FAILURE
        }
    }
}
