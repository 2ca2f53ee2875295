//! `https` polling and `wss` against in-test TLS servers on 127.0.0.1, with a throw-away CA made
//! by rcgen: `--ca FILE` verifies, the default roots refuse, `--insecure` accepts anything.

#[path = "../src/transport/mod.rs"]
#[allow(dead_code)]
mod transport;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use transport::{
    Connector, PollingClient, Target, TlsOptions, Transcript, WsConn, WsConnect, WsEvent,
    client_config,
};

const LONG: Duration = Duration::from_secs(2);

struct Pki {
    ca_pem: String,
    server: Arc<ServerConfig>,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "test-ca");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();

    transport::tls::install_crypto_provider();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
    let server = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}

/// Answers every request with `200 ok` (`ws` = false) or runs a WebSocket echo (`ws` = true).
async fn tls_server(config: Arc<ServerConfig>, ws: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(config);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                if ws {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else {
                        return;
                    };
                    while let Some(Ok(message)) = ws.next().await {
                        if message.is_text() && ws.send(message).await.is_err() {
                            return;
                        }
                    }
                    return;
                }
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
                        _ => return,
                    }
                }
                let reply =
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok";
                let _ = tls.write_all(reply).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

fn https(addr: SocketAddr, options: &TlsOptions) -> Connector {
    let target = Target::parse(&format!("https://{addr}")).unwrap();
    Connector::new(target, Some(client_config(options).unwrap()))
}

#[tokio::test]
async fn ca_file_verifies_https_and_wss() {
    let pki = pki();
    let ca_file = std::env::temp_dir().join(format!("transport-tls-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let options = TlsOptions {
        ca_file: Some(ca_file.clone()),
        insecure: false,
    };
    let http_addr = tls_server(Arc::clone(&pki.server), false).await;
    let ws_addr = tls_server(Arc::clone(&pki.server), true).await;
    let transcript = Transcript::new();

    let client = PollingClient::new(https(http_addr, &options), transcript.clone());
    let response = client.get("EIO=4&transport=polling", LONG).await;

    let connector = https(ws_addr, &options);
    let outcome = WsConn::connect(
        &connector,
        &transcript,
        "EIO=4&transport=websocket",
        &[],
        LONG,
    )
    .await;
    let _ = std::fs::remove_file(&ca_file);

    assert_eq!(response.unwrap().text(), Some("ok"));
    let Ok(WsConnect::Open(mut ws)) = outcome else {
        panic!("{outcome:?}")
    };
    ws.send_text("2probe").await.unwrap();
    assert_eq!(ws.recv(LONG).await.unwrap(), WsEvent::Text("2probe".into()));
}

#[tokio::test]
async fn default_roots_refuse_an_unknown_ca() {
    let pki = pki();
    let addr = tls_server(pki.server, false).await;
    let transcript = Transcript::new();
    let client = PollingClient::new(https(addr, &TlsOptions::default()), transcript.clone());
    let err = client.get("EIO=4", LONG).await.unwrap_err();
    assert_eq!(err.code(), "tls", "{err}");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert!(transcript.render().contains("TLS error"));
}

#[tokio::test]
async fn insecure_accepts_any_certificate() {
    let pki = pki();
    let addr = tls_server(pki.server, false).await;
    let options = TlsOptions {
        ca_file: None,
        insecure: true,
    };
    let client = PollingClient::new(https(addr, &options), Transcript::new());
    assert_eq!(client.get("EIO=4", LONG).await.unwrap().status, 200);
}
