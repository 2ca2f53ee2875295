// The part of the testees' smoke tests that is the same for every testee: starting a testee with
// its run.sh on a free loopback port, stopping it, connecting socket.io clients, bounded waits, and
// the TESTEE1 checks every testee passes in the same way, over WebSocket and HTTP long-polling, on
// "/" and "/custom". Each testee's smoke.test.mjs calls `smokeTestee` with what differs (its
// documented quirks) and adds the tests that only it needs.
//
// No npm imports here: this folder has no node_modules, and Node resolves a bare import from the
// importing file's folder. Each smoke test imports its own socket.io-client (2.x or 4.x) and passes
// `io` and `Manager` in. Every wait is bounded, so a misbehaving server fails a test, never hangs it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";

export const WAIT = 2000; // ms, upper bound of any single wait
export const QUIET = 150; // ms during which an event must NOT arrive
const STARTUP = 10000; // ms from starting run.sh (already provisioned) to its listening line
const PROVISION = 600000; // ms for `run.sh --install-only` (a socketioxide build from scratch: ~1 min)
export const NAMESPACES = ["/", "/custom"];
export const TRANSPORTS = [["websocket"], ["polling"]];
export const ALL_FEATURES = [
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
/** Reference disconnect reasons (SIO5-DISC-007) as `peer-disconnect` carries them. */
export const NODE_REASONS = {
  client: "client namespace disconnect",
  server: "server namespace disconnect",
};

/** Binary test data (a fresh Buffer each call). */
export const BYTES = () => Buffer.from([0, 1, 2, 253, 254, 255]);

// ---------------------------------------------------------------------------------------------
// bounded waits
// ---------------------------------------------------------------------------------------------

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the arguments of the next `event` on `emitter`. */
export function next(emitter, event, ms = WAIT) {
  let handler;
  const p = new Promise((resolve) => {
    handler = (...args) => resolve(args);
    emitter.once(event, handler);
  });
  return withTimeout(p, ms, `"${event}"`).finally(() => emitter.off(event, handler));
}

/** Resolves with the reason of the `peer-disconnect` about `id` seen by `watcher` (others ignored). */
export function peerGone(watcher, id, ms = WAIT) {
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
export function nothing(socket, event, ms = QUIET) {
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

/** Emits with an acknowledgement, resolves with the ack arguments (works with client 2.x and 4.x). */
export function ack(socket, event, ...args) {
  return withTimeout(
    new Promise((resolve) => socket.emit(event, ...args, (...res) => resolve(res))),
    WAIT,
    `the ack of "${event}"`,
  );
}

/** Binary values come back as Buffer (or ArrayBuffer in some paths): compare them as Buffers. */
export function norm(value) {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(norm);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, norm(v)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// the testee process
// ---------------------------------------------------------------------------------------------

/** Runs `bash run.sh --install-only` in `dir` (bounded); its output goes to our stderr. */
export async function provision(dir) {
  const child = spawn("bash", [join(dir, "run.sh"), "--install-only"], {
    cwd: dir,
    stdio: ["ignore", process.stderr, "inherit"],
  });
  const exited = new Promise((resolve, reject) => {
    child.once("exit", (code, signal) => resolve([code, signal]));
    child.once("error", reject);
  });
  try {
    const [code, signal] = await withTimeout(exited, PROVISION, "run.sh --install-only");
    assert.equal(code, 0, `run.sh --install-only failed (exit ${code}, signal ${signal})`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/**
 * Starts `bash run.sh` in `dir` with PORT=0 (plus `env`); resolves once the testee printed its
 * `listening http://127.0.0.1:<port><path>` line, with { child, baseUrl, path, rest } where `rest`
 * is everything printed on stdout after that line (it must stay empty).
 */
export async function startTestee(dir, env = {}) {
  const child = spawn("bash", [join(dir, "run.sh")], {
    cwd: dir,
    env: { ...process.env, PORT: "0", DEBUG_TESTEE: "", ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const state = { child, rest: "" };
  try {
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
        child.once("exit", (code) => reject(new Error(`testee exited early (code ${code})`)));
        child.once("error", reject);
      }),
      STARTUP,
      "the listening line",
    );
    const m = /^listening (http:\/\/127\.0\.0\.1:(\d+))(\/\S*)$/.exec(line);
    assert.ok(m, `bad listening line: ${JSON.stringify(line)}`);
    state.baseUrl = m[1];
    state.path = m[3];
    return state;
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    throw e;
  }
}

/** Stops a child: `signal`, then SIGKILL after 2 s. Resolves with [code, signal]. */
export async function stopTestee(child, signal = "SIGTERM") {
  if (child.exitCode !== null || child.signalCode !== null) return [child.exitCode, child.signalCode];
  const exited = new Promise((resolve) => child.once("exit", (code, sig) => resolve([code, sig])));
  child.kill(signal);
  try {
    return await withTimeout(exited, 2000, "testee exit");
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// raw Engine.IO v4 long-polling (to see what the official client hides)
// ---------------------------------------------------------------------------------------------

/** A minimal EIO4 polling session: send() posts packets, recv() polls once. */
export async function rawPolling(baseUrl, path) {
  const url = `${baseUrl}${path}?EIO=4&transport=polling`;
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
export async function pollUntil(raw, done, what, ms = WAIT) {
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

/** The EIO4 handshake over polling: asserts HTTP 200 and an open packet; returns { res, hs }. */
export async function eio4Handshake(baseUrl, path) {
  const res = await withTimeout(fetch(`${baseUrl}${path}?EIO=4&transport=polling`), WAIT, "handshake");
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.equal(body[0], "0", body);
  return { res, hs: JSON.parse(body.slice(1)) };
}

// ---------------------------------------------------------------------------------------------
// the shared smoke test
// ---------------------------------------------------------------------------------------------

/**
 * Registers the `before`/`after` hooks that start and stop the testee and every shared test, then
 * calls `more(smoke)` to register the testee's own tests, then registers the final checks (nothing
 * printed after the listening line, exit on stdin close). Returns the `smoke` context.
 *
 * options:
 * - dir: the testee's folder (holding run.sh); io, Manager: its socket.io-client
 * - features: what `features` must answer
 * - authOption(auth): client options that send `auth` (default `{ auth }`; client 2.x: `{ query }`)
 * - auth: the auth value sent and expected back (default `{ token: "123" }`)
 * - handshake: { pingInterval } to check the EIO4 handshake (fast configuration, EIO3 refused),
 *   or null to leave the handshake to the testee's own tests
 * - reasons: { client, server } disconnect reasons of `peer-disconnect` (default NODE_REASONS)
 * - closeMe: { reasons(transport): the accepted client-side disconnect reasons of both sockets,
 *   closesEngine: whether the Engine.IO connection is closed by the server }
 * - connectError: { event: "connect_error" (client 2.x: "error"), refused(err), unknown(err) }
 * - more(smoke): registers the testee's own tests
 */
export function smokeTestee(options) {
  const {
    dir,
    io,
    Manager,
    features,
    authOption = (auth) => ({ auth }),
    auth: authValue = { token: "123" },
    handshake = { pingInterval: 300 },
    reasons = NODE_REASONS,
    closeMe = { reasons: () => ["io server disconnect"], closesEngine: true },
    connectError = {
      event: "connect_error",
      refused(err) {
        assert.equal(err.message, "refused");
        assert.deepEqual(err.data, { code: 4242 });
      },
      unknown(err) {
        assert.equal(err.message, "Invalid namespace");
      },
    },
    more = () => {},
  } = options;

  let main; // { child, baseUrl, path, rest }
  const openSockets = new Set();

  const opts = (transports, extra = {}) => ({
    transports,
    forceNew: true,
    reconnection: false,
    timeout: WAIT,
    path: main.path,
    ...extra,
  });

  /** Waits for `connect` on `socket`, failing fast on a namespace or engine error. */
  async function connected(socket, nsp) {
    await Promise.race([
      next(socket, "connect"),
      // client 2.x reports a refused namespace as "error"
      next(socket, "error").then(([err]) => {
        throw new Error(`error on ${nsp}: ${JSON.stringify(err)}`);
      }),
      next(socket, "connect_error").then(([err]) => {
        throw new Error(`connect_error on ${nsp}: ${err?.message}`);
      }),
    ]);
  }

  /** Connects a socket to `nsp` on its own connection; resolves with it and its `auth` event's arg. */
  async function connect(nsp, transports, extra = {}) {
    const socket = io(main.baseUrl + nsp, opts(transports, extra));
    openSockets.add(socket);
    const authEvent = next(socket, "auth");
    await connected(socket, nsp);
    const [auth] = await authEvent;
    return { socket, auth };
  }

  /**
   * One connection joined to both namespaces, keyed by namespace. The "/" socket is created
   * first: socket.io 2 joins "/" implicitly and a "/" socket created after that `40` went by would
   * never see it.
   */
  async function connectBoth(transports) {
    const m = new Manager(main.baseUrl, opts(transports));
    const sockets = {};
    for (const nsp of NAMESPACES) {
      sockets[nsp] = m.socket(nsp);
      openSockets.add(sockets[nsp]);
    }
    await Promise.all(NAMESPACES.map((nsp) => connected(sockets[nsp], nsp)));
    return sockets;
  }

  /** A socket that the test tracks (closed by the `after` hook if a test fails). */
  function track(socket) {
    openSockets.add(socket);
    return socket;
  }

  function close(...sockets) {
    for (const s of sockets) {
      s.disconnect();
      openSockets.delete(s);
    }
  }

  const smoke = {
    get baseUrl() {
      return main.baseUrl;
    },
    get path() {
      return main.path;
    },
    get main() {
      return main;
    },
    opts,
    connect,
    connectBoth,
    track,
    close,
  };

  before(async () => {
    await provision(dir);
    main = await startTestee(dir);
    assert.equal(main.path, "/socket.io/");
  });

  after(async () => {
    for (const s of openSockets) s.disconnect();
    openSockets.clear();
    if (main) await stopTestee(main.child).catch(() => {});
  });

  if (handshake) {
    test("handshake uses the fast configuration; EIO3 refused by default", async () => {
      const { hs } = await eio4Handshake(main.baseUrl, main.path);
      assert.equal(typeof hs.sid, "string");
      assert.equal(hs.pingInterval, handshake.pingInterval);
      assert.equal(hs.pingTimeout, 200);
      assert.equal(hs.maxPayload, 1000000);
      assert.deepEqual(hs.upgrades, ["websocket"]);

      const v3 = await withTimeout(fetch(`${main.baseUrl}${main.path}?EIO=3&transport=polling`), WAIT, "EIO3");
      assert.equal(v3.status, 400);
      await v3.text();
    });
  }

  for (const transports of TRANSPORTS) {
    for (const nsp of NAMESPACES) {
      contractTests(smoke, { transports, nsp, features, authOption, authValue, reasons, closeMe });
    }
  }

  for (const transports of TRANSPORTS) {
    test(`${transports[0]}: connect errors (CERR)`, { timeout: 10000 }, async () => {
      const r = track(io(`${main.baseUrl}/refuse`, opts(transports)));
      const [err] = await next(r, connectError.event);
      connectError.refused(err);
      close(r);

      const u = track(io(`${main.baseUrl}/nope`, opts(transports)));
      const [err2] = await next(u, connectError.event);
      connectError.unknown(err2);
      close(u);

      // the Engine.IO connection stays open after a refusal: another namespace still connects
      const m = new Manager(main.baseUrl, opts(transports));
      const refused = track(m.socket("/refuse"));
      const fine = track(m.socket("/custom"));
      const refusedErr = next(refused, connectError.event);
      const fineConnect = next(fine, "connect");
      await refusedErr;
      await fineConnect;
      assert.deepEqual(await ack(fine, "features"), [features]);
      close(refused, fine);
    });
  }

  more(smoke);

  test("the server printed nothing after the listening line", () => {
    assert.equal(main.rest, "");
    assert.equal(main.child.exitCode, null, "server still running");
  });

  test("server exits when its stdin closes", { timeout: 10000 }, async () => {
    const s = await startTestee(dir);
    const exited = new Promise((resolve) => s.child.once("exit", (code, sig) => resolve([code, sig])));
    try {
      s.child.stdin.end();
      assert.deepEqual(await withTimeout(exited, 3000, "exit after stdin close"), [0, null]);
    } finally {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
    }
  });

  return smoke;
}

/** The contract tests of one transport and one namespace. */
function contractTests(smoke, { transports, nsp, features, authOption, authValue, reasons, closeMe }) {
  const { connect, connectBoth, close } = smoke;
  const other = nsp === "/" ? "/custom" : "/";
  const label = `${transports[0]} ${nsp}`;

  test(`${label}: auth, echo, ack, features`, { timeout: 10000 }, async () => {
    const { socket: a, auth } = await connect(nsp, transports, authOption(authValue));
    assert.deepEqual(auth, authValue);

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
    assert.deepEqual(await ack(a, "features"), [features]);
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
    // b and mux (the other namespace) share one connection: mux receives nothing
    const both = await connectBoth(transports);
    const b = both[nsp];
    const mux = both[other];

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

    // unknown ids (well-formed or not, inherited property names included): nothing, nobody
    // disconnected
    const qa = nothing(a, "private-back");
    const qb = nothing(b, "private-back");
    for (const id of ["no-such-socket-id", "AAAAAAAAAAAAAAAA", "__proto__", "hasOwnProperty", 42]) {
      b.emit("private", id, 1);
    }
    await qa;
    await qb;
    assert.deepEqual(await ack(b, "features"), [features]);
    assert.ok(a.connected && b.connected && c.connected);
    close(a, b, c);
  });

  test(`${label}: lifecycle and server disconnects (LIFE, SDISC)`, { timeout: 10000 }, async () => {
    const { socket: w } = await connect(nsp, transports);
    const { socket: w2 } = await connect(nsp, transports);
    const { socket: bystander } = await connect(nsp, transports); // not a watcher
    assert.deepEqual(await ack(w, "watch"), []);
    assert.deepEqual(await ack(w2, "watch"), []);
    const seenByBoth = (id) => Promise.all([peerGone(w, id), peerGone(w2, id)]);

    // client-side namespace disconnect
    const { socket: p1 } = await connect(nsp, transports);
    let seen = seenByBoth(p1.id);
    const quiet = nothing(bystander, "peer-disconnect");
    close(p1);
    assert.deepEqual(await seen, [reasons.client, reasons.client]);
    await quiet;

    // SDISC-001: disconnect-me
    const { socket: p2 } = await connect(nsp, transports);
    seen = seenByBoth(p2.id);
    let gone = next(p2, "disconnect");
    p2.emit("disconnect-me");
    assert.equal((await gone)[0], "io server disconnect");
    assert.deepEqual(await seen, [reasons.server, reasons.server]);
    close(p2);

    // SDISC-001: the Engine.IO connection stays open when another namespace is still joined
    const pair3 = await connectBoth(transports);
    const p3 = pair3[nsp];
    const keep = pair3[other];
    seen = seenByBoth(p3.id);
    gone = next(p3, "disconnect");
    p3.emit("disconnect-me");
    assert.equal((await gone)[0], "io server disconnect");
    assert.deepEqual(await seen, [reasons.server, reasons.server]);
    assert.deepEqual(await ack(keep, "features"), [features]);
    close(keep, p3);

    // SDISC-002: close-me disconnects every namespace of the connection
    const pair4 = await connectBoth(transports);
    const p4 = pair4[nsp];
    const p4other = pair4[other];
    seen = seenByBoth(p4.id);
    const goneA = next(p4, "disconnect");
    const goneB = next(p4other, "disconnect");
    const engineClosed = closeMe.closesEngine ? next(p4.io, "close") : null;
    p4.emit("close-me");
    const accepted = closeMe.reasons(transports[0]);
    const [reasonA] = await goneA;
    const [reasonB] = await goneB;
    assert.ok(accepted.includes(reasonA), `disconnect reason ${reasonA}`);
    assert.ok(accepted.includes(reasonB), `disconnect reason ${reasonB}`);
    if (engineClosed) await engineClosed;
    assert.deepEqual(await seen, [reasons.server, reasons.server]);
    close(p4, p4other);

    // a watcher leaving: the other watcher hears about it and stays connected
    const seen2 = peerGone(w2, w.id);
    close(w);
    assert.equal(await seen2, reasons.client);
    assert.ok(w2.connected);
    close(w2, bystander);
  });
}
