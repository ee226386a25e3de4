//! 64-bit payload lengths on a 32-bit `usize`: headers that declare 2^32, 2^32 + 5 (5
//! once truncated to 32 bits) and 2^63 - 1 bytes are refused with close code 1009
//! (message too big) by the frame decoder, by a `Connection` and by a `MessageReader`,
//! and never read as a shorter length. Run on the target, where `usize` is 32 bits.

use rfc6455::frame::{Decoded, FrameDecoder, FrameError, FrameHeader, HeaderRules, Whole};
use rfc6455::message::SliceMessageBuffer;
use rfc6455::{CloseCode, Config, Connection, ConnectionError, MessageReader, Role, SliceSink};

use crate::{check, Checked};

/// Lengths no 32-bit `usize` holds, each with what a truncating cast would make of it.
const TOO_LONG: [u64; 4] = [1 << 32, (1 << 32) + 5, (1 << 32) + 0x7d, (1 << 63) - 1];

/// The largest length a 32-bit target can hold.
const USIZE_MAX: u64 = u32::MAX as u64;

/// Accepts any length the target can address: only `usize` limits a frame.
const UNLIMITED: Config = Config::new().with_max_frame_len(u64::MAX).with_max_message_len(u64::MAX);

const MASK: [u8; 4] = [0x12, 0x34, 0x56, 0x78];

/// A binary frame header with the 64-bit length form; masked (as a client sends) when
/// `masked`, in a buffer with room for a few payload bytes after it. Returns the
/// buffer and the header's length.
fn header(len: u64, masked: bool) -> ([u8; 24], usize) {
    let mut out = [0u8; 24];
    out[0] = 0x82;
    out[1] = 127 | if masked { 0x80 } else { 0 };
    out[2..10].copy_from_slice(&len.to_be_bytes());
    if masked {
        out[10..14].copy_from_slice(&MASK);
        (out, 14)
    } else {
        (out, 10)
    }
}

/// The Close frame carrying code 1009 as `role` sends it (a client masks it).
fn is_close_1009(frame: &[u8], role: Role) -> bool {
    match (role, frame) {
        (Role::Server, [0x88, 2, 0x03, 0xf1]) => true,
        (Role::Client, [0x88, 0x82, k0, k1, _, _, c0, c1]) => [c0 ^ k0, c1 ^ k1] == [0x03, 0xf1],
        _ => false,
    }
}

/// Every check in this module.
pub fn run() -> Checked {
    check(usize::BITS == 32, "a 32-bit target")?;
    for len in TOO_LONG {
        header_codec(len)?;
        frame_decoder(len)?;
        connection(len, Role::Server)?;
        connection(len, Role::Client)?;
        message_reader(len, UNLIMITED)?;
        message_reader(len, Config::default())?;
    }
    largest_addressable()?;
    top_bit_set()?;
    fragments_past_usize()
}

/// The header codec keeps the declared length whole: it is a `u64` on every target.
fn header_codec(len: u64) -> Checked {
    let (bytes, n) = header(len, true);
    let rules = HeaderRules::for_receiver(Role::Server);
    let decoded = FrameHeader::decode(&bytes[..n], &rules);
    check(
        matches!(decoded, Ok(Some((h, 14))) if h.payload_len == len),
        "header codec: length kept whole",
    )
}

/// The frame decoder refuses the length on the header, with the limit `usize::MAX`,
/// both step by step and on the whole-frame fast path.
fn frame_decoder(len: u64) -> Checked {
    let (mut bytes, n) = header(len, true);
    let expected = FrameError::FrameTooLarge { len, limit: USIZE_MAX };
    let rules = HeaderRules::for_receiver(Role::Server);
    let mut decoder = FrameDecoder::new(rules, u64::MAX);
    let stepped = decoder.decode(&mut bytes[..n]).map(|_| ());
    check(stepped == Err(expected), "frame decoder: FrameTooLarge, limit usize::MAX")?;
    check(expected.close_code() == CloseCode::MESSAGE_TOO_BIG, "frame decoder: 1009")?;

    // The header cut in two reads: the first half is kept, the second refused.
    let (mut bytes, n) = header(len, true);
    let mut decoder = FrameDecoder::new(rules, u64::MAX);
    let (first, second) = bytes[..n].split_at_mut(6);
    check(
        matches!(decoder.decode(first), Ok((Decoded::NeedMore, rest)) if rest.is_empty()),
        "frame decoder: a partial header needs more",
    )?;
    check(decoder.decode(second).map(|_| ()) == Err(expected), "frame decoder: cut header")?;

    let (mut bytes, n) = header(len, true);
    let mut decoder = FrameDecoder::new(rules, u64::MAX);
    let whole = decoder.decode_whole(&mut bytes[..n]).map(|_| ());
    check(whole == Err(expected), "frame decoder: decode_whole refuses too")
}

