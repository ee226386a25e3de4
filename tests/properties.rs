//! Property tests over the public API: split invariance, no panics, nothing after close.
#![cfg(feature = "alloc")]

mod support;

use proptest::prelude::*;
use rfc6455::frame::OpCode;
use rfc6455::message::MessageKind;
use rfc6455::{Config, Connection};
use support::{
    client_frame, drive, drive_buffered, drive_direct, drive_messages, parse_frames, Seen,
};

#[derive(Clone, Debug)]
enum Piece {
    Data(MessageKind, Vec<Vec<u8>>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn piece() -> impl Strategy<Value = Piece> {
    let fragments = proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 1..4);
    let text = proptest::collection::vec(".{0,30}", 1..4)
        .prop_map(|v| v.into_iter().map(String::into_bytes).collect::<Vec<_>>());
    prop_oneof![
        fragments.prop_map(|f| Piece::Data(MessageKind::Binary, f)),
        text.prop_map(|f| Piece::Data(MessageKind::Text, f)),
        proptest::collection::vec(any::<u8>(), 0..125).prop_map(Piece::Ping),
        proptest::collection::vec(any::<u8>(), 0..125).prop_map(Piece::Pong),
    ]
}

fn encode(pieces: &[Piece]) -> Vec<u8> {
    let mut wire = Vec::new();
    for p in pieces {
        match p {
            Piece::Data(kind, frags) => {
                for (i, f) in frags.iter().enumerate() {
                    let op =
                        if i == 0 { support::kind_opcode(*kind) } else { OpCode::Continuation };
                    wire.extend(client_frame(op, i + 1 == frags.len(), f));
                }
            }
            Piece::Ping(p) => wire.extend(client_frame(OpCode::Ping, true, p)),
            Piece::Pong(p) => wire.extend(client_frame(OpCode::Pong, true, p)),
        }
    }
    wire
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_split_yields_the_same_events(
        pieces in proptest::collection::vec(piece(), 1..6),
        cuts in proptest::collection::vec(0usize..4000, 0..20),
    ) {
        let wire = encode(&pieces);
        let whole = drive(&mut Connection::server(Config::default()), &wire, &[]);
        let split = drive(&mut Connection::server(Config::default()), &wire, &cuts);
        let bytewise: Vec<usize> = (0..wire.len()).collect();
        let single = drive(&mut Connection::server(Config::default()), &wire, &bytewise);
        prop_assert_eq!(&whole, &split);
        prop_assert_eq!(&whole, &single);
        // Whole-message reading gives the same, in any split.
        let gathered = drive_messages(&mut Connection::server(Config::default()), &wire, &cuts);
        let gathered_single = drive_messages(&mut Connection::server(Config::default()), &wire, &bytewise);
        prop_assert_eq!(&whole, &gathered);
        prop_assert_eq!(&whole, &gathered_single);
        // Reading pending payload straight into the buffer gives the same, too.
        let direct = drive_direct(&mut Connection::server(Config::default()), &wire, &cuts);
        prop_assert_eq!(&whole, &direct);
        // And through a read buffer that keeps messages cut short, small or large.
        for capacity in [16, 300, 4096] {
            let (seen, out, _) = drive_buffered(&mut Connection::server(Config::default()), &wire, &cuts, capacity);
            prop_assert_eq!(&whole, &(seen, out));
        }
        prop_assert!(!whole.0.iter().any(|s| matches!(s, Seen::Error(_))));
        // Every ping was answered by a pong with its payload, in order.
        let pings: Vec<_> = whole.0.iter().filter_map(|s| match s { Seen::Ping(p) => Some(p.clone()), _ => None }).collect();
        let pongs: Vec<_> = parse_frames(&whole.1).into_iter().map(|(h, p)| { assert_eq!(h.opcode, OpCode::Pong); p }).collect();
        prop_assert_eq!(pings, pongs);
    }

    #[test]
    fn random_bytes_never_panic_and_nothing_follows_close(
        prefix in proptest::collection::vec(piece(), 0..3),
        noise in proptest::collection::vec(any::<u8>(), 0..300),
        cuts in proptest::collection::vec(0usize..2000, 0..10),
        as_client in any::<bool>(),
    ) {
        let mut wire = encode(&prefix);
        wire.extend_from_slice(&noise);
        let mut conn = if as_client { Connection::client(Config::default(), [9; 16]) } else { Connection::server(Config::default()) };
        let (seen, out) = drive(&mut conn, &wire, &cuts);
        // Whatever happened, nothing is reported after a Close or an error,
        if let Some(end) = seen.iter().position(|s| matches!(s, Seen::Close(..) | Seen::Error(_))) {
            prop_assert_eq!(end, seen.len() - 1);
        }
        // at most one Close frame was written, and it was the last frame.
        let frames = parse_frames(&out);
        let closes = frames.iter().filter(|(h, _)| h.opcode == OpCode::Close).count();
        prop_assert!(closes <= 1);
        if closes == 1 {
            prop_assert_eq!(frames.last().unwrap().0.opcode, OpCode::Close);
        }
        // and the same bytes in another split give the same events.
        let mut again = if as_client { Connection::client(Config::default(), [9; 16]) } else { Connection::server(Config::default()) };
        prop_assert_eq!(drive(&mut again, &wire, &[]).0, seen);
    }

    #[test]
    fn client_and_server_round_trip_messages(
        messages in proptest::collection::vec((any::<bool>(), proptest::collection::vec(any::<u8>(), 0..3000)), 1..8),
    ) {
        let mut client = Connection::client(Config::default(), [5; 16]);
        let mut server = Connection::server(Config::default());
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for (text, bytes) in &messages {
            if *text {
                let s = String::from_utf8_lossy(bytes).into_owned();
                client.send_text(&s, &mut wire).unwrap();
                expected.push(Seen::Text(s));
            } else {
                client.send_binary(bytes, &mut wire).unwrap();
                expected.push(Seen::Binary(bytes.clone()));
            }
        }
        prop_assert_eq!(drive(&mut server, &wire, &[]).0, expected);
    }
}

/// A frame near the receive fast path's edges: any first byte, masked or not, a 7-bit
/// or 16-bit length (minimal or not), payload as given (invalid UTF-8 included).
fn edge_frame() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![
            Just(0x81u8),
            Just(0x82),
            Just(0x01),
            Just(0x80),
            Just(0x88),
            Just(0x89),
            Just(0xC1),
            any::<u8>()
        ],
        any::<bool>(),
        any::<bool>(),
        prop_oneof![
            Just(Vec::new()),
            proptest::collection::vec(any::<u8>(), 0..300),
            ".{0,100}".prop_map(String::into_bytes),
        ],
        prop_oneof![
            4 => Just(None),
            1 => Just(Some(vec![0xE2, 0x82])),
            1 => Just(Some(vec![0xFF])),
        ],
    )
        .prop_map(|(b0, masked, long_form, mut payload, bad_utf8)| {
            if let Some(bad) = bad_utf8 {
                payload.extend_from_slice(&bad);
            }
            let len = payload.len();
            let m = if masked { 0x80 } else { 0 };
            let mut wire = vec![b0];
            if long_form || len > 125 {
                wire.push(m | 126);
                wire.extend_from_slice(&(len as u16).to_be_bytes());
            } else {
                wire.push(m | len as u8);
            }
            if masked {
                wire.extend_from_slice(&[0x37, 0xfa, 0x21, 0x3d]);
                let start = wire.len();
                wire.extend_from_slice(&payload);
                rfc6455::frame::apply_mask(&mut wire[start..], [0x37, 0xfa, 0x21, 0x3d], 0);
            } else {
                wire.extend_from_slice(&payload);
            }
            wire
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whole frames take the fast path, byte-at-a-time input the general one: both
    /// must report the same events and errors (and queue the same Close), for either
    /// role, strict or lax length rules, and a message limit that some frames exceed.
    #[test]
    fn fast_path_agrees_with_general_path(
        frames in proptest::collection::vec(edge_frame(), 1..5),
        as_client in any::<bool>(),
        strict in any::<bool>(),
        limit in prop_oneof![Just(16u64), Just(200), Just(1 << 20)],
    ) {
        let wire: Vec<u8> = frames.concat();
        let config = Config::default().with_strict_length_encoding(strict).with_max_message_len(limit).with_max_frame_len(limit);
        let new = || if as_client { Connection::client(config, [3; 16]) } else { Connection::server(config) };
        let whole = drive(&mut new(), &wire, &[]);
        let bytewise: Vec<usize> = (0..wire.len()).collect();
        let single = drive(&mut new(), &wire, &bytewise);
        // Frame by frame: whole frames keep arriving after an error or a Close.
        let boundaries: Vec<usize> =
            frames.iter().scan(0, |end, f| { *end += f.len(); Some(*end) }).collect();
        let per_frame = drive(&mut new(), &wire, &boundaries);
        prop_assert_eq!(&whole, &single);
        prop_assert_eq!(&whole, &per_frame);
        prop_assert_eq!(&whole, &drive_messages(&mut new(), &wire, &boundaries));
        prop_assert_eq!(&whole, &drive_messages(&mut new(), &wire, &bytewise));
        prop_assert_eq!(&whole, &drive_direct(&mut new(), &wire, &boundaries));
        prop_assert_eq!(&whole, &drive_direct(&mut new(), &wire, &[3, 7, 40]));
        for capacity in [14, 200, 4096] {
            for cuts in [&boundaries[..], &bytewise[..], &[3, 7, 40][..]] {
                let (seen, out, _) = drive_buffered(&mut new(), &wire, cuts, capacity);
                prop_assert_eq!(&whole, &(seen, out));
            }
        }
    }
}
