//! permessage-deflate settings: the local policy and the negotiated parameters.

/// The smallest LZ77 window the compressor can honour: 2^9 bytes. RFC 7692 allows 8,
/// but zlib (and zlib-rs) cannot produce raw deflate streams with a 256-byte window, so
/// an offer that insists on 8 for our compressor is declined (RFC 7692 §7.1.2.1).
pub const MIN_WINDOW_BITS: u8 = 9;

/// The largest LZ77 window: 2^15 = 32 KiB.
pub const MAX_WINDOW_BITS: u8 = 15;

/// What this endpoint wants from permessage-deflate (RFC 7692); part of
/// [`Config`](crate::Config).
///
/// ```
/// use rfc6455::deflate::DeflateConfig;
/// let config = DeflateConfig { enabled: true, level: 1, ..DeflateConfig::default() };
/// assert_eq!(config.max_window_bits, 15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Offer (client) or accept (server) permessage-deflate. Default `true`.
    pub enabled: bool,
    /// Compression level, 0 (store) to 9 (smallest). Default 6.
    pub level: u8,
    /// Messages shorter than this are sent uncompressed (RSV1 clear). Default 32.
    /// (`usize::MAX` sends whole messages uncompressed, so a connection that sends no
    /// fragments never allocates the deflate state.)
    pub min_message_len: usize,
    /// The largest window our compressor may use, 9-15; asked of the peer with
    /// `server_max_window_bits` (client) or granted with it (server). Default 15.
    ///
    /// It sets most of a connection's compression memory, allocated when the first
    /// message is compressed: zlib-rs's deflate state is 380 KB with 15, 315 KB with
    /// 14, 282 KB with 13, 265 KB with 12 and 251 KB with 9 (a 128 KiB hash table and
    /// 112 KiB of buffers do not depend on it). The inflate state (47.5 KB, allocated
    /// when the first compressed message arrives) is the same for every window, so
    /// asking the peer for a smaller one would save nothing here.
    pub max_window_bits: u8,
    /// Compress every message from an empty window, saving the compressor's memory
    /// between messages at some cost in ratio. Default `false`.
    pub no_context_takeover: bool,
    /// Ask the peer to compress every message from an empty window, so our
    /// decompressor needs no memory between messages. Default `false`.
    pub request_peer_no_context_takeover: bool,
}

impl DeflateConfig {
    /// The defaults, as a constant.
    pub const DEFAULT: Self = Self {
        enabled: true,
        level: 6,
        min_message_len: 32,
        max_window_bits: MAX_WINDOW_BITS,
        no_context_takeover: false,
        request_peer_no_context_takeover: false,
    };
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The permessage-deflate parameters both ends agreed on in the handshake, from the
/// point of view of one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateParams {
    /// Our compressor resets its window after every message.
    pub local_no_context_takeover: bool,
    /// The peer's compressor resets its window after every message (so ours may too).
    pub peer_no_context_takeover: bool,
    /// The window our compressor must stay within (9-15).
    pub local_max_window_bits: u8,
    /// The window the peer's compressor stays within (8-15).
    pub peer_max_window_bits: u8,
}

impl Default for DeflateParams {
    fn default() -> Self {
        Self {
            local_no_context_takeover: false,
            peer_no_context_takeover: false,
            local_max_window_bits: MAX_WINDOW_BITS,
            peer_max_window_bits: MAX_WINDOW_BITS,
        }
    }
}
