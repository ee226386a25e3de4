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
#[derive(Debug)]
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
        match self.peek_message::<false>(input) {
            Peeked::Whole(whole) => Some(whole),
            Peeked::Short { .. } | Peeked::Other => None,
        }
    }

    /// [`peek_whole_message`](Self::peek_whole_message), which with `SHORT` also tells
    /// the start of such a message (and how many bytes its frame needs at least) from
    /// anything else. (Without, the compiler leaves out what only that needs.)
    #[inline(always)]
    pub(super) fn peek_message<const SHORT: bool>(&self, input: &[u8]) -> Peeked {
        let short = |need, header| {
            if SHORT {
                Peeked::Short { need, header }
            } else {
                Peeked::Other
            }
        };
        let [b0, b1, ..] = *input else {
            // Not even two bytes: the start of a whole message if the first fits.
            let fits = match input.first() {
                None => true,
                Some(&b0) => matches!(b0, 0x81 | 0x82) && self.takes_whole_messages(),
            };
            return if fits { short(2, None) } else { Peeked::Other };
        };
        let kind = match b0 {
            0x81 => MessageKind::Text,
            0x82 => MessageKind::Binary,
            _ => return Peeked::Other,
        };
        let masked = b1 & 0x80 != 0;
        if masked != self.role.expects_masked_incoming() || !self.takes_whole_messages() {
            return Peeked::Other;
        }
        let (payload_len, len_end) = match b1 & 0x7F {
            126 => {
                let &[_, _, hi, lo, ..] = input else { return short(4, None) };
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
                return short(len_end + 4 + payload_len, None);
            };
            (Some([key[0], key[1], key[2], key[3]]), len_end + 4)
        } else {
            (None, len_end)
        };
        let whole = WholeMessage { kind, header_len, payload_len, mask };
        if input.len() - header_len < payload_len {
            return short(header_len + payload_len, Some(whole));
        }
        Peeked::Whole(whole)
    }

    /// Whether a message may arrive whole in one frame now: the connection is open for
    /// data, between frames and messages, and not inflating.
    #[inline(always)]
    fn takes_whole_messages(&self) -> bool {
        #[cfg(feature = "deflate")]
        if self.deflate.is_some() {
            return false;
        }
        self.takes_input()
            && self.decoder.is_between_frames()
            && self.assembler.message_in_progress().is_none()
    }
}
