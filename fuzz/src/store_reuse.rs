//! Message stores moved between readers and connections and reused after failures,
//! readers shared by connections, the read entry points mixed within one message, and
//! an `Assembler` driven directly after its errors: whatever the order, every `&str` the
//! crate hands out must be UTF-8.
//!
//! Nothing else is asserted: mixing entry points or sharing a reader or a store is
//! misuse the crate may answer with errors or garbled bytes, but never with an invalid
//! `&str` (that is undefined behaviour reachable from safe code).
//!
//! The input is a list of operations, each an opcode byte and its arguments (see
//! [`run`]). Three connection slots each have a queue of bytes to receive, which
//! operations fill with frames (see [`crate::script`]) and drain through
//! `Connection::handle_read` or any of four `MessageReader`s, whatever connection each
//! last read for: two over `MessageBuffer`s and two over `SliceMessageBuffer`s on fixed
//! arrays. A reader's store moves to a new reader (`into_parts`), with a new read buffer
//! or the old one with its stale bytes, or to the other reader of its type, at any point:
//! in the middle of a message, with bytes read and not taken yet, or with room lent.

use rfc6455::frame::{FrameHeader, OpCode};
use rfc6455::message::{Assembler, DataChunk, MessageBuffer, MessageStore, SliceMessageBuffer};
use rfc6455::{Config, Connection, Event, MessageReader, Received, Role};

use crate::check_str;
use crate::script::Writer;

/// The most operations one input runs.
const MAX_OPS: usize = 200;

/// The read buffers a reader rebuilt over its store gets (0: the old one back).
const READ_SIZES: [usize; 4] = [0, 1, 24, 200];

/// The most messages one drain of a reader may give: each takes at least a header's
/// two bytes of the read buffer (at most 16 KiB here), or the bytes read into the store.
const MAX_DRAIN: usize = 16 * 1024;

/// The most bytes read one at a time by one operation.
const MAX_BYTEWISE: usize = 4096;

/// Checks the `&str`s of a whole message.
fn check_received(received: Received<'_>) {
    match received {
        Received::Text(s) => {
            check_str(s);
        }
        Received::Close(frame) => {
            check_str(frame.reason());
        }
        Received::Binary(_) | Received::Ping(_) | Received::Pong(_) => {}
    }
}

/// Checks the `&str`s of an event.
fn check_event(event: &Event<'_>) {
    match event {
        Event::Data(chunk) => check_chunk(chunk),
        Event::Close(frame) => {
            check_str(frame.reason());
        }
        Event::Inflated { .. } | Event::Ping(_) | Event::Pong(_) => {}
    }
}

fn check_chunk(chunk: &DataChunk<'_>) {
    if let Some(s) = chunk.as_whole_text() {
        check_str(s);
    }
}

/// A store with nothing in it, to stand in while a reader is rebuilt.
trait Empty: MessageStore + Sized {
    fn empty() -> Self;
}

impl Empty for MessageBuffer {
    fn empty() -> Self {
        MessageBuffer::new()
    }
}

impl Empty for SliceMessageBuffer<'_> {
    fn empty() -> Self {
        SliceMessageBuffer::new(&mut [])
    }
}

type Reader<S> = MessageReader<Vec<u8>, S>;

/// Takes `reader` apart (`into_parts`) and returns its read buffer and store.
fn take_apart<S: Empty>(reader: &mut Reader<S>) -> (Vec<u8>, S) {
    std::mem::replace(reader, MessageReader::new(vec![0u8; 1], S::empty())).into_parts()
}

/// A new reader over the store of `reader`, with a new read buffer of `size` bytes, or
/// its old one (stale bytes and all) with 0.
fn rebuild<S: Empty>(reader: &mut Reader<S>, size: usize) {
    let (buffer, store) = take_apart(reader);
    let buffer = if size == 0 { buffer } else { vec![0u8; size] };
    *reader = MessageReader::new(buffer, store);
}

