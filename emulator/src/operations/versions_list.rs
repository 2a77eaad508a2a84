//! ListObjectVersions: `GET /?versions` with prefix, delimiter, key-marker, version-id-marker,
//! max-keys (default and maximum 1000) and encoding-type=url. Keys come in byte order and each
//! key's versions newest first; paging works like S3: the page after (key-marker,
//! version-id-marker) starts with the version after that one, or with the next key when no
//! version-id-marker is given. Common prefixes count against max-keys like one entry.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::bucket::{bucket_appid, int_param};
use crate::operations::multipart::url_encoding;
use crate::operations::router::Ctx;
use crate::storage::store::Bucket;
use crate::storage::versions::Found;
use crate::util::{iso8601, listing_encode};
use crate::xml::XmlWriter;
use std::ops::Bound;

const MAX_KEYS: usize = 1000;

pub struct VersionParams<'a> {
    pub prefix: &'a str,
    pub delimiter: &'a str,
    pub key_marker: &'a str,
    pub version_id_marker: &'a str,
    pub max_keys: usize,
}

pub enum Entry<'a> {
    Version { key: &'a str, found: Found<'a>, latest: bool },
    Prefix(String),
}

pub struct VersionPage<'a> {
    pub entries: Vec<Entry<'a>>,
    pub truncated: bool,
    /// The last key (or common prefix) and version id returned, when truncated.
    pub next: Option<(String, String)>,
}

fn id_of<'a>(found: &Found<'a>) -> &'a str {
    match found {
        Found::Object(o) => &o.meta.version_id,
        Found::Marker(m) => &m.version_id,
    }
}

/// Every key with a version, from `start`, in byte order, while it has `prefix`.
fn keys_from<'a>(b: &'a Bucket, start: Bound<&str>, prefix: &str) -> Vec<&'a str> {
    let range = (start, Bound::Unbounded);
    let mut keys: Vec<&str> = b
        .objects
        .range::<str, _>(range)
        .map(|(k, _)| k.as_str())
        .take_while(|k| k.starts_with(prefix))
        .chain(b.versions.range::<str, _>(range).map(|(k, _)| k.as_str()).take_while(|k| k.starts_with(prefix)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

pub fn list_versions<'a>(b: &'a Bucket, p: &VersionParams) -> VersionPage<'a> {
    let mut page = VersionPage { entries: Vec::new(), truncated: false, next: None };
    let resume_inside = !p.key_marker.is_empty() && !p.version_id_marker.is_empty();
    let start = if p.key_marker < p.prefix {
        Bound::Included(p.prefix)
    } else if resume_inside {
        Bound::Included(p.key_marker)
    } else {
        Bound::Excluded(p.key_marker)
    };
    let mut last: Option<(String, String)> = None;
    'keys: for key in keys_from(b, start, p.prefix) {
        let rest = &key[p.prefix.len()..];
        let common = (!p.delimiter.is_empty())
            .then(|| rest.find(p.delimiter).map(|i| &key[..p.prefix.len() + i + p.delimiter.len()]))
            .flatten();
        if let Some(cp) = common {
            let repeated = matches!(page.entries.last(), Some(Entry::Prefix(l)) if l == cp);
            if repeated || cp <= p.key_marker {
                continue;
            }
            if page.entries.len() == p.max_keys {
                page.truncated = true;
                break;
            }
            page.entries.push(Entry::Prefix(cp.to_string()));
            last = Some((cp.to_string(), String::new()));
            continue;
        }
        let mut versions: Vec<(usize, Found)> = b.all_versions(key).enumerate().collect();
        if resume_inside && key == p.key_marker {
            match versions.iter().position(|(_, f)| id_of(f) == p.version_id_marker) {
                Some(i) => {
                    versions.drain(..=i);
                }
                None => continue,
            }
        }
        for (i, found) in versions {
            if page.entries.len() == p.max_keys {
                page.truncated = true;
                break 'keys;
            }
            last = Some((key.to_string(), id_of(&found).to_string()));
            page.entries.push(Entry::Version { key, found, latest: i == 0 });
        }
    }
    if page.truncated {
        page.next = last;
    }
    page
}

