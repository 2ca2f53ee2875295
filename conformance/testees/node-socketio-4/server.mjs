// Reference testee for the Socket.IO conformance runner: a plain Node socket.io 4.8 server that
// implements the TESTEE1 contract (spec/testee-contract.md) on the namespaces "/" and "/custom",
// refuses every connection to "/refuse", and leaves every other namespace unknown.
//
// stdout carries exactly one line, `listening http://<host>:<port><path>`, printed once the server
// accepts connections. Diagnostics go to stderr, and only when DEBUG_TESTEE=1.

import { createServer } from "node:http";
import { Server } from "socket.io";
import { installTestee, serverOptions } from "./contract.mjs";
import { DEBUG, debug, listen, readConfig, stopOnSignalOrStdinEnd } from "../shared/config.mjs";

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

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

const config = readConfig();

// Contract behaviours: ./contract.mjs of node-socketio-4 (installed on / and /custom below).

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const httpServer = createServer();

const io = new Server(httpServer, serverOptions(config, { refuseRequests: true }));

const contract = { features: FEATURES, debug };
installTestee(io, contract, { logEngineErrors: DEBUG });

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

stopOnSignalOrStdinEnd((done) => io.close(done));
listen(httpServer, config);
