"""Headless Chromium against our servers, driven over the DevTools protocol.

    python browser.py demo TICKER_BIN           the stock-ticker page: quotes rendered (text
                                                and binary feeds), subscription from the page,
                                                1001 on shutdown, reconnect after a restart
    python browser.py echo ECHO_URL [NAME]      tests/interop/echo_page.html round-trips text
                                                and binary through examples/interop_server
                                                (or another server, named NAME in the checks)
    python browser.py screenshot TICKER_BIN PNG the README screenshot (1000x700)

Chromium comes from $CHROMIUM (default `chromium`). Every check prints PASS/FAIL; the exit
status is 1 if any failed. The DevTools connection itself uses the `websockets` client.
"""

import base64
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from websockets.sync.client import connect

HERE = pathlib.Path(__file__).resolve().parent
FAILURES = 0


def report(label, name, error=None):
    global FAILURES
    if error:
        FAILURES += 1
        print(f"FAIL {label}: {name}: {error}", flush=True)
    else:
        print(f"PASS {label}: {name}", flush=True)


class Chromium:
    def __init__(self, extra_args=()):
        self.profile = tempfile.mkdtemp(prefix="rfc6455-chromium-")
        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            [
                os.environ.get("CHROMIUM", "chromium"),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "--window-size=1000,700",
                *extra_args,
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
        )
        port_file = pathlib.Path(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
        self.ws.__enter__()  # websockets wants the connection used as a context manager
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + 30
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def navigate(self, url):
        self.call("Page.navigate", url=url)

    def wait_for(self, expression, timeout):
        """Polls `expression` until it is truthy; returns its last value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError:
                value = None  # the page is still loading
            if value:
                return value
            time.sleep(0.2)
        return value

    def screenshot(self, path, width, height):
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        data = self.call("Page.captureScreenshot", format="png")["data"]
        pathlib.Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ticker:
    """examples/stock_ticker on a fixed port, so it can be restarted on the same address."""

    def __init__(self, binary, port):
        self.binary, self.port, self.proc = binary, port, None

    def start(self):
        for _ in range(50):
            self.proc = subprocess.Popen(
                [self.binary, f"127.0.0.1:{self.port}"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
            time.sleep(0.2)  # the old server may still hold the port
        raise RuntimeError("the stock ticker did not start")

    def stop(self):
        """SIGTERM: the server closes every client with 1001 and exits."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


RENDERED = """(() => {
  const rows = [...document.querySelectorAll('tr[data-symbol]')];
  const quotes = Number(document.body.dataset.quotes);
  if (rows.length !== 6 || quotes < MIN) return null;
  const prices = rows.map(r => r.querySelector('td.price').textContent);
  const drawn = [...document.querySelectorAll('canvas')].filter(c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i]) return true;
    return false;
  }).length;
  return { quotes, prices, drawn, state: document.getElementById('status').dataset.state,
           status: document.getElementById('status-text').textContent };
})()"""


def rendered(chrome, minimum, timeout=15):
    return chrome.wait_for(RENDERED.replace("MIN", str(minimum)), timeout)


def check_render(chrome, label, url):
    chrome.navigate(url)
    first = rendered(chrome, 4)
    if not first:
        return report(label, "page renders live quotes", "no quotes rendered within 15 s")
    bad = [p for p in first["prices"] if not re.fullmatch(r"\d+\.\d\d", p)]
    if bad or first["drawn"] != 6 or first["state"] != "open":
        return report(label, "page renders live quotes", f"got {first}")
    later = rendered(chrome, first["quotes"] + 6)
    if not later or later["prices"] == first["prices"]:
        return report(label, "page renders live quotes", f"prices did not move: {later}")
    report(
        label,
        f"page renders live quotes ({later['quotes']} updates, 6 rows, 6 sparklines, "
        "prices moving)",
    )


def demo(binary):
    label = "chromium -> stock_ticker"
    ticker = Ticker(binary, free_port())
    ticker.start()
    chrome = Chromium()
    try:
        base = f"http://127.0.0.1:{ticker.port}/"
        check_render(chrome, label + " (text)", base)
        check_render(chrome, label + " (binary)", base + "?encoding=binary")

        chrome.navigate(base)
        rendered(chrome, 2)
        chrome.evaluate("document.querySelector('tr[data-symbol=HOOL] input').click()")
        time.sleep(0.6)  # quotes already in flight
        price = "document.querySelector('tr[data-symbol=HOOL] td.price').textContent"
        before = chrome.evaluate(price)
        start = chrome.evaluate("Number(document.body.dataset.quotes)")
        time.sleep(2)
        after = chrome.evaluate(price)
        updates = chrome.evaluate("Number(document.body.dataset.quotes)") - start
        muted = chrome.evaluate("document.querySelector('tr[data-symbol=HOOL]').className")
        if before == after and updates >= 4 and muted == "muted":
            report(label, "unchecking HOOL subscribes to the others only")
        else:
            report(
                label,
                "unchecking HOOL subscribes to the others only",
                f"HOOL {before} -> {after}, {updates} updates, class {muted!r}",
            )

        ticker.stop()
        status = chrome.wait_for(
            "document.getElementById('status').dataset.state === 'closed' && "
            "document.getElementById('status-text').textContent",
            10,
        )
        if status and "1001" in status:
            report(label, "server shutdown closes the page with 1001")
        else:
            report(label, "server shutdown closes the page with 1001", f"status {status!r}")

        before = chrome.evaluate("Number(document.body.dataset.quotes)")
        ticker.start()
        back = chrome.wait_for(
            f"document.getElementById('status').dataset.state === 'open' && "
            f"Number(document.body.dataset.quotes) > {before + 3}",
            20,
        )
        if back:
            report(label, "page reconnects after a restart and resumes")
        else:
            status = chrome.evaluate("document.getElementById('status-text').textContent")
            report(label, "page reconnects after a restart and resumes", f"status {status!r}")
    finally:
        chrome.close()
        ticker.stop()


def echo(url, server="rfc6455-server"):
    label = f"chromium -> {server}"
    chrome = Chromium()
    try:
        page = (HERE / "echo_page.html").as_uri() + "?url=" + url
        chrome.navigate(page)
        done = chrome.wait_for("document.getElementById('result').dataset.done === '1'", 60)
        text = chrome.evaluate("document.getElementById('result').textContent") or ""
        lines = [line for line in text.splitlines() if line]
        for line in lines:
            verdict, _, rest = line.partition(" ")
            name, _, why = rest.partition(": ")
            report(label, name, why or "failed" if verdict == "FAIL" else None)
        if not done or not lines:
            report(label, "echo page finished", f"page wrote {text!r}")
    finally:
        chrome.close()


def screenshot(binary, path):
    ticker = Ticker(binary, free_port())
    ticker.start()
    chrome = Chromium()
    try:
        chrome.call(
            "Emulation.setDeviceMetricsOverride",
            width=1000,
            height=700,
            deviceScaleFactor=1,
            mobile=False,
        )
        chrome.navigate(f"http://127.0.0.1:{ticker.port}/")
        if not rendered(chrome, 24, 30):
            raise SystemExit("no quotes rendered")
        chrome.screenshot(path, 1000, 700)
        print(f"wrote {path}")
    finally:
        chrome.close()
        ticker.stop()


def main():
    args = sys.argv[1:]
    if args[:1] == ["demo"] and len(args) == 2:
        demo(args[1])
    elif args[:1] == ["echo"] and len(args) in (2, 3):
        echo(*args[1:])
    elif args[:1] == ["screenshot"] and len(args) == 3:
        screenshot(args[1], args[2])
    else:
        sys.exit(__doc__)
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
