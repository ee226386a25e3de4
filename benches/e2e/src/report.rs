//! The results: samples per implementation and cell, medians, the markdown tables, the
//! chart, and the section of BENCHMARKS.md that the harness owns.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::server::{Impl, IMPLS};

/// The throughput cells, in table order: (label, payload bytes, connections).
pub const THROUGHPUT: [(&str, usize, usize); 4] = [
    ("64 B, 1 connection", 64, 1),
    ("64 B, 64 connections", 64, 64),
    ("16 KiB, 64 connections", 16 * 1024, 64),
    ("1 MiB, 64 connections", 1024 * 1024, 64),
];

/// One timed run of a throughput cell.
#[derive(Clone, Copy, Debug, Default)]
pub struct Throughput {
    /// Echoes per second.
    pub msgs_per_s: f64,
    /// Server CPU (user + system) per echoed message, µs.
    pub server_us_per_msg: f64,
    /// Server CPU over the window, in cores.
    pub server_cores: f64,
    /// The generator's CPU over the window, in cores.
    pub gen_cores: f64,
    /// Everything else on the machine, in cores.
    pub others_cores: f64,
    /// 1-minute load average when the window started.
    pub load1: f64,
}

/// Syscalls per message from one `perf stat` window.
#[derive(Clone, Copy, Debug, Default)]
pub struct Syscalls {
    /// write, writev, sendto, sendmsg.
    pub writes_per_msg: f64,
    /// read, readv, recvfrom, recvmsg.
    pub reads_per_msg: f64,
}

/// Everything measured.
#[derive(Default)]
pub struct Results {
    /// (impl, cell index) -> runs.
    pub throughput: BTreeMap<(usize, usize), Vec<Throughput>>,
    /// impl -> runs of (p50 µs, p99 µs, load1).
    pub latency: BTreeMap<usize, Vec<(f64, f64, f64)>>,
    /// (impl, variant) -> runs of (KiB per connection, load1); variants: "", "deflate",
    /// "deflate, after one compressed message".
    pub idle: BTreeMap<(usize, &'static str), Vec<(f64, f64)>>,
    /// (impl, cell index) -> one perf window.
    pub syscalls: BTreeMap<(usize, usize), Syscalls>,
    /// (what, error) for every cell that failed.
    pub errors: Vec<(String, String)>,
    /// Every load average read, in order.
    pub loads: Vec<f64>,
}

/// The median of `v` (mean of the middle two for an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn idx(imp: Impl) -> usize {
    IMPLS.iter().position(|&i| i == imp).expect("every Impl is in IMPLS")
}

