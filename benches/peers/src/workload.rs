//! The issue 6 workloads: their parameters, their deterministic data, and the expected
//! counts and checksums every implementation must reproduce.
//!
//! Wire bytes are encoded here by a small independent encoder (not by `rfc6455`), so a bug
//! in the crate under test cannot change what the peers receive.

use crate::check::{Check, Full, Sampled, Tally};
use crate::io::{Transport, SEND_SAMPLE_STRIDE};

/// The seven workloads of issue 6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// Receive 1,000,000 masked binary messages of 16 B.
    W1,
    /// Receive 20,000 masked binary messages of 64 KiB.
    W2,
    /// Receive 16 masked binary messages of 16 MiB.
    W3,
    /// Receive 200,000 masked text messages of ~1 KiB (ASCII and multibyte).
    W4,
    /// Receive 64 text messages of 1 MiB, each in 1024 fragments of 1 KiB.
    W5,
    /// Send 1,000,000 unmasked 16 B server frames.
    W6a,
    /// Send 20,000 masked 64 KiB client frames.
    W6b,
}

/// Whether a workload is measured in messages per second or in payload bytes per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Messages per second (W1, W6a); payload GB/s is shown beside it.
    Messages,
    /// Payload bytes per second.
    Bytes,
}

impl Workload {
    /// All workloads, in table order.
    pub const ALL: [Self; 7] =
        [Self::W1, Self::W2, Self::W3, Self::W4, Self::W5, Self::W6a, Self::W6b];

    /// The short name (`W1` ... `W6b`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::W1 => "W1",
            Self::W2 => "W2",
            Self::W3 => "W3",
            Self::W4 => "W4",
            Self::W5 => "W5",
            Self::W6a => "W6a",
            Self::W6b => "W6b",
        }
    }

    /// Parses a short name, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.name().eq_ignore_ascii_case(s))
    }

    /// What the workload does, for tables.
    pub const fn description(self) -> &'static str {
        match self {
            Self::W1 => "receive 1,000,000 masked binary msgs of 16 B",
            Self::W2 => "receive 20,000 masked binary msgs of 64 KiB",
            Self::W3 => "receive 16 masked binary msgs of 16 MiB",
            Self::W4 => "receive 200,000 masked text msgs of ~1 KiB (ASCII + multibyte)",
            Self::W5 => "receive 64 text msgs of 1 MiB in 1024 fragments of 1 KiB",
            Self::W6a => "send 1,000,000 unmasked 16 B server frames",
            Self::W6b => "send 20,000 masked 64 KiB client frames",
        }
    }

    /// Messages per second or bytes per second.
    pub const fn unit(self) -> Unit {
        match self {
            Self::W1 | Self::W6a => Unit::Messages,
            _ => Unit::Bytes,
        }
    }

    /// `true` for the send workloads.
    pub const fn is_send(self) -> bool {
        matches!(self, Self::W6a | Self::W6b)
    }

    /// The number of messages in one pass.
    pub const fn count(self) -> usize {
        match self {
            Self::W1 | Self::W6a => 1_000_000,
            Self::W2 | Self::W6b => 20_000,
            Self::W3 => 16,
            Self::W4 => 200_000,
            Self::W5 => 64,
        }
    }

    /// The payload bytes of one pass (W4 regenerates its texts to add up their lengths).
    pub fn payload_bytes(self) -> u64 {
        let per_message = match self {
            Self::W1 | Self::W6a => 16,
            Self::W2 | Self::W6b => 64 << 10,
            Self::W3 => 16 << 20,
            Self::W5 => 1 << 20,
            Self::W4 => {
                let mut rng = Rng::new(seed(self));
                return (0..self.count()).map(|_| text_about_1k(&mut rng).len() as u64).sum();
            }
        };
        (per_message * self.count()) as u64
    }
}

/// The seed of a workload's generator.
const fn seed(w: Workload) -> u64 {
    0x6455_0000 + w as u64
}

/// The largest message of any workload (16 MiB) plus slack: every implementation's message
/// and frame limits are raised to this.
pub const MAX_MESSAGE: usize = (16 << 20) + (64 << 10);

/// A deterministic generator (xorshift64*), so every run sees the same bytes.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a nonzero seed.
    pub const fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fills `out` with random bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        let mut chunks = out.chunks_exact_mut(8);
        for c in &mut chunks {
            c.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        let tail = chunks.into_remainder();
        let last = self.next_u64().to_le_bytes();
        tail.copy_from_slice(&last[..tail.len()]);
    }

    /// A nonzero masking key.
    pub fn mask_key(&mut self) -> [u8; 4] {
        loop {
            let k = (self.next_u64() >> 16) as u32;
            if k != 0 {
                return k.to_be_bytes();
            }
        }
    }
}

