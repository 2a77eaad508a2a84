//! ACLs: `?acl` on a bucket and on an object. PUT takes a canned ACL (`x-cos-acl`), grant headers
//! (`x-cos-grant-read|write|read-acp|write-acp|full-control: id="qcs::cam::uin/1:uin/2",uri="..."`)
//! or an `<AccessControlPolicy>` body; GET answers the AccessControlPolicy COS shapes, with a
//! canned ACL expanded into its grants (owner FULL_CONTROL, plus AllUsers READ for public-read,
//! and WRITE as well for public-read-write). What is stored (an object's `ObjectMeta::acl`, a
//! bucket's `acl` document) is the canned name when that says it all, else the whole
//! AccessControlPolicy document. An object's `default` ACL (inherit the bucket's) is shown as
//! the owner's grant plus the response header `x-cos-acl: default`, which is how the Python SDK
//! recognises it.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::bucket::{owner_id, OWNER_UIN};
use crate::operations::config::{child_text, children, parse_xml, read_document};
use crate::operations::router::Ctx;
use crate::xml::{escape, DECLARATION};

const MAX_DOCUMENT: usize = 64 * 1024;
pub const ALL_USERS: &str = "http://cam.qcloud.com/groups/global/AllUsers";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const PERMISSIONS: &[&str] = &["READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"];
const GRANT_HEADERS: &[(&str, &str)] = &[
    ("x-cos-grant-read", "READ"),
    ("x-cos-grant-write", "WRITE"),
    ("x-cos-grant-read-acp", "READ_ACP"),
    ("x-cos-grant-write-acp", "WRITE_ACP"),
    ("x-cos-grant-full-control", "FULL_CONTROL"),
];

#[derive(Debug, Clone, PartialEq)]
pub enum Grantee {
    /// A CAM principal, `qcs::cam::uin/<owner>:uin/<sub>` (or `qcs::cam::anyone:anyone`).
    User(String),
    /// A group URI such as AllUsers.
    Group(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub grantee: Grantee,
    pub permission: String,
}

fn owner_grant() -> Grant {
    Grant { grantee: Grantee::User(owner_id()), permission: "FULL_CONTROL".into() }
}

/// The grants a canned ACL stands for; None for a name COS does not know (objects also accept
/// `default`).
pub fn canned_grants(name: &str, object: bool) -> Option<Vec<Grant>> {
    let all = |p: &str| Grant { grantee: Grantee::Group(ALL_USERS.into()), permission: p.into() };
    match name {
        "private" => Some(vec![owner_grant()]),
        "default" if object => Some(vec![owner_grant()]),
        "public-read" => Some(vec![owner_grant(), all("READ")]),
        "public-read-write" => Some(vec![owner_grant(), all("READ"), all("WRITE")]),
        _ => None,
    }
}

fn check_user_id(id: &str) -> Result<(), CosError> {
    if id.starts_with("qcs::cam::") && id.len() > "qcs::cam::".len() {
        Ok(())
    } else {
        Err(CosError::invalid_argument(format!("Invalid grantee id {id:?}: expected qcs::cam::uin/<uin>:uin/<uin>.")))
    }
}

/// One grant header: `id="..."` or `uri="..."` items separated by commas.
pub fn parse_grant_header(value: &str, permission: &str) -> Result<Vec<Grant>, CosError> {
    let bad =
        || CosError::invalid_argument(format!("Invalid grant header value {value:?}: expected id=\"...\" items."));
    let mut out = Vec::new();
    for item in value.split(',').map(str::trim) {
        let (kind, v) = item.split_once('=').ok_or_else(bad)?;
        let v = v.trim();
        let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
        if v.is_empty() {
            return Err(bad());
        }
        let grantee = match kind.trim().to_ascii_lowercase().as_str() {
            "id" => {
                check_user_id(v)?;
                Grantee::User(v.to_string())
            }
            "uri" => Grantee::Group(v.to_string()),
            _ => return Err(bad()),
        };
        out.push(Grant { grantee, permission: permission.to_string() });
    }
    Ok(out)
}

/// The grants of an `<AccessControlPolicy>` body. A grantee's type comes from `xsi:type` (or a
/// `<Type>` child, which the Python SDK's dict form produces), else from whether it has an ID or a URI.
pub fn parse_policy(bytes: &[u8]) -> Result<Vec<Grant>, CosError> {
    let doc = parse_xml(bytes, "AccessControlPolicy")?;
    let mut grants = Vec::new();
    for list in children(doc.root_element(), "AccessControlList") {
        for g in children(list, "Grant") {
            let grantee =
                children(g, "Grantee").next().ok_or_else(|| CosError::malformed_xml("<Grant> without <Grantee>"))?;
            let kind = grantee
                .attributes()
                .find(|a| a.name() == "type")
                .map(|a| a.value().to_string())
                .or_else(|| child_text(grantee, "Type"));
            let (id, uri) = (child_text(grantee, "ID"), child_text(grantee, "URI"));
            let grantee = match (kind.as_deref(), id, uri) {
                (Some("CanonicalUser") | None, Some(id), _) => {
                    check_user_id(id.trim())?;
                    Grantee::User(id.trim().to_string())
                }
                (Some("Group") | None, _, Some(uri)) => Grantee::Group(uri.trim().to_string()),
                _ => return Err(CosError::malformed_xml("a <Grantee> needs an ID (CanonicalUser) or a URI (Group)")),
            };
            let permission = child_text(g, "Permission").unwrap_or_default().trim().to_string();
            if !PERMISSIONS.contains(&permission.as_str()) {
                return Err(CosError::malformed_xml(format!("unknown Permission {permission:?}")));
            }
            grants.push(Grant { grantee, permission });
        }
    }
    Ok(grants)
}

/// The AccessControlPolicy document for `grants`, in COS's shape.
pub fn policy_document(grants: &[Grant]) -> String {
    let owner = owner_id();
    let mut s = format!(
        "{DECLARATION}<AccessControlPolicy><Owner><ID>{}</ID><DisplayName>{OWNER_UIN}</DisplayName></Owner><AccessControlList>",
        escape(&owner)
    );
    for g in grants {
        s.push_str("<Grant>");
        match &g.grantee {
            Grantee::User(id) => {
                let display = id.rsplit('/').next().unwrap_or(id);
                s.push_str(&format!(
                    "<Grantee xmlns:xsi=\"{XSI}\" xsi:type=\"CanonicalUser\"><ID>{}</ID><DisplayName>{}</DisplayName></Grantee>",
                    escape(id),
                    escape(display)
                ));
            }
            // No DisplayName for a group: the Python SDK recognises public-read by comparing
            // the grant with exactly {Type, URI}.
            Grantee::Group(uri) => s.push_str(&format!(
                "<Grantee xmlns:xsi=\"{XSI}\" xsi:type=\"Group\"><URI>{}</URI></Grantee>",
                escape(uri)
            )),
        }
        s.push_str(&format!("<Permission>{}</Permission></Grant>", escape(&g.permission)));
    }
    s.push_str("</AccessControlList></AccessControlPolicy>");
    s
}

/// The ACL a PUT `?acl` (or an upload's headers) asks for, in its stored form: the canned name
/// alone, or a whole AccessControlPolicy document. None when the request names no ACL at all.
pub fn requested_acl(req: &Request, body: &[u8], object: bool) -> Result<Option<String>, CosError> {
    if !body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Some(policy_document(&parse_policy(body)?)));
    }
    let canned = req.header("x-cos-acl").map(str::trim);
    let mut grants = match canned {
        None => Vec::new(),
        Some(name) => canned_grants(name, object)
            .ok_or_else(|| CosError::invalid_argument(format!("Invalid x-cos-acl: {name:?}")))?,
    };
    let mut extra = false;
    for (header, permission) in GRANT_HEADERS {
        if let Some(v) = req.header(header) {
            grants.extend(parse_grant_header(v, permission)?);
            extra = true;
        }
    }
    Ok(match (canned, extra) {
        (None, false) => None,
        (Some(name), false) => Some(name.to_string()),
        (_, true) => Some(policy_document(&grants)),
    })
}

