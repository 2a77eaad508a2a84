//! Object operations: PUT (and its CopyObject form), GET, HEAD, DELETE, plus the helpers that turn
//! request headers into stored metadata and stored metadata into response headers (AppendObject,
//! in `append.rs`, uses them too). A PUT body streams straight into storage (`storage/ingest.rs`).

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::{Body, Response};
use crate::operations::conditional::{parse_range, Conditions, Precondition, RangeSpec};
use crate::operations::copy;
use crate::operations::restore::{check_readable, now_ms, restore_header};
use crate::operations::router::Ctx;
use crate::operations::sse_c;
use crate::storage::ingest;
use crate::storage::store::{slice_pieces, ObjectMeta};
use crate::storage::versions::NULL_VERSION;
use crate::util::http_date;

pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// Standard headers stored with an object and returned on GET/HEAD, in COS's spelling.
const STORED_HEADERS: &[&str] =
    &["Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"];

/// `response-*` query parameters of GET and the header each one overrides.
const RESPONSE_OVERRIDES: &[(&str, &str)] = &[
    ("response-cache-control", "Cache-Control"),
    ("response-content-disposition", "Content-Disposition"),
    ("response-content-encoding", "Content-Encoding"),
    ("response-content-language", "Content-Language"),
    ("response-expires", "Expires"),
];

const STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "STANDARD_IA",
    "ARCHIVE",
    "DEEP_ARCHIVE",
    "INTELLIGENT_TIERING",
    "MAZ_STANDARD",
    "MAZ_STANDARD_IA",
    "MAZ_INTELLIGENT_TIERING",
    "MAZ_ARCHIVE",
];

pub const SSE_HEADER: &str = "x-cos-server-side-encryption";
const SSE_KMS_KEY_HEADER: &str = "x-cos-server-side-encryption-cos-kms-key-id";

/// `x-cos-storage-class`, upper-cased and validated; None when absent.
pub fn storage_class(req: &Request) -> Result<Option<String>, CosError> {
    match req.header("x-cos-storage-class") {
        None => Ok(None),
        Some(v) => {
            let upper = v.trim().to_ascii_uppercase();
            if STORAGE_CLASSES.contains(&upper.as_str()) {
                Ok(Some(upper))
            } else {
                Err(CosError::invalid_argument(format!("The storage class you specified is not valid: {v:?}")))
            }
        }
    }
}

/// Server-side encryption headers of the request, validated (AES256 or cos/kms).
pub fn sse_headers(req: &Request) -> Result<Vec<(String, String)>, CosError> {
    let Some(algo) = req.header(SSE_HEADER) else {
        return Ok(Vec::new());
    };
    if algo != "AES256" && algo != "cos/kms" {
        return Err(CosError::invalid_argument(format!("The encryption method specified is not supported: {algo:?}")));
    }
    let mut out = vec![(SSE_HEADER.to_string(), algo.to_string())];
    if algo == "cos/kms" {
        if let Some(id) = req.header(SSE_KMS_KEY_HEADER) {
            out.push((SSE_KMS_KEY_HEADER.to_string(), id.to_string()));
        }
    }
    Ok(out)
}

fn is_sse_header(name: &str) -> bool {
    name.starts_with(SSE_HEADER)
}

const META_PREFIX: &str = "x-cos-meta-";
/// User metadata may total 2 KB (cos-protocol.md §6): the bytes of each `x-cos-meta-*` name after
/// the prefix plus those of its value.
pub const MAX_USER_METADATA: usize = 2048;

