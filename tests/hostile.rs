//! Hostile inputs, each with its expected outcome and the most the receiver buffered.
//!
//! The connection itself buffers at most one frame header (14 bytes) and one control
//! payload (125 bytes); payload bytes are handed out in place. So "buffered" below is
//! what a whole-message buffer (`MessageBuffer`) or the handshake head reached.
#![cfg(feature = "alloc")]

mod support;

use rfc6455::frame::OpCode;
use rfc6455::handshake::{HandshakeError, Limits, ServerHandshake, Status};
use rfc6455::message::MessageBuffer;
use rfc6455::{Config, Connection, MessageReader, Role};
use support::{client_frame, frame};

/// What feeding a stream to a connection did.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// The close code of the error, if the connection failed.
    error: Option<u16>,
    /// Whole messages delivered.
    messages: usize,
    /// The largest capacity the message buffer reached.
    buffered: usize,
    /// Frames written by `poll_transmit`.
    replies: usize,
}

fn feed(role: Role, config: Config, wire: &mut [u8], drain: bool) -> (Outcome, Connection) {
    let mut conn = Connection::new(role, config, [4; 16]);
    let store = MessageBuffer::with_retained_capacity(0);
    let mut reader = MessageReader::new(vec![0u8; 16 * 1024], store);
    let mut outcome = Outcome { error: None, messages: 0, buffered: 0, replies: 0 };
    let mut out = Vec::new();
    let mut rest = &wire[..];
    while !rest.is_empty() {
        let spare = match reader.spare(&mut conn) {
            Ok(spare) => spare,
            Err(e) => {
                outcome.error = Some(e.close_code().get());
                break;
            }
        };
        let n = spare.len().min(rest.len());
        spare[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        reader.filled(n);
        while let Some(received) = reader.next(&mut conn) {
            outcome.messages += usize::from(received.data().is_some());
            if drain {
                while conn.poll_transmit(&mut out).unwrap() {
                    outcome.replies += 1;
                }
            }
        }
        outcome.buffered = outcome.buffered.max(reader.store_mut().capacity());
        if drain {
            while conn.poll_transmit(&mut out).unwrap() {
                outcome.replies += 1;
            }
        }
    }
    if outcome.error.is_none() {
        outcome.error = conn.failure().map(|e| e.close_code().get());
    }
    if !drain {
        while conn.poll_transmit(&mut out).unwrap() {
            outcome.replies += 1;
        }
    }
    (outcome, conn)
}

#[test]
fn frame_announcing_2_pow_63_minus_1_bytes() {
    let mut wire = vec![0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4];
    wire.extend_from_slice(&[0; 1000]);
    let (o, _) = feed(Role::Server, Config::default(), &mut wire, true);
    assert_eq!(o, Outcome { error: Some(1009), messages: 0, buffered: 0, replies: 1 });
}

#[test]
fn a_million_one_byte_continuation_frames() {
    // One message of 1,000,000 one-byte fragments: accepted under a 2 MB limit without
    // any per-frame growth beyond the message itself, refused with 1009 under 500 kB.
    let mut wire = client_frame(OpCode::Binary, false, b"x");
    let piece = client_frame(OpCode::Continuation, false, b"x");
    for _ in 0..999_998 {
        wire.extend_from_slice(&piece);
    }
    wire.extend(client_frame(OpCode::Continuation, true, b"x"));
    let roomy = Config::default().with_max_message_len(2_000_000);
    let (o, _) = feed(Role::Server, roomy, &mut wire.clone(), true);
    assert_eq!((o.error, o.messages), (None, 1));
    assert!(o.buffered <= 2 * 1_000_000, "buffered {}", o.buffered);
    let tight = Config::default().with_max_message_len(500_000);
    let (o, _) = feed(Role::Server, tight, &mut wire, true);
    assert_eq!((o.error, o.messages), (Some(1009), 0));
    assert!(o.buffered <= 2 * 500_000, "buffered {}", o.buffered);
}

#[test]
fn ping_flood_of_125_byte_pings() {
    let ping = client_frame(OpCode::Ping, true, &[0xAB; 125]);
    let mut wire: Vec<u8> = ping.iter().copied().cycle().take(ping.len() * 10_000).collect();
    // A caller that drains after every event answers every ping,
    let (o, _) = feed(Role::Server, Config::default(), &mut wire.clone(), true);
    assert_eq!((o.error, o.replies), (None, 10_000));
    // and one that never drains holds a single pong (the latest), not ten thousand.
    let (o, conn) = feed(Role::Server, Config::default(), &mut wire, false);
    assert_eq!((o.error, o.replies), (None, 1));
    assert!(!conn.wants_transmit());
}

#[test]
fn close_with_invalid_utf8_reason() {
    let mut wire = client_frame(OpCode::Close, true, &[0x03, 0xE8, 0xC0, 0x80]);
    let (o, _) = feed(Role::Server, Config::default(), &mut wire, true);
    assert_eq!((o.error, o.replies), (Some(1007), 1));
}

#[test]
fn control_frames_interleaved_in_a_fragmented_message() {
    let mut wire = [
        client_frame(OpCode::Text, false, b"a"),
        client_frame(OpCode::Ping, true, b"1"),
        client_frame(OpCode::Pong, true, b"2"),
        client_frame(OpCode::Continuation, false, b"b"),
        client_frame(OpCode::Ping, true, b"3"),
        client_frame(OpCode::Continuation, true, b"c"),
    ]
    .concat();
    let (o, _) = feed(Role::Server, Config::default(), &mut wire, true);
    assert_eq!((o.error, o.messages, o.replies), (None, 1, 2));
    assert!(o.buffered <= 8, "a 3-byte message, buffered {}", o.buffered);
}

#[test]
fn masked_frame_from_a_server_and_unmasked_frame_from_a_client() {
    let (o, _) =
        feed(Role::Client, Config::default(), &mut client_frame(OpCode::Text, true, b"x"), true);
    assert_eq!((o.error, o.replies), (Some(1002), 1));
    let (o, _) =
        feed(Role::Server, Config::default(), &mut frame(OpCode::Text, true, b"x", None), true);
    assert_eq!((o.error, o.replies), (Some(1002), 1));
}

fn trickle(head: &[u8], limits: Limits) -> (Result<usize, HandshakeError>, usize) {
    let mut parser = ServerHandshake::new(limits);
    for end in 1..=head.len() {
        match parser.parse_request(&head[..end]) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(r)) => return (Ok(r.head_len()), end),
            Err(e) => return (Err(e), end),
        }
    }
    (Ok(0), head.len())
}

