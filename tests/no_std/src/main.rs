//! A freestanding binary (no `std`, no `alloc`, no C runtime start files) that drives a
//! server connection through a masked message and the close handshake, and an
//! embedded-io client through a handshake and an echo (`echo.rs`), then exits with
//! status 0 on success. Linking it proves the library needs nothing but `core`.
#![no_std]
#![no_main]

mod echo;

use core::panic::PanicInfo;

use rfc6455::message::SliceMessageBuffer;
use rfc6455::{Config, Connection, Event, MessageReader, Received, SliceSink, State};

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
    let mut wire = [0u8; 128];
    let mut out = SliceSink::new(&mut wire);
    if client.send_text("no_std", &mut out).is_err()
        || client.close(rfc6455::CloseCode::NORMAL, "", &mut out).is_err()
    {
        return false;
    }
    let len = out.len();
    // `handle_read` unmasks in place: the reader below gets the bytes as sent.
    let sent = wire;
    let mut server = Connection::server(Config::default());
    let mut got_text = false;
    let mut input = &mut wire[..len];
    while !input.is_empty() {
        let Ok((event, rest)) = server.handle_read(input) else { return false };
        input = rest;
        if let Some(Event::Data(chunk)) = event {
            got_text |= chunk.as_whole_text() == Some("no_std");
        }
    }
    let mut replies = [0u8; 16];
    let mut sink = SliceSink::new(&mut replies);
    while let Ok(true) = server.poll_transmit(&mut sink) {}
    got_text && server.state() == State::Closed && sink.len() == 4 && read_whole(&sent[..len])
}

/// The same bytes through a `MessageReader` on the stack, in two reads that cut the text
/// frame: it is kept, then delivered whole in place, and the message store (an empty
/// slice) is never needed.
fn read_whole(wire: &[u8]) -> bool {
    let mut server = Connection::server(Config::default());
    let mut reader = MessageReader::new([0u8; 64], SliceMessageBuffer::new(&mut []));
    let (mut got_text, mut got_close) = (false, false);
    for read in [&wire[..5], &wire[5..]] {
        let Ok(spare) = reader.spare(&mut server) else { return false };
        if spare.len() < read.len() {
            return false;
        }
        spare[..read.len()].copy_from_slice(read);
        reader.filled(read.len());
        while let Some(received) = reader.next(&mut server) {
            match received {
                Received::Text(text) => got_text |= text == "no_std",
                Received::Close(_) => got_close = true,
                _ => {}
            }
        }
    }
    got_text && got_close && reader.buffered() == 0 && server.failure().is_none()
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
    exit(if !run() {
        1
    } else if !echo::run() {
        2
    } else {
        0
    })
}
