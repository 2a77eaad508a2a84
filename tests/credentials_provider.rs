//! Credential providers against the emulator, which mints STS-like temporary keys through its control API
//! (`POST /__emulator/credentials?ttl_ms=`) and refuses them once expired: rotation under 16 threads with
//! zero failures and one refresh at a time, an expired key refused, a failing provider reported on the
//! operation, the CVM instance-role provider against the emulator's metadata route (and a malformed
//! answer), the environment provider, and the callback from C (`tests/c/credentials.c`).

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cos::credentials::{CredentialProvider, Expiring, InstanceRoleProvider};
use cos::{Client, Credentials, ErrorKind, RequestOptions};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Emulator, REGION};

const BUCKET: &str = "rotating-1250000000";

/// The JSON field `name` of a flat answer.
fn field(json: &str, name: &str) -> String {
    let at = json.find(&format!("\"{name}\":")).unwrap_or_else(|| panic!("{name} in {json}")) + name.len() + 3;
    json[at..].trim_start_matches('"').split(['"', ',', '}']).next().unwrap().to_string()
}

/// Mints a key valid for `ttl_ms` at the emulator.
fn mint(emu: &Emulator, ttl_ms: u64) -> Expiring {
    let (status, body) = emu.control("POST", &format!("/__emulator/credentials?ttl_ms={ttl_ms}"));
    assert_eq!(status, 200, "{body}");
    Expiring {
        credentials: Credentials {
            secret_id: field(&body, "TmpSecretId"),
            secret_key: field(&body, "TmpSecretKey"),
            session_token: Some(field(&body, "Token")),
        },
        expires_unix: Some(field(&body, "ExpiredTime").parse().unwrap()),
    }
}

/// A provider minting 2-second keys, counting its calls and how many run at once.
struct Minting {
    address: String,
    calls: AtomicU32,
    inside: AtomicU32,
    overlapped: AtomicU32,
}

impl CredentialProvider for Minting {
    fn fetch(&self) -> cos::Result<Expiring> {
        if self.inside.fetch_add(1, Ordering::SeqCst) > 0 {
            self.overlapped.fetch_add(1, Ordering::SeqCst);
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(30)); // a slow provider makes overlaps likely, if allowed
        let (status, body) = support::control(&self.address, "POST", "/__emulator/credentials?ttl_ms=2000");
        self.inside.fetch_sub(1, Ordering::SeqCst);
        assert_eq!(status, 200);
        Ok(Expiring {
            credentials: Credentials {
                secret_id: field(&body, "TmpSecretId"),
                secret_key: field(&body, "TmpSecretKey"),
                session_token: Some(field(&body, "Token")),
            },
            expires_unix: Some(field(&body, "ExpiredTime").parse().unwrap()),
        })
    }
}

fn provider_client(emu: &Emulator, provider: Arc<dyn CredentialProvider>) -> Client {
    let mut b = cos::Config::builder();
    b.region(REGION).address(&emu.address).max_retries(0).credential_provider(Some(provider));
    b.scheme("http").unwrap();
    Client::new(b.build().unwrap()).unwrap()
}

#[test]
fn rotation_under_16_threads_never_fails_and_refreshes_one_at_a_time() {
    let emu = Emulator::start();
    emu.client().create_bucket(BUCKET, &RequestOptions::new()).unwrap();
    let provider =
        Arc::new(Minting { address: emu.address.clone(), calls: 0.into(), inside: 0.into(), overlapped: 0.into() });
    let client = provider_client(&emu, provider.clone());
    let start = Instant::now();
    let requests = AtomicU32::new(0);
    std::thread::scope(|s| {
        for t in 0..16 {
            let (client, requests) = (&client, &requests);
            s.spawn(move || {
                let o = RequestOptions::new();
                let mut i = 0;
                while start.elapsed() < Duration::from_secs(5) {
                    let key = format!("t{t}/{i}");
                    client.put_object(BUCKET, &key, b"rotating", &o).unwrap_or_else(|e| panic!("{key}: {e:?}"));
                    assert_eq!(client.get_object(BUCKET, &key, &o).unwrap().0, b"rotating");
                    requests.fetch_add(2, Ordering::Relaxed);
                    i += 1;
                }
            });
        }
    });
    let calls = provider.calls.load(Ordering::SeqCst);
    // 2-second keys refreshed when 1 s is left: about one fetch a second over 5 s, not one per request.
    assert!((3..=12).contains(&calls), "{calls} provider calls for {} requests", requests.load(Ordering::Relaxed));
    assert_eq!(provider.overlapped.load(Ordering::SeqCst), 0, "two refreshes ran at once");
    assert!(requests.load(Ordering::Relaxed) > 100);
}

