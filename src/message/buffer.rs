//! Whole-message delivery: chunks gathered into a reused buffer.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::{DataChunk, MessageError, MessageKind};
use crate::accel::{Gather, GatherError, Storage};
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

/// The message of `kind` gathered in `gather`: text the gather found valid as it
/// gathered it is not checked again.
fn complete<S: Storage>(
    kind: MessageKind,
    gather: &Gather<S>,
) -> Result<Message<'_>, MessageError> {
    match kind {
        MessageKind::Binary => Ok(Message::Binary(gather.bytes())),
        MessageKind::Text => match gather.text() {
            Some(text) => Ok(Message::Text(text)),
            // Chunks added without the check (a message that did not start here).
            None => crate::accel::to_str(gather.bytes())
                .map(Message::Text)
                .ok_or(MessageError::InvalidUtf8),
        },
    }
}

/// Adds a chunk to `gather`: a first chunk starts a new message (checked as text when
/// it is text). Returns the error for the caller when the chunk does not fit; invalid
/// text is reported by [`complete`] (the gather then has no verdict).
fn add_chunk<S: Storage>(
    gather: &mut Gather<S>,
    complete: &mut Option<MessageKind>,
    chunk: &DataChunk<'_>,
) -> Result<(), MessageError> {
    let text = chunk.kind() == MessageKind::Text;
    if chunk.is_first() {
        gather.begin(text);
    }
    *complete = None;
    match gather.append(chunk.payload(), None) {
        Err(GatherError::TooBig { len }) => {
            let limit = gather.storage().initialised().len() as u64;
            return Err(MessageError::MessageTooBig { len, limit });
        }
        Ok(_) | Err(GatherError::InvalidUtf8) => {}
    }
    if chunk.is_last() {
        // A text check that fails leaves no verdict; `complete` then checks.
        let _ = gather.finish(text);
        *complete = Some(chunk.kind());
    }
    Ok(())
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
    gather: Gather<&'b mut [u8]>,
    complete: Option<MessageKind>,
}

impl<'b> SliceMessageBuffer<'b> {
    /// A buffer writing into `storage`.
    pub fn new(storage: &'b mut [u8]) -> Self {
        Self { gather: Gather::new(storage), complete: None }
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
        add_chunk(&mut self.gather, &mut self.complete, chunk)?;
        Ok(chunk.is_last())
    }

    /// The message completed by the last chunk added (or gathered by
    /// `Connection::handle_read_message`), if one was completed. Text is checked as it
    /// is gathered, so reading it checks nothing again.
    ///
    /// # Errors
    /// [`MessageError::InvalidUtf8`] if chunks of different messages were mixed.
    pub fn message(&self) -> Result<Option<Message<'_>>, MessageError> {
        self.complete.map(|kind| complete(kind, &self.gather)).transpose()
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
#[derive(Debug)]
pub struct MessageBuffer {
    /// Storage: a `Vec` whose length is how much of it was ever written (initialised),
    /// which may exceed the message; reusing that part saves zeroing it again.
    gather: Gather<Vec<u8>>,
    retained_capacity: usize,
    complete: Option<MessageKind>,
}

#[cfg(feature = "alloc")]
impl Default for MessageBuffer {
    fn default() -> Self {
        Self::new()
    }
}

/// The most a `MessageBuffer` reserves ahead of the bytes that arrived on the word of a
/// frame header alone (after more arrived, up to three times that): a peer's 14-byte
/// header cannot make it reserve more.
#[cfg(feature = "alloc")]
const MAX_RESERVE_AHEAD: u64 = 64 * 1024;

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
        Self { gather: Gather::new(Vec::new()), retained_capacity: bytes, complete: None }
    }

    /// The bytes currently allocated.
    pub fn capacity(&self) -> usize {
        self.gather.storage().capacity()
    }

    /// Releases all memory (for example when the connection goes idle).
    pub fn release(&mut self) {
        *self.gather.begin(false) = Vec::new();
        self.complete = None;
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
            self.begin_message(chunk.kind() == MessageKind::Text);
        }
        // A `Vec` grows for any chunk: it cannot be too small.
        let _ = add_chunk(&mut self.gather, &mut self.complete, chunk);
        chunk.is_last()
    }

    /// The message completed by the last chunk added (or gathered by
    /// `Connection::handle_read_message`), if one was completed. Text is checked as it
    /// is gathered, so reading it checks nothing again.
    ///
    /// # Errors
    /// [`MessageError::InvalidUtf8`] if chunks of different messages were mixed.
    pub fn message(&self) -> Result<Option<Message<'_>>, MessageError> {
        self.complete.map(|kind| complete(kind, &self.gather)).transpose()
    }

    /// Empties the buffer for a new message, shrinking it back to the retained
    /// capacity after a larger one.
    fn begin_message(&mut self, text: bool) {
        self.complete = None;
        let retained = self.retained_capacity;
        let bytes = self.gather.begin(text);
        if bytes.capacity() > retained {
            bytes.truncate(retained);
            bytes.shrink_to(retained);
        }
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
        /// Empties the store for a new message, checked as text when `text`.
        fn begin(&mut self, text: bool);
        /// Returns `true` while the store holds a delivered message.
        fn holds_message(&self) -> bool;
        /// Forgets a message that was delivered (the caller is done with it, as it
        /// lent the store again), giving back memory beyond what it retains.
        #[inline(always)]
        fn settle(&mut self) {
            if self.holds_message() {
                self.begin(false);
            }
        }
        /// Appends received payload bytes, unmasking them with `mask` (key and payload
        /// offset) in the same pass and checking them if the message is text; returns
        /// the appended, unmasked bytes.
        ///
        /// # Errors
        /// [`MessageError::InvalidUtf8`] when they prove the text invalid,
        /// [`MessageError::MessageTooBig`] when they do not fit.
        fn append_unmasked(
            &mut self,
            data: &[u8],
            mask: Option<(MaskKey, u64)>,
        ) -> Result<&[u8], MessageError>;
        /// Marks the bytes gathered so far as a whole message of `kind`; returns them,
        /// and as text when the store checked all of it as text itself.
        ///
        /// # Errors
        /// [`MessageError::InvalidUtf8`] when the text it checked is invalid or ends
        /// inside a code point.
        fn finish(&mut self, kind: MessageKind) -> Result<(&[u8], Option<&str>), MessageError>;
        /// Room for the next `len` bytes of the message, to be filled by the caller;
        /// `frame_rest` (at least `len`) more bytes of the current frame are coming.
        fn room(&mut self, len: usize, frame_rest: u64) -> Result<&mut [u8], MessageError>;
        /// Adds the first `len` bytes of the last [`room`](Self::room) to the message
        /// (never more than that room), unmasked in place with `mask` and checked as by
        /// [`append_unmasked`](Self::append_unmasked); returns them.
        fn commit(
            &mut self,
            len: usize,
            mask: Option<(MaskKey, u64)>,
        ) -> Result<&[u8], MessageError>;
    }
}

