//! The sending side of a connection: commands that write frames into a sink.

use super::{Connection, MaskGenerator, SendError};
use crate::frame::{
    EncodedHeader, FrameHeader, MaskKey, OpCode, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN,
};
use crate::message::{CloseFrame, MessageKind};
use crate::{BufferTooSmall, CloseCode, FrameSink, Role};

impl Connection {
    /// Sends `text` as one text frame, or as fragments when it is longer than
    /// [`Config::max_send_frame_len`](crate::Config::max_send_frame_len). The sink gets
    /// every frame of the message or nothing.
    ///
    /// # Errors
    /// [`SendError::Closed`] after a Close was sent, [`SendError::FragmentedMessageInProgress`]
    /// while a [`send_fragment`](Self::send_fragment) message is unfinished,
    /// [`SendError::BufferTooSmall`], and [`SendError::OutputFull`] past
    /// [`Config::max_queued_output`](crate::Config::max_queued_output). Nothing is
    /// written on error.
    #[inline]
    pub fn send_text(&mut self, text: &str, out: &mut impl FrameSink) -> Result<(), SendError> {
        self.send_whole(OpCode::Text, text.as_bytes(), out)
    }

    /// Sends `data` as one binary frame (or fragments, as [`send_text`](Self::send_text)).
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    #[inline]
    pub fn send_binary(&mut self, data: &[u8], out: &mut impl FrameSink) -> Result<(), SendError> {
        self.send_whole(OpCode::Binary, data, out)
    }

