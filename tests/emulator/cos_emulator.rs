//! cos-emulator: a local Tencent Cloud COS (XML API) server for tests.
//!
//! A real HTTP/1.1 server on loopback (one thread per connection, keep-alive) that verifies COS
//! request signatures and answers with COS's wire shapes (cos-protocol.md). It shares no code with
//! the client library in `src/`: it exists to check that client independently.
//!
//! Contract: `cos-emulator --listen 127.0.0.1:0 [--data-dir DIR] [--secret-id ID --secret-key KEY]`
//! prints `listening on 127.0.0.1:PORT` as its first stdout line and serves until killed.
//! `--help` lists the other flags and the default credentials.

mod auth;
mod bucket_ops;
mod cli;
mod conditional;
mod copy_ops;
mod delete_ops;
mod disk;
mod error;
mod http;
mod listing;
mod object_ops;
mod router;
mod store;
mod util;
mod xml;

use router::Server;
use std::io::{BufReader, BufWriter, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Socket buffers: large enough that bulk transfers move in few syscalls.
const IO_BUFFER: usize = 256 * 1024;

fn main() {
    let cfg = match cli::parse(std::env::args().skip(1)) {
        Ok(cli::Parsed::Run(cfg)) => cfg,
        Ok(cli::Parsed::Help) => {
            print!("{}", cli::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("cos-emulator: {e}\n\n{}", cli::USAGE);
            std::process::exit(2);
        }
    };
    let store = match &cfg.data_dir {
        Some(dir) => store::Store::open(dir).unwrap_or_else(|e| {
            eprintln!("cos-emulator: cannot use data dir {}: {e}", dir.display());
            std::process::exit(1);
        }),
        None => store::Store::memory(),
    };
    let listener = TcpListener::bind(&cfg.listen).unwrap_or_else(|e| {
        eprintln!("cos-emulator: cannot listen on {}: {e}", cfg.listen);
        std::process::exit(1);
    });
    let addr = listener.local_addr().expect("bound socket has an address");
    {
        // The first stdout line is the contract with whoever started us: flush it at once.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {addr}");
        let _ = out.flush();
    }

    let server = Arc::new(Server { cfg, store });
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let server = Arc::clone(&server);
                let spawned = std::thread::Builder::new()
                    .name("cos-conn".into())
                    .spawn(move || serve_connection(&server, stream));
                if let Err(e) = spawned {
                    eprintln!("cos-emulator: cannot start a connection thread: {e}");
                }
            }
            Err(e) => {
                // Typically EMFILE under load: back off briefly instead of spinning.
                eprintln!("cos-emulator: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Serve requests on one connection until the peer closes it or asks to.
fn serve_connection(server: &Server, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(IO_BUFFER, read_half);
    let mut writer = BufWriter::with_capacity(IO_BUFFER, stream);
    loop {
        let mut req = match http::read_request(&mut reader, &mut writer) {
            Ok(req) => req,
            Err(http::ReadError::Closed) => return,
            Err(http::ReadError::Io(e)) => {
                if server.cfg.verbose {
                    eprintln!("cos-emulator: connection dropped: {e}");
                }
                return;
            }
            Err(http::ReadError::Bad(e)) => {
                // The rest of the stream cannot be trusted: answer, then close.
                let request_id = util::new_request_id();
                let mut resp = router::error_response(&e, "", false, &request_id);
                router::add_common_headers(&mut resp, request_id, util::now_unix());
                let _ = http::write_response(&mut writer, resp, false, false);
                if server.cfg.verbose {
                    eprintln!("cos-emulator: bad request: {} {}", e.status, e.message);
                }
                return;
            }
        };
        let started = Instant::now();
        let resp = router::handle(server, &mut req);
        let (status, length) = (resp.status, resp.body.len());
        let written = http::write_response(&mut writer, resp, req.is_head(), req.keep_alive);
        if server.cfg.verbose {
            log_request(&req, status, length, started.elapsed());
        }
        if written.is_err() || !req.keep_alive {
            return;
        }
    }
}

fn log_request(req: &http::Request, status: u16, length: u64, elapsed: Duration) {
    let query: Vec<String> = req
        .query
        .iter()
        .filter(|(k, _)| k != "q-signature" && k != "x-cos-security-token")
        .map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k}={v}") })
        .collect();
    eprintln!(
        "{} {}{}{}{} -> {} ({} bytes, {:.3} ms)",
        req.method,
        req.header("host").unwrap_or("-"),
        req.raw_path,
        if query.is_empty() { "" } else { "?" },
        query.join("&"),
        status,
        length,
        elapsed.as_secs_f64() * 1000.0
    );
}
