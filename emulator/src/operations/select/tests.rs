//! The handler end to end (document, SQL, object, stream), called as the router would.

use super::eventstream::tests::{decode, header, Decoded};
use super::*;
use crate::operations::object::put_object;
use crate::operations::object::tests::{call, try_call};
use crate::storage::store::Store;

const CSV: &[u8] = b"name,age,city\nann,30,Paris\nbob,25,\"Rome, IT\"\ncy,41,Oslo\n";

fn store_with(data: &[u8]) -> Store {
    let store = Store::memory();
    store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
    call(&store, put_object, &[], &[], data);
    store
}

fn doc(sql: &str, input: &str, output: &str) -> String {
    format!(
        "<SelectRequest><Expression>{}</Expression><ExpressionType>SQL</ExpressionType>\
         <InputSerialization>{input}</InputSerialization><OutputSerialization>{output}</OutputSerialization>\
         <RequestProgress><Enabled>FALSE</Enabled></RequestProgress></SelectRequest>",
        crate::xml::escape(sql)
    )
}

const Q: &[(&str, &str)] = &[("select", ""), ("select-type", "2")];

fn select(store: &Store, body: &str) -> Vec<Decoded> {
    let resp = call(store, select_object, Q, &[], body.as_bytes());
    assert_eq!(resp.status, 200);
    let Body::Bytes(bytes) = resp.body else { panic!("not a byte body") };
    decode(&bytes).unwrap()
}

fn records(msgs: &[Decoded]) -> String {
    let data: Vec<u8> =
        msgs.iter().filter(|m| header(m, ":event-type") == Some("Records")).flat_map(|m| m.1.clone()).collect();
    String::from_utf8(data).unwrap()
}

fn kinds(msgs: &[Decoded]) -> Vec<String> {
    msgs.iter().map(|m| header(m, ":event-type").or(header(m, ":error-code")).unwrap_or("?").to_string()).collect()
}

#[test]
fn select_star_csv_to_csv_ends_with_stats_and_end() {
    let store = store_with(CSV);
    let msgs = select(&store, &doc("SELECT * FROM COSObject", "<CSV/>", "<CSV/>"));
    assert_eq!(kinds(&msgs), ["Records", "Stats", "End"]);
    assert_eq!(records(&msgs), "name,age,city\nann,30,Paris\nbob,25,\"Rome, IT\"\ncy,41,Oslo\n");
    let stats = String::from_utf8(msgs[1].1.clone()).unwrap();
    let n = CSV.len();
    assert!(
        stats.contains(&format!("<BytesScanned>{n}</BytesScanned><BytesProcessed>{n}</BytesProcessed>")),
        "{stats}"
    );
    assert!(stats.contains(&format!("<BytesReturned>{}</BytesReturned>", records(&msgs).len())), "{stats}");
}

#[test]
fn projection_filter_limit_and_json_output() {
    let store = store_with(CSV);
    let use_header = "<CSV><FileHeaderInfo>USE</FileHeaderInfo></CSV>";
    let msgs = select(
        &store,
        &doc("SELECT s.name, s._3 FROM COSObject s WHERE CAST(s.age AS INT) >= 30 LIMIT 5", use_header, "<CSV/>"),
    );
    assert_eq!(records(&msgs), "ann,Paris\ncy,Oslo\n");
    let msgs = select(
        &store,
        &doc(
            "SELECT name AS who, age FROM COSObject WHERE age < 40 AND city LIKE 'R%' OR name = 'cy'",
            use_header,
            "<JSON/>",
        ),
    );
    assert_eq!(records(&msgs), "{\"who\":\"bob\",\"age\":\"25\"}\n{\"who\":\"cy\",\"age\":\"41\"}\n");
    let msgs = select(&store, &doc("SELECT * FROM COSObject LIMIT 1", use_header, "<JSON/>"));
    assert_eq!(records(&msgs), "{\"name\":\"ann\",\"age\":\"30\",\"city\":\"Paris\"}\n");
    let msgs = select(
        &store,
        &doc("SELECT COUNT(*), SUM(age), MIN(age), MAX(name), AVG(age) FROM COSObject", use_header, "<JSON/>"),
    );
    assert_eq!(records(&msgs), "{\"_1\":3,\"_2\":96,\"_3\":25,\"_4\":\"cy\",\"_5\":32.0}\n");
    let msgs = select(
        &store,
        &doc("SELECT COUNT(*) FROM COSObject", "<CSV><FileHeaderInfo>IGNORE</FileHeaderInfo></CSV>", "<CSV/>"),
    );
    assert_eq!(records(&msgs), "3\n");
    let msgs = select(&store, &doc("SELECT _1 FROM COSObject WHERE _2 = 'nobody'", "<CSV/>", "<CSV/>"));
    assert_eq!(kinds(&msgs), ["Stats", "End"], "no records, no Records message");
}

