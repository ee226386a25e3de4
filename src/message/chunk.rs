//! Pieces of data messages as delivered to the application.

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataChunk<'a> {
    pub(crate) kind: MessageKind,
    pub(crate) data: &'a [u8],
    pub(crate) is_first: bool,
    pub(crate) is_last: bool,
}

impl<'a> DataChunk<'a> {
    /// Text or binary.
    pub const fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The payload bytes of this piece (possibly empty for an empty message).
    pub const fn payload(&self) -> &'a [u8] {
        self.data
    }

    /// `true` for the first piece of a message.
    pub const fn is_first(&self) -> bool {
        self.is_first
    }

    /// `true` for the last piece of a message.
    pub const fn is_last(&self) -> bool {
        self.is_last
    }

    /// `true` when this piece is a whole message.
    pub const fn is_whole(&self) -> bool {
        self.is_first && self.is_last
    }

    /// The payload as text, when this is a whole text message.
    pub fn as_whole_text(&self) -> Option<&'a str> {
        match self.kind {
            MessageKind::Text if self.is_whole() => super::utf8::as_str(self.data),
            _ => None,
        }
    }
}
