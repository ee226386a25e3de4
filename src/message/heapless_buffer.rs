//! A message store of fixed capacity that owns its bytes (feature `heapless`).

use super::buffer::{append_piece, finish_message, fixed_room, rotated_key, sealed};
use super::{MessageError, MessageKind, MessageStore};
use crate::accel::Gather;
use crate::frame::MaskKey;

/// Where a [`MessageReader`](crate::MessageReader) gathers messages, in `N` bytes it
/// owns (feature `heapless`): no allocation and no borrowed slice, so a reader can be
/// stored in a struct or a `static` without a lifetime.
///
/// A message longer than `N` fails the connection with 1009
/// ([`MessageError::MessageTooBig`]); set the connection's `max_message_len` to `N` so
/// the peer is refused on the frame header instead. Only the bytes a message ever
/// needed are written (and zeroed once), not all `N` up front.
///
/// ```
/// use rfc6455::message::HeaplessMessageBuffer;
/// use rfc6455::{Config, Connection, MessageReader, Received};
/// let mut client = Connection::client(Config::default(), [7; 16]);
/// let mut reader = MessageReader::new([0u8; 64], HeaplessMessageBuffer::<64>::new());
/// // Two unmasked server frames: "Hel" (FIN clear) then "lo".
/// reader.feed(&[0x01, 0x03, b'H', b'e', b'l', 0x80, 0x02, b'l', b'o']);
/// assert_eq!(reader.next(&mut client), Some(Received::Text("Hello")));
///
/// // Larger than the store: the connection fails with 1009.
/// let mut small = MessageReader::new([0u8; 64], HeaplessMessageBuffer::<4>::new());
/// let mut client = Connection::client(Config::default(), [7; 16]);
/// small.feed(&[0x01, 0x03, b'H', b'e', b'l', 0x80, 0x02, b'l', b'o']);
/// assert_eq!(small.next(&mut client), None);
/// assert_eq!(client.failure().map(|e| e.close_code().get()), Some(1009));
/// ```
#[derive(Debug)]
pub struct HeaplessMessageBuffer<const N: usize> {
    /// A `heapless::Vec` whose length is how much of it was ever written (initialised),
    /// which may exceed the message.
    gather: Gather<heapless::Vec<u8, N>>,
    complete: Option<MessageKind>,
}

impl<const N: usize> HeaplessMessageBuffer<N> {
    /// An empty store of `N` bytes.
    pub const fn new() -> Self {
        Self { gather: Gather::new(heapless::Vec::new()), complete: None }
    }

    /// The most a message can hold: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> Default for HeaplessMessageBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> MessageStore for HeaplessMessageBuffer<N> {}

impl<const N: usize> sealed::Sealed for HeaplessMessageBuffer<N> {
    fn begin(&mut self, text: bool) {
        self.complete = None;
        self.gather.begin(text);
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
        append_piece(&mut self.gather, data, mask, N as u64)
    }

    fn finish(&mut self, kind: MessageKind) -> Result<(&[u8], Option<&str>), MessageError> {
        finish_message(&mut self.gather, &mut self.complete, kind)?;
        Ok((self.gather.bytes(), self.gather.text()))
    }

    fn room(&mut self, len: usize, frame_rest: u64) -> Result<&mut [u8], MessageError> {
        fixed_room(&mut self.gather, N, len, frame_rest)
    }

    fn lent(&self) -> &[u8] {
        self.gather.lent()
    }

    fn commit(&mut self, len: usize, mask: Option<(MaskKey, u64)>) -> Result<&[u8], MessageError> {
        self.gather.commit(len, rotated_key(mask)).map_err(|_| MessageError::InvalidUtf8)
    }
}
