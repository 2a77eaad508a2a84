//! `cos_client` and `cos_client_config`: configuring and creating a client.

use super::{
    arg_bytes, arg_opt_str, arg_out, arg_ref, arg_str, boxed, call, cos_error, cos_status, free_box, guard, set_out,
    update,
};
use crate::config::ConfigBuilder;
use crate::Client;
use std::ffi::c_char;
use std::time::Duration;

/// A COS client. Immutable after creation and safe to use from any number of threads at once; it owns a
/// keep-alive connection pool shared by all of them. Free it with `cos_client_free` once no call is running.
pub struct cos_client {
    pub(super) inner: Client,
    /// Runs the non-blocking calls (`cos_client_start_*`); its threads start on the first one.
    pub(super) background: crate::background::Pool,
}

impl cos_client {
    fn wrap(inner: Client) -> crate::Result<cos_client> {
        let background = crate::background::Pool::new(inner.config().background_workers)?;
        Ok(cos_client { inner, background })
    }
}

/// Settings for `cos_client_new`. Validation happens in `cos_client_new`. One thread at a time.
pub struct cos_client_config {
    pub(super) inner: ConfigBuilder,
}

/// Creates a client from the environment: `COS_SECRET_ID`, `COS_SECRET_KEY`, `COS_SESSION_TOKEN` (optional),
/// `COS_REGION`, `COS_SCHEME` (http|https, default https), `COS_ENDPOINT` (optional host suffix, default
/// cos.<region>.myqcloud.com), `COS_DOMAIN` (optional custom domain), `COS_ADDRESS` (optional host:port to
/// connect to instead of resolving the host; the Host header stays <bucket>.<endpoint>, which is how the local
/// emulator is reached), `COS_CONNECT_TIMEOUT_MS`, `COS_READ_TIMEOUT_MS`, `COS_MAX_RETRIES`,
/// `COS_OPERATION_TIMEOUT_MS`, `COS_SWITCH_DOMAIN` (1: fail over to tencentcos.cn), `COS_STALL_MIN_BYTES_PER_SEC`
/// and `COS_STALL_GRACE_MS` (stalled-stream protection; grace 0 turns it off). Empty variables count as unset;
/// a number that does not parse is `COS_INVALID_ARGUMENT` naming the variable.
#[no_mangle]
pub extern "C" fn cos_client_new_from_env(out: *mut *mut cos_client, err: *mut *mut cos_error) -> cos_status {
    call(err, || {
        arg_out("out", out)?;
        set_out(out, cos_client::wrap(Client::from_env()?)?);
        Ok(())
    })
}

/// Creates a client from `config` (which stays owned by the caller and may be freed right after).
///
/// fork(): a client may be used in a child process after fork(). The child never reuses the parent's
/// pooled connections (two processes writing into one keep-alive stream or TLS session would corrupt
/// both): its first request opens a connection of its own, and the parent's stay usable by the parent.
/// As with any library, fork only while no other thread is inside a call.
#[no_mangle]
pub extern "C" fn cos_client_new(
    config: *const cos_client_config,
    out: *mut *mut cos_client,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let config = arg_ref("config", config)?;
        arg_out("out", out)?;
        set_out(out, cos_client::wrap(Client::new(config.inner.build()?)?)?);
        Ok(())
    })
}

/// Frees a client and closes its connections. NULL does nothing. No blocking call may be running on it.
/// Non-blocking calls still in flight are cancelled: queued ones complete as `COS_OP_CANCELLED` at once
/// (their callbacks run on this thread), running ones have their cancel tokens tripped and are waited for
/// (a transfer stops promptly, another call after its current request, bounded by the timeouts). Their
/// `cos_operation` handles stay valid and must still be freed. Called from a completion callback, it
/// cannot wait for the worker it runs on: the running calls then finish on their own, after this returns.
#[no_mangle]
pub extern "C" fn cos_client_free(client: *mut cos_client) {
    free_box(client)
}

/// A new, empty configuration (https, default timeouts and retries). Never NULL.
#[no_mangle]
pub extern "C" fn cos_client_config_new() -> *mut cos_client_config {
    guard(std::ptr::null_mut(), || boxed(cos_client_config { inner: ConfigBuilder::default() }))
}

