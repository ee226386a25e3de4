//! Issue 21's end-to-end benchmark: every echo server in its own process on a
//! `current_thread` runtime, one load generator for all, every cell, median of 3 runs,
//! with the load average. A full run rewrites its section of BENCHMARKS.md and
//! `benches/e2e/chart.svg`; a partial one (any option but `--no-syscalls`) only prints.
//!
//! ```sh
//! cargo run --release --manifest-path benches/e2e/Cargo.toml --bin e2e [-- OPTIONS]
//! ```
//! Options: `--runs N` (3), `--impls a,b` (rfc6455,tokio-tungstenite,tokio-websockets,
//! fastwebsockets,tcp), `--cells throughput,latency,idle` (all), `--window S` (3),
//! `--warmup S` (0.5), `--idle-conns N` (1000), `--no-syscalls`, `--print` (never write).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rfc6455_e2e::load::{self, Load, Proto};
use rfc6455_e2e::procfs;
use rfc6455_e2e::report::{self, Results, Syscalls, Throughput, THROUGHPUT};
use rfc6455_e2e::server::{Impl, Server, IMPLS};

const IN_FLIGHT: usize = 16;

struct Opts {
    runs: usize,
    impls: Vec<Impl>,
    cells: Vec<String>,
    window: Duration,
    warmup: Duration,
    idle_conns: usize,
    syscalls: bool,
    write: bool,
}

fn parse_opts() -> Result<Opts, String> {
    let mut o = Opts {
        runs: 3,
        impls: IMPLS.to_vec(),
        cells: vec!["throughput".into(), "latency".into(), "idle".into()],
        window: Duration::from_secs(3),
        warmup: Duration::from_millis(500),
        idle_conns: 1000,
        syscalls: true,
        write: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        let secs =
            |v: String| v.parse::<f64>().map(Duration::from_secs_f64).map_err(|e| e.to_string());
        match a.as_str() {
            "--runs" => o.runs = val()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--impls" => {
                o.impls = val()?
                    .split(',')
                    .map(|n| Impl::parse(n).ok_or(format!("unknown implementation {n}")))
                    .collect::<Result<_, _>>()?
            }
            "--cells" => o.cells = val()?.split(',').map(String::from).collect(),
            "--window" => o.window = secs(val()?)?,
            "--warmup" => o.warmup = secs(val()?)?,
            "--idle-conns" => o.idle_conns = val()?.parse().map_err(|e| format!("{e}"))?,
            "--no-syscalls" => {
                o.syscalls = false;
                continue;
            }
            "--print" => {
                o.write = false;
                continue;
            }
            _ => return Err(format!("unknown option {a}")),
        }
        o.write = false;
    }
    Ok(o)
}

/// CPU and message counters at one instant.
struct Snap {
    at: Instant,
    messages: u64,
    server: f64,
    gen: f64,
    machine: f64,
}

fn snap(pid: u32, messages: u64) -> Snap {
    Snap {
        at: Instant::now(),
        messages,
        server: procfs::cpu_s(pid).unwrap_or(f64::NAN),
        gen: procfs::cpu_s(std::process::id()).unwrap_or(f64::NAN),
        machine: procfs::machine_busy_s().unwrap_or(f64::NAN),
    }
}

fn proto(imp: Impl) -> Proto {
    if imp.is_websocket() {
        Proto::WebSocket { deflate: false }
    } else {
        Proto::Raw
    }
}

