//! What permessage-deflate costs in memory, counted by a global allocator: zlib's state
//! (allocated on first use), an idle connection after a 15 MiB message, and the peak
//! of an inflate bomb refused with 1009, through `handle_read` (chunks) and
//! a `MessageReader` (whole messages gathered in a `MessageBuffer`).
//!
//! One `#[test]` runs every case in sequence, so no other test of this binary
//! allocates while one measures. Run with `--nocapture` to see the numbers.
#![cfg(all(feature = "deflate", feature = "std"))]
// A counting global allocator has to implement `GlobalAlloc`, an unsafe trait.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};
use std::alloc::System;

use rfc6455::deflate::DeflateParams;
use rfc6455::message::MessageBuffer;
use rfc6455::{Config, Connection, Event, MessageReader, Role};

/// Counts the bytes currently allocated and the most allocated at once.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::SeqCst) + by;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

// SAFETY: every call is forwarded to `System` with the same arguments; the counters
// only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller's contract for `alloc`.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller's contract for `alloc_zeroed`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as the caller's contract for `dealloc`.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as the caller's contract for `realloc`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as the new size replacing the old (the system's realloc of a large
            // block remaps it rather than copying).
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        p
    }
}

#[global_allocator]
static A: Counting = Counting;

fn current() -> usize {
    CURRENT.load(Ordering::SeqCst)
}

/// Starts a new peak measurement from the current count; returns that count.
fn reset_peak() -> usize {
    let now = current();
    PEAK.store(now, Ordering::SeqCst);
    now
}

fn peak() -> usize {
    PEAK.load(Ordering::SeqCst)
}

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;
/// The most an idle connection may hold in buffers, and what the bomb's peak may
/// exceed the limit by: one inflated piece.
const PIECE: usize = 64 * KIB;
/// Reads of this size feed the connections.
const READ: usize = 16 * KIB;

fn config(max_message_len: u64) -> Config {
    let mut config =
        Config::default().with_max_message_len(max_message_len).with_max_frame_len(max_message_len);
    config = config
        .with_deflate(rfc6455::deflate::DeflateConfig { min_message_len: 0, ..*config.deflate() });
    config
}

/// A client (it receives unmasked frames) with permessage-deflate on.
fn client(max_message_len: u64, params: DeflateParams) -> Connection {
    let mut conn = Connection::new(Role::Client, config(max_message_len), [1; 16]);
    conn.enable_deflate(params);
    conn
}

/// The frames a server with permessage-deflate sends for `message` (binary).
fn compressed(message: &[u8]) -> Vec<u8> {
    let mut server = Connection::new(Role::Server, config(1 << 30), [0; 16]);
    server.enable_deflate(DeflateParams::default());
    let mut wire = Vec::new();
    server.send_binary(message, &mut wire).unwrap();
    wire
}

/// Feeds `wire` to `conn` with `handle_read` in reads of `READ` bytes; returns the
/// message lengths (the chunks themselves are not kept: what the connection holds is
/// measured) or the close code of the error.
fn read_chunks(conn: &mut Connection, wire: &[u8]) -> Result<Vec<usize>, u16> {
    let mut owned = wire.to_vec();
    let mut lengths = Vec::new();
    let mut len = 0;
    for piece in owned.chunks_mut(READ) {
        let mut rest = piece;
        while !rest.is_empty() {
            let (event, r) = conn.handle_read(rest).map_err(|e| e.close_code().get())?;
            rest = r;
            let (piece, last) = match event {
                Some(Event::Data(chunk)) => (chunk.payload().len(), chunk.is_last()),
                Some(Event::Inflated { is_last, .. }) => (conn.inflated().len(), is_last),
                _ => continue,
            };
            assert!(piece <= PIECE, "a chunk of {piece}");
            len += piece;
            if last {
                lengths.push(core::mem::take(&mut len));
            }
        }
    }
    Ok(lengths)
}

/// As [`read_chunks`], through `reader` (whole messages, gathered in its store).
fn read_messages(
    conn: &mut Connection,
    wire: &[u8],
    reader: &mut MessageReader<Vec<u8>, MessageBuffer>,
) -> Result<Vec<usize>, u16> {
    let owned = wire.to_vec();
    let mut lengths = Vec::new();
    let mut rest = &owned[..];
    while !rest.is_empty() {
        let spare = reader.spare(conn).map_err(|e| e.close_code().get())?;
        let n = spare.len().min(rest.len());
        spare[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        reader.filled(n);
        while let Some(message) = reader.next(conn) {
            let data = message.data().expect("a message");
            assert!(data.iter().all(|&b| b == 0));
            lengths.push(data.len());
        }
    }
    match conn.failure() {
        Some(e) => Err(e.close_code().get()),
        None => Ok(lengths),
    }
}

/// Bytes allocated by `f`, still held when it returns.
fn held_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = current();
    let value = f();
    (value, current().saturating_sub(before))
}

