//! Security properties under failure:
//! - the secret key, the session token and the request signatures never appear in an error's message,
//!   Display, Debug or digest, whatever failed (every emulator fault, refused credentials, network errors,
//!   a server that echoes the Authorization header back), nor in the configuration's Debug;
//! - XML with a DOCTYPE (entity definitions, external entities) is refused, never expanded or fetched;
//! - https is https: a client pointed (`COS_ADDRESS` / `address`) at a plain-HTTP or a self-signed TLS
//!   listener fails with a clear network error and never talks plain HTTP or trusts the certificate.

mod support;

use cos::{Client, ErrorKind};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

/// A TCP proxy in front of the emulator that keeps every byte clients send, to find the signatures and
/// tokens that went on the wire.
struct Sniffer {
    address: String,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl Sniffer {
    fn start(upstream: &str) -> Sniffer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (log, upstream) = (sent.clone(), upstream.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                let (c2, s2, log) = (client.try_clone().unwrap(), server.try_clone().unwrap(), log.clone());
                std::thread::spawn(move || copy(client, server, Some(&log)));
                std::thread::spawn(move || copy(s2, c2, None));
            }
        });
        Sniffer { address, sent }
    }

    /// Every `q-signature=<hex>` and `x-cos-security-token: <value>` sent so far.
    fn secrets_on_the_wire(&self) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.sent.lock().unwrap()).into_owned();
        let mut found = Vec::new();
        for (i, _) in text.match_indices("q-signature=") {
            let sig: String = text[i + 12..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
            found.push(sig);
        }
        for line in text.lines() {
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("x-cos-security-token") {
                    found.push(v.trim().to_string());
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }
}

fn copy(mut from: TcpStream, mut to: TcpStream, log: Option<&Mutex<Vec<u8>>>) {
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(log) = log {
            log.lock().unwrap().extend_from_slice(&buf[..n]);
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
    let _ = from.shutdown(std::net::Shutdown::Both);
}

/// Every text an error shows: its message, Display, Debug, digest and the fields a log would print.
fn rendered(e: &cos::Error) -> Vec<String> {
    let mut v = vec![e.message().to_string(), e.to_string(), format!("{e:?}"), e.digest()];
    v.extend([e.code(), e.request_id(), e.trace_id(), e.resource()].into_iter().flatten().map(str::to_string));
    v
}

fn assert_no_secret(what: &str, texts: &[String], secrets: &[String]) {
    for t in texts {
        for s in secrets.iter().filter(|s| s.len() >= 8) {
            assert!(!t.contains(s.as_str()), "{what}: {s:?} appears in {t:?}");
        }
        assert!(!t.contains("q-signature"), "{what}: a signature field in {t:?}");
        assert!(!t.to_ascii_lowercase().contains("authorization: "), "{what}: {t:?}");
    }
}

#[test]
fn secrets_never_appear_in_errors() {
    let emu = Emulator::start_logged();
    let sniffer = Sniffer::start(&emu.address);
    let b = bucket("secrets");
    emu.short_client().create_bucket(&b, &opts()).unwrap();
    emu.short_client().put_object(&b, "k", &data(5000, 1), &opts()).unwrap();

    // Temporary credentials (id, key and token) through the sniffing proxy.
    let temp = |retries: u32| {
        let mut cfg = emu.short_config();
        cfg.credentials(TEMP_SECRET_ID, TEMP_SECRET_KEY)
            .session_token(Some(SESSION_TOKEN))
            .address(&sniffer.address)
            .max_retries(retries)
            .read_timeout(Duration::from_millis(200));
        Client::new(cfg.build().unwrap()).unwrap()
    };
    let mut errors: Vec<(String, cos::Error)> = Vec::new();
    let faults = [
        "kind=status&status=500",
        "kind=status&status=403&code=AccessDenied",
        "kind=status&status=400&code=RequestTimeout",
        "kind=empty-status&status=503",
        "kind=non-xml",
        "kind=truncated-xml",
        "kind=reset",
        "kind=reset-body&after_bytes=10",
        "kind=short-body&after_bytes=10",
        "kind=stall&ms=600",
        "kind=stall&ms=600&at=body&after_bytes=10",
        "kind=bad-crc",
        "kind=error-200",
        "kind=redirect",
        "kind=huge-headers&bytes=1000000",
        "kind=huge-error&bytes=2000000",
        "kind=no-request-id&status=503&code=ServiceUnavailable",
    ];
    let c = temp(1);
    let dir = TempDir::new("secrets");
    for f in faults {
        for op in 0..4 {
            emu.clear_faults();
            emu.fault(&format!("{f}&count=3"));
            let r = match op {
                0 => c.get_object(&b, "k", &opts()).map(drop),
                1 => c.put_object(&b, "k", b"abc", &opts()).map(drop),
                2 => c.copy_object(&b, "k", &b, "k2", &opts()).map(drop),
                _ => c.get_object_to_file(&b, "k", &dir.path("f"), &opts()).map(drop),
            };
            if let Err(e) = r {
                errors.push((format!("{f} op {op}"), e));
            }
        }
    }
    emu.clear_faults();

    // Refused credentials: a wrong key, a wrong token, no token, an unknown id.
    let mut refused = |label: &str, adjust: &dyn Fn(&mut cos::ConfigBuilder)| {
        let mut cfg = emu.short_config();
        cfg.address(&sniffer.address).max_retries(0);
        adjust(&mut cfg);
        let c = Client::new(cfg.build().unwrap()).unwrap();
        for r in [c.get_object(&b, "k", &opts()).map(drop), c.head_object(&b, "k", &opts()).map(drop)] {
            let e = r.expect_err(label);
            assert_eq!(e.http_status(), 403, "{label}: {e:?}");
            errors.push((label.to_string(), e));
        }
    };
    refused("wrong key", &|cfg| {
        cfg.credentials(SECRET_ID, "this-is-the-wrong-secret-key");
    });
    refused("wrong token", &|cfg| {
        cfg.credentials(TEMP_SECRET_ID, TEMP_SECRET_KEY).session_token(Some("a-wrong-session-token-value"));
    });
    refused("no token", &|cfg| {
        cfg.credentials(TEMP_SECRET_ID, TEMP_SECRET_KEY);
    });
    refused("unknown id", &|cfg| {
        cfg.credentials("AKIDunknownunknownunknown", SECRET_KEY);
    });

    // Nothing listening; and an emulator with a skewed clock seen through a stream body (not retried).
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let mut cfg = emu.short_config();
    cfg.credentials(TEMP_SECRET_ID, TEMP_SECRET_KEY).session_token(Some(SESSION_TOKEN)).address(&closed).max_retries(0);
    let e = Client::new(cfg.build().unwrap()).unwrap().get_object(&b, "k", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
    errors.push(("connection refused".into(), e));
    let skewed = Emulator::start_logged_with(&["--clock-skew", "-7200"]);
    let skew_sniffer = Sniffer::start(&skewed.address);
    let mut cfg = skewed.short_config();
    cfg.credentials(TEMP_SECRET_ID, TEMP_SECRET_KEY).session_token(Some(SESSION_TOKEN)).address(&skew_sniffer.address);
    let mut body: &[u8] = b"stream";
    let e =
        Client::new(cfg.build().unwrap()).unwrap().put_object_from_reader(&b, "s", &mut body, 6, &opts()).unwrap_err();
    errors.push(("expired".into(), e));

    let mut secrets = sniffer.secrets_on_the_wire();
    secrets.extend(skew_sniffer.secrets_on_the_wire());
    assert!(
        secrets.iter().filter(|s| s.len() == 40).count() > 20,
        "signatures were seen on the wire: {}",
        secrets.len()
    );
    assert!(secrets.iter().any(|s| s == SESSION_TOKEN));
    secrets.extend(
        [SECRET_KEY, TEMP_SECRET_KEY, SESSION_TOKEN, "this-is-the-wrong-secret-key", "a-wrong-session-token-value"]
            .map(str::to_string),
    );
    assert!(errors.len() > 60, "{} errors", errors.len());
    for (label, e) in &errors {
        assert_no_secret(label, &rendered(e), &secrets);
        // The raw body is the server's own bytes; the emulator never echoes credentials.
        if let Some(raw) = e.raw_body() {
            assert_no_secret(label, &[raw.chars().take(4096).collect()], &secrets);
        }
    }
    // The configuration shows neither the key nor the token.
    let shown = format!("{:?}", temp(0).config());
    assert!(!shown.contains(TEMP_SECRET_KEY) && !shown.contains(SESSION_TOKEN), "{shown}");
    assert!(shown.contains(TEMP_SECRET_ID), "the id is not a secret: {shown}");
}

/// A server that answers every request with `answer(request head)`, then closes.
fn scripted_server(answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let (mut head, mut line, mut length) = (String::new(), String::new(), 0usize);
                while reader.read_line(&mut line).unwrap_or(0) > 2 {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    head += &line;
                    line.clear();
                }
                let _ = std::io::copy(&mut reader.by_ref().take(length as u64), &mut std::io::sink());
                let _ = stream.write_all(&answer(&head));
            });
        }
    });
    address
}

