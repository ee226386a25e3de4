//! Pieces of data messages as delivered to the application.

use crate::accel::Payload;

/// Whether a data message is text or binary (its first frame's opcode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text (opcode 0x1).
    Text,
    /// Opaque bytes (opcode 0x2).
    Binary,
}

/// A piece of a text or binary message, borrowing unmasked bytes from the input buffer.
///
/// Concatenating the payloads of all chunks from the one with
/// [`is_first`](Self::is_first) to the one with [`is_last`](Self::is_last) gives the
/// message. Text chunks may end inside a code point, but everything delivered so far is
/// a valid UTF-8 prefix, and the whole message is valid UTF-8.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DataChunk<'a> {
    /// The bytes; kind, first and last in one byte beside them ([`TEXT`], [`FIRST`],
    /// [`LAST`]), with the validator's verdict when they are known to be UTF-8 (made
    /// in `crate::accel`, the one place that can set it). A caller that keeps the
    /// chunk in memory reads each flag back with one load that store forwarding serves
    /// (separate byte fields were merged into one wider load that it could not serve,
    /// which cost about 60 % of the time of a 16-byte message).
    data: Payload<'a>,
}

const TEXT: u8 = 1;
const FIRST: u8 = 2;
const LAST: u8 = 4;

/// The flags byte of a chunk.
#[inline(always)]
const fn flags(text: bool, is_first: bool, is_last: bool) -> u8 {
    let text = if text { TEXT } else { 0 };
    let first = if is_first { FIRST } else { 0 };
    let last = if is_last { LAST } else { 0 };
    text | first | last
}

impl<'a> DataChunk<'a> {
    /// A chunk of a `kind` message, not known to be UTF-8 on its own.
    #[inline(always)]
    pub(crate) const fn new(
        kind: MessageKind,
        data: &'a [u8],
        is_first: bool,
        is_last: bool,
    ) -> Self {
        let text = matches!(kind, MessageKind::Text);
        Self { data: Payload::bytes(data, flags(text, is_first, is_last)) }
    }

    /// A chunk of a text message whose bytes were found valid UTF-8 on their own (made
    /// only by the crate's validator): [`as_whole_text`](Self::as_whole_text) does not
    /// check them again.
    #[inline(always)]
    pub(crate) const fn text(text: &'a str, is_first: bool, is_last: bool) -> Self {
        Self { data: Payload::text(text, flags(true, is_first, is_last)) }
    }

    /// Text or binary.
    pub const fn kind(&self) -> MessageKind {
        if self.data.tag() & TEXT != 0 {
            MessageKind::Text
        } else {
            MessageKind::Binary
        }
    }

    /// The payload bytes of this piece (possibly empty for an empty message).
    pub const fn payload(&self) -> &'a [u8] {
        self.data.as_bytes()
    }

    /// `true` for the first piece of a message.
    pub const fn is_first(&self) -> bool {
        self.data.tag() & FIRST != 0
    }

    /// `true` for the last piece of a message.
    pub const fn is_last(&self) -> bool {
        self.data.tag() & LAST != 0
    }

    /// `true` when this piece is a whole message.
    pub const fn is_whole(&self) -> bool {
        self.data.tag() & (FIRST | LAST) == FIRST | LAST
    }

    /// The payload as text, when this is a whole text message.
    ///
    /// The connection validated the text before it delivered it (RFC 6455 §8.1), and
    /// the validator's verdict travels with the bytes, so this is free for a message
    /// the connection delivered whole. (A message whose verdict was not kept is checked
    /// again here: one inflated by `permessage-deflate`, or a chunk made of bytes the
    /// connection did not check as one text.)
    #[inline]
    pub fn as_whole_text(&self) -> Option<&'a str> {
        if self.kind() != MessageKind::Text || !self.is_whole() {
            return None;
        }
        match self.data.as_str() {
            Some(text) => Some(text),
            None => crate::accel::to_str(self.data.as_bytes()),
        }
    }
}

impl core::fmt::Debug for DataChunk<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DataChunk")
            .field("kind", &self.kind())
            .field("data", &self.payload())
            .field("is_first", &self.is_first())
            .field("is_last", &self.is_last())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_is_a_slice_and_a_byte() {
        assert_eq!(size_of::<DataChunk<'_>>(), 3 * size_of::<usize>());
    }
}
