//! Message stores shared between connections and reused after failures, the read
//! entry points mixed within one message, and an `Assembler` driven directly after its
//! errors: whatever the order, every `&str` the crate hands out must be UTF-8.
//!
//! Nothing else is asserted: mixing entry points or sharing a store is misuse the
//! crate may answer with errors or garbled bytes, but never with an invalid `&str`
//! (that is undefined behaviour reachable from safe code).
//!
//! The input is a list of operations, each an opcode byte and its arguments (see
//! [`run`]). Three connection slots each have a queue of bytes to receive, which
//! operations fill with frames (see [`crate::script`]) and drain through any entry point
//! into any of four stores: two `MessageBuffer`s and two `SliceMessageBuffer`s over
//! fixed arrays.

use rfc6455::frame::{FrameHeader, OpCode};
use rfc6455::message::{
    Assembler, DataChunk, Message, MessageBuffer, MessageStore, SliceMessageBuffer,
};
use rfc6455::{Config, Connection, Event, ReadBuffer, Role};

use crate::check_str;
use crate::script::Writer;

/// The most operations one input runs.
const MAX_OPS: usize = 200;

/// Checks the `&str`s a whole message in a store gives.
fn check_message(message: Option<Message<'_>>) {
    if let Some(Message::Text(s)) = message {
        check_str(s);
    }
}

/// Checks the `&str`s of an event.
fn check_event(event: &Event<'_>) {
    match event {
        Event::Data(chunk) => check_chunk(chunk),
        Event::Close(frame) => {
            check_str(frame.reason());
        }
        Event::Ping(_) | Event::Pong(_) => {}
    }
}

fn check_chunk(chunk: &DataChunk<'_>) {
    if let Some(s) = chunk.as_whole_text() {
        check_str(s);
    }
}

/// Runs `$body` with `$s` bound to store `$i` (of four), whatever its type.
macro_rules! with_store {
    ($stores:expr, $i:expr, |$s:ident| $body:expr) => {
        match $i % 4 {
            0 => {
                let $s = &mut $stores.0;
                $body
            }
            1 => {
                let $s = &mut $stores.1;
                $body
            }
            2 => {
                let $s = &mut $stores.2;
                $body
            }
            _ => {
                let $s = &mut $stores.3;
                $body
            }
        }
    };
}

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

