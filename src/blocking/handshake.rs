//! The opening handshake over a blocking transport, for both roles.

use alloc::string::ToString;
use alloc::vec::Vec;

use super::{Error, Transport, WebSocket};
use crate::handshake::{
    Accept, ClientHandshake, ClientKey, ClientRequest, Limits, Reject, Request, ResponseError,
    ServerHandshake, Status,
};
use crate::{random_mask_seed, Config};

impl<S: Transport> WebSocket<S> {
    /// Accepts a client's upgrade request on `stream` with no subprotocol and no
    /// extension. A malformed request is answered with the matching error status
    /// (400, 405, 426, 431) and returned as [`Error::Handshake`].
    ///
    /// # Errors
    /// [`Error::Handshake`], [`Error::Io`].
    pub fn accept(stream: S, config: Config) -> Result<Self, Error> {
        Self::accept_with(stream, config, &Limits::default(), |_| Ok(Accept::new()))
    }

    /// Accepts a client's upgrade request after `decide` has seen it: it returns the
    /// [`Accept`] (subprotocol, extra headers) or a [`Reject`] (403 for an origin,
    /// 404 for an unknown path, ...), which is written and returned as
    /// [`Error::Declined`].
    ///
    /// ```no_run
    /// use rfc6455::blocking::WebSocket;
    /// use rfc6455::handshake::{Accept, Limits, OriginPolicy, Reject};
    /// use rfc6455::Config;
    ///
    /// let (stream, _) = std::net::TcpListener::bind("127.0.0.1:8080")?.accept()?;
    /// let ws = WebSocket::accept_with(stream, Config::default(), &Limits::default(), |request| {
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
    /// [`Accept`]), [`Error::Io`].
    pub fn accept_with<F>(
        mut stream: S,
        config: Config,
        limits: &Limits,
        decide: F,
    ) -> Result<Self, Error>
    where
        F: for<'r> FnOnce(&Request<'r>) -> Result<Accept<'r>, Reject<'r>>,
    {
        let mut handshake = ServerHandshake::new(*limits);
        let mut head = Vec::with_capacity(1024);
        let request = loop {
            read_more(&mut stream, &mut head)?;
            match handshake.parse_request(&head) {
                Ok(Status::Partial) => continue,
                Ok(Status::Complete(request)) => break request,
                Err(e) => {
                    let mut out = Vec::new();
                    if Reject::from_error(e).write(&mut out).is_ok() {
                        stream.write_all(&out)?;
                    }
                    return Err(Error::Handshake(e));
                }
            }
        };
        let mut out = Vec::new();
        let upgrade = match decide(&request) {
            #[cfg(feature = "deflate")]
            Ok(accept) => request.accept(&accept.with_deflate(config.deflate), &mut out)?,
            #[cfg(not(feature = "deflate"))]
            Ok(accept) => request.accept(&accept, &mut out)?,
            Err(reject) => {
                reject.write(&mut out)?;
                stream.write_all(&out)?;
                return Err(Error::Declined { status: reject.status() });
            }
        };
        stream.write_all(&out)?;
        stream.flush()?;
        let subprotocol = upgrade.subprotocol().map(ToString::to_string);
        let leftover = upgrade.leftover(&mut head);
        let mut ws = Self::from_connection(stream, upgrade.into_connection(config), leftover);
        ws.subprotocol = subprotocol;
        Ok(ws)
    }

    /// Connects as a client to `uri` (`ws://host[:port]/path?query`) over `stream`,
    /// which must already be connected to that host. Keys and masks come from
    /// [`random_mask_seed`].
    ///
    /// # Errors
    /// [`Error::Usage`] for a bad URI, [`Error::Rejected`] for a non-101 answer,
    /// [`Error::Handshake`] for an invalid 101, [`Error::Io`].
    pub fn connect(stream: S, uri: &str, config: Config) -> Result<Self, Error> {
        let key = ClientKey::from_random(random_mask_seed());
        let request = ClientRequest::from_uri(uri, key)?;
        Self::connect_with(stream, &request, config, &Limits::default(), random_mask_seed())
    }

    /// Connects as a client with a fully specified `request` (subprotocols, origin,
    /// extra headers); frames are masked with keys derived from `mask_seed`.
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    pub fn connect_with(
        mut stream: S,
        request: &ClientRequest<'_>,
        config: Config,
        limits: &Limits,
        mask_seed: [u8; 16],
    ) -> Result<Self, Error> {
        #[cfg(feature = "deflate")]
        let request = &request.with_deflate(config.deflate);
        let mut out = Vec::new();
        request.write(&mut out)?;
        stream.write_all(&out)?;
        stream.flush()?;
        let mut handshake = ClientHandshake::new(*request, *limits);
        let mut head = Vec::with_capacity(1024);
        let upgrade = loop {
            read_more(&mut stream, &mut head)?;
            match handshake.parse_response(&head) {
                Ok(Status::Partial) => continue,
                Ok(Status::Complete(upgrade)) => break upgrade,
                Err(ResponseError::Rejected(rejected)) => {
                    return Err(Error::Rejected { status: rejected.status() })
                }
                Err(ResponseError::Invalid(e)) => return Err(Error::Handshake(e)),
            }
        };
        let subprotocol = upgrade.subprotocol().map(ToString::to_string);
        let leftover = upgrade.leftover(&mut head);
        let conn = upgrade.into_connection(config, mask_seed);
        let mut ws = Self::from_connection(stream, conn, leftover);
        ws.subprotocol = subprotocol;
        Ok(ws)
    }
}

/// Appends what the stream has to `head`. The parser refuses a head over the limit as
/// soon as it sees it, so `head` never exceeds the limit by more than one read.
fn read_more<S: Transport>(stream: &mut S, head: &mut Vec<u8>) -> Result<(), Error> {
    let mut chunk = [0u8; 1024];
    let n = stream.read(&mut chunk)?;
    if n == 0 {
        return Err(Error::Closed);
    }
    head.extend_from_slice(&chunk[..n]);
    Ok(())
}
