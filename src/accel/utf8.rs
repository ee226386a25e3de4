//! UTF-8 validation with AVX-512 or AVX2, optionally fused with unmasking.
//!
//! The algorithm is the "lookup" validator of Keiser and Lemire ("Validating UTF-8 In
//! Less Than One Instruction Per Byte", 2021): every byte is classified by three 16-entry
//! table lookups, on the high nibble of the byte before it, the low nibble of the byte
//! before it and its own high nibble. The AND of the three is non-zero exactly where the
//! pair of bytes is an error (a missing or extra continuation byte, an overlong form, a
//! surrogate, a code point above U+10FFFF); a second check asks that the third and
//! fourth bytes of 3- and 4-byte sequences be continuation bytes, and the last bytes of
//! the input must not start a sequence that runs past its end. Errors are accumulated
//! in a register and tested once at the end, so the loop has no data-dependent branch
//! but the all-ASCII shortcut.
//!
//! Each byte's predecessors are loaded again from memory rather than shifted in from
//! the previous vector (see `validate` for why), and the last vector of the input is
//! loaded back from its end so that it needs no masked store.
//!
//! Why it is here: on mixed text (a quarter of the words multibyte, as in benchmark W4)
//! simdutf8's AVX2 validator runs at about the speed of a `memcpy` from memory, which
//! bounded text receive. The AVX-512 kernel does the same work on 64 bytes per
//! instruction, and [`unmask_to_str`] unmasks and validates in one pass instead of two.
//!
//! Without `std` (no run-time CPU detection), or on a CPU with neither AVX-512BW nor
//! AVX2, simdutf8 validates (its own choice of kernel at compile time).

use super::repeated;

/// A 4-byte masking key, rotated so that `key[0]` applies to the first byte of the
/// data at hand.
pub(crate) type Key = [u8; 4];

/// What a kernel found in a piece of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Continued {
    /// No byte of the piece proved the text invalid.
    pub(crate) valid: bool,
    /// The last three bytes of the text so far, unmasked (from the kernel's registers:
    /// reading them back from a vector just stored waits for the store).
    pub(crate) last: [u8; 3],
}

/// Returns `true` when `bytes` are valid UTF-8 (no code point left incomplete).
#[inline]
pub(crate) fn is_utf8(bytes: &[u8]) -> bool {
    let (src, len) = (bytes.as_ptr(), bytes.len());
    // Without a key the kernels never write through `dst`.
    // SAFETY: `src` is valid for `len` reads.
    match unsafe { run::<true>(src, src.cast_mut(), len, None, [0; 3]) } {
        Some(found) => found.valid,
        None => simdutf8::basic::from_utf8(bytes).is_ok(),
    }
}

/// `bytes` as `&str` when they are valid UTF-8, checked with [`is_utf8`] (the fastest
/// kernel here; `core::str::from_utf8` without one).
#[inline]
pub(crate) fn to_str(bytes: &[u8]) -> Option<&str> {
    if !is_utf8(bytes) {
        return None;
    }
    // SAFETY: `is_utf8` just checked that `bytes` are valid UTF-8 (its kernels are
    // tested and fuzzed against `core::str::from_utf8`).
    Some(unsafe { core::str::from_utf8_unchecked(bytes) })
}

/// XORs `data` in place with `key` repeated (as [`xor_in_place`](super::xor_in_place))
/// and returns the result as `&str` when it is valid UTF-8. Every byte is unmasked
/// either way.
#[inline]
pub(crate) fn unmask_to_str(data: &mut [u8], key: Key) -> Option<&str> {
    let (ptr, len) = (data.as_mut_ptr(), data.len());
    // SAFETY: `ptr` is valid for `len` reads and writes; the kernels read each vector
    // before they write it back, so source and destination may be the same.
    let valid = match unsafe { run::<true>(ptr, ptr, len, Some(key), [0; 3]) } {
        Some(found) => found.valid,
        None => {
            super::xor_in_place(data, &repeated(key));
            simdutf8::basic::from_utf8(data).is_ok()
        }
    };
    if !valid {
        return None;
    }
    // SAFETY: the kernel (or simdutf8) just found every byte of `data`, as unmasked in
    // place, valid UTF-8 with no code point left open (`COMPLETE`); nothing wrote to
    // `data` since. (The kernels are checked against `core::str::from_utf8` in this
    // module's tests and fuzzed.)
    Some(unsafe { core::str::from_utf8_unchecked(data) })
}

/// Checks `data` as the continuation of a text whose last three bytes so far were
/// `last` (zeros at the start): whether a byte of `data` proves the text invalid, and
/// the text's new last three bytes. A sequence that `data` leaves open at its end is
/// not an error here (the caller checks it when the text ends). `None` when no vector
/// kernel runs on this CPU.
#[inline]
pub(crate) fn continue_utf8(last: [u8; 3], data: &[u8]) -> Option<Continued> {
    let (src, len) = (data.as_ptr(), data.len());
    // SAFETY: as in `is_utf8`.
    unsafe { run::<false>(src, src.cast_mut(), len, None, last) }
}

/// [`continue_utf8`] on `src` XORed with `key` (repeated), written to `dst` in the same pass
/// (every byte, even when the text is invalid). `None`, with nothing written, when no
/// vector kernel runs on this CPU.
///
/// # Panics
/// If `dst` and `src` differ in length.
#[inline]
pub(crate) fn unmask_copy_continue_utf8(
    last: [u8; 3],
    dst: &mut [u8],
    src: &[u8],
    key: Key,
) -> Option<Continued> {
    assert_eq!(dst.len(), src.len());
    // SAFETY: `src` is valid for `len` reads and `dst` (a distinct, exclusive borrow)
    // for as many writes.
    unsafe { run::<false>(src.as_ptr(), dst.as_mut_ptr(), src.len(), Some(key), last) }
}

/// [`continue_utf8`] on `data` XORed in place with `key` (repeated; every byte, even when
/// the text is invalid). `None`, with nothing written, when no vector kernel runs on
/// this CPU.
#[inline]
pub(crate) fn unmask_continue_utf8(last: [u8; 3], data: &mut [u8], key: Key) -> Option<Continued> {
    let (ptr, len) = (data.as_mut_ptr(), data.len());
    // SAFETY: as in `unmask_to_str`.
    unsafe { run::<false>(ptr, ptr, len, Some(key), last) }
}

