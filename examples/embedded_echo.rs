//! The embedded-io driver with stack buffers only: a client and an echo server, each a
//! `rfc6455::embedded_io::WebSocket` with heapless buffers. On a device the transport
//! would be the TCP socket of its network stack; here it is a loopback `TcpStream`
//! made an `embedded_io` stream by `embedded-io-adapters`, and the server runs in a
//! thread.
//!
//! Run with `cargo run --example embedded_echo --features embedded-io,heapless`.

use core::time::Duration;
use std::net::{TcpListener, TcpStream};

use embedded_io_adapters::std::FromStd;
use rfc6455::embedded_io::{Error, WebSocket};
use rfc6455::handshake::{ClientKey, ClientRequest, Limits};
use rfc6455::message::HeaplessMessageBuffer;
use rfc6455::{CloseCode, Config, MessageReader, Received};

/// 1 KiB reads, messages up to 4 KiB, 1 KiB of output: about 6 KiB of stack per side.
type Reader = MessageReader<[u8; 1024], HeaplessMessageBuffer<4096>>;
type Out = heapless::Vec<u8, 1024>;

fn reader() -> Reader {
    MessageReader::new([0; 1024], HeaplessMessageBuffer::new())
}

/// Echoes text and binary messages until the connection is over.
fn serve(stream: TcpStream) -> Result<(), Error<std::io::Error>> {
    let mut reader = reader();
    let mut ws =
        WebSocket::accept(FromStd::new(stream), &mut reader, Out::new(), Config::default())?;
    loop {
        match ws.recv(&mut reader) {
            Ok(Received::Text(text)) => ws.send_text(text)?,
            Ok(Received::Binary(data)) => ws.send_binary(data)?,
            Ok(_) => {} // pings are answered on their own; the peer's Close too
            Err(Error::Closed) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

fn main() -> Result<(), Box<dyn core::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = std::thread::spawn(move || -> Result<(), Error<std::io::Error>> {
        let (stream, _) = listener.accept().map_err(Error::Io)?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).map_err(Error::Io)?;
        serve(stream)
    });

    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    // On a device, both come from its random number generator: the key is sent in the
    // request, the seed makes the masks of every frame.
    let (key_bytes, mask_seed) = ([0x5a; 16], [0xa5; 16]);
    let uri = format!("ws://{addr}/echo");
    let request = ClientRequest::from_uri(&uri, ClientKey::from_random(key_bytes))?;
    let mut reader = reader();
    let (config, limits) = (Config::default(), Limits::default());
    let io = FromStd::new(stream);
    let mut ws =
        WebSocket::connect(io, &mut reader, Out::new(), &request, config, limits, mask_seed)?;
    println!("connected to {uri}");

    ws.send_text("Hello from the stack")?;
    let echo = ws.recv(&mut reader)?;
    println!("echo: {echo:?}");
    assert_eq!(echo, Received::Text("Hello from the stack"));

    ws.send_binary(&[0xde, 0xad, 0xbe, 0xef])?;
    assert_eq!(ws.recv(&mut reader)?, Received::Binary(&[0xde, 0xad, 0xbe, 0xef]));

    ws.send_ping(b"still there?")?;
    assert!(matches!(ws.recv(&mut reader)?, Received::Pong(p) if &*p == b"still there?"));

    ws.close(CloseCode::NORMAL, "done")?;
    assert!(matches!(ws.recv(&mut reader)?, Received::Close(_)));
    assert!(matches!(ws.recv(&mut reader), Err(Error::Closed)));
    println!("closed with {:?}", ws.close_code());
    server.join().expect("the server thread")?;
    Ok(())
}
