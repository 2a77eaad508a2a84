//! The official Python SDK as a peer in cross-client tests (`mod python_peer;`): a script runs with
//! `client` (a CosS3Client for the emulator) and `bucket` defined, and `show(value)` prints what an SDK
//! call returned as one `path=value` line per leaf (`Rule.0.Filter.Prefix=logs/`), which [`run`] returns
//! as a map: no JSON parser needed on this side.

use std::collections::BTreeMap;
use std::process::Command;

const PRELUDE: &str = r#"
import logging
from qcloud_cos import CosConfig, CosS3Client, CosServiceError
logging.getLogger('qcloud_cos').addHandler(logging.NullHandler())
logging.getLogger('qcloud_cos').propagate = False

def show(v, path=''):
    if isinstance(v, dict):
        for k, x in v.items():
            show(x, path + str(k) + '.')
    elif isinstance(v, list):
        for i, x in enumerate(v):
            show(x, path + str(i) + '.')
    else:
        print('%s=%s' % (path[:-1], v))
"#;

/// Runs `script` against the emulator at `port` on `bucket`; panics when it fails. Returns the `show` lines.
pub fn run(port: u16, bucket: &str, script: &str) -> BTreeMap<String, String> {
    let setup = format!(
        "client = CosS3Client(CosConfig(Region='ap-guangzhou', SecretId='{}', SecretKey='{}', Scheme='http', \
         IP='127.0.0.1', Port={port}, Timeout=20), retry=0)\nbucket = '{bucket}'\n",
        super::support::SECRET_ID,
        super::support::SECRET_KEY,
    );
    let mut cmd = Command::new(super::support::python());
    cmd.args(["-c", &format!("{PRELUDE}{setup}{script}")]).env("NO_PROXY", "127.0.0.1");
    for var in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    let out = cmd.output().expect("run the Python SDK");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the Python script failed:\n{script}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}
