// Smoke test of the testee: starts server.mjs as a child process and checks every TESTEE1 behaviour
// with the official socket.io client, over WebSocket and over HTTP long-polling, on "/" and
// "/custom". Every wait is bounded, so a misbehaving server makes the test fail, never hang.
//
// Run with `node --test` from this directory.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { io, Manager } from "socket.io-client";

const HERE = dirname(fileURLToPath(import.meta.url));
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
  "server-disconnect",
  "connect-error",
  "request-refusal",
];

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

const BIN = () => Buffer.from([0, 1, 2, 253, 254, 255]);

// ---------------------------------------------------------------------------------------------
// server process
// ---------------------------------------------------------------------------------------------

before(async () => {
  server = spawn(process.execPath, [join(HERE, "server.mjs")], {
    cwd: HERE,
    env: { ...process.env, PORT: "0", DEBUG_TESTEE: "" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await withTimeout(
    new Promise((resolve, reject) => {
      let buf = "";
      server.stdout.setEncoding("utf8");
      server.stdout.on("data", (chunk) => {
        buf += chunk;
        const nl = buf.indexOf("\n");
        if (nl >= 0) {
          resolve(buf.slice(0, nl));
          stdoutAfterLine = buf.slice(nl + 1);
          buf = "";
          server.stdout.removeAllListeners("data");
          server.stdout.on("data", (more) => {
            stdoutAfterLine += more;
          });
        }
      });
      server.once("exit", (code) => reject(new Error(`server exited early (code ${code})`)));
      server.once("error", reject);
    }),
    5000,
    "the listening line",
  );
  const m = /^listening (http:\/\/127\.0\.0\.1:(\d+))(\/\S*)$/.exec(line);
  assert.ok(m, `bad listening line: ${JSON.stringify(line)}`);
  baseUrl = m[1];
  sioPath = m[3];
  assert.equal(sioPath, "/socket.io/");
});

after(async () => {
  for (const s of openSockets) s.disconnect();
  openSockets.clear();
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    try {
      await withTimeout(exited, 2000, "server exit");
    } catch {
      server.kill("SIGKILL");
    }
  }
});

// ---------------------------------------------------------------------------------------------
// tests
// ---------------------------------------------------------------------------------------------

test("handshake uses the fast configuration", async () => {
  const res = await withTimeout(
    fetch(`${baseUrl}${sioPath}?EIO=4&transport=polling`),
    WAIT,
    "handshake",
  );
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.equal(body[0], "0", body);
  const hs = JSON.parse(body.slice(1));
  assert.equal(typeof hs.sid, "string");
  assert.equal(hs.pingInterval, 300);
  assert.equal(hs.pingTimeout, 200);
  assert.equal(hs.maxPayload, 1000000);
  assert.deepEqual(hs.upgrades, ["websocket"]);

  // EIO3 is refused by default
  const v3 = await withTimeout(fetch(`${baseUrl}${sioPath}?EIO=3&transport=polling`), WAIT, "EIO3");
  assert.equal(v3.status, 400);
  await v3.text();
});

for (const transports of TRANSPORTS) {
  for (const nsp of NAMESPACES) {
    const other = nsp === "/" ? "/custom" : "/";
    const label = `${transports[0]} ${nsp}`;

    test(`${label}: auth, echo, ack, features`, { timeout: 10000 }, async () => {
      const { socket: a, auth } = await connect(nsp, transports, { auth: { token: "123" } });
      assert.deepEqual(auth, { token: "123" });

      const { socket: b, auth: none } = await connect(nsp, transports);
      assert.deepEqual(none, {});

      // CORE-003 with binary
      const args = [1, "2", { 3: [true] }, BIN(), { nested: BIN() }];
      const back = next(a, "message-back");
      a.emit("message", ...args);
      assert.deepEqual(norm(await back), args);
      await nothing(b, "message-back");

      // CORE-004 with binary
      assert.deepEqual(norm(await ack(a, "message-with-ack", 1, "2", BIN())), [1, "2", BIN()]);
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
      a.emit("emit-with-ack", "q", 7, BIN());
      const got = await asked;
      const reply = got.pop();
      assert.equal(typeof reply, "function", "server must request an ack");
      assert.deepEqual(norm(got), ["q", 7, BIN()]);
      const result = next(a, "emit-with-ack-result");
      reply("r", BIN(), { x: [1] });
      assert.deepEqual(norm(await result), ["r", BIN(), { x: [1] }]);

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
      a.emit("broadcast", 1, BIN());
      assert.deepEqual(norm(await pa), [1, BIN()]);
      assert.deepEqual(norm(await pb), [1, BIN()]);
      await pm;

      pb = next(b, "broadcast-back");
      pa = nothing(a, "broadcast-back");
      pm = nothing(mux, "broadcast-back");
      a.emit("broadcast-others", "x", { y: BIN() });
      assert.deepEqual(norm(await pb), ["x", { y: BIN() }]);
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
      b.emit("to-room", room, 1, BIN());
      assert.deepEqual(norm(await pa), [1, BIN()]);
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
      b.emit("private", a.id, "hi", BIN());
      assert.deepEqual(norm(await pa), [b.id, "hi", BIN()]);
      await pb;
      await pc;

      // unknown id: nothing, nobody disconnected
      const qa = nothing(a, "private-back");
      const qb = nothing(b, "private-back");
      b.emit("private", "no-such-socket-id", 1);
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
      assert.deepEqual(await seen, ["client namespace disconnect", "client namespace disconnect"]);
      await quiet;

      // SDISC-001: disconnect-me
      const { socket: p2 } = await connect(nsp, transports);
      seen = both(p2.id);
      let gone = next(p2, "disconnect");
      p2.emit("disconnect-me");
      assert.equal((await gone)[0], "io server disconnect");
      assert.deepEqual(await seen, ["server namespace disconnect", "server namespace disconnect"]);
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
      assert.deepEqual(await seen, ["server namespace disconnect", "server namespace disconnect"]);
      assert.deepEqual(await ack(keep, "features"), [FEATURES]);
      close(keep);
      openSockets.delete(p3);

      // SDISC-002: close-me closes the whole connection, both namespaces included
      const { socket: p4 } = await connect(nsp, transports);
      const p4other = p4.io.socket(other);
      openSockets.add(p4other);
      await next(p4other, "connect");
      seen = both(p4.id);
      const goneA = next(p4, "disconnect");
      const goneB = next(p4other, "disconnect");
      const engineClosed = next(p4.io, "close");
      p4.emit("close-me");
      assert.equal((await goneA)[0], "io server disconnect");
      assert.equal((await goneB)[0], "io server disconnect");
      await engineClosed;
      assert.deepEqual(await seen, ["server namespace disconnect", "server namespace disconnect"]);
      openSockets.delete(p4);
      openSockets.delete(p4other);

      // a watcher leaving: the other watcher hears about it and stays connected
      const wid = w.id;
      const seen2 = peerGone(w2, wid);
      close(w);
      assert.equal(await seen2, "client namespace disconnect");
      assert.ok(w2.connected);
      close(w2, bystander);
    });
  }
}

for (const transports of TRANSPORTS) {
  test(`${transports[0]}: connect errors (CERR)`, { timeout: 10000 }, async () => {
    const r = io(`${baseUrl}/refuse`, opts(transports));
    openSockets.add(r);
    const [err] = await next(r, "connect_error");
    assert.equal(err.message, "refused");
    assert.deepEqual(err.data, { code: 4242 });
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

test("the server printed nothing after the listening line", () => {
  assert.equal(stdoutAfterLine, "");
  assert.equal(server.exitCode, null, "server still running");
});

test("server exits when its stdin closes", { timeout: 10000 }, async () => {
  const child = spawn(process.execPath, [join(HERE, "server.mjs")], {
    cwd: HERE,
    env: { ...process.env, PORT: "0", DEBUG_TESTEE: "" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", (code, sig) => resolve([code, sig])));
  try {
    await withTimeout(
      new Promise((resolve) => child.stdout.once("data", resolve)),
      5000,
      "second server's listening line",
    );
    child.stdin.end();
    assert.deepEqual(await withTimeout(exited, 3000, "exit after stdin close"), [0, null]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});