/// Frame opcodes used by the workloads.
pub mod opcode {
    /// Continuation frame.
    pub const CONTINUATION: u8 = 0x0;
    /// Text frame.
    pub const TEXT: u8 = 0x1;
    /// Binary frame.
    pub const BINARY: u8 = 0x2;
}

/// The length of a frame header for `len` payload bytes.
pub const fn header_len(len: usize, masked: bool) -> usize {
    let base = if len < 126 {
        2
    } else if len <= 0xFFFF {
        4
    } else {
        10
    };
    if masked {
        base + 4
    } else {
        base
    }
}

/// The wire bytes of one masked message of `len` bytes, in frames of `fragment` bytes (`0`:
/// one frame).
pub const fn wire_len(len: usize, fragment: usize) -> usize {
    if fragment == 0 {
        header_len(len, true) + len
    } else {
        len.div_ceil(fragment) * header_len(fragment, true) + len
    }
}

/// Appends one frame with minimal length encoding (RFC 6455 §5.2).
pub fn put_frame(out: &mut Vec<u8>, fin: bool, opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) {
    out.push(u8::from(fin) << 7 | opcode);
    let m = if mask.is_some() { 0x80 } else { 0 };
    let len = payload.len();
    if len < 126 {
        out.push(m | len as u8);
    } else if len <= 0xFFFF {
        out.push(m | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    let start = out.len();
    match mask {
        None => out.extend_from_slice(payload),
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend_from_slice(payload);
            xor_mask(&mut out[start + 4..], key);
        }
    }
}

/// XORs `data` with `key` starting at key offset 0.
pub fn xor_mask(data: &mut [u8], key: [u8; 4]) {
    let word = u32::from_ne_bytes(key);
    let mut chunks = data.chunks_exact_mut(4);
    for c in &mut chunks {
        let v = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]) ^ word;
        c.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i];
    }
}

/// Words for the text workloads: ASCII words and multibyte ones (2, 3 and 4 byte code
/// points), so validators see both their ASCII fast path and real decoding.
const MULTIBYTE_WORDS: [&str; 12] = [
    "привет",
    "данные",
    "сообщение",
    "数据",
    "网络连接",
    "测试",
    "😀",
    "🚀✨",
    "café",
    "naïve",
    "Größe",
    "Ελληνικά",
];

fn push_word(rng: &mut Rng, out: &mut String) {
    if rng.below(4) == 0 {
        out.push_str(MULTIBYTE_WORDS[rng.below(MULTIBYTE_WORDS.len())]);
    } else {
        for _ in 0..2 + rng.below(8) {
            out.push(char::from(b'a' + rng.below(26) as u8));
        }
    }
    out.push(' ');
}

/// A text of exactly `len` bytes (ASCII padding at the end).
pub fn text_of_len(rng: &mut Rng, len: usize) -> String {
    let mut s = String::with_capacity(len + 32);
    loop {
        let mut word = String::new();
        push_word(rng, &mut word);
        if s.len() + word.len() > len {
            break;
        }
        s.push_str(&word);
    }
    while s.len() < len {
        s.push('.');
    }
    s
}

/// A text of about 1 KiB: whole words up to a target of 1000..1048 bytes.
pub fn text_about_1k(rng: &mut Rng) -> String {
    let target = 1000 + rng.below(48);
    let mut s = String::with_capacity(target + 32);
    while s.len() < target {
        push_word(rng, &mut s);
    }
    s
}

/// The data of a receive workload: the wire stream a server receives, and the payloads
/// it must deliver.
#[derive(Debug)]
pub struct RecvData {
    /// The workload.
    pub workload: Workload,
    /// Masked client frames, back to back.
    pub wire: Vec<u8>,
    /// Every message's payload, back to back (the memcpy baseline's source).
    pub payloads: Vec<u8>,
    /// `offsets[i]..offsets[i + 1]` is message `i` in `payloads`.
    pub offsets: Vec<usize>,
    /// Fragment size on the wire (`0` for one frame per message).
    pub fragment: usize,
    /// Text (`true`) or binary messages.
    pub text: bool,
    /// The largest message.
    pub max_len: usize,
    /// What [`Sampled`] must add up to over one pass.
    pub expected_sampled: Tally,
    /// What [`Full`] must add up to over one pass.
    pub expected_full: Tally,
}

