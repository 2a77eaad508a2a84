//! What every fuzz target checks, shared by the cargo-fuzz targets (`fuzz_targets/*.rs`) and the plain-Rust
//! corpus test (`tests/fuzz_corpus.rs`): each parser is fed arbitrary bytes and must return (never panic, never
//! hang), and what it returns must hold the invariants below.
//!
//! The XML parsers are internal to `cos`; `cos::fuzzing` re-exports them for this purpose only.
#![allow(dead_code)]

use cos::fuzzing;
use cos::{ErrorKind, Headers, ObjectInfo};
use std::borrow::Cow;

/// The body as the client sees it: error bodies are decoded lossily, others must be UTF-8 (the client refuses
/// non-UTF-8 success bodies before parsing, so lossy decoding only widens what the parsers see).
fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A parse error must say what is wrong.
fn check_err(e: &cos::Error) {
    assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");
    assert!(!e.message().is_empty());
    let _ = (e.to_string(), e.digest());
}

fn non_empty(o: &Option<String>) -> bool {
    o.as_deref() != Some("")
}

pub fn xml_error(data: &[u8]) {
    let t = text(data);
    let parsed = fuzzing::parse_error(&t);
    assert_eq!(parsed.is_some(), fuzzing::is_error_body(&t), "parse_error and is_error_body disagree");
    if let Some(e) = parsed {
        assert_eq!(e.kind(), ErrorKind::Service);
        assert!(e.is_service());
        assert!(!e.message().is_empty(), "a service error always has a message");
        for field in [e.code(), e.request_id(), e.trace_id(), e.resource()] {
            assert_ne!(field, Some(""), "empty elements are absent, not empty strings");
        }
        let (display, digest, debug) = (e.to_string(), e.digest(), format!("{e:?}"));
        assert!(!display.is_empty() && digest.starts_with("Service") && debug == digest);
        if let Some(code) = e.code() {
            assert!(display.contains(code) && digest.contains(code));
        }
    }
}

pub fn xml_bucket_list(data: &[u8]) {
    match fuzzing::parse_bucket_list(&text(data)) {
        Ok(l) => assert!(non_empty(&l.next_marker)),
        Err(e) => check_err(&e),
    }
}

pub fn xml_object_list(data: &[u8]) {
    match fuzzing::parse_object_list(&text(data)) {
        Ok(l) => {
            assert!(non_empty(&l.next_marker) && non_empty(&l.delimiter));
        }
        Err(e) => check_err(&e),
    }
}

pub fn xml_delete_result(data: &[u8]) {
    if let Err(e) = fuzzing::parse_delete_result(&text(data)) {
        check_err(&e);
    }
}

pub fn xml_copy_result(data: &[u8]) {
    match fuzzing::parse_copy_result(&text(data)) {
        Ok(c) => assert!(!c.etag.is_empty(), "a copy result always has an ETag"),
        Err(e) => check_err(&e),
    }
}

pub fn xml_initiate(data: &[u8]) {
    match fuzzing::parse_initiate(&text(data)) {
        Ok(id) => assert!(!id.is_empty() && id.trim() == id, "{id:?}"),
        Err(e) => check_err(&e),
    }
}

pub fn xml_complete(data: &[u8]) {
    match fuzzing::parse_complete(&text(data)) {
        Ok(c) => assert!(!c.etag.is_empty()),
        Err(e) => check_err(&e),
    }
}

pub fn xml_part_list(data: &[u8]) {
    match fuzzing::parse_part_list(&text(data)) {
        Ok(l) => assert!(l.parts.iter().all(|p| p.crc64.is_none())),
        Err(e) => check_err(&e),
    }
}

pub fn xml_upload_list(data: &[u8]) {
    match fuzzing::parse_upload_list(&text(data)) {
        Ok(l) => assert!(non_empty(&l.next_key_marker) && non_empty(&l.next_upload_id_marker)),
        Err(e) => check_err(&e),
    }
}

/// Lifecycle rules: what parses and passes the checks a put makes is written back and read again as the
/// same document (the first write normalises: a rule without a prefix is written with an empty one).
pub fn xml_lifecycle(data: &[u8]) {
    match fuzzing::parse_lifecycle(&text(data)) {
        Ok(rules) if cos::check_lifecycle(&rules).is_ok() => {
            let body = fuzzing::lifecycle_body(&rules);
            let again = fuzzing::parse_lifecycle(&body).expect("a written lifecycle parses");
            assert_eq!(fuzzing::lifecycle_body(&again), body, "the lifecycle document round-trips");
        }
        Ok(_) => {}
        Err(e) => check_err(&e),
    }
}

