//! Receiving whole messages: pieces gathered into a [`MessageStore`] while unmasking.

#[cfg(feature = "deflate")]
use super::Ready;
use super::{Connection, ConnectionError, Event, Step};
use crate::message::{DataChunk, MessageStore};

impl Connection {
    /// Like [`handle_read`](Self::handle_read), but every [`Event::Data`] is a whole
    /// message: a message that lies whole in `input` is delivered in place (zero copy),
    /// and the pieces of any other are gathered in `messages` (a
    /// [`MessageBuffer`](crate::message::MessageBuffer) with `alloc`, or a
    /// [`SliceMessageBuffer`](crate::message::SliceMessageBuffer)). Gathering unmasks while
    /// it copies, so each byte is read once, and checks text as it goes, so the
    /// delivered message is known to be valid UTF-8.
    ///
    /// Use one `messages` per connection and do not mix this with `handle_read` in the
    /// middle of a message. A message gathered in `messages` stays there until the next
    /// call, which empties it (a [`MessageBuffer`](crate::message::MessageBuffer) also
    /// shrinks back to its retained capacity then, after a larger message). To free the
    /// memory of an idle connection, call
    /// [`MessageBuffer::release`](crate::message::MessageBuffer::release).
    ///
    /// ```
    /// use rfc6455::message::MessageBuffer;
    /// use rfc6455::{Config, Connection, Event};
    /// let mut client = Connection::client(Config::default(), [7; 16]);
    /// let mut messages = MessageBuffer::new();
    /// // "Hel" then "lo" (RFC 6455 §5.7), arriving in two reads that split a frame.
    /// let wire = [0x01, 0x03, b'H', b'e', b'l', 0x80, 0x02, b'l', b'o'];
    /// let (mut first, mut second) = (wire[..4].to_vec(), wire[4..].to_vec());
    /// let (event, rest) = client.handle_read_message(&mut first, &mut messages).unwrap();
    /// assert!(event.is_none() && rest.is_empty());
    /// let (event, _) = client.handle_read_message(&mut second, &mut messages).unwrap();
    /// let Some(Event::Data(message)) = event else { panic!("expected a message") };
    /// assert_eq!(message.as_whole_text(), Some("Hello"));
    /// ```
    ///
    /// # Errors
    /// As [`handle_read`](Self::handle_read).
    #[inline(always)]
    pub fn handle_read_message<'e, 's: 'e, 'i: 'e, 'b: 'e, B: MessageStore>(
        &'s mut self,
        input: &'i mut [u8],
        messages: &'b mut B,
    ) -> Result<(Option<Event<'e>>, &'i mut [u8]), ConnectionError> {
        messages.settle();
        if let Some(whole) = self.peek_whole_message(input) {
            return self.deliver_whole_message(whole, input);
        }
        self.gather(input, messages)
    }

    fn gather<'e, 's: 'e, 'i: 'e, 'b: 'e, B: MessageStore>(
        &'s mut self,
        input: &'i mut [u8],
        messages: &'b mut B,
    ) -> Result<(Option<Event<'e>>, &'i mut [u8]), ConnectionError> {
        if self.close_received.is_some() || self.failure.is_some() || self.transport_closed {
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
                Step::Payload { data, frame_end, mask } => (data, frame_end, mask),
            };
            if self.control.is_some() || self.is_inflating() {
                // Control payloads (at most 125 bytes) and compressed data are unmasked
                // in place and take the usual path.
                if let Some((key, offset)) = mask {
                    key.apply(data, offset);
                }
                match self.on_payload(data, frame_end).map_err(|e| self.fail(e))? {
                    None => {}
                    #[cfg(feature = "deflate")]
                    Some(Ready::Inflated(kind, is_first, is_last)) => {
                        if is_first {
                            messages.begin();
                        }
                        let inflated = self.deflate.as_ref().map_or(&[][..], |d| d.output());
                        messages
                            .append_unmasked(inflated, None)
                            .map_err(|e| self.fail(e.into()))?;
                        if is_last {
                            let message = DataChunk::new(kind, messages.finish(kind), true, true);
                            return Ok((Some(Event::Data(message)), rest));
                        }
                    }
                    Some(ready) => return Ok((Some(self.event(ready)), rest)),
                }
                continue;
            }
            if self.assembler.at_message_start() {
                messages.begin();
            }
            let appended = messages.append_unmasked(data, mask).map_err(|e| self.fail(e.into()))?;
            let piece =
                self.assembler.on_payload(appended, frame_end).map_err(|e| self.fail(e.into()))?;
            if let Some(piece) = piece.filter(DataChunk::is_last) {
                let kind = piece.kind();
                let message = DataChunk::new(kind, messages.finish(kind), true, true);
                return Ok((Some(Event::Data(message)), rest));
            }
        }
    }
}
