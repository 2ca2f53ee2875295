//! [`Target`]: the server under test, parsed from the command line's URL.
//!
//! Accepted forms: `http://host[:port][/path]` and `https://host[:port][/path]`, with `host` a
//! name, an IPv4 address, or a bracketed IPv6 address. A missing or `/` path means the Socket.IO
//! default `/socket.io/`; any other path is kept exactly as given (no trailing slash is added), so a
//! case can target `/engine.io/` or a deliberately odd path. Query strings, fragments and user
//! info are refused: cases build every query themselves.

use std::fmt;

/// The Socket.IO default path, used when the URL has none.
pub(crate) const DEFAULT_PATH: &str = "/socket.io/";

/// `http` or `https`. WebSocket URLs derive from it (`ws` / `wss`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// Plain TCP.
    Http,
    /// TLS over TCP.
    Https,
}

impl Scheme {
    /// The port used when the URL names none.
    pub(crate) fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }

    /// Whether connections need TLS.
    pub(crate) fn is_tls(self) -> bool {
        self == Self::Https
    }
}

/// Where the server under test listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// `http` or `https`.
    pub(crate) scheme: Scheme,
    /// Host name or IP address, without IPv6 brackets.
    pub(crate) host: String,
    /// TCP port (the scheme's default when the URL names none).
    pub(crate) port: u16,
    /// Request path, starting with `/` (default [`DEFAULT_PATH`]).
    pub(crate) path: String,
}

/// Why a target URL was refused. Displays as one line naming the input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum TargetError {
    /// No `scheme://` prefix.
    MissingScheme(String),
    /// A scheme other than `http` or `https`.
    UnsupportedScheme(String),
    /// Nothing between `//` and the port or path.
    EmptyHost(String),
    /// `user@` or `user:pass@` before the host.
    UserInfo(String),
    /// A port that is not a number in 1..=65535.
    InvalidPort(String),
    /// A bracketed IPv6 host without its closing `]`, or junk after it.
    InvalidHost(String),
    /// A `?query` or `#fragment`: cases build their own queries.
    QueryOrFragment(String),
    /// Whitespace or control characters anywhere in the URL.
    InvalidCharacter(String),
}

impl Target {
    /// Parse a target URL such as `http://127.0.0.1:3000` or
    /// `https://localhost:8443/custom/path/`.
    ///
    /// Errors: [`TargetError`], one variant per rule broken.
    pub(crate) fn parse(url: &str) -> Result<Self, TargetError> {
        let owned = || url.to_owned();
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TargetError::InvalidCharacter(owned()));
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| TargetError::MissingScheme(owned()))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(TargetError::UnsupportedScheme(owned())),
        };
        if rest.contains(['?', '#']) {
            return Err(TargetError::QueryOrFragment(owned()));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(TargetError::UserInfo(owned()));
        }
        let (host, port) =
            split_host_port(authority).ok_or_else(|| TargetError::InvalidHost(owned()))?;
        if host.is_empty() {
            return Err(TargetError::EmptyHost(owned()));
        }
        let port = match port {
            None => scheme.default_port(),
            Some(p) => match p.parse::<u16>() {
                Ok(p) if p != 0 => p,
                _ => return Err(TargetError::InvalidPort(owned())),
            },
        };
        let path = if path.is_empty() || path == "/" {
            DEFAULT_PATH
        } else {
            path
        };
        Ok(Self {
            scheme,
            host: host.to_owned(),
            port,
            path: path.to_owned(),
        })
    }

    /// `host[:port]` as sent in the `Host` header: IPv6 bracketed, the port omitted when it is the
    /// scheme's default (as browsers do).
    pub(crate) fn authority(&self) -> String {
        let host = self.bracketed_host();
        if self.port == self.scheme.default_port() {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// `host:port` for a TCP connect (always with the port).
    pub(crate) fn socket_addr(&self) -> String {
        format!("{}:{}", self.bracketed_host(), self.port)
    }

    /// Path and query for an HTTP request line: `http_path("EIO=4&transport=polling")` is
    /// `/socket.io/?EIO=4&transport=polling`. An empty query gives the bare path. The query is
    /// used verbatim (not re-encoded), so a case can send malformed queries on purpose.
    pub(crate) fn http_path(&self, query: &str) -> String {
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{query}", self.path)
        }
    }

    /// The `ws://` or `wss://` URL for a WebSocket request with this query.
    pub(crate) fn ws_url(&self, query: &str) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "ws",
            Scheme::Https => "wss",
        };
        format!("{scheme}://{}{}", self.authority(), self.http_path(query))
    }

    fn bracketed_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        write!(f, "{scheme}://{}{}", self.authority(), self.path)
    }
}

