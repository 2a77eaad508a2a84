//! Idle keep-alive connections, per host. A connection is handed out only if the peer has not closed it
//! meanwhile, and never across fork(): a child process must not write into its parent's TLS sessions.

use super::conn::Conn;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

/// How many fork()s led to this process: bumped in the child by a pthread_atfork handler, so a pool can
/// tell it was inherited with one atomic load instead of a getpid() system call on every request.
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

extern "C" fn count_fork_in_child() {
    FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// The current fork generation; the first call registers the handler (before any pool exists, so before
/// any fork that could inherit one).
fn fork_generation() -> u64 {
    static REGISTER: Once = Once::new();
    // SAFETY: the handler only touches an atomic, which is async-signal-safe as fork() children require.
    REGISTER.call_once(|| unsafe {
        libc::pthread_atfork(None, None, Some(count_fork_in_child));
    });
    FORK_GENERATION.load(Ordering::Relaxed)
}

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
    /// Idle connections kept per host; more go closed (the oldest first). 0 keeps none.
    max_idle_per_host: usize,
    /// An idle connection older than this is closed rather than reused (`Config::idle_timeout`).
    idle_timeout: Duration,
}

struct State {
    /// The fork generation of the process that owns the connections; a different one after fork().
    generation: u64,
    idle: HashMap<Key, Vec<(Box<Conn>, Instant)>>,
}

impl Pool {
    pub(super) fn new(max_idle_per_host: usize, idle_timeout: Duration) -> Pool {
        let state = Mutex::new(State { generation: fork_generation(), idle: HashMap::new() });
        Pool { state, max_idle_per_host, idle_timeout }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves only idle connections behind: still safe to use.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let generation = fork_generation();
        if state.generation != generation {
            // Dropping closes the child's copies of the sockets only; the parent's stay open and pooled.
            state.idle.clear();
            state.generation = generation;
        }
        state
    }

    /// The most recently used live connection for `key`, if any.
    pub(super) fn take(&self, key: &Key) -> Option<Box<Conn>> {
        let mut state = self.lock();
        let list = state.idle.get_mut(key)?;
        while let Some((conn, since)) = list.pop() {
            if since.elapsed() < self.idle_timeout && conn.is_reusable() {
                return Some(conn);
            }
        }
        None
    }

    pub(super) fn put(&self, conn: Box<Conn>) {
        if self.max_idle_per_host == 0 {
            return;
        }
        let key = conn.key.clone();
        let mut state = self.lock();
        let list = state.idle.entry(key).or_default();
        while list.len() >= self.max_idle_per_host {
            list.remove(0);
        }
        list.push((conn, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::conn::Limits;
    use std::net::{TcpListener, TcpStream};

    /// `n` connections to a local listener, with the accepted ends kept open so each stays reusable.
    fn conns(n: usize) -> (Vec<Conn>, Vec<TcpStream>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let key = Key { https: false, host: "127.0.0.1".into(), port: addr.port(), proxy: false };
        let limits = Limits {
            connect_timeout: Duration::from_secs(5),
            io_timeout: Duration::from_secs(5),
            stall: None,
            keepalive: None,
        };
        let mut out = Vec::new();
        let mut peers = Vec::new();
        for _ in 0..n {
            out.push(Conn::open(key.clone(), &[addr], None, None, limits, None).unwrap());
            peers.push(listener.accept().unwrap().0);
        }
        (out, peers)
    }

    fn drain(pool: &Pool, key: &Key) -> usize {
        std::iter::from_fn(|| pool.take(key)).count()
    }

    #[test]
    fn the_idle_limit_caps_what_is_kept_and_zero_keeps_none() {
        let (list, _peers) = conns(5);
        let key = list[0].key.clone();
        let pool = Pool::new(2, Duration::from_secs(30));
        list.into_iter().for_each(|c| pool.put(Box::new(c)));
        assert_eq!(drain(&pool, &key), 2, "two of five kept");

        let (list, _peers) = conns(2);
        let key = list[0].key.clone();
        let none = Pool::new(0, Duration::from_secs(30));
        list.into_iter().for_each(|c| none.put(Box::new(c)));
        assert_eq!(drain(&none, &key), 0, "a limit of zero keeps none");
    }

    #[test]
    fn a_connection_idle_past_the_timeout_is_not_handed_out() {
        let (list, _peers) = conns(1);
        let key = list[0].key.clone();
        let pool = Pool::new(8, Duration::from_millis(50));
        list.into_iter().for_each(|c| pool.put(Box::new(c)));
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(drain(&pool, &key), 0);
    }
}
