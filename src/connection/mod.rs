//! The connection state machine: bytes in, events out; commands in, bytes out.

#[cfg(feature = "deflate")]
mod compression;
mod config;
mod error;
mod event;
mod gather;
mod masking;
mod read_buffer;
mod reader;
mod send;
mod timers;
mod whole_message;

pub use config::Config;
pub use error::{ConnectionError, SendError};
pub use event::{Event, Received};
#[cfg(feature = "std")]
pub use masking::random_mask_seed;
pub use reader::MessageReader;

use core::time::Duration;

use masking::MaskGenerator;
use timers::Timers;

use crate::frame::{
    Decoded, FrameDecoder, FrameError, FrameHeader, HeaderRules, MaskKey, OpCode, Whole,
};
use crate::message::{
    Assembler, CloseFrame, ControlPayload, DataChunk, MessageError, MessageKind, Utf8Validator,
};

/// A whole text message, in one chunk.
#[inline(always)]
fn text(text: &str) -> DataChunk<'_> {
    DataChunk::text(text, true, true)
}
use crate::{CloseCode, Role};

/// Where a connection is in its life (RFC 6455 §4-§7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// We sent (or queued) a Close and wait for the peer's; received data is still
    /// delivered.
    ClosingLocal,
    /// The peer sent a Close; our reply is queued. Sending data is still allowed until
    /// the reply is written (RFC 6455 §5.5.1 lets it wait for a message in progress).
    ClosingRemote,
    /// Both Closes were exchanged, the connection failed, or the transport closed.
    /// See [`Connection::should_close_transport`].
    Closed,
}

/// What [`Connection::handle_read`] reports, before it borrows from the connection.
enum Ready<'i> {
    /// A data chunk borrowing the input.
    Data(DataChunk<'i>),
    /// A complete control frame of this opcode; its payload stays in the connection.
    Control(OpCode),
    /// A chunk of inflated data, held by the connection: kind, first, last.
    #[cfg(feature = "deflate")]
    Inflated(MessageKind, bool, bool),
}

/// One step of [`Connection::next_step`].
enum Step<'i> {
    /// All input was used; more is needed.
    NeedMore,
    /// A header was decoded and accepted.
    Header,
    /// Payload bytes of the current frame; `mask` is where they still need unmasking.
    Payload { data: &'i mut [u8], frame_end: bool, mask: Option<(MaskKey, u64)> },
    /// Compressed payload was inflated into the connection: the chunk of it to report
    /// (kind, first, last), if any.
    #[cfg(feature = "deflate")]
    Inflated(Option<(MessageKind, bool, bool)>),
}

impl<'i> Step<'i> {
    #[inline(always)]
    fn payload(
        data: &'i mut [u8],
        frame_end: bool,
        mask: Option<(MaskKey, u64)>,
        unmask: bool,
    ) -> Self {
        match mask {
            Some((key, offset)) if unmask => {
                key.apply(data, offset);
                Self::Payload { data, frame_end, mask: None }
            }
            _ => Self::Payload { data, frame_end, mask },
        }
    }
}

/// Control frames waiting for [`Connection::poll_transmit`].
#[derive(Clone, Copy, Debug, Default)]
struct Pending {
    pong: Option<ControlPayload>,
    /// A keepalive ping (always empty).
    ping: bool,
    /// A Close to send: `Some(None)` is an empty Close, `Some(Some(code))` carries a code.
    close: Option<Option<CloseCode>>,
}

