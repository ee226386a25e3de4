//! placeholder
#![no_std]
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod close_code;
pub mod frame;
pub mod handshake;
mod role;

pub use close_code::CloseCode;
pub use role::Role;
