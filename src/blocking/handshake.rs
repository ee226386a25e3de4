//! The opening handshake over a blocking transport, for both roles.

use alloc::vec::Vec;
use std::time::Instant;

use super::{Error, Transport, WebSocket};
use crate::driver::{Driver, Next};
use crate::handshake::{Accept, ClientKey, ClientRequest, Limits, Reject, Request};
use crate::message::MessageStore;
use crate::{random_mask_seed, Config, MessageReader};

impl<S: Transport> WebSocket<S> {
    /// Accepts a client's upgrade request on `stream` with no subprotocol and no
    /// extension. A malformed request is answered with the matching error status
    /// (400, 405, 426, 431) and returned as [`Error::Handshake`]. The head is read
    /// into `reader`, which keeps the frames that came with it: read the connection
    /// with the same reader. A read timeout set on the stream beforehand bounds the
    /// wait for the request (the handshake then fails with [`Error::Io`]).
    ///
    /// # Errors
    /// [`Error::Handshake`], [`Error::Io`], [`Error::Closed`] when the client went away.
    pub fn accept<R, M>(
        stream: S,
        reader: &mut MessageReader<R, M>,
        config: Config,
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        Self::accept_with(stream, reader, config, &Limits::default(), |_| Ok(Accept::new()))
    }

    /// Accepts a client's upgrade request after `decide` has seen it: it returns the
    /// [`Accept`] (subprotocol, extra headers) or a [`Reject`] (403 for an origin,
    /// 404 for an unknown path, ...), which is written and returned as
    /// [`Error::Declined`].
    ///
    /// ```no_run
    /// use rfc6455::blocking::WebSocket;
    /// use rfc6455::handshake::{Accept, Limits, OriginPolicy, Reject};
    /// use rfc6455::{Config, MessageReader};
    ///
    /// let (stream, _) = std::net::TcpListener::bind("127.0.0.1:8080")?.accept()?;
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
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Handshake`], [`Error::Declined`], [`Error::Usage`] (an invalid
    /// [`Accept`]), [`Error::Io`], [`Error::Closed`].
    pub fn accept_with<R, M, F>(
        stream: S,
        reader: &mut MessageReader<R, M>,
        config: Config,
        limits: &Limits,
        decide: F,
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
        F: for<'r> FnOnce(&Request<'r>) -> Result<Accept<'r>, Reject<'r>>,
    {
        let mut decide = Some(decide);
        let driver = Driver::server(config, *limits, Vec::with_capacity(256));
        Self::new_with_epoch(stream, driver, Instant::now()).handshake(reader, |d, reader| {
            if let Some(decide) = decide.take() {
                d.accept(reader, decide);
            }
        })
    }

    /// Connects as a client to `uri` (`ws://host[:port]/path?query`) over `stream`,
    /// which must already be connected to that host. Keys and masks come from
    /// [`random_mask_seed`]. The response head is read into `reader`, which keeps the
    /// frames that came with it: read the connection with the same reader.
    ///
    /// # Errors
    /// [`Error::Usage`] for a bad URI, [`Error::Rejected`] for a non-101 answer,
    /// [`Error::Handshake`] for an invalid 101, [`Error::Io`], [`Error::Closed`].
    pub fn connect<R, M>(
        stream: S,
        reader: &mut MessageReader<R, M>,
        uri: &str,
        config: Config,
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        let key = ClientKey::from_random(random_mask_seed());
        let request = ClientRequest::from_uri(uri, key)?;
        Self::connect_with(stream, reader, &request, config, &Limits::default(), random_mask_seed())
    }

    /// Connects as a client with a fully specified `request` (subprotocols, origin,
    /// extra headers); frames are masked with keys derived from `mask_seed`.
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    pub fn connect_with<R, M>(
        stream: S,
        reader: &mut MessageReader<R, M>,
        request: &ClientRequest<'_>,
        config: Config,
        limits: &Limits,
        mask_seed: [u8; 16],
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        let driver = Driver::client(request, config, *limits, mask_seed, Vec::with_capacity(256))?;
        Self::new_with_epoch(stream, driver, Instant::now())
            .handshake(reader, |d, reader| d.check_response(reader, request))
    }

    /// Runs the driver until the handshake is done and its answer written; `answer`
    /// acts on the peer's head.
    fn handshake<R, M>(
        mut self,
        reader: &mut MessageReader<R, M>,
        mut answer: impl FnMut(&mut Driver<Vec<u8>>, &mut MessageReader<R, M>),
    ) -> Result<Self, Error>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        M: MessageStore,
    {
        loop {
            if self.driver.connection().is_some() {
                // Open: the answer (a server's 101) goes out before any frame.
                self.flush()?;
                self.epoch = Instant::now();
                return Ok(self);
            }
            match self.driver.poll(reader) {
                Next::Write | Next::Flush => self.write_step()?,
                Next::Read { .. } => match self.stream.read(self.driver.read_buffer(reader)) {
                    Ok(n) => self.driver.filled(reader, n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                },
                Next::Handshake => answer(&mut self.driver, reader),
                Next::Failed(error) => return Err(error.into()),
                _ => return Err(Error::Closed),
            }
        }
    }
}
