//! A [`WebSocket`] as a `Stream` and a `Sink` of owned [`Message`]s.

use alloc::string::String;
use alloc::vec::Vec;
use core::pin::Pin;
use core::task::{ready, Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite};

use super::{Error, WebSocket};
use crate::message::{MessageBuffer, MessageStore};
use crate::{CloseCode, MessageReader, Received, SendError};

/// An owned message, as a [`MessageStream`] yields and takes them. (The borrowing
/// [`WebSocket::recv`] copies nothing; this one allocates for each message.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A ping (answered by the driver); sent, at most 125 bytes.
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// A Close: the code and reason received, or to send (`None`: 1000, no reason).
    Close(Option<(CloseCode, String)>),
}

impl From<Received<'_>> for Message {
    fn from(received: Received<'_>) -> Self {
        match received {
            Received::Text(text) => Self::Text(text.into()),
            Received::Binary(data) => Self::Binary(data.into()),
            Received::Ping(payload) => Self::Ping(payload.as_bytes().into()),
            Received::Pong(payload) => Self::Pong(payload.as_bytes().into()),
            Received::Close(frame) => Self::Close(frame.code().map(|c| (c, frame.reason().into()))),
        }
    }
}

/// Queued output beyond which [`Sink::poll_ready`](futures_sink::Sink::poll_ready)
/// writes before it takes another message.
const SINK_BACKLOG: usize = 64 * 1024;

/// A [`WebSocket`] with its reader, as a `futures` `Stream` of received [`Message`]s
/// (ending after the connection is over) and a `Sink` of messages to send. Made by
/// [`WebSocket::into_stream`]. Use `StreamExt::split` to drive both sides from two
/// tasks, or [`WebSocket::split`] to keep the borrowing, copy-free receive.
#[derive(Debug)]
pub struct MessageStream<T, R = Vec<u8>, S = MessageBuffer> {
    ws: WebSocket<T>,
    reader: MessageReader<R, S>,
    ended: bool,
}

impl<T: AsyncRead + AsyncWrite + Unpin> WebSocket<T> {
    /// This connection as a `Stream` and `Sink` of owned messages, with `reader` (the
    /// one given to the handshake).
    ///
    /// ```no_run
    /// use futures_util::{SinkExt, StreamExt};
    /// use rfc6455::tokio::{Message, WebSocket};
    /// use rfc6455::{Config, MessageReader};
    ///
    /// # async fn run(stream: tokio::net::TcpStream) -> Result<(), rfc6455::tokio::Error> {
    /// let mut reader = MessageReader::default();
    /// let ws = WebSocket::accept(stream, &mut reader, Config::default()).await?;
    /// let mut messages = ws.into_stream(reader);
    /// while let Some(message) = messages.next().await {
    ///     if let Message::Text(text) = message? {
    ///         messages.send(Message::Text(text.to_uppercase())).await?;
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_stream<R, S>(self, reader: MessageReader<R, S>) -> MessageStream<T, R, S>
    where
        R: AsRef<[u8]> + AsMut<[u8]>,
        S: MessageStore,
    {
        MessageStream { ws: self, reader, ended: false }
    }
}

impl<T, R, S> MessageStream<T, R, S> {
    /// The connection.
    pub const fn get_ref(&self) -> &WebSocket<T> {
        &self.ws
    }

    /// The connection and the reader back.
    pub fn into_parts(self) -> (WebSocket<T>, MessageReader<R, S>) {
        (self.ws, self.reader)
    }
}

impl<T, R, S> futures_core::Stream for MessageStream<T, R, S>
where
    T: AsyncRead + AsyncWrite + Unpin,
    R: AsRef<[u8]> + AsMut<[u8]> + Unpin,
    S: MessageStore + Unpin,
{
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        match ready!(this.ws.poll_message(cx, &mut this.reader)) {
            Ok(()) => {}
            Err(Error::Closed) => {
                this.ended = true;
                return Poll::Ready(None);
            }
            Err(e) => return Poll::Ready(Some(Err(e))),
        }
        // A message whose text is not UTF-8 fails the connection; its Close goes out
        // with the next poll, which then ends the stream.
        Poll::Ready(Some(
            this.ws.driver.message(&mut this.reader).map(Message::from).map_err(Error::from),
        ))
    }
}

impl<T, R, S> futures_sink::Sink<Message> for MessageStream<T, R, S>
where
    T: AsyncRead + AsyncWrite + Unpin,
    R: Unpin,
    S: Unpin,
{
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let ws = &mut self.get_mut().ws;
        while ws.driver.output().len() > SINK_BACKLOG {
            ready!(ws.poll_write_step(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        let driver = &mut self.get_mut().ws.driver;
        let sent = match &message {
            Message::Text(text) => driver.send_text(text),
            Message::Binary(data) => driver.send_binary(data),
            Message::Ping(payload) => driver.send_ping(payload),
            Message::Pong(payload) => {
                driver.connection_and_output().and_then(|(conn, out)| conn.send_pong(payload, out))
            }
            Message::Close(None) => driver.close(CloseCode::NORMAL, ""),
            Message::Close(Some((code, reason))) => driver.close(*code, reason),
        };
        sent.map_err(Error::Send)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().ws.poll_flush_output(cx)
    }

    /// Starts the close handshake (1000) unless a Close was sent, and writes it; the
    /// stream side sees the peer's answer.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let ws = &mut self.get_mut().ws;
        match ws.driver.close(CloseCode::NORMAL, "") {
            Ok(()) | Err(SendError::Closed) => {}
            Err(e) => return Poll::Ready(Err(e.into())),
        }
        ws.poll_flush_output(cx)
    }
}
