#!/usr/bin/env bash
# Interop tests: WebSocket peers written by others talk to rfc6455, on loopback only.
#
#   tests/interop/run.sh                 every check below
#   tests/interop/run.sh --screenshot    only regenerate examples/stock_ticker/screenshot.png
#   tests/interop/run.sh --h2            only the WebSocket over HTTP/2 check: headless
#                                        Chromium loads examples/h2_browser's page over TLS
#                                        and HTTP/2 and its WebSocket arrives as an RFC 8441
#                                        extended CONNECT (chromium_h2.py)
#
# Installs what it needs, idempotently and bounded in time, outside the repository:
#   - a Python venv with tornado and websockets (requirements.txt) in $INTEROP_CACHE/venv
#   - Node's `ws` package in $INTEROP_CACHE/node
#   - Debian's chromium (apt-get), unless `chromium` is already on PATH
# then builds examples/{interop_server,interop_client,stock_ticker} and their twins on the
# tokio driver, examples/{interop_server_tokio,interop_client_tokio}, and runs, for each
# driver (blocking: rfc6455::blocking, tokio: rfc6455::tokio):
#   - Tornado, websockets and `ws` clients and the rfc6455 client of each driver against
#     the driver's interop server, and the driver's interop client against a Tornado
#     WebSocketHandler, a websockets server and a `ws` WebSocketServer: text, UTF-8,
#     empty, 125/126/65535/65536-byte and 1 MiB messages, pings and pongs both ways, Close
#     with code and reason both ways, subprotocol selection (scenario.py, ws_peer.js,
#     examples/interop_client.rs)
#   - headless Chromium: echo_page.html round-trips text and binary through the driver's
#     interop server (browser.py, over the DevTools protocol)
# and once (the demo runs on the blocking driver):
#   - the stock-ticker demo checked by Tornado, websockets and raw-socket clients
#     (demo_check.py)
#   - headless Chromium: the demo page renders quotes (text and binary feeds), subscribes,
#     sees 1001 on shutdown and reconnects
#
# Every check prints PASS or FAIL; a peer program that fails without saying which check
# counts as one FAIL. The last line is "interop: N passed, M failed"; the exit status is 1
# if anything failed (including an install), 0 otherwise.
#
# Environment (optional):
#   INTEROP_CACHE       install directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/rfc6455-interop)
#   INTEROP_SKIP_BUILD  1 to use the already built examples in cargo's target directory
#                       (debug/examples; CARGO_TARGET_DIR is honoured)
#   INTEROP_DRIVERS     the drivers to check (default "blocking tokio")
#   CHROMIUM            the browser binary (default: chromium)
set -euo pipefail

MODE=${1:-all}
case "$MODE" in
  all | --screenshot | --h2) ;;
  *) sed -n '2,41p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
DRIVERS=${INTEROP_DRIVERS:-blocking tokio}
for driver in $DRIVERS; do
  case $driver in
    blocking | tokio) ;;
    *) echo "INTEROP_DRIVERS: unknown driver '$driver' (blocking, tokio)" >&2; exit 2 ;;
  esac
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rfc6455-interop}
VENV=$CACHE/venv
NODE_DIR=$CACHE/node
WS_VERSION=8.23.0
# Cargo's target directory as cargo resolves it (CARGO_TARGET_DIR, .cargo/config.toml).
BIN=$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rfc6455-interop.XXXXXX")
PASSED=0
FAILED=0
PIDS=()

