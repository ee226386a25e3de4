//! Close frame payloads (RFC 6455 §5.5.1, §7.4): parse, validate, build.

use core::{fmt, str};

use super::{ControlPayload, MessageError};
use crate::frame::MAX_CONTROL_PAYLOAD;
use crate::CloseCode;

/// The longest close reason: 125 bytes of control payload minus the 2-byte code.
pub const MAX_CLOSE_REASON: usize = MAX_CONTROL_PAYLOAD - 2;

/// The content of a Close frame: an optional status code and a UTF-8 reason.
///
/// ```
/// use rfc6455::message::CloseFrame;
/// use rfc6455::CloseCode;
/// let frame = CloseFrame::parse(&[0x03, 0xE8, b'b', b'y', b'e']).unwrap();
/// assert_eq!(frame.code(), Some(CloseCode::NORMAL));
/// assert_eq!(frame.reason(), "bye");
/// assert!(CloseFrame::parse(&[0x03]).is_err()); // a one-byte payload is a protocol error
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CloseFrame {
    code: Option<CloseCode>,
    payload: ControlPayload,
}

/// A close frame the caller asked to send is not allowed (RFC 6455 §7.4, §5.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseFrameError {
    /// The code may not be sent (1005, 1006, 1015, or outside the valid ranges).
    UnsendableCode(CloseCode),
    /// The reason is longer than 123 bytes.
    ReasonTooLong,
}

impl fmt::Display for CloseFrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsendableCode(code) => write!(f, "close code {code} may not be sent"),
            Self::ReasonTooLong => f.write_str("close reason longer than 123 bytes"),
        }
    }
}

impl core::error::Error for CloseFrameError {}

impl CloseFrame {
    /// A Close frame with no status code (an empty payload).
    pub const EMPTY: Self = Self { code: None, payload: ControlPayload::EMPTY };

    /// A Close frame with `code` and `reason`, for sending.
    ///
    /// # Errors
    /// [`CloseFrameError`] when `code` is not sendable or `reason` exceeds 123 bytes.
    pub fn new(code: CloseCode, reason: &str) -> Result<Self, CloseFrameError> {
        if !code.is_sendable() {
            return Err(CloseFrameError::UnsendableCode(code));
        }
        if reason.len() > MAX_CLOSE_REASON {
            return Err(CloseFrameError::ReasonTooLong);
        }
        let mut payload = ControlPayload::EMPTY;
        payload.extend(&code.get().to_be_bytes());
        payload.extend(reason.as_bytes());
        Ok(Self { code: Some(code), payload })
    }

    /// Parses and validates a received Close payload.
    ///
    /// # Errors
    /// [`MessageError::ClosePayloadTooShort`] for one byte,
    /// [`MessageError::InvalidCloseCode`] for a code not valid on the wire, and
    /// [`MessageError::InvalidCloseReason`] for a reason that is not UTF-8.
    pub fn parse(payload: &[u8]) -> Result<Self, MessageError> {
        let code = match payload {
            [] => return Ok(Self::EMPTY),
            [_] => return Err(MessageError::ClosePayloadTooShort),
            [hi, lo, ..] => CloseCode::new(u16::from_be_bytes([*hi, *lo])),
        };
        if !code.is_valid_on_wire() {
            return Err(MessageError::InvalidCloseCode(code.get()));
        }
        if str::from_utf8(&payload[2..]).is_err() {
            return Err(MessageError::InvalidCloseReason);
        }
        let payload = ControlPayload::new(payload).ok_or(MessageError::ClosePayloadTooShort)?;
        Ok(Self { code: Some(code), payload })
    }

    /// The status code, or `None` when the frame had none (reported as 1005).
    pub const fn code(&self) -> Option<CloseCode> {
        self.code
    }

    /// The reason, empty when none was given.
    pub fn reason(&self) -> &str {
        let bytes = self.payload.as_bytes().get(2..).unwrap_or_default();
        // Validated by `new` (a `&str`) or `parse`; the fallback is unreachable.
        str::from_utf8(bytes).unwrap_or_default()
    }

    /// The wire payload: the big-endian code followed by the reason, or nothing.
    pub fn payload(&self) -> &[u8] {
        self.payload.as_bytes()
    }

    /// The frame that answers this one (RFC 6455 §5.5.1): the same code without a
    /// reason, or an empty frame when this one had no code.
    pub fn reply(&self) -> Self {
        match self.code {
            Some(code) => Self::new(code, "").unwrap_or(Self::EMPTY),
            None => Self::EMPTY,
        }
    }
}

impl fmt::Debug for CloseFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloseFrame")
            .field("code", &self.code)
            .field("reason", &self.reason())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        assert_eq!(CloseFrame::parse(&[]).unwrap(), CloseFrame::EMPTY);
        assert_eq!(CloseFrame::parse(&[1]), Err(MessageError::ClosePayloadTooShort));
        assert_eq!(CloseFrame::parse(&[0x03, 0xEC]), Err(MessageError::InvalidCloseCode(1004)));
        assert_eq!(CloseFrame::parse(&[0x03, 0xED]), Err(MessageError::InvalidCloseCode(1005)));
        assert_eq!(CloseFrame::parse(&[0x13, 0x88]), Err(MessageError::InvalidCloseCode(5000)));
        assert_eq!(CloseFrame::parse(&[0x03, 0xE8, 0xFF]), Err(MessageError::InvalidCloseReason));
        let f = CloseFrame::parse(&[0x0F, 0xA0, b'o', b'k']).unwrap();
        assert_eq!((f.code(), f.reason()), (Some(CloseCode::new(4000)), "ok"));
        assert_eq!(f.reply().payload(), &[0x0F, 0xA0]);
        assert_eq!(CloseFrame::EMPTY.reply(), CloseFrame::EMPTY);
    }

    #[test]
    fn build_rules() {
        let reason = "x".repeat(123);
        let f = CloseFrame::new(CloseCode::GOING_AWAY, &reason).unwrap();
        assert_eq!(f.payload().len(), 125);
        assert_eq!(CloseFrame::parse(f.payload()).unwrap(), f);
        assert_eq!(
            CloseFrame::new(CloseCode::NORMAL, &"x".repeat(124)),
            Err(CloseFrameError::ReasonTooLong)
        );
        for code in [1005, 1006, 1015, 999, 5000] {
            assert_eq!(
                CloseFrame::new(CloseCode::new(code), ""),
                Err(CloseFrameError::UnsendableCode(CloseCode::new(code)))
            );
        }
    }
}
