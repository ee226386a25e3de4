"""The interop scenario, shared by the Python peers (Tornado and websockets).

As a client, `run_client(label, adapter, url)` runs the same checks as
examples/interop_client.rs against a server that speaks the protocol of
examples/interop_server.rs: echo, `chat.v2` preferred over `chat.v1`, and the `cmd:`
commands. Every check prints `PASS label: check` or `FAIL label: check: why`.

An adapter connects and wraps one connection:

    conn = await adapter.connect(url, subprotocols)
    conn.subprotocol                 # agreed, or None
    await conn.send(str | bytes)
    await conn.recv()                # str | bytes; raises Closed(code, reason) at the end
    await conn.ping(payload) -> bytes  # the pong's payload
    await conn.close(code, reason) -> (code, reason) of the reply, once closed
"""

import asyncio

WAIT = 10.0


class Closed(Exception):
    def __init__(self, code, reason):
        super().__init__(f"closed {code} {reason!r}")
        self.code = code
        self.reason = reason


def describe(value):
    if isinstance(value, (str, bytes)) and len(value) > 60:
        kind = "text" if isinstance(value, str) else "binary"
        return f"{kind} of {len(value)} bytes"
    return repr(value)


def pattern(n):
    return bytes((i * 7 + i // 251) & 0xFF for i in range(n))


def text_pattern(n):
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return (alphabet * (n // len(alphabet) + 1))[:n]


class Report:
    def __init__(self, label):
        self.label = label
        self.failures = 0

    async def check(self, name, coro):
        try:
            await asyncio.wait_for(coro, WAIT * 2)
            print(f"PASS {self.label}: {name}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self.failures += 1
            why = str(e) or type(e).__name__
            print(f"FAIL {self.label}: {name}: {why}", flush=True)


async def run_client(label, adapter, url):
    report = Report(label)
    conn = None

    async def handshake():
        nonlocal conn
        conn = await adapter.connect(url, ["bogus", "chat.v1", "chat.v2"])
        if conn.subprotocol != "chat.v2":
            raise AssertionError(f"agreed {conn.subprotocol!r}, want chat.v2")
        await conn.send("cmd:subprotocol")
        server_side = await asyncio.wait_for(conn.recv(), WAIT)
        if server_side != "chat.v2":
            raise AssertionError(f"the server says {server_side!r}")

    await report.check("handshake, subprotocol chat.v2 selected by both sides", handshake())
    if conn is None:
        return report.failures

    async def echo(message):
        await conn.send(message)
        got = await asyncio.wait_for(conn.recv(), WAIT)
        if type(got) is not type(message) or got != message:
            raise AssertionError(f"got {describe(got)}")

    messages = [
        ("text", "Hello, interop"),
        ("utf-8 text", "κόσμε · 你好 · 🌍"),
        ("empty text", ""),
        ("empty binary", b""),
        ("binary 0..=255", bytes(range(256))),
    ]
    messages += [(f"binary {n} bytes", pattern(n)) for n in (125, 126, 65535, 65536, 1 << 20)]
    messages += [(f"text {n} bytes", text_pattern(n)) for n in (65536, 1 << 20)]
    for name, message in messages:
        await report.check(f"echo {name}", echo(message))

    async def client_ping():
        pong = await asyncio.wait_for(conn.ping(b"client-ping-17"), WAIT)
        if pong != b"client-ping-17":
            raise AssertionError(f"pong {pong!r}")

    await report.check("ping answered by a pong with the same payload", client_ping())

    async def server_ping():
        await conn.send("cmd:ping:server-ping-42")
        got = await asyncio.wait_for(conn.recv(), WAIT)
        if got != "pong:server-ping-42":
            raise AssertionError(f"got {describe(got)}")

    await report.check("server ping answered by our pong", server_ping())

    async def close_normal():
        await asyncio.wait_for(conn.close(1000, "scenario done"), WAIT)

    await report.check("close 1000 after the messages", close_normal())

    async def no_subprotocol():
        c = await adapter.connect(url, [])
        try:
            if c.subprotocol is not None:
                raise AssertionError(f"agreed {c.subprotocol!r} though none was offered")
        finally:
            await asyncio.wait_for(c.close(1000, ""), WAIT)

    await report.check("no subprotocol offered, none agreed", no_subprotocol())

    async def server_close():
        c = await adapter.connect(url, [])
        await c.send("cmd:close:4002:server bye")
        try:
            got = await asyncio.wait_for(c.recv(), WAIT)
        except Closed as closed:
            if (closed.code, closed.reason) != (4002, "server bye"):
                raise AssertionError(f"closed with {closed.code} {closed.reason!r}") from None
            return
        raise AssertionError(f"got {describe(got)} instead of a Close")

    await report.check('server closes with 4002 "server bye"', server_close())

    async def client_close():
        c = await adapter.connect(url, [])
        code, _ = await asyncio.wait_for(c.close(4001, "client bye"), WAIT)
        if code != 4001:
            raise AssertionError(f"close reply {code}")
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            q = await adapter.connect(url, [])
            await q.send("cmd:last-close")
            got = await asyncio.wait_for(q.recv(), WAIT)
            await asyncio.wait_for(q.close(1000, ""), WAIT)
            if got == "4001 client bye":
                return
            if loop.time() - start > 3:
                raise AssertionError(f"server saw {got!r}")
            await asyncio.sleep(0.1)

    await report.check('client closes with 4001 "client bye", server saw both', client_close())
    return report.failures


class LastClose:
    """What a peer server remembers for `cmd:last-close`."""

    value = ""

    @classmethod
    def record(cls, code, reason):
        cls.value = f"{'' if code is None else code} {reason or ''}"


def select_subprotocol(offered):
    for choice in ("chat.v2", "chat.v1"):
        if choice in offered:
            return choice
    return None


def parse_command(text):
    """`cmd:...` -> (name, arg, arg2), or None for a plain message."""
    if not text.startswith("cmd:"):
        return None
    rest = text[4:]
    if rest.startswith("close:"):
        code, _, reason = rest[6:].partition(":")
        return ("close", int(code), reason)
    if rest.startswith("ping:"):
        return ("ping", rest[5:], None)
    return (rest, None, None)
