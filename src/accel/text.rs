//! The incremental UTF-8 validator and the one type that carries its verdict: every
//! `&str` the crate makes of received bytes comes from here or from [`super::gather`].
//!
//! [`Utf8Stream`] checks a text fed in pieces. It is poisoned by the first error: every
//! later piece and its end fail too, until [`reset`](Utf8Stream::reset) starts a new
//! text. (Before, the tail of a rejected piece stayed in its state, so the next piece
//! was checked as the continuation of bytes nobody kept: `[E2 82]` rejected with the
//! bytes before it let a lone `[80]` pass.)
//!
//! [`Utf8Stream::feed_str`] returns a `&str` of the piece it was given when that piece is
//! valid UTF-8 on its own: the stream held no open code point before it (nor an error),
//! and holds none after it. [`Payload`] keeps such a `&str` as bytes and a flag, so that
//! a data chunk stays two words and a byte.

use crate::message::InvalidUtf8;

use super::utf8::{continue_utf8, unmask_continue_utf8, unmask_copy_continue_utf8, Continued};
use super::{repeated, xor_copy, xor_in_place, Key};

/// Checks a text fed in pieces of any size, failing on the piece holding the first byte
/// that proves it invalid (RFC 6455 §8.1).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Utf8Stream {
    /// The last three bytes fed (zeros at the start): a code point left open lies in
    /// them, and the vector kernels check each piece against them.
    last: [u8; 3],
    /// A piece proved the text invalid; every later call fails.
    failed: bool,
}

impl Utf8Stream {
    /// A stream at the start of a text.
    pub(crate) const fn new() -> Self {
        Self { last: [0; 3], failed: false }
    }

    /// Returns `true` when no piece failed and no code point is left open.
    pub(crate) const fn is_complete(&self) -> bool {
        !self.failed && open_tail_start(&self.last) == self.last.len()
    }

    /// Starts a new text: forgets any open code point and any error.
    pub(crate) fn reset(&mut self) {
        *self = Self::new();
    }

    /// Checks the next piece.
    #[inline]
    pub(crate) fn feed(&mut self, data: &[u8]) -> Result<(), InvalidUtf8> {
        if self.failed {
            return Err(InvalidUtf8);
        }
        if data.is_empty() {
            return Ok(());
        }
        let found = match continue_utf8(self.last, data) {
            Some(found) => found,
            None => {
                Continued { valid: self.continues_scalar(data), last: last_after(self.last, data) }
            }
        };
        self.settle(found)
    }

