//! Absurd numbers from a server (negative, overflowing, not digits, out of COS's ranges) are parse errors
//! (`COS_PARSE_ERROR`), never taken for absent values or reported as the caller's mistake
//! (`COS_INVALID_ARGUMENT`): sizes in listings, part numbers and sizes, append positions, Content-Length and
//! CRC-64 headers. A hostile server on loopback sends them.

mod support;

use cos::{Appender, ErrorKind, ListParams, RequestOptions};
use std::time::Duration;
use support::hostile::{within, Conn, Hostile};

const BUCKET: &str = "absurd-1250000000";

/// Writes a response with exactly these headers (no Content-Length added) and body.
fn raw(conn: &mut Conn, head: &str, body: &str) {
    let _ = conn.write(format!("HTTP/1.1 200 OK\r\nx-cos-request-id: absurd\r\n{head}\r\n{body}").as_bytes());
}

fn xml(conn: &mut Conn, body: String) {
    let _ = conn.respond("200 OK", &[("x-cos-request-id", "absurd".into())], body.as_bytes());
}

fn assert_parse(what: &str, result: cos::Result<()>) {
    let e = result.expect_err(what);
    assert_eq!(e.kind(), ErrorKind::Parse, "{what}: {e:?}");
    assert_eq!(cos::ffi::cos_status::from(e.kind()), cos::ffi::cos_status::COS_PARSE_ERROR);
    println!("{what}: {e}");
}

#[test]
fn absurd_sizes_in_listings_are_parse_errors() {
    within(Duration::from_secs(60), "listings", || {
        for size in ["-1", "18446744073709551616", "1e3", "+7"] {
            let server = Hostile::each_request(move |_, conn| {
                xml(
                    conn,
                    format!(
                        "<ListBucketResult><Contents><Key>k</Key><Size>{size}</Size></Contents></ListBucketResult>"
                    ),
                );
            });
            let c = server.client();
            assert_parse(&format!("list size {size}"), c.list_objects(BUCKET, &ListParams::default()).map(drop));
        }
        for (n, size) in [("0", "1"), ("10001", "1"), ("-1", "1"), ("1", "5368709121"), ("1", "-5")] {
            let server = Hostile::each_request(move |_, conn| {
                xml(conn, format!("<ListPartsResult><Part><PartNumber>{n}</PartNumber><Size>{size}</Size></Part></ListPartsResult>"));
            });
            let c = server.client();
            assert_parse(&format!("part {n} of {size} bytes"), c.list_all_parts(BUCKET, "k", "u").map(drop));
        }
    });
}

#[test]
fn absurd_append_positions_are_parse_errors() {
    within(Duration::from_secs(60), "appends", || {
        // 5 bytes at 0 end at 5: anything else, or no number, cannot be continued from.
        for next in ["abc", "-1", "18446744073709551616", "4", "6", ""] {
            let server = Hostile::each_request(move |_, conn| {
                raw(conn, &format!("x-cos-next-append-position: {next}\r\nContent-Length: 0\r\n"), "");
            });
            let c = server.client();
            let mut o = RequestOptions::new();
            o.verify_crc(false);
            assert_parse(
                &format!("append_object next {next:?}"),
                c.append_object(BUCKET, "k", 0, b"hello", &o).map(drop),
            );
            let mut a = Appender::new(&c, BUCKET, "k", &o).unwrap();
            assert_parse(&format!("Appender next {next:?}"), a.append(b"hello").map(drop));
            assert_eq!(a.position(), 0, "a refused answer does not move the appender");
        }
    });
}

#[test]
fn resuming_from_absurd_head_numbers_is_a_parse_error() {
    within(Duration::from_secs(60), "resume", || {
        // An absurd CRC-64 is not "COS reports no CRC-64" (which is the caller's to turn verification off for).
        for crc in ["-1", "18446744073709551616", "0x12", "twelve"] {
            let server = Hostile::each_request(move |_, conn| {
                raw(
                    conn,
                    &format!("x-cos-object-type: appendable\r\nx-cos-hash-crc64ecma: {crc}\r\nContent-Length: 5\r\n"),
                    "",
                );
            });
            let c = server.client();
            assert_parse(
                &format!("resume with CRC {crc:?}"),
                Appender::resume(&c, BUCKET, "k", &RequestOptions::new()).map(drop),
            );
        }
        // A missing CRC-64 stays the caller's choice to make.
        let server =
            Hostile::each_request(|_, conn| raw(conn, "x-cos-object-type: appendable\r\nContent-Length: 5\r\n", ""));
        let e = Appender::resume(&server.client(), BUCKET, "k", &RequestOptions::new()).map(drop).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
        let mut o = RequestOptions::new();
        o.verify_crc(false);
        assert_eq!(Appender::resume(&server.client(), BUCKET, "k", &o).unwrap().position(), 5);
    });
}

#[test]
fn an_absurd_crc_header_on_a_part_copy_is_a_parse_error() {
    within(Duration::from_secs(60), "part copy", || {
        let server = Hostile::each_request(|_, conn| {
            let body = "<CopyPartResult><ETag>\"e\"</ETag></CopyPartResult>";
            raw(conn, &format!("x-cos-hash-crc64ecma: -3\r\nContent-Length: {}\r\n", body.len()), body);
        });
        let c = server.client();
        let o = RequestOptions::new();
        assert_parse(
            "upload_part_copy",
            c.upload_part_copy(BUCKET, "k", "u", 1, BUCKET, "src", o.clone().copy_source_range(0, 9).unwrap())
                .map(drop),
        );
    });
}
