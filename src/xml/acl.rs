//! Access control lists of objects and buckets: canned ACLs, the permissions of `x-cos-grant-*`, and the
//! `<AccessControlPolicy>` document (owner and grants) read from and sent to COS.

use super::split::Unread;
use super::{child_string, escape, first_child, root, too_many, MAX_ENTRIES};
use crate::error::{Error, Result};
use roxmltree::Node;

/// The group of every user, anonymous ones included: a READ grant to it is what `public-read` means.
pub const ALL_USERS: &str = "http://cam.qcloud.com/groups/global/AllUsers";

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A permission of a grant. `Write` applies to buckets only (creating and deleting their objects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    Read,
    Write,
    ReadAcp,
    WriteAcp,
    FullControl,
}

impl Permission {
    /// Every permission, in COS's order. (A function, not an associated const: cbindgen would put the type in
    /// the C header.)
    pub fn all() -> [Permission; 5] {
        [Permission::Read, Permission::Write, Permission::ReadAcp, Permission::WriteAcp, Permission::FullControl]
    }

    /// As COS writes it in a `<Permission>`: `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`, `FULL_CONTROL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "READ",
            Permission::Write => "WRITE",
            Permission::ReadAcp => "READ_ACP",
            Permission::WriteAcp => "WRITE_ACP",
            Permission::FullControl => "FULL_CONTROL",
        }
    }

    /// The request header that grants it: `x-cos-grant-read`, ..., `x-cos-grant-full-control`.
    pub fn header(self) -> &'static str {
        match self {
            Permission::Read => "x-cos-grant-read",
            Permission::Write => "x-cos-grant-write",
            Permission::ReadAcp => "x-cos-grant-read-acp",
            Permission::WriteAcp => "x-cos-grant-write-acp",
            Permission::FullControl => "x-cos-grant-full-control",
        }
    }

    /// A permission by its COS name (`READ`, `FULL_CONTROL`, ...; exact case).
    pub fn parse(name: &str) -> Result<Permission> {
        Permission::all().into_iter().find(|p| p.as_str() == name).ok_or_else(|| {
            Error::invalid(format!(
                "permission must be one of READ, WRITE, READ_ACP, WRITE_ACP, FULL_CONTROL, got {name:?}"
            ))
        })
    }
}

/// Whom a grant is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grantee {
    /// A COS user: `id` is `qcs::cam::uin/<owner uin>:uin/<sub-account uin>` (or a bare uin in headers).
    User { id: String, display_name: Option<String> },
    /// A predefined group by its URI, such as [`ALL_USERS`].
    Group { uri: String },
}

/// One grant of an ACL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub grantee: Grantee,
    /// As COS wrote it (`READ`, `FULL_CONTROL`, ...): a permission this client does not know is kept.
    pub permission: String,
}

impl Grant {
    pub fn user(id: &str, permission: Permission) -> Grant {
        Grant { grantee: Grantee::User { id: id.into(), display_name: None }, permission: permission.as_str().into() }
    }
    pub fn group(uri: &str, permission: Permission) -> Grant {
        Grant { grantee: Grantee::Group { uri: uri.into() }, permission: permission.as_str().into() }
    }
    /// `CanonicalUser` or `Group`, the grantee's `xsi:type`.
    pub fn grantee_type(&self) -> &'static str {
        match self.grantee {
            Grantee::User { .. } => "CanonicalUser",
            Grantee::Group { .. } => "Group",
        }
    }
}

/// An object's or a bucket's ACL: its owner and grants, as `get_*_acl` reads it and `put_*_acl_policy`
/// sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Acl {
    pub owner_id: String,
    pub owner_display_name: Option<String>,
    pub grants: Vec<Grant>,
    /// The `x-cos-acl` header of the answer: COS says `default` for an object that inherits its bucket's ACL.
    pub acl_header: Option<String>,
}

impl Acl {
    /// The canned ACL the grants amount to, as the Python SDK reports it: the `x-cos-acl` header when COS
    /// sent one (`default`), else `public-read-write` / `public-read` when the all-users group may read
    /// (and write), else `private`.
    pub fn canned(&self) -> &str {
        if let Some(h) = self.acl_header.as_deref().filter(|h| !h.is_empty()) {
            return h;
        }
        let public = |p: Permission| {
            self.grants
                .iter()
                .any(|g| g.permission == p.as_str() && g.grantee == Grantee::Group { uri: ALL_USERS.into() })
        };
        match (public(Permission::Read), public(Permission::Write)) {
            (true, true) => "public-read-write",
            (true, false) => "public-read",
            _ => "private",
        }
    }

