//! A WebSocket (RFC 6455) protocol engine that does no I/O.
//!
//! `rfc6455` turns bytes into events and commands into bytes. It never touches a socket,
//! a clock, a random number generator or an allocator it was not handed, so any
//! transport can drive it: `std` sockets, an async runtime, or an embedded TCP stack
//! with a few kilobytes of RAM.
//!
//! # Layers
//! Each layer is usable on its own; upper layers call lower ones, never the reverse.
//!
//! | module | what it does |
//! |---|---|
//! | [`handshake`] | the HTTP/1.1 Upgrade, client and server, over caller buffers |
//! | [`frame`] | header decode/encode, masking, a streaming frame decoder |
//! | [`message`] | fragment reassembly, fail-fast UTF-8, close payloads, message buffers |
//! | [`connection`] | the state machine: events out, frames out, close handshake, timers |
//! | `deflate` (feature `deflate`) | permessage-deflate negotiation and compression |
//! | `blocking` (feature `std`) | the only code that does I/O: a connection over `Read + Write` |
//!
//! # Driving a connection
//! After the opening handshake, the caller moves bytes and time; the [`Connection`]
//! decides. The loop, over an in-memory pipe here:
//!
//! ```
//! use rfc6455::message::{Message, SliceMessageBuffer};
//! use rfc6455::{Config, Connection, Event, SliceSink};
//!
//! let mut client = Connection::client(Config::default(), [42; 16]); // seed: 16 random bytes
//! let mut server = Connection::server(Config::default());
//!
//! // 1. A command writes one whole frame into a sink.
//! let mut wire = [0u8; 256];
//! let mut out = SliceSink::new(&mut wire);
//! client.send_text("ping me", &mut out).unwrap();
//! client.send_ping(b"are you there?", &mut out).unwrap();
//! let sent = out.len();
//!
//! // 2. Received bytes go in (any split); each call returns at most one event and the
//! //    rest of the input. Messages are gathered without allocating.
//! let mut storage = [0u8; 1024];
//! let mut messages = SliceMessageBuffer::new(&mut storage);
//! let mut replies = [0u8; 256];
//! let mut reply_sink = SliceSink::new(&mut replies);
//! let mut input = &mut wire[..sent];
//! while !input.is_empty() {
//!     let (event, rest) = server.handle_read(input).expect("valid frames");
//!     input = rest;
//!     match event {
//!         Some(Event::Data(chunk)) => {
//!             if let Some(Message::Text(text)) = messages.push(&chunk).unwrap() {
//!                 assert_eq!(text, "ping me");
//!             }
//!         }
//!         Some(Event::Ping(payload)) => assert_eq!(payload, b"are you there?"),
//!         _ => {}
//!     }
//!     // 3. Drain what the protocol sends on its own (here: the pong).
//!     while server.poll_transmit(&mut reply_sink).unwrap() {}
//! }
//! assert_eq!(reply_sink.filled()[0], 0x8A); // a pong frame
//!
//! // 4. Timers: ask when to call back, then hand in the time.
//! assert_eq!(server.poll_timeout(), None); // no keepalive configured
//! ```
//!
//! To receive whole messages only, call
//! [`handle_read_message`](Connection::handle_read_message) instead: a message that lies
//! whole in the input is delivered in place, and the pieces of any other are gathered in
//! the buffer you pass, unmasked while they are copied.
//!
//! # Guarantees
//! - No input makes the crate panic, allocate without a bound, or loop without
//!   progress. Limits (frame, message, handshake size) are checked before bytes are
//!   buffered.
//! - Feeding the same bytes in any split gives the same events.
//! - A protocol error is reported once, as a typed error carrying the close code the
//!   peer receives; the Close frame is queued and later input is ignored.
//! - `unsafe` code only in one private module, `accel` (masking and UTF-8 kernels,
//!   writing into a `Vec`'s spare capacity, and every `&str` view of received text),
//!   each block justified and property-tested or fuzzed. Whether a `&str` the crate
//!   hands out can be over bytes that are not UTF-8 is judged by reading that module
//!   alone: validators are poisoned by their first error, and the verdict travels with
//!   the bytes it covers, in types only that module can make.
//!
//! # Features
//! | feature | default | adds |
//! |---|---|---|
//! | `alloc` | via `std` | `message::MessageBuffer` and `FrameSink for Vec<u8>` |
//! | `std` | yes | `random_mask_seed`, the `blocking` adapter (implies `alloc`) |
//! | `deflate` | no | `deflate`: permessage-deflate (RFC 7692) via zlib-rs (implies `alloc`) |
//! | `http` | no | `handshake::http`: the handshake from and to `http::Request`/`http::Response` (implies `std`) |
//!
//! With no features the whole protocol is available over caller buffers.
//!
//! # MSRV
//! Rust 1.89 (the AVX-512 intrinsics of the UTF-8 validator are stable from there).
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(feature = "alloc", test))]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod accel;
#[cfg(feature = "std")]
pub mod blocking;
mod close_code;
pub mod connection;
#[cfg(feature = "deflate")]
pub mod deflate;
pub mod frame;
pub mod handshake;
pub mod message;
mod role;
mod sink;

pub use close_code::CloseCode;
#[cfg(feature = "std")]
pub use connection::random_mask_seed;
pub use connection::{
    Config, Connection, ConnectionError, Event, MessageReader, Received, SendError, State,
};
pub use role::Role;
pub use sink::{BufferTooSmall, FrameSink, SliceSink};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
