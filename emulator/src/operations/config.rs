//! Bucket configuration documents: PUT/GET/DELETE `/?<sub>` for every document COS stores as a
//! whole (cors, lifecycle, replication, website, logging, policy, domain, domaincertificate,
//! origin, inventory, referer, response-control, intelligenttiering v1 and v2, object-lock,
//! encryption), plus `GET /?location`. A document is checked (well-formed XML with its root
//! element, or JSON for the policy; Content-MD5; size) and then kept byte for byte, so a GET
//! returns exactly what was put: clients parse their own shapes back. Bucket tagging and ACL
//! are in `tagging.rs` and `acl.rs`, since COS interprets them.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::{Body, Response};
use crate::operations::router::{sub_resource, Ctx};
use crate::storage::ingest::{bad_digest, expected_md5};
use crate::xml::XmlWriter;
use md5::{Digest as _, Md5};

/// One kind of document.
pub struct Doc {
    pub sub: &'static str,
    /// Root element of the XML document; "" for the JSON policy.
    pub root: &'static str,
    /// 404 code and message for a GET of a document the bucket does not have.
    pub missing: (&'static str, &'static str),
    /// The query parameter naming one of several documents (`id`, `domainname`).
    pub key_param: Option<&'static str>,
    pub delete: bool,
    /// Largest accepted body.
    pub max: usize,
}

/// COS caps XML request documents; 64 KiB holds far more rules than these documents need in
/// practice (COS: 1000 lifecycle rules ~ 300 KB, so lifecycle gets more).
const XML_MAX: usize = 64 * 1024;
/// COS (like S3) limits a bucket policy to 20 KB.
pub const POLICY_MAX: usize = 20 * 1024;
/// Inventory configurations returned per ListInventoryConfigurations page.
const INVENTORY_PAGE: usize = 100;

const fn doc(sub: &'static str, root: &'static str, code: &'static str, message: &'static str) -> Doc {
    Doc { sub, root, missing: (code, message), key_param: None, delete: true, max: XML_MAX }
}

pub static DOCS: &[Doc] = &[
    doc("cors", "CORSConfiguration", "NoSuchCORSConfiguration", "The CORS configuration does not exist."),
    Doc {
        max: 1024 * 1024,
        ..doc(
            "lifecycle",
            "LifecycleConfiguration",
            "NoSuchLifecycleConfiguration",
            "The lifecycle configuration does not exist.",
        )
    },
    doc(
        "replication",
        "ReplicationConfiguration",
        "ReplicationConfigurationNotFoundError",
        "The replication configuration was not found.",
    ),
    doc(
        "website",
        "WebsiteConfiguration",
        "NoSuchWebsiteConfiguration",
        "The specified bucket does not have a website configuration.",
    ),
    // GET of no logging configuration is 200 with an empty BucketLoggingStatus (see get_document).
    Doc { delete: false, ..doc("logging", "BucketLoggingStatus", "", "") },
    Doc { max: POLICY_MAX, ..doc("policy", "", "NoSuchBucketPolicy", "The bucket policy does not exist.") },
    doc("domain", "DomainConfiguration", "NoSuchDomainConfiguration", "The domain configuration does not exist."),
    Doc {
        key_param: Some("domainname"),
        ..doc(
            "domaincertificate",
            "DomainCertificate",
            "NoSuchDomainCertificate",
            "The domain certificate does not exist.",
        )
    },
    doc("origin", "OriginConfiguration", "OriginConfigurationNotFoundError", "The origin configuration was not found."),
    Doc {
        key_param: Some("id"),
        ..doc(
            "inventory",
            "InventoryConfiguration",
            "InventoryConfigurationNotFoundError",
            "The inventory configuration was not found.",
        )
    },
    doc("referer", "RefererConfiguration", "NoSuchRefererConfiguration", "The referer configuration does not exist."),
    doc(
        "response-control",
        "ResponseControlConfiguration",
        "NoSuchResponseControlConfiguration",
        "The response control configuration does not exist.",
    ),
    Doc {
        delete: false,
        ..doc(
            "intelligenttiering",
            "IntelligentTieringConfiguration",
            "NoSuchIntelligentTieringConfiguration",
            "The intelligent tiering configuration does not exist.",
        )
    },
    Doc {
        key_param: Some("id"),
        ..doc(
            "intelligent-tiering",
            "IntelligentTieringConfiguration",
            "NoSuchIntelligentTieringConfiguration",
            "The intelligent tiering configuration does not exist.",
        )
    },
    Doc {
        delete: false,
        ..doc(
            "object-lock",
            "ObjectLockConfiguration",
            "NoSuchObjectLockConfiguration",
            "The object lock configuration does not exist.",
        )
    },
    doc(
        "encryption",
        "ServerSideEncryptionConfiguration",
        "NoSuchEncryptionConfiguration",
        "The server side encryption configuration was not found.",
    ),
];

