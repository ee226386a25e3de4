//! UTF-8 validation alone, on the text of W4 held in L1: rfc6455's `Utf8Validator`
//! against simdutf8 and `core::str::from_utf8`, one ~1 KiB message at a time (as W4
//! delivers them) and 16 KiB at once; then W4's messages received from masked frames
//! held in L1 (W4 without its reads from memory), the same text as one 16 KiB frame, and
//! as one message in 16 fragments of 1 KiB (W5's, without the reads).
//! Best of ROUNDS (5). `cargo run --release --bin utf8 -- [ROUNDS] [w4]` (`w4`: only
//! the receive part).
use rfc6455::message::Utf8Validator;
use rfc6455::{Connection, MessageReader};
use rfc6455_peers::imps::{rfc6455_config, rfc6455_message_buffer};
use rfc6455_peers::workload::{put_frame, text_about_1k, Rng};
use std::hint::black_box;
use std::time::Instant;

/// Times `f` over every message, `reps` times; the best of `rounds` in GB/s.
fn best(rounds: usize, messages: &[String], mut f: impl FnMut(&[u8]) -> bool) -> f64 {
    let bytes: usize = messages.iter().map(String::len).sum();
    let reps = (256 << 20) / bytes;
    let mut best = 0f64;
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..reps {
            for m in messages {
                assert!(f(black_box(m.as_bytes())));
            }
        }
        best = best.max((bytes * reps) as f64 / start.elapsed().as_secs_f64() / 1e9);
    }
    best
}

fn main() {
    let rounds = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut rng = Rng::new(4);
    let messages: Vec<String> = (0..16).map(|_| text_about_1k(&mut rng)).collect();
    let only_w4 = std::env::args().nth(2).as_deref() == Some("w4");
    let mut v = Utf8Validator::new();
    if !only_w4 {
        let whole = [messages.concat()];
        for (name, pieces) in [("1 KiB messages", &messages[..]), ("16 KiB at once", &whole[..])] {
            let ours = best(rounds, pieces, |m| {
                v.reset();
                v.feed(m).is_ok() && v.finish().is_ok()
            });
            let simd = best(rounds, pieces, |m| simdutf8::basic::from_utf8(m).is_ok());
            let std = best(rounds, pieces, |m| core::str::from_utf8(m).is_ok());
            println!("{name}: rfc6455 {ours:.2} GB/s  simdutf8 {simd:.2} GB/s  core {std:.2} GB/s");
        }
    }

    // W4 from L1: the frames of the 16 messages copied into a reader's read buffer
    // (`feed`), then received; and the same text as one 16 KiB frame.
    let mut conn = Connection::server(rfc6455_config());
    // `fragments`: the pieces as the fragments of one message (continuation frames after
    // the first), gathered into the reader's store as W5's are.
    let mut frames = |messages: &[&[u8]], fragments: bool, rng: &mut Rng| {
        let mut wire = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            let (fin, opcode) = match fragments {
                false => (true, 1),
                true => (i + 1 == messages.len(), if i == 0 { 1 } else { 0 }),
            };
            put_frame(&mut wire, fin, opcode, m, Some(rng.mask_key()));
        }
        // Room for all of it after the reader aligns its reads to a cache line.
        let mut reader = MessageReader::new(vec![0u8; wire.len() + 64], rfc6455_message_buffer());
        let total: usize = messages.iter().map(|m| m.len()).sum();
        best(rounds, &[String::from_utf8(vec![b'.'; wire.len()]).unwrap()], |_| {
            assert_eq!(reader.feed(&wire), wire.len(), "the read buffer holds the wire");
            let mut count = 0;
            while let Some(message) = reader.next(&mut conn) {
                count += black_box(message.data().unwrap_or_default()).len();
            }
            count == total
        })
    };
    let each: Vec<&[u8]> = messages.iter().map(String::as_bytes).collect();
    let w4 = frames(&each, false, &mut rng);
    let whole = messages.concat();
    let one = frames(&[whole.as_bytes()], false, &mut rng);
    // W5's fragments: 1 KiB each, cut anywhere (a code point may span two).
    let cut: Vec<&[u8]> = whole.as_bytes().chunks(1024).collect();
    let w5 = frames(&cut, true, &mut rng);
    println!(
        "from L1 (copy + receive): 16 frames of ~1 KiB {w4:.2} GB/s, one of 16 KiB {one:.2} GB/s, \
         16 fragments of 1 KiB {w5:.2} GB/s"
    );
}
