//! Which end of the connection this endpoint is.

/// The role of an endpoint, which fixes the masking direction (RFC 6455 §5.1).
///
/// A client masks every frame it sends and refuses masked frames; a server sends
/// unmasked frames and refuses unmasked ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The endpoint that opened the connection and sent the upgrade request.
    Client,
    /// The endpoint that accepted the upgrade request.
    Server,
}

impl Role {
    /// Returns `true` when frames sent by this role must be masked (only the client's).
    #[inline]
    pub const fn masks_outgoing(self) -> bool {
        matches!(self, Self::Client)
    }

    /// Returns `true` when frames received by this role must be masked (only the server's).
    #[inline]
    pub const fn expects_masked_incoming(self) -> bool {
        matches!(self, Self::Server)
    }

    /// Returns the other role.
    #[inline]
    pub const fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }
}
