//! Puts the memory map of the QEMU board that runs the target being built where
//! cortex-m-rt's `link.x` looks for `memory.x`.
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let board = match target.as_str() {
        "thumbv6m-none-eabi" => "microbit",
        _ => "mps2-an386",
    };
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../memory");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::copy(dir.join(format!("{board}.x")), out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=../memory");
    println!("cargo:rerun-if-changed=build.rs");
}
