#!/usr/bin/env bash
# Autobahn|Testsuite conformance run for the rfc6455 crate.
#
#   tests/autobahn/run.sh [server|client|both]      (default: both)
#
#   server  wstest -m fuzzingclient drives examples/autobahn_server (echo server)
#   client  examples/autobahn_client drives wstest -m fuzzingserver
#   both    the two roles at once (one per core), each logging to its own file
#
# With AUTOBAHN_DRIVER=tokio the programs are examples/autobahn_server_tokio and
# examples/autobahn_client_tokio (the same echo on rfc6455::tokio, agent rfc6455-tokio).
#
# Steps: tests/autobahn/install.sh (Python 2.7 + autobahntestsuite; its exit status 77 means
# "cannot run here" and is passed on as a loud SKIPPED: line and exit 77), one
# `cargo build --release` of the driver's two examples, then the role(s). Each role prints a
# per-section table (summarize.py) and the role's wall time.
#
# Exit status: 0 if every case conforms strictly (behavior OK or INFORMATIONAL, behaviorClose
# OK or INFORMATIONAL, UNIMPLEMENTED only in sections 12/13, no case missing), 1 otherwise,
# 77 if skipped, 2 on bad usage.
#
# Reports, per driver (DRIVER = blocking or tokio): tests/autobahn/reports/DRIVER/{servers,clients}/
# (index.json, index.html, per-case JSON); logs: tests/autobahn/reports/DRIVER/logs/; spec
# files: tests/autobahn/reports/DRIVER/work/. The examples are looked for in cargo's target
# directory (CARGO_TARGET_DIR is honoured). All traffic stays on 127.0.0.1. Everything is
# bounded in time.
#
# Environment knobs (optional):
#   AUTOBAHN_DRIVER        blocking (default: rfc6455::blocking) or tokio (rfc6455::tokio)
#   AUTOBAHN_ROLE_TIMEOUT  seconds one role may take (default 2700 = 45 min)
#   AUTOBAHN_CASES         JSON list of case patterns (default ["*"]); a partial run is
#                          graded only on the cases it selects
#   AUTOBAHN_SKIP_BUILD=1  use the already built examples
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=${1:-both}
DRIVER=${AUTOBAHN_DRIVER:-blocking}
ROLE_TIMEOUT=${AUTOBAHN_ROLE_TIMEOUT:-2700}
CASES_JSON=${AUTOBAHN_CASES:-'["*"]'}
REPORTS=$HERE/reports/$DRIVER
LOGS=$REPORTS/logs
WORK=$REPORTS/work

say() { printf '[autobahn %s %s %s] %s\n' "$DRIVER" "$MODE" "$(date +%H:%M:%S)" "$*"; }

usage() {
  sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'
}

case "$MODE" in
  server | client | both) ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

# The programs under test: one pair per driver, the same echo behaviour and limits.
case "$DRIVER" in
  blocking)
    AGENT=rfc6455
    FEATURES=deflate
    SERVER_EXAMPLE=autobahn_server
    CLIENT_EXAMPLE=autobahn_client
    ;;
  tokio)
    AGENT=rfc6455-tokio
    FEATURES=deflate,tokio
    SERVER_EXAMPLE=autobahn_server_tokio
    CLIENT_EXAMPLE=autobahn_client_tokio
    ;;
  *) echo "AUTOBAHN_DRIVER must be blocking or tokio, not '$DRIVER'" >&2; exit 2 ;;
esac
# Cargo's target directory as cargo resolves it (CARGO_TARGET_DIR, .cargo/config.toml).
TARGET_DIR=$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN_DIR=$TARGET_DIR/release/examples
SERVER_BIN=$BIN_DIR/$SERVER_EXAMPLE
CLIENT_BIN=$BIN_DIR/$CLIENT_EXAMPLE

