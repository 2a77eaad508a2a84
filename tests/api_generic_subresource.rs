//! The generic sub-resource call (`Client::bucket_subresource`) reaches every bucket configuration document
//! that has no typed call: for each, against the emulator, a GET before any PUT is COS's own error code,
//! a PUT stores the document and a GET returns it byte for byte, a DELETE (where COS has one) removes it;
//! the inventory listing pages with `continuation-token`; and every body goes out with its Content-MD5.

mod python_peer;
mod support;

use cos::{ErrorKind, RequestOptions};
use support::hostile::Hostile;
use support::Fixture;

/// What a GET of a document that was never put gives.
#[derive(Clone, Copy)]
enum Missing {
    /// 404 with this COS code.
    Code(&'static str),
    /// 200 with an empty document with this root (logging: "not enabled").
    Empty(&'static str),
}

/// One document kind: sub-resource, `id` parameter, a document of COS's documented shape, what a missing
/// one gives, and whether COS has a DELETE for it.
struct Kind {
    sub: &'static str,
    id: Option<&'static str>,
    doc: &'static str,
    missing: Missing,
    delete: bool,
}

fn kinds() -> Vec<Kind> {
    use Missing::{Code, Empty};
    vec![
        Kind {
            sub: "website",
            id: None,
            doc: "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument>\
                  <RedirectAllRequestsTo><Protocol>https</Protocol></RedirectAllRequestsTo>\
                  <ErrorDocument><Key>error.html</Key></ErrorDocument></WebsiteConfiguration>",
            missing: Code("NoSuchWebsiteConfiguration"),
            delete: true,
        },
        Kind {
            sub: "inventory",
            id: Some("list1"),
            doc: "<InventoryConfiguration><Id>list1</Id><IsEnabled>True</IsEnabled><Destination>\
                  <COSBucketDestination><Format>CSV</Format><AccountId>100000000001</AccountId>\
                  <Bucket>qcs::cos:ap-guangzhou::dest-1250000000</Bucket><Prefix>list1</Prefix>\
                  </COSBucketDestination></Destination><Schedule><Frequency>Daily</Frequency></Schedule>\
                  <Filter><Prefix>myPrefix</Prefix></Filter><IncludedObjectVersions>All</IncludedObjectVersions>\
                  <OptionalFields><Field>Size</Field><Field>ETag</Field></OptionalFields></InventoryConfiguration>",
            missing: Code("InventoryConfigurationNotFoundError"),
            delete: true,
        },
        Kind {
            sub: "replication",
            id: None,
            doc: "<ReplicationConfiguration><Role>qcs::cam::uin/100000000001:uin/100000000001</Role><Rule>\
                  <ID>r1</ID><Status>Enabled</Status><Prefix>a/</Prefix><Destination>\
                  <Bucket>qcs::cos:ap-shanghai::dest-1250000000</Bucket><StorageClass>STANDARD</StorageClass>\
                  </Destination></Rule></ReplicationConfiguration>",
            missing: Code("ReplicationConfigurationNotFoundError"),
            delete: true,
        },
        Kind {
            sub: "logging",
            id: None,
            doc: "<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs-1250000000</TargetBucket>\
                  <TargetPrefix>access/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>",
            missing: Empty("BucketLoggingStatus"),
            delete: false,
        },
        Kind {
            sub: "referer",
            id: None,
            doc: "<RefererConfiguration><Status>Enabled</Status><RefererType>White-List</RefererType>\
                  <DomainList><Domain>*.example.com</Domain><Domain>example.net</Domain></DomainList>\
                  <EmptyReferConfiguration>Allow</EmptyReferConfiguration></RefererConfiguration>",
            missing: Code("NoSuchRefererConfiguration"),
            delete: true,
        },
        Kind {
            sub: "domain",
            id: None,
            doc: "<DomainConfiguration><DomainRule><Status>ENABLED</Status><Name>www.example.com</Name>\
                  <Type>REST</Type></DomainRule></DomainConfiguration>",
            missing: Code("NoSuchDomainConfiguration"),
            delete: true,
        },
        Kind {
            sub: "origin",
            id: None,
            doc: "<OriginConfiguration><OriginRule><RulePriority>1</RulePriority><OriginType>Proxy</OriginType>\
                  <OriginCondition><HTTPStatusCode>404</HTTPStatusCode><Prefix></Prefix></OriginCondition>\
                  <OriginParameter><Protocol>HTTP</Protocol><FollowQueryString>true</FollowQueryString>\
                  <HttpRedirectCode>302</HttpRedirectCode></OriginParameter><OriginInfo><HostInfo>\
                  <HostName>origin.example.com</HostName></HostInfo></OriginInfo></OriginRule></OriginConfiguration>",
            missing: Code("OriginConfigurationNotFoundError"),
            delete: true,
        },
        Kind {
            sub: "encryption",
            id: None,
            doc: "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>\
                  <SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>\
                  </ServerSideEncryptionConfiguration>",
            missing: Code("NoSuchEncryptionConfiguration"),
            delete: true,
        },
        Kind {
            sub: "object-lock",
            id: None,
            doc: "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>\
                  <Days>30</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
            missing: Code("NoSuchObjectLockConfiguration"),
            delete: false,
        },
        Kind {
            sub: "intelligenttiering",
            id: None,
            doc: "<IntelligentTieringConfiguration><Status>Enabled</Status><Transition><Days>30</Days>\
                  <RequestFrequent>1</RequestFrequent></Transition></IntelligentTieringConfiguration>",
            missing: Code("NoSuchIntelligentTieringConfiguration"),
            delete: false,
        },
        Kind {
            sub: "intelligent-tiering",
            id: Some("tier1"),
            doc: "<IntelligentTieringConfiguration><Id>tier1</Id><Status>Enabled</Status><Tiering>\
                  <AccessTier>INFREQUENT</AccessTier><Days>30</Days></Tiering></IntelligentTieringConfiguration>",
            missing: Code("NoSuchIntelligentTieringConfiguration"),
            delete: false,
        },
        Kind {
            sub: "response-control",
            id: None,
            doc: "<ResponseControlConfiguration><ControlParamList><Param>response-content-type</Param>\
                  <Param>response-content-disposition</Param></ControlParamList></ResponseControlConfiguration>",
            missing: Code("NoSuchResponseControlConfiguration"),
            delete: true,
        },
    ]
}

fn opts_for(kind: &Kind) -> RequestOptions {
    let mut o = RequestOptions::new();
    if let Some(id) = kind.id {
        o.query("id", id).unwrap();
    }
    o
}

fn assert_missing(f: &Fixture, kind: &Kind, when: &str) {
    let got = f.client.bucket_subresource("GET", &f.bucket, kind.sub, &[], &opts_for(kind));
    match kind.missing {
        Missing::Code(code) => {
            let e = got.unwrap_err();
            assert_eq!(
                (e.kind(), e.http_status(), e.code()),
                (ErrorKind::Service, 404, Some(code)),
                "{} {when}",
                kind.sub
            );
            assert!(e.request_id().is_some(), "{}: {e:?}", kind.sub);
        }
        Missing::Empty(root) => {
            let doc = got.unwrap();
            let text = doc.text().unwrap();
            assert!(
                text.contains(&format!("<{root}")) && !text.contains("<LoggingEnabled>"),
                "{} {when}: {text}",
                kind.sub
            );
        }
    }
}

#[test]
fn every_document_is_stored_returned_exactly_and_deleted() {
    let f = Fixture::new("generic");
    for kind in kinds() {
        assert_missing(&f, &kind, "before any PUT");
        let put = f.client.bucket_subresource("PUT", &f.bucket, kind.sub, kind.doc.as_bytes(), &opts_for(&kind));
        put.unwrap_or_else(|e| panic!("PUT ?{}: {e:?}", kind.sub));
        let got = f.client.bucket_subresource("GET", &f.bucket, kind.sub, &[], &opts_for(&kind)).unwrap();
        assert_eq!(got.text().unwrap(), kind.doc, "GET ?{} returns the document byte for byte", kind.sub);
        assert!(got.info.headers.request_id().is_some());
        if kind.delete {
            f.client.bucket_subresource("DELETE", &f.bucket, kind.sub, &[], &opts_for(&kind)).unwrap();
            assert_missing(&f, &kind, "after DELETE");
        }
    }
    // Documents with an id are kept apart by it.
    let mut other = RequestOptions::new();
    other.query("id", "tier2").unwrap();
    let e = f.client.bucket_subresource("GET", &f.bucket, "intelligent-tiering", &[], &other).unwrap_err();
    assert_eq!(e.code(), Some("NoSuchIntelligentTieringConfiguration"));
    // The wrong root element is refused by the server, not stored.
    let e = f
        .client
        .bucket_subresource("PUT", &f.bucket, "website", b"<CORSConfiguration/>", &RequestOptions::new())
        .unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 400), "{e:?}");
}

