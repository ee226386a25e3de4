//! The echo server the Autobahn|Testsuite `fuzzingclient` tests:
//! `cargo run --release --example autobahn_server -- 127.0.0.1:9001`.
//!
//! One thread per connection; text is echoed as text and binary as binary. Limits are
//! raised for section 9 (messages up to 16 MiB).

use std::net::{TcpListener, TcpStream};
use std::thread;

use rfc6455::blocking::{Error, WebSocket};
use rfc6455::Config;
use rfc6455::MessageReader;
use rfc6455::Received;

/// Section 9 sends 16 MiB messages; leave headroom.
const LIMIT: u64 = 64 << 20;

fn echo(stream: TcpStream) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let config = Config::default().with_max_frame_len(LIMIT).with_max_message_len(LIMIT);
    let mut buffer = MessageReader::default();
    let mut ws = WebSocket::accept(stream, &mut buffer, config)?;
    loop {
        let sent = match ws.recv(&mut buffer) {
            Ok(Received::Text(text)) => ws.send_text(text),
            Ok(Received::Binary(bytes)) => ws.send_binary(bytes),
            Ok(_) => Ok(()),
            // The peer broke the protocol: the Close was sent; read on until it is over.
            Err(Error::Protocol(_)) => Ok(()),
            Err(Error::Closed) => return Ok(()),
            Err(e) => return Err(e),
        };
        match sent {
            Ok(()) | Err(Error::Send(_)) => {} // a message that crosses our Close is dropped
            Err(e) => return Err(e),
        }
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr)?;
    println!("autobahn echo server on ws://{}", listener.local_addr()?);
    for stream in listener.incoming() {
        let stream = stream?;
        thread::spawn(move || {
            if let Err(e) = echo(stream) {
                eprintln!("connection ended: {e}");
            }
        });
    }
    Ok(())
}
