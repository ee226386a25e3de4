//! Where a [`Driver`](super::Driver) queues what it sends.

use crate::{FrameSink, SliceSink};

/// A [`FrameSink`] whose bytes a driver can see and forget: the output buffer of a
/// [`Driver`](super::Driver).
///
/// Implemented for [`SliceSink`] (caller memory, no allocation), `Vec<u8>` (with
/// `alloc`) and `heapless::Vec<u8, N>` (with `heapless`).
pub trait OutputBuffer: FrameSink {
    /// The bytes appended since the last [`clear`](Self::clear).
    fn filled(&self) -> &[u8];

    /// Forgets every byte (they were written).
    fn clear(&mut self);
}

impl OutputBuffer for SliceSink<'_> {
    fn filled(&self) -> &[u8] {
        SliceSink::filled(self)
    }

    fn clear(&mut self) {
        SliceSink::clear(self);
    }
}

#[cfg(feature = "alloc")]
impl OutputBuffer for alloc::vec::Vec<u8> {
    fn filled(&self) -> &[u8] {
        self
    }

    fn clear(&mut self) {
        Self::clear(self);
    }
}
