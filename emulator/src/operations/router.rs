//! From a parsed request to a response: addressing (bucket from Host, key from path),
//! authentication, then a lookup in the route table. New operations (ACL, tagging...) slot in as
//! new rows of `ROUTES`. Control requests (`/__emulator/`) never get here (see `http/conn.rs`).

use crate::auth;
use crate::cli::Config;
use crate::error::CosError;
use crate::faults::control::Stats;
use crate::faults::injection::Faults;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::acl;
use crate::operations::append;
use crate::operations::bucket;
use crate::operations::config;
use crate::operations::cors;
use crate::operations::delete;
use crate::operations::multipart;
use crate::operations::multipart_list;
use crate::operations::object;
use crate::operations::restore;
use crate::operations::select;
use crate::operations::symlink;
use crate::operations::tagging;
use crate::operations::versioning;
use crate::operations::versions_list;
use crate::storage::store::Store;
use crate::util::{http_date, new_trace_id, now_unix};
use crate::xml;
use std::net::IpAddr;

/// Everything a handler needs besides the request.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub store: &'a Store,
    pub now: u64,
    /// Bucket from the Host header ("" for the service endpoint).
    pub bucket: String,
    /// Object key (decoded path without its leading `/`; "" for bucket requests).
    pub key: String,
    /// Region named in the Host (`cos.<region>.myqcloud.com`), if any.
    pub host_region: Option<String>,
}

pub struct Server {
    pub cfg: Config,
    pub store: Store,
    pub faults: Faults,
    pub stats: Stats,
    /// Temporary credentials minted through the control API.
    pub issued: crate::auth::issued::Issued,
}

impl Server {
    pub fn new(cfg: Config, store: Store) -> Server {
        Server { cfg, store, faults: Faults::default(), stats: Stats::default(), issued: Default::default() }
    }

