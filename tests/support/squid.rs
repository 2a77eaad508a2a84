//! A real HTTP proxy for the tests: squid (Debian package `squid`), started in the foreground on a free
//! loopback port with a configuration written for it — no cache, every client allowed (or only those with
//! the given Basic credentials), and a hosts file mapping the test's host names to 127.0.0.1, since the
//! proxy, not the client, resolves the target. Killed when dropped.

use super::TempDir;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Squid {
    child: Child,
    pub port: u16,
    dir: TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Squid {
    /// A proxy resolving each of `hosts` to 127.0.0.1; with `auth`, requiring those Basic credentials.
    pub fn start(hosts: &[&str], auth: Option<(&str, &str)>) -> Squid {
        let dir = TempDir::new("squid");
        // Squid drops root for its own user, which must read the configuration and write the logs.
        std::fs::set_permissions(&dir.0, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
        let port = free_port();
        let d = dir.0.display();
        let hosts_file: String = hosts.iter().map(|h| format!("127.0.0.1 {h}\n")).collect();
        std::fs::write(dir.path("hosts"), hosts_file).unwrap();
        let access = match auth {
            None => "http_access allow all\n".to_string(),
            Some((user, password)) => {
                let out = Command::new("openssl").args(["passwd", "-apr1", password]).output().expect("openssl");
                let hash = String::from_utf8(out.stdout).unwrap();
                std::fs::write(dir.path("passwd"), format!("{user}:{}", hash.trim())).unwrap();
                format!(
                    "auth_param basic program /usr/lib/squid/basic_ncsa_auth {d}/passwd\n\
                     auth_param basic realm cos-test\nacl authed proxy_auth REQUIRED\n\
                     http_access allow authed\nhttp_access deny all\n"
                )
            }
        };
        let conf = format!(
            "http_port 127.0.0.1:{port}\npid_filename {d}/squid.pid\nhosts_file {d}/hosts\n\
             dns_nameservers 127.0.0.1\ncache deny all\ncache_mem 8 MB\naccess_log stdio:{d}/access.log\n\
             cache_log {d}/cache.log\ncoredump_dir {d}\nvisible_hostname cos-test\nshutdown_lifetime 0 seconds\n\
             {access}"
        );
        std::fs::write(dir.path("squid.conf"), conf).unwrap();
        let child = Command::new("squid")
            .args(["-N", "-n", &format!("costest{port}"), "-f"])
            .arg(dir.path("squid.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start squid (Debian package squid; tests/run.sh installs it)");
        let squid = Squid { child, port, dir };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(30), "squid did not listen: {}", squid.cache_log());
            std::thread::sleep(Duration::from_millis(50));
        }
        squid
    }

    /// `http://[user:password@]127.0.0.1:PORT`
    pub fn url(&self, auth: Option<(&str, &str)>) -> String {
        match auth {
            Some((u, p)) => format!("http://{u}:{p}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// The access log so far (squid writes it as requests finish).
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path("access.log")).unwrap_or_default()
    }

    /// Waits until the access log has a line containing `needle`; returns the log.
    pub fn wait_logged(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let log = self.access_log();
            if log.contains(needle) || start.elapsed() > Duration::from_secs(10) {
                return log;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn cache_log(&self) -> String {
        std::fs::read_to_string(self.dir.path("cache.log")).unwrap_or_default()
    }
}

impl Drop for Squid {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
