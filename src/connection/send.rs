//! The sending side of a connection: commands that write frames into a sink.

use super::{Connection, MaskGenerator, SendError};
use crate::frame::{FrameHeader, MaskKey, OpCode, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::message::{CloseFrame, MessageKind};
use crate::{BufferTooSmall, CloseCode, FrameSink, Role};

impl Connection {
    /// Sends `text` as one text frame.
    ///
    /// # Errors
    /// [`SendError::Closed`] after a Close was sent, [`SendError::FragmentedMessageInProgress`]
    /// while a [`send_fragment`](Self::send_fragment) message is unfinished, and
    /// [`SendError::BufferTooSmall`]. Nothing is written on error.
    #[inline]
    pub fn send_text(&mut self, text: &str, out: &mut impl FrameSink) -> Result<(), SendError> {
        self.send_whole(OpCode::Text, text.as_bytes(), out)
    }

    /// Sends `data` as one binary frame.
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
        self.write_data(opcode, data, true, out)
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
        self.pending = Default::default();
        self.timers.stop_keepalive();
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
    header.encoded_len() + payload_len
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