/// Swaps the stores of two readers (each keeps its read buffer).
fn swap_stores<S: Empty>(a: &mut Reader<S>, b: &mut Reader<S>) {
    let (buffer_a, store_a) = take_apart(a);
    let (buffer_b, store_b) = take_apart(b);
    *a = MessageReader::new(buffer_a, store_b);
    *b = MessageReader::new(buffer_b, store_a);
}

/// Takes messages from `reader` for `conn` until `next` returns `None`, asking
/// `has_next` first when `ask`.
fn drain<S: MessageStore>(reader: &mut Reader<S>, conn: &mut Connection, ask: bool) {
    for _ in 0..=MAX_DRAIN {
        let ahead = ask.then(|| reader.has_next(conn));
        match reader.next(conn) {
            Some(received) => {
                assert_ne!(ahead, Some(false), "a message has_next did not see");
                check_received(received);
            }
            None => {
                // (A message `has_next` found can still fail the connection.)
                assert!(ahead != Some(true) || conn.failure().is_some(), "has_next promised");
                return;
            }
        }
    }
    panic!("next makes no progress");
}

/// Runs `$body` with `$r` bound to reader `$i` (of four), whatever its store's type.
macro_rules! with_reader {
    ($readers:expr, $i:expr, |$r:ident| $body:expr) => {
        match $i % 4 {
            0 => {
                let $r = &mut $readers.0;
                $body
            }
            1 => {
                let $r = &mut $readers.1;
                $body
            }
            2 => {
                let $r = &mut $readers.2;
                $body
            }
            _ => {
                let $r = &mut $readers.3;
                $body
            }
        }
    };
}

type Readers<'a> = (
    Reader<MessageBuffer>,
    Reader<MessageBuffer>,
    Reader<SliceMessageBuffer<'a>>,
    Reader<SliceMessageBuffer<'a>>,
);

/// One connection slot: the connection and the bytes queued for it.
struct Slot {
    conn: Connection,
    /// Frames are written for this receiver (masked for a server), compressed with
    /// permessage-deflate when the connection has it.
    writer: Writer,
    /// Bytes written and not read yet.
    read_at: usize,
}

impl Slot {
    fn new(flags: u8) -> Self {
        let role = if flags & 1 != 0 { Role::Server } else { Role::Client };
        let config = if flags & 2 != 0 {
            // Small limits, so 1009 paths are reached with short inputs.
            Config::default().with_max_frame_len(200).with_max_message_len(300)
        } else {
            crate::config()
        };
        let mut conn = Connection::new(role, config, [flags; 16]);
        let deflate = flags & 4 != 0;
        if deflate {
            conn.enable_deflate(rfc6455::deflate::DeflateParams {
                peer_no_context_takeover: flags & 8 != 0,
                ..Default::default()
            });
        }
        let mut writer = Writer::new(role == Role::Server, deflate.then_some(flags & 8 != 0));
        // Long payloads up to 64 KiB: the stores' limits are far below.
        writer.long_unit = 1;
        Self { conn, writer, read_at: 0 }
    }

    /// Takes up to `n` queued bytes (all with 0).
    fn take(&mut self, n: usize) -> Vec<u8> {
        let queued = &self.writer.out[self.read_at..];
        let n = if n == 0 { queued.len() } else { n.min(queued.len()) };
        let bytes = queued[..n].to_vec();
        self.read_at += n;
        bytes
    }

    /// Drains what the connection wants to send (not looked at).
    fn transmit(&mut self) {
        let mut out = Vec::new();
        while matches!(self.conn.poll_transmit(&mut out), Ok(true)) {}
    }
}

/// Input bytes, taken from the front; zeros once they run out.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn bytes(&mut self, n: usize) -> &[u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }
}

