//! A load test of the stock-ticker demo: 10,000 browser-like clients at once, on loopback.
//!
//! `bash benches/ticker_load.sh` builds this and `examples/stock_ticker` in release, raises
//! the open-file limit and runs it (BENCHMARKS.md has the numbers). By hand:
//!
//! ```sh
//! cargo build --release --features tokio --example stock_ticker --example stock_ticker_load
//! ulimit -n 20000 # each process needs a descriptor per client, and a few
//! target/release/examples/stock_ticker_load [--clients 10000] [--window-s 10] [--min-ticks 30]
//!     [--keepalive-ms 5000] [--concurrency 100] [--sources 1] [--server PATH] [--log PATH]
//! ```
//!
//! It starts the server (`--server`, by default the `stock_ticker` beside this program) on
//! a free loopback port with `--max-clients` set to the number of clients and a short
//! keepalive, then:
//! 1. opens the clients on `rfc6455::tokio`, at most `--concurrency` setups at a time
//!    (spread over `--sources` addresses 127.0.0.x), each with an `Origin` that matches
//!    `Host` as a page of the server's would send, and waits for each one's hello;
//! 2. with every client open, watches a window of `--window-s` seconds: the ticks the
//!    server made in it (by the time each quote carries), how many of their quotes each
//!    client got (also those that arrive in the 3 s after), how late, and the keepalive
//!    pings each client got in it (the driver answers them: a client that did not would
//!    be dropped);
//! 3. reads the server's RSS before the clients and at the end, and the CPU time of the
//!    server, of itself and of the machine over the window, in `/proc` (Linux; on a shared
//!    machine, the share of other processes tells how far to trust the rest);
//! 4. sends the server SIGTERM and checks that every client gets Close 1001.
//!
//! It prints the figures, then PASS, or FAIL with the reasons (exit status 1): PASS when
//! every client connected, stayed open, got at least `--min-ticks` quotes of the window's
//! ticks, and got 1001. Every phase is bounded in time: well under 2 minutes in all.

extern crate alloc;

use alloc::sync::Arc;
use core::net::{Ipv4Addr, SocketAddr};
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use core::time::Duration;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rfc6455::handshake::{ClientKey, ClientRequest, Limits};
use rfc6455::tokio::{Error, WebSocket};
use rfc6455::{random_mask_seed, Config, MessageReader, Received};
use tokio::net::TcpSocket;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

/// The page's quote stream.
const TARGET: &str = "/stock_info/?encoding=text";
/// How the quote messages start, up to the tick's time in Unix milliseconds (the hello
/// starts `{"type":"hello"`).
const QUOTES: &str = r#"{"type":"quotes","time":"#;
/// Time allowed for every client to connect and get its hello.
const CONNECT_LIMIT: Duration = Duration::from_secs(60);
/// Time allowed for the server to close every client and exit after SIGTERM.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(15);
/// Time given after the window to the quotes of its last ticks.
const GRACE: Duration = Duration::from_secs(3);
/// Descriptors a process needs beside one per client.
const SPARE_FDS: u64 = 64;
/// `USER_HZ`: the unit of the CPU times in `/proc/<pid>/stat`.
const CLOCK_TICKS: f64 = 100.0;

/// The clients' phases: ticks and pings are counted only in `MEASURING`.
const CONNECTING: u8 = 0;
const MEASURING: u8 = 1;
const ENDING: u8 = 2;

#[derive(Debug)]
struct Options {
    clients: usize,
    window: Duration,
    min_ticks: u32,
    keepalive_ms: u64,
    concurrency: usize,
    sources: usize,
    server: PathBuf,
    log: Option<PathBuf>,
}

impl Options {
    fn parse() -> Result<Self, String> {
        let beside = std::env::current_exe()
            .map_err(|e| format!("current_exe: {e}"))?
            .with_file_name(format!("stock_ticker{}", std::env::consts::EXE_SUFFIX));
        let mut options = Self {
            clients: 10_000,
            window: Duration::from_secs(10),
            min_ticks: 30,
            keepalive_ms: 5_000,
            concurrency: 100,
            sources: 1,
            server: beside,
            log: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or(format!("{flag} needs a value"));
            let number = |v: String| v.parse::<u64>().map_err(|_| format!("bad {flag} {v:?}"));
            match flag.as_str() {
                "--clients" => options.clients = number(value()?)? as usize,
                "--window-s" => options.window = Duration::from_secs(number(value()?)?),
                "--min-ticks" => options.min_ticks = number(value()?)? as u32,
                "--keepalive-ms" => options.keepalive_ms = number(value()?)?,
                "--concurrency" => options.concurrency = number(value()?)?.max(1) as usize,
                "--sources" => options.sources = number(value()?)?.clamp(1, 254) as usize,
                "--server" => options.server = value()?.into(),
                "--log" => options.log = Some(value()?.into()),
                _ => {
                    return Err("usage: stock_ticker_load [--clients N] [--window-s S] \
                         [--min-ticks N] [--keepalive-ms MS] [--concurrency N] \
                         [--sources N] [--server PATH] [--log PATH]"
                        .into())
                }
            }
        }
        if options.window > Duration::from_secs(30) {
            return Err("--window-s: at most 30".into());
        }
        Ok(options)
    }
}