#[test]
fn permessage_deflate_memory() {
    zlib_state_is_allocated_on_first_use();
    window_sizes();
    idle_after_a_15_mib_message();
    idle_after_sending_15_mib();
    bomb_peak();
}

/// The sending side: compressing 15 MiB leaves at most one piece of buffers behind.
fn idle_after_sending_15_mib() {
    let message = vec![0; 15 * MIB];
    let mut server = Connection::new(Role::Server, config(16 << 20), [0; 16]);
    server.enable_deflate(DeflateParams::default());
    server.send_binary(&[0; 100], &mut Vec::new()).unwrap();
    let baseline = reset_peak();
    let mut wire = Vec::new();
    server.send_binary(&message, &mut wire).unwrap();
    let sent = wire.len();
    let peak = peak() - baseline;
    drop(wire);
    let held = current() as isize - baseline as isize;
    let buffers = server.buffered_bytes();
    println!(
        "send: 15 MiB compressed to {sent} B; peak +{peak} B during the send (the caller's \
         sink included); idle after: buffered_bytes {buffers} B, heap {held:+} B"
    );
    assert!(buffers <= PIECE, "buffered_bytes {buffers}");
    assert!(held <= PIECE as isize, "{held}");
}

/// `enable_deflate` allocates (close to) nothing; the inflate state comes with the
/// first compressed message received, the deflate state with the first one sent.
fn zlib_state_is_allocated_on_first_use() {
    let hello = compressed(b"Hello, Hello, Hello, Hello, Hello");
    let (mut conn, at_enable) = held_by(|| client(1 << 20, DeflateParams::default()));
    let ((), inflate_state) = held_by(|| {
        assert_eq!(read_chunks(&mut conn, &hello), Ok(vec![33]));
    });
    let inflate_buffer = conn.buffered_bytes();
    let ((), deflate_state) = held_by(|| {
        conn.send_binary(&[7; 100], &mut Vec::with_capacity(256)).unwrap();
    });
    let deflate_buffer = conn.buffered_bytes() - inflate_buffer;
    println!(
        "new client + enable_deflate: {at_enable} B; first compressed message received: \
         +{inflate_state} B (of which {inflate_buffer} B output buffer); first compressed \
         send: +{deflate_state} B (of which {deflate_buffer} B output buffer)"
    );
    // Whole messages sent uncompressed never allocate the deflate state.
    let mut config = config(1 << 20);
    config = config.with_deflate(rfc6455::deflate::DeflateConfig {
        min_message_len: usize::MAX,
        ..*config.deflate()
    });
    let mut receive_only = Connection::new(Role::Client, config, [1; 16]);
    receive_only.enable_deflate(DeflateParams::default());
    let mut sink = Vec::with_capacity(256);
    let ((), uncompressed_send) = held_by(|| {
        receive_only.send_binary(&[7; 100], &mut sink).unwrap();
    });
    println!(
        "a 100-byte message sent uncompressed (min_message_len usize::MAX): +{uncompressed_send} B"
    );
    assert_eq!(uncompressed_send, 0);
    assert!(at_enable <= 1024, "enable_deflate allocated {at_enable} B");
    assert!(
        inflate_state > 30 * KIB,
        "the inflate state ({inflate_state} B) came with the message"
    );
    assert!(deflate_state > 100 * KIB, "the deflate state ({deflate_state} B) came with the send");
}

/// The zlib state per window size: inflate (`peer_max_window_bits`) and deflate
/// (`local_max_window_bits`).
fn window_sizes() {
    for bits in 9..=15u8 {
        let params = DeflateParams {
            peer_max_window_bits: bits,
            local_max_window_bits: bits,
            ..DeflateParams::default()
        };
        let mut conn = client(1 << 20, params);
        let hello = compressed(&[0; 1]);
        let before = current();
        assert_eq!(read_chunks(&mut conn, &hello), Ok(vec![1]));
        let inflate = current() - before - conn.buffered_bytes();
        let mut sink = Vec::with_capacity(256);
        let sink_len = sink.capacity();
        let (before, buffers) = (current(), conn.buffered_bytes());
        conn.send_binary(&[7; 100], &mut sink).unwrap();
        assert_eq!(sink.capacity(), sink_len);
        let deflate = current() - before - (conn.buffered_bytes() - buffers);
        println!(
            "window 2^{bits}: inflate state {inflate} B (peer_max_window_bits), deflate state \
             {deflate} B (local_max_window_bits)"
        );
    }
}

