//! A scripted client session for fault injection: the bytes a client sends (upgrade
//! request, messages, a fragmented one with a ping between its fragments, a Close) and
//! where each message ends, so a test that cuts the stream at byte `n` knows which
//! messages a driver must have delivered.

use rfc6455::{CloseCode, Received};

/// The client's upgrade request.
pub const UPGRADE: &[u8] =
    b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A masked client frame.
pub fn frame(opcode: u8, payload: &[u8], fin: bool) -> Vec<u8> {
    let key = [0x11, 0x22, 0x33, 0x44];
    let mut f = vec![opcode | if fin { 0x80 } else { 0 }, 0x80 | payload.len() as u8];
    f.extend_from_slice(&key);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    f
}

/// The session's bytes, and for each message (as [`describe`] writes it) the position
/// just after its last byte.
pub fn session() -> (Vec<u8>, Vec<(usize, String)>) {
    let mut script = UPGRADE.to_vec();
    let mut ends = Vec::new();
    for (i, text) in ["one", "two", "three"].iter().enumerate() {
        script.extend(frame(0x1, text.as_bytes(), true));
        ends.push((script.len(), format!("Text({text:?})")));
        if i == 1 {
            script.extend(frame(0x2, b"frag", false));
            script.extend(frame(0x9, b"ping", true));
            ends.push((script.len(), "Ping(\"ping\")".to_string()));
            script.extend(frame(0x0, b"ment", true));
            ends.push((script.len(), "Binary([102, 114, 97, 103, 109, 101, 110, 116])".into()));
        }
    }
    script.extend(frame(0x8, &[0x03, 0xe8], true));
    ends.push((script.len(), "Close(1000)".into()));
    (script, ends)
}

/// The messages a driver must have delivered when the stream was cut at `cut`.
pub fn expected_before(ends: &[(usize, String)], cut: usize) -> Vec<String> {
    ends.iter().filter(|(at, _)| *at <= cut).map(|(_, m)| m.clone()).collect()
}

/// A received message as the session's list writes it.
pub fn describe(received: &Received<'_>) -> String {
    match received {
        Received::Text(t) => format!("Text({t:?})"),
        Received::Binary(b) => format!("Binary({b:?})"),
        Received::Ping(p) => format!("Ping({:?})", String::from_utf8_lossy(p)),
        Received::Pong(p) => format!("Pong({:?})", String::from_utf8_lossy(p)),
        Received::Close(c) => format!("Close({})", c.code().map_or(0, CloseCode::get)),
    }
}
