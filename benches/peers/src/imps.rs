//! One driver per implementation and workload direction, each written the way an
//! application would use that crate's public API with the least work for the workload.
//!
//! Receive drivers deliver whole messages (text validated as UTF-8) to a [`Check`] and
//! stop after the workload's message count. Send drivers write every frame to the
//! [`Transport`] and flush at the end. Each pass starts a fresh connection.

use futures_util::{SinkExt, StreamExt};
use tokio::runtime::Runtime;

use crate::check::Check;
use crate::io::{ChunkReader, MemStream, Transport, READ_CHUNK, SEND_FLUSH};
use crate::workload::{RecvData, SendData, Workload, MAX_MESSAGE};

/// Told after each message a send driver wrote (used by the allocation counter).
pub trait Progress {
    /// One more message was sent.
    fn sent(&mut self) {}
}

impl Progress for () {}

/// The implementations compared, and the memcpy baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Impl {
    /// This repository's crate.
    Rfc6455,
    /// tungstenite (blocking `Read`/`Write`).
    Tungstenite,
    /// fastwebsockets (tokio).
    Fastwebsockets,
    /// tokio-websockets (tokio).
    TokioWebsockets,
    /// embedded-websocket (no_std, caller buffers).
    EmbeddedWebsocket,
    /// One `copy_from_slice` of the same payload bytes, plus the same checks.
    Memcpy,
}

impl Impl {
    /// Every implementation, in table order.
    pub const ALL: [Self; 6] = [
        Self::Rfc6455,
        Self::Tungstenite,
        Self::Fastwebsockets,
        Self::TokioWebsockets,
        Self::EmbeddedWebsocket,
        Self::Memcpy,
    ];

    /// The crate name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Rfc6455 => "rfc6455",
            Self::Tungstenite => "tungstenite",
            Self::Fastwebsockets => "fastwebsockets",
            Self::TokioWebsockets => "tokio-websockets",
            Self::EmbeddedWebsocket => "embedded-websocket",
            Self::Memcpy => "memcpy",
        }
    }

    /// Parses a crate name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name().eq_ignore_ascii_case(s))
    }

    /// Why this implementation cannot run `w`, if it cannot.
    pub const fn unsupported(self, w: Workload) -> Option<&'static str> {
        match (self, w) {
            // embedded-websocket 0.9.5 clears its partial-frame state only at a frame with
            // FIN set: once a non-final fragment's payload straddles two reads, every later
            // `read` consumes nothing and returns nothing (the driver's no-progress guard
            // reports it). W5's 1 KiB fragments cross every 64 KiB read boundary.
            (Self::EmbeddedWebsocket, Workload::W5) => Some(
                "embedded-websocket 0.9.5 stops making progress once a non-final fragment \
                 straddles two reads (partial-frame state is cleared only on FIN)",
            ),
            _ => None,
        }
    }

    /// Receives one pass of `d`, delivering every message to `c`.
    ///
    /// # Errors
    /// The implementation's error, as text.
    pub fn recv<C: Check>(
        self,
        d: &RecvData,
        rt: &Runtime,
        t: &mut Transport,
        c: &mut C,
    ) -> Result<(), String> {
        match self {
            Self::Rfc6455 => recv_rfc6455(d, c),
            Self::Tungstenite => recv_tungstenite(d, t, c),
            Self::Fastwebsockets => rt.block_on(recv_fastwebsockets(d, t, c)),
            Self::TokioWebsockets => rt.block_on(recv_tokio_websockets(d, t, c)),
            Self::EmbeddedWebsocket => recv_embedded(d, c),
            Self::Memcpy => recv_memcpy(d, c),
        }
    }

    /// Sends one pass of `d` into `t`.
    ///
    /// # Errors
    /// The implementation's error, as text.
    pub fn send<P: Progress>(
        self,
        d: &SendData,
        rt: &Runtime,
        t: &mut Transport,
        p: &mut P,
    ) -> Result<(), String> {
        match self {
            Self::Rfc6455 => send_rfc6455(d, t, p),
            Self::Tungstenite => send_tungstenite(d, t, p),
            Self::Fastwebsockets => rt.block_on(send_fastwebsockets(d, t, p)),
            Self::TokioWebsockets => rt.block_on(send_tokio_websockets(d, t, p)),
            Self::EmbeddedWebsocket => send_embedded(d, t, p),
            Self::Memcpy => {
                send_memcpy(d, t, p);
                Ok(())
            }
        }
    }
}

