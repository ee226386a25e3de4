//! Whole-message delivery: chunks gathered into a reused buffer.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::{DataChunk, MessageError, MessageKind, Utf8Validator};
use crate::frame::mask::pattern;
use crate::frame::MaskKey;

/// A whole text or binary message, borrowed from a message buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// A text message.
    Text(&'a str),
    /// A binary message.
    Binary(&'a [u8]),
}

impl<'a> Message<'a> {
    /// The payload bytes.
    pub const fn as_bytes(&self) -> &'a [u8] {
        match self {
            Self::Text(s) => s.as_bytes(),
            Self::Binary(b) => b,
        }
    }

    /// Text or binary.
    pub const fn kind(&self) -> MessageKind {
        match self {
            Self::Text(_) => MessageKind::Text,
            Self::Binary(_) => MessageKind::Binary,
        }
    }
}

/// The message of `kind` in `bytes`; `checked` when the store's own validator saw
/// all of it (see [`TextCheck`]), so the text is not checked again.
fn complete(kind: MessageKind, bytes: &[u8], checked: bool) -> Result<Message<'_>, MessageError> {
    match kind {
        MessageKind::Binary => Ok(Message::Binary(bytes)),
        MessageKind::Text if checked => Ok(Message::Text(crate::accel::validated_str(bytes))),
        // The connection already validated every text chunk; this second check only
        // guards against chunks of different messages being mixed by the caller.
        MessageKind::Text => {
            super::utf8::as_str(bytes).map(Message::Text).ok_or(MessageError::InvalidUtf8)
        }
    }
}

/// A store's own check of the text it gathers: the connection hands it every piece
/// with the text flag, and the store validates exactly the bytes it holds, in order.
/// So a complete text message it gathered is known valid however the store was used
/// (one store shared by two connections mixes their bytes, which then fail here
/// rather than being trusted), and is not checked again when it is read.
#[derive(Clone, Copy, Debug, Default)]
struct TextCheck {
    utf8: Utf8Validator,
    /// Every byte since `begin` went through `utf8`.
    intact: bool,
    /// The complete message is text that `finish` found valid.
    valid: bool,
}

impl TextCheck {
    /// A new message, gathered by the connection.
    fn begin(&mut self) {
        self.utf8.reset();
        self.intact = true;
        self.valid = false;
    }

    /// Bytes changed without the check (public methods, or data it was not given).
    fn spoil(&mut self) {
        self.intact = false;
        self.valid = false;
    }

    /// Ends a message of `kind`: a text message that went whole through the check must
    /// not end inside a code point; returns `true` when it is known valid.
    fn finish(&mut self, kind: MessageKind) -> Result<bool, MessageError> {
        self.valid = false;
        if kind == MessageKind::Text && self.intact {
            self.utf8.finish().map_err(|_| MessageError::InvalidUtf8)?;
            self.valid = true;
        }
        Ok(self.valid)
    }
}

/// Gathers the chunks of each message into a caller-provided slice (no allocation).
///
/// A message longer than the slice fails with [`MessageError::MessageTooBig`]; set the
/// connection's `max_message_len` to the slice length so the peer is refused on the
/// frame header instead.
///
/// ```
/// use rfc6455::message::{Message, SliceMessageBuffer};
/// use rfc6455::{Config, Connection, Event};
/// let mut storage = [0u8; 64];
/// let mut messages = SliceMessageBuffer::new(&mut storage);
/// let mut client = Connection::client(Config::default(), [7; 16]);
/// // Two unmasked server frames: "Hel" (FIN clear) then "lo".
/// let mut wire = [0x01, 0x03, b'H', b'e', b'l', 0x80, 0x02, b'l', b'o'];
/// let mut input = &mut wire[..];
/// let mut got = None;
/// while !input.is_empty() {
///     let (read, rest) = client.handle_read(input).unwrap();
///     input = rest;
///     if let Some(Event::Data(chunk)) = read {
///         if let Some(Message::Text(text)) = messages.push(&chunk).unwrap() {
///             got = Some(text.len());
///             assert_eq!(text, "Hello");
///         }
///     }
/// }
/// assert_eq!(got, Some(5));
/// ```
#[derive(Debug)]
pub struct SliceMessageBuffer<'b> {
    storage: &'b mut [u8],
    len: usize,
    complete: Option<MessageKind>,
    /// Bytes after `len` lent by the last `room` and not yet committed.
    lent: usize,
    check: TextCheck,
}

