//! The COS operations, as methods of [`crate::Client`].

mod append;
mod bucket;
mod list;
mod multipart;
mod object;

pub use append::Appender;
pub use list::{ListCursor, ListParams, ObjectPages};
pub use multipart::{ListUploadsParams, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE};

use crate::error::{Error, Result};
use crate::transport::Response;

/// Reads the XML answer `resp` with `parse`: its value and the attempts the request took.
pub(crate) fn counted<T>(resp: Response, parse: impl FnOnce(&str) -> Result<T>) -> Result<(T, u32)> {
    let attempts = resp.attempts;
    resp.parse(|_, text| parse(text)).map(|(_, value)| (value, attempts))
}

/// The HTTP attempts of a call that sends several requests (pages, batches): an error reports every request
/// the call sent, those of the requests that succeeded before it included.
#[derive(Default)]
pub(crate) struct Attempts(u32);

impl Attempts {
    /// Counts a request's attempts: its value on success, its error with everything sent so far on failure.
    pub(crate) fn count<T>(&mut self, result: Result<(T, u32)>) -> Result<T> {
        match result {
            Ok((value, attempts)) => {
                self.0 += attempts;
                Ok(value)
            }
            Err(e) => Err(self.stamp(e)),
        }
    }

    /// `err` (made after the requests counted so far, or by one that failed) with every attempt of the call.
    pub(crate) fn stamp(&self, err: Error) -> Error {
        let own = err.attempts();
        err.with_attempts(self.0 + own)
    }
}