    /// [`feed`](Self::feed), returning `data` as `&str` when it is valid UTF-8 on its
    /// own: the text held no open code point before it and holds none after it.
    #[inline]
    pub(crate) fn feed_str<'a>(&mut self, data: &'a [u8]) -> Result<Option<&'a str>, InvalidUtf8> {
        let was_complete = self.is_complete();
        self.feed(data)?;
        if !(was_complete && self.is_complete()) {
            return Ok(None);
        }
        // SAFETY: a stream whose text so far is complete (`was_complete`: no piece
        // failed, no code point open) checks `data` exactly as a text of its own, each
        // code point starting in it: the kernels compare its first bytes against the
        // last three fed, which end a whole code point, and a continuation byte after a
        // whole code point is an error there as at the start of a text. `feed`
        // accepted every byte of `data` and left no code point open (`is_complete`),
        // so `data` is valid UTF-8. (The kernels are checked against
        // `core::str::from_utf8` for every split in this module's tests and fuzzed.)
        Ok(Some(unsafe { core::str::from_utf8_unchecked(data) }))
    }

    /// Unmasks `data` in place with `key` (rotated to `data[0]`) and checks it as the
    /// next piece, in one pass where a vector kernel runs. Every byte is unmasked.
    #[inline]
    pub(crate) fn feed_masked(&mut self, data: &mut [u8], key: Key) -> Result<(), InvalidUtf8> {
        if self.failed {
            xor_in_place(data, &repeated(key));
            return Err(InvalidUtf8);
        }
        match unmask_continue_utf8(self.last, data, key) {
            Some(found) => self.settle(found),
            None => {
                xor_in_place(data, &repeated(key));
                self.feed(data)
            }
        }
    }

    /// [`feed_masked`](Self::feed_masked), writing the unmasked bytes of `src` to `dst`
    /// (every byte, even when the text proves invalid).
    ///
    /// # Panics
    /// If `dst` and `src` differ in length.
    #[inline]
    pub(crate) fn feed_masked_into(
        &mut self,
        dst: &mut [u8],
        src: &[u8],
        key: Key,
    ) -> Result<(), InvalidUtf8> {
        assert_eq!(dst.len(), src.len(), "feed_masked_into: lengths differ");
        if self.failed {
            xor_copy(dst, src, &repeated(key));
            return Err(InvalidUtf8);
        }
        match unmask_copy_continue_utf8(self.last, dst, src, key) {
            Some(found) => self.settle(found),
            None => {
                xor_copy(dst, src, &repeated(key));
                self.feed(dst)
            }
        }
    }

    /// Ends the text: fails if a piece failed or a code point is left open. Starts a
    /// new text either way.
    pub(crate) fn finish(&mut self) -> Result<(), InvalidUtf8> {
        let complete = self.is_complete();
        self.reset();
        if complete {
            Ok(())
        } else {
            Err(InvalidUtf8)
        }
    }

    /// Remembers the new end of the text, and fails (poisoned) if a byte of the piece
    /// proved it invalid or if the piece ends in a byte that never starts a code point
    /// (the pairwise checks see such a byte only with the byte after it).
    #[inline]
    fn settle(&mut self, found: Continued) -> Result<(), InvalidUtf8> {
        self.last = found.last;
        if found.valid && !matches!(self.last[2], 0xC0 | 0xC1 | 0xF5..=0xFF) {
            Ok(())
        } else {
            self.failed = true;
            Err(InvalidUtf8)
        }
    }

    /// Whether `data` can continue the text so far (without vector kernels): the code
    /// point left open is completed first, then whole code points are checked, then
    /// the start of one that `data` leaves open.
    fn continues_scalar(&self, mut data: &[u8]) -> bool {
        let open = &self.last[open_tail_start(&self.last)..];
        if let Some(&lead) = open.first() {
            let take = (sequence_len(lead) - open.len()).min(data.len());
            let mut code_point = [0u8; 4];
            code_point[..open.len()].copy_from_slice(open);
            code_point[open.len()..open.len() + take].copy_from_slice(&data[..take]);
            if !is_prefix(&code_point[..open.len() + take]) {
                return false;
            }
            data = &data[take..];
        }
        let (whole, tail) = data.split_at(open_tail_start(data));
        simdutf8::basic::from_utf8(whole).is_ok() && is_prefix(tail)
    }
}

/// Received bytes, whether they are known to be valid UTF-8 as a whole, and seven bits
/// of the caller's (a data chunk's kind, first and last): one byte beside the slice, so
/// a chunk stays three words.
///
/// The UTF-8 bit is set only by [`Payload::text`], from a `&str`; the fields are private
/// to this module, so [`as_str`](Self::as_str) views as text only bytes that were a
/// `&str`.
#[derive(Clone, Copy)]
pub(crate) struct Payload<'a> {
    bytes: &'a [u8],
    /// The caller's bits, and [`Payload::UTF8`].
    tag: u8,
}

impl<'a> Payload<'a> {
    /// The bit of `tag` that says the bytes are UTF-8; the caller's bits are the others.
    pub(crate) const UTF8: u8 = 0x80;

    /// Bytes not known to be UTF-8, with the caller's `tag` (its [`Payload::UTF8`] bit
    /// is ignored).
    #[inline(always)]
    pub(crate) const fn bytes(bytes: &'a [u8], tag: u8) -> Self {
        Self { bytes, tag: tag & !Self::UTF8 }
    }

    /// Text, with the caller's `tag`.
    #[inline(always)]
    pub(crate) const fn text(text: &'a str, tag: u8) -> Self {
        Self { bytes: text.as_bytes(), tag: tag | Self::UTF8 }
    }

    /// The bytes.
    #[inline(always)]
    pub(crate) const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The caller's bits, and [`Payload::UTF8`] when the bytes are text.
    #[inline(always)]
    pub(crate) const fn tag(&self) -> u8 {
        self.tag
    }