/// A rate with a k/M suffix.
fn rate(r: f64) -> String {
    if r.is_nan() {
        "—".into()
    } else if r >= 1e6 {
        format!("{:.2} M", r / 1e6)
    } else if r >= 1e4 {
        format!("{:.0} k", r / 1e3)
    } else if r >= 1e3 {
        format!("{:.2} k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
}

impl Results {
    /// Median msg/s of `imp` in throughput cell `cell`.
    pub fn rate(&self, imp: Impl, cell: usize) -> f64 {
        self.field(imp, cell, |t| t.msgs_per_s)
    }

    fn field(&self, imp: Impl, cell: usize, f: impl Fn(&Throughput) -> f64) -> f64 {
        self.throughput
            .get(&(idx(imp), cell))
            .map_or(f64::NAN, |v| median(v.iter().map(f).collect()))
    }

    /// The peer with the highest median in `cell`.
    pub fn best_peer(&self, cell: usize) -> Option<(Impl, f64)> {
        IMPLS
            .into_iter()
            .filter(|i| i.is_peer())
            .map(|i| (i, self.rate(i, cell)))
            .filter(|(_, r)| !r.is_nan())
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Median (p50, p99) in µs.
    pub fn latency(&self, imp: Impl) -> (f64, f64) {
        let v = self.latency.get(&idx(imp)).cloned().unwrap_or_default();
        (median(v.iter().map(|s| s.0).collect()), median(v.iter().map(|s| s.1).collect()))
    }

    /// Median KiB per idle connection.
    pub fn idle(&self, imp: Impl, variant: &'static str) -> f64 {
        let v = self.idle.get(&(idx(imp), variant)).cloned().unwrap_or_default();
        median(v.iter().map(|s| s.0).collect())
    }

    /// Adds a run of a throughput cell.
    pub fn add_throughput(&mut self, imp: Impl, cell: usize, t: Throughput) {
        self.loads.push(t.load1);
        self.throughput.entry((idx(imp), cell)).or_default().push(t);
    }

    /// Adds a ping-pong run.
    pub fn add_latency(&mut self, imp: Impl, p50: f64, p99: f64, load1: f64) {
        self.loads.push(load1);
        self.latency.entry(idx(imp)).or_default().push((p50, p99, load1));
    }

    /// Adds an idle-memory run.
    pub fn add_idle(&mut self, imp: Impl, variant: &'static str, kib: f64, load1: f64) {
        self.loads.push(load1);
        self.idle.entry((idx(imp), variant)).or_default().push((kib, load1));
    }

    /// Adds a syscall count.
    pub fn add_syscalls(&mut self, imp: Impl, cell: usize, s: Syscalls) {
        self.syscalls.insert((idx(imp), cell), s);
    }

    /// The throughput table: msg/s (ratio to the TCP echo), best peer, rfc6455 / best.
    pub fn throughput_table(&self, impls: &[Impl]) -> String {
        let mut s = String::from("| cell |");
        for i in impls {
            let _ = write!(s, " {} |", i.name());
        }
        s.push_str(" best peer | rfc6455 / best peer | rfc6455 / TCP echo |\n|---|");
        s.push_str(&"---:|".repeat(impls.len() + 3));
        s.push('\n');
        for (c, (label, ..)) in THROUGHPUT.iter().enumerate() {
            let tcp = self.rate(Impl::Tcp, c);
            let _ = write!(s, "| {label} |");
            for &i in impls {
                let r = self.rate(i, c);
                if i == Impl::Tcp || tcp.is_nan() {
                    let _ = write!(s, " {} |", rate(r));
                } else {
                    let _ = write!(s, " {} ({:.2}) |", rate(r), r / tcp);
                }
            }
            let ours = self.rate(Impl::Rfc6455, c);
            match self.best_peer(c) {
                Some((p, r)) => {
                    let _ = write!(s, " {} ({}) | {:.2} |", rate(r), p.name(), ours / r);
                }
                None => s.push_str(" — | — |"),
            }
            let _ = writeln!(s, " {:.2} |", ours / tcp);
        }
        s
    }

    /// Server CPU per message (µs) and the CPU shares, per cell and implementation.
    pub fn cpu_table(&self, impls: &[Impl]) -> String {
        let mut s = String::from(
            "| cell | implementation | server CPU per message | server CPU | generator CPU | others' CPU | load average |\n|---|---|---:|---:|---:|---:|---:|\n",
        );
        for (c, (label, ..)) in THROUGHPUT.iter().enumerate() {
            for &i in impls {
                let Some(v) = self.throughput.get(&(idx(i), c)) else { continue };
                let m = |f: fn(&Throughput) -> f64| median(v.iter().map(f).collect());
                let loads: Vec<String> = v.iter().map(|t| format!("{:.2}", t.load1)).collect();
                let _ = writeln!(
                    s,
                    "| {label} | {} | {:.2} µs | {:.0} % | {:.0} % | {:.0} % | {} |",
                    i.name(),
                    m(|t| t.server_us_per_msg),
                    m(|t| t.server_cores) * 100.0,
                    m(|t| t.gen_cores) * 100.0,
                    m(|t| t.others_cores) * 100.0,
                    loads.join(", ")
                );
            }
        }
        s
    }

    /// Syscalls per message, when counted.
    pub fn syscall_table(&self, impls: &[Impl]) -> Option<String> {
        if self.syscalls.is_empty() {
            return None;
        }
        let mut s = String::from("| cell |");
        for i in impls {
            let _ = write!(s, " {} |", i.name());
        }
        s.push_str("\n|---|");
        s.push_str(&"---:|".repeat(impls.len()));
        s.push('\n');
        for (c, (label, ..)) in THROUGHPUT.iter().enumerate() {
            let _ = write!(s, "| {label} |");
            for &i in impls {
                match self.syscalls.get(&(idx(i), c)) {
                    Some(x) => {
                        let _ = write!(s, " {:.3} / {:.3} |", x.writes_per_msg, x.reads_per_msg);
                    }
                    None => s.push_str(" — |"),
                }
            }
            s.push('\n');
        }
        Some(s)
    }

    /// Ping-pong latency and idle memory, one row per implementation.
    pub fn latency_idle_table(&self, impls: &[Impl]) -> String {
        let mut s = String::from(
            "| implementation | ping-pong 64 B p50 | p99 | idle connection, server RSS |\n|---|---:|---:|---:|\n",
        );
        for &i in impls {
            let (p50, p99) = self.latency(i);
            let _ = writeln!(
                s,
                "| {} | {p50:.1} µs | {p99:.1} µs | {:.2} KiB |",
                i.name(),
                self.idle(i, "")
            );
        }
        for variant in ["deflate", "deflate, after one compressed message"] {
            let kib = self.idle(Impl::Rfc6455, variant);
            if !kib.is_nan() {
                let _ = writeln!(
                    s,
                    "| rfc6455, permessage-deflate negotiated{} | | | {kib:.2} KiB |",
                    variant.strip_prefix("deflate").unwrap_or("")
                );
            }
        }
        s
    }

    /// Each of the targets for rfc6455: (target, measured, met).
    pub fn targets(&self) -> Vec<(String, String, Option<bool>)> {
        let mut out = Vec::new();
        let ratio = |c: usize| self.rate(Impl::Rfc6455, c) / self.rate(Impl::Tcp, c);
        for (c, min) in [(1, 0.5), (0, 0.9), (2, 0.9), (3, 0.97)] {
            let r = ratio(c);
            let what = if c == 3 {
                "at the limit (≥ 0.97 here)".into()
            } else {
                format!("≥ {min} of the TCP echo")
            };
            out.push((
                format!("{}: {what}", THROUGHPUT[c].0),
                format!("{r:.2}"),
                (!r.is_nan()).then_some(r >= min),
            ));
        }
        let (p50, p99) = self.latency(Impl::Rfc6455);
        let peers: Vec<(f64, f64)> = IMPLS
            .into_iter()
            .filter(|i| i.is_peer())
            .map(|i| self.latency(i))
            .filter(|l| !l.0.is_nan())
            .collect();
        let best50 = peers.iter().map(|l| l.0).fold(f64::INFINITY, f64::min);
        let best99 = peers.iter().map(|l| l.1).fold(f64::INFINITY, f64::min);
        out.push((
            "ping-pong p50 ≤ best peer".into(),
            format!("{p50:.1} µs vs {best50:.1} µs"),
            (!p50.is_nan() && best50.is_finite()).then_some(p50 <= best50),
        ));
        out.push((
            "ping-pong p99 ≤ best peer".into(),
            format!("{p99:.1} µs vs {best99:.1} µs"),
            (!p99.is_nan() && best99.is_finite()).then_some(p99 <= best99),
        ));
        let idle = self.idle(Impl::Rfc6455, "");
        out.push((
            "idle connection ≤ 2 KiB of server RSS".into(),
            format!("{idle:.2} KiB"),
            (!idle.is_nan()).then_some(idle <= 2.0),
        ));
        out
    }

    /// The targets as a markdown table.
    pub fn targets_table(&self) -> String {
        let mut s = String::from("| target (rfc6455) | measured | met |\n|---|---:|---|\n");
        for (t, m, ok) in self.targets() {
            let ok = match ok {
                Some(true) => "met",
                Some(false) => "**not met**",
                None => "not measured",
            };
            let _ = writeln!(s, "| {t} | {m} | {ok} |");
        }
        s
    }

    /// A grouped bar chart, one group per throughput cell, one bar per implementation,
    /// heights the ratio to the TCP echo of the same cell. Hand-written SVG.
    pub fn svg(&self, impls: &[Impl], title: &str) -> String {
        const COLORS: [&str; 5] = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#7f7f7f"];
        let (w, h, left, top, bottom) = (860.0, 420.0, 60.0, 50.0, 80.0);
        let plot_h = h - top - bottom;
        let ratios: Vec<Vec<f64>> = (0..THROUGHPUT.len())
            .map(|c| impls.iter().map(|&i| self.rate(i, c) / self.rate(Impl::Tcp, c)).collect())
            .collect();
        let max = ratios.iter().flatten().filter(|r| r.is_finite()).fold(1.0f64, |a, &b| a.max(b));
        let ymax = (max * 5.0).ceil() / 5.0;
        let y = |r: f64| top + plot_h * (1.0 - r / ymax);
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{title}</text>\n",
            w / 2.0
        );
        let mut tick = 0.0;
        while tick <= ymax + 1e-9 {
            let _ = writeln!(
                s,
                "<line x1=\"{left}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{tick:.1}</text>",
                w - 10.0,
                left - 6.0,
                y(tick) + 4.0,
                y0 = y(tick)
            );
            tick += 0.2;
        }
        let _ = writeln!(
            s,
            "<text transform=\"translate(16,{:.0}) rotate(-90)\" text-anchor=\"middle\">msg/s relative to the TCP echo</text>",
            top + plot_h / 2.0
        );
        let group_w = (w - left - 10.0) / THROUGHPUT.len() as f64;
        let bar_w = (group_w - 30.0) / impls.len() as f64;
        for (c, (label, ..)) in THROUGHPUT.iter().enumerate() {
            let gx = left + group_w * c as f64 + 15.0;
            for (k, r) in ratios[c].iter().enumerate() {
                if !r.is_finite() {
                    continue;
                }
                let x = gx + bar_w * k as f64;
                let color = COLORS[idx(impls[k]) % COLORS.len()];
                let _ = writeln!(
                    s,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{}: {r:.2}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\">{r:.2}</text>",
                    y(*r),
                    bar_w - 2.0,
                    y(0.0) - y(*r),
                    impls[k].name(),
                    x + bar_w / 2.0 - 1.0,
                    y(*r) - 3.0
                );
            }
            let _ = writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
                gx + (group_w - 30.0) / 2.0,
                y(0.0) + 16.0
            );
        }
        let mut lx = left;
        for &i in impls {
            let _ = writeln!(
                s,
                "<rect x=\"{lx:.0}\" y=\"{:.0}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text>",
                h - 30.0,
                COLORS[idx(i) % COLORS.len()],
                lx + 16.0,
                h - 20.0,
                i.name()
            );
            lx += 30.0 + 7.5 * i.name().len() as f64;
        }
        s.push_str("</svg>\n");
        s
    }
}

/// The markers around the harness's section of BENCHMARKS.md.
pub const BEGIN: &str =
    "<!-- e2e: begin (written by `benches/e2e --bin e2e`; edit the harness, not this) -->";
/// See [`BEGIN`].
pub const END: &str = "<!-- e2e: end -->";

/// `doc` with its e2e section replaced by `section` (appended when it has none).
pub fn splice(doc: &str, section: &str) -> String {
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{BEGIN}\n{section}{END}{}", &doc[..b], &doc[e + END.len()..])
        }
        _ => {
            format!("{}\n{BEGIN}\n{section}{END}\n", doc.trim_end_matches('\n').to_string() + "\n")
        }
    }
}
