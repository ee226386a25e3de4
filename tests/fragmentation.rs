//! Fragmented messages, interleaved control frames and fail-fast UTF-8 (RFC 6455 §5.4, §8.1).
#![cfg(feature = "alloc")]

mod support;

use rfc6455::frame::OpCode;
use rfc6455::{Config, Connection, Event, MessageReader, Received};
use support::{client_frame, drive, parse_frames, Seen};

#[test]
fn control_frames_between_fragments_are_delivered_and_answered() {
    let wire = [
        client_frame(OpCode::Text, false, b"frag"),
        client_frame(OpCode::Ping, true, b"p1"),
        client_frame(OpCode::Continuation, false, b"men"),
        client_frame(OpCode::Pong, true, b"unsolicited"),
        client_frame(OpCode::Continuation, true, b"ted"),
    ]
    .concat();
    for cuts in [vec![], (0..wire.len()).collect::<Vec<_>>()] {
        let mut server = Connection::server(Config::default());
        let (seen, out) = drive(&mut server, &wire, &cuts);
        assert_eq!(
            seen,
            [
                Seen::Ping(b"p1".to_vec()),
                Seen::Pong(b"unsolicited".to_vec()),
                Seen::Text("fragmented".into())
            ]
        );
        let frames = parse_frames(&out);
        assert_eq!(frames.len(), 1);
        assert_eq!((frames[0].0.opcode, frames[0].1.as_slice()), (OpCode::Pong, &b"p1"[..]));
    }
}

#[test]
fn sequencing_errors_fail_with_1002() {
    let cases = [
        vec![client_frame(OpCode::Continuation, true, b"orphan")],
        vec![client_frame(OpCode::Text, false, b"a"), client_frame(OpCode::Text, true, b"b")],
        vec![client_frame(OpCode::Binary, false, b"a"), client_frame(OpCode::Binary, true, b"b")],
        vec![client_frame(OpCode::Text, false, b"a"), client_frame(OpCode::Binary, false, b"b")],
    ];
    for frames in cases {
        let mut server = Connection::server(Config::default());
        let (seen, _) = drive(&mut server, &frames.concat(), &[]);
        assert_eq!(seen.last(), Some(&Seen::Error(1002)));
    }
}

#[test]
fn chunks_stream_through_a_tiny_buffer() {
    let payload: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let mut wire = client_frame(OpCode::Binary, true, &payload);
    let mut server = Connection::server(Config::default());
    let mut got = Vec::new();
    let (mut firsts, mut lasts) = (0, 0);
    for piece in wire.chunks_mut(7) {
        let mut rest = piece;
        while !rest.is_empty() {
            let (event, r) = server.handle_read(rest).unwrap();
            rest = r;
            if let Some(Event::Data(chunk)) = event {
                assert!(chunk.payload().len() <= 7);
                firsts += usize::from(chunk.is_first());
                lasts += usize::from(chunk.is_last());
                got.extend_from_slice(chunk.payload());
            }
        }
    }
    assert_eq!((got, firsts, lasts), (payload, 1, 1));
}

/// Feeds `frames` to a server and returns how many payload bytes of text were
/// delivered before the error, and the error's close code.
fn text_failure(frames: &[Vec<u8>], cuts: &[usize]) -> (Vec<u8>, Option<u16>) {
    let mut wire = frames.concat();
    let mut server = Connection::server(Config::default());
    let mut delivered = Vec::new();
    let mut bounds = cuts.to_vec();
    bounds.push(0);
    bounds.push(wire.len());
    bounds.sort_unstable();
    for w in bounds.windows(2) {
        let mut rest = &mut wire[w[0]..w[1]];
        while !rest.is_empty() {
            match server.handle_read(rest) {
                Ok((event, r)) => {
                    rest = r;
                    if let Some(Event::Data(c)) = event {
                        delivered.extend_from_slice(c.payload());
                    }
                }
                Err(e) => return (delivered, Some(e.close_code().get())),
            }
        }
    }
    (delivered, None)
}

