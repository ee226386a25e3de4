//! A small frame language for the structured targets: fuzz bytes become frames on the
//! wire (masked for a server to receive, compressed when asked), so the fuzzer works
//! on payloads and frame flags rather than on masked bytes.
//!
//! A script is a list of records, each a flags byte and what it says follows:
//! - bits 0-2: the opcode, from [`OPCODES`];
//! - bit 3: a raw record instead of a frame: a length byte and that many bytes, put on
//!   the wire as they are;
//! - bit 4: FIN clear;
//! - bit 5: RSV1 set (and, on the first frame of a message with a compressor, the
//!   message compressed; its continuations are compressed too);
//! - bit 6: masked as the receiver does not expect;
//! - bit 7: a long payload: two length bytes (big-endian, in units of
//!   [`Writer::long_unit`] bytes, 16 unless set: up to about 1 MiB) instead of one.
//!
//! The payload's bytes follow, as many as the input has (for a long payload, a count
//! byte says how many of its bytes are given), and the payload is completed with `a`s,
//! so limits can be reached with short inputs. A frame whose
//! payload on the wire would be over [`CUT_OVER`] bytes (over every frame limit of the
//! targets, so refused on its header) keeps its length but only its first
//! [`CUT_TO`] payload bytes: the stream ends inside it.

use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
use miniz_oxide::deflate::stream::deflate;
use miniz_oxide::MZFlush;

/// The opcodes bits 0-2 select: the common ones twice as often.
pub const OPCODES: [u8; 8] = [0x0, 0x1, 0x2, 0x8, 0x9, 0xA, 0x1, 0x0];

/// Payloads longer than this on the wire are cut...
pub const CUT_OVER: usize = 70_000;
/// ...to this many bytes.
pub const CUT_TO: usize = 1024;

/// Turns scripts into wire bytes for one receiver.
pub struct Writer {
    /// The receiver is a server: frames are masked.
    server: bool,
    /// A compressor for messages with RSV1 on their first frame (permessage-deflate
    /// on), and whether it starts every message from an empty window.
    compressor: Option<(Box<CompressorOxide>, bool)>,
    /// The data message being written is compressed.
    compressing: bool,
    frames: u32,
    /// The unit of long payload lengths.
    pub long_unit: usize,
    pub out: Vec<u8>,
}

impl Writer {
    /// A writer for frames a server (`server`) or a client receives; with `deflate`,
    /// messages can be compressed, with or without context takeover.
    pub fn new(server: bool, deflate: Option<bool>) -> Self {
        let compressor = deflate.map(|no_takeover| {
            // Level 1: the fastest (the fuzz targets compress long runs of `a`).
            let flags = create_comp_flags_from_zip_params(1, -15, 0);
            (Box::new(CompressorOxide::new(flags)), no_takeover)
        });
        Self { server, compressor, compressing: false, frames: 0, long_unit: 16, out: Vec::new() }
    }

    /// Appends the frames of `script`; returns the bytes it did not use (none).
    pub fn script(&mut self, mut script: &[u8]) {
        while let Some((&flags, rest)) = script.split_first() {
            script = self.record(flags, rest);
        }
    }

    /// Appends one record whose flags byte is `flags`; returns the rest of the script.
    pub fn record<'a>(&mut self, flags: u8, script: &'a [u8]) -> &'a [u8] {
        let mut script = script;
        let mut take = |n: usize| {
            let (a, b) = script.split_at(n.min(script.len()));
            script = b;
            a
        };
        if flags & 0x08 != 0 {
            let n = take(1).first().copied().unwrap_or(0);
            let raw = take(usize::from(n)).to_vec();
            self.out.extend_from_slice(&raw);
            return script;
        }
        let len = if flags & 0x80 != 0 {
            let b = take(2);
            self.long_unit
                * (usize::from(b.first().copied().unwrap_or(0)) << 8
                    | usize::from(b.get(1).copied().unwrap_or(0)))
        } else {
            usize::from(take(1).first().copied().unwrap_or(0))
        };
        let given = if flags & 0x80 != 0 {
            usize::from(take(1).first().copied().unwrap_or(0))
        } else {
            len
        };
        let mut payload = take(given.min(len)).to_vec();
        payload.resize(len, b'a');
        let opcode = OPCODES[usize::from(flags & 7)];
        let fin = flags & 0x10 == 0;
        let rsv1 = flags & 0x20 != 0;
        let wrong_mask = flags & 0x40 != 0;
        self.frame(opcode, fin, rsv1, wrong_mask, &payload);
        script
    }

    /// Appends one frame, compressing the payload of a compressed message.
    pub fn frame(&mut self, opcode: u8, fin: bool, rsv1: bool, wrong_mask: bool, payload: &[u8]) {
        let data = opcode < 8;
        if data && opcode != 0 {
            self.compressing = rsv1 && self.compressor.is_some();
        }
        let compressed;
        let payload = if data && self.compressing {
            let (compressor, no_takeover) = self.compressor.as_mut().expect("compressing");
            compressed = compress(compressor, payload, fin, *no_takeover);
            &compressed[..]
        } else {
            payload
        };
        if data && fin {
            self.compressing = false;
        }
        self.raw_frame(opcode, fin, rsv1, wrong_mask, payload);
    }

    /// Appends one frame with `payload` as it is (masked when due).
    pub fn raw_frame(
        &mut self,
        opcode: u8,
        fin: bool,
        rsv1: bool,
        wrong_mask: bool,
        payload: &[u8],
    ) {
        let masked = self.server != wrong_mask;
        self.out.push(u8::from(fin) << 7 | u8::from(rsv1) << 6 | opcode);
        let mask_bit = if masked { 0x80 } else { 0 };
        match payload.len() {
            n @ 0..=125 => self.out.push(mask_bit | n as u8),
            n @ 126..=0xFFFF => {
                self.out.push(mask_bit | 126);
                self.out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                self.out.push(mask_bit | 127);
                self.out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        self.frames += 1;
        let key = [0x37, 0xFA, (self.frames >> 8) as u8, self.frames as u8];
        if masked {
            self.out.extend_from_slice(&key);
        }
        self.out.extend(
            payload.iter().enumerate().map(|(i, &b)| if masked { b ^ key[i % 4] } else { b }),
        );
    }
}

/// Compresses a piece of a message with a sync flush; at the message's end the tail is
/// stripped (RFC 7692 §7.2.1) and, without takeover, the compressor starts over.
fn compress(
    compressor: &mut CompressorOxide,
    mut input: &[u8],
    message_end: bool,
    no_takeover: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let r = deflate(compressor, input, &mut buf, MZFlush::Sync);
        input = &input[r.bytes_consumed..];
        out.extend_from_slice(&buf[..r.bytes_written]);
        if r.status.is_err() || (input.is_empty() && r.bytes_written < buf.len()) {
            break;
        }
    }
    if message_end {
        if out.ends_with(&crate::inflate_ref::TAIL) {
            out.truncate(out.len() - 4);
        }
        if no_takeover {
            compressor.reset();
        }
    }
    out
}
