//! Whole-message delivery: chunks gathered into a reused buffer.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::{MessageError, MessageKind};
use crate::accel::{Gather, GatherError, Storage};
use crate::frame::MaskKey;

/// Where a [`MessageReader`](crate::MessageReader) gathers messages, in a
/// caller-provided slice (no allocation).
///
/// A message longer than the slice fails the connection with 1009
/// ([`MessageError::MessageTooBig`]); set the connection's `max_message_len` to the
/// slice length so the peer is refused on the frame header instead.
///
/// ```
/// use rfc6455::message::SliceMessageBuffer;
/// use rfc6455::{Config, Connection, MessageReader, Received};
/// let mut client = Connection::client(Config::default(), [7; 16]);
/// let mut storage = [0u8; 64];
/// let mut reader = MessageReader::new([0u8; 64], SliceMessageBuffer::new(&mut storage));
/// // Two unmasked server frames: "Hel" (FIN clear) then "lo".
/// reader.feed(&[0x01, 0x03, b'H', b'e', b'l', 0x80, 0x02, b'l', b'o']);
/// assert_eq!(reader.next(&mut client), Some(Received::Text("Hello")));
/// assert_eq!(reader.next(&mut client), None);
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
}

/// Where a [`MessageReader`](crate::MessageReader) gathers messages, in a growable
/// buffer that is reused from one message to the next (feature `alloc`).
///
/// Growth is bounded by the connection's `max_message_len`, which refuses oversized
/// messages on the frame header. After a message larger than
/// [`retained_capacity`](Self::with_retained_capacity) the buffer shrinks back when the
/// next message starts, so an idle connection does not pin a large allocation.
///
/// ```
/// use rfc6455::message::MessageBuffer;
/// use rfc6455::{Config, Connection, MessageReader, Received};
/// let mut client = Connection::client(Config::default(), [7; 16]);
/// // A small read buffer, so the message is gathered in the store.
/// let mut reader = MessageReader::new([0u8; 4], MessageBuffer::new());
/// for piece in [&[0x82, 0x03, 1][..], &[2, 3]] {
///     reader.feed(piece);
///     if let Some(message) = reader.next(&mut client) {
///         assert_eq!(message, Received::Binary(&[1, 2, 3]));
///     }
/// }
/// assert!(reader.store_mut().capacity() >= 3);
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

/// Where a [`MessageReader`](crate::MessageReader) gathers messages that do not lie
/// whole in one read: [`SliceMessageBuffer`] (no allocation), with `heapless`
/// `HeaplessMessageBuffer` (owned, no allocation) or, with `alloc`, `MessageBuffer`.
/// Sealed: the connection relies on how these keep the bytes it checked.
pub trait MessageStore: sealed::Sealed {}

pub(super) mod sealed {
    use super::{MaskKey, MessageError, MessageKind};

    /// The operations the connection uses; not public API.
    pub trait Sealed {
        /// Empties the store for a new message, checked as text when `text`.
        fn begin(&mut self, text: bool);
        /// Returns `true` while the store holds a delivered message.
        fn holds_message(&self) -> bool;
        /// The delivered message: its kind, its bytes, and them as text when the store
        /// checked all of them as text itself.
        fn delivered(&self) -> Option<(MessageKind, &[u8], Option<&str>)>;
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
        /// Room for the next `len` bytes of the message (`len` at least 1), to be filled
        /// by the caller; `frame_rest` more bytes of the current frame are coming (room
        /// past them is for the bytes after the frame, which the caller takes back). A
        /// store may lend less, at least one byte and the whole room when it is within
        /// the frame and the store is fixed: a growing store bounds the memory a frame
        /// header alone makes it take, a fixed one lends no more than it holds.
        fn room(&mut self, len: usize, frame_rest: u64) -> Result<&mut [u8], MessageError>;
        /// The bytes the last [`room`](Self::room) lent, as the caller left them (until
        /// the next [`commit`](Self::commit)).
        fn lent(&self) -> &[u8];
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
pub(super) fn rotated_key(mask: Option<(MaskKey, u64)>) -> Option<crate::accel::Key> {
    mask.map(|(MaskKey(key), offset)| crate::frame::mask::rotate(key, offset))
}

/// The stores' `append_unmasked`, on their gather; `limit` is the store's size, for the
/// error.
#[inline(always)]
pub(super) fn append_piece<'g, S: Storage>(
    gather: &'g mut Gather<S>,
    data: &[u8],
    mask: Option<(MaskKey, u64)>,
    limit: u64,
) -> Result<&'g [u8], MessageError> {
    gather.append(data, rotated_key(mask)).map_err(|e| match e {
        GatherError::TooBig { len } => MessageError::MessageTooBig { len, limit },
        GatherError::InvalidUtf8 => MessageError::InvalidUtf8,
    })
}

