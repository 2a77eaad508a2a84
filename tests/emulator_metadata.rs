//! User metadata at the emulator's limits, over raw HTTP/1.1 on a `TcpStream` (the client library is not what is
//! tested here): COS allows `x-cos-meta-*` totalling 2 KB (names after the prefix plus values), so a PUT may carry
//! well over a hundred of them, and HEAD and GET must return every one; beyond 2 KB it is 400 MetadataTooLarge.
//! Requests are signed with `cos::sign`, the metadata headers included, or presigned with the host alone.

mod support;

use cos::sign::{sign, SignRequest};
use cos::RequestOptions;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::{Emulator, REGION, SECRET_ID, SECRET_KEY};

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn host(bucket: &str) -> String {
    format!("{bucket}.cos.{REGION}.myqcloud.com")
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `x-cos-meta-*` headers, names lower-cased, sorted.
    fn metadata(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-cos-meta-"))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        v.sort();
        v
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `head` (request line and header lines, without the blank line) and `body` over a fresh connection
/// that the emulator closes after answering, and parses the answer.
fn exchange(emu: &Emulator, head: &str, body: &[u8], is_head: bool) -> Reply {
    let mut stream = TcpStream::connect(&emu.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(format!("{head}Connection: close\r\n\r\n").as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of the response head");
    let text = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = text.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').expect("a header line");
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    let reply = Reply { status, headers, body: raw[end + 4..].to_vec() };
    if !is_head {
        let len: usize = reply.header("content-length").expect("Content-Length").parse().unwrap();
        assert_eq!(reply.body.len(), len, "the whole body arrived");
    }
    reply
}

/// `method /key[?query]` with `headers` and `body`, every header (and the host) signed into an Authorization.
fn signed(
    emu: &Emulator,
    method: &str,
    bucket: &str,
    key: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
) -> Reply {
    let host = host(bucket);
    let mut to_sign = headers.to_vec();
    to_sign.push(("host".to_string(), host.clone()));
    let t = now();
    let sig = sign(
        SECRET_KEY,
        &SignRequest {
            method,
            path: &format!("/{key}"),
            params: query,
            headers: &to_sign,
            start: t - 60,
            end: t + 600,
        },
    );
    let mut target = format!("/{key}");
    for (i, (k, v)) in query.iter().enumerate() {
        target.push(if i == 0 { '?' } else { '&' });
        target.push_str(k);
        if !v.is_empty() {
            target.push('=');
            target.push_str(v);
        }
    }
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\nContent-Length: {}\r\n",
        sig.authorization(SECRET_ID),
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    exchange(emu, &head, body, method == "HEAD")
}

/// `count` metadata headers `x-cos-meta-m<i>` whose names (after the prefix) and values total `total` bytes.
fn metadata(count: usize, total: usize) -> Vec<(String, String)> {
    let base = total / count;
    assert!(base >= 6, "room for a name and a value of at least 2 bytes");
    (0..count)
        .map(|i| {
            let name = format!("m{i:03}");
            let len = base - name.len() + usize::from(i < total % count);
            let value: String = format!("v{i}-").chars().chain(std::iter::repeat('x')).take(len).collect();
            (format!("x-cos-meta-{name}"), value)
        })
        .collect()
}

fn size(meta: &[(String, String)]) -> usize {
    meta.iter().map(|(k, v)| k.len() - "x-cos-meta-".len() + v.len()).sum()
}

fn lower_sorted(meta: &[(String, String)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = meta.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
    v.sort();
    v
}

#[test]
fn a_put_with_150_metadata_headers_gets_every_one_back_on_head_and_get() {
    let emu = Emulator::start();
    let bucket = support::bucket("meta");
    emu.client().create_bucket(&bucket, &RequestOptions::new()).unwrap();
    // 150 headers, 2048 bytes of names and values: exactly the limit.
    let meta = metadata(150, 2048);
    assert_eq!(size(&meta), 2048);
    let body = b"an object with a lot of metadata";
    let put = signed(&emu, "PUT", &bucket, "many/meta", &[], &meta, body);
    assert_eq!(put.status, 200, "{}", put.text());

    let head = signed(&emu, "HEAD", &bucket, "many/meta", &[], &[], b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.metadata().len(), 150);
    assert_eq!(head.metadata(), lower_sorted(&meta));
    let get = signed(&emu, "GET", &bucket, "many/meta", &[], &[], b"");
    assert_eq!(get.status, 200);
    assert_eq!(get.body, body);
    assert_eq!(get.metadata(), lower_sorted(&meta));

    // Unsigned extra headers are accepted (a presigned URL signs the host alone): mixed-case names come back
    // lower-cased, each once.
    let url = emu.client().presign_url("PUT", &bucket, "presigned", now() - 60, 600, &[]).unwrap();
    let target = &url[url.find("myqcloud.com").unwrap() + "myqcloud.com".len()..];
    let mixed: Vec<(String, String)> = metadata(150, 2000)
        .into_iter()
        .map(|(k, v)| (format!("X-Cos-Meta-{}", k["x-cos-meta-".len()..].to_ascii_uppercase()), v))
        .collect();
    let mut head = format!("PUT {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: 1\r\n", host(&bucket));
    for (k, v) in &mixed {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let put = exchange(&emu, &head, b"x", false);
    assert_eq!(put.status, 200, "{}", put.text());
    let back = signed(&emu, "HEAD", &bucket, "presigned", &[], &[], b"");
    assert_eq!(back.metadata(), lower_sorted(&mixed));

    // The emulator limits a request head by size (64 KiB), not by its number of lines: 300 tiny ones fit.
    let tiny = metadata(300, 2048);
    assert_eq!(signed(&emu, "PUT", &bucket, "tiny", &[], &tiny, b"").status, 200);
    let back = signed(&emu, "HEAD", &bucket, "tiny", &[], &[], b"");
    assert_eq!(back.metadata(), lower_sorted(&tiny));
}

#[test]
fn metadata_over_2_kib_is_metadata_too_large() {
    let emu = Emulator::start();
    let bucket = support::bucket("meta-big");
    emu.client().create_bucket(&bucket, &RequestOptions::new()).unwrap();
    let over = metadata(150, 2049);
    assert_eq!(size(&over), 2049);

    let put = signed(&emu, "PUT", &bucket, "too/much", &[], &over, b"data");
    assert_eq!(put.status, 400);
    assert!(put.text().contains("<Code>MetadataTooLarge</Code>"), "{}", put.text());
    assert_eq!(signed(&emu, "HEAD", &bucket, "too/much", &[], &[], b"").status, 404, "nothing was stored");

    // The metadata of a multipart upload is given when it starts: refused there.
    let uploads = [("uploads".to_string(), String::new())];
    let init = signed(&emu, "POST", &bucket, "too/much", &uploads, &over, b"");
    assert_eq!(init.status, 400);
    assert!(init.text().contains("<Code>MetadataTooLarge</Code>"), "{}", init.text());

    // A copy that replaces the metadata is held to the same limit.
    let fits = metadata(10, 100);
    assert_eq!(signed(&emu, "PUT", &bucket, "src", &[], &fits, b"src").status, 200);
    let mut copy = over.clone();
    copy.push(("x-cos-copy-source".to_string(), format!("{}/src", host(&bucket))));
    copy.push(("x-cos-metadata-directive".to_string(), "Replaced".to_string()));
    let replaced = signed(&emu, "PUT", &bucket, "dst", &[], &copy, b"");
    assert_eq!(replaced.status, 400);
    assert!(replaced.text().contains("<Code>MetadataTooLarge</Code>"), "{}", replaced.text());

    // One big value over the limit, through the client: the error reaches it with COS's code.
    let mut opts = RequestOptions::new();
    opts.metadata("big", &"b".repeat(2046)).unwrap();
    let e = emu.client().put_object(&bucket, "one-big", b"x", &opts).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (400, Some("MetadataTooLarge")), "{e}");
    let mut opts = RequestOptions::new();
    opts.metadata("big", &"b".repeat(2045)).unwrap();
    emu.client().put_object(&bucket, "one-big", b"x", &opts).unwrap();
}
