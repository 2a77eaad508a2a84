//! The COS operations, as methods of [`crate::Client`].

mod acl;
mod append;
mod bucket;
mod bucket_info;
mod copy_source;
mod cors;
mod digest;
pub(crate) mod honour;
mod lifecycle;
mod list;
mod multipart;
mod presign;
pub(crate) mod object;
mod purge;
mod raw;
mod restore;
mod select;
mod select_request;
mod subresource;
mod symlink;
mod tagging;
mod versioning;
mod versions;

pub use append::Appender;
pub use bucket::{BucketCreateConfig, CreatedRange, ListBucketsParams};
pub use copy_source::CopySource;
pub use list::{ListCursor, ListParams, ObjectPages};
pub use multipart::{ListUploadsParams, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE};

mod call;
pub(crate) mod range;
mod reader;

pub(crate) use call::Call;
pub use presign::PresignOptions;
pub use purge::{PurgeOptions, PurgeProgress, PurgeReport};
pub use raw::{RawRequest, RawResponse, RawTarget};
pub use reader::ObjectReader;
pub use restore::RestoreTier;
pub use select::{SelectReader, SelectStats};
pub use select_request::{
    CsvInput, CsvOutput, FileHeaderInfo, JsonType, SelectCompression, SelectInput, SelectOutput, SelectRequest,
    MAX_EXPRESSION,
};
pub use subresource::Document;
pub use versions::{VersionCursor, VersionPages, VersionsParams};
