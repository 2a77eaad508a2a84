//! Bucket CORS (`cos_cors`): a handle holding rules, built with `cos_cors_add_rule` and setters addressing
//! a rule by its index, read back with accessors; put, get and delete on a bucket; and the CORS preflight
//! (`cos_client_cors_preflight`, result `cos_cors_preflight`). Values are checked by the Rust core's rule
//! type as they are set and the whole configuration again before a put.

use super::object::{cos_object_info, set_info};
use super::{
    arg_opt_str, arg_out, arg_ref, arg_str, boxed, bucket_args, c_ptr, c_string, call, cos_client, cos_error,
    cos_status, free_box, guard, read, set_out, store, string_at, update,
};
use crate::{CorsPreflight, CorsRule};
use std::ffi::{c_char, CString};

/// A CORS configuration. Strings returned by its accessors live until the rule they belong to is changed
/// or the handle is freed. One thread at a time.
pub struct cos_cors {
    rules: Vec<CorsRule>,
    strings: Vec<RuleStrings>,
}

struct RuleStrings {
    id: Option<CString>,
    origins: Vec<CString>,
    methods: Vec<CString>,
    allowed_headers: Vec<CString>,
    expose_headers: Vec<CString>,
}

impl RuleStrings {
    fn of(r: &CorsRule) -> RuleStrings {
        let all = |v: &[String]| v.iter().map(|s| c_string(s)).collect();
        RuleStrings {
            id: r.id.as_deref().map(c_string),
            origins: all(&r.allowed_origins),
            methods: all(&r.allowed_methods),
            allowed_headers: all(&r.allowed_headers),
            expose_headers: all(&r.expose_headers),
        }
    }
}

impl cos_cors {
    fn new(rules: Vec<CorsRule>) -> cos_cors {
        let strings = rules.iter().map(RuleStrings::of).collect();
        cos_cors { rules, strings }
    }

    /// Item `index` of a string list of rule `rule`; NULL when out of range.
    fn list_at(&self, rule: usize, index: usize, f: fn(&RuleStrings) -> &[CString]) -> *const c_char {
        self.strings.get(rule).map_or(std::ptr::null(), |s| string_at(f(s), index))
    }

    fn list_len(&self, rule: usize, f: fn(&RuleStrings) -> &[CString]) -> usize {
        self.strings.get(rule).map_or(0, |s| f(s).len())
    }

    /// Changes rule `rule` with `f` (a core setter, which checks the value), then refreshes its strings.
    fn edit(&mut self, rule: usize, f: impl FnOnce(&mut CorsRule) -> crate::Result<()>) -> crate::Result<()> {
        let count = self.rules.len();
        let r = self.rules.get_mut(rule).ok_or_else(|| {
            crate::Error::invalid(format!("rule {rule} is out of range: the CORS configuration has {count} rules"))
        })?;
        f(r)?;
        self.strings[rule] = RuleStrings::of(r);
        Ok(())
    }
}

/// A new, empty CORS configuration. Never NULL; free with `cos_cors_free`.
#[no_mangle]
pub extern "C" fn cos_cors_new() -> *mut cos_cors {
    guard(std::ptr::null_mut(), || boxed(cos_cors::new(Vec::new())))
}

/// Frees a CORS configuration. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_cors_free(cors: *mut cos_cors) {
    free_box(cors)
}

/// Adds a rule allowing nothing yet and stores its index in `*index` (may be NULL). `id` may be NULL.
/// Give it at least one origin and one method before putting it.
#[no_mangle]
pub extern "C" fn cos_cors_add_rule(
    cors: *mut cos_cors,
    id: *const c_char,
    index: *mut usize,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "cors", cors, |c| {
        let rule = CorsRule::new(arg_opt_str("id", id)?)?;
        c.strings.push(RuleStrings::of(&rule));
        c.rules.push(rule);
        store(index, c.rules.len() - 1);
        Ok(())
    })
}

/// Allows `origin` in rule `rule`: "https://example.com", one "*" as a wildcard (a subdomain: "https://" then
/// "*.example.com"), or "*" for any origin.
#[no_mangle]
pub extern "C" fn cos_cors_rule_add_origin(
    cors: *mut cos_cors,
    rule: usize,
    origin: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "cors", cors, |c| {
        let origin = arg_str("origin", origin)?;
        c.edit(rule, |r| r.allow_origin(origin).map(drop))
    })
}

/// Allows `method` (GET, PUT, POST, DELETE or HEAD) in rule `rule`; a method already allowed is kept once.
#[no_mangle]
pub extern "C" fn cos_cors_rule_add_method(
    cors: *mut cos_cors,
    rule: usize,
    method: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "cors", cors, |c| {
        let method = arg_str("method", method)?;
        c.edit(rule, |r| r.allow_method(method).map(drop))
    })
}

