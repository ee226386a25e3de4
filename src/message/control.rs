//! Control frame payloads (RFC 6455 §5.5), held by value in a fixed array.

use core::fmt;

use crate::frame::MAX_CONTROL_PAYLOAD;

/// The payload of a ping or pong frame: at most 125 bytes, held inline (no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlPayload {
    bytes: [u8; MAX_CONTROL_PAYLOAD],
    len: u8,
}

impl ControlPayload {
    /// An empty payload.
    pub const EMPTY: Self = Self { bytes: [0; MAX_CONTROL_PAYLOAD], len: 0 };

    /// Copies `data`, or returns `None` when it is longer than 125 bytes.
    ///
    /// ```
    /// use rfc6455::message::ControlPayload;
    /// assert_eq!(ControlPayload::new(b"heartbeat").unwrap().as_bytes(), b"heartbeat");
    /// assert!(ControlPayload::new(&[0; 126]).is_none());
    /// ```
    pub fn new(data: &[u8]) -> Option<Self> {
        let mut out = Self::EMPTY;
        out.bytes.get_mut(..data.len())?.copy_from_slice(data);
        out.len = data.len() as u8;
        Some(out)
    }

    /// The payload bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Appends `data` when it fits, returning whether it did.
    pub(crate) fn extend(&mut self, data: &[u8]) -> bool {
        let at = usize::from(self.len);
        match self.bytes.get_mut(at..at + data.len()) {
            Some(dst) => {
                dst.copy_from_slice(data);
                self.len += data.len() as u8;
                true
            }
            None => false,
        }
    }
}

impl core::ops::Deref for ControlPayload {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for ControlPayload {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq<[u8]> for ControlPayload {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_bytes() == other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for ControlPayload {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.as_bytes() == other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for ControlPayload {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_bytes() == *other
    }
}

impl Default for ControlPayload {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl fmt::Debug for ControlPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ControlPayload").field(&self.as_bytes()).finish()
    }
}
