#![no_main]
//! Header decode never panics; a decoded header re-encodes to the same bytes.
use libfuzzer_sys::fuzz_target;
use rfc6455::frame::{FrameHeader, HeaderRules, MAX_HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    let rules = HeaderRules { masked: None, allowed_rsv: 0b111, strict_length: true };
    if let Ok(Some((header, used))) = FrameHeader::decode(data, &rules) {
        let mut out = [0u8; MAX_HEADER_LEN];
        assert_eq!(header.encode(&mut out), used);
        assert_eq!(&out[..used], &data[..used]);
        for cut in 0..used {
            assert_eq!(FrameHeader::decode(&data[..cut], &rules), Ok(None));
        }
    }
});
