//! Errors of the message layer.

use core::fmt;

use crate::CloseCode;

/// A message or close frame the peer sent violates RFC 6455 §5.4-§5.6, §7 or §8, or a
/// configured limit.
///
/// Every variant names the close code the peer must receive
/// ([`close_code`](Self::close_code)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageError {
    /// A continuation frame arrived with no message in progress (RFC 6455 §5.4).
    /// Close code 1002.
    ContinuationWithoutStart,
    /// A text or binary frame arrived inside a fragmented message (RFC 6455 §5.4).
    /// Close code 1002.
    MessageInProgress,
    /// Text that is not valid UTF-8, found as soon as the bytes prove it (RFC 6455 §8.1).
    /// Close code 1007.
    InvalidUtf8,
    /// The message would exceed the configured size limit; refused on the frame header,
    /// before its payload is buffered (RFC 6455 §10.4). Close code 1009.
    MessageTooBig {
        /// The message length the frame would bring it to.
        len: u64,
        /// The limit it exceeded.
        limit: u64,
    },
    /// A compressed message that does not inflate (RFC 7692 §7.2.2). Close code 1007.
    InvalidCompressedData,
    /// A close frame with a one-byte payload (RFC 6455 §5.5.1). Close code 1002.
    ClosePayloadTooShort,
    /// A close code not allowed on the wire (RFC 6455 §7.4). Close code 1002.
    InvalidCloseCode(u16),
    /// A close reason that is not valid UTF-8 (RFC 6455 §5.5.1). Close code 1007.
    InvalidCloseReason,
}

impl MessageError {
    /// Returns the close code to send to the peer for this error.
    pub const fn close_code(self) -> CloseCode {
        match self {
            Self::InvalidUtf8 | Self::InvalidCloseReason | Self::InvalidCompressedData => {
                CloseCode::INVALID_PAYLOAD
            }
            Self::MessageTooBig { .. } => CloseCode::MESSAGE_TOO_BIG,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ContinuationWithoutStart => f.write_str("continuation frame without a message"),
            Self::MessageInProgress => f.write_str("new data frame inside a fragmented message"),
            Self::InvalidUtf8 => f.write_str("text message is not valid utf-8"),
            Self::MessageTooBig { len, limit } => {
                write!(f, "message of {len} bytes exceeds the limit of {limit}")
            }
            Self::InvalidCompressedData => f.write_str("compressed message does not inflate"),
            Self::ClosePayloadTooShort => f.write_str("close payload of one byte"),
            Self::InvalidCloseCode(code) => write!(f, "invalid close code {code}"),
            Self::InvalidCloseReason => f.write_str("close reason is not valid utf-8"),
        }
    }
}

impl core::error::Error for MessageError {}
