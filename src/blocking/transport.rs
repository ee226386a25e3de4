//! What the blocking adapter needs from a byte stream.

use core::time::Duration;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

/// A blocking byte stream the adapter can drive: `Read + Write`, plus a read timeout so
/// the connection's timers (keepalive, close handshake) fire while it waits for data.
///
/// Implemented for [`TcpStream`]. For a stream without timeouts, implement
/// [`set_read_timeout`](Self::set_read_timeout) as a no-op: everything works except
/// timers, which then fire only when data arrives.
pub trait Transport: Read + Write {
    /// Makes reads give up after `timeout` with `WouldBlock` or `TimedOut`; `None`
    /// blocks indefinitely.
    ///
    /// # Errors
    /// As the underlying stream.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;

    /// Closes the transport (both directions) once the WebSocket connection is done.
    ///
    /// # Errors
    /// As the underlying stream.
    fn shutdown(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Transport for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        Self::set_read_timeout(self, timeout)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        Self::shutdown(self, Shutdown::Both)
    }
}
