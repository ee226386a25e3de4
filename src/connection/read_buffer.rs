//! A caller's read buffer that keeps the start of a message not yet whole, so that every
//! message that fits in it arrives whole and in place.

use super::{Connection, ConnectionError, Event};
use crate::message::MessageStore;

/// The buffer a caller reads the transport into, for
/// [`Connection::read_message`]: it keeps the bytes of a message that a read cut short
/// at its front, and the next read lands after them.
///
/// With [`handle_read_message`](Connection::handle_read_message) alone, a message that
/// two reads split is gathered in the message store, a copy (and, with a
/// `MessageBuffer`, heap that stays with the connection). Through a `ReadBuffer`, a
/// message in one frame that fits in the buffer is instead left in it until it is
/// whole, then delivered in place like any other: the store is only used for larger
/// or fragmented messages. Moving the kept bytes to the front costs less than a frame.
///
/// The storage is anything that derefs to bytes: an array or `&mut [u8]` without
/// `alloc`, a `Vec<u8>` or `Box<[u8]>` with it. About 16 KiB suits most connections
/// (see [`handle_read_message`](Connection::handle_read_message)). Between messages it
/// holds nothing, so idle connections of one thread may share one (given back with
/// [`into_inner`](Self::into_inner) when [`is_empty`](Self::is_empty)).
///
/// ```
/// use rfc6455::message::SliceMessageBuffer;
/// use rfc6455::{Config, Connection, Event, ReadBuffer};
/// let mut client = Connection::client(Config::default(), [7; 16]);
/// let mut buffer = ReadBuffer::new([0u8; 64]);
/// let mut messages = SliceMessageBuffer::new(&mut []); // never needed here
/// // Two unmasked text messages, "Hello" and "World", the first cut by a read.
/// let wire = [0x81, 0x05, b'H', b'e', b'l', b'l', b'o', 0x81, 0x05, b'W', b'o', b'r', b'l', b'd'];
/// let mut got = Vec::new();
/// for read in [&wire[..4], &wire[4..]] {
///     // The transport's read: into the free space.
///     buffer.spare()[..read.len()].copy_from_slice(read);
///     buffer.filled(read.len());
///     while let Some(event) = client.read_message(&mut buffer, &mut messages).unwrap() {
///         if let Event::Data(message) = event {
///             got.push(message.as_whole_text().unwrap().to_owned());
///         }
///     }
/// }
/// assert_eq!(got, ["Hello", "World"]);
/// assert!(buffer.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct ReadBuffer<S> {
    storage: S,
    /// The bytes read but not handled yet are `storage[start..end]`.
    start: usize,
    end: usize,
}

impl<S: AsRef<[u8]> + AsMut<[u8]>> ReadBuffer<S> {
    /// An empty buffer over `storage` (its bytes are overwritten by reads).
    pub const fn new(storage: S) -> Self {
        Self { storage, start: 0, end: 0 }
    }

    /// The bytes read but not handled yet: the start of a message kept until it is
    /// whole (or bytes [`Connection::read_message`] has not been asked about yet).
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// `true` when it holds no byte that was read but not handled.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The size of the storage: the largest message frame (header included) that is
    /// delivered in place.
    pub fn capacity(&self) -> usize {
        self.storage.as_ref().len()
    }

    /// Where to read next: the free space after the bytes kept, which are first moved
    /// to the front. Not empty after [`Connection::read_message`] returned `None`
    /// (unless the storage itself is).
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.storage.as_mut().copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.storage.as_mut()[self.end..]
    }

    /// Records that the first `n` bytes of [`spare`](Self::spare) were read into.
    ///
    /// # Panics
    /// If `n` is larger than the free space.
    pub fn filled(&mut self, n: usize) {
        assert!(n <= self.capacity() - self.end, "filled more than the free space");
        self.end += n;
    }

    /// The storage back.
    pub fn into_inner(self) -> S {
        self.storage
    }
}

impl Connection {
    /// [`handle_read_message`](Self::handle_read_message) on the bytes of `buffer`:
    /// returns the next event, or `None` when every byte is handled or kept, and the
    /// caller should read more into [`ReadBuffer::spare`].
    ///
    /// A text or binary message in one frame that `buffer` could hold whole but that
    /// is cut short is kept in `buffer` (nothing of it is taken yet), and is delivered
    /// in place once a later read completes it. Every other message is gathered in
    /// `messages` as `handle_read_message` does. The events are the same as from
    /// `handle_read_message` on the same bytes, however the reads cut them.
    ///
    /// A frame's header that the connection refuses fails at once, even when the
    /// frame is not whole. See [`ReadBuffer`] for an example.
    ///
    /// # Errors
    /// As [`handle_read`](Self::handle_read). After an error the buffer is emptied.
    pub fn read_message<'e, S, B>(
        &'e mut self,
        buffer: &'e mut ReadBuffer<S>,
        messages: &'e mut B,
    ) -> Result<Option<Event<'e>>, ConnectionError>
    where
        S: AsRef<[u8]> + AsMut<[u8]>,
        B: MessageStore,
    {
        let ReadBuffer { storage, start, end } = buffer;
        let storage = storage.as_mut();
        let keep_up_to = storage.len();
        match self.read_message_keeping(&mut storage[*start..*end], keep_up_to, messages) {
            Ok((event, rest)) => {
                *start = *end - rest.len();
                Ok(event)
            }
            Err(e) => {
                *start = *end;
                Err(e)
            }
        }
    }
}
