//! The core of the message stores: the bytes of a message gathered in pieces, and a
//! text check that covers exactly those bytes.
//!
//! A [`Gather`] owns its storage. The message is `storage[..filled]`, and only this
//! module's methods change those bytes or `filled`; each of them either feeds what it
//! adds to the text check, in order, or drops the check. The caller only ever gets
//! `&mut` access to bytes past the message ([`Gather::room`], which
//! [`Gather::commit`] then checks before they join it), or to the whole storage while
//! the message is empty ([`Gather::begin`]). So when [`Gather::finish`] finds the check
//! complete, the message is valid UTF-8, and [`Gather::text`] views it as `&str`
//! without checking it again.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use crate::message::InvalidUtf8;

use super::text::Utf8Stream;
use super::{repeated, rotated, xor_copy, Key};

/// Where a [`Gather`] keeps its bytes: a caller's slice, or (with `alloc`) a `Vec` or
/// (with `heapless`) a `heapless::Vec` whose length is how much of it was ever written,
/// which may exceed the message.
/// Implemented here only (sealed).
pub(crate) trait Storage: sealed::Sealed {
    /// The bytes that can be written and read.
    fn initialised(&self) -> &[u8];
    /// As [`initialised`](Self::initialised), mutably.
    fn initialised_mut(&mut self) -> &mut [u8];
    /// Makes at least `len` bytes initialised (new ones zeroed); when that needs more
    /// capacity, asks for exactly `ahead` more than `len`. `false` when it cannot (a
    /// short slice).
    fn grow_to(&mut self, len: usize, ahead: usize) -> bool;
    /// Appends `data`, XORed with `pattern` when given, after the initialised bytes in
    /// one pass; `false` when it cannot (a slice).
    fn extend(&mut self, data: &[u8], pattern: Option<&super::Pattern>) -> bool;
}

mod sealed {
    pub(crate) trait Sealed {}
    impl Sealed for &mut [u8] {}
    #[cfg(feature = "alloc")]
    impl Sealed for alloc::vec::Vec<u8> {}
    #[cfg(feature = "heapless")]
    impl<const N: usize> Sealed for heapless::Vec<u8, N> {}
}

impl Storage for &mut [u8] {
    #[inline(always)]
    fn initialised(&self) -> &[u8] {
        self
    }

    #[inline(always)]
    fn initialised_mut(&mut self) -> &mut [u8] {
        self
    }

    #[inline(always)]
    fn grow_to(&mut self, len: usize, _ahead: usize) -> bool {
        len <= self.len()
    }

    #[inline(always)]
    fn extend(&mut self, _data: &[u8], _pattern: Option<&super::Pattern>) -> bool {
        false
    }
}

#[cfg(feature = "alloc")]
impl Storage for Vec<u8> {
    #[inline(always)]
    fn initialised(&self) -> &[u8] {
        self
    }

    #[inline(always)]
    fn initialised_mut(&mut self) -> &mut [u8] {
        self
    }

    #[inline]
    fn grow_to(&mut self, len: usize, ahead: usize) -> bool {
        if len > self.len() {
            if len > self.capacity() {
                // `ahead` more than needed, exactly (the caller sizes it). If that
                // fails, `resize` asks for what is needed.
                let _ = self.try_reserve_exact(len.saturating_add(ahead) - self.len());
            }
            self.resize(len, 0);
        }
        true
    }

    #[inline]
    fn extend(&mut self, data: &[u8], pattern: Option<&super::Pattern>) -> bool {
        match pattern {
            Some(pattern) => super::extend_xor(self, data, pattern),
            None => self.extend_from_slice(data),
        }
        true
    }
}

/// As a `Vec`, within the `N` bytes: the length is how much was ever written.
#[cfg(feature = "heapless")]
impl<const N: usize> Storage for heapless::Vec<u8, N> {
    #[inline(always)]
    fn initialised(&self) -> &[u8] {
        self
    }

    #[inline(always)]
    fn initialised_mut(&mut self) -> &mut [u8] {
        self
    }

    #[inline]
    fn grow_to(&mut self, len: usize, _ahead: usize) -> bool {
        len <= self.len() || self.resize(len, 0).is_ok()
    }

    #[inline]
    fn extend(&mut self, data: &[u8], pattern: Option<&super::Pattern>) -> bool {
        let start = self.len();
        if self.extend_from_slice(data).is_err() {
            return false;
        }
        if let Some(pattern) = pattern {
            super::xor_in_place(&mut self[start..], pattern);
        }
        true
    }
}

/// What is known of the message's text.
#[derive(Clone, Copy, Debug)]
enum Check {
    /// Every byte of the message went, in order, through this stream, which was new
    /// when the message began.
    Text(Utf8Stream),
    /// As `Text`, and the stream found the message complete: it is valid UTF-8.
    Valid,
    /// Binary, or bytes were added without the check: text is checked when read.
    None,
}

