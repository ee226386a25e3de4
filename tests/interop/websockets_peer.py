"""Python `websockets` (asyncio implementation) as the interop peer.

    python websockets_peer.py client ws://127.0.0.1:PORT/ LABEL   run the scenario
    python websockets_peer.py server                              serve it; prints the URL
"""

import asyncio
import sys

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
from scenario import Closed, LastClose, parse_command, run_client, select_subprotocol


class WebsocketsConnection:
    def __init__(self, ws):
        self.ws = ws

    @property
    def subprotocol(self):
        return self.ws.subprotocol

    async def send(self, message):
        await self.ws.send(message)

    async def recv(self):
        try:
            return await self.ws.recv()
        except ConnectionClosed as e:
            rcvd = e.rcvd
            raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None

    async def ping(self, payload):
        # The waiter resolves only on a pong carrying this payload.
        waiter = await self.ws.ping(payload)
        await waiter
        return payload

    async def close(self, code, reason):
        await self.ws.close(code, reason)
        return self.ws.close_code, self.ws.close_reason


class WebsocketsAdapter:
    async def connect(self, url, subprotocols):
        ws = await connect(url, subprotocols=subprotocols or None, max_size=None)
        if subprotocols and not getattr(self, "reported", False):
            # websockets offers permessage-deflate by default; our server must accept it.
            self.reported = True
            agreed = ws.response.headers.get("Sec-WebSocket-Extensions") or ""
            verdict = "PASS" if agreed.startswith("permessage-deflate") else "FAIL"
            why = "" if verdict == "PASS" else f": answered {agreed!r}"
            print(f"{verdict} {sys.argv[3]}: permessage-deflate negotiated{why}", flush=True)
        return WebsocketsConnection(ws)


async def report_pong(ws, waiter, payload):
    try:
        await waiter
        await ws.send("pong:" + payload)
    except ConnectionClosed:
        pass


async def handler(ws):
    tasks = set()
    try:
        async for message in ws:
            command = parse_command(message) if isinstance(message, str) else None
            if command is None:
                await ws.send(message)
                continue
            name, arg, arg2 = command
            if name == "close":
                await ws.close(arg, arg2)
            elif name == "ping":
                waiter = await ws.ping(arg.encode())
                task = asyncio.create_task(report_pong(ws, waiter, arg))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            elif name == "last-close":
                await ws.send(LastClose.value)
            elif name == "subprotocol":
                await ws.send(ws.subprotocol or "")
    except ConnectionClosed:
        pass
    LastClose.record(ws.close_code, ws.close_reason)


async def serve():
    async with ws_serve(
        handler,
        "127.0.0.1",
        0,
        select_subprotocol=lambda _conn, offered: select_subprotocol(offered),
        max_size=None,
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"listening on ws://127.0.0.1:{port}/", flush=True)
        await asyncio.Event().wait()


def main():
    if sys.argv[1:2] == ["client"] and len(sys.argv) == 4:
        failures = asyncio.run(run_client(sys.argv[3], WebsocketsAdapter(), sys.argv[2]))
        sys.exit(1 if failures else 0)
    if sys.argv[1:] == ["server"]:
        asyncio.run(serve())
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
