//! The close handshake in both roles (RFC 6455 §5.5.1, §7).
#![cfg(feature = "alloc")]

mod support;

use core::time::Duration;
use rfc6455::frame::OpCode;
use rfc6455::{CloseCode, Config, Connection, SendError, State};
use support::{client_frame, close_code_of, drive, frame, parse_frames, Seen};

fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason);
    p
}

#[test]
fn server_echoes_the_code_once_and_closes_transport_first() {
    let mut server = Connection::server(Config::default());
    let wire = client_frame(OpCode::Close, true, &close_payload(1001, b"away"));
    let (seen, out) = drive(&mut server, &wire, &[]);
    assert_eq!(seen, [Seen::Close(Some(1001), "away".into())]);
    let frames = parse_frames(&out);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].0.opcode, OpCode::Close);
    assert_eq!(close_code_of(&frames[0].1), Some(1001));
    assert_eq!(server.state(), State::Closed);
    assert!(server.should_close_transport());
    assert_eq!(server.close_code(), Some(CloseCode::GOING_AWAY));
    // A second Close and anything else after it are ignored, and nothing more is sent.
    let more =
        [client_frame(OpCode::Close, true, &[]), client_frame(OpCode::Ping, true, b"x")].concat();
    assert_eq!(drive(&mut server, &more, &[]), (vec![], vec![]));
}

#[test]
fn empty_close_gets_an_empty_reply_and_reports_1005() {
    let mut client = Connection::client(Config::default(), [3; 16]);
    let (seen, out) = drive(&mut client, &frame(OpCode::Close, true, &[], None), &[]);
    assert_eq!(seen, [Seen::Close(None, String::new())]);
    let frames = parse_frames(&out);
    assert_eq!((frames[0].0.opcode, frames[0].1.len()), (OpCode::Close, 0));
    assert!(frames[0].0.mask.is_some(), "a client masks its close reply");
    assert_eq!(client.close_code(), Some(CloseCode::NO_STATUS));
    // The client waits for the server to close TCP, bounded by the close timeout.
    assert_eq!(client.state(), State::Closed);
    assert!(!client.should_close_transport());
    client.handle_timeout(Duration::from_millis(1_000));
    assert_eq!(client.poll_timeout(), Some(Duration::from_millis(6_000)));
    client.handle_timeout(Duration::from_millis(6_000));
    assert!(client.should_close_transport());
}

#[test]
fn client_initiated_close_completes_when_the_server_answers() {
    let mut client = Connection::client(Config::default(), [3; 16]);
    let mut out = Vec::new();
    client.close(CloseCode::NORMAL, "done", &mut out).unwrap();
    assert_eq!(client.state(), State::ClosingLocal);
    assert_eq!(client.send_text("late", &mut out), Err(SendError::Closed));
    assert_eq!(client.close(CloseCode::NORMAL, "", &mut out), Err(SendError::Closed));
    // The server's data sent before it saw our Close is still delivered.
    let wire = [
        frame(OpCode::Text, true, b"in flight", None),
        frame(OpCode::Close, true, &close_payload(1000, b""), None),
    ]
    .concat();
    let (seen, replies) = drive(&mut client, &wire, &[]);
    assert_eq!(seen, [Seen::Text("in flight".into()), Seen::Close(Some(1000), String::new())]);
    assert!(replies.is_empty(), "no second Close");
    assert_eq!(client.state(), State::Closed);
    client.handle_eof();
    assert!(client.should_close_transport());
}

#[test]
fn server_initiated_close_times_out_without_an_answer() {
    let mut server =
        Connection::server(Config::default().with_close_timeout(Duration::from_millis(100)));
    server.handle_timeout(Duration::from_millis(0));
    let mut out = Vec::new();
    server.close(CloseCode::GOING_AWAY, "restart", &mut out).unwrap();
    assert!(!server.should_close_transport());
    assert_eq!(server.poll_timeout(), Some(Duration::from_millis(100)));
    server.handle_timeout(Duration::from_millis(100));
    assert!(server.should_close_transport());
    assert_eq!(server.close_code(), Some(CloseCode::ABNORMAL));
}

#[test]
fn invalid_close_payloads_fail_with_the_right_code() {
    let reason_124 = vec![b'a'; 124];
    let cases: &[(&[u8], u16)] = &[
        (&[0x03], 1002),                         // one byte
        (&[0x03, 0xEC], 1002),                   // 1004
        (&[0x03, 0xED], 1002),                   // 1005
        (&[0x03, 0xEE], 1002),                   // 1006
        (&[0x03, 0xF7], 1002),                   // 1015
        (&[0x00, 0x00], 1002),                   // 0
        (&[0x07, 0xD0], 1002),                   // 2000
        (&[0x13, 0x88], 1002),                   // 5000
        (&[0x03, 0xE8, 0xCE, 0xBA, 0xE1], 1007), // truncated UTF-8 reason
    ];
    for (payload, code) in cases {
        let mut server = Connection::server(Config::default());
        let (seen, out) = drive(&mut server, &client_frame(OpCode::Close, true, payload), &[]);
        assert_eq!(seen, [Seen::Error(*code)], "payload {payload:x?}");
        let frames = parse_frames(&out);
        assert_eq!(frames.len(), 1);
        assert_eq!(close_code_of(&frames[0].1), Some(*code));
        assert!(server.should_close_transport());
    }
    // A 126-byte close payload (code + 124-byte reason) is refused by the frame layer.
    let mut wire = vec![0x88, 0xFE, 0x00, 0x7E, 0, 0, 0, 0];
    wire.extend(close_payload(1000, &reason_124));
    let mut server = Connection::server(Config::default());
    assert_eq!(drive(&mut server, &wire, &[]).0, [Seen::Error(1002)]);
}

#[test]
fn valid_codes_are_echoed() {
    for code in [1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] {
        let mut server = Connection::server(Config::default());
        let (seen, out) =
            drive(&mut server, &client_frame(OpCode::Close, true, &close_payload(code, b"")), &[]);
        assert_eq!(seen, [Seen::Close(Some(code), String::new())]);
        assert_eq!(close_code_of(&parse_frames(&out)[0].1), Some(code));
    }
}

#[test]
fn local_close_refuses_unsendable_codes_and_long_reasons() {
    let mut server = Connection::server(Config::default());
    let mut out = Vec::new();
    for code in [1005u16, 1006, 1015, 999, 5000] {
        assert!(matches!(
            server.close(CloseCode::new(code), "", &mut out),
            Err(SendError::CloseFrame(_))
        ));
    }
    assert!(matches!(
        server.close(CloseCode::NORMAL, &"x".repeat(124), &mut out),
        Err(SendError::CloseFrame(_))
    ));
    assert!(out.is_empty());
    assert_eq!(server.state(), State::Open);
}

#[test]
fn eof_without_close_is_abnormal() {
    let mut server = Connection::server(Config::default());
    server.handle_eof();
    assert_eq!(server.close_code(), Some(CloseCode::ABNORMAL));
    assert!(server.should_close_transport());
    assert_eq!(server.send_text("x", &mut Vec::new()), Err(SendError::Closed));
}

#[test]
fn ping_after_close_gets_no_pong() {
    let mut server = Connection::server(Config::default());
    let wire = [
        client_frame(OpCode::Close, true, &close_payload(1000, b"")),
        client_frame(OpCode::Ping, true, b"?"),
    ]
    .concat();
    let (seen, out) = drive(&mut server, &wire, &[]);
    assert_eq!(seen, [Seen::Close(Some(1000), String::new())]);
    assert_eq!(parse_frames(&out).len(), 1);
}