/// Allows request header `header` ("*" for any) in rule `rule`.
#[no_mangle]
pub extern "C" fn cos_cors_rule_add_allowed_header(
    cors: *mut cos_cors,
    rule: usize,
    header: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "cors", cors, |c| {
        let header = arg_str("header", header)?;
        c.edit(rule, |r| r.allow_header(header).map(drop))
    })
}

/// Lets the page read response header `header` (rule `rule`).
#[no_mangle]
pub extern "C" fn cos_cors_rule_add_expose_header(
    cors: *mut cos_cors,
    rule: usize,
    header: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "cors", cors, |c| {
        let header = arg_str("header", header)?;
        c.edit(rule, |r| r.expose_header(header).map(drop))
    })
}

/// How long a browser may keep a preflight's answer for rule `rule`.
#[no_mangle]
pub extern "C" fn cos_cors_rule_set_max_age(
    cors: *mut cos_cors,
    rule: usize,
    seconds: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "cors", cors, |c| {
        c.edit(rule, |r| {
            r.max_age(seconds);
            Ok(())
        })
    })
}

/// Number of rules; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_cors_rule_count(cors: *const cos_cors) -> usize {
    read(cors, 0, |c| c.rules.len())
}

/// ID of rule `rule`, or NULL when it has none (or out of range).
#[no_mangle]
pub extern "C" fn cos_cors_rule_id(cors: *const cos_cors, rule: usize) -> *const c_char {
    read(cors, std::ptr::null(), |c| c.strings.get(rule).map_or(std::ptr::null(), |s| c_ptr(&s.id)))
}

/// Number of allowed origins of rule `rule`.
#[no_mangle]
pub extern "C" fn cos_cors_rule_origin_count(cors: *const cos_cors, rule: usize) -> usize {
    read(cors, 0, |c| c.list_len(rule, |s| &s.origins))
}

/// Allowed origin `index` of rule `rule`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_cors_rule_origin(cors: *const cos_cors, rule: usize, index: usize) -> *const c_char {
    read(cors, std::ptr::null(), |c| c.list_at(rule, index, |s| &s.origins))
}

/// Number of allowed methods of rule `rule`.
#[no_mangle]
pub extern "C" fn cos_cors_rule_method_count(cors: *const cos_cors, rule: usize) -> usize {
    read(cors, 0, |c| c.list_len(rule, |s| &s.methods))
}

/// Allowed method `index` of rule `rule`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_cors_rule_method(cors: *const cos_cors, rule: usize, index: usize) -> *const c_char {
    read(cors, std::ptr::null(), |c| c.list_at(rule, index, |s| &s.methods))
}

/// Number of allowed request headers of rule `rule`.
#[no_mangle]
pub extern "C" fn cos_cors_rule_allowed_header_count(cors: *const cos_cors, rule: usize) -> usize {
    read(cors, 0, |c| c.list_len(rule, |s| &s.allowed_headers))
}

/// Allowed request header `index` of rule `rule`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_cors_rule_allowed_header(cors: *const cos_cors, rule: usize, index: usize) -> *const c_char {
    read(cors, std::ptr::null(), |c| c.list_at(rule, index, |s| &s.allowed_headers))
}

/// Number of exposed response headers of rule `rule`.
#[no_mangle]
pub extern "C" fn cos_cors_rule_expose_header_count(cors: *const cos_cors, rule: usize) -> usize {
    read(cors, 0, |c| c.list_len(rule, |s| &s.expose_headers))
}

/// Exposed response header `index` of rule `rule`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_cors_rule_expose_header(cors: *const cos_cors, rule: usize, index: usize) -> *const c_char {
    read(cors, std::ptr::null(), |c| c.list_at(rule, index, |s| &s.expose_headers))
}

/// Max age in seconds of rule `rule`; -1 when it has none (or for NULL / out of range).
#[no_mangle]
pub extern "C" fn cos_cors_rule_max_age(cors: *const cos_cors, rule: usize) -> i64 {
    read(cors, -1, |c| c.rules.get(rule).and_then(|r| r.max_age_seconds).map_or(-1, i64::from))
}

/// Replaces the bucket's CORS configuration with the rules of `cors` (1 to 100, each with an origin and a
/// method): checked before anything is sent.
#[no_mangle]
pub extern "C" fn cos_client_put_bucket_cors(
    client: *const cos_client,
    bucket: *const c_char,
    cors: *const cos_cors,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.put_bucket_cors(bucket, &arg_ref("cors", cors)?.rules)
    })
}

