//! A caller's read buffer that keeps the start of a message not yet whole, so that every
//! message that fits in it arrives whole and in place.

use super::gather::Found;
use super::whole_message::WholeMessage;
use super::{Connection, ConnectionError, Event};
use crate::message::{DataChunk, MessageError, MessageKind, MessageStore, Utf8Validator};

/// The alignment [`ReadBuffer::spare`] gives reads after kept bytes: a cache line.
const READ_ALIGN: usize = 64;

/// The read buffer of a [`MessageReader`](super::MessageReader): it keeps the bytes of a
/// message that a read cut short at its front, and the next read lands after them, so a
/// message in one frame that fits (see [`largest_kept_frame`](Self::largest_kept_frame))
/// is delivered in place once whole. Between messages it holds nothing.
#[derive(Debug, Clone)]
pub(crate) struct ReadBuffer<S> {
    storage: S,
    /// The bytes read but not handled yet are `storage[start..end]`.
    start: usize,
    end: usize,
    /// What is known of the frame kept at `start`.
    kept: Kept,
}

/// What [`Connection::read_message`] knows of the frame kept at the front of a
/// [`ReadBuffer`]: how much of a text frame's payload it has unmasked in place and
/// checked, and where the check stands. Text is checked as it arrives, as it is when
/// gathered, so that invalid text fails the connection at once rather than when its
/// frame is whole; when it is whole, only the rest is unmasked.
#[derive(Debug, Clone, Default)]
pub(super) struct Kept {
    /// The largest frame kept (header included).
    pub(super) up_to: usize,
    /// Payload bytes of the kept frame already unmasked in place and checked (of a
    /// text frame).
    checked: usize,
    utf8: Utf8Validator,
}

impl Kept {
    /// Unmasks in place and checks the payload bytes of the kept frame (whose header
    /// is `header`) that `input` holds and earlier calls did not, when it is text.
    pub(super) fn check_text(
        &mut self,
        header: &WholeMessage,
        input: &mut [u8],
    ) -> Result<(), MessageError> {
        if header.kind != MessageKind::Text {
            return Ok(());
        }
        let payload = input.get_mut(header.header_len..).unwrap_or_default();
        let Some(new) = payload.get_mut(self.checked..).filter(|new| !new.is_empty()) else {
            return Ok(());
        };
        let checked = match header.mask {
            Some(key) => self.utf8.feed_masked(new, key, self.checked as u64),
            None => self.utf8.feed(new),
        };
        if checked.is_err() {
            *self = Self { up_to: self.up_to, ..Self::default() };
            return Err(MessageError::InvalidUtf8);
        }
        self.checked = payload.len();
        Ok(())
    }

    /// Unmasks the rest of the kept frame, now whole in `data` (its payload), after
    /// the bytes [`check_text`](Self::check_text) unmasked.
    fn unmask_rest(&self, data: &mut [u8], mask: Option<[u8; 4]>) {
        if let (Some(key), Some(rest)) = (mask, data.get_mut(self.checked..)) {
            crate::frame::apply_mask(rest, key, self.checked as u64);
        }
    }

    /// Whether the kept frame's first bytes were unmasked and checked: it must then be
    /// delivered by [`Connection::deliver_kept_message`].
    #[inline(always)]
    pub(super) fn has_checked(&self) -> bool {
        self.checked != 0
    }

    /// Forgets the kept frame: the next one starts unchecked. (`checked` is 0 only
    /// while `utf8` is new: a failed check resets both.)
    #[inline(always)]
    pub(super) fn reset(&mut self) {
        if self.checked != 0 {
            self.checked = 0;
            self.utf8.reset();
        }
    }
}

impl<S: AsRef<[u8]> + AsMut<[u8]>> ReadBuffer<S> {
    /// An empty buffer over `storage` (its bytes are overwritten by reads).
    pub(crate) fn new(storage: S) -> Self {
        let mut buffer = Self {
            storage,
            start: 0,
            end: 0,
            kept: Kept { up_to: 0, checked: 0, utf8: Utf8Validator::new() },
        };
        buffer.kept.up_to = buffer.largest_kept_frame();
        buffer
    }

    /// The bytes read but not handled yet: the start of a message kept until it is
    /// whole (or bytes [`Connection::read_message`] has not been asked about yet).
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// `true` when it holds no byte that was read but not handled.
    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The size of the storage.
    pub(crate) fn capacity(&self) -> usize {
        self.storage.as_ref().len()
    }

    /// The largest frame (header included) that is kept until it is whole, and so
    /// delivered in place: the capacity, less 64 bytes (room to align the reads to a
    /// cache line) when it is at least 128.
    pub(crate) fn largest_kept_frame(&self) -> usize {
        let capacity = self.capacity();
        if capacity >= 2 * READ_ALIGN {
            capacity - READ_ALIGN
        } else {
            capacity
        }
    }

