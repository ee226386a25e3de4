#![no_main]
//! Client-side response validation with a fixed key: never panics, same outcome whole
//! and incrementally, and a 101 is accepted only with the right accept value.
use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::{
    ClientHandshake, ClientKey, ClientRequest, Limits, ResponseError, Status,
};

fn outcome(r: Result<Status<usize>, ResponseError>) -> String {
    match r {
        Ok(Status::Complete(n)) => format!("ok {n}"),
        Ok(Status::Partial) => "partial".into(),
        Err(ResponseError::Rejected(rej)) => {
            format!("rejected {} {}", rej.status(), rej.head_len())
        }
        Err(ResponseError::Invalid(e)) => format!("invalid {e:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let key = ClientKey::from_random(*b"the sample nonce");
    let request = ClientRequest::new("example.com", "/chat", key).with_subprotocols(&["chat"]);
    let limits = Limits::DEFAULT.with_max_head_len(2048).with_max_headers(16);
    let whole =
        outcome(ClientHandshake::new(request, limits).parse_response(data).map(|s| match s {
            Status::Complete(a) => {
                let text = String::from_utf8_lossy(&data[..a.head_len()]).to_ascii_lowercase();
                assert!(
                    text.contains("s3pplmbitxaq9kygzzhzrbk+xoo="),
                    "accepted without the right key"
                );
                Status::Complete(a.head_len())
            }
            Status::Partial => Status::Partial,
        }));
    let mut parser = ClientHandshake::new(request, limits);
    let mut incremental = "partial".to_string();
    for end in 1..=data.len() {
        let r = parser.parse_response(&data[..end]).map(|s| match s {
            Status::Complete(a) => Status::Complete(a.head_len()),
            Status::Partial => Status::Partial,
        });
        incremental = outcome(r);
        if incremental != "partial" {
            break;
        }
    }
    assert_eq!(whole, incremental);
});
