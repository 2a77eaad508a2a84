//! [`Client`]: one per configuration, shared by any number of threads.

use crate::config::{normalize_key, validate_bucket, Config};
use crate::error::Result;
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
}
