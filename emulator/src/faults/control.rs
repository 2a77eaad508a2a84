//! The control API: any request whose path starts with `/__emulator/`, on any Host, unsigned
//! (a test server on loopback). It scripts faults and reads request counters; the README lists
//! the exact routes.

use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::router::Server;
use crate::util;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

pub const PREFIX: &str = "/__emulator/";

pub fn is_control(req: &Request) -> bool {
    req.raw_path.starts_with(PREFIX)
}

/// Counters of COS requests (control requests are not counted).
#[derive(Default)]
pub struct Stats {
    requests: AtomicU64,
    retries: AtomicU64,
    faults: AtomicU64,
    /// Connections that carried a COS request: how a client's connection reuse (its pool) is seen from outside.
    connections: AtomicU64,
    methods: Mutex<BTreeMap<String, u64>>,
}

impl Stats {
    pub fn record(&self, req: &Request) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if req.header("x-cos-sdk-retry").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
        let mut methods = self.methods.lock().unwrap_or_else(|e| e.into_inner());
        *methods.entry(req.method.clone()).or_default() += 1;
    }

    pub fn connection_used(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    pub fn fault_fired(&self) {
        self.faults.fetch_add(1, Ordering::Relaxed);
    }

    /// `requests N`, `retries N`, `faults N`, `connections N`, then one `<METHOD> N` line per method seen.
    pub fn render(&self) -> String {
        let mut s = format!(
            "requests {}\nretries {}\nfaults {}\nconnections {}\n",
            self.requests.load(Ordering::Relaxed),
            self.retries.load(Ordering::Relaxed),
            self.faults.load(Ordering::Relaxed),
            self.connections.load(Ordering::Relaxed)
        );
        for (method, n) in self.methods.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            s.push_str(&format!("{method} {n}\n"));
        }
        s
    }

    pub fn reset(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.retries.store(0, Ordering::Relaxed);
        self.faults.store(0, Ordering::Relaxed);
        self.connections.store(0, Ordering::Relaxed);
        self.methods.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

pub fn handle(server: &Server, req: &Request) -> Response {
    let path = req.raw_path.trim_start_matches(PREFIX).trim_end_matches('/');
    match (req.method.as_str(), path) {
        ("POST", "faults") => match server.faults.add(&req.query) {
            Ok(id) => Response::text(200, format!("{id}\n")).header("x-emulator-fault-id", id.to_string()),
            Err(e) => Response::text(400, format!("bad fault: {e}\n")),
        },
        ("GET", "faults") => Response::text(200, server.faults.list()),
        ("DELETE", "faults") => Response::text(200, format!("cleared {}\n", server.faults.clear())),
        ("DELETE", p) if p.starts_with("faults/") => match p["faults/".len()..].parse::<u64>() {
            Ok(id) if server.faults.remove(id) => Response::text(200, "removed\n"),
            _ => Response::text(404, "no such fault\n"),
        },
        ("GET", "stats") => Response::text(200, server.stats.render()),
        ("POST", "stats/reset") => {
            server.stats.reset();
            Response::text(200, "reset\n")
        }
        // STS-like temporary credentials, valid for `ttl_ms` (default 2000): the JSON a CVM's instance
        // metadata service returns, which is also what the metadata route below serves.
        ("POST", "credentials") => {
            let ttl_ms = req.query_param("ttl_ms").and_then(|v| v.parse::<u64>().ok()).unwrap_or(2000);
            mint(server, ttl_ms)
        }
        // The instance metadata service of a CVM with the role `cos-emulator-role`, under this prefix.
        ("GET", "meta-data/cam/security-credentials") => Response::text(200, "cos-emulator-role"),
        ("GET", "meta-data/cam/security-credentials/cos-emulator-role") => mint(server, 2000),
        (_, "faults" | "stats" | "stats/reset" | "credentials") => Response::text(405, "method not allowed\n"),
        _ => Response::text(404, format!("unknown control path {}\n", req.raw_path)),
    }
}

/// Mints a temporary key valid for `ttl_ms` from now and answers with it as the metadata service does.
fn mint(server: &Server, ttl_ms: u64) -> Response {
    let now = server.now();
    // Whole seconds, as COS signs: a key lives at least until the end of the second its TTL ends in.
    let expires = now + ttl_ms.div_ceil(1000);
    let key = crate::auth::issued::IssuedKey {
        secret_id: format!("AKIDtemp{:016x}", util::random_u64()),
        secret_key: format!("{:016x}{:016x}", util::random_u64(), util::random_u64()),
        token: format!("token{:016x}", util::random_u64()),
        expires,
    };
    let body = format!(
        "{{\"TmpSecretId\":\"{}\",\"TmpSecretKey\":\"{}\",\"Token\":\"{}\",\"ExpiredTime\":{},\"Expiration\":\"{}\",\"Code\":\"Success\"}}",
        key.secret_id,
        key.secret_key,
        key.token,
        expires,
        util::iso8601(expires)
    );
    server.issued.add(key, now);
    Response::text(200, body).header("Content-Type", "application/json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::Framing;

    pub fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Request {
        Request {
            method: method.into(),
            raw_path: path.into(),
            path: Some(path.into()),
            raw_query: String::new(),
            query: Vec::new(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            framing: Framing::Absent,
            keep_alive: true,
            expects_continue: false,
        }
    }

    #[test]
    fn stats_count_methods_and_retries() {
        let s = Stats::default();
        s.record(&request("GET", "/a", &[]));
        s.record(&request("PUT", "/a", &[("x-cos-sdk-retry", "true")]));
        s.record(&request("PUT", "/a", &[]));
        s.fault_fired();
        assert_eq!(s.render(), "requests 3\nretries 1\nfaults 1\nconnections 0\nGET 1\nPUT 2\n");
        s.reset();
        assert_eq!(s.render(), "requests 0\nretries 0\nfaults 0\nconnections 0\n");
        assert!(is_control(&request("GET", "/__emulator/stats", &[])));
        assert!(!is_control(&request("GET", "/__emulator", &[])));
    }
}