/// The single-threaded runtime the async implementations run on.
///
/// # Panics
/// If tokio cannot build one.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread().build().expect("tokio runtime")
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

// ---------------------------------------------------------------------------- rfc6455

/// The crate's settings for every workload: default, with the limits raised to 16 MiB +
/// slack for W3.
// Field by field, so the harness keeps compiling if `Config` becomes `#[non_exhaustive]`.
#[allow(clippy::field_reassign_with_default)]
pub fn rfc6455_config() -> rfc6455::Config {
    let mut config = rfc6455::Config::default();
    config = config.with_max_frame_len(MAX_MESSAGE as u64);
    config = config.with_max_message_len(MAX_MESSAGE as u64);
    config
}

/// The message buffer the `rfc6455` receive driver uses: it keeps its capacity up to the
/// largest message between messages (the default keeps 64 KiB and would reallocate on
/// every W3 and W5 message; `allocs` reports both).
pub fn rfc6455_message_buffer() -> rfc6455::message::MessageBuffer {
    rfc6455::message::MessageBuffer::with_retained_capacity(MAX_MESSAGE)
}

fn recv_rfc6455<C: Check>(d: &RecvData, c: &mut C) -> Result<(), String> {
    recv_rfc6455_with(d, c, rfc6455_message_buffer())
}

/// The bytes the `rfc6455` receive loop reads at a time: small enough that a read stays
/// in L1 while it is unmasked and validated (against 64 KiB, in three alternating runs
/// each: W2 +15-20 %, W5 +5 %, W1 and W4 the same within the noise; 4 KiB was slower
/// on W1, W4 and W5), which is what the crate's documentation recommends.
pub const RFC6455_READ: usize = 16 << 10;

/// The `rfc6455` receive loop on a new connection and a [`MessageReader`](rfc6455::MessageReader)
/// over a [`RFC6455_READ`]-byte read buffer and `messages`; see [`rfc6455_receive`].
///
/// # Errors
/// The connection's error.
pub fn recv_rfc6455_with<C: Check>(
    d: &RecvData,
    c: &mut C,
    messages: rfc6455::message::MessageBuffer,
) -> Result<(), String> {
    let mut conn = rfc6455::Connection::server(rfc6455_config());
    let mut reader = rfc6455::MessageReader::new(vec![0u8; RFC6455_READ], messages);
    rfc6455_receive(d, &mut conn, &mut reader, c)
}

