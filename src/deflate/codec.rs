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

/// The receiving half: inflates compressed messages into a reused buffer.
pub(crate) struct Decompressor {
    inflate: Inflate,
    reset_after_message: bool,
    /// Output buffer; its length is its usable capacity (zeroed once when it grows).
    out: Vec<u8>,
    /// Bytes of `out` holding the current piece.
    filled: usize,
    /// Bytes inflated for the current message.
    message_len: u64,
    /// The stream ended with a final block; later input of the message is ignored.
    ended: bool,
}

impl Decompressor {
    pub(crate) fn new(params: &DeflateParams) -> Self {
        Self {
            // A 32 KiB window inflates every smaller window too.
            inflate: Inflate::new(false, 15),
            reset_after_message: params.peer_no_context_takeover,
            out: Vec::new(),
            filled: 0,
            message_len: 0,
            ended: false,
        }
    }

    /// Inflates one piece of a compressed message, appending the sync-flush tail when
    /// `message_end`. The result stays in [`output`](Self::output) until the next call.
    pub(crate) fn inflate(
        &mut self,
        mut input: &[u8],
        message_end: bool,
        limit: u64,
    ) -> Result<(), InflateFailure> {
        self.filled = 0;
        self.run(&mut input, limit)?;
        if message_end {
            let mut tail: &[u8] = &TAIL;
            self.run(&mut tail, limit)?;
            self.message_len = 0;
            if self.reset_after_message || self.ended {
                self.inflate.reset(false);
            }
            self.ended = false;
            if self.out.len() > RETAINED && self.filled < RETAINED {
                self.out.truncate(RETAINED);
                self.out.shrink_to_fit();
            }
        }
        Ok(())
    }

    fn run(&mut self, input: &mut &[u8], limit: u64) -> Result<(), InflateFailure> {
        while !self.ended {
            if self.filled == self.out.len() {
                let room = limit.saturating_sub(self.message_len).saturating_add(1);
                let grow =
                    self.out.len().max(4096).min(usize::try_from(room).unwrap_or(usize::MAX));
                self.out.resize(self.out.len() + grow.max(1), 0);
            }
            let before_in = self.inflate.total_in();
            let before_out = self.inflate.total_out();
            let status = self
                .inflate
                .decompress(input, &mut self.out[self.filled..], InflateFlush::NoFlush)
                .map_err(|_| InflateFailure::Corrupt)?;
            let used = (self.inflate.total_in() - before_in) as usize;
            let produced = (self.inflate.total_out() - before_out) as usize;
            *input = &input[used..];
            self.filled += produced;
            self.message_len += produced as u64;
            if self.message_len > limit {
                return Err(InflateFailure::TooBig);
            }
            match status {
                Status::StreamEnd => self.ended = true,
                _ if input.is_empty() && self.filled < self.out.len() => return Ok(()),
                Status::BufError if produced == 0 && used == 0 && self.filled < self.out.len() => {
                    return Err(InflateFailure::Corrupt)
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The bytes inflated by the last call.
    pub(crate) fn output(&self) -> &[u8] {
        &self.out[..self.filled]
    }

    /// The size of the output buffer.
    pub(crate) fn buffer_len(&self) -> usize {
        self.out.len()
    }
}

/// Output buffers shrink back to this after a large message.
const RETAINED: usize = 64 * 1024;

/// The sending half: compresses whole messages or fragments.
pub(crate) struct Compressor {
    deflate: Deflate,
    reset_after_message: bool,
    out: Vec<u8>,
    filled: usize,
}

impl Compressor {
    pub(crate) fn new(params: &DeflateParams, level: u8) -> Self {
        Self {
            deflate: Deflate::new(i32::from(level.min(9)), false, params.local_max_window_bits),
            reset_after_message: params.local_no_context_takeover,
            out: Vec::new(),
            filled: 0,
        }
    }

    /// Compresses `input` with a sync flush; when `message_end`, strips the tail and
    /// resets the window if context takeover is off. Returns the compressed bytes.
    pub(crate) fn compress(&mut self, mut input: &[u8], message_end: bool) -> &[u8] {
        self.filled = 0;
        if self.out.len() > RETAINED && input.len() < RETAINED / 2 {
            self.out.truncate(RETAINED);
            self.out.shrink_to_fit();
        }
        loop {
            if self.out.len() - self.filled < 64 {
                let grow = (input.len() / 2).max(self.out.len()).max(1024);
                self.out.resize(self.out.len() + grow, 0);
            }
            let before_in = self.deflate.total_in();
            let before_out = self.deflate.total_out();
            // A sync flush cannot fail on a valid stream with output room; should it ever,
            // the no-progress check below still ends the loop.
            let _ =
                self.deflate.compress(input, &mut self.out[self.filled..], DeflateFlush::SyncFlush);
            let used = (self.deflate.total_in() - before_in) as usize;
            let produced = (self.deflate.total_out() - before_out) as usize;
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
            }
            if self.reset_after_message {
                self.deflate.reset();
            }
        }
        &self.out[..len]
    }

    /// The size of the output buffer.
    pub(crate) fn buffer_len(&self) -> usize {
        self.out.len()
    }
}
