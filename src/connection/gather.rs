//! Receiving whole messages: pieces gathered into a [`MessageStore`] while unmasking.

use super::read_buffer::Kept;
use super::whole_message::Peeked;
use super::{Connection, ConnectionError, Event, Step};
use crate::message::{DataChunk, MessageKind, MessageStore};

impl Connection {
    /// Like [`handle_read`](Self::handle_read), but every [`Event::Data`] is a whole
    /// message: a message that lies whole in `input` is delivered in place (zero copy),
    /// and the pieces of any other are gathered in `messages` (a
    /// `MessageBuffer` with `alloc`, or a
    /// [`SliceMessageBuffer`](crate::message::SliceMessageBuffer)). Gathering unmasks while
    /// it copies, so each byte is read once, and checks text as it goes, so the
    /// delivered message is known to be valid UTF-8.
    ///
    /// Use one `messages` per connection and do not mix this with `handle_read` in the
    /// middle of a message. A message gathered in `messages` stays there until the next
    /// call, which empties it (a `MessageBuffer` also
    /// shrinks back to its retained capacity then, after a larger message). To free the
    /// memory of an idle connection, call
    /// `MessageBuffer::release`.
    ///
    /// Reads of about 16 KiB suit it best: the bytes are still in the L1 cache when
    /// they are unmasked and checked. With a [`ReadBuffer`](super::ReadBuffer) and
    /// [`read_message`](Self::read_message), a message that a read cuts short is kept
    /// in the read buffer until it is whole instead of being gathered.
    ///
    /// ```
    /// use rfc6455::message::SliceMessageBuffer;
    /// use rfc6455::{Config, Connection, Event};
    /// let mut client = Connection::client(Config::default(), [7; 16]);
    /// let mut storage = [0u8; 64]; // or a `MessageBuffer` with `alloc`
    /// let mut messages = SliceMessageBuffer::new(&mut storage);
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
        self.read_message_keeping(input, None, messages)
    }

    /// [`handle_read_message`](Self::handle_read_message), but with `kept`, a message
    /// in one frame of at most `kept.up_to` bytes that `input` holds only the start of
    /// is not taken: it is returned as the rest, with no event (its text checked so
    /// far, see [`Kept`]).
    #[inline(always)]
    pub(super) fn read_message_keeping<'e, 's: 'e, 'i: 'e, 'b: 'e, B: MessageStore>(
        &'s mut self,
        input: &'i mut [u8],
        kept: Option<&mut Kept>,
        messages: &'b mut B,
    ) -> Result<(Option<Event<'e>>, &'i mut [u8]), ConnectionError> {
        messages.settle();
        let Some(kept) = kept else {
            if let Some(whole) = self.peek_whole_message(input) {
                return self.deliver_whole_message(whole, input);
            }
            return self.gather(input, messages);
        };
        // Whatever takes bytes ends the kept frame: the next one starts unchecked.
        match self.peek_message::<true>(input) {
            Peeked::Whole(whole) if kept.has_checked() => {
                let delivered = self.deliver_kept_message(whole, input, kept);
                kept.reset();
                return delivered;
            }
            Peeked::Whole(whole) => return self.deliver_whole_message(whole, input),
            Peeked::Short { need, header } if need <= kept.up_to => {
                if let Some(header) = header {
                    kept.check_text(&header, &mut input[..]).map_err(|e| self.fail(e.into()))?;
                }
                return Ok((None, input));
            }
            Peeked::Short { .. } | Peeked::Other => kept.reset(),
        }
        self.gather(input, messages)
    }

    /// [`handle_read_message`](Self::handle_read_message), but every message is
    /// gathered in `messages`, even one that lies whole in `input` (for a caller that
    /// hands out messages borrowing only the store, as the blocking adapter does): one
    /// pass copies, unmasks and checks it.
    #[cfg(feature = "std")]
    pub(crate) fn handle_read_gathered<'e, 's: 'e, 'i: 'e, 'b: 'e, B: MessageStore>(
        &'s mut self,
        input: &'i mut [u8],
        messages: &'b mut B,
    ) -> Result<(Option<Event<'e>>, &'i mut [u8]), ConnectionError> {
        messages.settle();
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
    ///
    /// A large message mostly arrives as such pending payload. Instead of reading it
    /// into the read buffer and letting [`handle_read_message`](Self::handle_read_message)
    /// copy it into the store, read it straight into the store: ask
    /// [`payload_room`](Self::payload_room) for where to read, read, and report how many
    /// bytes arrived with [`commit_payload`](Self::commit_payload), which unmasks them in
    /// place. That saves the copy for every byte read this way.
    ///
    /// ```
    /// use rfc6455::message::SliceMessageBuffer;
    /// use rfc6455::{Config, Connection, Event};
    /// // A masked 100 000-byte binary message, arriving in reads of at most 4096 bytes.
    /// let mut wire = vec![0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0x86, 0xA0, 1, 2, 3, 4];
    /// wire.extend((0..100_000u32).map(|i| (i % 251) as u8 ^ [1, 2, 3, 4][i as usize % 4]));
    /// let mut socket = &wire[..];
    /// let mut read = |buf: &mut [u8]| {
    ///     let n = buf.len().min(4096).min(socket.len());
    ///     buf[..n].copy_from_slice(&socket[..n]);
    ///     socket = &socket[n..];
    ///     n
    /// };
    ///
    /// let mut server = Connection::server(Config::default());
    /// let mut storage = vec![0u8; 100_000]; // or a `MessageBuffer` with `alloc`
    /// let mut messages = SliceMessageBuffer::new(&mut storage);
    /// let mut read_buf = [0u8; 4096];
    /// let mut received = None;
    /// while received.is_none() {
    ///     if server.pending_payload().is_some() {
    ///         let room = server.payload_room(&mut messages, 4096).unwrap().expect("pending");
    ///         let n = read(room);
    ///         if let Some(Event::Data(m)) = server.commit_payload(n, &mut messages).unwrap() {
    ///             received = Some(m.payload().to_vec());
    ///         }
    ///         continue;
    ///     }
    ///     let n = read(&mut read_buf);
    ///     let mut input = &mut read_buf[..n];
    ///     while !input.is_empty() {
    ///         let (event, rest) = server.handle_read_message(input, &mut messages).unwrap();
    ///         input = rest;
    ///         if let Some(Event::Data(m)) = event {
    ///             received = Some(m.payload().to_vec());
    ///         }
    ///     }
    /// }
    /// let expected: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    /// assert_eq!(received, Some(expected));
    /// ```
    pub fn pending_payload(&self) -> Option<u64> {
        if self.close_received.is_some()
            || self.failure.is_some()
            || self.transport_closed
            || self.control.is_some()
            || self.is_inflating()
        {
            return None;
        }
        self.decoder.pending_payload()
    }

    /// Where to read the next pending payload bytes (see
    /// [`pending_payload`](Self::pending_payload)): room in `messages` for at most `max`
    /// bytes (at least one), never past the current frame. `None` when no payload is
    /// pending. A `MessageBuffer` reserves capacity for
    /// the rest of the frame at once (its length is within the limits the header was
    /// checked against); memory is touched only as bytes arrive.
    ///
    /// # Errors
    /// [`ConnectionError`] (1009) when `messages` is a slice too small for the rest
    /// of the frame; the connection fails as it would on the data.
    pub fn payload_room<'b, B: MessageStore>(
        &mut self,
        messages: &'b mut B,
        max: usize,
    ) -> Result<Option<&'b mut [u8]>, ConnectionError> {
        let Some(pending) = self.pending_payload() else {
            return Ok(None);
        };
        messages.settle();
        if self.assembler.at_message_start() {
            messages.begin(self.assembler.is_text());
        }
        // At least one byte (the payload is pending), so a read into it makes progress.
        let len = usize::try_from(pending).map_or(max, |p| p.min(max)).max(1);
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
    pub fn commit_payload<'e, 's: 'e, 'b: 'e, B: MessageStore>(
        &'s mut self,
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