/// The `rfc6455` receive loop: each read goes where the [`MessageReader`](rfc6455::MessageReader)'s
/// `spare()` says, then `next()` hands out every whole message it completed. A message
/// that lies whole in the read buffer is used in place (zero copy), and so is one that a
/// read cut short but that fits in it: the reader keeps its start and the next read
/// lands after it. The pieces of any other are unmasked into the reader's
/// `MessageBuffer` as they are copied; when a frame's payload is still pending after a
/// read, `spare()` lends room in the `MessageBuffer` itself, so most of a large message
/// is read straight where it is delivered and never copied again.
///
/// # Errors
/// The connection's error, or the stream ending inside a message kept in the read
/// buffer. (A stream that ends inside a frame whose payload goes straight into the store
/// is not told apart from a clean end: the reader does not say where it lent room; the
/// message it never completes is missing from the check's count.)
// Every driver is a function of its own (`#[inline(never)]`), not inlined into
// `Impl::recv` / `Impl::send` with all the others: inlined there, this loop's state
// spilled to the stack (W1 1.52-1.59 GB/s inlined, 1.68-1.77 not, W5 6.19-6.29 against
// 6.64-6.87, alternating probe runs), and the other drivers get the same treatment.
#[inline(never)]
pub fn rfc6455_receive<C: Check, R: AsRef<[u8]> + AsMut<[u8]>>(
    d: &RecvData,
    conn: &mut rfc6455::Connection,
    reader: &mut rfc6455::MessageReader<R, rfc6455::message::MessageBuffer>,
    c: &mut C,
) -> Result<(), String> {
    use rfc6455::Received;

    let mut input = ChunkReader::new(&d.wire);
    loop {
        let n = input.read_into(reader.spare(conn).map_err(err)?);
        if n == 0 {
            return if reader.buffered() == 0 {
                Ok(())
            } else {
                Err("end of stream inside a frame".into())
            };
        }
        reader.filled(n);
        while let Some(message) = reader.next(conn) {
            match message {
                Received::Text(text) => c.message(true, text.as_bytes()),
                Received::Binary(bytes) => c.message(false, bytes),
                Received::Ping(_) | Received::Pong(_) | Received::Close(_) => {}
            }
        }
    }
}

#[inline(never)]
fn send_rfc6455<P: Progress>(d: &SendData, t: &mut Transport, p: &mut P) -> Result<(), String> {
    use rfc6455::Connection;

    let mut conn = if d.masked {
        Connection::client(rfc6455_config(), [0x5A; 16])
    } else {
        Connection::server(rfc6455_config())
    };
    let mut out = Vec::with_capacity(SEND_FLUSH + d.frame_len);
    for _ in 0..d.count {
        conn.send_binary(&d.payload, &mut out).map_err(err)?;
        if out.len() >= SEND_FLUSH {
            t.write_bytes(&out);
            out.clear();
        }
        p.sent();
    }
    t.write_bytes(&out);
    Ok(())
}

// ------------------------------------------------------------------------ tungstenite