// ---- /proc ----------------------------------------------------------------------------------

/// A `kB` field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in bytes.
fn status_kb(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kb: u64 =
        line[field.len()..].trim_start_matches(':').trim().split(' ').next()?.parse().ok()?;
    Some(kb * 1024)
}

/// User and system CPU time of a process so far, in seconds.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / CLOCK_TICKS)
}

/// CPU time the whole machine spent busy so far (every core), in seconds.
fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line.split_whitespace().filter_map(|t| t.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is within user)
    let busy = ticks.get(..8)?.iter().sum::<u64>() - ticks[3] - ticks[4];
    Some(busy as f64 / CLOCK_TICKS)
}

/// The 1-minute load average.
fn load_average() -> String {
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    loadavg.split(' ').next().unwrap_or("n/a").to_owned()
}

/// The soft limit on open files of this process.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line["Max open files".len()..].split_whitespace().next()?.parse().ok()
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

// ---- the server -----------------------------------------------------------------------------

/// What the server's log says, line by line.
#[derive(Default)]
struct ServerLog {
    streams: AtomicUsize,
    dropped: AtomicUsize,
    too_slow: AtomicUsize,
    refused: AtomicUsize,
    other_errors: AtomicUsize,
}

struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<ServerLog>,
}

impl Server {
    fn start(options: &Options) -> Result<Self, String> {
        let mut copy = match &options.log {
            Some(path) => Some(
                std::fs::File::create(path)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            ),
            None => None,
        };
        let mut child = Command::new(&options.server)
            .args(["127.0.0.1:0", "--max-clients", &options.clients.to_string()])
            .args(["--keepalive-ms", &options.keepalive_ms.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start {}: {e} (build it: cargo build --release --features tokio \
                     --example stock_ticker)",
                    options.server.display()
                )
            })?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        // "stock ticker: open http://127.0.0.1:PORT/ in a browser"
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|addr| addr.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the server did not start: {first:?}"));
        };
        let log = Arc::new(ServerLog::default());
        let counts = Arc::clone(&log);
        // Read the log as it comes (the server must never wait on a full pipe).
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some(file) = &mut copy {
                    let _ = writeln!(file, "{line}");
                }
                let count = if line.contains(": streaming ") {
                    &counts.streams
                } else if line.contains(": dropped: ") {
                    &counts.dropped
                } else if line.contains(": too slow") {
                    &counts.too_slow
                } else if line.contains(" refused with ") {
                    &counts.refused
                } else {
                    continue;
                };
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        let stderr = child.stderr.take().expect("piped");
        let counts = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                counts.other_errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("server: {line}");
            }
        });
        Ok(Self { child, addr, log })
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn terminate(&self) -> bool {
        Command::new("kill")
            .args(["-TERM", &self.pid()])
            .status()
            .is_ok_and(|status| status.success())
    }

    /// Waits for the server to exit, at most `limit`; `None` if it did not.
    async fn exited_within(&mut self, limit: Duration) -> Option<Duration> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Some(start.elapsed());
            }
            sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ---- the clients ----------------------------------------------------------------------------

/// What one client saw.
#[derive(Debug, Default)]
struct Seen {
    /// From the start of the TCP connect to the server's 101 read.
    handshake: Option<Duration>,
    /// The time the server made each tick received from the window on (Unix milliseconds)...
    made: Vec<u64>,
    /// ... and the time from then to its arrival here (ms).
    delays: Vec<u32>,
    /// Keepalive pings during the window (each answered by the driver).
    pings: u32,
    /// The close code once closed: the server's.
    close: Option<u16>,
    error: Option<String>,
}

/// Counters shared by the clients.
#[derive(Default)]
struct Progress {
    phase: AtomicU8,
    /// Clients that got their hello.
    ready: AtomicUsize,
    /// Clients that failed before.
    failed: AtomicUsize,
    /// Clients whose connection ended.
    ended: AtomicUsize,
}

