//! Listing and batch deletion.

use super::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::transport::Request;
use crate::xml::{self, DeleteError, DeleteResult, ObjectList};

/// What to list. Empty strings mean "not set"; `max_keys` 0 means the server default (1000).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListParams {
    pub prefix: String,
    pub delimiter: String,
    pub marker: String,
    pub max_keys: u32,
}

impl Client {
    /// One page of GET Bucket (list objects). Names are requested URL-encoded (so any key survives XML) and
    /// decoded here. When the page is truncated, `next_marker` is always set.
    pub fn list_objects(&self, bucket: &str, params: &ListParams) -> Result<ObjectList> {
        self.list_objects_in(&Call::new(self.config()), bucket, params)
    }

    /// `list_objects` within `call` (its deadline and request tally).
    pub(crate) fn list_objects_in(&self, call: &Call<'_>, bucket: &str, params: &ListParams) -> Result<ObjectList> {
        let mut req = Request::new("GET", self.bucket(bucket)?);
        for (name, value) in [("prefix", &params.prefix), ("delimiter", &params.delimiter), ("marker", &params.marker)]
        {
            if !value.is_empty() {
                req.query.push((name.into(), value.clone()));
            }
        }
        if params.max_keys > 0 {
            req.query.push(("max-keys".into(), params.max_keys.to_string()));
        }
        req.query.push(("encoding-type".into(), "url".into()));
        let mut list = call.xml(&self.transport, req, xml::parse_object_list)?;
        if list.is_truncated && list.next_marker.is_none() {
            // COS sends NextMarker only with a delimiter; otherwise the next page starts after the last name.
            let last_key = list.objects.last().map(|o| o.key.as_str());
            let last_prefix = list.common_prefixes.last().map(String::as_str);
            list.next_marker = last_key.max(last_prefix).map(str::to_string);
        }
        Ok(list)
    }

    /// Every page of a listing, fetched lazily.
    pub fn list_objects_pages(&self, bucket: &str, params: ListParams) -> ObjectPages<'_> {
        ObjectPages { client: self, cursor: ListCursor::new(bucket, params) }
    }

    /// Deletes many objects (DeleteObjects, in batches of 1000). With `quiet`, COS reports only failures.
    /// Keys COS could not delete are in the result's `errors`; the call itself fails only when a request fails.
    /// [`Client::delete_object_versions`] is the same with a version id per key.
    pub fn delete_objects(&self, bucket: &str, keys: &[&str], quiet: bool) -> Result<DeleteResult> {
        let objects: Vec<(&str, Option<&str>)> = keys.iter().map(|k| (*k, None)).collect();
        let full = self.delete_object_versions(bucket, &objects, quiet)?;
        Ok(DeleteResult {
            deleted: full.deleted.into_iter().map(|d| d.key).collect(),
            errors: full
                .errors
                .into_iter()
                .map(|e| DeleteError { key: e.key, code: e.code, message: e.message })
                .collect(),
        })
    }

    /// True when the object exists; false on 404; an error otherwise (no access, network, ...).
    pub fn object_exists(&self, bucket: &str, key: &str) -> Result<bool> {
        match self.head_object(bucket, key, &RequestOptions::default()) {
            Ok(_) => Ok(true),
            Err(e) if e.http_status() == 404 => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// Iterator over the pages of a listing; see [`Client::list_objects_pages`].
pub struct ObjectPages<'c> {
    client: &'c Client,
    cursor: ListCursor,
}

impl Iterator for ObjectPages<'_> {
    type Item = Result<ObjectList>;

    fn next(&mut self) -> Option<Result<ObjectList>> {
        self.cursor.next_page(self.client)
    }
}

/// Where a paged listing stands, without holding the client (so the C ABI can keep one in a handle).
#[derive(Clone, Debug)]
pub struct ListCursor {
    bucket: String,
    params: ListParams,
    done: bool,
}

impl ListCursor {
    pub fn new(bucket: &str, params: ListParams) -> ListCursor {
        ListCursor { bucket: bucket.to_string(), params, done: false }
    }

    /// The next page, or `None` after the last page or after an error. Each page is a call of its own.
    pub fn next_page(&mut self, client: &Client) -> Option<Result<ObjectList>> {
        self.next_page_in(client, &Call::new(client.config()))
    }

    /// The next page within `call` (a transfer that lists as part of its work).
    pub(crate) fn next_page_in(&mut self, client: &Client, call: &Call<'_>) -> Option<Result<ObjectList>> {
        if self.done {
            return None;
        }
        let page = match client.list_objects_in(call, &self.bucket, &self.params) {
            Ok(p) => p,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        match (&page.next_marker, page.is_truncated) {
            (Some(next), true) if *next > self.params.marker => self.params.marker = next.clone(),
            (_, true) => {
                self.done = true;
                let e = Error::parse("the listing is truncated but its next marker does not advance");
                return Some(Err(call.total(e)));
            }
            _ => self.done = true,
        }
        Some(Ok(page))
    }
}
