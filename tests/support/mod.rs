//! Test harness: drive connections over in-memory byte streams with arbitrary splits.
#![allow(dead_code, unreachable_pub)]

pub mod scripted;

use rfc6455::frame::{FrameHeader, MaskKey, OpCode, MAX_HEADER_LEN};
use rfc6455::message::{MessageBuffer, MessageKind};
use rfc6455::{Connection, Event, MessageReader, Received};

/// An owned record of what a connection reported, comparable across runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
    Error(u16),
}

/// Feeds `stream` to `conn` cut at `cuts` (positions, any order, clamped), collecting
/// whole messages, control events and the first error; also drains `poll_transmit`
/// after every call and returns what it wrote.
pub fn drive(conn: &mut Connection, stream: &[u8], cuts: &[usize]) -> (Vec<Seen>, Vec<u8>) {
    drive_with(conn, stream, cuts, false)
}

/// As [`drive`], reading whole messages with a `MessageReader` (reads cut where the cuts
/// are) instead of `handle_read` and reassembling the pieces here.
pub fn drive_messages(
    conn: &mut Connection,
    stream: &[u8],
    cuts: &[usize],
) -> (Vec<Seen>, Vec<u8>) {
    drive_with(conn, stream, cuts, true)
}

/// The cut positions within a stream of `len` bytes, clamped, with 0 and `len`,
/// sorted and without repeats.
fn bounds(len: usize, cuts: &[usize]) -> Vec<usize> {
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(len)).collect();
    bounds.push(0);
    bounds.push(len);
    bounds.sort_unstable();
    bounds.dedup();
    bounds
}

fn drive_with(
    conn: &mut Connection,
    stream: &[u8],
    cuts: &[usize],
    whole_messages: bool,
) -> (Vec<Seen>, Vec<u8>) {
    if whole_messages {
        // Reads cut where the cuts are, into a read buffer that holds any of them.
        let bounds = bounds(stream.len(), cuts);
        let sizes: Vec<usize> = bounds.windows(2).map(|w| w[1] - w[0]).collect();
        let largest = sizes.iter().copied().max().unwrap_or(1).max(1);
        let (seen, out, _) = drive_reader(conn, stream, &sizes, largest);
        return (seen, out);
    }
    let mut owned = stream.to_vec();
    let bounds = bounds(owned.len(), cuts);
    let mut seen = Vec::new();
    let mut out = Vec::new();
    // The message being reassembled from chunks: its kind and bytes.
    let mut message: Option<(MessageKind, Vec<u8>)> = None;
    for w in bounds.windows(2) {
        let mut rest: &mut [u8] = &mut owned[w[0]..w[1]];
        loop {
            let before = rest.len();
            match conn.handle_read(rest) {
                Ok((event, r)) => {
                    let progressed = r.len() < before || event.is_some();
                    rest = r;
                    let chunk = match event {
                        Some(Event::Data(chunk)) => {
                            Some((chunk.kind(), chunk.payload(), chunk.is_first(), chunk.is_last()))
                        }
                        Some(Event::Inflated { kind, is_first, is_last }) => {
                            Some((kind, conn.inflated(), is_first, is_last))
                        }
                        Some(Event::Ping(p)) => {
                            seen.push(Seen::Ping(p.to_vec()));
                            None
                        }
                        Some(Event::Pong(p)) => {
                            seen.push(Seen::Pong(p.to_vec()));
                            None
                        }
                        Some(Event::Close(c)) => {
                            seen.push(Seen::Close(c.code().map(u16::from), c.reason().to_owned()));
                            None
                        }
                        None => None,
                    };
                    if let Some((kind, data, is_first, is_last)) = chunk {
                        if is_first {
                            message = Some((kind, Vec::new()));
                        }
                        let (kind, bytes) = message.as_mut().expect("a first chunk came first");
                        bytes.extend_from_slice(data);
                        if is_last {
                            let bytes = core::mem::take(bytes);
                            seen.push(match kind {
                                MessageKind::Text => Seen::Text(
                                    String::from_utf8(bytes).expect("the connection checked it"),
                                ),
                                MessageKind::Binary => Seen::Binary(bytes),
                            });
                            message = None;
                        }
                    }
                    assert!(progressed || rest.is_empty(), "handle_read made no progress");
                }
                Err(e) => {
                    seen.push(Seen::Error(e.close_code().into()));
                    rest = &mut [];
                }
            }
            while conn.poll_transmit(&mut out).unwrap() {}
            if rest.is_empty() {
                break;
            }
        }
    }
    (seen, out)
}

/// Encodes one frame; masked with `key` when given.
pub fn frame(opcode: OpCode, fin: bool, payload: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
    frame_rsv(opcode, fin, 0, payload, key)
}

/// Encodes one frame with explicit RSV bits.
pub fn frame_rsv(
    opcode: OpCode,
    fin: bool,
    rsv: u8,
    payload: &[u8],
    key: Option<[u8; 4]>,
) -> Vec<u8> {
    let header =
        FrameHeader { fin, rsv, opcode, mask: key.map(MaskKey), payload_len: payload.len() as u64 };
    let mut head = [0u8; MAX_HEADER_LEN];
    let n = header.encode(&mut head);
    let mut out = head[..n].to_vec();
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(k) = key {
        MaskKey(k).apply(&mut out[start..], 0);
    }
    out
}