async fn client(
    index: usize,
    addr: SocketAddr,
    sources: usize,
    gate: Arc<Semaphore>,
    progress: Arc<Progress>,
) -> Seen {
    let mut seen = Seen::default();
    let mut ready = false;
    if let Err(e) = run_client(index, addr, sources, &gate, &progress, &mut seen, &mut ready).await
    {
        seen.error = Some(e.to_string());
    }
    if !ready {
        progress.failed.fetch_add(1, Ordering::Relaxed);
    }
    progress.ended.fetch_add(1, Ordering::Relaxed);
    seen
}

async fn run_client(
    index: usize,
    addr: SocketAddr,
    sources: usize,
    gate: &Semaphore,
    progress: &Progress,
    seen: &mut Seen,
    ready: &mut bool,
) -> Result<(), Error> {
    let mut reader = MessageReader::default();
    let host = addr.ip().to_string();
    // A page served by the ticker opens the stream with its own origin.
    let origin = format!("http://{addr}");
    let permit = gate.acquire().await.map_err(|_| Error::Closed)?;
    let started = Instant::now();
    let socket = TcpSocket::new_v4()?;
    if sources > 1 {
        let source = Ipv4Addr::new(127, 0, 0, 1 + (index % sources) as u8);
        socket.bind(SocketAddr::from((source, 0)))?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    let key = ClientKey::from_random(random_mask_seed());
    let request =
        ClientRequest::new(&host, TARGET, key).with_port(addr.port()).with_origin(Some(&origin));
    let (config, limits) = (Config::new(), Limits::default());
    let mut ws =
        WebSocket::connect_with(stream, &mut reader, &request, config, &limits, random_mask_seed())
            .await?;
    seen.handshake = Some(started.elapsed());
    match ws.recv(&mut reader).await? {
        Received::Text(text) if text.starts_with(r#"{"type":"hello""#) => {}
        other => return Err(io::Error::other(format!("expected the hello, got {other:?}")).into()),
    }
    drop(permit);
    *ready = true;
    progress.ready.fetch_add(1, Ordering::Relaxed);
    loop {
        let received = ws.recv(&mut reader).await;
        let phase = progress.phase.load(Ordering::Relaxed);
        match received {
            // Sorted out later by the ticks' times: those made in the window count, also
            // when they arrive after it.
            Ok(Received::Text(text)) if text.starts_with(QUOTES) && phase != CONNECTING => {
                let digits = text[QUOTES.len()..].split(',').next().unwrap_or_default();
                let made = digits.parse::<u64>().unwrap_or(0);
                let delay = unix_millis().saturating_sub(made);
                seen.made.push(made);
                seen.delays.push(delay.min(u32::MAX.into()) as u32);
            }
            Ok(Received::Ping(_)) => seen.pings += u32::from(phase == MEASURING),
            Ok(_) => {}
            Err(Error::Closed) => break,
            Err(e) => return Err(e),
        }
    }
    seen.close = ws.close_code().map(u16::from);
    Ok(())
}

// ---- the run --------------------------------------------------------------------------------

fn unix_millis() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// The value at `fraction` (0 to 1) of sorted `values`.
fn percentile<T: Copy>(sorted: &[T], fraction: f64) -> Option<T> {
    let last = sorted.len().checked_sub(1)?;
    sorted.get(((last as f64) * fraction).round() as usize).copied()
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(io::stdout().lock(), $($arg)*);
    }};
}

