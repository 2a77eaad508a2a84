//! Bucket lifecycle (`cos_lifecycle`): a handle holding rules, built with `cos_lifecycle_add_rule` and
//! setters addressing a rule by its index, read back with accessors; put, get and delete on a bucket.
//! Every value is checked by the Rust core's rule type as it is set, and the whole configuration again
//! before a put, so a mistake costs no request.

use super::{
    arg_opt_str, arg_out, arg_ref, arg_str, boxed, bucket_args, c_string, call, cos_client, cos_error, cos_status,
    free_box, guard, read, set_out, store, update,
};
use crate::{LifecycleRule, LifecycleTime};
use std::ffi::{c_char, CString};

/// A lifecycle configuration: rules with their filters and actions. Strings returned by its accessors
/// live until the rule they belong to is changed or the handle is freed. One thread at a time.
pub struct cos_lifecycle {
    rules: Vec<LifecycleRule>,
    strings: Vec<RuleStrings>,
}

/// The C strings of one rule, rebuilt whenever the rule changes.
struct RuleStrings {
    id: Option<CString>,
    prefix: Option<CString>,
    tag_keys: Vec<CString>,
    tag_values: Vec<CString>,
    expiration_date: Option<CString>,
    transition_dates: Vec<Option<CString>>,
    transition_classes: Vec<CString>,
    noncurrent_classes: Vec<CString>,
}

impl RuleStrings {
    fn of(r: &LifecycleRule) -> RuleStrings {
        let date = |t: &LifecycleTime| match t {
            LifecycleTime::Date(d) => Some(c_string(d)),
            LifecycleTime::Days(_) => None,
        };
        RuleStrings {
            id: r.id.as_deref().map(c_string),
            prefix: r.prefix.as_deref().map(c_string),
            tag_keys: r.tags.iter().map(|(k, _)| c_string(k)).collect(),
            tag_values: r.tags.iter().map(|(_, v)| c_string(v)).collect(),
            expiration_date: r.expiration.as_ref().and_then(date),
            transition_dates: r.transitions.iter().map(|t| date(&t.when)).collect(),
            transition_classes: r.transitions.iter().map(|t| c_string(&t.storage_class)).collect(),
            noncurrent_classes: r.noncurrent_transitions.iter().map(|t| c_string(&t.storage_class)).collect(),
        }
    }
}

impl cos_lifecycle {
    fn new(rules: Vec<LifecycleRule>) -> cos_lifecycle {
        let strings = rules.iter().map(RuleStrings::of).collect();
        cos_lifecycle { rules, strings }
    }

    /// Field `f` of rule `rule`'s strings; NULL when out of range or absent.
    fn rule_str(&self, rule: usize, f: impl FnOnce(&RuleStrings) -> Option<&CString>) -> *const c_char {
        self.strings.get(rule).map_or(std::ptr::null(), |s| ptr(f(s)))
    }

    /// Changes rule `rule` with `f` (a core setter, which checks the value), then refreshes its strings.
    fn edit(&mut self, rule: usize, f: impl FnOnce(&mut LifecycleRule) -> crate::Result<()>) -> crate::Result<()> {
        let count = self.rules.len();
        let r = self.rules.get_mut(rule).ok_or_else(|| {
            crate::Error::invalid(format!("rule {rule} is out of range: the lifecycle has {count} rules"))
        })?;
        f(r)?;
        self.strings[rule] = RuleStrings::of(r);
        Ok(())
    }
}

fn ptr(s: Option<&CString>) -> *const c_char {
    s.map_or(std::ptr::null(), |c| c.as_ptr())
}

fn days_of(t: &LifecycleTime) -> u32 {
    match t {
        LifecycleTime::Days(d) => *d,
        LifecycleTime::Date(_) => 0,
    }
}

/// A new, empty lifecycle configuration. Never NULL; free with `cos_lifecycle_free`.
#[no_mangle]
pub extern "C" fn cos_lifecycle_new() -> *mut cos_lifecycle {
    guard(std::ptr::null_mut(), || boxed(cos_lifecycle::new(Vec::new())))
}

/// Frees a lifecycle configuration. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_lifecycle_free(lc: *mut cos_lifecycle) {
    free_box(lc)
}

/// Adds a rule with no action yet and stores its index in `*index` (may be NULL). `id` (at most 255
/// characters, unique in the configuration) and `prefix` (the keys it applies to; NULL or "": the whole
/// bucket) may be NULL. Give it at least one action with the `cos_lifecycle_rule_set_*` / `_add_*` calls
/// before putting it.
#[no_mangle]
pub extern "C" fn cos_lifecycle_add_rule(
    lc: *mut cos_lifecycle,
    id: *const c_char,
    prefix: *const c_char,
    enabled: bool,
    index: *mut usize,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| {
        let rule = LifecycleRule::new(arg_opt_str("id", id)?, arg_opt_str("prefix", prefix)?, enabled)?;
        lc.strings.push(RuleStrings::of(&rule));
        lc.rules.push(rule);
        store(index, lc.rules.len() - 1);
        Ok(())
    })
}

