//! Incremental, fail-fast UTF-8 validation across chunk and frame boundaries.

use crate::accel::Utf8Stream;
use crate::frame::mask::rotate;

/// Validates a text message fed in pieces of any size.
///
/// An invalid sequence is reported by the [`feed`](Self::feed) call that receives the
/// byte proving it, even when a code point is split across pieces (RFC 6455 §8.1 asks
/// to fail "as soon as" the data is known invalid). Overlong forms, surrogates, code
/// points above U+10FFFF and the bytes C0, C1 and F5-FF are rejected; noncharacters
/// such as U+FFFE are accepted. [`finish`](Self::finish) rejects a code point left
/// incomplete at the end of the message.
///
/// After an error the validator stays failed: every later call returns
/// [`InvalidUtf8`] until [`reset`](Self::reset) (or [`finish`](Self::finish)) starts a
/// new message.
///
/// ```
/// use rfc6455::message::Utf8Validator;
/// let mut v = Utf8Validator::new();
/// let euro = "€".as_bytes(); // E2 82 AC
/// assert!(v.feed(&euro[..1]).is_ok());
/// assert!(v.feed(&euro[1..]).is_ok());
/// assert!(v.finish().is_ok());
/// assert!(v.feed(&[0xED, 0xA0]).is_err()); // a surrogate fails on its second byte
/// assert!(v.feed(b"more").is_err()); // and the validator stays failed
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Utf8Validator {
    stream: Utf8Stream,
}

/// The bytes fed to a [`Utf8Validator`] are not valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidUtf8;

impl Utf8Validator {
    /// A validator at the start of a message.
    pub const fn new() -> Self {
        Self { stream: Utf8Stream::new() }
    }

    /// Returns `true` when no code point is left incomplete (and no error was found).
    pub const fn is_complete(&self) -> bool {
        self.stream.is_complete()
    }

    /// Forgets any incomplete code point and any error, ready for a new message.
    pub fn reset(&mut self) {
        self.stream.reset();
    }

    /// Validates the next piece of the message.
    ///
    /// # Errors
    /// [`InvalidUtf8`] as soon as the bytes seen so far cannot start valid UTF-8, and
    /// on every call after that.
    #[inline]
    pub fn feed(&mut self, data: &[u8]) -> Result<(), InvalidUtf8> {
        self.stream.feed(data)
    }

    /// Unmasks the masked payload bytes `data` in place and validates them as the next
    /// piece, in one pass over the bytes where a vector kernel runs (AVX-512 or AVX2,
    /// detected at run time with `std`; elsewhere [`apply_mask`] then
    /// [`feed`](Self::feed)). `key` is the frame's masking key and `offset` the position
    /// of `data[0]` in the frame's payload, as for [`apply_mask`]. Every byte is
    /// unmasked, even when the text proves invalid.
    ///
    /// For a stack that decodes frames itself (with
    /// [`FrameDecoder`](crate::frame::FrameDecoder)): this is how
    /// [`Connection`](crate::Connection) handles masked text.
    ///
    /// ```
    /// use rfc6455::frame::apply_mask;
    /// use rfc6455::message::Utf8Validator;
    /// let key = [0x37, 0xFA, 0x21, 0x0B];
    /// let mut payload = "naïve café".as_bytes().to_vec();
    /// apply_mask(&mut payload, key, 0); // as it arrives from a client
    /// let mut v = Utf8Validator::new();
    /// // In two pieces, cut inside the "ï": the second starts 3 bytes into the payload.
    /// let (first, second) = payload.split_at_mut(3);
    /// assert!(v.feed_masked(first, key, 0).is_ok());
    /// assert!(v.feed_masked(second, key, 3).is_ok());
    /// assert!(v.finish().is_ok());
    /// assert_eq!(payload, "naïve café".as_bytes());
    /// ```
    ///
    /// # Errors
    /// As [`feed`](Self::feed).
    ///
    /// [`apply_mask`]: crate::frame::apply_mask
    #[inline]
    pub fn feed_masked(
        &mut self,
        data: &mut [u8],
        key: [u8; 4],
        offset: u64,
    ) -> Result<(), InvalidUtf8> {
        self.stream.feed_masked(data, rotate(key, offset))
    }

    /// [`feed_masked`](Self::feed_masked), writing the unmasked bytes of `src` to `dst`
    /// instead of in place: the copy a stack makes to gather a fragmented message, the
    /// unmasking and the validation in one pass. `dst` gets every byte, even when the
    /// text proves invalid.
    ///
    /// ```
    /// use rfc6455::frame::apply_mask;
    /// use rfc6455::message::Utf8Validator;
    /// let key = [1, 2, 3, 4];
    /// let mut wire = "Größe".as_bytes().to_vec();
    /// apply_mask(&mut wire, key, 0);
    /// let mut message = vec![0u8; wire.len()];
    /// let mut v = Utf8Validator::new();
    /// assert!(v.feed_masked_into(&mut message, &wire, key, 0).is_ok());
    /// assert!(v.finish().is_ok());
    /// assert_eq!(message, "Größe".as_bytes());
    /// ```
    ///
    /// # Errors
    /// As [`feed`](Self::feed).
    ///
    /// # Panics
    /// If `dst` and `src` differ in length.
    #[inline]
    pub fn feed_masked_into(
        &mut self,
        dst: &mut [u8],
        src: &[u8],
        key: [u8; 4],
        offset: u64,
    ) -> Result<(), InvalidUtf8> {
        self.stream.feed_masked_into(dst, src, rotate(key, offset))
    }

