//! Symbolic links (PUT / GET `/<key>?symlink`): an empty object whose `x-cos-symlink-target` header names
//! another key of the bucket. COS does not check that the target exists.

use super::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;
use crate::transport::Request;

pub(crate) const TARGET_HEADER: &str = "x-cos-symlink-target";

/// The target travels as a raw header value, as the Python SDK sends it: COS documents no encoding for it,
/// so a target that a header cannot carry unchanged (non-ASCII, controls) is refused rather than sent in
/// a form that other clients would read back differently.
fn check_target(target: &str) -> Result<()> {
    if target.trim().is_empty() {
        return Err(Error::invalid("put_symlink: the target key must not be empty"));
    }
    if let Some(c) = target.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
        return Err(Error::invalid(format!(
            "put_symlink: the target {target:?} contains {c:?}; x-cos-symlink-target carries printable ASCII \
             only (COS defines no encoding for it)"
        )));
    }
    Ok(())
}

impl Client {
    /// Makes `key` a symbolic link to `target` (another key of the same bucket). `opts` may carry the link's
    /// metadata, ACL, storage class and tags, as for a PUT.
    pub fn put_symlink(&self, bucket: &str, key: &str, target: &str, opts: &RequestOptions) -> Result<ObjectInfo> {
        check_target(target)?;
        let mut req = Request::new("PUT", self.object(bucket, key)?);
        req.query.push(("symlink".into(), String::new()));
        req.query.extend(opts.query.iter().cloned());
        req.headers = opts.headers.clone();
        req.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(TARGET_HEADER));
        req.headers.push((TARGET_HEADER.into(), target.to_string()));
        let (headers, _) = Call::new(self.config()).send(&self.transport, req)?.text()?;
        Ok(ObjectInfo { headers })
    }

    /// The target of the symbolic link `key` (`opts` may name a version with `version_id`). An object that
    /// is not a link is the service error COS answers with.
    pub fn get_symlink(&self, bucket: &str, key: &str, opts: &RequestOptions) -> Result<String> {
        let mut req = Request::new("GET", self.object(bucket, key)?);
        req.query.push(("symlink".into(), String::new()));
        req.query.extend(opts.query.iter().cloned());
        req.headers = opts.headers.clone();
        let (headers, _) = Call::new(self.config()).send(&self.transport, req)?.text()?;
        match headers.get(TARGET_HEADER) {
            Some(t) if !t.is_empty() => Ok(t.to_string()),
            _ => Err(Error::parse("the GetSymlink answer has no x-cos-symlink-target header")),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn targets_a_header_can_carry() {
        super::check_target("dir/a b+c~.txt").unwrap();
        for bad in ["", " ", "中文", "a\r\nb", "tab\there"] {
            assert!(super::check_target(bad).is_err(), "{bad:?}");
        }
    }
}
