//! Object versions: listing versions and delete markers page by page (`?versions`), and DeleteObjects with
//! a version id per key.

use super::object::md5_base64;
use super::Call;
use crate::client::Client;
use crate::config::normalize_key;
use crate::error::{Error, Result};
use crate::transport::{Body, Request, Target};
use crate::xml::{self, VersionDeleteResult, VersionList};

/// What to list with [`Client::list_object_versions`]. Empty strings mean "not set"; `max_keys` 0 means the
/// server default (1000). A page starts after (`key_marker`, `version_id_marker`): with only `key_marker`,
/// after every version of that key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionsParams {
    pub prefix: String,
    pub delimiter: String,
    pub key_marker: String,
    pub version_id_marker: String,
    pub max_keys: u32,
}

/// COS refuses more objects than this in one DeleteObjects request.
pub(crate) const DELETE_BATCH: usize = 1000;

impl Client {
    /// One page of versions and delete markers (GET Bucket Object versions). Names are requested
    /// URL-encoded, so any key survives XML, and decoded here. A truncated page always has its next markers.
    pub fn list_object_versions(&self, bucket: &str, params: &VersionsParams) -> Result<VersionList> {
        self.list_object_versions_in(&Call::new(self.config()), bucket, params)
    }

    pub(crate) fn list_object_versions_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        params: &VersionsParams,
    ) -> Result<VersionList> {
        let target = self.bucket(bucket)?;
        if !params.version_id_marker.is_empty() && params.key_marker.is_empty() {
            return Err(Error::invalid(
                "version_id_marker needs a key_marker: a version id is only a position within its key",
            ));
        }
        let mut req = Request::new("GET", target);
        req.query.push(("versions".into(), String::new()));
        for (name, value) in [
            ("prefix", &params.prefix),
            ("delimiter", &params.delimiter),
            ("key-marker", &params.key_marker),
            ("version-id-marker", &params.version_id_marker),
        ] {
            if !value.is_empty() {
                req.query.push((name.into(), value.clone()));
            }
        }
        if params.max_keys > 0 {
            req.query.push(("max-keys".into(), params.max_keys.to_string()));
        }
        req.query.push(("encoding-type".into(), "url".into()));
        // Built here rather than with `subresource_in` so that a parse error carries the answer's status and
        // request id, as the object listing's do.
        let mut list = call.xml(&self.transport, req, xml::parse_version_list)?;
        if list.is_truncated && list.next_key_marker.is_none() {
            // As for the object listing: a truncated page whose server left the markers out continues after
            // its last entry (a version, or a common prefix that sorts after it).
            let last = list.versions.last();
            let last_prefix = list.common_prefixes.last().filter(|p| last.is_none_or(|v| p.as_str() > v.key.as_str()));
            match (last, last_prefix) {
                (_, Some(p)) => list.next_key_marker = Some(p.clone()),
                (Some(v), None) => {
                    list.next_key_marker = Some(v.key.clone());
                    list.next_version_id_marker = Some(v.version_id.clone());
                }
                (None, None) => {}
            }
        }
        Ok(list)
    }

    /// Every page of a version listing, fetched lazily.
    pub fn list_object_versions_pages(&self, bucket: &str, params: VersionsParams) -> VersionPages<'_> {
        VersionPages { client: self, cursor: VersionCursor::new(bucket, params) }
    }

    /// Deletes object versions (DeleteObjects, in batches of 1000): each key with the version id to delete,
    /// or `None` for the current object (on a versioned bucket that makes a delete marker). With `quiet`,
    /// COS reports only failures. Keys COS could not delete are in the result's `errors`; the call itself
    /// fails only when a request fails.
    pub fn delete_object_versions(
        &self,
        bucket: &str,
        objects: &[(&str, Option<&str>)],
        quiet: bool,
    ) -> Result<VersionDeleteResult> {
        let target = self.bucket(bucket)?;
        let call = Call::new(self.config());
        self.delete_versions_in(&call, target, objects, quiet)
    }

    /// [`Client::delete_object_versions`] within `call`; every key and version id is checked before anything
    /// is sent, and an error carries every request the call sent.
    pub(crate) fn delete_versions_in(
        &self,
        call: &Call<'_>,
        target: Target<'_>,
        objects: &[(&str, Option<&str>)],
        quiet: bool,
    ) -> Result<VersionDeleteResult> {
        // The same key rules as single-object calls: a leading `/` is dropped, keys that address the bucket
        // are refused. An empty version id is a mistake, not "no version".
        let objects = objects
            .iter()
            .enumerate()
            .map(|(i, (key, version))| {
                let key = normalize_key(key).map_err(|e| e.context(&format!("keys[{i}]")))?;
                match version {
                    Some(v) if v.trim().is_empty() => Err(Error::invalid(format!(
                        "version_ids[{i}] is empty; give no version id (NULL, None) to delete the current object"
                    ))),
                    _ => Ok((key, *version)),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let mut result = VersionDeleteResult::default();
        for batch in objects.chunks(DELETE_BATCH) {
            let body = xml::delete_versions_body(batch, quiet);
            let mut req = Request::new("POST", target);
            req.query.push(("delete".into(), String::new()));
            req.headers.push(("Content-Type".into(), "application/xml".into()));
            req.headers.push(("Content-MD5".into(), md5_base64(body.as_bytes())));
            req.body = Body::Bytes(body.as_bytes());
            let page = call.xml(&self.transport, req, xml::parse_version_delete_result).map_err(|e| call.total(e))?;
            result.deleted.extend(page.deleted);
            result.errors.extend(page.errors);
        }
        Ok(result)
    }
}

/// Iterator over the pages of a version listing; see [`Client::list_object_versions_pages`].
pub struct VersionPages<'c> {
    client: &'c Client,
    cursor: VersionCursor,
}

impl Iterator for VersionPages<'_> {
    type Item = Result<VersionList>;

    fn next(&mut self) -> Option<Result<VersionList>> {
        self.cursor.next_page(self.client)
    }
}

