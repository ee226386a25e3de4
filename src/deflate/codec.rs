//! The compression backend: raw DEFLATE streams with the RFC 7692 framing rules.
//!
//! Backend: zlib-rs, a memory-safe Rust port of zlib. It builds without `std` and, unlike
//! miniz_oxide, compresses with any window from 2^9 to 2^15 bytes, which
//! `server_max_window_bits`/`client_max_window_bits` require.

use alloc::vec::Vec;

use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush, Status};

use super::DeflateParams;

/// The empty stored block a sync flush ends with; stripped on send, appended on receipt
/// (RFC 7692 §7.2.1, §7.2.2).
pub(crate) const TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

/// Inflation failed: the peer sent a corrupt stream, or the message outgrew its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InflateFailure {
    Corrupt,
    TooBig,
}

/// Inflated output is handed out in pieces of at most this many bytes: the most a
/// connection holds of a message it inflates, however large the message.
pub(crate) const PIECE: usize = 64 * 1024;

/// The output buffer starts at this size and shrinks back to it when a message ends.
pub(crate) const RETAINED: usize = 4 * 1024;

/// The receiving half: inflates compressed messages in pieces of at most [`PIECE`]
/// bytes into a reused buffer.
///
/// A piece is filled by [`inflate`](Self::inflate) (and [`inflate_tail`](Self::inflate_tail)
/// at the end of a message) until the input is used up or the piece is full; when it is
/// full, zlib may hold more output for the input it took, which the next piece gets
/// (with or without more input). zlib's state is allocated by the first call.
pub(crate) struct Decompressor {
    /// zlib's state (about 40 KiB), allocated when the first compressed message arrives.
    inflate: Option<Inflate>,
    reset_after_message: bool,
    /// Output buffer; its length is its usable capacity (zeroed once when it grows),
    /// at most [`PIECE`].
    out: Vec<u8>,
    /// Bytes of `out` holding the current piece.
    filled: usize,
    /// Bytes inflated for the current message.
    message_len: u64,
    /// Bytes of the sync-flush tail inflated for the current message.
    tail_used: usize,
    /// The stream ended with a final block; later input of the message is ignored.
    ended: bool,
}

impl Decompressor {
    /// A decompressor for what the peer sends under `params`; allocates nothing.
    pub(crate) const fn new(params: &DeflateParams) -> Self {
        Self {
            inflate: None,
            reset_after_message: params.peer_no_context_takeover,
            out: Vec::new(),
            filled: 0,
            message_len: 0,
            tail_used: 0,
            ended: false,
        }
    }

    /// Starts a new, empty piece (the last one is no longer lent out). Between
    /// messages, an output buffer that grew past [`RETAINED`] shrinks back.
    pub(crate) fn start_piece(&mut self) {
        self.filled = 0;
        if self.message_len == 0 && self.tail_used == 0 && self.out.len() > RETAINED {
            self.out.truncate(RETAINED);
            self.out.shrink_to_fit();
        }
    }

    /// Inflates the start of `input`, a piece of a compressed message, into the current
    /// piece until `input` is used up or the piece is full; returns how many bytes of
    /// `input` zlib took. When the piece is full ([`is_full`](Self::is_full)) zlib may
    /// hold more output for them.
    pub(crate) fn inflate(&mut self, input: &[u8], limit: u64) -> Result<usize, InflateFailure> {
        self.run(input, limit)
    }

    /// Inflates the rest of the sync-flush tail that ends every message (RFC 7692
    /// §7.2.2), once all of the message's bytes were taken. The message is inflated
    /// when the piece is not full afterwards.
    pub(crate) fn inflate_tail(&mut self, limit: u64) -> Result<(), InflateFailure> {
        let rest = TAIL.get(self.tail_used..).unwrap_or_default();
        self.tail_used += self.run(rest, limit)?;
        Ok(())
    }

    /// Whether the current piece is full, so that zlib may hold more output.
    pub(crate) fn is_full(&self) -> bool {
        !self.ended && self.filled == PIECE
    }

    /// Ends the message: the next input starts a new one. Resets the window when the
    /// peer compresses each message from an empty one (or its stream ended). The output
    /// buffer shrinks back to [`RETAINED`] now when the current piece fits in that,
    /// otherwise with the next piece.
    pub(crate) fn end_message(&mut self) {
        if self.out.len() > RETAINED && self.filled <= RETAINED {
            self.out.truncate(RETAINED);
            self.out.shrink_to_fit();
        }
        self.message_len = 0;
        self.tail_used = 0;
        if self.reset_after_message || self.ended {
            if let Some(inflate) = &mut self.inflate {
                inflate.reset(false);
            }
        }
        self.ended = false;
    }

