//! What the connection reports about received bytes.

use crate::message::{CloseFrame, ControlPayload, DataChunk, MessageKind};

/// Something the peer sent, returned by [`Connection::handle_read`](crate::Connection::handle_read).
///
/// Data borrows the input buffer and nothing else, so the connection is free to send
/// while the event is held; control payloads (at most 125 bytes) are returned by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A piece of a text or binary message, borrowed from the input buffer.
    Data(DataChunk<'a>),
    /// A piece of a compressed message (permessage-deflate), inflated into the
    /// connection: read its bytes with
    /// [`Connection::inflated`](crate::Connection::inflated) before the next call.
    /// Text is checked as it is inflated.
    Inflated {
        /// Text or binary.
        kind: MessageKind,
        /// This is the message's first piece.
        is_first: bool,
        /// This is the message's last piece.
        is_last: bool,
    },
    /// A ping. With `auto_pong` on (the default) the pong is already queued for
    /// [`poll_transmit`](crate::Connection::poll_transmit).
    Ping(ControlPayload),
    /// A pong (solicited or not).
    Pong(ControlPayload),
    /// The peer's Close. The reply is already queued for
    /// [`poll_transmit`](crate::Connection::poll_transmit); no event follows.
    Close(CloseFrame),
}

/// Something the peer sent, whole: what [`MessageReader::next`](crate::MessageReader::next)
/// returns.
///
/// Text and binary messages borrow the reader (its read buffer, where a message that
/// arrived whole is left in place, or its message store), never the connection: a
/// message can be sent back while it is held. Control payloads are returned by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received<'a> {
    /// A whole text message, valid UTF-8.
    Text(&'a str),
    /// A whole binary message.
    Binary(&'a [u8]),
    /// A ping. With `auto_pong` on (the default) the pong is already queued for
    /// [`poll_transmit`](crate::Connection::poll_transmit).
    Ping(ControlPayload),
    /// A pong (solicited or not).
    Pong(ControlPayload),
    /// The peer's Close. The reply is already queued for
    /// [`poll_transmit`](crate::Connection::poll_transmit); no message follows.
    Close(CloseFrame),
}

impl<'a> Received<'a> {
    /// The message's bytes, for text and binary messages.
    pub const fn data(&self) -> Option<&'a [u8]> {
        match *self {
            Self::Text(text) => Some(text.as_bytes()),
            Self::Binary(bytes) => Some(bytes),
            _ => None,
        }
    }
}
