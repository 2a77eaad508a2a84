//! Where buckets, objects and multipart uploads live: the in-memory index (`store`), multipart
//! uploads and the rules of completing them (`uploads`), object versions and delete markers
//! (`versions`), the `--data-dir` layout with its commit points and crash recovery (`disk`),
//! receiving bodies with their digests (`ingest`), recycled memory for large bodies (`chunk`),
//! CRC-64 combination (`crc`), and bucket configuration documents (`configs`).

pub mod chunk;
pub mod configs;
pub mod crc;
pub mod disk;
pub mod ingest;
pub mod store;
pub mod uploads;
pub mod versions;
