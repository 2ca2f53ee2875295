// Checks a Socket.IO server with the official socket.io-client 4.8 (pinned in package.json):
// auth echo on "/" and "/custom", echo, ack, binary echo, an upgrade from polling to WebSocket
// that loses no message, refusal of an unknown namespace, the heartbeat, and disconnects.
//
//   node client-check.mjs [http://127.0.0.1:<port>/socket.io/]
//
// Prints one line per check (`PASS name: detail` / `FAIL name: why`) and exits 0 only when every
// check passed. Every wait is bounded, and the whole run is cut off after 25 s.

import assert from "node:assert/strict";
import { Manager } from "socket.io-client";

const WAIT = 5000; // ms, upper bound of any single wait
const OVERALL = 25000; // ms, upper bound of the whole run

const url = new URL(process.argv[2] ?? "http://127.0.0.1:3000/socket.io/");
const path = url.pathname && url.pathname !== "/" ? url.pathname : "/socket.io/";

const overall = setTimeout(() => {
  console.log(`FAIL overall: the checks did not finish within ${OVERALL} ms`);
  process.exit(1);
}, OVERALL);

let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    const detail = await fn();
    passed += 1;
    console.log(`PASS ${name}: ${detail}`);
    return true;
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${name}: ${err?.message ?? err}`);
    return false;
  }
}

function withTimeout(promise, what, ms = WAIT) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The arguments of the next `event` on `emitter`. */
function next(emitter, event, ms = WAIT) {
  let handler;
  const p = new Promise((resolve) => {
    handler = (...args) => resolve(args);
    emitter.once(event, handler);
  });
  return withTimeout(p, `"${event}"`, ms).finally(() => emitter.off(event, handler));
}

/** Emits `event(...args)` and resolves with the acknowledgement's arguments. */
function emitAck(socket, event, ...args) {
  const p = new Promise((resolve) => socket.emit(event, ...args, (...res) => resolve(res)));
  return withTimeout(p, `the ack of "${event}"`);
}

/** Binary values as `{binary: hex}` so that Buffer, ArrayBuffer and typed arrays compare equal;
 * anything else unchanged. A binary that came back as something else will not match. */
function normalise(value) {
  if (Buffer.isBuffer(value)) return { binary: value.toString("hex") };
  if (value instanceof ArrayBuffer) return { binary: Buffer.from(value).toString("hex") };
  if (ArrayBuffer.isView(value)) {
    return { binary: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex") };
  }
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

const MIXED = [
  "héllo wörld — 中文 — 🦀🎉",
  42,
  -7.25,
  true,
  false,
  null,
  { nested: { list: [1, "two", null], emoji: "👩‍💻" }, empty: {} },
  [],
  "",
  "separator \u001e inside",
  'quote " and backslash \\',
];
const BINARY = [
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  "caption ✓",
  { nested: Buffer.from([0xde, 0xad, 0xbe, 0xef]), list: [Buffer.from([1]), 3] },
];

const mainAuth = { token: "abc", n: 1 };
const customAuth = { user: "zoë", emoji: "🦀", list: [1, 2] };

const manager = new Manager(url.origin, {
  path,
  transports: ["polling", "websocket"],
  reconnection: false,
  timeout: WAIT,
});
let firstTransport = null;
let pings = 0;
const engineOpen = new Promise((resolve) => {
  manager.on("open", () => {
    firstTransport = manager.engine.transport.name;
    manager.engine.on("ping", () => {
      pings += 1;
    });
    resolve();
  });
});
const main = manager.socket("/", { auth: mainAuth });
const custom = manager.socket("/custom", { auth: customAuth });
// Listen before anything can arrive.
const mainConnected = next(main, "connect");
const mainAuthEcho = next(main, "auth");
const customConnected = next(custom, "connect");
const customAuthEcho = next(custom, "auth");
// Awaited later (or never, when an earlier check failed): no unhandled rejection meanwhile.
for (const p of [mainConnected, mainAuthEcho, customConnected, customAuthEcho]) p.catch(() => {});
// Everything `/` receives as `message-back`, in order.
const mainBacks = [];
main.on("message-back", (...args) => mainBacks.push(args));

function connectError(socket) {
  return Promise.race([
    next(socket, "connect_error").then(([err]) => err),
    next(socket, "connect").then(() => {
      throw new Error(`${socket.nsp} was accepted`);
    }),
  ]);
}

async function echoOn(socket, args) {
  const back = next(socket, "message-back").catch((err) => {
    const shown = JSON.stringify(normalise(args)).slice(0, 120);
    throw new Error(`${err.message} on ${socket.nsp} after emitting "message" ${shown}`);
  });
  socket.emit("message", ...args);
  assert.deepStrictEqual(normalise(await back), normalise(args));
}

const ok = await check("polling handshake", async () => {
  await withTimeout(engineOpen, "the Engine.IO open");
  assert.equal(firstTransport, "polling", "the session must start over polling");
  return `sid ${manager.engine.id}, first transport ${firstTransport}`;
});

if (ok) {
  await check("connect / with auth", async () => {
    await mainConnected;
    const [auth] = await mainAuthEcho;
    assert.deepStrictEqual(auth, mainAuth);
    return `socket id ${main.id}; auth echoed`;
  });

  await check("upgrade to websocket, no message lost", async () => {
    // Emit numbered messages every few ms until the upgrade is done, then a few more.
    let sent = 0;
    let beforeUpgrade = null;
    const upgraded =
      manager.engine.transport.name === "websocket"
        ? Promise.resolve()
        : next(manager.engine, "upgrade");
    upgraded.then(
      () => {
        beforeUpgrade = sent;
      },
      () => {},
    );
    const started = Date.now();
    while (beforeUpgrade === null || sent < beforeUpgrade + 5) {
      if (Date.now() - started > WAIT) throw new Error(`no upgrade within ${WAIT} ms`);
      main.emit("message", "seq", sent);
      sent += 1;
      await new Promise((r) => setTimeout(r, 3));
    }
    await upgraded;
    assert.equal(manager.engine.transport.name, "websocket");
    const deadline = Date.now() + WAIT;
    while (mainBacks.filter((a) => a[0] === "seq").length < sent && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const seqs = mainBacks.filter((a) => a[0] === "seq").map((a) => a[1]);
    assert.deepStrictEqual(seqs, Array.from({ length: sent }, (_, i) => i), "echo order");
    return `${sent} messages emitted while upgrading (${beforeUpgrade} before "upgrade"), all echoed once, in order; transport ${manager.engine.transport.name}`;
  });

  await check("connect /custom with auth", async () => {
    await customConnected;
    const [auth] = await customAuthEcho;
    assert.deepStrictEqual(auth, customAuth);
    return `socket id ${custom.id}; auth echoed`;
  });

  await check("echo", async () => {
    await echoOn(main, MIXED);
    await echoOn(custom, MIXED);
    return `${MIXED.length} arguments came back equal on / and /custom`;
  });

  await check("ack", async () => {
    for (const socket of [main, custom]) {
      assert.deepStrictEqual(await emitAck(socket, "message-with-ack", ...MIXED), MIXED);
    }
    return "acknowledged with the same arguments on / and /custom";
  });

  await check("binary echo", async () => {
    await echoOn(main, BINARY);
    await echoOn(custom, BINARY);
    for (const socket of [main, custom]) {
      const res = await emitAck(socket, "message-with-ack", ...BINARY);
      assert.deepStrictEqual(normalise(res), normalise(BINARY));
    }
    return "3 binary arguments came back as binary (event and ack) on / and /custom";
  });

  await check("unknown namespace refused", async () => {
    const nope = manager.socket("/nope");
    const err = await connectError(nope);
    assert.equal(err.message, "Invalid namespace");
    return `connect_error "${err.message}"`;
  });

  await check("heartbeat answered", async () => {
    const start = pings;
    const deadline = Date.now() + WAIT;
    while (pings < start + 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(pings >= start + 2, `only ${pings - start} pings within ${WAIT} ms`);
    assert.ok(main.connected && custom.connected, "sockets still connected");
    assert.equal(manager.engine.transport.name, "websocket");
    return `${pings} pings received in all, sockets still connected`;
  });

  await check("disconnect /custom", async () => {
    custom.disconnect();
    assert.equal(custom.connected, false);
    await echoOn(main, ["still here"]);
    return "/custom left; / still echoes on the same connection";
  });

  await check("disconnect / closes the engine", async () => {
    const engine = manager.engine;
    const closed = next(engine, "close");
    main.disconnect();
    const [reason] = await closed;
    assert.equal(reason, "forced close");
    return `engine closed: ${reason}`;
  });
}

/** A second session on one transport only: connect with auth on both namespaces, echo (a burst
 * and binary), ack, then close by disconnecting both sockets. */
async function singleTransport(transport) {
  const m = new Manager(url.origin, { path, transports: [transport], reconnection: false, timeout: WAIT });
  try {
    const a = m.socket("/", { auth: { only: transport } });
    const b = m.socket("/custom", { auth: {} });
    const aAuth = next(a, "auth");
    const bAuth = next(b, "auth");
    aAuth.catch(() => {});
    bAuth.catch(() => {});
    assert.deepStrictEqual((await aAuth)[0], { only: transport });
    assert.deepStrictEqual((await bAuth)[0], {});
    assert.equal(m.engine.transport.name, transport);
    const backs = [];
    a.on("message-back", (...args) => backs.push(args));
    const count = 40;
    for (let i = 0; i < count; i++) a.emit("message", "seq", i);
    const deadline = Date.now() + WAIT;
    while (backs.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepStrictEqual(backs.map((x) => x[1]), Array.from({ length: count }, (_, i) => i), "burst order");
    a.off("message-back");
    await echoOn(b, BINARY);
    await echoOn(a, ["x".repeat(200_000), Buffer.alloc(100_000, 7)]);
    assert.deepStrictEqual(normalise(await emitAck(b, "message-with-ack", ...BINARY)), normalise(BINARY));
    assert.equal(m.engine.transport.name, transport, "no upgrade");
    const closed = next(m.engine, "close");
    a.disconnect();
    b.disconnect();
    const [reason] = await closed;
    assert.equal(reason, "forced close");
    return `auth on / and /custom, ${count}-message burst in order, binary echo, 200 kB + 100 kB echo, binary ack; engine closed (${reason}); transport stayed ${transport}`;
  } finally {
    m.engine?.close();
  }
}

if (ok) {
  await check("websocket-only session", () => singleTransport("websocket"));
  await check("polling-only session", () => singleTransport("polling"));
}

manager.engine?.close();
clearTimeout(overall);
// Let a last close packet leave before exiting.
await new Promise((r) => setTimeout(r, 100));
const total = passed + failed;
console.log(failed === 0 ? `all ${total} checks passed` : `${failed} of ${total} checks failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