/// One WebSocket connection after the opening handshake, as a state machine that does
/// no I/O.
///
/// Build one with [`ServerUpgrade::into_connection`](crate::handshake::ServerUpgrade::into_connection)
/// or [`ClientUpgrade::into_connection`](crate::handshake::ClientUpgrade::into_connection)
/// after the opening handshake (or [`new`](Self::new) when the handshake happened
/// elsewhere). Its methods come in four groups, after construction:
///
/// | group | methods |
/// |---|---|
/// | construction | [`new`](Self::new), [`client`](Self::client), [`server`](Self::server), and `enable_deflate` (feature `deflate`; `into_connection` calls it when permessage-deflate was agreed) |
/// | getters (`&self`) | [`role`](Self::role), [`config`](Self::config), [`state`](Self::state), [`is_closed`](Self::is_closed), [`can_send`](Self::can_send), [`failure`](Self::failure), [`received_close`](Self::received_close), [`close_code`](Self::close_code), [`should_close_transport`](Self::should_close_transport), [`wants_transmit`](Self::wants_transmit), [`encoded_frame_len`](Self::encoded_frame_len), [`buffered_bytes`](Self::buffered_bytes), [`inflated`](Self::inflated) |
/// | input (`handle_*`) | received bytes through a [`MessageReader`] (whole messages) or [`handle_read`](Self::handle_read) (pieces); [`handle_timeout`](Self::handle_timeout), [`handle_eof`](Self::handle_eof), [`handle_write_closed`](Self::handle_write_closed) |
/// | commands | [`send_text`](Self::send_text), [`send_binary`](Self::send_binary), [`send_fragment`](Self::send_fragment), [`send_header`](Self::send_header), [`send_ping`](Self::send_ping), [`send_pong`](Self::send_pong), [`close`](Self::close) |
/// | output (`poll_*`) | [`poll_transmit`](Self::poll_transmit) until `false`, then [`poll_timeout`](Self::poll_timeout) |
///
/// # Driving it
/// 1. Read into the space a [`MessageReader`] lends, take whole messages from it (or
///    feed bytes to [`handle_read`](Self::handle_read)); end of stream is
///    [`handle_eof`](Self::handle_eof), a transport that cannot write any more
///    [`handle_write_closed`](Self::handle_write_closed).
/// 2. Commands write whole frames into a [`FrameSink`](crate::FrameSink) (or nothing
///    at all).
/// 3. After every input or command, drain [`poll_transmit`](Self::poll_transmit): it
///    writes the frames the protocol sends on its own (pongs, the close reply, keepalive
///    pings). Write the sink's bytes to the transport.
/// 4. Ask [`poll_timeout`](Self::poll_timeout) when to call
///    [`handle_timeout`](Self::handle_timeout) with the current time.
/// 5. Close the transport when [`should_close_transport`](Self::should_close_transport)
///    says so.
///
/// ```
/// use rfc6455::{Config, Connection, Event, Role, SliceSink};
/// let mut client = Connection::client(Config::default(), [1; 16]);
/// let mut server = Connection::server(Config::default());
///
/// // The client sends a text message; its bytes travel to the server.
/// let mut wire = [0u8; 64];
/// let mut out = SliceSink::new(&mut wire);
/// client.send_text("Hello", &mut out).unwrap();
/// let len = out.len();
///
/// let (event, rest) = server.handle_read(&mut wire[..len]).unwrap();
/// let Some(Event::Data(chunk)) = event else { panic!() };
/// assert_eq!(chunk.as_whole_text(), Some("Hello"));
/// assert!(rest.is_empty());
///
/// // The server closes; the client replies on its own and both end up closed.
/// let mut wire = [0u8; 64];
/// let mut out = SliceSink::new(&mut wire);
/// server.close(rfc6455::CloseCode::NORMAL, "bye", &mut out).unwrap();
/// let len = out.len();
/// let (event, _) = client.handle_read(&mut wire[..len]).unwrap();
/// assert!(matches!(event, Some(Event::Close(c)) if c.reason() == "bye"));
/// let mut reply = [0u8; 16];
/// let mut out = SliceSink::new(&mut reply);
/// assert!(client.poll_transmit(&mut out).unwrap());
/// let len = out.len();
/// let _ = server.handle_read(&mut reply[..len]).unwrap();
/// assert!(server.should_close_transport()); // the server closes TCP first
/// ```
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    decoder: FrameDecoder,
    assembler: Assembler,
    /// The opcode of the control frame being received, if the current frame is one.
    control: Option<OpCode>,
    /// The payload of the current (or last) control frame.
    control_payload: ControlPayload,
    pending: Pending,
    close_sent: bool,
    close_received: Option<CloseFrame>,
    failure: Option<ConnectionError>,
    transport_closed: bool,
    /// The transport can no longer be written to; input is still handled.
    write_closed: bool,
    /// Data may be sent: none of a Close sent, a failure, the transport's end, or a
    /// transport that cannot write happened (kept with them, so sending checks one
    /// flag).
    output_open: bool,
    /// Whole messages shorter than this go out as one frame without further checks:
    /// `max_send_frame_len + 1`, or 0 when an output cap is set.
    fast_send_below: usize,
    /// The kind of the fragmented message we are sending, if any.
    sending: Option<MessageKind>,
    sending_utf8: Utf8Validator,
    masks: MaskGenerator,
    timers: Timers,
    /// permessage-deflate state, once negotiated.
    #[cfg(feature = "deflate")]
    deflate: Option<alloc::boxed::Box<compression::Compression>>,
}

