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
//! | [`driver`] | the protocol loop of a transport driver, without I/O: handshake to close |
//! | `blocking` (feature `std`) | a connection over `Read + Write`, on [`driver`] |
//! | `tokio` (feature `tokio`) | a connection over tokio's `AsyncRead + AsyncWrite`, on [`driver`] |
//! | `embedded_io`, `embedded_io_async` (features `embedded-io`, `embedded-io-async`) | a connection over an embedded-io stream, blocking or async, without allocation |
//!
//! # Driving a connection
//! After the opening handshake, the caller moves bytes and time; the [`Connection`]
//! decides. Methods come in four groups, as in quinn-proto:
//! - **getters** (`&self`): [`state`](Connection::state),
//!   [`can_send`](Connection::can_send), [`close_code`](Connection::close_code),
//!   [`failure`](Connection::failure), [`should_close_transport`](Connection::should_close_transport), ...;
//! - **`handle_*`** (input): received bytes through a [`MessageReader`] (whole messages)
//!   or [`handle_read`](Connection::handle_read) (pieces, zero copy), then
//!   [`handle_timeout`](Connection::handle_timeout), [`handle_eof`](Connection::handle_eof)
//!   and [`handle_write_closed`](Connection::handle_write_closed);
//! - **commands**: [`send_text`](Connection::send_text), [`send_binary`](Connection::send_binary),
//!   [`send_fragment`](Connection::send_fragment), [`send_ping`](Connection::send_ping),
//!   [`close`](Connection::close), each writing a whole frame into a [`FrameSink`];
//! - **`poll_*`** (output): [`poll_transmit`](Connection::poll_transmit) until `false`,
//!   then [`poll_timeout`](Connection::poll_timeout).
//!
//! The loop, over an in-memory pipe here: the server echoes a message straight from the
//! reader (a message borrows the reader, never the connection).
//!
//! ```
//! use rfc6455::message::SliceMessageBuffer;
//! use rfc6455::{CloseCode, Config, Connection, MessageReader, Received, SliceSink};
//!
//! let mut client = Connection::client(Config::default(), [42; 16]); // seed: 16 random bytes
//! let mut server = Connection::server(Config::default());
//!
//! // 1. A command writes one whole frame into a sink.
//! let mut wire = [0u8; 256];
//! let mut out = SliceSink::new(&mut wire);
//! client.send_text("echo me", &mut out)?;
//! client.send_ping(b"are you there?", &mut out)?;
//! client.close(CloseCode::NORMAL, "done", &mut out)?;
//! let mut input = out.filled();
//!
//! // 2. Received bytes go into the space the reader lends, in any split; whole
//! //    messages come out. No allocation: the read buffer is an array, and messages
//! //    that do not arrive whole in one read are gathered in a caller slice.
//! let mut storage = [0u8; 1024];
//! let mut reader = MessageReader::new([0u8; 512], SliceMessageBuffer::new(&mut storage));
//! let mut replies = [0u8; 256];
//! let mut reply_sink = SliceSink::new(&mut replies);
//! while !input.is_empty() {
//!     let spare = reader.spare(&mut server)?; // a failure's error comes out here
//!     let n = spare.len().min(input.len()).min(10); // a transport's short reads
//!     spare[..n].copy_from_slice(&input[..n]);
//!     input = &input[n..];
//!     reader.filled(n);
//!     while let Some(message) = reader.next(&mut server) {
//!         match message {
//!             Received::Text(text) => server.send_text(text, &mut reply_sink)?, // echo
//!             Received::Ping(payload) => assert_eq!(payload, b"are you there?"),
//!             Received::Close(close) => assert_eq!(close.reason(), "done"),
//!             _ => {}
//!         }
//!     }
//!     // 3. Drain what the protocol sends on its own (the pong, the close reply), then
//!     //    write the sink's bytes to the transport.
//!     while server.poll_transmit(&mut reply_sink)? {}
//! }
//! assert_eq!(&reply_sink.filled()[..9], b"\x81\x07echo me");
//! assert!(server.should_close_transport()); // the close handshake is done
//!
//! // 4. Timers: ask when to call back, then hand in the time in your unit (here the
//! //    close timer, armed by the Close the server sent).
//! if let Some(deadline) = server.poll_timeout() {
//!     server.handle_timeout(deadline);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`handle_read`](Connection::handle_read) is the other way in: it delivers the pieces of
//! messages as they arrive, unmasked in place in your buffer, for a stack that streams
//! messages of any size through a buffer of any size.
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
//! | `tokio` | no | `tokio`: the async driver, split halves, a `Stream`/`Sink` of messages (implies `std`) |
//! | `heapless` | no | `message::HeaplessMessageBuffer`, `FrameSink` and `driver::OutputBuffer` for `heapless::Vec<u8, N>` |
//! | `embedded-io` | no | `embedded_io`: a blocking driver over `embedded_io::Read + Write` |
//! | `embedded-io-async` | no | `embedded_io_async`: the async driver (implies `embedded-io`) |
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
pub mod driver;
#[cfg(feature = "embedded-io")]
pub mod embedded_io;
#[cfg(feature = "embedded-io-async")]
pub mod embedded_io_async;
mod error;
pub mod frame;
pub mod handshake;
pub mod message;
mod role;
mod sink;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use close_code::CloseCode;
#[cfg(feature = "std")]
pub use connection::random_mask_seed;
pub use connection::{
    Config, Connection, ConnectionError, Event, MessageReader, Received, SendError, State,
};
pub use error::Error;
pub use role::Role;
pub use sink::{BufferTooSmall, FrameSink, SliceSink};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
