//! `cos`: a Tencent Cloud COS (Cloud Object Storage) client, with a C ABI (`ffi`, header `include/cos.h`).
//!
//! The Rust core is a library of its own: [`Config`] says where COS is and who is asking, [`Client`] runs the
//! operations (buckets, objects, listing, copy, batch delete, presigned URLs), [`sign`] implements the COS
//! request signature, and every failure is an [`Error`] carrying what COS said.

pub mod background;
pub mod client;
pub mod config;
pub mod crc64;
pub mod credentials;
pub mod encode;
pub mod error;
pub mod eventstream;
pub mod ffi;
pub mod headers;
mod http;
pub mod observe;
mod ops;
pub mod options;
mod retry;
pub mod sign;
pub mod transfer;
mod transport;
pub mod xml;

pub use client::Client;
pub use config::{Config, ConfigBuilder, Credentials, ProxySettings, Scheme, StallProtection, TlsTrust};
pub use error::{Error, ErrorKind, Result};
pub use headers::RestoreState;
pub use headers::{Headers, ObjectInfo};
pub use ops::CopySource;
pub use ops::PresignOptions;
pub use ops::RestoreTier;
pub use ops::{
    Appender, Document, ListCursor, ListParams, ListUploadsParams, ObjectPages, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE,
};
pub use ops::{BucketCreateConfig, CreatedRange, ListBucketsParams};
pub use ops::{
    CsvInput, CsvOutput, FileHeaderInfo, JsonType, SelectCompression, SelectInput, SelectOutput, SelectReader,
    SelectRequest, SelectStats, MAX_EXPRESSION,
};
pub use ops::{PurgeOptions, PurgeProgress, PurgeReport};
pub use ops::{RawRequest, RawResponse, RawTarget};
pub use ops::{VersionCursor, VersionPages, VersionsParams};
pub use options::RequestOptions;
pub use transfer::{
    CancelToken, Checkpoint, ObjectReader, ObjectWriter, Outcome, TransferOptions, TreeEntry, TreeOptions, TreeReport,
    MAX_CONCURRENCY,
};
pub use transport::Body;
pub use xml::Acl;
pub use xml::Grant;
pub use xml::Grantee;
pub use xml::Permission;
pub use xml::TagSet;
pub use xml::TagTarget;
pub use xml::{check_cors, CorsPreflight, CorsRule, CORS_METHODS, MAX_CORS_RULES};
pub use xml::{
    check_lifecycle, LifecycleRule, LifecycleTime, LifecycleTransition, NoncurrentTransition, MAX_LIFECYCLE_RULES,
};
pub use xml::{
    BucketList, BucketSummary, CompleteResult, CopyResult, DeleteError, DeleteResult, ObjectList, ObjectSummary, Part,
    PartList, UploadList, UploadSummary,
};
pub use xml::{DeletedVersion, ObjectVersion, VersionDeleteError, VersionDeleteResult, VersionList, VersioningStatus};

/// The response parsers, for the fuzz targets (`fuzz/`) and corpus tests; not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::xml;
    use crate::{
        BucketList, CompleteResult, CopyResult, DeleteResult, Error, ObjectList, PartList, Result, UploadList,
    };

    /// An `<Error>` body as the service error it describes.
    pub fn parse_error(text: &str) -> Option<Error> {
        xml::parse_error(text).map(Error::service)
    }
    pub fn is_error_body(text: &str) -> bool {
        xml::is_error_body(text)
    }
    pub fn parse_bucket_list(text: &str) -> Result<BucketList> {
        xml::parse_bucket_list(text)
    }
    pub fn parse_object_list(text: &str) -> Result<ObjectList> {
        xml::parse_object_list(text)
    }
    pub fn parse_delete_result(text: &str) -> Result<DeleteResult> {
        xml::parse_delete_result(text)
    }
    pub fn parse_copy_result(text: &str) -> Result<CopyResult> {
        xml::parse_copy_result(text)
    }
    pub fn parse_initiate(text: &str) -> Result<String> {
        xml::parse_initiate(text)
    }
    pub fn parse_complete(text: &str) -> Result<CompleteResult> {
        xml::parse_complete(text)
    }
    pub fn parse_part_list(text: &str) -> Result<PartList> {
        xml::parse_part_list(text)
    }
    pub fn parse_upload_list(text: &str) -> Result<UploadList> {
        xml::parse_upload_list(text)
    }
    pub fn parse_lifecycle(text: &str) -> Result<Vec<crate::LifecycleRule>> {
        xml::parse_lifecycle(text)
    }
    pub fn lifecycle_body(rules: &[crate::LifecycleRule]) -> String {
        xml::lifecycle_body(rules)
    }
    pub fn parse_cors(text: &str) -> Result<Vec<crate::CorsRule>> {
        xml::parse_cors(text)
    }
    pub fn cors_body(rules: &[crate::CorsRule]) -> String {
        xml::cors_body(rules)
    }
}
