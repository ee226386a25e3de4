//! Checksums over delivered messages, so no implementation is timed doing nothing.
//!
//! Every timed pass feeds each delivered message to [`Sampled`]: it counts messages and
//! folds in the kind, the length, the first and last 8 bytes and one 8-byte word every
//! 4 KiB. That reads every message at both ends and at every page, so a message that was
//! not unmasked, not assembled in order, or not delivered at all changes the sum, while
//! costing a few nanoseconds per message (far less than reading every byte again, which
//! would bias the throughput of every implementation and of the memcpy baseline alike).
//! Before timing, one untimed pass per implementation feeds [`Full`], a hash over every
//! payload byte.

/// A message count and a checksum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Messages delivered (or, for send streams, bytes written).
    pub count: u64,
    /// The checksum.
    pub sum: u64,
}

/// A consumer of delivered messages.
pub trait Check {
    /// One whole message; `text` for a text message.
    fn message(&mut self, text: bool, payload: &[u8]);
    /// What was seen so far.
    fn tally(&self) -> Tally;
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;
/// Distance between sampled words in [`Sampled`].
pub const SAMPLE_STRIDE: usize = 4096;

#[inline(always)]
fn word_at(p: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(p[at..at + 8].try_into().unwrap())
}

/// Count + sampled checksum (the timed check).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sampled {
    count: u64,
    sum: u64,
}

impl Check for Sampled {
    #[inline(always)]
    fn message(&mut self, text: bool, p: &[u8]) {
        let len = p.len();
        let mut x = (len as u64) << 1 | u64::from(text);
        if len >= 8 {
            x ^= word_at(p, 0).wrapping_mul(K) ^ word_at(p, len - 8).rotate_left(29);
            let mut at = SAMPLE_STRIDE;
            while at + 8 <= len {
                x ^= word_at(p, at).rotate_left((at / SAMPLE_STRIDE % 61) as u32);
                at += SAMPLE_STRIDE;
            }
        } else {
            for (i, &b) in p.iter().enumerate() {
                x ^= u64::from(b) << (8 * i + 8);
            }
        }
        // Order-independent across messages (a sum), so the chain per message is short.
        self.sum = self.sum.wrapping_add(x.wrapping_mul(K | 2));
        self.count += 1;
    }

    fn tally(&self) -> Tally {
        Tally { count: self.count, sum: self.sum }
    }
}

/// Count + a hash over every byte, in order (the untimed validation).
#[derive(Clone, Copy, Debug, Default)]
pub struct Full {
    count: u64,
    hash: u64,
}

impl Check for Full {
    fn message(&mut self, text: bool, p: &[u8]) {
        let mut h = self.hash ^ ((p.len() as u64) << 1 | u64::from(text));
        let mut chunks = p.chunks_exact(8);
        for c in &mut chunks {
            h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().unwrap())).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.hash = h;
        self.count += 1;
    }

    fn tally(&self) -> Tally {
        Tally { count: self.count, sum: self.hash }
    }
}
