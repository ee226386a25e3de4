//! Receiving whole messages: pieces gathered into a [`MessageStore`] while unmasking.

use super::read_buffer::Kept;
use super::whole_message::{Peeked, WholeMessage};
use super::{Connection, ConnectionError, Event, Step};
use crate::message::{DataChunk, MessageKind, MessageStore};

/// What [`Connection::find_message`] found, borrowing nothing.
#[derive(Debug)]
pub(super) enum Found {
    /// A whole message in one frame at the start of the input.
    Whole(WholeMessage),
    /// The same, for a kept text frame whose first bytes were unmasked and checked.
    Kept(WholeMessage),
    /// A whole message, gathered in the store.
    Stored,
    /// A control frame (`Event::Ping`, `Pong` or `Close`).
    Control(Event<'static>),
}

impl Connection {
    /// Finds the next whole message (or control frame) in `input` for a
    /// [`MessageReader`](super::MessageReader), and returns what it found with the
    /// length of the input it did not take.
    ///
    /// A message that lies whole at the start of `input` is found where it is and not
    /// taken yet ([`Found::Whole`]): the reader delivers it in place. So is a message in
    /// one frame of at most `kept.up_to` bytes that `input` holds only the start of:
    /// nothing is found and none of it taken (its text is checked so far, see
    /// [`Kept`]), and once a later read completes it, it is found as [`Found::Kept`].
    /// The pieces of any other message are gathered in `messages`, unmasked while they
    /// are copied and checked as text as they go ([`Found::Stored`]).
    #[inline(always)]
    pub(super) fn find_message<B: MessageStore>(
        &mut self,
        input: &mut [u8],
        kept: &mut Kept,
        messages: &mut B,
    ) -> Result<(Option<Found>, usize), ConnectionError> {
        messages.settle();
        // Whatever takes bytes ends the kept frame: the next one starts unchecked.
        match self.peek_message::<true>(input) {
            Peeked::Whole(whole) if kept.has_checked() => {
                return Ok((Some(Found::Kept(whole)), input.len()));
            }
            Peeked::Whole(whole) => return Ok((Some(Found::Whole(whole)), input.len())),
            Peeked::Short { need, header } if need <= kept.up_to => {
                if let Some(header) = header {
                    kept.check_text(&header, &mut input[..]).map_err(|e| self.fail(e.into()))?;
                }
                return Ok((None, input.len()));
            }
            Peeked::Short { .. } | Peeked::Other => kept.reset(),
        }
        let (event, rest) = self.gather(input, messages)?;
        let found = event.map(|event| match event {
            Event::Ping(payload) => Found::Control(Event::Ping(payload)),
            Event::Pong(payload) => Found::Control(Event::Pong(payload)),
            Event::Close(frame) => Found::Control(Event::Close(frame)),
            Event::Data(_) | Event::Inflated { .. } => Found::Stored,
        });
        Ok((found, rest.len()))
    }

    fn gather<'e, 'i: 'e, 'b: 'e, B: MessageStore>(
        &mut self,
        input: &'i mut [u8],
        messages: &'b mut B,
    ) -> Result<(Option<Event<'e>>, &'i mut [u8]), ConnectionError> {
        if !self.takes_input() {
            let len = input.len();
            return Ok((None, &mut input[len..]));
        }
        let mut rest = input;
        loop {
            let (step, r) = self.next_step(rest, false)?;
            rest = r;
            let (data, frame_end, mask) = match step {
                Step::NeedMore => return Ok((None, rest)),
                Step::Header => continue,
                // A piece of a compressed message, inflated by the connection.
                #[cfg(feature = "deflate")]
                Step::Inflated(chunk) => {
                    let Some((kind, is_first, is_last)) = chunk else { continue };
                    if is_first {
                        messages.begin(kind == MessageKind::Text);
                    }
                    let inflated = self.deflate.as_ref().map_or(&[][..], |d| d.output());
                    // The store checks text as it copies it (the assembler did too, as
                    // it was inflated: its verdict does not reach the store).
                    messages.append_unmasked(inflated, None).map_err(|e| self.fail(e.into()))?;
                    if is_last {
                        let message = finished(messages, kind).map_err(|e| self.fail(e))?;
                        return Ok((Some(Event::Data(message)), rest));
                    }
                    continue;
                }
                Step::Payload { data, frame_end, mask } => (data, frame_end, mask),
            };
            if self.control.is_some() {
                // Control payloads (at most 125 bytes) are unmasked in place and take
                // the usual path.
                if let Some((key, offset)) = mask {
                    key.apply(data, offset);
                }
                if let Some(ready) = self.on_payload(data, frame_end).map_err(|e| self.fail(e))? {
                    return Ok((Some(self.event(ready)), rest));
                }
                continue;
            }
            if self.assembler.at_message_start() {
                messages.begin(self.assembler.is_text());
            }
            // Text is checked by the store while it is copied.
            let appended = messages.append_unmasked(data, mask).map_err(|e| self.fail(e.into()))?;
            let piece = self
                .assembler
                .on_payload_fed(appended, frame_end)
                .map_err(|e| self.fail(e.into()))?;
            if let Some(kind) = piece.filter(DataChunk::is_last).map(|p| p.kind()) {
                let message = finished(messages, kind).map_err(|e| self.fail(e))?;
                return Ok((Some(Event::Data(message)), rest));
            }
        }
    }

