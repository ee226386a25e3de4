#![no_main]
//! Server-side request parsing: never panics, stays within the limits, gives the same
//! outcome whole and fed incrementally, and an accepted request always yields a 101.
use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::{Accept, Limits, ServerHandshake, Status};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::DEFAULT.with_max_head_len(2048).with_max_headers(16);
    let whole = ServerHandshake::new(limits).parse_request(data).map(|s| match s {
        Status::Complete(r) => Some(r.head_len()),
        Status::Partial => None,
    });
    if let Ok(Some(len)) = whole {
        assert!(len <= data.len() && len <= limits.max_head_len);
    }
    if let Ok(None) = whole {
        assert!(data.len() < limits.max_head_len, "a partial head within the limit");
    }
    // Incremental: every prefix, as a trickling peer would send it.
    let mut parser = ServerHandshake::new(limits);
    let mut incremental = Ok(None);
    for end in 1..=data.len() {
        match parser.parse_request(&data[..end]) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete(r)) => {
                incremental = Ok(Some(r.head_len()));
                break;
            }
            Err(e) => {
                incremental = Err(e);
                break;
            }
        }
    }
    assert_eq!(whole, incremental);
    if let Ok(Status::Complete(request)) = ServerHandshake::new(limits).parse_request(data) {
        let mut out = Vec::new();
        let upgrade =
            request.accept(&Accept::new(), &mut out).expect("a valid request can be accepted");
        assert!(out.starts_with(b"HTTP/1.1 101 "));
        assert_eq!(upgrade.head_len(), request.head_len());
    }
});
