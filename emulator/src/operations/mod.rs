//! The COS operations: addressing, authentication and the route table (`router`), then one module per
//! family of handlers: service and buckets (`bucket`, with ListObjects paging in `listing`), objects
//! (`object`, with Range and If-* in `conditional`), `append`, `copy`, batch `delete`, and multipart
//! uploads (`multipart`, with ListMultipartUploads in `multipart_list`), bucket `versioning` and
//! the version listing (`versions_list`), archive `restore`, SQL `select` over CSV / JSON
//! objects; bucket configuration documents (`config`, with a small `json` parser for policies and
//! Select's input), `tagging`, `acl`, `cors` (including OPTIONS preflight) and `symlink`.

pub mod acl;
pub mod append;
pub mod bucket;
pub mod conditional;
pub mod config;
pub mod copy;
pub mod cors;
pub mod delete;
pub mod json;
pub mod listing;
pub mod multipart;
pub mod multipart_list;
pub mod object;
pub mod restore;
pub mod router;
pub mod select;
pub mod symlink;
pub mod tagging;
pub mod versioning;
pub mod versions_list;