say() { printf '[interop %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

cleanup() {
  local pid
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
    for _ in $(seq 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_fail() {
  echo "FAIL install: $*"
  echo "interop: $PASSED passed, $((FAILED + 1)) failed"
  exit 1
}

# --- installs -----------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || install_fail "no apt-get to install $*"
  if [ "$APT_UPDATED" = 0 ]; then
    timeout 600 apt-get update -qq >"$WORK/apt.log" 2>&1 || {
      tail -20 "$WORK/apt.log"
      install_fail "apt-get update"
    }
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "$@" \
    >>"$WORK/apt.log" 2>&1 || {
    tail -20 "$WORK/apt.log"
    install_fail "apt-get install $*"
  }
}

install_python() {
  local py=$VENV/bin/python
  if [ -x "$py" ] && "$py" - "$HERE/requirements.txt" <<'EOF' 2>/dev/null; then
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, want = line.split("==")
        assert version(name) == want, name
EOF
    say "python peers: $("$py" -c 'import tornado, websockets; print("tornado", tornado.version, "websockets", websockets.__version__)') (cached)"
    return
  fi
  command -v python3 >/dev/null || apt_install python3
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  if ! python3 -m venv "$VENV" >"$WORK/venv.log" 2>&1; then
    rm -rf "$VENV"
    apt_install python3-venv
    python3 -m venv "$VENV" >"$WORK/venv.log" 2>&1 || install_fail "python3 -m venv"
  fi
  timeout 600 "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    -r "$HERE/requirements.txt" >"$WORK/pip.log" 2>&1 || {
    tail -20 "$WORK/pip.log"
    rm -rf "$VENV"
    install_fail "pip install -r tests/interop/requirements.txt"
  }
  say "python peers: $("$py" -c 'import tornado, websockets; print("tornado", tornado.version, "websockets", websockets.__version__)') (installed)"
}

install_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  local pkg=$NODE_DIR/node_modules/ws/package.json
  if [ -f "$pkg" ] && grep -q "\"version\": \"$WS_VERSION\"" "$pkg"; then
    say "node peer: node $(node --version), ws $WS_VERSION (cached)"
    return
  fi
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || echo '{ "private": true }' >"$NODE_DIR/package.json"
  (cd "$NODE_DIR" && timeout 600 npm install --no-audit --no-fund --silent "ws@$WS_VERSION") \
    >"$WORK/npm.log" 2>&1 || {
    tail -20 "$WORK/npm.log"
    install_fail "npm install ws@$WS_VERSION"
  }
  say "node peer: node $(node --version), ws $WS_VERSION (installed)"
}

install_chromium() {
  CHROMIUM=${CHROMIUM:-chromium}
  if ! command -v "$CHROMIUM" >/dev/null; then
    apt_install chromium
  fi
  command -v "$CHROMIUM" >/dev/null || install_fail "chromium"
  export CHROMIUM
  say "browser: $("$CHROMIUM" --version 2>/dev/null | head -1)"
}

# --- running checks -----------------------------------------------------------------------
# run_check NAME CMD...: runs a program that prints PASS/FAIL lines, bounded in time; shows
# its verdict lines and counts them. A non-zero exit without a FAIL line is one FAIL.
run_check() {
  local name=$1 log rc=0 pass fail
  shift
  log=$WORK/$(echo "$name" | tr -c 'A-Za-z0-9_.-' '_').log
  timeout 300 "$@" >"$log" 2>&1 || rc=$?
  grep -E '^(PASS|FAIL) ' "$log" || true
  pass=$(grep -c '^PASS ' "$log" || true)
  fail=$(grep -c '^FAIL ' "$log" || true)
  if [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
    echo "FAIL $name: exited with status $rc"
    fail=1
  fi
  if [ "$fail" != 0 ]; then
    echo "--- last lines of the $name log:"
    grep -vE '^(PASS|FAIL) ' "$log" | tail -25 || true
    echo "---"
  fi
  PASSED=$((PASSED + pass))
  FAILED=$((FAILED + fail))
}

# start_server NAME CMD...: starts a server that prints "listening on ws://...", and sets
# SERVER_URL and SERVER_PID; a server that does not come up is one FAIL (SERVER_URL empty).
start_server() {
  local name=$1 log
  shift
  log=$WORK/server-$name.log
  "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  SERVER_URL=
  for _ in $(seq 150); do
    SERVER_URL=$(grep -oE 'ws://127\.0\.0\.1:[0-9]+/' "$log" | head -1 || true)
    [ -n "$SERVER_URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "FAIL $name server: did not start"
  tail -20 "$log"
  FAILED=$((FAILED + 1))
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

# --- main ---------------------------------------------------------------------------------
if [ "$MODE" = --h2 ]; then
  say "installing peers (cache: $CACHE)"
  install_python
  install_chromium
  if [ "${INTEROP_SKIP_BUILD:-0}" != 1 ]; then
    say "building examples/h2_browser"
    (cd "$ROOT" && timeout 1200 cargo build --quiet --features http,tokio,deflate \
      --example h2_browser) || install_fail "cargo build of examples/h2_browser"
  fi
  cd "$HERE"
  PYTHONDONTWRITEBYTECODE=1 run_check chromium-h2 "$VENV/bin/python" chromium_h2.py "$BIN/h2_browser"
  echo "interop: $PASSED passed, $FAILED failed"
  [ "$FAILED" = 0 ]
  exit
fi

say "installing peers (cache: $CACHE)"
install_python
install_node
install_chromium
export NODE_PATH=$NODE_DIR/node_modules
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the repository
PY=$VENV/bin/python

if [ "${INTEROP_SKIP_BUILD:-0}" != 1 ]; then
  say "building examples"
  (cd "$ROOT" && timeout 1200 cargo build --quiet --features deflate,tokio \
    --example interop_server --example interop_client --example stock_ticker \
    --example interop_server_tokio --example interop_client_tokio) ||
    install_fail "cargo build of the interop examples"
fi

# The interop programs of a driver, and the name its checks go by.
server_bin() { case $1 in blocking) echo "$BIN/interop_server" ;; tokio) echo "$BIN/interop_server_tokio" ;; esac; }
client_bin() { case $1 in blocking) echo "$BIN/interop_client" ;; tokio) echo "$BIN/interop_client_tokio" ;; esac; }
us() { case $1 in blocking) echo rfc6455 ;; tokio) echo rfc6455-tokio ;; esac; }