fn http(status: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nx-cos-request-id: scripted-id\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn client_for(address: &str) -> Client {
    let mut cfg = cos::Config::builder();
    cfg.region(REGION)
        .credentials(TEMP_SECRET_ID, TEMP_SECRET_KEY)
        .session_token(Some(SESSION_TOKEN))
        .address(address)
        .max_retries(0)
        .read_timeout(Duration::from_secs(2));
    cfg.scheme("http").unwrap();
    Client::new(cfg.build().unwrap()).unwrap()
}

#[test]
fn a_server_echoing_credentials_does_not_put_them_in_messages() {
    // Like S3's SignatureDoesNotMatch, which echoes what it was sent in elements of its own.
    let seen = Arc::new(std::sync::Mutex::new(String::new()));
    let seen_by_server = seen.clone();
    let address = scripted_server(move |head| {
        let auth = head.lines().find(|l| l.to_ascii_lowercase().starts_with("authorization:")).unwrap_or("");
        *seen_by_server.lock().unwrap() = auth.to_string();
        let token = head.lines().find(|l| l.to_ascii_lowercase().starts_with("x-cos-security-token:")).unwrap_or("");
        let body = format!(
            "<Error><Code>SignatureDoesNotMatch</Code><Message>The Signature you specified is invalid.</Message><SignatureProvided>{}</SignatureProvided><Token>{}</Token><Resource>/k</Resource><RequestId>echo-id</RequestId></Error>",
            auth.replace('&', "&amp;"),
            token
        );
        http("403 Forbidden", "", &body)
    });
    let e = client_for(&address).get_object("b-1250000000", "k", &opts()).unwrap_err();
    assert_eq!((e.code(), e.request_id()), (Some("SignatureDoesNotMatch"), Some("echo-id")), "{e:?}");
    let auth = seen.lock().unwrap().clone();
    let sig: String =
        auth[auth.find("q-signature=").unwrap() + 12..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    assert_eq!(sig.len(), 40);
    // The echo is kept, with the secrets taken out.
    let raw = e.raw_body().unwrap();
    assert!(raw.contains("q-signature=<redacted>") && raw.contains("<redacted></Token>"), "{raw}");
    assert_no_secret("echo", &rendered(&e), &[sig, SESSION_TOKEN.to_string(), TEMP_SECRET_KEY.to_string()]);
}

#[test]
fn xml_with_a_doctype_is_refused_not_expanded() {
    let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lolololololololololol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\"><!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\"><!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\"><!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\"><!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\"><!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\"><!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>\n";
    let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n";
    let list = |prolog: &str, entity: &str| {
        format!("{prolog}<ListBucketResult><Name>b</Name><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>{entity}</Key><Size>1</Size></Contents></ListBucketResult>")
    };
    let error = |prolog: &str, entity: &str| {
        format!("{prolog}<Error><Code>{entity}</Code><Message>{entity}</Message><RequestId>body-id</RequestId></Error>")
    };
    let cases = [
        ("200 OK", list(laughs, "&lol9;")),
        ("200 OK", list(xxe, "&xxe;")),
        ("404 Not Found", error(laughs, "&lol9;")),
        ("403 Forbidden", error(xxe, "&xxe;")),
    ];
    for (status, body) in cases {
        let is_list = status.starts_with("200");
        let address = scripted_server(move |_| http(status, "Content-Type: application/xml\r\n", &body));
        let c = client_for(&address);
        let started = Instant::now();
        let e = if is_list {
            c.list_objects("b-1250000000", &Default::default()).unwrap_err()
        } else {
            c.get_object("b-1250000000", "k", &opts()).unwrap_err()
        };
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        for t in rendered(&e) {
            assert!(!t.contains("lollol") && !t.contains("root:"), "expanded or fetched: {t}");
        }
        if is_list {
            assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");
        } else {
            // Not COS error XML: the status and the header's request id, the body kept as sent.
            assert_eq!((e.kind(), e.code(), e.request_id()), (ErrorKind::Service, None, Some("scripted-id")), "{e:?}");
            assert!(e.message().contains("not COS error XML"), "{e}");
            assert!(e.raw_body().is_some_and(|r| r.contains("<!DOCTYPE")));
        }
    }
    // A copy answered 200 with a DOCTYPE'd <Error>: neither a success nor an expansion.
    let address = scripted_server(move |_| http("200 OK", "", &error(laughs, "&lol9;")));
    let e = client_for(&address).copy_object("b-1250000000", "a", "b-1250000000", "b", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");
}

/// A TLS server with a self-signed certificate for `*.cos.ap-guangzhou.myqcloud.com`; counts handshakes.
fn self_signed_server() -> (String, Arc<AtomicUsize>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIB8zCCAZmgAwIBAgIUPN6qa7ZOjkOdmfmkm7yhzsu6FXswCgYIKoZIzj0EAwIw
KjEoMCYGA1UEAwwfKi5jb3MuYXAtZ3Vhbmd6aG91Lm15cWNsb3VkLmNvbTAgFw0y
NjExMjYxODU0NDlaGA8yMTI2MTEwMjE4NTQ0OVowKjEoMCYGA1UEAwwfKi5jb3Mu
YXAtZ3Vhbmd6aG91Lm15cWNsb3VkLmNvbTBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABKEiofaOE4u/3LC1IbTMKNG3nm7VqHKOvTXGv0MXastlH3TxHotYEJBFGC6z
xXlPtDiH3Zkq0GJpv+18V7Z7IYWjgZowgZcwHQYDVR0OBBYEFN1VUOZYwxOYmqiD
ZQnSkDh86cr0MB8GA1UdIwQYMBaAFN1VUOZYwxOYmqiDZQnSkDh86cr0MA8GA1Ud
EwEB/wQFMAMBAf8wRAYDVR0RBD0wO4IfKi5jb3MuYXAtZ3Vhbmd6aG91Lm15cWNs
b3VkLmNvbYIYc2VydmljZS5jb3MubXlxY2xvdWQuY29tMAoGCCqGSM49BAMCA0gA
MEUCIBfQRq7tjPCr3zX7I5rgW2l1CNFS3w/aq/eU0PN1xqr1AiEA+AA4xUX/YXf4
t9pDIJyfpk9mHT3cESXRC1WrexGBBdY=
-----END CERTIFICATE-----
";
    const KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg84Rw+/wED8vSrORx
1pfXjLreHW+2+5JcOBeJJi5j3F2hRANCAAShIqH2jhOLv9ywtSG0zCjRt55u1ahy
jr01xr9DF2rLZR908R6LWBCQRRgus8V5T7Q4h92ZKtBiab/tfFe2eyGF
-----END PRIVATE KEY-----
";
    let cert = CertificateDer::from_pem_slice(CERT.as_bytes()).unwrap();
    let key = PrivateKeyDer::from_pem_slice(KEY.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let handshakes = Arc::new(AtomicUsize::new(0));
    let count = handshakes.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            count.fetch_add(1, Ordering::SeqCst);
            let config = config.clone();
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, stream);
                // Were the handshake to succeed, answer like COS would, so a success would be visible.
                let mut buf = [0u8; 4096];
                if tls.read(&mut buf).is_ok() {
                    let _ = tls.write_all(&http("200 OK", "", "trusted a self-signed certificate"));
                }
            });
        }
    });
    (address, handshakes)
}

