//! Bucket CORS through the typed calls and the CORS preflight, against the emulator: rules round-trip, bad
//! rules and bad preflight arguments are refused before anything is sent, a missing configuration is COS's
//! own error, the preflight is answered from the stored rules (and refused with 403 when none matches), it
//! goes out unsigned, and the official Python SDK reads what this library writes and the reverse.

mod python_peer;
mod support;

use cos::{CorsRule, ErrorKind};
use support::hostile::Hostile;
use support::Fixture;

fn rules() -> Vec<CorsRule> {
    let mut web = CorsRule::new(Some("web")).unwrap();
    web.allow_origin("https://www.example.com").unwrap().allow_origin("http://*.example.org").unwrap();
    web.allow_method("GET").unwrap().allow_method("PUT").unwrap();
    web.allow_header("x-cos-meta-*").unwrap().allow_header("Content-Type").unwrap();
    web.expose_header("ETag").unwrap().expose_header("x-cos-request-id").unwrap().max_age(600);
    let mut any = CorsRule::new(None).unwrap();
    any.allow_origin("*").unwrap().allow_method("HEAD").unwrap();
    vec![web, any]
}

#[test]
fn rules_round_trip_and_delete() {
    let f = Fixture::new("cors");
    let missing = f.client.get_bucket_cors(&f.bucket).unwrap_err();
    assert_eq!((missing.http_status(), missing.code()), (404, Some("NoSuchCORSConfiguration")), "{missing:?}");
    f.client.put_bucket_cors(&f.bucket, &rules()).unwrap();
    assert_eq!(f.client.get_bucket_cors(&f.bucket).unwrap(), rules());
    let raw = f.client.bucket_subresource("GET", &f.bucket, "cors", &[], &support::opts()).unwrap();
    assert!(raw.text().unwrap().contains("<AllowedOrigin>http://*.example.org</AllowedOrigin>"));
    let most = vec![rules().remove(0); cos::MAX_CORS_RULES];
    f.client.put_bucket_cors(&f.bucket, &most).unwrap();
    assert_eq!(f.client.get_bucket_cors(&f.bucket).unwrap(), most);
    f.client.delete_bucket_cors(&f.bucket).unwrap();
    assert_eq!(f.client.get_bucket_cors(&f.bucket).unwrap_err().code(), Some("NoSuchCORSConfiguration"));
}

#[test]
fn bad_rules_and_preflights_are_refused_before_sending() {
    let f = Fixture::new("cors-bad");
    let mut no_origin = rules();
    no_origin[1].allowed_origins.clear();
    let mut no_method = rules();
    no_method[0].allowed_methods.clear();
    let mut bad_method = rules();
    bad_method[1].allowed_methods.push("PATCH".into());
    let mut bad_header = rules();
    bad_header[0].expose_headers.push("two words".into());
    let cases: Vec<(&str, Vec<CorsRule>, &str)> = vec![
        ("empty", Vec::new(), "at least one rule"),
        ("no origin", no_origin, "CORS rule 1: needs at least one allowed origin"),
        ("no method", no_method, "CORS rule 0 (\"web\"): needs"),
        ("method", bad_method, "GET, PUT, POST, DELETE, HEAD"),
        ("header", bad_header, "header"),
        ("101 rules", vec![rules().remove(1); cos::MAX_CORS_RULES + 1], "at most 100"),
    ];
    f.emu.reset_stats();
    for (what, rules, needle) in cases {
        let e = f.client.put_bucket_cors(&f.bucket, &rules).unwrap_err();
        assert_eq!((e.kind(), e.attempts()), (ErrorKind::InvalidArgument, 0), "{what}: {e:?}");
        assert!(e.message().contains(needle), "{what}: {}", e.message());
    }
    let preflight = |origin: &str, method: &str, headers: &[&str]| {
        let e = f.client.cors_preflight(&f.bucket, Some("k"), origin, method, headers).unwrap_err();
        assert_eq!((e.kind(), e.attempts()), (ErrorKind::InvalidArgument, 0), "{e:?}");
        e.message().to_string()
    };
    assert!(preflight("", "GET", &[]).contains("origin"));
    assert!(preflight("https://a", "PATCH", &[]).contains("method"));
    assert!(preflight("https://a", "get", &[]).contains("method"));
    assert!(preflight("https://a", "GET", &["a,b"]).contains("request_headers"));
    assert!(preflight("https://a\r\nX-Evil: 1", "GET", &[]).contains("control character"));
    let e = f.client.cors_preflight(&f.bucket, Some(""), "https://a", "GET", &[]).unwrap_err();
    assert!(e.message().contains("key"), "{e:?}");
    assert_eq!(f.emu.stats().requests, 0, "nothing was sent");
}

