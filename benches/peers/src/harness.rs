//! Validation, timing and tables.
//!
//! For each workload: the data is built once; every implementation runs one untimed pass
//! checked byte for byte (receive: a hash over every delivered byte; send: every frame
//! decoded by an independent parser) and one timed warm-up pass that sets how many passes
//! make a run of at least [`MIN_RUN_SECS`]; then `runs` rounds time one run of each
//! implementation, rotating the order every round so slow drifts of the machine spread
//! over all of them. Every timed pass is checked too (count + sampled checksum for
//! receive, byte count + sampled checksum of the output stream for send); a pass that
//! fails its check is an error, never a number.

use std::time::Instant;

use tokio::runtime::Runtime;

use crate::check::{Full, Sampled};
use crate::imps::Impl;
use crate::io::{Transport, SEND_SAMPLE_STRIDE};
use crate::workload::{RecvData, SendData, Unit, Workload};

/// A workload's data.
#[derive(Debug)]
pub enum Data {
    /// A receive workload.
    Recv(RecvData),
    /// A send workload.
    Send(SendData),
}

impl Data {
    /// Builds the data of `w`.
    pub fn new(w: Workload) -> Self {
        if w.is_send() {
            Self::Send(SendData::new(w))
        } else {
            Self::Recv(RecvData::new(w))
        }
    }

    /// Messages per pass.
    pub fn messages(&self) -> u64 {
        match self {
            Self::Recv(d) => d.count() as u64,
            Self::Send(d) => d.count as u64,
        }
    }

    /// Payload bytes per pass.
    pub fn payload_bytes(&self) -> u64 {
        match self {
            Self::Recv(d) => d.payload_bytes(),
            Self::Send(d) => d.payload_bytes(),
        }
    }
}

fn send_stride(imp: Impl, d: &SendData) -> u64 {
    if imp == Impl::Memcpy {
        SEND_SAMPLE_STRIDE
    } else {
        d.frame_stride
    }
}

/// One untimed pass checked byte for byte.
///
/// # Errors
/// The implementation's error or the first difference found.
pub fn validate(imp: Impl, data: &Data, rt: &Runtime) -> Result<(), String> {
    match data {
        Data::Recv(d) => {
            let mut t = Transport::recording(SEND_SAMPLE_STRIDE);
            let mut full = Full::default();
            imp.recv(d, rt, &mut t, &mut full)?;
            let got = crate::check::Check::tally(&full);
            if got != d.expected_full {
                return Err(format!("delivered {got:?}, want {:?}", d.expected_full));
            }
            if t.tally().count != 0 {
                return Err(format!("wrote {} bytes while receiving", t.tally().count));
            }
            Ok(())
        }
        Data::Send(d) => {
            let mut t = Transport::recording(send_stride(imp, d));
            imp.send(d, rt, &mut t, &mut ())?;
            let out = t.recorded().unwrap_or_default();
            if imp == Impl::Memcpy {
                let ok = out.len() == d.payload.len() * d.count
                    && out.chunks(d.payload.len()).all(|c| c == d.payload);
                return if ok { Ok(()) } else { Err("memcpy output differs".into()) };
            }
            d.verify_stream(out)
        }
    }
}

/// One timed, checked pass; returns its duration in seconds.
///
/// # Errors
/// The implementation's error, or a check that failed.
pub fn time_once(imp: Impl, data: &Data, rt: &Runtime) -> Result<f64, String> {
    match data {
        Data::Recv(d) => {
            let mut t = Transport::new(SEND_SAMPLE_STRIDE);
            let mut check = Sampled::default();
            let start = Instant::now();
            imp.recv(d, rt, &mut t, &mut check)?;
            let secs = start.elapsed().as_secs_f64();
            let got = crate::check::Check::tally(&check);
            if got != d.expected_sampled {
                return Err(format!("timed pass delivered {got:?}, want {:?}", d.expected_sampled));
            }
            Ok(secs)
        }
        Data::Send(d) => {
            let mut t = Transport::new(send_stride(imp, d));
            let start = Instant::now();
            imp.send(d, rt, &mut t, &mut ())?;
            let secs = start.elapsed().as_secs_f64();
            let want = if imp == Impl::Memcpy { d.expected_memcpy } else { d.expected_frames };
            if t.tally() != want {
                return Err(format!("timed pass wrote {:?}, want {want:?}", t.tally()));
            }
            Ok(secs)
        }
    }
}

