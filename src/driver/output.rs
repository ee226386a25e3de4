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

/// A `Vec` output buffer keeps this much capacity once written out; a large message
/// does not pin its size for the rest of the connection.
#[cfg(feature = "alloc")]
const KEPT_CAPACITY: usize = 16 * 1024;

#[cfg(feature = "alloc")]
impl OutputBuffer for alloc::vec::Vec<u8> {
    fn filled(&self) -> &[u8] {
        self
    }

    fn clear(&mut self) {
        Self::clear(self);
        // Some slack, so that messages a little larger than the kept capacity do not
        // reallocate at every send.
        if self.capacity() > 4 * KEPT_CAPACITY {
            self.shrink_to(KEPT_CAPACITY);
        }
    }
}

#[cfg(feature = "heapless")]
impl<const N: usize> OutputBuffer for heapless::Vec<u8, N> {
    fn filled(&self) -> &[u8] {
        self
    }

    fn clear(&mut self) {
        Self::clear(self);
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::{OutputBuffer, KEPT_CAPACITY};

    #[test]
    fn a_written_out_vec_gives_back_what_a_large_message_took() {
        let mut out = alloc::vec![7u8; 1 << 20];
        OutputBuffer::clear(&mut out);
        assert!(out.is_empty() && out.capacity() <= KEPT_CAPACITY, "{}", out.capacity());
        // Up to four times the kept capacity stays, so sends of that size do not
        // reallocate every time.
        let mut out = alloc::vec![7u8; 3 * KEPT_CAPACITY];
        let capacity = out.capacity();
        OutputBuffer::clear(&mut out);
        assert_eq!(out.capacity(), capacity);
    }
}
