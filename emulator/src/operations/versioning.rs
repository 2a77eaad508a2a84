//! Bucket versioning status: `PUT /?versioning` with `<VersioningConfiguration><Status>Enabled|
//! Suspended</Status></VersioningConfiguration>`, and `GET /?versioning`, which shows no Status for a
//! bucket that was never versioned (as COS does). What versioning does to writes and deletes is in
//! `storage/versions.rs`.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::router::Ctx;
use crate::storage::ingest::{bad_digest, expected_md5};
use crate::storage::versions::Versioning;
use crate::xml::XmlWriter;
use md5::{Digest as _, Md5};

const MAX_DOCUMENT: usize = 64 * 1024;

/// The status a `<VersioningConfiguration>` asks for. An empty body is 400 InvalidArgument (COS's
/// documented answer), any other status MalformedXML.
pub fn parse_versioning(body: &[u8]) -> Result<Versioning, CosError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(CosError::invalid_argument("The versioning configuration must not be empty."));
    }
    let text = std::str::from_utf8(body).map_err(|_| CosError::malformed_xml("body is not UTF-8"))?;
    let doc = roxmltree::Document::parse(text).map_err(CosError::malformed_xml)?;
    let root = doc.root_element();
    if root.tag_name().name() != "VersioningConfiguration" {
        return Err(CosError::malformed_xml("root element must be <VersioningConfiguration>"));
    }
    let status = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "Status")
        .map(|n| n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect::<String>())
        .ok_or_else(|| CosError::malformed_xml("<VersioningConfiguration> without <Status>"))?;
    Versioning::from_status(status.trim())
        .ok_or_else(|| CosError::malformed_xml(format!("Status must be Enabled or Suspended, got {status:?}")))
}

pub fn put_versioning(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    ctx.store.with_bucket(&ctx.bucket, |_| ())?;
    let expected = expected_md5(req)?;
    let document = body.read_small(MAX_DOCUMENT)?;
    if expected.is_some_and(|md5| md5 != <[u8; 16]>::from(Md5::digest(&document))) {
        return Err(bad_digest());
    }
    ctx.store.set_versioning(&ctx.bucket, parse_versioning(&document)?)?;
    Ok(Response::new(200))
}

pub fn get_versioning(ctx: &Ctx, _req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let status = ctx.store.versioning(&ctx.bucket)?.status();
    let mut w = XmlWriter::new();
    w.open("VersioningConfiguration");
    if let Some(s) = status {
        w.elem("Status", s);
    }
    w.close("VersioningConfiguration");
    Ok(Response::xml(200, w.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents() {
        let doc = |s: &str| format!("<VersioningConfiguration><Status>{s}</Status></VersioningConfiguration>");
        assert_eq!(parse_versioning(doc("Enabled").as_bytes()).ok(), Some(Versioning::Enabled));
        assert_eq!(parse_versioning(doc(" Suspended ").as_bytes()).ok(), Some(Versioning::Suspended));
        let code = |b: &[u8]| parse_versioning(b).err().map(|e| (e.status, e.code));
        assert_eq!(code(doc("enabled").as_bytes()), Some((400, "MalformedXML")));
        assert_eq!(code(doc("Disabled").as_bytes()), Some((400, "MalformedXML")));
        assert_eq!(code(b"<VersioningConfiguration/>"), Some((400, "MalformedXML")));
        assert_eq!(code(b"<Versioning><Status>Enabled</Status></Versioning>"), Some((400, "MalformedXML")));
        assert_eq!(code(b"<VersioningConfiguration>"), Some((400, "MalformedXML")));
        assert_eq!(code(b""), Some((400, "InvalidArgument")));
    }
}
