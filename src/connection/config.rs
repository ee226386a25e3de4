//! Connection settings.

/// Limits and behaviour of a [`Connection`](crate::Connection).
///
/// Durations are in the caller's time unit, the one passed to
/// [`handle_timeout`](crate::Connection::handle_timeout); milliseconds are assumed by
/// the defaults.
///
/// ```
/// use rfc6455::Config;
/// let mut config = Config { max_message_len: 1 << 20, ..Config::default() };
/// config.keepalive_interval = Some(30_000); // ping every 30 s, like Tornado's ping_interval
/// assert_eq!(config.close_timeout, 5_000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The largest frame payload accepted, checked on the header (1009 beyond).
    /// Default 16 MiB.
    pub max_frame_len: u64,
    /// The largest message accepted, summed over its fragments and checked on each
    /// header before its payload is accepted (1009 beyond). Default 16 MiB, the size of
    /// the largest Autobahn message.
    pub max_message_len: u64,
    /// Answer every ping with a pong automatically (RFC 6455 §5.5.2). Default `true`.
    pub auto_pong: bool,
    /// Reject payload lengths that are not minimally encoded (RFC 6455 §5.2). Default
    /// `true`.
    pub strict_length_encoding: bool,
    /// Send a ping after this much time, repeatedly (Tornado's `ping_interval`).
    /// Default `None`: no keepalive.
    pub keepalive_interval: Option<u64>,
    /// Fail the connection when no pong arrives this long after a keepalive ping
    /// (Tornado's `ping_timeout`). Default `None`: the keepalive interval.
    pub keepalive_timeout: Option<u64>,
    /// How long to wait for the peer's Close after sending ours, and (as a client) for
    /// the server to close the transport after the close handshake. Default 5000 (5 s,
    /// as Tornado).
    pub close_timeout: u64,
    /// permessage-deflate policy (feature `deflate`): what to offer or accept in the
    /// handshake, and how to compress. Enabled by default when the feature is on.
    #[cfg(feature = "deflate")]
    pub deflate: crate::deflate::DeflateConfig,
}

impl Config {
    /// 16 MiB.
    pub const DEFAULT_MAX_MESSAGE_LEN: u64 = 16 << 20;
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_frame_len: Self::DEFAULT_MAX_MESSAGE_LEN,
            max_message_len: Self::DEFAULT_MAX_MESSAGE_LEN,
            auto_pong: true,
            strict_length_encoding: true,
            keepalive_interval: None,
            keepalive_timeout: None,
            close_timeout: 5_000,
            #[cfg(feature = "deflate")]
            deflate: crate::deflate::DeflateConfig::default(),
        }
    }
}