/// A Content-MD5 that does not match the body is refused: the server checks the one the call sends.
#[test]
fn a_wrong_content_md5_is_refused() {
    let f = Fixture::new("generic-md5");
    let mut o = RequestOptions::new();
    o.header("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==").unwrap(); // the MD5 of nothing
    let doc = &kinds()[0].doc;
    let e = f.client.bucket_subresource("PUT", &f.bucket, "website", doc.as_bytes(), &o).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 400), "{e:?}");
    assert!(e.code().is_some_and(|c| c.contains("Digest")), "{e:?}");
}

/// On the wire, every document carries the Content-MD5 of its bytes (computed here by Python's hashlib,
/// not by the library) and an XML Content-Type; an `id` goes after the sub-resource.
#[test]
fn every_body_carries_its_content_md5() {
    let server = Hostile::each_request(|_, conn| {
        let _ = conn.respond("200 OK", &[("Content-Length", "0".to_string())], b"");
    });
    let client = server.client();
    let kinds = kinds();
    for kind in &kinds {
        client.bucket_subresource("PUT", "md5-1250000000", kind.sub, kind.doc.as_bytes(), &opts_for(kind)).unwrap();
    }
    let script = format!(
        "import base64, hashlib\nfor i, d in enumerate({:?}):\n    print('%d=%s' % (i, base64.b64encode(hashlib.md5(d.encode()).digest()).decode()))",
        kinds.iter().map(|k| k.doc).collect::<Vec<_>>()
    );
    let md5s = python_peer::run(1, "unused", &script);
    let reqs = server.requests();
    assert_eq!(reqs.len(), kinds.len());
    for (i, (kind, req)) in kinds.iter().zip(&reqs).enumerate() {
        assert_eq!(req.body, kind.doc.as_bytes());
        assert_eq!(req.header("content-md5"), md5s.get(&i.to_string()).map(String::as_str), "?{}", kind.sub);
        assert_eq!(req.header("content-type"), Some("application/xml"), "?{}", kind.sub);
        let want = match kind.id {
            Some(id) => format!("/?{}&id={id}", kind.sub),
            None => format!("/?{}", kind.sub),
        };
        assert_eq!(req.target, want);
    }
}

