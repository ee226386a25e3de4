"""Tornado as the interop peer.

    python tornado_peer.py client ws://127.0.0.1:PORT/ LABEL   run the scenario (scenario.py)
    python tornado_peer.py server                              serve it; prints the URL

The client uses `tornado.websocket.websocket_connect`; the server a `WebSocketHandler`
that echoes, prefers `chat.v2` over `chat.v1` (`select_subprotocol`) and runs the `cmd:`
commands of examples/interop_server.rs.
"""

import asyncio
import sys

import tornado.web
import tornado.websocket

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
from scenario import Closed, LastClose, parse_command, run_client, select_subprotocol

MAX = 64 << 20


class TornadoConnection:
    def __init__(self, ws):
        self.ws = ws
        self.pongs = asyncio.Queue()
        ws.on_pong = self.pongs.put_nowait  # WebSocketClientConnection.on_pong hook

    @property
    def subprotocol(self):
        return self.ws.selected_subprotocol

    async def send(self, message):
        await self.ws.write_message(message, binary=isinstance(message, bytes))

    async def recv(self):
        message = await self.ws.read_message()
        if message is None:
            raise Closed(self.ws.close_code, self.ws.close_reason or "")
        return message

    async def ping(self, payload):
        self.ws.ping(payload)
        return await self.pongs.get()

    async def close(self, code, reason):
        self.ws.close(code, reason)
        while await self.ws.read_message() is not None:
            pass
        return self.ws.close_code, self.ws.close_reason


class TornadoAdapter:
    async def connect(self, url, subprotocols):
        # compression_options={} turns Tornado's permessage-deflate on.
        ws = await tornado.websocket.websocket_connect(
            url, subprotocols=subprotocols or None, max_message_size=MAX, compression_options={}
        )
        if subprotocols and not getattr(self, "reported", False):
            self.reported = True
            agreed = ws.headers.get("Sec-WebSocket-Extensions") or ""
            verdict = "PASS" if agreed.startswith("permessage-deflate") else "FAIL"
            why = "" if verdict == "PASS" else f": answered {agreed!r}"
            print(f"{verdict} {sys.argv[3]}: permessage-deflate negotiated{why}", flush=True)
        return TornadoConnection(ws)


class Handler(tornado.websocket.WebSocketHandler):
    def check_origin(self, origin):
        return True

    def get_compression_options(self):
        return {}  # accept permessage-deflate when offered

    def select_subprotocol(self, subprotocols):
        return select_subprotocol(subprotocols)

    async def on_message(self, message):
        command = parse_command(message) if isinstance(message, str) else None
        if command is None:
            await self.write_message(message, binary=isinstance(message, bytes))
            return
        name, arg, arg2 = command
        if name == "close":
            self.close(arg, arg2)
        elif name == "ping":
            self.ping(arg.encode())
        elif name == "last-close":
            await self.write_message(LastClose.value)
        elif name == "subprotocol":
            await self.write_message(self.selected_subprotocol or "")

    def on_pong(self, data):
        self.write_message("pong:" + data.decode())

    def on_close(self):
        LastClose.record(self.close_code, self.close_reason)


async def serve():
    app = tornado.web.Application(
        [(r"/.*", Handler)], websocket_max_message_size=MAX
    )
    server = app.listen(0, address="127.0.0.1", max_body_size=MAX)
    port = next(iter(server._sockets.values())).getsockname()[1]
    print(f"listening on ws://127.0.0.1:{port}/", flush=True)
    await asyncio.Event().wait()


def main():
    if sys.argv[1:2] == ["client"] and len(sys.argv) == 4:
        failures = asyncio.run(run_client(sys.argv[3], TornadoAdapter(), sys.argv[2]))
        sys.exit(1 if failures else 0)
    if sys.argv[1:] == ["server"]:
        asyncio.run(serve())
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
