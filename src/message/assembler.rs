//! Message reassembly: fragment sequencing, size limit, fail-fast UTF-8 (RFC 6455 §5.4, §5.6).

use super::{DataChunk, MessageError, MessageKind};
use crate::accel::Utf8Stream;
use crate::frame::{FrameHeader, OpCode};

/// Turns the data frames of one connection into message chunks.
///
/// It checks that fragments follow each other as RFC 6455 §5.4 requires, that a
/// message stays under the size limit (on each frame header, before any payload byte is
/// accepted), and that text is valid UTF-8, failing on the byte that proves it. It never
/// buffers payload: chunks borrow the caller's bytes. Control frames do not pass through
/// here; they may arrive between fragments without disturbing it.
///
/// The first error fails the assembler for good: every later call returns the same
/// error (the connection fails on it; a stack of its own starts a new assembler).
#[derive(Clone, Debug)]
pub struct Assembler {
    max_message_len: u64,
    kind: Option<MessageKind>,
    frame_fin: bool,
    len: u64,
    delivered: bool,
    utf8: Utf8Stream,
    failed: Option<MessageError>,
}

impl Assembler {
    /// An assembler refusing messages longer than `max_message_len` bytes.
    pub const fn new(max_message_len: u64) -> Self {
        Self {
            max_message_len,
            kind: None,
            frame_fin: false,
            len: 0,
            delivered: false,
            utf8: Utf8Stream::new(),
            failed: None,
        }
    }

    /// Remembers `error`, which every later call returns.
    fn fail(&mut self, error: MessageError) -> MessageError {
        *self.failed.get_or_insert(error)
    }

    /// Returns the kind of the message in progress, if any.
    pub const fn message_in_progress(&self) -> Option<MessageKind> {
        self.kind
    }

    /// Returns `true` until a piece of the current message was delivered.
    pub(crate) const fn at_message_start(&self) -> bool {
        !self.delivered
    }

    /// Returns `true` while the current data frame is the last of its message (FIN set).
    pub const fn is_final_frame(&self) -> bool {
        self.frame_fin
    }

