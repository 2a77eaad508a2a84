//! TLS with rustls: the client configuration (Mozilla's roots from webpki-roots, certificates always
//! verified), the handshake, and failures named as TLS failures, which no retry can mend.

use crate::error::{Error, ErrorKind, Result};
use rustls::pki_types::ServerName;
use std::io;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

pub(crate) type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// The client configuration every https connection of a client uses.
pub(crate) fn client_config() -> Result<Arc<rustls::ClientConfig>> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Internal, format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Completes the handshake with `host` on `tcp` within `timeout`.
pub(super) fn handshake(
    config: &Arc<rustls::ClientConfig>,
    host: &str,
    mut tcp: TcpStream,
    timeout: Duration,
) -> Result<TlsStream> {
    let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_string())
        .map_err(|e| Error::invalid(format!("{host:?} is not a name TLS can verify: {e}")))?;
    let mut conn = rustls::ClientConnection::new(config.clone(), name)
        .map_err(|e| Error::new(ErrorKind::Tls, format!("TLS setup for {host} failed: {e}")))?;
    tcp.set_read_timeout(Some(timeout))
        .and_then(|_| tcp.set_write_timeout(Some(timeout)))
        .map_err(|e| Error::new(ErrorKind::Network, format!("socket setup: {e}")))?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            return Err(handshake_error(&e));
        }
    }
    Ok(rustls::StreamOwned::new(conn, tcp))
}

/// A failed handshake: a TLS failure (certificate, protocol, alert) is `Tls` and never retried; a socket
/// failure during the handshake stays a network error or timeout.
fn handshake_error(e: &io::Error) -> Error {
    if let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        let what = match tls {
            rustls::Error::InvalidCertificate(_) => "the server's certificate was refused",
            rustls::Error::AlertReceived(_) => "the server refused the TLS handshake",
            _ => "the TLS handshake failed",
        };
        return Error::new(ErrorKind::Tls, format!("TLS: {what}: {tls}"));
    }
    let kind = match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ErrorKind::Timeout,
        _ => ErrorKind::Network,
    };
    Error::new(kind, format!("during the TLS handshake: {e}"))
}
