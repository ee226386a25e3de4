#!/usr/bin/env bash
# The footprint table of BENCHMARKS.md: the same conversation (handshake, masked text and
# binary, a fragmented message, ping/pong, close; a client and a server in one program)
# with rfc6455 (rfc6455-qemu's `footprint`) and with embedded-websocket 0.9.5 (ews-qemu),
# at opt-level "s" (profile release) and "z" (profile release-z), both with LTO, one
# codegen unit and panic = abort, for thumbv7em-none-eabihf and thumbv6m-none-eabi.
# Flash is .text + .rodata; RAM is .data + .bss + the stack high-water mark measured on
# the target under QEMU (the program paints free RAM at start and scans it at the end).
# Each program must pass its own checks for its row to count.
#
#   bash tests/embedded/footprint.sh      (about 5 minutes once run.sh has run)
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
embedded_setup

# section ELF NAME: the size of one section, 0 when absent.
section() {
  llvm-size-14 -A "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'
}

echo "| target | opt-level | crate | flash: .text + .rodata (B) | RAM: .data + .bss (B) | stack high-water (B) | RAM total (B) |"
echo "|---|---|---|---:|---:|---:|---:|"
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
  for profile in release release-z; do
    case $profile in release) opt=s ;; release-z) opt=z ;; esac
    for program in "rfc6455-qemu footprint rfc6455" "ews-qemu ews-footprint embedded-websocket"; do
      read -r package bin crate <<<"$program"
      elf=$(embedded_build "$target" "$profile" "$package" "$bin")
      output=$(embedded_qemu "$target" "$elf") || {
        printf '%s\n' "$output" >&2
        echo "footprint: $crate on $target ($profile) FAILED its checks" >&2
        exit 1
      }
      stack=$(sed -n 's/^stack high-water: \([0-9]*\) bytes$/\1/p' <<<"$output")
      text=$(section "$elf" .text)
      rodata=$(section "$elf" .rodata)
      data=$(section "$elf" .data)
      bss=$(section "$elf" .bss)
      echo "| $target | $opt | $crate | $(( text + rodata )) ($text + $rodata) | $(( data + bss )) | $stack | $(( data + bss + stack )) |"
    done
  done
done

# Not in the table: what embedded-websocket makes of a 64-bit length on this 32-bit
# target (rfc6455 refuses it with 1009: rfc6455-qemu's `checks`).
echo
elf=$(embedded_build thumbv7em-none-eabihf release ews-qemu ews-length)
embedded_qemu thumbv7em-none-eabihf "$elf"
