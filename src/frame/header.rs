//! The frame header value: decode from a byte prefix, encode into a fixed array.

use super::{FrameError, MaskKey, OpCode};
use crate::Role;

/// The longest possible frame header: 2 bytes, an 8-byte length and a 4-byte mask key.
pub const MAX_HEADER_LEN: usize = 14;

/// The largest payload a control frame may carry (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// What a receiver accepts in a frame header beyond the fixed rules of RFC 6455 §5.2.
///
/// The fixed rules (no reserved opcode, control frames unfragmented and at most 125
/// bytes, no 64-bit length with its top bit set) are always checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderRules {
    /// `Some(true)`: frames must be masked (a server receiving); `Some(false)`: frames
    /// must not be masked (a client receiving); `None`: either.
    pub masked: Option<bool>,
    /// RSV bits a negotiated extension defines, as `rsv1 << 2 | rsv2 << 1 | rsv3`.
    pub allowed_rsv: u8,
    /// Reject lengths that do not use the minimal encoding (RFC 6455 §5.2 "MUST").
    /// RFC 6455 puts the rule on senders only; being strict matches wsproto and catches
    /// broken or hostile peers. `true` by default.
    pub strict_length: bool,
}

impl HeaderRules {
    /// The rules for frames received by `role`, with no extension and strict lengths.
    pub const fn for_receiver(role: Role) -> Self {
        Self { masked: Some(role.expects_masked_incoming()), allowed_rsv: 0, strict_length: true }
    }
}

/// A decoded or to-be-encoded frame header (RFC 6455 §5.2).
///
/// ```
/// use rfc6455::frame::{FrameHeader, HeaderRules, OpCode};
/// use rfc6455::Role;
/// // RFC 6455 §5.7: a single-frame unmasked text message "Hello", as a client receives it.
/// let wire = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
/// let (header, used) = FrameHeader::decode(&wire, &HeaderRules::for_receiver(Role::Client))
///     .unwrap()
///     .expect("complete header");
/// assert_eq!((header.opcode, header.fin, header.payload_len, used), (OpCode::Text, true, 5, 2));
/// let mut out = [0u8; 14];
/// let len = header.encode(&mut out);
/// assert_eq!(&out[..len], &wire[..2]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// The final fragment of a message.
    pub fin: bool,
    /// The three RSV bits as `rsv1 << 2 | rsv2 << 1 | rsv3`.
    pub rsv: u8,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, present on frames sent by a client.
    pub mask: Option<MaskKey>,
    /// The payload length in bytes.
    pub payload_len: u64,
}

impl FrameHeader {
    /// A final, unmasked frame of `opcode` with `payload_len` bytes and no RSV bits.
    pub const fn new(opcode: OpCode, payload_len: u64) -> Self {
        Self { fin: true, rsv: 0, opcode, mask: None, payload_len }
    }

    /// Returns `true` when RSV1 is set (per-message compressed, RFC 7692).
    pub const fn rsv1(&self) -> bool {
        self.rsv & 0b100 != 0
    }