impl Connection {
    /// A connection for `role`; a client's masking keys are derived from `mask_seed`
    /// (16 bytes from a strong random source, see `random_mask_seed` with `std`).
    pub fn new(role: Role, config: Config, mask_seed: [u8; 16]) -> Self {
        let rules = HeaderRules {
            strict_length: config.strict_length_encoding,
            ..HeaderRules::for_receiver(role)
        };
        Self {
            role,
            config,
            decoder: FrameDecoder::new(rules, config.max_frame_len),
            assembler: Assembler::new(config.max_message_len),
            control: None,
            control_payload: ControlPayload::EMPTY,
            pending: Pending::default(),
            close_sent: false,
            close_received: None,
            failure: None,
            transport_closed: false,
            write_closed: false,
            output_open: true,
            fast_send_below: if config.max_queued_output == usize::MAX {
                config.max_send_frame_len.saturating_add(1)
            } else {
                0
            },
            sending: None,
            sending_utf8: Utf8Validator::new(),
            masks: MaskGenerator::new(mask_seed),
            timers: Timers::new(config.keepalive_interval, config.keepalive_timeout),
            #[cfg(feature = "deflate")]
            deflate: None,
        }
    }

    /// A client connection whose masking keys are derived from `mask_seed`.
    pub fn client(config: Config, mask_seed: [u8; 16]) -> Self {
        Self::new(Role::Client, config, mask_seed)
    }

    /// A server connection (servers do not mask).
    pub fn server(config: Config) -> Self {
        Self::new(Role::Server, config, [0; 16])
    }

    /// This endpoint's role.
    pub const fn role(&self) -> Role {
        self.role
    }

    /// The settings in force.
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> State {
        let closing_local = self.close_sent || self.pending.close.is_some() || self.write_closed;
        if self.failure.is_some()
            || self.transport_closed
            || (self.write_closed && self.close_received.is_some())
            || (self.close_sent && self.close_received.is_some())
        {
            State::Closed
        } else if self.close_received.is_some() {
            State::ClosingRemote
        } else if closing_local {
            State::ClosingLocal
        } else {
            State::Open
        }
    }

    /// Returns `true` once the connection is [`State::Closed`].
    pub fn is_closed(&self) -> bool {
        self.state() == State::Closed
    }

    /// Returns `true` while data messages may be sent.
    pub const fn can_send(&self) -> bool {
        self.output_open
    }

