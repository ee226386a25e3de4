//! permessage-deflate through the public API: compressed messages much larger than the
//! 64 KiB pieces they are inflated in arrive the same in any split and through every
//! read entry point, masked (to a server) or not (to a client), and each call either
//! takes input or reports something.
#![cfg(feature = "deflate")]

mod support;

use proptest::prelude::*;
use rfc6455::deflate::DeflateParams;
use rfc6455::message::MessageKind;
use rfc6455::{Config, Connection, Role};
use support::{drive, drive_buffered, drive_direct, drive_messages, Seen};

/// What one side sends: messages (whole or in fragments) and pings between them.
#[derive(Clone, Debug)]
enum Piece {
    Message(MessageKind, Vec<u8>, usize),
    Ping(Vec<u8>),
}

/// A message that compresses well: about `len` bytes cycling through a short pattern
/// (with `text`, of characters of one to four bytes, so that code points straddle the
/// pieces they are inflated in).
fn compressible(len: usize, seed: u8, text: bool) -> Vec<u8> {
    if text {
        let chars = ['a', 'é', '€', '𝄞', 'z', 'ß'];
        let pattern: String =
            (0..usize::from(seed % 50 + 1)).map(|i| chars[(usize::from(seed) + i) % 6]).collect();
        let mut text = String::new();
        while text.len() < len {
            let room = len - text.len();
            match pattern.char_indices().find(|&(at, c)| at + c.len_utf8() > room) {
                Some((at, _)) => {
                    text.push_str(&pattern[..at]);
                    break;
                }
                None => text.push_str(&pattern),
            }
        }
        return text.into_bytes();
    }
    let pattern: Vec<u8> = (0..(seed % 50 + 1)).map(|i| seed.wrapping_mul(i)).collect();
    pattern.iter().copied().cycle().take(len).collect()
}

