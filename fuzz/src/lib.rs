//! Shared invariant checks for the fuzz targets.

pub mod compare;
pub mod inflate_ref;
pub mod reference;
pub mod script;
pub mod store_reuse;

use rfc6455::frame::{FrameHeader, HeaderRules, OpCode};
use rfc6455::message::{CloseFrame, MessageBuffer, MessageKind};
use rfc6455::{Config, Connection, Event, MessageReader, Received, Role};

/// The limits every fuzzed connection runs with; small, so limit paths are reached.
pub fn config() -> Config {
    Config::default().with_max_frame_len(1 << 16).with_max_message_len(1 << 17)
}

/// Checks a `&str` the crate handed out: its bytes are UTF-8 (`from_utf8`), and walking
/// its chars (what safe code trusting it does, and where an invalid one reads out of
/// bounds) finds at most one per byte. Returns it.
pub fn check_str(s: &str) -> &str {
    assert!(
        std::str::from_utf8(s.as_bytes()).is_ok(),
        "a &str over invalid UTF-8: {:x?}",
        s.as_bytes()
    );
    let chars = std::hint::black_box(s).chars().count();
    assert!(chars <= s.len());
    s
}

/// What a connection reported, in an owned, comparable form.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    Message(bool, Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// The peer's Close: its code and reason.
    Close(Option<u16>, Vec<u8>),
    Error(u16),
}

/// Feeds `stream` to a fresh connection of `role` with `handle_read`, cut into pieces of
/// the sizes in `splits` (cycled; 0 means the rest; times `len / 8192` for a longer
/// stream), and checks the invariants that hold for any input. Returns what was seen
/// and every byte `poll_transmit` wrote.
pub fn drive(role: Role, stream: &[u8], splits: &[u8]) -> (Vec<Seen>, Vec<u8>) {
    drive_with(Connection::new(role, config(), [5; 16]), role, stream, splits, Read::Chunks)
}

/// As [`drive`], reading as `read` says (whole messages through a `MessageReader`).
pub fn drive_messages(
    role: Role,
    stream: &[u8],
    splits: &[u8],
    read: Read,
) -> (Vec<Seen>, Vec<u8>) {
    drive_with(Connection::new(role, config(), [5; 16]), role, stream, splits, read)
}

/// How a driver reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// `Connection::handle_read` on each piece, its pieces of messages (`Event::Data`,
    /// and `Event::Inflated` read with `Connection::inflated`) joined by the harness.
    Chunks,
    /// A `MessageReader` over a read buffer of this many bytes and a `MessageBuffer`:
    /// each read is a piece of the split, at most the space `spare()` lends (the read
    /// buffer, or room in the store while a large frame's payload is pending); every
    /// third one goes in with `feed` instead (always into the read buffer), and every
    /// other drain asks `has_next` before `next`.
    Reader(usize),
}

/// The read-buffer capacities the whole-message drives use on `stream`, with split sizes
/// `splits`:
/// - the stream's length: every read is a whole piece of the split, so a message that a
///   piece holds whole is delivered in place, and every message in one frame that a
///   piece cuts short is kept in the buffer until it is whole;
/// - 16 KiB, `MessageReader::default()`'s: the same up to 16 KiB less 64 bytes, and the
///   pending payload of larger frames read straight into the store;
/// - a small one, `(1 + 4 * the first split byte)` times the split unit: small buffers
///   keep every frame they can hold, from 128 bytes they align their reads, larger
///   frames are gathered or read into the store in pieces of at most the capacity.
pub fn reader_capacities(stream: &[u8], splits: &[u8]) -> [usize; 3] {
    let unit = (stream.len() / 8192).max(1);
    let small = (1 + 4 * usize::from(splits.first().copied().unwrap_or(60))) * unit;
    [stream.len().max(1), 16 * 1024, small]
}

/// As [`drive`], on a connection with permessage-deflate on (any window, both takeovers
/// as `flags` says: bit 0 ours, bit 1 the peer's; bits 4-6 our window): inflated
/// messages must stay within the limit too.
pub fn drive_deflate(
    role: Role,
    flags: u8,
    stream: &[u8],
    splits: &[u8],
    read: Read,
) -> (Vec<Seen>, Vec<u8>) {
    let mut conn = Connection::new(role, config(), [5; 16]);
    conn.enable_deflate(rfc6455::deflate::DeflateParams {
        local_no_context_takeover: flags & 1 != 0,
        peer_no_context_takeover: flags & 2 != 0,
        local_max_window_bits: 9 + (flags >> 4) % 7,
        peer_max_window_bits: 15,
    });
    drive_with(conn, role, stream, splits, read)
}

