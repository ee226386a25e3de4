#![no_main]
//! A client and a server exchanging arbitrary commands over an in-memory pipe: two
//! conforming endpoints never fail, every message arrives intact and in order, and
//! the close handshake ends with both sides closed.
use libfuzzer_sys::fuzz_target;
use rfc6455::message::{MessageBuffer, MessageKind};
use rfc6455::{CloseCode, Config, Connection, Event};

struct Side {
    conn: Connection,
    inbox: Vec<u8>,
    got: Vec<(MessageKind, Vec<u8>)>,
    sent: Vec<(MessageKind, Vec<u8>)>,
    buffer: MessageBuffer,
    fragmenting: Option<(MessageKind, Vec<u8>)>,
}

impl Side {
    fn new(conn: Connection) -> Self {
        Self { conn, inbox: Vec::new(), got: Vec::new(), sent: Vec::new(), buffer: MessageBuffer::new(), fragmenting: None }
    }

    /// Processes up to `n` bytes of the inbox (all when `n` is 0).
    fn receive(&mut self, n: usize, out: &mut Vec<u8>) {
        let n = if n == 0 { self.inbox.len() } else { n.min(self.inbox.len()) };
        let mut chunk: Vec<u8> = self.inbox.drain(..n).collect();
        let mut rest = chunk.as_mut_slice();
        while !rest.is_empty() {
            let (event, r) = self.conn.handle_read(rest).expect("conforming peers never fail");
            rest = r;
            if let Some(Event::Data(c)) = event {
                if let Some(m) = self.buffer.push(&c).unwrap() {
                    self.got.push((m.kind(), m.as_bytes().to_vec()));
                }
            }
            while self.conn.poll_transmit(out).unwrap() {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut a = Side::new(Connection::client(Config::default(), [1; 16]));
    let mut b = Side::new(Connection::server(Config::default()));
    let mut ops = data.chunks(3);
    while let Some(op) = ops.next() {
        let [code, arg, len] = match *op { [x, y, z] => [x, y, z], _ => break };
        let (me, other) = if code & 1 == 0 { (&mut a, &mut b) } else { (&mut b, &mut a) };
        let payload: Vec<u8> = (0..usize::from(len) * 4).map(|i| (i as u8).wrapping_add(arg)).collect();
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
                let (kind, mut acc) = me.fragmenting.take().unwrap_or((MessageKind::Binary, Vec::new()));
                me.conn.send_fragment(kind, &payload, last, &mut out).unwrap();
                acc.extend_from_slice(&payload);
                if last { me.sent.push((kind, acc)) } else { me.fragmenting = Some((kind, acc)) }
            }
            3 if can_send => me.conn.send_ping(&payload[..payload.len().min(125)], &mut out).unwrap(),
            4 if can_send && me.fragmenting.is_none() => me.conn.close(CloseCode::NORMAL, "", &mut out).unwrap(),
            5 => { let mut back = Vec::new(); me.receive(usize::from(arg), &mut back); other.inbox.extend(back); }
            6 => me.conn.handle_timeout(u64::from(arg)), // stays under the close timeout
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
