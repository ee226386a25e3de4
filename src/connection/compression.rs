//! The connection's permessage-deflate glue (RFC 7692 §6-§7): RSV1 rules, inflating
//! received messages, compressing sent ones.
//!
//! # Inflating in bounded pieces
//! A compressed frame's payload is not taken from the input as a whole: zlib inflates
//! it into a piece of at most [`PIECE`] bytes (64 KiB), which [`Connection::handle_read`]
//! reports as one chunk, and the frame decoder advances only by the bytes zlib took.
//! The rest of the input, untaken, is returned as the rest, and the next call carries
//! on from it. Masked payload is unmasked in place a slice of [`UNMASK_SLICE`] bytes at
//! a time just before zlib reads it; the part of the last slice zlib did not take is
//! masked again, so the rest is exactly as received.
//!
//! zlib can take every byte of the input and still hold output for it (its bit buffer
//! or a long match, when the piece filled up). The caller stops calling once the rest
//! is empty, so the connection then does not advance past the last byte zlib took: that
//! byte is handed back in the rest, marked `held`, and the next call, which begins with
//! it, does not feed it to zlib again. So the rest is never empty while a piece of the
//! message is still to come, and every call either takes input or reports a chunk. The
//! same holds at the end of a message: its last chunk is reported only once the
//! sync-flush tail was inflated and zlib holds nothing more.

use super::{Connection, ConnectionError, Step};
use crate::deflate::{
    Compressor, Decompressor, DeflateParams, InflateFailure, INFLATE_RETAINED, PIECE,
};
use crate::frame::{FrameError, FrameHeader, MaskKey, OpCode};
use crate::message::MessageError;

/// Masked compressed payload is unmasked in slices of at most this many bytes, so that
/// what zlib leaves of a slice, masked again, is small.
const UNMASK_SLICE: usize = 4096;

/// Compression state of one connection.
pub(crate) struct Compression {
    compressor: Compressor,
    decompressor: Decompressor,
    /// The message being received is compressed.
    inflating: bool,
    /// The first byte of the next input is payload zlib already took (see the module
    /// docs): it is skipped, not inflated again.
    held: bool,
    /// The message is inflated and its last bytes were reported in a chunk not marked
    /// last (it was large, and the buffer shrinks only once it is no longer lent out):
    /// an empty last chunk is owed, with the held byte.
    last_owed: bool,
    /// The message being sent in fragments is compressed.
    pub(super) deflating: bool,
    min_message_len: usize,
}

impl core::fmt::Debug for Compression {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Compression").field("inflating", &self.inflating).finish_non_exhaustive()
    }
}

impl Compression {
    /// Checks RSV1 on a data frame header: set on the first frame of a compressed
    /// message only (RFC 7692 §6).
    pub(super) fn on_header(&mut self, header: &FrameHeader) -> Result<(), ConnectionError> {
        match (header.opcode, header.rsv1()) {
            (OpCode::Continuation, true) => Err(FrameError::ReservedBits(header.rsv).into()),
            (OpCode::Continuation, false) => Ok(()),
            (_, compressed) => {
                self.inflating = compressed;
                Ok(())
            }
        }
    }

    pub(super) const fn is_inflating(&self) -> bool {
        self.inflating
    }

    /// Inflates `data`, the next payload bytes of a compressed message (masked with
    /// `mask`, key and payload offset, unless `None`), into a new piece; with
    /// `ends_message` they are the last of the message, and the sync-flush tail
    /// follows them. Returns how many bytes zlib took (what it did not take is as
    /// received) and whether zlib holds no more output for them (for the message, with
    /// `ends_message`).
    fn inflate(
        &mut self,
        data: &mut [u8],
        mask: Option<(MaskKey, u64)>,
        ends_message: bool,
        limit: u64,
    ) -> Result<(usize, bool), InflateFailure> {
        let d = &mut self.decompressor;
        d.start_piece();
        let taken = match mask {
            None => d.inflate(data, limit)?,
            Some((key, offset)) => {
                let mut taken = 0;
                for slice in data.chunks_mut(UNMASK_SLICE) {
                    key.apply(slice, offset + taken as u64);
                    let used = d.inflate(slice, limit)?;
                    taken += used;
                    if used < slice.len() {
                        key.apply(&mut slice[used..], offset + taken as u64);
                        break;
                    }
                    if d.is_full() {
                        break;
                    }
                }
                taken
            }
        };
        if taken == data.len() && ends_message && !d.is_full() {
            d.inflate_tail(limit)?;
        }
        Ok((taken, taken == data.len() && !d.is_full()))
    }

    /// The bytes inflated by the last step: the chunk to report.
    pub(super) fn output(&self) -> &[u8] {
        self.decompressor.output()
    }

    /// The bytes held in output buffers (not counting zlib's own state).
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.decompressor.buffer_len() + self.compressor.buffer_len()
    }

    /// Whether a message of `len` bytes is worth compressing.
    pub(super) const fn worth_compressing(&self, len: usize) -> bool {
        len >= self.min_message_len
    }

    /// Compresses a message or fragment.
    pub(super) fn compress(&mut self, data: &[u8], message_end: bool) -> &[u8] {
        self.compressor.compress(data, message_end)
    }

    /// Gives back the memory a large compressed message took, once it was written.
    pub(super) fn compressed_written(&mut self) {
        self.compressor.release_output();
    }
}

impl Connection {
    /// Whether the next step is compressed payload for [`inflate_step`](Self::inflate_step):
    /// a data frame of a compressed message whose header was decoded.
    #[inline]
    pub(super) fn inflate_due(&self) -> bool {
        self.control.is_none()
            && self.deflate.as_ref().is_some_and(|d| d.inflating)
            && self.decoder.payload_remaining().is_some()
    }

