"""Headless Chromium opens a WebSocket over HTTP/2 (RFC 8441) to examples/h2_browser.

    python chromium_h2.py H2_BROWSER_BIN

Starts the example (TLS with a self-signed certificate, ALPN h2 and http/1.1), starts
Chromium trusting that certificate's key (--ignore-certificate-errors-spki-list) and
writing a net-export log, loads the page, and checks:
  - the page came over HTTP/2 (`nextHopProtocol` "h2");
  - its WebSocket echoed a text and a binary message and closed cleanly with the
    page's code and reason;
  - the server saw that WebSocket as an extended CONNECT on an HTTP/2 stream
    (`:method CONNECT :protocol websocket`, no Upgrade header) and never an HTTP/1.1
    connection;
  - Chromium's net log shows the HTTP/2 session's SETTINGS_ENABLE_CONNECT_PROTOCOL and
    the WebSocket's CONNECT on that session.
The server's log lines and the net log's relevant events are printed as evidence. Every
check prints PASS/FAIL; the exit status is 1 if any failed.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

from browser import Chromium, report

LABEL = "chromium-h2"


def start_server(binary, log_path):
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [binary, "127.0.0.1:0"], stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        text = pathlib.Path(log_path).read_text(errors="replace")
        url = re.search(r"listening on (https://127\.0\.0\.1:\d+/)", text)
        spki = re.search(r"certificate SPKI sha256: (\S+)", text)
        if url and spki:
            return proc, url.group(1), spki.group(1)
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("h2_browser did not start: " + pathlib.Path(log_path).read_text())


def net_log_evidence(path):
    """The net log's events about HTTP/2 settings and the WebSocket, as short lines."""
    try:
        data = json.loads(pathlib.Path(path).read_text())
    except (OSError, ValueError) as e:
        # Chromium writes the closing bracket at exit; a cut log is still mostly JSON.
        text = pathlib.Path(path).read_text(errors="replace") if os.path.exists(path) else ""
        try:
            data = json.loads(text.rstrip().rstrip(",") + "]}")
        except ValueError:
            return [f"net log unreadable: {e}"]
    names = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    lines = []
    for event in data.get("events", []):
        name = names.get(event["type"], str(event["type"]))
        params = event.get("params", {})
        text = json.dumps(params)
        if name in ("HTTP2_SESSION_RECV_SETTING", "HTTP2_SESSION_RECV_SETTINGS") or (
            "WEBSOCKET" in name
        ) or (name == "HTTP2_SESSION_SEND_HEADERS" and ":protocol" in text):
            lines.append(f"{name} {text[:300]}")
    return lines


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="rfc6455-chromium-h2-")
    server_log = os.path.join(work, "server.log")
    net_log = os.path.join(work, "netlog.json")
    server, url, spki = start_server(binary, server_log)
    result = None
    try:
        chromium = Chromium(
            extra_args=[
                f"--ignore-certificate-errors-spki-list={spki}",
                f"--log-net-log={net_log}",
                "--net-log-capture-mode=Default",
            ]
        )
        try:
            chromium.navigate(url)
            result = chromium.wait_for("window.result", 30)
        finally:
            chromium.close()  # Chromium finishes the net log as it exits
    finally:
        server.terminate()
        server.wait(10)
    log = pathlib.Path(server_log).read_text(errors="replace")
    print("--- server log:")
    print(log.rstrip())
    print("--- net log (HTTP/2 settings received, CONNECTs with :protocol, WebSocket events):")
    evidence = net_log_evidence(net_log)
    for line in evidence:
        print(line)
    print("---", flush=True)

    if not result:
        report(LABEL, "the page's WebSocket finished", "no window.result within 30 s")
        return 1
    report(
        LABEL,
        "page loaded over HTTP/2",
        None if result.get("page") == "h2" else f"nextHopProtocol {result.get('page')!r}",
    )
    want = ["hello over HTTP/2", [1, 2, 3, 250]]
    report(
        LABEL,
        "text and binary echoed",
        None if result.get("got") == want else f"got {result.get('got')!r}",
    )
    closed = (result.get("code"), result.get("reason"), result.get("clean"))
    report(
        LABEL,
        "clean close, the server's reply naming the page's code 4000",
        None if closed == (4000, "", True) else f"close {closed!r}",
    )
    report(
        LABEL,
        "subprotocol echo.v1 and permessage-deflate agreed",
        None
        if result.get("protocol") == "echo.v1"
        and "permessage-deflate" in result.get("extensions", "")
        else f"protocol {result.get('protocol')!r}, extensions {result.get('extensions')!r}",
    )
    connect = re.search(
        r"stream (\d+): HTTP/2\.0 :method CONNECT :protocol websocket :path /echo "
        r"\(upgrade header: none\)",
        log,
    )
    report(
        LABEL,
        "server saw an extended CONNECT on an HTTP/2 stream"
        + (f" ({connect.group(0)})" if connect else ""),
        None if connect else "no CONNECT with :protocol websocket in the server log",
    )
    if connect:
        stream = connect.group(1)
        done = re.search(
            rf"stream {stream}: WebSocket over HTTP/2 echoed 2 messages, "
            r"peer's Close: Some\(4000\) \"page done\"",
            log,
        )
        report(
            LABEL,
            f"server echoed on stream {stream} and saw the page's Close (4000 'page done')",
            None if done else "no echo/close line for that stream",
        )
    report(
        LABEL,
        "no HTTP/1.1 connection, no Upgrade",
        "an HTTP/1.1 connection in the server log"
        if "ALPN http/1.1" in log or "HTTP/1.1 connection" in log
        else None,
    )
    settings = any(
        "ENABLE_CONNECT_PROTOCOL" in line and "HTTP2_SESSION_RECV_SETTING" in line
        for line in evidence
    )
    report(
        LABEL,
        "net log: SETTINGS_ENABLE_CONNECT_PROTOCOL received",
        None if settings else "not in the net log",
    )
    sent = any(
        line.startswith("HTTP2_SESSION_SEND_HEADERS")
        and '":method: CONNECT"' in line
        and '":protocol: websocket"' in line
        for line in evidence
    )
    report(
        LABEL,
        "net log: Chromium sent :method CONNECT :protocol websocket on the HTTP/2 session",
        None if sent else "not in the net log",
    )
    return 0


if __name__ == "__main__":
    status = main()
    sys.exit(1 if status or __import__("browser").FAILURES else 0)
