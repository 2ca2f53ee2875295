// TLS testee for the Socket.IO conformance runner: the reference testee's application
// (testees/node-socketio-4/server.mjs) served over `https.createServer({key, cert})`, so polling
// runs over https and WebSocket over wss. The key and certificate come from TLS_KEY and TLS_CERT
// (default certs/key.pem and certs/cert.pem, which run.sh generates with their CA certs/ca.pem).
//
// stdout carries exactly one line, `listening https://<host>:<port><path>`, printed once the server
// accepts connections. Diagnostics go to stderr, and only when DEBUG_TESTEE=1.

import { createServer } from "node:https";
import { readFileSync } from "node:fs";
import { Server } from "socket.io";
import { installTestee, serverOptions } from "../node-socketio-4/contract.mjs";
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

const io = new Server(httpServer, serverOptions(config));

const contract = { features: FEATURES, debug };
installTestee(io, contract, { logEngineErrors: DEBUG });

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

stopOnSignalOrStdinEnd((done) => io.close(done));
listen(httpServer, config, "https");