/// Runs the operations of `data` (after [`assembler_pieces`] and [`shared_store`]).
/// Each starts with a byte `op`: its low three bits say what it does, the five above
/// (`arg`) how; some take more bytes.
/// - `0`: a frame record (see [`crate::script`]) for slot `arg % 3`;
/// - `1`: read through entry point `arg & 7`, with `arg >> 3` (see [`read`]); a byte
///   follows: bits 0-1 the slot (3 is 0), bits 2-3 the reader, bits 4-7 how many bytes
///   (times 3; 0: all queued);
/// - `2`: a new connection in slot `arg % 3`, the readers (and their stores) kept, from
///   a flags byte: bit 0 server, bit 1 small limits, bit 2 permessage-deflate, bit 3 the
///   peer without context takeover, bit 4 the old connection's unread bytes go to it;
/// - `3`: assembler `arg & 1` takes a header: opcode text, continuation, binary, text
///   (`arg >> 1 & 3`), FIN clear with `arg & 8`, RSV1 with `arg & 16`; a length byte;
/// - `4`: assembler `arg & 1` takes payload, the frame's end with `arg & 2`; a length
///   byte and the bytes;
/// - `5`: readers and stores, `arg & 7`: 0-3 reader `arg & 3` taken apart and rebuilt
///   over its store with the read buffer [`READ_SIZES`]`[arg >> 3]` (0: its old one); 4
///   readers 0 and 1 swap stores, 5 readers 2 and 3; 6 and 7 the `MessageBuffer` of
///   reader 0 or 1 is released;
/// - `6`: a new assembler in slot `arg & 1`, refusing messages over `(arg >> 1) * 32`;
/// - `7`: raw bytes for slot `arg % 3`: a length byte, the bytes.
pub fn run(data: &[u8]) {
    assembler_pieces(data);
    let mut array = [0u8; 256];
    shared_store(MessageBuffer::new(), data);
    shared_store(SliceMessageBuffer::new(&mut array), data);
    let mut array0 = [0u8; 48];
    let mut array1 = [0u8; 700];
    let mut readers: Readers<'_> = (
        MessageReader::new(vec![0u8; 24], MessageBuffer::with_retained_capacity(16)),
        MessageReader::new(vec![0u8; 16 * 1024], MessageBuffer::new()),
        MessageReader::new(vec![0u8; 200], SliceMessageBuffer::new(&mut array0)),
        MessageReader::new(vec![0u8; 24], SliceMessageBuffer::new(&mut array1)),
    );
    let mut slots = [Slot::new(0), Slot::new(1), Slot::new(3)];
    let mut assemblers = [Assembler::new(64), Assembler::new(1 << 16)];
    let mut input = Input(data);
    for _ in 0..MAX_OPS {
        if input.0.is_empty() {
            break;
        }
        let op = input.byte();
        let arg = op >> 3;
        match op % 8 {
            0 => {
                let slot = &mut slots[usize::from(arg) % 3];
                let flags = input.byte();
                input.0 = slot.writer.record(flags, input.0);
            }
            1 => {
                let b = input.byte();
                let slot = &mut slots[usize::from(b & 3) % 3];
                let amount = usize::from(b >> 4) * 3;
                with_reader!(readers, usize::from(b >> 2 & 3), |r| read(slot, arg, r, amount));
                slot.transmit();
            }
            2 => {
                let flags = input.byte();
                let slot = &mut slots[usize::from(arg) % 3];
                let mut new = Slot::new(flags);
                if flags & 16 != 0 {
                    new.writer.out = slot.take(0);
                }
                *slot = new;
            }
            3 => {
                let len = input.byte();
                let opcode = [OpCode::Text, OpCode::Continuation, OpCode::Binary, OpCode::Text];
                let header = FrameHeader {
                    fin: arg & 8 == 0,
                    rsv: if arg & 16 != 0 { 0b100 } else { 0 },
                    ..FrameHeader::new(opcode[usize::from(arg >> 1 & 3)], u64::from(len))
                };
                let _ = assemblers[usize::from(arg & 1)].on_header(&header);
            }
            4 => {
                let len = usize::from(input.byte());
                let payload = input.bytes(len).to_vec();
                let assembler = &mut assemblers[usize::from(arg & 1)];
                if let Ok(Some(chunk)) = assembler.on_payload(&payload, arg & 2 != 0) {
                    check_chunk(&chunk);
                }
            }
            5 => match arg & 7 {
                which @ 0..=3 => {
                    let size = READ_SIZES[usize::from(arg >> 3)];
                    with_reader!(readers, usize::from(which), |r| rebuild(r, size));
                }
                4 => swap_stores(&mut readers.0, &mut readers.1),
                5 => swap_stores(&mut readers.2, &mut readers.3),
                6 => readers.0.store_mut().release(),
                _ => readers.1.store_mut().release(),
            },
            6 => assemblers[usize::from(arg & 1)] = Assembler::new(u64::from(arg >> 1) * 32),
            _ => {
                let len = usize::from(input.byte());
                let raw = input.bytes(len).to_vec();
                slots[usize::from(arg) % 3].writer.out.extend_from_slice(&raw);
            }
        }
    }
    // Whatever the readers still hold, for the first slot's connection.
    let conn = &mut slots[0].conn;
    drain(&mut readers.0, conn, false);
    drain(&mut readers.1, conn, true);
    drain(&mut readers.2, conn, false);
    drain(&mut readers.3, conn, true);
}