/// Restricts rule `rule` to objects carrying tag `key`=`value` as well (with its prefix, if any). At most
/// 10 tags; keys of 1 to 128 characters, values up to 256.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_add_tag(
    lc: *mut cos_lifecycle,
    rule: usize,
    key: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| {
        let (key, value) = (arg_str("key", key)?, arg_str("value", value)?);
        lc.edit(rule, |r| r.add_tag(key, value).map(drop))
    })
}

/// Current versions expire `days` (at least 1) after creation; replaces an expiration date.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_set_expiration_days(
    lc: *mut cos_lifecycle,
    rule: usize,
    days: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| lc.edit(rule, |r| r.expiration_days(days).map(drop)))
}

/// Current versions expire on `date` (ISO 8601, e.g. "2030-01-01T00:00:00+08:00"); replaces expiration days.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_set_expiration_date(
    lc: *mut cos_lifecycle,
    rule: usize,
    date: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| {
        let date = arg_str("date", date)?;
        lc.edit(rule, |r| r.expiration_date(date).map(drop))
    })
}

/// Removes delete markers that have no noncurrent version left (versioned buckets). COS takes it only in a
/// rule whose expiration has no days or date.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_set_expired_object_delete_marker(
    lc: *mut cos_lifecycle,
    rule: usize,
    on: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| {
        lc.edit(rule, |r| {
            r.expired_object_delete_marker(on);
            Ok(())
        })
    })
}

/// Adds a transition: current versions move to `storage_class` ("STANDARD_IA", "ARCHIVE",
/// "DEEP_ARCHIVE", "INTELLIGENT_TIERING", ...) `days` (at least 1) after creation.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_add_transition(
    lc: *mut cos_lifecycle,
    rule: usize,
    days: u32,
    storage_class: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| {
        let class = arg_str("storage_class", storage_class)?;
        lc.edit(rule, |r| r.transition_days(days, class).map(drop))
    })
}

/// Adds a transition on a date (ISO 8601) instead of after a number of days.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_add_transition_date(
    lc: *mut cos_lifecycle,
    rule: usize,
    date: *const c_char,
    storage_class: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| {
        let (date, class) = (arg_str("date", date)?, arg_str("storage_class", storage_class)?);
        lc.edit(rule, |r| r.transition_date(date, class).map(drop))
    })
}

/// Noncurrent versions are deleted `days` (at least 1) after they became noncurrent.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_set_noncurrent_expiration_days(
    lc: *mut cos_lifecycle,
    rule: usize,
    days: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| lc.edit(rule, |r| r.noncurrent_expiration_days(days).map(drop)))
}

/// Adds a transition of noncurrent versions to `storage_class`, `days` after they became noncurrent.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_add_noncurrent_transition(
    lc: *mut cos_lifecycle,
    rule: usize,
    days: u32,
    storage_class: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| {
        let class = arg_str("storage_class", storage_class)?;
        lc.edit(rule, |r| r.noncurrent_transition(days, class).map(drop))
    })
}

/// Multipart uploads still incomplete `days` (at least 1) after they were initiated are aborted.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_set_abort_multipart_days(
    lc: *mut cos_lifecycle,
    rule: usize,
    days: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "lc", lc, |lc| lc.edit(rule, |r| r.abort_incomplete_multipart_days(days).map(drop)))
}

/// Number of rules; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_count(lc: *const cos_lifecycle) -> usize {
    read(lc, 0, |lc| lc.rules.len())
}

/// ID of rule `rule`, or NULL when it has none (or out of range).
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_id(lc: *const cos_lifecycle, rule: usize) -> *const c_char {
    read(lc, std::ptr::null(), |lc| lc.rule_str(rule, |s| s.id.as_ref()))
}

/// Prefix of rule `rule`'s filter, or NULL when it has none.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_prefix(lc: *const cos_lifecycle, rule: usize) -> *const c_char {
    read(lc, std::ptr::null(), |lc| lc.rule_str(rule, |s| s.prefix.as_ref()))
}

/// Whether rule `rule` is enabled (Status Enabled); false when out of range.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_enabled(lc: *const cos_lifecycle, rule: usize) -> bool {
    read(lc, false, |lc| lc.rules.get(rule).is_some_and(|r| r.enabled))
}

/// Number of tags in rule `rule`'s filter.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_tag_count(lc: *const cos_lifecycle, rule: usize) -> usize {
    read(lc, 0, |lc| lc.rules.get(rule).map_or(0, |r| r.tags.len()))
}

/// Key of tag `index` of rule `rule`'s filter, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_tag_key(lc: *const cos_lifecycle, rule: usize, index: usize) -> *const c_char {
    read(lc, std::ptr::null(), |lc| lc.rule_str(rule, |s| s.tag_keys.get(index)))
}

/// Value of tag `index` of rule `rule`'s filter, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_tag_value(lc: *const cos_lifecycle, rule: usize, index: usize) -> *const c_char {
    read(lc, std::ptr::null(), |lc| lc.rule_str(rule, |s| s.tag_values.get(index)))
}

