//! Frame opcodes (RFC 6455 §5.2, §11.8).

/// A frame opcode: the low four bits of a frame's first byte.
///
/// Reserved values keep their raw number in [`OpCode::Reserved`], so the conversion
/// from `u8` is lossless.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// 0x0: continues a fragmented message.
    Continuation,
    /// 0x1: first frame of a text message.
    Text,
    /// 0x2: first frame of a binary message.
    Binary,
    /// 0x8: the close control frame.
    Close,
    /// 0x9: the ping control frame.
    Ping,
    /// 0xA: the pong control frame.
    Pong,
    /// 0x3-0x7 (reserved data) and 0xB-0xF (reserved control): no meaning without an
    /// extension that defines them.
    Reserved(u8),
}

impl OpCode {
    /// Decodes the low four bits of `byte` (the high bits are ignored).
    #[inline]
    pub const fn from_bits(byte: u8) -> Self {
        match byte & 0x0F {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            other => Self::Reserved(other),
        }
    }

    /// Returns the four-bit wire value.
    #[inline]
    pub const fn bits(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
            Self::Reserved(v) => v & 0x0F,
        }
    }

    /// Returns `true` for control opcodes (0x8-0xF), which have the high bit set.
    #[inline]
    pub const fn is_control(self) -> bool {
        self.bits() & 0x8 != 0
    }

    /// Returns `true` for the reserved opcodes 0x3-0x7 and 0xB-0xF.
    #[inline]
    pub const fn is_reserved(self) -> bool {
        matches!(self, Self::Reserved(_))
    }
}

impl From<u8> for OpCode {
    fn from(byte: u8) -> Self {
        Self::from_bits(byte)
    }
}

impl From<OpCode> for u8 {
    fn from(op: OpCode) -> Self {
        op.bits()
    }
}

#[cfg(test)]
mod tests {
    use super::OpCode;

    #[test]
    fn every_nibble_round_trips() {
        for v in 0u8..16 {
            let op = OpCode::from_bits(v);
            assert_eq!(op.bits(), v);
            assert_eq!(op.is_control(), v >= 8);
            assert_eq!(op.is_reserved(), matches!(v, 3..=7 | 11..=15));
        }
    }
}
