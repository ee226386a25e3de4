// Node's `ws` package as the interop peer.
//
//   node ws_peer.js client ws://127.0.0.1:PORT/ LABEL   run the scenario of scenario.py
//   node ws_peer.js server                              serve it; prints the URL
//
// `ws` is resolved from NODE_PATH (run.sh installs it outside the repository).
"use strict";

const { WebSocket, WebSocketServer } = require("ws");

const WAIT = 10000;
let failures = 0;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// One connection, with a queue of incoming events.
class Conn {
  constructor(ws) {
    this.ws = ws;
    this.events = [];
    this.waiters = [];
    ws.on("message", (data, isBinary) => this.push({ kind: "message", data: isBinary ? Buffer.from(data) : data.toString("utf8"), isBinary }));
    ws.on("pong", (data) => this.push({ kind: "pong", data: Buffer.from(data) }));
    ws.on("close", (code, reason) => this.push({ kind: "close", code, reason: reason.toString("utf8") }));
    ws.on("error", (error) => this.push({ kind: "error", error }));
  }
  push(event) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(event); else this.events.push(event);
  }
  next() {
    if (this.events.length) return Promise.resolve(this.events.shift());
    return withTimeout(new Promise((resolve) => this.waiters.push(resolve)), WAIT, "waiting");
  }
  async recv() {
    const event = await this.next();
    if (event.kind === "message") return event;
    if (event.kind === "close") { const e = new Error(`closed ${event.code} ${JSON.stringify(event.reason)}`); e.close = event; throw e; }
    if (event.kind === "error") throw event.error;
    throw new Error(`unexpected ${event.kind}`);
  }
  send(data, binary) {
    return new Promise((resolve, reject) => this.ws.send(data, { binary }, (err) => (err ? reject(err) : resolve())));
  }
  async closeWith(code, reason) {
    this.ws.close(code, reason);
    for (;;) {
      const event = await this.next();
      if (event.kind === "close") return event;
    }
  }
}

function connect(url, protocols) {
  return withTimeout(new Promise((resolve, reject) => {
    const ws = protocols.length ? new WebSocket(url, protocols, { maxPayload: 64 << 20 }) : new WebSocket(url, { maxPayload: 64 << 20 });
    const conn = new Conn(ws);
    ws.once("open", () => resolve(conn));
    ws.once("error", reject);
  }), WAIT, "connect");
}

function describe(value) {
  if (typeof value === "string") return value.length > 60 ? `text of ${value.length} bytes` : JSON.stringify(value);
  if (Buffer.isBuffer(value)) return value.length > 16 ? `binary of ${value.length} bytes` : `binary ${value.toString("hex")}`;
  return String(value);
}

