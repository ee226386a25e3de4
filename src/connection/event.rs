//! What the connection reports about received bytes.

use crate::message::{CloseFrame, DataChunk};

/// Something the peer sent, returned by [`Connection::handle_read`](crate::Connection::handle_read).
///
/// Data borrows the input buffer (or, for compressed messages, the connection); control
/// payloads borrow the connection. The event is small and cheap to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A piece of a text or binary message, borrowed from the input buffer.
    Data(DataChunk<'a>),
    /// A ping. With `auto_pong` on (the default) the pong is already queued for
    /// [`poll_transmit`](crate::Connection::poll_transmit).
    Ping(&'a [u8]),
    /// A pong (solicited or not).
    Pong(&'a [u8]),
    /// The peer's Close. The reply is already queued for
    /// [`poll_transmit`](crate::Connection::poll_transmit); no event follows.
    Close(&'a CloseFrame),
}
