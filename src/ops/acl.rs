//! Object and bucket ACLs (`?acl`): put from a canned ACL and/or grants (headers), or from a whole policy
//! (owner and grants as an `<AccessControlPolicy>` body); get parsed into an [`Acl`].

use super::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::transport::Target;
use crate::xml::{check_canned, parse_acl, Acl, Permission};

impl Client {
    /// Sets the object's ACL from a canned ACL (`private`, `public-read`, `default`: inherit the bucket's)
    /// and/or the grants of `opts` ([`RequestOptions::grant`]); at least one of them is required.
    pub fn put_object_acl(&self, bucket: &str, key: &str, canned: Option<&str>, opts: &RequestOptions) -> Result<()> {
        let target = self.object(bucket, key)?;
        self.put_acl_headers(target, canned, true, opts)
    }

    /// Replaces the object's ACL with `acl` (owner and grants) as an `<AccessControlPolicy>` body.
    pub fn put_object_acl_policy(&self, bucket: &str, key: &str, acl: &Acl, opts: &RequestOptions) -> Result<()> {
        let target = self.object(bucket, key)?;
        let body = acl.to_xml()?;
        self.subresource_in(&Call::new(self.config()), "PUT", target, "acl", body.as_bytes(), opts)?;
        Ok(())
    }

    /// The object's owner and grants; [`Acl::canned`] says `default` when it inherits the bucket's ACL.
    pub fn get_object_acl(&self, bucket: &str, key: &str, opts: &RequestOptions) -> Result<Acl> {
        let target = self.object(bucket, key)?;
        self.get_acl(target, opts)
    }

    /// Sets the bucket's ACL from a canned ACL (`private`, `public-read`, `public-read-write`) and/or the
    /// grants of `opts`; at least one of them is required.
    pub fn put_bucket_acl(&self, bucket: &str, canned: Option<&str>, opts: &RequestOptions) -> Result<()> {
        let target = self.bucket(bucket)?;
        self.put_acl_headers(target, canned, false, opts)
    }

    /// Replaces the bucket's ACL with `acl` as an `<AccessControlPolicy>` body.
    pub fn put_bucket_acl_policy(&self, bucket: &str, acl: &Acl) -> Result<()> {
        let target = self.bucket(bucket)?;
        let body = acl.to_xml()?;
        self.subresource_in(&Call::new(self.config()), "PUT", target, "acl", body.as_bytes(), &RequestOptions::new())?;
        Ok(())
    }

    /// The bucket's owner and grants.
    pub fn get_bucket_acl(&self, bucket: &str) -> Result<Acl> {
        let target = self.bucket(bucket)?;
        self.get_acl(target, &RequestOptions::new())
    }

    fn put_acl_headers(
        &self,
        target: Target<'_>,
        canned: Option<&str>,
        object: bool,
        opts: &RequestOptions,
    ) -> Result<()> {
        let mut opts = opts.clone();
        if let Some(acl) = canned {
            check_canned(acl, object)?;
            opts.acl(acl)?;
        }
        let granted = Permission::all().iter().any(|p| opts.get_header(p.header()).is_some());
        if opts.get_header("x-cos-acl").is_none() && !granted {
            return Err(Error::invalid(
                "an ACL put needs canned (a canned ACL) or at least one grant in its options (RequestOptions::grant, \
                 cos_request_options_set_grant); to send a whole policy use the *_acl_policy call",
            ));
        }
        self.subresource_in(&Call::new(self.config()), "PUT", target, "acl", &[], &opts)?;
        Ok(())
    }

    fn get_acl(&self, target: Target<'_>, opts: &RequestOptions) -> Result<Acl> {
        let doc = self.subresource_in(&Call::new(self.config()), "GET", target, "acl", &[], opts)?;
        let mut acl = parse_acl(doc.text()?)?;
        acl.acl_header = doc.info.headers.get("x-cos-acl").map(str::to_string);
        Ok(acl)
    }
}
