//! The opening handshake phase of a [`Driver`]: the peer's head is read into the
//! reader's read buffer, answered or checked, and the frames after it stay where they
//! are for the connection.

use super::{Driver, Next, OutputBuffer, Phase};
use crate::handshake::{
    Accept, ClientHandshake, ClientRequest, HandshakeError, Kind, Limits, Reject, Request,
    ResponseError, Scanner, Status, UsageError,
};
use crate::message::MessageStore;
use crate::{Config, Error, MessageReader};

/// A client's scan of the server's response head, which does not need the request (it
/// is checked against it once whole, in [`Driver::check_response`]).
#[derive(Debug)]
pub(super) struct ResponseScan {
    scanner: Scanner,
    limits: Limits,
}

impl<O: OutputBuffer> Driver<O> {
    /// A client that sends `request` and then reads the server's response (within
    /// `limits`, and within the read buffer of the reader it is polled with); once the
    /// head is whole ([`Next::Handshake`]), check it with
    /// [`check_response`](Self::check_response) and the same request. The connection
    /// masks frames with keys derived from `mask_seed`. With the `deflate` feature,
    /// permessage-deflate is offered as `config` says.
    ///
    /// # Errors
    /// The [`UsageError`] of [`ClientRequest::write`] (a bad header, or an output
    /// buffer too small for the request).
    pub fn client(
        request: &ClientRequest<'_>,
        config: Config,
        limits: Limits,
        mask_seed: [u8; 16],
        mut out: O,
    ) -> Result<Self, UsageError> {
        with_deflate(request, &config).write(&mut out)?;
        let handshake = ResponseScan { scanner: Scanner::new(Kind::Response), limits };
        Ok(Self::with_phase(Phase::Connecting { handshake, config, mask_seed }, out))
    }

    /// [`Next::Handshake`], [`Next::Failed`] or [`Next::Read`] while the head is read.
    pub(super) fn poll_head<R, S>(&mut self, reader: &mut MessageReader<R, S>) -> Next
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let head = reader.unread();
        let scanned = match &mut self.phase {
            Phase::Accepting { handshake, .. } => {
                handshake.parse_request(head).map(|s| s.is_complete()).map_err(Refusal::Request)
            }
            Phase::Connecting { handshake, .. } => handshake
                .scanner
                .scan(head, &handshake.limits)
                .map(|s| s.is_complete())
                .map_err(|e| Refusal::Response(e.into())),
            _ => return Next::Closed,
        };
        match scanned {
            Ok(true) => Next::Handshake,
            // A head as large as the read buffer that is not whole cannot be read.
            Ok(false) if reader.head_spare().is_empty() => {
                self.refuse(Refusal::too_large(&self.phase));
                self.poll(reader)
            }
            Ok(false) => Next::Read { wake_at: None },
            Err(refusal) => {
                self.refuse(refusal);
                self.poll(reader)
            }
        }
    }

    /// Answers the client's request, at [`Next::Handshake`] of a server: `decide` sees
    /// it and returns the [`Accept`] (subprotocol, extra headers) or a [`Reject`] (403
    /// for an origin, 404 for an unknown path, ...). The answer is queued; the
    /// connection is open once it is, or, after a rejection,
    /// [`poll`](Self::poll) reports [`Error::Declined`] once it was written.
    pub fn accept<R, S, F>(&mut self, reader: &mut MessageReader<R, S>, decide: F)
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
        F: for<'r> FnOnce(&Request<'r>) -> Result<Accept<'r>, Reject<'r>>,
    {
        let Phase::Accepting { handshake, config } = &mut self.phase else { return };
        let config = *config;
        handshake.reset();
        let request = match handshake.parse_request(reader.unread()) {
            Ok(Status::Complete(request)) => request,
            Ok(Status::Partial) => return,
            Err(error) => return self.refuse(Refusal::Request(error)),
        };
        let head_len = request.head_len();
        let answered = match decide(&request) {
            #[cfg(feature = "deflate")]
            Ok(accept) => request.accept(&accept.with_deflate(*config.deflate()), &mut self.out),
            #[cfg(not(feature = "deflate"))]
            Ok(accept) => request.accept(&accept, &mut self.out),
            Err(reject) => {
                let status = reject.status();
                let refusal = match reject.write(&mut self.out) {
                    Ok(_) => Refusal::Declined(status),
                    Err(error) => Refusal::Usage(error),
                };
                return self.refuse(refusal);
            }
        };
        match answered {
            Ok(upgrade) => {
                reader.consume_head(head_len);
                self.agreed = Some(upgrade.negotiated());
                self.phase = Phase::Open(upgrade.into_connection(config));
            }
            Err(error) => self.refuse(Refusal::Usage(error)),
        }
    }

    /// Checks the server's response against `request` (the one given to
    /// [`client`](Self::client)), at [`Next::Handshake`] of a client. The connection
    /// is open when it passes; otherwise [`poll`](Self::poll) reports the
    /// [`Error::Response`].
    pub fn check_response<R, S>(
        &mut self,
        reader: &mut MessageReader<R, S>,
        request: &ClientRequest<'_>,
    ) where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let Phase::Connecting { handshake, config, mask_seed } = &self.phase else { return };
        let (config, mask_seed) = (*config, *mask_seed);
        let mut check = ClientHandshake::new(with_deflate(request, &config), handshake.limits);
        match check.parse_response(reader.unread()) {
            Ok(Status::Complete(upgrade)) => {
                reader.consume_head(upgrade.head_len());
                self.agreed = Some(upgrade.negotiated());
                self.phase = Phase::Open(upgrade.into_connection(config, mask_seed));
            }
            Ok(Status::Partial) => {}
            Err(error) => self.refuse(Refusal::Response(error)),
        }
    }

    /// Ends the handshake with `refusal`: a server queues the error status for the
    /// client first.
    fn refuse(&mut self, refusal: Refusal) {
        let error = match refusal {
            Refusal::Request(error) => {
                // Written when it fits; the error is reported either way.
                let _ = Reject::from_error(error).write(&mut self.out);
                Error::Handshake(error)
            }
            Refusal::Response(error) => Error::Response(error),
            Refusal::Declined(status) => Error::Declined { status },
            Refusal::Usage(error) => {
                let _ = Reject::new(500).write(&mut self.out);
                Error::Usage(error)
            }
        };
        self.phase = Phase::Refused(Some(error));
    }
}

/// Why a handshake ended without a connection.
enum Refusal {
    Request(HandshakeError),
    Response(ResponseError),
    Declined(u16),
    Usage(UsageError),
}

impl Refusal {
    fn too_large(phase: &Phase) -> Self {
        match phase {
            Phase::Connecting { .. } => Self::Response(HandshakeError::HeadTooLarge.into()),
            _ => Self::Request(HandshakeError::HeadTooLarge),
        }
    }
}

/// `request` offering permessage-deflate as `config` says (with the `deflate` feature).
#[allow(clippy::missing_const_for_fn, unused_variables)]
fn with_deflate<'r>(request: &ClientRequest<'r>, config: &Config) -> ClientRequest<'r> {
    #[cfg(feature = "deflate")]
    return request.with_deflate(*config.deflate());
    #[cfg(not(feature = "deflate"))]
    return *request;
}
