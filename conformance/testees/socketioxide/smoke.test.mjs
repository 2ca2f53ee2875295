// Smoke test of the socketioxide testee: starts the release binary as a child process and checks
// the TESTEE1 behaviours with the official socket.io client, over WebSocket and over HTTP
// long-polling, on "/" and "/custom", plus the places where socketioxide differs from the
// reference (disconnect reasons, CONNECT_ERROR without data, close-me). Every wait is bounded, so
// a misbehaving server makes the test fail, never hang.
//
// Build first (`bash run.sh --install-only`), install the client (`npm ci`), then `node --test`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { io, Manager } from "socket.io-client";

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, "target", "release", "socketioxide-testee");
const WAIT = 2000; // ms, upper bound of any single wait
const QUIET = 150; // ms during which an event must NOT arrive
const NAMESPACES = ["/", "/custom"];
const TRANSPORTS = [["websocket"], ["polling"]];
const FEATURES = [
  "core",
  "server-ack",
  "broadcast",
  "rooms",
  "targeted",
  "lifecycle",
  "connect-error",
];
// socketioxide's DisconnectReason strings (its Display implementation), not the reference's.
const REASON_CLIENT_NS = "client has manually disconnected the socket from the namespace";
const REASON_SERVER_NS = "socket was forcefully disconnected from the namespace";

let server; // child process
let baseUrl; // http://127.0.0.1:<port>
let sioPath; // /socket.io/
let stdoutAfterLine = ""; // anything the server prints after the listening line (must stay empty)
const openSockets = new Set();

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the arguments of the next `event` on `socket`. */
function next(socket, event, ms = WAIT) {
  let handler;
  const p = new Promise((resolve) => {
    handler = (...args) => resolve(args);
    socket.once(event, handler);
  });
  return withTimeout(p, ms, `"${event}"`).finally(() => socket.off(event, handler));
}

/** Resolves with the reason of the `peer-disconnect` about `id` seen by `watcher` (others ignored). */
function peerGone(watcher, id, ms = WAIT) {
  let handler;
  const p = new Promise((resolve) => {
    handler = (leftId, reason) => {
      if (leftId === id) resolve(reason);
    };
    watcher.on("peer-disconnect", handler);
  });
  return withTimeout(p, ms, `"peer-disconnect" about ${id}`).finally(() =>
    watcher.off("peer-disconnect", handler),
  );
}

/** Resolves if `event` does NOT arrive on `socket` within `ms`, rejects if it does. */
function nothing(socket, event, ms = QUIET) {
  return new Promise((resolve, reject) => {
    const handler = (...args) => {
      clearTimeout(timer);
      reject(new Error(`unexpected "${event}" ${JSON.stringify(args)}`));
    };
    const timer = setTimeout(() => {
      socket.off(event, handler);
      resolve();
    }, ms);
    socket.once(event, handler);
  });
}

/** Emits with an acknowledgement, resolves with the ack arguments. */
function ack(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(WAIT).emit(event, ...args, (err, ...res) => (err ? reject(err) : resolve(res)));
  });
}

/** Binary values come back as Buffer (or ArrayBuffer in some paths): compare them as Buffers. */
function norm(value) {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(norm);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, norm(v)]));
  }
  return value;
}

const opts = (transports, extra = {}) => ({
  transports,
  forceNew: true,
  reconnection: false,
  timeout: WAIT,
  path: sioPath,
  ...extra,
});

/** Connects a socket to `nsp`, resolves once connected (with the `auth` event's args). */
async function connect(nsp, transports, extra = {}) {
  const socket = io(baseUrl + nsp, opts(transports, extra));
  openSockets.add(socket);
  const authEvent = next(socket, "auth");
  await Promise.race([
    next(socket, "connect"),
    next(socket, "connect_error").then(([err]) => {
      throw new Error(`connect_error on ${nsp}: ${err?.message}`);
    }),
  ]);
  const [auth] = await authEvent;
  return { socket, auth };
}

function close(...sockets) {
  for (const s of sockets) {
    s.disconnect();
    openSockets.delete(s);
  }
}

const BYTES = () => Buffer.from([0, 1, 2, 253, 254, 255]);

