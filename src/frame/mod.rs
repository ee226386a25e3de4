//! The frame layer (RFC 6455 §5): header codec, masking, streaming decode.
//!
//! # Guarantees
//! - Nothing here allocates, and no input can make it panic.
//! - [`FrameHeader::decode`] reports an incomplete header as `Ok(None)`, never as an
//!   error, and reports each violation as soon as the bytes that prove it are present.
//! - Payload lengths stay `u64` on the wire side; the [`FrameDecoder`] refuses a length
//!   over its limit (or over this target's `usize`) on the header, before any payload.
//! - Non-minimal length encodings are rejected by default ([`HeaderRules::strict_length`]).

mod decoder;
mod error;
mod header;
pub(crate) mod mask;
mod opcode;

pub use decoder::{Decoded, FrameDecoder, Whole};
pub use error::FrameError;
pub use header::{EncodedHeader, FrameHeader, HeaderRules, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
pub use mask::{apply_mask, MaskKey};
pub use opcode::OpCode;
