//! Restoring ARCHIVE / DEEP_ARCHIVE objects, and the restore state HEAD reports (`x-cos-restore`).

use super::object::cos_object_info;
use super::options::{cos_request_options, options_or_default};
use super::{call, cos_client, cos_error, cos_status, object_args, read};
use crate::RestoreTier;
use std::ffi::c_char;

/// How fast COS restores an archived object. Values are never renumbered.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cos_restore_tier {
    /// Minutes (ARCHIVE only).
    COS_RESTORE_TIER_EXPEDITED = 0,
    /// Hours.
    COS_RESTORE_TIER_STANDARD = 1,
    /// The slowest and cheapest.
    COS_RESTORE_TIER_BULK = 2,
}

/// The C-ABI view of a tier argument: an integer, so that a value outside the enum is an error
/// (COS_INVALID_ARGUMENT) instead of undefined behaviour. The header spells it `cos_restore_tier`.
pub type cos_restore_tier_arg = u32;

fn tier(value: cos_restore_tier_arg) -> crate::Result<RestoreTier> {
    match value {
        0 => Ok(RestoreTier::Expedited),
        1 => Ok(RestoreTier::Standard),
        2 => Ok(RestoreTier::Bulk),
        _ => Err(crate::Error::invalid(format!(
            "tier must be COS_RESTORE_TIER_EXPEDITED, _STANDARD or _BULK (0, 1, 2), got {value}"
        ))),
    }
}

/// Asks COS to restore an archived object (ARCHIVE or DEEP_ARCHIVE) for `days` days (at least 1) at
/// `tier`. `opts` (may be NULL) may address a version. A restore already running fails with code
/// "RestoreAlreadyInProgress"; follow its progress with `cos_client_head_object` and
/// `cos_object_info_restore_ongoing`.
#[no_mangle]
pub extern "C" fn cos_client_restore_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    days: u32,
    tier: cos_restore_tier_arg,
    opts: *const cos_request_options,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let tier = self::tier(tier)?;
        client.restore_object(bucket, key, days, tier, &options_or_default(opts)).map(drop)
    })
}

/// The restore state of an archived object from a HEAD's x-cos-restore: 1 while COS restores it, 0 when the
/// restored copy is readable (until `cos_object_info_restore_expiry`), -1 when the answer says nothing
/// about a restore (not archived, none asked for, a malformed header) or for NULL.
#[no_mangle]
pub extern "C" fn cos_object_info_restore_ongoing(i: *const cos_object_info) -> i32 {
    read(i, -1, |i| i.info.restore().map_or(-1, |r| i32::from(r.ongoing)))
}

/// When the restored copy goes away (an HTTP date such as "Fri, 21 Dec 2012 00:00:00 GMT"), once a restore
/// is done; NULL otherwise.
#[no_mangle]
pub extern "C" fn cos_object_info_restore_expiry(i: *const cos_object_info) -> *const c_char {
    read(i, std::ptr::null(), |i| super::c_ptr(&i.restore_expiry))
}