#[test]
fn invalid_utf8_fails_in_the_middle_of_a_frame() {
    // A 1000-byte text frame with a surrogate at byte 10, fed in 20-byte reads: the
    // error comes on the read holding the second surrogate byte, long before the end.
    let mut text = vec![b'a'; 1000];
    text[10] = 0xED;
    text[11] = 0xA0;
    text[12] = 0x80;
    let frame = client_frame(OpCode::Text, true, &text);
    let header_len = frame.len() - text.len();
    let cuts: Vec<usize> = (1..60).map(|i| i * 20).collect();
    let mut wire = frame.clone();
    let mut server = Connection::server(Config::default());
    let mut consumed = 0;
    let mut failed_at = None;
    for piece in wire.chunks_mut(20) {
        let mut rest = piece;
        let len = rest.len();
        while !rest.is_empty() {
            match server.handle_read(rest) {
                Ok((_, r)) => rest = r,
                Err(e) => {
                    failed_at = Some((consumed + len, e.close_code().get()));
                    break;
                }
            }
        }
        if failed_at.is_some() {
            break;
        }
        consumed += len;
    }
    let (end_of_failing_read, code) = failed_at.expect("must fail");
    assert_eq!(code, 1007);
    assert!(end_of_failing_read <= header_len + 12 + 20, "failed late, at {end_of_failing_read}");
    assert_eq!(text_failure(&[frame], &cuts).1, Some(1007));
}

#[test]
fn code_points_split_across_fragments_are_accepted() {
    let s = "κόσμε€𝄞";
    let bytes = s.as_bytes();
    for split in 1..bytes.len() {
        let frames = [
            client_frame(OpCode::Text, false, &bytes[..split]),
            client_frame(OpCode::Continuation, true, &bytes[split..]),
        ];
        let (delivered, err) = text_failure(&frames, &[]);
        assert_eq!((delivered.as_slice(), err), (bytes, None), "split {split}");
    }
}

#[test]
fn invalid_sequence_across_fragments_fails_on_the_proving_fragment() {
    // F4 | 90 80 80: valid lead byte, then a continuation that exceeds U+10FFFF.
    let frames = [
        client_frame(OpCode::Text, false, b"ok\xF4"),
        client_frame(OpCode::Continuation, false, b"\x90\x80\x80"),
        client_frame(OpCode::Continuation, true, b"never reached"),
    ];
    let first_len = frames[0].len();
    let mut server = Connection::server(Config::default());
    let (seen, _) = drive(&mut server, &frames[..1].concat(), &[]);
    assert!(seen.is_empty(), "the first fragment alone is fine");
    let (seen, _) = drive(&mut server, &frames[1], &[]);
    assert_eq!(seen, [Seen::Error(1007)]);
    assert!(first_len > 0);
}

#[test]
fn truncated_code_point_at_message_end_is_1007() {
    let frames = [
        client_frame(OpCode::Text, false, b"ab\xE2\x82"),
        client_frame(OpCode::Continuation, true, b""),
    ];
    assert_eq!(text_failure(&frames, &[]).1, Some(1007));
}

#[test]
fn a_store_moved_between_connections_never_yields_unchecked_text() {
    // Misuse: one store handed from connection to connection, each in the middle of a
    // message. B's last piece is valid after B's first, but lands after A's first
    // piece: the store, which checks the bytes it holds, refuses it (1007) rather than
    // deliver a "message" that neither connection validated as a whole.
    use rfc6455::message::MessageBuffer;
    let (mut a, mut b) =
        (Connection::server(Config::default()), Connection::server(Config::default()));
    let mut shared = MessageReader::new([0u8; 64], MessageBuffer::new());
    let mut own = MessageReader::new([0u8; 64], MessageBuffer::new());
    shared.feed(&client_frame(OpCode::Text, false, b"A"));
    assert!(shared.next(&mut a).is_none());
    own.feed(&client_frame(OpCode::Text, false, &[0xE2, 0x82]));
    assert!(own.next(&mut b).is_none());
    shared.feed(&client_frame(OpCode::Continuation, true, &[0xAC]));
    assert_eq!(shared.next(&mut b), None);
    assert_eq!(b.failure().unwrap().close_code().get(), 1007);
}

#[test]
fn a_gathered_text_message_is_checked_once_and_trusted() {
    // Pieces of one message gathered by the reader: the store checked every byte, so
    // the text view needs no second check, and a code point split across the fragments
    // is accepted.
    use rfc6455::message::MessageBuffer;
    let mut conn = Connection::server(Config::default());
    let mut reader = MessageReader::new([0u8; 64], MessageBuffer::new());
    reader.feed(&client_frame(OpCode::Text, false, &[b'a', 0xE2, 0x82]));
    assert!(reader.next(&mut conn).is_none());
    reader.feed(&client_frame(OpCode::Continuation, true, &[0xAC, b'b']));
    assert_eq!(reader.next(&mut conn), Some(Received::Text("a\u{20ac}b")));
    // A message ending inside a code point fails on its last fragment.
    reader.feed(&client_frame(OpCode::Text, false, b"x"));
    assert!(reader.next(&mut conn).is_none());
    reader.feed(&client_frame(OpCode::Continuation, true, &[0xE2, 0x82]));
    assert!(reader.next(&mut conn).is_none());
    assert_eq!(conn.failure().unwrap().close_code().get(), 1007);
}
