//! The opening handshake of the async embedded-io driver, both roles.

use ::embedded_io_async::{Read, Write};

use super::{Error, WebSocket};
use crate::driver::{Driver, OutputBuffer};
use crate::embedded_io::step::{Io, Step};
use crate::handshake::{Accept, ClientRequest, Limits, Reject, Request};
use crate::message::MessageStore;
use crate::{Config, MessageReader};

impl<T: Read + Write, O: OutputBuffer> WebSocket<T, O> {
    /// Accepts a client's upgrade request read from `io` into `reader` (the reader to
    /// receive with afterwards), with no subprotocol and no extension, and writes the
    /// 101 response through `out`, as the blocking
    /// [`accept`](crate::embedded_io::WebSocket::accept) does.
    ///
    /// # Errors
    /// As the blocking [`accept`](crate::embedded_io::WebSocket::accept).
    pub async fn accept<R, S>(
        io: T,
        reader: &mut MessageReader<R, S>,
        out: O,
        config: Config,
    ) -> Result<Self, Error<T::Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        Self::accept_with(io, reader, out, config, Limits::default(), |_| Ok(Accept::new())).await
    }

    /// Accepts a client's upgrade request after `decide` has seen it, as the blocking
    /// [`accept_with`](crate::embedded_io::WebSocket::accept_with) does.
    ///
    /// # Errors
    /// As the blocking [`accept_with`](crate::embedded_io::WebSocket::accept_with).
    pub async fn accept_with<R, S, F>(
        io: T,
        reader: &mut MessageReader<R, S>,
        out: O,
        config: Config,
        limits: Limits,
        decide: F,
    ) -> Result<Self, Error<T::Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
        F: for<'r> FnOnce(&Request<'r>) -> Result<Accept<'r>, Reject<'r>>,
    {
        let mut ws = Self::with_driver(io, Driver::server(config, limits, out));
        let mut decide = Some(decide);
        ws.handshake(reader, |driver, reader| {
            decide.take().map(|decide| driver.accept(reader, decide)).is_some()
        })
        .await?;
        Ok(ws)
    }

    /// Connects as a client over `io`, as the blocking
    /// [`connect`](crate::embedded_io::WebSocket::connect) does.
    ///
    /// # Errors
    /// As the blocking [`connect`](crate::embedded_io::WebSocket::connect).
    pub async fn connect<R, S>(
        io: T,
        reader: &mut MessageReader<R, S>,
        out: O,
        request: &ClientRequest<'_>,
        config: Config,
        limits: Limits,
        mask_seed: [u8; 16],
    ) -> Result<Self, Error<T::Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let driver = Driver::client(request, config, limits, mask_seed, out)?;
        let mut ws = Self::with_driver(io, driver);
        let mut checked = false;
        ws.handshake(reader, |driver, reader| {
            !core::mem::replace(&mut checked, true) && {
                driver.check_response(reader, request);
                true
            }
        })
        .await?;
        Ok(ws)
    }

    /// Runs the handshake until the connection is open and the handshake written;
    /// `on_head` answers or checks the peer's head (once: `false` the second time).
    async fn handshake<R, S>(
        &mut self,
        reader: &mut MessageReader<R, S>,
        mut on_head: impl FnMut(&mut Driver<O>, &mut MessageReader<R, S>) -> bool,
    ) -> Result<(), Error<T::Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        loop {
            match self.core.step(reader)? {
                // Open. Frames that came with the head are ready before the answer
                // was written: write it first.
                Step::Io(Io::Read) | Step::Message if self.core.driver.connection().is_some() => {
                    return self.flush().await;
                }
                Step::Io(Io::Read) => self.read(reader).await?,
                Step::Io(io) => self.write(io).await?,
                Step::Message => return Err(Error::Closed),
                // A head the driver found whole but then did not take: never again.
                Step::Handshake if !on_head(&mut self.core.driver, reader) => {
                    return Err(Error::Closed)
                }
                Step::Handshake => {}
            }
        }
    }
}
