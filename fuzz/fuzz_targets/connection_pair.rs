#![no_main]
//! A client and a server exchanging arbitrary commands over an in-memory pipe: two
//! conforming endpoints never fail, and every message arrives intact and in order. The
//! client receives with `handle_read`, the server through a `MessageReader`.
use core::time::Duration;

use libfuzzer_sys::fuzz_target;
use rfc6455::message::{MessageBuffer, MessageKind};
use rfc6455::{CloseCode, Config, Connection, Event, MessageReader, Received};

/// How a side receives.
enum Receiver {
    /// `handle_read`, its pieces joined here: the message so far.
    Chunks(Option<(MessageKind, Vec<u8>)>),
    /// A `MessageReader` over a small read buffer (messages up to 1020 bytes are sent:
    /// delivered in place, kept, gathered in the store or read straight into it).
    Reader(Box<MessageReader<Vec<u8>, MessageBuffer>>),
}

struct Side {
    conn: Connection,
    inbox: Vec<u8>,
    got: Vec<(MessageKind, Vec<u8>)>,
    sent: Vec<(MessageKind, Vec<u8>)>,
    receiver: Receiver,
    fragmenting: Option<(MessageKind, Vec<u8>)>,
}

impl Side {
    fn new(conn: Connection, receiver: Receiver) -> Self {
        Self {
            conn,
            inbox: Vec::new(),
            got: Vec::new(),
            sent: Vec::new(),
            receiver,
            fragmenting: None,
        }
    }

    /// Processes up to `n` bytes of the inbox (all when `n` is 0).
    fn receive(&mut self, n: usize, out: &mut Vec<u8>) {
        let n = if n == 0 { self.inbox.len() } else { n.min(self.inbox.len()) };
        let mut chunk: Vec<u8> = self.inbox.drain(..n).collect();
        match &mut self.receiver {
            Receiver::Chunks(message) => {
                let mut rest = chunk.as_mut_slice();
                while !rest.is_empty() {
                    let (event, r) =
                        self.conn.handle_read(rest).expect("conforming peers never fail");
                    rest = r;
                    if let Some(Event::Data(c)) = event {
                        if c.is_first() {
                            *message = Some((c.kind(), Vec::new()));
                        }
                        let (kind, bytes) = message.as_mut().expect("a first chunk came first");
                        bytes.extend_from_slice(c.payload());
                        if c.is_last() {
                            if *kind == MessageKind::Text {
                                assert!(
                                    std::str::from_utf8(bytes).is_ok(),
                                    "text that is not UTF-8"
                                );
                            }
                            self.got.push(message.take().expect("the message"));
                        }
                    }
                    while self.conn.poll_transmit(out).unwrap() {}
                }
            }
            Receiver::Reader(reader) => {
                let mut rest = &chunk[..];
                while !rest.is_empty() {
                    let spare = reader.spare(&mut self.conn).expect("conforming peers never fail");
                    let n = spare.len().min(rest.len());
                    spare[..n].copy_from_slice(&rest[..n]);
                    rest = &rest[n..];
                    reader.filled(n);
                    while let Some(m) = reader.next(&mut self.conn) {
                        match m {
                            Received::Text(t) => {
                                let t = rfc6455_fuzz::check_str(t);
                                self.got.push((MessageKind::Text, t.as_bytes().to_vec()));
                            }
                            Received::Binary(b) => self.got.push((MessageKind::Binary, b.to_vec())),
                            _ => {}
                        }
                    }
                    assert!(self.conn.failure().is_none(), "conforming peers never fail");
                    while self.conn.poll_transmit(out).unwrap() {}
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut a = Side::new(Connection::client(Config::default(), [1; 16]), Receiver::Chunks(None));
    let reader = MessageReader::new(vec![0u8; 256], MessageBuffer::new());
    let mut b =
        Side::new(Connection::server(Config::default()), Receiver::Reader(Box::new(reader)));
    for op in data.chunks(3) {
        let [code, arg, len] = match *op {
            [x, y, z] => [x, y, z],
            _ => break,
        };
        let (me, other) = if code & 1 == 0 { (&mut a, &mut b) } else { (&mut b, &mut a) };
        let payload: Vec<u8> =
            (0..usize::from(len) * 4).map(|i| (i as u8).wrapping_add(arg)).collect();
        let text = String::from_utf8_lossy(&payload).into_owned();
        let mut out = Vec::new();
        let can_send = me.conn.can_send();
        match (code >> 1) % 8 {
            0 if can_send && me.fragmenting.is_none() => {
                me.conn.send_text(&text, &mut out).unwrap();
                me.sent.push((MessageKind::Text, text.into_bytes()));
            }
            1 if can_send && me.fragmenting.is_none() => {
                me.conn.send_binary(&payload, &mut out).unwrap();
                me.sent.push((MessageKind::Binary, payload));
            }
            2 if can_send => {
                let last = arg & 1 == 1;
                let (kind, mut acc) =
                    me.fragmenting.take().unwrap_or((MessageKind::Binary, Vec::new()));
                me.conn.send_fragment(kind, &payload, last, &mut out).unwrap();
                acc.extend_from_slice(&payload);
                if last {
                    me.sent.push((kind, acc))
                } else {
                    me.fragmenting = Some((kind, acc))
                }
            }
            3 if can_send => {
                me.conn.send_ping(&payload[..payload.len().min(125)], &mut out).unwrap()
            }
            4 if can_send && me.fragmenting.is_none() => {
                me.conn.close(CloseCode::NORMAL, "", &mut out).unwrap()
            }
            5 => {
                let mut back = Vec::new();
                me.receive(usize::from(arg), &mut back);
                other.inbox.extend(back);
            }
            // At most 255 ms: under the close timeout.
            6 => me.conn.handle_timeout(Duration::from_millis(u64::from(arg))),
            _ => {}
        }
        other.inbox.extend(out);
    }
    // Deliver everything left, both ways, until quiet.
    for _ in 0..4 {
        let mut back = Vec::new();
        a.receive(0, &mut back);
        b.inbox.extend(back);
        let mut back = Vec::new();
        b.receive(0, &mut back);
        a.inbox.extend(back);
    }
    assert_eq!(a.got, b.sent);
    assert_eq!(b.got, a.sent);
});