/// One throughput cell on a fresh server; with `perf`, counts syscalls instead of
/// timing.
fn throughput(
    dir: &Path,
    imp: Impl,
    cell: usize,
    o: &Opts,
    perf: bool,
) -> Result<(Throughput, Option<Syscalls>), String> {
    let (_, size, conns) = THROUGHPUT[cell];
    let mut server = Server::start(dir, imp)?;
    let pid = server.pid();
    let shape = Load { size, conns, in_flight: IN_FLIGHT };
    let result = load::on_runtime(async {
        let progress = load::start(server.addr, proto(imp), shape).await?;
        load::sleep(o.warmup).await;
        let load1 = procfs::loadavg1().unwrap_or(f64::NAN);
        let counter = perf.then(|| start_perf(pid)).transpose()?;
        let a = snap(pid, progress.messages.load(std::sync::atomic::Ordering::Relaxed));
        load::sleep(if perf { o.window.min(Duration::from_secs(1)) } else { o.window }).await;
        let b = snap(pid, progress.messages.load(std::sync::atomic::Ordering::Relaxed));
        let syscalls = counter.map(|c| stop_perf(c, b.messages - a.messages)).transpose()?;
        if let Some(e) = progress.error() {
            return Err(e);
        }
        let wall = (b.at - a.at).as_secs_f64();
        let msgs = (b.messages - a.messages) as f64;
        if msgs == 0.0 {
            return Err("no echo in the window".into());
        }
        let (server_s, gen_s) = (b.server - a.server, b.gen - a.gen);
        let t = Throughput {
            msgs_per_s: msgs / wall,
            server_us_per_msg: server_s / msgs * 1e6,
            server_cores: server_s / wall,
            gen_cores: gen_s / wall,
            others_cores: ((b.machine - a.machine) - server_s - gen_s).max(0.0) / wall,
            load1,
        };
        Ok((t, syscalls))
    });
    if !server.is_running() {
        return Err("the server exited".into());
    }
    result
}

/// `perf stat` counting the server's syscalls; `None` inside when perf is missing.
struct Perf {
    child: std::process::Child,
    out: PathBuf,
}

const WRITES: [&str; 4] = ["write", "writev", "sendto", "sendmsg"];
const READS: [&str; 4] = ["read", "readv", "recvfrom", "recvmsg"];

