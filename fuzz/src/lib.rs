//! Shared invariant checks for the fuzz targets.

pub mod compare;
pub mod inflate_ref;
pub mod reference;
pub mod script;
pub mod store_reuse;

use rfc6455::frame::{FrameHeader, HeaderRules, OpCode};
use rfc6455::message::MessageBuffer;
use rfc6455::{Config, Connection, Event, ReadBuffer, Role};

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

/// Feeds `stream` to a fresh connection of `role`, cut into pieces of the sizes in
/// `splits` (cycled; 0 means the rest; times `len / 8192` for a longer stream), and checks the invariants that hold for any
/// input. Returns what was seen and every byte `poll_transmit` wrote.
pub fn drive(role: Role, stream: &[u8], splits: &[u8]) -> (Vec<Seen>, Vec<u8>) {
    drive_with(Connection::new(role, config(), [5; 16]), role, stream, splits, Read::Chunks)
}

/// As [`drive`], reading whole messages with `Connection::handle_read_message`, or
/// also straight into the buffer (`read`).
pub fn drive_messages(
    role: Role,
    stream: &[u8],
    splits: &[u8],
    read: Read,
) -> (Vec<Seen>, Vec<u8>) {
    drive_with(Connection::new(role, config(), [5; 16]), role, stream, splits, read)
}

/// How a driver reads: chunks gathered by the caller, or whole messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// `handle_read` and `MessageBuffer::push`.
    Chunks,
    /// `handle_read_message`.
    Messages,
    /// `handle_read_message`, and pending payload read straight into the buffer with
    /// `payload_room` / `commit_payload`.
    Direct,
    /// `read_message` from a `ReadBuffer` of this many bytes, which keeps messages cut
    /// short by a read.
    Buffered(usize),
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

fn drive_with(
    mut conn: Connection,
    role: Role,
    stream: &[u8],
    splits: &[u8],
    read: Read,
) -> (Vec<Seen>, Vec<u8>) {
    let mut owned = stream.to_vec();
    let mut messages = MessageBuffer::with_retained_capacity(1024);
    let mut gathered = MessageBuffer::with_retained_capacity(1024);
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    // A long stream (a script's long frames) is cut in proportionally longer pieces.
    let unit = (owned.len() / 8192).max(1);
    let mut buffer = ReadBuffer::new(vec![0u8; if let Read::Buffered(n) = read { n } else { 0 }]);
    while at < owned.len() {
        let size = match splits.get(i % splits.len().max(1)) {
            Some(&s) if s > 0 => usize::from(s) * unit,
            _ => owned.len() - at,
        };
        i += 1;
        if let Read::Buffered(_) = read {
            let spare = buffer.spare();
            assert!(!spare.is_empty(), "no room to read into");
            let n = spare.len().min(size).min(owned.len() - at);
            spare[..n].copy_from_slice(&owned[at..at + n]);
            buffer.filled(n);
            at += n;
            loop {
                match conn.read_message(&mut buffer, &mut gathered) {
                    Ok(None) => break,
                    Ok(Some(Event::Data(m))) => whole_message(&m, &mut seen),
                    Ok(event) => record(event, &mut messages, &mut seen),
                    Err(e) => {
                        seen.push(Seen::Error(e.close_code().get()));
                        assert!(buffer.is_empty(), "an error empties the buffer");
                    }
                }
                assert!(gathered.capacity() <= 2 * config().max_message_len as usize);
                while conn.poll_transmit(&mut out).expect("Vec sink never fills") {}
            }
            continue;
        }
        if read == Read::Direct {
            match conn.payload_room(&mut gathered, size) {
                Err(e) => {
                    seen.push(Seen::Error(e.close_code().get()));
                    break;
                }
                Ok(Some(room)) => {
                    assert!(
                        !room.is_empty() && room.len() <= size,
                        "room within the frame and the ask"
                    );
                    let n = room.len().min(owned.len() - at);
                    room[..n].copy_from_slice(&owned[at..at + n]);
                    at += n;
                    match conn.commit_payload(n, &mut gathered) {
                        Ok(Some(Event::Data(m))) => whole_message(&m, &mut seen),
                        Ok(_) => {}
                        Err(e) => {
                            seen.push(Seen::Error(e.close_code().get()));
                            break;
                        }
                    }
                    assert!(gathered.capacity() <= 2 * config().max_message_len as usize);
                    continue;
                }
                Ok(None) => {}
            }
        }
        let end = (at + size).min(owned.len());
        let mut rest: &mut [u8] = &mut owned[at..end];
        at = end;
        while !rest.is_empty() {
            let len = rest.len();
            let result = match read {
                Read::Chunks => conn.handle_read(rest),
                Read::Messages | Read::Direct | Read::Buffered(_) => {
                    conn.handle_read_message(rest, &mut gathered)
                }
            };
            match result {
                Ok((event, r)) => {
                    assert!(event.is_some() || r.len() < len || r.is_empty(), "no progress");
                    rest = r;
                    match event {
                        Some(Event::Data(m)) if read != Read::Chunks => {
                            whole_message(&m, &mut seen)
                        }
                        event => record(event, &mut messages, &mut seen),
                    }
                }
                Err(e) => {
                    seen.push(Seen::Error(e.close_code().get()));
                    rest = &mut [];
                }
            }
            assert!(messages.capacity() <= 2 * config().max_message_len as usize);
            assert!(gathered.capacity() <= 2 * config().max_message_len as usize);
            assert!(conn.buffered_bytes() <= 2 * config().max_message_len as usize + (1 << 16));
            while conn.poll_transmit(&mut out).expect("Vec sink never fills") {}
        }
    }
    while conn.poll_transmit(&mut out).expect("Vec sink never fills") {}
    check_outcome(role, &seen, &out);
    (seen, out)
}