    /// Sends one fragment of a message (RFC 6455 §5.4): the first call starts a message
    /// of `kind`, later calls continue it, and `is_last` ends it. Control frames may be
    /// sent between fragments. Text fragments may split code points, but together they
    /// must be valid UTF-8, which is checked as they go.
    ///
    /// ```
    /// use rfc6455::message::MessageKind;
    /// use rfc6455::{Config, Connection, SliceSink};
    /// let mut server = Connection::server(Config::default());
    /// let mut buf = [0u8; 16];
    /// let mut out = SliceSink::new(&mut buf);
    /// server.send_fragment(MessageKind::Text, b"Hel", false, &mut out).unwrap();
    /// server.send_fragment(MessageKind::Text, b"lo", true, &mut out).unwrap();
    /// assert_eq!(out.filled(), [0x01, 0x03, b'H', b'e', b'l', 0x80, 0x02, b'l', b'o']); // RFC 6455 §5.7
    /// ```
    ///
    /// # Errors
    /// [`SendError::FragmentedMessageInProgress`] when `kind` differs from the message
    /// in progress, [`SendError::InvalidUtf8`], and those of [`send_text`](Self::send_text).
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        is_last: bool,
        out: &mut impl FrameSink,
    ) -> Result<(), SendError> {
        self.check_can_send()?;
        let opcode = match self.sending {
            Some(k) if k != kind => return Err(SendError::FragmentedMessageInProgress),
            Some(_) => OpCode::Continuation,
            None if kind == MessageKind::Text => OpCode::Text,
            None => OpCode::Binary,
        };
        if self.config.max_queued_output != usize::MAX {
            let required = encoded_len(self.role, self.payload_bound(data.len(), true));
            self.check_output(out, required)?;
        }
        let mut utf8 = self.sending_utf8;
        if kind == MessageKind::Text {
            utf8.feed(data).map_err(|_| SendError::InvalidUtf8)?;
            if is_last {
                utf8.finish().map_err(|_| SendError::InvalidUtf8)?;
            }
        }
        self.write_data(opcode, data, is_last, out)?;
        self.sending_utf8 = utf8;
        self.sending = if is_last { None } else { Some(kind) };
        Ok(())
    }

    /// Sends a whole message whose payload the caller writes to the transport itself,
    /// right after the returned header: with one vectored write of the header and
    /// `payload`, without copying the payload into a sink. A client's payload is masked
    /// in place (write it after this call); a server's is left as it is. The message
    /// goes out as one frame and uncompressed (RSV1 clear, which permessage-deflate
    /// allows), whatever [`Config::max_send_frame_len`](crate::Config::max_send_frame_len)
    /// says.
    ///
    /// ```
    /// use rfc6455::message::MessageKind;
    /// use rfc6455::{Config, Connection};
    /// let mut server = Connection::server(Config::default());
    /// let mut payload = *b"Hello";
    /// let header = server.send_header(MessageKind::Text, &mut payload)?;
    /// // e.g. `stream.write_vectored(&[IoSlice::new(&header), IoSlice::new(&payload)])`
    /// assert_eq!([&header[..], &payload[..]].concat(), b"\x81\x05Hello");
    /// # Ok::<(), rfc6455::SendError>(())
    /// ```
    ///
    /// # Errors
    /// [`SendError::InvalidUtf8`] for text that is not UTF-8, and
    /// [`SendError::Closed`] and [`SendError::FragmentedMessageInProgress`] as
    /// [`send_text`](Self::send_text). Nothing is changed on error.
    pub fn send_header(
        &mut self,
        kind: MessageKind,
        payload: &mut [u8],
    ) -> Result<EncodedHeader, SendError> {
        self.check_can_send()?;
        if self.sending.is_some() {
            return Err(SendError::FragmentedMessageInProgress);
        }
        let opcode = match kind {
            MessageKind::Text if crate::accel::to_str(payload).is_none() => {
                return Err(SendError::InvalidUtf8);
            }
            MessageKind::Text => OpCode::Text,
            MessageKind::Binary => OpCode::Binary,
        };
        let mask = self.role.masks_outgoing().then(|| self.masks.next_key());
        let header =
            FrameHeader { fin: true, rsv: 0, opcode, mask, payload_len: payload.len() as u64 };
        if let Some(MaskKey(key)) = mask {
            crate::frame::apply_mask(payload, key, 0);
        }
        Ok(EncodedHeader::new(&header))
    }

    /// Sends a ping with `payload` (at most 125 bytes).
    ///
    /// # Errors
    /// [`SendError::ControlPayloadTooLong`], [`SendError::Closed`],
    /// [`SendError::BufferTooSmall`].
    pub fn send_ping(&mut self, payload: &[u8], out: &mut impl FrameSink) -> Result<(), SendError> {
        self.send_control(OpCode::Ping, payload, out)
    }

    /// Sends a pong with `payload` (at most 125 bytes), for callers who turned
    /// `auto_pong` off, or as an unsolicited heartbeat.
    ///
    /// # Errors
    /// As [`send_ping`](Self::send_ping).
    pub fn send_pong(&mut self, payload: &[u8], out: &mut impl FrameSink) -> Result<(), SendError> {
        self.send_control(OpCode::Pong, payload, out)
    }

    /// Starts the close handshake (or answers the peer's Close) with `code` and
    /// `reason` (RFC 6455 §5.5.1, §7.1.2). No data may be sent afterwards.
    ///
    /// # Errors
    /// [`SendError::CloseFrame`] for a code that may not be sent (1005, 1006, 1015, or
    /// outside the valid ranges) or a reason over 123 bytes, [`SendError::Closed`] when
    /// a Close was already sent, [`SendError::BufferTooSmall`].
    pub fn close(
        &mut self,
        code: CloseCode,
        reason: &str,
        out: &mut impl FrameSink,
    ) -> Result<(), SendError> {
        let frame = CloseFrame::new(code, reason)?;
        self.check_can_send()?;
        self.write_close(&frame, out)
    }

    /// Writes the next frame the protocol sends on its own: a pong answering a ping, a
    /// keepalive ping, or the Close (a reply, or the one that reports a failure).
    /// Returns `false` when nothing is pending. Call it until it returns `false` after
    /// every input and command.
    ///
    /// # Errors
    /// [`BufferTooSmall`] when `out` cannot hold the next frame (at most 131 bytes);
    /// the frame stays queued.
    #[must_use = "pending frames stay queued until written"]
    pub fn poll_transmit(&mut self, out: &mut impl FrameSink) -> Result<bool, BufferTooSmall> {
        let into_buffer_error = |e: SendError| match e {
            SendError::BufferTooSmall(e) => e,
            _ => BufferTooSmall { required: 0 },
        };
        if let Some(pong) = self.pending.pong {
            self.write_frame(OpCode::Pong, true, pong.as_bytes(), out)
                .map_err(into_buffer_error)?;
            self.pending.pong = None;
        } else if self.pending.ping {
            self.write_frame(OpCode::Ping, true, &[], out).map_err(into_buffer_error)?;
            self.pending.ping = false;
        } else if let Some(code) = self.pending.close {
            let frame = code.and_then(|c| CloseFrame::new(c, "").ok()).unwrap_or(CloseFrame::EMPTY);
            self.write_close(&frame, out).map_err(into_buffer_error)?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// Returns `true` when [`poll_transmit`](Self::poll_transmit) has a frame to write.
    pub fn wants_transmit(&self) -> bool {
        let p = &self.pending;
        p.pong.is_some() || p.ping || p.close.is_some()
    }

    /// The bytes a frame with `payload_len` bytes of payload takes on the wire when this
    /// connection sends it (header included).
    pub const fn encoded_frame_len(&self, payload_len: usize) -> usize {
        encoded_len(self.role, payload_len)
    }

    #[inline]
    fn send_whole(
        &mut self,
        opcode: OpCode,
        data: &[u8],
        out: &mut impl FrameSink,
    ) -> Result<(), SendError> {
        self.check_can_send()?;
        if self.sending.is_some() {
            return Err(SendError::FragmentedMessageInProgress);
        }
        if data.len() < self.fast_send_below {
            return self.write_data(opcode, data, true, out);
        }
        self.send_whole_bounded(opcode, data, self.config.max_send_frame_len, out)
    }

    /// [`send_whole`](Self::send_whole) with an output cap or in fragments of at most
    /// `frame_max` bytes: the room for all of them is checked first, so the sink gets
    /// the whole message or nothing.
    #[inline(never)]
    fn send_whole_bounded(
        &mut self,
        opcode: OpCode,
        data: &[u8],
        frame_max: usize,
        out: &mut impl FrameSink,
    ) -> Result<(), SendError> {
        let pieces = data.len().div_ceil(frame_max).max(1);
        let fragmented = pieces > 1;
        let last_len = data.len() - (pieces - 1) * frame_max;
        let bound = |len| encoded_len(self.role, self.payload_bound(len, fragmented));
        let full = if fragmented { (pieces - 1).saturating_mul(bound(frame_max)) } else { 0 };
        let required = full.saturating_add(bound(last_len));
        self.check_output(out, required)?;
        if !fragmented {
            return self.write_data(opcode, data, true, out);
        }
        if out.capacity_left() < required {
            return Err(BufferTooSmall { required }.into());
        }
        let mut opcode = opcode;
        let mut rest = data;
        while rest.len() > frame_max {
            let (piece, after) = rest.split_at(frame_max);
            self.write_data(opcode, piece, false, out)?;
            opcode = OpCode::Continuation;
            rest = after;
        }
        self.write_data(opcode, rest, true, out)
    }

    /// The most payload bytes a data frame of `len` bytes takes: more than `len` only
    /// when it is compressed.
    fn payload_bound(&self, len: usize, fragmented: bool) -> usize {
        #[cfg(feature = "deflate")]
        if let Some(deflate) = self.deflate.as_deref() {
            if fragmented || deflate.worth_compressing(len) {
                return super::compression::compressed_bound(len);
            }
        }
        let _ = fragmented;
        len
    }

    /// Refuses a data frame of `required` bytes that would take `out` past the output
    /// cap.
    fn check_output(&self, out: &impl FrameSink, required: usize) -> Result<(), SendError> {
        let limit = self.config.max_queued_output;
        let queued = out.queued();
        if queued.saturating_add(required) > limit {
            return Err(SendError::OutputFull { queued, limit });
        }
        Ok(())
    }

    /// Writes a data frame, compressed when permessage-deflate is on and the message
    /// is worth it (RSV1 on its first frame only, RFC 7692 §6).
    #[inline]
    fn write_data(
        &mut self,
        opcode: OpCode,
        data: &[u8],
        message_end: bool,
        out: &mut impl FrameSink,
    ) -> Result<(), SendError> {
        #[cfg(feature = "deflate")]
        if let Some(deflate) = self.deflate.as_deref_mut() {
            let first = opcode != OpCode::Continuation;
            if first {
                // A whole message is compressed when long enough; a fragmented one always.
                deflate.deflating = !message_end || deflate.worth_compressing(data.len());
            }
            if deflate.deflating {
                let required =
                    encoded_len(self.role, super::compression::compressed_bound(data.len()));
                if out.capacity_left() < required {
                    return Err(BufferTooSmall { required }.into());
                }
                let rsv = if first { 0b100 } else { 0 };
                let payload = deflate.compress(data, message_end);
                let written =
                    write_frame(self.role, &mut self.masks, opcode, message_end, rsv, payload, out);
                deflate.compressed_written();
                return written;
            }
        }
        self.write_frame(opcode, message_end, data, out)
    }

    fn send_control(
        &mut self,
        opcode: OpCode,
        payload: &[u8],
        out: &mut impl FrameSink,
    ) -> Result<(), SendError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlPayloadTooLong);
        }
        self.check_can_send()?;
        self.write_frame(opcode, true, payload, out)
    }

    fn check_can_send(&self) -> Result<(), SendError> {
        if self.can_send() {
            Ok(())
        } else {
            Err(SendError::Closed)
        }
    }

    fn write_close(
        &mut self,
        frame: &CloseFrame,
        out: &mut impl FrameSink,
    ) -> Result<(), SendError> {
        self.write_frame(OpCode::Close, true, frame.payload(), out)?;
        self.close_sent = true;
        self.stop_output();
        self.timers.arm_close(self.config.close_timeout);
        Ok(())
    }

    /// Writes one whole uncompressed frame or nothing.
    #[inline]
    fn write_frame(
        &mut self,
        opcode: OpCode,
        fin: bool,
        payload: &[u8],
        out: &mut impl FrameSink,
    ) -> Result<(), SendError> {
        write_frame(self.role, &mut self.masks, opcode, fin, 0, payload, out)
    }
}

