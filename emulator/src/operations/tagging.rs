//! Tagging: `?tagging` on a bucket and on an object, PUT/GET/DELETE with
//! `<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>`, within COS's limits
//! (object 10 tags, bucket 50; key 1 to 128 characters, value up to 256; keys unique; else 400
//! InvalidTag). An object's tags are kept in the form `x-cos-tagging` gives them at upload
//! (`k1=v1&k2=v2`, URL-encoded), so tags set either way are the same tags and HEAD's
//! `x-cos-tagging-count` counts both. A bucket's tag set is stored as a normalized document.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::config::{child_text, children, parse_xml, read_document};
use crate::operations::router::Ctx;
use crate::xml::XmlWriter;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

pub const MAX_OBJECT_TAGS: usize = 10;
pub const MAX_BUCKET_TAGS: usize = 50;
const MAX_KEY_CHARS: usize = 128;
const MAX_VALUE_CHARS: usize = 256;
const MAX_DOCUMENT: usize = 64 * 1024;

/// Characters left as they are in the stored `k=v&...` form (RFC 3986 unreserved).
const TAG_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn invalid_tag(message: String) -> CosError {
    CosError::new(400, "InvalidTag", message)
}

/// COS's limits on one tag set.
pub fn check_tags(tags: &[(String, String)], max: usize) -> Result<(), CosError> {
    if tags.len() > max {
        return Err(invalid_tag(format!("At most {max} tags are allowed here; the request has {}.", tags.len())));
    }
    for (i, (k, v)) in tags.iter().enumerate() {
        let chars = k.chars().count();
        if chars == 0 || chars > MAX_KEY_CHARS {
            return Err(invalid_tag(format!("A tag key must have 1 to {MAX_KEY_CHARS} characters: {k:?}.")));
        }
        if v.chars().count() > MAX_VALUE_CHARS {
            return Err(invalid_tag(format!("A tag value may have at most {MAX_VALUE_CHARS} characters (key {k:?}).")));
        }
        if tags[..i].iter().any(|(other, _)| other == k) {
            return Err(invalid_tag(format!("Tag keys must be unique: {k:?} is repeated.")));
        }
    }
    Ok(())
}

/// The tags of a `<Tagging>` document, checked against `max`.
pub fn parse_tagging(bytes: &[u8], max: usize) -> Result<Vec<(String, String)>, CosError> {
    let doc = parse_xml(bytes, "Tagging")?;
    let mut tags = Vec::new();
    for set in children(doc.root_element(), "TagSet") {
        for tag in children(set, "Tag") {
            let key = child_text(tag, "Key").ok_or_else(|| CosError::malformed_xml("<Tag> without <Key>"))?;
            tags.push((key, child_text(tag, "Value").unwrap_or_default()));
        }
    }
    check_tags(&tags, max)?;
    Ok(tags)
}