#[test]
fn json_input_documents_lines_and_from_paths() {
    let store = store_with(b"{\"a\":1,\"t\":[{\"v\":\"x\"},{\"v\":\"y\"}]}\n{\"a\":2.5,\"t\":[]}\n");
    let lines = "<JSON><Type>LINES</Type></JSON>";
    let out = "<JSON/>";
    assert_eq!(
        records(&select(&store, &doc("SELECT * FROM COSObject", lines, out))),
        "{\"a\":1,\"t\":[{\"v\":\"x\"},{\"v\":\"y\"}]}\n{\"a\":2.5,\"t\":[]}\n"
    );
    assert_eq!(records(&select(&store, &doc("SELECT s.a FROM COSObject s WHERE s.a > 2", lines, "<CSV/>"))), "2.5\n");
    assert_eq!(
        records(&select(
            &store,
            &doc("SELECT t.v FROM COSObject[*].t[*] t", "<JSON><Type>DOCUMENT</Type></JSON>", out)
        )),
        "{\"v\":\"x\"}\n{\"v\":\"y\"}\n"
    );
    let store = store_with(b"[{\"k\":1},{\"k\":2},{\"k\":3}]");
    assert_eq!(
        records(&select(
            &store,
            &doc("SELECT COUNT(*) FROM COSObject[*] s WHERE s.k <> 2", "<JSON><Type>DOCUMENT</Type></JSON>", out)
        )),
        "{\"_1\":2}\n"
    );
}

#[test]
fn big_results_come_in_64_kib_records_messages_with_progress() {
    let row = "0123456789abcdef,0123456789abcdef,0123456789abcdef,0123456789abcdef\n";
    let data = row.repeat(5000);
    let store = store_with(data.as_bytes());
    let body = doc("SELECT * FROM COSObject", "<CSV/>", "<CSV/>").replace("FALSE</Enabled>", "TRUE</Enabled>");
    let msgs = select(&store, &body);
    let k = kinds(&msgs);
    let n = data.len().div_ceil(RECORDS_CHUNK);
    assert_eq!(k.iter().filter(|k| *k == "Records").count(), n);
    assert_eq!(k.iter().filter(|k| *k == "Progress").count(), n, "one Progress after each Records");
    assert_eq!(&k[k.len() - 2..], ["Stats", "End"]);
    assert!(msgs.iter().all(|m| m.1.len() <= RECORDS_CHUNK));
    assert_eq!(records(&msgs), data);
}

#[test]
fn errors_in_the_data_are_error_events_after_the_records_before_them() {
    let store = store_with(b"1\n2\nx\n4\n");
    let msgs = select(&store, &doc("SELECT CAST(_1 AS INT) FROM COSObject", "<CSV/>", "<CSV/>"));
    assert_eq!(kinds(&msgs), ["Records", "CastFailed"]);
    assert_eq!(records(&msgs), "1\n2\n");
    assert_eq!(header(&msgs[1], ":message-type"), Some("error"));
    let store = store_with(b"plain text, not gzip");
    let msgs =
        select(&store, &doc("SELECT * FROM COSObject", "<CompressionType>GZIP</CompressionType><CSV/>", "<CSV/>"));
    assert_eq!(kinds(&msgs), ["InvalidCompressionFormat"]);
    let store = store_with(b"{\"a\":1}\n{oops}\n");
    let msgs = select(&store, &doc("SELECT * FROM COSObject", "<JSON><Type>LINES</Type></JSON>", "<JSON/>"));
    assert_eq!(kinds(&msgs), ["Records", "JSONParsingError"]);
}