    /// The step for the compressed payload at the start of `input` (see the module
    /// docs): inflates a piece, advances the frame decoder by the bytes zlib took, and
    /// returns the chunk to report, if any, with the rest of the input.
    pub(super) fn inflate_step<'i>(
        &mut self,
        input: &'i mut [u8],
    ) -> Result<(Step<'i>, &'i mut [u8]), ConnectionError> {
        let remaining = self.decoder.payload_remaining().unwrap_or(0);
        let mask = self.decoder.payload_mask();
        let final_frame = self.assembler.is_final_frame();
        let limit = self.config.max_message_len;
        let Some(deflate) = self.deflate.as_deref_mut() else {
            return Ok((Step::NeedMore, input));
        };
        if input.is_empty() && remaining > 0 {
            return Ok((Step::NeedMore, input));
        }
        let held = usize::from(deflate.held);
        let avail = usize::try_from(remaining).map_or(input.len(), |r| r.min(input.len()));
        let (advance, last) = if deflate.last_owed {
            // The owed empty last chunk, with the held byte (the frame's last). The
            // message ends first, so the buffer shrinks with the new piece.
            deflate.decompressor.end_message();
            deflate.decompressor.start_piece();
            deflate.last_owed = false;
            deflate.held = false;
            (avail, true)
        } else {
            let ends_message = final_frame && avail as u64 == remaining;
            let data = &mut input[held..avail];
            let mask = mask.map(|(key, offset)| (key, offset + held as u64));
            let (taken, done) = match deflate.inflate(data, mask, ends_message, limit) {
                Ok(inflated) => inflated,
                Err(failure) => {
                    let error = match failure {
                        InflateFailure::Corrupt => MessageError::InvalidCompressedData,
                        InflateFailure::TooBig => {
                            MessageError::MessageTooBig { len: limit.saturating_add(1), limit }
                        }
                    };
                    return Err(self.fail(error.into()));
                }
            };
            let all_taken = taken == avail - held;
            let last = done && ends_message;
            // A large last piece is reported as not last, so that the buffer can shrink
            // in the next step, which reports the (empty) last chunk.
            let defer = last && deflate.output().len() > INFLATE_RETAINED && avail > 0;
            if (done && !defer) || !all_taken {
                deflate.held = false;
                if last {
                    deflate.decompressor.end_message();
                }
                (held + taken, last)
            } else if avail > 0 {
                // zlib took everything and may hold more output (or the last chunk is
                // owed): hand the last byte it took back in the rest.
                deflate.held = true;
                deflate.last_owed = defer;
                (avail - 1, false)
            } else {
                // A frame without payload whose sync tail alone filled a piece: a
                // compliant sender's tail inflates to nothing.
                return Err(self.fail(MessageError::InvalidCompressedData.into()));
            }
        };
        let frame_end = self.decoder.skip_payload(advance as u64);
        if last {
            if let Some(deflate) = self.deflate.as_deref_mut() {
                deflate.inflating = false;
            }
        }
        let output = self.deflate.as_deref().map_or(&[][..], Compression::output);
        debug_assert!(output.len() <= PIECE);
        // The assembler sees the frame end with the message's last chunk.
        let frame_end = if final_frame { last } else { frame_end };
        let chunk = match self.assembler.on_payload(output, frame_end) {
            Ok(chunk) => chunk.map(|c| (c.kind(), c.is_first(), c.is_last())),
            Err(e) => return Err(self.fail(e.into())),
        };
        Ok((Step::Inflated(chunk), &mut input[advance..]))
    }
}

/// An upper bound of the compressed size of `len` bytes with a sync flush (zlib's
/// `deflateBound` plus the flush marker), so a sink can be checked before compressing.
pub(super) const fn compressed_bound(len: usize) -> usize {
    len + (len >> 12) + (len >> 14) + (len >> 25) + 13 + 5 + 6
}

impl Connection {
    /// Turns on permessage-deflate with the parameters agreed in the handshake (see
    /// [`deflate`](crate::deflate)). Call it before the first frame; messages are then
    /// compressed on send when at least `config.deflate.min_message_len` long, and
    /// compressed messages are inflated on receipt, in pieces of at most 64 KiB.
    ///
    /// zlib's state is allocated when it is first needed, not here: about 47 KB to
    /// inflate with the first compressed message received, and 250-380 KB (by
    /// `local_max_window_bits`, 9-15) to compress with the first message compressed.
    ///
    /// ```
    /// use rfc6455::deflate::DeflateParams;
    /// use rfc6455::{Config, Connection, Event};
    /// let mut client = Connection::client(Config::default(), [1; 16]);
    /// // RFC 7692 §7.2.3.1: "Hello" compressed, as a server sends it.
    /// client.enable_deflate(DeflateParams::default());
    /// let mut wire = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    /// let (event, _) = client.handle_read(&mut wire).unwrap();
    /// let Some(Event::Inflated { is_first: true, is_last: true, .. }) = event else { panic!() };
    /// assert_eq!(client.inflated(), b"Hello");
    /// ```
    pub fn enable_deflate(&mut self, params: DeflateParams) {
        let mut rules = *self.decoder.rules();
        rules.allowed_rsv |= 0b100;
        self.decoder.set_rules(rules);
        self.deflate = Some(alloc::boxed::Box::new(Compression {
            compressor: Compressor::new(&params, self.config.deflate.level),
            decompressor: Decompressor::new(&params),
            inflating: false,
            held: false,
            last_owed: false,
            deflating: false,
            min_message_len: self.config.deflate.min_message_len,
        }));
    }

    /// Returns `true` once permessage-deflate is on.
    pub const fn is_deflate_enabled(&self) -> bool {
        self.deflate.is_some()
    }
}
