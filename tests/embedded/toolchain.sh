# Sourced by run.sh and footprint.sh: the toolchain for the Cortex-M programs.
#
# The machine's Rust toolchain has only the x86_64 standard library and cannot fetch
# others. This builds `core` from source instead (`-Zbuild-std=core`), with a compiler
# that comes with its source: Debian trixie's `rustc` 1.85 and `rust-src`, taken from
# the Debian archive with `apt-get download` through a private apt configuration (its
# own sources list, lists and cache under $EMBEDDED_TOOLCHAIN; the system's apt sources,
# lists and installed packages are not touched), unpacked with `dpkg -x` into a prefix
# with the glibc, libstdc++ and LLVM it was built against, and run through that
# prefix's own dynamic loader by a wrapper script given to cargo as RUSTC. The system
# packages come from the machine's own apt sources (bookworm): lld-14 links, llvm-14's
# llvm-size measures, qemu-system-arm runs the programs.
#
# After sourcing: $EMBEDDED_RUSTC (the wrapper), $EMBEDDED_TOOLCHAIN, and functions
# embedded_build TARGET PROFILE PACKAGE BIN (prints the ELF's path) and
# embedded_qemu TARGET ELF (runs it, bounded in time; QEMU's status is the program's).

EMBEDDED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EMBEDDED_TOOLCHAIN=${EMBEDDED_TOOLCHAIN:-$EMBEDDED_DIR/.toolchain}
EMBEDDED_RUSTC=$EMBEDDED_TOOLCHAIN/rustc
# Own build directory: beside the project's target dir if one is set, else in here.
EMBEDDED_TARGET_DIR=${EMBEDDED_TARGET_DIR:-${CARGO_TARGET_DIR:-$EMBEDDED_DIR/target}/embedded}

# Debian trixie's packages for the compiler and what it loads (found by running the
# compiler's loader with --list until every library resolved inside the prefix).
EMBEDDED_TRIXIE_PACKAGES=(
  rustc libstd-rust-1.85 libstd-rust-dev rust-src
  libllvm19 libc6 libgcc-s1 libstdc++6
  libedit2 libbsd0 libmd0 libtinfo6 libffi8 libxml2 liblzma5 libz3-4 libzstd1 zlib1g
)
# From the machine's own apt sources: the linker, llvm-size, the emulator.
EMBEDDED_SYSTEM_PACKAGES=(lld-14 llvm-14 qemu-system-arm)

embedded_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

embedded_system_packages() {
  if command -v ld.lld-14 >/dev/null && command -v llvm-size-14 >/dev/null \
    && command -v qemu-system-arm >/dev/null; then
    return
  fi
  echo "embedded: installing ${EMBEDDED_SYSTEM_PACKAGES[*]} (apt)"
  embedded_as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive embedded_as_root apt-get install -y -qq \
    --no-install-recommends "${EMBEDDED_SYSTEM_PACKAGES[@]}" >/dev/null
}

# The URI of the machine's Debian archive, read from its own apt sources (deb822 or
# one-line format), so that no host name is written here.
embedded_debian_uri() {
  local uri
  uri=$(awk '/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i ~ /^(bookworm|trixie|bullseye|stable)$/) { print u; exit } }' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(awk '$1 == "deb" && $0 ~ / (bookworm|trixie|bullseye|stable) / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  fi
  if [ -z "$uri" ]; then
    echo "embedded: no Debian archive found in the machine's apt sources" >&2
    return 1
  fi
  echo "$uri"
}

embedded_toolchain() {
  local stamp="$EMBEDDED_TOOLCHAIN/installed"
  local want="${EMBEDDED_TRIXIE_PACKAGES[*]}"
  if [ -x "$EMBEDDED_RUSTC" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return
  fi
  echo "embedded: fetching Debian trixie's rustc 1.85 and rust-src into $EMBEDDED_TOOLCHAIN"
  rm -rf "$EMBEDDED_TOOLCHAIN"
  local apt="$EMBEDDED_TOOLCHAIN/apt" prefix="$EMBEDDED_TOOLCHAIN/prefix"
  mkdir -p "$apt/sources" "$apt/lists/partial" "$apt/cache/archives/partial" \
    "$EMBEDDED_TOOLCHAIN/debs" "$prefix"
  local uri
  uri=$(embedded_debian_uri)
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" >"$apt/sources/trixie.sources"
  cat >"$apt/apt.conf" <<EOF
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$apt/sources";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "/dev/null";
Dir::State::Lists "$apt/lists";
Dir::Cache "$apt/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
EOF
  APT_CONFIG="$apt/apt.conf" apt-get update -qq
  (cd "$EMBEDDED_TOOLCHAIN/debs" && APT_CONFIG="$apt/apt.conf" apt-get download -qq "${EMBEDDED_TRIXIE_PACKAGES[@]}")
  local deb
  for deb in "$EMBEDDED_TOOLCHAIN"/debs/*.deb; do
    case "$(basename "$deb")" in
      # Only the standard library's sources (the compiler's are 300 MB more).
      rust-src_*)
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$prefix" --wildcards \
          './usr/lib/rustlib/src/*' './usr/src/rustc-*/library/*'
        ;;
      *) dpkg -x "$deb" "$prefix" ;;
    esac
  done
  rm -rf "$EMBEDDED_TOOLCHAIN/debs" "$apt/cache"
  cat >"$EMBEDDED_RUSTC" <<EOF
#!/bin/sh
exec "$prefix/usr/lib64/ld-linux-x86-64.so.2" --library-path "$prefix/lib/x86_64-linux-gnu:$prefix/usr/lib/x86_64-linux-gnu" "$prefix/usr/bin/rustc" "\$@"
EOF
  chmod +x "$EMBEDDED_RUSTC"
  "$EMBEDDED_RUSTC" --version
  echo "$want" >"$stamp"
}

embedded_setup() {
  embedded_system_packages
  embedded_toolchain
}

# embedded_build TARGET PROFILE PACKAGE BIN: builds one program; prints its ELF's path.
embedded_build() {
  local target=$1 profile=$2 package=$3 bin=$4
  (
    cd "$EMBEDDED_DIR"
    # The linker flags are in .cargo/config.toml; a RUSTFLAGS from outside would
    # replace them.
    unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
    RUSTC="$EMBEDDED_RUSTC" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$EMBEDDED_TARGET_DIR" \
      cargo build --quiet --locked -j "${EMBEDDED_JOBS:-2}" --profile "$profile" \
      --target "$target" -p "$package" --bin "$bin" --ignore-rust-version \
      -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem >&2
  )
  echo "$EMBEDDED_TARGET_DIR/$target/$profile/$bin"
}

# embedded_qemu TARGET ELF: runs the program on the QEMU board for TARGET, for at most
# 60 s; its output goes to stdout, its semihosting exit status is returned.
embedded_qemu() {
  local target=$1 elf=$2 machine
  case "$target" in
    thumbv6m-*) machine=(-cpu cortex-m0 -machine microbit) ;;
    *) machine=(-cpu cortex-m4 -machine mps2-an386) ;;
  esac
  timeout 60 qemu-system-arm "${machine[@]}" -nographic -monitor none \
    -semihosting-config enable=on,target=native -kernel "$elf" </dev/null
}
