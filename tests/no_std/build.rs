fn main() {
    // No C runtime start files: `_start` is ours. The C library is linked only for the
    // `memcpy`/`memset`/`memcmp` symbols the compiler emits calls to.
    println!("cargo:rustc-link-arg-bins=-nostartfiles");
    println!("cargo:rustc-link-arg-bins=-lc");
}
