//! Records which rfc6455 revision the harness is compiled against (commit, `+dirty` when
//! `src/` or `Cargo.toml` had uncommitted changes), for the report's build facts.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg("../..").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    for path in ["../../src", "../../Cargo.toml", "../../.git/HEAD", "../../.git/refs"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let rev = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        git(&["status", "--porcelain", "--", "src", "Cargo.toml"]).is_some_and(|s| !s.is_empty());
    let suffix = if dirty { "+dirty" } else { "" };
    println!("cargo:rustc-env=RFC6455_REVISION={rev}{suffix}");
}
