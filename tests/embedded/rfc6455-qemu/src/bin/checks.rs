//! What CI runs on each target under QEMU: the conversation between a client and a
//! server of this crate, then the 32-bit length checks. Exit status 0 when every check
//! passed; otherwise the failed check is printed and the status is 1.
#![no_std]
#![no_main]

use support::{entry, exit, print, report_stack};

#[entry]
fn main() -> ! {
    support::paint_stack();
    let groups: [(&str, fn() -> rfc6455_qemu::Checked); 2] = [
        ("conversation", rfc6455_qemu::conversation::run),
        ("32-bit length limits", rfc6455_qemu::limits::run),
    ];
    let mut ok = true;
    for (name, run) in groups {
        match run() {
            Ok(()) => {
                print("ok: ");
                print(name);
                print("\n");
            }
            Err(what) => {
                ok = false;
                print("FAIL: ");
                print(name);
                print(": ");
                print(what);
                print("\n");
            }
        }
    }
    report_stack();
    exit(ok)
}