#[test]
fn refusals_before_the_stream_are_xml_errors() {
    let store = store_with(CSV);
    let refuse = |query: &[(&str, &str)], body: &str| {
        try_call(&store, select_object, query, &[], body.as_bytes()).err().map(|e| (e.status, e.code))
    };
    let ok = doc("SELECT * FROM COSObject", "<CSV/>", "<CSV/>");
    assert_eq!(refuse(&[("select", "")], &ok), Some((400, "InvalidArgument")));
    assert_eq!(refuse(&[("select", ""), ("select-type", "1")], &ok), Some((400, "InvalidArgument")));
    assert_eq!(refuse(Q, "<SelectRequest>"), Some((400, "MalformedXML")));
    let md5 = |body: &str| {
        use base64::Engine as _;
        use md5::Digest as _;
        base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body.as_bytes()))
    };
    let good = md5(&ok);
    call(&store, select_object, Q, &[("Content-MD5", good.as_str())], ok.as_bytes());
    let wrong = md5("other");
    let e = try_call(&store, select_object, Q, &[("Content-MD5", wrong.as_str())], ok.as_bytes()).err().unwrap();
    assert_eq!((e.status, e.code), (400, "BadDigest"));
    assert_eq!(
        refuse(Q, &doc("SELECT * FROM COSObject WHERE", "<CSV/>", "<CSV/>")),
        Some((400, "ParseExpectedExpression"))
    );
    assert_eq!(refuse(Q, &doc("SELECT _0 FROM COSObject", "<CSV/>", "<CSV/>")), Some((400, "InvalidColumnIndex")));
    let other = Store::memory();
    other.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
    let e = try_call(&other, select_object, Q, &[], ok.as_bytes()).err().unwrap();
    assert_eq!((e.status, e.code), (404, "NoSuchKey"));
    call(&store, put_object, &[], &[("x-cos-storage-class", "ARCHIVE")], CSV);
    assert_eq!(refuse(Q, &ok), Some((403, "InvalidObjectState")));
}

#[test]
fn long_scans_without_results_send_cont() {
    let data = "x\n".repeat(CONT_EVERY as usize * 2 + 5);
    let store = store_with(data.as_bytes());
    let msgs = select(&store, &doc("SELECT * FROM COSObject WHERE _1 = 'y'", "<CSV/>", "<CSV/>"));
    assert_eq!(kinds(&msgs), ["Cont", "Cont", "Stats", "End"]);
    let msgs = select(&store, &doc("SELECT * FROM COSObject", "<CSV/>", "<CSV/>"));
    assert!(!kinds(&msgs).contains(&"Cont".to_string()), "records reset the count");
}

#[test]
fn the_deepest_expression_allowed_runs_on_a_connection_threads_stack() {
    // 2 MiB: what main.rs gives each connection thread (the std default).
    let worker = std::thread::Builder::new().stack_size(2 << 20).spawn(|| {
        let store = store_with(CSV);
        let chain = vec!["_1 = 'cy'"; sql::MAX_DEPTH - 1].join(" OR ");
        let arith = vec!["1"; sql::MAX_DEPTH - 1].join(" + ");
        let sql_text = format!("SELECT {arith} FROM COSObject WHERE {chain}");
        let msgs = select(&store, &doc(&sql_text, "<CSV/>", "<CSV/>"));
        records(&msgs)
    });
    assert_eq!(worker.unwrap().join().unwrap(), format!("{}\n", sql::MAX_DEPTH - 1));
}