    /// Where to read next: the free space after the bytes kept, which are first moved
    /// to the front (in a storage of 128 bytes or more, to just before an address that
    /// is a multiple of 64, where the read then lands). Not empty once
    /// [`Connection::read_message`] returned `None` (unless the storage itself is): read
    /// only then, or the bytes not handled yet may fill it.
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            let kept = self.end - self.start;
            let storage = self.storage.as_mut();
            // A copy runs slower to an address that is not a multiple of a cache line:
            // 16-byte messages were received 2-3 % faster with the reads aligned.
            let to = if storage.len() >= 2 * READ_ALIGN {
                (READ_ALIGN - (storage.as_ptr() as usize + kept) % READ_ALIGN) % READ_ALIGN
            } else {
                0
            };
            storage.copy_within(self.start..self.end, to);
            self.start = to;
            self.end = to + kept;
        }
        &mut self.storage.as_mut()[self.end..]
    }

    /// Adds `bytes` after those read (read elsewhere: past a frame read into the
    /// store). Takes at most the [`spare`](Self::spare) room, which holds them when the
    /// buffer is empty (the reader lends at most 64 bytes, or the buffer's size, past a
    /// frame, and then only with the buffer empty).
    pub(crate) fn append(&mut self, bytes: &[u8]) {
        let spare = self.spare();
        let n = spare.len().min(bytes.len());
        spare[..n].copy_from_slice(&bytes[..n]);
        self.end += n;
    }

    /// Forgets the bytes read but not handled yet (after a failure).
    pub(crate) fn clear(&mut self) {
        self.start = self.end;
    }

    /// Records that the first `n` bytes of [`spare`](Self::spare) were read into.
    ///
    /// # Panics
    /// If `n` is larger than the free space.
    pub(crate) fn filled(&mut self, n: usize) {
        assert!(n <= self.capacity() - self.end, "filled more than the free space");
        self.end += n;
    }

    /// The bytes read but not handled yet.
    pub(crate) fn unread(&self) -> &[u8] {
        self.storage.as_ref().get(self.start..self.end).unwrap_or_default()
    }

    /// Forgets the first `n` of the [`unread`](Self::unread) bytes (a handshake head).
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
    }

    /// The storage back. (Bytes of a kept text frame may already be unmasked there.)
    pub(crate) fn into_inner(self) -> S {
        self.storage
    }
}

impl Connection {
    /// Delivers the kept text frame that `input` now holds whole, of which `kept`
    /// unmasked (and checked) the first bytes: the rest is unmasked, then the whole
    /// text is checked again. (Its delivery does not rest on what earlier calls
    /// checked: the storage is the caller's type, trusted for nothing that matters to
    /// soundness. The first bytes are checked twice; about one message in sixteen of
    /// W4's is kept.)
    pub(super) fn deliver_kept_message<'e, 'i: 'e>(
        &mut self,
        whole: WholeMessage,
        input: &'i mut [u8],
        kept: &Kept,
    ) -> Result<(Option<Event<'e>>, &'i mut [u8]), ConnectionError> {
        let (frame, rest) = input.split_at_mut(whole.header_len + whole.payload_len);
        let data = &mut frame[whole.header_len..];
        kept.unmask_rest(data, whole.mask);
        let chunk = match whole.kind {
            MessageKind::Text => match crate::accel::to_str(data) {
                Some(text) => DataChunk::text(text, true, true),
                None => return Err(self.fail(MessageError::InvalidUtf8.into())),
            },
            MessageKind::Binary => DataChunk::new(whole.kind, data, true, true),
        };
        Ok((Some(Event::Data(chunk)), rest))
    }

    /// The whole message in one frame at the start of the bytes of `buffer` not handled
    /// yet, when it is one that [`deliver_whole_message`](Self::deliver_whole_message)
    /// delivers in place as it is (the common case, tried before
    /// [`find_in_buffer`](Self::find_in_buffer)).
    #[inline(always)]
    pub(super) fn peek_in_buffer<S: AsRef<[u8]>>(
        &self,
        buffer: &ReadBuffer<S>,
    ) -> Option<WholeMessage> {
        if buffer.kept.has_checked() {
            return None;
        }
        self.peek_whole_message(buffer.storage.as_ref().get(buffer.start..buffer.end)?)
    }

    /// [`find_message`](Self::find_message) in the bytes of `buffer` not handled yet,
    /// taking what it takes from them. After an error (the connection failed) the
    /// buffer is emptied.
    #[inline(always)]
    pub(super) fn find_in_buffer<S, B>(
        &mut self,
        buffer: &mut ReadBuffer<S>,
        messages: &mut B,
    ) -> Option<Found>
    where
        S: AsRef<[u8]> + AsMut<[u8]>,
        B: MessageStore,
    {
        let ReadBuffer { storage, start, end, kept } = buffer;
        let input = &mut storage.as_mut()[*start..*end];
        match self.find_message(input, kept, messages) {
            Ok((found, rest)) => {
                *start = *end - rest;
                found
            }
            Err(_) => {
                *start = *end;
                None
            }
        }
    }

    /// Delivers the message that [`find_in_buffer`](Self::find_in_buffer) found whole at
    /// the start of `buffer` ([`Found::Whole`] or [`Found::Kept`]): unmasked and checked
    /// in place. `None` when its text is not UTF-8 (the connection failed).
    #[inline(always)]
    pub(super) fn take_from_buffer<'b, S>(
        &mut self,
        buffer: &'b mut ReadBuffer<S>,
        found: Found,
    ) -> Option<DataChunk<'b>>
    where
        S: AsRef<[u8]> + AsMut<[u8]>,
    {
        let ReadBuffer { storage, start, end, kept } = buffer;
        let input = &mut storage.as_mut()[*start..*end];
        let delivered = match found {
            Found::Whole(whole) => self.deliver_whole_message(whole, input),
            Found::Kept(whole) => {
                let delivered = self.deliver_kept_message(whole, input, kept);
                kept.reset();
                delivered
            }
            Found::Stored | Found::Control(_) => return None,
        };
        match delivered {
            Ok((Some(Event::Data(chunk)), rest)) => {
                *start = *end - rest.len();
                Some(chunk)
            }
            _ => {
                *start = *end;
                None
            }
        }
    }
}
