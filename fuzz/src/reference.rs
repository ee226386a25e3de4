//! An independent reference for the receiving side of RFC 6455's frame and message
//! layers, written for the fuzz targets to compare the crate against.
//!
//! It is deliberately plain: one byte at a time, every frame's header and payload kept
//! in a `Vec`, text checked with `core::str::from_utf8`, nothing from `rfc6455` used.
//! Slow and obviously correct is the point.
//!
//! # What it checks, and when
//! The RFC leaves open *when* a receiver notices some violations and which one it
//! reports when several show at once; those choices are written down here, one rule
//! per line, in the order they are applied. A failure ends the stream (nothing after it
//! is decoded), as does a valid Close (§5.5.1: nothing is processed after it).
//!
//! As each header byte arrives (a violation is reported on the byte that proves it):
//! 1. first byte: an opcode other than 0, 1, 2, 8, 9, 10 (§5.2, §11.8) → 1002; an RSV
//!    bit that no extension defines (§5.2: RSV2 and RSV3 always, RSV1 unless
//!    permessage-deflate is on) → 1002; a control opcode without FIN (§5.5) → 1002.
//! 2. second byte: MASK not as the role requires (§5.1: a server receives only masked
//!    frames, a client only unmasked ones) → 1002; a control frame with a 7-bit length
//!    over 125 (§5.5) → 1002.
//! 3. extended length: a 64-bit length with its most significant bit set (§5.2) → 1002,
//!    on the first length byte; a length not in its minimal form (§5.2 "the minimal
//!    number of bytes MUST be used"; the crate's `strict_length_encoding`, on by
//!    default) → 1002, once the length is whole.
//!
//! Once the header is whole (masking key included):
//! 4. a payload over `max_frame_len` → 1009 (§10.4).
//! 5. a control frame with RSV1 (RFC 7692 §6: only data frames are compressed) → 1002.
//! 6. data frames, fragmentation (§5.4): a continuation with no message in progress, or
//!    a text or binary frame inside one → 1002; the message so far plus this frame over
//!    `max_message_len` → 1009 (§10.4); RSV1 on a continuation (RFC 7692 §6.1) → 1002.
//!
//! Payload (unmasked with the key, byte `i` XOR `key[i % 4]`, §5.3):
//! 7. an uncompressed text message fails (1007, §5.6, §8.1) on the byte after which its
//!    bytes so far can no longer begin valid UTF-8 (`from_utf8` reports an error with a
//!    length), and at its end when it stops inside a code point;
//! 8. a Close payload (§5.5.1, §7.4): one byte → 1002; a code not valid on the wire
//!    (§7.4.1-§7.4.2: 1000-1003, 1007-1014 and 3000-4999 are; 1004-1006, 1015 and
//!    everything else is not) → 1002; a reason that is not UTF-8 → 1007.
//!
//! Compressed messages (RSV1 on the first frame with permessage-deflate) are reported
//! as their compressed bytes; [`crate::inflate_ref`] inflates them.

/// What a receiver reports, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefEvent {
    /// A whole data message: text or binary, compressed (RSV1) or not, its payload
    /// (compressed bytes when compressed), and `start`, the number of events reported
    /// before its first frame's header was whole.
    Message { text: bool, compressed: bool, payload: Vec<u8>, start: usize },
    /// A ping's payload.
    Ping(Vec<u8>),
    /// A pong's payload.
    Pong(Vec<u8>),
    /// A valid Close: its code (none for an empty payload) and reason bytes.
    Close(Option<u16>, Vec<u8>),
    /// The stream broke the protocol: the close code the receiver must send.
    Fail(u16),
}

/// The receiver's settings that decide what is accepted.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// The receiver is a server (it receives masked frames).
    pub server: bool,
    /// permessage-deflate was negotiated (RSV1 marks compressed messages).
    pub deflate: bool,
    pub max_frame_len: u64,
    pub max_message_len: u64,
    /// Refuse lengths not in their minimal encoding.
    pub strict_length: bool,
}

/// The data message being received.
#[derive(Clone, Debug)]
pub struct Partial {
    pub text: bool,
    pub compressed: bool,
    /// Payload bytes so far, unmasked.
    pub payload: Vec<u8>,
    /// Events reported before its first frame's header was whole.
    pub start: usize,
}

/// The header of the frame being received.
#[derive(Clone, Copy, Debug)]
struct Header {
    fin: bool,
    rsv1: bool,
    opcode: u8,
    key: Option<[u8; 4]>,
    len: u64,
}

/// What [`decode`] found.
#[derive(Clone, Debug, Default)]
pub struct Decoded {
    pub events: Vec<RefEvent>,
    /// The data message in progress when decoding stopped (the stream ended, or failed,
    /// in its middle).
    pub partial: Option<Partial>,
}

