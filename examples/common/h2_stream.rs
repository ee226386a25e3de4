//! One HTTP/2 stream as a byte stream: an `h2` [`SendStream`] and [`RecvStream`] pair as
//! tokio's `AsyncRead + AsyncWrite`, which is what a WebSocket bootstrapped with the
//! extended CONNECT of RFC 8441 runs over (§5: "the stream ... is used for the
//! WebSocket protocol"), so that [`rfc6455::tokio::WebSocket::from_connection`] drives it
//! as it would a `TcpStream`. Shared by `examples/h2_echo.rs`, `examples/h2_browser.rs`
//! and `tests/h2.rs`.
//!
//! - Writes reserve HTTP/2 send capacity first and send at most what the peer's flow
//!   control windows allow, so a peer that reads nothing stops the writer (back-pressure)
//!   instead of h2 buffering without bound.
//! - Reads hand out the DATA frames' bytes and give the receive window back as the caller
//!   consumes them, not as they arrive: a slow reader slows the sender.
//! - `poll_shutdown` ends the stream (an empty DATA frame with END_STREAM, RFC 8441 §5:
//!   the counterpart of a TCP FIN); reads return 0 once the peer's END_STREAM arrived.
//! - h2 gives the connection's receive window back only as a stream's bytes are read
//!   here, so a WebSocket nobody reads holds its share of it. Give the connection a
//!   larger window than a stream's (`initial_connection_window_size`, on both ends), or
//!   one stalled WebSocket stalls every other on the connection (`tests/h2.rs` checks
//!   two streams with unread megabyte messages). Set `TCP_NODELAY` on the socket: the
//!   small WINDOW_UPDATE frames must not wait for Nagle's algorithm.
//! - A stream the peer reset with `NO_ERROR` or `CANCEL` reads as `ConnectionReset` (the
//!   counterpart of a TCP RST, §5), any other reset or connection error as an error that
//!   names the HTTP/2 reason.

use core::pin::Pin;
use core::task::{ready, Context, Poll};
use std::io;

use bytes::{Buf, Bytes};
use h2::{Reason, RecvStream, SendStream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// An HTTP/2 stream, both directions, as one `AsyncRead + AsyncWrite` byte stream.
#[derive(Debug)]
pub(crate) struct H2Stream {
    send: SendStream<Bytes>,
    recv: RecvStream,
    /// The part of the last DATA frame not read yet.
    pending: Bytes,
    /// The END_STREAM flag went out (`poll_shutdown`).
    ended: bool,
}

impl H2Stream {
    /// Wraps a stream whose headers are exchanged: on a server, the `SendStream` that
    /// `SendResponse::send_response(response, false)` returned and the request's body;
    /// on a client, the `SendStream` of `send_request(request, false)` and the response's
    /// body.
    pub(crate) fn new(send: SendStream<Bytes>, recv: RecvStream) -> Self {
        Self { send, recv, pending: Bytes::new(), ended: false }
    }

    /// The HTTP/2 stream id (both halves share it).
    #[allow(dead_code)] // not every includer logs it
    pub(crate) fn stream_id(&self) -> h2::StreamId {
        self.send.stream_id()
    }
}

/// An h2 error as an I/O error; a reset that is a normal end of the stream becomes
/// `ConnectionReset`, which the tokio driver reads as the transport closing.
fn io_error(error: h2::Error) -> io::Error {
    if error.reason() == Some(Reason::NO_ERROR) || error.reason() == Some(Reason::CANCEL) {
        return io::Error::new(io::ErrorKind::ConnectionReset, error);
    }
    if error.is_io() {
        return error.into_io().unwrap_or_else(|| io::Error::other("h2 I/O error"));
    }
    io::Error::other(error)
}

impl AsyncRead for H2Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while this.pending.is_empty() {
            match ready!(this.recv.poll_data(cx)) {
                Some(Ok(data)) => this.pending = data,
                Some(Err(error)) => return Poll::Ready(Err(io_error(error))),
                // END_STREAM: the end of the byte stream.
                None => return Poll::Ready(Ok(())),
            }
        }
        let n = this.pending.len().min(buf.remaining());
        buf.put_slice(&this.pending[..n]);
        this.pending.advance(n);
        // Only what was consumed opens the window again. The stream may be gone (the
        // peer reset it); then there is no window to give back.
        let _ = this.recv.flow_control().release_capacity(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for H2Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let this = &mut *self;
        if this.ended {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        loop {
            // Capacity already assigned to the stream (both flow-control windows allow
            // it, and h2's send buffer has room).
            let capacity = this.send.capacity();
            if capacity > 0 {
                let n = capacity.min(buf.len());
                this.send.send_data(Bytes::copy_from_slice(&buf[..n]), false).map_err(io_error)?;
                return Poll::Ready(Ok(n));
            }
            this.send.reserve_capacity(buf.len());
            match ready!(this.send.poll_capacity(cx)) {
                Some(Ok(_)) => {} // assigned: take it above
                Some(Err(error)) => return Poll::Ready(Err(io_error(error))),
                // The stream can send no more: the peer reset it, or it was ended.
                None => {
                    return Poll::Ready(Err(match ready!(this.send.poll_reset(cx)) {
                        Ok(reason) if reason == Reason::NO_ERROR || reason == Reason::CANCEL => {
                            io::ErrorKind::BrokenPipe.into()
                        }
                        Ok(reason) => io::Error::other(h2::Error::from(reason)),
                        Err(error) => io_error(error),
                    }));
                }
            }
        }
    }

    /// Nothing to do: what `poll_write` accepted is within the flow-control windows and
    /// goes out as soon as the h2 connection task writes.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Ends the stream: END_STREAM on an empty DATA frame, once.
    fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.ended {
            this.ended = true;
            // Fails only when the stream is already closed or reset, which is the same
            // outcome for the caller.
            let _ = this.send.send_data(Bytes::new(), true);
        }
        Poll::Ready(Ok(()))
    }
}