/// A frame as a client sends it (masked with a fixed key).
pub fn client_frame(opcode: OpCode, fin: bool, payload: &[u8]) -> Vec<u8> {
    frame(opcode, fin, payload, Some([0x37, 0xfa, 0x21, 0x3d]))
}

/// Decodes every frame in `wire` without role checks: (header, unmasked payload).
pub fn parse_frames(wire: &[u8]) -> Vec<(FrameHeader, Vec<u8>)> {
    let rules = rfc6455::frame::HeaderRules { masked: None, allowed_rsv: 0, strict_length: true };
    let mut frames = Vec::new();
    let mut at = 0;
    while at < wire.len() {
        let (h, n) = FrameHeader::decode(&wire[at..], &rules).unwrap().expect("complete frame");
        let start = at + n;
        let end = start + h.payload_len as usize;
        let mut payload = wire[start..end].to_vec();
        if let Some(m) = h.mask {
            m.apply(&mut payload, 0);
        }
        frames.push((h, payload));
        at = end;
    }
    frames
}

/// The close code carried by a Close frame payload.
pub fn close_code_of(payload: &[u8]) -> Option<u16> {
    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
}

pub fn kind_opcode(kind: MessageKind) -> OpCode {
    match kind {
        MessageKind::Text => OpCode::Text,
        MessageKind::Binary => OpCode::Binary,
    }
}

pub const NORMAL: u16 = 1000;

/// As [`drive_messages`], in reads of the sizes the cuts give (cycled) into a 16 KiB
/// read buffer: the reader reads pending payload of large frames straight into its
/// message store.
pub fn drive_direct(conn: &mut Connection, stream: &[u8], cuts: &[usize]) -> (Vec<Seen>, Vec<u8>) {
    let sizes: Vec<usize> = bounds(stream.len(), cuts).windows(2).map(|w| w[1] - w[0]).collect();
    let (seen, out, _) = drive_reader(conn, stream, &sizes, 16 * 1024);
    (seen, out)
}

/// Records a whole message (or control frame) a `MessageReader` returned.
pub fn record(seen: &mut Vec<Seen>, received: Received<'_>) {
    seen.push(match received {
        Received::Text(text) => Seen::Text(text.to_owned()),
        Received::Binary(bytes) => Seen::Binary(bytes.to_vec()),
        Received::Ping(p) => Seen::Ping(p.to_vec()),
        Received::Pong(p) => Seen::Pong(p.to_vec()),
        Received::Close(c) => Seen::Close(c.code().map(u16::from), c.reason().to_owned()),
    });
}

/// Drives `conn` with a `MessageReader` over a read buffer of `capacity` bytes and a
/// `MessageBuffer`, in reads of the sizes the cuts give (cycled, at most the space the
/// reader lends). Also returns the largest capacity the message store reached: 0 when
/// every message was delivered in place.
pub fn drive_buffered(
    conn: &mut Connection,
    stream: &[u8],
    cuts: &[usize],
    capacity: usize,
) -> (Vec<Seen>, Vec<u8>, usize) {
    let sizes: Vec<usize> = bounds(stream.len(), cuts).windows(2).map(|w| w[1] - w[0]).collect();
    drive_reader(conn, stream, &sizes, capacity)
}

/// Reads `stream` in reads of `sizes` (cycled) through a `MessageReader`.
pub fn drive_reader(
    conn: &mut Connection,
    stream: &[u8],
    sizes: &[usize],
    capacity: usize,
) -> (Vec<Seen>, Vec<u8>, usize) {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let mut reader = MessageReader::new(vec![0u8; capacity.max(1)], MessageBuffer::new());
    let mut store_capacity = 0;
    let (mut at, mut k) = (0, 0);
    while at < stream.len() {
        let size = sizes.get(k % sizes.len().max(1)).copied().unwrap_or(stream.len()).max(1);
        k += 1;
        let spare = match reader.spare(conn) {
            Ok(spare) => spare,
            Err(e) => {
                seen.push(Seen::Error(e.close_code().into()));
                break;
            }
        };
        assert!(!spare.is_empty(), "no room to read into");
        let n = spare.len().min(size).min(stream.len() - at);
        spare[..n].copy_from_slice(&stream[at..at + n]);
        reader.filled(n);
        at += n;
        while let Some(received) = reader.next(conn) {
            record(&mut seen, received);
            store_capacity = store_capacity.max(reader.store_mut().capacity());
            while conn.poll_transmit(&mut out).unwrap() {}
        }
        store_capacity = store_capacity.max(reader.store_mut().capacity());
        while conn.poll_transmit(&mut out).unwrap() {}
    }
    if let (Some(e), false) = (conn.failure(), matches!(seen.last(), Some(Seen::Error(_)))) {
        seen.push(Seen::Error(e.close_code().into()));
    }
    while conn.poll_transmit(&mut out).unwrap() {}
    (seen, out, store_capacity)
}