/// Records a message delivered whole (`handle_read_message` and the like), checking
/// that its text is valid and that the view trusting the connection's check agrees.
fn whole_message(m: &rfc6455::message::DataChunk<'_>, seen: &mut Vec<Seen>) {
    assert!(m.is_whole(), "a piece where a whole message was due");
    let text = m.kind() == rfc6455::message::MessageKind::Text;
    if text {
        assert!(std::str::from_utf8(m.payload()).is_ok(), "invalid text delivered");
        assert_eq!(m.as_whole_text().map(check_str).map(str::as_bytes), Some(m.payload()));
    }
    seen.push(Seen::Message(text, m.payload().to_vec()));
}

fn record(event: Option<Event<'_>>, messages: &mut MessageBuffer, seen: &mut Vec<Seen>) {
    match event {
        Some(Event::Data(chunk)) => {
            if chunk.is_whole() && chunk.kind() == rfc6455::message::MessageKind::Text {
                assert!(std::str::from_utf8(chunk.payload()).is_ok(), "invalid text delivered");
                assert_eq!(
                    chunk.as_whole_text().map(check_str).map(str::as_bytes),
                    Some(chunk.payload())
                );
            }
            let whole = messages.push(&chunk).expect("chunks of one connection are consistent");
            if let Some(m) = whole {
                if let rfc6455::message::Message::Text(s) = m {
                    check_str(s);
                }
                let text = m.kind() == rfc6455::message::MessageKind::Text;
                seen.push(Seen::Message(text, m.as_bytes().to_vec()));
            }
        }
        Some(Event::Ping(p)) => seen.push(Seen::Ping(p.to_vec())),
        Some(Event::Pong(p)) => seen.push(Seen::Pong(p.to_vec())),
        Some(Event::Close(c)) => {
            let reason = check_str(c.reason());
            seen.push(Seen::Close(c.code().map(u16::from), reason.as_bytes().to_vec()));
        }
        None => {}
    }
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

/// Runs `drive_deflate` whole and split, through every read path, and asserts all give
/// the same events, and the events the references give (see
/// [`compare::check_deflate`]).
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
    let gathered = drive_deflate(role, flags, stream, splits, Read::Messages);
    assert_same_inflated(&whole.0, &gathered.0);
    let direct = drive_deflate(role, flags, stream, splits, Read::Direct);
    assert_same_inflated(&whole.0, &direct.0);
    let capacity = 16 + 4 * usize::from(splits.first().copied().unwrap_or(60));
    let buffered = drive_deflate(role, flags, stream, splits, Read::Buffered(capacity));
    assert_same_inflated(&whole.0, &buffered.0);
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

/// Runs `drive` whole and split, through every read path, and asserts all give the
/// same events and bytes, and the events of the reference decoder.
pub fn split_invariance(role: Role, data: &[u8]) {
    let (splits, stream) = data.split_at(data.len().min(4));
    let whole = drive(role, stream, &[]);
    let split = drive(role, stream, splits);
    assert_eq!(whole.0, split.0);
    // Whole messages read in the same split, and with direct reads: the same events.
    let gathered = drive_messages(role, stream, splits, Read::Messages);
    assert_eq!(whole.0, gathered.0);
    let direct = drive_messages(role, stream, splits, Read::Direct);
    assert_eq!(whole.0, direct.0);
    // Through a read buffer (small ones keep every frame they can hold, from 128 bytes
    // they align their reads), sized by the first split byte.
    let capacity = 16 + 4 * usize::from(splits.first().copied().unwrap_or(60));
    let buffered = drive_messages(role, stream, splits, Read::Buffered(capacity));
    assert_eq!(whole.0, buffered.0);
    // And what an independent decoder written from the RFC reports.
    compare::check_plain(role, stream, &whole.0);
    if role == Role::Server {
        assert_eq!(whole.1, split.1, "a server's output is deterministic");
        assert_eq!(whole.1, gathered.1, "a server's output is deterministic");
        assert_eq!(whole.1, buffered.1, "a server's output is deterministic");
    }
}
