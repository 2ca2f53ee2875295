// What the Node testees (node-socketio-4, -tls, -redis and node-socketio-2) share around their
// socket.io application: reading the environment (the variables of each README's table, with the
// same defaults and error messages), debug output, and the process lifecycle (stop on SIGTERM,
// SIGINT, SIGHUP or stdin end; listen and print the single `listening …` line).
//
// No npm imports: this folder has no node_modules (Node resolves a bare import from the importing
// file's folder). Each server imports its own socket.io.

import { isIP } from "node:net";
import { fstatSync } from "node:fs";

export const DEBUG = process.env.DEBUG_TESTEE === "1";
export const debug = (...parts) => {
  if (DEBUG) process.stderr.write(`[testee] ${parts.join(" ")}\n`);
};

/** Stops the server with exit code 2 and `message` on stderr (an invalid configuration). */
export function fail(message) {
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

/**
 * Reads the configuration from the environment, in this order (the first invalid variable stops
 * the server): PORT, HOST, PING_INTERVAL, PING_TIMEOUT, MAX_HTTP_BUFFER_SIZE, CONNECT_TIMEOUT,
 * ALLOW_EIO3 (socket.io 4 only), SIO_PATH, CORS, TRANSPORTS (socket.io 4 only).
 *
 * `socketio4: false` (socket.io 2) leaves out ALLOW_EIO3 and TRANSPORTS, which socket.io 2 does
 * not have; CONNECT_TIMEOUT is still validated there, and ignored by the server.
 */
export function readConfig({ socketio4 = true } = {}) {
  const config = {
    port: envNumber("PORT", 0, { max: 65535 }),
    host: loopbackHost(process.env.HOST),
    pingInterval: envNumber("PING_INTERVAL", 300, { min: 1 }),
    pingTimeout: envNumber("PING_TIMEOUT", 200, { min: 1 }),
    maxHttpBufferSize: envNumber("MAX_HTTP_BUFFER_SIZE", 1e6, { min: 1 }),
    connectTimeout: envNumber("CONNECT_TIMEOUT", 1000, { min: 1 }),
  };
  if (socketio4) config.allowEIO3 = envBool("ALLOW_EIO3", false);
  config.path = normalisePath(process.env.SIO_PATH);
  config.cors = envBool("CORS", true);
  if (socketio4) config.transports = transportList(process.env.TRANSPORTS);
  return config;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

/**
 * Stops the process with exit code 0 on SIGTERM, SIGINT, SIGHUP, and on the end of stdin when
 * stdin is a pipe or a socket. `close(done)` closes the server and calls `done` when it is closed;
 * the process exits after 1 s in any case.
 */
export function stopOnSignalOrStdinEnd(close) {
  let shuttingDown = false;
  function shutdown(why) {
    if (shuttingDown) return;
    shuttingDown = true;
    debug(`shutting down (${why})`);
    const force = setTimeout(() => process.exit(0), 1000);
    force.unref();
    close(() => process.exit(0));
  }

  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGHUP", () => shutdown("SIGHUP"));

  // Exit when the parent goes away: a parent that spawned us with a pipe (or socket) on stdin
  // closes it when it exits or dies. A stdin that is /dev/null, a file or a terminal is not
  // watched, so the server can still be started by hand or in the background of a shell.
  if (stdinIsPipe()) {
    process.stdin.on("end", () => shutdown("stdin end"));
    process.stdin.on("close", () => shutdown("stdin close"));
    process.stdin.on("error", () => shutdown("stdin error"));
    process.stdin.on("data", () => {}); // discard anything written to us
    process.stdin.resume();
  }
}

function stdinIsPipe() {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

/**
 * Listens on config.host:config.port and, once listening, prints the one stdout line
 * `listening <scheme>://<host>:<port><path>`. A listen error exits with code 1.
 */
export function listen(httpServer, config, scheme = "http") {
  httpServer.on("error", (err) => {
    process.stderr.write(`testee: cannot listen on ${config.host}:${config.port}: ${err.message}\n`);
    process.exit(1);
  });

  httpServer.listen(config.port, config.host, () => {
    const { port } = httpServer.address();
    const hostPart = config.host.includes(":") ? `[${config.host}]` : config.host;
    process.stdout.write(`listening ${scheme}://${hostPart}:${port}${config.path}\n`);
    debug(`config ${JSON.stringify(config)}`);
  });
}
