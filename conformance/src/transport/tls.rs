//! TLS client configuration for `https` / `wss` targets.
//!
//! One [`rustls::ClientConfig`] serves every connection of a run (polling, WebSocket, raw). It
//! trusts the webpki (Mozilla) roots, plus the roots of a PEM file given with `--ca FILE`, or, with
//! `--insecure`, any certificate at all. ALPN offers only `http/1.1`, since both transports are
//! HTTP/1.1.
//!
//! rustls is built without a default crypto provider here (see shared/environment.md), so
//! [`install_crypto_provider`] installs ring's process-wide; [`client_config`] calls it for you.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::{fmt, io};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// How to trust the server's certificate. `Default` trusts the webpki roots only.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsOptions {
    /// `--ca FILE`: a PEM file whose certificates are added as trusted roots.
    pub(crate) ca_file: Option<PathBuf>,
    /// `--insecure`: accept any server certificate (testing only; see [`AcceptAnyCert`]).
    pub(crate) insecure: bool,
}

/// Why a TLS configuration could not be built. Displays as one line.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum TlsConfigError {
    /// The `--ca` file could not be read.
    ReadCa {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The `--ca` file holds no usable `CERTIFICATE` section.
    NoCertificates {
        /// The file.
        path: PathBuf,
    },
    /// rustls refused a certificate or the protocol versions.
    Rustls(String),
}

impl fmt::Display for TlsConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReadCa { path, message } => {
                write!(f, "cannot read CA file {}: {message}", path.display())
            }
            Self::NoCertificates { path } => {
                write!(f, "CA file {} holds no PEM CERTIFICATE", path.display())
            }
            Self::Rustls(message) => write!(f, "TLS configuration refused: {message}"),
        }
    }
}

impl std::error::Error for TlsConfigError {}

/// Install ring as rustls's process-wide crypto provider. Idempotent: later calls, and a provider
/// installed by someone else first, are both fine.
pub(crate) fn install_crypto_provider() {
    // `install_default` fails only when a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Build the client configuration for a run.
///
/// Call this once at start-up with the command line's options and share the `Arc` through a
/// [`super::Connector`].
///
/// Errors: the `--ca` file is unreadable or holds no certificate rustls accepts.
pub(crate) fn client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>, TlsConfigError> {
    install_crypto_provider();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Rustls(e.to_string()))?;
    let mut config = if options.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert {
                algorithms: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &options.ca_file {
            add_pem_roots(&mut roots, path)?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn add_pem_roots(roots: &mut RootCertStore, path: &Path) -> Result<(), TlsConfigError> {
    let read_err = |message: String| TlsConfigError::ReadCa {
        path: path.to_owned(),
        message,
    };
    let pem = std::fs::read(path).map_err(|e: io::Error| read_err(e.to_string()))?;
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| read_err(e.to_string()))?;
        roots
            .add(cert)
            .map_err(|e| TlsConfigError::Rustls(e.to_string()))?;
        added += 1;
    }
    if added == 0 {
        return Err(TlsConfigError::NoCertificates {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// A certificate verifier that accepts **any** server certificate: any issuer, any name, expired or
/// not. **Testing only** (`--insecure`), for servers with throw-away self-signed certificates; it
/// gives no protection against an active attacker. Handshake signatures are still checked, so the
/// TLS session itself is well formed.
#[derive(Debug)]
pub(crate) struct AcceptAnyCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_insecure_configs_build() {
        install_crypto_provider();
        install_crypto_provider(); // idempotent
        let config = client_config(&TlsOptions::default()).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        client_config(&TlsOptions {
            insecure: true,
            ..TlsOptions::default()
        })
        .unwrap();
    }

    #[test]
    fn missing_or_empty_ca_file_is_a_one_line_error() {
        let missing = TlsOptions {
            ca_file: Some("/nonexistent/ca.pem".into()),
            insecure: false,
        };
        let msg = client_config(&missing).unwrap_err().to_string();
        assert!(
            msg.starts_with("cannot read CA file /nonexistent/ca.pem:"),
            "{msg}"
        );
        assert!(!msg.contains('\n'));

        let empty = std::env::temp_dir().join(format!("empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, b"not a pem\n").unwrap();
        let err = client_config(&TlsOptions {
            ca_file: Some(empty.clone()),
            insecure: false,
        });
        let _ = std::fs::remove_file(&empty);
        assert!(matches!(err, Err(TlsConfigError::NoCertificates { .. })));
    }
}