/// ListInventoryConfigurations pages with `continuation-token` through the generic call's query options.
#[test]
fn inventory_list_pages_with_continuation_token() {
    let f = Fixture::new("generic-inventory");
    let template = &kinds()[1].doc;
    let ids: Vec<String> = (0..101).map(|i| format!("inv-{i:03}")).collect();
    for id in &ids {
        let doc = template.replace("list1", id);
        let mut o = RequestOptions::new();
        o.query("id", id).unwrap();
        f.client.bucket_subresource("PUT", &f.bucket, "inventory", doc.as_bytes(), &o).unwrap();
    }
    let (mut seen, mut pages, mut token) = (Vec::new(), 0, None::<String>);
    loop {
        let mut o = RequestOptions::new();
        if let Some(t) = &token {
            o.query("continuation-token", t).unwrap();
        }
        let page = f.client.bucket_subresource("GET", &f.bucket, "inventory", &[], &o).unwrap();
        let text = page.text().unwrap().to_string();
        assert!(text.contains("<ListInventoryConfigurationResult>"), "{text}");
        pages += 1;
        for piece in text.split("<InventoryConfiguration>").skip(1) {
            let id = piece.split("<Id>").nth(1).and_then(|s| s.split("</Id>").next()).unwrap();
            seen.push(id.to_string());
        }
        let truncated = text.contains("<IsTruncated>true</IsTruncated>");
        token = text.split("<NextContinuationToken>").nth(1).and_then(|s| s.split('<').next()).map(str::to_string);
        if !truncated {
            break;
        }
        assert!(token.is_some(), "a truncated page names the next token: {text}");
        assert!(pages < 10, "the listing does not end");
    }
    assert!(pages >= 2, "101 configurations take more than one page");
    seen.sort();
    assert_eq!(seen, ids);
}

