//! Feeds embedded-websocket 0.9.5's client a server frame whose header declares
//! 2^32 + 5 payload bytes, followed by "hello", on a 32-bit target, and prints what its
//! `read` returns. rfc6455-qemu's `checks` asserts that rfc6455 refuses the same header
//! with 1009; this only reports what the other crate does.
#![no_std]
#![no_main]

use embedded_websocket::{WebSocketClient, WebSocketState};
use rand_core::{impls, RngCore};
use support::{entry, exit, print, print_u64};

struct Fixed;

impl RngCore for Fixed {
    fn next_u32(&mut self) -> u32 {
        0x1234_5678
    }
    fn next_u64(&mut self) -> u64 {
        impls::next_u64_via_u32(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

#[entry]
fn main() -> ! {
    let mut client = WebSocketClient::new_client(Fixed);
    client.state = WebSocketState::Open; // as after the opening handshake
    let mut wire = [0u8; 15];
    wire[0] = 0x82; // binary, FIN
    wire[1] = 127; // 64-bit length, unmasked (server to client)
    wire[2..10].copy_from_slice(&((1u64 << 32) + 5).to_be_bytes());
    wire[10..].copy_from_slice(b"hello");
    let mut to = [0u8; 64];
    print("embedded-websocket, header declaring 2^32+5 bytes then \"hello\": ");
    match client.read(&wire, &mut to) {
        Ok(r) => {
            print("read ");
            print_u64(r.len_to as u64);
            print(" payload bytes, end_of_message ");
            print(if r.end_of_message { "true" } else { "false" });
            print(", payload \"");
            print(core::str::from_utf8(&to[..r.len_to]).unwrap_or("(not UTF-8)"));
            print("\"\n");
        }
        Err(_) => print("refused with an error\n"),
    }
    exit(true)
}
