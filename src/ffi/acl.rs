//! Object and bucket ACLs: `cos_acl_policy` (owner and grants, read from COS or built to send), the put
//! calls from a canned ACL and the grants of the options, and from a whole policy.

use super::options::{cos_request_options, options_or_default};
use super::{
    arg_opt_str, arg_out, arg_ref, arg_str, boxed, bucket_args, c_ptr, c_string, call, cos_client, cos_error,
    cos_status, free_box, guard, object_args, read, set_out, update,
};
use crate::{Acl, Grant, Grantee};
use std::ffi::{c_char, CString};

/// An object's or a bucket's ACL: the owner and the grants. Strings returned by its accessors stay valid
/// until the policy is freed, except that `cos_acl_policy_set_owner` replaces the owner's strings.
pub struct cos_acl_policy {
    inner: Acl,
    owner_id: CString,
    owner_display_name: Option<CString>,
    /// The `x-cos-acl` header of the answer, for `cos_acl_policy_canned`.
    acl_header: Option<CString>,
    grants: Vec<GrantRow>,
}

/// One grant of a `cos_acl_policy`, as C strings.
struct GrantRow {
    grantee_type: CString,
    id: Option<CString>,
    uri: Option<CString>,
    display_name: Option<CString>,
    permission: CString,
}

impl GrantRow {
    fn new(g: &Grant) -> GrantRow {
        let (id, uri, display_name) = match &g.grantee {
            Grantee::User { id, display_name } => (Some(c_string(id)), None, display_name.as_deref().map(c_string)),
            Grantee::Group { uri } => (None, Some(c_string(uri)), None),
        };
        GrantRow {
            grantee_type: c_string(g.grantee_type()),
            id,
            uri,
            display_name,
            permission: c_string(&g.permission),
        }
    }
}

impl cos_acl_policy {
    fn new(inner: Acl) -> cos_acl_policy {
        cos_acl_policy {
            owner_id: c_string(&inner.owner_id),
            owner_display_name: inner.owner_display_name.as_deref().map(c_string),
            acl_header: inner.acl_header.as_deref().map(c_string),
            grants: inner.grants.iter().map(GrantRow::new).collect(),
            inner,
        }
    }

    /// The canned ACL as a static string, or the header COS sent (kept for the handle's life), so that no
    /// pointer handed out before an `add_grant` dangles after it.
    fn canned(&self) -> *const c_char {
        match self.inner.canned() {
            "private" => c"private".as_ptr(),
            "public-read" => c"public-read".as_ptr(),
            "public-read-write" => c"public-read-write".as_ptr(),
            _ => c_ptr(&self.acl_header),
        }
    }

    fn grant(&self, index: usize, field: impl FnOnce(&GrantRow) -> *const c_char) -> *const c_char {
        self.grants.get(index).map_or(std::ptr::null(), field)
    }
}

/// A new, empty policy to send with `cos_client_put_*_acl_policy`: set its owner, then add grants. Never NULL.
#[no_mangle]
pub extern "C" fn cos_acl_policy_new() -> *mut cos_acl_policy {
    guard(std::ptr::null_mut(), || boxed(cos_acl_policy::new(Acl::default())))
}

/// Sets the owner: `id` such as "qcs::cam::uin/100000000001:uin/100000000001" (COS requires it in a
/// policy), `display_name` may be NULL.
#[no_mangle]
pub extern "C" fn cos_acl_policy_set_owner(
    acl: *mut cos_acl_policy,
    id: *const c_char,
    display_name: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "acl", acl, |a| {
        let (id, name) = (arg_str("id", id)?, arg_opt_str("display_name", display_name)?);
        if id.is_empty() {
            return Err(crate::Error::invalid("id is empty; the owner is a COS user id"));
        }
        a.inner.owner_id = id.to_string();
        a.inner.owner_display_name = name.map(str::to_string);
        a.owner_id = c_string(id);
        a.owner_display_name = name.map(c_string);
        Ok(())
    })
}

/// Adds a grant of `permission` ("READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL") to a grantee of
/// `grantee_type` "CanonicalUser" (`grantee` is a user id, "qcs::cam::uin/<uin>:uin/<uin>") or "Group"
/// (`grantee` is a group URI, such as "http://cam.qcloud.com/groups/global/AllUsers").
#[no_mangle]
pub extern "C" fn cos_acl_policy_add_grant(
    acl: *mut cos_acl_policy,
    grantee_type: *const c_char,
    grantee: *const c_char,
    permission: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "acl", acl, |a| {
        let (kind, who) = (arg_str("grantee_type", grantee_type)?, arg_str("grantee", grantee)?);
        let permission = crate::Permission::parse(arg_str("permission", permission)?)?;
        if who.is_empty() {
            return Err(crate::Error::invalid("grantee is empty"));
        }
        let grant = match kind {
            "CanonicalUser" => Grant::user(who, permission),
            "Group" => Grant::group(who, permission),
            _ => {
                return Err(crate::Error::invalid(format!(
                    "grantee_type must be \"CanonicalUser\" or \"Group\", got {kind:?}"
                )))
            }
        };
        a.grants.push(GrantRow::new(&grant));
        a.inner.grants.push(grant);
        Ok(())
    })
}

