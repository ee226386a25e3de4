//! The error of the embedded-io drivers, blocking and async.

use core::fmt;

use crate::handshake::UsageError;
use crate::SendError;

/// Why an operation of an embedded-io [`WebSocket`](super::WebSocket) (or its async
/// twin) failed; `E` is the transport's error.
///
/// ```
/// use rfc6455::embedded_io::Error;
/// use rfc6455::{CloseCode, ConnectionError};
///
/// let closed: Error<embedded_io::ErrorKind> = Error::Closed;
/// assert_eq!(closed.to_string(), "connection closed");
/// let io = Error::Io(embedded_io::ErrorKind::ConnectionReset);
/// assert_eq!(io.to_string(), "transport error: ConnectionReset");
/// let failed: Error<embedded_io::ErrorKind> =
///     rfc6455::Error::Connection(ConnectionError::PongTimeout).into();
/// assert_eq!(failed.close_code(), Some(CloseCode::GOING_AWAY));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error<E> {
    /// The transport failed. After a read error the connection is unchanged (read
    /// again to retry, after a read timeout say); after a write error nothing more is
    /// sent, but reading goes on, so a Close the peer sent is still delivered.
    Io(E),
    /// The transport took no byte of a write (it returned `Ok(0)`, which embedded-io
    /// reserves for empty writes): nothing more is sent, as after [`Io`](Self::Io).
    WriteZero,
    /// The handshake was refused (a server wrote the error status first), the
    /// connection failed (its Close was written first; reported once), or a command
    /// was refused (see [`crate::Error`]).
    WebSocket(crate::Error),
    /// The connection is over: the close handshake completed, a timer ran out, or
    /// the transport ended (before or after the handshake). See `close_code`.
    Closed,
}

impl<E> Error<E> {
    /// The close code the peer was sent for a connection failure.
    pub const fn close_code(&self) -> Option<crate::CloseCode> {
        match self {
            Self::WebSocket(error) => error.close_code(),
            _ => None,
        }
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // embedded-io errors are `Debug`, not always `Display`.
            Self::Io(e) => write!(f, "transport error: {e:?}"),
            Self::WriteZero => f.write_str("transport wrote zero bytes"),
            Self::WebSocket(e) => fmt::Display::fmt(e, f),
            Self::Closed => f.write_str("connection closed"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::WebSocket(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<crate::Error> for Error<E> {
    fn from(error: crate::Error) -> Self {
        Self::WebSocket(error)
    }
}

impl<E> From<SendError> for Error<E> {
    fn from(error: SendError) -> Self {
        Self::WebSocket(error.into())
    }
}

impl<E> From<UsageError> for Error<E> {
    fn from(error: UsageError) -> Self {
        Self::WebSocket(error.into())
    }
}
