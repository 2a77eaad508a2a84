//! Server-side encryption with a customer key (SSE-C), as far as a client can observe it: the
//! emulator stores no ciphertext, but it remembers the MD5 of the key an object was written with
//! and, like COS, serves the object (GET, HEAD, as a copy source) only to a request that presents
//! the same key. The key itself is never stored.
//!
//! A request presents a key with three headers under a prefix: `x-cos-` for the object it reads or
//! writes, `x-cos-copy-source-` for the source of a copy:
//! `…server-side-encryption-customer-algorithm: AES256`, `…-key: <base64 of 32 bytes>`,
//! `…-key-MD5: <base64 MD5 of the key>`.

use crate::error::CosError;
use crate::http::request::Request;
use crate::storage::store::ObjectMeta;
use base64::Engine;
use md5::{Digest, Md5};

/// The stored marker headers (echoed on writes and reads, as COS does).
pub const ALGORITHM: &str = "x-cos-server-side-encryption-customer-algorithm";
pub const KEY_MD5: &str = "x-cos-server-side-encryption-customer-key-MD5";

/// Prefixes under which a request presents a key.
pub const OBJECT: &str = "x-cos-";
pub const COPY_SOURCE: &str = "x-cos-copy-source-";

/// The MD5 (base64) of the key the request presents under `prefix`, validated; None for no key.
pub fn request_key(req: &Request, prefix: &str) -> Result<Option<String>, CosError> {
    let get = |suffix: &str| req.header(&format!("{prefix}server-side-encryption-customer-{suffix}"));
    let (algorithm, key, md5) = (get("algorithm"), get("key"), get("key-MD5"));
    if algorithm.is_none() && key.is_none() && md5.is_none() {
        return Ok(None);
    }
    let (Some(algorithm), Some(key), Some(md5)) = (algorithm, key, md5) else {
        return Err(CosError::invalid_argument(format!(
            "{prefix}server-side-encryption-customer-algorithm, -key and -key-MD5 must be given together."
        )));
    };
    if algorithm != "AES256" {
        return Err(CosError::invalid_argument(format!(
            "The encryption algorithm specified is not supported: {algorithm:?} (only AES256)."
        )));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw = b64.decode(key.trim()).ok().filter(|k| k.len() == 32).ok_or_else(|| {
        CosError::invalid_argument(format!(
            "{prefix}server-side-encryption-customer-key must be the base64 of a 256-bit key."
        ))
    })?;
    let computed = b64.encode(Md5::digest(&raw));
    if computed != md5.trim() {
        return Err(CosError::invalid_argument(format!(
            "The calculated MD5 hash of the key did not match the hash given in {prefix}server-side-encryption-customer-key-MD5."
        )));
    }
    Ok(Some(computed))
}

/// The headers an object written with `key_md5` stores.
pub fn meta_headers(key_md5: Option<String>) -> Vec<(String, String)> {
    match key_md5 {
        Some(md5) => vec![(ALGORITHM.to_string(), "AES256".to_string()), (KEY_MD5.to_string(), md5)],
        None => Vec::new(),
    }
}

/// Whether a stored header is one of the SSE-C markers (a copy does not inherit them: the copy is
/// encrypted with the key its request gives, or not at all).
pub fn is_marker(name: &str) -> bool {
    name.eq_ignore_ascii_case(ALGORITHM) || name.eq_ignore_ascii_case(KEY_MD5)
}

fn stored_key(meta: &ObjectMeta) -> Option<&str> {
    meta.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(KEY_MD5)).map(|(_, v)| v.as_str())
}

/// Refuses a read of `meta` unless the request presents the key it was written with (under
/// `prefix`): no key for an SSE-C object is 400 InvalidRequest, another key 403 AccessDenied, a key
/// for an object without one 400 InvalidRequest.
pub fn check_read(meta: &ObjectMeta, req: &Request, prefix: &str) -> Result<(), CosError> {
    let given = request_key(req, prefix)?;
    match (stored_key(meta), given.as_deref()) {
        (None, None) => Ok(()),
        (Some(stored), Some(given)) if stored == given => Ok(()),
        (Some(_), Some(_)) => Err(CosError::access_denied(format!(
            "The key given in {prefix}server-side-encryption-customer-key is not the one the object was encrypted with."
        ))),
        (Some(_), None) => Err(CosError::new(
            400,
            "InvalidRequest",
            format!(
                "The object was stored using server-side encryption with a customer key; the same key must be given in {prefix}server-side-encryption-customer-* to read it."
            ),
        )),
        (None, Some(_)) => Err(CosError::new(
            400,
            "InvalidRequest",
            format!("The object is not encrypted with a customer key; {prefix}server-side-encryption-customer-* does not apply."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::operations::object::tests::{call, header, refused, try_call};
    use crate::operations::object::{get_object, head_object, put_object};
    use crate::storage::store::Store;
    use base64::Engine;
    use md5::{Digest, Md5};

    fn key_headers(key: &[u8; 32]) -> [(&'static str, String); 3] {
        let b64 = base64::engine::general_purpose::STANDARD;
        [
            (super::ALGORITHM, "AES256".to_string()),
            ("x-cos-server-side-encryption-customer-key", b64.encode(key)),
            (super::KEY_MD5, b64.encode(Md5::digest(key))),
        ]
    }

    #[test]
    fn an_object_written_with_a_key_is_read_only_with_that_key() {
        let store = Store::memory();
        store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
        let key = key_headers(&[3; 32]);
        let with: Vec<(&str, &str)> = key.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let put = call(&store, put_object, &[], &with, b"secret");
        assert_eq!(header(&put, super::KEY_MD5), Some(key[2].1.as_str()), "the write echoes the key's MD5");
        assert_eq!(call(&store, get_object, &[], &with, b"").status, 200);
        assert_eq!(call(&store, head_object, &[], &with, b"").status, 200);
        let none = refused(try_call(&store, get_object, &[], &[], b""));
        assert_eq!((none.status, none.code), (400, "InvalidRequest"));
        let other = key_headers(&[4; 32]);
        let other: Vec<(&str, &str)> = other.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let wrong = refused(try_call(&store, head_object, &[], &other, b""));
        assert_eq!((wrong.status, wrong.code), (403, "AccessDenied"));
        // A key whose MD5 does not match, or a partial set of headers, is refused as an argument.
        let bad_md5 = [with[0], with[1], (super::KEY_MD5, other[2].1)];
        assert_eq!(refused(try_call(&store, get_object, &[], &bad_md5, b"")).code, "InvalidArgument");
        assert_eq!(refused(try_call(&store, get_object, &[], &with[..2], b"")).code, "InvalidArgument");
        // A plain object refuses a key.
        call(&store, put_object, &[], &[], b"plain");
        assert_eq!(refused(try_call(&store, get_object, &[], &with, b"")).code, "InvalidRequest");
    }
}
