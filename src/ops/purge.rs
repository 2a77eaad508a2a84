//! Emptying a bucket: every in-progress multipart upload aborted, every object version and every delete
//! marker deleted, and optionally the bucket itself. COS refuses to delete a bucket that holds any of them
//! (`BucketNotEmpty`), and a plain listing shows neither old versions nor delete markers nor uploads, which
//! is why the helpers users write by hand leave buckets that cannot be deleted.

use super::multipart::ListUploadsParams;
use super::versions::{VersionsParams, DELETE_BATCH};
use super::Call;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result, ServiceFields};
use crate::transport::{Request, Target};
use std::collections::HashSet;

/// What [`Client::empty_bucket`] removes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurgeOptions {
    /// Only keys (and uploads) under this prefix; "" for the whole bucket.
    pub prefix: String,
    /// Deletes the bucket once it is empty (refused with a prefix: the bucket would not be empty).
    pub delete_bucket: bool,
}

/// What a purge removed so far (handed to the progress callback after every batch) or in all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Object versions deleted (in an unversioned bucket: objects, each listed as version `null`).
    pub versions: u64,
    pub delete_markers: u64,
    /// Multipart uploads aborted.
    pub uploads: u64,
    /// Whether the bucket itself was deleted.
    pub bucket_deleted: bool,
}

impl PurgeReport {
    /// Versions and delete markers deleted.
    pub fn deleted(&self) -> u64 {
        self.versions + self.delete_markers
    }

    fn describe(&self) -> String {
        format!(
            "{} versions and {} delete markers deleted and {} uploads aborted before",
            self.versions, self.delete_markers, self.uploads
        )
    }
}

/// Called after every batch with what was removed so far; returning false stops the purge (`Cancelled`).
pub type PurgeProgress<'a> = &'a mut dyn FnMut(&PurgeReport) -> bool;

impl Client {
    /// Removes everything under `opts.prefix`: aborts every multipart upload in progress, then deletes every
    /// version and delete marker in batches of 1000, then (with `opts.delete_bucket`) the bucket. Uploads go
    /// first so that one completing meanwhile is less likely to leave an object behind. The first failure
    /// stops the purge: a key COS refused is a service error naming the key, its version, COS's code and what
    /// had been removed before. The operation timeout bounds the whole call.
    pub fn empty_bucket(
        &self,
        bucket: &str,
        opts: &PurgeOptions,
        mut progress: Option<PurgeProgress<'_>>,
    ) -> Result<PurgeReport> {
        let target = self.bucket(bucket)?;
        if opts.delete_bucket && !opts.prefix.is_empty() {
            return Err(Error::invalid(format!(
                "delete_bucket cannot be combined with a prefix ({:?}): the bucket would not be empty",
                opts.prefix
            )));
        }
        let call = Call::new(self.config());
        let mut report = PurgeReport::default();
        let mut tell = |report: &PurgeReport| {
            let go_on = progress.as_mut().is_none_or(|f| f(report));
            match go_on {
                true => Ok(()),
                false => {
                    Err(Error::new(ErrorKind::Cancelled, format!("the purge was cancelled: {}", report.describe())))
                }
            }
        };
        let result = (|| {
            self.abort_uploads(&call, bucket, &opts.prefix, &mut report, &mut tell)?;
            self.delete_all_versions(&call, bucket, target, &opts.prefix, &mut report, &mut tell)?;
            if opts.delete_bucket {
                // Within the call, so its deadline holds; BucketNotEmpty here means someone wrote meanwhile.
                call.send(&self.transport, Request::new("DELETE", target))?.text()?;
                report.bucket_deleted = true;
            }
            Ok(report)
        })();
        result.map_err(|e: Error| call.stamp(e))
    }

    /// Empties the bucket and deletes it: [`Client::empty_bucket`] with `delete_bucket`.
    pub fn delete_bucket_recursive(&self, bucket: &str, progress: Option<PurgeProgress<'_>>) -> Result<PurgeReport> {
        self.empty_bucket(bucket, &PurgeOptions { prefix: String::new(), delete_bucket: true }, progress)
    }

