//! `cos://bucket/key` paths and local paths.

use cos::Error;

/// One side of a command: an object path in COS, or a local path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Cos { bucket: String, key: String },
    Local(std::path::PathBuf),
}

impl Location {
    pub fn parse(s: &str) -> Location {
        match s.strip_prefix("cos://") {
            Some(rest) => {
                let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
                Location::Cos { bucket: bucket.to_string(), key: key.to_string() }
            }
            None => Location::Local(s.into()),
        }
    }
}

/// A `cos://` path: (bucket, key); an error naming `what` otherwise.
pub fn cos_path(s: &str, what: &str) -> Result<(String, String), Error> {
    match Location::parse(s) {
        Location::Cos { bucket, .. } if bucket.is_empty() => {
            Err(Error::invalid(format!("{what}: {s:?} has no bucket (cos://<bucket>/<key>)")))
        }
        Location::Cos { bucket, key } => Ok((bucket, key)),
        Location::Local(_) => Err(Error::invalid(format!("{what}: {s:?} is not a COS path (cos://<bucket>/<key>)"))),
    }
}

/// The key a file named `name` gets when copied to `key`: `key` itself, unless it names a "directory"
/// (empty or ending in `/`), then `key` + `name`.
pub fn key_for(key: &str, name: &str) -> String {
    if key.is_empty() || key.ends_with('/') {
        format!("{key}{name}")
    } else {
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(Location::parse("cos://b-1/a/b.txt"), Location::Cos { bucket: "b-1".into(), key: "a/b.txt".into() });
        assert_eq!(Location::parse("cos://b-1"), Location::Cos { bucket: "b-1".into(), key: "".into() });
        assert_eq!(Location::parse("./x"), Location::Local("./x".into()));
        assert!(cos_path("cos:///k", "x").is_err());
        assert!(cos_path("/tmp/x", "x").is_err());
        assert_eq!(key_for("dir/", "f.txt"), "dir/f.txt");
        assert_eq!(key_for("", "f.txt"), "f.txt");
        assert_eq!(key_for("exact", "f.txt"), "exact");
    }
}