/// `Client::object_subresource` on an object's `?tagging`: the document goes in, comes back, shows in
/// HEAD's tag count and goes away; a version id is a query option; a bad sub-resource is refused unsent.
#[test]
fn object_subresources_through_the_generic_call() {
    let f = Fixture::new("generic-object");
    f.client.put_object(&f.bucket, "dir/a b.txt", b"data", &RequestOptions::new()).unwrap();
    let tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>a&amp;b</Value></Tag></TagSet></Tagging>";
    let none = RequestOptions::new();
    f.client.object_subresource("PUT", &f.bucket, "dir/a b.txt", "tagging", tagging.as_bytes(), &none).unwrap();
    let got = f.client.object_subresource("GET", &f.bucket, "dir/a b.txt", "tagging", &[], &none).unwrap();
    let text = got.text().unwrap();
    assert!(text.contains("<Key>team</Key>") && text.contains("<Value>a&amp;b</Value>"), "{text}");
    let head = f.client.head_object(&f.bucket, "dir/a b.txt", &none).unwrap();
    assert_eq!(head.headers.get("x-cos-tagging-count"), Some("1"));
    f.client.object_subresource("DELETE", &f.bucket, "dir/a b.txt", "tagging", &[], &none).unwrap();
    let text = f.client.object_subresource("GET", &f.bucket, "dir/a b.txt", "tagging", &[], &none).unwrap();
    assert!(!text.text().unwrap().contains("<Tag>"), "{}", text.text().unwrap());
    // A version that does not exist, addressed through the options.
    let mut v = RequestOptions::new();
    v.query("versionId", "no-such-version").unwrap();
    let e = f.client.object_subresource("GET", &f.bucket, "dir/a b.txt", "tagging", &[], &v).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
    let e = f.client.object_subresource("GET", &f.bucket, "nosuch", "tagging", &[], &none).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchKey")), "{e:?}");
    f.emu.reset_stats();
    for bad in ["", "tagging&versionId=1", "tag ging"] {
        let e = f.client.object_subresource("GET", &f.bucket, "k", bad, &[], &none).unwrap_err();
        assert_eq!((e.kind(), e.attempts()), (ErrorKind::InvalidArgument, 0), "{bad:?}");
        assert!(e.message().contains("subresource"), "{e:?}");
    }
    let e = f.client.bucket_subresource("PATCH", &f.bucket, "cors", &[], &none).unwrap_err();
    assert!(e.message().contains("method"), "{e:?}");
    assert_eq!(f.emu.stats().requests, 0);
}
