#![no_main]
//! A server `driver::Driver` fed any byte stream (often behind a valid upgrade head),
//! read and written in pieces of any size: it never panics, always makes progress,
//! and what it delivers, writes and ends with does not depend on the pieces.
use libfuzzer_sys::fuzz_target;
use rfc6455::driver::{Driver, Next};
use rfc6455::handshake::{Accept, Limits};
use rfc6455::message::MessageBuffer;
use rfc6455::{Config, MessageReader, Received};

const UPGRADE: &[u8] =
    b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// What a run saw: messages, failure, bytes written, close code.
#[derive(Debug, PartialEq)]
struct Outcome {
    seen: Vec<String>,
    failure: Option<String>,
    written: Vec<u8>,
    close_code: Option<u16>,
}

fn run(input: &[u8], read_sizes: &[u8], write_sizes: &[u8]) -> Outcome {
    let config = Config::default().with_max_message_len(1 << 16);
    let mut reader = MessageReader::new(vec![0u8; 512], MessageBuffer::new());
    let mut driver = Driver::server(config, Limits::default(), Vec::new());
    let mut outcome =
        Outcome { seen: Vec::new(), failure: None, written: Vec::new(), close_code: None };
    let (mut pos, mut reads, mut writes) = (0, 0, 0);
    // Every step reads, writes or delivers something, or the run ends: bounded.
    let bound = 4 * (input.len() + 64) + 10_000;
    for _ in 0..bound {
        match driver.poll(&mut reader) {
            Next::Write => {
                let size = usize::from(
                    write_sizes.get(writes % write_sizes.len().max(1)).copied().unwrap_or(0),
                ) + 1;
                writes += 1;
                let n = size.min(driver.output().len());
                outcome.written.extend_from_slice(&driver.output()[..n]);
                driver.wrote(n);
            }
            Next::Flush => driver.flushed(),
            Next::Read { .. } => {
                let size = usize::from(
                    read_sizes.get(reads % read_sizes.len().max(1)).copied().unwrap_or(255),
                ) + 1;
                reads += 1;
                let buf = driver.read_buffer(&mut reader);
                let n = size.min(buf.len()).min(input.len() - pos);
                buf[..n].copy_from_slice(&input[pos..pos + n]);
                pos += n;
                driver.filled(&mut reader, n);
            }
            Next::Handshake => driver.accept(&mut reader, |_| Ok(Accept::new())),
            Next::Message => match driver.message(&mut reader) {
                Ok(message) => outcome.seen.push(match message {
                    Received::Text(t) => format!("text {t:?}"),
                    Received::Binary(b) => format!("binary {b:?}"),
                    Received::Ping(p) => format!("ping {:?}", &*p),
                    Received::Pong(p) => format!("pong {:?}", &*p),
                    Received::Close(c) => format!("close {:?}", c.code()),
                }),
                Err(e) => {
                    assert!(outcome.failure.is_none(), "a failure is reported once");
                    outcome.failure = Some(e.to_string());
                }
            },
            Next::Failed(e) => {
                assert!(outcome.failure.is_none(), "a failure is reported once");
                outcome.failure = Some(e.to_string());
            }
            Next::Closed => {
                assert_eq!(driver.poll(&mut reader), Next::Closed, "the end stays the end");
                outcome.close_code = driver.close_code().map(|c| c.get());
                return outcome;
            }
            _ => unreachable!(),
        }
    }
    panic!("no progress: {} steps for {} bytes", bound, input.len());
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else { return };
    let (sizes, stream) = rest.split_at(rest.len().min(usize::from(control & 7)));
    let input: Vec<u8> = if control & 0x80 != 0 {
        UPGRADE.iter().chain(stream).copied().collect()
    } else {
        stream.to_vec()
    };
    let whole = run(&input, &[255], &[255]);
    let pieces = run(&input, sizes, &sizes.iter().rev().copied().collect::<Vec<_>>());
    assert_eq!(whole, pieces);
});
