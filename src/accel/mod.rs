//! The crate's only `unsafe` code: the masking kernels' CPU dispatch, writing into a
//! `Vec`'s spare capacity, the UTF-8 validator's kernels, and every `&str` made of
//! received bytes.
//!
//! # Reviewing the `&str` views
//! Each `from_utf8_unchecked` of the crate is in this folder, and each is judged here
//! alone: nothing outside can make one vouch for bytes it did not check.
//! - [`to_str`] and [`unmask_to_str`] (`utf8.rs`) check the very bytes they return, in
//!   one call.
//! - [`Utf8Stream::feed_str`] (`text.rs`) returns the piece it was just fed when the
//!   stream held no open code point and no error before it and holds none after it: the
//!   piece is then valid on its own. A stream is poisoned by its first error (every
//!   later call fails), so no piece is checked against bytes of a rejected one.
//! - [`Payload`] (`text.rs`) keeps a `&str` as bytes and a flag, which only
//!   [`Payload::text`] sets, from a `&str`; a data chunk carries the verdict this way.
//! - [`Gather`] (`gather.rs`) owns a message store's storage and the text check of the
//!   message in it; its fields are private and every path that changes the message
//!   feeds the check or drops it (its module doc and `Gather::text` say how).
//!
//! So the soundness of the views rests on the validator's kernels being right, which
//! the tests in `utf8.rs` and `text.rs` check against `core::str::from_utf8` for every
//! split, length and alignment, and the fuzz targets check on every frame.
//!
//! # Speed
//! Everything else here exists because a benchmark showed it pays (see `BENCHMARKS.md`):
//! - With `std` on x86_64, the XOR loops run in a copy compiled for AVX2 when the CPU
//!   has it (detected at run time by `std`): on payloads that sit in L1 (a 1 KiB
//!   message) that doubles the speed of the SSE2 loop every x86_64 has. On a CPU with
//!   AVX-512F they run 64 bytes a step with intrinsics, which the compiler's own
//!   vectorisation does not use (W2 and W3 2-3 % faster). Without `std`, or when the
//!   target already enables AVX2, the one portable loop runs, vectorised for whatever
//!   the target enables. Every `#[target_feature]` function runs only after each of
//!   its features was detected.
//! - [`extend_xor`] masks straight into a `Vec`'s spare capacity: the sender's copy
//!   and the masking in one pass, without first zeroing the room or copying twice.
//! - The UTF-8 kernels validate with AVX-512 or AVX2 (with `std`, detected at run
//!   time), unmasking in the same pass where asked (`utf8.rs`).
//! - A text the connection validated is viewed as `&str` without validating it a
//!   second time (checking a ~1 KiB message again took about 50 ns, at the 20 GB/s the
//!   `utf8` benchmark measures for such messages; a 1 MiB gathered one about 40 us).
//!
//! Each `unsafe` block carries a `// SAFETY:` comment; the property tests below check
//! every kernel, in every dispatch, against the byte-at-a-time definition for every
//! length and alignment, and the fuzz targets run them on every frame.
#![allow(unsafe_code)]

use core::mem::MaybeUninit;

mod gather;
mod text;
mod utf8;

pub(crate) use gather::{Gather, GatherError, Storage};
pub(crate) use text::{Payload, Utf8Stream};
pub(crate) use utf8::{to_str, unmask_to_str, Key};

/// Bytes per step of the XOR loops: one AVX-512 register, two AVX2, four SSE2.
pub(crate) const PATTERN_LEN: usize = 64;

/// A 4-byte masking key repeated (and rotated to the running offset) over
/// [`PATTERN_LEN`] bytes.
pub(crate) type Pattern = [u8; PATTERN_LEN];

/// A destination byte the XOR-copy can write: initialised or not.
pub(crate) trait OutByte {
    /// Stores `value`.
    fn put(&mut self, value: u8);
}

impl OutByte for u8 {
    #[inline(always)]
    fn put(&mut self, value: u8) {
        *self = value;
    }
}

impl OutByte for MaybeUninit<u8> {
    #[inline(always)]
    fn put(&mut self, value: u8) {
        self.write(value);
    }
}

/// XORs `data` in place with `pattern` repeated (`pattern[0]` applies to `data[0]`).
#[inline]
pub(crate) fn xor_in_place(data: &mut [u8], pattern: &Pattern) {
    let head = unaligned_head(data);
    if head > 0 {
        let (data_head, data) = data.split_at_mut(head);
        xor_in_place_loop(data_head, pattern);
        return xor_in_place_aligned(data, &rotated(pattern, head));
    }
    xor_in_place_aligned(data, pattern);
}

