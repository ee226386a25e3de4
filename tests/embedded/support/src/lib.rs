//! What both QEMU programs share: output and exit status over semihosting, a panic
//! handler, and the stack high-water mark. Nothing here uses `core::fmt`, so that the
//! footprint of a program is its WebSocket library's and not the formatter's.
#![no_std]

use core::panic::PanicInfo;

use cortex_m_semihosting::{debug, hio};

pub use cortex_m_rt::entry;

/// Writes `s` to the host's standard output.
pub fn print(s: &str) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_all(s.as_bytes());
    }
}

/// Writes `n` in decimal.
pub fn print_u64(mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if let Ok(text) = core::str::from_utf8(&digits[at..]) {
        print(text);
    }
}

/// Ends the program: QEMU exits with status 0 when `ok`, 1 otherwise.
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    // Not reached under QEMU with semihosting; on hardware without a debugger, park.
    loop {
        cortex_m::asm::bkpt();
    }
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    print("PANIC");
    if let Some(location) = info.location() {
        print(" at ");
        print(location.file());
        print(":");
        print_u64(u64::from(location.line()));
    }
    print("\n");
    exit(false)
}

const PAINT: u32 = 0xA5C3_5A3C;

extern "C" {
    // cortex-m-rt's link.x: the first free RAM byte after .data, .bss and .uninit, and
    // the initial stack pointer (the top of RAM).
    static mut __sheap: u32;
    static _stack_start: u32;
}

/// Fills the free RAM below the current stack pointer with a pattern, so that
/// [`stack_high_water`] can tell later how deep the stack went. Call it first in `main`.
#[inline(never)]
pub fn paint_stack() {
    let sp = cortex_m::register::msp::read() as usize;
    // SAFETY: the words from `__sheap` up to the stack pointer are RAM that nothing uses
    // (the heap start symbol marks the end of the statics; the stack lives above `sp`),
    // no interrupt is enabled, and the writes are aligned words.
    unsafe {
        let mut p = core::ptr::addr_of_mut!(__sheap);
        while (p as usize) + 4 <= sp {
            p.write_volatile(PAINT);
            p = p.add(1);
        }
    }
}

/// The most stack used since [`paint_stack`], in bytes (from the top of RAM down to
/// the lowest word that no longer holds the pattern).
#[inline(never)]
pub fn stack_high_water() -> usize {
    // SAFETY: reads of aligned words between the end of the statics and the top of RAM.
    unsafe {
        let top = core::ptr::addr_of!(_stack_start) as usize;
        let mut p = core::ptr::addr_of!(__sheap) as *const u32;
        while (p as usize) < top && p.read_volatile() == PAINT {
            p = p.add(1);
        }
        top - p as usize
    }
}

/// Prints the stack high-water mark as `stack high-water: N bytes`.
pub fn report_stack() {
    print("stack high-water: ");
    print_u64(stack_high_water() as u64);
    print(" bytes\n");
}
