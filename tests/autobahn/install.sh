#!/usr/bin/env bash
# Idempotent installer for the Autobahn|Testsuite (`wstest`), which is Python 2.7 code.
#
# Recipe (see shared/autobahn.md):
#   1. a deb822 source for Debian's bullseye suite (which still has python2.7), reusing the
#      archive URI that the machine's own bookworm source already uses (read at run time);
#   2. apt-get install python2.7 python2.7-dev;
#   3. the last Python-2 capable pip/setuptools/wheel, downloaded as wheels with Python 3's pip
#      into a temporary directory, installed for Python 2.7 by running pip from its own wheel;
#   4. python2.7 -m pip install autobahntestsuite.
# Every step is skipped when its result is already there.
#
# Exit status: 0 when `wstest -a` works at the end; 77 (with a line starting with "SKIPPED:")
# when Python 2.7 cannot be had at all; anything else is a real failure.
#
# On success the last two lines printed are `PYTHON2=<python2.7 used>` and
# `WSTEST=<absolute path of the wstest script>`; run.sh reads them. Run as root (apt-get).
set -euo pipefail

log() { printf 'install.sh: %s\n' "$*" >&2; }
skip() {
  printf 'SKIPPED: %s\n' "$*"
  exit 77
}

PY2=/usr/bin/python2.7
BULLSEYE_SRC=/etc/apt/sources.list.d/bullseye.sources
MACHINE_SRC=/etc/apt/sources.list.d/debian.sources
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

# Python 2.7 that actually runs (pyenv may have a `python2.7` shim that only errors out).
py2_works() { [ -x "$1" ] && "$1" -c 'import sys; assert sys.version_info[:2] == (2, 7)' >/dev/null 2>&1; }

# --- 1 + 2: Python 2.7 from Debian bullseye ------------------------------------------------
install_debian_py2() {
  command -v apt-get >/dev/null 2>&1 || { log "no apt-get on this machine"; return 1; }
  if [ ! -f "$BULLSEYE_SRC" ]; then
    [ -f "$MACHINE_SRC" ] || { log "$MACHINE_SRC not found: cannot tell the Debian archive URI"; return 1; }
    # The URIs: line of the stanza whose suites include plain "bookworm" (not bookworm-security).
    local uri
    uri=$(awk '
      /^[[:space:]]*$/ { if (suite_ok && uri != "") { print uri; exit } ; suite_ok = 0; uri = ""; next }
      /^URIs:/   { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite_ok = 1 }
      END        { if (suite_ok && uri != "") print uri }
    ' "$MACHINE_SRC" | head -n1)
    [ -n "$uri" ] || { log "no bookworm URIs: line in $MACHINE_SRC"; return 1; }
    log "adding $BULLSEYE_SRC (archive URI taken from $MACHINE_SRC)"
    printf 'Types: deb\nURIs: %s\nSuites: bullseye\nComponents: main\nSigned-By: %s\n' \
      "$uri" "$KEYRING" | $SUDO tee "$BULLSEYE_SRC" >/dev/null
  else
    log "$BULLSEYE_SRC already present"
  fi
  log "apt-get update"
  $SUDO apt-get update -qq || { log "apt-get update failed"; return 1; }
  log "apt-get install python2.7 python2.7-dev"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python2.7 python2.7-dev >/dev/null ||
    { log "apt-get install python2.7 failed"; return 1; }
}

if py2_works "$PY2" && [ -f /usr/include/python2.7/Python.h ]; then
  log "python2.7 already installed: $("$PY2" --version 2>&1)"
else
  if ! install_debian_py2 || ! py2_works "$PY2"; then
    # Fallback: a pyenv-built 2.7, if the machine happens to have one.
    alt=""
    for cand in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/2.7*/bin/python2.7; do
      if py2_works "$cand"; then alt=$cand; fi
    done
    [ -n "$alt" ] || skip "Python 2.7 cannot be installed on this machine (Debian bullseye python2.7 unavailable, no pyenv 2.7); the Autobahn|Testsuite was NOT run"
    log "Debian python2.7 unavailable; using $alt"
    PY2=$alt
  fi
fi

# --- 3: pip for Python 2.7 ------------------------------------------------------------------
if "$PY2" -m pip --version >/dev/null 2>&1; then
  log "pip for python2.7 already installed: $("$PY2" -m pip --version 2>&1)"
else
  PY3=""
  for cand in python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -m pip --version >/dev/null 2>&1; then
      PY3=$cand
      break
    fi
  done
  [ -n "$PY3" ] || { log "need Python 3 with pip to download the Python-2 pip wheels"; exit 1; }
  WHEELS=$(mktemp -d "${TMPDIR:-/tmp}/autobahn-wheels.XXXXXX")
  trap 'rm -rf "$WHEELS"' EXIT
  log "downloading pip/setuptools/wheel wheels into $WHEELS"
  "$PY3" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    -d "$WHEELS" pip==20.3.4 setuptools==44.1.1 wheel==0.37.1
  PIPWHL=$(ls "$WHEELS"/pip-20.3.4-*.whl)
  log "installing them for python2.7"
  PIP_NO_PYTHON_VERSION_WARNING=1 "$PY2" "$PIPWHL/pip" install --quiet --disable-pip-version-check --no-index "$WHEELS"/*.whl
  "$PY2" -m pip --version >/dev/null 2>&1 || { log "pip for python2.7 did not install"; exit 1; }
fi

# --- 4: autobahntestsuite -------------------------------------------------------------------
if "$PY2" -c 'import autobahntestsuite.wstest' >/dev/null 2>&1; then
  log "autobahntestsuite already installed"
else
  log "python2.7 -m pip install autobahntestsuite"
  PIP_NO_PYTHON_VERSION_WARNING=1 "$PY2" -m pip install --quiet --disable-pip-version-check \
    autobahntestsuite
fi

# --- locate and check wstest ----------------------------------------------------------------
# pip puts console scripts in the interpreter's scripts dir (/usr/local/bin for Debian's
# python2.7). Prefer the script that belongs to $PY2 over anything else on PATH (pyenv shims).
WSTEST=""
for dir in /usr/local/bin "$(dirname "$PY2")" \
  "$("$PY2" -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)"; do
  if [ -n "$dir" ] && [ -x "$dir/wstest" ] && head -n1 "$dir/wstest" | grep -q "python2"; then
    WSTEST=$dir/wstest
    break
  fi
done
[ -n "$WSTEST" ] || { log "wstest script not found after install"; exit 1; }
if ! "$WSTEST" -a; then
  log "'$WSTEST -a' failed"
  exit 1
fi
echo "PYTHON2=$PY2"
echo "WSTEST=$WSTEST"