impl<'b> SliceMessageBuffer<'b> {
    /// A buffer writing into `storage`.
    pub fn new(storage: &'b mut [u8]) -> Self {
        Self { storage, len: 0, complete: None, lent: 0, check: TextCheck::default() }
    }

    /// Adds a chunk; returns the whole message when `chunk` is its last piece.
    ///
    /// # Errors
    /// [`MessageError::MessageTooBig`] when the message outgrows the storage, and
    /// [`MessageError::InvalidUtf8`] if chunks of different messages were mixed.
    pub fn push(&mut self, chunk: &DataChunk<'_>) -> Result<Option<Message<'_>>, MessageError> {
        self.extend(chunk)?;
        self.message()
    }

    /// Adds a chunk without building the message; returns `true` when `chunk` completed
    /// one, which [`message`](Self::message) then returns.
    ///
    /// # Errors
    /// [`MessageError::MessageTooBig`] when the message outgrows the storage.
    pub fn extend(&mut self, chunk: &DataChunk<'_>) -> Result<bool, MessageError> {
        if chunk.is_first() {
            self.len = 0;
        }
        self.complete = None;
        self.lent = 0;
        self.check.spoil();
        let end = self.len + chunk.payload().len();
        let Some(dst) = self.storage.get_mut(self.len..end) else {
            let limit = self.storage.len() as u64;
            self.len = 0;
            return Err(MessageError::MessageTooBig { len: end as u64, limit });
        };
        dst.copy_from_slice(chunk.payload());
        self.len = end;
        if chunk.is_last() {
            self.complete = Some(chunk.kind());
        }
        Ok(chunk.is_last())
    }

    /// The message completed by the last chunk added (or gathered by
    /// `Connection::handle_read_message`), if one was completed. Text that the
    /// connection gathered here was checked as it was copied and is not checked again;
    /// text added with `push` or `extend` is.
    ///
    /// # Errors
    /// [`MessageError::InvalidUtf8`] if chunks of different messages were mixed.
    pub fn message(&self) -> Result<Option<Message<'_>>, MessageError> {
        let checked = self.check.valid;
        self.complete.map(|kind| complete(kind, &self.storage[..self.len], checked)).transpose()
    }
}

/// Gathers the chunks of each message into a growable buffer that is reused from one
/// message to the next (feature `alloc`).
///
/// Growth is bounded by the connection's `max_message_len`, which refuses oversized
/// messages on the frame header. After a message larger than
/// [`retained_capacity`](Self::with_retained_capacity) the buffer shrinks back when the
/// next message starts, so an idle connection does not pin a large allocation.
///
/// ```
/// use rfc6455::message::{Message, MessageBuffer};
/// use rfc6455::{Config, Connection, Event};
/// let mut messages = MessageBuffer::new();
/// let mut client = Connection::client(Config::default(), [7; 16]);
/// let mut wire = [0x82, 0x03, 1, 2, 3];
/// let (event, _rest) = client.handle_read(&mut wire).unwrap();
/// let Some(Event::Data(chunk)) = event else { panic!("expected data") };
/// assert_eq!(messages.push(&chunk).unwrap(), Some(Message::Binary(&[1, 2, 3])));
/// ```
#[cfg(feature = "alloc")]
#[derive(Debug, Default)]
pub struct MessageBuffer {
    /// Storage: its length is how much of it was ever written (initialised), which
    /// may exceed the message; reusing that part saves zeroing it again.
    bytes: Vec<u8>,
    /// The length of the message in `bytes`.
    filled: usize,
    /// Bytes after `filled` lent by the last `room` and not yet committed.
    lent: usize,
    retained_capacity: usize,
    complete: Option<MessageKind>,
    check: TextCheck,
}

#[cfg(feature = "alloc")]
impl MessageBuffer {
    /// The default capacity kept between messages: 4 KiB, so small messages split
    /// across reads never reallocate while an idle connection pins little memory.
    pub const DEFAULT_RETAINED_CAPACITY: usize = 4 * 1024;

    /// An empty buffer that keeps up to 4 KiB of capacity between messages.
    pub const fn new() -> Self {
        Self::with_retained_capacity(Self::DEFAULT_RETAINED_CAPACITY)
    }

