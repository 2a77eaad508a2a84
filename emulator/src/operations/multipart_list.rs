//! ListMultipartUploads (`GET /?uploads`): uploads in progress ordered by key, then initiation
//! (upload ids sort that way, see `multipart::new_upload_id`), with prefix, delimiter, key and
//! upload-id markers and max-uploads. The paging is kept free of HTTP and XML for unit tests.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::bucket::{int_param, owner_id, OWNER_UIN};
use crate::operations::multipart::url_encoding;
use crate::operations::router::Ctx;
use crate::util::{iso8601, listing_encode};
use crate::xml::XmlWriter;

const MAX_UPLOADS: usize = 1000;

pub struct Params<'a> {
    pub prefix: &'a str,
    /// Empty means no delimiter.
    pub delimiter: &'a str,
    pub key_marker: &'a str,
    pub upload_id_marker: &'a str,
    pub max_uploads: usize,
}

pub struct Page<'a, T> {
    pub uploads: Vec<&'a T>,
    pub common_prefixes: Vec<String>,
    pub truncated: bool,
    /// The last key (or common prefix) and upload id returned, when truncated.
    pub next_key: String,
    pub next_upload_id: String,
}

/// `entries` are (key, upload id, value), sorted by key then id. Past the markers means: a key
/// after key-marker, or key-marker's own uploads with an id after upload-id-marker (S3/COS rule).
/// A common prefix counts against max-uploads like one upload.
pub fn page<'a, T>(entries: &[(&'a str, &'a str, &'a T)], p: &Params) -> Page<'a, T> {
    let mut out = Page {
        uploads: Vec::new(),
        common_prefixes: Vec::new(),
        truncated: false,
        next_key: String::new(),
        next_upload_id: String::new(),
    };
    if p.max_uploads == 0 {
        return out;
    }
    let (mut count, mut last) = (0usize, (String::new(), String::new()));
    for &(key, id, value) in entries {
        let after_markers = p.key_marker.is_empty()
            || key > p.key_marker
            || (key == p.key_marker && !p.upload_id_marker.is_empty() && id > p.upload_id_marker);
        let Some(rest) = key.strip_prefix(p.prefix).filter(|_| after_markers) else {
            continue;
        };
        let common = (!p.delimiter.is_empty())
            .then(|| rest.find(p.delimiter).map(|i| &key[..p.prefix.len() + i + p.delimiter.len()]))
            .flatten();
        if let Some(cp) = common {
            // Already returned on this page, or on an earlier one (the marker is in it).
            if out.common_prefixes.last().is_some_and(|l| l == cp) || (!p.key_marker.is_empty() && cp <= p.key_marker) {
                continue;
            }
        }
        if count == p.max_uploads {
            out.truncated = true;
            break;
        }
        match common {
            Some(cp) => {
                out.common_prefixes.push(cp.to_string());
                last = (cp.to_string(), String::new());
            }
            None => {
                out.uploads.push(value);
                last = (key.to_string(), id.to_string());
            }
        }
        count += 1;
    }
    if out.truncated {
        (out.next_key, out.next_upload_id) = last;
    }
    out
}