pub fn list_object_versions(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let param = |name: &str| req.query_param(name).unwrap_or("");
    let params = VersionParams {
        prefix: param("prefix"),
        delimiter: param("delimiter"),
        key_marker: param("key-marker"),
        version_id_marker: param("version-id-marker"),
        max_keys: int_param(req, "max-keys", MAX_KEYS)?.min(MAX_KEYS),
    };
    let url = url_encoding(req)?;
    let enc = |s: &str| if url { listing_encode(s) } else { s.to_string() };
    let appid = bucket_appid(&ctx.bucket);
    let body = ctx.store.with_bucket(&ctx.bucket, |b| {
        let page = list_versions(b, &params);
        let mut w = XmlWriter::new();
        w.open("ListVersionsResult").elem("Name", &ctx.bucket);
        if url {
            w.elem("EncodingType", "url");
        }
        w.elem("Prefix", &enc(params.prefix))
            .elem("KeyMarker", &enc(params.key_marker))
            .elem("VersionIdMarker", &enc(params.version_id_marker))
            .elem("MaxKeys", &params.max_keys.to_string());
        if !params.delimiter.is_empty() {
            w.elem("Delimiter", &enc(params.delimiter));
        }
        w.elem("IsTruncated", if page.truncated { "true" } else { "false" });
        if let Some((key, id)) = &page.next {
            w.elem("NextKeyMarker", &enc(key)).elem("NextVersionIdMarker", &enc(id));
        }
        let mut prefixes = Vec::new();
        for entry in &page.entries {
            let (key, found, latest) = match entry {
                Entry::Prefix(cp) => {
                    prefixes.push(cp);
                    continue;
                }
                Entry::Version { key, found, latest } => (key, found, latest),
            };
            let latest = if *latest { "true" } else { "false" };
            match found {
                Found::Object(o) => {
                    let m = &o.meta;
                    w.open("Version")
                        .elem("Key", &enc(key))
                        .elem("VersionId", &m.version_id)
                        .elem("IsLatest", latest)
                        .elem("LastModified", &iso8601(m.last_modified))
                        .elem("ETag", &m.etag)
                        .elem("Size", &m.size.to_string())
                        .elem("StorageClass", &m.storage_class);
                    w.open("Owner").elem("ID", appid).elem("DisplayName", appid).close("Owner");
                    w.close("Version");
                }
                Found::Marker(mk) => {
                    w.open("DeleteMarker")
                        .elem("Key", &enc(key))
                        .elem("VersionId", &mk.version_id)
                        .elem("IsLatest", latest)
                        .elem("LastModified", &iso8601(mk.last_modified));
                    w.open("Owner").elem("ID", appid).elem("DisplayName", appid).close("Owner");
                    w.close("DeleteMarker");
                }
            }
        }
        for cp in prefixes {
            w.open("CommonPrefixes").elem("Prefix", &enc(cp)).close("CommonPrefixes");
        }
        w.close("ListVersionsResult");
        w.finish()
    })?;
    Ok(Response::xml(200, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::store::tests::{meta, stage};
    use crate::storage::store::Store;
    use crate::storage::versions::Versioning;

    /// (key, version id, is marker, is latest) or ("<prefix>", "", ..) per entry, and the next markers.
    type Row = (String, String, bool, bool);

    fn page(store: &Store, p: &VersionParams) -> (Vec<Row>, Option<(String, String)>) {
        store
            .with_bucket("b-1", |b| {
                let page = list_versions(b, p);
                let rows = page
                    .entries
                    .iter()
                    .map(|e| match e {
                        Entry::Prefix(cp) => (cp.clone(), String::new(), false, false),
                        Entry::Version { key, found, latest } => {
                            (key.to_string(), id_of(found).to_string(), matches!(found, Found::Marker(_)), *latest)
                        }
                    })
                    .collect();
                (rows, page.next)
            })
            .unwrap()
    }

    fn params<'a>(prefix: &'a str, delimiter: &'a str, km: &'a str, vm: &'a str, max: usize) -> VersionParams<'a> {
        VersionParams { prefix, delimiter, key_marker: km, version_id_marker: vm, max_keys: max }
    }

    #[test]
    fn pages_walk_every_version_once_in_order() {
        let store = Store::memory();
        store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
        store.put_object("b-1", "a", meta(1), stage(&store, b"0")).unwrap();
        store.set_versioning("b-1", Versioning::Enabled).unwrap();
        for key in ["b", "a", "dir/x", "b", "a"] {
            store.put_object("b-1", key, meta(1), stage(&store, b"1")).unwrap();
        }
        store.delete_version("b-1", "b", None, 5).unwrap();
        let (all, next) = page(&store, &params("", "", "", "", 1000));
        assert!(next.is_none());
        let keys: Vec<&str> = all.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(keys, ["a", "a", "a", "b", "b", "b", "dir/x"]);
        assert_eq!(all[2].1, "null", "the pre-versioning object is a's oldest");
        assert!(all[3].2 && all[3].3, "b's latest is its delete marker");
        assert_eq!(all.iter().filter(|r| r.3).count(), 3, "one latest per key");
        // Pages of 2 (and of 1) return the same sequence.
        for size in [1, 2, 3] {
            let mut walked = Vec::new();
            let (mut km, mut vm) = (String::new(), String::new());
            loop {
                let (rows, next) = page(&store, &params("", "", &km, &vm, size));
                assert!(rows.len() <= size);
                walked.extend(rows);
                match next {
                    Some((k, v)) => (km, vm) = (k, v),
                    None => break,
                }
            }
            assert_eq!(walked, all, "pages of {size}");
        }
        // A key marker alone skips all of that key's versions.
        let (rows, _) = page(&store, &params("", "", "a", "", 1000));
        assert_eq!(rows[0].0, "b");
        // Delimiter and prefix.
        let (rows, _) = page(&store, &params("", "/", "", "", 1000));
        assert_eq!(rows.last().map(|r| r.0.as_str()), Some("dir/"));
        assert_eq!(rows.len(), 7);
        let (rows, _) = page(&store, &params("dir/", "/", "", "", 1000));
        assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["dir/x"]);
        let (rows, next) = page(&store, &params("", "/", "b", "", 1));
        assert_eq!((rows[0].0.as_str(), next), ("dir/", None));
    }
}