#[inline(always)]
fn xor_in_place_aligned(data: &mut [u8], pattern: &Pattern) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the one requirement of a `#[target_feature(enable = "avx512f")]`
        // function is a CPU with AVX-512F, which was detected just above.
        unsafe { xor_in_place_avx512(data, pattern) };
        return;
    }
    #[cfg(all(feature = "std", target_arch = "x86_64", not(target_feature = "avx2")))]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the one requirement of a `#[target_feature(enable = "avx2")]`
        // function is a CPU with AVX2, which was detected just above.
        unsafe { xor_in_place_avx2(data, pattern) };
        return;
    }
    xor_in_place_portable(data, pattern);
}

/// Inputs at least this long are split so the vector loop's stores are aligned to a
/// cache line: unaligned 32-byte stores straddle a line every other time, which cost
/// about 20 % on a 64 KiB copy in L2 (measured). Below it the split costs more than it
/// saves: with 256 it cost 15 % on 1 KiB text messages (W4).
const ALIGN_FROM: usize = 4096;

/// The length of the head to process apart so that the rest starts on a 64-byte
/// boundary (0 for short inputs).
#[inline(always)]
fn unaligned_head<T>(data: &[T]) -> usize {
    if data.len() < ALIGN_FROM {
        return 0;
    }
    // Only the address is used, never dereferenced.
    (PATTERN_LEN - data.as_ptr() as usize % PATTERN_LEN) % PATTERN_LEN
}

/// `pattern` rotated left by `by` bytes: the pattern for data starting `by` bytes later.
///
/// A pattern repeats every 4 bytes, so this is its 4 bytes from `by % 4` repeated. (Built
/// a byte at a time, the copy was read back in 16-byte loads over byte stores: a
/// store-forwarding stall that took 2 % of W2's time.)
#[inline(always)]
fn rotated(pattern: &Pattern, by: usize) -> Pattern {
    let at = by % 4;
    repeated([pattern[at], pattern[at + 1], pattern[at + 2], pattern[at + 3]])
}

/// `key` repeated over a [`Pattern`] (`key[0]` applies to the first byte).
#[inline(always)]
pub(crate) fn repeated(key: Key) -> Pattern {
    let mut pattern = [0; PATTERN_LEN];
    for chunk in pattern.chunks_exact_mut(4) {
        chunk.copy_from_slice(&key);
    }
    pattern
}

/// A destination and a source of one length: the kernels below take this, so they
/// cannot be handed two lengths.
pub(crate) struct SameLen<'d, 's, B> {
    dst: &'d mut [B],
    src: &'s [u8],
}

impl<'d, 's, B> SameLen<'d, 's, B> {
    /// The first `min(dst.len(), src.len())` elements of each.
    #[inline(always)]
    fn new(dst: &'d mut [B], src: &'s [u8]) -> Self {
        let len = dst.len().min(src.len());
        Self { dst: &mut dst[..len], src: &src[..len] }
    }

    /// Both split at `mid` (at most the length).
    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (dst_head, dst) = self.dst.split_at_mut(mid);
        let (src_head, src) = self.src.split_at(mid);
        (Self { dst: dst_head, src: src_head }, Self { dst, src })
    }
}

/// Writes `src[i] ^ pattern[i % PATTERN_LEN]` into `dst[i]` for every
/// `i < min(dst.len(), src.len())`.
#[inline]
pub(crate) fn xor_copy<B: OutByte>(dst: &mut [B], src: &[u8], pattern: &Pattern) {
    let both = SameLen::new(dst, src);
    let head = unaligned_head(both.dst).min(both.src.len());
    if head > 0 {
        let (head_part, rest) = both.split_at(head);
        xor_copy_loop(head_part, pattern);
        return xor_copy_aligned(rest, &rotated(pattern, head));
    }
    xor_copy_aligned(both, pattern);
}

#[inline(always)]
fn xor_copy_aligned<B: OutByte>(both: SameLen<'_, '_, B>, pattern: &Pattern) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx512f") {
        // SAFETY: as in `xor_in_place_aligned`, AVX-512F was detected just above.
        unsafe { xor_copy_avx512(both.dst, both.src, pattern) };
        return;
    }
    #[cfg(all(feature = "std", target_arch = "x86_64", not(target_feature = "avx2")))]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: as in `xor_in_place_aligned`, AVX2 was detected just above.
        unsafe { xor_copy_avx2(both.dst, both.src, pattern) };
        return;
    }
    xor_copy_portable(both.dst, both.src, pattern);
}