/// A configuration preset from the `COS_*` environment variables (see `cos_client_new_from_env`), to adjust
/// before `cos_client_new`.
#[no_mangle]
pub extern "C" fn cos_client_config_from_env(out: *mut *mut cos_client_config, err: *mut *mut cos_error) -> cos_status {
    call(err, || {
        arg_out("out", out)?;
        set_out(out, cos_client_config { inner: ConfigBuilder::from_env()? });
        Ok(())
    })
}

/// Frees a configuration. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_client_config_free(config: *mut cos_client_config) {
    free_box(config)
}

/// Region such as "ap-guangzhou".
#[no_mangle]
pub extern "C" fn cos_client_config_set_region(
    config: *mut cos_client_config,
    region: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.region(arg_str("region", region)?);
        Ok(())
    })
}

/// Secret id and secret key (permanent or temporary credentials).
#[no_mangle]
pub extern "C" fn cos_client_config_set_credentials(
    config: *mut cos_client_config,
    secret_id: *const c_char,
    secret_key: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.credentials(arg_str("secret_id", secret_id)?, arg_str("secret_key", secret_key)?);
        Ok(())
    })
}

/// Session token of temporary credentials, sent as `x-cos-security-token`; NULL removes it.
#[no_mangle]
pub extern "C" fn cos_client_config_set_session_token(
    config: *mut cos_client_config,
    token: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.session_token(arg_opt_str("token", token)?);
        Ok(())
    })
}

/// "http" or "https" (the default; certificates are always verified).
#[no_mangle]
pub extern "C" fn cos_client_config_set_scheme(
    config: *mut cos_client_config,
    scheme: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| c.inner.scheme(arg_str("scheme", scheme)?).map(drop))
}

/// Host suffix after "<bucket>.", such as "cos.ap-guangzhou.tencentcos.cn" or "cos.accelerate.myqcloud.com".
#[no_mangle]
pub extern "C" fn cos_client_config_set_endpoint(
    config: *mut cos_client_config,
    endpoint: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.endpoint(arg_str("endpoint", endpoint)?);
        Ok(())
    })
}

/// A custom domain used as the whole host for every bucket (e.g. a CDN domain).
#[no_mangle]
pub extern "C" fn cos_client_config_set_domain(
    config: *mut cos_client_config,
    domain: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.domain(arg_str("domain", domain)?);
        Ok(())
    })
}

/// Host of the service API used by `cos_client_list_buckets` (default "service.cos.myqcloud.com").
#[no_mangle]
pub extern "C" fn cos_client_config_set_service_host(
    config: *mut cos_client_config,
    host: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.service_host(arg_str("host", host)?);
        Ok(())
    })
}

/// "host:port" to connect to instead of resolving the request's host; the Host header is unchanged.
/// Several, comma-separated ("10.0.0.1:80,10.0.0.2:80"), are tried in turn until one accepts.
#[no_mangle]
pub extern "C" fn cos_client_config_set_address(
    config: *mut cos_client_config,
    address: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.address(arg_str("address", address)?);
        Ok(())
    })
}

/// User-Agent header.
#[no_mangle]
pub extern "C" fn cos_client_config_set_user_agent(
    config: *mut cos_client_config,
    user_agent: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.user_agent(arg_str("user_agent", user_agent)?);
        Ok(())
    })
}

/// Connect and read timeouts in milliseconds (defaults 10000 and 30000; 0 keeps the default). The read
/// timeout bounds each socket read or write waiting for a byte.
#[no_mangle]
pub extern "C" fn cos_client_config_set_timeouts(
    config: *mut cos_client_config,
    connect_ms: u32,
    read_ms: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.connect_timeout(Duration::from_millis(connect_ms.into()));
        c.inner.read_timeout(Duration::from_millis(read_ms.into()));
        Ok(())
    })
}

/// Retries after the first attempt (default 3; 0 = none) for what is worth retrying: connection failures,
/// resets, timeouts and stalls, 5xx answers, 429, 400 RequestTimeout. Other 4xx answers, TLS failures and
/// bodies from a callback (which cannot be replayed) are never retried.
#[no_mangle]
pub extern "C" fn cos_client_config_set_max_retries(
    config: *mut cos_client_config,
    max_retries: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.max_retries(max_retries);
        Ok(())
    })
}

