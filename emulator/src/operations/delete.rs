//! DeleteObjects: `POST /?delete` with a `<Delete>` document (at most 1000 keys).

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::router::Ctx;
use crate::storage::ingest::{bad_digest, expected_md5};
use crate::xml::XmlWriter;
use md5::{Digest as _, Md5};

const MAX_KEYS: usize = 1000;
/// 1000 keys of up to 850 bytes, escaped, fit well within this.
const MAX_DOCUMENT: usize = 4 * 1024 * 1024;

pub struct DeleteRequest {
    pub quiet: bool,
    /// Each object's key and, with `<VersionId>`, the version to remove.
    pub keys: Vec<(String, Option<String>)>,
}

/// All text inside an element (roxmltree splits text around entities and CDATA).
fn text_of(node: roxmltree::Node) -> String {
    node.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect()
}

/// Parse the request document. roxmltree rejects DOCTYPE declarations by default, which rules
/// out entity-expansion tricks.
pub fn parse_delete(body: &[u8]) -> Result<DeleteRequest, CosError> {
    let text = std::str::from_utf8(body).map_err(|_| CosError::malformed_xml("body is not UTF-8"))?;
    let doc = roxmltree::Document::parse(text).map_err(CosError::malformed_xml)?;
    let root = doc.root_element();
    if root.tag_name().name() != "Delete" {
        return Err(CosError::malformed_xml("root element must be <Delete>"));
    }
    let mut req = DeleteRequest { quiet: false, keys: Vec::new() };
    for child in root.children().filter(|n| n.is_element()) {
        match child.tag_name().name() {
            "Quiet" => req.quiet = text_of(child).trim().eq_ignore_ascii_case("true"),
            "Object" => {
                let field = |name: &str| child.children().find(|n| n.is_element() && n.tag_name().name() == name);
                let key = field("Key").ok_or_else(|| CosError::malformed_xml("<Object> without <Key>"))?;
                let version = field("VersionId").map(text_of).filter(|v| !v.trim().is_empty());
                req.keys.push((text_of(key), version.map(|v| v.trim().to_string())));
            }
            _ => {}
        }
    }
    if req.keys.is_empty() {
        return Err(CosError::malformed_xml("no <Object> to delete"));
    }
    if req.keys.len() > MAX_KEYS {
        return Err(CosError::malformed_xml(format!("at most {MAX_KEYS} objects per request")));
    }
    Ok(req)
}

pub fn delete_objects(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    ctx.store.with_bucket(&ctx.bucket, |_| ())?;
    let expected = expected_md5(req)?;
    let document = body.read_small(MAX_DOCUMENT)?;
    if expected.is_some_and(|md5| md5 != <[u8; 16]>::from(Md5::digest(&document))) {
        return Err(bad_digest());
    }
    let parsed = parse_delete(&document)?;

    let mut w = XmlWriter::new();
    w.open("DeleteResult");
    for (key, version) in &parsed.keys {
        let result = if key.is_empty() {
            Err(CosError::invalid_argument("The object key must not be empty."))
        } else {
            ctx.store.delete_version(&ctx.bucket, key, version.as_deref(), ctx.now)
        };
        match result {
            Ok(_) if parsed.quiet => {}
            Ok(d) => {
                w.open("Deleted").elem("Key", key);
                // As COS: the version asked for; for a marker created, its id apart.
                match (version, d.delete_marker) {
                    (Some(v), true) => {
                        w.elem("VersionId", v).elem("DeleteMarker", "true").elem("DeleteMarkerVersionId", v);
                    }
                    (Some(v), false) => {
                        w.elem("VersionId", v);
                    }
                    (None, true) => {
                        let id = d.version_id.as_deref().unwrap_or("");
                        w.elem("DeleteMarker", "true").elem("DeleteMarkerVersionId", id);
                    }
                    (None, false) => {}
                }
                w.close("Deleted");
            }
            Err(e) => {
                w.open("Error").elem("Key", key);
                if let Some(v) = version {
                    w.elem("VersionId", v);
                }
                w.elem("Code", e.code).elem("Message", &e.message).close("Error");
            }
        }
    }
    w.close("DeleteResult");
    Ok(Response::xml(200, w.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quiet_and_keys() {
        let d = parse_delete(
            b"<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key><![CDATA[x<y]]></Key><VersionId>v</VersionId></Object></Delete>",
        )
        .ok()
        .unwrap();
        assert!(d.quiet);
        assert_eq!(d.keys, vec![("a&b".to_string(), None), ("x<y".to_string(), Some("v".to_string()))]);
    }

    #[test]
    fn rejects_bad_documents() {
        let code = |b: &[u8]| parse_delete(b).err().map(|e| e.code);
        assert_eq!(code(b"<Delete><Object><Key>a</Key></Object>"), Some("MalformedXML"));
        assert_eq!(code(b"<Other/>"), Some("MalformedXML"));
        assert_eq!(code(b"<Delete><Quiet>false</Quiet></Delete>"), Some("MalformedXML"));
        assert_eq!(code(b"<Delete><Object></Object></Delete>"), Some("MalformedXML"));
        assert_eq!(
            code(b"<!DOCTYPE d [<!ENTITY x \"y\">]><Delete><Object><Key>&x;</Key></Object></Delete>"),
            Some("MalformedXML")
        );
        let many = format!("<Delete>{}</Delete>", "<Object><Key>k</Key></Object>".repeat(1001));
        assert_eq!(code(many.as_bytes()), Some("MalformedXML"));
        let max = format!("<Delete>{}</Delete>", "<Object><Key>k</Key></Object>".repeat(1000));
        assert!(parse_delete(max.as_bytes()).is_ok());
    }
}
