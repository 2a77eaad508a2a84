//! AppendObject (`POST /key?append&position=N`, cos-protocol.md §3.3): creates an appendable object,
//! or adds a body to the end of one. The body streams into storage like a PUT's (`storage/ingest.rs`);
//! the whole object's CRC-64 follows from the old one and the appended bytes' (`storage/crc.rs`).

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::object::{new_object_meta, push_sse_echo};
use crate::operations::router::Ctx;
use crate::storage::crc::crc64_combine;
use crate::storage::ingest;
use crate::storage::store::ObjectMeta;

/// COS's code for an append at a position other than the object's length (cos-protocol.md §3.3).
pub const POSITION_MISMATCH: &str = "AppendPositionErr";

/// Why an append at `position` is refused, given the object there now (None: no object yet, which
/// an append at 0 creates).
fn check_append(current: Option<&ObjectMeta>, position: u64) -> Result<(), CosError> {
    if current.is_some_and(|m| !m.appendable) {
        return Err(CosError::new(
            409,
            "ObjectNotAppendable",
            "The object is not appendable: only objects created by AppendObject can be appended to.",
        ));
    }
    let length = current.map_or(0, |m| m.size);
    if position != length {
        // The header tells the client where to continue, as on success.
        return Err(CosError::new(
            409,
            POSITION_MISMATCH,
            format!("Position {position} is not equal to the object's current length {length}."),
        )
        .with_header("x-cos-next-append-position", length.to_string()));
    }
    Ok(())
}

