//! A freestanding binary (no `std`, no `alloc`, no C runtime start files) that drives a
//! server connection through a masked message and the close handshake, then exits with
//! status 0 on success. Linking it proves the library needs nothing but `core`.
#![no_std]
#![no_main]

use core::panic::PanicInfo;

use rfc6455::message::{Message, SliceMessageBuffer};
use rfc6455::{Config, Connection, Event, SliceSink, State};

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    exit(101)
}

fn exit(code: i32) -> ! {
    // SAFETY: the Linux x86_64 `exit_group` system call (231) takes one integer
    // argument and never returns.
    unsafe {
        core::arch::asm!("syscall", in("rax") 231, in("rdi") code, options(noreturn));
    }
}

fn run() -> bool {
    let mut client = Connection::client(Config::default(), [7; 16]);
    let mut server = Connection::server(Config::default());
    let mut wire = [0u8; 128];
    let mut out = SliceSink::new(&mut wire);
    if client.send_text("no_std", &mut out).is_err() || client.close(rfc6455::CloseCode::NORMAL, "", &mut out).is_err() {
        return false;
    }
    let len = out.len();
    let mut storage = [0u8; 32];
    let mut messages = SliceMessageBuffer::new(&mut storage);
    let mut got_text = false;
    let mut input = &mut wire[..len];
    while !input.is_empty() {
        let Ok((event, rest)) = server.handle_read(input) else { return false };
        input = rest;
        if let Some(Event::Data(chunk)) = event {
            if let Ok(Some(Message::Text("no_std"))) = messages.push(&chunk) {
                got_text = true;
            }
        }
    }
    let mut replies = [0u8; 16];
    let mut sink = SliceSink::new(&mut replies);
    while let Ok(true) = server.poll_transmit(&mut sink) {}
    got_text && server.state() == State::Closed && sink.len() == 4
}

/// The precompiled `core` was built with unwinding and names this symbol; with
/// `panic = "abort"` it is never called.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

// The kernel enters `_start` with a 16-byte aligned stack, not the call-aligned one
// Rust functions expect, so a two-instruction shim realigns it and calls `start`.
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "and rsp, -16",
    "call {start}",
    start = sym start,
);

extern "C" fn start() -> ! {
    exit(if run() { 0 } else { 1 })
}
