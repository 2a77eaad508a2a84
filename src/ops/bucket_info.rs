//! What a bucket is and who may use it: its policy (a JSON document), its region (`?location`), and
//! whether it exists.

use super::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::RequestOptions;

/// The largest `<LocationConstraint>` answer read: a region name is a few bytes, so anything near this is
/// not COS, and the DOM of a tiny document stays tiny.
const MAX_LOCATION: usize = 4096;

/// A policy must look like a JSON object; COS validates the rest (`MalformedPolicy`).
fn check_policy(policy: &str) -> Result<()> {
    let t = policy.trim();
    if t.starts_with('{') && t.ends_with('}') {
        return Ok(());
    }
    let what = if t.is_empty() {
        "empty".to_string()
    } else {
        format!("not a JSON object: {:?}", t.chars().take(40).collect::<String>())
    };
    Err(Error::invalid(format!(
        "bucket policy is {what}; COS takes a JSON document {{\"Statement\": [...], \"version\": \"2.0\"}}"
    )))
}

fn parse_location(text: &str) -> Result<String> {
    if text.len() > MAX_LOCATION {
        return Err(Error::parse(format!("the location answer is {} bytes, which no COS answer is", text.len())));
    }
    if text.trim().is_empty() {
        return Err(Error::parse("COS answered with an empty body where <LocationConstraint> XML was expected"));
    }
    let doc =
        roxmltree::Document::parse(text).map_err(|e| Error::parse(format!("COS answered with malformed XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "LocationConstraint" {
        return Err(Error::parse(format!("expected <LocationConstraint> from COS, got <{}>", root.tag_name().name())));
    }
    Ok(root.text().unwrap_or("").trim().to_string())
}

impl Client {
    /// Sets the bucket's policy, a JSON document (sent as application/json with its Content-MD5).
    pub fn put_bucket_policy(&self, bucket: &str, policy: &str) -> Result<()> {
        check_policy(policy)?;
        let target = self.bucket(bucket)?;
        let mut opts = RequestOptions::new();
        opts.content_type("application/json")?;
        self.subresource_in(&Call::new(self.config()), "PUT", target, "policy", policy.as_bytes(), &opts)?;
        Ok(())
    }

    /// The bucket's policy as COS returns it. A bucket without one fails with 404 `NoSuchBucketPolicy`.
    pub fn get_bucket_policy(&self, bucket: &str) -> Result<String> {
        let target = self.bucket(bucket)?;
        let doc =
            self.subresource_in(&Call::new(self.config()), "GET", target, "policy", &[], &RequestOptions::new())?;
        Ok(doc.text()?.to_string())
    }

    pub fn delete_bucket_policy(&self, bucket: &str) -> Result<()> {
        let target = self.bucket(bucket)?;
        self.subresource_in(&Call::new(self.config()), "DELETE", target, "policy", &[], &RequestOptions::new())?;
        Ok(())
    }

    /// The bucket's region, such as `ap-guangzhou` (`GET /?location`).
    pub fn get_bucket_location(&self, bucket: &str) -> Result<String> {
        let target = self.bucket(bucket)?;
        let doc =
            self.subresource_in(&Call::new(self.config()), "GET", target, "location", &[], &RequestOptions::new())?;
        parse_location(doc.text()?)
    }

    /// True when the bucket exists and is accessible, false on 404; any other failure is an error — a 403
    /// (someone else's bucket, or no permission) included, as in the Python SDK's `bucket_exists`.
    pub fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        match self.head_bucket(bucket) {
            Ok(_) => Ok(true),
            Err(e) if e.http_status() == 404 => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_and_locations() {
        check_policy(" {\"Statement\": []}\n").unwrap();
        for bad in ["", "  ", "[1]", "Statement", "{"] {
            let e = check_policy(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
            assert!(e.message().starts_with("bucket policy is"), "{e:?}");
        }
        let cos = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint>ap-guangzhou</LocationConstraint>";
        assert_eq!(parse_location(cos).unwrap(), "ap-guangzhou");
        assert_eq!(
            parse_location("<LocationConstraint xmlns='x'> ap-beijing\n</LocationConstraint>").unwrap(),
            "ap-beijing"
        );
        for bad in [
            "",
            "<Location>a</Location>",
            "<LocationConstraint>",
            &format!("<LocationConstraint>{}</LocationConstraint>", "a".repeat(5000)),
        ] {
            assert_eq!(parse_location(bad).unwrap_err().kind(), crate::ErrorKind::Parse, "{bad:?}");
        }
    }
}