/// Where a paged version listing stands, without holding the client (so the C ABI can keep one in a handle).
#[derive(Clone, Debug)]
pub struct VersionCursor {
    bucket: String,
    params: VersionsParams,
    done: bool,
}

impl VersionCursor {
    pub fn new(bucket: &str, params: VersionsParams) -> VersionCursor {
        VersionCursor { bucket: bucket.to_string(), params, done: false }
    }

    /// The next page, or `None` after the last page or after an error. Each page is a call of its own.
    pub fn next_page(&mut self, client: &Client) -> Option<Result<VersionList>> {
        self.next_page_in(client, &Call::new(client.config()))
    }

    pub(crate) fn next_page_in(&mut self, client: &Client, call: &Call<'_>) -> Option<Result<VersionList>> {
        if self.done {
            return None;
        }
        let page = match client.list_object_versions_in(call, &self.bucket, &self.params) {
            Ok(p) => p,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        self.done = true;
        if page.is_truncated {
            let key = page.next_key_marker.clone().unwrap_or_default();
            let version = page.next_version_id_marker.clone().unwrap_or_default();
            // Keys only go forward; within one key the version id must change. Anything else would list the
            // same page for ever.
            let (old_key, old_version) = (&self.params.key_marker, &self.params.version_id_marker);
            let advances = key > *old_key || (key == *old_key && !key.is_empty() && version != *old_version);
            if !advances {
                let e = Error::parse(format!(
                    "the version listing is truncated but its next markers (key {key:?}, version id {version:?}) \
                     do not advance past (key {old_key:?}, version id {old_version:?})"
                ));
                return Some(Err(call.total(e)));
            }
            self.params.key_marker = key;
            self.params.version_id_marker = version;
            self.done = false;
        }
        Some(Ok(page))
    }
}
