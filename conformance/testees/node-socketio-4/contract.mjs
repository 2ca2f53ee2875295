// The testee contract (spec/testee-contract.md) on one socket.io 4 namespace, the server options
// and the namespaces of the testee application, shared by the node-socketio-4 testee and its
// variants (node-socketio-4-tls, node-socketio-4-redis). It imports nothing, so each testee uses it
// with its own node_modules.

/** Splits the handler arguments into the event arguments and the ack callback (if any). */
export function splitAck(args) {
  if (args.length > 0 && typeof args[args.length - 1] === "function") {
    return { rest: args.slice(0, -1), ack: args[args.length - 1] };
  }
  return { rest: args, ack: null };
}

/** Installs the TESTEE1 behaviours on one namespace. */
export function installContract(nsp, { features, debug, sendPrivate = sendPrivateLocal }) {
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
      if (ack) ack([...features]);
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

    // TESTEE1-TGT-001 / TGT-002
    socket.on("private", (...args) => {
      const { rest } = splitAck(args);
      const [targetId, ...payload] = rest;
      if (typeof targetId !== "string") return;
      sendPrivate(nsp, targetId, socket.id, payload);
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

/**
 * TESTEE1-TGT-001 / TGT-002 on one node: look the socket up by id (not by room, so a room that
 * happens to be named like a socket id cannot widen the audience).
 */
export function sendPrivateLocal(nsp, targetId, senderId, payload) {
  const target = nsp.sockets.get(targetId);
  if (target && target.connected) target.emit("private-back", senderId, ...payload);
}

/**
 * The socket.io 4 `Server` options of the testees, from `readConfig()` of shared/config.mjs.
 * `refuseRequests`: TESTEE1-RREF-001, a handshake with `refuse=1` is refused by the application
 * (code 4, 403).
 */
export function serverOptions(config, { refuseRequests = false } = {}) {
  return {
    path: config.path,
    pingInterval: config.pingInterval,
    pingTimeout: config.pingTimeout,
    maxHttpBufferSize: config.maxHttpBufferSize,
    connectTimeout: config.connectTimeout,
    allowEIO3: config.allowEIO3,
    transports: config.transports,
    serveClient: false,
    ...(refuseRequests
      ? {
          allowRequest: (req, callback) => {
            const refused = new URL(req.url, "http://testee.invalid").searchParams.get("refuse") === "1";
            callback(refused ? "refused by the testee" : null, !refused);
          },
        }
      : {}),
    // TESTEE1-CONF-004: no connection state recovery (it is off unless configured; stated here).
    ...(config.cors ? { cors: { origin: "*" } } : {}),
  };
}

/**
 * Installs the testee application on a socket.io 4 server: the contract on "/" and "/custom"
 * (`contract` as for installContract), the refusing namespace "/refuse", and, when
 * `logEngineErrors`, a debug line for every Engine.IO connection error.
 */
export function installTestee(io, contract, { logEngineErrors = false } = {}) {
  installContract(io.of("/"), contract);
  installContract(io.of("/custom"), contract);

  // TESTEE1-CERR-001
  io.of("/refuse").use((_socket, next) => {
    const err = new Error("refused");
    err.data = { code: 4242 };
    next(err);
  });
  // TESTEE1-CERR-002: no dynamic namespaces, so socket.io answers "Invalid namespace" itself.

  if (logEngineErrors) {
    io.engine.on("connection_error", (err) => {
      contract.debug(`engine connection_error ${err.code} ${err.message}`);
    });
  }
}
