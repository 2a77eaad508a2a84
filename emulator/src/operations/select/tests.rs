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
    let Body::Chunked(chunks) = resp.body else { panic!("not a chunked body") };
    let msgs: Vec<Decoded> = chunks.iter().map(|c| decode(c).unwrap().remove(0)).collect();
    assert_eq!(decode(&chunks.concat()).unwrap(), msgs, "one message per chunk");
    msgs
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

/// xorshift64*: a fixed sequence, so a failure is reproducible from its case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn random_expr(rng: &mut Rng, depth: u32) -> String {
    const LEAVES: &[&str] = &[
        "_1", "_2", "name", "s.age", "\"city\"", "1", "2.5", "-3", "'x'", "'30'", "NULL", "TRUE", "s.a.b", "s.a.b[1]",
    ];
    if depth == 0 || rng.next() % 3 == 0 {
        return rng.pick(LEAVES).to_string();
    }
    let (a, b) = (random_expr(rng, depth - 1), random_expr(rng, depth - 1));
    match rng.next() % 12 {
        0 => format!("({a} {} {b})", rng.pick(&["=", "<>", "<", "<=", ">", ">="])),
        1 => format!("({a} {} {b})", rng.pick(&["AND", "OR"])),
        2 => format!("({a} {} {b})", rng.pick(&["+", "-", "*", "/", "%", "||"])),
        3 => format!("NOT {a}"),
        4 => format!("{a} IS {}NULL", rng.pick(&["", "NOT "])),
        5 => format!("{a} {}LIKE '{}'", rng.pick(&["", "NOT "]), rng.pick(&["%", "a%", "_", "%o%"])),
        6 => format!("({a} BETWEEN {b} AND {})", random_expr(rng, 0)),
        7 => format!("{a} IN ({b}, {})", random_expr(rng, 0)),
        8 => format!("CAST({a} AS {})", rng.pick(&["INT", "FLOAT", "DECIMAL", "STRING", "BOOL"])),
        9 => format!("{}({a})", rng.pick(&["LOWER", "UPPER", "TRIM", "CHAR_LENGTH"])),
        10 => format!("-{a}"),
        _ => a,
    }
}

/// Random queries through the whole handler, well-formed ones built from the grammar and token
/// soup: each is refused with a 400 or answered with a stream that ends in End or an error
/// message; nothing panics.
#[test]
fn random_expressions_never_panic() {
    const WORDS: &[&str] = &[
        "SELECT",
        "*",
        "FROM",
        "COSObject",
        "s",
        "WHERE",
        "LIMIT",
        "AND",
        "OR",
        "NOT",
        "(",
        ")",
        ",",
        ".",
        "[",
        "]",
        "=",
        "<>",
        "<",
        ">=",
        "+",
        "-",
        "/",
        "%",
        "||",
        "IS",
        "NULL",
        "LIKE",
        "'a%'",
        "BETWEEN",
        "IN",
        "CAST",
        "AS",
        "INT",
        "FLOAT",
        "STRING",
        "COUNT",
        "SUM",
        "MIN",
        "AVG",
        "LOWER",
        "_1",
        "_2",
        "_0",
        "s._3",
        "name",
        "\"age\"",
        "s.a.b",
        "1",
        "2.5",
        "-3",
        "'x'",
        "TRUE",
        "MISSING",
        "[*]",
        "ORDER",
        ";",
        "0",
    ];
    let store = store_with(CSV);
    let json_store = store_with(b"{\"name\":\"a\",\"age\":3,\"a\":{\"b\":[1,2]}}\n[1,{\"x\":null}]\n");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut answered, mut errored, mut refused) = (0, 0, 0);
    for case in 0..3000 {
        let sql_text = if case % 2 == 0 {
            let mut soup = String::from(if rng.next() % 4 == 0 { "" } else { "SELECT " });
            for _ in 0..1 + rng.next() % 14 {
                soup.push_str(rng.pick(WORDS));
                soup.push(' ');
            }
            soup
        } else {
            let items = match rng.next() % 4 {
                0 => "*".to_string(),
                1 => format!("COUNT(*), {}(s.age)", rng.pick(&["SUM", "MIN", "MAX", "AVG", "COUNT"])),
                _ => format!("{}, {} AS x", random_expr(&mut rng, 3), random_expr(&mut rng, 2)),
            };
            let from = if case % 3 == 1 && rng.next() % 2 == 0 { "COSObject[*]" } else { "COSObject" };
            format!("SELECT {items} FROM {from} s WHERE {} LIMIT {}", random_expr(&mut rng, 4), rng.next() % 4)
        };
        let (store, input, output) = match case % 3 {
            0 => (&store, "<CSV><FileHeaderInfo>USE</FileHeaderInfo></CSV>", "<CSV/>"),
            1 => (&json_store, "<JSON><Type>DOCUMENT</Type></JSON>", "<JSON/>"),
            _ => (&store, "<CSV/>", "<JSON/>"),
        };
        let body = doc(&sql_text, input, output);
        match try_call(store, select_object, Q, &[], body.as_bytes()) {
            Ok(resp) => {
                let Body::Chunked(chunks) = resp.body else { panic!("case {case}: not a chunked body") };
                let msgs = decode(&chunks.concat()).unwrap_or_else(|e| panic!("case {case} {sql_text:?}: {e}"));
                let last = msgs.last().unwrap_or_else(|| panic!("case {case}: empty stream"));
                if header(last, ":message-type") == Some("error") {
                    errored += 1;
                } else {
                    assert_eq!(header(last, ":event-type"), Some("End"), "case {case} {sql_text:?}");
                    answered += 1;
                }
            }
            Err(e) => {
                assert_eq!(e.status, 400, "case {case} {sql_text:?}: {} {}", e.code, e.message);
                refused += 1;
            }
        }
    }
    assert!(
        answered > 500 && errored > 20 && refused > 500,
        "answered {answered}, errored {errored}, refused {refused}: the random queries test too little"
    );
}

