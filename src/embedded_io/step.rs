//! What the embedded-io drivers share: [`Core`], a [`Driver`] plus what to do with each
//! transport result. The blocking and the async `WebSocket` only move bytes between
//! their transport and it, so each step's meaning is written once, here.

use ::embedded_io::ErrorKind;

use super::Error;
use crate::driver::{Driver, Next, OutputBuffer};
use crate::message::MessageStore;
use crate::{MessageReader, SendError};

/// The I/O a step asks the transport for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Io {
    /// Write [`Driver::output`], then report it with [`Core::wrote`].
    Write,
    /// Flush, then report it with [`Core::flushed`].
    Flush,
    /// Read into [`Driver::read_buffer`], then report it with [`Core::filled`].
    Read,
}

/// What the loop does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Transport I/O.
    Io(Io),
    /// The peer's handshake head is whole: accept it or check it.
    Handshake,
    /// A message is ready: take it with [`Driver::message`].
    Message,
}

/// A [`Driver`] and the one thing the embedded drivers add to it: a failure found while
/// taking a message, held until its Close was written.
#[derive(Debug)]
pub(crate) struct Core<O> {
    pub(crate) driver: Driver<O>,
    /// The failure [`Driver::message`] returned (its text was not UTF-8), to report
    /// once its Close was written. Kept here rather than in a local, so that an async
    /// `recv` dropped while it writes that Close reports it at the next call.
    pending: Option<crate::Error>,
}

impl<O: OutputBuffer> Core<O> {
    pub(crate) const fn new(driver: Driver<O>) -> Self {
        Self { driver, pending: None }
    }

    /// Polls the driver: the next step, or how the loop ends ([`Error::WebSocket`] once
    /// for a failure, after what the peer must be told was written; then
    /// [`Error::Closed`] once the transport was read to its end).
    pub(crate) fn step<R, S, E>(
        &mut self,
        reader: &mut MessageReader<R, S>,
    ) -> Result<Step, Error<E>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        let next = self.driver.poll(reader);
        if !matches!(next, Next::Write | Next::Flush) {
            if let Some(error) = self.pending.take() {
                return Err(Error::WebSocket(error));
            }
        }
        Ok(match next {
            Next::Write => Step::Io(Io::Write),
            Next::Flush => Step::Io(Io::Flush),
            Next::Read { .. } => Step::Io(Io::Read),
            Next::Handshake => Step::Handshake,
            Next::Message => Step::Message,
            Next::Failed(error) => return Err(Error::WebSocket(error)),
            // `Closed`, and any step a later driver adds: nothing to do here.
            _ => return Err(Error::Closed),
        })
    }

    /// Holds the failure [`Driver::message`] returned, for
    /// [`take_failure`](Self::take_failure) once its Close was written (or for the
    /// next [`step`](Self::step), should that writing be abandoned).
    pub(crate) fn hold_failure(&mut self, error: crate::Error) {
        self.pending = Some(error);
    }

    /// The failure [`hold_failure`](Self::hold_failure) kept.
    pub(crate) fn take_failure<E>(&mut self) -> Error<E> {
        self.pending.take().map_or(Error::Closed, Error::WebSocket)
    }

    /// The next step of writing everything queued (frames the connection queued on its
    /// own too), without reading; `None` once it is all written and flushed.
    pub(crate) fn output_step(&mut self) -> Option<Io> {
        if let Ok((conn, out)) = self.driver.connection_and_output() {
            // A full output buffer takes the rest after a write.
            while let Ok(true) = conn.poll_transmit(out) {}
        }
        if !self.driver.output().is_empty() {
            Some(Io::Write)
        } else if self.driver.has_output() {
            Some(Io::Flush)
        } else {
            None
        }
    }

    /// Records a write's result. A write that failed (or took nothing, which
    /// embedded-io reserves for empty writes) ends the output: nothing more is sent,
    /// but reading goes on, so a Close the peer sent is still delivered. An
    /// interrupted write is tried again.
    ///
    /// # Errors
    /// The transport's error, or [`Error::WriteZero`]: a send reports it, the read
    /// loop goes on.
    pub(crate) fn wrote<E: ::embedded_io::Error>(
        &mut self,
        result: Result<usize, E>,
    ) -> Result<(), Error<E>> {
        match result {
            Ok(0) if !self.driver.output().is_empty() => {
                self.driver.write_failed();
                Err(Error::WriteZero)
            }
            Ok(n) => {
                self.driver.wrote(n.min(self.driver.output().len()));
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(()),
            Err(e) => {
                self.driver.write_failed();
                Err(Error::Io(e))
            }
        }
    }

    /// Records a flush's result, as [`wrote`](Self::wrote) does a write's.
    ///
    /// # Errors
    /// The transport's error.
    pub(crate) fn flushed<E: ::embedded_io::Error>(
        &mut self,
        result: Result<(), E>,
    ) -> Result<(), Error<E>> {
        match result {
            Ok(()) => self.driver.flushed(),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                self.driver.write_failed();
                return Err(Error::Io(e));
            }
        }
        Ok(())
    }

    /// Records the result of a read into a buffer of `room` bytes (0 read is the end
    /// of the stream). An interrupted read is tried again.
    ///
    /// # Errors
    /// The transport's error; the connection is unchanged, so reading can be tried
    /// again (after a read timeout, say).
    pub(crate) fn filled<R, S, E>(
        &mut self,
        reader: &mut MessageReader<R, S>,
        result: Result<usize, E>,
        room: usize,
    ) -> Result<(), Error<E>>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
        E: ::embedded_io::Error,
    {
        match result {
            Ok(n) => {
                // A transport that claims more than the buffer is clamped, not trusted.
                self.driver.filled(reader, n.min(room));
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(Error::Io(e)),
        }
    }
}

/// `true` when a send was refused for want of room that writing the pending output
/// gives back: send again after writing it.
pub(crate) fn retry_after_writing(error: &SendError, pending: bool) -> bool {
    pending && matches!(error, SendError::BufferTooSmall(_) | SendError::OutputFull { .. })
}