    /// An empty buffer that keeps up to `bytes` of capacity between messages.
    pub const fn with_retained_capacity(bytes: usize) -> Self {
        Self {
            bytes: Vec::new(),
            filled: 0,
            retained_capacity: bytes,
            complete: None,
            lent: 0,
            check: TextCheck { utf8: Utf8Validator::new(), intact: false, valid: false },
        }
    }

    /// The bytes currently allocated.
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Releases all memory (for example when the connection goes idle).
    pub fn release(&mut self) {
        self.bytes = Vec::new();
        self.filled = 0;
        self.complete = None;
        self.lent = 0;
        self.check.spoil();
    }

    /// Adds a chunk; returns the whole message when `chunk` is its last piece.
    ///
    /// # Errors
    /// [`MessageError::InvalidUtf8`] if chunks of different messages were mixed.
    #[inline(never)]
    pub fn push(&mut self, chunk: &DataChunk<'_>) -> Result<Option<Message<'_>>, MessageError> {
        self.extend(chunk);
        self.message()
    }

    /// Adds a chunk without building the message; returns `true` when `chunk` completed
    /// one, which [`message`](Self::message) then returns.
    pub fn extend(&mut self, chunk: &DataChunk<'_>) -> bool {
        if chunk.is_first() {
            self.reset();
        }
        self.check.spoil();
        self.write(chunk.payload(), None);
        self.complete = chunk.is_last().then_some(chunk.kind());
        chunk.is_last()
    }

    /// The message completed by the last chunk added (or gathered by
    /// `Connection::handle_read_message`), if one was completed. Text that the
    /// connection gathered here was checked as it was copied and is not checked again;
    /// text added with `push` or `extend` is.
    ///
    /// # Errors
    /// [`MessageError::InvalidUtf8`] if chunks of different messages were mixed.
    pub fn message(&self) -> Result<Option<Message<'_>>, MessageError> {
        let checked = self.check.valid;
        self.complete.map(|kind| complete(kind, &self.bytes[..self.filled], checked)).transpose()
    }

    /// Empties the buffer for a new message, shrinking it back to the retained
    /// capacity after a larger one.
    fn reset(&mut self) {
        self.filled = 0;
        self.complete = None;
        self.lent = 0;
        if self.bytes.capacity() > self.retained_capacity {
            self.bytes.truncate(self.retained_capacity);
            self.bytes.shrink_to(self.retained_capacity);
        }
    }

    /// Appends `data` to the message, unmasked with `mask` (key and payload offset of
    /// `data[0]`) in the same pass; returns the appended bytes.
    fn write(&mut self, data: &[u8], mask: Option<(MaskKey, u64)>) -> &[u8] {
        self.lent = 0;
        let start = self.filled;
        // First over storage written before (no reallocation, no zeroing), then past it.
        let reused = (self.bytes.len() - start).min(data.len());
        let (old, new) = data.split_at(reused);
        let dst = &mut self.bytes[start..start + reused];
        match mask {
            Some((MaskKey(key), offset)) => {
                crate::accel::xor_copy(dst, old, &pattern(key, offset));
                let offset = offset + reused as u64;
                crate::accel::extend_xor(&mut self.bytes, new, &pattern(key, offset));
            }
            None => {
                dst.copy_from_slice(old);
                self.bytes.extend_from_slice(new);
            }
        }
        self.filled = start + data.len();
        &self.bytes[start..self.filled]
    }
}

/// Where [`Connection::handle_read_message`](crate::Connection::handle_read_message)
/// gathers messages that do not lie whole in one input: [`SliceMessageBuffer`] (no
/// allocation) or, with `alloc`, `MessageBuffer`. Sealed: the connection relies on
/// how these two keep the bytes it checked.
pub trait MessageStore: sealed::Sealed {}

mod sealed {
    use super::{MaskKey, MessageError, MessageKind};