/// Appends `src` XORed with `pattern` to `vec` in one pass.
#[cfg(any(feature = "alloc", test))]
pub(crate) fn extend_xor(vec: &mut alloc::vec::Vec<u8>, src: &[u8], pattern: &Pattern) {
    vec.reserve(src.len());
    let spare = &mut vec.spare_capacity_mut()[..src.len()];
    xor_copy(spare, src, pattern);
    let len = vec.len() + src.len();
    // SAFETY: `reserve` made room for `src.len()` more elements, and `xor_copy` wrote
    // every one of them: it writes `dst[i]` for each `i` below the shorter length, and
    // `spare` has exactly `src.len()` elements (tested by `extend_xor_writes_all`).
    unsafe { vec.set_len(len) };
}

/// Appends `first`, then `second`, to `vec` with one capacity check.
///
/// The frame writer sends a header and a payload; for small frames two
/// `extend_from_slice` calls (two capacity checks, two length updates, two `memcpy`
/// calls) cost more than the bytes.
#[cfg(any(feature = "alloc", test))]
#[inline(always)]
pub(crate) fn extend_two(vec: &mut alloc::vec::Vec<u8>, first: &[u8], second: &[u8]) {
    let total = first.len() + second.len();
    vec.reserve(total);
    let spare = &mut vec.spare_capacity_mut()[..total];
    let (head, tail) = spare.split_at_mut(first.len());
    copy_into(head, first);
    copy_into(tail, second);
    let len = vec.len() + total;
    // SAFETY: `reserve` made room for `total` more elements, and the two copies wrote
    // all of them: `head` and `tail` split exactly `total` elements, with the lengths
    // of `first` and `second` (tested by `extend_two_appends_both`).
    unsafe { vec.set_len(len) };
}

/// Copies `src` into `dst` (same lengths). Copies up to 32 bytes are two overlapping
/// fixed-size moves instead of a `memcpy` call, which costs more than the bytes.
#[cfg(any(feature = "alloc", test))]
#[inline(always)]
fn copy_into(dst: &mut [MaybeUninit<u8>], src: &[u8]) {
    let n = src.len();
    let dst = &mut dst[..n];
    match n {
        33.. => {
            for (d, s) in dst.iter_mut().zip(src) {
                d.write(*s);
            }
        }
        16..=32 => {
            copy_fixed::<16>(dst, src, 0);
            copy_fixed::<16>(dst, src, n - 16);
        }
        8..=15 => {
            copy_fixed::<8>(dst, src, 0);
            copy_fixed::<8>(dst, src, n - 8);
        }
        4..=7 => {
            copy_fixed::<4>(dst, src, 0);
            copy_fixed::<4>(dst, src, n - 4);
        }
        1..=3 => {
            // First, middle and last byte cover every length from 1 to 3.
            dst[0].write(src[0]);
            dst[n / 2].write(src[n / 2]);
            dst[n - 1].write(src[n - 1]);
        }
        0 => {}
    }
}

/// Copies `src[at..at + N]` to `dst[at..at + N]` as one `N`-byte move.
#[cfg(any(feature = "alloc", test))]
#[inline(always)]
fn copy_fixed<const N: usize>(dst: &mut [MaybeUninit<u8>], src: &[u8], at: usize) {
    let mut bytes = [0u8; N];
    bytes.copy_from_slice(&src[at..at + N]);
    for (d, s) in dst[at..at + N].iter_mut().zip(bytes) {
        d.write(s);
    }
}

#[inline(always)]
fn xor_in_place_loop(data: &mut [u8], pattern: &Pattern) {
    let mut chunks = data.chunks_exact_mut(PATTERN_LEN);
    for chunk in &mut chunks {
        for (byte, k) in chunk.iter_mut().zip(pattern) {
            *byte ^= *k;
        }
    }
    for (byte, k) in chunks.into_remainder().iter_mut().zip(pattern) {
        *byte ^= *k;
    }
}

