//! What the connection reports about received bytes.

use crate::message::{CloseFrame, ControlPayload, DataChunk};

/// Something the peer sent, returned by [`Connection::handle_read`](crate::Connection::handle_read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A piece of a text or binary message, borrowed from the input buffer.
    Data(DataChunk<'a>),
    /// A ping. With `auto_pong` on (the default) the pong is already queued for
    /// [`poll_transmit`](crate::Connection::poll_transmit).
    Ping(ControlPayload),
    /// A pong (solicited or not).
    Pong(ControlPayload),
    /// The peer's Close. The reply is already queued for
    /// [`poll_transmit`](crate::Connection::poll_transmit); no event follows.
    Close(CloseFrame),
}
