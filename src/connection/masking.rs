//! Masking keys for client frames (RFC 6455 §5.3, §10.3).

use core::hash::Hasher;

use crate::frame::MaskKey;

/// Produces a fresh, unpredictable masking key for every client frame.
///
/// The core has no randomness of its own: the caller seeds the generator with 16 bytes
/// from a strong entropy source (an OS or hardware RNG), and each key is the output of
/// SipHash-2-4, a keyed pseudorandom function, over a frame counter. Without the seed
/// the keys cannot be predicted, which is what RFC 6455 §10.3 asks of them.
#[derive(Clone)]
pub(crate) struct MaskGenerator {
    k0: u64,
    k1: u64,
    counter: u64,
    spare: Option<[u8; 4]>,
}

impl MaskGenerator {
    pub(crate) fn new(seed: [u8; 16]) -> Self {
        let mut k0 = [0u8; 8];
        let mut k1 = [0u8; 8];
        k0.copy_from_slice(&seed[..8]);
        k1.copy_from_slice(&seed[8..]);
        Self { k0: u64::from_le_bytes(k0), k1: u64::from_le_bytes(k1), counter: 0, spare: None }
    }

    pub(crate) fn next_key(&mut self) -> MaskKey {
        if let Some(key) = self.spare.take() {
            return MaskKey(key);
        }
        // `SipHasher` is deprecated only as a general-purpose hasher; it is the one keyed
        // PRF that `core` ships, which keeps the core free of dependencies for this.
        #[allow(deprecated)]
        let mut h = core::hash::SipHasher::new_with_keys(self.k0, self.k1);
        h.write_u64(self.counter);
        self.counter = self.counter.wrapping_add(1);
        let out = h.finish().to_le_bytes();
        self.spare = Some([out[4], out[5], out[6], out[7]]);
        MaskKey([out[0], out[1], out[2], out[3]])
    }
}

impl core::fmt::Debug for MaskGenerator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MaskGenerator { .. }")
    }
}

/// Returns 16 bytes from the operating system's randomness, to seed a client
/// connection's masking keys (feature `std`).
///
/// It draws on the randomly keyed hasher of the standard library (seeded by the OS),
/// mixed with the clock and a per-process counter, so no extra dependency is needed.
///
/// ```
/// let a = rfc6455::random_mask_seed();
/// let b = rfc6455::random_mask_seed();
/// assert_ne!(a, b);
/// ```
#[cfg(feature = "std")]
pub fn random_mask_seed() -> [u8; 16] {
    use core::hash::BuildHasher;
    use core::sync::atomic::{AtomicU64, Ordering};
    use std::collections::hash_map::RandomState;

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let state = RandomState::new();
    let a = state.hash_one((n, nanos, 0u8));
    let b = state.hash_one((n, nanos, 1u8));
    let mut seed = [0u8; 16];
    seed[..8].copy_from_slice(&a.to_le_bytes());
    seed[8..].copy_from_slice(&b.to_le_bytes());
    seed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_differ_per_frame_and_per_seed() {
        let mut g = MaskGenerator::new([1; 16]);
        let keys: HashSet<[u8; 4]> = (0..1000).map(|_| g.next_key().0).collect();
        assert!(keys.len() > 990, "keys repeat too often: {}", keys.len());
        let mut a = MaskGenerator::new([1; 16]);
        let mut b = MaskGenerator::new([2; 16]);
        assert_ne!(a.next_key(), b.next_key());
        let mut c = MaskGenerator::new([1; 16]);
        assert_eq!(MaskGenerator::new([1; 16]).next_key(), c.next_key(), "deterministic per seed");
    }
}
