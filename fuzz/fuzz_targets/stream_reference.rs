#![no_main]
//! Frames written from a script (masked for a server, any flags, payloads completed to
//! any length) read by a client or a server in any split and through every read path:
//! the same events as the reference decoder written from RFC 6455.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rfc6455_fuzz::scripted_split_invariance(data));
