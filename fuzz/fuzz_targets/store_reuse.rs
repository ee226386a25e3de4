#![no_main]
//! Connections of both roles sharing and reusing message stores, entry points mixed
//! within a message, an `Assembler` fed after its errors: every `&str` handed out is
//! UTF-8 (see `rfc6455_fuzz::store_reuse`).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rfc6455_fuzz::store_reuse::run(data));
