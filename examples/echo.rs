//! The demo: an echo server and a client talking over loopback TCP.
//!
//! `cargo run --example echo` starts a server on 127.0.0.1 (an ephemeral port), connects
//! a client, exchanges text, binary, a ping and a fragmented message, closes cleanly, and
//! prints every step. Pass an address (`cargo run --example echo -- 127.0.0.1:9002`) to
//! run only the server, for a browser or another client.

use core::net::SocketAddr;
use std::net::{TcpListener, TcpStream};
use std::thread;

use rfc6455::blocking::{Error, WebSocket};
use rfc6455::MessageReader;
use rfc6455::Received;
use rfc6455::{CloseCode, Config};

fn serve(stream: TcpStream) -> Result<(), Error> {
    let peer = stream.peer_addr()?;
    let mut buffer = MessageReader::default();
    let mut ws = WebSocket::accept(stream, &mut buffer, Config::default())?;
    println!("server: {peer} upgraded");
    loop {
        match ws.recv(&mut buffer) {
            Ok(Received::Text(text)) => ws.send_text(text)?,
            Ok(Received::Binary(bytes)) => ws.send_binary(bytes)?,
            Ok(Received::Ping(p)) => println!("server: ping {:?} (pong sent)", p.as_bytes()),
            Ok(Received::Pong(_)) => {}
            Ok(Received::Close(close)) => {
                println!("server: close {:?} {:?} (echoed)", close.code(), close.reason())
            }
            Err(Error::Closed) => {
                println!("server: {peer} closed with {:?}", ws.close_code());
                return Ok(());
            }
            Err(e) => return Err(e),
        }
    }
}

fn listen(addr: &str) -> Result<(TcpListener, SocketAddr), Error> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

fn client(addr: SocketAddr) -> Result<(), Error> {
    let uri = format!("ws://{addr}/echo");
    let mut buffer = MessageReader::default();
    let stream = TcpStream::connect(addr)?;
    let mut ws = WebSocket::connect(stream, &mut buffer, &uri, Config::default())?;
    println!("client: connected to {uri}");

    ws.send_text("Hello, WebSocket")?;
    println!("client: echoed {:?}", ws.recv(&mut buffer)?);
    ws.send_binary(&[0xDE, 0xAD, 0xBE, 0xEF])?;
    println!("client: echoed {:?}", ws.recv(&mut buffer)?);
    ws.send_ping(b"are you there?")?;
    println!("client: got {:?}", ws.recv(&mut buffer)?);
    let big = "κόσμε ".repeat(20_000);
    ws.send_text(&big)?;
    match ws.recv(&mut buffer)? {
        Received::Text(t) if t == big => println!("client: {} byte message echoed intact", t.len()),
        other => println!("client: unexpected {other:?}"),
    }
    ws.close(CloseCode::NORMAL, "demo over")?;
    loop {
        match ws.recv(&mut buffer) {
            Ok(Received::Close(close)) => {
                println!("client: server answered close {:?}", close.code())
            }
            Ok(_) => {}
            Err(Error::Closed) => break,
            Err(e) => return Err(e),
        }
    }
    println!("client: closed with {:?}", ws.close_code());
    Ok(())
}

fn main() -> Result<(), Error> {
    if let Some(addr) = std::env::args().nth(1) {
        let (listener, local) = listen(&addr)?;
        println!("echo server on ws://{local}/");
        for stream in listener.incoming() {
            let stream = stream?;
            thread::spawn(move || serve(stream).map_err(|e| eprintln!("server: {e}")));
        }
        return Ok(());
    }
    let (listener, addr) = listen("127.0.0.1:0")?;
    println!("echo server on ws://{addr}/");
    let server = thread::spawn(move || -> Result<(), Error> { serve(listener.accept()?.0) });
    client(addr)?;
    server.join().expect("server thread")?;
    println!("demo finished");
    Ok(())
}
