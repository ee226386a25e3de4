//! In-memory transports shared by every implementation.
//!
//! Reading: every implementation gets the pre-encoded wire through a [`ChunkReader`],
//! which hands out at most [`READ_CHUNK`] bytes per read call and copies them into the
//! caller's buffer (the copy a socket read makes). Each implementation asks with its own
//! buffer; `rfc6455` is driven with a 16 KiB read buffer ([`RFC6455_READ`](crate::imps::RFC6455_READ)).
//!
//! Writing: every implementation's output goes to a [`Transport`], which takes the bytes
//! without copying them (a socket write's copy is the same for every implementation and
//! for the baseline, so it is left out; on the send side the one copy that counts is the
//! one that builds frames in user space). It counts the bytes and folds one byte every
//! `stride` stream positions into a checksum.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::ReadBuf;

use crate::check::Tally;

/// The most bytes one read call returns.
pub const READ_CHUNK: usize = 64 << 10;
/// The buffered output after which `rfc6455` and embedded-websocket write to the transport.
pub const SEND_FLUSH: usize = 64 << 10;
/// The transport's sampling stride for unmasked output (a prime, so samples fall on every
/// header and payload offset over a long stream).
pub const SEND_SAMPLE_STRIDE: u64 = 1021;

/// A reader over a byte slice that returns at most [`READ_CHUNK`] bytes per call.
#[derive(Debug)]
pub struct ChunkReader<'a> {
    src: &'a [u8],
    pos: usize,
}

impl<'a> ChunkReader<'a> {
    /// A reader over `src`.
    pub const fn new(src: &'a [u8]) -> Self {
        Self { src, pos: 0 }
    }

    /// Copies the next `min(buf.len(), READ_CHUNK, remaining)` bytes into `buf`.
    #[inline]
    pub fn read_into(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(READ_CHUNK).min(self.src.len() - self.pos);
        buf[..n].copy_from_slice(&self.src[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// `true` once every byte was read.
    pub const fn is_done(&self) -> bool {
        self.pos == self.src.len()
    }
}

/// The write side: a byte count and a sampled checksum (and, for validation, a copy).
#[derive(Debug)]
pub struct Transport {
    written: u64,
    stride: u64,
    next_sample: u64,
    sum: u64,
    record: Option<Vec<u8>>,
}

impl Transport {
    /// A transport that samples one byte every `stride` positions.
    pub fn new(stride: u64) -> Self {
        Self { written: 0, stride, next_sample: 0, sum: 0, record: None }
    }

    /// A transport that also keeps everything written (for validation).
    pub fn recording(stride: u64) -> Self {
        Self { record: Some(Vec::new()), ..Self::new(stride) }
    }

    /// Bytes written and the sampled checksum.
    pub const fn tally(&self) -> Tally {
        Tally { count: self.written, sum: self.sum }
    }

    /// Everything written, for a recording transport.
    pub fn recorded(&self) -> Option<&[u8]> {
        self.record.as_deref()
    }

    /// Takes `buf` in whole.
    #[inline]
    pub fn write_bytes(&mut self, buf: &[u8]) {
        let start = self.written;
        let end = start + buf.len() as u64;
        while self.next_sample < end {
            let b = buf[(self.next_sample - start) as usize];
            self.sum =
                (self.sum.rotate_left(7) ^ u64::from(b) ^ self.next_sample << 8).wrapping_mul(K);
            self.next_sample += self.stride;
        }
        if let Some(record) = &mut self.record {
            record.extend_from_slice(buf);
        }
        self.written = end;
    }
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl io::Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_bytes(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A duplex in-memory stream: reads from a [`ChunkReader`], writes to a [`Transport`].
/// Always ready, so async implementations never wait.
#[derive(Debug)]
pub struct MemStream<'a> {
    /// The read side.
    pub reader: ChunkReader<'a>,
    /// The write side.
    pub transport: &'a mut Transport,
}

impl<'a> MemStream<'a> {
    /// A stream reading `input` and writing to `transport`.
    pub fn new(input: &'a [u8], transport: &'a mut Transport) -> Self {
        Self { reader: ChunkReader::new(input), transport }
    }
}

impl io::Read for MemStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.reader.read_into(buf))
    }
}

impl io::Write for MemStream<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.transport.write_bytes(buf);
        Ok(buf.len())
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let mut n = 0;
        for b in bufs {
            self.transport.write_bytes(b);
            n += b.len();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for MemStream<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let r = &mut self.get_mut().reader;
        let n = buf.remaining().min(READ_CHUNK).min(r.src.len() - r.pos);
        buf.put_slice(&r.src[r.pos..r.pos + n]);
        r.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for MemStream<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().transport.write_bytes(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Write::write_vectored(self.get_mut(), bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