/// The most bytes any buffer of a connection and its store may hold with [`config`].
fn memory_bound() -> usize {
    2 * config().max_message_len() as usize
}

fn drive_with(
    conn: Connection,
    role: Role,
    stream: &[u8],
    splits: &[u8],
    read: Read,
) -> (Vec<Seen>, Vec<u8>) {
    let (seen, out) = match read {
        Read::Chunks => drive_chunks(conn, stream, splits),
        Read::Reader(capacity) => drive_reader(conn, stream, splits, capacity),
    };
    check_outcome(role, &seen, &out);
    (seen, out)
}

/// The size of read `i` of a stream of `len` bytes with `at` of them read: from the
/// split (cycled), scaled by `len / 8192`; 0 (or no split) means the rest.
fn read_size(splits: &[u8], i: usize, len: usize, at: usize) -> usize {
    let unit = (len / 8192).max(1);
    match splits.get(i % splits.len().max(1)) {
        Some(&s) if s > 0 => usize::from(s) * unit,
        _ => len - at,
    }
}

/// [`drive_with`] through `handle_read`.
fn drive_chunks(mut conn: Connection, stream: &[u8], splits: &[u8]) -> (Vec<Seen>, Vec<u8>) {
    let mut owned = stream.to_vec();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let mut message = Joined::default();
    let mut at = 0;
    let mut i = 0;
    while at < owned.len() {
        let size = read_size(splits, i, owned.len(), at);
        i += 1;
        let end = (at + size).min(owned.len());
        let mut rest: &mut [u8] = &mut owned[at..end];
        at = end;
        while !rest.is_empty() {
            let len = rest.len();
            match conn.handle_read(rest) {
                Ok((event, r)) => {
                    assert!(event.is_some() || r.len() < len || r.is_empty(), "no progress");
                    rest = r;
                    match event {
                        Some(Event::Data(chunk)) => {
                            if chunk.is_whole() && chunk.kind() == MessageKind::Text {
                                assert_eq!(
                                    chunk.as_whole_text().map(check_str).map(str::as_bytes),
                                    Some(chunk.payload()),
                                    "a whole text chunk is its text"
                                );
                            }
                            let (kind, first, last) =
                                (chunk.kind(), chunk.is_first(), chunk.is_last());
                            message.piece(kind, chunk.payload(), first, last, &mut seen);
                        }
                        Some(Event::Inflated { kind, is_first, is_last }) => {
                            message.piece(kind, conn.inflated(), is_first, is_last, &mut seen);
                        }
                        Some(Event::Ping(p)) => seen.push(Seen::Ping(p.to_vec())),
                        Some(Event::Pong(p)) => seen.push(Seen::Pong(p.to_vec())),
                        Some(Event::Close(c)) => seen.push(close(&c)),
                        None => {}
                    }
                }
                Err(e) => {
                    assert_eq!(conn.failure(), Some(e), "the error is the connection's failure");
                    seen.push(Seen::Error(e.close_code().get()));
                    rest = &mut [];
                }
            }
            assert!(conn.buffered_bytes() <= memory_bound() + (1 << 16));
            while conn.poll_transmit(&mut out).expect("Vec sink never fills") {}
        }
    }
    while conn.poll_transmit(&mut out).expect("Vec sink never fills") {}
    (seen, out)
}

