//! permessage-deflate (RFC 7692), feature `deflate`: negotiation and compression.
//!
//! Negotiation is part of the handshake: a server asks for it with
//! [`Accept::with_deflate`](crate::handshake::Accept::with_deflate), a client with
//! [`ClientRequest::with_deflate`](crate::handshake::ClientRequest::with_deflate), both
//! normally under [`Config::deflate`](crate::Config::deflate). The agreed
//! [`DeflateParams`] travel in the upgrade
//! ([`ServerUpgrade`](crate::handshake::ServerUpgrade),
//! [`ClientUpgrade`](crate::handshake::ClientUpgrade)), whose `into_connection` turns
//! compression on; a connection set up by other means takes them through
//! [`Connection::enable_deflate`](crate::Connection::enable_deflate). After that
//! messages are compressed on send (RSV1 on the first frame, the `00 00 FF FF` tail
//! stripped) and inflated on receipt, with the message size limit checked *while*
//! inflating, so a small frame that would inflate to gigabytes is refused (1009) once
//! it passes the limit. Inflated output is handed out in pieces of at most 64 KiB, so
//! the connection holds no more than that of a message however large it is (a store
//! that gathers the message holds the message, at most the limit). zlib's state is
//! allocated by the first compressed message each way.
//!
//! # Memory per connection
//! Measured with zlib-rs 0.6.8 (`tests/memory.rs`): `enable_deflate` itself allocates a
//! few hundred bytes. The first compressed message received allocates the inflate
//! state, 47.5 KB whatever the window, and an output buffer of 4 KiB that grows to
//! 64 KiB for large messages and shrinks back when they end. The first message
//! compressed allocates the deflate state, 251-380 KB by
//! [`DeflateConfig::max_window_bits`] (9-15), and an output buffer kept at 64 KiB at
//! most between messages. A server short of memory can lower `max_window_bits`, or
//! leave whole messages it sends uncompressed ([`DeflateConfig::min_message_len`]),
//! in which case it never allocates the deflate state.
//!
//! The backend is zlib-rs (memory-safe Rust zlib): it builds without `std`, and it can
//! compress with any window from 2^9 to 2^15 bytes, which the `*_max_window_bits`
//! parameters require. Without `std` it allocates through the C library's `malloc`;
//! with `std` through Rust's global allocator. A window of 2^8 cannot be produced, so
//! offers that insist on it are declined (server) or refused (client).

mod codec;
mod negotiate;
mod params;

pub(crate) use codec::{
    Compressor, Decompressor, InflateFailure, PIECE, RETAINED as INFLATE_RETAINED,
};
pub use negotiate::PERMESSAGE_DEFLATE;
pub(crate) use negotiate::{accept_answer, accept_offer, offer, ExtensionHeader};
pub use params::{DeflateConfig, DeflateParams, MAX_WINDOW_BITS, MIN_WINDOW_BITS};

#[cfg(test)]
mod tests;