/// AppendObject (`POST /key?append&position=N`): creates an appendable object when there is none
/// and N is 0 (with the request's metadata), or adds the body to the end of an appendable object
/// whose length is N. Answers the next position and the ETag and CRC-64 of the whole object.
pub fn append_object(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    let position = req
        .query_param("position")
        .and_then(|p| p.parse::<u64>().ok())
        .ok_or_else(|| CosError::invalid_argument("AppendObject needs position=<non-negative integer>."))?;
    if !req.has_length() {
        return Err(CosError::new(411, "MissingContentLength", "You must provide the Content-Length HTTP header."));
    }
    // Refused before the body is read when possible; checked again under the store's lock below.
    let created = new_object_meta(ctx, req)?;
    let current = match ctx.store.head_object(&ctx.bucket, &ctx.key) {
        Ok(obj) => Some(obj),
        Err(e) if e.code == "NoSuchKey" => None,
        Err(e) => return Err(e),
    };
    check_append(current.as_ref().map(|o| &o.meta), position)?;
    let (staged, added) = ingest::receive(ctx, req, body)?;
    let now = ctx.now;
    let meta = ctx.store.append_object(&ctx.bucket, &ctx.key, staged, |current| {
        check_append(current, position)?;
        let base = current.cloned().unwrap_or(created);
        let size = base.size + added.size;
        let crc64 = crc64_combine(base.crc64, added.crc64, added.size);
        // An MD5 of the whole object would mean reading it all again: the ETag has the `--no-md5`
        // stand-in's shape instead (CRC-64 and size), and changes with every append.
        let etag = ingest::Digests { size, crc64, md5: None }.etag();
        Ok(ObjectMeta { size, crc64, etag, last_modified: now, appendable: true, ..base })
    })?;
    let mut resp = Response::new(200)
        .header("x-cos-next-append-position", meta.size.to_string())
        .header("ETag", meta.etag.clone())
        .header("x-cos-hash-crc64ecma", meta.crc64.to_string());
    push_sse_echo(&mut resp, &meta);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::object::put_object;
    use crate::operations::object::tests::{call, head, header, refused, try_call};
    use crate::storage::crc::crc64;
    use crate::storage::store::tests::read_object;
    use crate::storage::store::Store;

    fn append(store: &Store, position: u64, body: &[u8]) -> Result<Response, CosError> {
        let position = position.to_string();
        let meta = [("x-cos-meta-color", "blue"), ("Content-Type", "text/plain")];
        try_call(store, append_object, &[("append", ""), ("position", &position)], &meta, body)
    }

    /// Appends build the object, each answer giving the next position and the whole object's CRC.
    fn appends_build_the_object(store: &Store) {
        store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
        let mut whole = Vec::new();
        for chunk in [&b"hello "[..], b"appendable ", b"", b"world"] {
            let resp = append(store, whole.len() as u64, chunk).unwrap();
            whole.extend_from_slice(chunk);
            assert_eq!(resp.status, 200);
            assert_eq!(header(&resp, "x-cos-next-append-position"), Some(whole.len().to_string().as_str()));
            assert_eq!(header(&resp, "x-cos-hash-crc64ecma"), Some(crc64(&whole).to_string().as_str()));
            assert!(header(&resp, "ETag").is_some_and(|e| e.len() == 34), "{:?}", header(&resp, "ETag"));
        }
        assert_eq!(read_object(store, "b-1", "k"), whole);
        let resp = head(store);
        assert_eq!(header(&resp, "x-cos-object-type"), Some("appendable"));
        assert_eq!(header(&resp, "x-cos-meta-color"), Some("blue"), "the first append's metadata stays");
        assert_eq!(header(&resp, "Content-Type"), Some("text/plain"));
        assert_eq!(header(&resp, "x-cos-hash-crc64ecma"), Some(crc64(&whole).to_string().as_str()));
    }

    #[test]
    fn append_sequence_in_memory() {
        appends_build_the_object(&Store::memory());
    }

    #[test]
    fn append_sequence_on_disk_survives_reopen() {
        let dir = std::env::temp_dir().join(format!("cos-emulator-append-{}", crate::util::random_u64()));
        appends_build_the_object(&Store::open(&dir).unwrap());
        let store = Store::open(&dir).unwrap();
        assert_eq!(read_object(&store, "b-1", "k"), b"hello appendable world");
        assert!(store.head_object("b-1", "k").unwrap().meta.appendable);
        append(&store, 22, b"!").unwrap();
        assert_eq!(read_object(&store, "b-1", "k"), b"hello appendable world!");
        store.delete_object("b-1", "k").unwrap();
        assert_eq!(std::fs::read_dir(dir.join("buckets/b-1/blobs")).unwrap().count(), 0, "blobs left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn appendable_objects_stay_the_null_version_of_a_versioned_bucket() {
        use crate::storage::versions::Versioning;
        let store = Store::memory();
        store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
        store.set_versioning("b-1", Versioning::Enabled).unwrap();
        let v1 = call(&store, put_object, &[], &[], b"normal");
        let v1 = header(&v1, "x-cos-version-id").unwrap().to_string();
        store.delete_version("b-1", "k", None, 1).unwrap();
        for (position, chunk) in [(0, &b"ab"[..]), (2, b"cd")] {
            let resp = append(&store, position, chunk).unwrap();
            assert_eq!(header(&resp, "x-cos-version-id"), None, "no version for an append");
        }
        assert_eq!(read_object(&store, "b-1", "k"), b"abcd");
        let versions = store.with_bucket("b-1", |b| b.all_versions("k").count()).unwrap();
        assert_eq!(versions, 3, "the appendable null version, the marker, the first version");
        assert_eq!(store.head_version("b-1", "k", Some(&v1)).unwrap().meta.size, 6);
    }

    #[test]
    fn wrong_positions_and_normal_objects_are_refused() {
        let store = Store::memory();
        store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
        let e = refused(append(&store, 3, b"abc"));
        assert_eq!((e.status, e.code), (409, POSITION_MISMATCH), "no object: its length is 0");
        append(&store, 0, b"abc").unwrap();
        for position in [0, 2, 4] {
            let e = refused(append(&store, position, b"d"));
            assert_eq!((e.status, e.code), (409, POSITION_MISMATCH));
            assert!(e.message.contains("length 3"), "{}", e.message);
            assert_eq!(e.headers, vec![("x-cos-next-append-position".to_string(), "3".to_string())]);
        }
        assert_eq!(read_object(&store, "b-1", "k"), b"abc");
        let e = refused(try_call(&store, append_object, &[("append", "")], &[], b"x"));
        assert_eq!((e.status, e.code), (400, "InvalidArgument"), "the position is required");
        // A PUT over an appendable object makes a normal one, which cannot be appended to.
        call(&store, put_object, &[], &[], b"normal");
        assert_eq!(header(&head(&store), "x-cos-object-type"), None);
        let e = refused(append(&store, 6, b"x"));
        assert_eq!((e.status, e.code), (409, "ObjectNotAppendable"));
        assert_eq!(read_object(&store, "b-1", "k"), b"normal");
    }
}
