#![no_std]
#![no_main]
#[support::entry]
fn main() -> ! { support::exit(true) }
