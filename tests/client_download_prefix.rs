//! `download_prefix`: objects under a prefix land under the chosen directory, and a key that would escape
//! it stops the call before anything is written.

mod support;

use cos::{ErrorKind, RequestOptions, TransferOptions};
use std::path::{Path, PathBuf};
use support::Emulator;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cos-dlprefix-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn objects_land_under_the_directory() {
    let emu = Emulator::start();
    let client = emu.client();
    let bucket = support::bucket("dlp");
    let opts = RequestOptions::default();
    client.create_bucket(&bucket, &opts).unwrap();
    for (key, body) in [("logs/a.txt", "a"), ("logs/2024/b.txt", "bb"), ("logs/dir/", ""), ("other/c.txt", "c")] {
        client.put_object(&bucket, key, body.as_bytes(), &opts).unwrap();
    }
    let dir = temp_dir("ok");
    let out = dir.join("out");
    let n = client.download_prefix(&bucket, "logs/", &out, &TransferOptions::default()).unwrap();
    assert_eq!(n, 2);
    assert_eq!(files_under(&out), vec!["2024/b.txt", "a.txt"]);
    assert_eq!(std::fs::read(out.join("2024/b.txt")).unwrap(), b"bb");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_key_with_dot_dot_cannot_escape() {
    let emu = Emulator::start();
    let client = emu.client();
    let bucket = support::bucket("dlpevil");
    let opts = RequestOptions::default();
    client.create_bucket(&bucket, &opts).unwrap();
    client.put_object(&bucket, "in/fine.txt", b"fine", &opts).unwrap();
    client.put_object(&bucket, "in/../../escaped.txt", b"evil", &opts).unwrap();
    let dir = temp_dir("evil");
    let out = dir.join("a/b");
    let e = client.download_prefix(&bucket, "in/", &out, &TransferOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.message().contains("escaped.txt") && e.message().contains("outside"), "{e}");
    // Nothing was written: not the escaping file, and not the harmless one either.
    assert_eq!(files_under(&dir), Vec::<String>::new());
    std::fs::remove_dir_all(dir).unwrap();
}
