// Smoke test of the reference testee: starts it with run.sh and checks every TESTEE1 behaviour with
// the official socket.io client, over WebSocket and over HTTP long-polling, on "/" and "/custom"
// (the shared checks of ../shared/smoke.mjs, which this testee defines: it has no quirks), plus
// TESTEE1-RREF-001. Every wait is bounded, so a misbehaving server makes the test fail, never hang.
//
// Run with `node --test smoke.test.mjs` from this directory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { io, Manager } from "socket.io-client";
import { ALL_FEATURES, WAIT, smokeTestee, withTimeout } from "../shared/smoke.mjs";

smokeTestee({
  dir: dirname(fileURLToPath(import.meta.url)),
  io,
  Manager,
  features: ALL_FEATURES,
  more(smoke) {
    test("a handshake with refuse=1 is refused by the application (RREF)", async () => {
      const url = `${smoke.baseUrl}${smoke.path}?EIO=4&transport=polling&refuse=1`;
      const res = await withTimeout(fetch(url), WAIT, "refused handshake");
      assert.equal(res.status, 403);
      assert.equal(JSON.parse(await res.text()).code, 4);
    });
  },
});
