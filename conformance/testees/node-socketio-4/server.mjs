// Reference testee for the Socket.IO conformance runner: a plain Node socket.io 4.8 server that
// implements the TESTEE1 contract (spec/testee-contract.md) on the namespaces "/" and "/custom",
// refuses every connection to "/refuse", and leaves every other namespace unknown.
//
// stdout carries exactly one line, `listening http://<host>:<port><path>`, printed once the server
// accepts connections. Diagnostics go to stderr, and only when DEBUG_TESTEE=1.

import { createServer } from "node:http";
import { isIP } from "node:net";
import { fstatSync } from "node:fs";
import { Server } from "socket.io";

const FEATURES = [
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
};

// ---------------------------------------------------------------------------------------------
// Contract behaviours
// ---------------------------------------------------------------------------------------------

/** Splits the handler arguments into the event arguments and the ack callback (if any). */
function splitAck(args) {
  if (args.length > 0 && typeof args[args.length - 1] === "function") {
    return { rest: args.slice(0, -1), ack: args[args.length - 1] };
  }
  return { rest: args, ack: null };
}

/** Installs the TESTEE1 behaviours on one namespace. */
function installContract(nsp) {
  const watchers = new Set();

  nsp.on("connection", (socket) => {
    debug(`connect ${nsp.name} ${socket.id}`);

    // TESTEE1-CORE-002
    socket.emit("auth", socket.handshake.auth ?? {});

    // TESTEE1-CORE-003
    socket.on("message", (...args) => {
      const { rest } = splitAck(args);
      socket.emit("message-back", ...rest);
    });

    // TESTEE1-CORE-004
    socket.on("message-with-ack", (...args) => {
      const { rest, ack } = splitAck(args);
      if (ack) ack(...rest);
    });

    // TESTEE1-CORE-005
    socket.on("features", (...args) => {
      const { ack } = splitAck(args);
      if (ack) ack([...FEATURES]);
    });

    // TESTEE1-ACK-001 / ACK-002
    socket.on("emit-with-ack", (...args) => {
      const { rest } = splitAck(args);
      socket.emit("emit-with-ack", ...rest, (...res) => {
        if (socket.connected) socket.emit("emit-with-ack-result", ...res);
      });
    });

    // TESTEE1-BCAST-001
    socket.on("broadcast", (...args) => {
      const { rest } = splitAck(args);
      nsp.emit("broadcast-back", ...rest);
    });

    // TESTEE1-BCAST-002
    socket.on("broadcast-others", (...args) => {
      const { rest } = splitAck(args);
      socket.broadcast.emit("broadcast-back", ...rest);
    });

    // TESTEE1-ROOM-001
    socket.on("join", (...args) => {
      const { rest, ack } = splitAck(args);
      const room = rest[0];
      if (typeof room !== "string") {
        debug(`join ignored: room is not a string (${typeof room})`);
        return;
      }
      Promise.resolve(socket.join(room)).then(
        () => {
          if (ack) ack(room);
        },
        (err) => debug(`join failed: ${err}`),
      );
    });

    // TESTEE1-ROOM-002
    socket.on("to-room", (...args) => {
      const { rest } = splitAck(args);
      const [room, ...payload] = rest;
      if (typeof room !== "string") return;
      nsp.to(room).emit("room-back", ...payload);
    });

    // TESTEE1-TGT-001 / TGT-002: look the socket up by id (not by room, so a room that happens to
    // be named like a socket id cannot widen the audience).
    socket.on("private", (...args) => {
      const { rest } = splitAck(args);
      const [targetId, ...payload] = rest;
      if (typeof targetId !== "string") return;
      const target = nsp.sockets.get(targetId);
      if (target && target.connected) target.emit("private-back", socket.id, ...payload);
    });

    // TESTEE1-LIFE-001
    socket.on("watch", (...args) => {
      const { ack } = splitAck(args);
      watchers.add(socket);
      if (ack) ack();
    });

    // TESTEE1-SDISC-001
    socket.on("disconnect-me", () => {
      socket.disconnect();
    });

    // TESTEE1-SDISC-002
    socket.on("close-me", () => {
      socket.disconnect(true);
    });

    // TESTEE1-LIFE-002
    socket.on("disconnect", (reason) => {
      debug(`disconnect ${nsp.name} ${socket.id} ${reason}`);
      watchers.delete(socket);
      for (const watcher of watchers) {
        if (watcher !== socket && watcher.connected) {
          watcher.emit("peer-disconnect", socket.id, reason);
        }
      }
    });
  });
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
  // TESTEE1-RREF-001: a handshake with `refuse=1` is refused by the application (code 4, 403).
  allowRequest: (req, callback) => {
    const refused = new URL(req.url, "http://testee.invalid").searchParams.get("refuse") === "1";
    callback(refused ? "refused by the testee" : null, !refused);
  },
  // TESTEE1-CONF-004: no connection state recovery (it is off unless configured; stated here).
  ...(config.cors ? { cors: { origin: "*" } } : {}),
});

installContract(io.of("/"));
installContract(io.of("/custom"));

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
  process.stdout.write(`listening http://${hostPart}:${port}${config.path}\n`);
  debug(`config ${JSON.stringify(config)}`);
});
