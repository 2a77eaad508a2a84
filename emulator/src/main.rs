//! cos-emulator: a local Tencent Cloud COS (XML API) server for tests.
//!
//! A real HTTP/1.1 server on loopback (one thread per connection, keep-alive) that verifies COS
//! request signatures and answers with COS's wire shapes (cos-protocol.md). It shares no code with
//! the client library in `src/`: it exists to check that client independently.
//!
//! Contract: `cos-emulator --listen 127.0.0.1:0 [--data-dir DIR] [--secret-id ID --secret-key KEY]`
//! prints `listening on 127.0.0.1:PORT` as its first stdout line and serves until killed.
//! `--help` lists the other flags and the default credentials; the README the control API
//! (fault injection and counters under `/__emulator/`).

mod auth;
mod body;
mod bucket_ops;
mod chunk;
mod cli;
mod conditional;
mod conn;
mod control;
mod copy_ops;
mod crc;
mod delete_ops;
mod disk;
mod error;
mod faults;
mod http;
mod ingest;
mod listing;
mod multipart;
mod multipart_list;
mod object_ops;
mod ratelimit;
mod router;
mod store;
mod uploads;
mod util;
mod wire;
mod xml;

use router::Server;
use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let cfg = match cli::parse(std::env::args().skip(1)) {
        Ok(cli::Parsed::Run(cfg)) => *cfg,
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

    let server = Arc::new(Server::new(cfg, store));
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let server = Arc::clone(&server);
                let spawned =
                    std::thread::Builder::new().name("cos-conn".into()).spawn(move || conn::serve(&server, stream));
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
