// Cluster testee for the Socket.IO conformance runner: ONE node of a cluster of Node socket.io 4.8
// servers that share the Redis adapter (@socket.io/redis-adapter, REDIS_URL). It is the reference
// testee's application (testees/node-socketio-4/server.mjs) with two changes: the adapter, and a
// `private` that reaches a socket on any node. run.sh starts Redis and two of these nodes.
//
// stdout carries exactly one line, `listening http://<host>:<port><path>`, printed once the server
// is connected to Redis and accepts connections. Diagnostics go to stderr, and only when
// DEBUG_TESTEE=1.

import { createServer } from "node:http";
import { isIP } from "node:net";
import { fstatSync } from "node:fs";
import { Server } from "socket.io";
import { installContract } from "../node-socketio-4/contract.mjs";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";

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

const DEBUG = process.env.DEBUG_TESTEE === "1";
const debug = (...parts) => {
  if (DEBUG) process.stderr.write(`[testee] ${parts.join(" ")}\n`);
};

function fail(message) {
  process.stderr.write(`testee: ${message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

function envNumber(name, fallback, { min = 0, max = Number.MAX_SAFE_INTEGER, integer = true } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    fail(`${name}=${JSON.stringify(raw)} is not a valid number in [${min}, ${max}]`);
  }
  return value;
}

function envBool(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const v = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  fail(`${name}=${JSON.stringify(raw)} is not a boolean (use 1 or 0)`);
}

function loopbackHost(raw) {
  let host = (raw ?? "").trim();
  if (host === "") return "127.0.0.1";
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.toLowerCase() === "localhost") return "127.0.0.1";
  const family = isIP(host);
  if (family === 4 && host.split(".")[0] === "127") return host;
  if (family === 6 && (host === "::1" || /^(0{0,4}:){7}0{0,3}1$/.test(host))) return "::1";
  fail(`HOST=${JSON.stringify(raw)} is not a loopback address (use 127.0.0.1 or ::1)`);
}

function transportList(raw) {
  const value = (raw ?? "").trim();
  if (value === "") return ["polling", "websocket"];
  const list = value.split(",").map((t) => t.trim());
  if (list.length === 0 || list.some((t) => !["polling", "websocket"].includes(t))) {
    fail(`TRANSPORTS=${JSON.stringify(raw)} must list polling and/or websocket`);
  }
  return list;
}

function normalisePath(raw) {
  let path = (raw ?? "").trim() || "/socket.io/";
  if (!path.startsWith("/")) path = `/${path}`;
  if (!path.endsWith("/")) path = `${path}/`;
  return path;
}

const config = {
  port: envNumber("PORT", 0, { max: 65535 }),
  host: loopbackHost(process.env.HOST),
  pingInterval: envNumber("PING_INTERVAL", 300, { min: 1 }),
  pingTimeout: envNumber("PING_TIMEOUT", 200, { min: 1 }),
  maxHttpBufferSize: envNumber("MAX_HTTP_BUFFER_SIZE", 1e6, { min: 1 }),
  connectTimeout: envNumber("CONNECT_TIMEOUT", 1000, { min: 1 }),
  allowEIO3: envBool("ALLOW_EIO3", false),
  path: normalisePath(process.env.SIO_PATH),
  cors: envBool("CORS", true),
  transports: transportList(process.env.TRANSPORTS),
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

const io = new Server(httpServer, {
  path: config.path,
  pingInterval: config.pingInterval,
  pingTimeout: config.pingTimeout,
  maxHttpBufferSize: config.maxHttpBufferSize,
  connectTimeout: config.connectTimeout,
  allowEIO3: config.allowEIO3,
  transports: config.transports,
  serveClient: false,
  // TESTEE1-CONF-004: no connection state recovery (it is off unless configured; stated here).
  ...(config.cors ? { cors: { origin: "*" } } : {}),
});

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
installContract(io.of("/"), contract);
installContract(io.of("/custom"), contract);

// TESTEE1-CERR-001
io.of("/refuse").use((_socket, next) => {
  const err = new Error("refused");
  err.data = { code: 4242 };
  next(err);
});
// TESTEE1-CERR-002: no dynamic namespaces, so socket.io answers "Invalid namespace" itself.

if (DEBUG) {
  io.engine.on("connection_error", (err) => {
    debug(`engine connection_error ${err.code} ${err.message}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

let shuttingDown = false;
function shutdown(why) {
  if (shuttingDown) return;
  shuttingDown = true;
  debug(`shutting down (${why})`);
  const force = setTimeout(() => process.exit(0), 1000);
  force.unref();
  io.close(() => {
    Promise.allSettled([pubClient.quit(), subClient.quit()]).finally(() => process.exit(0));
  });
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGHUP", () => shutdown("SIGHUP"));

// Exit when the parent goes away: a parent that spawned us with a pipe (or socket) on stdin closes
// it when it exits or dies. A stdin that is /dev/null, a file or a terminal is not watched, so the
// server can still be started by hand or in the background of a shell.
function stdinIsPipe() {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}
if (stdinIsPipe()) {
  process.stdin.on("end", () => shutdown("stdin end"));
  process.stdin.on("close", () => shutdown("stdin close"));
  process.stdin.on("error", () => shutdown("stdin error"));
  process.stdin.on("data", () => {}); // discard anything written to us
  process.stdin.resume();
}

httpServer.on("error", (err) => {
  process.stderr.write(`testee: cannot listen on ${config.host}:${config.port}: ${err.message}\n`);
  process.exit(1);
});

httpServer.listen(config.port, config.host, () => {
  const { port } = httpServer.address();
  const hostPart = config.host.includes(":") ? `[${config.host}]` : config.host;
  process.stdout.write(`listening http://${hostPart}:${port}${config.path}\n`);
  debug(`config ${JSON.stringify(config)}`);
});
