//! [`Client`]: one per configuration, shared by any number of threads.

use crate::config::{normalize_key, validate_bucket, Config};
use crate::encode;
use crate::error::{Error, Result};
use crate::sign;
use crate::transport::{Target, Transport};
use std::sync::Arc;

/// A COS client. Immutable after creation; `Send + Sync`; owns a keep-alive connection pool that every
/// thread using it shares. Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct Client {
    pub(crate) transport: Arc<Transport>,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
};

impl Client {
    pub fn new(config: Config) -> Result<Client> {
        Ok(Client { transport: Arc::new(Transport::new(config)?) })
    }

    /// A client configured from the `COS_*` environment variables (see [`Config::from_env`]).
    pub fn from_env() -> Result<Client> {
        Client::new(Config::from_env()?)
    }

    pub fn config(&self) -> &Config {
        &self.transport.config
    }

    /// Validates a bucket and key and returns the request target.
    pub(crate) fn object<'a>(&self, bucket: &'a str, key: &'a str) -> Result<Target<'a>> {
        let (bucket, key) = self.object_name(bucket, key)?;
        Ok(Target::Object(bucket, key))
    }

    /// A validated bucket and its normalised key (a leading `/` dropped; keys that address the bucket refused).
    pub(crate) fn object_name<'a>(&self, bucket: &'a str, key: &'a str) -> Result<(&'a str, &'a str)> {
        validate_bucket(bucket)?;
        Ok((bucket, normalize_key(key)?))
    }

    pub(crate) fn bucket<'a>(&self, bucket: &'a str) -> Result<Target<'a>> {
        validate_bucket(bucket)?;
        Ok(Target::Bucket(bucket))
    }

    /// A presigned URL for `method` on `bucket`/`key`, valid from `start_unix` for `expires_s` seconds. The
    /// `host` header is signed; `params` are added to the URL and signed, so they cannot be altered. With a
    /// session token configured, the token is a signed query parameter too.
    pub fn presign_url(
        &self,
        method: &str,
        bucket: &str,
        key: &str,
        start_unix: i64,
        expires_s: u32,
        params: &[(String, String)],
    ) -> Result<String> {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::invalid(format!("method must be an HTTP method such as \"GET\", got {method:?}")));
        }
        let (bucket, key) = self.object_name(bucket, key)?;
        let end = start_unix
            .checked_add(i64::from(expires_s))
            .ok_or_else(|| Error::invalid(format!("start_unix {start_unix} + expires_s {expires_s} overflows")))?;
        let config = self.config();
        let host = config.bucket_host(bucket);
        let mut params = params.to_vec();
        if let Some(token) = &config.credentials.session_token {
            params.push(("x-cos-security-token".to_string(), token.clone()));
        }
        let signature = sign::sign(
            &config.credentials.secret_key,
            &sign::SignRequest {
                method,
                path: &format!("/{key}"),
                params: &params,
                headers: &[("host".to_string(), host.clone())],
                start: start_unix,
                end,
            },
        );
        let mut url = format!("{}://{host}{}", config.scheme.as_str(), encode::object_path(key));
        let auth = signature.query_params(&config.credentials.secret_id);
        let all =
            auth.iter().map(|(k, v)| (*k, v.as_str())).chain(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (i, (k, v)) in all.enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&encode::component(k));
            url.push('=');
            url.push_str(&encode::component(v));
        }
        Ok(url)
    }
}
