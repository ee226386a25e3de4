//! placeholder
#![no_std]
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod close_code;
pub mod connection;
pub mod frame;
pub mod handshake;
pub mod message;
mod role;
mod sink;

pub use close_code::CloseCode;
#[cfg(feature = "std")]
pub use connection::random_mask_seed;
pub use connection::{Config, Connection, ConnectionError, Event, SendError, State};
pub use role::Role;
pub use sink::{BufferTooSmall, FrameSink, SliceSink};
