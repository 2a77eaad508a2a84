//! Symbolic links: `PUT /<key>?symlink` with `x-cos-symlink-target` (and no body) makes an empty
//! object that names its target; `GET /<key>?symlink` answers 200 with that header. The target
//! need not exist. A plain GET or HEAD of the link is not followed: it returns the link itself
//! (no bytes) with its `x-cos-symlink-target` header.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::object::{new_object_meta, push_version_header};
use crate::operations::router::Ctx;
use crate::storage::ingest;

pub const TARGET_HEADER: &str = "x-cos-symlink-target";

pub fn put_symlink(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    let target = req.header(TARGET_HEADER).map(str::trim).unwrap_or("");
    if target.is_empty() {
        return Err(CosError::invalid_argument("The x-cos-symlink-target header is required."));
    }
    if body.declared_len().is_some_and(|n| n > 0) {
        return Err(CosError::invalid_argument("A symlink request has no body."));
    }
    let mut meta = new_object_meta(ctx, req)?;
    meta.headers.push((TARGET_HEADER.to_string(), target.to_string()));
    ctx.store.with_bucket(&ctx.bucket, |_| ())?;
    let (staged, digests) = ingest::receive(ctx, req, body)?;
    meta.size = digests.size;
    meta.etag = digests.etag();
    meta.crc64 = digests.crc64;
    meta.version_id = ctx.store.put_object(&ctx.bucket, &ctx.key, meta.clone(), staged)?;
    let mut resp = Response::new(200).header("ETag", meta.etag.clone());
    push_version_header(&mut resp, &meta);
    Ok(resp)
}

pub fn get_symlink(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let obj = ctx.store.object_for_subresource(&ctx.bucket, &ctx.key, req.query_param("versionId"))?;
    let target = obj.meta.headers.iter().find(|(n, _)| n == TARGET_HEADER).map(|(_, v)| v.clone());
    match target {
        Some(t) => Ok(Response::new(200).header(TARGET_HEADER, t)),
        // Unverified against COS, which documents no code for it.
        None => Err(CosError::invalid_argument("The object is not a symlink.")),
    }
}