/// Random bytes with random CSV settings: records or a DataError, never a panic, and without
/// quotes or comments the records hold exactly the input's bytes between the delimiters.
#[test]
fn random_csv_never_panics() {
    use super::input::Csv;
    use super::request::{CsvInput, FileHeader};
    let mut rng = Rng(42);
    for case in 0..2000 {
        let alphabet = b"ab,;\"'\\#\n\r|";
        let len = rng.next() % 40;
        let data: Vec<u8> = (0..len).map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize]).collect();
        let delims: &[&[u8]] = &[b"\n", b"\r\n", b",", b";", b"|"];
        let pick = |rng: &mut Rng| delims[(rng.next() % delims.len() as u64) as usize].to_vec();
        let (rd, fd) = (pick(&mut rng), pick(&mut rng));
        if rd == fd {
            continue;
        }
        let quotes: &[Option<u8>] = &[None, Some(b'"'), Some(b'\'')];
        let o = CsvInput {
            header: FileHeader::None,
            record_delimiter: rd.clone(),
            field_delimiter: fd.clone(),
            quote: quotes[(rng.next() % 3) as usize],
            escape: quotes[(rng.next() % 3) as usize].or(Some(b'\\')),
            comments: if rng.next() % 2 == 0 { Some(b'#') } else { None },
            allow_quoted_record_delimiter: rng.next() % 2 == 0,
        };
        let result: Result<Vec<Vec<String>>, _> = Csv::new(&data, &o).collect();
        if o.quote.is_none() && o.comments.is_none() {
            let rows = result.unwrap_or_else(|e| panic!("case {case}: {e:?}"));
            let joined: Vec<u8> = rows
                .iter()
                .map(|r| r.join(std::str::from_utf8(&fd).unwrap()).into_bytes())
                .collect::<Vec<_>>()
                .join(&rd[..]);
            let mut expected: Vec<u8> = Vec::new();
            for rec in split(&data, &rd).into_iter().filter(|r| !r.is_empty()) {
                if !expected.is_empty() {
                    expected.extend_from_slice(&rd);
                }
                expected.extend_from_slice(rec);
            }
            assert_eq!(joined, expected, "case {case}: {:?}", String::from_utf8_lossy(&data));
        }
    }
}

fn split<'a>(data: &'a [u8], delim: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(delim) {
            out.push(&data[start..i]);
            i += delim.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&data[start..]);
    out
}