/// The document kind a routed request addresses.
fn spec(req: &Request) -> Result<&'static Doc, CosError> {
    let sub = sub_resource(&req.query).unwrap_or("");
    DOCS.iter().find(|d| d.sub == sub).ok_or_else(|| CosError::internal(format!("no document kind for ?{sub}")))
}

/// A non-empty `id`/`domainname` parameter, when the kind has one and the request gives it.
fn key_of(doc: &Doc, req: &Request) -> Option<String> {
    doc.key_param.and_then(|p| req.query_param(p)).filter(|v| !v.is_empty()).map(str::to_string)
}

fn store_name(doc: &Doc, key: Option<&str>) -> String {
    match key {
        Some(k) => format!("{}/{k}", doc.sub),
        None => doc.sub.to_string(),
    }
}

/// A request document, at most `max` bytes, its Content-MD5 checked when sent.
pub fn read_document(
    req: &Request,
    body: &mut BodyReader,
    max: usize,
    code: &'static str,
) -> Result<Vec<u8>, CosError> {
    let expected = expected_md5(req)?;
    if body.declared_len().is_some_and(|n| n > max as u64) {
        return Err(too_large(code, max));
    }
    // read_small's own limit error becomes this document's code; a broken body stays what it is.
    let document = body.read_small(max).map_err(|e| if e.code == "XMLSizeLimit" { too_large(code, max) } else { e })?;
    if expected.is_some_and(|md5| md5 != <[u8; 16]>::from(Md5::digest(&document))) {
        return Err(bad_digest());
    }
    Ok(document)
}

fn too_large(code: &'static str, max: usize) -> CosError {
    CosError::new(400, code, format!("Your request document is larger than the maximum allowed ({max} bytes)."))
}

/// Parse `bytes` as XML whose root element is `root`. roxmltree refuses DOCTYPE (no entity tricks).
pub fn parse_xml<'a>(bytes: &'a [u8], root: &str) -> Result<roxmltree::Document<'a>, CosError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CosError::malformed_xml("body is not UTF-8"))?;
    let doc = roxmltree::Document::parse(text).map_err(CosError::malformed_xml)?;
    let name = doc.root_element().tag_name().name();
    if name != root {
        return Err(CosError::malformed_xml(format!("the root element must be <{root}>, not <{name}>")));
    }
    Ok(doc)
}

/// All text inside an element (roxmltree splits text around entities and CDATA).
pub fn text_of(node: roxmltree::Node) -> String {
    node.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect()
}

/// Child elements of `node` named `name`.
pub fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.is_element() && n.tag_name().name() == name)
}

pub fn child_text(node: roxmltree::Node, name: &str) -> Option<String> {
    node.children().find(|n| n.is_element() && n.tag_name().name() == name).map(text_of)
}

/// Check a document and return the names to store it under (several for a certificate that
/// covers several domains).
fn validate(doc: &Doc, req: &Request, bytes: &[u8]) -> Result<Vec<String>, CosError> {
    if doc.root.is_empty() {
        validate_policy(bytes)?;
        return Ok(vec![store_name(doc, None)]);
    }
    let parsed = parse_xml(bytes, doc.root)?;
    let root = parsed.root_element();
    match doc.sub {
        "cors" => crate::operations::cors::validate(root)?,
        "inventory" | "intelligent-tiering" => {
            let id = key_of(doc, req).ok_or_else(|| CosError::invalid_argument("The id parameter is required."))?;
            if let Some(body_id) = child_text(root, "Id") {
                if body_id.trim() != id {
                    return Err(CosError::invalid_argument(format!(
                        "The Id in the document ({body_id:?}) differs from the id parameter ({id:?})."
                    )));
                }
            }
            return Ok(vec![store_name(doc, Some(&id))]);
        }
        "domaincertificate" => {
            let names: Vec<String> = children(root, "DomainList")
                .flat_map(|l| children(l, "DomainName"))
                .map(|n| text_of(n).trim().to_string())
                .filter(|n| !n.is_empty())
                .collect();
            if names.is_empty() {
                return Err(CosError::malformed_xml("<DomainCertificate> needs DomainList/DomainName"));
            }
            return Ok(names.iter().map(|n| store_name(doc, Some(n))).collect());
        }
        _ => {}
    }
    Ok(vec![store_name(doc, None)])
}