fn tungstenite_config() -> tungstenite::protocol::WebSocketConfig {
    tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

#[inline(never)]
fn recv_tungstenite<C: Check>(d: &RecvData, t: &mut Transport, c: &mut C) -> Result<(), String> {
    use tungstenite::protocol::Role;
    use tungstenite::Message;

    let stream = MemStream::new(&d.wire, t);
    let mut ws =
        tungstenite::WebSocket::from_raw_socket(stream, Role::Server, Some(tungstenite_config()));
    let mut got = 0;
    while got < d.count() {
        match ws.read().map_err(err)? {
            Message::Binary(b) => c.message(false, &b),
            Message::Text(s) => c.message(true, s.as_bytes()),
            _ => continue,
        }
        got += 1;
    }
    Ok(())
}

#[inline(never)]
fn send_tungstenite<P: Progress>(d: &SendData, t: &mut Transport, p: &mut P) -> Result<(), String> {
    use tungstenite::protocol::Role;
    use tungstenite::Message;

    let role = if d.masked { Role::Client } else { Role::Server };
    let stream = MemStream::new(&[], t);
    let mut ws = tungstenite::WebSocket::from_raw_socket(stream, role, Some(tungstenite_config()));
    for _ in 0..d.count {
        ws.write(Message::Binary(d.bytes.clone())).map_err(err)?;
        p.sent();
    }
    ws.flush().map_err(err)
}

// --------------------------------------------------------------------- fastwebsockets

async fn recv_fastwebsockets<C: Check>(
    d: &RecvData,
    t: &mut Transport,
    c: &mut C,
) -> Result<(), String> {
    use fastwebsockets::{FragmentCollector, OpCode, Role, WebSocket};

    let mut ws = WebSocket::after_handshake(MemStream::new(&d.wire, t), Role::Server);
    ws.set_max_message_size(MAX_MESSAGE);
    // The collector returns whole messages (fragments joined, text validated); for
    // single-frame messages it passes the frame through.
    let mut ws = FragmentCollector::new(ws);
    let mut got = 0;
    while got < d.count() {
        let frame = ws.read_frame().await.map_err(err)?;
        match frame.opcode {
            OpCode::Binary => c.message(false, &frame.payload),
            OpCode::Text => c.message(true, &frame.payload),
            _ => continue,
        }
        got += 1;
    }
    Ok(())
}

async fn send_fastwebsockets<P: Progress>(
    d: &SendData,
    t: &mut Transport,
    p: &mut P,
) -> Result<(), String> {
    use fastwebsockets::{Frame, Payload, Role, WebSocket};

    let role = if d.masked { Role::Client } else { Role::Server };
    let mut ws = WebSocket::after_handshake(MemStream::new(&[], t), role);
    if d.masked {
        // Masking is in place: a borrowed payload would be copied into a new Vec per
        // frame, so the application copies into one reused scratch buffer instead.
        let mut scratch = d.payload.clone();
        for _ in 0..d.count {
            scratch.copy_from_slice(&d.payload);
            ws.write_frame(Frame::binary(Payload::BorrowedMut(&mut scratch))).await.map_err(err)?;
            p.sent();
        }
    } else {
        for _ in 0..d.count {
            ws.write_frame(Frame::binary(Payload::Borrowed(&d.payload))).await.map_err(err)?;
            p.sent();
        }
    }
    ws.flush().await.map_err(err)
}

// ------------------------------------------------------------------- tokio-websockets

async fn recv_tokio_websockets<C: Check>(
    d: &RecvData,
    t: &mut Transport,
    c: &mut C,
) -> Result<(), String> {
    use tokio_websockets::{Limits, ServerBuilder};

    let mut ws = ServerBuilder::new()
        .limits(Limits::default().max_payload_len(Some(MAX_MESSAGE)))
        .serve(MemStream::new(&d.wire, t));
    let mut got = 0;
    while got < d.count() {
        let msg = ws.next().await.ok_or("end of stream")?.map_err(err)?;
        if !(msg.is_text() || msg.is_binary()) {
            continue;
        }
        c.message(msg.is_text(), msg.as_payload());
        got += 1;
    }
    Ok(())
}

async fn send_tokio_websockets<P: Progress>(
    d: &SendData,
    t: &mut Transport,
    p: &mut P,
) -> Result<(), String> {
    use tokio_websockets::{ClientBuilder, Message, ServerBuilder};

    let stream = MemStream::new(&[], t);
    let mut ws = if d.masked {
        ClientBuilder::new().take_over(stream)
    } else {
        ServerBuilder::new().serve(stream)
    };
    for _ in 0..d.count {
        // `feed` queues without flushing; the sink flushes past its 8 KiB threshold.
        ws.feed(Message::binary(d.bytes.clone())).await.map_err(err)?;
        p.sent();
    }
    ws.flush().await.map_err(err)
}

// ----------------------------------------------------------------- embedded-websocket

/// A deterministic generator for embedded-websocket's client masking keys.
struct MaskRng(crate::workload::Rng);

impl rand_core::RngCore for MaskRng {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u64() as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.fill(dest);
        Ok(())
    }
}

