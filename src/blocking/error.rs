//! Errors of the blocking adapter.

use core::fmt;
use std::io;

use crate::handshake::{HandshakeError, UsageError};
use crate::message::MessageError;
use crate::{ConnectionError, SendError};

/// Why a blocking WebSocket operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed.
    Io(io::Error),
    /// The peer's handshake was malformed or unacceptable. As a server, the matching
    /// error response was already written.
    Handshake(HandshakeError),
    /// The server answered the upgrade request with another status than 101.
    Rejected {
        /// The HTTP status code.
        status: u16,
    },
    /// The server declined the request in the decision callback; the response with
    /// this status was written.
    Declined {
        /// The HTTP status code sent.
        status: u16,
    },
    /// The caller's handshake parameters are invalid (URI, header, subprotocol).
    Usage(UsageError),
    /// The peer broke the protocol; the Close frame with the matching code was sent.
    Protocol(ConnectionError),
    /// A send command was refused (closing, control payload too long, ...).
    Send(SendError),
    /// A message could not be gathered.
    Message(MessageError),
    /// The connection is closed: the close handshake completed, a timeout expired, or the
    /// transport ended. See [`WebSocket::close_code`](super::WebSocket::close_code).
    Closed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "i/o error: {e}"),
            Self::Handshake(e) => write!(f, "handshake failed: {e}"),
            Self::Rejected { status } => {
                write!(f, "server rejected the upgrade with status {status}")
            }
            Self::Declined { status } => write!(f, "upgrade declined with status {status}"),
            Self::Usage(e) => write!(f, "invalid handshake parameters: {e}"),
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::Send(e) => write!(f, "send refused: {e}"),
            Self::Message(e) => write!(f, "message error: {e}"),
            Self::Closed => f.write_str("connection closed"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Handshake(e) => Some(e),
            Self::Usage(e) => Some(e),
            Self::Protocol(e) => Some(e),
            Self::Send(e) => Some(e),
            Self::Message(e) => Some(e),
            Self::Rejected { .. } | Self::Declined { .. } | Self::Closed => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        Self::Send(e)
    }
}

impl From<MessageError> for Error {
    fn from(e: MessageError) -> Self {
        Self::Message(e)
    }
}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Self {
        Self::Usage(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Self::Handshake(e)
    }
}

impl From<crate::Error> for Error {
    fn from(e: crate::Error) -> Self {
        use crate::handshake::ResponseError;
        match e {
            crate::Error::Handshake(e) => Self::Handshake(e),
            crate::Error::Response(ResponseError::Rejected(rejected)) => {
                Self::Rejected { status: rejected.status() }
            }
            crate::Error::Response(ResponseError::Invalid(e)) => Self::Handshake(e),
            crate::Error::Usage(e) => Self::Usage(e),
            crate::Error::Declined { status } => Self::Declined { status },
            crate::Error::Connection(e) => Self::Protocol(e),
            crate::Error::Send(e) => Self::Send(e),
            crate::Error::BufferTooSmall(e) => Self::Send(e.into()),
        }
    }
}
