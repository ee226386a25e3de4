//! The receive fast path: a whole small message in one frame.
//!
//! Most messages on most connections are a single final text or binary frame that
//! arrives whole in one read. For those, [`Connection::peek_whole_message`] checks the
//! header's two to eight bytes directly, without the decoder's and the assembler's
//! state machines; everything else (control frames, fragments, long lengths, partial
//! frames, extensions, any header the general path would refuse) falls through to the
//! general path, which then decodes the same bytes and reports any error. Property
//! tests and the fuzz targets check that both paths give the same events for every
//! split of the input.

use super::Connection;
use crate::message::MessageKind;

/// Where a whole single-frame message lies in the input.
pub(super) struct WholeMessage {
    pub(super) kind: MessageKind,
    /// Header bytes, masking key included.
    pub(super) header_len: usize,
    pub(super) payload_len: usize,
    pub(super) mask: Option<[u8; 4]>,
}

/// What [`Connection::peek_message`] found at the start of the input.
pub(super) enum Peeked {
    /// A whole message in one frame.
    Whole(WholeMessage),
    /// The start of such a frame (every header byte seen so far acceptable): the frame
    /// needs at least `need` bytes in all, which the input does not hold yet; `header`
    /// once the whole header is in.
    Short { need: usize, header: Option<WholeMessage> },
    /// Anything else, for the general path.
    Other,
}

impl Connection {
    /// Returns where the whole message at the start of `input` lies, when it is one
    /// final text or binary frame with a 7- or 16-bit length, arriving whole between
    /// messages of an open connection, within the limits, and with a header the general
    /// path would accept.
    #[inline(always)]
    pub(super) fn peek_whole_message(&self, input: &[u8]) -> Option<WholeMessage> {
        match self.peek_message(input) {
            Peeked::Whole(whole) => Some(whole),
            Peeked::Short { .. } | Peeked::Other => None,
        }
    }

    /// [`peek_whole_message`](Self::peek_whole_message), which also tells the start of
    /// such a message (and how many bytes its frame needs at least) from anything else.
    #[inline(always)]
    pub(super) fn peek_message(&self, input: &[u8]) -> Peeked {
        let Some(&b0) = input.first() else { return Peeked::Short { need: 2, header: None } };
        let kind = match b0 {
            0x81 => MessageKind::Text,
            0x82 => MessageKind::Binary,
            _ => return Peeked::Other,
        };
        if self.close_received.is_some()
            || self.failure.is_some()
            || self.transport_closed
            || !self.decoder.is_between_frames()
            || self.assembler.message_in_progress().is_some()
        {
            return Peeked::Other;
        }
        #[cfg(feature = "deflate")]
        if self.deflate.is_some() {
            return Peeked::Other;
        }
        let Some(&b1) = input.get(1) else { return Peeked::Short { need: 2, header: None } };
        let masked = b1 & 0x80 != 0;
        if masked != self.role.expects_masked_incoming() {
            return Peeked::Other;
        }
        let (payload_len, len_end) = match b1 & 0x7F {
            126 => {
                let &[_, _, hi, lo, ..] = input else {
                    return Peeked::Short { need: 4, header: None };
                };
                let len = u16::from_be_bytes([hi, lo]);
                if len < 126 && self.config.strict_length_encoding {
                    return Peeked::Other;
                }
                (usize::from(len), 4)
            }
            127 => return Peeked::Other,
            short => (usize::from(short), 2),
        };
        let limit = self.config.max_frame_len.min(self.config.max_message_len);
        if payload_len as u64 > limit {
            return Peeked::Other;
        }
        let (mask, header_len) = if masked {
            let Some(key) = input.get(len_end..len_end + 4) else {
                return Peeked::Short { need: len_end + 4 + payload_len, header: None };
            };
            (Some([key[0], key[1], key[2], key[3]]), len_end + 4)
        } else {
            (None, len_end)
        };
        let whole = WholeMessage { kind, header_len, payload_len, mask };
        if input.len() - header_len < payload_len {
            return Peeked::Short { need: header_len + payload_len, header: Some(whole) };
        }
        Peeked::Whole(whole)
    }
}
