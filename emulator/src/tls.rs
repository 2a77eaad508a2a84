//! https for the emulator (`--tls-cert` / `--tls-key`): a TLS front on the announced address that
//! terminates TLS with rustls and relays the plaintext to the emulator's own plain listener, so every
//! route, fault and counter works the same over https. Faults that cut a connection cut the relayed one,
//! which the front passes on by closing the TLS connection.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The server configuration from a PEM certificate chain and its private key.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read certificates from {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no certificate", cert.display()));
    }
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| format!("cannot read a key from {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| format!("TLS configuration: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts TLS connections on `listener` forever, each relayed to `plain` on threads of its own.
pub fn front(listener: TcpListener, plain: SocketAddr, config: Arc<ServerConfig>, verbose: bool) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let config = Arc::clone(&config);
        let _ = std::thread::Builder::new().name("cos-tls".into()).spawn(move || {
            if let Err(e) = relay(stream, plain, config) {
                if verbose {
                    eprintln!("cos-emulator: TLS connection ended: {e}");
                }
            }
        });
    }
}

/// One TLS connection: this thread moves client bytes in (TLS records -> plaintext -> the inner
/// connection), a second one moves the answers out. Both share the rustls state behind a mutex, held
/// only while records are processed, never across a blocking read or write (what goes out is collected
/// under the lock and sent after it), so neither direction can stall the other.
fn relay(tls_sock: TcpStream, plain: SocketAddr, config: Arc<ServerConfig>) -> io::Result<()> {
    let _ = tls_sock.set_nodelay(true);
    let inner = TcpStream::connect(plain)?;
    let _ = inner.set_nodelay(true);
    let conn = Arc::new(Mutex::new(ServerConnection::new(config).map_err(io::Error::other)?));
    let outbound = {
        let (conn, mut sock, mut inner) = (Arc::clone(&conn), tls_sock.try_clone()?, inner.try_clone()?);
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match inner.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let records = {
                    let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
                    c.writer().write_all(&buf[..n]).and_then(|_| pending_tls(&mut c))
                };
                if records.and_then(|r| sock.write_all(&r)).is_err() {
                    break;
                }
            }
            // The emulator closed (or reset) its side: end the TLS connection the same way.
            let records = {
                let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
                c.send_close_notify();
                pending_tls(&mut c)
            };
            let _ = records.and_then(|r| sock.write_all(&r));
            let _ = sock.shutdown(Shutdown::Both);
        })
    };
    let result = inbound(&conn, tls_sock.try_clone()?, inner.try_clone()?);
    let _ = inner.shutdown(Shutdown::Write);
    let _ = outbound.join();
    result
}

/// Client to emulator: TLS records in, plaintext out to the inner connection.
fn inbound(conn: &Mutex<ServerConnection>, mut sock: TcpStream, mut inner: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = sock.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        let (plaintext, reply, closed, failure) = {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            let (mut plaintext, mut closed, mut failure) = (Vec::new(), false, None);
            let mut records = &buf[..n];
            while !records.is_empty() && failure.is_none() {
                c.read_tls(&mut records)?;
                match c.process_new_packets() {
                    Err(e) => failure = Some(io::Error::new(io::ErrorKind::InvalidData, e)),
                    Ok(state) => {
                        closed |= state.peer_has_closed();
                        let mut chunk = vec![0u8; state.plaintext_bytes_to_read()];
                        c.reader().read_exact(&mut chunk)?;
                        plaintext.extend_from_slice(&chunk);
                    }
                }
            }
            // Handshake flights, key updates, or the alert that tells the client why it failed.
            (plaintext, pending_tls(&mut c)?, closed, failure)
        };
        sock.write_all(&reply)?;
        inner.write_all(&plaintext)?;
        if let Some(e) = failure {
            return Err(e);
        }
        if closed {
            return Ok(());
        }
    }
}

/// The TLS records rustls has ready to send.
fn pending_tls(conn: &mut ServerConnection) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out)?;
    }
    Ok(out)
}