# --- background processes: every one is recorded and ended on exit ---------------------------
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
    # Give each a few seconds, then force.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop_pid() { # stop one recorded background process
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- preparation: install the suite, build the examples, list the cases -----------------------
prepare() {
  mkdir -p "$LOGS" "$WORK"
  say "installing the Autobahn|Testsuite (tests/autobahn/install.sh)"
  local out rc=0
  out=$(bash "$HERE/install.sh" 2>"$LOGS/install.log") || rc=$?
  if [ "$rc" -eq 77 ]; then
    printf '%s\n' "$out"
    echo "SKIPPED: Autobahn|Testsuite conformance run NOT performed: Python 2.7 unavailable (install.sh exit 77)"
    exit 77
  elif [ "$rc" -ne 0 ]; then
    printf '%s\n' "$out"
    cat "$LOGS/install.log" >&2
    say "install.sh failed with status $rc"
    exit 1
  fi
  PYTHON2=$(printf '%s\n' "$out" | sed -n 's/^PYTHON2=//p' | tail -n1)
  WSTEST=$(printf '%s\n' "$out" | sed -n 's/^WSTEST=//p' | tail -n1)
  if [ -z "$PYTHON2" ] || [ -z "$WSTEST" ]; then
    say "install.sh did not report PYTHON2/WSTEST"
    exit 1
  fi
  say "$(printf '%s' "$out" | grep -v '=' | tr '\n' ' ')($WSTEST)"

  if [ "${AUTOBAHN_SKIP_BUILD:-0}" != 1 ]; then
    say "cargo build --release --features $FEATURES --example $SERVER_EXAMPLE --example $CLIENT_EXAMPLE"
    (cd "$ROOT" && cargo build --release --features "$FEATURES" \
      --example "$SERVER_EXAMPLE" --example "$CLIENT_EXAMPLE")
  fi
  if [ ! -x "$SERVER_BIN" ] || [ ! -x "$CLIENT_BIN" ]; then
    say "examples not built: $SERVER_BIN $CLIENT_BIN"
    exit 1
  fi

  # Every case id the installed suite has that the selection matches (for the missing-case check).
  CASES_FILE=$WORK/cases.txt
  AUTOBAHN_CASES_JSON=$CASES_JSON "$PYTHON2" -c '
import json, os, re
from autobahntestsuite.case import Cases
ids = [".".join(c.__name__[len("Case"):].split("_")) for c in Cases]
pats = [re.compile(p.replace(".", r"\.").replace("*", ".*") + "$") for p in json.loads(os.environ["AUTOBAHN_CASES_JSON"])]
for i in ids:
    if any(p.match(i) for p in pats):
        print(i)
' >"$CASES_FILE"
  say "$(wc -l <"$CASES_FILE") cases selected by $CASES_JSON"
  export PYTHON2 WSTEST CASES_FILE AUTOBAHN_PREPARED=1
}

summarize() { # role outdir wall [problem...]
  local role=$1 outdir=$2 wall=$3 summary=$REPORTS/$1-summary.txt rc=0 p
  shift 3
  local extra=()
  for p in "$@"; do extra+=(--problem "$p"); done
  python3 "$HERE/summarize.py" --index "$outdir/index.json" --agent "$AGENT" --role "$role" \
    --cases "$CASES_FILE" --wall "$wall" "${extra[@]+"${extra[@]}"}" >"$summary" || rc=$?
  cat "$summary"
  return "$rc"
}