#[test]
fn header_line_that_never_ends() {
    let mut head = b"GET / HTTP/1.1\r\nX-Endless: ".to_vec();
    head.extend(core::iter::repeat_n(b'a', 100_000));
    let (result, buffered) = trickle(&head, Limits::default());
    assert_eq!(result, Err(HandshakeError::HeadTooLarge));
    assert_eq!(buffered, Limits::default().max_head_len, "refused at the limit, not after");
    assert_eq!(HandshakeError::HeadTooLarge.status(), 431);
}

#[test]
fn ten_thousand_headers() {
    let mut head = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..10_000 {
        head.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    let limits = Limits::default().with_max_head_len(1 << 20);
    let (result, buffered) = trickle(&head, limits);
    assert_eq!(result, Err(HandshakeError::TooManyHeaders));
    assert!(buffered < 64 * 16, "refused after {buffered} bytes");
}

#[test]
fn handshake_trickled_one_byte_at_a_time() {
    let head = b"GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let (result, buffered) = trickle(head, Limits::default());
    assert_eq!(result, Ok(head.len()));
    assert_eq!(buffered, head.len());
}

#[test]
fn connection_state_is_small() {
    // Everything a connection holds between reads: no hidden buffers.
    let size = size_of::<Connection>();
    println!("size_of::<Connection>() = {size}");
    // 768 with the `Config` it keeps, whose durations are `Duration`s since API 2.
    assert!(size <= 800, "{size}");
}