/// Standard descriptive headers and `x-cos-meta-*` of a request, as they will be returned.
/// Metadata names are lower-cased (HTTP names are case-insensitive; COS returns them lower-case).
/// User metadata over `MAX_USER_METADATA` is 400 MetadataTooLarge.
pub fn descriptive_headers(req: &Request) -> Result<Vec<(String, String)>, CosError> {
    let mut out: Vec<(String, String)> =
        STORED_HEADERS.iter().filter_map(|name| req.header(name).map(|v| (name.to_string(), v.to_string()))).collect();
    let mut user = 0;
    for (name, value) in &req.headers {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with(META_PREFIX) && !out.iter().any(|(n, _)| *n == lower) {
            user += lower.len() - META_PREFIX.len() + value.len();
            out.push((lower, value.clone()));
        }
    }
    if user > MAX_USER_METADATA {
        return Err(CosError::new(
            400,
            "MetadataTooLarge",
            format!(
                "Your metadata headers exceed the maximum allowed metadata size: {user} bytes of x-cos-meta-* names \
                 (after the prefix) and values, at most {MAX_USER_METADATA}."
            ),
        ));
    }
    Ok(out)
}

pub fn content_type(req: &Request) -> String {
    match req.header("content-type") {
        Some(ct) if !ct.is_empty() => ct.to_string(),
        _ => DEFAULT_CONTENT_TYPE.to_string(),
    }
}

/// The ACL an upload asks for with `x-cos-acl` and `x-cos-grant-*`, in the form `?acl` stores
/// (see `acl.rs`); None for neither.
pub fn object_acl(req: &Request) -> Result<Option<String>, CosError> {
    crate::operations::acl::requested_acl(req, b"", true)
}

/// Echo of the stored encryption headers, as PUT/COPY responses carry them.
pub fn push_sse_echo(resp: &mut Response, meta: &ObjectMeta) {
    for (n, v) in meta.headers.iter().filter(|(n, _)| is_sse_header(n)) {
        resp.push_header(n, v.clone());
    }
}

/// The metadata a new object gets from its upload request (PUT or multipart initiate).
pub fn new_object_meta(ctx: &Ctx, req: &Request) -> Result<ObjectMeta, CosError> {
    let mut headers = descriptive_headers(req)?;
    headers.extend(sse_headers(req)?);
    headers.extend(sse_c::meta_headers(sse_c::request_key(req, sse_c::OBJECT)?));
    Ok(ObjectMeta {
        size: 0,
        etag: String::new(),
        last_modified: ctx.now,
        crc64: 0,
        storage_class: storage_class(req)?.unwrap_or_else(|| "STANDARD".to_string()),
        content_type: content_type(req),
        headers,
        acl: object_acl(req)?,
        tagging: crate::operations::tagging::upload_tagging(req)?,
        appendable: false,
        version_id: NULL_VERSION.to_string(),
        seq: 0,
        restore: None,
    })
}

/// `x-cos-version-id` of a write or read, for versions other than `null` (as COS sends it).
pub fn push_version_header(resp: &mut Response, meta: &ObjectMeta) {
    if meta.version_id != NULL_VERSION {
        resp.push_header("x-cos-version-id", meta.version_id.clone());
    }
}

/// The `versionId` query parameter (empty means none).
pub fn version_param(req: &Request) -> Option<&str> {
    req.query_param("versionId").filter(|v| !v.is_empty())
}

pub fn put_object(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    if req.header("x-cos-copy-source").is_some() {
        return copy::copy_object(ctx, req, body);
    }
    if !req.has_length() {
        return Err(CosError::new(411, "MissingContentLength", "You must provide the Content-Length HTTP header."));
    }
    // Everything that can be refused is refused before the body is read.
    let mut meta = new_object_meta(ctx, req)?;
    ctx.store.with_bucket(&ctx.bucket, |_| ())?;
    let (staged, digests) = ingest::receive(ctx, req, body)?;
    meta.size = digests.size;
    meta.etag = digests.etag();
    meta.crc64 = digests.crc64;
    meta.version_id = ctx.store.put_object(&ctx.bucket, &ctx.key, meta.clone(), staged)?;
    let mut resp =
        Response::new(200).header("ETag", meta.etag.clone()).header("x-cos-hash-crc64ecma", meta.crc64.to_string());
    push_version_header(&mut resp, &meta);
    push_sse_echo(&mut resp, &meta);
    Ok(resp)
}

