//! `cos`: a Tencent Cloud COS (Cloud Object Storage) client, with a C ABI (`ffi`, header `include/cos.h`).
//!
//! The Rust core is a library of its own: [`Config`] says where COS is and who is asking, [`Client`] runs the
//! operations (buckets, objects, listing, copy, batch delete, presigned URLs), [`sign`] implements the COS
//! request signature, and every failure is an [`Error`] carrying what COS said.

pub mod client;
pub mod config;
pub mod crc64;
pub mod encode;
pub mod error;
pub mod ffi;
pub mod headers;
mod ops;
pub mod options;
mod retry;
pub mod sign;
pub mod transfer;
mod transport;
pub mod xml;

pub use client::Client;
pub use config::{Config, ConfigBuilder, Credentials, Scheme};
pub use error::{Error, ErrorKind, Result};
pub use headers::{Headers, ObjectInfo};
pub use ops::{ListCursor, ListParams, ListUploadsParams, ObjectPages, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE};
pub use options::RequestOptions;
pub use transfer::{CancelToken, Checkpoint, ObjectReader, ObjectWriter, TransferOptions};
pub use transport::Body;
pub use xml::{
    BucketList, BucketSummary, CompleteResult, CopyResult, DeleteError, DeleteResult, ObjectList, ObjectSummary, Part,
    PartList, UploadList, UploadSummary,
};