fn piece() -> impl Strategy<Value = Piece> {
    let len = prop_oneof![0usize..100, 1000usize..5000, 60_000usize..300_000];
    prop_oneof![
        4 => (len, any::<u8>(), any::<bool>(), 1usize..4).prop_map(|(len, seed, text, frags)| {
            let kind = if text { MessageKind::Text } else { MessageKind::Binary };
            Piece::Message(kind, compressible(len, seed, text), frags)
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..20).prop_map(Piece::Ping),
    ]
}

fn config() -> Config {
    let mut config = Config::default();
    config = config
        .with_deflate(rfc6455::deflate::DeflateConfig { min_message_len: 0, ..*config.deflate() });
    config
}

/// The same agreement seen from the other end.
fn mirror(p: DeflateParams) -> DeflateParams {
    DeflateParams {
        local_no_context_takeover: p.peer_no_context_takeover,
        peer_no_context_takeover: p.local_no_context_takeover,
        local_max_window_bits: p.peer_max_window_bits.max(9),
        peer_max_window_bits: p.local_max_window_bits,
    }
}

/// The bytes `sender` writes for `pieces`, and the events a receiver should report.
fn encode(sender: &mut Connection, pieces: &[Piece]) -> (Vec<u8>, Vec<Seen>) {
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for p in pieces {
        match p {
            Piece::Message(kind, bytes, frags) => {
                let size = bytes.len().div_ceil(*frags).max(1);
                let parts: Vec<&[u8]> =
                    if bytes.is_empty() { vec![&[][..]] } else { bytes.chunks(size).collect() };
                for (i, part) in parts.iter().enumerate() {
                    sender.send_fragment(*kind, part, i + 1 == parts.len(), &mut wire).unwrap();
                }
                expected.push(match kind {
                    MessageKind::Text => Seen::Text(String::from_utf8(bytes.clone()).unwrap()),
                    MessageKind::Binary => Seen::Binary(bytes.clone()),
                });
            }
            Piece::Ping(payload) => {
                sender.send_ping(payload, &mut wire).unwrap();
                expected.push(Seen::Ping(payload.clone()));
            }
        }
    }
    (wire, expected)
}

fn arb_params() -> impl Strategy<Value = DeflateParams> {
    (any::<bool>(), any::<bool>(), 9u8..=15, 9u8..=15).prop_map(|(l, p, lw, pw)| DeflateParams {
        local_no_context_takeover: l,
        peer_no_context_takeover: p,
        local_max_window_bits: lw,
        peer_max_window_bits: pw,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn inflated_messages_are_the_same_in_any_split_and_entry_point(
        pieces in proptest::collection::vec(piece(), 1..5),
        params in arb_params(),
        to_server in any::<bool>(),
        cuts in proptest::collection::vec(0usize..4000, 0..8),
    ) {
        let (sender_role, receiver_role) =
            if to_server { (Role::Client, Role::Server) } else { (Role::Server, Role::Client) };
        let mut sender = Connection::new(sender_role, config(), [3; 16]);
        sender.enable_deflate(params);
        let (wire, expected) = encode(&mut sender, &pieces);
        let new = || {
            let mut receiver = Connection::new(receiver_role, config(), [4; 16]);
            receiver.enable_deflate(mirror(params));
            receiver
        };
        let cuts: Vec<usize> = cuts.into_iter().map(|c| c % (wire.len() + 1)).collect();
        let whole = drive(&mut new(), &wire, &[]);
        prop_assert_eq!(&whole.0, &expected);
        prop_assert_eq!(&whole, &drive(&mut new(), &wire, &cuts));
        prop_assert_eq!(&whole, &drive_messages(&mut new(), &wire, &cuts));
        prop_assert_eq!(&whole, &drive_direct(&mut new(), &wire, &cuts));
        for capacity in [16, 4096] {
            let (seen, out, _) = drive_buffered(&mut new(), &wire, &cuts, capacity);
            prop_assert_eq!(&whole, &(seen, out));
        }
        // A byte at a time: every byte in its own call (the wire is small, the
        // messages are not).
        let bytewise: Vec<usize> = (0..wire.len()).collect();
        prop_assert_eq!(&whole, &drive(&mut new(), &wire, &bytewise));
        prop_assert_eq!(&whole, &drive_messages(&mut new(), &wire, &bytewise));
    }

    /// A limit that some of the messages exceed once inflated: 1009, at the same
    /// message, in every split.
    #[test]
    fn inflated_limit_fails_at_the_same_message_in_any_split(
        pieces in proptest::collection::vec(piece(), 1..5),
        cuts in proptest::collection::vec(0usize..4000, 0..8),
    ) {
        let mut sender = Connection::new(Role::Client, config(), [3; 16]);
        sender.enable_deflate(DeflateParams::default());
        let (wire, _) = encode(&mut sender, &pieces);
        let new = || {
            let mut receiver = Connection::server(config().with_max_message_len(100_000));
            receiver.enable_deflate(DeflateParams::default());
            receiver
        };
        let cuts: Vec<usize> = cuts.into_iter().map(|c| c % (wire.len() + 1)).collect();
        let whole = drive(&mut new(), &wire, &[]);
        let too_big = pieces
            .iter()
            .any(|p| matches!(p, Piece::Message(_, m, _) if m.len() > 100_000));
        prop_assert_eq!(whole.0.last() == Some(&Seen::Error(1009)), too_big);
        prop_assert_eq!(&whole, &drive(&mut new(), &wire, &cuts));
        prop_assert_eq!(&whole, &drive_messages(&mut new(), &wire, &cuts));
        let (seen, out, _) = drive_buffered(&mut new(), &wire, &cuts, 4096);
        prop_assert_eq!(&whole, &(seen, out));
    }
}

/// One frame of 1 MiB of zeros (about 1 KB compressed) through `handle_read`: chunks of
/// at most 64 KiB, the rest never empty before the last, and every call makes
/// progress (it takes input or reports a chunk).
#[test]
fn a_large_inflated_message_comes_in_pieces_of_at_most_64_kib() {
    let mut sender = Connection::new(Role::Server, config(), [0; 16]);
    sender.enable_deflate(DeflateParams::default());
    let mut wire = Vec::new();
    sender.send_binary(&vec![0; 1 << 20], &mut wire).unwrap();
    assert!(wire.len() < 2000, "{}", wire.len());
    let mut client = Connection::client(config(), [1; 16]);
    client.enable_deflate(DeflateParams::default());
    let mut rest = wire.as_mut_slice();
    let (mut total, mut chunks, mut last) = (0, 0, false);
    while !rest.is_empty() {
        let before = rest.len();
        let (event, r) = client.handle_read(rest).unwrap();
        let reported = event.is_some();
        if let Some(rfc6455::Event::Inflated { is_last, .. }) = event {
            let piece = client.inflated();
            assert!(!last, "a chunk after the last");
            assert!(piece.len() <= 64 * 1024, "{}", piece.len());
            assert!(piece.iter().all(|&b| b == 0));
            total += piece.len();
            chunks += 1;
            last = is_last;
        }
        assert!(reported || r.len() < before, "no progress");
        rest = r;
    }
    assert!(last, "the input ended before the last chunk");
    assert_eq!(total, 1 << 20);
    assert!(chunks >= 16, "{chunks}");
    assert!(client.buffered_bytes() <= 4096, "{}", client.buffered_bytes());
}

/// A ping between the fragments of a large compressed message arrives between its
/// pieces, after every piece of the fragment before it.
#[test]
fn a_ping_between_large_compressed_fragments() {
    let mut sender = Connection::new(Role::Client, config(), [0; 16]);
    sender.enable_deflate(DeflateParams::default());
    let mut wire = Vec::new();
    let first = compressible(200_000, 7, false);
    sender.send_fragment(MessageKind::Binary, &first, false, &mut wire).unwrap();
    sender.send_ping(b"p", &mut wire).unwrap();
    sender.send_fragment(MessageKind::Binary, &first, true, &mut wire).unwrap();
    let mut server = Connection::server(config());
    server.enable_deflate(DeflateParams::default());
    let mut rest = wire.as_mut_slice();
    let mut log = Vec::new();
    while !rest.is_empty() {
        let (event, r) = server.handle_read(rest).unwrap();
        match event {
            Some(rfc6455::Event::Inflated { .. }) => log.push(server.inflated().len()),
            Some(rfc6455::Event::Ping(p)) => {
                assert_eq!(p, b"p");
                log.push(usize::MAX);
            }
            _ => {}
        }
        rest = r;
    }
    let ping = log.iter().position(|&l| l == usize::MAX).unwrap();
    assert_eq!(log[..ping].iter().sum::<usize>(), 200_000);
    assert_eq!(log[ping + 1..].iter().sum::<usize>(), 200_000);
}
