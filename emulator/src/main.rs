//! cos-emulator: a local Tencent Cloud COS (XML API) server for tests.
//!
//! A real HTTP/1.1 server on loopback (one thread per connection, keep-alive) that verifies COS
//! request signatures and answers with COS's wire shapes (cos-protocol.md). It shares no code with
//! the client library (the workspace's root package): it exists to check that client independently.
//!
//! Contract: `cos-emulator --listen 127.0.0.1:0 [--data-dir DIR] [--secret-id ID --secret-key KEY]`
//! prints `listening on 127.0.0.1:PORT` as its first stdout line and serves until killed.
//! `--help` lists the other flags and the default credentials; the README the control API
//! (fault injection and counters under `/__emulator/`).
//!
//! The code: `http` (connections, request heads and bodies, responses on the wire), `auth`
//! (credentials and signatures), `operations` (the route table and the COS operations), `storage`
//! (the index, `--data-dir` and its crash consistency, receiving bodies), `faults` (fault injection,
//! the control API and its counters, the rate limit), and `cli`, `error`, `xml`, `util`.

mod auth;
mod cli;
mod error;
mod faults;
mod http;
mod operations;
mod storage;
mod tls;
mod util;
mod xml;

use operations::router::Server;
use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let cfg = match cli::parse(std::env::args().skip(1)) {
        Ok(cli::Parsed::Run(cfg)) => *cfg,
        Ok(cli::Parsed::Help) => {
            print!("{}", cli::help());
            return;
        }
        Ok(cli::Parsed::Version) => {
            println!("cos-emulator {}", env!("CARGO_PKG_VERSION"));
            return;
        }
        Err(e) => {
            eprintln!("cos-emulator: {e}\n{}", cli::TRY_HELP);
            std::process::exit(2);
        }
    };
    let store = match &cfg.data_dir {
        Some(dir) => storage::store::Store::open(dir).unwrap_or_else(|e| {
            eprintln!("cos-emulator: cannot use data dir {}: {e}", dir.display());
            std::process::exit(1);
        }),
        None => storage::store::Store::memory(),
    };
    let bind = |address: &str| {
        TcpListener::bind(address).unwrap_or_else(|e| {
            eprintln!("cos-emulator: cannot listen on {address}: {e}");
            std::process::exit(1);
        })
    };
    let tls = match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key).unwrap_or_else(|e| {
            eprintln!("cos-emulator: {e}");
            std::process::exit(1);
        })),
        _ => None,
    };
    let announced = bind(&cfg.listen);
    let addr = announced.local_addr().expect("bound socket has an address");
    // With TLS, the announced address is the TLS front and the server itself listens on a loopback port of
    // its own (the second line), which the front relays to and tests may use for the control API.
    let listener = match tls {
        None => announced,
        Some(config) => {
            let plain = bind("127.0.0.1:0");
            let plain_addr = plain.local_addr().expect("bound socket has an address");
            let verbose = cfg.verbose;
            std::thread::spawn(move || tls::front(announced, plain_addr, config, verbose));
            plain
        }
    };
    {
        // The first stdout line is the contract with whoever started us: flush it at once.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {addr}");
        if listener.local_addr().ok() != Some(addr) {
            let _ = writeln!(out, "plain http on {}", listener.local_addr().expect("bound"));
        }
        let _ = out.flush();
    }

    let server = Arc::new(Server::new(cfg, store));
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let server = Arc::clone(&server);
                let spawned = std::thread::Builder::new()
                    .name("cos-conn".into())
                    .spawn(move || http::conn::serve(&server, stream));
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
