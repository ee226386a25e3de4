//! Runs every workload on every implementation and writes `BENCHMARKS.md`.
//!
//! ```text
//! cargo run --release --manifest-path benches/peers/Cargo.toml --bin report
//!     [-- --runs N] [--only W1,W4] [--impls rfc6455,memcpy] [--out PATH | --no-write]
//!         [--skip-allocs] [--preliminary]
//! ```
//! A full run (all workloads and implementations) writes `BENCHMARKS.md` at the
//! repository root; a partial run only prints, unless `--out` is given.

use std::time::Instant;

use rfc6455_peers::alloc::CountingAlloc;
use rfc6455_peers::harness::{
    markdown_details, markdown_table, markdown_targets, measure_workload, MIN_RUN_SECS,
};
use rfc6455_peers::imps::RFC6455_READ;
use rfc6455_peers::imps::{runtime, Impl};
use rfc6455_peers::io::{READ_CHUNK, SEND_FLUSH};
use rfc6455_peers::machine::{self, CpuSnapshot};
use rfc6455_peers::memory::{allocs_table, memory_section};
use rfc6455_peers::workload::{text_of_len, Rng, Workload};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const COMMAND: &str = "cargo run --release --manifest-path benches/peers/Cargo.toml --bin report";
/// Other processes' share of the CPUs above which the table is marked preliminary.
const BUSY: f64 = 0.05;

struct Args {
    runs: usize,
    workloads: Vec<Workload>,
    imps: Vec<Impl>,
    out: Option<String>,
    write: bool,
    allocs: bool,
    preliminary: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        runs: 5,
        workloads: Workload::ALL.to_vec(),
        imps: Impl::ALL.to_vec(),
        out: None,
        write: true,
        allocs: true,
        preliminary: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage(&format!("{arg} needs a value")));
        match arg.as_str() {
            "--runs" => a.runs = value().parse().unwrap_or_else(|_| usage("--runs N")),
            "--only" => {
                a.workloads = value()
                    .split(',')
                    .map(|w| Workload::parse(w).unwrap_or_else(|| usage(&format!("workload {w}"))))
                    .collect();
            }
            "--impls" => {
                a.imps = value()
                    .split(',')
                    .map(|i| Impl::parse(i).unwrap_or_else(|| usage(&format!("impl {i}"))))
                    .collect();
                if !a.imps.contains(&Impl::Memcpy) {
                    a.imps.push(Impl::Memcpy);
                }
            }
            "--out" => a.out = Some(value()),
            "--no-write" => a.write = false,
            "--skip-allocs" => a.allocs = false,
            "--preliminary" => a.preliminary = true,
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    a
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("report: {msg}");
    }
    eprintln!(
        "usage: {COMMAND} [-- --runs N] [--only W1,W4] [--impls rfc6455,tungstenite] \
         [--out PATH | --no-write] [--skip-allocs] [--preliminary]"
    );
    std::process::exit(2)
}

/// Where the hand-written part of `BENCHMARKS.md` starts (the stock-ticker load test): a
/// rewrite keeps it, from this line to the end of the file.
const KEPT: &str = "<!-- Written by hand from here on: the report keeps it. -->";

fn main() {
    let args = parse_args();
    let full = args.workloads.len() == Workload::ALL.len() && args.imps.len() == Impl::ALL.len();
    let out_path = match (&args.out, full && args.write) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => Some(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .canonicalize()
                .expect("repository root")
                .join("BENCHMARKS.md")
                .display()
                .to_string(),
        ),
        (None, false) => None,
    };
    let started = Instant::now();
    let cpu0 = CpuSnapshot::now();
    let rt = runtime();
    let mut log = |s: &str| eprintln!("[{:6.1} s] {s}", started.elapsed().as_secs_f64());
    log(&format!(
        "{} x {} on {}; {}; runs per cell: {}",
        machine::cpus(),
        machine::cpu_model(),
        machine::kernel(),
        machine::rustc(),
        args.runs
    ));
    let rows: Vec<_> = args
        .workloads
        .iter()
        .map(|&w| measure_workload(w, &args.imps, args.runs, &rt, &mut log))
        .collect();
    let timing_secs = started.elapsed().as_secs_f64();
    let busy = CpuSnapshot::now().others_since(&cpu0);
    log(&format!("other processes used {:.0} % of the CPUs while timing", busy * 100.0));
    let allocs = args.allocs.then(|| allocs_table(&args.workloads, &args.imps, &rt, &mut log));
    let memory = if args.allocs {
        memory_section(&rt).unwrap_or_else(|e| format!("memory measurement failed: {e}\n"))
    } else {
        String::new()
    };
    let preliminary = args.preliminary || busy > BUSY;
    let doc = document(&args, &rows, allocs.as_deref(), &memory, busy, preliminary, timing_secs);
    println!("{doc}");
    if let Some(path) = out_path {
        // The hand-written sections at the end of the file stay.
        let kept = std::fs::read_to_string(&path)
            .ok()
            .and_then(|old| old.find(KEPT).map(|at| old[at..].to_owned()));
        let doc = match kept {
            Some(kept) => format!("{}\n\n{kept}", doc.trim_end()),
            None => doc,
        };
        std::fs::write(&path, &doc).unwrap_or_else(|e| panic!("writing {path}: {e}"));
        log(&format!("wrote {path}"));
    }
    log(&format!("done in {:.0} s", started.elapsed().as_secs_f64()));
}

