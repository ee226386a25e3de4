//! The opening handshake over a tokio stream, for both roles.

use alloc::vec::Vec;
use core::future::poll_fn;
use core::pin::Pin;
use core::task::Poll;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::time::Instant;

use super::{Error, WebSocket};
use crate::driver::{Driver, Next};
use crate::handshake::{Accept, ClientKey, ClientRequest, Limits, Reject, Request};
use crate::message::MessageStore;
use crate::{random_mask_seed, Config, MessageReader};

impl<T: AsyncRead + AsyncWrite + Unpin> WebSocket<T> {
    /// Accepts a client's upgrade request with no subprotocol and no extension (and
    /// permessage-deflate as `config` says, with the `deflate` feature). A malformed
    /// request is answered with the matching error status (400, 405, 426, 431) and
    /// returned as [`Error::Handshake`]. The head is read into `reader`, which keeps
    /// the frames that came with it: read the connection with the same reader.
    ///
    /// There is no time limit: wrap it in `tokio::time::timeout` to bound a client
    /// that never finishes its request.
    ///
    /// # Errors
    /// [`Error::Handshake`], [`Error::Io`], [`Error::Closed`] when the client went away.
    pub async fn accept<R, S>(
        io: T,
        reader: &mut MessageReader<R, S>,
        config: Config,
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        Self::accept_with(io, reader, config, &Limits::default(), |_| Ok(Accept::new())).await
    }

    /// Accepts a client's upgrade request after `decide` has seen it: it returns the
    /// [`Accept`] (subprotocol, extra headers) or a [`Reject`] (403 for an origin,
    /// 404 for an unknown path, ...), which is written and returned as
    /// [`Error::Declined`].
    ///
    /// ```no_run
    /// use rfc6455::handshake::{Accept, Limits, OriginPolicy, Reject};
    /// use rfc6455::tokio::WebSocket;
    /// use rfc6455::{Config, MessageReader};
    ///
    /// # async fn serve(stream: tokio::net::TcpStream) -> Result<(), rfc6455::tokio::Error> {
    /// let mut reader = MessageReader::default();
    /// let limits = Limits::default();
    /// let ws = WebSocket::accept_with(stream, &mut reader, Config::default(), &limits, |request| {
    ///     if request.path() != "/stock_info/" {
    ///         return Err(Reject::new(404));
    ///     }
    ///     if OriginPolicy::SameHost.check(request).is_err() {
    ///         return Err(Reject::new(403));
    ///     }
    ///     Ok(Accept::new().with_subprotocol(request.select_subprotocol(&["quotes.v1"])))
    /// })
    /// .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::Handshake`], [`Error::Declined`], [`Error::Usage`] (an invalid
    /// [`Accept`]), [`Error::Io`], [`Error::Closed`].
    pub async fn accept_with<R, S, F>(
        io: T,
        reader: &mut MessageReader<R, S>,
        config: Config,
        limits: &Limits,
        decide: F,
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
        F: for<'r> FnOnce(&Request<'r>) -> Result<Accept<'r>, Reject<'r>>,
    {
        let mut decide = Some(decide);
        let driver = Driver::server(config, *limits, Vec::with_capacity(256));
        Self::new(io, driver)
            .handshake(reader, |d, reader| {
                if let Some(decide) = decide.take() {
                    d.accept(reader, decide);
                }
            })
            .await
    }

    /// Connects as a client to `uri` (`ws://host[:port]/path?query`) over `io`, which
    /// must already be connected to that host (and speak TLS for `wss://`). Keys and
    /// masks come from [`random_mask_seed`]. The response head is read into `reader`,
    /// which keeps the frames that came with it: read the connection with the same
    /// reader.
    ///
    /// # Errors
    /// [`Error::Usage`] for a bad URI, [`Error::Rejected`] for a non-101 answer,
    /// [`Error::Handshake`] for an invalid 101, [`Error::Io`], [`Error::Closed`].
    pub async fn connect<R, S>(
        io: T,
        reader: &mut MessageReader<R, S>,
        uri: &str,
        config: Config,
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let key = ClientKey::from_random(random_mask_seed());
        let request = ClientRequest::from_uri(uri, key)?;
        let (limits, seed) = (Limits::default(), random_mask_seed());
        Self::connect_with(io, reader, &request, config, &limits, seed).await
    }

    /// Connects as a client with a fully specified `request` (subprotocols, origin,
    /// extra headers); frames are masked with keys derived from `mask_seed`.
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    pub async fn connect_with<R, S>(
        io: T,
        reader: &mut MessageReader<R, S>,
        request: &ClientRequest<'_>,
        config: Config,
        limits: &Limits,
        mask_seed: [u8; 16],
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let driver = Driver::client(request, config, *limits, mask_seed, Vec::with_capacity(256))?;
        Self::new(io, driver).handshake(reader, |d, reader| d.check_response(reader, request)).await
    }

    /// Runs the driver until the handshake is done and its answer written; `answer`
    /// acts on the peer's head.
    async fn handshake<R, S>(
        mut self,
        reader: &mut MessageReader<R, S>,
        mut answer: impl FnMut(&mut Driver<Vec<u8>>, &mut MessageReader<R, S>),
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        poll_fn(|cx| loop {
            if self.driver.connection().is_some() && !self.driver.has_output() {
                return Poll::Ready(Ok(()));
            }
            match self.driver.poll(reader) {
                // Open: the answer (a server's 101) goes out before any frame.
                Next::Write | Next::Flush | Next::Message => {
                    if let Err(e) = core::task::ready!(self.poll_write_step(cx)) {
                        return Poll::Ready(Err(e));
                    }
                }
                Next::Read { .. } => {
                    let mut buf = ReadBuf::new(self.driver.read_buffer(reader));
                    match core::task::ready!(Pin::new(&mut self.io).poll_read(cx, &mut buf)) {
                        Ok(()) => {
                            let n = buf.filled().len();
                            self.driver.filled(reader, n);
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Poll::Ready(Err(e.into())),
                    }
                }
                Next::Handshake => answer(&mut self.driver, reader),
                Next::Failed(error) => return Poll::Ready(Err(error.into())),
                _ => return Poll::Ready(Err(Error::Closed)),
            }
        })
        .await?;
        self.epoch = Instant::now();
        Ok(self)
    }
}