/// The accel key for `mask` (key and payload offset of the first byte).
#[inline(always)]
fn rotated_key(mask: Option<(MaskKey, u64)>) -> Option<crate::accel::Key> {
    mask.map(|(MaskKey(key), offset)| crate::frame::mask::rotate(key, offset))
}

/// The stores' `append_unmasked`, on their gather.
#[inline(always)]
fn append_piece<'g, S: Storage>(
    gather: &'g mut Gather<S>,
    data: &[u8],
    mask: Option<(MaskKey, u64)>,
) -> Result<&'g [u8], MessageError> {
    let limit = gather.storage().initialised().len() as u64;
    gather.append(data, rotated_key(mask)).map_err(|e| match e {
        GatherError::TooBig { len } => MessageError::MessageTooBig { len, limit },
        GatherError::InvalidUtf8 => MessageError::InvalidUtf8,
    })
}

/// The stores' `finish`, on their gather.
fn finish_message<S: Storage>(
    gather: &mut Gather<S>,
    complete: &mut Option<MessageKind>,
    kind: MessageKind,
) -> Result<(), MessageError> {
    gather.finish(kind == MessageKind::Text).map_err(|_| MessageError::InvalidUtf8)?;
    *complete = Some(kind);
    Ok(())
}

impl MessageStore for SliceMessageBuffer<'_> {}

impl sealed::Sealed for SliceMessageBuffer<'_> {
    fn begin(&mut self, text: bool) {
        self.complete = None;
        self.gather.begin(text);
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
    ) -> Result<&[u8], MessageError> {
        append_piece(&mut self.gather, data, mask)
    }

    fn finish(&mut self, kind: MessageKind) -> Result<(&[u8], Option<&str>), MessageError> {
        finish_message(&mut self.gather, &mut self.complete, kind)?;
        Ok((self.gather.bytes(), self.gather.text()))
    }

    fn room(&mut self, len: usize, _frame_rest: u64) -> Result<&mut [u8], MessageError> {
        let limit = self.gather.storage().len() as u64;
        self.gather.room(len, 0).map_err(|len| MessageError::MessageTooBig { len, limit })
    }

    fn commit(&mut self, len: usize, mask: Option<(MaskKey, u64)>) -> Result<&[u8], MessageError> {
        self.gather.commit(len, rotated_key(mask)).map_err(|_| MessageError::InvalidUtf8)
    }
}

#[cfg(feature = "alloc")]
impl MessageStore for MessageBuffer {}

#[cfg(feature = "alloc")]
impl sealed::Sealed for MessageBuffer {
    /// Shrinks back to the retained capacity after a larger message.
    fn begin(&mut self, text: bool) {
        self.begin_message(text);
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
    ) -> Result<&[u8], MessageError> {
        append_piece(&mut self.gather, data, mask)
    }

    fn finish(&mut self, kind: MessageKind) -> Result<(&[u8], Option<&str>), MessageError> {
        finish_message(&mut self.gather, &mut self.complete, kind)?;
        Ok((self.gather.bytes(), self.gather.text()))
    }

    fn room(&mut self, len: usize, frame_rest: u64) -> Result<&mut [u8], MessageError> {
        // Room for more of the frame than this read asks, so that growth does not move
        // the bytes gathered so far at each read: up to three times what arrived (so a
        // large frame is moved a few times, each move quadrupling), but never more than
        // `MAX_RESERVE_AHEAD` on the word of a header alone.
        let arrived = (self.gather.bytes().len() + len) as u64;
        let cap = MAX_RESERVE_AHEAD.max(3 * arrived);
        let ahead = frame_rest.saturating_sub(len as u64).min(cap) as usize;
        self.gather
            .room(len, ahead)
            .map_err(|len| MessageError::MessageTooBig { len, limit: u64::MAX })
    }

    fn commit(&mut self, len: usize, mask: Option<(MaskKey, u64)>) -> Result<&[u8], MessageError> {
        self.gather.commit(len, rotated_key(mask)).map_err(|_| MessageError::InvalidUtf8)
    }
}