/// A policy is a JSON object with a `Statement` (COS's MalformedPolicy otherwise).
fn validate_policy(bytes: &[u8]) -> Result<(), CosError> {
    let malformed = |why: &str| CosError::new(400, "MalformedPolicy", format!("The policy is not valid: {why}."));
    let text = std::str::from_utf8(bytes).map_err(|_| malformed("not UTF-8"))?;
    let value = crate::operations::json::parse(text).map_err(|e| malformed(&e))?;
    if !value.is_object() {
        return Err(malformed("the policy must be a JSON object"));
    }
    if value.get("Statement").is_none() && value.get("statement").is_none() {
        return Err(malformed("the policy has no Statement"));
    }
    Ok(())
}

pub fn put_document(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    let doc = spec(req)?;
    ctx.store.with_bucket(&ctx.bucket, |_| ())?;
    let code = if doc.root.is_empty() { "EntityTooLarge" } else { "XMLSizeLimit" };
    let bytes = read_document(req, body, doc.max, code)?;
    // The Python SDK's delete_bucket_referer is a PUT of an empty document.
    if doc.sub == "referer" && bytes.iter().all(u8::is_ascii_whitespace) {
        ctx.store.delete_config(&ctx.bucket, doc.sub)?;
        return Ok(Response::new(200));
    }
    if bytes.is_empty() {
        return Err(CosError::new(400, "MissingRequestBodyError", "Request body is empty."));
    }
    for name in validate(doc, req, &bytes)? {
        ctx.store.put_config(&ctx.bucket, &name, bytes.clone())?;
    }
    Ok(Response::new(200))
}

pub fn get_document(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let doc = spec(req)?;
    let key = key_of(doc, req);
    if doc.key_param.is_some() && key.is_none() {
        return match doc.sub {
            "inventory" => list_inventory(ctx, req),
            "intelligent-tiering" => list_tiering(ctx),
            _ => Err(CosError::invalid_argument(format!("The {} parameter is required.", doc.key_param.unwrap_or("")))),
        };
    }
    match ctx.store.get_config(&ctx.bucket, &store_name(doc, key.as_deref()))? {
        Some(bytes) if doc.root.is_empty() => {
            let mut r = Response::new(200).header("Content-Type", "application/json");
            r.body = Body::Bytes(bytes);
            Ok(r)
        }
        Some(bytes) => Ok(Response::xml(200, bytes)),
        None if doc.sub == "logging" => {
            let mut w = XmlWriter::new();
            w.open("BucketLoggingStatus").close("BucketLoggingStatus");
            Ok(Response::xml(200, w.finish()))
        }
        None => Err(CosError::new(404, doc.missing.0, doc.missing.1)),
    }
}

pub fn delete_document(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let doc = spec(req)?;
    if !doc.delete {
        return Err(CosError::new(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        ));
    }
    let key = key_of(doc, req);
    if doc.key_param.is_some() && key.is_none() {
        return Err(CosError::invalid_argument(format!("The {} parameter is required.", doc.key_param.unwrap_or(""))));
    }
    ctx.store.delete_config(&ctx.bucket, &store_name(doc, key.as_deref()))?;
    Ok(Response::new(204))
}

/// `POST /?inventory&id=`: a one-off inventory job. The emulator produces no report; it checks
/// the document and answers as COS does when the job is accepted.
pub fn post_inventory(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    let doc = spec(req)?;
    ctx.store.with_bucket(&ctx.bucket, |_| ())?;
    let bytes = read_document(req, body, doc.max, "XMLSizeLimit")?;
    validate(doc, req, &bytes)?;
    Ok(Response::new(200))
}