pub fn get_object(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    read_object(ctx, req, false)
}

pub fn head_object(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    read_object(ctx, req, true)
}

/// GET and HEAD share everything but the bytes: HEAD does not even open the data. `versionId`
/// selects a version; an archived object is read only once restored.
fn read_object(ctx: &Ctx, req: &Request, head: bool) -> Result<Response, CosError> {
    let version = version_param(req);
    let (obj, pieces) = if head {
        (ctx.store.head_version(&ctx.bucket, &ctx.key, version)?, None)
    } else {
        let (obj, pieces) = ctx.store.open_version(&ctx.bucket, &ctx.key, version)?;
        (obj, Some(pieces))
    };
    let m = &obj.meta;
    let now_ms = now_ms(ctx);
    if !head {
        check_readable(m, now_ms)?;
    }
    sse_c::check_read(m, req, sse_c::OBJECT)?;
    let conditions = Conditions {
        if_match: req.header("if-match"),
        if_none_match: req.header("if-none-match"),
        if_modified_since: req.header("if-modified-since"),
        if_unmodified_since: req.header("if-unmodified-since"),
    };
    if conditions.evaluate(&m.etag, m.last_modified)? == Precondition::NotModified {
        return Ok(Response::new(304)
            .header("ETag", m.etag.clone())
            .header("Last-Modified", http_date(m.last_modified)));
    }
    let (status, start, end) = match parse_range(req.header("range"), m.size) {
        RangeSpec::Full => (200, 0, m.size),
        RangeSpec::Partial(first, last) => (206, first, last + 1),
        RangeSpec::Unsatisfiable => {
            return Err(CosError::new(416, "InvalidRange", "The requested range is not satisfiable.")
                .with_header("Content-Range", format!("bytes */{}", m.size)))
        }
    };
    let mut resp = Response::new(status);
    push_object_headers(&mut resp, m, req);
    if version.is_some() {
        // Asked for by id (`null` included): the answer names the version it is.
        resp.push_header("x-cos-version-id", m.version_id.clone());
    } else {
        push_version_header(&mut resp, m);
    }
    if let Some(restore) = restore_header(m, now_ms) {
        resp.push_header("x-cos-restore", restore);
    }
    if status == 206 {
        resp.push_header("Content-Range", format!("bytes {start}-{}/{}", end - 1, m.size));
    }
    resp.body = match pieces {
        None => Body::LengthOnly(end - start),
        Some(pieces) => Body::Pieces(slice_pieces(pieces, start, end)),
    };
    Ok(resp)
}

/// GET/HEAD headers of a stored object, with `response-*` overrides applied.
fn push_object_headers(resp: &mut Response, m: &ObjectMeta, req: &Request) {
    let ct = req.query_param("response-content-type").unwrap_or(&m.content_type).to_string();
    resp.push_header("Content-Type", ct);
    resp.push_header("ETag", m.etag.clone());
    resp.push_header("Last-Modified", http_date(m.last_modified));
    resp.push_header("Accept-Ranges", "bytes");
    resp.push_header("x-cos-hash-crc64ecma", m.crc64.to_string());
    if m.appendable {
        resp.push_header("x-cos-object-type", "appendable");
    }
    let overridden =
        |name: &str| RESPONSE_OVERRIDES.iter().find(|(_, h)| *h == name).and_then(|(param, _)| req.query_param(param));
    for (name, value) in &m.headers {
        let value = overridden(name).unwrap_or(value);
        resp.push_header(name, value.to_string());
    }
    for (param, header) in RESPONSE_OVERRIDES {
        if let Some(v) = req.query_param(param) {
            if !m.headers.iter().any(|(n, _)| n == header) {
                resp.push_header(header, v.to_string());
            }
        }
    }
    if m.storage_class != "STANDARD" {
        resp.push_header("x-cos-storage-class", m.storage_class.clone());
    }
    if let Some(tags) = &m.tagging {
        let count = tags.split('&').filter(|t| !t.is_empty()).count();
        if count > 0 {
            resp.push_header("x-cos-tagging-count", count.to_string());
        }
    }
}

