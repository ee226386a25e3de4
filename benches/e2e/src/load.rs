//! The load generator, the same for every server: precomputed masked client frames out,
//! every echo byte compared with what the server must send back.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// The client's masking key (fixed: the generator's frames are precomputed).
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
/// The handshake's key and the accept token the RFC gives for it (section 1.3).
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// How the generator talks to a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// The opening handshake, then masked frames; echoes are unmasked server frames.
    WebSocket {
        /// Offer permessage-deflate (and require it in the answer).
        deflate: bool,
    },
    /// No handshake; the echo is the masked frames themselves (the TCP echo).
    Raw,
}

/// A frame header for a binary message of `len` bytes, masked with [`MASK`] or not.
fn header(len: usize, masked: bool) -> Vec<u8> {
    let bit = if masked { 0x80 } else { 0 };
    let mut h = vec![0x82];
    match len {
        0..=125 => h.push(bit | len as u8),
        126..=0xffff => {
            h.push(bit | 126);
            h.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            h.push(bit | 127);
            h.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    if masked {
        h.extend_from_slice(&MASK);
    }
    h
}

/// The message payload: deterministic, not repetitive within 64 KiB.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(7) ^ (i >> 8) ^ (i >> 16)) as u8).collect()
}

/// The frames for messages of one size: what to send, what must come back.
pub struct Frames {
    /// One masked client frame.
    pub client: Arc<[u8]>,
    /// `in_flight` client frames back to back (the generator writes slices of it).
    pub burst: Arc<[u8]>,
    /// The exact bytes of one echo.
    pub echo: Arc<[u8]>,
}

impl Frames {
    /// The frames for `size`-byte binary messages.
    pub fn new(size: usize, in_flight: usize, proto: Proto) -> Self {
        let data = payload(size);
        let mut client = header(size, true);
        client.extend(data.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
        let echo = match proto {
            Proto::Raw => client.clone(),
            Proto::WebSocket { .. } => {
                let mut e = header(size, false);
                e.extend_from_slice(&data);
                e
            }
        };
        let burst = client.repeat(in_flight);
        Self { client: client.into(), burst: burst.into(), echo: echo.into() }
    }
}

/// Compares an echo stream with the expected frame repeated, byte for byte, however
/// the reads cut it.
pub struct Verifier {
    echo: Arc<[u8]>,
    pos: usize,
    /// Messages completed so far.
    pub messages: u64,
}

impl Verifier {
    /// Expects `echo` again and again.
    pub fn new(echo: Arc<[u8]>) -> Self {
        Self { echo, pos: 0, messages: 0 }
    }

    /// Checks `data`, the next bytes read; returns how many echoes it completed.
    ///
    /// # Errors
    /// Where the first byte that differs is.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<u64, String> {
        let before = self.messages;
        while !data.is_empty() {
            let n = data.len().min(self.echo.len() - self.pos);
            if data[..n] != self.echo[self.pos..self.pos + n] {
                let at = data.iter().zip(&self.echo[self.pos..]).position(|(a, b)| a != b);
                return Err(format!(
                    "echo {} differs at byte {} of {}",
                    self.messages + 1,
                    self.pos + at.unwrap_or(0),
                    self.echo.len()
                ));
            }
            self.pos += n;
            data = &data[n..];
            if self.pos == self.echo.len() {
                self.pos = 0;
                self.messages += 1;
            }
        }
        Ok(self.messages - before)
    }
}

/// Connects, and for WebSocket does the opening handshake, checking the 101.
///
/// # Errors
/// What went wrong, as text.
pub async fn connect(addr: SocketAddr, proto: Proto) -> Result<TcpStream, String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let Proto::WebSocket { deflate } = proto else {
        return Ok(stream);
    };
    let offer = if deflate {
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    } else {
        ""
    };
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n"
    );
    stream.write_all(request.as_bytes()).await.map_err(|e| format!("handshake write: {e}"))?;
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    // Byte by byte: nothing after the head may be taken from the stream.
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 4096 || stream.read(&mut byte).await.map_err(|e| e.to_string())? == 0 {
            return Err(format!("bad handshake answer {:?}", String::from_utf8_lossy(&head)));
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let ok = head.starts_with("http/1.1 101")
        && head.contains(&ACCEPT.to_ascii_lowercase())
        && (!deflate || head.contains("permessage-deflate"));
    if !ok {
        return Err(format!("unexpected handshake answer {head:?}"));
    }
    Ok(stream)
}

/// A throughput cell: message size, connections, messages in flight per connection.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Payload bytes per message.
    pub size: usize,
    /// Connections.
    pub conns: usize,
    /// Messages outstanding per connection.
    pub in_flight: usize,
}

/// Echoes counted by all connections, and the first error.
#[derive(Default)]
pub struct Progress {
    /// Echoes received and verified.
    pub messages: AtomicU64,
    /// The first failure of any connection.
    pub error: Mutex<Option<String>>,
}

impl Progress {
    fn fail(&self, e: String) {
        self.error.lock().expect("never poisoned").get_or_insert(e);
    }

    /// The first failure, if any.
    pub fn error(&self) -> Option<String> {
        self.error.lock().expect("never poisoned").clone()
    }
}