    /// The bytes this connection holds in buffers beyond its own size: with
    /// permessage-deflate, the inflate output buffer (at most 64 KiB, since compressed
    /// messages are inflated and reported in pieces of at most that; back to 4 KiB when
    /// a message ends) and the deflate output buffer (it grows with the largest recent
    /// message sent and shrinks back before a small one); otherwise 0. zlib's state is
    /// not counted: about 47 KB to inflate, allocated by the first compressed message
    /// received, and 250-380 KB to compress (by window size), by the first message
    /// compressed.
    pub fn buffered_bytes(&self) -> usize {
        #[cfg(feature = "deflate")]
        if let Some(deflate) = &self.deflate {
            return deflate.buffered_bytes();
        }
        0
    }

    /// The error that failed the connection, if any.
    pub const fn failure(&self) -> Option<ConnectionError> {
        self.failure
    }

    /// The peer's Close frame, once received.
    pub const fn received_close(&self) -> Option<&CloseFrame> {
        self.close_received.as_ref()
    }

    /// The connection's close code as RFC 6455 §7.1.5 defines it: the code of the
    /// peer's Close, 1005 if it had none, 1006 if the transport closed without one;
    /// `None` while neither happened.
    pub fn close_code(&self) -> Option<CloseCode> {
        match &self.close_received {
            Some(frame) => Some(frame.code().unwrap_or(CloseCode::NO_STATUS)),
            None if self.transport_closed => Some(CloseCode::ABNORMAL),
            None => None,
        }
    }

    /// Returns `true` when the caller should close the transport now (RFC 6455 §7.1.1):
    /// all queued frames were written and either the close handshake is done and this
    /// is the server, the connection failed as a server, or a timeout or the peer's end
    /// of stream ended the wait. A client waits for the server to close first.
    pub fn should_close_transport(&self) -> bool {
        if self.wants_transmit() {
            return false;
        }
        self.transport_closed
            || (self.write_closed && self.is_closed())
            || (self.role == Role::Server && self.is_closed())
    }

