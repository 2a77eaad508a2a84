//! `tests/c/api_sign.c`: every export of the presign and raw sections used from C with asserts, bad input
//! included, against a fresh emulator — built as C11 and as C++17 with `-Werror`, run again under
//! AddressSanitizer/UBSan and under valgrind. The presigned URLs the program printed are then used from
//! Rust with a plain HTTP client, and what its raw requests wrote is checked.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link};
use cos::RequestOptions;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::Emulator;

const TIMEOUT: Duration = Duration::from_secs(300);
const BUCKET: &str = "capisign-1250000000";

/// `method url` with `headers` and `body` over a fresh connection; returns (status, body).
fn fetch(address: &str, method: &str, url: &str, headers: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let slash = rest.find('/').expect("a path");
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n",
        &rest[slash..],
        &rest[..slash],
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let status = std::str::from_utf8(&raw[..end]).unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    (status, raw[end + 4..].to_vec())
}

fn run_once(exe: &std::path::Path, wrapper: &[&str], extra_env: Vec<(String, String)>, what: &str) {
    let emu = Emulator::start();
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    env.extend(extra_env);
    let run = cbuild::run(wrapper, exe, &[], &env, TIMEOUT);
    run.assert_success(what).assert_line(what, "api_sign: ok (");
    let url = |method: &str| {
        let prefix = format!("url {method} ");
        run.stdout.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("{what}: no {prefix}"))
    };
    let (status, _) = fetch(&emu.address, "PUT", url("PUT"), "Content-Type: text/plain\r\n", b"via C's URL");
    assert_eq!(status, 200, "{what}");
    let (status, _) = fetch(&emu.address, "PUT", url("PUT"), "Content-Type: text/html\r\n", b"other type");
    assert_eq!(status, 403, "{what}: the signed Content-Type is enforced");
    let (status, body) = fetch(&emu.address, "GET", url("GET"), "", b"");
    assert_eq!((status, body.as_slice()), (200, &b"seed"[..]), "{what}");
    let client = emu.client();
    let o = RequestOptions::new();
    assert_eq!(client.get_object(BUCKET, "browser.txt", &o).unwrap().0, b"via C's URL", "{what}");
    let (data, info) = client.get_object(BUCKET, "raw/one.txt", &o).unwrap();
    assert_eq!((data.as_slice(), info.meta("via")), (&b"from C"[..], Some("c")), "{what}");
}

#[test]
fn api_sign_c_program() {
    let out = cbuild::out_dir("api-sign");
    let src = cbuild::root().join("tests/c/api_sign.c");
    for build in [Build::C_DYNAMIC, Build { lang: Lang::Cxx, link: Link::Static, sanitize: false }, Build::C_ASAN] {
        let exe = build.compile(&src, &out);
        let env = if build.sanitize { cbuild::sanitizer_env() } else { Vec::new() };
        run_once(&exe, &[], env, &format!("api_sign ({})", build.tag()));
    }
}

#[test]
fn api_sign_c_program_under_valgrind() {
    let out = cbuild::out_dir("api-sign-valgrind");
    let exe = Build::C_DYNAMIC.compile(&cbuild::root().join("tests/c/api_sign.c"), &out);
    let valgrind = cbuild::valgrind();
    let wrapper: Vec<&str> = valgrind.iter().map(String::as_str).collect();
    run_once(&exe, &wrapper, Vec::new(), "api_sign (valgrind)");
}

/// The C examples of the README's "Presigned URLs and raw requests" section, extracted from it and run in one
/// program (under ASan/UBSan) against the emulator; the URL it prints is then used with a plain HTTP client.
#[test]
fn readme_presign_and_raw_examples_run() {
    let readme = std::fs::read_to_string(cbuild::root().join("README.md")).unwrap();
    let section = &readme[readme.find("## Presigned URLs and raw requests").expect("the README has the section")..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let blocks: Vec<&str> = section.split("```c\n").skip(1).map(|b| &b[..b.find("```").unwrap()]).collect();
    assert_eq!(blocks.len(), 2, "the section shows a presigned PUT and a raw request");
    let program = format!(
        "#include <stdio.h>\n#include <string.h>\n#include \"cos.h\"\n\
         int main(void) {{\n    cos_client *client = NULL;\n    cos_error *err = NULL;\n\
         if (cos_client_new_from_env(&client, &err)) goto fail;\n\
         {{\n{}\n}}\n{{\n{}\n}}\n    cos_client_free(client);\n    return 0;\n\
         fail:\n    fprintf(stderr, \"%s: %s\\n\", cos_status_str(cos_error_status(err)), cos_error_message(err));\n\
         cos_error_free(err);\n    cos_client_free(client);\n    return 1;\n}}\n",
        blocks[0], blocks[1]
    );
    let out = cbuild::out_dir("readme-sign");
    let src = out.join("readme_sign.c");
    std::fs::write(&src, program).unwrap();
    let exe = Build::C_ASAN.compile(&src, &out);
    let emu = Emulator::start();
    let bucket = "examplebucket-1250000000";
    emu.client().create_bucket(bucket, &RequestOptions::new()).unwrap();
    let env =
        [cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY), cbuild::sanitizer_env()].concat();
    let run = cbuild::run(&[], &exe, &[], &env, TIMEOUT);
    run.assert_success("README examples")
        .assert_line("README examples", "HTTP 200: ")
        .assert_line("README examples", "<AccessControlPolicy>");
    let url = run.stdout.lines().find(|l| l.starts_with("http://")).expect("the presigned URL");
    let (status, _) = fetch(&emu.address, "PUT", url, "Content-Type: text/plain\r\n", b"note");
    assert_eq!(status, 200);
    assert_eq!(emu.client().get_object(bucket, "inbox/note.txt", &RequestOptions::new()).unwrap().0, b"note");
}