impl RecvData {
    /// Builds the data of receive workload `w` (deterministic).
    ///
    /// # Panics
    /// For a send workload.
    pub fn new(w: Workload) -> Self {
        let mut rng = Rng::new(seed(w));
        let count = w.count();
        let (text, fragment) = match w {
            Workload::W1 | Workload::W2 | Workload::W3 => (false, 0),
            Workload::W4 => (true, 0),
            Workload::W5 => (true, 1024),
            _ => panic!("{w:?} is a send workload"),
        };
        let mut offsets = Vec::with_capacity(count + 1);
        offsets.push(0);
        let mut payloads = Vec::new();
        match w {
            Workload::W1 | Workload::W2 | Workload::W3 => {
                let size = match w {
                    Workload::W1 => 16,
                    Workload::W2 => 64 << 10,
                    _ => 16 << 20,
                };
                payloads = vec![0; count * size];
                rng.fill(&mut payloads);
                offsets.extend((1..=count).map(|i| i * size));
            }
            Workload::W4 => {
                for _ in 0..count {
                    payloads.extend_from_slice(text_about_1k(&mut rng).as_bytes());
                    offsets.push(payloads.len());
                }
            }
            _ => {
                for _ in 0..count {
                    payloads.extend_from_slice(text_of_len(&mut rng, 1 << 20).as_bytes());
                    offsets.push(payloads.len());
                }
            }
        }
        let max_len = offsets.windows(2).map(|o| o[1] - o[0]).max().unwrap_or(0);
        let wire_len: usize = offsets.windows(2).map(|o| wire_len(o[1] - o[0], fragment)).sum();
        let mut wire = Vec::with_capacity(wire_len);
        let first_op = if text { opcode::TEXT } else { opcode::BINARY };
        for o in offsets.windows(2) {
            let msg = &payloads[o[0]..o[1]];
            if fragment == 0 {
                put_frame(&mut wire, true, first_op, msg, Some(rng.mask_key()));
            } else {
                let n = msg.len().div_ceil(fragment);
                for (i, piece) in msg.chunks(fragment).enumerate() {
                    let op = if i == 0 { first_op } else { opcode::CONTINUATION };
                    put_frame(&mut wire, i + 1 == n, op, piece, Some(rng.mask_key()));
                }
            }
        }
        assert_eq!(wire.len(), wire_len);
        Self::with_expected(w, wire, payloads, offsets, fragment, text, max_len)
    }

    fn with_expected(
        workload: Workload,
        wire: Vec<u8>,
        payloads: Vec<u8>,
        offsets: Vec<usize>,
        fragment: usize,
        text: bool,
        max_len: usize,
    ) -> Self {
        let mut data = Self {
            workload,
            wire,
            payloads,
            offsets,
            fragment,
            text,
            max_len,
            expected_sampled: Tally::default(),
            expected_full: Tally::default(),
        };
        let mut sampled = Sampled::default();
        let mut full = Full::default();
        for m in data.messages() {
            sampled.message(text, m);
            full.message(text, m);
        }
        data.expected_sampled = sampled.tally();
        data.expected_full = full.tally();
        data
    }

    /// The first `n` messages of this workload, as a workload of their own.
    pub fn prefix(&self, n: usize) -> Self {
        let offsets = self.offsets[..=n].to_vec();
        let wire_len = offsets.windows(2).map(|o| wire_len(o[1] - o[0], self.fragment)).sum();
        Self::with_expected(
            self.workload,
            self.wire[..wire_len].to_vec(),
            self.payloads[..offsets[n]].to_vec(),
            offsets,
            self.fragment,
            self.text,
            self.max_len,
        )
    }

    /// The number of messages.
    pub fn count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Total payload bytes of one pass.
    pub fn payload_bytes(&self) -> u64 {
        self.payloads.len() as u64
    }

    /// Each message's payload.
    pub fn messages(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.offsets.windows(2).map(|o| &self.payloads[o[0]..o[1]])
    }

    /// The share of payload bytes that belong to multibyte UTF-8 sequences.
    pub fn multibyte_share(&self) -> f64 {
        let multi = self.payloads.iter().filter(|&&b| b >= 0x80).count();
        multi as f64 / self.payloads.len().max(1) as f64
    }
}

