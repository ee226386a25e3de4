//! What the embedded-io tests share: owned records of what a side received, and the
//! scripted byte streams of a whole client and server session, with the offset at
//! which each message is complete. Built with heapless sinks only, so the tests run
//! without the crate's `alloc` feature.
#![allow(dead_code, unreachable_pub)]

use rfc6455::handshake::{Accept, ClientKey, ClientRequest, Limits, ServerHandshake, Status};
use rfc6455::message::{HeaplessMessageBuffer, MessageKind};
use rfc6455::{CloseCode, Config, Connection, MessageReader, Received};

/// The reader every test side uses: 512-byte reads (a request head offering
/// permessage-deflate, with `deflate`, is longer than 256), messages up to 512 bytes,
/// all owned.
pub type Reader = MessageReader<[u8; 512], HeaplessMessageBuffer<512>>;

/// The output buffer every test side uses.
pub type Out = heapless::Vec<u8, 512>;

pub fn reader() -> Reader {
    MessageReader::new([0; 512], HeaplessMessageBuffer::new())
}

/// An owned record of a received message, comparable across runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
}

pub fn seen(message: &Received<'_>) -> Seen {
    match message {
        Received::Text(t) => Seen::Text((*t).to_owned()),
        Received::Binary(b) => Seen::Binary(b.to_vec()),
        Received::Ping(p) => Seen::Ping(p.to_vec()),
        Received::Pong(p) => Seen::Pong(p.to_vec()),
        Received::Close(c) => Seen::Close(c.code().map(CloseCode::get), c.reason().to_owned()),
    }
}

pub const KEY: [u8; 16] = *b"the sample nonce";
pub const CLIENT_SEED: [u8; 16] = [5; 16];

pub fn request() -> ClientRequest<'static> {
    ClientRequest::from_uri("ws://example.com/chat", ClientKey::from_random(KEY))
        .unwrap()
        .with_subprotocols(&["chat.v1", "chat.v2"])
}

/// The server's choice among the client's subprotocols.
pub fn accept<'r>(request: &rfc6455::handshake::Request<'r>) -> Accept<'r> {
    Accept::new().with_subprotocol(request.select_subprotocol(&["chat.v2"]))
}

/// A byte stream one side sends, and what the other side receives from it.
#[derive(Debug)]
pub struct Script {
    pub bytes: Vec<u8>,
    /// Where the handshake head ends.
    pub head_len: usize,
    /// Each message the peer receives, with the offset where its last byte is.
    pub marks: Vec<(usize, Seen)>,
}

impl Script {
    /// What a peer that read the first `len` bytes has received.
    pub fn received_by(&self, len: usize) -> Vec<Seen> {
        self.marks.iter().filter(|(end, _)| *end <= len).map(|(_, s)| s.clone()).collect()
    }

    pub fn all(&self) -> Vec<Seen> {
        self.received_by(usize::MAX)
    }
}

type Sink = heapless::Vec<u8, 2048>;

fn mark(marks: &mut Vec<(usize, Seen)>, sink: &Sink, seen: Seen) {
    marks.push((sink.len(), seen));
}

/// The client's side of the session: the request, "hello", a fragmented "Hello" with
/// a ping between its fragments, three bytes, and a Close.
pub fn client_script() -> Script {
    let mut sink = Sink::new();
    let head_len = request().write(&mut sink).unwrap();
    let mut conn = Connection::client(Config::default(), CLIENT_SEED);
    let mut marks = Vec::new();
    conn.send_text("hello", &mut sink).unwrap();
    mark(&mut marks, &sink, Seen::Text("hello".into()));
    conn.send_fragment(MessageKind::Text, b"Hel", false, &mut sink).unwrap();
    conn.send_ping(b"p", &mut sink).unwrap();
    mark(&mut marks, &sink, Seen::Ping(b"p".to_vec()));
    conn.send_fragment(MessageKind::Text, b"lo", true, &mut sink).unwrap();
    mark(&mut marks, &sink, Seen::Text("Hello".into()));
    conn.send_binary(&[1, 2, 3], &mut sink).unwrap();
    mark(&mut marks, &sink, Seen::Binary(vec![1, 2, 3]));
    conn.close(CloseCode::NORMAL, "bye", &mut sink).unwrap();
    mark(&mut marks, &sink, Seen::Close(Some(1000), "bye".into()));
    Script { bytes: sink.to_vec(), head_len, marks }
}

/// The server's side of a session with `client_script`'s request: the 101, "hello",
/// three bytes, a ping and a Close.
pub fn server_script() -> Script {
    let mut head = Sink::new();
    request().write(&mut head).unwrap();
    let mut handshake = ServerHandshake::new(Limits::default());
    let Ok(Status::Complete(request)) = handshake.parse_request(&head) else { panic!() };
    let mut sink = Sink::new();
    let upgrade = request.accept(&accept(&request), &mut sink).unwrap();
    let head_len = sink.len();
    let mut conn = upgrade.into_connection(Config::default());
    let mut marks = Vec::new();
    conn.send_text("hello", &mut sink).unwrap();
    mark(&mut marks, &sink, Seen::Text("hello".into()));
    conn.send_binary(&[1, 2, 3], &mut sink).unwrap();
    mark(&mut marks, &sink, Seen::Binary(vec![1, 2, 3]));
    conn.send_ping(b"p", &mut sink).unwrap();
    mark(&mut marks, &sink, Seen::Ping(b"p".to_vec()));
    conn.close(CloseCode::NORMAL, "bye", &mut sink).unwrap();
    mark(&mut marks, &sink, Seen::Close(Some(1000), "bye".into()));
    Script { bytes: sink.to_vec(), head_len, marks }
}