/// A GET `?acl` answer for what is stored (None: private for a bucket, default for an object).
fn acl_response(stored: Option<&str>, object: bool) -> Response {
    let stored = stored.unwrap_or(if object { "default" } else { "private" });
    if stored.starts_with('<') {
        return Response::xml(200, stored.as_bytes().to_vec());
    }
    let grants = canned_grants(stored, object).unwrap_or_else(|| vec![owner_grant()]);
    let mut resp = Response::xml(200, policy_document(&grants).into_bytes());
    if object && stored == "default" {
        resp.push_header("x-cos-acl", "default");
    }
    resp
}

fn no_acl() -> CosError {
    CosError::invalid_argument("Specify an ACL with x-cos-acl, x-cos-grant-* headers or an AccessControlPolicy body.")
}

pub fn put_bucket_acl(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    ctx.store.with_bucket(&ctx.bucket, |_| ())?;
    let bytes = read_document(req, body, MAX_DOCUMENT, "XMLSizeLimit")?;
    let acl = requested_acl(req, &bytes, false)?.ok_or_else(no_acl)?;
    ctx.store.put_config(&ctx.bucket, "acl", acl.into_bytes())?;
    Ok(Response::new(200))
}

pub fn get_bucket_acl(ctx: &Ctx, _req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let stored = ctx.store.get_config(&ctx.bucket, "acl")?.map(|b| String::from_utf8_lossy(&b).into_owned());
    Ok(acl_response(stored.as_deref(), false))
}

