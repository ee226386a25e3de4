use super::*;
use proptest::prelude::*;
use std::prelude::rust_2021::*;

const ANY: HeaderRules = HeaderRules { masked: None, allowed_rsv: 0, strict_length: true };

fn decode(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, FrameError> {
    FrameHeader::decode(buf, &ANY)
}

#[test]
fn rfc_5_7_examples() {
    let (h, n) = decode(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]).unwrap().unwrap();
    assert_eq!(n, 6);
    assert_eq!(h.mask, Some(MaskKey([0x37, 0xfa, 0x21, 0x3d])));
    assert_eq!((h.fin, h.opcode, h.payload_len), (true, OpCode::Text, 5));

    let (h, _) = decode(&[0x01, 0x03]).unwrap().unwrap();
    assert_eq!((h.fin, h.opcode), (false, OpCode::Text));
    let (h, _) = decode(&[0x80, 0x02]).unwrap().unwrap();
    assert_eq!((h.fin, h.opcode), (true, OpCode::Continuation));

    let (h, _) = decode(&[0x89, 0x05]).unwrap().unwrap();
    assert_eq!(h.opcode, OpCode::Ping);
    let (h, _) = decode(&[0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d]).unwrap().unwrap();
    assert_eq!(h.opcode, OpCode::Pong);

    let (h, n) = decode(&[0x82, 0x7E, 0x01, 0x00]).unwrap().unwrap();
    assert_eq!((h.payload_len, n), (256, 4));
    let (h, n) = decode(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]).unwrap().unwrap();
    assert_eq!((h.payload_len, n), (65536, 10));
}

#[test]
fn encoder_uses_minimal_form_at_boundaries() {
    for (len, hdr_len) in [(0u64, 2), (125, 2), (126, 4), (65535, 4), (65536, 10), (1 << 40, 10)] {
        let h = FrameHeader::new(OpCode::Binary, len);
        let mut out = [0u8; MAX_HEADER_LEN];
        assert_eq!(h.encode(&mut out), hdr_len, "len {len}");
        assert_eq!(h.encoded_len(), hdr_len);
        assert_eq!(decode(&out[..hdr_len]).unwrap(), Some((h, hdr_len)));
    }
}

#[test]
fn every_proper_prefix_is_incomplete() {
    let h = FrameHeader {
        fin: true,
        rsv: 0,
        opcode: OpCode::Binary,
        mask: Some(MaskKey([1, 2, 3, 4])),
        payload_len: 70_000,
    };
    let mut out = [0u8; MAX_HEADER_LEN];
    let n = h.encode(&mut out);
    for cut in 0..n {
        assert_eq!(decode(&out[..cut]), Ok(None), "cut {cut}");
    }
    assert_eq!(decode(&out[..n]), Ok(Some((h, n))));
}

#[test]
fn fixed_rules_are_enforced() {
    assert_eq!(decode(&[0x83]), Err(FrameError::ReservedOpcode(3)));
    assert_eq!(decode(&[0x8B]), Err(FrameError::ReservedOpcode(0xB)));
    assert_eq!(decode(&[0xC1]), Err(FrameError::ReservedBits(0b100)));
    assert_eq!(decode(&[0x91]), Err(FrameError::ReservedBits(0b001)));
    assert_eq!(decode(&[0x09]), Err(FrameError::FragmentedControlFrame));
    assert_eq!(decode(&[0x89, 126]), Err(FrameError::ControlFrameTooLong));
    assert_eq!(decode(&[0x89, 125]).unwrap().unwrap().0.payload_len, 125);
    assert_eq!(decode(&[0x82, 127, 0x80]), Err(FrameError::LengthMsbSet));
    assert_eq!(decode(&[0x82, 126, 0, 125]), Err(FrameError::NonMinimalLength));
    assert_eq!(
        decode(&[0x82, 127, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]),
        Err(FrameError::NonMinimalLength)
    );
}

#[test]
fn lenient_mode_accepts_non_minimal_lengths() {
    let rules = HeaderRules { strict_length: false, ..ANY };
    let (h, n) = FrameHeader::decode(&[0x82, 126, 0, 5], &rules).unwrap().unwrap();
    assert_eq!((h.payload_len, n), (5, 4));
}

#[test]
fn role_rules_enforce_masking() {
    let server = HeaderRules::for_receiver(Role::Server);
    let client = HeaderRules::for_receiver(Role::Client);
    assert_eq!(FrameHeader::decode(&[0x81, 0x05], &server), Err(FrameError::UnmaskedFrame));
    assert_eq!(FrameHeader::decode(&[0x81, 0x85], &client), Err(FrameError::MaskedFrame));
    assert!(FrameHeader::decode(&[0x81, 0x05], &client).unwrap().is_some());
}

#[test]
fn negotiated_rsv1_is_accepted() {
    let rules = HeaderRules { allowed_rsv: 0b100, ..ANY };
    let (h, _) = FrameHeader::decode(&[0xC1, 0x00], &rules).unwrap().unwrap();
    assert!(h.rsv1());
}

fn arb_header() -> impl Strategy<Value = FrameHeader> {
    let opcodes = prop_oneof![
        Just(OpCode::Continuation),
        Just(OpCode::Text),
        Just(OpCode::Binary),
        Just(OpCode::Close),
        Just(OpCode::Ping),
        Just(OpCode::Pong)
    ];
    let lens = prop_oneof![0u64..=125, 126u64..=0xFFFF, 0x1_0000u64..=(u64::MAX >> 1)];
    (any::<bool>(), opcodes, lens, any::<Option<[u8; 4]>>()).prop_map(|(fin, opcode, len, mask)| {
        let control = opcode.is_control();
        FrameHeader {
            fin: fin || control,
            rsv: 0,
            opcode,
            mask: mask.map(MaskKey),
            payload_len: if control { len % 126 } else { len },
        }
    })
}

proptest! {
    #[test]
    fn encode_decode_round_trip(h in arb_header()) {
        let mut out = [0u8; MAX_HEADER_LEN];
        let n = h.encode(&mut out);
        prop_assert_eq!(n, h.encoded_len());
        prop_assert_eq!(decode(&out[..n]), Ok(Some((h, n))));
    }

    #[test]
    fn decode_then_encode_is_byte_identical(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
        if let Ok(Some((h, n))) = decode(&bytes) {
            let mut out = [0u8; MAX_HEADER_LEN];
            prop_assert_eq!(h.encode(&mut out), n);
            prop_assert_eq!(&out[..n], &bytes[..n]);
        }
    }
}