/// Seconds to add to the local clock when signing (server time minus local time), for machines whose clock
/// is off.
#[no_mangle]
pub extern "C" fn cos_client_config_set_clock_offset(
    config: *mut cos_client_config,
    seconds: i64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.clock_offset(seconds);
        Ok(())
    })
}

/// How long each request signature is valid, in seconds (default 3600).
#[no_mangle]
pub extern "C" fn cos_client_config_set_sign_validity(
    config: *mut cos_client_config,
    seconds: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.sign_validity(seconds);
        Ok(())
    })
}

/// A limit in milliseconds on one whole call, every attempt, wait and (for a transfer) part included (0 keeps
/// the default: no limit, only the per-attempt timeouts apply).
#[no_mangle]
pub extern "C" fn cos_client_config_set_operation_timeout(
    config: *mut cos_client_config,
    ms: u64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.operation_timeout((ms > 0).then(|| Duration::from_millis(ms)));
        Ok(())
    })
}

/// Stalled-stream protection: an attempt whose response head or body, or whose request body, moves fewer
/// than `min_bytes_per_sec` over any `grace_ms` window fails with `COS_TIMEOUT` and is retried like one.
/// On by default at 1 byte/s over 20000 ms, which a steady slow stream never trips. `min_bytes_per_sec` 0
/// turns it off (then only the read timeout applies, which a server dripping a byte at a time can hold open
/// for ever); `grace_ms` 0 keeps the default window; other windows must be at least 1000 ms. Waiting for the
/// server to start its answer is not a stall (that is the read timeout's business). Environment:
/// `COS_STALL_MIN_BYTES_PER_SEC`, `COS_STALL_GRACE_MS`.
#[no_mangle]
pub extern "C" fn cos_client_config_set_stall_protection(
    config: *mut cos_client_config,
    min_bytes_per_sec: u64,
    grace_ms: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.stall_protection(
            (grace_ms > 0).then(|| crate::StallProtection {
                min_bytes_per_sec,
                grace: Duration::from_millis(u64::from(grace_ms)),
            }),
        );
        Ok(())
    })
}

/// Fail over from `<bucket>.cos.<region>.myqcloud.com` to `<bucket>.cos.<region>.tencentcos.cn` when a
/// failure did not come from COS (no x-cos-request-id): at once on a redirect, else before the last attempt.
/// Off by default, because it sends requests to a different domain than configured (firewalls, private
/// DNS and audit rules often name one domain).
#[no_mangle]
pub extern "C" fn cos_client_config_set_switch_domain(
    config: *mut cos_client_config,
    on: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.switch_domain(on);
        Ok(())
    })
}

/// Trusts the certificate authorities in the PEM file `path` for https (one or more certificates, as
/// curl's `--cacert`). Certificate authorities given this way (file, directory, PEM buffer) replace the
/// compiled-in Mozilla roots; each call adds one more source. The file is read by `cos_client_new`, which
/// fails with `COS_INVALID_ARGUMENT` (or `COS_IO_ERROR`) naming it when it cannot be read or holds no
/// certificate. `cos_client_config_from_env` adds `SSL_CERT_FILE` the same way.
#[no_mangle]
pub extern "C" fn cos_client_config_add_ca_file(
    config: *mut cos_client_config,
    path: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.ca_file(std::path::Path::new(arg_str("path", path)?));
        Ok(())
    })
}

/// Trusts the PEM certificates in the directory `path` (as curl's `--capath`; files that are not
/// certificates are skipped, a directory with none fails `cos_client_new`). `cos_client_config_from_env`
/// adds each directory of `SSL_CERT_DIR` (separated by `:`) the same way.
#[no_mangle]
pub extern "C" fn cos_client_config_add_ca_dir(
    config: *mut cos_client_config,
    path: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.ca_dir(std::path::Path::new(arg_str("path", path)?));
        Ok(())
    })
}