/// A connection with no limit of its own fails with 1009 and queues a Close with
/// 1009, as a server (masked input) and as a client (unmasked input, masked Close).
fn connection(len: u64, role: Role) -> Checked {
    let mut conn = Connection::new(role, UNLIMITED, [9; 16]);
    let (mut bytes, n) = header(len, role == Role::Server);
    // Payload bytes after the header: a truncated length would take them as a frame.
    bytes[n..].fill(0x41);
    let result = conn.handle_read(&mut bytes).map(|_| ());
    let expected = ConnectionError::Frame(FrameError::FrameTooLarge { len, limit: USIZE_MAX });
    check(result == Err(expected), "connection: FrameTooLarge with the declared length")?;
    check(expected.close_code() == CloseCode::MESSAGE_TOO_BIG, "connection: 1009")?;
    check(conn.failure() == Some(expected), "connection: failure kept")?;
    let mut out_bytes = [0u8; 16];
    let mut out = SliceSink::new(&mut out_bytes);
    while conn.poll_transmit(&mut out).map_err(|_| "connection: close does not fit")? {}
    check(is_close_1009(out.filled(), role), "connection: the Close carries 1009")?;
    check(!conn.can_send(), "connection: no data after the failure")?;
    // Later input is ignored, not parsed as frames.
    let mut more = *b"\x81\x85\x00\x00\x00\x00hello";
    check(conn.handle_read(&mut more).is_ok_and(|(e, _)| e.is_none()), "ignored after")
}

/// A `MessageReader` (the whole-message path): `next` gives nothing, the next `spare`
/// returns the error, and the Close carries 1009, whatever the configured limits.
fn message_reader(len: u64, config: Config) -> Checked {
    let mut conn = Connection::server(config);
    let mut store = [0u8; 64];
    let mut reader = MessageReader::new([0u8; 64], SliceMessageBuffer::new(&mut store));
    let (bytes, n) = header(len, true);
    let spare = reader.spare(&mut conn).map_err(|_| "reader: spare before")?;
    spare[..n].copy_from_slice(&bytes[..n]);
    spare[n..n + 8].fill(0x41);
    reader.filled(n + 8);
    check(reader.next(&mut conn).is_none(), "reader: no message")?;
    let error = reader.spare(&mut conn).err().ok_or("reader: the error comes out of spare")?;
    check(error.close_code() == CloseCode::MESSAGE_TOO_BIG, "reader: 1009")?;
    let mut out_bytes = [0u8; 16];
    let mut out = SliceSink::new(&mut out_bytes);
    while conn.poll_transmit(&mut out).map_err(|_| "reader: close does not fit")? {}
    check(is_close_1009(out.filled(), Role::Server), "reader: the Close carries 1009")
}

/// 2^32 - 1 bytes still fit a 32-bit `usize`: the header is accepted, and the payload
/// is counted down in a `u64` (3 bytes given, the frame not ended).
fn largest_addressable() -> Checked {
    let (mut bytes, n) = header(USIZE_MAX, true);
    let mut decoder = FrameDecoder::new(HeaderRules::for_receiver(Role::Server), u64::MAX);
    let (step, rest) = decoder.decode(&mut bytes[..n + 3]).map_err(|_| "2^32-1: refused")?;
    check(matches!(step, Decoded::Header(h) if h.payload_len == USIZE_MAX), "2^32-1: the header")?;
    let (step, rest) = decoder.decode(rest).map_err(|_| "2^32-1: payload refused")?;
    check(
        matches!(step, Decoded::Payload { data, frame_end: false } if data.len() == 3),
        "2^32-1: three payload bytes, the frame goes on",
    )?;
    check(rest.is_empty() && !decoder.is_between_frames(), "2^32-1: within the frame")?;
    let mut small = [0u8; 14];
    small[..n].copy_from_slice(&bytes[..n]);
    check(
        matches!(decoder.decode_whole(&mut small[..n]), Ok(Whole::Partial(_))),
        "2^32-1: decode_whole defers to the frame in progress",
    )
}

/// A length with the top bit set is a protocol error (1002), not a large frame.
fn top_bit_set() -> Checked {
    let (mut bytes, n) = header(1 << 63, true);
    let mut conn = Connection::server(UNLIMITED);
    let result = conn.handle_read(&mut bytes[..n]).map(|_| ());
    let expected = ConnectionError::Frame(FrameError::LengthMsbSet);
    check(result == Err(expected), "2^63: LengthMsbSet")?;
    check(expected.close_code() == CloseCode::PROTOCOL_ERROR, "2^63: 1002")
}

/// A fragmented message whose fragments add up past 2^32 bytes, on the whole-message
/// path with a 64-byte store: refused with 1009 when the continuation's header
/// arrives, not wrapped around.
fn fragments_past_usize() -> Checked {
    let mut conn = Connection::server(UNLIMITED);
    let mut store = [0u8; 64];
    let mut reader = MessageReader::new([0u8; 64], SliceMessageBuffer::new(&mut store));
    // "hello" as a first fragment (FIN clear), masked with a zero key.
    let first = *b"\x02\x85\x00\x00\x00\x00hello";
    let (second, n) = header(USIZE_MAX - 2, true);
    let mut continuation = second;
    continuation[0] = 0x00; // continuation, FIN clear
    let spare = reader.spare(&mut conn).map_err(|_| "fragments: spare")?;
    spare[..first.len()].copy_from_slice(&first);
    spare[first.len()..first.len() + n].copy_from_slice(&continuation[..n]);
    reader.filled(first.len() + n);
    check(reader.next(&mut conn).is_none(), "fragments: no message")?;
    let error = reader.spare(&mut conn).err().ok_or("fragments: refused")?;
    check(error.close_code() == CloseCode::MESSAGE_TOO_BIG, "fragments: 1009")
}
