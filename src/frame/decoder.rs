//! The streaming frame decoder: headers and payload pieces from a byte stream of any split.

use super::{FrameError, FrameHeader, HeaderRules, MaskKey, MAX_HEADER_LEN};

/// One step of [`FrameDecoder::decode`].
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// Every input byte was consumed and more are needed (a partial header is kept
    /// inside the decoder, so the caller never has to keep bytes around).
    NeedMore,
    /// A complete, validated header. Its payload follows as one or more `Payload`
    /// steps (exactly one, empty, for a zero-length frame).
    Header(FrameHeader),
    /// Payload bytes of the current frame, unmasked in place in the caller's buffer.
    Payload {
        /// The unmasked bytes.
        data: &'a mut [u8],
        /// `true` when these are the last bytes of the frame's payload.
        frame_end: bool,
    },
}

/// The result of [`FrameDecoder::decode_whole`].
#[derive(Debug, PartialEq, Eq)]
pub enum Whole<'a> {
    /// A whole frame: its header, its unmasked payload, and the input after it.
    Frame(FrameHeader, &'a mut [u8], &'a mut [u8]),
    /// The frame is not whole in the input, which is handed back untouched.
    Partial(&'a mut [u8]),
}

#[derive(Clone, Copy, Debug)]
enum State {
    Header { buf: [u8; MAX_HEADER_LEN], len: u8 },
    Payload { header: FrameHeader, remaining: u64, offset: u64 },
}

const EMPTY_HEADER: State = State::Header { buf: [0; MAX_HEADER_LEN], len: 0 };

/// A streaming frame decoder over caller buffers: no allocation, no copies of payload.
///
/// Feed it any piece of the byte stream; it returns a [`Decoded`] step and the unused
/// rest of the input. Header bytes split across reads are kept internally (at most 14);
/// payload bytes are unmasked in place and handed back as borrowed slices, so a frame
/// of any size passes through a buffer of any size. Limits are checked on the header,
/// before a single payload byte is accepted.
///
/// ```
/// use rfc6455::frame::{Decoded, FrameDecoder, HeaderRules, OpCode};
/// use rfc6455::Role;
/// // A masked "Hello" (RFC 6455 §5.7) arriving at a server in two reads.
/// let mut dec = FrameDecoder::new(HeaderRules::for_receiver(Role::Server), 1 << 20);
/// let mut first = [0x81, 0x85, 0x37, 0xfa];
/// let (step, rest) = dec.decode(&mut first).unwrap();
/// assert_eq!((step, rest.len()), (Decoded::NeedMore, 0));
/// let mut second = [0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
/// let (step, rest) = dec.decode(&mut second).unwrap();
/// assert!(matches!(step, Decoded::Header(h) if h.opcode == OpCode::Text));
/// let (step, _) = dec.decode(rest).unwrap();
/// assert_eq!(step, Decoded::Payload { data: &mut *b"Hello".to_owned().as_mut_slice(), frame_end: true });
/// ```
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    rules: HeaderRules,
    max_payload: u64,
    state: State,
}

impl FrameDecoder {
    /// A decoder that applies `rules` and refuses payloads over `max_payload` bytes.
    pub const fn new(rules: HeaderRules, max_payload: u64) -> Self {
        Self { rules, max_payload, state: EMPTY_HEADER }
    }

    /// The header rules in force.
    pub const fn rules(&self) -> &HeaderRules {
        &self.rules
    }

    /// Replaces the header rules (for example once an extension defines RSV1).
    pub fn set_rules(&mut self, rules: HeaderRules) {
        self.rules = rules;
    }

    /// Returns `true` between frames: no header byte or payload byte is pending.
    pub const fn is_between_frames(&self) -> bool {
        matches!(self.state, State::Header { len: 0, .. })
    }