/// [`drive_with`] through a `MessageReader` over a read buffer of `capacity` bytes.
fn drive_reader(
    mut conn: Connection,
    stream: &[u8],
    splits: &[u8],
    capacity: usize,
) -> (Vec<Seen>, Vec<u8>) {
    let mut reader =
        MessageReader::new(vec![0u8; capacity], MessageBuffer::with_retained_capacity(1024));
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    loop {
        // A failure's error comes out of the `spare` after it, also after the last read.
        let spare = match reader.spare(&mut conn) {
            Ok(spare) => spare,
            Err(e) => {
                assert_eq!(conn.failure(), Some(e), "the error is the connection's failure");
                assert_eq!(reader.buffered(), 0, "a failure empties the read buffer");
                seen.push(Seen::Error(e.close_code().get()));
                break;
            }
        };
        // The read buffer's free space, or room in the store: at most 1 MiB of a frame
        // and the 64 bytes after it.
        let most = capacity.max((1 << 20) + 64);
        assert!(!spare.is_empty() && spare.len() <= most, "spare: {} bytes", spare.len());
        if at == stream.len() {
            break;
        }
        let size = read_size(splits, i, stream.len(), at).min(stream.len() - at);
        let n = if i % 3 == 2 {
            let n = reader.feed(&stream[at..at + size]);
            assert!(n > 0, "feed took nothing");
            n
        } else {
            let n = spare.len().min(size);
            spare[..n].copy_from_slice(&stream[at..at + n]);
            reader.filled(n);
            n
        };
        at += n;
        i += 1;
        // Each message takes at least a header's two bytes of what was read.
        for drained in 0.. {
            assert!(drained <= capacity + 1, "next makes no progress");
            let ahead = (i % 2 == 0).then(|| reader.has_next(&mut conn));
            let Some(received) = reader.next(&mut conn) else {
                // (A message `has_next` found can still fail the connection: a whole
                // text frame in the read buffer is checked as it is delivered.)
                assert!(
                    ahead != Some(true) || conn.failure().is_some(),
                    "has_next promised a message"
                );
                break;
            };
            assert_ne!(ahead, Some(false), "a message has_next did not see");
            seen.push(record(received));
            // After each message, as `handle_read` drives do after each event: a pong
            // still queued when a Close arrives is not sent.
            while conn.poll_transmit(&mut out).expect("Vec sink never fills") {}
        }
        assert!(reader.buffered() <= capacity);
        assert!(reader.store_mut().capacity() <= memory_bound());
        assert!(conn.buffered_bytes() <= memory_bound() + (1 << 16));
        while conn.poll_transmit(&mut out).expect("Vec sink never fills") {}
    }
    if conn.failure().is_some() {
        assert!(!reader.has_next(&mut conn) && reader.next(&mut conn).is_none());
    }
    while conn.poll_transmit(&mut out).expect("Vec sink never fills") {}
    (seen, out)
}

/// A message joined from the pieces `handle_read` reports.
#[derive(Default)]
struct Joined {
    /// Its kind and bytes so far, from its first piece on.
    message: Option<(MessageKind, Vec<u8>)>,
    /// How many of its bytes are known to be a valid UTF-8 prefix (text).
    valid: usize,
}

impl Joined {
    /// Adds a piece; a text message must be a valid UTF-8 prefix after every piece (a
    /// piece may end inside a code point), valid UTF-8 at its end, and no message may
    /// be over the limit.
    fn piece(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        first: bool,
        last: bool,
        seen: &mut Vec<Seen>,
    ) {
        if first {
            assert!(self.message.is_none(), "a first piece inside a message");
            self.message = Some((kind, Vec::new()));
            self.valid = 0;
        }
        let (message_kind, bytes) = self.message.as_mut().expect("a first piece came first");
        assert_eq!(*message_kind, kind, "pieces of one message have one kind");
        bytes.extend_from_slice(data);
        assert!(bytes.len() as u64 <= config().max_message_len(), "a message over the limit");
        if kind == MessageKind::Text {
            match std::str::from_utf8(&bytes[self.valid..]) {
                Ok(_) => self.valid = bytes.len(),
                Err(e) => {
                    assert!(e.error_len().is_none(), "text pieces that are not UTF-8: {bytes:x?}");
                    self.valid += e.valid_up_to();
                }
            }
        }
        if last {
            let (kind, bytes) = self.message.take().expect("the message");
            let text = kind == MessageKind::Text;
            if text {
                assert_eq!(self.valid, bytes.len(), "a text message ends inside a code point");
            }
            seen.push(Seen::Message(text, bytes));
        }
    }
}

/// What a `MessageReader` returned, every `&str` checked.
fn record(received: Received<'_>) -> Seen {
    match received {
        Received::Text(text) => Seen::Message(true, check_str(text).as_bytes().to_vec()),
        Received::Binary(bytes) => {
            assert!(bytes.len() as u64 <= config().max_message_len(), "a message over the limit");
            Seen::Message(false, bytes.to_vec())
        }
        Received::Ping(p) => Seen::Ping(p.to_vec()),
        Received::Pong(p) => Seen::Pong(p.to_vec()),
        Received::Close(c) => close(&c),
    }
}

/// The peer's Close, its reason checked.
fn close(c: &CloseFrame) -> Seen {
    let reason = check_str(c.reason());
    Seen::Close(c.code().map(u16::from), reason.as_bytes().to_vec())
}

