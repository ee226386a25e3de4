#![no_main]
//! UTF-8 validation (the SIMD kernels behind it) against the standard library: fed to a
//! `Utf8Validator` in pieces cut inside code points, plain and masked (unmasked in place
//! or into a copy as they are checked), and sent as one masked text frame (unmasked and
//! validated in one pass).
use libfuzzer_sys::fuzz_target;
use rfc6455::message::Utf8Validator;
use rfc6455::{Config, Connection, Event};

fuzz_target!(|input: &[u8]| {
    let Some((&seed, data)) = input.split_first() else { return };
    let expected = std::str::from_utf8(data);

    // In pieces of `step` bytes.
    let step = usize::from(seed % 128) + 1;
    let mut validator = Utf8Validator::new();
    let failed_piece = data.chunks(step).position(|piece| validator.feed(piece).is_err());
    let accepted = failed_piece.is_none() && validator.finish().is_ok();
    assert_eq!(accepted, expected.is_ok(), "pieces of {step}");
    if let (Some(piece), Err(e)) = (failed_piece, expected) {
        // Not before the first bad byte arrived, nor after the byte proving it did.
        let proof = (e.valid_up_to() + e.error_len().unwrap_or(0)).min(data.len() - 1);
        assert!(piece >= e.valid_up_to() / step && piece <= proof / step, "fail-fast");
    }

    // The same pieces masked, unmasked by the validator as it checks them: in place,
    // and into a copy. Same verdict, same piece, every byte unmasked.
    let key = [seed, 0x5A, seed.wrapping_mul(7), 0xC3];
    let masked: Vec<u8> = data.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect();
    let (mut in_place, mut copied) = (Utf8Validator::new(), Utf8Validator::new());
    let (mut unmasked, mut copy) = (masked.clone(), vec![0u8; data.len()]);
    let (mut failed_in_place, mut failed_copied) = (None, None);
    let pieces = unmasked.chunks_mut(step).zip(copy.chunks_mut(step)).zip(masked.chunks(step));
    for (i, ((piece, to), from)) in pieces.enumerate() {
        let offset = (i * step) as u64;
        if in_place.feed_masked(piece, key, offset).is_err() {
            failed_in_place.get_or_insert(i);
        }
        if copied.feed_masked_into(to, from, key, offset).is_err() {
            failed_copied.get_or_insert(i);
        }
    }
    assert_eq!((unmasked.as_slice(), copy.as_slice()), (data, data), "unmasked");
    assert_eq!((failed_in_place, failed_copied), (failed_piece, failed_piece), "masked pieces");
    if failed_piece.is_none() {
        assert_eq!(in_place.finish().is_ok(), accepted, "masked pieces, in place: end");
        assert_eq!(copied.finish().is_ok(), accepted, "masked pieces, copied: end");
    }

    // As one masked text frame, whole in the input.
    let mut frame = vec![0x81];
    match data.len() {
        len @ 0..=125 => frame.push(0x80 | len as u8),
        len @ 126..=0xFFFF => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => return,
    }
    frame.extend_from_slice(&key);
    frame.extend(data.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    let mut server = Connection::server(Config::default());
    match server.handle_read(&mut frame) {
        Ok((Some(Event::Data(message)), rest)) => {
            assert!(expected.is_ok() && rest.is_empty(), "invalid text delivered");
            assert_eq!(message.payload(), data);
        }
        Err(_) => assert!(expected.is_err(), "valid text refused"),
        Ok(_) => panic!("a whole text frame gave no message"),
    }
});
