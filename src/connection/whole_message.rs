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

impl Connection {
    /// Returns where the whole message at the start of `input` lies, when it is one
    /// final text or binary frame with a 7- or 16-bit length, arriving whole between
    /// messages of an open connection, within the limits, and with a header the general
    /// path would accept.
    #[inline(always)]
    pub(super) fn peek_whole_message(&self, input: &[u8]) -> Option<WholeMessage> {
        let [b0, b1, ..] = *input else { return None };
        let kind = match b0 {
            0x81 => MessageKind::Text,
            0x82 => MessageKind::Binary,
            _ => return None,
        };
        let masked = b1 & 0x80 != 0;
        if masked != self.role.expects_masked_incoming()
            || self.close_received.is_some()
            || self.failure.is_some()
            || self.transport_closed
            || !self.decoder.is_between_frames()
            || self.assembler.message_in_progress().is_some()
        {
            return None;
        }
        #[cfg(feature = "deflate")]
        if self.deflate.is_some() {
            return None;
        }
        let (payload_len, len_end) = match b1 & 0x7F {
            126 => {
                let &[_, _, hi, lo, ..] = input else { return None };
                let len = u16::from_be_bytes([hi, lo]);
                if len < 126 && self.config.strict_length_encoding {
                    return None;
                }
                (usize::from(len), 4)
            }
            127 => return None,
            short => (usize::from(short), 2),
        };
        let limit = self.config.max_frame_len.min(self.config.max_message_len);
        if payload_len as u64 > limit {
            return None;
        }
        let (mask, header_len) = if masked {
            let key = input.get(len_end..len_end + 4)?;
            (Some([key[0], key[1], key[2], key[3]]), len_end + 4)
        } else {
            (None, len_end)
        };
        if input.len() - header_len < payload_len {
            return None;
        }
        Some(WholeMessage { kind, header_len, payload_len, mask })
    }
}