#[inline(always)]
fn xor_copy_loop<B: OutByte>(both: SameLen<'_, '_, B>, pattern: &Pattern) {
    let mut dst_chunks = both.dst.chunks_exact_mut(PATTERN_LEN);
    let mut src_chunks = both.src.chunks_exact(PATTERN_LEN);
    for (d, s) in (&mut dst_chunks).zip(&mut src_chunks) {
        for ((out, byte), k) in d.iter_mut().zip(s).zip(pattern) {
            out.put(byte ^ k);
        }
    }
    let tail = dst_chunks.into_remainder().iter_mut().zip(src_chunks.remainder());
    for ((out, byte), k) in tail.zip(pattern) {
        out.put(byte ^ k);
    }
}

// The loops are kept out of line: inlined into a large caller, the compiler stopped
// vectorising them (measured: 1.7 GB/s instead of 3.6 GB/s on 1 KiB text messages).
#[inline(never)]
fn xor_in_place_portable(data: &mut [u8], pattern: &Pattern) {
    xor_in_place_loop(data, pattern);
}

//
// The copy kernels take the two slices as arguments (the compiler then knows that they
// do not overlap; from a struct's fields it did not, and checked for overlap at run time
// around byte moves: twice the instructions on W2's gathered pieces) and pair them at
// once, so that every kernel writes the same bytes whatever the lengths given.
#[inline(never)]
fn xor_copy_portable<B: OutByte>(dst: &mut [B], src: &[u8], pattern: &Pattern) {
    xor_copy_loop(SameLen::new(dst, src), pattern);
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(all(feature = "std", target_arch = "x86_64", not(target_feature = "avx2")))]
#[target_feature(enable = "avx2")]
#[inline(never)]
unsafe fn xor_in_place_avx2(data: &mut [u8], pattern: &Pattern) {
    xor_in_place_loop(data, pattern);
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(all(feature = "std", target_arch = "x86_64", not(target_feature = "avx2")))]
#[target_feature(enable = "avx2")]
#[inline(never)]
unsafe fn xor_copy_avx2<B: OutByte>(dst: &mut [B], src: &[u8], pattern: &Pattern) {
    xor_copy_loop(SameLen::new(dst, src), pattern);
}

/// [`xor_in_place_loop`] a 64-byte register at a time. (The compiler keeps to 32-byte
/// registers when it vectorises the loop, even with AVX-512 enabled.)
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f")]
#[inline(never)]
unsafe fn xor_in_place_avx512(data: &mut [u8], pattern: &Pattern) {
    use core::arch::x86_64::{_mm512_loadu_si512, _mm512_storeu_si512, _mm512_xor_si512};
    // SAFETY: `pattern` holds 64 bytes.
    let key = unsafe { _mm512_loadu_si512(pattern.as_ptr().cast()) };
    let mut chunks = data.chunks_exact_mut(PATTERN_LEN);
    for chunk in &mut chunks {
        let at = chunk.as_mut_ptr();
        // SAFETY: `chunk` holds 64 bytes, read and then written back.
        unsafe {
            _mm512_storeu_si512(at.cast(), _mm512_xor_si512(_mm512_loadu_si512(at.cast()), key))
        };
    }
    // The rest starts at a multiple of 64: `pattern[0]` applies to its first byte.
    for (byte, k) in chunks.into_remainder().iter_mut().zip(pattern) {
        *byte ^= *k;
    }
}

