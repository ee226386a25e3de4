//! A reference inflater for permessage-deflate (RFC 7692 §7.2.2) on miniz_oxide, which
//! shares no code with the crate's zlib-rs backend.
//!
//! Each compressed message is inflated as its payload followed by `00 00 FF FF`. With
//! context takeover the messages are one raw DEFLATE stream, so the state and the
//! window carry over; without it (the peer's `no_context_takeover`), every message
//! starts a new stream. A message whose data ends the stream (a block with BFINAL set)
//! ignores the rest of its payload, and the next message starts a new stream (the
//! crate's choice: RFC 7692 §7.2.3.4 sends such a message from a fresh stream).
//!
//! The output since the stream started is kept whole in one buffer and inflated with
//! `TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF`, so a distance that reaches before the
//! start of the stream fails as it does in zlib ("invalid distance too far back"):
//! miniz_oxide's streaming `InflateState` reads such a distance from its zeroed
//! circular window instead.

use miniz_oxide::inflate::core::inflate_flags::{
    TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
};
use miniz_oxide::inflate::core::{decompress, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

/// The empty stored block a sync flush ends with (RFC 7692 §7.2.2).
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

/// Why a message did not inflate.
pub const CORRUPT: u16 = 1007;
pub const TOO_BIG: u16 = 1009;

/// The receiving side's inflate state across messages.
#[derive(Clone)]
pub struct Inflater {
    reset_each_message: bool,
    state: Box<DecompressorOxide>,
    /// Everything inflated since the stream started (the window is its end); its
    /// length is the room, `filled` the bytes written.
    history: Vec<u8>,
    filled: usize,
    /// The stream ended (BFINAL) in this message.
    ended: bool,
}

/// What inflating one message gave: the output (up to the limit plus one byte) and the
/// close codes of the failures found, in the order found (empty when it inflated).
#[derive(Debug, Default)]
pub struct Inflated {
    pub output: Vec<u8>,
    pub failures: Vec<u16>,
}

impl Inflater {
    /// `reset_each_message`: the peer compresses without context takeover.
    pub fn new(reset_each_message: bool) -> Self {
        Self {
            reset_each_message,
            state: Box::default(),
            history: Vec::new(),
            filled: 0,
            ended: false,
        }
    }

    fn reset(&mut self) {
        *self.state = DecompressorOxide::new();
        self.history.clear();
        self.filled = 0;
        self.ended = false;
    }

    /// Inflates `input`, continuing the message that started at `start` in the
    /// history; fails with `TOO_BIG` once the message is over `limit` bytes.
    fn run(&mut self, mut input: &[u8], start: usize, limit: u64) -> Result<(), u16> {
        let cap =
            start.saturating_add(usize::try_from(limit).unwrap_or(usize::MAX)).saturating_add(1);
        let flags = TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF | TINFL_FLAG_HAS_MORE_INPUT;
        while !self.ended {
            if self.filled == self.history.len() {
                if self.history.len() >= cap {
                    return Err(TOO_BIG);
                }
                let grow = self.history.len().max(4096);
                let new_len = self.history.len().saturating_add(grow).min(cap);
                self.history.resize(new_len, 0);
            }
            let (status, used, written) =
                decompress(&mut self.state, input, &mut self.history, self.filled, flags);
            input = &input[used..];
            self.filled += written;
            if (self.filled - start) as u64 > limit {
                return Err(TOO_BIG);
            }
            match status {
                TINFLStatus::Done => self.ended = true,
                TINFLStatus::NeedsMoreInput => return Ok(()),
                TINFLStatus::HasMoreOutput => {
                    // More output than the room left: grow, unless at the limit.
                    if self.history.len() >= cap {
                        return Err(TOO_BIG);
                    }
                    if self.filled < self.history.len() {
                        let len = self.history.len();
                        self.history.resize(len.saturating_add(len.max(4096)).min(cap), 0);
                    }
                }
                _ => return Err(CORRUPT),
            }
        }
        Ok(())
    }

    /// Inflates a whole message: `payload` then the tail.
    pub fn message(&mut self, payload: &[u8], limit: u64) -> Inflated {
        let start = self.filled;
        let result = self.run(payload, start, limit).and_then(|()| self.run(&TAIL, start, limit));
        let output = self.history[start..self.filled].to_vec();
        if self.reset_each_message || self.ended || result.is_err() {
            self.reset();
        }
        Inflated { output, failures: result.err().into_iter().collect() }
    }

    /// Inflates the start of a message (no tail), leaving this state as it was.
    pub fn prefix(&self, payload: &[u8], limit: u64) -> Inflated {
        let mut copy = self.clone();
        let start = copy.filled;
        let result = copy.run(payload, start, limit);
        let output = copy.history[start..copy.filled].to_vec();
        Inflated { output, failures: result.err().into_iter().collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7692_examples() {
        // §7.2.3.1: "Hello".
        let mut i = Inflater::new(false);
        let out = i.message(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 100);
        assert_eq!((out.output.as_slice(), out.failures.len()), (&b"Hello"[..], 0));
        // §7.2.3.2: the second "Hello" refers back to the first (takeover).
        let out = i.message(&[0xf2, 0x00, 0x11, 0x00, 0x00], 100);
        assert_eq!((out.output.as_slice(), out.failures.len()), (&b"Hello"[..], 0));
        // Without takeover the back-reference reaches before the stream: corrupt.
        let mut i = Inflater::new(true);
        i.message(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 100);
        assert_eq!(i.message(&[0xf2, 0x00, 0x11, 0x00, 0x00], 100).failures, [CORRUPT]);
        // §7.2.3.3: a stored block; §7.2.3.4: BFINAL set.
        let mut i = Inflater::new(false);
        let out =
            i.message(&[0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00], 100);
        assert_eq!(out.output, b"Hello");
        let out = i.message(&[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00], 100);
        assert_eq!((out.output.as_slice(), out.failures.len()), (&b"Hello"[..], 0));
        // Over the limit.
        let mut i = Inflater::new(false);
        assert_eq!(i.message(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 4).failures, [TOO_BIG]);
    }
}
