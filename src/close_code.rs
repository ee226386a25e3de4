//! Close status codes (RFC 6455 §7.4).

use core::fmt;

/// A close status code (RFC 6455 §7.4), kept as its raw `u16` so no value is ever lost.
///
/// Named constants cover every code defined by RFC 6455 and the IANA registry.
/// [`is_valid_on_wire`](Self::is_valid_on_wire) tells whether a received code is
/// acceptable, and [`is_sendable`](Self::is_sendable) whether this crate will put it in a
/// Close frame.
///
/// ```
/// use rfc6455::CloseCode;
/// assert!(CloseCode::NORMAL.is_valid_on_wire());
/// assert!(!CloseCode::NO_STATUS.is_sendable()); // 1005 is for local reporting only
/// assert!(CloseCode::new(4000).is_valid_on_wire());  // private use
/// assert!(!CloseCode::from(2000).is_valid_on_wire()); // reserved for future RFCs
/// assert_eq!(CloseCode::GOING_AWAY.get(), 1001);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(u16);

impl CloseCode {
    /// The code `code`, whatever its value (see [`is_valid_on_wire`](Self::is_valid_on_wire)).
    pub const fn new(code: u16) -> Self {
        Self(code)
    }

    /// The code as a number.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// 1000: normal closure; the purpose of the connection was fulfilled.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: the peer violated the protocol.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: the endpoint cannot accept this type of data.
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: no status code was present (local reporting only, never sent).
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: the transport closed without a Close frame (local reporting only, never sent).
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: message data was inconsistent with its type (e.g. invalid UTF-8 in text).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: the message violated the endpoint's policy.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a frame or message was too big to process.
    pub const MESSAGE_TOO_BIG: Self = Self(1009);
    /// 1010: (client) the server did not negotiate a required extension.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: (server) an unexpected condition prevented fulfilling the request.
    pub const INTERNAL_ERROR: Self = Self(1011);
    /// 1012: the service is restarting (IANA registry).
    pub const SERVICE_RESTART: Self = Self(1012);
    /// 1013: try again later (IANA registry).
    pub const TRY_AGAIN_LATER: Self = Self(1013);
    /// 1014: a gateway received an invalid response (IANA registry).
    pub const BAD_GATEWAY: Self = Self(1014);
    /// 1015: the TLS handshake failed (local reporting only, never sent).
    pub const TLS_HANDSHAKE: Self = Self(1015);

    /// Returns `true` when a Close frame received from a peer may carry this code.
    ///
    /// Valid: 1000-1003, 1007-1014, and 3000-4999. Everything else (0-999, 1004, the
    /// local-only 1005/1006/1015, 1016-2999 and 5000 and above) fails the connection
    /// with 1002 (RFC 6455 §7.4.1, §7.4.2).
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }

    /// Returns `true` when this crate will send this code in a Close frame.
    ///
    /// The same set as [`is_valid_on_wire`](Self::is_valid_on_wire): a code the peer
    /// would have to reject is refused locally instead.
    pub const fn is_sendable(self) -> bool {
        self.is_valid_on_wire()
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        Self(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> Self {
        code.0
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::CloseCode;

    #[test]
    fn wire_validity_matches_rfc_ranges() {
        let valid: &[u16] =
            &[1000, 1001, 1002, 1003, 1007, 1010, 1011, 1014, 3000, 3999, 4000, 4999];
        let invalid: &[u16] =
            &[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
        for &c in valid {
            assert!(CloseCode::new(c).is_valid_on_wire(), "{c} should be valid");
        }
        for &c in invalid {
            assert!(!CloseCode::new(c).is_valid_on_wire(), "{c} should be invalid");
            assert!(!CloseCode::new(c).is_sendable());
        }
    }
}
