//! `Sec-WebSocket-Key` and `Sec-WebSocket-Accept` (RFC 6455 §1.3, §4.1, §4.2.2).

use core::fmt;

use base64ct::{Base64, Encoding};

/// The GUID appended to the key before hashing (RFC 6455 §1.3).
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Encodes `N` bytes as padded base64 into `M` bytes of ASCII.
fn encode<const N: usize, const M: usize>(bytes: &[u8; N]) -> [u8; M] {
    let mut out = [0u8; M];
    // `M` is always the exact encoded length of `N` bytes (checked by the tests), so
    // encoding cannot fail; if it ever did, the all-zero result would fail every
    // comparison rather than panic.
    if Base64::encode(bytes, &mut out).is_err() {
        out = [0u8; M];
    }
    out
}

/// Views base64 output as text; it is always ASCII.
fn ascii(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or_default()
}

/// A client's `Sec-WebSocket-Key`: 16 random bytes, base64-encoded (RFC 6455 §4.1 item 7).
///
/// The core has no randomness: the caller supplies the 16 bytes, fresh for every
/// connection, from a CSPRNG.
///
/// ```
/// use rfc6455::handshake::ClientKey;
///
/// let key = ClientKey::from_random(*b"the sample nonce");
/// assert_eq!(key.as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ClientKey {
    encoded: [u8; 24],
}

impl ClientKey {
    /// Makes a key from 16 caller-provided random bytes.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Self { encoded: encode(&bytes) }
    }

    /// The key as sent in `Sec-WebSocket-Key` (24 base64 characters).
    pub fn as_str(&self) -> &str {
        ascii(&self.encoded)
    }

    /// The `Sec-WebSocket-Accept` value a server must answer with.
    pub(crate) fn accept_key(&self) -> AcceptKey {
        accept_key(&self.encoded)
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientKey").field(&self.as_str()).finish()
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `Sec-WebSocket-Accept` value: base64 of the SHA-1 of the key and the RFC's GUID.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AcceptKey {
    encoded: [u8; 28],
}

impl AcceptKey {
    /// The value as sent in `Sec-WebSocket-Accept` (28 base64 characters).
    pub fn as_str(&self) -> &str {
        ascii(&self.encoded)
    }

    /// The value as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.encoded
    }
}

impl fmt::Debug for AcceptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AcceptKey").field(&self.as_str()).finish()
    }
}

impl fmt::Display for AcceptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for AcceptKey {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for AcceptKey {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Computes `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` as received, without its
/// surrounding whitespace (RFC 6455 §4.2.2 item 5.4).
///
/// The one public way to an accept key. Neither role needs it on the common path:
/// [`Request::accept`](super::Request::accept) writes it into the `101` and
/// [`ClientHandshake::parse_response`](super::ClientHandshake::parse_response) checks it.
/// It is for a server that writes its own `101` (the key is
/// [`Request::key`](super::Request::key)), and for tests that play the server against a
/// client ([`ClientKey::as_str`]).
///
/// ```
/// use rfc6455::handshake::accept_key;
///
/// let accept = accept_key(b"dGhlIHNhbXBsZSBub25jZQ==");
/// assert_eq!(accept.as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &[u8]) -> AcceptKey {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key);
    sha1.update(GUID);
    AcceptKey { encoded: encode(&sha1.digest().bytes()) }
}

/// Returns `true` if `key` is base64 of exactly 16 bytes (RFC 6455 §4.2.1 item 5).
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    let mut decoded = [0u8; 16];
    key.len() == 24 && matches!(Base64::decode(key, &mut decoded), Ok(d) if d.len() == 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_sample_key() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ==").as_str(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn design_example_key() {
        // Independently computed: base64(sha1("uRovscZjNol/umbTt5uKmw==" + GUID)).
        assert_eq!(
            accept_key(b"uRovscZjNol/umbTt5uKmw==").as_str(),
            "rLHCkw/SKsO9GAH/ZSFhBATDKrU="
        );
    }

    #[test]
    fn client_key_encodes_random_bytes() {
        let key = ClientKey::from_random(*b"the sample nonce");
        assert_eq!(key.as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
        assert!(is_valid_key(key.as_str().as_bytes()));
        assert_ne!(ClientKey::from_random([1; 16]), ClientKey::from_random([2; 16]));
    }

    #[test]
    fn key_validation() {
        assert!(is_valid_key(b"AAAAAAAAAAAAAAAAAAAAAA=="));
        assert!(!is_valid_key(b"AAAAAAAAAAAAAAAAAAAAAAA="), "17 bytes");
        assert!(!is_valid_key(b"AAAAAAAAAAAAAAAAAAAAAAAA"), "18 bytes, no padding");
        assert!(!is_valid_key(b"AAAAAAAAAAAAAAAAAAAAAA"), "unpadded");
        assert!(!is_valid_key(b"AAAAAAAAAAAAAAAAAAAAA!=="));
        assert!(!is_valid_key(b""));
    }
}