/** Starts a server child process; resolves with { child, baseUrl, path, rest } once it listens. */
async function startServer(env = {}) {
  const child = spawn(BIN, [], {
    cwd: HERE,
    env: { ...process.env, PORT: "0", DEBUG_TESTEE: "", ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const state = { child, rest: "" };
  const line = await withTimeout(
    new Promise((resolve, reject) => {
      let buf = "";
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk) => {
        buf += chunk;
        const nl = buf.indexOf("\n");
        if (nl >= 0) {
          resolve(buf.slice(0, nl));
          state.rest = buf.slice(nl + 1);
          child.stdout.removeAllListeners("data");
          child.stdout.on("data", (more) => {
            state.rest += more;
          });
        }
      });
      child.once("exit", (code) => reject(new Error(`server exited early (code ${code})`)));
      child.once("error", reject);
    }),
    5000,
    "the listening line",
  );
  const m = /^listening (http:\/\/127\.0\.0\.1:(\d+))(\/\S*)$/.exec(line);
  assert.ok(m, `bad listening line: ${JSON.stringify(line)}`);
  state.baseUrl = m[1];
  state.path = m[3];
  return state;
}

/** Stops a child: SIGTERM, then SIGKILL after 2 s. Resolves with [code, signal]. */
async function stopServer(child, signal = "SIGTERM") {
  if (child.exitCode !== null || child.signalCode !== null) return [child.exitCode, child.signalCode];
  const exited = new Promise((resolve) => child.once("exit", (code, sig) => resolve([code, sig])));
  child.kill(signal);
  try {
    return await withTimeout(exited, 2000, "server exit");
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
}

let main; // { child, baseUrl, path, rest }

before(async () => {
  assert.ok(existsSync(BIN), `build the testee first: bash run.sh --install-only (${BIN} missing)`);
  main = await startServer();
  server = main.child;
  baseUrl = main.baseUrl;
  sioPath = main.path;
  assert.equal(sioPath, "/socket.io/");
});

after(async () => {
  for (const s of openSockets) s.disconnect();
  openSockets.clear();
  if (server) await stopServer(server).catch(() => {});
});

// ---------------------------------------------------------------------------------------------
// raw Engine.IO long-polling (to see what the official client hides)
// ---------------------------------------------------------------------------------------------

/** A minimal EIO4 polling session: send() posts packets, recv() polls once. */
async function rawPolling() {
  const url = `${baseUrl}${sioPath}?EIO=4&transport=polling`;
  const hs = await withTimeout(fetch(url), WAIT, "raw handshake");
  const body = await hs.text();
  assert.equal(body[0], "0", body);
  const { sid } = JSON.parse(body.slice(1));
  const sessionUrl = `${url}&sid=${encodeURIComponent(sid)}`;
  return {
    sid,
    async send(...packets) {
      const res = await withTimeout(
        fetch(sessionUrl, { method: "POST", body: packets.join("\x1e") }),
        WAIT,
        "raw POST",
      );
      return [res.status, await res.text()];
    },
    async recv() {
      const res = await withTimeout(fetch(sessionUrl), WAIT, "raw GET");
      const text = await res.text();
      return [res.status, text.split("\x1e")];
    },
  };
}

/** Polls until `done(seen)` holds for the packets seen so far (pings are answered); returns them. */
async function pollUntil(raw, done, what, ms = WAIT) {
  const seen = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const [status, packets] = await raw.recv();
    assert.equal(status, 200, `poll status ${status}: ${packets}`);
    seen.push(...packets);
    if (packets.includes("2")) await raw.send("3");
    if (done(seen)) return seen;
  }
  throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen)}`);
}

// ---------------------------------------------------------------------------------------------
// tests
// ---------------------------------------------------------------------------------------------

test("handshake uses the fast configuration; EIO3 refused by default", async () => {
  const res = await withTimeout(fetch(`${baseUrl}${sioPath}?EIO=4&transport=polling`), WAIT, "handshake");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  const body = await res.text();
  assert.equal(body[0], "0", body);
  const hs = JSON.parse(body.slice(1));
  assert.equal(typeof hs.sid, "string");
  assert.equal(hs.pingInterval, 300);
  assert.equal(hs.pingTimeout, 200);
  assert.equal(hs.maxPayload, 1000000);
  assert.deepEqual(hs.upgrades, ["websocket"]);

  const v3 = await withTimeout(fetch(`${baseUrl}${sioPath}?EIO=3&transport=polling`), WAIT, "EIO3");
  assert.equal(v3.status, 400);
  assert.deepEqual(JSON.parse(await v3.text()), { code: "5", message: "Unsupported protocol version" });
});

test("ALLOW_EIO3=1 serves Engine.IO v3 / Socket.IO v4 clients", { timeout: 10000 }, async () => {
  const s = await startServer({ ALLOW_EIO3: "1" });
  try {
    const res = await withTimeout(fetch(`${s.baseUrl}${s.path}?EIO=3&transport=polling`), WAIT, "EIO3");
    assert.equal(res.status, 200);
    const body = await res.text();
    // EIO3 polling framing: <length>:<packet>; the open packet comes first
    const m = /^(\d+):0(\{.*?\})/.exec(body);
    assert.ok(m, body);
    const hs = JSON.parse(m[2]);
    assert.equal(hs.pingInterval, 300);
    assert.equal(hs.pingTimeout, 200);
  } finally {
    await stopServer(s.child);
  }
});

for (const transports of TRANSPORTS) {
  for (const nsp of NAMESPACES) {
    const other = nsp === "/" ? "/custom" : "/";
    const label = `${transports[0]} ${nsp}`;

    test(`${label}: auth, echo, ack, features`, { timeout: 10000 }, async () => {
      const { socket: a, auth } = await connect(nsp, transports, { auth: { token: "123", n: [1, 2.5] } });
      assert.deepEqual(auth, { token: "123", n: [1, 2.5] });

      const { socket: b, auth: none } = await connect(nsp, transports);
      assert.deepEqual(none, {});

      // CORE-003 with binary, nested binary and several arguments
      const args = [1, "2", { 3: [true, null] }, BYTES(), { nested: BYTES() }, [BYTES(), 2]];
      const back = next(a, "message-back");
      a.emit("message", ...args);
      assert.deepEqual(norm(await back), args);
      await nothing(b, "message-back");

      // no arguments at all
      const empty = next(a, "message-back");
      a.emit("message");
      assert.deepEqual(await empty, []);

      // CORE-004 with binary
      assert.deepEqual(norm(await ack(a, "message-with-ack", 1, "2", BYTES())), [1, "2", BYTES()]);
      assert.deepEqual(await ack(a, "message-with-ack"), []);

      // ack-based events without an ack: nothing happens, the server keeps working
      a.emit("message-with-ack", 1);
      a.emit("features");
      a.emit("join", "no-ack-room");
      a.emit("watch");

      // CORE-005
      assert.deepEqual(await ack(a, "features"), [FEATURES]);
      assert.ok(a.connected);
      close(a, b);
    });

    test(`${label}: server acks (ACK)`, { timeout: 10000 }, async () => {
      const { socket: a } = await connect(nsp, transports);

      const asked = next(a, "emit-with-ack");
      a.emit("emit-with-ack", "q", 7, BYTES());
      const got = await asked;
      const reply = got.pop();
      assert.equal(typeof reply, "function", "server must request an ack");
      assert.deepEqual(norm(got), ["q", 7, BYTES()]);
      const result = next(a, "emit-with-ack-result");
      reply("r", BYTES(), { x: [1] });
      assert.deepEqual(norm(await result), ["r", BYTES(), { x: [1] }]);

      // an ack without arguments
      const asked2 = next(a, "emit-with-ack");
      a.emit("emit-with-ack");
      const got2 = await asked2;
      assert.equal(got2.length, 1);
      const result2 = next(a, "emit-with-ack-result");
      got2[0]();
      assert.deepEqual(await result2, []);
      close(a);
    });

    test(`${label}: broadcast (BCAST)`, { timeout: 10000 }, async () => {
      const { socket: a } = await connect(nsp, transports);
      const { socket: b } = await connect(nsp, transports);
      // a socket of the other namespace on the same connection as b receives nothing
      const mux = b.io.socket(other);
      openSockets.add(mux);
      await next(mux, "connect");

      let pa = next(a, "broadcast-back");
      let pb = next(b, "broadcast-back");
      let pm = nothing(mux, "broadcast-back");
      a.emit("broadcast", 1, BYTES());
      assert.deepEqual(norm(await pa), [1, BYTES()]);
      assert.deepEqual(norm(await pb), [1, BYTES()]);
      await pm;

      pb = next(b, "broadcast-back");
      pa = nothing(a, "broadcast-back");
      pm = nothing(mux, "broadcast-back");
      a.emit("broadcast-others", "x", { y: BYTES() });
      assert.deepEqual(norm(await pb), ["x", { y: BYTES() }]);
      await pa;
      await pm;
      close(a, mux, b);
    });

    test(`${label}: rooms (ROOM)`, { timeout: 10000 }, async () => {
      const { socket: a } = await connect(nsp, transports);
      const { socket: b } = await connect(nsp, transports);
      const room = `room-${transports[0]}-${nsp}`;
      assert.deepEqual(await ack(a, "join", room), [room]);

      // sender not in the room: only a receives
      let pa = next(a, "room-back");
      let pb = nothing(b, "room-back");
      b.emit("to-room", room, 1, BYTES());
      assert.deepEqual(norm(await pa), [1, BYTES()]);
      await pb;

      // sender in the room receives too
      pa = next(a, "room-back");
      pb = nothing(b, "room-back");
      a.emit("to-room", room, "self");
      assert.deepEqual(await pa, ["self"]);
      await pb;

      // an empty room: nobody
      pa = nothing(a, "room-back");
      b.emit("to-room", "empty-room", 1);
      await pa;
      close(a, b);
    });

    test(`${label}: targeted (TGT)`, { timeout: 10000 }, async () => {
      const { socket: a } = await connect(nsp, transports);
      const { socket: b } = await connect(nsp, transports);
      const { socket: c } = await connect(nsp, transports);

      const pa = next(a, "private-back");
      const pb = nothing(b, "private-back");
      const pc = nothing(c, "private-back");
      b.emit("private", a.id, "hi", BYTES());
      assert.deepEqual(norm(await pa), [b.id, "hi", BYTES()]);
      await pb;
      await pc;

      // unknown ids (well-formed or not): nothing, nobody disconnected
      const qa = nothing(a, "private-back");
      const qb = nothing(b, "private-back");
      b.emit("private", "no-such-socket-id", 1);
      b.emit("private", "AAAAAAAAAAAAAAAA", 1);
      b.emit("private", 42, 1);
      await qa;
      await qb;
      assert.deepEqual(await ack(b, "features"), [FEATURES]);
      assert.ok(a.connected && b.connected && c.connected);
      close(a, b, c);
    });

    test(`${label}: lifecycle and server disconnects (LIFE, SDISC)`, { timeout: 10000 }, async () => {
      const { socket: w } = await connect(nsp, transports);
      const { socket: w2 } = await connect(nsp, transports);
      const { socket: bystander } = await connect(nsp, transports); // not a watcher
      assert.deepEqual(await ack(w, "watch"), []);
      assert.deepEqual(await ack(w2, "watch"), []);
      const both = (id) => Promise.all([peerGone(w, id), peerGone(w2, id)]);

      // client-side namespace disconnect
      const { socket: p1 } = await connect(nsp, transports);
      let seen = both(p1.id);
      const quiet = nothing(bystander, "peer-disconnect");
      close(p1);
      assert.deepEqual(await seen, [REASON_CLIENT_NS, REASON_CLIENT_NS]);
      await quiet;

      // SDISC-001: disconnect-me
      const { socket: p2 } = await connect(nsp, transports);
      seen = both(p2.id);
      let gone = next(p2, "disconnect");
      p2.emit("disconnect-me");
      assert.equal((await gone)[0], "io server disconnect");
      assert.deepEqual(await seen, [REASON_SERVER_NS, REASON_SERVER_NS]);
      openSockets.delete(p2);

      // SDISC-001: the Engine.IO connection stays open when another namespace is still joined
      const { socket: p3 } = await connect(nsp, transports);
      const keep = p3.io.socket(other);
      openSockets.add(keep);
      await next(keep, "connect");
      seen = both(p3.id);
      gone = next(p3, "disconnect");
      p3.emit("disconnect-me");
      assert.equal((await gone)[0], "io server disconnect");
      assert.deepEqual(await seen, [REASON_SERVER_NS, REASON_SERVER_NS]);
      assert.deepEqual(await ack(keep, "features"), [FEATURES]);
      close(keep);
      openSockets.delete(p3);

      // close-me (best effort): a DISCONNECT on every namespace of the connection. The official
      // client then closes the Engine.IO connection itself, as it has no socket left.
      const { socket: p4 } = await connect(nsp, transports);
      const p4other = p4.io.socket(other);
      openSockets.add(p4other);
      await next(p4other, "connect");
      seen = both(p4.id);
      const goneA = next(p4, "disconnect");
      const goneB = next(p4other, "disconnect");
      p4.emit("close-me");
      assert.equal((await goneA)[0], "io server disconnect");
      assert.equal((await goneB)[0], "io server disconnect");
      assert.deepEqual(await seen, [REASON_SERVER_NS, REASON_SERVER_NS]);
      openSockets.delete(p4);
      openSockets.delete(p4other);

      // a watcher leaving: the other watcher hears about it and stays connected
      const wid = w.id;
      const seen2 = peerGone(w2, wid);
      close(w);
      assert.equal(await seen2, REASON_CLIENT_NS);
      assert.ok(w2.connected);
      close(w2, bystander);
    });
  }
}

test("raw polling: close-me sends 41 on each namespace but leaves the Engine.IO session open", { timeout: 10000 }, async () => {
  const raw = await rawPolling();
  assert.deepEqual(await raw.send("40", "40/custom,"), [200, "ok"]);
  let seen = await pollUntil(
    raw,
    (all) => all.some((p) => p.startsWith('42["auth"')) && all.some((p) => p.startsWith('42/custom,["auth"')),
    "both CONNECT answers and auth events",
  );
  const connect = seen.find((p) => p.startsWith("40{"));
  assert.ok(connect, JSON.stringify(seen));
  // the namespace socket id equals the Engine.IO sid
  assert.equal(JSON.parse(connect.slice(2)).sid, raw.sid);

  assert.deepEqual(await raw.send('42["close-me"]'), [200, "ok"]);
  seen = await pollUntil(raw, (all) => all.includes("41") && all.includes("41/custom,"), "the DISCONNECTs");
  assert.ok(!seen.includes("1"), "no Engine.IO close packet");
  // the session is still alive: a ping is answered, a new CONNECT succeeds
  assert.deepEqual(await raw.send("40"), [200, "ok"]);
  await pollUntil(raw, (all) => all.some((p) => p.startsWith("40{")), "a new CONNECT answer");
  assert.deepEqual(await raw.send("1"), [200, "ok"]);
});

for (const transports of TRANSPORTS) {
  test(`${transports[0]}: connect errors (CERR)`, { timeout: 10000 }, async () => {
    const r = io(`${baseUrl}/refuse`, opts(transports));
    openSockets.add(r);
    const [err] = await next(r, "connect_error");
    assert.equal(err.message, "refused");
    // socketioxide cannot attach data to a CONNECT_ERROR (the reference sends {code: 4242})
    assert.equal(err.data, undefined);
    close(r);

    const u = io(`${baseUrl}/nope`, opts(transports));
    openSockets.add(u);
    const [err2] = await next(u, "connect_error");
    assert.equal(err2.message, "Invalid namespace");
    close(u);

    // the Engine.IO connection stays open after a refusal: another namespace still connects
    const m = new Manager(baseUrl, opts(transports));
    const refused = m.socket("/refuse");
    const fine = m.socket("/custom");
    openSockets.add(refused);
    openSockets.add(fine);
    const refusedErr = next(refused, "connect_error");
    const fineConnect = next(fine, "connect");
    await refusedErr;
    await fineConnect;
    assert.deepEqual(await ack(fine, "features"), [FEATURES]);
    close(refused, fine);
  });
}

test("raw polling: the refusal on the wire has no data", { timeout: 10000 }, async () => {
  const raw = await rawPolling();
  await raw.send("40/refuse,");
  const seen = await pollUntil(raw, (all) => all.some((p) => p.startsWith("44/refuse,")), "the CONNECT_ERROR");
  assert.ok(seen.includes('44/refuse,{"message":"refused"}'), JSON.stringify(seen));
  await raw.send("1");
});

test("the server printed nothing after the listening line", () => {
  assert.equal(main.rest, "");
  assert.equal(server.exitCode, null, "server still running");
});

test("server exits when its stdin closes", { timeout: 10000 }, async () => {
  const s = await startServer();
  const exited = new Promise((resolve) => s.child.once("exit", (code, sig) => resolve([code, sig])));
  try {
    s.child.stdin.end();
    assert.deepEqual(await withTimeout(exited, 3000, "exit after stdin close"), [0, null]);
  } finally {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
  }
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  test(`server exits on ${signal}, also with a client connected`, { timeout: 10000 }, async () => {
    const s = await startServer();
    const sock = io(s.baseUrl, { ...opts(["websocket"]), path: s.path });
    try {
      await withTimeout(new Promise((resolve) => sock.once("connect", resolve)), WAIT, "connect");
      assert.deepEqual(await stopServer(s.child, signal), [0, null]);
      assert.equal(s.rest, "");
    } finally {
      sock.disconnect();
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
    }
  });
}
