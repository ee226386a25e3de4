//! Errors of the frame layer.

use core::fmt;

use crate::CloseCode;

/// A frame the peer sent violates RFC 6455 §5 or a configured limit.
///
/// Every variant names the close code the peer must receive
/// ([`close_code`](Self::close_code)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// An opcode in 0x3-0x7 or 0xB-0xF (RFC 6455 §5.2). Close code 1002.
    ReservedOpcode(u8),
    /// An RSV bit that no negotiated extension defines (RFC 6455 §5.2). The value holds
    /// the three bits as `rsv1 << 2 | rsv2 << 1 | rsv3`. Close code 1002.
    ReservedBits(u8),
    /// A control frame with FIN clear (RFC 6455 §5.5). Close code 1002.
    FragmentedControlFrame,
    /// A control frame with a payload over 125 bytes (RFC 6455 §5.5). Close code 1002.
    ControlFrameTooLong,
    /// A 64-bit payload length with its most significant bit set (RFC 6455 §5.2).
    /// Close code 1002.
    LengthMsbSet,
    /// A payload length not in its minimal encoding (RFC 6455 §5.2), rejected in strict
    /// mode. Close code 1002.
    NonMinimalLength,
    /// A server received an unmasked frame (RFC 6455 §5.1). Close code 1002.
    UnmaskedFrame,
    /// A client received a masked frame (RFC 6455 §5.1). Close code 1002.
    MaskedFrame,
    /// The payload length exceeds the configured frame limit, or does not fit this
    /// target's `usize` (RFC 6455 §10.4). Close code 1009.
    FrameTooLarge {
        /// The announced payload length.
        len: u64,
        /// The limit it exceeded.
        limit: u64,
    },
}

impl FrameError {
    /// Returns the close code to send to the peer for this error.
    pub const fn close_code(self) -> CloseCode {
        match self {
            Self::FrameTooLarge { .. } => CloseCode::MESSAGE_TOO_BIG,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            Self::ReservedBits(bits) => {
                write!(f, "reserved bits {bits:#05b} set without extension")
            }
            Self::FragmentedControlFrame => f.write_str("fragmented control frame"),
            Self::ControlFrameTooLong => f.write_str("control frame payload over 125 bytes"),
            Self::LengthMsbSet => f.write_str("64-bit payload length with the top bit set"),
            Self::NonMinimalLength => f.write_str("payload length not minimally encoded"),
            Self::UnmaskedFrame => f.write_str("unmasked frame from a client"),
            Self::MaskedFrame => f.write_str("masked frame from a server"),
            Self::FrameTooLarge { len, limit } => {
                write!(f, "frame payload of {len} bytes exceeds the limit of {limit}")
            }
        }
    }
}

impl core::error::Error for FrameError {}
