#!/usr/bin/env bash
# The stock-ticker load test: 10,000 concurrent browser-like WebSocket clients against
# examples/stock_ticker, on loopback, in about 40 s (BENCHMARKS.md has the numbers).
#
#   bash benches/ticker_load.sh [--clients N] [--window-s S] [--min-ticks N] ...
#
# Builds examples/stock_ticker and examples/stock_ticker_load in release, raises the
# open-file limit (each process needs one descriptor per client) and runs the load test,
# which prints its figures and PASS or FAIL (exit status 1). Options go to
# stock_ticker_load (see its documentation). Not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

timeout 1200 cargo build --release --quiet --features tokio \
  --example stock_ticker --example stock_ticker_load
bin=${CARGO_TARGET_DIR:-target}/release/examples

want=20000
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
  want=$hard
fi
ulimit -n "$want"

exec timeout 150 "$bin/stock_ticker_load" --server "$bin/stock_ticker" "$@"
