"""Checks of examples/stock_ticker by clients written by others (Tornado, websockets) and by
a raw socket where a library would be too polite.

    python demo_check.py TICKER_BIN

Starts the ticker itself (on a free port, keepalive every second), runs every check, and
ends with SIGTERM to test the 1001 shutdown. Every check prints PASS/FAIL; the exit status
is 1 if any failed.
"""

import asyncio
import base64
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request

import tornado.websocket
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

SYMBOLS = ["ACME", "GLBX", "INTK", "HOOL", "UMBR", "WAYN"]
KEEPALIVE_MS = 1000
FAILURES = 0


def report(name, error=None):
    global FAILURES
    if error:
        FAILURES += 1
        print(f"FAIL {name}: {error}", flush=True)
    else:
        print(f"PASS {name}", flush=True)


async def check(name, coro, timeout=30):
    try:
        detail = await asyncio.wait_for(coro, timeout)
        report(f"{name}{f' ({detail})' if detail else ''}")
    except Exception as e:  # noqa: BLE001 - every failure is reported
        report(name, str(e) or type(e).__name__)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def check_quotes(msg, symbols):
    expect(msg.get("type") == "quotes", f"not a quotes message: {msg}")
    got = [q["symbol"] for q in msg["quotes"]]
    expect(got == symbols, f"symbols {got}, want {symbols}")
    for q in msg["quotes"]:
        expect(isinstance(q["price"], (int, float)) and q["price"] > 0, f"price {q}")
        expect(isinstance(q["change"], (int, float)), f"change {q}")


