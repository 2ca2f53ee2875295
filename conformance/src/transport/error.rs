//! [`TransportError`]: why a transport operation did not complete.
//!
//! The variants say who is at fault (house style 8): the network or the peer (`ConnectRefused`,
//! `Connect`, `Tls`, `Timeout`, `Closed`, `Protocol`) or the calling case (`ApiMisuse`). Each has
//! a stable kebab-case [`TransportError::code`] for reports, and a `Display` that fits on one line.

use std::fmt;
use std::time::Duration;

/// Why a transport operation did not complete.
///
/// A server that misbehaves never makes the transport panic; it produces one of these, and the
/// runner grades it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum TransportError {
    /// Nothing listens on the address: the TCP connect was refused.
    ConnectRefused {
        /// `host:port` that refused.
        addr: String,
    },
    /// The TCP connect failed for another reason (name resolution, unreachable network, ...).
    Connect {
        /// `host:port` being connected to.
        addr: String,
        /// The operating system's explanation.
        message: String,
    },
    /// The TLS handshake or the TLS record layer failed (bad certificate, alert, ...).
    Tls {
        /// rustls's explanation.
        message: String,
    },
    /// A bounded wait ran out.
    Timeout {
        /// What was being waited for, e.g. `"http response"`.
        during: &'static str,
        /// How long was waited.
        after: Duration,
    },
    /// The peer closed or reset the connection before the operation completed, or the
    /// connection is already closed.
    Closed {
        /// What was in progress, e.g. `"ws recv"`.
        during: &'static str,
        /// Details (OS error, "eof", ...).
        message: String,
    },
    /// The peer sent something that is not valid HTTP/1.1 or WebSocket framing.
    Protocol {
        /// What was in progress.
        during: &'static str,
        /// The parser's explanation.
        message: String,
    },
    /// The calling case used the transport wrongly (invalid header name, send after
    /// `drop_tcp`, waiting twice for one response). A bug in the case, not in the server.
    ApiMisuse {
        /// What was wrong.
        message: String,
    },
}

impl TransportError {
    /// A stable kebab-case code for reports and expectation files.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::ConnectRefused { .. } => "connect-refused",
            Self::Connect { .. } => "connect-failed",
            Self::Tls { .. } => "tls",
            Self::Timeout { .. } => "timeout",
            Self::Closed { .. } => "closed",
            Self::Protocol { .. } => "protocol",
            Self::ApiMisuse { .. } => "api-misuse",
        }
    }

    /// Whether this is a [`TransportError::Timeout`].
    pub(crate) fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether this is a [`TransportError::Closed`].
    pub(crate) fn is_closed(&self) -> bool {
        matches!(self, Self::Closed { .. })
    }

    /// Classify an I/O error seen while `during` was in progress on an open connection.
    pub(crate) fn from_io(during: &'static str, err: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        // rustls reports TLS failures on the stream as `InvalidData` wrapping a rustls::Error.
        if err.kind() == ErrorKind::InvalidData
            && err
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
        {
            return Self::Tls {
                message: one_line(&err.to_string()),
            };
        }
        Self::Closed {
            during,
            message: one_line(&err.to_string()),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConnectRefused { addr } => write!(f, "connection refused by {addr}"),
            Self::Connect { addr, message } => write!(f, "cannot connect to {addr}: {message}"),
            Self::Tls { message } => write!(f, "TLS error: {message}"),
            Self::Timeout { during, after } => {
                write!(
                    f,
                    "timed out after {}ms waiting for {during}",
                    after.as_millis()
                )
            }
            Self::Closed { during, message } => {
                write!(f, "connection closed during {during}: {message}")
            }
            Self::Protocol { during, message } => {
                write!(f, "protocol error during {during}: {message}")
            }
            Self::ApiMisuse { message } => write!(f, "transport misused by the case: {message}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Collapse a multi-line message onto one line, so that every error prints as one report line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line() {
        let err = TransportError::Closed {
            during: "ws recv",
            message: one_line("a\nb  c"),
        };
        assert_eq!(err.to_string(), "connection closed during ws recv: a b c");
        assert_eq!(err.code(), "closed");
        let err = TransportError::Timeout {
            during: "http response",
            after: Duration::from_millis(250),
        };
        assert_eq!(
            err.to_string(),
            "timed out after 250ms waiting for http response"
        );
        assert!(err.is_timeout());
    }
}
