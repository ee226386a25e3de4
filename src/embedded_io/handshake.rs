//! The opening handshake of the blocking embedded-io driver, both roles.

use ::embedded_io::{Read, Write};

use super::step::{Io, Step};
use super::{Error, WebSocket};
use crate::driver::{Driver, OutputBuffer};
use crate::handshake::{Accept, ClientRequest, Limits, Reject, Request};
use crate::message::MessageStore;
use crate::{Config, MessageReader};

impl<T: Read + Write, O: OutputBuffer> WebSocket<T, O> {
    /// Accepts a client's upgrade request read from `io` into `reader` (the reader to
    /// receive with afterwards), with no subprotocol and no extension, and writes the
    /// 101 response through `out`. A malformed request is answered with its error
    /// status (400, 405, 426, 431) first. See [`accept_with`](Self::accept_with).
    ///
    /// # Errors
    /// [`Error::WebSocket`] for a refused request ([`crate::Error::Handshake`]) or an
    /// answer larger than `out` ([`crate::Error::Usage`]); [`Error::Io`];
    /// [`Error::Closed`] when the client went away first.
    pub fn accept<R, S>(
        io: T,
        reader: &mut MessageReader<R, S>,
        out: O,
        config: Config,
    ) -> Result<Self, Error<T::Error>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        Self::accept_with(io, reader, out, config, Limits::default(), |_| Ok(Accept::new()))
    }

    /// Accepts a client's upgrade request after `decide` has seen it: it returns the
    /// [`Accept`] (subprotocol, extra headers) or a [`Reject`] (403 for an origin,
    /// 404 for an unknown path, ...), which is written and returned as
    /// [`crate::Error::Declined`]. The head must fit in `limits` and in the reader's
    /// read buffer (or it is answered with 431).
    ///
    /// ```
    /// use rfc6455::embedded_io::{Error, WebSocket};
    /// use rfc6455::handshake::{Accept, Limits, Reject};
    /// use rfc6455::message::SliceMessageBuffer;
    /// use rfc6455::{Config, MessageReader, SliceSink};
    /// # struct Pipe<'a> { input: &'a [u8], output: &'a mut Vec<u8> }
    /// # impl embedded_io::ErrorType for Pipe<'_> { type Error = embedded_io::ErrorKind; }
    /// # impl embedded_io::Read for Pipe<'_> {
    /// #     fn read(&mut self, b: &mut [u8]) -> Result<usize, Self::Error> { Ok(embedded_io::Read::read(&mut self.input, b).unwrap()) }
    /// # }
    /// # impl embedded_io::Write for Pipe<'_> {
    /// #     fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> { self.output.extend_from_slice(b); Ok(b.len()) }
    /// #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
    /// # }
    ///
    /// let request = b"GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    ///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
    ///     Sec-WebSocket-Protocol: chat.v2\r\n\r\n";
    /// let mut storage = [0u8; 512];
    /// let mut out = [0u8; 256];
    /// for (path, status) in [("/chat", 101), ("/admin", 404)] {
    ///     let mut written = Vec::new();
    ///     # let io = Pipe { input: request, output: &mut written };
    ///     let mut reader = MessageReader::new([0u8; 512], SliceMessageBuffer::new(&mut storage));
    ///     let out = SliceSink::new(&mut out);
    ///     let accepted = WebSocket::accept_with(io, &mut reader, out, Config::default(), Limits::default(), |request| {
    ///         if request.path() != path {
    ///             return Err(Reject::new(404));
    ///         }
    ///         Ok(Accept::new().with_subprotocol(request.select_subprotocol(&["chat.v2"])))
    ///     });
    ///     match accepted {
    ///         Ok(ws) => assert_eq!((ws.subprotocol(), status), (Some("chat.v2"), 101)),
    ///         Err(Error::WebSocket(rfc6455::Error::Declined { status: 404 })) => assert_eq!(status, 404),
    ///         Err(e) => panic!("{e}"),
    ///     }
    ///     assert!(written.starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
    /// }
    /// ```
    ///
    /// # Errors
    /// As [`accept`](Self::accept), and [`crate::Error::Declined`] after a [`Reject`].
    pub fn accept_with<R, S, F>(
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
        })?;
        Ok(ws)
    }

    /// Connects as a client over `io` (already connected to the server): writes
    /// `request` through `out`, reads the response into `reader` (the reader to
    /// receive with afterwards) and checks it. Frames are masked with keys derived from
    /// `mask_seed`: 16 random bytes, as is the request's key
    /// ([`ClientKey::from_random`](crate::handshake::ClientKey::from_random)).
    ///
    /// ```
    /// use rfc6455::embedded_io::WebSocket;
    /// use rfc6455::handshake::{accept_key, ClientKey, ClientRequest, Limits};
    /// use rfc6455::message::SliceMessageBuffer;
    /// use rfc6455::{Config, MessageReader, Received, SliceSink};
    /// # struct Pipe<'a> { input: &'a [u8], output: Vec<u8> }
    /// # impl embedded_io::ErrorType for Pipe<'_> { type Error = embedded_io::ErrorKind; }
    /// # impl embedded_io::Read for Pipe<'_> {
    /// #     fn read(&mut self, b: &mut [u8]) -> Result<usize, Self::Error> { Ok(embedded_io::Read::read(&mut self.input, b).unwrap()) }
    /// # }
    /// # impl embedded_io::Write for Pipe<'_> {
    /// #     fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> { self.output.extend_from_slice(b); Ok(b.len()) }
    /// #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
    /// # }
    ///
    /// let key = ClientKey::from_random([1; 16]); // from your random number generator
    /// let request = ClientRequest::from_uri("ws://example.com/chat", key)?;
    /// // The server's answer, and a first message right after it.
    /// let mut answer = format!(
    ///     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    ///      Sec-WebSocket-Accept: {}\r\n\r\n",
    ///     accept_key(key.as_str().as_bytes()).as_str(),
    /// )
    /// .into_bytes();
    /// answer.extend_from_slice(b"\x81\x05hello");
    /// # let io = Pipe { input: &answer, output: Vec::new() };
    /// let mut reader = MessageReader::new([0u8; 512], SliceMessageBuffer::new(&mut []));
    /// let mut out = [0u8; 512];
    /// let (config, limits) = (Config::default(), Limits::default());
    /// let mut ws =
    ///     WebSocket::connect(io, &mut reader, SliceSink::new(&mut out), &request, config, limits, [2; 16])?;
    /// assert_eq!(ws.recv(&mut reader)?, Received::Text("hello"));
    /// assert!(ws.get_ref().output.starts_with(b"GET /chat HTTP/1.1\r\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::WebSocket`]: [`crate::Error::Response`] for an answer other than a
    /// valid 101, [`crate::Error::Usage`] for a request that cannot be written (or
    /// does not fit in `out`); [`Error::Io`]; [`Error::Closed`] when the server went
    /// away first.
    pub fn connect<R, S>(
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
        })?;
        Ok(ws)
    }

    /// Runs the handshake until the connection is open and the handshake written;
    /// `on_head` answers or checks the peer's head (once: `false` the second time).
    fn handshake<R, S>(
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
                    return self.flush();
                }
                Step::Io(Io::Read) => self.read(reader)?,
                Step::Io(io) => self.write(io)?,
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
