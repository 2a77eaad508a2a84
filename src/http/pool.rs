//! Idle keep-alive connections, per host. A connection is handed out only if the peer has not closed it
//! meanwhile, and never across fork(): a child process must not write into its parent's TLS sessions.

use super::conn::Conn;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Idle connections kept per host; more go closed.
const MAX_IDLE_PER_HOST: usize = 64;
/// An idle connection older than this is closed rather than reused: servers drop idle ones after about a
/// minute, and a request sent just as they do fails.
const MAX_IDLE_AGE: Duration = Duration::from_secs(30);

/// Which connections may serve a request: same scheme, host (the TLS name) and port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Through a proxy: for http the key names the proxy itself, for https the target reached by CONNECT.
    /// Proxied and direct connections never serve each other's requests.
    pub proxy: bool,
}

pub(crate) struct Pool {
    state: Mutex<State>,
}

struct State {
    /// The process that owns the connections; a different one after fork().
    pid: u32,
    idle: HashMap<Key, Vec<(Box<Conn>, Instant)>>,
}

impl Pool {
    pub(super) fn new() -> Pool {
        Pool { state: Mutex::new(State { pid: std::process::id(), idle: HashMap::new() }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves only idle connections behind: still safe to use.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let pid = std::process::id();
        if state.pid != pid {
            state.idle.clear();
            state.pid = pid;
        }
        state
    }

    /// The most recently used live connection for `key`, if any.
    pub(super) fn take(&self, key: &Key) -> Option<Box<Conn>> {
        let mut state = self.lock();
        let list = state.idle.get_mut(key)?;
        while let Some((conn, since)) = list.pop() {
            if since.elapsed() < MAX_IDLE_AGE && conn.is_reusable() {
                return Some(conn);
            }
        }
        None
    }

    pub(super) fn put(&self, conn: Box<Conn>) {
        let key = conn.key.clone();
        let mut state = self.lock();
        let list = state.idle.entry(key).or_default();
        if list.len() >= MAX_IDLE_PER_HOST {
            list.remove(0);
        }
        list.push((conn, Instant::now()));
    }
}
