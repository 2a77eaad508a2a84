//! `cos`: a Tencent Cloud COS (Cloud Object Storage) client.
pub mod ffi;
