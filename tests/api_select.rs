//! SELECT object content against the emulator: CSV and JSON in and out, GZIP / BZIP2 input, the callback,
//! `Write` and reader forms, Stats and Progress, an error event and a refused request as service errors, a
//! cut answer as a network error and a damaged one as a checksum mismatch.

mod support;

use cos::{
    CsvInput, ErrorKind, FileHeaderInfo, JsonType, RequestOptions, SelectCompression, SelectInput, SelectOutput,
    SelectReader, SelectRequest,
};
use std::io::Read;
use support::{check_error, opts, Fixture};

const PEOPLE: &str = "name,age,city\nann,34,paris\nbob,27,oslo\ncat,41,rome\n";

fn csv_use(expr: &str) -> SelectRequest {
    let mut r = SelectRequest::new(expr);
    r.input = SelectInput::Csv(CsvInput { file_header_info: FileHeaderInfo::Use, ..Default::default() });
    r
}

fn select(f: &Fixture, key: &str, r: &SelectRequest) -> cos::Result<(Vec<u8>, cos::SelectStats)> {
    let mut out = Vec::new();
    let stats = f.client.select_object_content(&f.bucket, key, r, &opts(), &mut out)?;
    Ok((out, stats))
}

/// `data` compressed by Python's gzip / bz2 modules (an independent compressor).
fn compress(module: &str, data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new(support::python())
        .args([
            "-c",
            &format!("import sys,{module};sys.stdout.buffer.write({module}.compress(sys.stdin.buffer.read()))"),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn csv_projection_where_limit_and_stats() {
    let f = Fixture::new("selcsv");
    f.client.put_object(&f.bucket, "p.csv", PEOPLE.as_bytes(), &opts()).unwrap();
    let (out, stats) = select(&f, "p.csv", &csv_use("SELECT name, city FROM COSObject WHERE age > 30")).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "ann,paris\ncat,rome\n");
    assert_eq!(stats.bytes_scanned, PEOPLE.len() as u64);
    assert_eq!(stats.bytes_processed, PEOPLE.len() as u64);
    assert_eq!(stats.bytes_returned, "ann,paris\ncat,rome\n".len() as u64);

    let mut r = SelectRequest::new("SELECT s._1 FROM COSObject s WHERE s._2 = '27' OR s._3 = 'rome' LIMIT 5");
    r.input = SelectInput::Csv(CsvInput { file_header_info: FileHeaderInfo::Ignore, ..Default::default() });
    assert_eq!(select(&f, "p.csv", &r).unwrap().0, b"bob\ncat\n");

    let (count, _) = select(&f, "p.csv", &csv_use("SELECT COUNT(*) FROM COSObject")).unwrap();
    assert_eq!(count, b"3\n");

    let mut json_out = csv_use("SELECT name, age FROM COSObject LIMIT 1");
    json_out.output = SelectOutput::Json { record_delimiter: Some("\n".into()) };
    assert_eq!(select(&f, "p.csv", &json_out).unwrap().0, b"{\"name\":\"ann\",\"age\":\"34\"}\n");
}

#[test]
fn json_lines_and_document_input_compressed_input_and_progress() {
    let f = Fixture::new("seljson");
    let lines = b"{\"n\":\"a\",\"v\":1}\n{\"n\":\"b\",\"v\":5}\n{\"n\":\"c\",\"v\":9}\n";
    f.client.put_object(&f.bucket, "l.json", lines, &opts()).unwrap();
    let mut r = SelectRequest::new("SELECT s.n FROM COSObject s WHERE s.v >= 5 AND s.v < 9");
    r.input = SelectInput::Json(JsonType::Lines);
    r.output = SelectOutput::Json { record_delimiter: None };
    assert_eq!(select(&f, "l.json", &r).unwrap().0, b"{\"n\":\"b\"}\n");

    f.client.put_object(&f.bucket, "d.json", b"{\"n\":\"only\",\"v\":2}", &opts()).unwrap();
    r.input = SelectInput::Json(JsonType::Document);
    r.expression = "SELECT s.v FROM COSObject s".into();
    r.output = SelectOutput::Csv(Default::default());
    assert_eq!(select(&f, "d.json", &r).unwrap().0, b"2\n");

    for (module, kind) in [("gzip", SelectCompression::Gzip), ("bz2", SelectCompression::Bzip2)] {
        let packed = compress(module, PEOPLE.as_bytes());
        let key = format!("p.csv.{module}");
        f.client.put_object(&f.bucket, &key, &packed, &opts()).unwrap();
        let mut r = csv_use("SELECT name FROM COSObject WHERE city = 'oslo'");
        r.compression = kind;
        r.progress = true;
        let mut progress = Vec::new();
        let mut out = Vec::new();
        let stats = f
            .client
            .select_object_content_with(
                &f.bucket,
                &key,
                &r,
                &opts(),
                &mut |b| {
                    out.extend_from_slice(b);
                    Ok(())
                },
                &mut |p| {
                    progress.push(*p);
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(out, b"bob\n", "{module}");
        assert_eq!(stats.bytes_scanned, packed.len() as u64, "{module}: scanned counts stored bytes");
        assert_eq!(stats.bytes_processed, PEOPLE.len() as u64, "{module}");
        assert!(!progress.is_empty(), "{module}: progress was requested");
        assert_eq!(progress.last().unwrap().bytes_returned, 4);
    }
}

#[test]
fn reader_delivers_large_results_across_messages() {
    let f = Fixture::new("selread");
    let mut csv = String::new();
    for i in 0..20_000 {
        csv += &format!("row{i},{}\n", i % 7);
    }
    f.client.put_object(&f.bucket, "big.csv", csv.as_bytes(), &opts()).unwrap();
    let r = SelectRequest::new("SELECT * FROM COSObject");
    let mut reader = SelectReader::open(&f.client, &f.bucket, "big.csv", &r, &opts()).unwrap();
    assert!(reader.stats().is_none());
    let mut got = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = reader.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    assert!(csv.len() > 64 * 1024, "spans several Records messages");
    assert_eq!(got, csv.as_bytes());
    assert_eq!(reader.stats().unwrap().bytes_returned, csv.len() as u64);
    assert_eq!(reader.read(&mut buf).unwrap(), 0, "stays at the end");
    // And through std::io::Read.
    let mut reader = SelectReader::open(&f.client, &f.bucket, "big.csv", &r, &opts()).unwrap();
    let mut all = Vec::new();
    Read::read_to_end(&mut reader, &mut all).unwrap();
    assert_eq!(all, csv.as_bytes());
}

#[test]
fn errors_before_and_inside_the_stream_are_service_errors() {
    let f = Fixture::new("selerr");
    f.client.put_object(&f.bucket, "p.csv", PEOPLE.as_bytes(), &opts()).unwrap();
    // Refused before the answer: a 400 with COS's code.
    let e = select(&f, "p.csv", &csv_use("SELECT name FROM COSObject GROUP BY name")).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (400, Some("UnsupportedSqlOperation")), "{e:?}");
    let e = select(&f, "missing.csv", &csv_use("SELECT * FROM COSObject")).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchKey")), "{e:?}");
    // Inside the stream: the object is not GZIP as declared, an error message after the 200.
    let mut r = csv_use("SELECT * FROM COSObject");
    r.compression = SelectCompression::Gzip;
    let e = select(&f, "p.csv", &r).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (200, Some("InvalidCompressionFormat")), "{e:?}");
    assert!(e.request_id().is_some(), "the answer's request id: {e:?}");
    // Refused locally, before anything is sent.
    let before = f.emu.stats().method("POST");
    let e = select(&f, "p.csv", &SelectRequest::new("")).unwrap_err();
    check_error(&e, ErrorKind::InvalidArgument);
    assert!(e.message().contains("expression"));
    assert_eq!(f.emu.stats().method("POST"), before, "nothing sent");
}

#[test]
fn version_id_selects_an_old_version() {
    let f = Fixture::new("selver");
    f.client.put_bucket_versioning(&f.bucket, true).unwrap();
    let v1 = f.client.put_object(&f.bucket, "v.csv", b"old\n", &opts()).unwrap();
    f.client.put_object(&f.bucket, "v.csv", b"new\n", &opts()).unwrap();
    let mut o = RequestOptions::new();
    o.version_id(v1.version_id().unwrap()).unwrap();
    let mut out = Vec::new();
    f.client
        .select_object_content(&f.bucket, "v.csv", &SelectRequest::new("SELECT * FROM COSObject"), &o, &mut out)
        .unwrap();
    assert_eq!(out, b"old\n");
}

#[test]
fn a_cut_answer_is_a_network_error_and_a_damaged_one_a_checksum_mismatch() {
    let f = Fixture::new("selfault");
    let mut csv = String::new();
    for i in 0..30_000 {
        csv += &format!("r{i},x\n");
    }
    f.client.put_object(&f.bucket, "c.csv", csv.as_bytes(), &opts()).unwrap();
    let r = SelectRequest::new("SELECT * FROM COSObject");
    // Cut deep in the stream, after records were delivered: never sent again, truncated.
    f.emu.fault("kind=short-body&after_bytes=100000&count=1&method=POST");
    let mut got = Vec::new();
    let e = f.client.select_object_content(&f.bucket, "c.csv", &r, &opts(), &mut got).unwrap_err();
    check_error(&e, ErrorKind::Network);
    assert!(e.message().contains("truncated") || e.message().contains("body"), "{e:?}");
    assert!(!got.is_empty() && got.len() < csv.len());
    assert_eq!(e.attempts(), 1, "records were delivered: not sent again");
    // Cut before any record: sent again, and the second answer is whole.
    f.emu.fault("kind=short-body&after_bytes=5&count=1&method=POST");
    let mut got = Vec::new();
    f.client.select_object_content(&f.bucket, "c.csv", &r, &opts(), &mut got).unwrap();
    assert_eq!(got, csv.as_bytes());
    // A flipped bit inside a message.
    f.emu.fault("kind=corrupt-body&after_bytes=40&count=1&method=POST");
    let e = f.client.select_object_content(&f.bucket, "c.csv", &r, &opts(), &mut Vec::new()).unwrap_err();
    check_error(&e, ErrorKind::ChecksumMismatch);
    assert!(e.message().contains("CRC-32"), "{e:?}");
}
