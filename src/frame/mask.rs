//! Payload masking (RFC 6455 §5.3).
//!
//! Masking XORs payload octet `i` with `key[i % 4]`. Applying it twice restores the
//! input, so one function both masks and unmasks. Every function takes the payload
//! *offset* of the first byte it is given, so a payload can be processed in pieces of
//! any size and alignment as it arrives.

use crate::accel::{Pattern, PATTERN_LEN};

/// A 32-bit masking key (RFC 6455 §5.3), in wire order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MaskKey(pub [u8; 4]);

impl MaskKey {
    /// Masks or unmasks `data` in place; `offset` is the position of `data[0]` within
    /// the frame payload.
    ///
    /// ```
    /// use rfc6455::frame::MaskKey;
    /// let key = MaskKey([0x37, 0xfa, 0x21, 0x3d]);
    /// let mut payload = *b"Hello";
    /// key.apply(&mut payload[..2], 0); // any split works,
    /// key.apply(&mut payload[2..], 2); // given the running offset
    /// assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    /// ```
    #[inline]
    pub fn apply(self, data: &mut [u8], offset: u64) {
        apply_mask(data, self.0, offset);
    }
}

/// Masks or unmasks `data` in place with `key`, where `offset` is the payload position
/// of `data[0]`.
///
/// Works 64 bytes at a time against a pre-rotated key pattern (vector XORs: SSE2 on
/// every x86_64, AVX2 when `std` detects it); the result equals the byte-at-a-time
/// definition for every length, offset and alignment (property-tested).
#[inline(always)]
pub fn apply_mask(data: &mut [u8], key: [u8; 4], offset: u64) {
    if data.len() < PATTERN_LEN {
        mask_short(data, key, offset);
        return;
    }
    crate::accel::xor_in_place(data, &pattern(key, offset));
}

/// Masks fewer than [`PATTERN_LEN`] bytes (the common small message) a machine word
/// at a time: the last word (loaded first, possibly overlapping the one before) covers
/// the tail, so no byte-sized stores remain for a reader's word loads to wait on.
#[inline(always)]
fn mask_short(data: &mut [u8], key: [u8; 4], offset: u64) {
    let len = data.len();
    let word = |at: usize| {
        let r = u32::from_ne_bytes(rotate(key, offset + at as u64));
        u64::from(r) | (u64::from(r) << 32)
    };
    if len >= 8 {
        let load = |d: &[u8], at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&d[at..at + 8]);
            u64::from_ne_bytes(b)
        };
        let last_at = len - 8;
        let last = load(data, last_at) ^ word(last_at);
        let mut at = 0;
        while at < last_at {
            let v = load(data, at) ^ word(at);
            data[at..at + 8].copy_from_slice(&v.to_ne_bytes());
            at += 8;
        }
        // Bytes the loop already masked are overwritten with the same values.
        data[last_at..].copy_from_slice(&last.to_ne_bytes());
        return;
    }
    let rotated = rotate(key, offset);
    for (i, byte) in data.iter_mut().enumerate() {
        *byte ^= rotated[i & 3];
    }
}

/// The key rotated so that its first byte applies at payload position `offset`.
#[inline]
pub(crate) const fn rotate(key: [u8; 4], offset: u64) -> [u8; 4] {
    // In little-endian order, moving every byte one place down is a right rotation.
    u32::from_le_bytes(key).rotate_right(8 * (offset % 4) as u32).to_le_bytes()
}

/// The key repeated over the kernels' step, rotated so that `pattern[0]` applies at
/// `offset`.
#[inline]
pub(crate) fn pattern(key: [u8; 4], offset: u64) -> Pattern {
    crate::accel::repeated(rotate(key, offset))
}

/// Writes `src` masked with `key` into `dst` in one pass (`offset` as in
/// [`apply_mask`]); `dst` and `src` must have the same length.
///
/// This fuses the copy a sender makes anyway with the masking, so the payload is read
/// once. The result equals copying, then [`apply_mask`] (property-tested).
///
/// # Panics
/// When `dst.len() != src.len()`.
#[inline]
pub(crate) fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4], offset: u64) {
    assert_eq!(dst.len(), src.len(), "copy_masked needs equal lengths");
    crate::accel::xor_copy(dst, src, &pattern(key, offset));
}

/// Unmasks `data` one byte at a time: the RFC's definition, for tests.
#[cfg(test)]
fn apply_mask_bytewise(data: &mut [u8], key: [u8; 4], offset: u64) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= key[((offset + i as u64) % 4) as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::prelude::rust_2021::*;

    #[test]
    fn rfc_example_hello() {
        let mut p = *b"Hello";
        apply_mask(&mut p, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(p, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    proptest! {
        #[test]
        fn word_at_a_time_equals_bytewise(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            key in any::<[u8; 4]>(),
            offset in 0u64..1_000,
            start in 0usize..16,
        ) {
            let start = start.min(data.len());
            let mut fast = data.clone();
            let mut slow = data.clone();
            apply_mask(&mut fast[start..], key, offset);
            apply_mask_bytewise(&mut slow[start..], key, offset);
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn copy_masked_equals_copy_then_mask(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            key in any::<[u8; 4]>(),
            offset in 0u64..8,
        ) {
            let mut fused = vec![0u8; data.len()];
            copy_masked(&mut fused, &data, key, offset);
            let mut slow = data.clone();
            apply_mask_bytewise(&mut slow, key, offset);
            prop_assert_eq!(fused, slow);
        }

        #[test]
        fn any_split_equals_one_shot(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            key in any::<[u8; 4]>(),
            cuts in proptest::collection::vec(0usize..300, 0..6),
        ) {
            let mut whole = data.clone();
            apply_mask(&mut whole, key, 0);
            let mut pieces = data.clone();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.push(0);
            cuts.push(data.len());
            cuts.sort_unstable();
            for w in cuts.windows(2) {
                apply_mask(&mut pieces[w[0]..w[1]], key, w[0] as u64);
            }
            prop_assert_eq!(&pieces, &whole);
            apply_mask(&mut pieces, key, 0);
            prop_assert_eq!(pieces, data);
        }
    }
}