/// Expiration of current versions in days after creation; 0 when the rule expires by date or not at all.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_expiration_days(lc: *const cos_lifecycle, rule: usize) -> u32 {
    read(lc, 0, |lc| lc.rules.get(rule).map_or(0, |r| r.expiration.as_ref().map_or(0, days_of)))
}

/// Expiration date of current versions, or NULL when the rule expires by days or not at all.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_expiration_date(lc: *const cos_lifecycle, rule: usize) -> *const c_char {
    read(lc, std::ptr::null(), |lc| lc.rule_str(rule, |s| s.expiration_date.as_ref()))
}

/// Whether rule `rule` removes expired delete markers.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_expired_object_delete_marker(lc: *const cos_lifecycle, rule: usize) -> bool {
    read(lc, false, |lc| lc.rules.get(rule).is_some_and(|r| r.expired_object_delete_marker))
}

/// Number of transitions of current versions in rule `rule`.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_transition_count(lc: *const cos_lifecycle, rule: usize) -> usize {
    read(lc, 0, |lc| lc.rules.get(rule).map_or(0, |r| r.transitions.len()))
}

/// Days after creation of transition `index`; 0 when it is by date (or out of range).
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_transition_days(lc: *const cos_lifecycle, rule: usize, index: usize) -> u32 {
    read(lc, 0, |lc| lc.rules.get(rule).map_or(0, |r| r.transitions.get(index).map_or(0, |t| days_of(&t.when))))
}

/// Date of transition `index`, or NULL when it is by days (or out of range).
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_transition_date(
    lc: *const cos_lifecycle,
    rule: usize,
    index: usize,
) -> *const c_char {
    read(lc, std::ptr::null(), |lc| lc.rule_str(rule, |s| s.transition_dates.get(index).and_then(Option::as_ref)))
}

/// Storage class of transition `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_transition_storage_class(
    lc: *const cos_lifecycle,
    rule: usize,
    index: usize,
) -> *const c_char {
    read(lc, std::ptr::null(), |lc| lc.rule_str(rule, |s| s.transition_classes.get(index)))
}

/// Days after which noncurrent versions are deleted; 0 when the rule does not delete them.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_noncurrent_expiration_days(lc: *const cos_lifecycle, rule: usize) -> u32 {
    read(lc, 0, |lc| lc.rules.get(rule).map_or(0, |r| r.noncurrent_expiration_days.unwrap_or(0)))
}

/// Number of transitions of noncurrent versions in rule `rule`.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_noncurrent_transition_count(lc: *const cos_lifecycle, rule: usize) -> usize {
    read(lc, 0, |lc| lc.rules.get(rule).map_or(0, |r| r.noncurrent_transitions.len()))
}

/// Days after becoming noncurrent of noncurrent transition `index`; 0 when out of range.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_noncurrent_transition_days(
    lc: *const cos_lifecycle,
    rule: usize,
    index: usize,
) -> u32 {
    read(lc, 0, |lc| lc.rules.get(rule).map_or(0, |r| r.noncurrent_transitions.get(index).map_or(0, |t| t.days)))
}

/// Storage class of noncurrent transition `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_noncurrent_transition_storage_class(
    lc: *const cos_lifecycle,
    rule: usize,
    index: usize,
) -> *const c_char {
    read(lc, std::ptr::null(), |lc| lc.rule_str(rule, |s| s.noncurrent_classes.get(index)))
}

/// Days after initiation after which incomplete multipart uploads are aborted; 0 when the rule does not.
#[no_mangle]
pub extern "C" fn cos_lifecycle_rule_abort_multipart_days(lc: *const cos_lifecycle, rule: usize) -> u32 {
    read(lc, 0, |lc| lc.rules.get(rule).map_or(0, |r| r.abort_incomplete_multipart_days.unwrap_or(0)))
}

/// Replaces the bucket's lifecycle configuration with the rules of `lc` (1 to 1000, each with at least
/// one action, IDs unique): checked before anything is sent (COS_INVALID_ARGUMENT naming the rule).
#[no_mangle]
pub extern "C" fn cos_client_put_bucket_lifecycle(
    client: *const cos_client,
    bucket: *const c_char,
    lc: *const cos_lifecycle,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.put_bucket_lifecycle(bucket, &arg_ref("lc", lc)?.rules)
    })
}

/// The bucket's lifecycle rules, into `*out` (free with `cos_lifecycle_free`). A bucket without a
/// configuration is COS_SERVICE_ERROR with code NoSuchLifecycleConfiguration. Elements outside the common
/// fields are not parsed; read the raw document with `cos_client_bucket_subresource(.., "lifecycle", ..)`.
#[no_mangle]
pub extern "C" fn cos_client_get_bucket_lifecycle(
    client: *const cos_client,
    bucket: *const c_char,
    out: *mut *mut cos_lifecycle,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        arg_out("out", out)?;
        set_out(out, cos_lifecycle::new(client.get_bucket_lifecycle(bucket)?));
        Ok(())
    })
}

/// Deletes the bucket's lifecycle configuration.
#[no_mangle]
pub extern "C" fn cos_client_delete_bucket_lifecycle(
    client: *const cos_client,
    bucket: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.delete_bucket_lifecycle(bucket)
    })
}