    /// Processes received bytes (unmasking them in place) until one event is ready or
    /// the input is used up. Returns the event, if any, and the unconsumed rest of
    /// `input`; call again with the rest until it is empty. Partial frames are kept
    /// internally, so no byte ever needs to be fed twice.
    ///
    /// This is the streaming way in, for pieces of messages as they arrive; for whole
    /// messages, use a [`MessageReader`]. The event borrows only the input: data is a
    /// piece of it, control payloads are returned by value, so the connection is free to
    /// send while the event is held. With permessage-deflate, a compressed message is
    /// reported as [`Event::Inflated`] pieces of at most 64 KiB, one per call, whose bytes
    /// [`inflated`](Self::inflated) gives; one compressed frame may give many, and the
    /// rest is not empty until the last of them was reported.
    ///
    /// After the peer's Close, or after a failure, input is consumed and ignored.
    ///
    /// # Errors
    /// A [`ConnectionError`] when the peer broke the protocol or a limit. The matching
    /// Close frame is then queued: drain [`poll_transmit`](Self::poll_transmit) and write
    /// it before the error ends your loop (a `MessageReader` orders this for you). The
    /// error is reported once and later input is ignored.
    #[inline(always)]
    pub fn handle_read<'i>(
        &mut self,
        input: &'i mut [u8],
    ) -> Result<(Option<Event<'i>>, &'i mut [u8]), ConnectionError> {
        // Inlined into the caller, so the common whole message comes back in registers;
        // everything else takes the general path out of line.
        if let Some(whole) = self.peek_whole_message(input) {
            return self.deliver_whole_message(whole, input);
        }
        self.handle_read_general(input)
    }

    /// Unmasks, checks and delivers the whole message that
    /// [`peek_whole_message`](Self::peek_whole_message) found at the start of `input`.
    #[inline(always)]
    fn deliver_whole_message<'e, 'i: 'e>(
        &mut self,
        whole: whole_message::WholeMessage,
        input: &'i mut [u8],
    ) -> Result<(Option<Event<'e>>, &'i mut [u8]), ConnectionError> {
        let (frame, rest) = input.split_at_mut(whole.header_len + whole.payload_len);
        let data = &mut frame[whole.header_len..];
        let chunk = match (whole.mask, whole.kind) {
            // Text is unmasked and validated in one pass.
            (Some(key), MessageKind::Text) => crate::accel::unmask_to_str(data, key).map(text),
            (Some(key), MessageKind::Binary) => {
                crate::frame::apply_mask(data, key, 0);
                Some(DataChunk::new(MessageKind::Binary, data, true, true))
            }
            (None, MessageKind::Text) => crate::accel::to_str(data).map(text),
            (None, MessageKind::Binary) => {
                Some(DataChunk::new(MessageKind::Binary, data, true, true))
            }
        };
        match chunk {
            Some(chunk) => Ok((Some(Event::Data(chunk)), rest)),
            None => Err(self.fail(MessageError::InvalidUtf8.into())),
        }
    }

    /// Returns `true` while a compressed message is being received.
    fn is_inflating(&self) -> bool {
        #[cfg(feature = "deflate")]
        if let Some(deflate) = &self.deflate {
            return deflate.is_inflating();
        }
        false
    }

    /// [`handle_read`](Self::handle_read) for every input but a whole small message.
    fn handle_read_general<'i>(
        &mut self,
        input: &'i mut [u8],
    ) -> Result<(Option<Event<'i>>, &'i mut [u8]), ConnectionError> {
        if !self.takes_input() {
            let len = input.len();
            return Ok((None, &mut input[len..]));
        }
        let mut rest = input;
        let ready = loop {
            let (step, r) = self.next_step(rest, true)?;
            rest = r;
            match step {
                Step::NeedMore => return Ok((None, rest)),
                Step::Header => {}
                #[cfg(feature = "deflate")]
                Step::Inflated(chunk) => {
                    if let Some((kind, is_first, is_last)) = chunk {
                        break Ready::Inflated(kind, is_first, is_last);
                    }
                }
                Step::Payload { data, frame_end, .. } => {
                    if let Some(ready) =
                        self.on_payload(data, frame_end).map_err(|e| self.fail(e))?
                    {
                        break ready;
                    }
                }
            }
        };
        Ok((Some(self.event(ready)), rest))
    }

    /// Decodes the next header (and checks it) or piece of payload from `input`;
    /// `unmask` unmasks payload in place, otherwise its mask position is returned.
    /// A frame that lies whole in the input skips the decoder's states.
    #[inline]
    fn next_step<'i>(
        &mut self,
        input: &'i mut [u8],
        unmask: bool,
    ) -> Result<(Step<'i>, &'i mut [u8]), ConnectionError> {
        // With permessage-deflate, frames are decoded step by step: compressed payload
        // is taken only as far as zlib takes it (see `compression`).
        #[cfg(feature = "deflate")]
        if self.deflate.is_some() {
            if self.inflate_due() {
                return self.inflate_step(input);
            }
            return match self.decode_step(input, unmask)? {
                // The header of a compressed data frame: its payload follows at once.
                (Step::Header, rest) if self.inflate_due() => self.inflate_step(rest),
                decoded => Ok(decoded),
            };
        }
        let input =
            match self.decoder.decode_whole_masked(input).map_err(|e| self.fail(e.into()))? {
                Whole::Frame(header, data, rest) => {
                    self.on_header(&header).map_err(|e| self.fail(e))?;
                    let mask = header.mask.map(|key| (key, 0));
                    return Ok((Step::payload(data, true, mask, unmask), rest));
                }
                Whole::Partial(input) => input,
            };
        self.decode_step(input, unmask)
    }

    /// [`next_step`](Self::next_step) through the decoder's states.
    #[inline]
    fn decode_step<'i>(
        &mut self,
        input: &'i mut [u8],
        unmask: bool,
    ) -> Result<(Step<'i>, &'i mut [u8]), ConnectionError> {
        let mask = self.decoder.payload_mask();
        let (step, rest) = self.decoder.decode_masked(input).map_err(|e| self.fail(e.into()))?;
        let step = match step {
            Decoded::NeedMore => Step::NeedMore,
            Decoded::Header(header) => {
                self.on_header(&header).map_err(|e| self.fail(e))?;
                Step::Header
            }
            Decoded::Payload { data, frame_end } => Step::payload(data, frame_end, mask, unmask),
        };
        Ok((step, rest))
    }

    /// Reports that the transport reached end of stream. Without a Close from the peer
    /// this is an abnormal closure ([`close_code`](Self::close_code) becomes 1006).
    pub fn handle_eof(&mut self) {
        self.transport_closed = true;
        self.stop_output();
    }

    /// Reports that the transport can no longer be written to (a write failed, or its
    /// write half was shut down), while what it already delivered can still be read.
    /// Nothing more is queued or sent (sends fail with [`SendError::Closed`]) and the
    /// keepalive stops, but input is still handled: keep reading, and a Close the peer
    /// sent before it went away is still reported, with its code, instead of an
    /// abnormal closure. [`should_close_transport`](Self::should_close_transport) is
    /// `true` once that Close arrived, the connection failed, or the transport ended
    /// ([`handle_eof`](Self::handle_eof)); the close timer bounds the wait.
    ///
    /// ```
    /// use rfc6455::{CloseCode, Config, Connection, Event, SliceSink};
    /// let mut server = Connection::server(Config::default());
    /// let mut client = Connection::client(Config::default(), [9; 16]);
    /// let mut wire = [0u8; 16];
    /// let mut out = SliceSink::new(&mut wire);
    /// client.close(CloseCode::GOING_AWAY, "", &mut out)?;
    /// let len = out.len();
    /// // The server's write fails (the client is gone), but the Close was read.
    /// server.handle_write_closed();
    /// let (event, _) = server.handle_read(&mut wire[..len])?;
    /// assert!(matches!(event, Some(Event::Close(c)) if c.code() == Some(CloseCode::GOING_AWAY)));
    /// assert!(!server.wants_transmit() && server.should_close_transport());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle_write_closed(&mut self) {
        if !self.write_closed {
            self.write_closed = true;
            self.stop_output();
            self.timers.arm_close(self.config.close_timeout);
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) wants to be called: a time since
    /// the caller's epoch, as `handle_timeout` takes it; `None` when no timer runs.
    /// Before the first `handle_timeout`, armed timers have no clock yet and this is
    /// [`Duration::ZERO`] (a time already past): call `handle_timeout` at once, which
    /// starts them.
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.transport_closed {
            return None;
        }
        self.timers.next().map(Duration::from_nanos)
    }

    /// Advances the connection's clock to `now` (the time since an epoch of the
    /// caller's choice, monotonic) and acts on what is due: queues a keepalive ping,
    /// fails the connection when the pong is overdue, or gives up waiting for the close
    /// handshake (after which [`should_close_transport`](Self::should_close_transport)
    /// is `true`).
    pub fn handle_timeout(&mut self, now: Duration) {
        let due = self.timers.expire(timers::nanos(now));
        if due.close_timeout {
            self.transport_closed = true;
            self.stop_output();
        }
        if due.pong_timeout && self.state() == State::Open {
            self.fail(ConnectionError::PongTimeout);
        } else if due.send_ping && self.state() == State::Open && !self.write_closed {
            self.pending.ping = true;
        }
    }

    fn on_header(&mut self, header: &FrameHeader) -> Result<(), ConnectionError> {
        if header.opcode.is_control() {
            if header.rsv != 0 {
                // Only reachable with an extension that allows RSV1 (RFC 7692 §6).
                return Err(FrameError::ReservedBits(header.rsv).into());
            }
            self.control = Some(header.opcode);
            self.control_payload = ControlPayload::EMPTY;
            return Ok(());
        }
        self.control = None;
        self.assembler.on_header(header)?;
        #[cfg(feature = "deflate")]
        if let Some(deflate) = &mut self.deflate {
            deflate.on_header(header)?;
        }
        Ok(())
    }

    /// Processes payload bytes; returns what to report once an event is ready.
    fn on_payload<'i>(
        &mut self,
        data: &'i [u8],
        frame_end: bool,
    ) -> Result<Option<Ready<'i>>, ConnectionError> {
        let Some(opcode) = self.control else {
            // (Compressed payload takes `inflate_step` instead.)
            return Ok(self.assembler.on_payload(data, frame_end)?.map(Ready::Data));
        };
        // The header check bounds control payloads to 125 bytes, so this always fits.
        self.control_payload.extend(data);
        if !frame_end {
            return Ok(None);
        }
        self.control = None;
        match opcode {
            OpCode::Ping => {
                if self.config.auto_pong && self.can_send() && self.pending.close.is_none() {
                    self.pending.pong = Some(self.control_payload);
                }
            }
            OpCode::Pong => self.timers.pong_received(),
            _ => self.on_close()?,
        }
        Ok(Some(Ready::Control(opcode)))
    }

    /// Turns a ready step into the event; control payloads are copied out of `self`.
    fn event<'i>(&self, ready: Ready<'i>) -> Event<'i> {
        match ready {
            Ready::Data(chunk) => Event::Data(chunk),
            Ready::Control(OpCode::Ping) => Event::Ping(self.control_payload),
            Ready::Control(OpCode::Pong) => Event::Pong(self.control_payload),
            Ready::Control(_) => Event::Close(self.close_received.unwrap_or(CloseFrame::EMPTY)),
            #[cfg(feature = "deflate")]
            Ready::Inflated(kind, is_first, is_last) => Event::Inflated { kind, is_first, is_last },
        }
    }

    /// The bytes of the last [`Event::Inflated`]: a piece of a compressed message
    /// (permessage-deflate), inflated into the connection; empty when there is none. The
    /// next [`handle_read`](Self::handle_read) replaces them. Text pieces were checked
    /// as they were inflated (a piece may end inside a code point).
    pub fn inflated(&self) -> &[u8] {
        #[cfg(feature = "deflate")]
        if let Some(deflate) = &self.deflate {
            return deflate.output();
        }
        &[]
    }

    /// Whether received bytes are still handled: not after the peer's Close, a failure,
    /// or the end of the transport. (The one place that says when input is over.)
    #[inline(always)]
    fn takes_input(&self) -> bool {
        self.close_received.is_none() && self.failure.is_none() && !self.transport_closed
    }

    /// Nothing more is sent on the protocol's own account: the queued pong, keepalive
    /// ping and Close are dropped, the keepalive stops. (The transport ended or cannot
    /// write, or a timeout gave up on the peer.)
    fn stop_output(&mut self) {
        self.output_open = false;
        self.pending = Pending::default();
        self.timers.stop_keepalive();
    }

    fn on_close(&mut self) -> Result<(), ConnectionError> {
        let frame = CloseFrame::parse(self.control_payload.as_bytes())?;
        self.close_received = Some(frame);
        // A pong for a ping that came before the Close still goes out (before our
        // Close), however late the caller drains `poll_transmit`.
        self.pending.ping = false;
        self.timers.stop_keepalive();
        if !self.close_sent && !self.write_closed && self.pending.close.is_none() {
            self.pending.close = Some(frame.code());
        }
        Ok(())
    }

    /// Fails the connection: queues one Close with the error's code, stops input.
    fn fail(&mut self, error: ConnectionError) -> ConnectionError {
        if self.failure.is_none() {
            self.failure = Some(error);
            self.output_open = false;
            self.pending.pong = None;
            self.pending.ping = false;
            self.timers.stop_keepalive();
            if !self.close_sent && !self.write_closed {
                self.pending.close = Some(Some(error.close_code()));
            }
        }
        error
    }
}

#[cfg(test)]
mod tests;