    /// The operations the connection uses; not public API.
    pub trait Sealed {
        /// Empties the store for a new message.
        fn begin(&mut self);
        /// Returns `true` while the store holds a delivered message.
        fn holds_message(&self) -> bool;
        /// Forgets a message that was delivered (the caller is done with it, as it
        /// lent the store again), giving back memory beyond what it retains.
        #[inline(always)]
        fn settle(&mut self) {
            if self.holds_message() {
                self.begin();
            }
        }
        /// Appends received payload bytes, unmasking them with `mask` (key and payload
        /// offset) in the same pass; returns the appended, unmasked bytes.
        ///
        /// With `text`, the store validates them in the same pass, as the continuation
        /// of the text it holds, and returns [`MessageError::InvalidUtf8`] when they
        /// prove it invalid. (Without, for text: the caller validated them, and the
        /// store will not vouch for the message.)
        fn append_unmasked(
            &mut self,
            data: &[u8],
            mask: Option<(MaskKey, u64)>,
            text: bool,
        ) -> Result<&[u8], MessageError>;
        /// Marks the bytes gathered so far as a whole message of `kind`; returns them,
        /// and `true` when the store validated all of it as text.
        ///
        /// # Errors
        /// [`MessageError::InvalidUtf8`] when text it validated ends inside a code point.
        fn finish(&mut self, kind: MessageKind) -> Result<(&[u8], bool), MessageError>;
        /// Room for the next `len` bytes of the message, to be filled by the caller;
        /// `frame_rest` (at least `len`) more bytes of the current frame are coming.
        fn room(&mut self, len: usize, frame_rest: u64) -> Result<&mut [u8], MessageError>;
        /// Adds the first `len` bytes of the last [`room`](Self::room) to the message,
        /// unmasked in place with `mask` and, with `text`, validated as by
        /// [`append_unmasked`](Self::append_unmasked); returns them. Never more than
        /// that room (a larger `len`, or a call without one, would otherwise add bytes
        /// of an earlier message).
        fn commit(
            &mut self,
            len: usize,
            mask: Option<(MaskKey, u64)>,
            text: bool,
        ) -> Result<&[u8], MessageError>;
    }
}

/// Copies `data` into `dst` (same length), unmasked with `mask` (key and payload offset
/// of `data[0]`), and feeds it to `text` in the same pass.
#[inline]
fn copy_piece(
    dst: &mut [u8],
    data: &[u8],
    mask: Option<(MaskKey, u64)>,
    text: Option<&mut Utf8Validator>,
) -> Result<(), MessageError> {
    match (text, mask) {
        (Some(utf8), mask) => {
            let (key, offset) = mask.map_or(([0; 4], 0), |(MaskKey(key), offset)| (key, offset));
            utf8.feed_masked_into(dst, data, key, offset).map_err(|_| MessageError::InvalidUtf8)
        }
        (None, Some((MaskKey(key), offset))) => {
            crate::accel::xor_copy(dst, data, &pattern(key, offset));
            Ok(())
        }
        (None, None) => {
            dst.copy_from_slice(data);
            Ok(())
        }
    }
}

/// Unmasks `data` in place with `mask` and, with `text`, feeds it to `check`'s
/// validator in the same pass.
fn unmask_piece(
    data: &mut [u8],
    mask: Option<(MaskKey, u64)>,
    text: bool,
    check: &mut TextCheck,
) -> Result<(), MessageError> {
    if !text {
        check.intact = false;
        if let Some((key, offset)) = mask {
            key.apply(data, offset);
        }
        return Ok(());
    }
    // Unmasked text is only checked: unmasking it with a zero key would write every
    // byte back unchanged.
    match mask {
        Some((MaskKey(key), offset)) => check.utf8.feed_masked(data, key, offset),
        None => check.utf8.feed(data),
    }
    .map_err(|_| MessageError::InvalidUtf8)
}

/// The stores' `commit`: adds the first `len` bytes of the `lent` room after `filled`
/// in `storage` (never more), unmasked and checked by [`unmask_piece`].
fn commit_piece<'s>(
    storage: &'s mut [u8],
    (filled, lent, check): (&mut usize, &mut usize, &mut TextCheck),
    len: usize,
    mask: Option<(MaskKey, u64)>,
    text: bool,
) -> Result<&'s [u8], MessageError> {
    check.valid = false;
    let start = *filled;
    *filled = start + len.min(*lent);
    *lent = 0;
    let piece = &mut storage[start..*filled];
    unmask_piece(piece, mask, text, check)?;
    Ok(piece)
}

impl MessageStore for SliceMessageBuffer<'_> {}