/// Runs the operations of `data` (after [`assembler_pieces`] and [`shared_store`]). Each starts with a byte `op`: its low three bits say
/// what it does, the five above (`arg`) how; some take more bytes.
/// - `0`: a frame record (see [`crate::script`]) for slot `arg % 3`;
/// - `1`: read through entry point `arg & 7`, with `arg >> 3` (see [`read`]); a byte
///   follows: bits 0-1 the slot (3 is 0), bits 2-3 the store, bits 4-7 how many bytes
///   (times 3; 0: all queued);
/// - `2`: a new connection in slot `arg % 3`, reusing every store, from a flags byte:
///   bit 0 server, bit 1 small limits, bit 2 permessage-deflate, bit 3 the peer
///   without context takeover, bit 4 the old connection's unread bytes go to it;
/// - `3`: assembler `arg & 1` takes a header: opcode text, continuation, binary, text
///   (`arg >> 1 & 3`), FIN clear with `arg & 8`, RSV1 with `arg & 16`; a length byte;
/// - `4`: assembler `arg & 1` takes payload, the frame's end with `arg & 2`; the chunk
///   is pushed into store `arg >> 2 & 3` unless `arg & 16`; a length byte and the bytes;
/// - `5`: store `arg % 6` shows its message (4 and 5: a `MessageBuffer` is released);
/// - `6`: a new assembler in slot `arg & 1`, refusing messages over `(arg >> 1) * 32`;
/// - `7`: raw bytes for slot `arg % 3`: a length byte, the bytes.
pub fn run(data: &[u8]) {
    assembler_pieces(data);
    let mut array = [0u8; 256];
    shared_store(&mut MessageBuffer::new(), data);
    shared_store(&mut SliceMessageBuffer::new(&mut array), data);
    let mut array0 = [0u8; 48];
    let mut array1 = [0u8; 700];
    let mut stores = (
        MessageBuffer::with_retained_capacity(16),
        MessageBuffer::new(),
        SliceMessageBuffer::new(&mut array0),
        SliceMessageBuffer::new(&mut array1),
    );
    let mut slots = [Slot::new(0), Slot::new(1), Slot::new(3)];
    let mut read_buffers = [ReadBuffer::new(vec![0u8; 24]), ReadBuffer::new(vec![0u8; 200])];
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
                read(slot, arg, usize::from(b >> 2 & 3), amount, &mut stores, &mut read_buffers);
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
                    if arg & 16 == 0 {
                        let store = usize::from(arg >> 2 & 3);
                        with_store!(stores, store, |s| check_message(
                            s.push(&chunk).ok().flatten()
                        ));
                    }
                }
            }
            5 => match arg % 6 {
                4 => stores.0.release(),
                5 => stores.1.release(),
                store => with_store!(stores, store, |s| check_message(s.message().ok().flatten())),
            },
            6 => assemblers[usize::from(arg & 1)] = Assembler::new(u64::from(arg >> 1) * 32),
            _ => {
                let len = usize::from(input.byte());
                let raw = input.bytes(len).to_vec();
                slots[usize::from(arg) % 3].writer.out.extend_from_slice(&raw);
            }
        }
    }
    // Whatever the stores hold at the end.
    check_message(stores.0.message().ok().flatten());
    check_message(stores.1.message().ok().flatten());
    check_message(stores.2.message().ok().flatten());
    check_message(stores.3.message().ok().flatten());
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
/// it (either may fail), then a new client reads the first fragment of its message
/// with `handle_read` and gathers the rest in it. A short way to a store whose
/// validator saw bytes of another message than it holds.
fn shared_store<B: MessageStore>(store: &mut B, data: &[u8]) {
    let pieces: Vec<&[u8]> = data.split(|&b| b == 0).collect();
    let frame = |i: usize, opcode: u8, fin: bool| {
        let mut writer = Writer::new(false, None);
        writer.frame(opcode, fin, false, false, pieces.get(i).copied().unwrap_or_default());
        writer.out
    };
    let gather = |conn: &mut Connection, store: &mut B, mut bytes: Vec<u8>| {
        let mut rest = &mut bytes[..];
        while !rest.is_empty() {
            match conn.handle_read_message(rest, store) {
                Ok((event, r)) => {
                    if let Some(event) = event {
                        check_event(&event);
                    }
                    rest = r;
                }
                Err(_) => break,
            }
        }
    };
    let mut a = Connection::client(crate::config(), [1; 16]);
    let mut b = Connection::client(crate::config(), [2; 16]);
    gather(&mut a, store, frame(0, 1, false));
    gather(&mut b, store, frame(1, 1, false));
    gather(&mut a, store, frame(2, 0, true));
    gather(&mut b, store, frame(3, 0, true));
    let mut c = Connection::client(crate::config(), [3; 16]);
    let mut first = frame(4, 1, false);
    if let Ok((Some(event), _)) = c.handle_read(&mut first) {
        check_event(&event);
    }
    gather(&mut c, store, frame(5, 0, true));
}

