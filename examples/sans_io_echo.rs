//! An echo server and a client that drive [`Connection`] directly over
//! `std::net::TcpStream`, with no adapter: the loop a WebSocket stack writes on top of the
//! crate. Everything transport-specific is in `drive` (about 40 lines) and the two
//! handshake functions; the protocol (pongs, close handshake, keepalive, limits, UTF-8)
//! is the crate's.
//!
//! ```sh
//! cargo run --example sans_io_echo
//! ```

use core::error::Error;
use core::time::Duration;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Instant;

use rfc6455::handshake::{
    Accept, ClientHandshake, ClientKey, ClientRequest, Limits, Reject, ServerHandshake, Status,
};
use rfc6455::message::MessageBuffer;
use rfc6455::{random_mask_seed, CloseCode, Config, Connection, MessageReader, Received};

type Result<T> = core::result::Result<T, Box<dyn Error + Send + Sync>>;
type Reader = MessageReader<Vec<u8>, MessageBuffer>;

/// Keepalive: a ping after 1 s without one, the connection fails if its pong takes 1 s.
const CONFIG: Config =
    Config::new().with_keepalive(Some(Duration::from_secs(1)), Some(Duration::from_secs(1)));

fn main() -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = thread::spawn(move || -> Result<Option<CloseCode>> {
        let (mut stream, _) = listener.accept()?;
        let (mut conn, mut reader) = accept(&mut stream)?;
        // Echo every message, straight from the reader: it borrows the reader only.
        drive(&mut stream, &mut conn, &mut reader, |conn, message, out| match message {
            Received::Text(text) => Ok(conn.send_text(text, out)?),
            Received::Binary(bytes) => Ok(conn.send_binary(bytes, out)?),
            _ => Ok(()), // pings are answered and the Close replied to on their own
        })
    });

    let mut stream = TcpStream::connect(addr)?;
    let (mut conn, mut reader) = connect(&mut stream, &format!("ws://{addr}/echo"))?;
    let mut out = Vec::new();
    conn.send_text("Hello", &mut out)?;
    conn.send_binary(&[1, 2, 3], &mut out)?;
    stream.write_all(&out)?;
    let mut echoes = 0;
    let code = drive(&mut stream, &mut conn, &mut reader, |conn, message, out| {
        println!("client: got {message:?}");
        echoes += 1;
        if echoes == 2 {
            conn.close(CloseCode::NORMAL, "done", out)?;
        }
        Ok(())
    })?;
    println!("client: closed with {code:?}");
    println!("server: closed with {:?}", server.join().expect("server thread")?);
    Ok(())
}

/// Runs a connection until it is over: reads into the space the reader lends, hands
/// each message to `on_message` (with the connection and the output buffer), writes
/// what the connection queued, and runs its timers through the read timeout. Returns
/// the close code (RFC 6455 §7.1.5); a protocol failure is an error, after its Close
/// was written.
fn drive(
    stream: &mut TcpStream,
    conn: &mut Connection,
    reader: &mut Reader,
    mut on_message: impl FnMut(&mut Connection, Received<'_>, &mut Vec<u8>) -> Result<()>,
) -> Result<Option<CloseCode>> {
    let epoch = Instant::now();
    let now = || epoch.elapsed(); // the connection's time: since an epoch of ours
    let mut out = Vec::new();
    loop {
        while let Some(message) = reader.next(conn) {
            on_message(conn, message, &mut out)?;
        }
        conn.handle_timeout(now());
        while conn.poll_transmit(&mut out)? {}
        if !out.is_empty() {
            if stream.write_all(&out).is_err() {
                // What was read is still handled: a Close the peer sent is reported.
                conn.handle_write_closed();
            }
            out.clear();
        }
        if conn.should_close_transport() {
            return Ok(conn.close_code());
        }
        let wait = conn.poll_timeout().map(|at| at.saturating_sub(now()));
        stream.set_read_timeout(wait.map(|w| w.max(Duration::from_millis(1))))?;
        // A failed connection's error comes out here, after its Close was written.
        match stream.read(reader.spare(conn)?) {
            Ok(0) => conn.handle_eof(),
            Ok(n) => reader.filled(n),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => conn.handle_eof(),
        }
    }
}

/// The server's opening handshake: reads the request, writes the 101 (or the error
/// response), and hands over the connection and the frames that came with the head.
fn accept(stream: &mut TcpStream) -> Result<(Connection, Reader)> {
    let mut handshake = ServerHandshake::new(Limits::default());
    let mut buf = vec![0; Limits::default().max_head_len];
    let mut len = 0;
    loop {
        let n = stream.read(&mut buf[len..])?;
        if n == 0 {
            return Err("the client left during the handshake".into());
        }
        len += n;
        let mut response = Vec::new();
        let upgrade = match handshake.parse_request(&buf[..len]) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete(request)) => request.accept(&Accept::new(), &mut response)?,
            Err(error) => {
                Reject::from_error(error).write(&mut response)?;
                stream.write_all(&response)?;
                return Err(error.into());
            }
        };
        stream.write_all(&response)?;
        let mut reader = MessageReader::default();
        reader.feed(upgrade.leftover(&mut buf[..len])); // a pipelined first frame
        return Ok((upgrade.into_connection(CONFIG), reader));
    }
}

/// The client's opening handshake: writes the request, reads the 101, and hands over
/// the connection and the frames that came with the head.
fn connect(stream: &mut TcpStream, uri: &str) -> Result<(Connection, Reader)> {
    let request = ClientRequest::from_uri(uri, ClientKey::from_random(random_mask_seed()))?;
    let mut head = Vec::new();
    request.write(&mut head)?;
    stream.write_all(&head)?;
    let mut handshake = ClientHandshake::new(request, Limits::default());
    let mut buf = vec![0; Limits::default().max_head_len];
    let mut len = 0;
    loop {
        let n = stream.read(&mut buf[len..])?;
        if n == 0 {
            return Err("the server left during the handshake".into());
        }
        len += n;
        if let Status::Complete(upgrade) = handshake.parse_response(&buf[..len])? {
            let mut reader = MessageReader::default();
            reader.feed(upgrade.leftover(&mut buf[..len]));
            return Ok((upgrade.into_connection(CONFIG, random_mask_seed()), reader));
        }
    }
}