/// Runs the best kernel for this CPU, or returns `None`.
///
/// # Safety
/// `src` valid for `len` reads; with a `key`, `dst` valid for `len` writes (it may
/// be `src`).
#[inline(always)]
#[allow(unused_variables)]
unsafe fn run<const COMPLETE: bool>(
    src: *const u8,
    dst: *mut u8,
    len: usize,
    key: Option<Key>,
    last: [u8; 3],
) -> Option<Continued> {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    // SAFETY: the caller vouches for the pointers; `level` detected the CPU features.
    return unsafe { x86::run::<COMPLETE>(x86::level(), src, dst, len, key, last) };
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    None
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
/// The classes of error a pair of bytes can show (bit flags of the lookup tables).
mod class {
    /// A lead byte followed by a byte that is not a continuation byte.
    pub(super) const TOO_SHORT: u8 = 1 << 0;
    /// An ASCII byte followed by a continuation byte.
    pub(super) const TOO_LONG: u8 = 1 << 1;
    /// `E0` followed by `80..=9F`.
    pub(super) const OVERLONG_3: u8 = 1 << 2;
    /// `F4` followed by `90..=BF`, or `F5..=FF` followed by `90..=BF`.
    pub(super) const TOO_LARGE: u8 = 1 << 3;
    /// `ED` followed by `A0..=BF`.
    pub(super) const SURROGATE: u8 = 1 << 4;
    /// `C0` or `C1` followed by a continuation byte.
    pub(super) const OVERLONG_2: u8 = 1 << 5;
    /// `F5..=FF` followed by `80..=8F`.
    pub(super) const TOO_LARGE_1000: u8 = 1 << 6;
    /// `F0` followed by `80..=8F` (shares its bit with `TOO_LARGE_1000`).
    pub(super) const OVERLONG_4: u8 = 1 << 6;
    /// Two continuation bytes in a row (an error unless a 3- or 4-byte sequence needs
    /// them: checked apart).
    pub(super) const TWO_CONTS: u8 = 1 << 7;
    /// What any lead byte's low nibble allows.
    pub(super) const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
use class::*;

#[cfg(all(feature = "std", target_arch = "x86_64"))]
/// Classes by the high nibble of the first byte of a pair.
const BYTE_1_HIGH: [u8; 16] = [
    // 0_______: ASCII
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    // 10______: continuation
    TWO_CONTS,
    TWO_CONTS,
    TWO_CONTS,
    TWO_CONTS,
    // 1100____: 2-byte lead, C0 and C1 among them
    TOO_SHORT | OVERLONG_2,
    // 1101____: 2-byte lead
    TOO_SHORT,
    // 1110____: 3-byte lead
    TOO_SHORT | OVERLONG_3 | SURROGATE,
    // 1111____: 4-byte lead, or F5..FF
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
];

#[cfg(all(feature = "std", target_arch = "x86_64"))]
/// Classes by the low nibble of the first byte of a pair.
const BYTE_1_LOW: [u8; 16] = [
    // ____0000
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
    // ____0001
    CARRY | OVERLONG_2,
    // ____001_
    CARRY,
    CARRY,
    // ____0100
    CARRY | TOO_LARGE,
    // ____0101 .. ____1100
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    // ____1101
    CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
    // ____111_
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
];

#[cfg(all(feature = "std", target_arch = "x86_64"))]
/// Classes by the high nibble of the second byte of a pair.
const BYTE_2_HIGH: [u8; 16] = [
    // 0_______: ASCII
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    // 1000____
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
    // 1001____
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
    // 101_____
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    // 11______: lead
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
];

#[cfg(all(feature = "std", target_arch = "x86_64"))]
/// Per byte, the largest value that does not start a sequence running past the end of
/// a vector that ends here: a lead of 2 bytes in the last position, of 3 in the last
/// two, of 4 in the last three (the last `LANES` bytes are a vector's).
const INCOMPLETE_MAX: [u8; 64] = {
    let mut max = [0xFF; 64];
    max[61] = 0xF0 - 1;
    max[62] = 0xE0 - 1;
    max[63] = 0xC0 - 1;
    max
};

#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod x86 {
    use core::arch::x86_64::{
        __m256i, __m512i, _mm256_alignr_epi8, _mm256_and_si256, _mm256_extract_epi32,
        _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256, _mm256_permute2x128_si256,
        _mm256_set1_epi32, _mm256_set1_epi8, _mm256_shuffle_epi8, _mm256_srli_epi16,
        _mm256_storeu_si256, _mm256_subs_epu8, _mm256_testz_si256, _mm256_xor_si256,
        _mm512_add_epi8, _mm512_alignr_epi32, _mm512_alignr_epi8, _mm512_and_si512,
        _mm512_castsi512_si128, _mm512_extracti32x4_epi32, _mm512_loadu_si512,
        _mm512_mask_storeu_epi8, _mm512_maskz_loadu_epi8, _mm512_movepi8_mask, _mm512_or_si512,
        _mm512_permutex2var_epi8, _mm512_permutexvar_epi8, _mm512_set1_epi32, _mm512_set1_epi8,
        _mm512_srli_epi16, _mm512_storeu_si512, _mm512_subs_epu8, _mm512_test_epi8_mask,
        _mm512_xor_si512, _mm_cvtsi128_si32, _mm_extract_epi32,
    };

    use super::{Continued, Key, BYTE_1_HIGH, BYTE_1_LOW, BYTE_2_HIGH, INCOMPLETE_MAX};

    /// The best kernel this CPU runs.
    #[derive(Clone, Copy, Debug)]
    pub(super) enum Level {
        Avx512,
        Avx2,
        None,
    }

    /// Whether the CPU has what the AVX-512 kernel uses.
    #[inline(always)]
    pub(super) fn avx512_available() -> bool {
        std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512vbmi")
    }

    /// Detects the CPU's vector extensions (`std` caches the answer).
    #[inline(always)]
    pub(super) fn level() -> Level {
        if avx512_available() {
            Level::Avx512
        } else if std::is_x86_feature_detected!("avx2") {
            Level::Avx2
        } else {
            Level::None
        }
    }

    /// Runs the kernel of `level`, or returns `None` for [`Level::None`].
    ///
    /// # Safety
    /// The CPU has `level`'s features; `src` valid for `len` reads; with a `key`,
    /// `dst` valid for `len` writes (it may be `src`).
    #[inline(always)]
    pub(super) unsafe fn run<const COMPLETE: bool>(
        level: Level,
        src: *const u8,
        dst: *mut u8,
        len: usize,
        key: Option<Key>,
        last: [u8; 3],
    ) -> Option<Continued> {
        let found = match (level, key) {
            // SAFETY: the caller vouches for the CPU (AVX-512) and the pointers.
            (Level::Avx512, Some(p)) => unsafe {
                validate_avx512::<true, COMPLETE>(src, dst, len, Some(p), last)
            },
            // SAFETY: as above.
            (Level::Avx512, None) => unsafe {
                validate_avx512::<false, COMPLETE>(src, dst, len, None, last)
            },
            // SAFETY: the caller vouches for the CPU (AVX2) and the pointers.
            (Level::Avx2, Some(p)) => unsafe {
                validate_avx2::<true, COMPLETE>(src, dst, len, Some(p), last)
            },
            // SAFETY: as above.
            (Level::Avx2, None) => unsafe {
                validate_avx2::<false, COMPLETE>(src, dst, len, None, last)
            },
            (Level::None, _) => return None,
        };
        Some(found)
    }

    /// The vector operations the kernel needs, for one register width.
    ///
    /// Every method is `unsafe`: it may only run on a CPU with the implementing type's
    /// feature (each is inlined into a `#[target_feature]` function that has it).
    trait Vector: Copy {
        /// Bytes per register.
        const LANES: usize;
        /// The all-zero register.
        unsafe fn zero() -> Self;
        /// Every byte `b`.
        unsafe fn splat(b: u8) -> Self;
        /// The 4 bytes `word` repeated.
        unsafe fn splat4(word: Key) -> Self;
        /// A 16-byte table repeated in every 128-bit lane.
        unsafe fn table(t: &[u8; 16]) -> Self;
        /// Loads `LANES` bytes; `ptr` must be valid for that many reads.
        unsafe fn load(ptr: *const u8) -> Self;
        /// Stores `LANES` bytes; `ptr` must be valid for that many writes.
        unsafe fn store(self, ptr: *mut u8);
        /// Loads `len < LANES` bytes, the rest zero; `ptr` valid for `len` reads.
        unsafe fn load_partial(ptr: *const u8, len: usize) -> Self;
        /// Stores the first `len < LANES` bytes; `ptr` valid for `len` writes.
        unsafe fn store_partial(self, ptr: *mut u8, len: usize);
        unsafe fn and(self, o: Self) -> Self;
        unsafe fn or(self, o: Self) -> Self;
        unsafe fn xor(self, o: Self) -> Self;
        /// Unsigned saturating byte subtraction.
        unsafe fn sub_sat(self, o: Self) -> Self;
        /// `table[byte >> 4]` for each byte (a table from [`table`](Self::table)).
        unsafe fn lookup_high(self, table: Self) -> Self;
        /// `table[byte & 0x0F]` for each byte.
        unsafe fn lookup_low(self, table: Self) -> Self;
        /// Each byte's predecessor, 1, 2 or 3 places back, across from `prev`.
        unsafe fn prev1(self, prev: Self) -> Self;
        unsafe fn prev2(self, prev: Self) -> Self;
        unsafe fn prev3(self, prev: Self) -> Self;
        /// The last three bytes.
        unsafe fn last3(self) -> [u8; 3];
        /// The three bytes before byte `n` (`0 < n < LANES`) of `self`, which follows
        /// `prev`.
        unsafe fn last3_before(self, prev: Self, n: usize) -> [u8; 3];
        /// `true` when no byte has its high bit set.
        unsafe fn is_ascii(self) -> bool;
        /// `true` when some byte is not zero.
        unsafe fn any(self) -> bool;
    }

    impl Vector for __m256i {
        const LANES: usize = 32;
        #[inline(always)]
        unsafe fn zero() -> Self {
            _mm256_set1_epi8(0)
        }
        #[inline(always)]
        unsafe fn splat(b: u8) -> Self {
            _mm256_set1_epi8(b as i8)
        }
        #[inline(always)]
        unsafe fn splat4(word: Key) -> Self {
            _mm256_set1_epi32(i32::from_ne_bytes(word))
        }
        #[inline(always)]
        unsafe fn table(t: &[u8; 16]) -> Self {
            let mut both = [0u8; 32];
            both[..16].copy_from_slice(t);
            both[16..].copy_from_slice(t);
            Self::load(both.as_ptr())
        }
        #[inline(always)]
        unsafe fn load(ptr: *const u8) -> Self {
            _mm256_loadu_si256(ptr.cast())
        }
        #[inline(always)]
        unsafe fn store(self, ptr: *mut u8) {
            _mm256_storeu_si256(ptr.cast(), self);
        }
        #[inline(always)]
        unsafe fn load_partial(ptr: *const u8, len: usize) -> Self {
            let mut buf = [0u8; 32];
            core::ptr::copy_nonoverlapping(ptr, buf.as_mut_ptr(), len);
            Self::load(buf.as_ptr())
        }
        #[inline(always)]
        unsafe fn store_partial(self, ptr: *mut u8, len: usize) {
            let mut buf = [0u8; 32];
            self.store(buf.as_mut_ptr());
            core::ptr::copy_nonoverlapping(buf.as_ptr(), ptr, len);
        }
        #[inline(always)]
        unsafe fn and(self, o: Self) -> Self {
            _mm256_and_si256(self, o)
        }
        #[inline(always)]
        unsafe fn or(self, o: Self) -> Self {
            _mm256_or_si256(self, o)
        }
        #[inline(always)]
        unsafe fn xor(self, o: Self) -> Self {
            _mm256_xor_si256(self, o)
        }
        #[inline(always)]
        unsafe fn sub_sat(self, o: Self) -> Self {
            _mm256_subs_epu8(self, o)
        }
        #[inline(always)]
        unsafe fn lookup_high(self, table: Self) -> Self {
            // The shift pulls in bits of the next byte: mask them (a set bit 7 would
            // make the shuffle write zero).
            let index = _mm256_and_si256(_mm256_srli_epi16::<4>(self), Self::splat(0x0F));
            _mm256_shuffle_epi8(table, index)
        }
        #[inline(always)]
        unsafe fn lookup_low(self, table: Self) -> Self {
            _mm256_shuffle_epi8(table, _mm256_and_si256(self, Self::splat(0x0F)))
        }
        #[inline(always)]
        unsafe fn prev1(self, prev: Self) -> Self {
            // [prev's high lane, self's low lane], then per lane the last byte of that
            // and the first 15 of self.
            _mm256_alignr_epi8::<15>(self, _mm256_permute2x128_si256::<0x21>(prev, self))
        }
        #[inline(always)]
        unsafe fn prev2(self, prev: Self) -> Self {
            _mm256_alignr_epi8::<14>(self, _mm256_permute2x128_si256::<0x21>(prev, self))
        }
        #[inline(always)]
        unsafe fn prev3(self, prev: Self) -> Self {
            _mm256_alignr_epi8::<13>(self, _mm256_permute2x128_si256::<0x21>(prev, self))
        }
        #[inline(always)]
        unsafe fn last3(self) -> [u8; 3] {
            let [_, a, b, c] = _mm256_extract_epi32::<7>(self).to_le_bytes();
            [a, b, c]
        }
        #[inline(always)]
        unsafe fn last3_before(self, prev: Self, n: usize) -> [u8; 3] {
            let mut both = [0u8; 64];
            prev.store(both.as_mut_ptr());
            self.store(both[32..].as_mut_ptr());
            let at = 32 + n - 3;
            [both[at], both[at + 1], both[at + 2]]
        }
        #[inline(always)]
        unsafe fn is_ascii(self) -> bool {
            _mm256_movemask_epi8(self) == 0
        }
        #[inline(always)]
        unsafe fn any(self) -> bool {
            _mm256_testz_si256(self, self) == 0
        }
    }

    impl Vector for __m512i {
        const LANES: usize = 64;
        #[inline(always)]
        unsafe fn zero() -> Self {
            _mm512_set1_epi8(0)
        }
        #[inline(always)]
        unsafe fn splat(b: u8) -> Self {
            _mm512_set1_epi8(b as i8)
        }
        #[inline(always)]
        unsafe fn splat4(word: Key) -> Self {
            _mm512_set1_epi32(i32::from_ne_bytes(word))
        }
        #[inline(always)]
        unsafe fn table(t: &[u8; 16]) -> Self {
            let mut all = [0u8; 64];
            for lane in all.chunks_exact_mut(16) {
                lane.copy_from_slice(t);
            }
            Self::load(all.as_ptr())
        }
        #[inline(always)]
        unsafe fn load(ptr: *const u8) -> Self {
            _mm512_loadu_si512(ptr.cast())
        }
        #[inline(always)]
        unsafe fn store(self, ptr: *mut u8) {
            _mm512_storeu_si512(ptr.cast(), self);
        }
        #[inline(always)]
        unsafe fn load_partial(ptr: *const u8, len: usize) -> Self {
            // Masked-off bytes are neither read nor able to fault.
            _mm512_maskz_loadu_epi8((1u64 << len) - 1, ptr.cast())
        }
        #[inline(always)]
        unsafe fn store_partial(self, ptr: *mut u8, len: usize) {
            _mm512_mask_storeu_epi8(ptr.cast(), (1u64 << len) - 1, self);
        }
        #[inline(always)]
        unsafe fn and(self, o: Self) -> Self {
            _mm512_and_si512(self, o)
        }
        #[inline(always)]
        unsafe fn or(self, o: Self) -> Self {
            _mm512_or_si512(self, o)
        }
        #[inline(always)]
        unsafe fn xor(self, o: Self) -> Self {
            _mm512_xor_si512(self, o)
        }
        #[inline(always)]
        unsafe fn sub_sat(self, o: Self) -> Self {
            _mm512_subs_epu8(self, o)
        }
        // VBMI's byte permutes look at the low 6 bits of each index, and the table
        // repeats every 16 bytes: no masking of the nibbles (three instructions fewer
        // per vector than the shuffles, which need bit 7 clear).
        #[inline(always)]
        unsafe fn lookup_high(self, table: Self) -> Self {
            _mm512_permutexvar_epi8(_mm512_srli_epi16::<4>(self), table)
        }
        #[inline(always)]
        unsafe fn lookup_low(self, table: Self) -> Self {
            _mm512_permutexvar_epi8(self, table)
        }
        // `valignd` makes `[prev's last 16 bytes, self's first 48]`, the lane before each
        // lane of self; then, in each 128-bit lane, `vpalignr` takes the last N bytes of
        // that and the first 16 - N of self's.
        // (Two one-cycle instructions, against one two-source byte permute, which takes
        // its port for 2.5 cycles here; the shifted vector is shared by the three.)
        #[inline(always)]
        unsafe fn prev1(self, prev: Self) -> Self {
            _mm512_alignr_epi8::<15>(self, _mm512_alignr_epi32::<12>(self, prev))
        }
        #[inline(always)]
        unsafe fn prev2(self, prev: Self) -> Self {
            _mm512_alignr_epi8::<14>(self, _mm512_alignr_epi32::<12>(self, prev))
        }
        #[inline(always)]
        unsafe fn prev3(self, prev: Self) -> Self {
            _mm512_alignr_epi8::<13>(self, _mm512_alignr_epi32::<12>(self, prev))
        }
        #[inline(always)]
        unsafe fn last3(self) -> [u8; 3] {
            let high = _mm512_extracti32x4_epi32::<3>(self);
            let [_, a, b, c] = _mm_extract_epi32::<3>(high).to_le_bytes();
            [a, b, c]
        }
        #[inline(always)]
        unsafe fn last3_before(self, prev: Self, n: usize) -> [u8; 3] {
            // Index `64 + n - 3 + i` of `prev` then `self` for the first bytes.
            let index =
                _mm512_add_epi8(_mm512_set1_epi8((61 + n) as i8), Self::load(IOTA.as_ptr()));
            let bytes = _mm512_permutex2var_epi8(prev, index, self);
            let [a, b, c, _] = _mm_cvtsi128_si32(_mm512_castsi512_si128(bytes)).to_le_bytes();
            [a, b, c]
        }
        #[inline(always)]
        unsafe fn is_ascii(self) -> bool {
            _mm512_movepi8_mask(self) == 0
        }
        #[inline(always)]
        unsafe fn any(self) -> bool {
            _mm512_test_epi8_mask(self, self) != 0
        }
    }

    /// `LANE_MASK[64 - n..]` starts with `n` bytes 0xFF, then zeros.
    static LANE_MASK: [u8; 128] = {
        let mut mask = [0; 128];
        let mut i = 0;
        while i < 64 {
            mask[i] = 0xFF;
            i += 1;
        }
        mask
    };

    /// The input length from which the kernel realigns its loads after the first
    /// vector. (Lower in tests, whose inputs then take both ways.)
    const REALIGN_FROM: usize = if cfg!(test) { 1000 } else { 4096 };

    /// `IOTA[i] == i`.
    static IOTA: [u8; 64] = {
        let mut iota = [0; 64];
        let mut i = 0;
        while i < 64 {
            iota[i] = i as u8;
            i += 1;
        }
        iota
    };

    /// The validator's state between vectors.
    struct Checker<V> {
        byte_1_high: V,
        byte_1_low: V,
        byte_2_high: V,
        third_lead_min: V,
        fourth_lead_min: V,
        high_bit: V,
        incomplete_max: V,
        /// The previous vector (zero, that is ASCII, before the first).
        prev: V,
        /// Every error seen (any set bit is one).
        error: V,
    }

    impl<V: Vector> Checker<V> {
        /// A checker continuing after the bytes `last` (zeros: the start).
        #[inline(always)]
        unsafe fn new(last: [u8; 3]) -> Self {
            let [a, b, c] = last;
            Self {
                byte_1_high: V::table(&BYTE_1_HIGH),
                byte_1_low: V::table(&BYTE_1_LOW),
                byte_2_high: V::table(&BYTE_2_HIGH),
                // After saturating subtraction, only bytes >= E0 (>= F0) keep bit 7.
                third_lead_min: V::splat(0xE0 - 0x80),
                fourth_lead_min: V::splat(0xF0 - 0x80),
                high_bit: V::splat(0x80),
                incomplete_max: V::load(INCOMPLETE_MAX[64 - V::LANES..].as_ptr()),
                // `last` as the last 3 bytes of a vector; the bytes before them do not
                // matter. (A broadcast: a 64-byte load of bytes just stored one by one
                // waits for the stores, 20 cycles a call.)
                prev: V::splat4([0, a, b, c]),
                error: V::zero(),
            }
        }

        /// The bytes 1, 2 and 3 places before each byte of `v`, the vector after the
        /// last one checked, shifted in from that one (permutes: for a vector whose
        /// predecessors are not in memory).
        #[inline(always)]
        unsafe fn before(&self, v: V) -> Before<V> {
            [v.prev1(self.prev), v.prev2(self.prev), v.prev3(self.prev)]
        }

        /// Records that `last`, the end of a run of ASCII vectors, was checked: only a
        /// sequence left open before the run can be wrong in it.
        #[inline(always)]
        unsafe fn skip_ascii(&mut self, last: V) {
            self.error = self.error.or(self.open_sequences());
            self.prev = last;
        }

        #[inline(always)]
        unsafe fn check(&mut self, v: V, before: Before<V>) {
            self.error = self.error.or(self.errors(v, before));
            self.prev = v;
        }

        /// [`check`](Self::check) for a last vector of which only the first `len`
        /// bytes are real: errors found past them (against the zero padding) are
        /// dropped. Only for a text that goes on after this input.
        #[inline(always)]
        unsafe fn check_partial(&mut self, v: V, before: Before<V>, len: usize) {
            let real = V::load(LANE_MASK[64 - len..].as_ptr());
            self.error = self.error.or(self.errors(v, before).and(real));
            self.prev = v;
        }

        /// The error bits of each byte of `v`, given the bytes before each.
        #[inline(always)]
        unsafe fn errors(&self, v: V, [prev1, prev2, prev3]: Before<V>) -> V {
            let special = prev1
                .lookup_high(self.byte_1_high)
                .and(prev1.lookup_low(self.byte_1_low))
                .and(v.lookup_high(self.byte_2_high));
            let third = prev2.sub_sat(self.third_lead_min);
            let fourth = prev3.sub_sat(self.fourth_lead_min);
            // Where a continuation byte must be (third or fourth of a sequence),
            // `special` must be exactly TWO_CONTS, and vice versa.
            let must_continue = third.or(fourth).and(self.high_bit);
            must_continue.xor(special)
        }

        /// Bytes of the last vector that start a sequence running past it. (Only
        /// needed before an ASCII shortcut and at the end: a checked vector after it
        /// sees the missing continuation bytes itself.)
        #[inline(always)]
        unsafe fn open_sequences(&self) -> V {
            self.prev.sub_sat(self.incomplete_max)
        }

        /// No error seen; with `COMPLETE`, no sequence left open either.
        #[inline(always)]
        unsafe fn is_valid<const COMPLETE: bool>(&self) -> bool {
            if COMPLETE {
                !self.error.or(self.open_sequences()).any()
            } else {
                !self.error.any()
            }
        }
    }

    /// The bytes 1, 2 and 3 places before each byte of a vector.
    type Before<V> = [V; 3];

    /// When the loop tests a group of four vectors for ASCII (to skip its checks).
    ///
    /// The test is about one vector instruction in fifteen, and on mixed text (W4's,
    /// a multibyte word in four) it never passes: checking 16 KiB of such text took
    /// 13 % longer with a test on every group. So after a group that is not ASCII,
    /// tests pause for a number of groups that doubles with each failed test in a row
    /// and restarts at none when one passes: text that is mostly ASCII, with a
    /// multibyte character now and then, is tested on every group as before, and mixed
    /// text only on a few. An input whose first vector is not ASCII starts with a pause
    /// of four groups, so a ~1 KiB message or fragment of mixed text is not tested at
    /// all. (Measured in pairs of passes: W4 4.5 % and W5 2.8 % faster; ASCII text
    /// and text with a 2-byte character every 1 or 4 KiB the same within 1-2 %.)
    struct AsciiTests {
        /// Groups to check without a test before the next one.
        untested: usize,
        /// The groups `untested` becomes after the next failed test.
        pause: usize,
    }

    impl AsciiTests {
        /// The longest pause, in groups.
        const MAX_PAUSE: usize = 15;
        /// A test on every group until one fails.
        const EVERY_GROUP: Self = Self { untested: 0, pause: 0 };
        /// After a first vector that is not ASCII.
        const AFTER_MIXED_START: Self = Self { untested: 4, pause: 7 };

        /// Whether the next group is tested (if not, one group of the pause is over).
        #[inline(always)]
        fn due(&mut self) -> bool {
            if self.untested == 0 {
                return true;
            }
            self.untested -= 1;
            false
        }

        /// Records the result of a test.
        #[inline(always)]
        fn record(&mut self, ascii: bool) {
            if ascii {
                self.pause = 0;
            } else {
                self.untested = self.pause;
                self.pause = (2 * self.pause + 1).min(Self::MAX_PAUSE);
            }
        }
    }

    /// Where [`validate`] reads and writes, and the key it unmasks with.
    struct Io<V> {
        src: *const u8,
        dst: *mut u8,
        /// The key as a little-endian word (zero without unmasking): rotated left by
        /// `8 * n` bits, it is the key for bytes that start `n` places before a
        /// multiple of 4. (Rotations of a word, not an array indexed at run time: the
        /// array lived on the stack, and its setup took 50 instructions a call.)
        key: u32,
        /// The keys for bytes that start `n` places before a vector of the loop (all
        /// start at the same place in the key).
        vector_keys: [V; 4],
    }

    impl<V: Vector> Io<V> {
        /// The `LANES` bytes from `at - back`, unmasked with `UNMASK`.
        ///
        /// # Safety
        /// They are within the input.
        #[inline(always)]
        unsafe fn load<const UNMASK: bool>(&self, at: usize, back: usize) -> V {
            let v = V::load(self.src.add(at - back));
            if UNMASK {
                v.xor(self.vector_keys[back])
            } else {
                v
            }
        }

        /// The `LANES` bytes from `at`, which need not be a multiple of 4, unmasked
        /// with `UNMASK`.
        ///
        /// # Safety
        /// They are within the input.
        #[inline(always)]
        unsafe fn load_from<const UNMASK: bool>(&self, at: usize) -> V {
            let v = V::load(self.src.add(at));
            if UNMASK {
                v.xor(V::splat4(rotated(self.key, at.wrapping_neg())))
            } else {
                v
            }
        }

        /// The `min(len, LANES)` bytes from `at - back`, then zeros, unmasked with
        /// `UNMASK` (the padding stays zero).
        ///
        /// # Safety
        /// They are within the input.
        #[inline(always)]
        unsafe fn load_upto<const UNMASK: bool>(&self, at: usize, back: usize, len: usize) -> V {
            if len >= V::LANES {
                return self.load::<UNMASK>(at, back);
            }
            let v = V::load_partial(self.src.add(at - back), len);
            if UNMASK {
                v.xor(self.vector_keys[back].and(V::load(LANE_MASK[64 - len..].as_ptr())))
            } else {
                v
            }
        }

        /// The vectors of the bytes before each of the `len` bytes at `at` (`at >= 3`).
        ///
        /// # Safety
        /// The input holds `at + len` bytes.
        #[inline(always)]
        unsafe fn before<const UNMASK: bool>(&self, at: usize, len: usize) -> Before<V> {
            // (No `array::from_fn`: its closure would not inherit the target feature, and
            // then the intrinsics in it are not inlined.)
            [
                self.load_upto::<UNMASK>(at, 1, len + 1),
                self.load_upto::<UNMASK>(at, 2, len + 2),
                self.load_upto::<UNMASK>(at, 3, len + 3),
            ]
        }

        /// Stores the unmasked vector `v` at `at` (with `UNMASK`; nothing without).
        ///
        /// # Safety
        /// `dst` is valid for `LANES` writes at `at`.
        #[inline(always)]
        unsafe fn store<const UNMASK: bool>(&self, v: V, at: usize) {
            if UNMASK {
                v.store(self.dst.add(at));
            }
        }
    }

    /// The key `key` (a little-endian word) for bytes that start `n` places before a
    /// multiple of 4.
    #[inline(always)]
    fn rotated(key: u32, n: usize) -> Key {
        key.rotate_left(8 * (n % 4) as u32).to_le_bytes()
    }

    /// `keys[back]`: the key for bytes that start `back` places before a position that
    /// is `n` places before a multiple of 4. (No closures: they would not inherit the
    /// target feature, and then the intrinsics in them are not inlined.)
    #[inline(always)]
    unsafe fn keys_before<V: Vector>(key: u32, n: usize) -> [V; 4] {
        [
            V::splat4(rotated(key, n)),
            V::splat4(rotated(key, n + 1)),
            V::splat4(rotated(key, n + 2)),
            V::splat4(rotated(key, n + 3)),
        ]
    }

    /// Validates `len` bytes from `src`, following the bytes `last`; with `UNMASK`,
    /// first XORs each vector with `key` (repeated) and stores it to `dst` (which may be
    /// `src`). With `COMPLETE` the input must end on a whole code point; without, a
    /// sequence left open at the end is not an error.
    ///
    /// The bytes 1, 2 and 3 places before each vector's are loaded again from `src`
    /// (but for the first vector's, which may be `last`). Shifting them in from the
    /// previous vector takes shuffles (four a vector with AVX-512), which x86 cores run
    /// on one port only, the port the table lookups need; loads have ports to spare. So
    /// that those loads see masked bytes when `dst` is `src` (and do not wait for a
    /// store they straddle), each vector is stored only after the next one's loads.
    ///
    /// # Safety
    /// `src` valid for `len` reads; with `UNMASK`, `dst` valid for `len` writes and
    /// `key` is `Some`; the CPU has `V`'s feature.
    #[inline(always)]
    unsafe fn validate<V: Vector, const UNMASK: bool, const COMPLETE: bool>(
        src: *const u8,
        dst: *mut u8,
        len: usize,
        key: Option<Key>,
        last: [u8; 3],
    ) -> Continued {
        let key = match key {
            Some(key) if UNMASK => u32::from_le_bytes(key),
            _ => 0,
        };
        let mut io = Io { src, dst, key, vector_keys: keys_before::<V>(key, 0) };
        let mut checker = Checker::<V>::new(last);
        let mut at = 0;
        // The last vector loaded, unmasked, not yet stored, and where it goes (at
        // `at - LANES` but before the first loop step after the realignment).
        let mut pending = None;
        let mut ascii_tests = AsciiTests::EVERY_GROUP;
        if len >= V::LANES {
            let v = io.load::<UNMASK>(0, 0);
            // Only when the loop of groups runs (the test costs a little).
            if len >= 5 * V::LANES && !v.is_ascii() {
                ascii_tests = AsciiTests::AFTER_MIXED_START;
            }
            checker.check(v, checker.before(v));
            // On a long input, from the first address after it that is a multiple of
            // `LANES` in `src`: loads that straddle two cache lines cost more (measured
            // with AVX-512: 25.9 GB/s on aligned 16 KiB, 19.3-20.0 at offsets 1 to 61),
            // and after this one of each four loads is aligned (and, in place, the
            // stores). The bytes between are checked and stored twice, alike (the first
            // vector is stored after the next one's loads, like every vector). That
            // costs a vector: on ~1 KiB inputs more than it saves (measured 6 % slower).
            at = V::LANES;
            if len >= REALIGN_FROM {
                let aligned = V::LANES - (src as usize) % V::LANES;
                // Not too close to the start for the loads of the bytes before.
                if aligned >= 3 {
                    at = aligned;
                    let phase = at % 4;
                    io.vector_keys = keys_before::<V>(key, 4 - phase);
                }
            }
            pending = Some((v, 0));
        }
        while len - at >= 4 * V::LANES {
            let v: [V; 4] = [
                io.load::<UNMASK>(at, 0),
                io.load::<UNMASK>(at + V::LANES, 0),
                io.load::<UNMASK>(at + 2 * V::LANES, 0),
                io.load::<UNMASK>(at + 3 * V::LANES, 0),
            ];
            // One ASCII test per four vectors (one per vector mispredicts on mixed
            // text: measured 10 % slower on W4), when `ascii_tests` says it is due.
            let ascii = ascii_tests.due() && {
                let ascii = v[0].or(v[1]).or(v[2].or(v[3])).is_ascii();
                ascii_tests.record(ascii);
                ascii
            };
            if ascii {
                checker.skip_ascii(v[3]);
            } else {
                let before: [Before<V>; 4] = [
                    io.before::<UNMASK>(at, V::LANES),
                    io.before::<UNMASK>(at + V::LANES, V::LANES),
                    io.before::<UNMASK>(at + 2 * V::LANES, V::LANES),
                    io.before::<UNMASK>(at + 3 * V::LANES, V::LANES),
                ];
                for (v, before) in v.into_iter().zip(before) {
                    checker.check(v, before);
                }
            }
            if let Some((p, to)) = pending {
                io.store::<UNMASK>(p, to);
            }
            for (i, v) in v.into_iter().enumerate().take(3) {
                io.store::<UNMASK>(v, at + i * V::LANES);
            }
            pending = Some((v[3], at + 3 * V::LANES));
            at += 4 * V::LANES;
        }
        while len - at >= V::LANES {
            let v = io.load::<UNMASK>(at, 0);
            checker.check(v, io.before::<UNMASK>(at, V::LANES));
            if let Some((p, to)) = pending {
                io.store::<UNMASK>(p, to);
            }
            pending = Some((v, at));
            at += V::LANES;
        }
        let n = len - at;
        // The last three bytes, when they are not those of `checker.prev` at the end.
        let mut tail_last = None;
        // Where the bytes stored so far end: up to the pending vector, but for the first
        // vector when the loop starts on before its end.
        let stored = match pending {
            Some((_, to)) if to > 0 => to.max(V::LANES),
            _ => 0,
        };
        if n > 0 && pending.is_some() && len - V::LANES >= stored + 3 {
            // The last LANES bytes, which overlap the vector before (the overlap is
            // checked and stored twice, alike): full loads and a full store. A masked
            // store would hold up any later load of the bytes after it (the next
            // frame's header and payload, in place) until it reached the cache. (Not
            // when the bytes before them reach into a stored vector.)
            let start = len - V::LANES;
            let v = io.load_from::<UNMASK>(start);
            let before = [
                io.load_from::<UNMASK>(start - 1),
                io.load_from::<UNMASK>(start - 2),
                io.load_from::<UNMASK>(start - 3),
            ];
            checker.check(v, before);
            if let Some((p, to)) = pending.take() {
                io.store::<UNMASK>(p, to);
            }
            io.store::<UNMASK>(v, start);
        } else if n > 0 {
            let v = io.load_upto::<UNMASK>(at, 0, n);
            // Before `check` moves `prev` on to `v`.
            tail_last = Some(v.last3_before(checker.prev, n));
            let before = match pending {
                Some(_) => io.before::<UNMASK>(at, n),
                None => checker.before(v),
            };
            if COMPLETE {
                // The zero padding is ASCII: a sequence open before it is an error.
                checker.check(v, before);
            } else {
                checker.check_partial(v, before, n);
            }
            if UNMASK {
                v.store_partial(dst.add(at), n);
            }
        }
        if let Some((p, to)) = pending {
            io.store::<UNMASK>(p, to);
        }
        Continued {
            valid: checker.is_valid::<COMPLETE>(),
            // With no input, `prev` still ends with `last`.
            last: tail_last.unwrap_or_else(|| checker.prev.last3()),
        }
    }

    /// [`validate`] with AVX-512 (64 bytes a step).
    ///
    /// # Safety
    /// As [`validate`], on a CPU with AVX-512F and AVX-512BW.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    #[inline(never)]
    pub(super) unsafe fn validate_avx512<const UNMASK: bool, const COMPLETE: bool>(
        src: *const u8,
        dst: *mut u8,
        len: usize,
        key: Option<Key>,
        last: [u8; 3],
    ) -> Continued {
        validate::<__m512i, UNMASK, COMPLETE>(src, dst, len, key, last)
    }

    /// [`validate`] with AVX2 (32 bytes a step).
    ///
    /// # Safety
    /// As [`validate`], on a CPU with AVX2.
    #[target_feature(enable = "avx2")]
    #[inline(never)]
    pub(super) unsafe fn validate_avx2<const UNMASK: bool, const COMPLETE: bool>(
        src: *const u8,
        dst: *mut u8,
        len: usize,
        key: Option<Key>,
        last: [u8; 3],
    ) -> Continued {
        validate::<__m256i, UNMASK, COMPLETE>(src, dst, len, key, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    /// `x86::run` for one kernel: `(src, dst, len, key, last, complete)`.
    type Run = dyn Fn(*const u8, *mut u8, usize, Option<Key>, [u8; 3], bool) -> Option<Continued>;

    /// Calls `f(name, run)` for every kernel this machine can run.
    #[allow(unused_mut, unused_variables)]
    fn each_kernel(mut f: impl FnMut(&str, &Run)) {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            let mut levels = Vec::new();
            if std::is_x86_feature_detected!("avx2") {
                levels.push(x86::Level::Avx2);
            }
            if x86::avx512_available() {
                levels.push(x86::Level::Avx512);
            }
            for level in levels {
                f(&alloc::format!("{level:?}"), &move |src, dst, len, key, last, complete| {
                    // SAFETY: only levels the CPU has; the callers pass live buffers.
                    unsafe {
                        if complete {
                            x86::run::<true>(level, src, dst, len, key, last)
                        } else {
                            x86::run::<false>(level, src, dst, len, key, last)
                        }
                    }
                });
            }
        }
    }

    /// `bytes` copied to an address `align` bytes past a multiple of 64 (the kernels
    /// align their loads and stores, so where the data lies matters): the buffer and
    /// where in it they start.
    fn placed(bytes: &[u8], align: usize) -> (Vec<u8>, usize) {
        let mut buf = alloc::vec![0u8; bytes.len() + 128];
        let at = (64 + align - buf.as_ptr() as usize % 64) % 64;
        buf[at..at + bytes.len()].copy_from_slice(bytes);
        (buf, at)
    }

    /// Checks the public functions and every kernel against `core::str::from_utf8`:
    /// whole (validating, and unmasking in place), and continued in pieces of each of
    /// `steps` bytes (unmasking while copying or in place), with the data `align`
    /// bytes past a multiple of 64 (the copies' sources elsewhere).
    fn agrees(data: &[u8], key: [u8; 4], steps: &[usize], align: usize) {
        let expected = core::str::from_utf8(data);
        let valid = expected.is_ok();
        let masked: Vec<u8> = data.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect();
        let len = data.len();
        let (here, at) = placed(data, align);
        let data = &here[at..at + len];
        assert_eq!(is_utf8(data), valid, "is_utf8 on {data:02X?}");
        assert_eq!(to_str(data), expected.ok(), "to_str on {data:02X?}");
        let (mut buf, at) = placed(&masked, align);
        let buf = &mut buf[at..at + len];
        let unmasked = unmask_to_str(buf, key).map(str::as_bytes);
        assert_eq!(unmasked, expected.ok().map(str::as_bytes), "unmask_to_str on {data:02X?}");
        assert_eq!(buf, data);
        each_kernel(|name, run| {
            let whole = run(data.as_ptr(), data.as_ptr().cast_mut(), len, None, [0; 3], true);
            assert_eq!(whole.map(|f| f.valid), Some(valid), "{name} on {data:02X?}");
            let (mut buf, at) = placed(&masked, align);
            let buf = &mut buf[at..at + len];
            let ptr = buf.as_mut_ptr();
            let unmasked = run(ptr, ptr, len, Some(key), [0; 3], true);
            assert_eq!(unmasked.map(|f| f.valid), Some(valid), "{name} unmasking {data:02X?}");
            assert_eq!(buf, data, "{name} unmasked {data:02X?}");
            // Continued in pieces, unmasked while copied (even steps) or in place (odd).
            let (source, from) = placed(&masked, (align + 27) % 64);
            let masked = &source[from..from + len];
            for &step in steps {
                // Pieces start at multiples of `step`, which the key's phase follows.
                let mut last = [0u8; 3];
                let (mut out, to) = placed(
                    &if step % 2 == 1 { masked.to_vec() } else { alloc::vec![0xA5u8; len] },
                    align,
                );
                let out = &mut out[to..to + len];
                let mut failed = None;
                for (i, (piece, dst)) in masked.chunks(step).zip(out.chunks_mut(step)).enumerate() {
                    let rotated = core::array::from_fn(|j| key[(i * step + j) % 4]);
                    let src = if step % 2 == 1 { dst.as_ptr() } else { piece.as_ptr() };
                    let found = run(src, dst.as_mut_ptr(), piece.len(), Some(rotated), last, false);
                    assert_eq!(dst, &data[i * step..][..piece.len()], "{name} unmasked");
                    for &b in dst.iter() {
                        last = [last[1], last[2], b];
                    }
                    assert_eq!(found.map(|f| f.last), Some(last), "{name}: last bytes");
                    if found.map(|f| f.valid) == Some(false) && failed.is_none() {
                        failed = Some(i);
                    }
                }
                match (expected, failed) {
                    // Valid text: no piece fails (an open end is checked by the caller).
                    (Ok(_), None) => {}
                    (Ok(_), Some(i)) => panic!("{name}: valid text failed in piece {i} of {step}"),
                    // Invalid: not before the first bad byte arrived, not after the byte
                    // proving it did (a text that only ends early fails at its end).
                    (Err(e), failed) => {
                        let first = e.valid_up_to() / step;
                        match (e.error_len(), failed) {
                            (None, _) => {}
                            (Some(n), Some(i)) => {
                                let proof = (e.valid_up_to() + n).min(data.len() - 1) / step;
                                assert!(
                                    first <= i && i <= proof,
                                    "{name}: {data:02X?} failed in piece {i} of {step}"
                                );
                            }
                            // A lone invalid lead byte at the very end has no byte after it.
                            (Some(_), None) => assert!(
                                e.valid_up_to() + 1 == data.len(),
                                "{name}: {data:02X?} passed in pieces of {step}"
                            ),
                        }
                    }
                }
            }
        });
    }

    /// Piece lengths for the continued checks: around each vector width, and ones that
    /// end in a short last vector or in one loaded back from the end.
    const STEPS: &[usize] = &[1, 2, 3, 31, 32, 33, 64, 65, 130, 200];

    /// Bytes that matter to the tables: each class's edges.
    const EDGES: [u8; 24] = [
        0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
        0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF3, 0xF4, 0xF5, 0xFF,
    ];

    /// Every sequence of 1 to 3 of `bytes`.
    fn sequences_of(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut seqs: Vec<Vec<u8>> = Vec::new();
        for &a in bytes {
            seqs.push([a].into());
            for &b in bytes {
                seqs.push([a, b].into());
                for &c in bytes {
                    seqs.push([a, b, c].into());
                }
            }
        }
        seqs
    }

    #[test]
    fn every_short_sequence_at_every_vector_edge() {
        // Every 1- to 3-byte sequence of edge bytes, plus 4-byte ones from a valid lead,
        // placed so they cross the 16-, 32- and 64-byte boundaries and end the input.
        let mut seqs = sequences_of(&EDGES);
        for &a in &[0xF0, 0xF1, 0xF4, 0xF5] {
            for &b in &[0x80, 0x8F, 0x90, 0xBF, 0x41] {
                for &c in &[0x80, 0xBF, 0x41] {
                    for &d in &[0x80, 0xBF, 0x41, 0xC2] {
                        seqs.push([a, b, c, d].into());
                    }
                }
            }
        }
        for seq in &seqs {
            // Across the 16-byte lanes, the AVX2 vectors and the AVX-512 vectors.
            for at in [13, 14, 15, 29, 30, 31, 61, 62, 63] {
                let mut data = Vec::from(
                    &b"The quick brown fox jumps over the lazy dog, 0123456789 abcdefghij"[..],
                );
                data.truncate(at);
                data.extend_from_slice(seq);
                agrees(&data, [0x37, 0xFA, 0x21, 0x0B], &[], 0);
                data.extend_from_slice(b"tail");
                // In pieces of 7: the cuts fall at different places in the sequence.
                agrees(&data, [0x37, 0xFA, 0x21, 0x0B], &[7], 13);
            }
        }
    }

    #[test]
    fn every_short_sequence_across_the_loops_and_the_last_vector() {
        // Longer inputs: each sequence crosses the end of the first vector, of the
        // first group of four, or of a single vector, and the input ends 1, 3 or 62
        // bytes after a vector (the last vector, loaded back from the end, overlaps the
        // one before it by all but those bytes).
        // Around it ASCII (the group shortcut) or 2-byte characters (no shortcut).
        let seqs = sequences_of(&[0x41, 0x80, 0xA0, 0xBF, 0xC2, 0xE0, 0xED, 0xF4]);
        // `len` bytes of `unit` repeated, then ASCII to make up the length.
        let fill = |unit: &str, len: usize| {
            let mut out = unit.repeat(len / unit.len()).into_bytes();
            out.resize(len, b'.');
            out
        };
        for unit in ["a", "\u{e9}"] {
            // (From 1000 bytes on, the tests' kernels realign their loads.)
            for at in [62, 63, 318, 319, 382, 383, 1086, 1087] {
                for end in [1, 3, 62] {
                    for seq in &seqs {
                        let mut data = fill(unit, at);
                        data.extend_from_slice(seq);
                        let len = (data.len() / 64 + 1) * 64 + end;
                        data.extend(fill(unit, len - data.len()));
                        // Also continued as one piece: the last bytes come from the
                        // registers of the last vector.
                        // Aligned so that the long inputs realign 10 or 5 bytes on.
                        agrees(&data, [0x37, 0xFA, 0x21, 0x0B], &[len + 1], at * 5 % 64);
                    }
                }
            }
        }
    }

    #[test]
    fn groups_the_ascii_tests_pause_on_are_still_checked() {
        // Runs of 2-byte characters (which fail the tests, and pause them for longer
        // each time in a row) between runs of ASCII (which pass them), from the first
        // vector on or after it; in each, at many places, a byte that makes the text
        // invalid (a stray continuation byte, an overlong or a cut sequence), or a valid
        // character. Every group must be checked, tested or not.
        let runs = |mixed: usize, ascii: usize, first: usize| {
            let mut out = alloc::vec![b'a'; first];
            while out.len() < 3000 {
                out.extend("\u{e9}".repeat(mixed / 2).bytes());
                out.extend(core::iter::repeat_n(b'a', ascii));
            }
            out.truncate(3000);
            out
        };
        for base in [runs(80, 3000, 0), runs(600, 300, 0), runs(300, 90, 0), runs(200, 600, 70)] {
            // (Else every variant fails at the end, and a group left unchecked would
            // not show.)
            assert!(core::str::from_utf8(&base).is_ok());
            for at in (0..2990).step_by(41) {
                for insert in [&[0x80][..], &[0xC0, 0x80], &[0xE2, 0x82], &[0xE2, 0x82, 0xAC]] {
                    let mut data = base.clone();
                    // On a character boundary.
                    let at = (at..).find(|&i| data[i] & 0xC0 != 0x80).unwrap_or(at);
                    data.splice(at..at, insert.iter().copied());
                    agrees(&data, [0x37, 0xFA, 0x21, 0x0B], &[], at % 64);
                }
            }
        }
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        let chars = prop_oneof![
            4 => proptest::char::range('a', 'z'),
            1 => any::<char>(),
        ];
        proptest::collection::vec(chars, 0..400)
            .prop_map(|cs| cs.into_iter().collect::<alloc::string::String>().into_bytes())
    }

    proptest! {
        #[test]
        fn kernels_agree_with_core_on_text(
            data in text(),
            key in any::<[u8; 4]>(),
            align in 0..64usize,
        ) {
            agrees(&data, key, STEPS, align);
        }

        #[test]
        fn kernels_agree_with_core_on_damaged_text(
            data in text(),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..3),
            cut in any::<prop::sample::Index>(),
            key in any::<[u8; 4]>(),
            align in 0..64usize,
        ) {
            let mut data = data;
            if !data.is_empty() {
                for (at, byte) in edits {
                    let i = at.index(data.len());
                    data[i] = byte;
                }
                let cut = cut.index(data.len() + 1);
                agrees(&data[..cut], key, STEPS, align);
            }
            agrees(&data, key, STEPS, align);
        }

        #[test]
        fn kernels_agree_with_core_on_bytes(
            data in proptest::collection::vec(any::<u8>(), 0..200),
            key in any::<[u8; 4]>(),
            align in 0..64usize,
        ) {
            agrees(&data, key, STEPS, align);
        }
    }
}