/// The bucket's CORS rules, into `*out` (free with `cos_cors_free`). A bucket without a configuration is
/// COS_SERVICE_ERROR with code NoSuchCORSConfiguration.
#[no_mangle]
pub extern "C" fn cos_client_get_bucket_cors(
    client: *const cos_client,
    bucket: *const c_char,
    out: *mut *mut cos_cors,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        arg_out("out", out)?;
        set_out(out, cos_cors::new(client.get_bucket_cors(bucket)?));
        Ok(())
    })
}

/// Deletes the bucket's CORS configuration.
#[no_mangle]
pub extern "C" fn cos_client_delete_bucket_cors(
    client: *const cos_client,
    bucket: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.delete_bucket_cors(bucket)
    })
}

/// The answer of a CORS preflight. Strings live until `cos_cors_preflight_free`.
pub struct cos_cors_preflight {
    preflight: CorsPreflight,
    allow_origin: Option<CString>,
    allow_methods: CString,
    allow_headers: CString,
    expose_headers: CString,
}

/// Sends the CORS preflight a browser would send before a cross-origin request: an unsigned OPTIONS on
/// `key` (NULL: the bucket itself) with `Origin: origin`, `Access-Control-Request-Method: method` (GET, PUT,
/// POST, DELETE or HEAD) and, when `request_headers` is not NULL, `Access-Control-Request-Headers` (header
/// names separated by commas). COS answers from the bucket's CORS rules; a refused preflight (no matching
/// rule, no configuration) is COS_SERVICE_ERROR (HTTP 403). The answer goes to `*out` (free with
/// `cos_cors_preflight_free`).
#[no_mangle]
pub extern "C" fn cos_client_cors_preflight(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    origin: *const c_char,
    method: *const c_char,
    request_headers: *const c_char,
    out: *mut *mut cos_cors_preflight,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let key = arg_opt_str("key", key)?;
        let (origin, method) = (arg_str("origin", origin)?, arg_str("method", method)?);
        let headers: Vec<&str> = match arg_opt_str("request_headers", request_headers)? {
            Some(h) => h.split(',').map(str::trim).filter(|h| !h.is_empty()).collect(),
            None => Vec::new(),
        };
        arg_out("out", out)?;
        let preflight = client.cors_preflight(bucket, key, origin, method, &headers)?;
        let join = |v: &[String]| c_string(&v.join(","));
        set_out(
            out,
            cos_cors_preflight {
                allow_origin: preflight.allow_origin.as_deref().map(c_string),
                allow_methods: join(&preflight.allow_methods),
                allow_headers: join(&preflight.allow_headers),
                expose_headers: join(&preflight.expose_headers),
                preflight,
            },
        );
        Ok(())
    })
}

/// Frees a preflight answer. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_cors_preflight_free(p: *mut cos_cors_preflight) {
    free_box(p)
}

/// `Access-Control-Allow-Origin` of the answer, or NULL when absent.
#[no_mangle]
pub extern "C" fn cos_cors_preflight_allow_origin(p: *const cos_cors_preflight) -> *const c_char {
    read(p, std::ptr::null(), |p| c_ptr(&p.allow_origin))
}

/// The allowed methods, separated by commas ("" when absent; NULL for NULL).
#[no_mangle]
pub extern "C" fn cos_cors_preflight_allow_methods(p: *const cos_cors_preflight) -> *const c_char {
    read(p, std::ptr::null(), |p| p.allow_methods.as_ptr())
}

/// The allowed request headers, separated by commas ("" when absent; NULL for NULL).
#[no_mangle]
pub extern "C" fn cos_cors_preflight_allow_headers(p: *const cos_cors_preflight) -> *const c_char {
    read(p, std::ptr::null(), |p| p.allow_headers.as_ptr())
}

/// The response headers a page may read, separated by commas ("" when absent; NULL for NULL).
#[no_mangle]
pub extern "C" fn cos_cors_preflight_expose_headers(p: *const cos_cors_preflight) -> *const c_char {
    read(p, std::ptr::null(), |p| p.expose_headers.as_ptr())
}

/// `Access-Control-Max-Age` in seconds; -1 when absent (or for NULL).
#[no_mangle]
pub extern "C" fn cos_cors_preflight_max_age(p: *const cos_cors_preflight) -> i64 {
    read(p, -1, |p| p.preflight.max_age.map_or(-1, |a| i64::try_from(a).unwrap_or(i64::MAX)))
}

/// Every header of the answer, as a new `cos_object_info` in `*info` (free with `cos_object_info_free`).
#[no_mangle]
pub extern "C" fn cos_cors_preflight_info(
    p: *const cos_cors_preflight,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let p = arg_ref("p", p)?;
        arg_out("info", info)?;
        set_info(info, p.preflight.info.clone());
        Ok(())
    })
}