/// embedded-websocket's `read(from, to)` decodes (and unmasks) from a read buffer into a
/// message buffer. Its `Framer` fails when a frame header straddles two reads, so this
/// driver keeps the unconsumed tail and reads after it, as a correct application must.
#[inline(never)]
fn recv_embedded<C: Check>(d: &RecvData, c: &mut C) -> Result<(), String> {
    use embedded_websocket::{Error, WebSocketReceiveMessageType, WebSocketServer, WebSocketState};

    let mut ws = WebSocketServer::new_server();
    ws.state = WebSocketState::Open;
    let mut reader = ChunkReader::new(&d.wire);
    let mut read_buf = vec![0u8; READ_CHUNK + 16];
    let mut message = vec![0u8; d.max_len];
    let (mut start, mut end, mut len) = (0, 0, 0);
    loop {
        read_buf.copy_within(start..end, 0);
        end -= start;
        start = 0;
        let n = reader.read_into(&mut read_buf[end..]);
        if n == 0 {
            return if end == 0 { Ok(()) } else { Err("trailing bytes".into()) };
        }
        end += n;
        while start < end {
            let r = match ws.read(&read_buf[start..end], &mut message[len..]) {
                Ok(r) => r,
                Err(Error::ReadFrameIncomplete) => break,
                Err(e) => return Err(err(e)),
            };
            if r.len_from == 0 && r.len_to == 0 && !r.end_of_message {
                return Err("no progress: read consumed nothing".into());
            }
            start += r.len_from;
            let text = match r.message_type {
                WebSocketReceiveMessageType::Binary => false,
                WebSocketReceiveMessageType::Text => true,
                _ => continue,
            };
            len += r.len_to;
            if r.end_of_message {
                let m = &message[..len];
                if text {
                    core::str::from_utf8(m).map_err(err)?;
                }
                c.message(text, m);
                len = 0;
            }
        }
    }
}

#[inline(never)]
fn send_embedded<P: Progress>(d: &SendData, t: &mut Transport, p: &mut P) -> Result<(), String> {
    use embedded_websocket::{WebSocketClient, WebSocketSendMessageType, WebSocketState};
    use embedded_websocket::{WebSocketServer, WebSocketType};

    fn run<R: rand_core::RngCore, S: WebSocketType, P: Progress>(
        ws: &mut embedded_websocket::WebSocket<R, S>,
        d: &SendData,
        t: &mut Transport,
        p: &mut P,
    ) -> Result<(), String> {
        let mut buf = vec![0u8; SEND_FLUSH + d.frame_len];
        let mut pos = 0;
        for _ in 0..d.count {
            pos += ws
                .write(WebSocketSendMessageType::Binary, true, &d.payload, &mut buf[pos..])
                .map_err(err)?;
            if pos >= SEND_FLUSH {
                t.write_bytes(&buf[..pos]);
                pos = 0;
            }
            p.sent();
        }
        t.write_bytes(&buf[..pos]);
        Ok(())
    }

    if d.masked {
        let mut ws: WebSocketClient<MaskRng> =
            WebSocketClient::new_client(MaskRng(crate::workload::Rng::new(0x5A5A)));
        ws.state = WebSocketState::Open;
        run(&mut ws, d, t, p)
    } else {
        let mut ws = WebSocketServer::new_server();
        ws.state = WebSocketState::Open;
        run(&mut ws, d, t, p)
    }
}

// ----------------------------------------------------------------------------- memcpy

/// The baseline: each frame's payload bytes copied once (`copy_from_slice`) from a
/// payload-only source as large as the wire into a message buffer, then the same check.
#[inline(never)]
fn recv_memcpy<C: Check>(d: &RecvData, c: &mut C) -> Result<(), String> {
    let mut dst = vec![0u8; d.max_len];
    for m in d.messages() {
        if d.fragment == 0 {
            dst[..m.len()].copy_from_slice(m);
        } else {
            for (i, piece) in m.chunks(d.fragment).enumerate() {
                dst[i * d.fragment..][..piece.len()].copy_from_slice(piece);
            }
        }
        c.message(d.text, &dst[..m.len()]);
    }
    Ok(())
}

/// The send baseline: each payload copied once (`copy_from_slice`) into an output buffer
/// that is handed to the transport once it holds 64 KiB, like the buffering senders.
#[inline(never)]
fn send_memcpy<P: Progress>(d: &SendData, t: &mut Transport, p: &mut P) {
    let len = d.payload.len();
    let mut buf = vec![0u8; SEND_FLUSH + len];
    let mut pos = 0;
    for _ in 0..d.count {
        buf[pos..pos + len].copy_from_slice(&d.payload);
        pos += len;
        if pos >= SEND_FLUSH {
            t.write_bytes(&buf[..pos]);
            pos = 0;
        }
        p.sent();
    }
    t.write_bytes(&buf[..pos]);
}
