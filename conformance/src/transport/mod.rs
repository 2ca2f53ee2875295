//! Transports: raw HTTP long-polling, WebSocket and TCP I/O against the server under test.
//!
//! This layer moves bytes and records them; it never encodes or decodes Engine.IO or Socket.IO
//! (the `socketio-codec` crate does). A case gets full, raw control: any method, query, header and
//! body on polling; any text, binary or raw frame on WebSocket; any bytes at all through
//! [`raw::raw_exchange`] (house style 24).
//!
//! Theory of operation:
//!
//! - A run parses its [`Target`] and builds one TLS config ([`tls::client_config`]), then one
//!   [`Connector`] that opens a **fresh** connection for every request, WebSocket or raw exchange.
//! - Each case gets its own [`Transcript`]; every transport it opens records into it, and a
//!   failing case prints [`Transcript::render`] (or embeds [`Transcript::to_json`] in the report).
//! - Every wait takes a timeout. A server that hangs, resets, or sends garbage produces a
//!   [`TransportError`] (never a panic), and the case grades it.
//! - WebSocket messages are queued as they arrive by a reader task, so none is missed between two
//!   reads (interop-bugs #25).
//!
//! A case, roughly (not compiled: doctests do not run in a binary crate):
//!
//! ```ignore
//! let transcript = Transcript::new();
//! let polling = PollingClient::new(connector.clone(), transcript.clone());
//! let open = polling.get("EIO=4&transport=polling", Duration::from_secs(2)).await?;
//! // ... decode `open.body` with the codec, take the sid ...
//! let mut get = polling.spawn_request(Method::GET, &format!("EIO=4&transport=polling&sid={sid}"),
//!                                     &[], Bytes::new(), Duration::from_secs(60));
//! let WsConnect::Open(mut ws) = WsConn::connect(&connector, &transcript,
//!     &format!("EIO=4&transport=websocket&sid={sid}"), &[], Duration::from_secs(2)).await? else { .. };
//! ws.send_text("2probe").await?;
//! assert_eq!(ws.recv(Duration::from_secs(2)).await?, WsEvent::Text("3probe".into()));
//! assert_eq!(get.wait(Duration::from_secs(2)).await?.body, "6");
//! ws.send_text("5").await?;
//! ```

pub(crate) mod error;
pub(crate) mod polling;
pub(crate) mod raw;
pub(crate) mod stream;
pub(crate) mod target;
pub(crate) mod tls;
pub(crate) mod transcript;
pub(crate) mod websocket;

// The names case authors use. Unused until the cases exist.
#[allow(unused_imports)]
pub(crate) use {
    error::TransportError,
    polling::{HttpResponse, PendingRequest, PollingClient},
    raw::{RawEnd, RawResponse, raw_exchange},
    stream::Connector,
    target::{Scheme, Target, TargetError},
    tls::{TlsOptions, client_config},
    transcript::{Direction, Entry, EntryKind, Transcript},
    websocket::{CloseCause, WsConn, WsConnect, WsEvent, WsRefusal},
};
