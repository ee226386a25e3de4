//! How close the text workloads (W4, W5) come to what the crate's kernel allows. Times
//! the memcpy baseline, `rfc6455`'s receive driver, and an idealized receiver with no
//! protocol work: the same 16 KiB reads from the same `ChunkReader`, then, for each
//! frame of the known workload, only the masked UTF-8 kernel
//! (`Utf8Validator::feed_masked` in place for W4, `feed_masked_into` into the message
//! for W5) and the same checksum. It trusts the workload's frames (no header checks, no
//! limits, no events): a receiver cannot do less and still unmask and validate every
//! byte.
//!
//! Timed as the report times (runs of back-to-back passes of at least
//! [`MIN_RUN_SECS`], the three in a rotating order each round, the median run of each),
//! so the ratios compare with `BENCHMARKS.md`'s.
//!
//! `cargo run --release --bin bound -- [W4|W5] [ROUNDS]` (both, 7 rounds, by default).
use rfc6455::message::Utf8Validator;
use rfc6455_peers::check::{Check, Sampled};
use rfc6455_peers::harness::MIN_RUN_SECS;
use rfc6455_peers::imps::{runtime, Impl, RFC6455_READ};
use rfc6455_peers::io::{ChunkReader, Transport, SEND_SAMPLE_STRIDE};
use rfc6455_peers::workload::{RecvData, Workload};
use std::time::Instant;

/// One frame at the start of `input`: (FIN, header length, payload length, key), or
/// `None` when the input does not hold all of it yet. Only the forms the text workloads
/// use: masked, payload up to 64 KiB.
fn frame(input: &[u8]) -> Option<(bool, usize, usize, [u8; 4])> {
    let (&b0, &b1) = (input.first()?, input.get(1)?);
    let (header, len) = match b1 & 0x7F {
        126 => (8, usize::from(u16::from_be_bytes([*input.get(2)?, *input.get(3)?]))),
        127 => panic!("no 64-bit lengths in the text workloads"),
        len => (6, usize::from(len)),
    };
    if input.len() < header + len {
        return None;
    }
    let key = input[header - 4..header].try_into().unwrap();
    Some((b0 & 0x80 != 0, header, len, key))
}

/// The idealized receiver: see the module documentation.
#[inline(never)]
fn ideal<C: Check>(d: &RecvData, buf: &mut [u8], store: &mut [u8], c: &mut C) {
    let mut reader = ChunkReader::new(&d.wire);
    let mut text = Utf8Validator::new();
    let (mut end, mut gathered) = (0, 0);
    loop {
        let mut start = 0;
        while let Some((fin, header, len, key)) = frame(&buf[start..end]) {
            let payload = &mut buf[start + header..start + header + len];
            if d.fragment == 0 {
                text.feed_masked(payload, key, 0).expect("valid text");
                text.finish().expect("whole code points");
                c.message(true, payload);
            } else {
                let to = &mut store[gathered..gathered + len];
                text.feed_masked_into(to, payload, key, 0).expect("valid text");
                gathered += len;
                if fin {
                    text.finish().expect("whole code points");
                    c.message(true, &store[..gathered]);
                    gathered = 0;
                }
            }
            start += header + len;
        }
        // A frame the read cut short moves to the front; the next read lands after it.
        buf.copy_within(start..end, 0);
        end -= start;
        let n = reader.read_into(&mut buf[end..]);
        if n == 0 {
            assert_eq!(end, 0, "end of stream inside a frame");
            return;
        }
        end += n;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The receivers compared.
const NAMES: [&str; 3] = ["memcpy", "rfc6455", "ideal receiver"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workloads = match args.first().map(String::as_str) {
        Some("W4") => vec![Workload::W4],
        Some("W5") => vec![Workload::W5],
        _ => vec![Workload::W4, Workload::W5],
    };
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(7);
    let rt = runtime();
    for w in workloads {
        let d = RecvData::new(w);
        let mut buf = vec![0u8; RFC6455_READ];
        let mut store = vec![0u8; d.max_len];
        // One checked pass of receiver `i`, in seconds.
        let mut pass = |i: usize| {
            let mut check = Sampled::default();
            let mut t = Transport::new(SEND_SAMPLE_STRIDE);
            let start = Instant::now();
            match i {
                0 => Impl::Memcpy.recv(&d, &rt, &mut t, &mut check).unwrap(),
                1 => Impl::Rfc6455.recv(&d, &rt, &mut t, &mut check).unwrap(),
                _ => ideal(&d, &mut buf, &mut store, &mut check),
            }
            let secs = start.elapsed().as_secs_f64();
            assert_eq!(check.tally(), d.expected_sampled, "{w:?}: {} delivered wrong", NAMES[i]);
            secs
        };
        let reps: Vec<usize> =
            (0..3).map(|i| (MIN_RUN_SECS / pass(i)).ceil().clamp(1.0, 1000.0) as usize).collect();
        // Seconds per pass of each run.
        let mut runs = [Vec::new(), Vec::new(), Vec::new()];
        for round in 0..rounds {
            for k in 0..3 {
                let i = (k + round) % 3;
                let total: f64 = (0..reps[i]).map(|_| pass(i)).sum();
                runs[i].push(total / reps[i] as f64);
            }
        }
        let bytes = d.payload_bytes() as f64;
        let gbs: Vec<f64> = runs.iter().map(|r| bytes / median(r.clone()) / 1e9).collect();
        println!("{w:?}: median of {rounds} runs");
        for i in 0..3 {
            println!("  {:15} {:6.2} GB/s ({:.2} x memcpy)", NAMES[i], gbs[i], gbs[i] / gbs[0]);
        }
        println!("  rfc6455 / ideal receiver: {:.2}", gbs[1] / gbs[2]);
    }
}