    /// The emulator's clock: real time shifted by `--clock-skew`. Signature windows, the Date
    /// header and every timestamp the emulator records use it.
    pub fn now(&self) -> u64 {
        (now_unix() as i64).saturating_add(self.cfg.clock_skew).max(0) as u64
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Target {
    Service,
    Bucket,
    Object,
}

/// Handlers get the request head and read the body themselves (most never do; what they leave
/// is drained by the connection loop).
type Handler = fn(&Ctx, &Request, &mut BodyReader) -> Result<Response, CosError>;

struct Route {
    method: &'static str,
    target: Target,
    /// Sub-resource (first query parameter), None for the plain operation.
    sub: Option<&'static str>,
    handler: Handler,
}

const fn route(method: &'static str, target: Target, sub: Option<&'static str>, handler: Handler) -> Route {
    Route { method, target, sub, handler }
}

static ROUTES: &[Route] = &[
    route("GET", Target::Service, None, bucket::list_buckets),
    route("PUT", Target::Bucket, None, bucket::create_bucket),
    route("HEAD", Target::Bucket, None, bucket::head_bucket),
    route("DELETE", Target::Bucket, None, bucket::delete_bucket),
    route("GET", Target::Bucket, None, bucket::list_objects),
    route("POST", Target::Bucket, Some("delete"), delete::delete_objects),
    route("GET", Target::Bucket, Some("uploads"), multipart_list::list_uploads),
    route("PUT", Target::Bucket, Some("versioning"), versioning::put_versioning),
    route("GET", Target::Bucket, Some("versioning"), versioning::get_versioning),
    route("GET", Target::Bucket, Some("versions"), versions_list::list_object_versions),
    // PUT with x-cos-copy-source is CopyObject; put_object hands it to copy.rs.
    route("PUT", Target::Object, None, object::put_object),
    route("GET", Target::Object, None, object::get_object),
    route("HEAD", Target::Object, None, object::head_object),
    route("DELETE", Target::Object, None, object::delete_object),
    // AppendObject: `?append&position=N` (`append` first, as COS routes on the first parameter).
    route("POST", Target::Object, Some("append"), append::append_object),
    route("POST", Target::Object, Some("uploads"), multipart::initiate),
    // UploadPart, and UploadPartCopy when x-cos-copy-source is present.
    route("PUT", Target::Object, Some("partNumber"), multipart::upload_part),
    route("GET", Target::Object, Some("uploadId"), multipart::list_parts),
    route("POST", Target::Object, Some("uploadId"), multipart::complete),
    route("DELETE", Target::Object, Some("uploadId"), multipart::abort),
    // Bucket configuration documents (config.rs), one PUT/GET/DELETE triple per sub-resource.
    // (`versioning` belongs to the versions work and gets its own rows.)
    route("GET", Target::Bucket, Some("location"), config::get_location),
    route("PUT", Target::Bucket, Some("acl"), acl::put_bucket_acl),
    route("GET", Target::Bucket, Some("acl"), acl::get_bucket_acl),
    route("PUT", Target::Object, Some("acl"), acl::put_object_acl),
    route("GET", Target::Object, Some("acl"), acl::get_object_acl),
    route("PUT", Target::Bucket, Some("tagging"), tagging::put_bucket_tagging),
    route("GET", Target::Bucket, Some("tagging"), tagging::get_bucket_tagging),
    route("DELETE", Target::Bucket, Some("tagging"), tagging::delete_bucket_tagging),
    route("PUT", Target::Object, Some("tagging"), tagging::put_object_tagging),
    route("GET", Target::Object, Some("tagging"), tagging::get_object_tagging),
    route("DELETE", Target::Object, Some("tagging"), tagging::delete_object_tagging),
    route("PUT", Target::Object, Some("symlink"), symlink::put_symlink),
    route("GET", Target::Object, Some("symlink"), symlink::get_symlink),
    route("POST", Target::Bucket, Some("inventory"), config::post_inventory),
    route("POST", Target::Object, Some("restore"), restore::restore_object),
    route("POST", Target::Object, Some("select"), select::select_object),
];

/// The configuration documents of `config::DOCS`: each takes PUT, GET and DELETE (the handler
/// refuses a DELETE the document does not have).
fn config_route(method: &str, target: Target, sub: Option<&str>) -> Option<Handler> {
    let sub = sub?;
    if target != Target::Bucket || !config::DOCS.iter().any(|d| d.sub == sub) {
        return None;
    }
    match method {
        "PUT" => Some(config::put_document),
        "GET" => Some(config::get_document),
        "DELETE" => Some(config::delete_document),
        _ => None,
    }
}

/// Query parameters that are arguments of the plain operations, not sub-resources. COS routes
/// on the first parameter; these never select a sub-resource.
fn is_plain_param(name: &str) -> bool {
    matches!(
        name,
        "prefix"
            | "delimiter"
            | "marker"
            | "max-keys"
            | "encoding-type"
            | "versionId"
            | "tagkey"
            | "tagvalue"
            | "region"
            | "create-time"
            | "range"
            | "key-marker"
            | "upload-id-marker"
            | "max-uploads"
            | "part-number-marker"
            | "max-parts"
            | "id"
            | "continuation-token"
            | "domainname"
            | "version-id-marker"
            | "select-type"
    ) || (name.starts_with("response-") && name != "response-control")
}

/// Authentication parameters of presigned URLs, skipped when looking for the sub-resource.
fn is_auth_param(name: &str) -> bool {
    name.starts_with("q-") || name == "x-cos-security-token"
}

/// The sub-resource a request addresses: its first parameter that is neither a plain argument
/// nor authentication. UploadPart is `partNumber` whichever of `partNumber`/`uploadId` comes
/// first (clients differ), so `uploadId` alone means ListParts/Complete/Abort.
pub fn sub_resource(query: &[(String, String)]) -> Option<&str> {
    let has = |name: &str| query.iter().any(|(k, _)| k == name);
    if has("partNumber") && has("uploadId") {
        return Some("partNumber");
    }
    query.iter().map(|(k, _)| k.as_str()).find(|k| !is_auth_param(k)).filter(|k| !is_plain_param(k))
}

/// (object key, sub-resource or "") of a request, for fault matching.
pub fn fault_target(req: &Request) -> (String, String) {
    let key = req.path.as_deref().and_then(|p| p.strip_prefix('/')).unwrap_or("").to_string();
    (key, sub_resource(&req.query).unwrap_or("").to_string())
}

/// (bucket, region) from a Host value. IP literals, `localhost` and `service.*` address the
/// service endpoint (ListBuckets).
pub fn parse_host(host: &str) -> (Option<String>, Option<String>) {
    let host = host.trim().to_ascii_lowercase();
    let name = match host.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h.to_string(),
        _ => host.clone(),
    };
    if name.is_empty()
        || name.starts_with('[')
        || name.parse::<IpAddr>().is_ok()
        || name == "localhost"
        || !name.contains('.')
        || name.starts_with("service.")
    {
        return (None, None);
    }
    let mut labels = name.split('.');
    let bucket = labels.next().map(str::to_string);
    let region = match (labels.next(), labels.next()) {
        (Some("cos" | "cos-internal"), Some(r)) if r != "accelerate" && !r.is_empty() => Some(r.to_string()),
        _ => None,
    };
    (bucket, region)
}

/// COS bucket names: `<name>-<appid>`, lower-case letters, digits and `-`, name part of 1 to 50
/// characters without a leading or trailing `-`, appid all digits.
pub fn valid_bucket_name(bucket: &str) -> bool {
    let Some((name, appid)) = bucket.rsplit_once('-') else {
        return false;
    };
    !appid.is_empty()
        && appid.bytes().all(|b| b.is_ascii_digit())
        && (1..=50).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The key after POSIX-style `.`/`..` resolution; COS (and the Python SDK's path_simplify_check)
/// refuse keys that resolve to nothing, since they would address the bucket itself.
fn key_resolves_to_root(key: &str) -> bool {
    let mut depth: Vec<&str> = Vec::new();
    for token in key.split('/') {
        match token {
            ".." => {
                depth.pop();
            }
            "" | "." => {}
            t => depth.push(t),
        }
    }
    depth.is_empty()
}

const MAX_KEY_BYTES: usize = 850;

fn dispatch(server: &Server, req: &Request, body: &mut BodyReader, now: u64) -> Result<Response, CosError> {
    let host_header = req
        .header("host")
        .ok_or_else(|| CosError::new(400, "InvalidRequest", "The Host header is required."))?
        .to_string();
    let path = req
        .path
        .clone()
        .filter(|p| p.starts_with('/'))
        .ok_or_else(|| CosError::new(400, "InvalidURI", "Couldn't parse the specified URI."))?;

    // A CORS preflight is never signed (browsers cannot sign it): it is answered before authentication.
    let preflight = req.method == "OPTIONS";
    if !preflight {
        auth::verify(&server.cfg, &server.issued, req, now)?;
    }

    let (bucket, host_region) = parse_host(&host_header);
    let target = match (&bucket, path.as_str()) {
        (None, "/") => Target::Service,
        (None, _) => {
            return Err(CosError::new(
                400,
                "InvalidURI",
                "The Host header names no bucket (expected <bucket>.cos.<region>.myqcloud.com).",
            ))
        }
        (Some(_), "/") => Target::Bucket,
        (Some(_), _) => Target::Object,
    };
    let key = path[1..].to_string();
    if target == Target::Object {
        if key.len() > MAX_KEY_BYTES {
            return Err(CosError::new(400, "KeyTooLong", "Your key is too long."));
        }
        if key_resolves_to_root(&key) {
            return Err(CosError::new(400, "InvalidURI", "The object key resolves to an empty path."));
        }
    }

    let sub = sub_resource(&req.query).map(str::to_string);
    let handler = if preflight && target != Target::Service {
        Some(cors::preflight as Handler)
    } else {
        ROUTES
            .iter()
            .find(|r| r.method == req.method && r.target == target && r.sub == sub.as_deref())
            .map(|r| r.handler)
            .or_else(|| config_route(&req.method, target, sub.as_deref()))
    };
    let Some(handler) = handler else {
        return Err(match sub {
            Some(s) => CosError::new(
                501,
                "NotImplemented",
                format!("The emulator does not implement {} ?{s} yet.", req.method),
            ),
            None => {
                CosError::new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
            }
        });
    };
    let ctx = Ctx { cfg: &server.cfg, store: &server.store, now, bucket: bucket.unwrap_or_default(), key, host_region };
    let mut resp = handler(&ctx, req, body)?;
    if !preflight && target != Target::Service {
        cors::decorate(&ctx, req, &mut resp);
    }
    Ok(resp)
}

pub fn parse_host_name(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    match host.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h.to_string(),
        _ => host,
    }
}

/// `host/path`, the Resource of an error body.
pub fn resource(req: &Request) -> String {
    format!("{}{}", parse_host_name(req.header("host").unwrap_or("")), req.raw_path)
}

/// Answer one COS request; never fails (errors become COS error responses). The caller adds
/// the common headers.
pub fn handle(server: &Server, req: &Request, body: &mut BodyReader, now: u64, request_id: &str) -> Response {
    match dispatch(server, req, body, now) {
        Ok(r) => r,
        Err(e) => error_response(&e, &resource(req), req.is_head(), request_id),
    }
}

/// `Server`, `Date` and (unless a fault drops it) `x-cos-request-id` on every response, in front
/// of the others.
pub fn add_common_headers(resp: &mut Response, request_id: Option<&str>, now: u64) {
    let mut common = vec![("Server".to_string(), "tencent-cos".to_string()), ("Date".to_string(), http_date(now))];
    if let Some(id) = request_id {
        common.push(("x-cos-request-id".to_string(), id.to_string()));
    }
    resp.headers.splice(0..0, common);
}

/// The COS error response: XML body (none for HEAD), `x-cos-trace-id`, plus any extra headers.
pub fn error_response(e: &CosError, resource: &str, head: bool, request_id: &str) -> Response {
    let trace_id = new_trace_id();
    // HEAD errors carry no body: clients read the code from the status and the ids from headers.
    let mut resp = if head {
        Response::new(e.status)
    } else {
        Response::xml(e.status, xml::error_body(e.code, &e.message, resource, request_id, &trace_id))
    };
    resp.push_header("x-cos-trace-id", trace_id);
    for (n, v) in &e.headers {
        resp.push_header(n, v.clone());
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let b = |h: &str| parse_host(h);
        assert_eq!(
            b("examplebucket-1250000000.cos.ap-beijing.myqcloud.com:8080"),
            (Some("examplebucket-1250000000".into()), Some("ap-beijing".into()))
        );
        assert_eq!(b("b-1.cos.ap-guangzhou.tencentcos.cn"), (Some("b-1".into()), Some("ap-guangzhou".into())));
        assert_eq!(b("b-1.cos.accelerate.myqcloud.com"), (Some("b-1".into()), None));
        assert_eq!(b("service.cos.myqcloud.com"), (None, None));
        assert_eq!(b("127.0.0.1:9000"), (None, None));
        assert_eq!(b("localhost:1"), (None, None));
        assert_eq!(b("[::1]:80"), (None, None));
    }

    #[test]
    fn bucket_names() {
        for ok in ["examplebucket-1250000000", "a-1", "a-b-1", "0a9-12", &format!("{}-1", "a".repeat(50))] {
            assert!(valid_bucket_name(ok), "{ok}");
        }
        for bad in [
            "nodash",
            "-1",
            "a-",
            "a-x1",
            "Upper-1",
            "-a-1",
            "a--1",
            "a_b-1",
            "a.b-1",
            &format!("{}-1", "a".repeat(51)),
            "",
        ] {
            assert!(!valid_bucket_name(bad), "{bad}");
        }
    }

    #[test]
    fn sub_resources() {
        let q = |items: &[&str]| -> Vec<(String, String)> {
            items.iter().map(|k| (k.to_string(), String::new())).collect()
        };
        assert_eq!(sub_resource(&q(&[])), None);
        assert_eq!(sub_resource(&q(&["prefix", "acl"])), None);
        assert_eq!(sub_resource(&q(&["acl"])), Some("acl"));
        assert_eq!(sub_resource(&q(&["q-sign-algorithm", "q-ak", "uploads"])), Some("uploads"));
        assert_eq!(sub_resource(&q(&["response-content-type", "versionId"])), None);
        assert_eq!(sub_resource(&q(&["delete"])), Some("delete"));
        assert_eq!(sub_resource(&q(&["uploadId", "partNumber"])), Some("partNumber"));
        assert_eq!(sub_resource(&q(&["partNumber", "uploadId"])), Some("partNumber"));
        assert_eq!(sub_resource(&q(&["uploadId", "part-number-marker", "max-parts"])), Some("uploadId"));
        assert_eq!(sub_resource(&q(&["prefix", "uploads"])), None);
        assert_eq!(sub_resource(&q(&["uploads", "prefix", "key-marker"])), Some("uploads"));
        assert_eq!(sub_resource(&q(&["append", "position"])), Some("append"));
        assert_eq!(sub_resource(&q(&["response-control"])), Some("response-control"));
        assert_eq!(sub_resource(&q(&["inventory", "id"])), Some("inventory"));
        assert_eq!(sub_resource(&q(&["intelligent-tiering", "id"])), Some("intelligent-tiering"));
        assert_eq!(sub_resource(&q(&["domaincertificate", "domainname"])), Some("domaincertificate"));
        assert_eq!(sub_resource(&q(&["versions", "prefix", "version-id-marker"])), Some("versions"));
        assert_eq!(sub_resource(&q(&["version-id-marker", "versions"])), None);
        assert_eq!(sub_resource(&q(&["restore", "versionId"])), Some("restore"));
        assert_eq!(sub_resource(&q(&["select", "select-type"])), Some("select"));
        assert_eq!(sub_resource(&q(&["select-type", "select"])), None, "COS routes on the first parameter");
    }

    #[test]
    fn keys_resolving_to_root() {
        for k in ["/", "./", "a/..", "a/../", ".", "//", "a/b/../.."] {
            assert!(key_resolves_to_root(k), "{k}");
        }
        for k in ["a", "a/", ".a", "a/..b", "../a", "..."] {
            assert!(!key_resolves_to_root(k), "{k}");
        }
    }
}