fn document(
    args: &Args,
    rows: &[rfc6455_peers::harness::Row],
    allocs: Option<&str>,
    memory: &str,
    busy: f64,
    preliminary: bool,
    timing_secs: f64,
) -> String {
    let mut d = String::from("# Benchmarks (issue 6)\n\n");
    d += &format!(
        "Generated by the harness in `benches/peers/` on {}; do not edit by hand, rerun the \
         command below.\n\n",
        machine::date()
    );
    if preliminary {
        d += &format!(
            "> **PRELIMINARY.** Other processes used {:.0} % of the machine's CPU time while \
             this table was measured, so the numbers are noisy (compare the spread column \
             at the end). Rerun on a quiet machine for the baseline.\n\n",
            busy * 100.0
        );
    }
    d += &format!(
        "## Reproduce\n\n```sh\n{COMMAND}\n```\n\nOne command, about {:.0} s of timing \
         plus data generation and the allocation pass on this machine: it validates every \
         implementation, times every workload, counts allocations, measures connection \
         memory and rewrites this file. Partial runs print without writing: add \
         `-- --only W1,W4`, `--impls rfc6455,tungstenite`, `--runs N`, `--skip-allocs`. \
         The same drivers run under Criterion with `cargo bench --manifest-path \
         benches/peers/Cargo.toml [-- W2/]`, and `--bin allocs` prints only the \
         allocation and memory sections.\n\n",
        timing_secs
    );
    d += "## Machine and build\n\n";
    d += &format!("- CPU: {} x {}\n", machine::cpus(), machine::cpu_model());
    d += &format!("- Memory: {}; kernel {}\n", machine::memory(), machine::kernel());
    d += &format!(
        "- Other processes' share of CPU time during the timed part: {:.0} %\n",
        busy * 100.0
    );
    d += &format!(
        "- {}; target {}; release profile (opt-level 3, no LTO)\n",
        machine::rustc(),
        machine::target_features()
    );
    d += &format!("- rfc6455 compiled at commit {} (default features)\n", machine::revision());
    let versions: Vec<String> =
        machine::crate_versions().iter().map(|(n, v)| format!("{n} {v}")).collect();
    d += &format!("- Peers and tools: {}\n\n", versions.join(", "));
    d += &format!(
        "## Results\n\nMedian of {} runs per cell (a run is one pass over the workload, or \
         the mean of several for fast cells), all implementations in one process and in the \
         same run. W1 and W6a in messages/s, the others in payload GB/s \
         (10^9 bytes of message payload per second, headers not counted); in brackets the \
         throughput relative to the memcpy baseline of the same bytes (higher is \
         better, 1.00 = as fast as one copy).\n\n",
        args.runs
    );
    d += &markdown_table(rows, &args.imps);
    let missing: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            r.cells.iter().filter_map(move |c| {
                let e = c.result.as_ref().err()?;
                let e = e.strip_prefix("n/a: ").unwrap_or(e);
                Some(format!("- {} {}: {e}\n", c.imp.name(), r.workload.name()))
            })
        })
        .collect();
    if !missing.is_empty() {
        d += "\nNot measured:\n\n";
        d += &missing.concat();
    }
    d += "\n### rfc6455 against the issue's targets\n\n";
    d += &markdown_targets(rows);
    if let Some(a) = allocs {
        d += "\n## Allocations\n\nHeap allocation calls (`alloc`, `alloc_zeroed`, `realloc`) \
              per message in steady state, counted by a global allocator wrapper: one pass, \
              counting from the end of the first 10 % of its messages (at least 2) to the \
              end; in brackets the calls of the whole pass, connection setup and buffer \
              growth included. The rfc6455 column is the benchmarked driver (its \
              `MessageBuffer` retains up to the largest message); the next column uses the \
              default `MessageBuffer::new()`, which keeps 4 KiB between messages.\n\n";
        d += a;
    }
    if !memory.is_empty() {
        d += "\n## Memory per connection\n\n";
        d += memory;
    }
    d += &method(args.runs);
    d += "\n## Per-cell details\n\n";
    d += &markdown_details(rows);
    d
}

/// The share of non-ASCII bytes the text generator produces.
fn non_ascii_share() -> f64 {
    let text = text_of_len(&mut Rng::new(7), 1 << 20);
    text.bytes().filter(|b| !b.is_ascii()).count() as f64 / text.len() as f64
}

