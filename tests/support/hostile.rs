//! A misbehaving HTTP server on loopback for the hardening tests: each accepted connection is handed to a
//! script (a closure) that reads requests and writes whatever bytes it likes — a `200` where a `206` was
//! asked, a wrong `Content-Range`, a head dripped one byte at a time, endless trailers, an echo of the
//! request's headers. Every connection runs on its own thread with socket timeouts, and the server stops
//! when dropped, so no test can hang on it. Part of the test support module: `support::hostile`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server read it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Header names in lower case, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `Range: bytes=a-b` as `(a, Some(b))`, `bytes=a-` as `(a, None)`.
    pub fn range(&self) -> Option<(u64, Option<u64>)> {
        let spec = self.header("range")?.strip_prefix("bytes=")?;
        let (a, b) = spec.split_once('-')?;
        Some((a.parse().ok()?, if b.is_empty() { None } else { Some(b.parse().ok()?) }))
    }

    /// The request head as text, the way an echoing server would send it back.
    pub fn head_text(&self) -> String {
        let mut s = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        s
    }
}

/// The server side of one connection, handed to the script.
pub struct Conn {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
    /// Every request the server has read, over all connections.
    log: Arc<Mutex<Vec<Request>>>,
}

impl Conn {
    /// Reads the next request (head and Content-Length body); `None` when the client closed or went quiet.
    pub fn request(&mut self) -> Option<Request> {
        let mut req = self.request_head()?;
        let len: usize = req.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        req.body = vec![0; len];
        self.reader.read_exact(&mut req.body).ok()?;
        self.log.lock().unwrap().push(req.clone());
        Some(req)
    }

    /// Reads the head of the next request and leaves its body unread (logged without a body).
    pub fn request_head_only(&mut self) -> Option<Request> {
        let req = self.request_head()?;
        self.log.lock().unwrap().push(req.clone());
        Some(req)
    }

    fn request_head(&mut self) -> Option<Request> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let mut parts = line.split_whitespace();
        let mut req =
            Request { method: parts.next()?.to_string(), target: parts.next()?.to_string(), ..Request::default() };
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':')?;
            req.headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        Some(req)
    }

    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Writes a complete response: status line, the given headers, Content-Length and the body.
    pub fn respond(&mut self, status: &str, headers: &[(&str, String)], body: &[u8]) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {status}\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        self.write(head.as_bytes())?;
        self.write(body)
    }

    /// Writes `bytes` one byte at a time with `gap` between bytes; stops quietly when the client leaves.
    pub fn drip(&mut self, bytes: &[u8], gap: Duration) -> io::Result<()> {
        for b in bytes {
            self.write(std::slice::from_ref(b))?;
            std::thread::sleep(gap);
        }
        Ok(())
    }

    /// Writes `bytes` at about `rate` bytes per second, in 1 KiB pieces.
    pub fn trickle(&mut self, bytes: &[u8], rate: u64) -> io::Result<()> {
        let start = std::time::Instant::now();
        let mut sent = 0u64;
        for piece in bytes.chunks(1024) {
            self.write(piece)?;
            sent += piece.len() as u64;
            let due = Duration::from_secs_f64(sent as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        Ok(())
    }
}

/// The server: a listener on `127.0.0.1:0` whose connections each run `script`.
pub struct Hostile {
    pub address: String,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicU32>,
    log: Arc<Mutex<Vec<Request>>>,
}

impl Hostile {
    pub fn start(script: impl Fn(&mut Conn) + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let address = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicU32::new(0));
        let log = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let (stop2, count, log2) = (stop.clone(), connections.clone(), log.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let (script, log) = (script.clone(), log2.clone());
                std::thread::spawn(move || {
                    // Bounded: a script blocked on a silent client gives up after this.
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
                    let Ok(read_half) = stream.try_clone() else { return };
                    let mut conn = Conn { reader: BufReader::new(read_half), stream, log };
                    script(&mut conn);
                });
            }
        });
        Hostile { address, stop, connections, log }
    }

    /// A server that answers every request with the same script for one request.
    pub fn each_request(answer: impl Fn(&Request, &mut Conn) + Send + Sync + 'static) -> Hostile {
        Hostile::start(move |conn| {
            while let Some(req) = conn.request() {
                answer(&req, conn);
            }
        })
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u32 {
        self.connections.load(Ordering::SeqCst)
    }

    /// Every request read so far, over all connections.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// A client configuration for this server: http, every host connects here, short timeouts.
    pub fn config(&self) -> cos::ConfigBuilder {
        let mut b = cos::Config::builder();
        b.region("ap-guangzhou")
            .credentials("AKIDhostileTest", "hostileTestSecretKey")
            .address(&self.address)
            .connect_timeout(Duration::from_secs(2))
            .read_timeout(Duration::from_secs(5))
            .max_retries(2);
        b.scheme("http").unwrap();
        b
    }

    pub fn client(&self) -> cos::Client {
        cos::Client::new(self.config().build().unwrap()).unwrap()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.address);
    }
}

/// Runs `f` on a thread and panics if it has not returned within `limit`: a hang is a failure, not a stuck CI.
/// (`support::within` instead times a closure that borrows from the test and runs on the test's thread.)
pub fn within<T: Send + 'static>(limit: Duration, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(_) => panic!("{what}: still running after {limit:?}"),
    }
}