    /// Ends the message: fails if a code point is incomplete or an error was found.
    /// Resets the validator either way.
    ///
    /// # Errors
    /// [`InvalidUtf8`] when the message ended inside a code point or was invalid.
    pub fn finish(&mut self) -> Result<(), InvalidUtf8> {
        self.stream.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str;
    use proptest::prelude::*;
    use std::prelude::rust_2021::*;

    /// Feeds `data` in pieces cut at `cuts`; returns the index of the piece that failed.
    fn validate(data: &[u8], cuts: &[usize]) -> Result<(), usize> {
        let mut v = Utf8Validator::new();
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
        bounds.push(0);
        bounds.push(data.len());
        bounds.sort_unstable();
        for (i, w) in bounds.windows(2).enumerate() {
            v.feed(&data[w[0]..w[1]]).map_err(|_| i)?;
        }
        v.finish().map_err(|_| usize::MAX)
    }

    #[test]
    fn autobahn_style_cases() {
        for bad in [
            &[0xC0, 0x80][..],         // overlong
            &[0xE0, 0x80, 0xAF],       // overlong
            &[0xED, 0xA0, 0x80],       // surrogate
            &[0xF4, 0x90, 0x80, 0x80], // above U+10FFFF
            &[0xF5],
            &[0xFF],
            &[0xCE, 0xBA, 0xE1], // truncated at the end
        ] {
            assert!(validate(bad, &[]).is_err(), "{bad:x?}");
        }
        for good in ["", "κόσμε", "\u{FFFE}\u{FFFF}", "\u{FFFD}", "\u{10FFFF}"] {
            assert_eq!(validate(good.as_bytes(), &[1, 2, 3]), Ok(()));
        }
    }

    #[test]
    fn fails_on_the_piece_that_proves_it() {
        // "κόσμε" then ED A0 80: the surrogate is provable at A0, in the third piece.
        let mut data = "κόσμε".as_bytes().to_vec();
        let at = data.len();
        data.extend_from_slice(&[0xED, 0xA0, 0x80, b'x']);
        assert_eq!(validate(&data, &[at, at + 1, at + 2]), Err(2));
        // F4 90: the second byte already exceeds U+10FFFF.
        assert_eq!(validate(&[0x41, 0xF4, 0x90, 0x80, 0x80], &[2, 3]), Err(1));
    }

    proptest! {
        #[test]
        fn agrees_with_core_for_any_split(
            data in proptest::collection::vec(prop_oneof![any::<u8>(), 0x80u8..0xC0], 0..64),
            cuts in proptest::collection::vec(0usize..64, 0..8),
        ) {
            let result = validate(&data, &cuts);
            prop_assert_eq!(result.is_ok(), str::from_utf8(&data).is_ok());
            // Fail-fast: the failing piece is the one holding the first byte after which
            // the prefix can no longer be completed into valid UTF-8.
            let proof = (1..=data.len())
                .find(|&k| matches!(str::from_utf8(&data[..k]), Err(e) if e.error_len().is_some()));
            if let Some(k) = proof {
                let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
                bounds.push(0);
                bounds.push(data.len());
                bounds.sort_unstable();
                let piece = bounds.windows(2).position(|w| w[0] < k && k <= w[1]).unwrap();
                prop_assert_eq!(result, Err(piece));
            }
        }

        #[test]
        fn valid_strings_pass_for_any_split(s in ".{0,40}", cuts in proptest::collection::vec(0usize..160, 0..8)) {
            prop_assert_eq!(validate(s.as_bytes(), &cuts), Ok(()));
        }

        #[test]
        fn feeding_masked_pieces_unmasks_them_and_agrees_with_feed(
            text in ".{0,300}",
            damage in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
            key in any::<[u8; 4]>(),
            cuts in proptest::collection::vec(0usize..1200, 0..6),
        ) {
            // Text (long enough for the vector kernels' loops), maybe with a byte changed.
            let mut data = text.into_bytes();
            if let (Some((at, byte)), false) = (damage, data.is_empty()) {
                let i = at.index(data.len());
                data[i] = byte;
            }
            let mut masked = data.clone();
            crate::frame::apply_mask(&mut masked, key, 0);
            let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
            bounds.extend([0, data.len()]);
            bounds.sort_unstable();
            // Each piece: the plain validator on the unmasked bytes, and both masked
            // feeds on the masked ones at the piece's payload offset; all must agree
            // piece by piece, and the bytes must come out unmasked.
            let (mut plain, mut in_place, mut copied) =
                (Utf8Validator::new(), Utf8Validator::new(), Utf8Validator::new());
            let mut out = vec![0xA5u8; data.len()];
            for w in bounds.windows(2) {
                let (from, to) = (w[0], w[1]);
                let expected = plain.feed(&data[from..to]);
                let mut piece = masked[from..to].to_vec();
                prop_assert_eq!(in_place.feed_masked(&mut piece, key, from as u64), expected);
                prop_assert_eq!(&piece[..], &data[from..to]);
                let got = copied.feed_masked_into(&mut out[from..to], &masked[from..to], key, from as u64);
                prop_assert_eq!(got, expected);
                prop_assert_eq!(&out[from..to], &data[from..to]);
                if expected.is_err() {
                    break;
                }
                prop_assert_eq!(in_place.is_complete(), plain.is_complete());
                prop_assert_eq!(copied.is_complete(), plain.is_complete());
            }
        }
    }
}
