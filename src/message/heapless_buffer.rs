//! A message store of fixed capacity that owns its bytes (feature `heapless`).

use super::buffer::FixedStore;
use super::{MessageKind, MessageStore};
use crate::accel::Gather;

/// Where a [`MessageReader`](crate::MessageReader) gathers messages, in `N` bytes it
/// owns (feature `heapless`): no allocation and no borrowed slice, so a reader can be
/// stored in a struct or a `static` without a lifetime.
///
/// A message longer than `N` fails the connection with 1009
/// ([`MessageError::MessageTooBig`](super::MessageError::MessageTooBig)); set the connection's `max_message_len` to `N` so
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

impl<const N: usize> FixedStore for HeaplessMessageBuffer<N> {
    type Storage = heapless::Vec<u8, N>;

    fn parts(&self) -> (&Gather<Self::Storage>, Option<MessageKind>) {
        (&self.gather, self.complete)
    }

    fn parts_mut(&mut self) -> (&mut Gather<Self::Storage>, &mut Option<MessageKind>) {
        (&mut self.gather, &mut self.complete)
    }

    fn limit(&self) -> usize {
        N
    }
}
