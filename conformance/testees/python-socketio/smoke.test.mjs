// Smoke test of the python-socketio testee: starts it with run.sh (which runs server.py in .venv) and
// checks every TESTEE1 behaviour with the official socket.io-client 4.8, over WebSocket and over HTTP
// long-polling, on "/" and "/custom" (the shared checks of ../shared/smoke.mjs). Every wait is
// bounded, so a misbehaving server makes the test fail, never hang.
//
// python-socketio behaviour asserted as it is (README "python-socketio behaviour kept as it is"):
// disconnect reasons "client disconnect" / "server disconnect", `auth` sent before the `40` answer,
// an unknown namespace refused with the bare string "Unable to connect", events with an ack id
// acknowledged even when the contract asks for none, close-me on long-polling losing packets, and
// pingInterval 1000 (python-engineio announces whole seconds only).
//
// Run with `node --test smoke.test.mjs` from this directory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { io, Manager } from "socket.io-client";
import {
  ALL_FEATURES,
  NAMESPACES,
  TRANSPORTS,
  ack,
  pollUntil,
  rawPolling,
  smokeTestee,
} from "../shared/smoke.mjs";

smokeTestee({
  dir: dirname(fileURLToPath(import.meta.url)),
  io,
  Manager,
  features: ALL_FEATURES.filter((f) => f !== "request-refusal"),
  handshake: { pingInterval: 1000 },
  reasons: { client: "client disconnect", server: "server disconnect" },
  closeMe: {
    // long-polling: python-engineio closes the session before the client fetched the queued `41`s
    // and close packet; whatever is left is lost and the next GET gets HTTP 400, which the client
    // reports as "transport error". Which packets got through depends on timing.
    reasons: (transport) =>
      transport === "websocket" ? ["io server disconnect"] : ["io server disconnect", "transport error"],
    closesEngine: true,
  },
  connectError: {
    event: "connect_error",
    refused(err) {
      assert.equal(err.message, "refused");
      assert.deepEqual(err.data, { code: 4242 });
    },
    // python-socketio sends `44/nope,"Unable to connect"`: a string where the client expects
    // {message}, so the client's Error has an empty message and no data.
    unknown(err) {
      assert.equal(err.message, "");
      assert.equal(err.data, undefined);
    },
  },
  more(smoke) {
    test("every event with an ack id is acknowledged, with [] when the handler returns nothing", { timeout: 10000 }, async () => {
      for (const transports of TRANSPORTS) {
        const sockets = await smoke.connectBoth(transports);
        for (const nsp of NAMESPACES) {
          assert.deepEqual(await ack(sockets[nsp], "message", 1), [], `${transports[0]} ${nsp}`);
        }
        smoke.close(...Object.values(sockets));
      }
    });

    test("`auth` is sent before the `40` CONNECT answer (python-socketio order)", { timeout: 10000 }, async () => {
      const raw = await rawPolling(smoke.baseUrl, smoke.path);
      assert.deepEqual(await raw.send('40{"token":"x"}'), [200, "OK"]);
      const seen = await pollUntil(raw, (all) => all.some((p) => p.startsWith("40")), "the CONNECT answer");
      const packets = seen.filter((p) => p !== "2");
      assert.equal(packets[0], '42["auth",{"token":"x"}]', JSON.stringify(seen));
      assert.match(packets[1], /^40\{"sid":"[^"]+"\}$/, JSON.stringify(seen));
      await raw.send("1");
    });
  },
});
