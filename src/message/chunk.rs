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
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DataChunk<'a> {
    data: &'a [u8],
    /// Kind, first and last in one byte ([`TEXT`], [`FIRST`], [`LAST`]): a caller that
    /// keeps the chunk in memory reads each back with one load that store forwarding
    /// serves (separate byte fields were merged into one wider load that it could not
    /// serve, which cost about 60 % of the time of a 16-byte message).
    flags: u8,
}

const TEXT: u8 = 1;
const FIRST: u8 = 2;
const LAST: u8 = 4;
/// The connection fed exactly these bytes, in order, to the message's UTF-8 validator
/// (see [`DataChunk::checked`]).
const CHECKED: u8 = 8;

impl<'a> DataChunk<'a> {
    /// A chunk of a `kind` message.
    #[inline(always)]
    pub(crate) const fn new(
        kind: MessageKind,
        data: &'a [u8],
        is_first: bool,
        is_last: bool,
    ) -> Self {
        let text = match kind {
            MessageKind::Text => TEXT,
            MessageKind::Binary => 0,
        };
        let first = if is_first { FIRST } else { 0 };
        let last = if is_last { LAST } else { 0 };
        Self { data, flags: text | first | last }
    }

    /// Marks the chunk as bytes fed, exactly and in order, to one UTF-8 validator (a
    /// whole text message completely): the connection's for a message it delivers in
    /// place, the store's own for a message gathered in it (a store shared between
    /// connections must not vouch for bytes it did not check itself).
    /// [`as_whole_text`](Self::as_whole_text) then does not check them again. (The
    /// fuzz targets check each delivered text message.)
    #[inline(always)]
    pub(crate) const fn checked(self) -> Self {
        Self { data: self.data, flags: self.flags | CHECKED }
    }

    /// Text or binary.
    pub const fn kind(&self) -> MessageKind {
        if self.flags & TEXT != 0 {
            MessageKind::Text
        } else {
            MessageKind::Binary
        }
    }

    /// The payload bytes of this piece (possibly empty for an empty message).
    pub const fn payload(&self) -> &'a [u8] {
        self.data
    }

    /// `true` for the first piece of a message.
    pub const fn is_first(&self) -> bool {
        self.flags & FIRST != 0
    }

    /// `true` for the last piece of a message.
    pub const fn is_last(&self) -> bool {
        self.flags & LAST != 0
    }

    /// `true` when this piece is a whole message.
    pub const fn is_whole(&self) -> bool {
        self.flags & (FIRST | LAST) == FIRST | LAST
    }

    /// The payload as text, when this is a whole text message.
    ///
    /// The connection validated the text before it delivered it (RFC 6455 §8.1): a
    /// message delivered in place was checked as these very bytes, and a message
    /// gathered in a store was checked by the store as it copied the pieces, so this
    /// is free. (Only a message whose bytes the connection's checks did not all cover
    /// is checked again here: one inflated by `permessage-deflate` and gathered.)
    #[inline]
    pub fn as_whole_text(&self) -> Option<&'a str> {
        match self.kind() {
            MessageKind::Text if self.is_whole() && self.flags & CHECKED != 0 => {
                Some(crate::accel::validated_str(self.data))
            }
            MessageKind::Text if self.is_whole() => super::utf8::as_str(self.data),
            _ => None,
        }
    }
}

impl core::fmt::Debug for DataChunk<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DataChunk")
            .field("kind", &self.kind())
            .field("data", &self.data)
            .field("is_first", &self.is_first())
            .field("is_last", &self.is_last())
            .finish()
    }
}