cd "$HERE"
if [ "$MODE" = --screenshot ]; then
  "$PY" browser.py screenshot "$BIN/stock_ticker" "$ROOT/examples/stock_ticker/screenshot.png"
  exit
fi

for driver in $DRIVERS; do
  server=$(us "$driver")-server
  say "peer clients against $(basename "$(server_bin "$driver")") ($driver driver)"
  start_server "$server" "$(server_bin "$driver")"
  if [ -n "$SERVER_URL" ]; then
    # Our own clients first: the same driver, and the other one.
    for client in $DRIVERS; do
      run_check "$(us "$client")-client-$server" "$(client_bin "$client")" "$SERVER_URL" "$(us "$client")-client -> $server"
    done
    run_check "tornado-client-$server" "$PY" tornado_peer.py client "$SERVER_URL" "tornado-client -> $server"
    run_check "websockets-client-$server" "$PY" websockets_peer.py client "$SERVER_URL" "websockets-client -> $server"
    run_check "ws-client-$server" node ws_peer.js client "$SERVER_URL" "ws-client -> $server"
    run_check "chromium-echo-$server" "$PY" browser.py echo "${SERVER_URL}echo" "$server"
    stop_server
  fi
done

say "our interop clients against peer servers"
for peer in tornado websockets ws; do
  case $peer in
    ws) start_server "$peer" node ws_peer.js server ;;
    *) start_server "$peer" "$PY" "${peer}_peer.py" server ;;
  esac
  if [ -n "$SERVER_URL" ]; then
    # Tornado (with compression options) and Python websockets compress: check it.
    expect=()
    case $peer in tornado | websockets) expect=(--expect-deflate) ;; esac
    for driver in $DRIVERS; do
      client=$(us "$driver")-client
      run_check "$client-$peer" "$(client_bin "$driver")" "$SERVER_URL" "$client -> $peer-server" "${expect[@]+"${expect[@]}"}"
    done
    stop_server
  fi
done

say "the stock-ticker demo"
export TICKER_LOG=$WORK/ticker.log
before=$FAILED
run_check demo "$PY" demo_check.py "$BIN/stock_ticker"
if [ "$FAILED" != "$before" ]; then
  echo "--- last lines of the stock_ticker log:"
  tail -25 "$TICKER_LOG" || true
  echo "---"
fi
run_check chromium-demo "$PY" browser.py demo "$BIN/stock_ticker"

echo "interop: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
