//! The sending side: automatic fragmentation, header-only encoding for vectored writes,
//! and the output cap.
#![cfg(feature = "alloc")]

mod support;

use rfc6455::frame::OpCode;
use rfc6455::message::MessageKind;
use rfc6455::{Config, Connection, SendError, SliceSink};
use support::{drive_messages, parse_frames, Seen};

#[test]
fn a_long_message_goes_out_in_fragments_of_the_configured_size() {
    let config = Config::default().with_max_send_frame_len(4096);
    let mut client = Connection::client(config, [1; 16]);
    let text = "é".repeat(5000); // 10 000 bytes: fragments split code points
    let mut wire = Vec::new();
    client.send_text(&text, &mut wire).unwrap();
    let frames = parse_frames(&wire);
    let shape: Vec<(OpCode, bool, usize)> =
        frames.iter().map(|(h, p)| (h.opcode, h.fin, p.len())).collect();
    assert_eq!(
        shape,
        [
            (OpCode::Text, false, 4096),
            (OpCode::Continuation, false, 4096),
            (OpCode::Continuation, true, 1808)
        ]
    );
    // A message that fits is one frame.
    let mut one = Vec::new();
    client.send_binary(&[7; 4096], &mut one).unwrap();
    assert_eq!(parse_frames(&one).len(), 1);
    // The server sees one whole message.
    let (seen, _) = drive_messages(&mut Connection::server(Config::default()), &wire, &[100, 5000]);
    assert_eq!(seen, [Seen::Text(text)]);
}

#[test]
fn fragments_go_into_the_sink_all_or_nothing() {
    let config = Config::default().with_max_send_frame_len(100);
    let mut server = Connection::server(config);
    let mut storage = [0u8; 300];
    let mut out = SliceSink::new(&mut storage);
    // 250 bytes in three frames take 2 + 100, 2 + 100 and 2 + 50 bytes: 256.
    server.send_binary(&[1; 250], &mut out).unwrap();
    assert_eq!(out.len(), 256);
    // 150 more bytes (2 + 100 and 2 + 50) would fit only in part: nothing is written.
    let error = server.send_binary(&[2; 150], &mut out).unwrap_err();
    assert!(matches!(error, SendError::BufferTooSmall(e) if e.required == 154));
    assert_eq!(out.len(), 256);
    // The connection is unchanged: a message still goes out whole.
    server.send_binary(&[3; 40], &mut out).unwrap();
    assert_eq!(parse_frames(out.filled()).len(), 4);
}

#[test]
fn the_output_cap_refuses_data_but_never_control_frames() {
    let config = Config::default().with_max_queued_output(1000);
    let mut server = Connection::server(config);
    let mut out = Vec::new();
    server.send_binary(&[0; 900], &mut out).unwrap();
    let error = server.send_binary(&[0; 100], &mut out).unwrap_err();
    assert_eq!(error, SendError::OutputFull { queued: 904, limit: 1000 });
    assert_eq!(out.len(), 904, "nothing written");
    let error =
        server.send_fragment(MessageKind::Text, b"x".repeat(200).as_slice(), false, &mut out);
    assert!(matches!(error, Err(SendError::OutputFull { .. })));
    // Control frames are never refused for it.
    server.send_ping(b"still", &mut out).unwrap();
    server.close(rfc6455::CloseCode::NORMAL, "", &mut out).unwrap();
    // Once the sink was written out, data flows again.
    let mut fresh = Vec::new();
    let mut other = Connection::server(config);
    other.send_binary(&[0; 900], &mut fresh).unwrap();
    fresh.clear();
    other.send_binary(&[0; 900], &mut fresh).unwrap();
}

#[test]
fn a_header_alone_for_a_vectored_write() {
    // A client: the payload is masked in place; the server reads header + payload.
    let mut client = Connection::client(Config::default(), [9; 16]);
    let mut payload = b"straight from the caller's buffer".to_vec();
    let header = client.send_header(MessageKind::Text, &mut payload).unwrap();
    assert_eq!(header.len(), 6, "two bytes and the masking key");
    assert_ne!(&payload[..], b"straight from the caller's buffer", "masked in place");
    let wire = [&header[..], &payload[..]].concat();
    let (seen, _) = drive_messages(&mut Connection::server(Config::default()), &wire, &[3]);
    assert_eq!(seen, [Seen::Text("straight from the caller's buffer".into())]);

    // A long binary payload from a server: a 64-bit length, payload untouched.
    let mut server = Connection::server(Config::default());
    let mut big = vec![5u8; 70_000];
    let header = server.send_header(MessageKind::Binary, &mut big).unwrap();
    assert_eq!(header[..2], [0x82, 127]);
    assert!(big.iter().all(|&b| b == 5));

    // Text that is not UTF-8, or a send in the middle of a fragmented message, is
    // refused, and nothing changes.
    let mut bad = [0xFF, 0xFE];
    assert_eq!(server.send_header(MessageKind::Text, &mut bad), Err(SendError::InvalidUtf8));
    assert_eq!(bad, [0xFF, 0xFE]);
    server.send_fragment(MessageKind::Binary, b"a", false, &mut Vec::new()).unwrap();
    assert_eq!(
        server.send_header(MessageKind::Binary, &mut [1]),
        Err(SendError::FragmentedMessageInProgress)
    );
}