async fn run(options: Options) -> Result<Vec<String>, String> {
    let needed = options.clients as u64 + SPARE_FDS;
    match open_file_limit() {
        Some(limit) if limit < needed => {
            return Err(format!(
                "the open-file limit is {limit}, {needed} are needed: run `ulimit -n {needed}` \
                 first (hard limit: `ulimit -Hn`)"
            ))
        }
        _ => {}
    }
    let mut server = Server::start(&options)?;
    let pid = server.pid();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    say!(
        "stock_ticker_load: {} clients, {cores} cores (load average {}); server {} (pid {pid}) \
         on {}, keepalive {} ms",
        options.clients,
        load_average(),
        options.server.display(),
        server.addr,
        options.keepalive_ms
    );
    // Let the server settle (its market opens with 30 s of history).
    sleep(Duration::from_millis(500)).await;
    let rss_before = status_kb(&pid, "VmRSS").unwrap_or(0);
    say!("server RSS before the clients: {}", mib(rss_before));

    // 1. Connect every client.
    let progress = Arc::new(Progress { phase: AtomicU8::new(CONNECTING), ..Progress::default() });
    let gate = Arc::new(Semaphore::new(options.concurrency));
    let mut clients = JoinSet::new();
    let start = Instant::now();
    for index in 0..options.clients {
        let (gate, progress) = (Arc::clone(&gate), Arc::clone(&progress));
        clients.spawn(client(index, server.addr, options.sources, gate, progress));
    }
    let settled = || {
        progress.ready.load(Ordering::Relaxed) + progress.failed.load(Ordering::Relaxed)
            >= options.clients
    };
    while !settled() && start.elapsed() < CONNECT_LIMIT {
        sleep(Duration::from_millis(20)).await;
    }
    let connect_time = start.elapsed();
    let ready = progress.ready.load(Ordering::Relaxed);
    let failed = progress.failed.load(Ordering::Relaxed);
    say!(
        "connected: {ready} of {} with their hello in {:.2} s ({:.0} handshakes/s), {failed} failed",
        options.clients,
        connect_time.as_secs_f64(),
        ready as f64 / connect_time.as_secs_f64()
    );

    // 2. The window, every client open.
    let cpu_before = cpu_seconds(&pid);
    let own_cpu_before = cpu_seconds("self");
    let machine_before = machine_busy_seconds();
    let window_start = Instant::now();
    let window_start_ms = unix_millis();
    progress.phase.store(MEASURING, Ordering::Relaxed);
    sleep(options.window).await;
    progress.phase.store(ENDING, Ordering::Relaxed);
    let window_end_ms = unix_millis();
    let window = window_start.elapsed();
    let cpu = cpu_seconds(&pid).zip(cpu_before).map(|(after, before)| after - before);
    let own_cpu = cpu_seconds("self").zip(own_cpu_before).map(|(after, before)| after - before);
    let machine = machine_busy_seconds().zip(machine_before).map(|(after, before)| after - before);
    let others = machine.zip(cpu.zip(own_cpu)).map(|(all, (a, b))| (all - a - b).max(0.0));
    // The last ticks of the window may still be on their way.
    sleep(GRACE).await;
    let ended = progress.ended.load(Ordering::Relaxed);
    let ready_now = progress.ready.load(Ordering::Relaxed);
    let open_at_end =
        ready_now.saturating_sub(ended.saturating_sub(progress.failed.load(Ordering::Relaxed)));
    let rss_after = status_kb(&pid, "VmRSS").unwrap_or(0);
    let rss_peak = status_kb(&pid, "VmHWM").unwrap_or(0);
    let own_rss = status_kb("self", "VmRSS").unwrap_or(0);

    // 3. Shut the server down: every client should get 1001.
    let signalled = server.terminate();
    let exit_time = server.exited_within(SHUTDOWN_LIMIT).await;
    let mut seen = Vec::with_capacity(options.clients);
    let _ = timeout(Duration::from_secs(5), async {
        while let Some(done) = clients.join_next().await {
            if let Ok(s) = done {
                seen.push(s);
            }
        }
    })
    .await;
    clients.shutdown().await;

    // The figures.
    let mut handshakes: Vec<Duration> = seen.iter().filter_map(|s| s.handshake).collect();
    handshakes.sort_unstable();
    let streamed: Vec<&Seen> = seen.iter().filter(|s| s.handshake.is_some()).collect();
    let mut pings: Vec<u32> = streamed.iter().map(|s| s.pings).collect();
    pings.sort_unstable();
    let going_away = seen.iter().filter(|s| s.close == Some(1001)).count();
    let expected = (window.as_secs_f64() / 0.25).floor();
    let [p50, p99, max] =
        [0.5, 0.99, 1.0].map(|f| percentile(&handshakes, f).map_or("n/a".into(), ms));
    let [p_min, p_med] = [0.0, 0.5].map(|f| percentile(&pings, f).unwrap_or(0));
    // Every tick some client got, by the time the server made it.
    let mut made: Vec<u64> = streamed.iter().flat_map(|s| s.made.iter().copied()).collect();
    made.sort_unstable();
    made.dedup();
    let in_window_at = |t: &u64| (window_start_ms..window_end_ms).contains(t);
    let in_window = made.iter().filter(|t| in_window_at(t)).count();
    // The quotes each client got of the ticks made in the window, and how late.
    let mut ticks: Vec<usize> =
        streamed.iter().map(|s| s.made.iter().filter(|t| in_window_at(t)).count()).collect();
    ticks.sort_unstable();
    let [t_min, t_med, t_max] = [0.0, 0.5, 1.0].map(|f| percentile(&ticks, f).unwrap_or(0));
    let window_made: Vec<u64> = made.iter().copied().filter(in_window_at).collect();
    let longest_gap = window_made.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    // Quotes a client did not get between its first and last of the window: skipped
    // because it lagged more than the server keeps.
    let skipped: usize = streamed
        .iter()
        .filter_map(|s| {
            let (first, last) = (s.made.first()?, s.made.last()?);
            let made_then =
                made.partition_point(|t| t <= last) - made.partition_point(|t| t < first);
            Some(made_then.saturating_sub(s.made.len()))
        })
        .sum();
    let mut delays: Vec<u32> = streamed
        .iter()
        .flat_map(|s| s.made.iter().zip(&s.delays).filter(|(t, _)| in_window_at(t)))
        .map(|(_, &delay)| delay)
        .collect();
    delays.sort_unstable();
    let [d50, d99, dmax] = [0.5, 0.99, 1.0]
        .map(|f| percentile(&delays, f).map_or("n/a".into(), |d| format!("{d} ms")));
    say!("handshake latency (connect to 101): p50 {p50}, p99 {p99}, max {max}");
    say!(
        "window of {:.1} s, {open_at_end} clients open through it and the {GRACE:?} after: the \
         server made {in_window} ticks in it ({expected} due, longest gap between two \
         {longest_gap} ms); quotes per client of those ticks: min {t_min}, median {t_med}, \
         max {t_max}; quotes skipped by clients that lagged: {skipped}",
        window.as_secs_f64()
    );
    say!("keepalive pings answered per client in the window: min {p_min}, median {p_med}");
    say!("quote delay (tick made to quote read by the client): p50 {d50}, p99 {d99}, max {dmax}");
    let per_client = rss_after.saturating_sub(rss_before) / ready.max(1) as u64;
    say!(
        "server RSS with {ready} clients: {} (peak {}), {:.1} KiB per client over the {} before",
        mib(rss_after),
        mib(rss_peak),
        per_client as f64 / 1024.0,
        mib(rss_before)
    );
    let share = |cpu: Option<f64>| {
        cpu.map_or("n/a".into(), |s| format!("{:.0} %", 100.0 * s / window.as_secs_f64()))
    };
    say!(
        "CPU over the window (100 % = one core): server {}, this load generator {} (RSS {}), \
         other processes {}",
        share(cpu),
        share(own_cpu),
        mib(own_rss),
        share(others)
    );
    say!(
        "SIGTERM: {going_away} of {ready} clients got Close 1001; the server exited {}",
        exit_time.map_or(format!("not within {SHUTDOWN_LIMIT:?}"), |t| format!(
            "after {:.2} s",
            t.as_secs_f64()
        ))
    );
    let log = &server.log;
    say!(
        "server log: {} streams, {} dropped, {} too slow, {} refused, {} lines on stderr",
        log.streams.load(Ordering::Relaxed),
        log.dropped.load(Ordering::Relaxed),
        log.too_slow.load(Ordering::Relaxed),
        log.refused.load(Ordering::Relaxed),
        log.other_errors.load(Ordering::Relaxed)
    );
    let mut errors: Vec<&str> = seen.iter().filter_map(|s| s.error.as_deref()).collect();
    errors.sort_unstable();
    errors.dedup();
    for error in errors.iter().take(5) {
        say!("  a client failed: {error}");
    }

    let mut failures = Vec::new();
    if ready < options.clients {
        failures.push(format!("{ready} of {} clients connected", options.clients));
    }
    if open_at_end < options.clients {
        failures.push(format!("{open_at_end} clients open at the end of the window"));
    }
    if t_min < options.min_ticks as usize {
        failures.push(format!("a client got {t_min} quotes, fewer than {}", options.min_ticks));
    }
    if !signalled || going_away < ready {
        failures.push(format!("{going_away} of {ready} clients got 1001"));
    }
    if exit_time.is_none() {
        failures.push("the server did not exit after SIGTERM".into());
    }
    Ok(failures)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match timeout(Duration::from_secs(115), run(options)).await {
        Ok(Ok(failures)) if failures.is_empty() => {
            say!("PASS");
            ExitCode::SUCCESS
        }
        Ok(Ok(failures)) => {
            say!("FAIL: {}", failures.join("; "));
            ExitCode::FAILURE
        }
        Ok(Err(message)) => {
            say!("FAIL: {message}");
            ExitCode::FAILURE
        }
        Err(_) => {
            say!("FAIL: the run took more than 115 s");
            ExitCode::FAILURE
        }
    }
}