/// The wire size of a frame `role` sends with `payload_len` bytes of payload.
const fn encoded_len(role: Role, payload_len: usize) -> usize {
    let mut header = FrameHeader::new(OpCode::Binary, payload_len as u64);
    if role.masks_outgoing() {
        header.mask = Some(MaskKey([0; 4]));
    }
    header.encoded_len().saturating_add(payload_len)
}

/// Writes one whole frame or nothing; a client masks it with a fresh key.
#[inline(always)]
fn write_frame(
    role: Role,
    masks: &mut MaskGenerator,
    opcode: OpCode,
    fin: bool,
    rsv: u8,
    payload: &[u8],
    out: &mut impl FrameSink,
) -> Result<(), SendError> {
    let required = encoded_len(role, payload.len());
    if out.capacity_left() < required {
        return Err(BufferTooSmall { required }.into());
    }
    if !role.masks_outgoing() && payload.len() <= 125 {
        // The common small server frame: a two-byte header whose length is known here,
        // so the sink copies it with two byte stores.
        let first = (u8::from(fin) << 7) | ((rsv & 0b111) << 4) | opcode.bits();
        out.append_pair(&[first, payload.len() as u8], payload);
        return Ok(());
    }
    let mask = role.masks_outgoing().then(|| masks.next_key());
    let header = FrameHeader { fin, rsv, opcode, mask, payload_len: payload.len() as u64 };
    let mut head = [0u8; MAX_HEADER_LEN];
    let head_len = header.encode(&mut head);
    match mask {
        Some(MaskKey(key)) => {
            out.append(&head[..head_len]);
            out.append_masked(payload, key);
        }
        None => out.append_pair(&head[..head_len], payload),
    }
    Ok(())
}