async def http_page(base):
    def fetch():
        with urllib.request.urlopen(base, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()

    status, kind, page = await asyncio.to_thread(fetch)
    expect(status == 200 and kind.startswith("text/html"), f"{status} {kind}")
    expect("/stock_info/?encoding=" in page, "the page does not open /stock_info/")
    external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|<link""", page)
    expect(not external, f"external references: {external}")
    return f"{len(page)} bytes, self-contained"


async def tornado_text(url):
    conn = await tornado.websocket.websocket_connect(url)
    try:
        hello = json.loads(await conn.read_message())
        expect(hello["type"] == "hello" and hello["encoding"] == "text", f"hello {hello}")
        expect([s["symbol"] for s in hello["stocks"]] == SYMBOLS, "hello symbols")
        expect(all(len(s["history"]) >= 60 for s in hello["stocks"]), "hello history")
        start = time.monotonic()
        times = []
        for _ in range(8):
            msg = json.loads(await conn.read_message())
            check_quotes(msg, SYMBOLS)
            times.append(msg["time"])
        elapsed = time.monotonic() - start
        expect(times == sorted(times), "quote times go backwards")
        expect(1.0 < elapsed < 4.0, f"8 ticks took {elapsed:.2f} s, want about 2 s")
        return f"hello + 8 ticks of 6 quotes in {elapsed:.1f} s"
    finally:
        conn.close()


async def tornado_subscribe(url):
    conn = await tornado.websocket.websocket_connect(url)

    async def answer():
        while True:
            msg = json.loads(await conn.read_message())
            if msg["type"] != "quotes":
                return msg

    try:
        await conn.read_message()  # hello
        await conn.write_message(json.dumps({"subscribe": ["ACME", "hool", "NOPE"]}))
        ack = await answer()
        expect(
            ack == {"type": "subscribed", "symbols": ["ACME", "HOOL"], "unknown": ["NOPE"]},
            f"ack {ack}",
        )
        for _ in range(4):
            check_quotes(json.loads(await conn.read_message()), ["ACME", "HOOL"])
        await conn.write_message(json.dumps({"subscribe": []}))
        expect((await answer())["symbols"] == [], "empty subscription")
        try:
            extra = await asyncio.wait_for(conn.read_message(), 1.0)
            raise AssertionError(f"quotes after unsubscribing everything: {extra}")
        except asyncio.TimeoutError:
            pass
        await conn.write_message(json.dumps({"subscribe": ["*"]}))
        expect((await answer())["symbols"] == SYMBOLS, "subscribe *")
        check_quotes(json.loads(await conn.read_message()), SYMBOLS)
        await conn.write_message("buy everything")
        error = await answer()
        expect(error["type"] == "error", f"bad command answered {error}")
        return "filter, [], [*], bad command"
    finally:
        conn.close()


async def binary_feed(url):
    async with connect(url) as ws:
        hello = json.loads(await ws.recv())
        expect(hello["encoding"] == "binary", f"hello {hello}")
        for _ in range(4):
            data = await ws.recv()
            expect(isinstance(data, bytes), f"got text {data!r}")
            kind, millis, count = struct.unpack_from(">BQB", data)
            expect(kind == 1 and count == 6, f"kind {kind} count {count}")
            expect(abs(millis / 1000 - time.time()) < 60, f"time {millis}")
            at, symbols = 10, []
            for _ in range(count):
                n = data[at]
                symbols.append(data[at + 1 : at + 1 + n].decode())
                price, _change = struct.unpack_from(">Ii", data, at + 1 + n)
                expect(price > 0, f"price {price}")
                at += 1 + n + 8
            expect(symbols == SYMBOLS and at == len(data), f"symbols {symbols}, {len(data)} bytes")
        return f"{len(data)}-byte messages decoded"


async def refused(url, status, text, **kwargs):
    try:
        async with connect(url, **kwargs):
            pass
    except InvalidStatus as e:
        body = e.response.body.decode(errors="replace")
        expect(e.response.status_code == status, f"status {e.response.status_code}")
        expect(text in body, f"body {body!r}")
        return f"{status}: {body.strip()}"
    raise AssertionError("the upgrade was accepted")


async def same_origin(url, origin):
    async with connect(url, origin=origin) as ws:
        json.loads(await ws.recv())
    return f"Origin {origin}"


def raw_upgrade(port, rcvbuf=None):
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /stock_info/?encoding=text HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        expect(chunk, "closed during the handshake")
        head += chunk
    expect(head.startswith(b"HTTP/1.1 101"), f"answer {head[:40]!r}")
    return sock


def read_frames(sock, deadline):
    """Yields (opcode, payload) until EOF or the deadline; never answers anything."""
    buf = b""
    while time.monotonic() < deadline:
        while True:
            if len(buf) < 2:
                break
            n, at = buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, at = struct.unpack_from(">H", buf, 2)[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, at = struct.unpack_from(">Q", buf, 2)[0], 10
            if len(buf) < at + n:
                break
            yield buf[0] & 0x0F, buf[at : at + n]
            buf = buf[at + n :]
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, TimeoutError):
            continue
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            yield None, b""  # EOF
            return
        buf += chunk


async def dead_client(port):
    def run():
        sock = raw_upgrade(port)
        start = time.monotonic()
        pinged = close = None
        try:
            for opcode, payload in read_frames(sock, start + 10):
                if opcode == 0x9 and pinged is None:
                    pinged = time.monotonic() - start
                elif opcode == 0x8:
                    close = struct.unpack_from(">H", payload)[0] if len(payload) >= 2 else None
                elif opcode is None:
                    elapsed = time.monotonic() - start
                    expect(pinged is not None, "EOF without a ping")
                    return f"pinged after {pinged:.1f} s, Close {close}, dropped after {elapsed:.1f} s"
        finally:
            sock.close()
        raise AssertionError(f"still connected after 10 s (pinged: {pinged})")

    return await asyncio.to_thread(run)


async def idle_kept_alive(url):
    async with connect(url) as ws:  # websockets answers pings
        await ws.recv()
        await ws.send(json.dumps({"subscribe": []}))
        while json.loads(await ws.recv())["type"] != "subscribed":
            pass
        await asyncio.sleep(3.5 * KEEPALIVE_MS / 1000)
        await ws.send(json.dumps({"subscribe": ["ACME"]}))
        while json.loads(await ws.recv())["type"] != "subscribed":
            pass
    return f"idle {3.5 * KEEPALIVE_MS / 1000:.1f} s, still open"


async def slow_client(port, url):
    stalled = await asyncio.to_thread(raw_upgrade, port, 4096)  # never reads again
    try:
        async with connect(url) as ws:
            await ws.recv()
            start = time.monotonic()
            count = 0
            while time.monotonic() - start < 3:
                await ws.recv()
                count += 1
            expect(count >= 8, f"only {count} ticks in 3 s beside a stalled client")
            return f"{count} ticks in 3 s beside a client that never reads"
    finally:
        stalled.close()


async def shutdown(proc, url, port):
    clients = [await connect(url), await connect(url.replace("text", "binary"))]
    codes = []
    proc.send_signal(signal.SIGTERM)
    for ws in clients:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except ConnectionClosed as e:
            codes.append((e.rcvd.code, e.rcvd.reason) if e.rcvd else None)
    expect(codes == [(1001, "server shutting down")] * 2, f"closes {codes}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            await asyncio.sleep(0.1)
        except OSError:
            return "both clients got 1001 \"server shutting down\", port released"
    raise AssertionError("still listening 10 s after SIGTERM")


async def main(binary):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The server's own log: $TICKER_LOG (run.sh shows it when a check fails).
    log = open(os.environ.get("TICKER_LOG", os.devnull), "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [binary, f"127.0.0.1:{port}", "--keepalive-ms", str(KEEPALIVE_MS)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        base = f"http://127.0.0.1:{port}/"
        url = f"ws://127.0.0.1:{port}/stock_info/?encoding=text"
        p = "stock_ticker: "
        await check(p + "GET / serves the page", http_page(base))
        await check(p + "tornado client: hello, then JSON quotes 4 times a second", tornado_text(url))
        await check(p + "tornado client: {\"subscribe\": [...]} filters", tornado_subscribe(url))
        await check(p + "websockets client: ?encoding=binary", binary_feed(url.replace("text", "binary")))
        await check(
            p + "unknown encoding refused in the handshake",
            refused(url.replace("text", "xml"), 400, "unknown encoding"),
        )
        await check(
            p + "foreign Origin refused",
            refused(url, 403, "origin", origin="http://evil.example"),
        )
        await check(p + "same-host Origin accepted", same_origin(url, f"http://127.0.0.1:{port}"))
        await check(
            p + "unknown path refused", refused(url.replace("/stock_info/", "/nope"), 404, "no stream")
        )
        await check(p + "keepalive drops a client that never answers pings", dead_client(port))
        await check(p + "keepalive keeps an idle, answering client", idle_kept_alive(url))
        await check(p + "a stalled client does not slow the others", slow_client(port, url))
        await check(p + "SIGTERM closes every client with 1001", shutdown(proc, url, port))
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1]))
    sys.exit(1 if FAILURES else 0)