# --- server role: wstest fuzzingclient -> examples/autobahn_server ----------------------------
role_server() {
  local outdir=$REPORTS/servers work=$WORK/server log=$LOGS/$SERVER_EXAMPLE.log
  rm -rf "$outdir" "$work" "$REPORTS/server-summary.txt"
  mkdir -p "$outdir" "$work"

  # Port 0: the server picks a free port and prints it ("... on ws://127.0.0.1:PORT").
  timeout "$((ROLE_TIMEOUT + 120))" "$SERVER_BIN" 127.0.0.1:0 >"$log" 2>&1 &
  local server_pid=$!
  PIDS+=("$server_pid")
  local port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's|.*ws://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$log" | head -n1)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$port" ]; then
    say "$SERVER_EXAMPLE did not start:"; cat "$log"
    return 1
  fi
  say "server role: $SERVER_EXAMPLE listening on ws://127.0.0.1:$port; wstest fuzzingclient running (log: $LOGS/wstest-fuzzingclient.log)"

  cat >"$work/spec.json" <<EOF
{
  "outdir": "$outdir",
  "servers": [{"agent": "$AGENT", "url": "ws://127.0.0.1:$port"}],
  "cases": $CASES_JSON,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
EOF
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  (cd "$work" && exec timeout "$ROLE_TIMEOUT" "$WSTEST" -m fuzzingclient -s spec.json) \
    >"$LOGS/wstest-fuzzingclient.log" 2>&1 &
  local wstest_pid=$!
  PIDS+=("$wstest_pid")
  wait "$wstest_pid" || rc=$?
  t1=$(date +%s.%N)

  local problems=()
  if ! kill -0 "$server_pid" 2>/dev/null; then
    problems+=("$SERVER_EXAMPLE died during the run (log: $log)")
    say "$SERVER_EXAMPLE DIED during the run; last lines of its log:"
    tail -n 20 "$log"
  fi
  stop_pid "$server_pid"
  if [ "$rc" -eq 124 ]; then
    problems+=("wstest fuzzingclient timed out after ${ROLE_TIMEOUT}s")
  elif [ "$rc" -ne 0 ]; then
    problems+=("wstest fuzzingclient exited with status $rc (log: $LOGS/wstest-fuzzingclient.log)")
  fi

  summarize server "$outdir" "$(elapsed "$t0" "$t1")" "${problems[@]+"${problems[@]}"}"
}

# --- client role: examples/autobahn_client -> wstest fuzzingserver ----------------------------
role_client() {
  local outdir=$REPORTS/clients work=$WORK/client log=$LOGS/wstest-fuzzingserver.log
  rm -rf "$outdir" "$work" "$REPORTS/client-summary.txt"
  mkdir -p "$outdir" "$work"
  local port
  port=$(free_port)
  cat >"$work/spec.json" <<EOF
{
  "url": "ws://127.0.0.1:$port",
  "outdir": "$outdir",
  "cases": $CASES_JSON,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
EOF
  # -u 0: no embedded web server (it would listen on 8080 on every interface).
  (cd "$work" && exec timeout "$((ROLE_TIMEOUT + 120))" "$WSTEST" -m fuzzingserver -s spec.json -u 0) \
    >"$log" 2>&1 &
  local wstest_pid=$!
  PIDS+=("$wstest_pid")
  local up=0
  for _ in $(seq 1 300); do # up to 60 s
    if port_open "$port"; then up=1; break; fi
    kill -0 "$wstest_pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ "$up" -ne 1 ]; then
    say "wstest fuzzingserver did not start listening on 127.0.0.1:$port:"; tail -n 30 "$log"
    return 1
  fi
  say "client role: wstest fuzzingserver on ws://127.0.0.1:$port; $CLIENT_EXAMPLE running (log: $LOGS/$CLIENT_EXAMPLE.log)"

  local t0 t1 rc=0
  t0=$(date +%s.%N)
  timeout "$ROLE_TIMEOUT" "$CLIENT_BIN" "ws://127.0.0.1:$port" "$AGENT" >"$LOGS/$CLIENT_EXAMPLE.log" 2>&1 &
  local client_pid=$!
  PIDS+=("$client_pid")
  wait "$client_pid" || rc=$?
  t1=$(date +%s.%N)
  local problems=()
  if [ "$rc" -eq 124 ]; then
    problems+=("$CLIENT_EXAMPLE timed out after ${ROLE_TIMEOUT}s")
  elif [ "$rc" -ne 0 ]; then
    problems+=("$CLIENT_EXAMPLE exited with status $rc (log: $LOGS/$CLIENT_EXAMPLE.log)")
    say "$CLIENT_EXAMPLE exited with status $rc; last lines of its log:"
    tail -n 20 "$LOGS/$CLIENT_EXAMPLE.log"
  fi
  # The report is written while /updateReports is served; allow a moment for the file.
  for _ in $(seq 1 50); do
    [ "$rc" -eq 0 ] || break
    [ -s "$outdir/index.json" ] && break
    kill -0 "$wstest_pid" 2>/dev/null || break
    sleep 0.2
  done
  if ! kill -0 "$wstest_pid" 2>/dev/null; then
    problems+=("wstest fuzzingserver died during the run (log: $log)")
  fi
  stop_pid "$wstest_pid"

  summarize client "$outdir" "$(elapsed "$t0" "$t1")" "${problems[@]+"${problems[@]}"}"
}

# --- main ---------------------------------------------------------------------------------------
if [ "${AUTOBAHN_PREPARED:-0}" != 1 ]; then
  prepare
fi

case "$MODE" in
  server)
    role_server
    ;;
  client)
    role_client
    ;;
  both)
    say "running both roles concurrently (logs: $LOGS/role-server.log, $LOGS/role-client.log)"
    t0=$(date +%s)
    rm -f "$REPORTS/server-summary.txt" "$REPORTS/client-summary.txt"
    bash "$HERE/run.sh" server >"$LOGS/role-server.log" 2>&1 &
    s_pid=$!
    PIDS+=("$s_pid")
    bash "$HERE/run.sh" client >"$LOGS/role-client.log" 2>&1 &
    c_pid=$!
    PIDS+=("$c_pid")
    s_rc=0
    c_rc=0
    wait "$s_pid" || s_rc=$?
    wait "$c_pid" || c_rc=$?
    say "both roles done in $(($(date +%s) - t0)) s (server role status $s_rc, client role status $c_rc)"
    for role in server client; do
      echo
      if [ -s "$REPORTS/$role-summary.txt" ]; then
        cat "$REPORTS/$role-summary.txt"
      else
        echo "no $role summary; the role's log ($LOGS/role-$role.log) ends with:"
        tail -n 30 "$LOGS/role-$role.log"
      fi
    done
    echo
    if [ "$s_rc" -ne 0 ] || [ "$c_rc" -ne 0 ]; then
      say "FAIL (server role: $s_rc, client role: $c_rc)"
      exit 1
    fi
    say "PASS: both roles conform strictly"
    ;;
esac
