//! Output sinks: where encoded frames and handshake bytes are written.

use core::fmt;

#[cfg(any(feature = "alloc", test))]
use alloc::vec::Vec;

/// The output buffer is too small for what had to be written; nothing was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall {
    /// The number of free bytes the write needs.
    pub required: usize,
}

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "output buffer too small: {} bytes required", self.required)
    }
}

impl core::error::Error for BufferTooSmall {}

/// A byte sink that encoders append to.
///
/// Implemented for [`SliceSink`] (a caller slice, no allocation), with the `alloc`
/// feature for `Vec<u8>`, and with `heapless` for `heapless::Vec<u8, N>`. A write
/// either fits whole or leaves the sink untouched.
pub trait FrameSink {
    /// How many more bytes the sink can take.
    fn capacity_left(&self) -> usize;

    /// The bytes in the sink waiting to be written to the transport, which the
    /// connection's [`max_queued_output`](crate::Config::max_queued_output) bounds.
    /// The default, for sinks that do not keep them, is 0.
    fn queued(&self) -> usize {
        0
    }

    /// Appends `bytes` and returns the appended copy for in-place edits (masking).
    ///
    /// Callers check [`capacity_left`](Self::capacity_left) first; an implementation
    /// may panic when asked for more.
    fn append(&mut self, bytes: &[u8]) -> &mut [u8];

    /// Appends `bytes` masked with `key` (RFC 6455 §5.3, payload offset 0). The default
    /// copies, then masks in place; sinks override it to do both in one pass.
    ///
    /// Callers check [`capacity_left`](Self::capacity_left) first.
    fn append_masked(&mut self, bytes: &[u8], key: [u8; 4]) {
        let dst = self.append(bytes);
        crate::frame::apply_mask(dst, key, 0);
    }

    /// Appends `first`, then `second` (a frame's header and payload). The default
    /// appends them one after the other; `Vec<u8>` does it with one capacity check.
    ///
    /// Callers check [`capacity_left`](Self::capacity_left) first.
    fn append_pair(&mut self, first: &[u8], second: &[u8]) {
        self.append(first);
        self.append(second);
    }

    /// Appends `bytes` when they fit.
    ///
    /// # Errors
    /// [`BufferTooSmall`], leaving the sink untouched.
    fn try_append(&mut self, bytes: &[u8]) -> Result<(), BufferTooSmall> {
        if self.capacity_left() < bytes.len() {
            return Err(BufferTooSmall { required: bytes.len() });
        }
        self.append(bytes);
        Ok(())
    }
}

/// A [`FrameSink`] over a caller-provided slice: bytes are written from the start.
///
/// ```
/// use rfc6455::{FrameSink, SliceSink};
/// let mut storage = [0u8; 8];
/// let mut sink = SliceSink::new(&mut storage);
/// sink.try_append(b"abc").unwrap();
/// assert_eq!(sink.filled(), b"abc");
/// assert_eq!(sink.capacity_left(), 5);
/// assert!(sink.try_append(b"too long").is_err());
/// ```
#[derive(Debug)]
pub struct SliceSink<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> SliceSink<'a> {
    /// An empty sink writing into `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// The bytes written so far.
    pub fn filled(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The number of bytes written so far.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Returns `true` when nothing has been written.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets what was written (for example once it was sent).
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

impl FrameSink for SliceSink<'_> {
    fn capacity_left(&self) -> usize {
        self.buf.len() - self.len
    }

    fn queued(&self) -> usize {
        self.len
    }

    fn append(&mut self, bytes: &[u8]) -> &mut [u8] {
        let start = self.len;
        self.len += bytes.len();
        let dst = &mut self.buf[start..self.len];
        dst.copy_from_slice(bytes);
        dst
    }

    fn append_masked(&mut self, bytes: &[u8], key: [u8; 4]) {
        let start = self.len;
        self.len += bytes.len();
        crate::frame::mask::copy_masked(&mut self.buf[start..self.len], bytes, key, 0);
    }
}

#[cfg(any(feature = "alloc", test))]
impl FrameSink for Vec<u8> {
    fn capacity_left(&self) -> usize {
        isize::MAX as usize - self.len()
    }

    fn queued(&self) -> usize {
        self.len()
    }

    fn append(&mut self, bytes: &[u8]) -> &mut [u8] {
        let start = self.len();
        self.extend_from_slice(bytes);
        &mut self[start..]
    }

    #[inline(always)]
    fn append_pair(&mut self, first: &[u8], second: &[u8]) {
        crate::accel::extend_two(self, first, second);
    }

    fn append_masked(&mut self, bytes: &[u8], key: [u8; 4]) {
        crate::accel::extend_xor(self, bytes, &crate::frame::mask::pattern(key, 0));
    }
}

/// A fixed-capacity sink without allocation (feature `heapless`): a write that does not
/// fit in what is left of the `N` bytes is refused whole, as by [`SliceSink`].
///
/// ```
/// use rfc6455::{Config, Connection, FrameSink};
/// let mut conn = Connection::server(Config::default());
/// let mut out = heapless::Vec::<u8, 8>::new();
/// conn.send_text("Hi", &mut out)?;
/// assert_eq!(out.as_slice(), b"\x81\x02Hi");
/// assert_eq!(out.capacity_left(), 4);
/// assert!(conn.send_text("too long", &mut out).is_err()); // the sink is unchanged
/// assert_eq!(out.len(), 4);
/// # Ok::<(), rfc6455::SendError>(())
/// ```
#[cfg(feature = "heapless")]
impl<const N: usize> FrameSink for heapless::Vec<u8, N> {
    fn capacity_left(&self) -> usize {
        N - self.len()
    }

    fn queued(&self) -> usize {
        self.len()
    }

    fn append(&mut self, bytes: &[u8]) -> &mut [u8] {
        let start = self.len();
        // Callers check `capacity_left` first (the trait's contract).
        self.extend_from_slice(bytes).expect("appended more than capacity_left");
        &mut self[start..]
    }
}
