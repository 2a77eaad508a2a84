//! What the tool prints: text or JSON on stdout, progress bars on a terminal's stderr, and errors with
//! everything COS said about them.

use cos::transfer::Progress;
use cos::{Error, ErrorKind};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;

pub struct Output {
    pub json: bool,
    progress: bool,
}

impl Output {
    pub fn new(json: bool, quiet: bool) -> Output {
        Output { json, progress: !quiet && !json && std::io::stderr().is_terminal() }
    }

    /// A text line (not in JSON mode).
    pub fn line(&self, text: &str) {
        if !self.json {
            println!("{text}");
        }
    }

    /// A JSON document (in JSON mode).
    pub fn value(&self, value: &serde_json::Value) {
        if self.json {
            println!("{value}");
        }
    }

    /// A progress bar for `what`, hidden when not on a terminal.
    fn bar(&self, what: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(0);
        let style = ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style.progress_chars("=> "));
        bar.set_message(what.to_string());
        bar
    }

    /// Runs `f` with a progress callback that drives a bar for `what` (bytes of a file or of a whole tree),
    /// cleared when `f` returns.
    pub fn with_bar<T>(&self, what: &str, f: impl FnOnce(Progress<'_>) -> T) -> T {
        let bar = self.bar(what);
        let mut progress = |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
            true
        };
        let result = f(&mut progress);
        bar.finish_and_clear();
        result
    }

    /// Prints `e` with its code, request id and trace id; the exit status tells its kind.
    pub fn error(&self, e: &Error) -> ExitCode {
        if self.json {
            println!("{}", error_json(e));
        }
        eprintln!("cos: error: {}", e.message());
        if e.kind() == ErrorKind::Service || e.http_status() > 0 {
            eprintln!(
                "  http status: {}, code: {}, request id: {}, trace id: {}",
                e.http_status(),
                e.code().unwrap_or("-"),
                e.request_id().unwrap_or("-"),
                e.trace_id().unwrap_or("-")
            );
        }
        ExitCode::from(exit_status(e))
    }
}

/// 3 when COS answered with an error, 1 for every client-side failure (2 is clap's usage error).
pub fn exit_status(e: &Error) -> u8 {
    if e.kind() == ErrorKind::Service {
        3
    } else {
        1
    }
}

pub fn error_json(e: &Error) -> serde_json::Value {
    serde_json::json!({
        "error": {
            "kind": format!("{:?}", e.kind()),
            "message": e.message(),
            "http_status": e.http_status(),
            "code": e.code(),
            "request_id": e.request_id(),
            "trace_id": e.trace_id(),
            "resource": e.resource(),
        }
    })
}
