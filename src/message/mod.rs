//! The message layer (RFC 6455 §5.4-§5.6, §7, §8): reassembly, UTF-8, close payloads.
//!
//! # Guarantees
//! - Fragment sequencing is checked on each frame header (a continuation without a
//!   start, or a new message inside a fragmented one, fails with 1002).
//! - The message size limit is checked on each frame header, before the payload is
//!   accepted, so a peer cannot make the receiver buffer more than the limit.
//! - Text is validated incrementally and fails fast (1007) on the byte that proves it
//!   invalid, across chunk and fragment boundaries.
//! - Nothing here panics on peer input. Only `MessageBuffer` (feature `alloc`)
//!   allocates, and never beyond the limit.

mod assembler;
mod buffer;
mod chunk;
mod close;
mod control;
mod error;
#[cfg(feature = "heapless")]
mod heapless_buffer;
mod utf8;

pub use assembler::Assembler;
#[cfg(feature = "alloc")]
pub use buffer::MessageBuffer;
pub use buffer::{MessageStore, SliceMessageBuffer};
pub use chunk::{DataChunk, MessageKind};
pub use close::{CloseFrame, CloseFrameError, MAX_CLOSE_REASON};
pub use control::ControlPayload;
pub use error::MessageError;
#[cfg(feature = "heapless")]
pub use heapless_buffer::HeaplessMessageBuffer;
pub use utf8::{InvalidUtf8, Utf8Validator};
