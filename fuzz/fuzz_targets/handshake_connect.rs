#![no_main]
//! The extended CONNECT of RFC 8441/9220 from decoded header fields, both roles: never
//! panics, a request it accepts can be answered (with its first offered subprotocol and
//! permessage-deflate), the answer's fields are valid field values, and the client's
//! check of any answer never panics and opens only on a 2xx.
//!
//! Input: fields separated by `\n`, each `name` `\0` `value` (a name may start with `:`);
//! the first two bytes are the status the client check sees.
use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::{
    Accept, ClientKey, ClientRequest, ConnectRequest, Header, ResponseError, MAX_SUBPROTOCOL_LEN,
};
use rfc6455::Config;

fuzz_target!(|data: &[u8]| {
    let Some((status, data)) = data.split_first_chunk::<2>() else {
        return;
    };
    let fields: Vec<Header<'_>> = data
        .split(|&b| b == b'\n')
        .filter_map(|field| {
            let at = field.iter().position(|&b| b == 0)?;
            let name = std::str::from_utf8(&field[..at]).ok()?;
            Some(Header { name, value: &field[at + 1..] })
        })
        .collect();
    if let Ok(request) = ConnectRequest::parse(&fields) {
        assert!(request.path().starts_with('/'));
        assert!(matches!(request.scheme(), "http" | "https"));
        let first = request.subprotocols().next();
        let accept =
            Accept::new().with_subprotocol(first).with_deflate(*Config::default().deflate());
        match request.accept(&accept) {
            Ok((response, upgrade)) => {
                assert_eq!(response.status(), 200);
                assert_eq!(upgrade.subprotocol(), first);
                for (name, value) in response.fields() {
                    assert!(!name.is_empty() && !name.starts_with(':'));
                    assert!(value.bytes().all(|b| b == b'\t' || b >= b' ' && b != 0x7f));
                }
            }
            Err(error) => {
                let too_long = first.is_some_and(|p| p.len() > MAX_SUBPROTOCOL_LEN);
                assert!(too_long, "a valid request refused: {error}");
            }
        }
    }
    let status = u16::from_be_bytes(*status) % 1000;
    let client = ClientRequest::from_uri("ws://h/", ClientKey::from_random([1; 16]))
        .unwrap()
        .with_subprotocols(&["chat", "superchat"])
        .with_extensions(&["x-a"])
        .with_deflate(*Config::default().deflate());
    match client.check_connect_response(status, &fields) {
        Ok(upgrade) => {
            assert!((200..300).contains(&status));
            assert!(matches!(upgrade.subprotocol(), None | Some("chat" | "superchat")));
        }
        Err(ResponseError::Rejected(rejected)) => assert!(!(200..300).contains(&rejected.status())),
        Err(ResponseError::Invalid(_)) => assert!((200..300).contains(&status)),
    }
});