/// DELETE, with `versionId` removing that version for good; on a versioned bucket without one,
/// a delete marker is added. The headers say which version went or was created.
pub fn delete_object(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let d = ctx.store.delete_version(&ctx.bucket, &ctx.key, version_param(req), ctx.now)?;
    let mut resp = Response::new(204);
    if let Some(id) = d.version_id {
        resp.push_header("x-cos-version-id", id);
    }
    if d.delete_marker {
        resp.push_header("x-cos-delete-marker", "true");
    }
    Ok(resp)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::cli::Config;
    use crate::http::request::Framing;
    use crate::storage::store::tests::read_object;
    use crate::storage::store::Store;
    use std::io::Cursor;

    pub type Handler = fn(&Ctx, &Request, &mut BodyReader) -> Result<Response, CosError>;

    /// Runs `handler` on object `b-1/k` as if routed there (authentication is not its business).
    pub fn call(
        store: &Store,
        handler: Handler,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        try_call(store, handler, query, headers, body).unwrap_or_else(|e| panic!("{} {}", e.code, e.message))
    }

    pub fn try_call(
        store: &Store,
        handler: Handler,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, CosError> {
        let cfg = Config::default();
        let ctx =
            Ctx { cfg: &cfg, store, now: 1_700_000_000, bucket: "b-1".into(), key: "k".into(), host_region: None };
        let req = Request {
            method: String::new(),
            raw_path: "/k".into(),
            path: Some("/k".into()),
            raw_query: String::new(),
            query: query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            framing: Framing::Length(body.len() as u64),
            keep_alive: true,
            expects_continue: false,
        };
        let mut src = Cursor::new(body.to_vec());
        handler(&ctx, &req, &mut BodyReader::new(&mut src, req.framing, None))
    }

    pub fn refused(result: Result<Response, CosError>) -> CosError {
        match result {
            Ok(resp) => panic!("accepted with status {}", resp.status),
            Err(e) => e,
        }
    }

    pub fn header<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
        resp.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn head(store: &Store) -> Response {
        call(store, head_object, &[], &[], b"")
    }

    #[test]
    fn user_metadata_is_limited_to_2_kib_of_names_and_values() {
        let store = Store::memory();
        store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
        // Names after the prefix plus values: "a" + 1023 bytes, "b" + 1023 bytes = 2048.
        let (v1, v2) = ("x".repeat(1023), "y".repeat(1023));
        let fits = [("X-Cos-Meta-A", v1.as_str()), ("x-cos-meta-b", v2.as_str()), ("Cache-Control", "no-cache")];
        call(&store, put_object, &[], &fits, b"data");
        let resp = head(&store);
        assert_eq!(header(&resp, "x-cos-meta-a"), Some(v1.as_str()));
        assert_eq!(header(&resp, "x-cos-meta-b"), Some(v2.as_str()));
        let v2 = "y".repeat(1024);
        let over = [("x-cos-meta-a", v1.as_str()), ("x-cos-meta-b", v2.as_str())];
        let e = refused(try_call(&store, put_object, &[], &over, b"other"));
        assert_eq!((e.status, e.code), (400, "MetadataTooLarge"));
        assert!(e.message.contains("2049"), "{}", e.message);
        assert_eq!(read_object(&store, "b-1", "k"), b"data", "the refused PUT stored nothing");
        // Standard headers do not count.
        let disposition = "d".repeat(3000);
        call(&store, put_object, &[], &[("Content-Disposition", disposition.as_str())], b"data");
    }
}
