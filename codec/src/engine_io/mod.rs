//! Engine.IO: packets, polling payloads, handshake, query parameters and error codes.