/// Nothing follows a Close or an error; an error queues exactly one Close with its code,
/// and every frame written is valid for the sender's role.
fn check_outcome(role: Role, seen: &[Seen], out: &[u8]) {
    if let Some(end) = seen.iter().position(|s| matches!(s, Seen::Close(..) | Seen::Error(_))) {
        assert_eq!(end, seen.len() - 1, "events after close or error: {seen:?}");
    }
    let rules = HeaderRules::for_receiver(role.peer());
    let mut frames = Vec::new();
    let mut at = 0;
    while at < out.len() {
        let (h, n): (FrameHeader, usize) =
            FrameHeader::decode(&out[at..], &rules).expect("we write valid frames").expect("whole");
        let start = at + n;
        let end = start + h.payload_len as usize;
        let mut payload = out[start..end].to_vec();
        if let Some(m) = h.mask {
            m.apply(&mut payload, 0);
        }
        frames.push((h.opcode, payload));
        at = end;
    }
    let closes: Vec<_> = frames.iter().filter(|(op, _)| *op == OpCode::Close).collect();
    assert!(closes.len() <= 1, "more than one close written");
    if let Some((_, payload)) = closes.first() {
        assert_eq!(frames.last().map(|f| f.0), Some(OpCode::Close), "frames after close");
        if let Some(Seen::Error(code)) = seen.last() {
            assert_eq!(
                payload.get(..2),
                Some(&code.to_be_bytes()[..]),
                "close code must match error"
            );
        }
    } else {
        assert!(
            !matches!(seen.last(), Some(Seen::Error(_)) | Some(Seen::Close(..))),
            "no close written"
        );
    }
}

/// Asserts that two reads of one stream with permessage-deflate gave the same events.
///
/// (Before compressed messages were inflated in pieces of at most 64 KiB, a text message
/// both invalid UTF-8 early and too big inflated failed with 1009 when read at once and
/// 1007 when read in small pieces: `corpus/deflate_stream/close_code_depends_on_reads`.)
fn assert_same_inflated(a: &[Seen], b: &[Seen]) {
    assert!(a == b, "different events for different reads:\n{a:?}\n{b:?}");
}

/// Runs `drive_deflate` whole and split, with `handle_read` and through
/// `MessageReader`s of every capacity of [`reader_capacities`], and asserts all give the
/// same events, and the events the references give (see [`compare::check_deflate`]).
///
/// The first byte holds the flags of [`drive_deflate`], and bit 2 the role (set: a
/// server); with bit 3 the rest (after four split sizes) is a [`script`] whose
/// compressed messages the harness compresses, otherwise the bytes received.
pub fn deflate_split_invariance(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let role = if flags & 4 != 0 { Role::Server } else { Role::Client };
    let (splits, input) = rest.split_at(rest.len().min(4));
    let peer_no_takeover = flags & 2 != 0;
    let scripted;
    let stream = if flags & 8 != 0 {
        let mut writer = script::Writer::new(role == Role::Server, Some(peer_no_takeover));
        writer.script(input);
        scripted = writer.out;
        &scripted[..]
    } else {
        input
    };
    let whole = drive_deflate(role, flags, stream, &[], Read::Chunks);
    let split = drive_deflate(role, flags, stream, splits, Read::Chunks);
    assert_same_inflated(&whole.0, &split.0);
    for capacity in reader_capacities(stream, splits) {
        let read = drive_deflate(role, flags, stream, splits, Read::Reader(capacity));
        assert_same_inflated(&whole.0, &read.0);
    }
    compare::check_deflate(role, peer_no_takeover, stream, &whole.0);
}

/// [`split_invariance`] on frames written by a [`script`]: the first byte's bit 0 is the
/// role (set: a server), four split sizes follow, then the script.
pub fn scripted_split_invariance(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let role = if flags & 1 != 0 { Role::Server } else { Role::Client };
    let (splits, script) = rest.split_at(rest.len().min(4));
    let mut writer = script::Writer::new(role == Role::Server, None);
    writer.script(script);
    let mut input = splits.to_vec();
    input.extend_from_slice(&writer.out);
    split_invariance(role, &input);
}

/// Runs `drive` whole and split, and through `MessageReader`s of every capacity of
/// [`reader_capacities`], and asserts all give the same events and bytes, and the
/// events of the reference decoder.
pub fn split_invariance(role: Role, data: &[u8]) {
    let (splits, stream) = data.split_at(data.len().min(4));
    let whole = drive(role, stream, &[]);
    let split = drive(role, stream, splits);
    assert_eq!(whole.0, split.0);
    if role == Role::Server {
        assert_eq!(whole.1, split.1, "a server's output is deterministic");
    }
    // Whole messages read in the same split: in place, kept, gathered, or read
    // straight into the store, as the read buffer's capacity decides.
    for capacity in reader_capacities(stream, splits) {
        let read = drive_messages(role, stream, splits, Read::Reader(capacity));
        assert_eq!(whole.0, read.0, "a MessageReader over {capacity} bytes");
        if role == Role::Server {
            assert_eq!(whole.1, read.1, "a server's output is deterministic");
        }
    }
    // And what an independent decoder written from the RFC reports.
    compare::check_plain(role, stream, &whole.0);
}