/// The stored document without its XML declaration, to nest it in a listing.
fn root_element_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match roxmltree::Document::parse(&text) {
        Ok(d) => text[d.root_element().range()].to_string(),
        Err(_) => String::new(),
    }
}

/// ListInventoryConfigurations: pages of `INVENTORY_PAGE` in id order; the continuation token is
/// the hex of the last id of the previous page.
fn list_inventory(ctx: &Ctx, req: &Request) -> Result<Response, CosError> {
    let token = req.query_param("continuation-token").filter(|t| !t.is_empty());
    let after = match token {
        None => None,
        Some(t) => Some(
            crate::util::unhex(t)
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| CosError::invalid_argument("The continuation token is not valid."))?,
        ),
    };
    let all = ctx.store.list_configs(&ctx.bucket, "inventory/")?;
    let mut rest: Vec<(String, Vec<u8>)> = all
        .into_iter()
        .map(|(n, d)| (n["inventory/".len()..].to_string(), d))
        .filter(|(id, _)| after.as_ref().is_none_or(|a| id > a))
        .collect();
    let truncated = rest.len() > INVENTORY_PAGE;
    rest.truncate(INVENTORY_PAGE);
    let mut out = String::from(crate::xml::DECLARATION);
    out.push_str("<ListInventoryConfigurationResult>");
    for (_, d) in &rest {
        out.push_str(&root_element_text(d));
    }
    out.push_str(&format!("<IsTruncated>{truncated}</IsTruncated>"));
    if let Some(t) = token {
        out.push_str(&format!("<ContinuationToken>{}</ContinuationToken>", crate::xml::escape(t)));
    }
    if truncated {
        if let Some((id, _)) = rest.last() {
            out.push_str(&format!(
                "<NextContinuationToken>{}</NextContinuationToken>",
                crate::util::hex(id.as_bytes())
            ));
        }
    }
    out.push_str("</ListInventoryConfigurationResult>");
    Ok(Response::xml(200, out.into_bytes()))
}

/// `GET /?intelligent-tiering`: every v2 configuration (COS allows 1000, so one page).
fn list_tiering(ctx: &Ctx) -> Result<Response, CosError> {
    let all = ctx.store.list_configs(&ctx.bucket, "intelligent-tiering/")?;
    let mut out = String::from(crate::xml::DECLARATION);
    out.push_str("<ListBucketIntelligentTieringConfigurationsOutput>");
    for (_, d) in &all {
        out.push_str(&root_element_text(d));
    }
    out.push_str("</ListBucketIntelligentTieringConfigurationsOutput>");
    Ok(Response::xml(200, out.into_bytes()))
}

