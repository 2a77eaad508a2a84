//! The rule for [`RequestOptions`]: an option a call cannot honour is an error (`InvalidArgument` naming
//! the option and the call), never silently dropped. Each call states once which kinds of option it
//! accepts beyond plain headers and query parameters, and checks them here before sending anything.

use crate::error::{Error, Result};
use crate::options::RequestOptions;

/// The option kinds a call may honour besides headers and query parameters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Accepts {
    /// A `Range` header: reads of part of an object.
    pub range: bool,
    /// `response-*` overrides: calls whose answer is the object (GETs, downloads).
    pub response_overrides: bool,
    /// `copy_source_range`: a part copied from a range of its source.
    pub copy_source_range: bool,
    /// `copy_source_version_id`: copies.
    pub copy_source_version: bool,
}

impl Accepts {
    /// An upload of a body (PUT, a part, an initiation, a bucket creation).
    pub const UPLOAD: Accepts =
        Accepts { range: false, response_overrides: false, copy_source_range: false, copy_source_version: false };
    /// A GET of an object or of part of it (`get_object*`, the object reader).
    pub const READ: Accepts =
        Accepts { range: true, response_overrides: true, copy_source_range: false, copy_source_version: false };
    /// A call on an object that neither sends nor returns its body (HEAD, DELETE).
    pub const METADATA: Accepts = Accepts::UPLOAD;
    /// A whole-object download (`download_file`, `download_prefix`): it makes its own ranges.
    pub const DOWNLOAD: Accepts =
        Accepts { range: false, response_overrides: true, copy_source_range: false, copy_source_version: false };
}

/// Fails when `opts` holds an option `call` cannot honour.
pub(crate) fn check(call: &str, opts: &RequestOptions, accepts: Accepts) -> Result<()> {
    let refuse = |option: &str, why: &str| {
        Err(Error::invalid(format!("{call} cannot honour the request option {option}: {why}")))
    };
    if !accepts.range && opts.get_header("Range").is_some() {
        return refuse("Range", "it reads or writes whole objects (set no range for this call)");
    }
    if !accepts.response_overrides {
        if let Some((name, _)) = opts.query.iter().find(|(k, _)| k.starts_with("response-")) {
            return refuse(name, "only a GET returns response header overrides");
        }
    }
    if !accepts.copy_source_range && opts.copy_source_range.is_some() {
        return refuse("copy_source_range", "only upload_part_copy copies a range of a source");
    }
    if !accepts.copy_source_version && opts.copy_source_version_id.is_some() {
        return refuse("copy_source_version_id", "only copies have a source");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_refused_naming_the_option_and_the_call() {
        let mut o = RequestOptions::new();
        check("put_object", &o, Accepts::UPLOAD).unwrap();
        o.range(0, Some(9)).unwrap();
        let e = check("put_object", &o, Accepts::UPLOAD).unwrap_err();
        assert!(e.message().contains("put_object") && e.message().contains("Range"), "{e:?}");
        check("get_object", &o, Accepts { range: true, ..Accepts::DOWNLOAD }).unwrap();

        let mut o = RequestOptions::new();
        o.response_header("content-type", "text/plain").unwrap();
        check("download_file", &o, Accepts::DOWNLOAD).unwrap();
        assert!(check("upload_part", &o, Accepts::UPLOAD).unwrap_err().message().contains("response-content-type"));

        let mut o = RequestOptions::new();
        o.copy_source_range(0, 1).unwrap();
        assert!(check("upload_file", &o, Accepts::UPLOAD).unwrap_err().message().contains("copy_source_range"));
        let mut o = RequestOptions::new();
        o.copy_source_version_id("v1").unwrap();
        assert!(check("download_file", &o, Accepts::DOWNLOAD)
            .unwrap_err()
            .message()
            .contains("copy_source_version_id"));
    }
}
