//! Credential providers from C: a callback the client calls for fresh credentials, the CVM instance
//! role, the environment.

use super::client::cos_client_config;
use super::{arg_mut, arg_opt_str, arg_str, boxed, call, cos_error, cos_status, free_box, guard, update};
use crate::config::Credentials;
use crate::credentials::{CredentialProvider, EnvProvider, Expiring, InstanceRoleProvider};
use crate::error::{Error, ErrorKind, Result};
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Duration;

/// What a credentials callback fills in with `cos_credentials_set` (or `cos_credentials_fail`). Valid only
/// during the callback.
pub struct cos_credentials {
    set: Option<Expiring>,
    failure: Option<String>,
}

/// Gives the client credentials: fill `out` with `cos_credentials_set` and return 0, or return non-zero
/// (after `cos_credentials_fail` with a reason, if you like) to fail the operation that needed them. Called
/// before the cached credentials expire (about half their lifetime before, at most 5 minutes), from the
/// thread of whichever request needs them, never twice at once; meanwhile other requests go on with the
/// current credentials while they are valid. It must not unwind, throw or longjmp, and must not call back
/// into the client.
pub type cos_credentials_fn = Option<unsafe extern "C" fn(userdata: *mut c_void, out: *mut cos_credentials) -> c_int>;

/// A credentials handle of your own, to call your provider callback outside a client (to test it, say). Never
/// NULL; free it with `cos_credentials_free`.
#[no_mangle]
pub extern "C" fn cos_credentials_new() -> *mut cos_credentials {
    guard(std::ptr::null_mut(), || boxed(cos_credentials { set: None, failure: None }))
}

/// Frees a handle from `cos_credentials_new` (never one a callback was given). NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_credentials_free(credentials: *mut cos_credentials) {
    free_box(credentials)
}

/// Sets the credentials a callback gives: SecretId, SecretKey, the session token (NULL for permanent keys)
/// and their expiry in Unix seconds (0: they never expire).
#[no_mangle]
pub extern "C" fn cos_credentials_set(
    out: *mut cos_credentials,
    secret_id: *const c_char,
    secret_key: *const c_char,
    session_token: *const c_char,
    expires_unix: i64,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let out = arg_mut("out", out)?;
        let credentials = Credentials {
            secret_id: arg_str("secret_id", secret_id)?.to_string(),
            secret_key: arg_str("secret_key", secret_key)?.to_string(),
            session_token: arg_opt_str("session_token", session_token)?.map(str::to_string),
        };
        if credentials.secret_id.is_empty() || credentials.secret_key.is_empty() {
            return Err(Error::invalid("secret_id and secret_key must not be empty"));
        }
        out.set = Some(Expiring { credentials, expires_unix: (expires_unix != 0).then_some(expires_unix) });
        Ok(())
    })
}

/// Records why a callback could not give credentials: the message of the error the operation fails with.
#[no_mangle]
pub extern "C" fn cos_credentials_fail(
    out: *mut cos_credentials,
    reason: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let out = arg_mut("out", out)?;
        out.failure = Some(arg_str("reason", reason)?.to_string());
        Ok(())
    })
}

/// The caller's callback and userdata, used from whichever thread needs credentials.
struct Callback {
    f: unsafe extern "C" fn(*mut c_void, *mut cos_credentials) -> c_int,
    userdata: *mut c_void,
}
// SAFETY: the C caller promises (documented on cos_credentials_fn) that the callback and its userdata may be
// used from any thread; the client never calls it twice at once.
unsafe impl Send for Callback {}
unsafe impl Sync for Callback {}

impl CredentialProvider for Callback {
    fn fetch(&self) -> Result<Expiring> {
        let mut out = cos_credentials { set: None, failure: None };
        // SAFETY: the caller's callback with its own userdata and a handle valid for the call.
        let rc = unsafe { (self.f)(self.userdata, &mut out) };
        let failed = |why: String| Err(Error::new(ErrorKind::InvalidArgument, why));
        match (rc, out.set, out.failure) {
            (0, Some(set), _) => Ok(set),
            (0, None, _) => failed("the credentials callback returned 0 without calling cos_credentials_set".into()),
            (rc, _, Some(reason)) => failed(format!("the credentials callback failed ({rc}): {reason}")),
            (rc, _, None) => failed(format!("the credentials callback failed ({rc})")),
        }
    }
}

/// Takes credentials from `provider` (called with `userdata`) instead of fixed ones; see
/// `cos_credentials_fn` for when it is called. NULL goes back to the fixed credentials.
#[no_mangle]
pub extern "C" fn cos_client_config_set_credentials_provider(
    config: *mut cos_client_config,
    provider: cos_credentials_fn,
    userdata: *mut c_void,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        let provider = provider.map(|f| Arc::new(Callback { f, userdata }) as Arc<dyn CredentialProvider>);
        c.inner.credential_provider(provider);
        Ok(())
    })
}

/// Takes credentials from the CAM role of this CVM instance, through the instance metadata service at
/// `metadata_url` (NULL: `http://metadata.tencentyun.com/latest/meta-data/cam/security-credentials/`) for
/// the role `role` (NULL: the one the service names), refreshed before they expire.
#[no_mangle]
pub extern "C" fn cos_client_config_use_instance_role(
    config: *mut cos_client_config,
    metadata_url: *const c_char,
    role: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        let provider =
            InstanceRoleProvider::new(arg_opt_str("metadata_url", metadata_url)?, arg_opt_str("role", role)?)?;
        c.inner.credential_provider(Some(Arc::new(provider)));
        Ok(())
    })
}

/// Takes credentials from `COS_SECRET_ID`, `COS_SECRET_KEY` and `COS_SESSION_TOKEN`, read again every
/// `reread_ms` (0: every 60 s), so that a process whose environment is updated picks up new keys.
#[no_mangle]
pub extern "C" fn cos_client_config_use_env_credentials(
    config: *mut cos_client_config,
    reread_ms: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        let reread = if reread_ms == 0 { Duration::from_secs(60) } else { Duration::from_millis(reread_ms.into()) };
        c.inner.credential_provider(Some(Arc::new(EnvProvider { reread })));
        Ok(())
    })
}