/// Trusts the certificates in `len` bytes of PEM text at `pem` (copied). Text that holds no certificate is
/// refused here with `COS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn cos_client_config_add_ca_pem(
    config: *mut cos_client_config,
    pem: *const u8,
    len: usize,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        let pem = arg_bytes("pem", pem, len)?;
        if pem.is_empty() {
            return Err(crate::Error::invalid("pem is empty: it must hold at least one certificate"));
        }
        c.inner.ca_pem(pem)?;
        Ok(())
    })
}

/// Also trusts the operating system's certificate store (on Linux the system bundle, found as OpenSSL
/// finds it). Off by default: the compiled-in Mozilla roots are used unless certificate authorities are
/// given.
#[no_mangle]
pub extern "C" fn cos_client_config_set_native_roots(
    config: *mut cos_client_config,
    on: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.native_roots(on);
        Ok(())
    })
}

/// Forgets every certificate authority given so far, `SSL_CERT_FILE` / `SSL_CERT_DIR` from
/// `cos_client_config_from_env` included, and turns the system store off: back to the compiled-in roots.
#[no_mangle]
pub extern "C" fn cos_client_config_clear_trust(
    config: *mut cos_client_config,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.clear_trust();
        Ok(())
    })
}

/// Sends http and https requests through the HTTP proxy at `url`, `http://[user[:password]@]host[:port]`
/// (port 1080 by default, as curl's; user and password percent-decoded, sent as Basic credentials, never in
/// a message): http requests in absolute form, https ones through a CONNECT tunnel. NULL turns proxies off,
/// whatever the environment said. `cos_client_config_from_env` reads `http_proxy`, `HTTPS_PROXY`,
/// `ALL_PROXY` and `NO_PROXY` as curl does (lower or upper case, except `http_proxy`), unless `COS_ADDRESS` is
/// set (a fixed address is a direct connection). A refusal by the proxy is `COS_PROXY_ERROR`.
#[no_mangle]
pub extern "C" fn cos_client_config_set_proxy(
    config: *mut cos_client_config,
    url: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        let url = arg_opt_str("url", url)?;
        if let Some(u) = url {
            crate::http::proxy::Proxy::parse(u)?;
        }
        c.inner.proxy(url);
        Ok(())
    })
}

/// The hosts that bypass the proxy, a comma-separated list as `NO_PROXY` has it: `*` for every host, host
/// names (with their subdomains; a leading `.` changes nothing), IP addresses, each optionally `:port`.
/// Replaces the list the environment gave.
#[no_mangle]
pub extern "C" fn cos_client_config_set_no_proxy(
    config: *mut cos_client_config,
    list: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.no_proxy(arg_str("list", list)?);
        Ok(())
    })
}

/// The connection pool: at most `max_idle_per_host` idle keep-alive connections per host (default 64;
/// 0 closes each connection after its request), each reused for at most `idle_timeout_ms` after its last
/// request (default 30000; 0 keeps the default).
#[no_mangle]
pub extern "C" fn cos_client_config_set_pool(
    config: *mut cos_client_config,
    max_idle_per_host: u32,
    idle_timeout_ms: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.max_idle_per_host(max_idle_per_host as usize);
        c.inner.idle_timeout(Duration::from_millis(idle_timeout_ms.into()));
        Ok(())
    })
}

/// TCP keep-alive on every new connection: probes after `idle_ms` without traffic, then every `idle_ms`
/// (whole seconds, at least 1 s; default 60000). 0 turns it off.
#[no_mangle]
pub extern "C" fn cos_client_config_set_tcp_keepalive(
    config: *mut cos_client_config,
    idle_ms: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.tcp_keepalive(Some(Duration::from_millis(idle_ms.into())));
        Ok(())
    })
}

/// Worker threads of the client's background pool, which runs the non-blocking calls
/// (`cos_client_start_*`): at most this many run at once, the rest wait in a FIFO queue. 0 keeps the
/// default of 4; at most 256. The threads start on the first non-blocking call.
#[no_mangle]
pub extern "C" fn cos_client_config_set_background_workers(
    config: *mut cos_client_config,
    workers: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        c.inner.background_workers(workers as usize);
        Ok(())
    })
}