    fn run(&mut self, input: &[u8], limit: u64) -> Result<usize, InflateFailure> {
        // A 32 KiB window inflates every smaller window too; zlib-rs allocates one of
        // 32 KiB whatever the window bits, so a smaller one would save nothing.
        let inflate = self.inflate.get_or_insert_with(|| Inflate::new(false, 15));
        let mut taken = 0;
        while !self.ended {
            // The piece ends at `PIECE` bytes, or one byte past the limit.
            let room = limit.saturating_sub(self.message_len).saturating_add(1);
            let end =
                self.filled + usize::try_from(room).map_or(PIECE, |r| r.min(PIECE - self.filled));
            if self.filled == self.out.len() && self.filled < end {
                let grow = self.out.len().max(RETAINED).min(end - self.filled);
                self.out.resize(self.out.len() + grow, 0);
            }
            let end = end.min(self.out.len());
            let before_in = inflate.total_in();
            let before_out = inflate.total_out();
            let status = inflate
                .decompress(&input[taken..], &mut self.out[self.filled..end], InflateFlush::NoFlush)
                .map_err(|_| InflateFailure::Corrupt)?;
            let used = (inflate.total_in() - before_in) as usize;
            let produced = (inflate.total_out() - before_out) as usize;
            taken += used;
            self.filled += produced;
            self.message_len += produced as u64;
            if self.message_len > limit {
                return Err(InflateFailure::TooBig);
            }
            match status {
                Status::StreamEnd => self.ended = true,
                // All input taken and room left: zlib holds no more output for it.
                _ if taken == input.len() && self.filled < end => return Ok(taken),
                Status::BufError if produced == 0 && used == 0 && self.filled < end => {
                    return Err(InflateFailure::Corrupt)
                }
                // The piece is full.
                _ if self.filled == PIECE => return Ok(taken),
                _ => {}
            }
        }
        // After the final block, the rest of the message is ignored.
        Ok(input.len())
    }

    /// The bytes of the current piece.
    pub(crate) fn output(&self) -> &[u8] {
        &self.out[..self.filled]
    }

    /// The size of the output buffer.
    pub(crate) fn buffer_len(&self) -> usize {
        self.out.len()
    }
}

/// The compressor's output buffer shrinks back to this once a larger message was
/// written out.
const SEND_RETAINED: usize = 64 * 1024;

/// The sending half: compresses whole messages or fragments. zlib's state is allocated
/// by the first message compressed.
pub(crate) struct Compressor {
    /// zlib's state (about 370 KiB with a 32 KiB window), allocated on first use.
    deflate: Option<Deflate>,
    level: i32,
    window_bits: u8,
    reset_after_message: bool,
    out: Vec<u8>,
    filled: usize,
}

impl Compressor {
    /// A compressor at `level` within the window `params` allow; allocates nothing.
    pub(crate) fn new(params: &DeflateParams, level: u8) -> Self {
        Self {
            deflate: None,
            level: i32::from(level.min(9)),
            window_bits: params.local_max_window_bits,
            reset_after_message: params.local_no_context_takeover,
            out: Vec::new(),
            filled: 0,
        }
    }

    /// Compresses `input` with a sync flush; when `message_end`, strips the tail (a
    /// message end that zlib flushed nothing for is the byte 0x00) and resets the window
    /// if context takeover is off. Returns the compressed bytes.
    pub(crate) fn compress(&mut self, mut input: &[u8], message_end: bool) -> &[u8] {
        let (level, window_bits) = (self.level, self.window_bits);
        let deflate = self.deflate.get_or_insert_with(|| Deflate::new(level, false, window_bits));
        self.filled = 0;
        loop {
            if self.out.len() - self.filled < 64 {
                let grow = (input.len() / 2).max(self.out.len()).max(1024);
                self.out.resize(self.out.len() + grow, 0);
            }
            let before_in = deflate.total_in();
            let before_out = deflate.total_out();
            // A sync flush cannot fail on a valid stream with output room; should it ever,
            // the no-progress check below still ends the loop.
            let _ = deflate.compress(input, &mut self.out[self.filled..], DeflateFlush::SyncFlush);
            let used = (deflate.total_in() - before_in) as usize;
            let produced = (deflate.total_out() - before_out) as usize;
            input = &input[used..];
            self.filled += produced;
            // Done when all input is taken and the flush left spare output room.
            let room = self.filled < self.out.len();
            if (input.is_empty() && room) || (used == 0 && produced == 0 && room) {
                break;
            }
        }
        let mut len = self.filled;
        if message_end {
            if self.out[..len].ends_with(&TAIL) {
                len -= TAIL.len();
            } else if len == 0 {
                // zlib writes nothing for a sync flush with no new input right after
                // another ("duplicate flush", Z_BUF_ERROR): an empty message (or empty
                // last fragment) after a flushed one. An empty payload is not an empty
                // message: the receiver appends the tail (§7.2.2), and `00 00 FF FF`
                // alone reads as a stored block header and LEN 0xFF00, which swallows
                // the messages that follow. Send the single byte 0x00 instead
                // (§7.2.3.6): the header of an empty stored block (BFINAL 0, BTYPE 00),
                // whose LEN and NLEN are the appended tail. The stream is on a byte
                // boundary here, after the last flush's empty stored block (or new).
                self.out[0] = 0x00;
                len = 1;
            }
            if self.reset_after_message {
                deflate.reset();
            }
        }
        &self.out[..len]
    }

    /// Gives back the output buffer's memory beyond 64 KiB, once the compressed bytes
    /// were written out: a large message sent does not stay pinned.
    pub(crate) fn release_output(&mut self) {
        if self.out.len() > SEND_RETAINED {
            self.out.truncate(SEND_RETAINED);
            self.out.shrink_to_fit();
        }
    }

    /// The size of the output buffer.
    pub(crate) fn buffer_len(&self) -> usize {
        self.out.len()
    }
}
