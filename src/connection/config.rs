//! Connection settings.

use core::time::Duration;

/// Limits and behaviour of a [`Connection`](crate::Connection): built from
/// [`Config::new`] (or `default`) with `with_*` setters, read with the getters of the
/// same names.
///
/// Durations are [`Duration`]s, and so is the time the caller hands to
/// [`handle_timeout`](crate::Connection::handle_timeout): the time since an epoch of the
/// caller's choice (a monotonic clock's start, the connection's start).
///
/// ```
/// use core::time::Duration;
/// use rfc6455::Config;
/// // `const`, so firmware can keep it in flash.
/// const CONFIG: Config = Config::new()
///     .with_max_message_len(1 << 20)
///     .with_keepalive(Some(Duration::from_secs(30)), None); // like Tornado's ping_interval
/// assert_eq!(CONFIG.max_message_len(), 1 << 20);
/// assert_eq!(CONFIG.close_timeout(), Duration::from_secs(5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    pub(crate) max_frame_len: u64,
    pub(crate) max_message_len: u64,
    pub(crate) auto_pong: bool,
    pub(crate) strict_length_encoding: bool,
    pub(crate) keepalive_interval: Option<Duration>,
    pub(crate) keepalive_timeout: Option<Duration>,
    pub(crate) close_timeout: Duration,
    pub(crate) max_send_frame_len: usize,
    pub(crate) max_queued_output: usize,
    #[cfg(feature = "deflate")]
    pub(crate) deflate: crate::deflate::DeflateConfig,
}

impl Config {
    /// 16 MiB.
    pub const DEFAULT_MAX_MESSAGE_LEN: u64 = 16 << 20;

    /// The defaults: 16 MiB frames and messages, automatic pongs, strict length
    /// encoding, no keepalive, a 5 s close timeout, and (feature `deflate`)
    /// permessage-deflate offered and accepted.
    pub const fn new() -> Self {
        Self {
            max_frame_len: Self::DEFAULT_MAX_MESSAGE_LEN,
            max_message_len: Self::DEFAULT_MAX_MESSAGE_LEN,
            auto_pong: true,
            strict_length_encoding: true,
            keepalive_interval: None,
            keepalive_timeout: None,
            close_timeout: Duration::from_secs(5),
            max_send_frame_len: usize::MAX,
            max_queued_output: usize::MAX,
            #[cfg(feature = "deflate")]
            deflate: crate::deflate::DeflateConfig::DEFAULT,
        }
    }

    /// The largest frame payload accepted, checked on the header (1009 beyond).
    pub const fn max_frame_len(&self) -> u64 {
        self.max_frame_len
    }

    /// Sets [`max_frame_len`](Self::max_frame_len). Default 16 MiB.
    #[must_use]
    pub const fn with_max_frame_len(mut self, len: u64) -> Self {
        self.max_frame_len = len;
        self
    }

    /// The largest message accepted, summed over its fragments and checked on each
    /// header before its payload is accepted (1009 beyond).
    pub const fn max_message_len(&self) -> u64 {
        self.max_message_len
    }

    /// Sets [`max_message_len`](Self::max_message_len). Default 16 MiB, the size of the
    /// largest Autobahn message.
    #[must_use]
    pub const fn with_max_message_len(mut self, len: u64) -> Self {
        self.max_message_len = len;
        self
    }

    /// Whether every ping is answered with a pong automatically (RFC 6455 §5.5.2).
    pub const fn auto_pong(&self) -> bool {
        self.auto_pong
    }

    /// Sets [`auto_pong`](Self::auto_pong). Default `true`.
    #[must_use]
    pub const fn with_auto_pong(mut self, on: bool) -> Self {
        self.auto_pong = on;
        self
    }

    /// Whether payload lengths that are not minimally encoded are refused (RFC 6455
    /// §5.2).
    pub const fn strict_length_encoding(&self) -> bool {
        self.strict_length_encoding
    }

    /// Sets [`strict_length_encoding`](Self::strict_length_encoding). Default `true`.
    #[must_use]
    pub const fn with_strict_length_encoding(mut self, on: bool) -> Self {
        self.strict_length_encoding = on;
        self
    }

    /// The keepalive: a ping after `interval` without one, repeatedly (Tornado's
    /// `ping_interval`), and how long to wait for its pong before the connection fails
    /// (Tornado's `ping_timeout`; `None` waits one interval).
    pub const fn keepalive(&self) -> (Option<Duration>, Option<Duration>) {
        (self.keepalive_interval, self.keepalive_timeout)
    }

    /// Sets [`keepalive`](Self::keepalive). Default `(None, None)`: no keepalive.
    #[must_use]
    pub const fn with_keepalive(
        mut self,
        interval: Option<Duration>,
        timeout: Option<Duration>,
    ) -> Self {
        self.keepalive_interval = interval;
        self.keepalive_timeout = timeout;
        self
    }

    /// How long to wait for the peer's Close after sending ours, and (as a client) for
    /// the server to close the transport after the close handshake.
    pub const fn close_timeout(&self) -> Duration {
        self.close_timeout
    }

    /// Sets [`close_timeout`](Self::close_timeout). Default 5 s, as Tornado.
    #[must_use]
    pub const fn with_close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// The largest frame payload [`send_text`](crate::Connection::send_text) and
    /// [`send_binary`](crate::Connection::send_binary) send: a longer message goes out
    /// as fragments of this size (before compression), so a peer with a small frame
    /// limit accepts it, and control frames can be sent between them.
    pub const fn max_send_frame_len(&self) -> usize {
        self.max_send_frame_len
    }

    /// Sets [`max_send_frame_len`](Self::max_send_frame_len) (at least 1). Default
    /// unbounded: one frame per message.
    #[must_use]
    pub const fn with_max_send_frame_len(mut self, len: usize) -> Self {
        self.max_send_frame_len = if len == 0 { 1 } else { len };
        self
    }

    /// The most bytes a sink may hold after a data send
    /// ([`FrameSink::queued`](crate::FrameSink::queued) plus the message): beyond it,
    /// the send fails with [`SendError::OutputFull`](crate::SendError::OutputFull) and
    /// writes nothing. Pongs, pings and Close frames are never refused for it.
    pub const fn max_queued_output(&self) -> usize {
        self.max_queued_output
    }

    /// Sets [`max_queued_output`](Self::max_queued_output). Default unbounded.
    #[must_use]
    pub const fn with_max_queued_output(mut self, len: usize) -> Self {
        self.max_queued_output = len;
        self
    }

    /// The permessage-deflate policy (feature `deflate`): what to offer or accept in
    /// the handshake, and how to compress.
    #[cfg(feature = "deflate")]
    pub const fn deflate(&self) -> &crate::deflate::DeflateConfig {
        &self.deflate
    }

    /// Sets [`deflate`](Self::deflate). Default: enabled, as
    /// [`DeflateConfig::default`](crate::deflate::DeflateConfig::default).
    #[cfg(feature = "deflate")]
    #[must_use]
    pub const fn with_deflate(mut self, deflate: crate::deflate::DeflateConfig) -> Self {
        self.deflate = deflate;
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}