    fn abort_uploads(
        &self,
        call: &Call<'_>,
        bucket: &str,
        prefix: &str,
        report: &mut PurgeReport,
        tell: &mut dyn FnMut(&PurgeReport) -> Result<()>,
    ) -> Result<()> {
        let mut params = ListUploadsParams { prefix: prefix.to_string(), max_uploads: 1000, ..Default::default() };
        loop {
            let page = self.list_multipart_uploads_in(call, bucket, &params).map_err(|e| call.total(e))?;
            for upload in &page.uploads {
                match self.abort_multipart_upload_in(call, bucket, &upload.key, &upload.upload_id) {
                    // Completed or aborted by someone else meanwhile: gone either way.
                    Err(e) if e.code() == Some("NoSuchUpload") => {}
                    Err(e) => {
                        let place = format!(
                            "aborting upload {:?} of {:?} ({})",
                            upload.upload_id,
                            upload.key,
                            report.describe()
                        );
                        return Err(call.total(e).context(&place));
                    }
                    Ok(()) => report.uploads += 1,
                }
            }
            tell(report)?;
            if !page.is_truncated {
                return Ok(());
            }
            let key = page.next_key_marker.unwrap_or_default();
            let id = page.next_upload_id_marker.unwrap_or_default();
            if key < params.key_marker || (key == params.key_marker && id == params.upload_id_marker) {
                return Err(
                    call.total(Error::parse("the upload listing is truncated but its next markers do not advance"))
                );
            }
            (params.key_marker, params.upload_id_marker) = (key, id);
        }
    }

    /// Lists from the start each round and deletes what the page holds, so that positions in a listing
    /// whose entries are being deleted never matter. A version listed again after COS reported it deleted
    /// would loop for ever: that is a parse error.
    fn delete_all_versions(
        &self,
        call: &Call<'_>,
        bucket: &str,
        target: Target<'_>,
        prefix: &str,
        report: &mut PurgeReport,
        tell: &mut dyn FnMut(&PurgeReport) -> Result<()>,
    ) -> Result<()> {
        let params = VersionsParams { prefix: prefix.to_string(), max_keys: DELETE_BATCH as u32, ..Default::default() };
        let mut previous: HashSet<(String, String)> = HashSet::new();
        loop {
            let page = self.list_object_versions_in(call, bucket, &params).map_err(|e| call.total(e))?;
            if page.versions.is_empty() {
                return Ok(());
            }
            if let Some(v) = page.versions.iter().find(|v| previous.contains(&(v.key.clone(), v.version_id.clone()))) {
                return Err(call.total(Error::parse(format!(
                    "version {:?} of {:?} is still listed after COS reported it deleted",
                    v.version_id, v.key
                ))));
            }
            let batch: Vec<(&str, Option<&str>)> =
                page.versions.iter().map(|v| (v.key.as_str(), Some(v.version_id.as_str()))).collect();
            let result = self.delete_versions_in(call, target, &batch, true)?;
            if let Some(failed) = result.errors.first() {
                let message = format!(
                    "could not delete version {:?} of {:?}: {} ({}; {} of this batch of {} failed)",
                    failed.version_id.as_deref().unwrap_or(""),
                    failed.key,
                    if failed.message.is_empty() { &failed.code } else { &failed.message },
                    report.describe(),
                    result.errors.len(),
                    batch.len()
                );
                let fields = ServiceFields {
                    http_status: 200,
                    code: Some(failed.code.clone()).filter(|c| !c.is_empty()),
                    message: Some(message),
                    resource: Some(failed.key.clone()),
                    ..ServiceFields::default()
                };
                return Err(call.total(Error::service(fields)));
            }
            let markers = page.delete_marker_count() as u64;
            report.delete_markers += markers;
            report.versions += page.versions.len() as u64 - markers;
            previous = page.versions.into_iter().map(|v| (v.key, v.version_id)).collect();
            tell(report)?;
        }
    }
}
