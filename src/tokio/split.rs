//! A [`WebSocket`] split into a receiving and a sending half, for two tasks.
//!
//! Both halves share the connection behind a lock that is held only inside a poll,
//! never across an `.await`. Either half writes whatever is queued when it runs, so
//! the receiving half still gets pongs and Close replies out while the sending half is
//! idle, and a message the sending half queued goes out with the next write of either.
//! The transport's readiness wakes both halves (a half woken for nothing polls again
//! and waits), since a stream remembers only one task waiting to write.

use alloc::sync::Arc;
use alloc::task::Wake;
use core::future::poll_fn;
use core::task::{Context, Waker};
use std::sync::{Mutex, MutexGuard, PoisonError};

use ::tokio::io::{AsyncRead, AsyncWrite};

use super::{Error, WebSocket};
use crate::message::MessageStore;
use crate::{CloseCode, MessageReader, Received};

/// The half of a split [`WebSocket`] that receives (and answers pings and Close
/// frames on its own). Made by [`WebSocket::split`].
#[derive(Debug)]
pub struct RecvHalf<T> {
    shared: Arc<Shared<T>>,
}

/// The half of a split [`WebSocket`] that sends. Made by [`WebSocket::split`].
#[derive(Debug)]
pub struct SendHalf<T> {
    shared: Arc<Shared<T>>,
}

#[derive(Debug)]
struct Shared<T> {
    ws: Mutex<WebSocket<T>>,
    wakers: Arc<Wakers>,
}

/// The tasks of the two halves, woken together.
#[derive(Debug, Default)]
struct Wakers {
    slots: Mutex<[Option<Waker>; 2]>,
}

const RECV: usize = 0;
const SEND: usize = 1;

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let woken = core::mem::take(&mut *lock(&self.slots));
        woken.into_iter().flatten().for_each(Waker::wake);
    }
}

fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    // A half that panicked mid-poll leaves the connection as consistent as any poll
    // does: every step records its progress before the next.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T> Shared<T> {
    /// Runs `poll` on the connection for the half `half`, with a waker that wakes
    /// both halves.
    fn poll<V>(
        &self,
        cx: &Context<'_>,
        half: usize,
        poll: impl FnOnce(&mut WebSocket<T>, &mut Context<'_>) -> V,
    ) -> V {
        {
            let mut slots = lock(&self.wakers.slots);
            match &mut slots[half] {
                Some(waker) => waker.clone_from(cx.waker()),
                slot => *slot = Some(cx.waker().clone()),
            }
        }
        let waker = Waker::from(Arc::clone(&self.wakers));
        let mut both = Context::from_waker(&waker);
        poll(&mut lock(&self.ws), &mut both)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> WebSocket<T> {
    /// Splits the connection into a half that receives and a half that sends, for
    /// two tasks. The receiving half still answers pings and Close frames; keep
    /// calling its [`recv`](RecvHalf::recv) (until [`Error::Closed`]) for that.
    ///
    /// ```no_run
    /// use rfc6455::tokio::{Error, WebSocket};
    /// use rfc6455::{Config, MessageReader, Received};
    ///
    /// # async fn run(stream: tokio::net::TcpStream) -> Result<(), Error> {
    /// let mut reader = MessageReader::default();
    /// let ws = WebSocket::accept(stream, &mut reader, Config::default()).await?;
    /// let (mut rx, mut tx) = ws.split();
    /// // A task that pushes updates while this one reads.
    /// let pusher = tokio::spawn(async move {
    ///     for i in 0.. {
    ///         tx.send_text(&format!("tick {i}")).await?;
    ///         tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    ///     }
    ///     Ok::<_, Error>(())
    /// });
    /// loop {
    ///     match rx.recv(&mut reader).await {
    ///         Ok(Received::Text(command)) => println!("client says {command}"),
    ///         Ok(_) => {}
    ///         Err(_) => break,
    ///     }
    /// }
    /// pusher.abort();
    /// # Ok(())
    /// # }
    /// ```
    pub fn split(self) -> (RecvHalf<T>, SendHalf<T>) {
        let shared = Arc::new(Shared { ws: Mutex::new(self), wakers: Arc::default() });
        (RecvHalf { shared: Arc::clone(&shared) }, SendHalf { shared })
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> RecvHalf<T> {
    /// As [`WebSocket::recv`]. Cancel-safe.
    ///
    /// # Errors
    /// As [`WebSocket::recv`].
    pub async fn recv<'r, R, S>(
        &mut self,
        reader: &'r mut MessageReader<R, S>,
    ) -> Result<Received<'r>, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let shared = &self.shared;
        if lock(&shared.ws).unreported.is_none() {
            poll_fn(|cx| shared.poll(cx, RECV, |ws, cx| ws.poll_message(cx, reader))).await?;
            let mut ws = lock(&shared.ws);
            match ws.driver.message(reader) {
                Ok(received) => return Ok(received),
                Err(error) => ws.unreported = Some(error),
            }
        }
        // The failure's Close goes out first; the failure stays with the connection
        // until then, so a `recv` dropped here reports it at the next call.
        let _ = poll_fn(|cx| shared.poll(cx, RECV, WebSocket::poll_flush_output)).await;
        let unreported = lock(&shared.ws).unreported.take();
        Err(unreported.map_or(Error::Closed, Error::from))
    }

    /// The close code, as [`WebSocket::close_code`].
    pub fn close_code(&self) -> Option<CloseCode> {
        lock(&self.shared.ws).close_code()
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> SendHalf<T> {
    /// Queues with `send`, then writes.
    async fn send_with(
        &mut self,
        send: impl FnOnce(&mut WebSocket<T>) -> Result<(), crate::SendError>,
    ) -> Result<(), Error> {
        send(&mut lock(&self.shared.ws))?;
        self.flush().await
    }

    /// As [`WebSocket::send_text`]. Cancel-safe.
    ///
    /// # Errors
    /// As [`WebSocket::send_text`].
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_with(|ws| ws.driver.send_text(text)).await
    }

    /// As [`WebSocket::send_binary`].
    ///
    /// # Errors
    /// As [`WebSocket::send_text`].
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_with(|ws| ws.driver.send_binary(data)).await
    }

    /// As [`WebSocket::send_ping`].
    ///
    /// # Errors
    /// As [`WebSocket::send_text`].
    pub async fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_with(|ws| ws.driver.send_ping(payload)).await
    }

    /// As [`WebSocket::close`]: the receiving half sees the peer's answer.
    ///
    /// # Errors
    /// As [`WebSocket::send_text`].
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.send_with(|ws| ws.driver.close(code, reason)).await
    }

    /// As [`WebSocket::flush`].
    ///
    /// # Errors
    /// As [`WebSocket::flush`].
    pub async fn flush(&mut self) -> Result<(), Error> {
        let shared = &self.shared;
        poll_fn(|cx| shared.poll(cx, SEND, WebSocket::poll_flush_output)).await
    }
}