/// The whole input also as one final text frame given to a fresh `Assembler` in
/// pieces, cut before each zero byte, whatever it says about the earlier ones: a
/// short way to the states after an error.
fn assembler_pieces(data: &[u8]) {
    let mut assembler = Assembler::new(1 << 16);
    if assembler.on_header(&FrameHeader::new(OpCode::Text, data.len() as u64)).is_err() {
        return;
    }
    let mut pieces = data.split(|&b| b == 0).peekable();
    while let Some(piece) = pieces.next() {
        if let Ok(Some(chunk)) = assembler.on_payload(piece, pieces.peek().is_none()) {
            check_chunk(&chunk);
        }
    }
}

/// The input cut before each zero byte, as payloads of text frames in a fixed story
/// around one store: clients `a` and `b` take turns gathering fragmented messages in
/// it (either may fail), each turn through a new reader over it (read buffers of 64 and
/// 4 bytes, reads of 1-7 bytes, so pending payload is also read straight into the
/// store), then a new client reads the first fragment of its message with
/// `handle_read` and gathers the rest in it. A short way to a store whose validator saw
/// bytes of another message than it holds.
fn shared_store<S: MessageStore>(store: S, data: &[u8]) {
    let pieces: Vec<&[u8]> = data.split(|&b| b == 0).collect();
    let frame = |i: usize, opcode: u8, fin: bool| {
        let mut writer = Writer::new(false, None);
        writer.frame(opcode, fin, false, false, pieces.get(i).copied().unwrap_or_default());
        writer.out
    };
    let step = 1 + data.len() % 7;
    let gather = |conn: &mut Connection, store: S, bytes: Vec<u8>, capacity: usize| -> S {
        let mut reader = MessageReader::new(vec![0u8; capacity], store);
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let Ok(spare) = reader.spare(conn) else { break };
            let n = spare.len().min(rest.len()).min(step);
            spare[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            reader.filled(n);
            drain(&mut reader, conn, false);
        }
        reader.into_parts().1
    };
    let mut a = Connection::client(crate::config(), [1; 16]);
    let mut b = Connection::client(crate::config(), [2; 16]);
    let store = gather(&mut a, store, frame(0, 1, false), 64);
    let store = gather(&mut b, store, frame(1, 1, false), 4);
    let store = gather(&mut a, store, frame(2, 0, true), 4);
    let store = gather(&mut b, store, frame(3, 0, true), 64);
    let mut c = Connection::client(crate::config(), [3; 16]);
    let mut first = frame(4, 1, false);
    if let Ok((Some(event), _)) = c.handle_read(&mut first) {
        check_event(&event);
    }
    gather(&mut c, store, frame(5, 0, true), 4);
}

