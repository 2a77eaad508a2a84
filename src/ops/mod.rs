//! The COS operations, as methods of [`crate::Client`].

mod bucket;
mod list;
mod object;

pub use list::{ListCursor, ListParams, ObjectPages};
