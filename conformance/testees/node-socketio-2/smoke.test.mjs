// Smoke test of the socket.io 2 testee: starts it with run.sh and checks every TESTEE1 behaviour with
// the official socket.io-client 2.x, over WebSocket and over HTTP long-polling, on "/" and "/custom"
// (the shared checks of ../shared/smoke.mjs). Every wait is bounded, so a misbehaving server makes
// the test fail, never hang.
//
// socket.io 2 specifics exercised here: "auth" is the handshake query (client option `query`), a
// refused namespace arrives as the socket's "error" event with the bare err.data, the EIO3
// handshake carries the implicit `40`, and socket ids on "/custom" are "/custom#<sid>". (A client
// never sends CONNECT for "/", so the shared connectBoth creates the "/" socket first.)
//
// Run with `node --test smoke.test.mjs` from this directory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import io from "socket.io-client";
import { ALL_FEATURES, NAMESPACES, WAIT, smokeTestee, withTimeout } from "../shared/smoke.mjs";

const FEATURES = ALL_FEATURES.filter((f) => f !== "request-refusal");

smokeTestee({
  dir: dirname(fileURLToPath(import.meta.url)),
  io,
  Manager: io.Manager,
  features: FEATURES,
  authOption: (auth) => ({ query: auth }),
  handshake: null, // EIO3 only: checked below
  connectError: {
    // socket.io 2 sends err.data alone (`44/refuse,{"code":4242}`); client 2.x emits it as "error"
    event: "error",
    refused(err) {
      assert.deepEqual(err, { code: 4242 });
    },
    unknown(err) {
      assert.equal(err, "Invalid namespace");
    },
  },
  more(smoke) {
    test("EIO3 handshake uses the fast configuration and carries the implicit `40`", async () => {
      const url = `${smoke.baseUrl}${smoke.path}?EIO=3&transport=polling`;
      const res = await withTimeout(fetch(url), WAIT, "handshake");
      assert.equal(res.status, 200);
      const body = await res.text();
      // <len>:0{...}2:40 — the main-namespace CONNECT rides in the handshake response
      const m = /^(\d+):0(\{.*\})2:40$/.exec(body);
      assert.ok(m, body);
      assert.equal(Number(m[1]), 1 + m[2].length);
      const hs = JSON.parse(m[2]);
      assert.equal(typeof hs.sid, "string");
      assert.equal(hs.pingInterval, 300);
      assert.equal(hs.pingTimeout, 200);
      assert.deepEqual(hs.upgrades, ["websocket"]);
    });

    test("socket ids: the Engine.IO sid on /, /custom#<sid> on /custom", { timeout: 10000 }, async () => {
      for (const nsp of NAMESPACES) {
        const { socket } = await smoke.connect(nsp, ["websocket"]);
        assert.equal(socket.id.startsWith("/custom#"), nsp === "/custom", socket.id);
        smoke.close(socket);
      }
    });
  },
});