/// Opens `load.conns` connections and keeps `load.in_flight` messages outstanding on
/// each until the runtime drops the tasks. The returned progress counts the echoes.
///
/// # Errors
/// When a connection cannot be opened.
pub async fn start(addr: SocketAddr, proto: Proto, load: Load) -> Result<Arc<Progress>, String> {
    let frames = Frames::new(load.size, load.in_flight, proto);
    let progress = Arc::new(Progress::default());
    let mut streams = Vec::with_capacity(load.conns);
    for _ in 0..load.conns {
        streams.push(connect(addr, proto).await?);
    }
    for stream in streams {
        let _ = stream.set_nodelay(true);
        let (burst, echo, p) = (frames.burst.clone(), frames.echo.clone(), progress.clone());
        let frame_len = frames.client.len();
        tokio::spawn(async move {
            if let Err(e) = keep_busy(stream, burst, frame_len, echo, &p).await {
                p.fail(e);
            }
        });
    }
    Ok(progress)
}

/// One connection: a writer that sends one message per echo, a reader that verifies.
async fn keep_busy(
    stream: TcpStream,
    burst: Arc<[u8]>,
    frame_len: usize,
    echo: Arc<[u8]>,
    progress: &Progress,
) -> Result<(), String> {
    let (mut rd, mut wr) = stream.into_split();
    let credits = Arc::new((AtomicUsize::new(0), Notify::new()));
    let c = credits.clone();
    // The writer runs beside the reader: a server blocked writing echoes must never
    // wait for the generator to finish a write.
    let writer = tokio::spawn(async move {
        wr.write_all(&burst).await?;
        loop {
            c.1.notified().await;
            let k = c.0.swap(0, Ordering::AcqRel);
            wr.write_all(&burst[..k * frame_len]).await?;
        }
        #[allow(unreachable_code)]
        Ok::<(), std::io::Error>(())
    });
    let _abort = AbortOnDrop(writer);
    let mut verifier = Verifier::new(echo);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = rd.read(&mut buf).await.map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        let k = verifier.feed(&buf[..n])?;
        if k > 0 {
            progress.messages.fetch_add(k, Ordering::Relaxed);
            credits.0.fetch_add(k as usize, Ordering::AcqRel);
            credits.1.notify_one();
        }
    }
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Ping-pong on one connection: one message in flight, each round trip timed (in
/// nanoseconds) from `from` until `until`; rounds before `from` warm up.
///
/// # Errors
/// A failed connection or a wrong echo.
pub async fn ping_pong(
    addr: SocketAddr,
    proto: Proto,
    size: usize,
    from: Instant,
    until: Instant,
) -> Result<Vec<u32>, String> {
    let frames = Frames::new(size, 1, proto);
    let mut stream = connect(addr, proto).await?;
    let _ = stream.set_nodelay(true);
    let mut verifier = Verifier::new(frames.echo.clone());
    let mut buf = vec![0u8; 64 * 1024];
    let mut rtts = Vec::with_capacity(1 << 20);
    loop {
        let sent = Instant::now();
        if sent >= until {
            return Ok(rtts);
        }
        stream.write_all(&frames.client).await.map_err(|e| format!("write: {e}"))?;
        let mut done = 0;
        while done == 0 {
            let n = stream.read(&mut buf).await.map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            done = verifier.feed(&buf[..n])?;
        }
        if sent >= from {
            rtts.push(sent.elapsed().as_nanos().min(u32::MAX as u128) as u32);
        }
    }
}

/// A compressed message (RFC 7692) without compression: one stored deflate block of
/// `data`, the trailing empty block's `00 00 ff ff` removed, in a masked frame with RSV1.
pub fn stored_deflate_frame(data: &[u8]) -> Vec<u8> {
    let len = data.len() as u16;
    let mut deflated = vec![0x00];
    deflated.extend_from_slice(&len.to_le_bytes());
    deflated.extend_from_slice(&(!len).to_le_bytes());
    deflated.extend_from_slice(data);
    deflated.push(0x00);
    let mut frame = header(deflated.len(), true);
    frame[0] |= 0x40;
    frame.extend(deflated.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    frame
}

/// Opens `n` connections and leaves them idle. With `compressed_once`, sends one
/// compressed message on each first and waits for its (compressed) echo.
///
/// # Errors
/// A failed connection or handshake, or an echo that is not a compressed frame.
pub async fn open_idle(
    addr: SocketAddr,
    proto: Proto,
    n: usize,
    compressed_once: bool,
) -> Result<Vec<TcpStream>, String> {
    let message = stored_deflate_frame(&payload(64));
    let mut streams = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = connect(addr, proto).await?;
        if compressed_once {
            stream.write_all(&message).await.map_err(|e| e.to_string())?;
            let mut head = [0u8; 2];
            stream.read_exact(&mut head).await.map_err(|e| e.to_string())?;
            if head[0] != 0xC2 || head[1] >= 126 {
                return Err(format!("expected a short compressed binary echo, got {head:02x?}"));
            }
            let mut rest = vec![0u8; usize::from(head[1])];
            stream.read_exact(&mut rest).await.map_err(|e| e.to_string())?;
        }
        streams.push(stream);
    }
    Ok(streams)
}

/// Runs `f` on a fresh current-thread runtime (the generator's), dropping every task
/// and connection it left when it returns.
pub fn on_runtime<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
        .block_on(f)
}

/// Sleeps on the runtime (the tasks keep running).
pub async fn sleep(d: Duration) {
    tokio::time::sleep(d).await;
}
