// Cluster testee for the Socket.IO conformance runner: ONE node of a cluster of Node socket.io 4.8
// servers that share the Redis adapter (@socket.io/redis-adapter, REDIS_URL). It is the reference
// testee's application (testees/node-socketio-4/server.mjs) with two changes: the adapter, and a
// `private` that reaches a socket on any node. run.sh starts Redis and two of these nodes.
//
// stdout carries exactly one line, `listening http://<host>:<port><path>`, printed once the server
// is connected to Redis and accepts connections. Diagnostics go to stderr, and only when
// DEBUG_TESTEE=1.

import { createServer } from "node:http";
import { Server } from "socket.io";
import { installTestee, serverOptions } from "../node-socketio-4/contract.mjs";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { DEBUG, debug, fail, listen, readConfig, stopOnSignalOrStdinEnd } from "../shared/config.mjs";

const FEATURES = [
  "core",
  "server-ack",
  "broadcast",
  "rooms",
  "targeted",
  "lifecycle",
  "server-disconnect",
  "connect-error",
];

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

const config = {
  ...readConfig(),
  redisUrl: (process.env.REDIS_URL ?? "").trim(),
};
if (config.redisUrl === "") fail("REDIS_URL is not set (e.g. redis://127.0.0.1:6379); run.sh sets it");

// Contract behaviours: ../node-socketio-4/contract.mjs (installed on / and /custom below).

/**
 * TESTEE1-TGT-001 / TGT-002 across nodes: the target may live on another node, so emit to the room
 * named by its id through the adapter (every socket is alone in the room named by its id; the
 * contract's rooms are chosen by the runner and never look like socket ids). A local target is
 * reached directly.
 */
function sendPrivateAcrossNodes(nsp, targetId, senderId, payload) {
  const local = nsp.sockets.get(targetId);
  if (local) {
    if (local.connected) local.emit("private-back", senderId, ...payload);
    return;
  }
  nsp.to(targetId).emit("private-back", senderId, ...payload);
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const httpServer = createServer();

const io = new Server(httpServer, serverOptions(config));

// The Redis adapter: broadcasts and room emits reach the sockets of every node.
const pubClient = createClient({ url: config.redisUrl });
const subClient = pubClient.duplicate();
for (const [name, client] of [["pub", pubClient], ["sub", subClient]]) {
  client.on("error", (err) => debug(`redis ${name} error: ${err.message}`));
}
try {
  await Promise.all([pubClient.connect(), subClient.connect()]);
} catch (err) {
  fail(`cannot connect to Redis at ${config.redisUrl}: ${err.message}`);
}
io.adapter(createAdapter(pubClient, subClient));

const contract = { features: FEATURES, debug, sendPrivate: sendPrivateAcrossNodes };
installTestee(io, contract, { logEngineErrors: DEBUG });

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

stopOnSignalOrStdinEnd((done) =>
  io.close(() => {
    Promise.allSettled([pubClient.quit(), subClient.quit()]).finally(done);
  }),
);
listen(httpServer, config);