/// CORS rules: what parses and passes the checks round-trips exactly.
pub fn xml_cors(data: &[u8]) {
    match fuzzing::parse_cors(&text(data)) {
        Ok(rules) if cos::check_cors(&rules).is_ok() => {
            let again = fuzzing::parse_cors(&fuzzing::cors_body(&rules)).expect("a written CORS document parses");
            assert_eq!(again, rules, "the CORS rules round-trip");
        }
        Ok(_) => {}
        Err(e) => check_err(&e),
    }
}

/// Response headers: `Name: value` lines (as ureq hands them over, any bytes decoded lossily).
pub fn headers(data: &[u8]) {
    let t = text(data);
    let pairs: Vec<(String, String)> = t
        .split('\n')
        .map(|line| match line.split_once(':') {
            Some((k, v)) => (k.to_string(), v.trim().to_string()),
            None => (line.to_string(), String::new()),
        })
        .collect();
    let headers = Headers::new(pairs.clone());
    assert_eq!(headers.len(), pairs.len());
    for (k, _) in &pairs {
        let first = pairs.iter().find(|(name, _)| name.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
        assert_eq!(headers.get(k), first, "the first value of {k:?}, found by its own name");
        assert_eq!(headers.get(&k.to_ascii_uppercase()), first, "lookups ignore ASCII case");
    }
    let info = ObjectInfo { headers };
    let _ = (info.content_length(), info.etag(), info.last_modified(), info.content_type(), info.version_id());
    let _ = info.headers.request_id();
    if let Some(crc) = info.crc64() {
        let raw = info.headers.get("x-cos-hash-crc64ecma").unwrap();
        assert_eq!(raw.trim().parse::<u64>().ok(), Some(crc));
    }
    assert!(!info.storage_class().is_empty() || info.headers.get("x-cos-storage-class") == Some(""));
    let meta: Vec<(&str, &str)> = info.metadata().collect();
    for (name, _) in &meta {
        assert!(info.meta(name).is_some(), "metadata {name:?} is found by its bare name");
        assert!(info.meta(&format!("X-Cos-Meta-{name}")).is_some(), "and with the prefix in any case");
    }
    for (k, _) in &pairs {
        let _ = info.meta(k);
    }
}

/// Percent-encoding: any text round-trips; any bytes decode without panicking.
pub fn encode(data: &[u8]) {
    let t = text(data);
    assert_eq!(cos::encode::decode(&cos::encode::component(&t)).as_deref(), Some(&*t));
    let _ = cos::encode::decode(&t);
    if !t.is_empty() {
        assert_eq!(cos::encode::decode(&cos::encode::object_path(&t)), Some(format!("/{t}")));
    }
}

/// The select answer's event-stream decoder: fed whole or one byte at a time it yields the same messages
/// and the same error kind, a message never exceeds the input, and string-only messages re-encode to the
/// very bytes they came from.
pub fn eventstream(data: &[u8]) {
    use cos::eventstream::{encode, Decoder, HeaderValue};
    let run = |step: usize| {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for chunk in data.chunks(step) {
            d.feed(chunk);
            loop {
                match d.next_message() {
                    Ok(Some(m)) => out.push(m),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e.kind())),
                }
            }
        }
        (out, None)
    };
    let whole = run(data.len().max(1));
    assert_eq!(whole, run(1), "byte-by-byte feeding gives the same messages");
    let mut at = 0;
    for m in &whole.0 {
        assert!(m.payload.len() <= data.len());
        let strings: Option<Vec<(&str, &str)>> = m
            .headers
            .iter()
            .map(|(n, v)| match v {
                HeaderValue::String(s) => Some((n.as_str(), s.as_str())),
                _ => None,
            })
            .collect();
        let len = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        if let Some(h) = strings {
            assert_eq!(encode(&h, &m.payload), &data[at..at + len], "re-encodes to its own bytes");
        }
        at += len;
    }
}

/// A check of one target.
pub type Check = fn(&[u8]);

/// Every target, by its cargo-fuzz name (also the name of its corpus directory).
pub const TARGETS: &[(&str, Check)] = &[
    ("xml_error", xml_error),
    ("xml_bucket_list", xml_bucket_list),
    ("xml_object_list", xml_object_list),
    ("xml_delete_result", xml_delete_result),
    ("xml_copy_result", xml_copy_result),
    ("xml_initiate", xml_initiate),
    ("xml_complete", xml_complete),
    ("xml_part_list", xml_part_list),
    ("xml_upload_list", xml_upload_list),
    ("xml_lifecycle", xml_lifecycle),
    ("xml_cors", xml_cors),
    ("headers", headers),
    ("encode", encode),
    ("eventstream", eventstream),
];