/// `GET /?location`: the bucket's region.
pub fn get_location(ctx: &Ctx, _req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let region = ctx.store.with_bucket(&ctx.bucket, |b| b.region.clone())?;
    let mut w = XmlWriter::new();
    w.elem("LocationConstraint", &region);
    Ok(Response::xml(200, w.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::object::tests::{header, refused, try_call};
    use crate::storage::store::Store;
    use base64::Engine as _;

    fn store() -> Store {
        let s = Store::memory();
        s.create_bucket("b-1", "ap-beijing", 0).unwrap();
        s
    }

    fn md5_of(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(Md5::digest(b))
    }

    fn code(r: Result<Response, CosError>) -> (u16, &'static str) {
        let e = refused(r);
        (e.status, e.code)
    }

    fn body_of(r: &Response) -> &[u8] {
        match &r.body {
            Body::Bytes(b) => b,
            _ => panic!("no body"),
        }
    }

    #[test]
    fn every_document_is_stored_as_sent_and_missing_ones_have_their_code() {
        let s = store();
        for d in DOCS {
            let q: Vec<(&str, &str)> = match d.key_param {
                Some(p) => vec![(d.sub, ""), (p, "one")],
                None => vec![(d.sub, "")],
            };
            let doc = match (d.root, d.sub) {
                ("", _) => r#"{"Statement":[]}"#.to_string(),
                (root, "domaincertificate") => format!("<{root}><DomainList><DomainName>one</DomainName></DomainList></{root}>"),
                (root, "cors") => format!("<{root}><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></{root}>"),
                (root, _) => format!("<?xml version=\"1.0\"?>\n<{root}><A>x &amp; y</A></{root}>"),
            };
            if d.sub != "logging" {
                assert_eq!(code(try_call(&s, get_document, &q, &[], b"")), (404, d.missing.0), "{}", d.sub);
            }
            let md5 = md5_of(doc.as_bytes());
            try_call(&s, put_document, &q, &[("Content-MD5", &md5)], doc.as_bytes()).unwrap();
            let got = try_call(&s, get_document, &q, &[], b"").unwrap();
            assert_eq!(body_of(&got), doc.as_bytes(), "{} byte for byte", d.sub);
            let ct = if d.root.is_empty() { "application/json" } else { "application/xml" };
            assert_eq!(header(&got, "content-type"), Some(ct));
            let deleted = try_call(&s, delete_document, &q, &[], b"");
            if d.delete {
                assert_eq!(deleted.unwrap().status, 204);
                if d.sub != "logging" {
                    assert_eq!(code(try_call(&s, get_document, &q, &[], b"")), (404, d.missing.0));
                }
            } else {
                assert_eq!(code(deleted), (405, "MethodNotAllowed"), "{}", d.sub);
            }
        }
    }

    #[test]
    fn bad_documents_are_refused() {
        let s = store();
        let q = [("lifecycle", "")];
        let put = |h: &[(&str, &str)], b: &[u8]| code(try_call(&s, put_document, &q, h, b));
        assert_eq!(put(&[], b"<LifecycleConfiguration>"), (400, "MalformedXML"));
        assert_eq!(put(&[], b"<CORSConfiguration/>"), (400, "MalformedXML"), "wrong root");
        assert_eq!(put(&[], b"\xff\xfe"), (400, "MalformedXML"));
        assert_eq!(put(&[], b""), (400, "MissingRequestBodyError"));
        assert_eq!(put(&[("Content-MD5", &md5_of(b"x"))], b"<LifecycleConfiguration/>"), (400, "BadDigest"));
        assert_eq!(put(&[("Content-MD5", "not base64!")], b"<LifecycleConfiguration/>"), (400, "InvalidDigest"));
        let big = format!("<LifecycleConfiguration>{}</LifecycleConfiguration>", " ".repeat(1024 * 1024));
        assert_eq!(put(&[], big.as_bytes()), (400, "XMLSizeLimit"));
        let pq = [("policy", "")];
        let policy = |b: &[u8]| code(try_call(&s, put_document, &pq, &[], b));
        assert_eq!(policy(b"{\"Statement\": [}"), (400, "MalformedPolicy"));
        assert_eq!(policy(b"[]"), (400, "MalformedPolicy"));
        assert_eq!(policy(b"{\"version\":\"2.0\"}"), (400, "MalformedPolicy"));
        let big = format!("{{\"Statement\":[],\"p\":\"{}\"}}", "x".repeat(POLICY_MAX));
        assert_eq!(policy(big.as_bytes()), (400, "EntityTooLarge"));
        // Inventory: the id is required and must match the document's.
        let inv = b"<InventoryConfiguration><Id>a</Id></InventoryConfiguration>";
        assert_eq!(code(try_call(&s, put_document, &[("inventory", "")], &[], inv)), (400, "InvalidArgument"));
        assert_eq!(
            code(try_call(&s, put_document, &[("inventory", ""), ("id", "b")], &[], inv)),
            (400, "InvalidArgument")
        );
        try_call(&s, put_document, &[("inventory", ""), ("id", "a")], &[], inv).unwrap();
        let missing = Store::memory();
        assert_eq!(
            code(try_call(&missing, put_document, &q, &[], b"<LifecycleConfiguration/>")),
            (404, "NoSuchBucket")
        );
        assert_eq!(code(try_call(&missing, get_document, &q, &[], b"")), (404, "NoSuchBucket"));
    }

    #[test]
    fn location_and_empty_logging() {
        let s = store();
        let r = try_call(&s, get_location, &[("location", "")], &[], b"").unwrap();
        assert!(String::from_utf8_lossy(body_of(&r)).ends_with("<LocationConstraint>ap-beijing</LocationConstraint>"));
        let r = try_call(&s, get_document, &[("logging", "")], &[], b"").unwrap();
        assert!(String::from_utf8_lossy(body_of(&r)).ends_with("<BucketLoggingStatus></BucketLoggingStatus>"));
    }
}
