//! What the integration tests share, in one place. Every test file includes it with `mod support;`
//! (cargo does not build `tests/support/` as a test of its own) and uses what it needs:
//!
//! - [`emulator`]: one launcher for `cos-emulator` (`Emulator::start`, `start_with`, `launch` with a
//!   [`Launch`] for verbose logs, captured stderr and environment), its control API (faults, stats),
//!   client and configuration builders, the default credentials, [`Fixture`] (emulator, client, bucket);
//!   [`emulator_bin`] finds (and if needed builds) the binary;
//! - [`tempdir`]: [`TempDir`], a scratch directory removed on drop;
//! - [`data`]: deterministic bytes, [`assert_same`], [`within`] and [`wait_for`];
//! - [`errors`]: the shape every `cos::Error` must have, and the C status of each kind;
//! - [`transfer`]: progress logs and checkpoint files of transfers;
//! - [`proxy`]: [`Proxy`], a TCP relay that counts, gates, slows, rewrites and cuts bytes;
//! - [`squid`]: [`Squid`], a real HTTP proxy (with or without Basic auth) on loopback;
//! - [`tls`]: [`Pki`], a private CA with server certificates (openssl), and an https emulator;
//! - [`hostile`]: a scripted misbehaving HTTP server (used as `support::hostile::...`).
#![allow(dead_code)]

mod data;
mod emulator;
mod errors;
pub mod hostile;
mod proxy;
mod squid;
mod tempdir;
mod tls;
mod transfer;

// A test file uses some of these, never all.
#[allow(unused_imports)]
pub use {data::*, emulator::*, errors::*, proxy::*, squid::*, tempdir::*, tls::*, transfer::*};
