//! Errors of the connection layer.

use core::fmt;

use crate::frame::FrameError;
use crate::message::{CloseFrameError, MessageError};
use crate::{BufferTooSmall, CloseCode};

/// Why the connection failed: a fault of the peer, detected on input or by a timer.
///
/// When one is returned, the Close frame with [`close_code`](Self::close_code) is already
/// queued for [`poll_transmit`](crate::Connection::poll_transmit), and no further event
/// will be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionError {
    /// A malformed or forbidden frame.
    Frame(FrameError),
    /// A malformed message or close frame.
    Message(MessageError),
    /// No pong arrived within the keepalive timeout. Close code 1001.
    PongTimeout,
}

impl ConnectionError {
    /// Returns the close code sent to the peer for this error.
    pub const fn close_code(self) -> CloseCode {
        match self {
            Self::Frame(e) => e.close_code(),
            Self::Message(e) => e.close_code(),
            Self::PongTimeout => CloseCode::GOING_AWAY,
        }
    }
}

impl From<FrameError> for ConnectionError {
    fn from(e: FrameError) -> Self {
        Self::Frame(e)
    }
}

impl From<MessageError> for ConnectionError {
    fn from(e: MessageError) -> Self {
        Self::Message(e)
    }
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(e) => write!(f, "frame error: {e}"),
            Self::Message(e) => write!(f, "message error: {e}"),
            Self::PongTimeout => f.write_str("no pong within the keepalive timeout"),
        }
    }
}

impl core::error::Error for ConnectionError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Frame(e) => Some(e),
            Self::Message(e) => Some(e),
            Self::PongTimeout => None,
        }
    }
}

/// A send command was refused. Nothing was written and the connection is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The output sink cannot hold the frame.
    BufferTooSmall(BufferTooSmall),
    /// A Close was already sent, the connection failed, or the transport closed
    /// (RFC 6455 §5.5.1: no data after Close).
    Closed,
    /// A ping or pong payload over 125 bytes (RFC 6455 §5.5).
    ControlPayloadTooLong,
    /// The close code or reason cannot be sent.
    CloseFrame(CloseFrameError),
    /// A whole message was sent while a fragmented one is in progress, or a fragment
    /// of another kind than the message in progress (RFC 6455 §5.4).
    FragmentedMessageInProgress,
    /// Text fragments that are not valid UTF-8.
    InvalidUtf8,
    /// The sink already holds `queued` bytes and the message would take it past
    /// [`Config::max_queued_output`](crate::Config::max_queued_output): write what it
    /// holds to the transport first (the peer reads too slowly).
    OutputFull {
        /// The bytes the sink held.
        queued: usize,
        /// The limit.
        limit: usize,
    },
}

impl From<BufferTooSmall> for SendError {
    fn from(e: BufferTooSmall) -> Self {
        Self::BufferTooSmall(e)
    }
}

impl From<CloseFrameError> for SendError {
    fn from(e: CloseFrameError) -> Self {
        Self::CloseFrame(e)
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall(e) => e.fmt(f),
            Self::Closed => f.write_str("connection is closing or closed"),
            Self::ControlPayloadTooLong => f.write_str("control payload over 125 bytes"),
            Self::CloseFrame(e) => e.fmt(f),
            Self::FragmentedMessageInProgress => f.write_str("a fragmented message is in progress"),
            Self::InvalidUtf8 => f.write_str("text fragment is not valid utf-8"),
            Self::OutputFull { queued, limit } => {
                write!(f, "output full: {queued} bytes queued, limit {limit}")
            }
        }
    }
}

impl core::error::Error for SendError {}
