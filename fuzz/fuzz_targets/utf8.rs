#![no_main]
//! UTF-8 validation (the SIMD kernels behind it) against the standard library: fed to a
//! `Utf8Validator` in pieces cut inside code points, and sent as one masked text frame
//! (unmasked and validated in one pass).
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

    // As one masked text frame, whole in the input.
    let key = [seed, 0x5A, seed.wrapping_mul(7), 0xC3];
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