impl std::str::FromStr for Target {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (url, why) = match self {
            Self::MissingScheme(u) => (u, "missing scheme (expected http:// or https://)"),
            Self::UnsupportedScheme(u) => (u, "unsupported scheme (expected http or https)"),
            Self::EmptyHost(u) => (u, "no host"),
            Self::UserInfo(u) => (u, "user info (user@host) is not supported"),
            Self::InvalidPort(u) => (u, "port must be a number from 1 to 65535"),
            Self::InvalidHost(u) => (
                u,
                "malformed host (IPv6 addresses go in brackets: [::1]:3000)",
            ),
            Self::QueryOrFragment(u) => (
                u,
                "query strings and fragments are not allowed; cases build their own",
            ),
            Self::InvalidCharacter(u) => (u, "whitespace or control characters"),
        };
        write!(f, "invalid target URL {url:?}: {why}")
    }
}

impl std::error::Error for TargetError {}

/// Split `host[:port]` or `[v6][:port]`. `None` for a malformed bracketed host.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => None,
            Some((host, port)) => Some((host, Some(port))),
            None => Some((authority, None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! ok {
        ($url:expr, $scheme:ident, $host:expr, $port:expr, $path:expr) => {
            assert_eq!(
                Target::parse($url),
                Ok(Target {
                    scheme: Scheme::$scheme,
                    host: $host.to_owned(),
                    port: $port,
                    path: $path.to_owned()
                }),
                "{}",
                $url
            )
        };
    }

    #[test]
    fn parses_accepted_forms() {
        ok!(
            "http://127.0.0.1:3000",
            Http,
            "127.0.0.1",
            3000,
            "/socket.io/"
        );
        ok!(
            "http://127.0.0.1:3000/",
            Http,
            "127.0.0.1",
            3000,
            "/socket.io/"
        );
        ok!(
            "https://localhost:8443/custom/path/",
            Https,
            "localhost",
            8443,
            "/custom/path/"
        );
        ok!(
            "HTTPS://example.com",
            Https,
            "example.com",
            443,
            "/socket.io/"
        );
        ok!(
            "http://example.com/engine.io",
            Http,
            "example.com",
            80,
            "/engine.io"
        );
        ok!(
            "http://[::1]:3000/socket.io/",
            Http,
            "::1",
            3000,
            "/socket.io/"
        );
        ok!("http://[::1]", Http, "::1", 80, "/socket.io/");
    }

    #[test]
    fn refuses_malformed_urls() {
        let err = |u: &str| Target::parse(u).unwrap_err();
        assert!(matches!(
            err("127.0.0.1:3000"),
            TargetError::MissingScheme(_)
        ));
        assert!(matches!(
            err("ws://127.0.0.1:3000"),
            TargetError::UnsupportedScheme(_)
        ));
        assert!(matches!(err("http://:3000"), TargetError::EmptyHost(_)));
        assert!(matches!(err("http://u:p@host"), TargetError::UserInfo(_)));
        assert!(matches!(err("http://host:0"), TargetError::InvalidPort(_)));
        assert!(matches!(
            err("http://host:99999"),
            TargetError::InvalidPort(_)
        ));
        assert!(matches!(
            err("http://host:abc"),
            TargetError::InvalidPort(_)
        ));
        assert!(matches!(
            err("http://[::1:3000"),
            TargetError::InvalidHost(_)
        ));
        assert!(matches!(
            err("http://::1:3000"),
            TargetError::InvalidHost(_)
        ));
        assert!(matches!(
            err("http://host/?EIO=4"),
            TargetError::QueryOrFragment(_)
        ));
        assert!(matches!(
            err("http://host /x"),
            TargetError::InvalidCharacter(_)
        ));
    }

    #[test]
    fn error_is_one_line_naming_the_input() {
        let msg = Target::parse("ftp://x").unwrap_err().to_string();
        assert_eq!(
            msg,
            r#"invalid target URL "ftp://x": unsupported scheme (expected http or https)"#
        );
    }

    #[test]
    fn builds_request_paths_and_ws_urls() {
        let t = Target::parse("http://127.0.0.1:3000").unwrap();
        assert_eq!(
            t.http_path("EIO=4&transport=polling"),
            "/socket.io/?EIO=4&transport=polling"
        );
        assert_eq!(t.http_path(""), "/socket.io/");
        assert_eq!(
            t.ws_url("EIO=4&transport=websocket"),
            "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(t.authority(), "127.0.0.1:3000");
        let t = Target::parse("https://[::1]/x/").unwrap();
        assert_eq!(t.ws_url("a=b"), "wss://[::1]/x/?a=b");
        assert_eq!(t.socket_addr(), "[::1]:443");
        assert_eq!(t.to_string(), "https://[::1]/x/");
    }
}