/// Reads queued bytes of `slot` (`amount` of them; all with 0) through entry point
/// `how & 7`, continuing after errors where the entry point lets it (a failed
/// connection ignores its input); `how >> 3` is `extra`:
/// - 0: `handle_read`, every event checked (pieces of compressed messages read with
///   `Connection::inflated`);
/// - 1: `reader`: reads into what `spare()` lends (the read buffer, or room in the
///   store), messages taken with `next` after each;
/// - 2: the same with `feed` (always into the read buffer);
/// - 3: the same as 1, one byte per read (at most [`MAX_BYTEWISE`] bytes);
/// - 4: one read into what `spare()` lends, and no `next`: the bytes wait for a later
///   operation (perhaps for another connection, or after the store moved);
/// - 5: no read: `next` until `None`, asking `has_next` first when `extra & 1`;
/// - 6: `spare()` and nothing else: room the store lent stays lent;
/// - 7: reads into what `spare()` lends until `has_next` (the loop of
///   `MessageReader::has_next`'s example), then one `next`.
///
/// Every drain asks `has_next` before `next` when `extra & 2`.
fn read<S: MessageStore>(slot: &mut Slot, how: u8, reader: &mut Reader<S>, amount: usize) {
    let extra = how >> 3;
    let ask = extra & 2 != 0;
    let queued = slot.writer.out.len() - slot.read_at;
    let amount = if amount == 0 { queued } else { amount.min(queued) };
    match how & 7 {
        0 => {
            let mut bytes = slot.take(amount);
            let mut rest = &mut bytes[..];
            while !rest.is_empty() {
                match slot.conn.handle_read(rest) {
                    Ok((event, r)) => {
                        rest = r;
                        if let Some(event) = event {
                            check_event(&event);
                        }
                    }
                    Err(_) => break,
                }
            }
        }
        kind @ (1..=3 | 7) => {
            let amount = if kind == 3 { amount.min(MAX_BYTEWISE) } else { amount };
            let mut left = amount;
            // Bytes read before this operation may still wait.
            drain(reader, &mut slot.conn, ask);
            while left > 0 {
                if kind == 7 && reader.has_next(&mut slot.conn) {
                    break;
                }
                let n = if kind == 2 {
                    let bytes = &slot.writer.out[slot.read_at..slot.read_at + left];
                    let n = reader.feed(bytes);
                    assert!(n > 0, "feed took nothing after next returned None");
                    n
                } else {
                    let Ok(spare) = reader.spare(&mut slot.conn) else { break };
                    assert!(!spare.is_empty(), "spare lent nothing after next returned None");
                    let n = spare.len().min(left).min(if kind == 3 { 1 } else { usize::MAX });
                    spare[..n].copy_from_slice(&slot.writer.out[slot.read_at..slot.read_at + n]);
                    reader.filled(n);
                    n
                };
                slot.read_at += n;
                left -= n;
                if kind != 7 {
                    drain(reader, &mut slot.conn, ask);
                }
            }
            if kind == 7 {
                if let Some(received) = reader.next(&mut slot.conn) {
                    check_received(received);
                }
            }
        }
        4 => {
            if let Ok(spare) = reader.spare(&mut slot.conn) {
                let n = spare.len().min(amount);
                spare[..n].copy_from_slice(&slot.writer.out[slot.read_at..slot.read_at + n]);
                reader.filled(n);
                slot.read_at += n;
            }
        }
        5 => drain(reader, &mut slot.conn, extra & 1 != 0),
        _ => {
            let _ = reader.spare(&mut slot.conn);
        }
    }
}
