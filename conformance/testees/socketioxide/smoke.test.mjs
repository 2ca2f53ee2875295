// Smoke test of the socketioxide testee: starts it with run.sh (which builds the release binary when
// needed) and checks the TESTEE1 behaviours with the official socket.io client, over WebSocket and
// over HTTP long-polling, on "/" and "/custom" (the shared checks of ../shared/smoke.mjs), plus the
// places where socketioxide differs from the reference (README "Differences from the reference"):
// disconnect reasons, CONNECT_ERROR without data, close-me leaving the Engine.IO session open, EIO3
// answered by the middleware or served with ALLOW_EIO3=1. Every wait is bounded, so a misbehaving
// server makes the test fail, never hang.
//
// Run with `node --test smoke.test.mjs` from this directory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { io, Manager } from "socket.io-client";
import {
  ALL_FEATURES,
  WAIT,
  eio4Handshake,
  pollUntil,
  rawPolling,
  smokeTestee,
  startTestee,
  stopTestee,
  withTimeout,
} from "../shared/smoke.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));

smokeTestee({
  dir: HERE,
  io,
  Manager,
  features: ALL_FEATURES.filter((f) => f !== "server-disconnect" && f !== "request-refusal"),
  auth: { token: "123", n: [1, 2.5] },
  // socketioxide's DisconnectReason strings (its Display implementation), not the reference's.
  reasons: {
    client: "client has manually disconnected the socket from the namespace",
    server: "socket was forcefully disconnected from the namespace",
  },
  // close-me (best effort): a DISCONNECT on every namespace of the connection. The official client
  // then closes the Engine.IO connection itself, as it has no socket left.
  closeMe: { reasons: () => ["io server disconnect"], closesEngine: false },
  connectError: {
    event: "connect_error",
    refused(err) {
      // socketioxide cannot attach data to a CONNECT_ERROR (the reference sends {code: 4242})
      assert.equal(err.message, "refused");
      assert.equal(err.data, undefined);
    },
    unknown(err) {
      assert.equal(err.message, "Invalid namespace");
    },
  },
  more(smoke) {
    test("CORS for every origin; EIO3 refused as socketioxide without `v4` refuses it", async () => {
      const { res } = await eio4Handshake(smoke.baseUrl, smoke.path);
      assert.equal(res.headers.get("access-control-allow-origin"), "*");
      const v3 = await withTimeout(fetch(`${smoke.baseUrl}${smoke.path}?EIO=3&transport=polling`), WAIT, "EIO3");
      assert.equal(v3.status, 400);
      assert.deepEqual(JSON.parse(await v3.text()), { code: "5", message: "Unsupported protocol version" });
    });

    test("ALLOW_EIO3=1 serves Engine.IO v3 / Socket.IO v4 clients", { timeout: 10000 }, async () => {
      const s = await startTestee(HERE, { ALLOW_EIO3: "1" });
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
        await stopTestee(s.child);
      }
    });

    test("raw polling: close-me sends 41 on each namespace but leaves the Engine.IO session open", { timeout: 10000 }, async () => {
      const raw = await rawPolling(smoke.baseUrl, smoke.path);
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

    test("raw polling: the refusal on the wire has no data", { timeout: 10000 }, async () => {
      const raw = await rawPolling(smoke.baseUrl, smoke.path);
      await raw.send("40/refuse,");
      const seen = await pollUntil(raw, (all) => all.some((p) => p.startsWith("44/refuse,")), "the CONNECT_ERROR");
      assert.ok(seen.includes('44/refuse,{"message":"refused"}'), JSON.stringify(seen));
      await raw.send("1");
    });

    for (const signal of ["SIGTERM", "SIGINT"]) {
      test(`server exits on ${signal}, also with a client connected`, { timeout: 10000 }, async () => {
        const s = await startTestee(HERE);
        const sock = io(s.baseUrl, { ...smoke.opts(["websocket"]), path: s.path });
        try {
          await withTimeout(new Promise((resolve) => sock.once("connect", resolve)), WAIT, "connect");
          assert.deepEqual(await stopTestee(s.child, signal), [0, null]);
          assert.equal(s.rest, "");
        } finally {
          sock.disconnect();
          if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
        }
      });
    }
  },
});
