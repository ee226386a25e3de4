//! Facts about the machine and the build, and how busy the machine was during a run.

use std::process::Command;

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn command(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The CPU model, from `/proc/cpuinfo`.
pub fn cpu_model() -> String {
    read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':'])))
        .unwrap_or("unknown")
        .to_string()
}

/// Logical CPUs available to this process.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// `rustc -V`.
pub fn rustc() -> String {
    command("rustc", &["-V"]).unwrap_or_else(|| "rustc (unknown version)".into())
}

/// The kernel release.
pub fn kernel() -> String {
    read("/proc/sys/kernel/osrelease").trim().to_string()
}

/// Total memory, from `/proc/meminfo`.
pub fn memory() -> String {
    read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        .map_or_else(|| "unknown".into(), |kb| format!("{:.0} GiB", kb as f64 / 1048576.0))
}

/// The x86-64 vector extensions this build was compiled for.
pub fn target_features() -> String {
    let mut f = vec![];
    if cfg!(target_feature = "sse2") {
        f.push("sse2");
    }
    if cfg!(target_feature = "ssse3") {
        f.push("ssse3");
    }
    if cfg!(target_feature = "sse4.2") {
        f.push("sse4.2");
    }
    if cfg!(target_feature = "avx2") {
        f.push("avx2");
    }
    format!("{} ({})", std::env::consts::ARCH, f.join(", "))
}

/// The versions of the benchmarked crates, from this package's `Cargo.lock`.
pub fn crate_versions() -> Vec<(String, String)> {
    let lock = read(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));
    let wanted = [
        "tungstenite",
        "fastwebsockets",
        "tokio-websockets",
        "embedded-websocket",
        "tokio",
        "criterion",
    ];
    let mut out = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            if wanted.contains(&n.as_str()) {
                out.push((n, v.trim_matches('"').to_string()));
            }
        }
    }
    out
}

/// The rfc6455 revision this harness was compiled against: the commit, with `+dirty` when
/// `src/` or `Cargo.toml` had uncommitted changes (recorded by `build.rs`).
pub const fn revision() -> &'static str {
    env!("RFC6455_REVISION")
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn date() -> String {
    command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default()
}

/// CPU time of the whole machine and of this process, in clock ticks.
#[derive(Clone, Copy, Debug)]
pub struct CpuSnapshot {
    busy: u64,
    total: u64,
    own: u64,
}

impl CpuSnapshot {
    /// Now.
    pub fn now() -> Self {
        let stat = read("/proc/stat");
        let cpu: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal
        let get = |i: usize| cpu.get(i).copied().unwrap_or(0);
        let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
        let total = busy + get(3) + get(4);
        let own_stat = read("/proc/self/stat");
        // After the command name (in parentheses) come fields 3.. of proc(5); utime and
        // stime are fields 14 and 15.
        let after = own_stat.rsplit(')').next().unwrap_or_default();
        let f: Vec<&str> = after.split_whitespace().collect();
        let field = |n: usize| f.get(n - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let own = field(14) + field(15);
        Self { busy, total, own }
    }

    /// The share of the machine's CPU time that other processes used since `earlier`
    /// (0.0 = quiet, 1.0 = every CPU busy with something else).
    pub fn others_since(&self, earlier: &Self) -> f64 {
        let total = self.total.saturating_sub(earlier.total).max(1);
        let others = self.busy.saturating_sub(earlier.busy).saturating_sub(self.own - earlier.own);
        others as f64 / total as f64
    }
}
