//! Protocol revisions and transport names, as they appear in the request query.

/// The Engine.IO protocol revision, sent by the client as the `EIO` query parameter.
///
/// Only revisions 3 and 4 exist for this crate; revision 2 (Socket.IO ≤ 0.9) is out of scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// `EIO=3`: Socket.IO 1.x–2.x. Client pings, length-prefixed polling payloads, binary
    /// WebSocket frames carry a type byte.
    V3,
    /// `EIO=4`: Socket.IO ≥ 3. Server pings, `\x1e`-separated payloads, raw binary frames.
    V4,
}

impl ProtocolVersion {
    /// Parses the value of the `EIO` query parameter: exactly `"3"` or `"4"`.
    ///
    /// The reference server with `allowEIO3` treats every value other than `"4"` as v3; this
    /// function is strict and returns `None` for anything else.
    pub fn from_query_value(value: &str) -> Option<Self> {
        match value {
            "3" => Some(ProtocolVersion::V3),
            "4" => Some(ProtocolVersion::V4),
            _ => None,
        }
    }

    /// The value of the `EIO` query parameter: `"3"` or `"4"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProtocolVersion::V3 => "3",
            ProtocolVersion::V4 => "4",
        }
    }
}

/// An Engine.IO transport, as named by the `transport` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// `polling`: HTTP long-polling.
    Polling,
    /// `websocket`: one Engine.IO packet per WebSocket message.
    WebSocket,
    /// `webtransport`: Engine.IO 4.1, optional.
    WebTransport,
}

impl TransportKind {
    /// Parses the value of the `transport` query parameter (exact, case-sensitive match).
    pub fn from_query_value(value: &str) -> Option<Self> {
        match value {
            "polling" => Some(TransportKind::Polling),
            "websocket" => Some(TransportKind::WebSocket),
            "webtransport" => Some(TransportKind::WebTransport),
            _ => None,
        }
    }

    /// The value of the `transport` query parameter.
    pub fn as_str(&self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
            TransportKind::WebTransport => "webtransport",
        }
    }
}

impl std::str::FromStr for TransportKind {
    type Err = UnknownTransport;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TransportKind::from_query_value(s).ok_or(UnknownTransport)
    }
}

/// The string is not `polling`, `websocket` or `webtransport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownTransport;

impl std::fmt::Display for UnknownTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unknown transport")
    }
}

impl std::error::Error for UnknownTransport {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eio_values() {
        assert_eq!(
            ProtocolVersion::from_query_value("3"),
            Some(ProtocolVersion::V3)
        );
        assert_eq!(
            ProtocolVersion::from_query_value("4"),
            Some(ProtocolVersion::V4)
        );
        for bad in ["", "2", "5", "04", " 4", "abc", "4.1"] {
            assert_eq!(ProtocolVersion::from_query_value(bad), None, "{bad:?}");
        }
        assert_eq!(ProtocolVersion::V3.as_str(), "3");
        assert_eq!(ProtocolVersion::V4.as_str(), "4");
    }

    #[test]
    fn transport_values() {
        for t in [
            TransportKind::Polling,
            TransportKind::WebSocket,
            TransportKind::WebTransport,
        ] {
            assert_eq!(TransportKind::from_query_value(t.as_str()), Some(t));
            assert_eq!(t.as_str().parse::<TransportKind>(), Ok(t));
        }
        assert_eq!(TransportKind::from_query_value("WebSocket"), None);
        assert_eq!(
            "flashsocket".parse::<TransportKind>(),
            Err(UnknownTransport)
        );
    }
}
