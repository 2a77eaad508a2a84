//! A private certificate authority made with the `openssl` command for https tests, and an emulator that
//! serves https with its certificate (`--tls-cert` / `--tls-key`).

use super::{Emulator, Launch, TempDir, REGION};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A CA and two server certificates signed by it: `good` names every host a client of the emulator uses
/// (`*.cos.ap-guangzhou.myqcloud.com`, the service host, localhost, 127.0.0.1), `wrong_host` only
/// `*.cos.ap-beijing.myqcloud.com`.
pub struct Pki {
    pub dir: TempDir,
    pub ca: PathBuf,
    pub good: (PathBuf, PathBuf),
    pub wrong_host: (PathBuf, PathBuf),
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A P-256 key and a certificate for `names` (subjectAltName entries) signed by the CA in `dir`.
fn server_cert(dir: &Path, name: &str, names: &str) -> (PathBuf, PathBuf) {
    let ext = format!("subjectAltName={names}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    let (key, csr, pem, ext) =
        (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"), format!("{name}.ext"));
    openssl(dir, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &key]);
    openssl(dir, &["req", "-new", "-key", &key, "-out", &csr, "-subj", "/CN=cos-emulator"]);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &pem,
            "-extfile",
            &ext,
        ],
    );
    (dir.join(pem), dir.join(key))
}

impl Pki {
    pub fn new() -> Pki {
        let dir = TempDir::new("pki");
        openssl(
            &dir.0,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=cos test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        let good = server_cert(
            &dir.0,
            "good",
            &format!("DNS:*.cos.{REGION}.myqcloud.com,DNS:service.cos.myqcloud.com,DNS:localhost,IP:127.0.0.1"),
        );
        let wrong_host = server_cert(&dir.0, "wrong", "DNS:*.cos.ap-beijing.myqcloud.com");
        let ca = dir.path("ca.pem");
        Pki { dir, ca, good, wrong_host }
    }

    /// An emulator serving https with `cert` (e.g. `self.good`); its control API stays on plain http.
    pub fn emulator(&self, cert: &(PathBuf, PathBuf)) -> Emulator {
        let args = [format!("--tls-cert={}", cert.0.display()), format!("--tls-key={}", cert.1.display())];
        Emulator::launch(&Launch::new().args(&args))
    }
}