/// The `room` of a store that holds at most `limit` bytes.
pub(super) fn fixed_room<S: Storage>(
    gather: &mut Gather<S>,
    limit: usize,
    len: usize,
    frame_rest: u64,
) -> Result<&mut [u8], MessageError> {
    let limit = limit as u64;
    // The rest of the frame must fit, not only this read: refused before any of it is
    // read.
    let end = (gather.bytes().len() as u64).saturating_add(frame_rest);
    if end > limit {
        return Err(MessageError::MessageTooBig { len: end, limit });
    }
    // Room past the frame only as far as the storage goes.
    let free = limit.saturating_sub(gather.bytes().len() as u64);
    let len = len.min(usize::try_from(free).unwrap_or(usize::MAX).max(1));
    gather.room(len, 0).map_err(|len| MessageError::MessageTooBig { len, limit })
}

/// The stores' `finish`, on their gather.
pub(super) fn finish_message<S: Storage>(
    gather: &mut Gather<S>,
    complete: &mut Option<MessageKind>,
    kind: MessageKind,
) -> Result<(), MessageError> {
    gather.finish(kind == MessageKind::Text).map_err(|_| MessageError::InvalidUtf8)?;
    *complete = Some(kind);
    Ok(())
}

impl MessageStore for SliceMessageBuffer<'_> {}

impl<'b> FixedStore for SliceMessageBuffer<'b> {
    type Storage = &'b mut [u8];

    fn parts(&self) -> (&Gather<Self::Storage>, Option<MessageKind>) {
        (&self.gather, self.complete)
    }

    fn parts_mut(&mut self) -> (&mut Gather<Self::Storage>, &mut Option<MessageKind>) {
        (&mut self.gather, &mut self.complete)
    }

    fn limit(&self) -> usize {
        self.gather.storage().len()
    }
}

/// A store of fixed size: its gather, its delivered message's kind, and its size. The
/// store operations are written once for all of them ([`SliceMessageBuffer`], and with
/// `heapless` `HeaplessMessageBuffer`).
pub(super) trait FixedStore {
    type Storage: Storage;
    fn parts(&self) -> (&Gather<Self::Storage>, Option<MessageKind>);
    fn parts_mut(&mut self) -> (&mut Gather<Self::Storage>, &mut Option<MessageKind>);
    /// The most a message can hold.
    fn limit(&self) -> usize;
}

impl<T: FixedStore> sealed::Sealed for T {
    fn begin(&mut self, text: bool) {
        let (gather, complete) = self.parts_mut();
        *complete = None;
        gather.begin(text);
    }

    #[inline(always)]
    fn holds_message(&self) -> bool {
        self.parts().1.is_some()
    }

    fn delivered(&self) -> Option<(MessageKind, &[u8], Option<&str>)> {
        let (gather, complete) = self.parts();
        complete.map(|kind| (kind, gather.bytes(), gather.text()))
    }

    #[inline]
    fn append_unmasked(
        &mut self,
        data: &[u8],
        mask: Option<(MaskKey, u64)>,
    ) -> Result<&[u8], MessageError> {
        let limit = self.limit() as u64;
        append_piece(self.parts_mut().0, data, mask, limit)
    }

    fn finish(&mut self, kind: MessageKind) -> Result<(&[u8], Option<&str>), MessageError> {
        let (gather, complete) = self.parts_mut();
        finish_message(gather, complete, kind)?;
        Ok((gather.bytes(), gather.text()))
    }

    fn room(&mut self, len: usize, frame_rest: u64) -> Result<&mut [u8], MessageError> {
        let limit = self.limit();
        fixed_room(self.parts_mut().0, limit, len, frame_rest)
    }

    fn lent(&self) -> &[u8] {
        self.parts().0.lent()
    }

    fn commit(&mut self, len: usize, mask: Option<(MaskKey, u64)>) -> Result<&[u8], MessageError> {
        let gather = self.parts_mut().0;
        gather.commit(len, rotated_key(mask)).map_err(|_| MessageError::InvalidUtf8)
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

    fn delivered(&self) -> Option<(MessageKind, &[u8], Option<&str>)> {
        self.complete.map(|kind| (kind, self.gather.bytes(), self.gather.text()))
    }

    #[inline]
    fn append_unmasked(
        &mut self,
        data: &[u8],
        mask: Option<(MaskKey, u64)>,
    ) -> Result<&[u8], MessageError> {
        let limit = self.gather.storage().len() as u64;
        append_piece(&mut self.gather, data, mask, limit)
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
        // The room itself (allocated and zeroed now) follows what arrived: at most as
        // much again, or `MAX_RESERVE_AHEAD`, so a header alone lends no more than that,
        // and room and reservation together stay within three times what arrived. (A
        // room as large as the reservation would make every read reallocate.)
        let gathered = self.gather.bytes().len() as u64;
        let room_bound = MAX_RESERVE_AHEAD.max(gathered);
        let len = len.min(usize::try_from(room_bound).unwrap_or(usize::MAX)).max(1);
        let cap = MAX_RESERVE_AHEAD.max(gathered.saturating_mul(3));
        let ahead = frame_rest.min(cap).saturating_sub(len as u64) as usize;
        self.gather
            .room(len, ahead)
            .map_err(|len| MessageError::MessageTooBig { len, limit: u64::MAX })
    }

    fn lent(&self) -> &[u8] {
        self.gather.lent()
    }

    fn commit(&mut self, len: usize, mask: Option<(MaskKey, u64)>) -> Result<&[u8], MessageError> {
        self.gather.commit(len, rotated_key(mask)).map_err(|_| MessageError::InvalidUtf8)
    }
}