/// The data of a send workload: the payload an application sends over and over.
#[derive(Debug)]
pub struct SendData {
    /// The workload.
    pub workload: Workload,
    /// The payload of every message.
    pub payload: Vec<u8>,
    /// The same payload as shared bytes, for APIs that take owned payloads.
    pub bytes: bytes::Bytes,
    /// The number of messages.
    pub count: usize,
    /// Client frames (masked) or server frames.
    pub masked: bool,
    /// Bytes on the wire per frame.
    pub frame_len: usize,
    /// The transport's sampling stride for frames (see [`Transport`]).
    pub frame_stride: u64,
    /// What the transport must have seen from a WebSocket implementation.
    pub expected_frames: Tally,
    /// What the transport must have seen from the memcpy baseline (payloads only).
    pub expected_memcpy: Tally,
}

impl SendData {
    /// Builds the data of send workload `w`.
    ///
    /// # Panics
    /// For a receive workload.
    pub fn new(w: Workload) -> Self {
        Self::with_count(w, w.count())
    }

    /// Send workload `w` with `count` messages instead of the workload's own count.
    ///
    /// # Panics
    /// For a receive workload.
    pub fn with_count(w: Workload, count: usize) -> Self {
        let (size, masked) = match w {
            Workload::W6a => (16, false),
            Workload::W6b => (64 << 10, true),
            _ => panic!("{w:?} is a receive workload"),
        };
        let mut rng = Rng::new(0x6455_6000 + w as u64);
        let mut payload = vec![0; size];
        rng.fill(&mut payload);
        let frame_len = header_len(size, masked) + size;
        // Unmasked frames are the same bytes from every implementation, so any position
        // can be sampled; masked frames differ by their random keys, so only the first
        // byte of each frame (FIN + opcode) is sampled, which still checks every frame
        // boundary.
        let frame_stride = if masked { frame_len as u64 } else { SEND_SAMPLE_STRIDE };
        let mut frames = Transport::new(frame_stride);
        let mut memcpy = Transport::new(SEND_SAMPLE_STRIDE);
        let mut frame = Vec::with_capacity(frame_len);
        put_frame(&mut frame, true, opcode::BINARY, &payload, masked.then_some([0; 4]));
        for _ in 0..count {
            frames.write_bytes(&frame);
            memcpy.write_bytes(&payload);
        }
        Self {
            workload: w,
            bytes: bytes::Bytes::from(payload.clone()),
            payload,
            count,
            masked,
            frame_len,
            frame_stride,
            expected_frames: frames.tally(),
            expected_memcpy: memcpy.tally(),
        }
    }

    /// Total payload bytes of one pass.
    pub fn payload_bytes(&self) -> u64 {
        (self.payload.len() * self.count) as u64
    }

    /// Checks a recorded output stream frame by frame: `count` final binary frames,
    /// masked as required, each unmasking to the payload. Independent of every
    /// implementation's decoder.
    ///
    /// # Errors
    /// A description of the first difference.
    pub fn verify_stream(&self, mut out: &[u8]) -> Result<(), String> {
        let mut n = 0;
        let mut buf = Vec::with_capacity(self.payload.len());
        while !out.is_empty() {
            if out.len() < 2 {
                return Err(format!("frame {n}: truncated header"));
            }
            let (b0, b1) = (out[0], out[1]);
            if b0 != 0x80 | opcode::BINARY {
                return Err(format!("frame {n}: first byte {b0:#04x}, want 0x82"));
            }
            let masked = b1 & 0x80 != 0;
            if masked != self.masked {
                return Err(format!("frame {n}: mask bit {masked}"));
            }
            let need = match b1 & 0x7F {
                126 => 4,
                127 => 10,
                _ => 2,
            } + if masked { 4 } else { 0 };
            if out.len() < need {
                return Err(format!("frame {n}: truncated header"));
            }
            let (len, mut at) = match b1 & 0x7F {
                126 => (usize::from(u16::from_be_bytes([out[2], out[3]])), 4),
                127 => (u64::from_be_bytes(out[2..10].try_into().unwrap()) as usize, 10),
                l => (usize::from(l), 2),
            };
            if header_len(len, masked) != at + if masked { 4 } else { 0 } {
                return Err(format!("frame {n}: length {len} not minimally encoded"));
            }
            let key = if masked {
                let k = [out[at], out[at + 1], out[at + 2], out[at + 3]];
                at += 4;
                Some(k)
            } else {
                None
            };
            let body =
                out.get(at..at + len).ok_or_else(|| format!("frame {n}: truncated payload"))?;
            buf.clear();
            buf.extend_from_slice(body);
            if let Some(k) = key {
                xor_mask(&mut buf, k);
            }
            if buf != self.payload {
                return Err(format!("frame {n}: payload differs"));
            }
            out = &out[at + len..];
            n += 1;
        }
        if n != self.count {
            return Err(format!("{n} frames, want {}", self.count));
        }
        Ok(())
    }
}