    /// Decodes a header from the start of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` is a valid but incomplete prefix of a header (needing
    /// more bytes is not an error), and `Ok(Some((header, header_len)))` once complete.
    /// Errors are reported as soon as the bytes that prove them are present: a reserved
    /// opcode fails on the first byte, an unmasked client frame on the second.
    ///
    /// # Errors
    /// Every [`FrameError`] except `FrameTooLarge`, which is a limit checked by the
    /// [`FrameDecoder`](super::FrameDecoder).
    // Inlined: returned through memory, the result was read back wider than it was
    // written, and the load waited for the stores (3 % of W5 in perf).
    #[inline]
    pub fn decode(buf: &[u8], rules: &HeaderRules) -> Result<Option<(Self, usize)>, FrameError> {
        let Some(&b0) = buf.first() else {
            return Ok(None);
        };
        let opcode = OpCode::from_bits(b0);
        let fin = b0 & 0x80 != 0;
        let rsv = (b0 >> 4) & 0b111;
        if let OpCode::Reserved(op) = opcode {
            return Err(FrameError::ReservedOpcode(op));
        }
        if rsv & !rules.allowed_rsv != 0 {
            return Err(FrameError::ReservedBits(rsv));
        }
        if opcode.is_control() && !fin {
            return Err(FrameError::FragmentedControlFrame);
        }
        let Some(&b1) = buf.get(1) else {
            return Ok(None);
        };
        let masked = b1 & 0x80 != 0;
        match rules.masked {
            Some(true) if !masked => return Err(FrameError::UnmaskedFrame),
            Some(false) if masked => return Err(FrameError::MaskedFrame),
            _ => {}
        }
        let len7 = b1 & 0x7F;
        if opcode.is_control() && len7 > MAX_CONTROL_PAYLOAD as u8 {
            return Err(FrameError::ControlFrameTooLong);
        }
        let (payload_len, len_end) = match len7 {
            126 => {
                let Some(b) = buf.get(2..4) else {
                    return Ok(None);
                };
                let len = u64::from(u16::from_be_bytes([b[0], b[1]]));
                if rules.strict_length && len < 126 {
                    return Err(FrameError::NonMinimalLength);
                }
                (len, 4)
            }
            127 => {
                let Some(&first) = buf.get(2) else {
                    return Ok(None);
                };
                if first & 0x80 != 0 {
                    return Err(FrameError::LengthMsbSet);
                }
                let Some(b) = buf.get(2..10) else {
                    return Ok(None);
                };
                let mut be = [0u8; 8];
                be.copy_from_slice(b);
                let len = u64::from_be_bytes(be);
                if rules.strict_length && len <= 0xFFFF {
                    return Err(FrameError::NonMinimalLength);
                }
                (len, 10)
            }
            short => (u64::from(short), 2),
        };
        let (mask, end) = if masked {
            let Some(k) = buf.get(len_end..len_end + 4) else {
                return Ok(None);
            };
            (Some(MaskKey([k[0], k[1], k[2], k[3]])), len_end + 4)
        } else {
            (None, len_end)
        };
        Ok(Some((Self { fin, rsv, opcode, mask, payload_len }, end)))
    }

    /// Returns the number of bytes [`encode`](Self::encode) writes: 2 to 14.
    pub const fn encoded_len(&self) -> usize {
        let len_bytes = match self.payload_len {
            0..=125 => 0,
            126..=0xFFFF => 2,
            _ => 8,
        };
        2 + len_bytes + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Encodes the header into `out` with the minimal length form and returns its length.
    ///
    /// The payload length must be below 2^63 (RFC 6455 §5.2); the top bit is cleared.
    #[inline]
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        out[0] = (u8::from(self.fin) << 7) | ((self.rsv & 0b111) << 4) | self.opcode.bits();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut at = match self.payload_len {
            len @ 0..=125 => {
                out[1] = mask_bit | len as u8;
                2
            }
            len @ 126..=0xFFFF => {
                out[1] = mask_bit | 126;
                out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                4
            }
            len => {
                out[1] = mask_bit | 127;
                out[2..10].copy_from_slice(&(len & (u64::MAX >> 1)).to_be_bytes());
                10
            }
        };
        if let Some(MaskKey(key)) = self.mask {
            out[at..at + 4].copy_from_slice(&key);
            at += 4;
        }
        at
    }
}

/// An encoded frame header (2 to 14 bytes), as
/// [`Connection::send_header`](crate::Connection::send_header) returns it: write it, then
/// the payload, for example with one vectored write.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EncodedHeader {
    bytes: [u8; MAX_HEADER_LEN],
    len: u8,
}

impl EncodedHeader {
    /// Encodes `header` ([`FrameHeader::encode`] is the public way to encode one).
    pub(crate) fn new(header: &FrameHeader) -> Self {
        let mut bytes = [0; MAX_HEADER_LEN];
        let len = header.encode(&mut bytes) as u8;
        Self { bytes, len }
    }

    /// The header's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl core::ops::Deref for EncodedHeader {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::fmt::Debug for EncodedHeader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("EncodedHeader").field(&self.as_bytes()).finish()
    }
}

#[cfg(test)]
mod tests;