pub fn put_object_acl(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    let version = req.query_param("versionId");
    ctx.store.object_for_subresource(&ctx.bucket, &ctx.key, version)?;
    let bytes = read_document(req, body, MAX_DOCUMENT, "XMLSizeLimit")?;
    let acl = requested_acl(req, &bytes, true)?.ok_or_else(no_acl)?;
    ctx.store.update_object_meta(&ctx.bucket, &ctx.key, version, |m| {
        m.acl = Some(acl);
        Ok(())
    })?;
    Ok(Response::new(200))
}

pub fn get_object_acl(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let obj = ctx.store.object_for_subresource(&ctx.bucket, &ctx.key, req.query_param("versionId"))?;
    Ok(acl_response(obj.meta.acl.as_deref(), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &Response) -> String {
        match &r.body {
            crate::http::wire::Body::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            _ => panic!("no body"),
        }
    }

    #[test]
    fn handlers() {
        use crate::operations::object::put_object;
        use crate::operations::object::tests::{call, header, refused, try_call};
        let store = crate::storage::store::Store::memory();
        store.create_bucket("b-1", "r", 0).unwrap();
        call(&store, put_object, &[], &[], b"d");
        let q = [("acl", "")];
        let r = call(&store, get_object_acl, &q, &[], b"");
        assert_eq!(header(&r, "x-cos-acl"), Some("default"));
        assert_eq!(parse_policy(body(&r).as_bytes()).unwrap(), vec![owner_grant()]);
        let other = r#"id="qcs::cam::uin/100000000001:uin/7""#;
        call(&store, put_object_acl, &q, &[("x-cos-acl", "public-read"), ("x-cos-grant-write-acp", other)], b"");
        let r = call(&store, get_object_acl, &q, &[], b"");
        assert_eq!(header(&r, "x-cos-acl"), None);
        let grants = parse_policy(body(&r).as_bytes()).unwrap();
        assert_eq!(grants.len(), 3);
        assert_eq!(
            grants[2],
            Grant { grantee: Grantee::User("qcs::cam::uin/100000000001:uin/7".into()), permission: "WRITE_ACP".into() }
        );
        assert!(body(&r).contains("<DisplayName>7</DisplayName>"));
        let e = refused(try_call(&store, put_object_acl, &q, &[], b""));
        assert_eq!((e.status, e.code), (400, "InvalidArgument"));
        let e = refused(try_call(&store, put_object_acl, &q, &[("x-cos-acl", "default")], b"<AccessControlPolicy>"));
        assert_eq!(e.code, "MalformedXML", "a body is read even with a canned header");
        // Buckets: private until set; `default` is only for objects.
        let r = call(&store, get_bucket_acl, &q, &[], b"");
        assert_eq!(parse_policy(body(&r).as_bytes()).unwrap(), vec![owner_grant()]);
        let e = refused(try_call(&store, put_bucket_acl, &q, &[("x-cos-acl", "default")], b""));
        assert_eq!(e.code, "InvalidArgument");
        call(&store, put_bucket_acl, &q, &[("x-cos-acl", "public-read-write")], b"");
        let r = call(&store, get_bucket_acl, &q, &[], b"");
        assert_eq!(parse_policy(body(&r).as_bytes()).unwrap(), canned_grants("public-read-write", false).unwrap());
    }

    #[test]
    fn grant_headers() {
        let g = parse_grant_header(r#"id="qcs::cam::uin/1:uin/2", uri="http://x/AllUsers""#, "READ").unwrap();
        assert_eq!(g[0].grantee, Grantee::User("qcs::cam::uin/1:uin/2".into()));
        assert_eq!(g[1].grantee, Grantee::Group("http://x/AllUsers".into()));
        for bad in ["", "id=\"\"", "name=\"x\"", "id=\"uin/1\"", "qcs::cam::uin/1:uin/1"] {
            assert_eq!(parse_grant_header(bad, "READ").unwrap_err().code, "InvalidArgument", "{bad:?}");
        }
    }

    #[test]
    fn documents_round_trip_through_the_parser() {
        let grants = canned_grants("public-read-write", false).unwrap();
        assert_eq!(grants.len(), 3);
        let doc = policy_document(&grants);
        assert_eq!(parse_policy(doc.as_bytes()).unwrap(), grants);
        assert!(canned_grants("default", false).is_none());
        assert!(canned_grants("default", true).is_some());
        assert!(canned_grants("authenticated-read", true).is_none());
        // The Python SDK's dict form: <Type> children instead of xsi:type.
        let sdk = b"<AccessControlPolicy><AccessControlList><Grant><Grantee><Type>CanonicalUser</Type><ID>qcs::cam::uin/1:uin/3</ID></Grantee><Permission>WRITE</Permission></Grant></AccessControlList></AccessControlPolicy>";
        assert_eq!(parse_policy(sdk).unwrap()[0].grantee, Grantee::User("qcs::cam::uin/1:uin/3".into()));
        let bad = b"<AccessControlPolicy><AccessControlList><Grant><Grantee><URI>u</URI></Grantee><Permission>ALL</Permission></Grant></AccessControlList></AccessControlPolicy>";
        assert_eq!(parse_policy(bad).unwrap_err().code, "MalformedXML");
    }
}