    /// The bytes as `&str` when they came from one ([`Payload::text`]); else `None`.
    #[inline(always)]
    pub(crate) const fn as_str(&self) -> Option<&'a str> {
        if self.tag & Self::UTF8 != 0 {
            // SAFETY: the `UTF8` bit is set only by `Payload::text`, over the bytes of a
            // `&str` (`Payload::bytes` clears it), and neither field changes after
            // construction (both private to this module).
            Some(unsafe { core::str::from_utf8_unchecked(self.bytes) })
        } else {
            None
        }
    }
}

/// Equal bytes and caller's bits are equal payloads, whether or not the verdict was kept.
impl PartialEq for Payload<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes && (self.tag ^ other.tag) & !Self::UTF8 == 0
    }
}

impl Eq for Payload<'_> {}

/// The last three bytes of a text that ended in `last` and goes on with `fed`.
fn last_after(last: [u8; 3], fed: &[u8]) -> [u8; 3] {
    match *fed {
        [.., a, b, c] => [a, b, c],
        [a, b] => [last[2], a, b],
        [a] => [last[1], last[2], a],
        [] => last,
    }
}

/// Returns `true` when `bytes` are valid UTF-8 or the valid start of one code point.
fn is_prefix(bytes: &[u8]) -> bool {
    match simdutf8::compat::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Where the sequence starts that a lead byte among the last three of `data` opens
/// and `data` does not finish (`data.len()` when there is none).
const fn open_tail_start(data: &[u8]) -> usize {
    let len = data.len();
    let mut back = 1;
    while back <= len && back <= 3 {
        match data[len - back] {
            0x00..=0x7F => break,
            0x80..=0xBF => back += 1,
            lead => return if sequence_len(lead) > back { len - back } else { len },
        }
    }
    len
}

/// The length of the sequence a lead byte starts (4 for F0 and above, valid or not).
const fn sequence_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    #[test]
    fn a_failed_stream_stays_failed_until_reset() {
        let mut s = Utf8Stream::new();
        // E2 82 80 is valid; the FF before it is not.
        assert!(s.feed(&[0xFF, b'A', 0xE2, 0x82]).is_err());
        assert!(s.feed(&[0x80]).is_err());
        assert!(s.feed(b"plain").is_err());
        assert!(s.feed_str(b"").is_err());
        let mut masked = [0x80 ^ 1];
        assert!(s.feed_masked(&mut masked, [1, 2, 3, 4]).is_err());
        assert_eq!(masked, [0x80], "unmasked even when failed");
        assert!(!s.is_complete());
        assert!(s.finish().is_err());
        // `finish` started a new text.
        assert_eq!(s.feed_str("é".as_bytes()), Ok(Some("é")));
    }

    #[test]
    fn feed_str_vouches_only_for_pieces_valid_on_their_own() {
        let mut s = Utf8Stream::new();
        assert_eq!(s.feed_str(b"ab"), Ok(Some("ab")));
        assert_eq!(s.feed_str(&[0xE2, 0x82]), Ok(None)); // leaves € open
        assert_eq!(s.feed_str(&[0xAC]), Ok(None)); // closes it: not text on its own
        assert_eq!(s.feed_str("ü".as_bytes()), Ok(Some("ü")));
    }

    proptest! {
        #[test]
        fn feed_str_agrees_with_core(
            pieces in proptest::collection::vec(
                proptest::collection::vec(prop_oneof![any::<u8>(), 0x80u8..0xC0, 0u8..0x80], 0..12),
                1..6,
            ),
        ) {
            let mut s = Utf8Stream::new();
            let mut fed = Vec::new();
            for piece in &pieces {
                let before = fed.len();
                fed.extend_from_slice(piece);
                match s.feed_str(piece) {
                    Ok(Some(text)) => prop_assert_eq!(Ok(text), core::str::from_utf8(piece)),
                    // Accepted: what was fed so far is a valid start of a text.
                    Ok(None) => prop_assert!(
                        matches!(core::str::from_utf8(&fed), Err(e) if e.error_len().is_none())
                            || core::str::from_utf8(&fed[..before]).is_err()
                    ),
                    Err(InvalidUtf8) => {
                        prop_assert!(matches!(core::str::from_utf8(&fed), Err(e) if e.error_len().is_some()));
                        break;
                    }
                }
            }
        }
    }
}
