//! Unit tests of the connection's timers and send-side rules.

use super::*;
use crate::SliceSink;
use alloc::vec::Vec;
use core::time::Duration;

fn drain(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.poll_transmit(&mut out).unwrap() {}
    out
}

#[test]
fn keepalive_pings_and_fails_without_pong() {
    let config = Config::default()
        .with_keepalive(Some(Duration::from_millis(1000)), Some(Duration::from_millis(200)));
    let mut server = Connection::server(config);
    assert_eq!(server.poll_timeout(), Some(Duration::from_millis(0)));
    server.handle_timeout(Duration::from_millis(50));
    assert_eq!(server.poll_timeout(), Some(Duration::from_millis(1050)));
    server.handle_timeout(Duration::from_millis(1050));
    assert_eq!(drain(&mut server), [0x89, 0x00], "an empty keepalive ping");
    // A pong arrives: the next deadline is the next ping, not a timeout.
    let mut pong = [0x8A, 0x80, 1, 2, 3, 4];
    let (event, _) = server.handle_read(&mut pong).unwrap();
    assert!(matches!(event, Some(Event::Pong(_))));
    assert_eq!(server.poll_timeout(), Some(Duration::from_millis(2050)));
    server.handle_timeout(Duration::from_millis(2050));
    assert_eq!(drain(&mut server), [0x89, 0x00]);
    server.handle_timeout(Duration::from_millis(2250));
    assert_eq!(server.failure(), Some(ConnectionError::PongTimeout));
    assert_eq!(drain(&mut server), [0x88, 0x02, 0x03, 0xE9], "close 1001");
    assert!(server.should_close_transport());
}

#[test]
fn auto_pong_can_be_turned_off() {
    let mut client = Connection::client(Config::default().with_auto_pong(false), [0; 16]);
    let mut ping = [0x89, 0x01, b'x'];
    let (event, _) = client.handle_read(&mut ping).unwrap();
    assert!(matches!(event, Some(Event::Ping(p)) if p == b"x"));
    assert!(!client.wants_transmit());
}

#[test]
fn send_fragment_rules() {
    let mut server = Connection::server(Config::default());
    let mut out = Vec::new();
    server
        .send_fragment(MessageKind::Text, "€".as_bytes().get(..1).unwrap(), false, &mut out)
        .unwrap();
    assert_eq!(server.send_text("x", &mut out), Err(SendError::FragmentedMessageInProgress));
    assert_eq!(
        server.send_fragment(MessageKind::Binary, b"", true, &mut out),
        Err(SendError::FragmentedMessageInProgress)
    );
    // Control frames may go between fragments.
    server.send_ping(b"", &mut out).unwrap();
    // The code point must be completed before the message ends.
    assert_eq!(
        server.send_fragment(MessageKind::Text, &[0x82], true, &mut out),
        Err(SendError::InvalidUtf8)
    );
    server.send_fragment(MessageKind::Text, &[0x82, 0xAC], true, &mut out).unwrap();
    server.send_text("next", &mut out).unwrap();
}

#[test]
fn too_small_buffer_writes_nothing_and_keeps_state() {
    let mut client = Connection::client(Config::default(), [0; 16]);
    let mut storage = [0u8; 10];
    let mut sink = SliceSink::new(&mut storage);
    assert_eq!(
        client.send_text("Hello", &mut sink),
        Err(SendError::BufferTooSmall(crate::BufferTooSmall { required: 11 }))
    );
    assert!(sink.is_empty());
    assert_eq!(client.encoded_frame_len(5), 11);
    let mut sink = SliceSink::new(&mut storage);
    assert!(client.close(CloseCode::NORMAL, "", &mut sink).is_ok());
    assert_eq!(client.state(), State::ClosingLocal);
}

#[test]
fn close_reply_is_queued_once_and_user_close_replaces_it() {
    let mut server = Connection::server(Config::default());
    let mut close = [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8];
    let _ = server.handle_read(&mut close).unwrap();
    assert_eq!(server.state(), State::ClosingRemote);
    // Data may still go out before the reply (RFC 6455 §5.5.1).
    let mut out = Vec::new();
    server.send_text("last words", &mut out).unwrap();
    server.close(CloseCode::GOING_AWAY, "", &mut out).unwrap();
    assert!(!server.wants_transmit(), "the queued echo was superseded");
    assert_eq!(server.state(), State::Closed);
}