    /// The `<AccessControlPolicy>` of a put. The owner is required (COS refuses a policy without one) and
    /// every permission must be one COS knows.
    pub(crate) fn to_xml(&self) -> Result<String> {
        if self.owner_id.is_empty() {
            return Err(Error::invalid("the ACL has no owner id; COS requires the owner in an AccessControlPolicy"));
        }
        let mut s = format!("<AccessControlPolicy><Owner><ID>{}</ID>", escape(&self.owner_id));
        if let Some(name) = &self.owner_display_name {
            s += &format!("<DisplayName>{}</DisplayName>", escape(name));
        }
        s += "</Owner><AccessControlList>";
        for (i, g) in self.grants.iter().enumerate() {
            let permission =
                Permission::parse(&g.permission).map_err(|e| Error::invalid(format!("grant {i}: {}", e.message())))?;
            s += &format!("<Grant><Grantee xmlns:xsi=\"{XSI}\" xsi:type=\"{}\">", g.grantee_type());
            match &g.grantee {
                Grantee::User { id, display_name } => {
                    if id.is_empty() {
                        return Err(Error::invalid(format!("grant {i}: the user's id is empty")));
                    }
                    s += &format!("<ID>{}</ID>", escape(id));
                    if let Some(name) = display_name {
                        s += &format!("<DisplayName>{}</DisplayName>", escape(name));
                    }
                }
                Grantee::Group { uri } if uri.is_empty() => {
                    return Err(Error::invalid(format!("grant {i}: the group's URI is empty")))
                }
                Grantee::Group { uri } => s += &format!("<URI>{}</URI>", escape(uri)),
            }
            s += &format!("</Grantee><Permission>{}</Permission></Grant>", permission.as_str());
        }
        Ok(s + "</AccessControlList></AccessControlPolicy>")
    }
}

/// Checks a canned ACL for an object (`object`: `private`, `public-read`, `default`) or a bucket
/// (`private`, `public-read`, `public-read-write`).
pub(crate) fn check_canned(acl: &str, object: bool) -> Result<()> {
    let allowed: &[&str] =
        if object { &["private", "public-read", "default"] } else { &["private", "public-read", "public-read-write"] };
    if allowed.contains(&acl) {
        return Ok(());
    }
    let what = if object { "an object" } else { "a bucket" };
    Err(Error::invalid(format!("canned ACL {acl:?} is not one COS accepts for {what}: {}", allowed.join(", "))))
}

fn grant(node: Node<'_, '_>) -> Result<Grant> {
    let grantee = first_child(node, "Grantee").ok_or_else(|| Error::parse("a <Grant> of the ACL has no <Grantee>"))?;
    // `xsi:type` names the kind; without it, a URI means a group.
    let kind = grantee.attributes().find(|a| a.name() == "type").map(|a| a.value().to_string());
    let uri = child_string(grantee, "URI");
    let is_group = match kind.as_deref() {
        Some("Group") => true,
        Some("CanonicalUser") => false,
        Some(other) => return Err(Error::parse(format!("a <Grantee> of the ACL has the unknown type {other:?}"))),
        None => uri.is_some(),
    };
    let grantee = if is_group {
        Grantee::Group { uri: uri.ok_or_else(|| Error::parse("a Group <Grantee> of the ACL has no <URI>"))? }
    } else {
        let id = child_string(grantee, "ID").ok_or_else(|| Error::parse("a CanonicalUser <Grantee> has no <ID>"))?;
        Grantee::User { id, display_name: child_string(grantee, "DisplayName") }
    };
    let permission = child_string(node, "Permission").ok_or_else(|| Error::parse("a <Grant> has no <Permission>"))?;
    Ok(Grant { grantee, permission })
}