fn start_perf(pid: u32) -> Result<Perf, String> {
    let out = std::env::temp_dir().join(format!("e2e-perf-{}-{pid}.csv", std::process::id()));
    let events: Vec<String> =
        WRITES.iter().chain(&READS).map(|s| format!("syscalls:sys_enter_{s}")).collect();
    let child = Command::new("perf")
        .args(["stat", "-x", ",", "-o"])
        .arg(&out)
        .args(["-e", &events.join(","), "-p", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("perf: {e}"))?;
    // perf needs a moment to attach.
    std::thread::sleep(Duration::from_millis(100));
    Ok(Perf { child, out })
}

fn stop_perf(mut p: Perf, messages: u64) -> Result<Syscalls, String> {
    let _ = Command::new("kill").args(["-INT", &p.child.id().to_string()]).status();
    let waited = Instant::now();
    while p.child.try_wait().ok().flatten().is_none() {
        if waited.elapsed() > Duration::from_secs(5) {
            let _ = p.child.kill();
            let _ = p.child.wait();
            return Err("perf did not stop".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let text = std::fs::read_to_string(&p.out).map_err(|e| format!("perf output: {e}"))?;
    let _ = std::fs::remove_file(&p.out);
    let count = |names: &[&str]| -> f64 {
        text.lines()
            .filter(|l| {
                names.iter().any(|n| {
                    l.contains(&format!("sys_enter_{n},")) || l.ends_with(&format!("sys_enter_{n}"))
                })
            })
            .filter_map(|l| l.split(',').next()?.trim().parse::<f64>().ok())
            .sum()
    };
    let m = messages.max(1) as f64;
    Ok(Syscalls { writes_per_msg: count(&WRITES) / m, reads_per_msg: count(&READS) / m })
}

/// Ping-pong with 64 B messages: (p50, p99) in µs.
fn latency(dir: &Path, imp: Impl, o: &Opts) -> Result<(f64, f64), String> {
    let server = Server::start(dir, imp)?;
    let from = Instant::now() + o.warmup;
    let mut rtts =
        load::on_runtime(load::ping_pong(server.addr, proto(imp), 64, from, from + o.window))?;
    if rtts.is_empty() {
        return Err("no round trip".into());
    }
    rtts.sort_unstable();
    let q = |p: f64| rtts[((rtts.len() - 1) as f64 * p).round() as usize] as f64 / 1e3;
    Ok((q(0.50), q(0.99)))
}

/// KiB of server RSS per idle connection.
fn idle(
    dir: &Path,
    imp: Impl,
    proto: Proto,
    compressed_once: bool,
    n: usize,
) -> Result<f64, String> {
    let server = Server::start(dir, imp)?;
    let pid = server.pid();
    std::thread::sleep(Duration::from_millis(100));
    let before = procfs::rss_kib(pid).ok_or("no RSS")?;
    load::on_runtime(async {
        let conns = load::open_idle(server.addr, proto, n, compressed_once).await?;
        load::sleep(Duration::from_millis(300)).await;
        let after = procfs::rss_kib(pid).ok_or("no RSS")?;
        drop(conns);
        Ok((after as f64 - before as f64) / n as f64)
    })
}

fn run(dir: &Path, o: &Opts, r: &mut Results) {
    let has = |c: &str| o.cells.iter().any(|x| x == c);
    for round in 0..o.runs {
        // The order of the implementations rotates from run to run.
        let mut order = o.impls.clone();
        let n = order.len().max(1);
        order.rotate_left(round % n);
        eprintln!(
            "run {} of {} (order {:?})",
            round + 1,
            o.runs,
            order.iter().map(|i| i.name()).collect::<Vec<_>>()
        );
        for cell in (0..THROUGHPUT.len()).filter(|_| has("throughput")) {
            for &imp in &order {
                match throughput(dir, imp, cell, o, false) {
                    Ok((t, _)) => {
                        eprintln!(
                            "  {:<24} {:<18} {:>12.0} msg/s  server {:.2} µs/msg ({:.0} %), generator {:.0} %, others {:.0} %, load {:.2}",
                            THROUGHPUT[cell].0, imp.name(), t.msgs_per_s, t.server_us_per_msg,
                            t.server_cores * 100.0, t.gen_cores * 100.0, t.others_cores * 100.0, t.load1
                        );
                        r.add_throughput(imp, cell, t);
                    }
                    Err(e) => fail(r, format!("{} {}", THROUGHPUT[cell].0, imp.name()), e),
                }
            }
        }
        for &imp in order.iter().filter(|_| has("latency")) {
            let load1 = procfs::loadavg1().unwrap_or(f64::NAN);
            match latency(dir, imp, o) {
                Ok((p50, p99)) => {
                    eprintln!("  ping-pong 64 B           {:<18} p50 {p50:.1} µs, p99 {p99:.1} µs, load {load1:.2}", imp.name());
                    r.add_latency(imp, p50, p99, load1);
                }
                Err(e) => fail(r, format!("ping-pong {}", imp.name()), e),
            }
        }
        for &imp in order.iter().filter(|_| has("idle")) {
            let mut variants = vec![("", proto(imp), false)];
            if imp == Impl::Rfc6455 {
                let d = Proto::WebSocket { deflate: true };
                variants.push(("deflate", d, false));
                variants.push(("deflate, after one compressed message", d, true));
            }
            for (name, p, once) in variants {
                let load1 = procfs::loadavg1().unwrap_or(f64::NAN);
                match idle(dir, imp, p, once, o.idle_conns) {
                    Ok(kib) => {
                        eprintln!(
                            "  idle {:<6} {:<38} {:<18} {kib:.2} KiB/connection, load {load1:.2}",
                            o.idle_conns,
                            name,
                            imp.name()
                        );
                        r.add_idle(imp, name, kib, load1);
                    }
                    Err(e) => fail(r, format!("idle {name} {}", imp.name()), e),
                }
            }
        }
    }
    if o.syscalls && has("throughput") {
        eprintln!("syscalls per message (perf stat, 1 s windows, not timed)");
        for cell in 0..THROUGHPUT.len() {
            for &imp in &o.impls {
                match throughput(dir, imp, cell, o, true) {
                    Ok((_, Some(s))) => {
                        eprintln!(
                            "  {:<24} {:<18} {:.3} writes, {:.3} reads per message",
                            THROUGHPUT[cell].0,
                            imp.name(),
                            s.writes_per_msg,
                            s.reads_per_msg
                        );
                        r.add_syscalls(imp, cell, s);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        eprintln!(
                            "  syscall count {} {}: {e} (skipped)",
                            THROUGHPUT[cell].0,
                            imp.name()
                        );
                        if e.starts_with("perf") {
                            return;
                        }
                    }
                }
            }
        }
    }
}

fn fail(r: &mut Results, what: String, e: String) {
    eprintln!("  FAILED {what}: {e}");
    r.errors.push((what, e));
}

fn main() {
    let o = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("e2e: {e}");
            std::process::exit(2);
        }
    };
    let exe = std::env::current_exe().expect("the harness's own path");
    let dir = exe.parent().expect("a directory").to_path_buf();
    for imp in &o.impls {
        if !dir.join(imp.bin()).exists() {
            eprintln!(
                "e2e: {} is missing; build the package first (cargo run builds every binary)",
                imp.bin()
            );
            std::process::exit(2);
        }
    }
    let started = Instant::now();
    let mut r = Results::default();
    run(&dir, &o, &mut r);
    let section = section(&o, &r, started.elapsed());
    println!("{section}");
    if o.write {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = manifest.join("../../BENCHMARKS.md");
        let doc = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, report::splice(&doc, &section)).expect("BENCHMARKS.md is writable");
        let title = format!(
            "End to end over loopback: msg/s relative to a plain TCP echo ({} runs, median)",
            o.runs
        );
        std::fs::write(manifest.join("chart.svg"), r.svg(&o.impls, &title))
            .expect("chart.svg is writable");
        eprintln!("wrote BENCHMARKS.md and benches/e2e/chart.svg");
    }
    if !r.errors.is_empty() {
        std::process::exit(1);
    }
}

fn section(o: &Opts, r: &Results, took: Duration) -> String {
    let loads = &r.loads;
    let (lo, hi) = loads.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &l| (a.min(l), b.max(l)));
    let mut s = String::new();
    s.push_str("## End to end over loopback TCP (issue 21)\n\n");
    s.push_str(
        "```sh\ncargo run --release --manifest-path benches/e2e/Cargo.toml --bin e2e\n```\n\n",
    );
    s.push_str(&format!(
        "Written by that command on {}: {} runs per cell, median; {:.0} s in all. Machine: {}. \
         1-minute load average over the cells: {lo:.2} to {hi:.2} (median {:.2}). \
         Each server runs in its own process on a `current_thread` tokio runtime (`benches/e2e/src/bin/echo_*.rs`); \
         one load generator (`src/load.rs`, a `current_thread` runtime in the harness's process) drives all of them \
         over 127.0.0.1 with {IN_FLIGHT} binary messages in flight per connection, \
         {:.1} s of warm-up then a {:.1} s window per cell, every echo compared byte for byte.\n\n",
        utc_now(),
        o.runs,
        took.as_secs_f64(),
        procfs::machine(),
        report::median(loads.clone()),
        o.warmup.as_secs_f64(),
        o.window.as_secs_f64(),
    ));
    s.push_str(
        "![msg/s relative to the TCP echo, per cell and implementation](benches/e2e/chart.svg)\n\n",
    );
    s.push_str("### Messages per second (in brackets: relative to the TCP echo)\n\n");
    s.push_str(&r.throughput_table(&o.impls));
    s.push_str("\n### Ping-pong latency (64 B, one in flight) and idle connections\n\n");
    s.push_str(&r.latency_idle_table(&o.impls));
    s.push_str(&format!(
        "\nIdle: the server's `VmRSS` after opening {} connections (handshake done, nothing sent) minus before, divided by {}.\n",
        o.idle_conns, o.idle_conns
    ));
    s.push_str("\n### rfc6455 against the issue's targets\n\n");
    s.push_str(&r.targets_table());
    s.push_str("\n### Server CPU per message, and who else used the CPU\n\n");
    s.push_str("CPU is user + system time from `/proc/PID/stat` over the window (medians; 100 % = one core); \
                the generator's share shows whether it was the bottleneck; the load averages are those of each run.\n\n");
    s.push_str(&r.cpu_table(&o.impls));
    if let Some(t) = r.syscall_table(&o.impls) {
        s.push_str("\n### Server syscalls per message: writes / reads\n\n");
        s.push_str("From `perf stat -e syscalls:sys_enter_*` attached to the server for 1 s of each cell \
                    (a separate pass, not timed): write, writev, sendto and sendmsg / read, readv, recvfrom and recvmsg.\n\n");
        s.push_str(&t);
    }
    if !r.errors.is_empty() {
        s.push_str("\n### Failed cells\n\n");
        for (what, e) in &r.errors {
            s.push_str(&format!("- {what}: {e}\n"));
        }
    }
    s.push('\n');
    s
}

/// The date and time from `date -u` (no clock crate).
fn utc_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