/// Decodes `stream` as the given receiver would: every event up to the end of the
/// stream, the first failure, or the first Close.
pub fn decode(settings: &Settings, stream: &[u8]) -> Decoded {
    let mut r = Receiver {
        settings: *settings,
        out: Decoded::default(),
        header: Vec::new(),
        frame: None,
        utf8_from: 0,
    };
    for &byte in stream {
        if r.byte(byte).is_err() {
            break;
        }
    }
    r.out
}

/// Why decoding stopped.
struct Stop;

struct Receiver {
    settings: Settings,
    out: Decoded,
    /// Header bytes of the next frame so far.
    header: Vec<u8>,
    /// The frame whose payload is arriving: its header and the payload so far.
    frame: Option<(Header, Vec<u8>)>,
    /// Where the unchecked end of an uncompressed text message starts: every byte
    /// before it is known to be whole, valid code points.
    utf8_from: usize,
}

impl Receiver {
    fn fail(&mut self, code: u16) -> Result<(), Stop> {
        self.out.events.push(RefEvent::Fail(code));
        Err(Stop)
    }

    fn byte(&mut self, byte: u8) -> Result<(), Stop> {
        match self.frame.take() {
            None => {
                self.header.push(byte);
                match self.parse_header()? {
                    None => Ok(()),
                    Some(header) => {
                        self.header.clear();
                        self.start_frame(header)?;
                        self.frame = Some((header, Vec::new()));
                        if header.len == 0 {
                            self.end_frame()?;
                        }
                        Ok(())
                    }
                }
            }
            Some((header, mut payload)) => {
                let unmasked = match header.key {
                    Some(key) => byte ^ key[payload.len() % 4],
                    None => byte,
                };
                payload.push(unmasked);
                let done = payload.len() as u64 == header.len;
                let is_control = header.opcode >= 8;
                self.frame = Some((header, payload));
                if !is_control {
                    self.data_byte(unmasked)?;
                }
                if done {
                    self.end_frame()?;
                }
                Ok(())
            }
        }
    }

    /// Rules 1-3 on the header bytes so far; the header once it is whole.
    fn parse_header(&mut self) -> Result<Option<Header>, Stop> {
        let h = self.header.clone();
        let b0 = h[0];
        let fin = b0 & 0x80 != 0;
        let rsv1 = b0 & 0x40 != 0;
        let rsv23 = b0 & 0x30 != 0;
        let opcode = b0 & 0x0F;
        if !matches!(opcode, 0 | 1 | 2 | 8 | 9 | 10) {
            return self.fail(1002).map(|_| None);
        }
        if rsv23 || (rsv1 && !self.settings.deflate) {
            return self.fail(1002).map(|_| None);
        }
        if opcode >= 8 && !fin {
            return self.fail(1002).map(|_| None);
        }
        if h.len() < 2 {
            return Ok(None);
        }
        let masked = h[1] & 0x80 != 0;
        if masked != self.settings.server {
            return self.fail(1002).map(|_| None);
        }
        let len7 = u64::from(h[1] & 0x7F);
        if opcode >= 8 && len7 > 125 {
            return self.fail(1002).map(|_| None);
        }
        let len_bytes = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        if len7 == 127 && h.len() >= 3 && h[2] & 0x80 != 0 {
            return self.fail(1002).map(|_| None);
        }
        if h.len() < 2 + len_bytes {
            return Ok(None);
        }
        let mut len = len7;
        if len_bytes > 0 {
            len = 0;
            for &b in &h[2..2 + len_bytes] {
                len = len << 8 | u64::from(b);
            }
            let minimal = if len_bytes == 2 { len >= 126 } else { len > 0xFFFF };
            if self.settings.strict_length && !minimal {
                return self.fail(1002).map(|_| None);
            }
        }
        let key_bytes = if masked { 4 } else { 0 };
        if h.len() < 2 + len_bytes + key_bytes {
            return Ok(None);
        }
        let key = masked.then(|| {
            let k = &h[2 + len_bytes..];
            [k[0], k[1], k[2], k[3]]
        });
        Ok(Some(Header { fin, rsv1, opcode, key, len }))
    }

    /// Rules 4-6, once the header is whole.
    fn start_frame(&mut self, header: Header) -> Result<(), Stop> {
        if header.len > self.settings.max_frame_len {
            return self.fail(1009);
        }
        if header.opcode >= 8 {
            if header.rsv1 {
                return self.fail(1002);
            }
            return Ok(());
        }
        let in_progress = self.out.partial.is_some();
        match (header.opcode, in_progress) {
            (0, false) => return self.fail(1002),
            (1 | 2, true) => return self.fail(1002),
            _ => {}
        }
        let so_far = self.out.partial.as_ref().map_or(0, |m| m.payload.len() as u64);
        if so_far.saturating_add(header.len) > self.settings.max_message_len {
            return self.fail(1009);
        }
        if header.opcode == 0 && header.rsv1 {
            return self.fail(1002);
        }
        if header.opcode != 0 {
            self.out.partial = Some(Partial {
                text: header.opcode == 1,
                compressed: header.rsv1,
                payload: Vec::new(),
                start: self.out.events.len(),
            });
            self.utf8_from = 0;
        }
        Ok(())
    }

