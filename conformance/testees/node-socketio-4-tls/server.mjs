// TLS testee for the Socket.IO conformance runner: the reference testee's application
// (testees/node-socketio-4/server.mjs) served over `https.createServer({key, cert})`, so polling
// runs over https and WebSocket over wss. The key and certificate come from TLS_KEY and TLS_CERT
// (default certs/key.pem and certs/cert.pem, which run.sh generates with their CA certs/ca.pem).
//
// stdout carries exactly one line, `listening https://<host>:<port><path>`, printed once the server
// accepts connections. Diagnostics go to stderr, and only when DEBUG_TESTEE=1.

import { createServer } from "node:https";
import { isIP } from "node:net";
import { fstatSync, readFileSync } from "node:fs";
import { Server } from "socket.io";
import { installContract } from "../node-socketio-4/contract.mjs";

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
  tlsKey: (process.env.TLS_KEY ?? "").trim() || "certs/key.pem",
  tlsCert: (process.env.TLS_CERT ?? "").trim() || "certs/cert.pem",
};

function readPem(name, path) {
  try {
    return readFileSync(path);
  } catch (err) {
    fail(`${name}: cannot read ${path}: ${err.message} (run.sh generates certs/)`);
  }
}

// Contract behaviours: ../node-socketio-4/contract.mjs (installed on / and /custom below).

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const httpServer = createServer({
  key: readPem("TLS_KEY", config.tlsKey),
  cert: readPem("TLS_CERT", config.tlsCert),
});

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

const contract = { features: FEATURES, debug };
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
  io.close(() => process.exit(0));
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
  process.stdout.write(`listening https://${hostPart}:${port}${config.path}\n`);
  debug(`config ${JSON.stringify(config)}`);
});
