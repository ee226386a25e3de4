//! One error type for callers who want one.

use core::fmt;

use crate::handshake::{HandshakeError, ResponseError, UsageError};
use crate::{BufferTooSmall, CloseCode, ConnectionError, SendError};

/// Any error of the crate: what `?` turns each layer's error into, for a caller who
/// handles them in one place. Each layer's own type says more (and maps to what the peer
/// is told); this one keeps it and says which layer failed.
///
/// ```
/// use rfc6455::{Config, Connection, Error};
/// fn send(conn: &mut Connection, out: &mut rfc6455::SliceSink<'_>) -> Result<(), Error> {
///     conn.send_text("Hello", out)?; // a `SendError`
///     while conn.poll_transmit(out)? {} // a `BufferTooSmall`
///     Ok(())
/// }
/// let mut conn = Connection::server(Config::default());
/// let mut storage = [0u8; 4];
/// let error = send(&mut conn, &mut rfc6455::SliceSink::new(&mut storage)).unwrap_err();
/// assert!(matches!(error, Error::Send(_)));
/// assert_eq!(error.to_string(), "cannot send: output buffer too small: 7 bytes required");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The peer's opening request was refused (answer with `Reject::from_error`).
    Handshake(HandshakeError),
    /// The server's answer to our opening request was refused or not a 101.
    Response(ResponseError),
    /// A handshake value the caller supplied cannot be written.
    Usage(UsageError),
    /// The server declined the client's request (its decision returned a `Reject`);
    /// the response with this status was written.
    Declined {
        /// The HTTP status sent.
        status: u16,
    },
    /// The connection failed: the peer broke the protocol or a limit, or a timer ran
    /// out. Its Close, with [`close_code`](Self::close_code), was queued.
    Connection(ConnectionError),
    /// A command could not be carried out; the connection is unchanged.
    Send(SendError),
    /// An output sink was too small; nothing was written.
    BufferTooSmall(BufferTooSmall),
}

impl Error {
    /// The close code the peer is sent for a connection failure.
    pub const fn close_code(&self) -> Option<CloseCode> {
        match self {
            Self::Connection(error) => Some(error.close_code()),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handshake(e) => write!(f, "handshake refused: {e}"),
            Self::Response(e) => write!(f, "handshake response refused: {e}"),
            Self::Usage(e) => write!(f, "handshake: {e}"),
            Self::Declined { status } => write!(f, "upgrade declined with status {status}"),
            Self::Connection(e) => write!(f, "connection failed: {e}"),
            Self::Send(e) => write!(f, "cannot send: {e}"),
            Self::BufferTooSmall(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(match self {
            Self::Handshake(e) => e,
            Self::Response(e) => e,
            Self::Usage(e) => e,
            Self::Connection(e) => e,
            Self::Send(e) => e,
            Self::BufferTooSmall(e) => e,
            Self::Declined { .. } => return None,
        })
    }
}

macro_rules! from {
    ($($variant:ident($ty:ty)),* $(,)?) => {$(
        impl From<$ty> for Error {
            fn from(error: $ty) -> Self {
                Self::$variant(error)
            }
        }
    )*};
}

from!(
    Handshake(HandshakeError),
    Response(ResponseError),
    Usage(UsageError),
    Connection(ConnectionError),
    Send(SendError),
    BufferTooSmall(BufferTooSmall),
);