/// 15 MiB of zeros from about 15 KB of frame: afterwards the idle connection holds at
/// most one piece of buffers (besides zlib's state, which was there before it).
fn idle_after_a_15_mib_message() {
    let wire = compressed(&vec![0; 15 * MIB]);
    println!("15 MiB of zeros compressed by the crate: {} B of frames", wire.len());
    assert!(wire.len() < 64 * KIB);
    let small = compressed(&[0; 100]);

    // Chunks: the caller keeps nothing here, so everything counted is the connection's.
    let mut conn = client(16 << 20, DeflateParams::default());
    assert_eq!(read_chunks(&mut conn, &small), Ok(vec![100]));
    let baseline = current();
    let baseline_buffers = conn.buffered_bytes();
    assert_eq!(read_chunks(&mut conn, &wire), Ok(vec![15 * MIB]));
    let held = current() as isize - baseline as isize;
    let buffers = conn.buffered_bytes();
    println!(
        "handle_read: idle after the 15 MiB message: buffered_bytes {buffers} B (was \
         {baseline_buffers} B after a 100-byte message), heap {held:+} B against then"
    );
    assert!(buffers <= PIECE, "buffered_bytes {buffers}");
    assert!(held <= PIECE as isize, "the connection holds {held} B more");

    // Whole messages: the store holds the message until the next read or `release`.
    let mut conn = client(16 << 20, DeflateParams::default());
    let mut reader = MessageReader::new(vec![0u8; READ], MessageBuffer::new());
    assert_eq!(read_messages(&mut conn, &small, &mut reader), Ok(vec![100]));
    reader.store_mut().release();
    let baseline = current();
    assert_eq!(read_messages(&mut conn, &wire, &mut reader), Ok(vec![15 * MIB]));
    let buffers = conn.buffered_bytes();
    let with_store = current() as isize - baseline as isize;
    reader.store_mut().release();
    let released = current() as isize - baseline as isize;
    println!(
        "MessageReader: idle after the 15 MiB message: buffered_bytes {buffers} B, \
         heap {with_store:+} B with the message in the store ({} B), {released:+} B after \
         release()",
        15 * MIB
    );
    assert!(buffers <= PIECE, "buffered_bytes {buffers}");
    assert!(with_store <= (16 * MIB + PIECE) as isize, "{with_store}");
    assert!(released <= PIECE as isize, "after release: {released}");
}

/// 16 MiB of zeros against a 1 MiB limit: refused with 1009, and the heap never grows
/// by more than the limit and one piece (with the store) or one piece (chunks).
fn bomb_peak() {
    const LIMIT: usize = MIB;
    let bomb = compressed(&vec![0; 16 * MIB]);
    println!("bomb: {} B of frame inflating to 16 MiB, limit {LIMIT} B", bomb.len());
    let small = compressed(&[0; 100]);

    let mut conn = client(LIMIT as u64, DeflateParams::default());
    assert_eq!(read_chunks(&mut conn, &small), Ok(vec![100]));
    let bomb_copy = bomb.clone();
    let baseline = reset_peak();
    assert_eq!(read_chunks(&mut conn, &bomb_copy), Err(1009));
    // The input copy `read_chunks` makes is the caller's, not the connection's.
    let grew = peak() - baseline - bomb.len();
    println!("handle_read: bomb refused with 1009; peak +{grew} B over the baseline");
    assert!(grew <= PIECE + 4 * KIB, "peak +{grew}");

    let mut conn = client(LIMIT as u64, DeflateParams::default());
    let mut reader = MessageReader::new(vec![0u8; READ], MessageBuffer::new());
    assert_eq!(read_messages(&mut conn, &small, &mut reader), Ok(vec![100]));
    reader.store_mut().release();
    let baseline = reset_peak();
    assert_eq!(read_messages(&mut conn, &bomb_copy, &mut reader), Err(1009));
    let grew = peak() - baseline - bomb.len();
    println!(
        "MessageReader: bomb refused with 1009; peak +{grew} B over the baseline \
         (limit {LIMIT} B + {} B), store capacity {} B",
        grew as isize - LIMIT as isize,
        reader.store_mut().capacity()
    );
    assert!(grew <= LIMIT + PIECE, "peak +{grew}");
    reader.store_mut().release();
}