    /// The payload bytes still to come in the data frame of the message being
    /// gathered, when its header and part of its payload were read: `None` otherwise
    /// (between frames, in a control frame, in a compressed message, after a close).
    /// [`MessageReader`](super::MessageReader) then reads straight into the store.
    pub(super) fn pending_payload(&self) -> Option<u64> {
        if !self.takes_input() || self.control.is_some() || self.is_inflating() {
            return None;
        }
        self.decoder.pending_payload()
    }

    /// Where to read the next pending payload bytes (see
    /// [`pending_payload`](Self::pending_payload)): room in `messages` for at most `max`
    /// bytes (at least one), never past the current frame, except that room reaching
    /// its end may have up to `tail` bytes more, for what follows it (the caller takes
    /// those back: [`commit_payload`](Self::commit_payload) never takes them). `None`
    /// when fewer than `min` (or no) payload bytes are pending. A `MessageBuffer` lends and reserves at most 64 KiB, or three times what
    /// the message gathered so far, ahead of the bytes that arrived (the frame's length
    /// was checked against the limits, but it is only the peer's word).
    ///
    /// # Errors
    /// [`ConnectionError`] (1009) when `messages` is a slice too small for the rest
    /// of the frame; the connection fails as it would on the data.
    pub(super) fn payload_room<'b, B: MessageStore>(
        &mut self,
        messages: &'b mut B,
        min: u64,
        max: usize,
        tail: usize,
    ) -> Result<Option<&'b mut [u8]>, ConnectionError> {
        let Some(pending) = self.pending_payload().filter(|&p| p >= min) else {
            return Ok(None);
        };
        messages.settle();
        if self.assembler.at_message_start() {
            messages.begin(self.assembler.is_text());
        }
        // At least one byte (the payload is pending), so a read into it makes progress.
        let len = match usize::try_from(pending) {
            Ok(p) if p <= max => p.saturating_add(tail),
            _ => max,
        };
        let len = len.max(1);
        match messages.room(len, pending) {
            Ok(room) => Ok(Some(room)),
            Err(e) => Err(self.fail(e.into())),
        }
    }

    /// Takes `len` bytes that were read into the room [`payload_room`](Self::payload_room)
    /// gave: unmasks them in place, checks them like any payload, and returns the whole
    /// message when they complete it. Bytes beyond that room are not taken (without a
    /// room, nothing is).
    ///
    /// # Errors
    /// As [`handle_read`](Self::handle_read).
    pub(super) fn commit_payload<'e, 'b: 'e, B: MessageStore>(
        &mut self,
        len: usize,
        messages: &'b mut B,
    ) -> Result<Option<Event<'e>>, ConnectionError> {
        let Some(pending) = self.pending_payload() else {
            return Ok(None);
        };
        let len = usize::try_from(pending).map_or(len, |p| p.min(len));
        let mask = self.decoder.payload_mask();
        // The store takes no more than the room it lent, and the frame advances by what
        // it took. It unmasks the bytes in place and checks text in the same pass.
        let data = messages.commit(len, mask).map_err(|e| self.fail(e.into()))?;
        let frame_end = self.decoder.skip_payload(data.len() as u64);
        if data.is_empty() && !frame_end {
            return Ok(None);
        }
        let piece = self.assembler.on_payload_fed(data, frame_end);
        let piece = piece.map_err(|e| self.fail(e.into()))?;
        match piece.filter(DataChunk::is_last).map(|p| p.kind()) {
            Some(kind) => {
                let message = finished(messages, kind).map_err(|e| self.fail(e))?;
                Ok(Some(Event::Data(message)))
            }
            None => Ok(None),
        }
    }
}

/// The whole message gathered in `messages`, ended as `kind`: as text without a second
/// check when the store checked all of it as text itself.
fn finished<B: MessageStore>(
    messages: &mut B,
    kind: MessageKind,
) -> Result<DataChunk<'_>, ConnectionError> {
    Ok(match messages.finish(kind)? {
        (_, Some(text)) => DataChunk::text(text, true, true),
        (bytes, None) => DataChunk::new(kind, bytes, true, true),
    })
}