#[test]
fn preflight_is_answered_from_the_stored_rules() {
    let f = Fixture::new("cors-preflight");
    // No configuration: COS refuses every preflight.
    let e = f.client.cors_preflight(&f.bucket, Some("a.txt"), "https://www.example.com", "GET", &[]).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 403), "{e:?}");
    assert!(e.request_id().is_some(), "{e:?}");

    f.client.put_bucket_cors(&f.bucket, &rules()).unwrap();
    let p = f
        .client
        .cors_preflight(
            &f.bucket,
            Some("dir/a.txt"),
            "https://www.example.com",
            "PUT",
            &["x-cos-meta-a", "content-type"],
        )
        .unwrap();
    assert_eq!(p.allow_origin.as_deref(), Some("https://www.example.com"));
    assert_eq!(p.allow_methods, vec!["GET", "PUT"]);
    assert_eq!(p.allow_headers, vec!["x-cos-meta-a", "content-type"]);
    assert_eq!(p.expose_headers, vec!["ETag", "x-cos-request-id"]);
    assert_eq!(p.max_age, Some(600));
    assert!(p.info.headers.request_id().is_some());
    // A wildcard origin, on the bucket itself.
    let p = f.client.cors_preflight(&f.bucket, None, "http://cdn.example.org", "GET", &[]).unwrap();
    assert_eq!(p.allow_origin.as_deref(), Some("http://cdn.example.org"));
    let p = f.client.cors_preflight(&f.bucket, None, "https://anyone.net", "HEAD", &[]).unwrap();
    assert_eq!(
        (p.allow_origin.as_deref(), p.allow_methods.as_slice(), p.max_age),
        (Some("*"), &["HEAD".to_string()][..], None)
    );
    // What no rule allows: an origin, a method, a header.
    for (origin, method, headers) in [
        ("https://evil.com", "GET", &[][..]),
        ("https://www.example.com", "DELETE", &[][..]),
        ("https://www.example.com", "PUT", &["authorization"][..]),
    ] {
        let e = f.client.cors_preflight(&f.bucket, Some("a"), origin, method, headers).unwrap_err();
        assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 403), "{origin} {method} {headers:?}: {e:?}");
    }
    // It needs no credentials: a client with a wrong key is answered all the same.
    let mut b = f.emu.config();
    b.credentials("AKIDnobody", "wrong");
    let stranger = cos::Client::new(b.build().unwrap()).unwrap();
    stranger.cors_preflight(&f.bucket, Some("a"), "https://www.example.com", "GET", &[]).unwrap();
    assert!(stranger.get_bucket_cors(&f.bucket).is_err(), "while signed calls are refused");
}