/// Why a piece was not gathered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GatherError {
    /// The storage cannot hold `len` bytes (the message is dropped).
    TooBig {
        /// The length the message would have had.
        len: u64,
    },
    /// The text is invalid (the piece was still added; the message will not be
    /// vouched for).
    InvalidUtf8,
}

impl From<InvalidUtf8> for GatherError {
    fn from(_: InvalidUtf8) -> Self {
        Self::InvalidUtf8
    }
}

/// A message gathered in pieces into `S`, with its text check (see the module doc).
#[derive(Debug)]
pub(crate) struct Gather<S> {
    storage: S,
    /// The message is `storage.initialised()[..filled]`.
    filled: usize,
    /// Bytes after `filled` lent by the last [`room`](Self::room), not yet committed.
    lent: usize,
    check: Check,
}

impl<S: Storage> Gather<S> {
    /// An empty message in `storage`.
    pub(crate) const fn new(storage: S) -> Self {
        Self { storage, filled: 0, lent: 0, check: Check::None }
    }

    /// The storage, to read (its capacity, say).
    pub(crate) const fn storage(&self) -> &S {
        &self.storage
    }

    /// The message so far.
    #[inline(always)]
    pub(crate) fn bytes(&self) -> &[u8] {
        self.storage.initialised().get(..self.filled).unwrap_or_default()
    }

    /// The bytes the last [`room`](Self::room) lent, as the caller left them (until the
    /// next commit).
    pub(crate) fn lent(&self) -> &[u8] {
        let end = self.filled.saturating_add(self.lent);
        self.storage.initialised().get(self.filled..end).unwrap_or_default()
    }

    /// Starts a new, empty message, checked as text when `text`. Returns the storage:
    /// the message is empty, so nothing done to it can matter to the check.
    #[inline]
    pub(crate) fn begin(&mut self, text: bool) -> &mut S {
        self.filled = 0;
        self.lent = 0;
        self.check = if text { Check::Text(Utf8Stream::new()) } else { Check::None };
        &mut self.storage
    }

    /// Appends `data` to the message, XORed with `mask` (a key rotated to `data[0]`)
    /// in the same pass, and fed to the text check if there is one. Returns the
    /// appended bytes.
    ///
    /// # Errors
    /// [`GatherError::TooBig`] when the storage cannot grow to hold it (the message is
    /// then emptied), [`GatherError::InvalidUtf8`] when it proves the text invalid (it
    /// is appended all the same).
    #[inline]
    pub(crate) fn append(&mut self, data: &[u8], mask: Option<Key>) -> Result<&[u8], GatherError> {
        self.lent = 0;
        let start = self.filled;
        let Some(end) = start.checked_add(data.len()) else {
            return Err(self.too_big(u64::MAX));
        };
        let written = match &mut self.check {
            // Growing, it asks for as much again as the message holds: moved a
            // logarithmic number of times, reserved at most twice what arrived.
            Check::Text(stream) => self.storage.grow_to(end, end).then(|| {
                let dst = &mut self.storage.initialised_mut()[start..end];
                // Unmasked text is copied by the same kernel, with a key that changes
                // nothing: one pass either way.
                stream.feed_masked_into(dst, data, mask.unwrap_or([0; 4]))
            }),
            check => {
                // The message changes: a verdict on it no longer holds.
                *check = Check::None;
                copy(&mut self.storage, start, data, mask).then_some(Ok(()))
            }
        };
        let Some(checked) = written else {
            return Err(self.too_big(end as u64));
        };
        self.filled = end;
        checked?;
        Ok(&self.storage.initialised()[start..end])
    }

    /// Empties the message after it outgrew the storage; returns the error.
    fn too_big(&mut self, len: u64) -> GatherError {
        self.filled = 0;
        self.check = Check::None;
        GatherError::TooBig { len }
    }

    /// Room for the next `len` bytes of the message, to be filled by the caller and
    /// added with [`commit`](Self::commit); `ahead` more bytes are expected after them
    /// (a `Vec` that must grow asks for that much more capacity).
    ///
    /// # Errors
    /// The length the message would have, when the storage cannot hold it.
    pub(crate) fn room(&mut self, len: usize, ahead: usize) -> Result<&mut [u8], u64> {
        self.lent = 0;
        let end = self.filled.saturating_add(len);
        if !self.storage.grow_to(end, ahead) {
            return Err(end as u64);
        }
        self.lent = len;
        Ok(&mut self.storage.initialised_mut()[self.filled..end])
    }