/// The shortest a timed run should take: runs of workloads that pass faster repeat the
/// pass (each repetition checked) and report the mean pass time of the run.
pub const MIN_RUN_SECS: f64 = 0.2;

/// The timings of one implementation on one workload.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The implementation.
    pub imp: Impl,
    /// Passes per run.
    pub reps: usize,
    /// Seconds per pass (the mean of each run's passes), or why there are none.
    pub result: Result<Vec<f64>, String>,
}

impl Cell {
    /// The median pass duration.
    pub fn median(&self) -> Option<f64> {
        let mut v = self.result.as_ref().ok()?.clone();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
    }

    /// (max - min) / median of the pass durations.
    pub fn spread(&self) -> Option<f64> {
        let v = self.result.as_ref().ok()?;
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(0.0, f64::max);
        Some((max - min) / self.median()?)
    }
}

/// All implementations on one workload.
#[derive(Clone, Debug)]
pub struct Row {
    /// The workload.
    pub workload: Workload,
    /// Messages per pass.
    pub messages: u64,
    /// Payload bytes per pass.
    pub bytes: u64,
    /// One cell per implementation measured.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cell of `imp`.
    pub fn cell(&self, imp: Impl) -> Option<&Cell> {
        self.cells.iter().find(|c| c.imp == imp)
    }

    /// Median messages per second of `imp`.
    pub fn msgs_per_sec(&self, imp: Impl) -> Option<f64> {
        Some(self.messages as f64 / self.cell(imp)?.median()?)
    }

    /// Median payload bytes per second of `imp`, in GB/s (10^9).
    pub fn gb_per_sec(&self, imp: Impl) -> Option<f64> {
        Some(self.bytes as f64 / self.cell(imp)?.median()? / 1e9)
    }

    /// Throughput of `imp` relative to the memcpy baseline.
    pub fn ratio(&self, imp: Impl) -> Option<f64> {
        Some(self.cell(Impl::Memcpy)?.median()? / self.cell(imp)?.median()?)
    }

