//! The official Python SDK (cos-python-sdk-v5, in the test venv) as a peer of this library: runs a snippet
//! against an emulator with a ready `client` (a `CosS3Client` reaching the emulator at 127.0.0.1:PORT with
//! the default credentials) and returns what the snippet printed. Included with
//! `#[path = "python/peer.rs"] mod peer;` by the cross-client tests.
#![allow(dead_code)]

use std::process::Command;

const PRELUDE: &str = r#"
import json, logging, os, sys
for v in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(v, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
logging.getLogger("qcloud_cos").addHandler(logging.NullHandler())
logging.getLogger("qcloud_cos").propagate = False
from qcloud_cos import CosConfig, CosS3Client, CosServiceError
port, secret_id, secret_key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
client = CosS3Client(CosConfig(Region="ap-guangzhou", SecretId=secret_id, SecretKey=secret_key, Scheme="http",
                               IP="127.0.0.1", Port=port, Timeout=20), retry=0)
"#;

/// Runs `code` (after the prelude) with `python` against the emulator on `port`; panics with the output when
/// the snippet fails, and returns its stdout.
pub fn run(python: &std::path::Path, port: u16, secret_id: &str, secret_key: &str, code: &str) -> String {
    let script = format!("{PRELUDE}\n{code}\n");
    let out = Command::new(python)
        .arg("-c")
        .arg(&script)
        .args([&port.to_string(), secret_id, secret_key])
        .output()
        .expect("run the Python SDK");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the Python SDK snippet failed ({}):\n{code}\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
