//! TLS with rustls: the client configuration (the roots [`TlsTrust`] chooses: given certificate
//! authorities, the operating system's store, or Mozilla's from webpki-roots; certificates always
//! verified), the handshake, and failures named as TLS failures, which no retry can mend.

use crate::config::TlsTrust;
use crate::error::{Error, ErrorKind, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub(crate) type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// The certificates in PEM text; an error naming `source` when it holds none or is malformed.
pub(crate) fn parse_pem(source: &str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::invalid(format!("{source} is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(Error::invalid(format!("{source} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")));
    }
    Ok(certs)
}

fn read_pem_file(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let text = std::fs::read(path).map_err(|e| Error::io(&format!("reading the CA file {}", path.display()), &e))?;
    parse_pem(&format!("the CA file {}", path.display()), &text)
}

/// The root store `trust` describes.
fn roots(trust: &TlsTrust) -> Result<rustls::RootCertStore> {
    if !trust.is_custom() && !trust.native_roots {
        return Ok(rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    }
    let mut certs = Vec::new();
    for file in &trust.ca_files {
        certs.extend(read_pem_file(file)?);
    }
    for dir in &trust.ca_dirs {
        let io = |e: std::io::Error| Error::io(&format!("reading the CA directory {}", dir.display()), &e);
        let mut found = 0;
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            // Like OpenSSL's lookup by hashed name, only files that are certificates count.
            if let Ok(more) = read_pem_file(&path) {
                found += more.len();
                certs.extend(more);
            }
        }
        if found == 0 {
            return Err(Error::invalid(format!("the CA directory {} holds no PEM certificate", dir.display())));
        }
    }
    for pem in &trust.ca_pem {
        certs.extend(parse_pem("a PEM buffer", pem)?);
    }
    if trust.native_roots {
        let native = rustls_native_certs::load_native_certs();
        if native.certs.is_empty() {
            let why = native.errors.first().map(|e| format!(": {e}")).unwrap_or_default();
            return Err(Error::invalid(format!("the operating system's trust store has no certificate{why}")));
        }
        certs.extend(native.certs);
    }
    let mut store = rustls::RootCertStore::empty();
    // A system bundle may hold a certificate rustls cannot use: skipped, as long as some are usable.
    let (added, _ignored) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(Error::invalid("none of the given CA certificates can be used as a trust anchor"));
    }
    Ok(store)
}

/// The client configuration every https connection of a client uses.
pub(crate) fn client_config(trust: &TlsTrust) -> Result<Arc<rustls::ClientConfig>> {
    let roots = roots(trust)?;
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