fn method(runs: usize) -> String {
    format!(
        "
## Method

- **Workloads** (built once per workload, deterministic): W1-W5 are masked client frames a
  server receives, encoded by the harness's own encoder (not by rfc6455), with a fresh
  random masking key per frame. Binary payloads are random bytes. W4 texts are whole words up
  to a random target of 1000-1047 bytes (so 1000 to ~1070 bytes), a quarter of them multibyte (2-, 3- and 4-byte UTF-8), so {:.0} %
  of the bytes are non-ASCII; W5 texts are exactly 1 MiB of the same mix, cut into
  1 KiB fragments regardless of code point boundaries. W6a/W6b send one fixed payload
  over and over.
- **Reading**: every implementation reads the whole pre-encoded stream from memory
  through the same reader, which returns at most {} KiB per read call and copies it into
  the caller's buffer (what a socket read costs). Each implementation reads into its own
  buffer (tungstenite 128 KiB, fastwebsockets and tokio-websockets grow a `BytesMut`
  from 8 KiB, embedded-websocket a {} KiB buffer and rfc6455 a {} KiB one, both owned by
  the driver: rfc6455's documentation recommends reads that fit in L1). Async
  crates run on a tokio current-thread runtime over a stream that is always ready, so
  no implementation ever waits.
- **Delivery**: each receive driver hands every whole message to the check, text
  validated as UTF-8 the way the crate does it: rfc6455 reads where its `MessageReader`'s
  `spare()` says and takes whole messages with `next()`; the reader delivers a message
  that lies whole in its read buffer in place (zero copy), keeps one in a single frame
  that a read cut short in the buffer until the next read completes it (then in place
  too), and unmasks the pieces of any other (larger or fragmented) into its
  `MessageBuffer` as it copies them, text validated in the same pass (its own AVX-512 or
  AVX2 validator, chosen at run time); when a frame's payload is still pending after a
  read, `spare()` lends room in the `MessageBuffer`, so the next read goes straight there
  and is unmasked in place: most of a large message is read with one copy; tungstenite `read()`;
  fastwebsockets `FragmentCollector::read_frame`; tokio-websockets `StreamExt::next`;
  embedded-websocket `WebSocket::read` into a message buffer (its `Framer` fails when a
  header straddles two reads, so the driver keeps the unconsumed tail), then
  `str::from_utf8` for text as its `Framer` does.
- **Sending**: rfc6455 and embedded-websocket encode into a buffer that is handed to the
  transport once it holds {} KiB; tungstenite `write` + `flush` (128 KiB write buffer);
  fastwebsockets `write_frame` per frame (vectored write above 1 KiB), masking in place
  in a reused scratch copy of the payload; tokio-websockets `SinkExt::feed` + `flush`
  (its 8 KiB flush threshold), with shared `Bytes` payloads. The transport takes written
  bytes without copying them: a socket write's copy would be the same for everyone, so
  the one copy that counts on the send side is the one that builds the frames.
- **memcpy baseline**: the same payload bytes copied once with `copy_from_slice`, plus the
  same checks. Receive: from a payload-only source as large as the wire, frame payload
  by frame payload, into a reused message buffer (the one copy a transport read makes).
  Send: each payload into a {} KiB output buffer handed to the transport when full.
  Ratios divide the baseline's median pass time by the implementation's.
- **Checks**: before timing, one untimed pass per implementation is checked byte for
  byte (receive: message count and a hash over every delivered byte and message kind;
  send: an independent parser decodes every frame, unmasks it and compares the payload).
  Every timed pass is checked too: receive passes count messages and fold kind, length,
  the first and last 8 bytes and one word every 4 KiB of every message into a checksum
  (a few ns per message, so the check itself does not dominate); send passes must write
  exactly the expected number of bytes, with one byte every 1021 stream positions
  (unmasked) or the first byte of every frame (masked, keys are random) summed. A pass
  that fails its check is reported as an error, never as a number.
- **Timing**: wall clock of full passes, each pass with a fresh connection (setup
  included; negligible except the first 16 MiB buffer of W3). After validation, one
  warm-up pass sets how many passes make a run of at least {} ms (1 for most cells; the
  details show it). {} rounds (`--runs`); each round runs every implementation once,
  starting one further in the list each round so drifts in machine speed spread evenly.
  The median run (mean pass time within it) is reported; the spread is in the details.
- **Settings**: every implementation's message and frame limits are raised to 16 MiB +
  64 KiB; everything else is default, except that rfc6455's `MessageBuffer` keeps up to
  that much capacity between messages (`with_retained_capacity`), as an application
  expecting such messages would configure it; the default (`new()`, 4 KiB) reallocates
  on messages larger than that (see the allocation table). Performance is never asserted
  in a test.
",
        non_ascii_share() * 100.0,
        READ_CHUNK >> 10,
        READ_CHUNK >> 10,
        RFC6455_READ >> 10,
        SEND_FLUSH >> 10,
        SEND_FLUSH >> 10,
        MIN_RUN_SECS * 1e3,
        runs,
    )
}