/// Reads queued bytes of `slot` (`amount` of them, all with 0) through one entry
/// point, `how & 7`, into `store`, continuing after errors (a failed connection
/// ignores its input); `how >> 3` is `extra`:
/// - 0: `handle_read`, each data chunk also pushed into the store;
/// - 1: `handle_read_message`;
/// - 2: `payload_room` for `amount` bytes (at least one), filled from the queue, then
///   `commit_payload` of what was read (plus `extra` bytes), into the same store;
/// - 3: the same, committed into the next store;
/// - 4: `read_message` with read buffer `extra & 1`, after reading into it;
/// - 5: `read_messages`, the same;
/// - 6: `handle_read`, chunks not kept;
/// - 7: `handle_read_message` on the bytes one at a time.
fn read(
    slot: &mut Slot,
    how: u8,
    store: usize,
    amount: usize,
    stores: &mut (MessageBuffer, MessageBuffer, SliceMessageBuffer<'_>, SliceMessageBuffer<'_>),
    read_buffers: &mut [ReadBuffer<Vec<u8>>; 2],
) {
    let extra = usize::from(how >> 3);
    match how & 7 {
        kind @ (0 | 6) => {
            let mut bytes = slot.take(amount);
            let mut rest = &mut bytes[..];
            while !rest.is_empty() {
                match slot.conn.handle_read(rest) {
                    Ok((event, r)) => {
                        rest = r;
                        if let Some(event) = event {
                            check_event(&event);
                            if let (Event::Data(chunk), 0) = (&event, kind) {
                                with_store!(stores, store, |s| check_message(
                                    s.push(chunk).ok().flatten()
                                ));
                            }
                        }
                    }
                    Err(_) => break,
                }
            }
        }
        kind @ (1 | 7) => {
            let mut bytes = slot.take(amount);
            let step = if kind == 7 { 1 } else { bytes.len().max(1) };
            for piece in bytes.chunks_mut(step) {
                let mut rest = piece;
                while !rest.is_empty() {
                    let result = with_store!(stores, store, |s| match slot
                        .conn
                        .handle_read_message(rest, s)
                    {
                        Ok((event, r)) => {
                            if let Some(event) = event {
                                check_event(&event);
                            }
                            Some(r)
                        }
                        Err(_) => None,
                    });
                    match result {
                        Some(r) => rest = r,
                        None => break,
                    }
                }
            }
            with_store!(stores, store, |s| check_message(s.message().ok().flatten()));
        }
        kind @ (2 | 3) => {
            let queued = slot.writer.out.len() - slot.read_at;
            let read =
                with_store!(stores, store, |s| match slot.conn.payload_room(s, amount.max(1)) {
                    Ok(Some(room)) => {
                        let n = room.len().min(queued);
                        room[..n].copy_from_slice(&slot.writer.out[slot.read_at..slot.read_at + n]);
                        Some(n)
                    }
                    Ok(None) | Err(_) => None,
                });
            if let Some(n) = read {
                slot.read_at += n;
                let commit_store = if kind == 3 { store + 1 } else { store };
                with_store!(stores, commit_store, |s| {
                    if let Ok(Some(event)) = slot.conn.commit_payload(n + extra, s) {
                        check_event(&event);
                    }
                    check_message(s.message().ok().flatten());
                });
            }
        }
        kind => {
            let buffer = &mut read_buffers[extra & 1];
            let spare = buffer.spare();
            let n = if amount == 0 { spare.len() } else { amount.min(spare.len()) };
            let bytes = if n == 0 { Vec::new() } else { slot.take(n) };
            spare[..bytes.len()].copy_from_slice(&bytes);
            buffer.filled(bytes.len());
            if kind == 4 {
                // Each event takes at least a header's two bytes of the buffer.
                let mut events = 0;
                while with_store!(stores, store, |s| match slot.conn.read_message(buffer, s) {
                    Ok(Some(event)) => {
                        check_event(&event);
                        true
                    }
                    Ok(None) | Err(_) => false,
                }) {
                    events += 1;
                    assert!(events <= 200, "read_message makes no progress");
                }
            } else {
                let _ = with_store!(stores, store, |s| slot
                    .conn
                    .read_messages(buffer, s, |e| check_event(&e)));
            }
            with_store!(stores, store, |s| check_message(s.message().ok().flatten()));
        }
    }
}