/// [`xor_copy_loop`] a 64-byte register at a time.
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f")]
#[inline(never)]
unsafe fn xor_copy_avx512<B: OutByte>(dst: &mut [B], src: &[u8], pattern: &Pattern) {
    let both = SameLen::new(dst, src);
    use core::arch::x86_64::{_mm512_loadu_si512, _mm512_storeu_si512, _mm512_xor_si512};
    // SAFETY: `pattern` holds 64 bytes.
    let key = unsafe { _mm512_loadu_si512(pattern.as_ptr().cast()) };
    // The pointer cast below writes `B`s as bytes.
    const { assert!(size_of::<B>() == 1) };
    let len = both.src.len();
    let whole = len - len % PATTERN_LEN;
    let (vectors, tail) = both.split_at(whole);
    let (out, from) = (vectors.dst.as_mut_ptr().cast::<u8>(), vectors.src.as_ptr());
    let mut at = 0;
    while at < whole {
        // SAFETY: `at + 64 <= whole`, the length of both halves of `vectors`; `dst` is
        // an exclusive borrow (of one-byte `B`s, checked above: bytes or `MaybeUninit`
        // bytes, which a `u8` store initialises), so the two do not overlap.
        unsafe {
            let v = _mm512_xor_si512(_mm512_loadu_si512(from.add(at).cast()), key);
            _mm512_storeu_si512(out.add(at).cast(), v);
        }
        at += PATTERN_LEN;
    }
    xor_copy_loop(tail, pattern);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn pattern(key: [u8; 4], offset: usize) -> Pattern {
        core::array::from_fn(|i| key[(i + offset) % 4])
    }

    fn bytewise(data: &[u8], key: [u8; 4], offset: usize) -> Vec<u8> {
        data.iter().enumerate().map(|(i, b)| b ^ key[(i + offset) % 4]).collect()
    }

    /// Runs `f` with every kernel this machine can run: the portable loop, the
    /// dispatch, and the AVX2 and AVX-512 loops when the CPU has them.
    fn each_kernel(
        mut f: impl FnMut(&dyn Fn(&mut [u8], &Pattern), &dyn Fn(&mut [u8], &[u8], &Pattern)),
    ) {
        f(&xor_in_place_portable, &|d, s, p| xor_copy_portable(d, s, p));
        f(&xor_in_place, &|d, s, p| xor_copy(d, s, p));
        #[cfg(all(feature = "std", target_arch = "x86_64", not(target_feature = "avx2")))]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was detected just above.
            f(&|d, p| unsafe { xor_in_place_avx2(d, p) }, &|d, s, p| unsafe {
                xor_copy_avx2(d, s, p)
            });
        }
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F was detected just above.
            f(&|d, p| unsafe { xor_in_place_avx512(d, p) }, &|d, s, p| unsafe {
                xor_copy_avx512(d, s, p)
            });
        }
    }

    proptest! {
        #[test]
        fn kernels_equal_bytewise(
            data in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..700),
                // Long enough for the aligned split (`ALIGN_FROM`), at any start.
                proptest::collection::vec(any::<u8>(), ALIGN_FROM..ALIGN_FROM + 200),
            ],
            key in any::<[u8; 4]>(),
            offset in 0usize..4,
            start in 0usize..64,
        ) {
            let start = start.min(data.len());
            let expected = bytewise(&data[start..], key, offset);
            let p = pattern(key, offset);
            each_kernel(|in_place, copy| {
                let mut buf = data.clone();
                in_place(&mut buf[start..], &p);
                assert_eq!(&buf[..start], &data[..start]);
                assert_eq!(&buf[start..], &expected[..]);
                let mut out = vec![0xA5u8; data.len() + 64];
                copy(&mut out[start..start + expected.len()], &data[start..], &p);
                assert_eq!(&out[start..start + expected.len()], &expected[..]);
                assert!(out[..start].iter().chain(&out[start + expected.len()..]).all(|&b| b == 0xA5));
                // Unequal lengths: every kernel writes the shorter length, no more.
                let mut longer = vec![0xA5u8; data.len() + 64];
                copy(&mut longer[start..], &data[start..], &p);
                assert_eq!(longer, out);
                let cut = expected.len() / 2;
                let mut shorter = vec![0xA5u8; data.len() + 64];
                copy(&mut shorter[start..start + cut], &data[start..], &p);
                assert_eq!(&shorter[start..start + cut], &expected[..cut]);
                assert!(shorter[start + cut..].iter().all(|&b| b == 0xA5));
            });
        }

        #[test]
        fn extend_xor_writes_all(
            prefix in proptest::collection::vec(any::<u8>(), 0..130),
            data in proptest::collection::vec(any::<u8>(), 0..700),
            key in any::<[u8; 4]>(),
            spare in 0usize..100,
        ) {
            let mut vec = Vec::with_capacity(prefix.len() + spare);
            vec.extend_from_slice(&prefix);
            extend_xor(&mut vec, &data, &pattern(key, 0));
            prop_assert_eq!(&vec[..prefix.len()], &prefix[..]);
            prop_assert_eq!(&vec[prefix.len()..], &bytewise(&data, key, 0)[..]);
        }

        #[test]
        fn extend_two_appends_both(
            prefix in proptest::collection::vec(any::<u8>(), 0..40),
            first in proptest::collection::vec(any::<u8>(), 0..20),
            second in proptest::collection::vec(any::<u8>(), 0..300),
            spare in 0usize..100,
        ) {
            let mut vec = Vec::with_capacity(prefix.len() + spare);
            vec.extend_from_slice(&prefix);
            extend_two(&mut vec, &first, &second);
            let expected: Vec<u8> = prefix.iter().chain(&first).chain(&second).copied().collect();
            prop_assert_eq!(vec, expected);
        }
    }
}
