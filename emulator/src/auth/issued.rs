//! Temporary credentials issued at run time through the control API (`POST /__emulator/credentials`), as
//! STS issues them: a SecretId, SecretKey and session token valid until an expiry. A request signed with
//! one after its expiry is refused with `ExpiredToken`; tests of credential rotation use them.

use std::sync::Mutex;

#[derive(Clone, Debug)]
pub struct IssuedKey {
    pub secret_id: String,
    pub secret_key: String,
    pub token: String,
    /// Unix seconds (the emulator's clock) after which the key is refused.
    pub expires: u64,
}

#[derive(Default)]
pub struct Issued(Mutex<Vec<IssuedKey>>);

impl Issued {
    /// Adds a key; keys long expired are forgotten on the way.
    pub fn add(&self, key: IssuedKey, now: u64) {
        let mut keys = self.0.lock().unwrap_or_else(|p| p.into_inner());
        keys.retain(|k| k.expires + 3600 > now);
        keys.push(key);
    }

    pub fn find(&self, secret_id: &str) -> Option<IssuedKey> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).iter().find(|k| k.secret_id == secret_id).cloned()
    }
}
