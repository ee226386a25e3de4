//! The embedded-io driver with heapless buffers, without `std` or `alloc`: a client
//! `WebSocket` over an in-memory transport whose far end is a server `Driver` run by
//! the transport itself, in the same thread (a read runs the server until it wrote
//! something or waits for the client).

use embedded_io::{ErrorKind, ErrorType, Read, Write};
use rfc6455::driver::{Driver, Next};
use rfc6455::embedded_io::{Error, WebSocket};
use rfc6455::handshake::{Accept, ClientKey, ClientRequest, Limits};
use rfc6455::message::HeaplessMessageBuffer;
use rfc6455::{CloseCode, Config, MessageReader, Received};

type Reader = MessageReader<[u8; 512], HeaplessMessageBuffer<256>>;
type Out = heapless::Vec<u8, 512>;

/// The transport: what the client wrote, what the server wrote, and the server.
struct Loopback {
    server: Driver<Out>,
    reader: Reader,
    to_server: heapless::Vec<u8, 512>,
    to_client: heapless::Vec<u8, 512>,
    server_done: bool,
}

impl Loopback {
    /// Runs the server until it has written something or waits for the client.
    fn run_server(&mut self) {
        while self.to_client.is_empty() && !self.server_done {
            match self.server.poll(&mut self.reader) {
                Next::Write => {
                    let out = self.server.output();
                    let n = out.len().min(self.to_client.capacity() - self.to_client.len());
                    let _ = self.to_client.extend_from_slice(&out[..n]);
                    self.server.wrote(n);
                }
                Next::Flush => self.server.flushed(),
                Next::Read { .. } if self.to_server.is_empty() => return,
                Next::Read { .. } => {
                    let buf = self.server.read_buffer(&mut self.reader);
                    let n = buf.len().min(self.to_server.len());
                    buf[..n].copy_from_slice(&self.to_server[..n]);
                    self.server.filled(&mut self.reader, n);
                    let rest = heapless::Vec::from_slice(&self.to_server[n..]);
                    self.to_server = rest.unwrap_or_default();
                }
                Next::Handshake => self.server.accept(&mut self.reader, |_| Ok(Accept::new())),
                Next::Message => {
                    if let Ok(Received::Text(text)) = self.server.message(&mut self.reader) {
                        if let Ok((conn, out)) = self.server.connection_and_output() {
                            let _ = conn.send_text(text, out); // the echo
                        }
                    }
                }
                _ => self.server_done = true, // failed or closed: the transport ends
            }
        }
    }
}

impl ErrorType for Loopback {
    type Error = ErrorKind;
}

impl Read for Loopback {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        self.run_server();
        if self.to_client.is_empty() && !self.server_done {
            return Err(ErrorKind::Other); // the server waits for the client: a deadlock
        }
        let n = buf.len().min(self.to_client.len());
        buf[..n].copy_from_slice(&self.to_client[..n]);
        self.to_client = heapless::Vec::from_slice(&self.to_client[n..]).unwrap_or_default();
        Ok(n)
    }
}

impl Write for Loopback {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let n = buf.len().min(self.to_server.capacity() - self.to_server.len());
        let _ = self.to_server.extend_from_slice(&buf[..n]);
        if n == 0 {
            return Err(ErrorKind::WriteZero);
        }
        Ok(n)
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// A client handshake, one echo and the close handshake; `true` when all went as
/// expected.
pub fn run() -> bool {
    let mut io = Loopback {
        server: Driver::server(Config::default(), Limits::default(), Out::new()),
        reader: MessageReader::new([0; 512], HeaplessMessageBuffer::new()),
        to_server: heapless::Vec::new(),
        to_client: heapless::Vec::new(),
        server_done: false,
    };
    let Ok(request) =
        ClientRequest::from_uri("ws://localhost/echo", ClientKey::from_random([3; 16]))
    else {
        return false;
    };
    let mut reader: Reader = MessageReader::new([0; 512], HeaplessMessageBuffer::new());
    let (config, limits) = (Config::default(), Limits::default());
    let connected =
        WebSocket::connect(&mut io, &mut reader, Out::new(), &request, config, limits, [9; 16]);
    let Ok(mut ws) = connected else { return false };
    if ws.send_text("no_std echo").is_err() {
        return false;
    }
    let echoed = matches!(ws.recv(&mut reader), Ok(Received::Text("no_std echo")));
    if ws.close(CloseCode::NORMAL, "").is_err() {
        return false;
    }
    let closed = matches!(ws.recv(&mut reader), Ok(Received::Close(_)))
        && matches!(ws.recv(&mut reader), Err(Error::Closed));
    echoed && closed && ws.close_code() == Some(CloseCode::NORMAL)
}
