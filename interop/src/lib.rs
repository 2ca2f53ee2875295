//! Real IO for the sans-IO session machines of `socketio-codec`.
//!
//! Two thin tokio drivers, each a loop around the machines' `handle_*` / `poll_output` API
//! (house style, practice 7: no second driving API inside the codec):
//!
//! - [`client`]: one task owns an Engine.IO [`ClientSession`] and a Socket.IO [`Client`]; HTTP
//!   long-polling requests (hyper) and the WebSocket (tokio-tungstenite) run in IO tasks that feed
//!   their results back through a channel. [`client::run_checks`] walks a real server (the Node
//!   socket.io 4.8 testee, or [`server`]) through the testee contract's core behaviours.
//! - [`server`]: a hyper HTTP/1.1 server with WebSocket upgrades; one task per Engine.IO session
//!   owns a [`ServerSession`] and a Socket.IO [`Server`] that implements the core of the testee
//!   contract (`auth` on connect, `message` → `message-back`, `message-with-ack` → ack).
//!
//! Every loop follows the machines' contract: after each input (an IO result, a command, a
//! timer), drain `poll_output` until `Timeout`, perform the transmits, then sleep until the
//! earliest deadline with `tokio::time`, passing `Instant::now()` as `now`.
//!
//! [`ClientSession`]: socketio_codec::engine_io::session::ClientSession
//! [`ServerSession`]: socketio_codec::engine_io::session::ServerSession
//! [`Client`]: socketio_codec::socket_io::session::Client
//! [`Server`]: socketio_codec::socket_io::session::Server

pub mod client;
mod http;
pub mod server;
pub mod transcript;
mod ws;

pub use transcript::Transcript;