/// An `<AccessControlPolicy>` answer (the `x-cos-acl` header is added by the caller).
pub(crate) fn parse_acl(text: &str) -> Result<Acl> {
    let split = root(text, "AccessControlPolicy", &[])?;
    let mut acl = Acl::default();
    let (mut owner_seen, mut list_seen) = (false, false);
    let mut unread = Unread::default();
    for child in split.children() {
        let child = child?;
        match child.name {
            "Owner" if !owner_seen => {
                owner_seen = true;
                (acl.owner_id, acl.owner_display_name) = split.parse(&child, |o| {
                    Ok((child_string(o, "ID").unwrap_or_default(), child_string(o, "DisplayName")))
                })?;
            }
            "AccessControlList" if !list_seen => {
                list_seen = true;
                let list = split.nested(&child)?;
                let mut unread_grants = Unread::default();
                for g in list.children() {
                    let g = g?;
                    if g.name != "Grant" {
                        unread_grants.add(&list, &g)?;
                        continue;
                    }
                    if acl.grants.len() == MAX_ENTRIES {
                        return Err(too_many("AccessControlList"));
                    }
                    acl.grants.push(list.parse(&g, grant)?);
                }
                unread_grants.flush(&list)?;
            }
            _ => unread.add(&split, &child)?,
        }
    }
    unread.flush(&split)?;
    if !owner_seen {
        return Err(Error::parse("the AccessControlPolicy COS returned has no <Owner>"));
    }
    Ok(acl)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer of COS's GET Object acl documentation, as COS writes it.
    const COS_ANSWER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy>
  <Owner>
    <ID>qcs::cam::uin/100000000001:uin/100000000001</ID>
    <DisplayName>100000000001</DisplayName>
  </Owner>
  <AccessControlList>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">
        <ID>qcs::cam::uin/100000000001:uin/100000000001</ID>
        <DisplayName>100000000001</DisplayName>
      </Grantee>
      <Permission>FULL_CONTROL</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">
        <URI>http://cam.qcloud.com/groups/global/AllUsers</URI>
      </Grantee>
      <Permission>READ</Permission>
    </Grant>
  </AccessControlList>
</AccessControlPolicy>"#;

    #[test]
    fn parses_owner_and_grants() {
        let acl = parse_acl(COS_ANSWER).unwrap();
        assert_eq!(acl.owner_id, "qcs::cam::uin/100000000001:uin/100000000001");
        assert_eq!(acl.owner_display_name.as_deref(), Some("100000000001"));
        assert_eq!(acl.grants.len(), 2);
        assert_eq!(
            acl.grants[0].grantee,
            Grantee::User {
                id: "qcs::cam::uin/100000000001:uin/100000000001".into(),
                display_name: Some("100000000001".into())
            }
        );
        assert_eq!(
            (acl.grants[0].grantee_type(), acl.grants[0].permission.as_str()),
            ("CanonicalUser", "FULL_CONTROL")
        );
        assert_eq!(acl.grants[1], Grant::group(ALL_USERS, Permission::Read));
        assert_eq!(acl.canned(), "public-read");
        // Round trip through the body of a put.
        let again = parse_acl(&acl.to_xml().unwrap()).unwrap();
        assert_eq!(again, acl);
    }

    #[test]
    fn canned_acl_as_the_python_sdk_derives_it() {
        let mut acl = Acl { owner_id: "o".into(), ..Acl::default() };
        assert_eq!(acl.canned(), "private");
        acl.grants.push(Grant::group(ALL_USERS, Permission::Write));
        assert_eq!(acl.canned(), "private", "write without read is not public-read");
        acl.grants.push(Grant::group(ALL_USERS, Permission::Read));
        assert_eq!(acl.canned(), "public-read-write");
        acl.acl_header = Some("default".into());
        assert_eq!(acl.canned(), "default");
    }

    #[test]
    fn what_is_refused() {
        for (object, ok) in [(true, "default"), (true, "public-read"), (false, "public-read-write"), (false, "private")]
        {
            check_canned(ok, object).unwrap();
        }
        for (object, bad) in [(true, "public-read-write"), (false, "default"), (true, "Private"), (false, "")] {
            let e = check_canned(bad, object).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
            assert!(e.message().contains(&format!("{bad:?}")), "{e:?}");
        }
        assert!(Permission::parse("read").is_err());
        assert_eq!(Permission::parse("WRITE_ACP").unwrap().header(), "x-cos-grant-write-acp");
        let no_owner = Acl::default();
        assert!(no_owner.to_xml().unwrap_err().message().contains("owner"));
        let mut bad = Acl { owner_id: "o".into(), ..Acl::default() };
        bad.grants.push(Grant { grantee: Grantee::Group { uri: ALL_USERS.into() }, permission: "ALL".into() });
        assert!(bad.to_xml().unwrap_err().message().starts_with("grant 0: permission must be"));
        bad.grants[0] = Grant::user("", Permission::Read);
        assert!(bad.to_xml().unwrap_err().message().contains("id is empty"));
        // Answers that no COS gives.
        for text in [
            "<AccessControlPolicy><AccessControlList/></AccessControlPolicy>",
            "<AccessControlPolicy><Owner/><AccessControlList><Grant><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>",
            "<AccessControlPolicy><Owner/><AccessControlList><Grant><Grantee><ID>a</ID></Grantee></Grant></AccessControlList></AccessControlPolicy>",
            "<AccessControlPolicy xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'><Owner/><AccessControlList><Grant><Grantee xsi:type='Robot'><ID>a</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>",
            "<Tagging/>",
        ] {
            assert_eq!(parse_acl(text).unwrap_err().kind(), crate::ErrorKind::Parse, "{text}");
        }
        // A grantee without xsi:type is a group when it has a URI.
        let acl = parse_acl("<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee><URI>u</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>").unwrap();
        assert_eq!(acl.grants[0].grantee, Grantee::Group { uri: "u".into() });
    }
}
