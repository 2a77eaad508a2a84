//! Conditions a test can impose on the emulator: scripted faults (`injection`), the control API under
//! `/__emulator/` that adds them and reads the request counters (`control`), and the per-connection
//! bandwidth cap of `--rate-limit` (`ratelimit`).

pub mod control;
pub mod injection;
pub mod ratelimit;
