//! Test harness: drive connections over in-memory byte streams with arbitrary splits.
#![allow(dead_code, unreachable_pub)]

use rfc6455::frame::{FrameHeader, MaskKey, OpCode, MAX_HEADER_LEN};
use rfc6455::message::{MessageBuffer, MessageKind};
use rfc6455::{CloseCode, Connection, Event, ReadBuffer};

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

/// As [`drive`], reading with `Connection::handle_read_message` (every data event a
/// whole message) instead of `handle_read` and `MessageBuffer::push`.
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
    let mut owned = stream.to_vec();
    let bounds = bounds(owned.len(), cuts);
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let mut messages = MessageBuffer::new();
    let mut gathered = MessageBuffer::new();
    for w in bounds.windows(2) {
        let mut rest: &mut [u8] = &mut owned[w[0]..w[1]];
        loop {
            let before = rest.len();
            let read = if whole_messages {
                conn.handle_read_message(rest, &mut gathered)
            } else {
                conn.handle_read(rest)
            };
            match read {
                Ok((event, r)) => {
                    let progressed = r.len() < before || event.is_some();
                    rest = r;
                    match event {
                        Some(Event::Data(chunk)) if whole_messages => {
                            assert!(chunk.is_whole(), "handle_read_message gave a piece");
                            seen.push(match chunk.kind() {
                                MessageKind::Text => {
                                    Seen::Text(chunk.as_whole_text().unwrap().to_owned())
                                }
                                MessageKind::Binary => Seen::Binary(chunk.payload().to_vec()),
                            });
                        }
                        Some(Event::Data(chunk)) => {
                            if let Some(m) = messages.push(&chunk).unwrap() {
                                seen.push(match m {
                                    rfc6455::message::Message::Text(t) => Seen::Text(t.to_owned()),
                                    rfc6455::message::Message::Binary(b) => {
                                        Seen::Binary(b.to_vec())
                                    }
                                });
                            }
                        }
                        Some(Event::Ping(p)) => seen.push(Seen::Ping(p.to_vec())),
                        Some(Event::Pong(p)) => seen.push(Seen::Pong(p.to_vec())),
                        Some(Event::Close(c)) => {
                            seen.push(Seen::Close(c.code().map(|c| c.0), c.reason().to_owned()))
                        }
                        None => {}
                    }
                    assert!(progressed || rest.is_empty(), "handle_read made no progress");
                }
                Err(e) => {
                    seen.push(Seen::Error(e.close_code().0));
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

pub const NORMAL: u16 = CloseCode::NORMAL.0;

/// As [`drive_messages`], but reads pending payload straight into the message buffer
/// (`payload_room` / `commit_payload`) whenever the connection has some, in reads of
/// the sizes the cuts give (cycled): what an application reading large messages does.
pub fn drive_direct(conn: &mut Connection, stream: &[u8], cuts: &[usize]) -> (Vec<Seen>, Vec<u8>) {
    let mut owned = stream.to_vec();
    let sizes: Vec<usize> = bounds(owned.len(), cuts).windows(2).map(|w| w[1] - w[0]).collect();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let mut messages = MessageBuffer::new();
    let mut at = 0;
    let mut k = 0;
    'reads: while at < owned.len() {
        let size = sizes.get(k % sizes.len().max(1)).copied().unwrap_or(owned.len()).max(1);
        k += 1;
        match conn.payload_room(&mut messages, size) {
            Err(e) => {
                seen.push(Seen::Error(e.close_code().0));
                break 'reads;
            }
            Ok(Some(room)) => {
                assert!(!room.is_empty() && room.len() <= size);
                let n = room.len().min(owned.len() - at);
                room[..n].copy_from_slice(&owned[at..at + n]);
                at += n;
                match conn.commit_payload(n, &mut messages) {
                    Ok(event) => record(&mut seen, event),
                    Err(e) => {
                        seen.push(Seen::Error(e.close_code().0));
                        break 'reads;
                    }
                }
            }
            Ok(None) => {
                let end = (at + size).min(owned.len());
                let mut rest: &mut [u8] = &mut owned[at..end];
                at = end;
                while !rest.is_empty() {
                    match conn.handle_read_message(rest, &mut messages) {
                        Ok((event, r)) => {
                            rest = r;
                            record(&mut seen, event);
                        }
                        Err(e) => {
                            seen.push(Seen::Error(e.close_code().0));
                            break 'reads;
                        }
                    }
                    while conn.poll_transmit(&mut out).unwrap() {}
                }
            }
        }
        while conn.poll_transmit(&mut out).unwrap() {}
    }
    while conn.poll_transmit(&mut out).unwrap() {}
    (seen, out)
}

/// Records an event of a whole-message read (`handle_read_message` and the like).
fn record(seen: &mut Vec<Seen>, event: Option<Event<'_>>) {
    match event {
        Some(Event::Data(m)) => {
            assert!(m.is_whole());
            seen.push(match m.kind() {
                MessageKind::Text => Seen::Text(m.as_whole_text().unwrap().to_owned()),
                MessageKind::Binary => Seen::Binary(m.payload().to_vec()),
            });
        }
        Some(Event::Ping(p)) => seen.push(Seen::Ping(p.to_vec())),
        Some(Event::Pong(p)) => seen.push(Seen::Pong(p.to_vec())),
        Some(Event::Close(c)) => {
            seen.push(Seen::Close(c.code().map(|c| c.0), c.reason().to_owned()))
        }
        None => {}
    }
}

/// As [`drive_direct`], but reading into a `ReadBuffer` of `capacity` bytes with
/// `Connection::read_message` (reads of the sizes the cuts give, cycled, at most the
/// buffer's free space). Also returns the largest capacity the message store reached:
/// 0 when every message was delivered in place.
pub fn drive_buffered(
    conn: &mut Connection,
    stream: &[u8],
    cuts: &[usize],
    capacity: usize,
) -> (Vec<Seen>, Vec<u8>, usize) {
    drive_read_buffer(conn, stream, cuts, capacity, false)
}

/// As [`drive_buffered`], with `Connection::read_messages` (one call per read).
pub fn drive_batched(
    conn: &mut Connection,
    stream: &[u8],
    cuts: &[usize],
    capacity: usize,
) -> (Vec<Seen>, Vec<u8>, usize) {
    drive_read_buffer(conn, stream, cuts, capacity, true)
}

fn drive_read_buffer(
    conn: &mut Connection,
    stream: &[u8],
    cuts: &[usize],
    capacity: usize,
    batch: bool,
) -> (Vec<Seen>, Vec<u8>, usize) {
    let sizes: Vec<usize> = bounds(stream.len(), cuts).windows(2).map(|w| w[1] - w[0]).collect();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let mut messages = MessageBuffer::new();
    let mut buffer = ReadBuffer::new(vec![0u8; capacity]);
    let mut store_capacity = 0;
    let (mut at, mut k) = (0, 0);
    'reads: while at < stream.len() {
        let size = sizes.get(k % sizes.len().max(1)).copied().unwrap_or(stream.len()).max(1);
        k += 1;
        let spare = buffer.spare();
        assert!(!spare.is_empty(), "no room to read into");
        let n = spare.len().min(size).min(stream.len() - at);
        spare[..n].copy_from_slice(&stream[at..at + n]);
        buffer.filled(n);
        at += n;
        if batch {
            let read =
                conn.read_messages(&mut buffer, &mut messages, |e| record(&mut seen, Some(e)));
            if let Err(e) = read {
                seen.push(Seen::Error(e.close_code().0));
                break 'reads;
            }
        }
        loop {
            match conn.read_message(&mut buffer, &mut messages) {
                Ok(None) => break,
                Ok(event) => record(&mut seen, event),
                Err(e) => {
                    seen.push(Seen::Error(e.close_code().0));
                    break 'reads;
                }
            }
            store_capacity = store_capacity.max(messages.capacity());
            while conn.poll_transmit(&mut out).unwrap() {}
        }
        store_capacity = store_capacity.max(messages.capacity());
        while conn.poll_transmit(&mut out).unwrap() {}
    }
    while conn.poll_transmit(&mut out).unwrap() {}
    (seen, out, store_capacity)
}