/// On the wire: OPTIONS with the preflight headers and nothing that signs it (no Authorization, no
/// session token), as a browser sends it.
#[test]
fn preflight_goes_out_unsigned() {
    let server = Hostile::each_request(|_, conn| {
        let _ = conn.respond(
            "200 OK",
            &[
                ("Access-Control-Allow-Origin", "https://a.com".to_string()),
                ("Access-Control-Allow-Methods", "GET,PUT".to_string()),
                ("Access-Control-Max-Age", "30".to_string()),
                ("Content-Length", "0".to_string()),
            ],
            b"",
        );
    });
    let mut b = server.config();
    b.session_token(Some("secret-session-token"));
    let client = cos::Client::new(b.build().unwrap()).unwrap();
    let p = client.cors_preflight("cors-1250000000", Some("k 1"), "https://a.com", "PUT", &["x-a", "x-b"]).unwrap();
    assert_eq!((p.allow_methods.len(), p.max_age), (2, Some(30)));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.target.as_str()), ("OPTIONS", "/k%201"));
    assert_eq!(r.header("origin"), Some("https://a.com"));
    assert_eq!(r.header("access-control-request-method"), Some("PUT"));
    assert_eq!(r.header("access-control-request-headers"), Some("x-a,x-b"));
    assert_eq!(r.header("authorization"), None, "{}", r.head_text());
    assert_eq!(r.header("x-cos-security-token"), None, "{}", r.head_text());
}

#[test]
fn python_sdk_reads_what_this_library_writes() {
    let f = Fixture::new("cors-py-read");
    f.client.put_bucket_cors(&f.bucket, &rules()).unwrap();
    let got = python_peer::run(f.emu.port(), &f.bucket, "show(client.get_bucket_cors(Bucket=bucket))");
    let want = [
        ("CORSRule.0.ID", "web"),
        ("CORSRule.0.AllowedOrigin.0", "https://www.example.com"),
        ("CORSRule.0.AllowedOrigin.1", "http://*.example.org"),
        ("CORSRule.0.AllowedMethod.1", "PUT"),
        ("CORSRule.0.AllowedHeader.0", "x-cos-meta-*"),
        ("CORSRule.0.ExposeHeader.1", "x-cos-request-id"),
        ("CORSRule.0.MaxAgeSeconds", "600"),
        ("CORSRule.1.AllowedOrigin.0", "*"),
        ("CORSRule.1.AllowedMethod.0", "HEAD"),
    ];
    for (path, value) in want {
        assert_eq!(got.get(path).map(String::as_str), Some(value), "{path} in {got:#?}");
    }
    assert!(!got.keys().any(|k| k.starts_with("CORSRule.2")), "{got:#?}");
}

#[test]
fn this_library_reads_what_the_python_sdk_writes() {
    let f = Fixture::new("cors-py-write");
    python_peer::run(
        f.emu.port(),
        &f.bucket,
        r#"
client.put_bucket_cors(Bucket=bucket, CORSConfiguration={'CORSRule': [
    {'ID': '1234', 'AllowedOrigin': ['http://www.qq.com'], 'AllowedMethod': ['GET', 'PUT'],
     'AllowedHeader': ['x-cos-meta-test'], 'ExposeHeader': ['x-cos-meta-test1'], 'MaxAgeSeconds': 500},
    {'AllowedOrigin': ['*'], 'AllowedMethod': ['POST']},
]})
"#,
    );
    let mut a = CorsRule::new(Some("1234")).unwrap();
    a.allow_origin("http://www.qq.com").unwrap().allow_method("GET").unwrap().allow_method("PUT").unwrap();
    a.allow_header("x-cos-meta-test").unwrap().expose_header("x-cos-meta-test1").unwrap().max_age(500);
    let mut b = CorsRule::new(None).unwrap();
    b.allow_origin("*").unwrap().allow_method("POST").unwrap();
    assert_eq!(f.client.get_bucket_cors(&f.bucket).unwrap(), vec![a, b]);
    // The preflight follows what Python stored.
    let p = f.client.cors_preflight(&f.bucket, Some("x"), "http://www.qq.com", "PUT", &["x-cos-meta-test"]).unwrap();
    assert_eq!((p.max_age, p.expose_headers), (Some(500), vec!["x-cos-meta-test1".to_string()]));
    python_peer::run(f.emu.port(), &f.bucket, "client.delete_bucket_cors(Bucket=bucket)");
    assert_eq!(f.client.get_bucket_cors(&f.bucket).unwrap_err().code(), Some("NoSuchCORSConfiguration"));
}