    /// Rule 7 as the bytes arrive.
    fn data_byte(&mut self, byte: u8) -> Result<(), Stop> {
        let message = self.out.partial.as_mut().expect("a data frame belongs to a message");
        message.payload.push(byte);
        if !message.text || message.compressed {
            return Ok(());
        }
        match std::str::from_utf8(&message.payload[self.utf8_from..]) {
            Ok(_) => self.utf8_from = message.payload.len(),
            Err(e) if e.error_len().is_some() => return self.fail(1007),
            Err(e) => self.utf8_from += e.valid_up_to(),
        }
        Ok(())
    }

    fn end_frame(&mut self) -> Result<(), Stop> {
        let (header, payload) = self.frame.take().expect("a frame in progress");
        match header.opcode {
            9 => self.out.events.push(RefEvent::Ping(payload)),
            10 => self.out.events.push(RefEvent::Pong(payload)),
            8 => return self.close(&payload),
            _ if header.fin => {
                let message = self.out.partial.take().expect("a data frame belongs to a message");
                if message.text
                    && !message.compressed
                    && std::str::from_utf8(&message.payload).is_err()
                {
                    // Stopped inside a code point (anything else failed on its byte).
                    self.out.partial = Some(message);
                    return self.fail(1007);
                }
                self.out.events.push(RefEvent::Message {
                    text: message.text,
                    compressed: message.compressed,
                    payload: message.payload,
                    start: message.start,
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Rule 8; a valid Close ends the stream.
    fn close(&mut self, payload: &[u8]) -> Result<(), Stop> {
        match payload {
            [] => self.out.events.push(RefEvent::Close(None, Vec::new())),
            [_] => return self.fail(1002),
            [hi, lo, reason @ ..] => {
                let code = u16::from(*hi) << 8 | u16::from(*lo);
                let valid = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
                if !valid {
                    return self.fail(1002);
                }
                if std::str::from_utf8(reason).is_err() {
                    return self.fail(1007);
                }
                self.out.events.push(RefEvent::Close(Some(code), reason.to_vec()));
            }
        }
        Err(Stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Settings {
        Settings {
            server: false,
            deflate: false,
            max_frame_len: 100,
            max_message_len: 150,
            strict_length: true,
        }
    }

    fn server() -> Settings {
        Settings { server: true, ..client() }
    }

    #[test]
    fn rfc_examples() {
        // RFC 6455 §5.7.
        let d = decode(&client(), &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        assert_eq!(
            d.events,
            [RefEvent::Message {
                text: true,
                compressed: false,
                payload: b"Hello".to_vec(),
                start: 0
            }]
        );
        let d =
            decode(&server(), &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
        assert_eq!(
            d.events,
            [RefEvent::Message {
                text: true,
                compressed: false,
                payload: b"Hello".to_vec(),
                start: 0
            }]
        );
        let d =
            decode(&client(), &[0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x00, 0x80, 0x02, 0x6c, 0x6f]);
        assert_eq!(
            d.events,
            [
                RefEvent::Ping(vec![]),
                RefEvent::Message {
                    text: true,
                    compressed: false,
                    payload: b"Hello".to_vec(),
                    start: 0
                }
            ]
        );
        let d = decode(&client(), &[0x8a, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        assert_eq!(d.events, [RefEvent::Pong(b"Hello".to_vec())]);
        // Nothing after a Close.
        let d = decode(&client(), &[0x88, 0x02, 0x03, 0xe8, 0x81, 0x00]);
        assert_eq!(d.events, [RefEvent::Close(Some(1000), vec![])]);
    }

    #[test]
    fn failures() {
        let fail = |s: Settings, bytes: &[u8]| decode(&s, bytes).events.last().cloned();
        assert_eq!(fail(client(), &[0x83]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0xC1]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x09]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x81, 0x80]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(server(), &[0x81, 0x00]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x89, 0x7E]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x82, 0x7F, 0x80]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x82, 0x7E, 0x00, 0x7D]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x82, 0x65]), Some(RefEvent::Fail(1009)));
        assert_eq!(fail(client(), &[0x80, 0x00]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x01, 0x00, 0x02]), None);
        assert_eq!(fail(client(), &[0x01, 0x00, 0x02, 0x00]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x02, 0x64]), None);
        assert_eq!(fail(client(), &[0x01, 0x01, 0xFF]), Some(RefEvent::Fail(1007)));
        assert_eq!(fail(client(), &[0x81, 0x01, 0xE2]), Some(RefEvent::Fail(1007)));
        assert_eq!(fail(client(), &[0x01, 0x01, 0xE2]), None);
        assert_eq!(fail(client(), &[0x88, 0x01, 0x03]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x88, 0x02, 0x03, 0xED]), Some(RefEvent::Fail(1002)));
        assert_eq!(fail(client(), &[0x88, 0x03, 0x03, 0xE8, 0xFF]), Some(RefEvent::Fail(1007)));
    }
}