pub fn list_uploads(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let param = |name: &str| req.query_param(name).unwrap_or("");
    let params = Params {
        prefix: param("prefix"),
        delimiter: param("delimiter"),
        key_marker: param("key-marker"),
        upload_id_marker: param("upload-id-marker"),
        max_uploads: int_param(req, "max-uploads", MAX_UPLOADS)?.min(MAX_UPLOADS),
    };
    let url = url_encoding(req)?;
    let enc = |s: &str| if url { listing_encode(s) } else { s.to_string() };
    let body = ctx.store.with_bucket(&ctx.bucket, |bucket| {
        let mut entries: Vec<_> = bucket.uploads.values().map(|u| (u.key.as_str(), u.id.as_str(), u)).collect();
        entries.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let page = page(&entries, &params);
        let mut w = XmlWriter::new();
        w.open("ListMultipartUploadsResult").elem("Bucket", &ctx.bucket);
        if url {
            w.elem("Encoding-Type", "url");
        }
        w.elem("KeyMarker", &enc(params.key_marker))
            .elem("UploadIdMarker", params.upload_id_marker)
            .elem("NextKeyMarker", &enc(&page.next_key))
            .elem("NextUploadIdMarker", &page.next_upload_id)
            .elem("MaxUploads", &params.max_uploads.to_string())
            .elem("IsTruncated", if page.truncated { "true" } else { "false" })
            .elem("Prefix", &enc(params.prefix))
            .elem("Delimiter", &enc(params.delimiter));
        for u in &page.uploads {
            w.open("Upload").elem("Key", &enc(&u.key)).elem("UploadId", &u.id);
            w.elem("StorageClass", &u.meta.storage_class);
            for who in ["Initiator", "Owner"] {
                w.open(who).elem("ID", &owner_id()).elem("DisplayName", OWNER_UIN).close(who);
            }
            w.elem("Initiated", &iso8601(u.initiated)).close("Upload");
        }
        for cp in &page.common_prefixes {
            w.open("CommonPrefixes").elem("Prefix", &enc(cp)).close("CommonPrefixes");
        }
        w.close("ListMultipartUploadsResult");
        w.finish()
    })?;
    Ok(Response::xml(200, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRIES: &[(&str, &str)] =
        &[("a/1", "u1"), ("a/1", "u2"), ("a/2", "u3"), ("b", "u4"), ("b", "u5"), ("c/x/y", "u6"), ("d", "u7")];

    fn run(
        prefix: &str,
        delimiter: &str,
        km: &str,
        um: &str,
        max: usize,
    ) -> (Vec<&'static str>, Vec<String>, bool, String, String) {
        let entries: Vec<_> = ENTRIES.iter().map(|(k, i)| (*k, *i, i)).collect();
        let p = Params { prefix, delimiter, key_marker: km, upload_id_marker: um, max_uploads: max };
        let page = page(&entries, &p);
        (
            page.uploads.iter().map(|i| **i).collect(),
            page.common_prefixes,
            page.truncated,
            page.next_key,
            page.next_upload_id,
        )
    }

    #[test]
    fn order_prefix_and_delimiter() {
        assert_eq!(run("", "", "", "", 1000).0, vec!["u1", "u2", "u3", "u4", "u5", "u6", "u7"]);
        assert_eq!(run("a/", "", "", "", 1000).0, vec!["u1", "u2", "u3"]);
        let (ups, cps, truncated, _, _) = run("", "/", "", "", 1000);
        assert_eq!((ups, cps, truncated), (vec!["u4", "u5", "u7"], vec!["a/".to_string(), "c/".to_string()], false));
        assert_eq!(run("c/", "/", "", "", 1000).1, vec!["c/x/".to_string()]);
    }

    #[test]
    fn markers() {
        // key-marker alone: keys after it.
        assert_eq!(run("", "", "b", "", 1000).0, vec!["u6", "u7"]);
        // With upload-id-marker: that key's later uploads too.
        assert_eq!(run("", "", "b", "u4", 1000).0, vec!["u5", "u6", "u7"]);
        assert_eq!(run("", "", "a/1", "u1", 1000).0, vec!["u2", "u3", "u4", "u5", "u6", "u7"]);
        // A marker on a common prefix does not repeat it.
        assert_eq!(run("", "/", "a/", "", 1000).1, vec!["c/".to_string()]);
    }

    #[test]
    fn paging_visits_everything_once() {
        for delimiter in ["", "/"] {
            let (mut km, mut um) = (String::new(), String::new());
            let (mut seen, mut prefixes, mut pages) = (Vec::new(), Vec::new(), 0);
            loop {
                let (ups, cps, truncated, nk, nu) = run("", delimiter, &km, &um, 2);
                assert!(ups.len() + cps.len() <= 2);
                seen.extend(ups);
                prefixes.extend(cps);
                pages += 1;
                if !truncated {
                    assert!(nk.is_empty() && nu.is_empty());
                    break;
                }
                (km, um) = (nk, nu);
            }
            if delimiter.is_empty() {
                assert_eq!(seen, vec!["u1", "u2", "u3", "u4", "u5", "u6", "u7"]);
                assert_eq!(pages, 4);
            } else {
                assert_eq!(seen, vec!["u4", "u5", "u7"]);
                assert_eq!(prefixes, vec!["a/".to_string(), "c/".to_string()]);
            }
        }
        // Exactly max-uploads left: not truncated.
        assert!(!run("", "", "b", "u5", 2).2);
        let (ups, _, truncated, _, _) = run("", "", "", "", 0);
        assert!(ups.is_empty() && !truncated);
    }
}