    /// The fastest peer (not rfc6455, not memcpy) by median.
    pub fn fastest_peer(&self) -> Option<(Impl, f64)> {
        self.cells
            .iter()
            .filter(|c| !matches!(c.imp, Impl::Rfc6455 | Impl::Memcpy))
            .filter_map(|c| Some((c.imp, self.msgs_per_sec(c.imp)?)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Validates then times `imps` on workload `w`, `runs` rounds. `log` gets progress lines.
pub fn measure_workload(
    w: Workload,
    imps: &[Impl],
    runs: usize,
    rt: &Runtime,
    log: &mut dyn FnMut(&str),
) -> Row {
    let start = Instant::now();
    let data = Data::new(w);
    log(&format!("{}: data built in {:.1} s", w.name(), start.elapsed().as_secs_f64()));
    let mut cells: Vec<Cell> = imps
        .iter()
        .map(|&imp| {
            // Validation doubles as the first warm-up; one timed pass more warms up again
            // and tells how many passes make a run of at least MIN_RUN_SECS.
            let result = match imp.unsupported(w) {
                Some(why) => Err(format!("n/a: {why}")),
                None => validate(imp, &data, rt).and_then(|()| time_once(imp, &data, rt)),
            };
            let reps =
                result.as_ref().map_or(1.0, |&t| (MIN_RUN_SECS / t).ceil().clamp(1.0, 1000.0));
            if let Err(e) = &result {
                log(&format!("{} {}: {e}", w.name(), imp.name()));
            }
            Cell { imp, reps: reps as usize, result: result.map(|_| Vec::new()) }
        })
        .collect();
    for round in 0..runs {
        for k in 0..cells.len() {
            let cell = &mut cells[(k + round) % imps.len()];
            let Ok(times) = &mut cell.result else { continue };
            let run: Result<f64, String> =
                (0..cell.reps).map(|_| time_once(cell.imp, &data, rt)).sum();
            match run {
                Ok(t) => times.push(t / cell.reps as f64),
                Err(e) => {
                    log(&format!("{} {}: {e}", w.name(), cell.imp.name()));
                    cell.result = Err(e);
                }
            }
        }
    }
    let row = Row { workload: w, messages: data.messages(), bytes: data.payload_bytes(), cells };
    let line: Vec<String> = row
        .cells
        .iter()
        .map(|c| format!("{} {}", c.imp.name(), format_cell(&row, c.imp)))
        .collect();
    log(&format!("{}: {} ({:.1} s)", w.name(), line.join(" | "), start.elapsed().as_secs_f64()));
    row
}

/// The table cell of `imp`: `M/s (ratio)` for message workloads, `GB/s (ratio)` else.
pub fn format_cell(row: &Row, imp: Impl) -> String {
    let Some(cell) = row.cell(imp) else { return String::new() };
    if let Err(e) = &cell.result {
        return if e.starts_with("n/a") { "n/a".into() } else { "error".into() };
    }
    let (Some(mps), Some(gbs)) = (row.msgs_per_sec(imp), row.gb_per_sec(imp)) else {
        return "-".into();
    };
    let ratio = match (imp, row.ratio(imp)) {
        (Impl::Memcpy, _) | (_, None) => String::new(),
        (_, Some(r)) => format!(" ({r:.2})"),
    };
    match row.workload.unit() {
        Unit::Messages => format!("{:.1} M/s{ratio}", mps / 1e6),
        Unit::Bytes => format!("{gbs:.2} GB/s{ratio}"),
    }
}

/// The main markdown table: one row per workload, one column per implementation.
pub fn markdown_table(rows: &[Row], imps: &[Impl]) -> String {
    let mut s = String::from("| workload |");
    for imp in imps {
        s += &format!(" {} |", imp.name());
    }
    s += "\n|---|";
    s += &"---:|".repeat(imps.len());
    s += "\n";
    for row in rows {
        s += &format!("| {} {} |", row.workload.name(), row.workload.description());
        for &imp in imps {
            s += &format!(" {} |", format_cell(row, imp));
        }
        s += "\n";
    }
    s
}

/// Per-cell details: median pass time, spread, and why a cell has no number.
pub fn markdown_details(rows: &[Row]) -> String {
    let mut s = String::from(
        "| workload | implementation | median pass | runs x passes | spread (max-min)/median \
         | msgs/s | payload GB/s |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        for c in &row.cells {
            match &c.result {
                Ok(v) => {
                    s += &format!(
                        "| {} | {} | {:.2} ms | {} x {} | {:.0} % | {:.2} M | {:.3} |\n",
                        row.workload.name(),
                        c.imp.name(),
                        c.median().unwrap_or(f64::NAN) * 1e3,
                        v.len(),
                        c.reps,
                        c.spread().unwrap_or(f64::NAN) * 100.0,
                        row.msgs_per_sec(c.imp).unwrap_or(f64::NAN) / 1e6,
                        row.gb_per_sec(c.imp).unwrap_or(f64::NAN),
                    );
                }
                Err(e) => {
                    s += &format!(
                        "| {} | {} | {} | | | | |\n",
                        row.workload.name(),
                        c.imp.name(),
                        e.replace('|', "/")
                    );
                }
            }
        }
    }
    s
}

/// The targets for rfc6455, against this run's numbers.
pub fn markdown_targets(rows: &[Row]) -> String {
    let mut s = String::from("| workload | target | rfc6455 | status |\n|---|---|---:|---|\n");
    for row in rows {
        let w = row.workload;
        let (target, got, met) = match w {
            Workload::W1 | Workload::W6a => {
                let factor = if w == Workload::W1 { 1.5 } else { 1.0 };
                let ours = row.msgs_per_sec(Impl::Rfc6455);
                match row.fastest_peer() {
                    Some((peer, mps)) => (
                        format!(
                            "≥ {factor}x fastest peer ({} {:.1} M/s) = {:.1} M/s",
                            peer.name(),
                            mps / 1e6,
                            factor * mps / 1e6
                        ),
                        ours.map(|o| format!("{:.1} M/s", o / 1e6)),
                        ours.map(|o| o >= factor * mps),
                    ),
                    None => ("fastest peer not measured".into(), None, None),
                }
            }
            _ => {
                let want = match w {
                    Workload::W4 => 0.6,
                    Workload::W5 => 0.5,
                    _ => 0.85,
                };
                let ours = row.ratio(Impl::Rfc6455);
                (
                    format!("≥ {want} x memcpy"),
                    ours.map(|r| format!("{r:.2} x memcpy")),
                    ours.map(|r| r >= want),
                )
            }
        };
        let status = match met {
            Some(true) => "met",
            Some(false) => "not met",
            None => "-",
        };
        s += &format!(
            "| {} | {target} | {} | {status} |\n",
            w.name(),
            got.unwrap_or_else(|| "-".into())
        );
    }
    s
}
