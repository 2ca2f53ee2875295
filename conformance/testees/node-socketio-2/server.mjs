// Testee for the Socket.IO conformance runner: a plain Node socket.io 2.5 server (Engine.IO protocol
// v3, Socket.IO protocol v4) that implements the TESTEE1 contract (spec/testee-contract.md) on the
// namespaces "/" and "/custom" as far as socket.io 2 allows, refuses every connection to "/refuse",
// and leaves every other namespace unknown.
//
// Adaptations forced by socket.io 2 (see README.md for the details):
// - TESTEE1-CORE-002: the Socket.IO v4 protocol has no CONNECT payload. A v2 client sends its "auth"
//   as query parameters: on the Engine.IO request URL (main namespace) and appended to the namespace
//   of the CONNECT packet (`40/custom?token=123,`). The server merges both into
//   `socket.handshake.query`, so the `auth` event carries that query minus the Engine.IO parameters
//   (EIO, transport, t, b64, sid, j). Every value is a string (or an array of strings when repeated).
// - TESTEE1-CERR-001: a v4 CONNECT_ERROR (`44`) carries one JSON value. socket.io 2 sends `err.data`
//   when it is set, else `err.message`, so the wire shows `44/refuse,{"code":4242}` and the message
//   "refused" never reaches the client.
// - CONNECT_TIMEOUT does not exist in socket.io 2: the variable is validated and ignored.
//
// stdout carries exactly one line, `listening http://<host>:<port><path>`, printed once the server
// accepts connections. Diagnostics go to stderr, and only when DEBUG_TESTEE=1.

import { createServer } from "node:http";
import SocketIO from "socket.io";
import { debug, listen, readConfig, stopOnSignalOrStdinEnd } from "../shared/config.mjs";

// Every feature of the contract works with socket.io 2, within the adaptations above.
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

// Query parameters that belong to Engine.IO, not to the application (CORE-002 adaptation).
const ENGINE_IO_PARAMS = new Set(["EIO", "transport", "t", "b64", "sid", "j"]);

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

// CONNECT_TIMEOUT is validated for symmetry with the other testees, but socket.io 2 has no
// connect timeout: a connection is joined to "/" implicitly, so there is nothing to time out.
const config = readConfig({ socketio4: false });

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

/**
 * TESTEE1-CORE-002, adapted: socket.io 2 has no CONNECT payload, so the "auth" of a socket is its
 * handshake query (Engine.IO request query merged with the namespace query of the CONNECT packet)
 * without the Engine.IO parameters.
 */
function authOf(socket) {
  const auth = {};
  for (const [key, value] of Object.entries(socket.handshake.query ?? {})) {
    if (!ENGINE_IO_PARAMS.has(key)) auth[key] = value;
  }
  return auth;
}

/** The connected socket of `nsp` whose id is `id`, or null (own properties only). */
function socketById(nsp, id) {
  if (!Object.prototype.hasOwnProperty.call(nsp.connected, id)) return null;
  const target = nsp.connected[id];
  return target && target.connected ? target : null;
}

/** Installs the TESTEE1 behaviours on one namespace. */
function installContract(nsp) {
  const watchers = new Set();

  nsp.on("connection", (socket) => {
    debug(`connect ${nsp.name} ${socket.id}`);

    // TESTEE1-CORE-002 (adapted, see authOf)
    socket.emit("auth", authOf(socket));

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

    // TESTEE1-ROOM-001 (socket.io 2: join takes a completion callback)
    socket.on("join", (...args) => {
      const { rest, ack } = splitAck(args);
      const room = rest[0];
      if (typeof room !== "string") {
        debug(`join ignored: room is not a string (${typeof room})`);
        return;
      }
      socket.join(room, (err) => {
        if (err) {
          debug(`join failed: ${err}`);
          return;
        }
        if (ack) ack(room);
      });
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
      const target = socketById(nsp, targetId);
      if (target) target.emit("private-back", socket.id, ...payload);
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

    // TESTEE1-SDISC-002: sends a DISCONNECT for every joined namespace, then closes Engine.IO.
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

const io = SocketIO(httpServer, {
  path: config.path,
  pingInterval: config.pingInterval,
  pingTimeout: config.pingTimeout,
  maxHttpBufferSize: config.maxHttpBufferSize,
  serveClient: false,
  origins: "*:*",
  // engine.io 3 defaults kept: cookie "io" on the handshake, perMessageDeflate off,
  // httpCompression on. No connection state recovery exists in socket.io 2 (TESTEE1-CONF-004).
});

// socket.io 2 / engine.io 3 have no `cors` option: they always answer with
// Access-Control-Allow-Origin (the request's Origin with credentials, or `*`), after checking the
// `origins` list (default "*:*", every origin). CORS=0 strips those headers from every response
// instead, which is what a server without CORS looks like to a browser.
// engine.attach() moves every earlier "request" listener behind its own path check, so this
// one is prepended after the attach.
if (!config.cors) {
  httpServer.prependListener("request", (_req, res) => {
    const writeHead = res.writeHead;
    res.writeHead = function (statusCode, ...rest) {
      for (const name of res.getHeaderNames()) {
        if (name.startsWith("access-control-")) res.removeHeader(name);
      }
      const headers = rest.find((x) => x && typeof x === "object");
      if (headers) {
        for (const name of Object.keys(headers)) {
          if (name.toLowerCase().startsWith("access-control-")) delete headers[name];
        }
      }
      return writeHead.call(this, statusCode, ...rest);
    };
  });
}

// "/" must stay without middleware: socket.io 2 then sends its implicit CONNECT (`40`) inside the
// Engine.IO handshake response, as every socket.io 2 deployment without middleware does.
installContract(io.of("/"));
installContract(io.of("/custom"));

// TESTEE1-CERR-001. socket.io 2 sends `err.data || err.message` as the CONNECT_ERROR payload, so
// this is `44/refuse,{"code":4242}` on the wire: the message "refused" is not transmitted.
io.of("/refuse").use((_socket, next) => {
  const err = new Error("refused");
  err.data = { code: 4242 };
  next(err);
});
// TESTEE1-CERR-002: no dynamic namespaces, so socket.io answers `44/<nsp>,"Invalid namespace"`.

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

stopOnSignalOrStdinEnd((done) => {
  io.close(done);
  // Pending long-polling GETs and idle keep-alive connections would hold httpServer.close().
  httpServer.closeAllConnections?.();
});
listen(httpServer, config);
