//! The conversation alone (handshake, messages, fragments, ping/pong, close), for the
//! footprint table: the same job as ews-qemu's, with this crate.
#![no_std]
#![no_main]

use support::{entry, exit, print, report_stack};

#[entry]
fn main() -> ! {
    support::paint_stack();
    let result = rfc6455_qemu::conversation::run();
    report_stack();
    match result {
        Ok(()) => {
            print("rfc6455 footprint: conversation passed\n");
            exit(true)
        }
        Err(what) => {
            print("FAIL: ");
            print(what);
            print("\n");
            exit(false)
        }
    }
}
