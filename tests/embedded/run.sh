#!/usr/bin/env bash
# The crate on Cortex-M, under QEMU: builds rfc6455-qemu's `checks` (the conversation
# between a client and a server Connection without alloc, and the 32-bit length checks)
# for thumbv7em-none-eabihf (QEMU mps2-an386, Cortex-M4F) and thumbv6m-none-eabi (QEMU
# microbit, Cortex-M0: no atomic compare-and-swap), runs each, and fails unless every
# check passed on both. Installs what it needs itself (see toolchain.sh): the first run
# on a fresh machine takes about 2 minutes, later ones seconds.
#
#   bash tests/embedded/run.sh
#
# Environment: EMBEDDED_TOOLCHAIN (default tests/embedded/.toolchain), EMBEDDED_JOBS
# (cargo -j, default 2), CARGO_TARGET_DIR (builds go to its embedded/ subfolder).
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"

start=$(date +%s)
# Its own workspace, which the project's `cargo fmt --all` does not reach.
cargo fmt --manifest-path "$EMBEDDED_DIR/Cargo.toml" --all -- --check
embedded_setup
echo "embedded: toolchain ready in $(( $(date +%s) - start ))s"

failed=0
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
  t0=$(date +%s)
  elf=$(embedded_build "$target" release rfc6455-qemu checks)
  t1=$(date +%s)
  echo "--- $target: built in $(( t1 - t0 ))s; running under QEMU"
  status=0
  output=$(embedded_qemu "$target" "$elf") || status=$?
  printf '%s\n' "$output"
  # Exit status 0 alone is not enough: each group must also have said so.
  if [ "$status" -ne 0 ] || ! grep -qx 'ok: conversation' <<<"$output" \
    || ! grep -qx 'ok: 32-bit length limits' <<<"$output"; then
    echo "embedded: $target FAILED (QEMU exit status $status)"
    failed=1
  else
    echo "embedded: $target passed"
  fi
done

echo "embedded: done in $(( $(date +%s) - start ))s"
exit "$failed"
