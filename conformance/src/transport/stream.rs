//! [`Connector`] and [`Stream`]: fresh TCP or TLS connections to the target.
//!
//! Every polling request, WebSocket and raw exchange opens its own connection through a
//! [`Connector`], so a GET and a POST never share one (protocol-facts A.7.1), and dropping a
//! [`Stream`] closes exactly that connection.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::error::{TransportError, one_line};
use super::target::Target;
use super::tls::{TlsOptions, client_config};

/// Opens connections to one [`Target`]. Cheap to clone; share one per run.
#[derive(Clone, Debug)]
pub(crate) struct Connector {
    target: Target,
    tls: Option<Arc<ClientConfig>>,
}

/// One open connection, plain or TLS.
#[derive(Debug)]
pub(crate) enum Stream {
    /// Plain TCP (`http`).
    Plain(TcpStream),
    /// TLS over TCP (`https`).
    Tls(Box<TlsStream<TcpStream>>),
}

impl Connector {
    /// A connector for `target`. `tls` is used for `https` targets; `None` means the default
    /// configuration (webpki roots), built on first use.
    pub(crate) fn new(target: Target, tls: Option<Arc<ClientConfig>>) -> Self {
        Self { target, tls }
    }

    /// The target connections go to.
    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// Open a fresh connection (TCP, then TLS for `https`). Not bounded by itself: callers wrap
    /// it in their operation's timeout.
    ///
    /// Errors: `ConnectRefused`, `Connect`, `Tls`.
    pub(crate) async fn connect(&self) -> Result<Stream, TransportError> {
        let addr = self.target.socket_addr();
        let tcp = TcpStream::connect(&addr)
            .await
            .map_err(|e| match e.kind() {
                io::ErrorKind::ConnectionRefused => {
                    TransportError::ConnectRefused { addr: addr.clone() }
                }
                _ => TransportError::Connect {
                    addr: addr.clone(),
                    message: one_line(&e.to_string()),
                },
            })?;
        // Small Engine.IO packets should leave at once, not wait for Nagle.
        let _ = tcp.set_nodelay(true);
        if !self.target.scheme.is_tls() {
            return Ok(Stream::Plain(tcp));
        }
        let config = match &self.tls {
            Some(config) => Arc::clone(config),
            None => client_config(&TlsOptions::default()).map_err(|e| TransportError::Tls {
                message: e.to_string(),
            })?,
        };
        let name =
            ServerName::try_from(self.target.host.clone()).map_err(|e| TransportError::Tls {
                message: format!("invalid server name {:?}: {e}", self.target.host),
            })?;
        let tls = TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| {
                // Handshake failures come back as io::Error wrapping the rustls error.
                match TransportError::from_io("tls handshake", &e) {
                    tls @ TransportError::Tls { .. } => tls,
                    other => TransportError::Tls {
                        message: other.to_string(),
                    },
                }
            })?;
        Ok(Stream::Tls(Box::new(tls)))
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }
}
