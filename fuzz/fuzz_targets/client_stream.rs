#![no_main]
//! A client fed any byte stream, in any split: same events, invariants hold.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rfc6455_fuzz::split_invariance(rfc6455::Role::Client, data));
