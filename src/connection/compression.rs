//! The connection's permessage-deflate glue (RFC 7692 §6-§7): RSV1 rules, inflating
//! received messages, compressing sent ones.

use super::{Connection, ConnectionError};
use crate::deflate::{Compressor, Decompressor, DeflateParams, InflateFailure};
use crate::frame::{FrameError, FrameHeader, OpCode};
use crate::message::MessageError;

/// Compression state of one connection.
pub(crate) struct Compression {
    compressor: Compressor,
    decompressor: Decompressor,
    /// The message being received is compressed.
    inflating: bool,
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

    /// Inflates a piece of the compressed message; returns the inflated bytes.
    pub(super) fn inflate(
        &mut self,
        data: &[u8],
        message_end: bool,
        limit: u64,
    ) -> Result<&[u8], ConnectionError> {
        if message_end {
            self.inflating = false;
        }
        match self.decompressor.inflate(data, message_end, limit) {
            Ok(()) => Ok(self.decompressor.output()),
            Err(InflateFailure::Corrupt) => Err(MessageError::InvalidCompressedData.into()),
            Err(InflateFailure::TooBig) => {
                Err(MessageError::MessageTooBig { len: limit.saturating_add(1), limit }.into())
            }
        }
    }

    /// The bytes inflated by the last [`inflate`](Self::inflate).
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
    /// compressed messages are inflated on receipt.
    ///
    /// ```
    /// use rfc6455::deflate::DeflateParams;
    /// use rfc6455::{Config, Connection, Event};
    /// let mut client = Connection::client(Config::default(), [1; 16]);
    /// // RFC 7692 §7.2.3.1: "Hello" compressed, as a server sends it.
    /// client.enable_deflate(DeflateParams::default());
    /// let mut wire = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    /// let (event, _) = client.handle_read(&mut wire).unwrap();
    /// let Some(Event::Data(chunk)) = event else { panic!() };
    /// assert_eq!(chunk.as_whole_text(), Some("Hello"));
    /// ```
    pub fn enable_deflate(&mut self, params: DeflateParams) {
        let mut rules = *self.decoder.rules();
        rules.allowed_rsv |= 0b100;
        self.decoder.set_rules(rules);
        self.deflate = Some(alloc::boxed::Box::new(Compression {
            compressor: Compressor::new(&params, self.config.deflate.level),
            decompressor: Decompressor::new(&params),
            inflating: false,
            deflating: false,
            min_message_len: self.config.deflate.min_message_len,
        }));
    }

    /// Returns `true` once permessage-deflate is on.
    pub const fn is_deflate_enabled(&self) -> bool {
        self.deflate.is_some()
    }
}