impl sealed::Sealed for SliceMessageBuffer<'_> {
    fn begin(&mut self) {
        self.len = 0;
        self.complete = None;
        self.lent = 0;
        self.check.begin();
    }

    #[inline(always)]
    fn holds_message(&self) -> bool {
        self.complete.is_some()
    }

    #[inline]
    fn append_unmasked(
        &mut self,
        data: &[u8],
        mask: Option<(MaskKey, u64)>,
        text: bool,
    ) -> Result<&[u8], MessageError> {
        self.lent = 0;
        self.check.valid = false;
        let start = self.len;
        let end = start + data.len();
        let Some(dst) = self.storage.get_mut(start..end) else {
            let limit = self.storage.len() as u64;
            self.len = 0;
            return Err(MessageError::MessageTooBig { len: end as u64, limit });
        };
        if !text {
            self.check.intact = false;
        }
        copy_piece(dst, data, mask, text.then_some(&mut self.check.utf8))?;
        self.len = end;
        Ok(&self.storage[start..end])
    }

    fn finish(&mut self, kind: MessageKind) -> Result<(&[u8], bool), MessageError> {
        let valid = self.check.finish(kind)?;
        self.complete = Some(kind);
        Ok((&self.storage[..self.len], valid))
    }

    fn room(&mut self, len: usize, _frame_rest: u64) -> Result<&mut [u8], MessageError> {
        self.check.valid = false;
        let end = self.len + len;
        let limit = self.storage.len() as u64;
        let room = self
            .storage
            .get_mut(self.len..end)
            .ok_or(MessageError::MessageTooBig { len: end as u64, limit })?;
        self.lent = len;
        Ok(room)
    }

    fn commit(
        &mut self,
        len: usize,
        mask: Option<(MaskKey, u64)>,
        text: bool,
    ) -> Result<&[u8], MessageError> {
        let piece = (&mut self.len, &mut self.lent, &mut self.check);
        commit_piece(self.storage, piece, len, mask, text)
    }
}

#[cfg(feature = "alloc")]
impl MessageStore for MessageBuffer {}

#[cfg(feature = "alloc")]
impl sealed::Sealed for MessageBuffer {
    /// Shrinks back to the retained capacity after a larger message.
    fn begin(&mut self) {
        self.reset();
        self.check.begin();
    }

    #[inline(always)]
    fn holds_message(&self) -> bool {
        self.complete.is_some()
    }

    #[inline]
    fn append_unmasked(
        &mut self,
        data: &[u8],
        mask: Option<(MaskKey, u64)>,
        text: bool,
    ) -> Result<&[u8], MessageError> {
        self.check.valid = false;
        if !text {
            self.check.intact = false;
            return Ok(self.write(data, mask));
        }
        let utf8 = &mut self.check.utf8;
        self.lent = 0;
        let start = self.filled;
        let end = start + data.len();
        if self.bytes.len() < end {
            // Zeroed once, past the longest message so far; later messages reuse it.
            self.bytes.resize(end, 0);
        }
        copy_piece(&mut self.bytes[start..end], data, mask, Some(utf8))?;
        self.filled = end;
        Ok(&self.bytes[start..end])
    }

    fn finish(&mut self, kind: MessageKind) -> Result<(&[u8], bool), MessageError> {
        let valid = self.check.finish(kind)?;
        self.complete = Some(kind);
        Ok((&self.bytes[..self.filled], valid))
    }

    fn room(&mut self, len: usize, frame_rest: u64) -> Result<&mut [u8], MessageError> {
        self.check.valid = false;
        let end = self.filled + len;
        if self.bytes.len() < end {
            // Room for the rest of the frame at once (the connection checked its length
            // against the limits), instead of doubling up to it: each doubling would
            // move the bytes gathered so far. Only reserved: memory is touched as the
            // bytes arrive. If the reservation fails, growth falls back to doubling.
            let frame_end =
                usize::try_from(frame_rest).map_or(end, |r| self.filled.saturating_add(r));
            if frame_end > self.bytes.capacity() {
                // Not exact: messages of slightly varying sizes must not each grow it.
                let _ = self.bytes.try_reserve(frame_end - self.bytes.len());
            }
            // Zeroed once; later messages reuse it.
            self.bytes.resize(end, 0);
        }
        self.lent = len;
        Ok(&mut self.bytes[self.filled..end])
    }

    fn commit(
        &mut self,
        len: usize,
        mask: Option<(MaskKey, u64)>,
        text: bool,
    ) -> Result<&[u8], MessageError> {
        let piece = (&mut self.filled, &mut self.lent, &mut self.check);
        commit_piece(&mut self.bytes, piece, len, mask, text)
    }
}