    /// The fast path for a frame that lies whole in `input` while the decoder is between
    /// frames: decodes and checks its header, unmasks its payload in place, and returns
    /// [`Whole::Frame`] without touching the decoder's state. [`Whole::Partial`] hands
    /// the input back when the frame is not whole in it (use [`decode`](Self::decode)
    /// then); errors are those `decode` would report for the same bytes.
    ///
    /// # Errors
    /// As [`decode`](Self::decode).
    #[inline]
    pub fn decode_whole<'a>(&mut self, input: &'a mut [u8]) -> Result<Whole<'a>, FrameError> {
        let mut whole = self.decode_whole_masked(input)?;
        if let Whole::Frame(FrameHeader { mask: Some(mask), .. }, payload, _) = &mut whole {
            mask.apply(payload, 0);
        }
        Ok(whole)
    }

    /// [`decode_whole`](Self::decode_whole) without unmasking: the payload is returned
    /// as received, for a caller that unmasks while it copies.
    #[inline]
    pub(crate) fn decode_whole_masked<'a>(
        &mut self,
        input: &'a mut [u8],
    ) -> Result<Whole<'a>, FrameError> {
        if !self.is_between_frames() {
            return Ok(Whole::Partial(input));
        }
        let Some((header, used)) = FrameHeader::decode(input, &self.rules)? else {
            return Ok(Whole::Partial(input));
        };
        let limit = self.max_payload.min(usize::MAX as u64);
        if header.payload_len > limit {
            return Err(FrameError::FrameTooLarge { len: header.payload_len, limit });
        }
        // `payload_len <= usize::MAX` was just checked.
        let end = used.saturating_add(header.payload_len as usize);
        if end > input.len() {
            return Ok(Whole::Partial(input));
        }
        let (frame, rest) = input.split_at_mut(end);
        Ok(Whole::Frame(header, &mut frame[used..], rest))
    }

    /// The payload bytes of the current frame still to come; `None` between frames.
    pub(crate) const fn pending_payload(&self) -> Option<u64> {
        match self.state {
            State::Payload { remaining, .. } if remaining > 0 => Some(remaining),
            _ => None,
        }
    }

    /// The payload bytes of the current frame still to come: like
    /// [`pending_payload`](Self::pending_payload), but `Some(0)` for an empty frame whose
    /// header was decoded and whose (empty) payload step is still due.
    #[cfg(feature = "deflate")]
    pub(crate) const fn payload_remaining(&self) -> Option<u64> {
        match self.state {
            State::Payload { remaining, .. } => Some(remaining),
            State::Header { .. } => None,
        }
    }

    /// Counts `len` payload bytes of the current frame that the caller received by
    /// other means (at most [`pending_payload`](Self::pending_payload)); returns `true`
    /// when they end the frame.
    pub(crate) fn skip_payload(&mut self, len: u64) -> bool {
        let State::Payload { header, remaining, offset } = self.state else {
            return false;
        };
        let remaining = remaining.saturating_sub(len);
        self.state = if remaining == 0 {
            EMPTY_HEADER
        } else {
            State::Payload { header, remaining, offset: offset + len }
        };
        remaining == 0
    }

    /// The masking key of the frame whose payload is being decoded and the payload
    /// offset of the next byte; `None` between payloads or for unmasked frames.
    pub(crate) const fn payload_mask(&self) -> Option<(MaskKey, u64)> {
        match self.state {
            State::Payload { header: FrameHeader { mask: Some(key), .. }, offset, .. } => {
                Some((key, offset))
            }
            _ => None,
        }
    }

    /// Decodes the next step from `input`, returning it with the unconsumed rest.
    ///
    /// # Errors
    /// A [`FrameError`] when the header breaks RFC 6455 §5 or the payload limit. The
    /// decoder is then in an unspecified state and should not be fed again.
    pub fn decode<'a>(
        &mut self,
        input: &'a mut [u8],
    ) -> Result<(Decoded<'a>, &'a mut [u8]), FrameError> {
        let mask = self.payload_mask();
        let (mut step, rest) = self.decode_masked(input)?;
        if let (Decoded::Payload { data, .. }, Some((key, offset))) = (&mut step, mask) {
            key.apply(data, offset);
        }
        Ok((step, rest))
    }

    /// [`decode`](Self::decode) without unmasking payload bytes (see
    /// [`payload_mask`](Self::payload_mask), read before the call).
    pub(crate) fn decode_masked<'a>(
        &mut self,
        input: &'a mut [u8],
    ) -> Result<(Decoded<'a>, &'a mut [u8]), FrameError> {
        match self.state {
            State::Header { buf, len } => self.decode_header(buf, usize::from(len), input),
            State::Payload { header, remaining, offset } => {
                let take = usize::try_from(remaining).map_or(input.len(), |r| r.min(input.len()));
                if take == 0 && remaining != 0 {
                    return Ok((Decoded::NeedMore, input));
                }
                let (data, rest) = input.split_at_mut(take);
                let remaining = remaining - take as u64;
                self.state = if remaining == 0 {
                    EMPTY_HEADER
                } else {
                    State::Payload { header, remaining, offset: offset + take as u64 }
                };
                Ok((Decoded::Payload { data, frame_end: remaining == 0 }, rest))
            }
        }
    }

    fn decode_header<'a>(
        &mut self,
        mut buf: [u8; MAX_HEADER_LEN],
        have: usize,
        input: &'a mut [u8],
    ) -> Result<(Decoded<'a>, &'a mut [u8]), FrameError> {
        let decoded = if have == 0 {
            FrameHeader::decode(input, &self.rules)?
        } else {
            let take = (MAX_HEADER_LEN - have).min(input.len());
            buf[have..have + take].copy_from_slice(&input[..take]);
            match FrameHeader::decode(&buf[..have + take], &self.rules)? {
                Some((h, n)) => Some((h, n - have)),
                None => {
                    // An incomplete header never reaches 14 bytes, so `have + take`
                    // fits in the buffer and all of the input was taken.
                    self.state = State::Header { buf, len: (have + take) as u8 };
                    return Ok((Decoded::NeedMore, &mut input[take..]));
                }
            }
        };
        let Some((header, used)) = decoded else {
            let len = input.len();
            buf[..len].copy_from_slice(input);
            self.state = State::Header { buf, len: len as u8 };
            return Ok((Decoded::NeedMore, &mut input[len..]));
        };
        let limit = self.max_payload.min(usize::MAX as u64);
        if header.payload_len > limit {
            return Err(FrameError::FrameTooLarge { len: header.payload_len, limit });
        }
        self.state = State::Payload { header, remaining: header.payload_len, offset: 0 };
        Ok((Decoded::Header(header), &mut input[used..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{MaskKey, OpCode};
    use crate::Role;
    use proptest::prelude::*;
    use std::prelude::rust_2021::*;

    fn masked_frame(opcode: OpCode, fin: bool, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
        let h = FrameHeader {
            fin,
            rsv: 0,
            opcode,
            mask: Some(MaskKey(key)),
            payload_len: payload.len() as u64,
        };
        let mut hdr = [0u8; MAX_HEADER_LEN];
        let n = h.encode(&mut hdr);
        let mut out = hdr[..n].to_vec();
        let start = out.len();
        out.extend_from_slice(payload);
        MaskKey(key).apply(&mut out[start..], 0);
        out
    }

    /// Runs the decoder over `stream` cut at `cuts`; returns headers and payload bytes.
    fn run(stream: &[u8], cuts: &[usize]) -> Result<Vec<(FrameHeader, Vec<u8>)>, FrameError> {
        let mut dec = FrameDecoder::new(HeaderRules::for_receiver(Role::Server), 1 << 20);
        let mut frames: Vec<(FrameHeader, Vec<u8>)> = Vec::new();
        let mut owned = stream.to_vec();
        let mut bounds = cuts.to_vec();
        bounds.push(0);
        bounds.push(owned.len());
        bounds.sort_unstable();
        let mut last = 0;
        for &b in &bounds[1..] {
            let mut rest: &mut [u8] = &mut owned[last..b];
            last = b;
            loop {
                let (step, r) = dec.decode(rest)?;
                rest = r;
                match step {
                    Decoded::NeedMore => break,
                    Decoded::Header(h) => frames.push((h, Vec::new())),
                    Decoded::Payload { data, .. } => {
                        frames.last_mut().unwrap().1.extend_from_slice(data)
                    }
                }
            }
            assert!(rest.is_empty());
        }
        Ok(frames)
    }

    #[test]
    fn oversized_frame_is_refused_before_payload() {
        let mut dec = FrameDecoder::new(HeaderRules::for_receiver(Role::Client), 1000);
        let mut wire = [0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        assert_eq!(
            dec.decode(&mut wire).unwrap_err(),
            FrameError::FrameTooLarge { len: (1 << 63) - 1, limit: 1000 }
        );
    }

    #[test]
    fn zero_length_frame_yields_one_empty_payload() {
        let mut dec = FrameDecoder::new(HeaderRules::for_receiver(Role::Client), 10);
        let mut wire = [0x81, 0x00, 0x89, 0x00];
        let (step, rest) = dec.decode(&mut wire).unwrap();
        assert!(matches!(step, Decoded::Header(_)));
        let (step, rest) = dec.decode(rest).unwrap();
        assert_eq!(step, Decoded::Payload { data: &mut [], frame_end: true });
        assert!(dec.is_between_frames());
        let (step, _) = dec.decode(rest).unwrap();
        assert!(matches!(step, Decoded::Header(h) if h.opcode == OpCode::Ping));
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_frames(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..5),
            key in any::<[u8; 4]>(),
            cuts in proptest::collection::vec(0usize..1500, 0..12),
        ) {
            let mut stream = Vec::new();
            for p in &payloads {
                stream.extend(masked_frame(OpCode::Binary, true, p, key));
            }
            let cuts: Vec<usize> = cuts.into_iter().map(|c| c % (stream.len() + 1)).collect();
            let frames = run(&stream, &cuts).unwrap();
            prop_assert_eq!(frames.len(), payloads.len());
            for ((h, got), want) in frames.iter().zip(&payloads) {
                prop_assert_eq!(h.payload_len, want.len() as u64);
                prop_assert_eq!(got, want);
            }
            let bytewise: Vec<usize> = (0..stream.len()).collect();
            prop_assert_eq!(run(&stream, &bytewise).unwrap(), frames);
        }
    }
}