    /// Adds the first `len` bytes of the last [`room`](Self::room) to the message
    /// (never more than that room), XORed in place with `mask` (rotated to the first)
    /// and fed to the text check if there is one. Returns them.
    ///
    /// # Errors
    /// [`InvalidUtf8`] when they prove the text invalid (they are added all the same).
    pub(crate) fn commit(&mut self, len: usize, mask: Option<Key>) -> Result<&[u8], InvalidUtf8> {
        let start = self.filled;
        let len = len.min(self.lent);
        self.lent = 0;
        let piece = self.storage.initialised_mut().get_mut(start..start + len).unwrap_or_default();
        let end = start + piece.len();
        let checked = match &mut self.check {
            Check::Text(stream) => match mask {
                Some(key) => stream.feed_masked(piece, key),
                // Unmasked text is only checked.
                None => stream.feed(piece),
            },
            check => {
                *check = Check::None;
                if let Some(key) = mask {
                    // (Short pieces a word at a time, without building a pattern.)
                    crate::frame::apply_mask(piece, key, 0);
                }
                Ok(())
            }
        };
        self.filled = end;
        checked?;
        Ok(&self.storage.initialised()[start..end])
    }

    /// Ends the message. With `text`, a message that went whole through the check must
    /// not end inside a code point, and is then known valid ([`text`](Self::text)).
    ///
    /// # Errors
    /// [`InvalidUtf8`] when the check failed or a code point is left open.
    pub(crate) fn finish(&mut self, text: bool) -> Result<(), InvalidUtf8> {
        self.lent = 0;
        match (&mut self.check, text) {
            (Check::Text(stream), true) => {
                let finished = stream.finish();
                self.check = if finished.is_ok() { Check::Valid } else { Check::None };
                finished
            }
            (check, _) => {
                *check = Check::None;
                Ok(())
            }
        }
    }

    /// The message as text, when [`finish`](Self::finish) found it valid and nothing
    /// changed it since.
    #[inline(always)]
    pub(crate) fn text(&self) -> Option<&str> {
        let Check::Valid = self.check else { return None };
        // SAFETY: `Check::Valid` is set only by `finish`, when every byte of the message
        // went in order through a stream that was new when the message began (`begin`),
        // and the stream found the text complete (no failed piece, no open code point).
        // Every method that changes the message's bytes or `filled` either feeds the
        // stream what it adds (`append`, `commit`) or leaves `Check::Valid` first
        // (`append` and `commit` without a stream, `too_big`, `begin`, `finish`), and
        // no `&mut` to the message's bytes leaves this module: `room` lends bytes past
        // them, which `commit` feeds before they join it, and `begin` returns the
        // storage only while the message is empty.
        Some(unsafe { core::str::from_utf8_unchecked(self.bytes()) })
    }
}

/// Writes `data` (XORed with `mask`) into `storage` at `start`: over the initialised
/// bytes first, then past them. `false` when the storage cannot hold it.
#[inline(always)]
fn copy<S: Storage>(storage: &mut S, start: usize, data: &[u8], mask: Option<Key>) -> bool {
    let initialised = storage.initialised_mut();
    let reused = initialised.len().saturating_sub(start).min(data.len());
    let (old, new) = data.split_at(reused);
    let Some(dst) = initialised.get_mut(start..start + reused) else { return false };
    let pattern = mask.map(repeated);
    match &pattern {
        Some(pattern) => xor_copy(dst, old, pattern),
        None => dst.copy_from_slice(old),
    }
    new.is_empty() || storage.extend(new, pattern.map(|p| rotated(&p, reused)).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_check_covers_only_the_message_it_began_with() {
        let mut storage = [0u8; 16];
        let mut g = Gather::new(&mut storage[..]);
        g.begin(true);
        assert_eq!(g.append(&[0xFF, b'A', 0xE2, 0x82], None), Err(GatherError::InvalidUtf8));
        // The failed check covers what follows: a lone continuation byte is not vouched
        // for, however it completes the rejected bytes.
        assert_eq!(g.append(&[0x80], None), Err(GatherError::InvalidUtf8));
        assert!(g.finish(true).is_err());
        assert_eq!(g.text(), None);
        // Room lent and committed is checked too.
        g.begin(true);
        g.room(3, 0).unwrap().copy_from_slice("é!".as_bytes());
        assert_eq!(g.commit(3, None), Ok("é!".as_bytes()));
        assert_eq!(g.finish(true), Ok(()));
        assert_eq!(g.text(), Some("é!"));
        // Any change drops the verdict.
        g.append(b"x", None).unwrap();
        assert_eq!(g.text(), None);
    }

    #[test]
    fn commit_takes_no_more_than_the_room() {
        let mut storage = *b"abcdefgh";
        let mut g = Gather::new(&mut storage[..]);
        g.begin(true);
        let room = g.room(2, 0).unwrap();
        room.copy_from_slice(b"xy");
        assert_eq!(g.commit(8, None), Ok(&b"xy"[..]));
        assert_eq!(g.commit(8, None), Ok(&b""[..]), "no room lent");
        assert_eq!(g.bytes(), b"xy");
    }

    #[test]
    fn a_slice_too_small_empties_the_message() {
        let mut storage = [0u8; 4];
        let mut g = Gather::new(&mut storage[..]);
        g.begin(false);
        g.append(b"abc", None).unwrap();
        assert_eq!(g.append(b"de", None), Err(GatherError::TooBig { len: 5 }));
        assert_eq!(g.bytes(), b"");
        assert_eq!(g.room(5, 0), Err(5));
    }
}
