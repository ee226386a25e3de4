#![no_main]
//! A client with permessage-deflate fed any byte stream (compressed or not), in any
//! split: same events, inflated messages within the limit, invariants hold.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rfc6455_fuzz::deflate_split_invariance(data));