#[test]
fn an_expired_key_is_refused() {
    let emu = Emulator::start();
    let key = mint(&emu, 1000);
    let mut b = emu.config();
    b.credentials(&key.credentials.secret_id, &key.credentials.secret_key)
        .session_token(key.credentials.session_token.as_deref())
        .max_retries(0);
    let client = Client::new(b.build().unwrap()).unwrap();
    client.create_bucket(BUCKET, &RequestOptions::new()).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let e = client.put_object(BUCKET, "late", b"x", &RequestOptions::new()).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (400, Some("ExpiredToken")), "{e:?}");
}

struct Failing;

impl CredentialProvider for Failing {
    fn fetch(&self) -> cos::Result<Expiring> {
        Err(cos::Error::invalid("the vault is sealed"))
    }
}

#[test]
fn a_failing_provider_fails_the_operation_that_needed_it() {
    let emu = Emulator::start();
    let client = provider_client(&emu, Arc::new(Failing));
    let e = client.head_bucket(BUCKET).unwrap_err();
    assert!(e.message().contains("the credential provider failed: the vault is sealed"), "{e}");
    assert_eq!(emu.stats().requests, 0, "nothing was sent");
    let e = client.presign_url("GET", BUCKET, "k", 1_700_000_000, 60, &[]).unwrap_err();
    assert!(e.message().contains("vault"), "{e}");
}

#[test]
fn the_instance_role_comes_from_the_metadata_service() {
    let emu = Emulator::start();
    let base = format!("http://{}/__emulator/meta-data/cam/security-credentials/", emu.address);
    let role = InstanceRoleProvider::new(Some(&base), None).unwrap();
    let fetched = role.fetch().unwrap();
    assert!(fetched.credentials.secret_id.starts_with("AKIDtemp") && fetched.credentials.session_token.is_some());
    let client = provider_client(&emu, Arc::new(InstanceRoleProvider::new(Some(&base), None).unwrap()));
    client.create_bucket(BUCKET, &RequestOptions::new()).unwrap();
    // Past the first key's expiry the provider is asked again, and requests keep working.
    std::thread::sleep(Duration::from_millis(2500));
    client.put_object(BUCKET, "after-expiry", b"x", &RequestOptions::new()).unwrap();
    // A role the service does not know, and a service that is not one.
    let e = InstanceRoleProvider::new(Some(&base), Some("no-such-role")).unwrap().fetch().unwrap_err();
    assert!(e.message().contains("HTTP 404"), "{e}");
    let not_json = format!("http://{}/__emulator/", emu.address);
    let e = InstanceRoleProvider::new(Some(&not_json), Some("stats")).unwrap().fetch().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Parse, "{e}");
    assert!(InstanceRoleProvider::new(Some("https://x/"), None).is_err());
}

/// `tests/c/credentials.c`: a callback provider through the header, minting keys at the emulator.
#[test]
fn a_callback_provider_from_c() {
    let emu = Emulator::start();
    let out = cbuild::out_dir("credentials");
    let exe = cbuild::Build::C_ASAN.compile(&cbuild::root().join("tests/c/credentials.c"), &out);
    let key = mint(&emu, 600_000);
    let mut env = cbuild::cos_env(&emu.address, "unused", "unused");
    env.extend(cbuild::sanitizer_env());
    let args = [
        key.credentials.secret_id.as_str(),
        key.credentials.secret_key.as_str(),
        key.credentials.session_token.as_deref().unwrap(),
        &emu.address,
    ];
    let run = cbuild::run(&[], &exe, &args, &env, Duration::from_secs(60));
    run.assert_success("credentials.c").assert_line("credentials.c", "credentials: ");
}