fn https_client(address: &str, retries: u32) -> Client {
    let mut cfg = cos::Config::builder();
    cfg.region(REGION)
        .credentials(SECRET_ID, SECRET_KEY)
        .address(address)
        .max_retries(retries)
        .connect_timeout(Duration::from_secs(2))
        .read_timeout(Duration::from_secs(2));
    Client::new(cfg.build().unwrap()).unwrap()
}

#[test]
fn https_against_a_plain_http_listener_fails_clearly() {
    let emu = Emulator::start_logged();
    let c = https_client(&emu.address, 1);
    assert_eq!(c.config().scheme, cos::Scheme::Https, "https is the default");
    let started = Instant::now();
    let e = c.get_object("b-1250000000", "k", &opts()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // A TLS failure, not retried: the next attempt would meet the same plain-text server.
    check_error(&e, ErrorKind::Tls);
    assert_eq!(e.attempts(), 1, "{e:?}");
    assert_eq!((e.http_status(), e.request_id()), (0, None), "no HTTP answer was accepted: {e:?}");
    let m = e.message().to_ascii_lowercase();
    assert!(m.contains("tls") || m.contains("corrupt") || m.contains("handshake") || m.contains("eof"), "{e}");
    assert!(emu.stats().requests == 0, "no COS request was made in plain text");
}

#[test]
fn https_against_a_self_signed_certificate_fails_clearly() {
    let (address, handshakes) = self_signed_server();
    let c = https_client(&address, 1);
    let started = Instant::now();
    for r in [
        c.get_object("b-1250000000", "k", &opts()).map(drop),
        c.put_object("b-1250000000", "k", b"secret data", &opts()).map(drop),
        c.list_buckets().map(drop),
    ] {
        let e = r.unwrap_err();
        check_error(&e, ErrorKind::Tls);
        assert_eq!((e.http_status(), e.attempts()), (0, 1), "refused certificates are not retried: {e:?}");
        let m = e.message().to_ascii_lowercase();
        assert!(m.contains("certificate") || m.contains("issuer"), "names the certificate problem: {e}");
    }
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(handshakes.load(Ordering::SeqCst), 3, "one handshake per call");

    // Configured from the environment, as a C program would (COS_ADDRESS, https by default).
    let vars = [
        ("COS_SECRET_ID", SECRET_ID.to_string()),
        ("COS_SECRET_KEY", SECRET_KEY.to_string()),
        ("COS_REGION", REGION.to_string()),
        ("COS_ADDRESS", address.clone()),
        ("COS_MAX_RETRIES", "0".to_string()),
        ("COS_READ_TIMEOUT_MS", "2000".to_string()),
    ];
    for (k, v) in &vars {
        std::env::set_var(k, v);
    }
    std::env::remove_var("COS_SCHEME");
    let c = Client::from_env();
    for (k, _) in &vars {
        std::env::remove_var(k);
    }
    let e = c.unwrap().head_object("b-1250000000", "k", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}");
    assert!(e.message().to_ascii_lowercase().contains("certificate"), "{e}");
}