    /// Accepts the header of a data frame (text, binary or continuation).
    ///
    /// # Errors
    /// [`MessageError::ContinuationWithoutStart`], [`MessageError::MessageInProgress`]
    /// or [`MessageError::MessageTooBig`].
    /// (and after any error, that error again).
    pub fn on_header(&mut self, header: &FrameHeader) -> Result<(), MessageError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        let kind = match (header.opcode, self.kind) {
            (OpCode::Continuation, Some(kind)) => kind,
            (OpCode::Continuation, None) => {
                return Err(self.fail(MessageError::ContinuationWithoutStart))
            }
            (_, Some(_)) => return Err(self.fail(MessageError::MessageInProgress)),
            (OpCode::Text, None) => {
                self.utf8.reset();
                MessageKind::Text
            }
            (_, None) => MessageKind::Binary,
        };
        let len = self.len.saturating_add(header.payload_len);
        if len > self.max_message_len {
            let limit = self.max_message_len;
            return Err(self.fail(MessageError::MessageTooBig { len, limit }));
        }
        self.kind = Some(kind);
        self.len = len;
        self.frame_fin = header.fin;
        Ok(())
    }

    /// Accepts unmasked payload bytes of the current data frame; `frame_end` marks the
    /// last bytes of the frame. Returns the chunk to deliver, or `None` for an empty
    /// piece that neither starts nor ends the message.
    ///
    /// # Errors
    /// [`MessageError::InvalidUtf8`] for text that cannot be valid UTF-8 (and after any
    /// error, that error again).
    pub fn on_payload<'a>(
        &mut self,
        data: &'a [u8],
        frame_end: bool,
    ) -> Result<Option<DataChunk<'a>>, MessageError> {
        self.accept(data, frame_end, true)
    }

    /// Returns `true` while a text message is in progress.
    pub(crate) fn is_text(&self) -> bool {
        self.kind == Some(MessageKind::Text)
    }

    /// [`on_payload`](Self::on_payload) for bytes the caller validated itself (a
    /// message store checks the text it gathers).
    #[inline]
    pub(crate) fn on_payload_fed<'a>(
        &mut self,
        data: &'a [u8],
        frame_end: bool,
    ) -> Result<Option<DataChunk<'a>>, MessageError> {
        self.accept(data, frame_end, false)
    }

    fn accept<'a>(
        &mut self,
        data: &'a [u8],
        frame_end: bool,
        feed: bool,
    ) -> Result<Option<DataChunk<'a>>, MessageError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        // Only reachable after `on_header`; a stray call is treated as binary.
        let kind = self.kind.unwrap_or(MessageKind::Binary);
        let is_last = frame_end && self.frame_fin;
        let mut text = None;
        if kind == MessageKind::Text {
            if feed {
                text =
                    self.utf8.feed_str(data).map_err(|_| self.fail(MessageError::InvalidUtf8))?;
            }
            if is_last && self.utf8.finish().is_err() {
                return Err(self.fail(MessageError::InvalidUtf8));
            }
        }
        if data.is_empty() && !is_last {
            return Ok(None);
        }
        let is_first = !self.delivered;
        // Bytes the validator found valid on their own keep its verdict. (Fed
        // elsewhere, the chunk is not delivered: the store's message is.)
        let chunk = match text {
            Some(text) => DataChunk::text(text, is_first, is_last),
            None => DataChunk::new(kind, data, is_first, is_last),
        };
        if is_last {
            self.kind = None;
            self.len = 0;
            self.delivered = false;
        } else {
            self.delivered = true;
        }
        Ok(Some(chunk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(opcode: OpCode, fin: bool, len: u64) -> FrameHeader {
        FrameHeader { fin, ..FrameHeader::new(opcode, len) }
    }

    #[test]
    fn sequencing_rules() {
        let mut a = Assembler::new(100);
        assert_eq!(
            a.on_header(&header(OpCode::Continuation, true, 0)),
            Err(MessageError::ContinuationWithoutStart)
        );
        let mut a = Assembler::new(100);
        a.on_header(&header(OpCode::Text, false, 2)).unwrap();
        assert_eq!(
            a.on_header(&header(OpCode::Binary, true, 0)),
            Err(MessageError::MessageInProgress)
        );
    }

    #[test]
    fn size_limit_counts_all_fragments() {
        let mut a = Assembler::new(10);
        a.on_header(&header(OpCode::Binary, false, 6)).unwrap();
        a.on_payload(&[0; 6], true).unwrap();
        assert_eq!(
            a.on_header(&header(OpCode::Continuation, true, 5)),
            Err(MessageError::MessageTooBig { len: 11, limit: 10 })
        );
    }

    #[test]
    fn chunks_carry_first_and_last() {
        let mut a = Assembler::new(100);
        a.on_header(&header(OpCode::Text, false, 0)).unwrap();
        assert_eq!(a.on_payload(&[], true).unwrap(), None);
        a.on_header(&header(OpCode::Continuation, false, 3)).unwrap();
        let c = a.on_payload(b"abc", true).unwrap().unwrap();
        assert!(c.is_first() && !c.is_last());
        a.on_header(&header(OpCode::Continuation, true, 0)).unwrap();
        let c = a.on_payload(&[], true).unwrap().unwrap();
        assert!(!c.is_first() && c.is_last() && c.payload().is_empty());
        assert_eq!(a.message_in_progress(), None);
    }

    #[test]
    fn an_error_fails_every_later_call() {
        let mut a = Assembler::new(100);
        a.on_header(&header(OpCode::Text, true, 5)).unwrap();
        assert_eq!(a.on_payload(&[0xFF, b'A', 0xE2, 0x82], false), Err(MessageError::InvalidUtf8));
        // 80 would complete the E2 82 of the rejected piece.
        assert_eq!(a.on_payload(&[0x80], true), Err(MessageError::InvalidUtf8));
        assert_eq!(a.on_header(&header(OpCode::Binary, true, 1)), Err(MessageError::InvalidUtf8));
        let mut a = Assembler::new(1);
        assert!(a.on_header(&header(OpCode::Text, true, 2)).is_err());
        assert_eq!(
            a.on_header(&header(OpCode::Text, true, 0)),
            Err(MessageError::MessageTooBig { len: 2, limit: 1 })
        );
    }

    #[test]
    fn a_whole_text_chunk_carries_the_verdict_and_a_piece_does_not() {
        let mut a = Assembler::new(100);
        a.on_header(&header(OpCode::Text, true, 2)).unwrap();
        let c = a.on_payload("é".as_bytes(), true).unwrap().unwrap();
        assert_eq!(c.as_whole_text(), Some("é"));
        a.on_header(&header(OpCode::Text, true, 2)).unwrap();
        let c = a.on_payload(&"é".as_bytes()[..1], false).unwrap().unwrap();
        assert_eq!(c.as_whole_text(), None);
    }

    #[test]
    fn truncated_code_point_at_message_end_fails() {
        let mut a = Assembler::new(100);
        a.on_header(&header(OpCode::Text, false, 1)).unwrap();
        a.on_payload(&[0xE2], true).unwrap();
        a.on_header(&header(OpCode::Continuation, true, 1)).unwrap();
        assert_eq!(a.on_payload(&[0x82], true), Err(MessageError::InvalidUtf8));
    }
}