/// The owner's id, or NULL for NULL.
#[no_mangle]
pub extern "C" fn cos_acl_policy_owner_id(acl: *const cos_acl_policy) -> *const c_char {
    read(acl, std::ptr::null(), |a| a.owner_id.as_ptr())
}

/// The owner's display name, or NULL when COS sent none.
#[no_mangle]
pub extern "C" fn cos_acl_policy_owner_display_name(acl: *const cos_acl_policy) -> *const c_char {
    read(acl, std::ptr::null(), |a| c_ptr(&a.owner_display_name))
}

/// The canned ACL the policy amounts to, as the Python SDK's CannedACL: "default" when COS said the object
/// inherits its bucket's ACL, "public-read-write" / "public-read" when all users may read (and write),
/// else "private". NULL for NULL.
#[no_mangle]
pub extern "C" fn cos_acl_policy_canned(acl: *const cos_acl_policy) -> *const c_char {
    read(acl, std::ptr::null(), |a| a.canned())
}

/// Number of grants; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_acl_policy_grant_count(acl: *const cos_acl_policy) -> usize {
    read(acl, 0, |a| a.grants.len())
}

/// The grantee type of grant `index`: "CanonicalUser" or "Group"; NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_acl_policy_grant_type(acl: *const cos_acl_policy, index: usize) -> *const c_char {
    read(acl, std::ptr::null(), |a| a.grant(index, |g| g.grantee_type.as_ptr()))
}

/// The user id of grant `index` (a CanonicalUser grantee); NULL for a group or out of range.
#[no_mangle]
pub extern "C" fn cos_acl_policy_grant_id(acl: *const cos_acl_policy, index: usize) -> *const c_char {
    read(acl, std::ptr::null(), |a| a.grant(index, |g| c_ptr(&g.id)))
}

/// The group URI of grant `index` (a Group grantee); NULL for a user or out of range.
#[no_mangle]
pub extern "C" fn cos_acl_policy_grant_uri(acl: *const cos_acl_policy, index: usize) -> *const c_char {
    read(acl, std::ptr::null(), |a| a.grant(index, |g| c_ptr(&g.uri)))
}

/// The grantee's display name of grant `index`, NULL when COS sent none or out of range.
#[no_mangle]
pub extern "C" fn cos_acl_policy_grant_display_name(acl: *const cos_acl_policy, index: usize) -> *const c_char {
    read(acl, std::ptr::null(), |a| a.grant(index, |g| c_ptr(&g.display_name)))
}

/// The permission of grant `index` as COS wrote it ("READ", "FULL_CONTROL", ...); NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_acl_policy_grant_permission(acl: *const cos_acl_policy, index: usize) -> *const c_char {
    read(acl, std::ptr::null(), |a| a.grant(index, |g| g.permission.as_ptr()))
}

/// Frees a policy. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_acl_policy_free(acl: *mut cos_acl_policy) {
    free_box(acl)
}

/// Sets the object's ACL from `canned` ("private", "public-read", or "default": inherit the bucket's; NULL
/// for none) and/or the grants of `opts` (`cos_request_options_set_grant`); one of them is required.
/// `opts` may also address a version.
#[no_mangle]
pub extern "C" fn cos_client_put_object_acl(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    canned: *const c_char,
    opts: *const cos_request_options,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let canned = arg_opt_str("canned", canned)?;
        client.put_object_acl(bucket, key, canned, &options_or_default(opts))
    })
}

/// Replaces the object's ACL with `acl` (its owner and grants, sent as an AccessControlPolicy document).
#[no_mangle]
pub extern "C" fn cos_client_put_object_acl_policy(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    acl: *const cos_acl_policy,
    opts: *const cos_request_options,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        client.put_object_acl_policy(bucket, key, &arg_ref("acl", acl)?.inner, &options_or_default(opts))
    })
}

/// The object's owner and grants in a new `cos_acl_policy`. `opts` may address a version.
#[no_mangle]
pub extern "C" fn cos_client_get_object_acl(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    out: *mut *mut cos_acl_policy,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("out", out)?;
        set_out(out, cos_acl_policy::new(client.get_object_acl(bucket, key, &options_or_default(opts))?));
        Ok(())
    })
}

/// Sets the bucket's ACL from `canned` ("private", "public-read", "public-read-write"; NULL for none) and/or
/// the grants of `opts`; one of them is required.
#[no_mangle]
pub extern "C" fn cos_client_put_bucket_acl(
    client: *const cos_client,
    bucket: *const c_char,
    canned: *const c_char,
    opts: *const cos_request_options,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.put_bucket_acl(bucket, arg_opt_str("canned", canned)?, &options_or_default(opts))
    })
}

/// Replaces the bucket's ACL with `acl`.
#[no_mangle]
pub extern "C" fn cos_client_put_bucket_acl_policy(
    client: *const cos_client,
    bucket: *const c_char,
    acl: *const cos_acl_policy,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.put_bucket_acl_policy(bucket, &arg_ref("acl", acl)?.inner)
    })
}

/// The bucket's owner and grants in a new `cos_acl_policy`.
#[no_mangle]
pub extern "C" fn cos_client_get_bucket_acl(
    client: *const cos_client,
    bucket: *const c_char,
    out: *mut *mut cos_acl_policy,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        arg_out("out", out)?;
        set_out(out, cos_acl_policy::new(client.get_bucket_acl(bucket)?));
        Ok(())
    })
}