async function check(label, name, fn) {
  try {
    await withTimeout(fn(), 2 * WAIT, name);
    console.log(`PASS ${label}: ${name}`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${label}: ${name}: ${e.message}`);
  }
}

function pattern(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + Math.floor(i / 251)) & 0xff;
  return b;
}

function textPattern(n) {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return alphabet.repeat(Math.ceil(n / alphabet.length)).slice(0, n);
}

async function runClient(url, label) {
  let conn = null;
  await check(label, "handshake, subprotocol chat.v2 selected by both sides", async () => {
    conn = await connect(url, ["bogus", "chat.v1", "chat.v2"]);
    if (conn.ws.protocol !== "chat.v2") throw new Error(`agreed ${JSON.stringify(conn.ws.protocol)}, want chat.v2`);
    await conn.send("cmd:subprotocol", false);
    const got = await conn.recv();
    if (got.data !== "chat.v2") throw new Error(`the server says ${describe(got.data)}`);
  });
  if (!conn) return;
  const messages = [
    ["text", "Hello, interop"],
    ["utf-8 text", "κόσμε · 你好 · 🌍"],
    ["empty text", ""],
    ["empty binary", Buffer.alloc(0)],
    ["binary 0..=255", Buffer.from([...Array(256).keys()])],
    ...[125, 126, 65535, 65536, 1 << 20].map((n) => [`binary ${n} bytes`, pattern(n)]),
    ...[65536, 1 << 20].map((n) => [`text ${n} bytes`, textPattern(n)]),
  ];
  for (const [name, message] of messages) {
    await check(label, `echo ${name}`, async () => {
      const binary = Buffer.isBuffer(message);
      await conn.send(message, binary);
      const got = await conn.recv();
      const same = binary ? got.isBinary && Buffer.compare(got.data, message) === 0 : !got.isBinary && got.data === message;
      if (!same) throw new Error(`got ${describe(got.data)}`);
    });
  }
  await check(label, "ping answered by a pong with the same payload", async () => {
    conn.ws.ping(Buffer.from("client-ping-17"));
    const event = await conn.next();
    if (event.kind !== "pong" || event.data.toString() !== "client-ping-17") throw new Error(`got ${event.kind} ${describe(event.data)}`);
  });
  await check(label, "server ping answered by our pong", async () => {
    await conn.send("cmd:ping:server-ping-42", false);
    const got = await conn.recv();
    if (got.data !== "pong:server-ping-42") throw new Error(`got ${describe(got.data)}`);
  });
  await check(label, "close 1000 after the messages", async () => {
    const event = await conn.closeWith(1000, "scenario done");
    if (event.code !== 1000) throw new Error(`closed with ${event.code}`);
  });
  await check(label, "no subprotocol offered, none agreed", async () => {
    const c = await connect(url, []);
    const agreed = c.ws.protocol;
    await c.closeWith(1000, "");
    if (agreed !== "") throw new Error(`agreed ${JSON.stringify(agreed)} though none was offered`);
  });
  await check(label, 'server closes with 4002 "server bye"', async () => {
    const c = await connect(url, []);
    await c.send("cmd:close:4002:server bye", false);
    try {
      const got = await c.recv();
      throw new Error(`got ${describe(got.data)} instead of a Close`);
    } catch (e) {
      if (!e.close) throw e;
      if (e.close.code !== 4002 || e.close.reason !== "server bye") throw new Error(`closed with ${e.close.code} ${JSON.stringify(e.close.reason)}`);
    }
  });
  await check(label, 'client closes with 4001 "client bye", server saw both', async () => {
    const c = await connect(url, []);
    const event = await c.closeWith(4001, "client bye");
    if (event.code !== 4001) throw new Error(`close reply ${event.code}`);
    const start = Date.now();
    for (;;) {
      const q = await connect(url, []);
      await q.send("cmd:last-close", false);
      const got = await q.recv();
      await q.closeWith(1000, "");
      if (got.data === "4001 client bye") return;
      if (Date.now() - start > 3000) throw new Error(`server saw ${describe(got.data)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

function serve() {
  let lastClose = "";
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    maxPayload: 64 << 20,
    handleProtocols: (offered) => (offered.has("chat.v2") ? "chat.v2" : offered.has("chat.v1") ? "chat.v1" : false),
  });
  wss.on("listening", () => console.log(`listening on ws://127.0.0.1:${wss.address().port}/`));
  wss.on("connection", (ws) => {
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? null : data.toString("utf8");
      if (text === null || !text.startsWith("cmd:")) { ws.send(data, { binary: isBinary }); return; }
      const command = text.slice(4);
      if (command.startsWith("close:")) {
        const rest = command.slice(6);
        const colon = rest.indexOf(":");
        ws.close(Number(colon < 0 ? rest : rest.slice(0, colon)), colon < 0 ? "" : rest.slice(colon + 1));
      } else if (command.startsWith("ping:")) {
        ws.ping(Buffer.from(command.slice(5)));
      } else if (command === "last-close") {
        ws.send(lastClose);
      } else if (command === "subprotocol") {
        ws.send(ws.protocol);
      } else {
        ws.send(`unknown command ${JSON.stringify(command)}`);
      }
    });
    ws.on("pong", (data) => ws.send("pong:" + data.toString()));
    ws.on("close", (code, reason) => { lastClose = `${code} ${reason.toString()}`; });
  });
}

const [mode, url, label] = process.argv.slice(2);
if (mode === "client" && url && label) {
  runClient(url, label).then(() => process.exit(failures ? 1 : 0), (e) => { console.log(`FAIL ${label}: ${e.message}`); process.exit(1); });
} else if (mode === "server") {
  serve();
} else {
  console.error("usage: node ws_peer.js client URL LABEL | server");
  process.exit(2);
}