/// `k1=v1&k2=v2`, URL-encoded: the form of `x-cos-tagging`.
pub fn to_query(tags: &[(String, String)]) -> String {
    tags.iter()
        .map(|(k, v)| format!("{}={}", utf8_percent_encode(k, TAG_ESCAPES), utf8_percent_encode(v, TAG_ESCAPES)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The tags of an `x-cos-tagging` value (`+` is a space, as in a form-encoded query).
pub fn from_query(q: &str) -> Vec<(String, String)> {
    let dec = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    q.split('&')
        .filter(|t| !t.is_empty())
        .map(|t| {
            let (k, v) = t.split_once('=').unwrap_or((t, ""));
            (dec(k), dec(v))
        })
        .collect()
}

/// The tags of an upload's `x-cos-tagging` (PUT, initiate, append, copy with Replaced), checked
/// like a PUT `?tagging` and kept in the same form.
pub fn upload_tagging(req: &Request) -> Result<Option<String>, CosError> {
    let Some(value) = req.header("x-cos-tagging") else {
        return Ok(None);
    };
    let tags = from_query(value);
    check_tags(&tags, MAX_OBJECT_TAGS)?;
    Ok((!tags.is_empty()).then(|| to_query(&tags)))
}

/// The tag set document for a bucket created with `x-cos-tagging` (None without tags).
pub fn creation_tags(req: &Request) -> Result<Option<Vec<u8>>, CosError> {
    let Some(value) = req.header("x-cos-tagging") else {
        return Ok(None);
    };
    let tags = from_query(value);
    check_tags(&tags, MAX_BUCKET_TAGS)?;
    Ok((!tags.is_empty()).then(|| tagging_document(&tags)))
}

pub fn tagging_document(tags: &[(String, String)]) -> Vec<u8> {
    let mut w = XmlWriter::new();
    w.open("Tagging").open("TagSet");
    for (k, v) in tags {
        w.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
    }
    w.close("TagSet").close("Tagging");
    w.finish()
}

fn version_id(req: &Request) -> Option<&str> {
    req.query_param("versionId")
}

pub fn put_object_tagging(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    ctx.store.object_for_subresource(&ctx.bucket, &ctx.key, version_id(req))?;
    let bytes = read_document(req, body, MAX_DOCUMENT, "XMLSizeLimit")?;
    let tags = parse_tagging(&bytes, MAX_OBJECT_TAGS)?;
    let stored = (!tags.is_empty()).then(|| to_query(&tags));
    ctx.store.update_object_meta(&ctx.bucket, &ctx.key, version_id(req), |m| {
        m.tagging = stored;
        Ok(())
    })?;
    Ok(Response::new(200))
}

/// An object without tags answers an empty TagSet (200), as COS does.
pub fn get_object_tagging(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let obj = ctx.store.object_for_subresource(&ctx.bucket, &ctx.key, version_id(req))?;
    let tags = obj.meta.tagging.as_deref().map(from_query).unwrap_or_default();
    Ok(Response::xml(200, tagging_document(&tags)))
}

pub fn delete_object_tagging(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    ctx.store.update_object_meta(&ctx.bucket, &ctx.key, version_id(req), |m| {
        m.tagging = None;
        Ok(())
    })?;
    Ok(Response::new(204))
}

pub fn put_bucket_tagging(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    ctx.store.with_bucket(&ctx.bucket, |_| ())?;
    let bytes = read_document(req, body, MAX_DOCUMENT, "XMLSizeLimit")?;
    let tags = parse_tagging(&bytes, MAX_BUCKET_TAGS)?;
    ctx.store.put_config(&ctx.bucket, "tagging", tagging_document(&tags))?;
    Ok(Response::new(200))
}

pub fn get_bucket_tagging(ctx: &Ctx, _req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    match ctx.store.get_config(&ctx.bucket, "tagging")? {
        Some(doc) => Ok(Response::xml(200, doc)),
        None => Err(CosError::new(404, "NoSuchTagSet", "The TagSet does not exist.")),
    }
}

pub fn delete_bucket_tagging(ctx: &Ctx, _req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    ctx.store.delete_config(&ctx.bucket, "tagging")?;
    Ok(Response::new(204))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(tags: &[(&str, &str)]) -> Vec<u8> {
        tagging_document(&tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>())
    }

    #[test]
    fn limits() {
        let code = |b: &[u8], max| parse_tagging(b, max).err().map(|e| e.code);
        assert_eq!(code(&doc(&[("a", "1"), ("b", "")]), 10), None);
        let ten: Vec<(String, String)> = (0..11).map(|i| (format!("k{i}"), "v".into())).collect();
        assert_eq!(code(&tagging_document(&ten), 10), Some("InvalidTag"));
        assert_eq!(code(&tagging_document(&ten), 50), None);
        assert_eq!(code(&doc(&[("", "v")]), 10), Some("InvalidTag"));
        assert_eq!(code(&doc(&[(&"k".repeat(128), &"v".repeat(256))]), 10), None);
        assert_eq!(code(&doc(&[(&"中".repeat(129), "v")]), 10), Some("InvalidTag"));
        assert_eq!(code(&doc(&[("k", &"v".repeat(257))]), 10), Some("InvalidTag"));
        assert_eq!(code(&doc(&[("k", "1"), ("k", "2")]), 10), Some("InvalidTag"));
        assert_eq!(code(b"<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>", 10), Some("MalformedXML"));
        assert_eq!(code(b"<Tags/>", 10), Some("MalformedXML"));
        assert_eq!(code(b"<Tagging><TagSet>", 10), Some("MalformedXML"));
    }

    #[test]
    fn upload_tags_are_the_same_tags_and_within_the_same_limits() {
        use crate::operations::object::put_object;
        use crate::operations::object::tests::{call, head, header, refused, try_call};
        let store = crate::storage::store::Store::memory();
        store.create_bucket("b-1", "r", 0).unwrap();
        call(&store, put_object, &[], &[("x-cos-tagging", "a=1&b=x+y")], b"d");
        assert_eq!(header(&head(&store), "x-cos-tagging-count"), Some("2"));
        let r = call(&store, get_object_tagging, &[("tagging", "")], &[], b"");
        let crate::http::wire::Body::Bytes(b) = &r.body else { panic!() };
        assert_eq!(parse_tagging(b, 10).unwrap(), vec![("a".into(), "1".into()), ("b".into(), "x y".into())]);
        let eleven: Vec<String> = (0..11).map(|i| format!("k{i}=v")).collect();
        let e = refused(try_call(&store, put_object, &[], &[("x-cos-tagging", &eleven.join("&"))], b"d"));
        assert_eq!((e.status, e.code), (400, "InvalidTag"));
        let e = refused(try_call(&store, put_object, &[], &[("x-cos-tagging", "a=1&a=2")], b"d"));
        assert_eq!(e.code, "InvalidTag");
        // PUT ?tagging replaces them; DELETE removes them; versions other than the current one are 404.
        call(&store, put_object_tagging, &[("tagging", "")], &[], &doc(&[("z", "9")]));
        assert_eq!(header(&head(&store), "x-cos-tagging-count"), Some("1"));
        call(&store, delete_object_tagging, &[("tagging", "")], &[], b"");
        assert_eq!(header(&head(&store), "x-cos-tagging-count"), None);
        let e = refused(try_call(&store, get_object_tagging, &[("tagging", ""), ("versionId", "v2")], &[], b""));
        assert_eq!((e.status, e.code), (404, "NoSuchVersion"));
        let e = refused(try_call(&store, get_bucket_tagging, &[("tagging", "")], &[], b""));
        assert_eq!((e.status, e.code), (404, "NoSuchTagSet"));
    }

    #[test]
    fn query_form_round_trip() {
        let tags = vec![("a b".to_string(), "x&y=z".to_string()), ("中".to_string(), String::new())];
        let q = to_query(&tags);
        assert_eq!(q, "a%20b=x%26y%3Dz&%E4%B8%AD=");
        assert_eq!(from_query(&q), tags);
        assert_eq!(from_query("k1=v+1&k2"), vec![("k1".into(), "v 1".into()), ("k2".into(), String::new())]);
    }
}
