#!/usr/bin/env python3
"""Generates a C program that feeds bad input to EVERY function exported in include/cos.h.

Usage: gen_bad_input.py include/cos.h OUT.c

The header is parsed (no external tools); for each function the generator knows how to build valid
arguments from its parameter types and names: real handles created at start-up (a client for a live
emulator, a configuration, options, an object info, bytes, a listing, an iterator, a bucket list, a delete
result, an error), strings, buffers with their lengths, out-parameters pointing at locals, callbacks pointing
at dummies. It then emits, per function:

  * every pointer parameter set to NULL in turn (twice for required ones: with and without `err`);
  * every string parameter set to a non-UTF-8 string ("\\xff\\xfe") and to "";
  * impossible lengths: data=NULL with len>0, SIZE_MAX lengths with a real pointer, array counts too large,
    a NULL element in a key array;
  * for accessors, a NULL handle and an out-of-range index.

Expectations (design/capi.md): a NULL required pointer, a non-UTF-8 string or an impossible length gives
COS_INVALID_ARGUMENT with `*err` set, a message naming the parameter, no request sent, and out-parameters
untouched; `*err` is cleared on entry; free functions and accessors accept NULL and return 0/NULL; optional
pointers (the table OPTIONAL below) may be NULL and the call then succeeds.

Cases listed in KNOWN_BUGS are reported as "KNOWN BUG" lines instead of failures; one that starts to pass
fails the run, so that the list shrinks with the fixes. Against a server without multipart uploads, the
valid-argument calls of the multipart functions are only checked for a consistent status (a NOTE says so).

The generator FAILS (exit status 1, nothing written) when it meets a function shape, a parameter type or a
return type it does not know how to drive, or a parameter it has no valid value for, so that a new export
cannot go untested: extend the tables below.
"""

import re
import sys

BUCKET = "badinput-1250000000"
# A bucket of its own for the calls that change a whole bucket (versioning, emptying, recursive deletion), so
# that the main bucket keeps its state; reset_purge_bucket() (re)creates it before each valid call.
PURGE_BUCKET = "badinput-purge-1250000000"

# ---------------------------------------------------------------------------------------------------------
# Per-function expectations.

# Pointer parameters that may be NULL (besides `err`, options handles and `void *userdata`, which are
# optional everywhere). Keys: (function, parameter). The value says where the header documents it.
OPTIONAL = {
    ("cos_client_start_put_object", "callback"): "documented",
    ("cos_client_start_get_object", "callback"): "documented",
    ("cos_client_start_head_object", "callback"): "documented",
    ("cos_client_start_delete_object", "callback"): "documented",
    ("cos_client_start_list_objects", "callback"): "documented",
    ("cos_client_start_copy_object", "callback"): "documented",
    ("cos_client_start_upload_file", "callback"): "documented",
    ("cos_client_start_download_file", "callback"): "documented",
    ("cos_client_start_open_reader", "callback"): "documented",
    ("cos_object_reader_start_read", "callback"): "documented",
    ("cos_object_writer_start_write", "callback"): "documented",
    ("cos_object_writer_start_finish", "callback"): "documented",
    ("cos_client_start_list_objects", "prefix"): "documented",
    ("cos_client_start_list_objects", "delimiter"): "documented",
    ("cos_client_start_list_objects", "marker"): "documented",
    ("cos_client_head_bucket", "info"): "documented",
    ("cos_client_put_object_ex", "info"): "documented",
    ("cos_client_get_object_ex", "info"): "documented",
    ("cos_client_delete_object_ex", "info"): "documented",
    ("cos_client_copy_object", "info"): "documented",
    ("cos_client_list_objects", "prefix"): "documented",
    ("cos_client_list_objects", "delimiter"): "documented",
    ("cos_client_list_objects", "marker"): "documented",
    ("cos_object_iter_new", "prefix"): "documented",
    ("cos_object_iter_new", "delimiter"): "documented",
    ("cos_client_config_set_session_token", "token"): "documented",
    ("cos_request_options_set_server_side_encryption", "kms_key_id"): "documented",
    ("cos_client_complete_multipart_upload", "info"): "documented",
    ("cos_client_list_multipart_uploads", "prefix"): "documented",
    ("cos_client_list_multipart_uploads", "delimiter"): "documented",
    ("cos_client_list_multipart_uploads", "key_marker"): "documented",
    ("cos_client_list_multipart_uploads", "upload_id_marker"): "documented",
    ("cos_transfer_options_set_checkpoint_path", "path"): "documented",
    ("cos_transfer_options_set_cancel_token", "token"): "documented",
    ("cos_transfer_options_set_metrics", "metrics"): "documented",
    ("cos_client_upload_file", "progress"): "documented",
    ("cos_client_config_set_log", "log"): "documented",
    ("cos_client_config_set_observer", "observer"): "documented",
    ("cos_client_config_set_credentials_provider", "provider"): "documented",
    ("cos_credentials_set", "session_token"): "documented",
    ("cos_client_config_use_instance_role", "metadata_url"): "documented",
    ("cos_client_config_use_instance_role", "role"): "documented",
    ("cos_client_upload_file", "info"): "documented",
    ("cos_client_download_file", "progress"): "documented",
    ("cos_client_download_file", "info"): "documented",
    ("cos_client_copy", "progress"): "documented",
    ("cos_client_copy", "info"): "documented",
    ("cos_client_copy_object_ex", "info"): "documented",
    ("cos_client_copy_ex", "progress"): "documented",
    ("cos_client_copy_ex", "info"): "documented",
    ("cos_client_upload_from_reader", "progress"): "documented",
    ("cos_client_upload_from_reader", "info"): "documented",
    ("cos_object_writer_finish", "info"): "documented",
    ("cos_client_download_prefix", "prefix"): "documented",
    ("cos_client_upload_prefix", "prefix"): "documented",
    ("cos_client_config_set_proxy", "url"): "documented",
    ("cos_client_upload_prefix", "progress"): "documented",
    ("cos_client_download_tree", "prefix"): "documented",
    ("cos_client_download_tree", "progress"): "documented",
    ("cos_tree_options_set_transfer_options", "transfer"): "documented",
    ("cos_client_download_prefix", "count"): "documented",
    ("cos_client_append_object", "next_position"): "documented",
    ("cos_client_append_object", "info"): "documented",
    ("cos_client_bucket_subresource", "body_out"): "documented",
    ("cos_client_bucket_subresource", "info_out"): "documented",
    ("cos_client_object_subresource", "body_out"): "documented",
    ("cos_client_object_subresource", "info_out"): "documented",
    ("cos_client_list_object_versions", "prefix"): "documented",
    ("cos_client_list_object_versions", "delimiter"): "documented",
    ("cos_client_list_object_versions", "key_marker"): "documented",
    ("cos_client_list_object_versions", "version_id_marker"): "documented",
    ("cos_version_iter_new", "prefix"): "documented",
    ("cos_version_iter_new", "delimiter"): "documented",
    ("cos_client_delete_object_versions", "out"): "documented",
    ("cos_client_empty_bucket", "prefix"): "documented",
    ("cos_client_empty_bucket", "progress"): "documented",
    ("cos_client_empty_bucket", "deleted"): "documented",
    ("cos_client_empty_bucket", "aborted"): "documented",
    ("cos_client_delete_bucket_recursive", "progress"): "documented",
    ("cos_client_delete_bucket_recursive", "deleted"): "documented",
    ("cos_lifecycle_add_rule", "id"): "documented",
    ("cos_lifecycle_add_rule", "prefix"): "documented",
    ("cos_lifecycle_add_rule", "index"): "documented",
    ("cos_cors_add_rule", "id"): "documented",
    ("cos_cors_add_rule", "index"): "documented",
    ("cos_client_cors_preflight", "key"): "documented",
    ("cos_client_cors_preflight", "request_headers"): "documented",
    ("cos_client_put_object_acl", "canned"): "documented",
    ("cos_client_put_bucket_acl", "canned"): "documented",
    ("cos_acl_policy_set_owner", "display_name"): "documented",
    ("cos_client_put_symlink", "info"): "documented",
    ("cos_client_list_buckets_page", "filter"): "documented",
    ("cos_client_list_all_buckets", "filter"): "documented",
    ("cos_client_send_request", "status_out"): "documented",
    ("cos_client_send_request", "body_out"): "documented",
    ("cos_client_send_request", "info_out"): "documented",
    ("cos_client_select_object_content", "progress"): "documented",
    ("cos_client_select_object_content", "out_stats"): "documented",
    ("cos_select_request_set_input_csv", "record_delimiter"): "documented",
    ("cos_select_request_set_input_csv", "field_delimiter"): "documented",
    ("cos_select_request_set_input_csv", "quote_character"): "documented",
    ("cos_select_request_set_input_csv", "quote_escape_character"): "documented",
    ("cos_select_request_set_input_csv", "comments"): "documented",
    ("cos_select_request_set_output_csv", "record_delimiter"): "documented",
    ("cos_select_request_set_output_csv", "field_delimiter"): "documented",
    ("cos_select_request_set_output_csv", "quote_character"): "documented",
    ("cos_select_request_set_output_csv", "quote_escape_character"): "documented",
    ("cos_select_request_set_output_json", "record_delimiter"): "documented",
    # Accepted as NULL by the implementation, but the header does not say these may be NULL.
    ("cos_client_put_object_from_file", "info"): "undocumented",
    ("cos_client_put_object_from_reader", "info"): "undocumented",
    ("cos_client_get_object_to_file", "info"): "undocumented",
    ("cos_client_get_object_to_writer", "info"): "undocumented",
    ("cos_client_delete_objects", "out"): "undocumented",
}

# Optional pointers that may be NULL only when something else says what the call does: NULL with the
# default options is refused, naming the parameter (an ACL put needs a canned ACL or a grant in its options).
NULL_REFUSED_WITH_DEFAULTS = {("cos_client_put_object_acl", "canned"), ("cos_client_put_bucket_acl", "canned")}

# Fallible calls whose all-valid variant (used when an optional pointer is NULL) need not succeed.
MAY_FAIL_WHEN_VALID = {
    # the bucket exists already (BucketAlreadyOwnedByYou)
    "cos_client_create_bucket",
    "cos_client_create_bucket_ex",
    "cos_client_create_bucket_with_config",
    # not empty (BucketNotEmpty): the test object is in it
    "cos_client_delete_bucket",
    # the shared operation's results: the first valid call moves them out, later ones find them gone; and
    # a head has no data, listing, reader or count
    "cos_operation_take_info",
    "cos_operation_take_bytes",
    "cos_operation_take_list",
    "cos_operation_take_reader",
    "cos_operation_read_count",
}

# What an accessor returns for a NULL handle, when it is not the type's zero.
NULL_RESULT = {
    "cos_request_metrics_connect_us": "-1",
    "cos_object_info_content_length": "-1",  # documented: -1 when absent
    "cos_cors_rule_max_age": "-1",  # documented: -1 when absent
    "cos_cors_preflight_max_age": "-1",  # documented: -1 when absent
    "cos_object_info_tag_count": "-1",  # documented: -1 when absent
    "cos_object_info_restore_ongoing": "-1",  # documented: -1 when nothing is said about a restore
    "cos_operation_fd": "-1",  # documented: -1 for NULL
}

# Empty strings that must be refused before anything is sent (parameter names, any function).
EMPTY_REFUSED = {"bucket", "src_bucket", "key", "src_key", "method"}
# ...except where "" is documented to mean something: the bucket itself, for a signature.
EMPTY_ALLOWED = {("cos_client_presign_url_ex", "key"), ("cos_client_get_authorization", "key")}

# What (data=NULL, len=0) gives, per function taking a byte buffer ("any": no crash, a consistent status).
NULL_EMPTY_BUFFER = {
    "cos_client_put_object": "ok",
    "cos_client_put_object_ex": "ok",
    "cos_client_upload_part": "any",
    "cos_object_writer_write": "ok",
    "cos_client_append_object": "ok",
    "cos_appender_append": "ok",
    "cos_client_bucket_subresource": "ok",
    "cos_client_object_subresource": "ok",
    "cos_raw_request_set_body": "ok",
    "cos_object_reader_read": "any",
    "cos_client_start_put_object": "ok",
    "cos_object_writer_start_write": "ok",
    "cos_object_reader_start_read": "any",  # refused as in cos_object_reader_read: cap 0 is no buffer
    "cos_select_reader_read": "any",
    "cos_request_options_set_sse_customer_key": "invalid",  # an SSE-C key is 32 bytes
    "cos_client_config_add_ca_pem": "invalid",  # no certificate in it
    "cos_copy_source_set_sse_customer_key": "invalid",
}

# String arrays that share the count of the array before them (`keys, version_ids, count`): NULL for the
# whole array and for any entry is documented as "no version". Keys: (function, parameter).
COMPANION_ARRAYS = {("cos_client_delete_object_versions", "version_ids")}

# Extra set-up before each valid call of a function (besides reset_state()).
PRE_RESET = {
    "cos_client_put_bucket_versioning": "reset_purge_bucket();",
    "cos_client_empty_bucket": "reset_purge_bucket();",
    "cos_client_delete_bucket_recursive": "reset_purge_bucket();",
}

# Functions that need a server implementing multipart uploads for their valid-argument calls to succeed
# (besides those taking an `upload_id` or `parts`). When the server answers NotImplemented, the generated
# program relaxes those calls to "any consistent status" and says so in its last line.
MULTIPART = {"cos_client_create_multipart_upload", "cos_client_object_subresource", "cos_client_list_multipart_uploads", "cos_part_list_push"}

# Void functions other than *_free that take one handle and accept NULL.
VOID_ACTIONS = {"cos_cancel_token_cancel", "cos_operation_cancel"}

# Known bugs: the generated program reports these cases as "KNOWN BUG" instead of failing, and FAILS when
# one of them starts to pass, so that the entry is removed when the bug is fixed. Keys: case labels.
KNOWN_BUGS: dict = {}

# ---------------------------------------------------------------------------------------------------------
# Values for valid arguments. Strings are C expressions.

STRING_VALUES = {
    "bucket": f'"{BUCKET}"',
    "src_bucket": f'"{BUCKET}"',
    "key": '"x"',
    "src_key": '"x"',
    "method": '"GET"',
    "region": '"ap-guangzhou"',
    "secret_id": '"AKIDexample"',
    "secret_key": '"secret"',
    "token": '"token"',
    "scheme": '"http"',
    "endpoint": '"cos.ap-guangzhou.myqcloud.com"',
    "domain": '"cdn.example.com"',
    "host": '"service.cos.myqcloud.com"',
    "address": '"127.0.0.1:1"',
    "user_agent": '"bad-input/1.0"',
    "prefix": '"x"',
    "delimiter": '"/"',
    "marker": '"a"',
    "name": '"x-cos-meta-a"',
    "value": '"x"',
    "etag": '"\\"0123\\""',
    "http_date": '"Wed, 21 Oct 2015 07:28:00 GMT"',
    "version_id": '"v1"',
    "directive": '"Copy"',
    "algorithm": '"AES256"',
    "kms_key_id": '"kms-key"',
    "upload_id": "upload_id_value",
    "key_marker": '"a"',
    "upload_id_marker": '"b"',
    # The generic sub-resource calls: a sub-resource every server answers (ListMultipartUploads / ListParts).
    "subresource": '"uploads"',
    "version_id_marker": '"b"',
    # Lifecycle and CORS rules; the preflight matches the rule setup() puts (origin *, GET, any header).
    "id": '"rule-1"',
    "date": '"2030-01-01T00:00:00+08:00"',
    "storage_class": '"STANDARD_IA"',
    "origin": '"https://a.example"',
    "header": '"x-a"',
    "request_headers": '"x-a"',
    # Select: a query every object answers, and delimiters / quote characters COS accepts.
    "expression": '"SELECT * FROM COSObject LIMIT 1"',
    "record_delimiter": '"\\n"',
    "field_delimiter": '","',
    "quote_character": '"\\""',
    "quote_escape_character": '"\\""',
    "comments": '"#"',
    "pattern": '"*.txt"',
}
STRING_OVERRIDES = {
    ("cos_client_put_object_from_file", "path"): "upload_path",
    ("cos_client_get_object_to_file", "path"): "download_path",
    ("cos_client_upload_part_from_file", "path"): "upload_path",
    ("cos_client_upload_file", "path"): "upload_path",
    ("cos_client_download_file", "path"): "download_path",
    ("cos_client_start_upload_file", "path"): "upload_path",
    ("cos_client_start_download_file", "path"): "download_path",
    ("cos_client_download_prefix", "dir"): "download_dir",
    ("cos_client_upload_prefix", "dir"): "tree_upload_dir",
    # Recorded only: the scratch configuration the setters change never makes a client.
    ("cos_client_config_add_ca_file", "path"): "upload_path",
    ("cos_client_config_set_proxy", "url"): '"http://user:pw@127.0.0.1:3128"',
    ("cos_client_config_set_no_proxy", "list"): '"localhost,.internal"',
    ("cos_credentials_set", "secret_id"): '"AKIDexample"',
    ("cos_credentials_set", "secret_key"): '"example-key"',
    ("cos_credentials_set", "session_token"): '"token"',
    ("cos_credentials_fail", "reason"): '"no keys"',
    ("cos_client_config_use_instance_role", "metadata_url"): '"http://127.0.0.1:1/meta/"',
    ("cos_client_config_use_instance_role", "role"): '"role"',
    ("cos_client_config_add_ca_dir", "path"): '"/nonexistent-ca-dir"',
    ("cos_client_upload_prefix", "prefix"): '"tree-up/"',
    ("cos_client_download_tree", "dir"): "download_dir",
    ("cos_client_download_tree", "prefix"): '"tree-up/"',
    ("cos_raw_request_set_path", "path"): '"/"',
    ("cos_raw_request_set_body_file", "path"): "upload_path",
    ("cos_client_download_prefix", "prefix"): '"dp/"',
    ("cos_transfer_options_set_checkpoint_path", "path"): '"checkpoint"',
    ("cos_client_copy_object", "key"): '"y"',
    # POST /x?uploads (InitiateMultipartUpload): an object sub-resource every multipart server answers.
    ("cos_client_object_subresource", "method"): '"POST"',
    ("cos_client_copy", "key"): '"y"',
    ("cos_client_copy_object_ex", "key"): '"y"',
    ("cos_client_copy_ex", "key"): '"y"',
    # reset_state() deletes "ap", so every valid call appends at position 0 (SCALAR_VALUES).
    ("cos_client_append_object", "key"): '"ap"',
    ("cos_request_options_set_response_header", "name"): '"content-type"',
    ("cos_request_options_set_storage_class", "value"): '"STANDARD"',
    ("cos_request_options_set_acl", "value"): '"private"',
    ("cos_request_options_set_content_type", "value"): '"text/plain"',
    ("cos_request_options_set_query", "name"): '"x"',
    ("cos_object_info_header", "name"): '"content-length"',
    ("cos_object_info_metadata", "name"): '"a"',
    # A version id marker needs a key marker (refused otherwise): NULL by default, so that the case with a
    # NULL key marker is a valid call.
    ("cos_client_list_object_versions", "version_id_marker"): "NULL",
    ("cos_client_put_bucket_versioning", "bucket"): "PURGE_BUCKET",
    ("cos_client_empty_bucket", "bucket"): "PURGE_BUCKET",
    ("cos_client_delete_bucket_recursive", "bucket"): "PURGE_BUCKET",
    # Tagging, ACL, bucket policy (per function: names as common as `id` may mean something else elsewhere).
    ("cos_acl_policy_add_grant", "grantee_type"): '"Group"',
    ("cos_acl_policy_add_grant", "grantee"): '"http://cam.qcloud.com/groups/global/AllUsers"',
    ("cos_acl_policy_add_grant", "permission"): '"READ"',
    ("cos_request_options_set_grant", "permission"): '"READ"',
    ("cos_request_options_set_grant", "grantees"): '"id=\\"qcs::cam::uin/100000000001:uin/100000000011\\""',
    ("cos_client_put_object_acl", "canned"): '"private"',
    ("cos_client_put_bucket_acl", "canned"): '"private"',
    ("cos_acl_policy_set_owner", "id"): '"qcs::cam::uin/100000000001:uin/100000000001"',
    ("cos_acl_policy_set_owner", "display_name"): '"owner"',
    ("cos_client_put_bucket_policy", "policy"): '"{\\"Statement\\":[],\\"version\\":\\"2.0\\"}"',
    # An archived object (made by setup()): a restore of it succeeds, again and again.
    ("cos_client_restore_object", "key"): '"cold"',
    ("cos_tag_set_get", "key"): '"a"',
    # The link "sl" made by each valid put_symlink call is what every valid get_symlink call reads.
    ("cos_client_put_symlink", "key"): '"sl"',
    ("cos_client_put_symlink", "target"): '"x"',
    ("cos_client_get_symlink", "key"): '"sl"',
    ("cos_request_options_set_cache_control", "value"): '"max-age=60"',
    ("cos_request_options_set_expires", "http_date"): '"Wed, 21 Oct 2015 07:28:00 GMT"',
    ("cos_request_options_set_tagging", "tagging"): '"a=1"',
    ("cos_bucket_filter_set_created", "range"): '"gte"',
    ("cos_bucket_filter_set_tag", "key"): '"a"',
    ("cos_bucket_filter_set_region", "region"): '"ap-guangzhou"',
}

SCALAR_VALUES = {
    ("uint32_t", "max_keys"): "0",
    ("uint32_t", "workers"): "2",
    ("int64_t", "timeout_ms"): "0",
    ("uint32_t", "page_size"): "2",
    ("uint32_t", "expires_s"): "60",
    ("uint32_t", "connect_ms"): "1000",
    ("uint32_t", "read_ms"): "1000",
    ("uint32_t", "max_retries"): "0",
    ("uint32_t", "seconds"): "600",
    ("uint32_t", "part_number"): "1",
    ("uint32_t", "marker"): "0",
    ("uint32_t", "max_parts"): "0",
    ("uint32_t", "max_uploads"): "0",
    ("uint32_t", "concurrency"): "2",
    ("uint64_t", "offset"): "0",
    ("uint64_t", "position"): "0",
    ("uint64_t", "len"): "1",
    ("uint64_t", "part_size"): "0",
    ("uint64_t", "ms"): "60000",
    ("uint64_t", "bytes"): "UINT64_C(5368709120)",
    ("uint64_t", "content_length"): "1",
    ("uint64_t", "bits_per_second"): "819200",
    ("uint64_t", "min_bytes_per_sec"): "1",
    ("uint32_t", "grace_ms"): "20000",
    ("uint64_t", "first"): "0",
    ("int64_t", "last"): "-1",
    ("int64_t", "expires_unix"): "0",
    ("uint32_t", "reread_ms"): "0",
    ("uint64_t", "last"): "0",
    ("int64_t", "start_unix"): "1700000000",
    ("int64_t", "unix_seconds"): "1700000000",
    ("int64_t", "seconds"): "0",
    ("bool", "quiet"): "false",
    ("bool", "multi_az"): "false",
    ("bool", "ofs"): "false",
    ("bool", "enabled"): "true",
    ("bool", "on"): "true",
    ("bool", "sign_host"): "true",
    ("bool", "resume"): "false",  # nothing is sent; resuming needs an appendable object (the setup's "apw")
    ("size_t", "index"): "0",
    ("size_t", "files"): "4",
    ("size_t", "rule"): "0",  # setup() gives every lifecycle and CORS handle a rule 0
    ("uint32_t", "days"): "30",
    ("bool", "enabled"): "true",
    ("cos_status", "status"): "COS_OK",
    ("cos_restore_tier", "tier"): "COS_RESTORE_TIER_STANDARD",
    ("cos_log_severity", "max_level"): "COS_SEVERITY_INFO",
    ("uint32_t", "compression"): "COS_SELECT_COMPRESSION_NONE",
    ("uint32_t", "file_header_info"): "COS_SELECT_FILE_HEADER_NONE",
    ("uint32_t", "json_type"): "COS_SELECT_JSON_LINES",
    ("bool", "allow_quoted_record_delimiter"): "false",
    ("bool", "quote_all"): "false",
    ("uint32_t", "max_idle_per_host"): "64",
    ("uint32_t", "idle_timeout_ms"): "30000",
    ("uint32_t", "idle_ms"): "60000",
}

# Handles passed for `T *` parameters (created at start-up by the generated program). Options handles named
# `opts` are optional (NULL means the defaults); every other handle is required unless OPTIONAL says so.
HANDLES = {
    "const cos_transfer_options *": "topts",
    "cos_transfer_options *": "scratch_topts",
    "const cos_cancel_token *": "cancel_token",
    "const cos_transfer_metrics *": "transfer_metrics",
    "const cos_part *": "part",
    "const cos_part_list *": "part_list",
    "cos_part_list *": "scratch_part_list",
    "const cos_upload_list *": "upload_list",
    "cos_object_reader *": "reader",
    "const cos_object_reader *": "reader",
    "cos_object_writer *": "writer",
    "cos_appender *": "appender",
    "const cos_appender *": "appender",
    "const cos_client *": "client",
    "const cos_client_config *": "config",
    "cos_client_config *": "scratch_config",
    "const cos_request_options *": "opts",
    "cos_request_options *": "scratch_opts",
    "const cos_error *": "error",
    "const cos_object_info *": "info",
    "const cos_bytes *": "bytes",
    "const cos_object_list *": "list",
    "cos_object_iter *": "iter",
    "const cos_bucket_list *": "bucket_list",
    "const cos_delete_result *": "delete_result",
    "const cos_version_list *": "version_list",
    "cos_version_iter *": "version_iter",
    "const cos_version_delete_result *": "version_delete_result",
    "const cos_lifecycle *": "lifecycle",
    "cos_lifecycle *": "scratch_lifecycle",
    "const cos_cors *": "cors",
    "cos_cors *": "scratch_cors",
    "const cos_cors_preflight *": "preflight",
    "const cos_tag_set *": "tag_set",
    "cos_tag_set *": "scratch_tag_set",
    "const cos_acl_policy *": "acl_policy",
    "cos_acl_policy *": "scratch_acl_policy",
    "const cos_bucket_filter *": "bucket_filter",
    "cos_bucket_filter *": "scratch_bucket_filter",
    # setup() makes both for BUCKET/x; only the scratch one is changed by the setters.
    "const cos_copy_source *": "copy_source",
    "cos_copy_source *": "scratch_copy_source",
    "const cos_presign_options *": "presign_opts",
    "cos_presign_options *": "scratch_presign_opts",
    "const cos_raw_request *": "raw_request",
    "cos_raw_request *": "scratch_raw_request",
    "const cos_select_request *": "select_request",
    "cos_select_request *": "scratch_select_request",
    "cos_select_reader *": "select_reader",
    "const cos_select_reader *": "select_reader",
    "const cos_select_stats *": "select_stats",
    "const cos_tree_options *": "tree_opts",
    "cos_tree_options *": "scratch_tree_opts",
    "const cos_tree_report *": "tree_report",
    "cos_credentials *": "scratch_credentials",
    # Exists only during an observer's call (tests/c/log.c reads a real one): NULL here, every accessor's
    # fallback checked.
    "const cos_request_metrics *": "NULL",
    "const cos_operation *": "operation",
}

# Out-parameters `T **` and how to free what they receive.
OUTS = {
    "cos_client **": "cos_client_free",
    "cos_client_config **": "cos_client_config_free",
    "cos_bytes **": "cos_bytes_free",
    "cos_object_info **": "cos_object_info_free",
    "cos_object_list **": "cos_object_list_free",
    "cos_object_iter **": "cos_object_iter_free",
    "cos_bucket_list **": "cos_bucket_list_free",
    "cos_delete_result **": "cos_delete_result_free",
    "cos_part **": "cos_part_free",
    "cos_part_list **": "cos_part_list_free",
    "cos_upload_list **": "cos_upload_list_free",
    "cos_object_reader **": "cos_object_reader_free",
    "cos_object_writer **": "cos_object_writer_free",
    "cos_appender **": "cos_appender_free",
    "cos_lifecycle **": "cos_lifecycle_free",
    "cos_cors **": "cos_cors_free",
    "cos_cors_preflight **": "cos_cors_preflight_free",
    "cos_tag_set **": "cos_tag_set_free",
    "cos_acl_policy **": "cos_acl_policy_free",
    "cos_copy_source **": "cos_copy_source_free",
    "char **": "cos_string_free",
    "cos_version_list **": "cos_version_list_free",
    "cos_version_iter **": "cos_version_iter_free",
    "cos_version_delete_result **": "cos_version_delete_result_free",
    "cos_select_stats **": "cos_select_stats_free",
    "cos_select_reader **": "cos_select_reader_free",
    "cos_tree_report **": "cos_tree_report_free",
    # Waits first: a started call keeps using the shared handles and buffers until it completes.
    "cos_operation **": "finish_operation",
}

# Constructors `T *x_new(void)` and their free functions.
CONSTRUCTED = {
    "cos_client_config *": "cos_client_config_free",
    "cos_request_options *": "cos_request_options_free",
    "cos_transfer_options *": "cos_transfer_options_free",
    "cos_part_list *": "cos_part_list_free",
    "cos_cancel_token *": "cos_cancel_token_free",
    "cos_transfer_metrics *": "cos_transfer_metrics_free",
    "cos_lifecycle *": "cos_lifecycle_free",
    "cos_cors *": "cos_cors_free",
    "cos_tag_set *": "cos_tag_set_free",
    "cos_acl_policy *": "cos_acl_policy_free",
    "cos_bucket_filter *": "cos_bucket_filter_free",
    "cos_presign_options *": "cos_presign_options_free",
    "cos_raw_request *": "cos_raw_request_free",
    "cos_select_request *": "cos_select_request_free",
    "cos_tree_options *": "cos_tree_options_free",
    "cos_credentials *": "cos_credentials_free",
}

# Scalar out-parameters `T *` (written on success; the value is not checked here).
SCALAR_OUTS = {
    "bool *": "bool",
    "uint64_t *": "uint64_t",
    "size_t *": "size_t",
    "uint16_t *": "uint16_t",
    "cos_versioning_status *": "cos_versioning_status",
}

# Parameters of free functions (consumed: only NULL is passed here): what a constructor, an out-parameter or
# a failed call (`cos_error`) hands out.
FREED = {t[:-1] for t in OUTS} | set(CONSTRUCTED) | {"cos_error *", "cos_operation *"}

CALLBACKS = {"cos_read_fn": "dummy_read", "cos_write_fn": "dummy_write", "cos_progress_fn": "dummy_progress",
             "cos_log_fn": "dummy_log", "cos_credentials_fn": "dummy_credentials", "cos_observer_fn": "dummy_observer",
             "cos_select_progress_fn": "dummy_select_progress", "cos_operation_fn": "dummy_op_done"}
SCALARS = {"size_t", "uint32_t", "uint64_t", "int64_t", "int32_t", "bool", "cos_status", "cos_restore_tier",
           "cos_log_severity"}

ZERO_OF_RETURN = {
    "const char *": "NULL",
    "const cos_part *": "NULL",
    "const cos_object_info *": "NULL",
    "const cos_select_stats *": "NULL",
    "const uint8_t *": "NULL",
    "size_t": "0",
    "uint32_t": "0",
    "uint64_t": "0",
    "int32_t": "0",
    "int64_t": "0",
    "bool": "false",
    "uint16_t": "0",
    "cos_status": "COS_OK",
    "const cos_error *": "NULL",
    "cos_tree_outcome": "COS_TREE_FAILED",
    "cos_op_state": "COS_OP_NONE",
    "int": "0",
}


class Unknown(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------
# Parsing.


def norm(t):
    # Types are compared without their struct/enum tags, so either cbindgen style parses the same.
    t = re.sub(r"\b(struct|enum)\s+", "", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"\s*\*\s*", " *", t)
    return t.replace("* *", "**").strip()


def parse(header):
    text = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"#[^\n]*", "", text)
    funcs = []
    for m in re.finditer(r"([A-Za-z_][\w\s\*]*?)\b(cos_\w+)\s*\(([^()]*)\)\s*;", text):
        ret, name, params = norm(m.group(1)), m.group(2), m.group(3).strip()
        if ret.startswith("typedef"):
            continue
        plist = []
        if params not in ("", "void"):
            for p in params.split(","):
                pm = re.match(r"^(.*?)(\w+)$", p.strip(), re.S)
                if not pm:
                    raise Unknown(f"{name}: cannot parse parameter {p!r}")
                plist.append((norm(pm.group(1)), pm.group(2)))
        funcs.append((ret, name, plist))
    return funcs


# ---------------------------------------------------------------------------------------------------------
# Classification: every parameter becomes a "slot" the generator knows how to fill.


class Slot:
    def __init__(self, kind, ctype, name, **kw):
        self.kind, self.ctype, self.name = kind, ctype, name
        self.__dict__.update(kw)


def classify(fname, ret, params):
    slots = []
    i = 0
    while i < len(params):
        t, n = params[i]
        nxt = params[i + 1] if i + 1 < len(params) else None
        if t == "cos_error **":
            if i != len(params) - 1:
                raise Unknown(f"{fname}: `err` is not the last parameter")
            slots.append(Slot("err", t, n))
        elif t in FREED and fname.endswith("_free") and ret == "void":
            slots.append(Slot("freed", t, n))
        elif t == "const char *":
            value = STRING_OVERRIDES.get((fname, n), STRING_VALUES.get(n))
            if value is None:
                raise Unknown(f"{fname}: no valid value known for string parameter `{n}` (add it to STRING_VALUES)")
            slots.append(Slot("string", t, n, value=value))
        elif t == "const uint8_t *":
            if not nxt or nxt[0] != "size_t":
                raise Unknown(f"{fname}: byte pointer `{n}` is not followed by its size_t length")
            is_key = fname in ("cos_request_options_set_sse_customer_key", "cos_copy_source_set_sse_customer_key")
            value, length = ("sse_key", "32") if is_key else ('(const uint8_t *)"x"', "1")
            if fname == "cos_client_config_add_ca_pem":
                value, length = "(const uint8_t *)ca_pem_text", "sizeof ca_pem_text - 1"
            slots.append(Slot("bytes", t, n, len_name=nxt[1], value=value, length=length))
            i += 1
        elif t == "uint8_t *":
            if not nxt or nxt[0] != "size_t":
                raise Unknown(f"{fname}: output buffer `{n}` is not followed by its size_t capacity")
            slots.append(Slot("bytes", t, n, len_name=nxt[1], value="read_buffer", length="sizeof read_buffer"))
            i += 1
        elif t == "const char *const *" and (fname, n) in COMPANION_ARRAYS:
            if not slots or slots[-1].kind != "strings":
                raise Unknown(f"{fname}: companion array `{n}` does not follow a string array")
            if not nxt or nxt[0] != "size_t":
                raise Unknown(f"{fname}: companion array `{n}` is not followed by the shared size_t count")
            slots[-1].count_name = nxt[1]
            slots.append(Slot("companion", t, n))
            i += 1
        elif t == "const char *const *":
            if nxt and nxt[0] == "const char *const *" and (fname, nxt[1]) in COMPANION_ARRAYS:
                slots.append(Slot("strings", t, n, count_name=None))
                i += 1
                continue
            if not nxt or nxt[0] != "size_t":
                raise Unknown(f"{fname}: string array `{n}` is not followed by its size_t count")
            slots.append(Slot("strings", t, n, count_name=nxt[1]))
            i += 1
        elif t in HANDLES:
            slots.append(Slot("handle", t, n, value=HANDLES[t], optional=n == "opts" and t.startswith("const ")))
        elif t in OUTS:
            slots.append(Slot("out", t, n, free=OUTS[t]))
        elif t in SCALAR_OUTS:
            slots.append(Slot("scalar_out", t, n, base=SCALAR_OUTS[t]))
        elif t in CALLBACKS:
            slots.append(Slot("callback", t, n, value=CALLBACKS[t]))
        elif t == "void *":
            if n != "userdata" and not n.endswith("_userdata"):
                raise Unknown(f"{fname}: `void *{n}` is not a callback's userdata")
            slots.append(Slot("userdata", t, n))
        elif t in SCALARS:
            if (t, n) in SCALAR_VALUES:
                v = SCALAR_VALUES[(t, n)]
            elif t == "size_t":
                raise Unknown(f"{fname}: size_t parameter `{n}` is neither a length, a count nor an index")
            else:
                raise Unknown(f"{fname}: no valid value known for {t} parameter `{n}` (add it to SCALAR_VALUES)")
            slots.append(Slot("scalar", t, n, value=v))
        else:
            raise Unknown(f"{fname}: parameter `{n}` has type `{t}`, which the generator does not know how to drive")
        i += 1
    for s in slots:
        if s.kind in ("string", "out", "scalar_out", "callback", "handle"):
            s.optional = getattr(s, "optional", False) or (fname, s.name) in OPTIONAL
    for (f, p) in OPTIONAL:
        if f == fname and not any(s.name == p for s in slots):
            raise Unknown(f"OPTIONAL names {f}({p}), which has no such pointer parameter")
    return slots


def shape(fname, ret, slots):
    """fallible | accessor | free | constructor | static"""
    has_err = bool(slots) and slots[-1].kind == "err"
    if ret == "cos_status" and has_err:
        return "fallible"
    if has_err:
        raise Unknown(f"{fname}: takes `cos_error **` but returns `{ret}` instead of cos_status")
    if ret == "void":
        if len(slots) == 1 and slots[0].kind == "freed" and fname.endswith("_free"):
            return "free"
        if fname in VOID_ACTIONS and len(slots) == 1 and slots[0].kind == "handle":
            return "void_action"
        raise Unknown(f"{fname}: a void function that is neither a one-argument *_free nor in VOID_ACTIONS")
    if any(s.kind == "freed" for s in slots):
        raise Unknown(f"{fname}: takes an owned pointer but is not a free function")
    if not slots and ret in CONSTRUCTED:
        return "constructor"
    if fname in ("cos_status_str", "cos_version"):
        return "static"
    if ret in ZERO_OF_RETURN and slots and slots[0].kind == "handle":
        for s in slots[1:]:
            if s.kind not in ("string", "scalar", "scalar_out"):
                raise Unknown(f"{fname}: accessor parameter `{s.name}` of kind {s.kind} is not supported")
        return "accessor"
    raise Unknown(f"{fname}: returns `{ret}` with parameters {[s.ctype for s in slots]}: unknown shape")


# ---------------------------------------------------------------------------------------------------------
# Code generation.


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def companion_of(slots, s):
    """True when string array `s` shares its count with a companion array after it."""
    return s.kind == "strings" and any(x.kind == "companion" for x in slots)


def slot_count(slots):
    """The name of the count shared by a string array and its companion."""
    return next(x for x in slots if x.kind == "strings").count_name


class Gen:
    def __init__(self):
        self.out = []

    def emit(self, line=""):
        self.out.append(line)

    def label(self, fname, what):
        return f"{fname}: {what}"

    def xfail(self, label):
        return c_str(KNOWN_BUGS[label]) if label in KNOWN_BUGS else "NULL"

    # One call of a fallible function. `args` maps a slot name to a C expression (default: valid value).
    def fallible(self, fname, slots, label, expect, args=None, param=None, err_null=False, pre=""):
        args = args or {}
        self.emit(f"    {{ /* {label} */")
        if pre:
            self.emit(f"        {pre}")
        call_args = []
        outs = []
        for s in slots:
            if s.kind == "err":
                if err_null:
                    call_args.append("NULL")
                else:
                    self.emit("        cos_error *err = (cos_error *)SENTINEL;")
                    call_args.append("&err")
                continue
            if s.name in args:
                call_args.append(args[s.name])
                if s.kind == "bytes":
                    call_args.append(args[s.len_name])
                if s.kind == "strings" and not companion_of(slots, s):
                    call_args.append(args[s.count_name])
                if s.kind == "companion":
                    call_args.append(args.get(slot_count(slots), "1"))
                continue
            if s.kind == "string":
                call_args.append(s.value)
            elif s.kind == "bytes":
                call_args += [s.value, s.length]
            elif s.kind == "strings":
                call_args += ["one_key"] if companion_of(slots, s) else ["one_key", "1"]
            elif s.kind == "companion":
                call_args += ["no_version", args.get(slot_count(slots), "1")]
            elif s.kind in ("handle", "callback", "scalar"):
                call_args.append(s.value)
            elif s.kind == "userdata":
                call_args.append("&userdata_target")
            elif s.kind == "out":
                v = f"out_{s.name}"
                self.emit(f"        {s.ctype[:-1]}{v} = ({s.ctype[:-1]})SENTINEL;")
                outs.append((v, s.free))
                call_args.append(f"&{v}")
            elif s.kind == "scalar_out":
                self.emit(f"        {s.base} out_{s.name};")
                call_args.append(f"&out_{s.name}")
            else:
                raise Unknown(f"{fname}: cannot pass slot kind {s.kind}")
        self.emit("        double t0 = now_ms();")
        self.emit("        read_calls = 0;")
        self.emit(f"        cos_status rc = {fname}({', '.join(call_args)});")
        self.emit(f"        note_slow({c_str(label)}, t0);")
        err = "NULL" if err_null else "err"
        xf = self.xfail(label)
        if expect == "invalid":
            self.emit(f"        expect_invalid({c_str(label)}, rc, {err}, {c_str(param) if param else 'NULL'}, {xf});")
        elif expect == "ok":
            self.emit(f"        expect_ok({c_str(label)}, rc, {err}, {xf});")
        elif expect == "ok_multipart":
            self.emit(f"        expect_ok_multipart({c_str(label)}, rc, {err}, {xf});")
        elif expect == "any":
            self.emit(f"        expect_consistent({c_str(label)}, rc, {err}, {xf});")
        else:
            raise AssertionError(expect)
        for v, free in outs:
            self.emit(f"        check_out({c_str(label)}, rc, {v} != SENTINEL);")
            self.emit(f"        if (rc == COS_OK && {v} != SENTINEL) {{ {free}({v}); }}")
        self.emit("    }")

    def accessor(self, fname, ret, slots, label, args, expect_value):
        call_args = []
        pre = []
        for s in slots:
            if s.name in args:
                call_args.append(args[s.name])
            elif s.kind in ("handle", "scalar", "string"):
                call_args.append(s.value)
            elif s.kind == "scalar_out":
                pre.append(f"{s.base} out_{s.name} = 0;")
                call_args.append(f"&out_{s.name}")
            else:
                raise Unknown(f"{fname}: accessor slot kind {s.kind}")
        self.emit(f"    {{ /* {label} */")
        for p in pre:
            self.emit(f"        {p}")
        self.emit(f"        {ret} r = {fname}({', '.join(call_args)});")
        self.emit(f"        expect_true({c_str(label)}, r == {expect_value}, {self.xfail(label)});")
        self.emit("    }")


def generate(funcs):
    g = Gen()
    tested = []
    for ret, fname, params in funcs:
        slots = classify(fname, ret, params)
        kind = shape(fname, ret, slots)
        tested.append((fname, kind))
        g.emit(f"    /* ---- {fname} ({kind}) ---- */")
        if kind == "free":
            g.emit(f"    {fname}(NULL); /* NULL does nothing */")
            g.emit("    checks++;")
            continue
        if kind == "void_action":
            g.emit(f"    {fname}(NULL); /* NULL does nothing */")
            g.emit("    checks++;")
            continue
        if kind == "constructor":
            free = CONSTRUCTED[ret]
            g.emit(f"    {{ {ret} p = {fname}(); expect_true({c_str(fname + ': never NULL')}, p != NULL, NULL); "
                   f"{free}(p); }}")
            continue
        if kind == "static":
            if fname == "cos_version":
                g.emit(f"    expect_true({c_str('cos_version: never NULL')}, cos_version() != NULL, NULL);")
            else:
                for v in ("COS_OK", "COS_SERVICE_ERROR", "(cos_status)12345", "(cos_status)-1"):
                    g.emit(f"    expect_true({c_str('cos_status_str(' + v + '): never NULL')}, "
                           f"cos_status_str({v}) != NULL && cos_status_str({v})[0] != '\\0', NULL);")
            continue
        if kind == "accessor":
            zero = NULL_RESULT.get(fname, ZERO_OF_RETURN[ret])
            for s in slots:
                if s.kind in ("handle", "string", "scalar_out"):
                    g.accessor(fname, ret, slots, g.label(fname, f"{s.name}=NULL"), {s.name: "NULL"}, zero)
                if s.kind == "string":
                    g.accessor(fname, ret, slots, g.label(fname, f"{s.name} not UTF-8"), {s.name: '"\\xff\\xfe"'}, zero)
                if s.kind == "scalar" and s.ctype == "size_t":
                    g.accessor(fname, ret, slots, g.label(fname, f"{s.name}=SIZE_MAX"), {s.name: "SIZE_MAX"}, zero)
            continue
        # fallible
        valid_expect = "any" if fname in MAY_FAIL_WHEN_VALID else "ok"
        reset = "reset_state();"
        if any(s.name in ("upload_id", "parts") for s in slots):
            reset += " reset_upload();"
        if fname in PRE_RESET:
            reset += " " + PRE_RESET[fname]
        if fname in MULTIPART or any(s.name in ("upload_id", "parts") for s in slots):
            valid_expect = "ok_multipart" if valid_expect == "ok" else valid_expect
        for s in slots:
            if s.kind == "err":
                g.fallible(fname, slots, g.label(fname, "err=NULL, all else valid"), "any", err_null=True, pre=reset)
                continue
            if s.kind in ("scalar",):
                continue
            if s.kind == "bytes":
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL, {s.len_name}={s.length}"), "invalid",
                           {s.name: "NULL", s.len_name: s.length}, param=s.name)
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL, {s.len_name}={s.length}, err=NULL"),
                           "invalid", {s.name: "NULL", s.len_name: s.length}, err_null=True)
                g.fallible(fname, slots, g.label(fname, f"{s.len_name}=SIZE_MAX"), "invalid",
                           {s.name: s.value, s.len_name: "SIZE_MAX"}, param=s.name)
                g.fallible(fname, slots, g.label(fname, f"{s.len_name}=SIZE_MAX/2+1"), "invalid",
                           {s.name: s.value, s.len_name: "SIZE_MAX / 2 + 1"}, param=s.name)
                if fname not in NULL_EMPTY_BUFFER:
                    raise Unknown(f"{fname}: add it to NULL_EMPTY_BUFFER (what data=NULL, len=0 gives)")
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL, {s.len_name}=0"), NULL_EMPTY_BUFFER[fname],
                           {s.name: "NULL", s.len_name: "0"}, param=s.name, pre=reset)
                continue
            if s.kind == "strings":
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL, {s.count_name}=1"), "invalid",
                           {s.name: "NULL", s.count_name: "1"}, param=s.name)
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL, {s.count_name}=1, err=NULL"), "invalid",
                           {s.name: "NULL", s.count_name: "1"}, err_null=True)
                g.fallible(fname, slots, g.label(fname, f"{s.count_name}=SIZE_MAX"), "invalid",
                           {s.name: "one_key", s.count_name: "SIZE_MAX"}, param=s.name)
                g.fallible(fname, slots, g.label(fname, f"{s.count_name}=SIZE_MAX/2"), "invalid",
                           {s.name: "one_key", s.count_name: "SIZE_MAX / 2"}, param=s.name)
                g.fallible(fname, slots, g.label(fname, f"{s.name}[1]=NULL"), "invalid",
                           {s.name: "key_then_null", s.count_name: "2"}, param=s.name)
                g.fallible(fname, slots, g.label(fname, f"{s.name}[0] not UTF-8"), "invalid",
                           {s.name: "non_utf8_key", s.count_name: "1"}, param=s.name)
                g.fallible(fname, slots, g.label(fname, f"{s.name}[0] empty"), "invalid",
                           {s.name: "empty_key", s.count_name: "1"})
                # An empty list is nothing to do, as in the Rust core (documented): success, nothing sent.
                g.fallible(fname, slots, g.label(fname, f"{s.count_name}=0"), valid_expect,
                           {s.name: "one_key", s.count_name: "0"}, pre=reset)
                continue
            if s.kind == "companion":
                # NULL (the whole array or an entry) is "no version"; a present entry must be UTF-8, not "".
                count = slot_count(slots)
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL (optional)"), valid_expect,
                           {s.name: "NULL", count: "1"}, pre=reset)
                g.fallible(fname, slots, g.label(fname, f"{s.name}[0]=NULL (no version)"), valid_expect,
                           {s.name: "null_then_version", count: "1"}, pre=reset)
                g.fallible(fname, slots, g.label(fname, f"{s.name}[0] not UTF-8"), "invalid",
                           {s.name: "non_utf8_key", count: "1"}, param=f"{s.name}[0]")
                g.fallible(fname, slots, g.label(fname, f"{s.name}[0] empty"), "invalid",
                           {s.name: "empty_key", count: "1"}, param=f"{s.name}[0]")
                continue
            if s.kind == "userdata":
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL"), valid_expect, {s.name: "NULL"}, pre=reset)
                continue
            # a pointer: handle, string, out, scalar out, callback
            if getattr(s, "optional", False) and (fname, s.name) in NULL_REFUSED_WITH_DEFAULTS:
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL (optional, refused with the defaults)"),
                           "invalid", {s.name: "NULL"}, param=s.name)
            elif getattr(s, "optional", False):
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL (optional)"), valid_expect, {s.name: "NULL"},
                           pre=reset)
            else:
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL"), "invalid", {s.name: "NULL"}, param=s.name)
                g.fallible(fname, slots, g.label(fname, f"{s.name}=NULL, err=NULL"), "invalid", {s.name: "NULL"},
                           err_null=True)
            if s.kind == "string":
                g.fallible(fname, slots, g.label(fname, f"{s.name} not UTF-8"), "invalid", {s.name: '"\\xff\\xfe"'},
                           param=s.name)
                if s.name in EMPTY_REFUSED and (fname, s.name) not in EMPTY_ALLOWED:
                    g.fallible(fname, slots, g.label(fname, f'{s.name}=""'), "invalid", {s.name: '""'})
                else:
                    g.fallible(fname, slots, g.label(fname, f'{s.name}=""'), "any", {s.name: '""'}, pre=reset)
    return g, tested


PRELUDE = r"""/* Generated by tests/c/gen_bad_input.py from include/cos.h. Do not edit. */
#define _POSIX_C_SOURCE 200809L
#include "cos.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BUCKET "@BUCKET@"
#define PURGE_BUCKET "@PURGE_BUCKET@"

static int checks = 0;
static int failures = 0;
static int known_bugs = 0;
static char sentinel_storage;
#define SENTINEL ((void *)&sentinel_storage)

static cos_client *client;
static cos_client_config *config;
static cos_client_config *scratch_config;
static cos_request_options *opts;
static cos_request_options *scratch_opts;
static cos_error *error;
static cos_object_info *info;
static cos_bytes *bytes;
static cos_object_list *list;
static cos_object_iter *iter;
static cos_bucket_list *bucket_list;
static cos_delete_result *delete_result;
static cos_version_list *version_list;
static cos_version_iter *version_iter;
static cos_version_delete_result *version_delete_result;
static cos_transfer_options *topts;
static cos_transfer_options *scratch_topts;
static cos_cancel_token *cancel_token;
static cos_transfer_metrics *transfer_metrics;
static cos_part *part;
static cos_part_list *part_list;
static cos_part_list *scratch_part_list;
static cos_upload_list *upload_list;
static cos_object_reader *reader;
/* A finished head of BUCKET/x, for the cos_operation_* accessors. */
static cos_operation *operation;
static cos_object_writer *writer;
static cos_appender *appender;
static cos_lifecycle *lifecycle;
static cos_lifecycle *scratch_lifecycle;
static cos_cors *cors;
static cos_cors *scratch_cors;
static cos_cors_preflight *preflight;
static cos_tag_set *tag_set;
static cos_tag_set *scratch_tag_set;
static cos_acl_policy *acl_policy;
static cos_acl_policy *scratch_acl_policy;
static cos_bucket_filter *bucket_filter;
static cos_bucket_filter *scratch_bucket_filter;
static cos_copy_source *copy_source;
static cos_copy_source *scratch_copy_source;
static cos_presign_options *presign_opts;
static cos_presign_options *scratch_presign_opts;
static cos_raw_request *raw_request; /* GET / on the service host: list buckets */
static cos_raw_request *scratch_raw_request;
static cos_select_request *select_request;
static cos_select_request *scratch_select_request;
static cos_select_reader *select_reader;
static cos_select_stats *select_stats;
static char *owned_upload_id;
static const char *upload_id_value = "no-such-upload";
static uint8_t read_buffer[64];
static char upload_path[4096];
static char download_path[4096];
static char download_dir[4096];
static char tree_upload_dir[4096];
/* A self-signed CA certificate (public part only) for cos_client_config_add_ca_pem. */
static const char ca_pem_text[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBlzCCAT2gAwIBAgIUC8AJTf3rmgBcLtV03E/jEbRZ5fIwCgYIKoZIzj0EAwIw\n"
    "IDEeMBwGA1UEAwwVY29zIGJhZC1pbnB1dCB0ZXN0IENBMCAXDTI2MTIwMzA2NDQw\n"
    "MloYDzIxMjYxMTA5MDY0NDAyWjAgMR4wHAYDVQQDDBVjb3MgYmFkLWlucHV0IHRl\n"
    "c3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAS+yoSBKYBbL4ITX2Pw+tN3\n"
    "kMQRC8gPr+zs99EJyA20QDrY42pddve0tPBKFGTd468fRhgU9IFVmRcXfjo97l1D\n"
    "o1MwUTAdBgNVHQ4EFgQUBJcMVAmqyteuhXCMyEI3W+ycmV8wHwYDVR0jBBgwFoAU\n"
    "BJcMVAmqyteuhXCMyEI3W+ycmV8wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD\n"
    "AgNIADBFAiEA7ckJKrZdCLv2ib7diA4VEXQJ7daI8vgI08eVooIu0Q4CIGe3nik+\n"
    "LQ0qHuI7/ZayFLI2WNi2VJOBtyqjx7jMkx6J\n"
    "-----END CERTIFICATE-----\n";
static cos_tree_options *tree_opts;
static cos_tree_options *scratch_tree_opts;
static cos_tree_report *tree_report;
static cos_credentials *scratch_credentials;
static uint8_t sse_key[32];
static int userdata_target;
static const char *const one_key[] = {"x"};
static const char *const key_then_null[] = {"x", NULL};
static const char *const non_utf8_key[] = {"\xff\xfe"};
static const char *const empty_key[] = {""};
/* The companion of a key array (version ids): two entries, so that any count the key cases use (at most 2)
 * stays inside it. */
static const char *const no_version[] = {NULL, NULL};
static const char *const null_then_version[] = {NULL, "v1"};
static int read_calls = 0;
static uint64_t read_left = 1;

/* Dummy callbacks: they ignore userdata (which may be NULL) and deliver/accept one byte bodies. */
static int dummy_read(void *userdata, uint8_t *buf, size_t cap, size_t *written) {
    (void)userdata;
    read_calls++;
    if (read_left > 0 && cap > 0) {
        buf[0] = 'x';
        read_left--;
        *written = 1;
    } else {
        *written = 0;
    }
    return 0;
}

static void dummy_observer(void *userdata, const cos_request_metrics *metrics) {
    (void)userdata;
    (void)metrics;
}

static int dummy_credentials(void *userdata, cos_credentials *out) {
    (void)userdata;
    (void)out;
    return 1;
}

static void dummy_log(void *userdata, cos_log_severity level, const char *message) {
    (void)userdata;
    (void)level;
    (void)message;
}

static int dummy_write(void *userdata, const uint8_t *data, size_t len) {
    (void)userdata;
    (void)data;
    (void)len;
    return 0;
}

static void dummy_op_done(void *userdata, cos_op_state state, cos_status status) {
    (void)userdata;
    (void)state;
    (void)status;
}

static void finish_operation(cos_operation *op) {
    cos_operation_wait(op, -1);
    cos_operation_free(op);
}

static int dummy_progress(void *userdata, uint64_t done, uint64_t total) {
    (void)userdata;
    (void)done;
    (void)total;
    return 0;
}

static int dummy_select_progress(void *userdata, const cos_select_stats *stats) {
    (void)userdata;
    (void)stats;
    return 0;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Reports calls that took long (a bad argument should be refused at once). */
static void note_slow(const char *label, double t0) {
    double ms = now_ms() - t0;
    if (ms > (getenv("SLOW_MS") ? atof(getenv("SLOW_MS")) : 1000.0)) {
        printf("SLOW %s: %.0f ms\n", label, ms);
    }
}

static const char *or_null(const char *s) {
    return s ? s : "(null)";
}

/* A check failed: counted as a failure, or as a known bug when `xfail` names one. */
static void failed(const char *label, const char *why, const cos_error *err, const char *xfail) {
    if (xfail != NULL) {
        known_bugs++;
        printf("KNOWN BUG %s: %s (%s)\n", label, why, xfail);
        return;
    }
    failures++;
    fprintf(stderr, "FAILED %s: %s\n", label, why);
    if (err != NULL && err != SENTINEL) {
        fprintf(stderr, "    error: %s | http %d | message %s\n", cos_status_str(cos_error_status(err)),
                (int)cos_error_http_status(err), or_null(cos_error_message(err)));
    }
}

/* A check passed. When it was listed as a known bug, that entry is stale: fail so it gets removed. */
static void passed(const char *label, const char *xfail) {
    if (xfail != NULL) {
        failures++;
        fprintf(stderr, "FIXED %s: listed in KNOWN_BUGS (%s) but behaves correctly now; remove the entry\n",
                label, xfail);
    }
}

static void expect_true(const char *label, int ok, const char *xfail) {
    checks++;
    if (ok) {
        passed(label, xfail);
    } else {
        failed(label, "unexpected result", NULL, xfail);
    }
}

static int is_ident(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Whether `word` occurs in `s` as a whole identifier. */
static int names(const char *s, const char *word) {
    size_t n = strlen(word);
    const char *p = s;
    while (s != NULL && (p = strstr(p, word)) != NULL) {
        if ((p == s || !is_ident(p[-1])) && !is_ident(p[n])) {
            return 1;
        }
        p++;
    }
    return 0;
}

static void free_err(cos_error *err) {
    if (err != SENTINEL) {
        cos_error_free(err);
    }
}

/* COS_INVALID_ARGUMENT, *err set with that status, a message naming `param`, nothing sent, callback unused. */
static void expect_invalid(const char *label, cos_status rc, cos_error *err, const char *param,
                           const char *xfail) {
    static char why[512];
    checks++;
    if (rc != COS_INVALID_ARGUMENT) {
        snprintf(why, sizeof why, "returned %s, expected COS_INVALID_ARGUMENT", cos_status_str(rc));
        failed(label, why, err, xfail);
    } else if (err == SENTINEL) {
        failed(label, "*err was not written", NULL, xfail);
    } else if (err == NULL && param != NULL) {
        failed(label, "*err is NULL after a failure", NULL, xfail);
    } else if (err != NULL && cos_error_status(err) != COS_INVALID_ARGUMENT) {
        failed(label, "cos_error_status differs from the returned status", err, xfail);
    } else if (err != NULL && cos_error_message(err) == NULL) {
        failed(label, "no message", err, xfail);
    } else if (param != NULL && !names(cos_error_message(err), param)) {
        snprintf(why, sizeof why, "the message does not name `%s`: %s", param, or_null(cos_error_message(err)));
        failed(label, why, err, xfail);
    } else if (err != NULL && cos_error_attempts(err) != 0) {
        failed(label, "a request was sent", err, xfail);
    } else if (read_calls != 0) {
        failed(label, "the read callback was called", err, xfail);
    } else {
        passed(label, xfail);
    }
    if (err != NULL) {
        free_err(err);
    }
}

/* Any status, but a consistent one: a known value; *err cleared on success, set (same status, a message)
 * on failure. */
static void expect_consistent(const char *label, cos_status rc, cos_error *err, const char *xfail) {
    static char why[512];
    checks++;
    if ((unsigned)rc > (unsigned)COS_SERVICE_ERROR) {
        snprintf(why, sizeof why, "unknown status %u", (unsigned)rc);
        failed(label, why, NULL, xfail);
    } else if (rc == COS_INTERNAL_ERROR) {
        failed(label, "COS_INTERNAL_ERROR (a caught panic or a broken invariant)", err, xfail);
    } else if (err == SENTINEL) {
        failed(label, "*err was not written", NULL, xfail);
    } else if (rc == COS_OK && err != NULL) {
        failed(label, "*err is set after success", err, xfail);
    } else if (rc != COS_OK && err != NULL && (cos_error_status(err) != rc || cos_error_message(err) == NULL)) {
        failed(label, "*err does not match the returned status or has no message", err, xfail);
    } else {
        passed(label, xfail);
    }
    if (err != NULL) {
        free_err(err);
    }
}

static void expect_ok(const char *label, cos_status rc, cos_error *err, const char *xfail) {
    static char why[512];
    if (rc != COS_OK) {
        checks++;
        snprintf(why, sizeof why, "returned %s, expected COS_OK", cos_status_str(rc));
        failed(label, why, err, xfail);
        if (err != NULL) {
            free_err(err);
        }
        return;
    }
    expect_consistent(label, rc, err, xfail);
}

/* expect_ok when the server implements multipart uploads, else only a consistent status. */
static int have_multipart = 1;
static int relaxed = 0;
static void expect_ok_multipart(const char *label, cos_status rc, cos_error *err, const char *xfail) {
    if (have_multipart) {
        expect_ok(label, rc, err, xfail);
    } else {
        relaxed++;
        expect_consistent(label, rc, err, xfail);
    }
}

/* Out-parameters are written on success and only then. */
static void check_out(const char *label, cos_status rc, int written) {
    checks++;
    if (rc == COS_OK && !written) {
        failures++;
        fprintf(stderr, "FAILED %s: success without writing an out-parameter\n", label);
    } else if (rc != COS_OK && written) {
        failures++;
        fprintf(stderr, "FAILED %s: an out-parameter was written although the call failed\n", label);
    }
}

/* Setup steps must succeed. `err` is read after the call (argument evaluation order is unspecified). */
static void must(const char *what, cos_status rc, cos_error **err) {
    if (rc != COS_OK) {
        fprintf(stderr, "setup: %s failed: %s: %s\n", what, cos_status_str(rc),
                or_null(cos_error_message(*err)));
        exit(2);
    }
}

/* Puts the test object back (a previous case may have deleted it), deletes the appended object "ap" (so an
 * append at position 0 succeeds) and rewinds the dummy reader. */
static void reset_state(void) {
    cos_error *err = NULL;
    must("put x", cos_client_put_object(client, BUCKET, "x", (const uint8_t *)"x", 1, &err), &err);
    must("put dp/a", cos_client_put_object(client, BUCKET, "dp/a", (const uint8_t *)"a", 1, &err), &err);
    must("delete ap", cos_client_delete_object(client, BUCKET, "ap", &err), &err);
    /* The CORS rule the preflight cases need (a case may have deleted it). */
    if (cors != NULL) {
        must("put cors", cos_client_put_bucket_cors(client, BUCKET, cors, &err), &err);
    }
    read_left = 1;
}

/* The bucket of the whole-bucket calls, there again with one object (a valid call may have emptied or deleted
 * it, or turned versioning on). */
static void reset_purge_bucket(void) {
    cos_error *err = NULL;
    cos_status rc = cos_client_create_bucket(client, PURGE_BUCKET, &err);
    if (rc != COS_OK && !(rc == COS_SERVICE_ERROR && cos_error_http_status(err) == 409)) {
        must("create the purge bucket", rc, &err);
    }
    cos_error_free(err);
    err = NULL;
    must("put into the purge bucket", cos_client_put_object(client, PURGE_BUCKET, "p", (const uint8_t *)"p", 1, &err),
         &err);
}

/* A fresh multipart upload of key "x" (the key every case uses) with one uploaded part, in `upload_id_value`,
 * `part` and `part_list` (a previous case may have completed or aborted the last one). */
static void reset_upload(void) {
    cos_error *err = NULL;
    if (!have_multipart) {
        return;
    }
    if (owned_upload_id != NULL) {
        cos_status rc = cos_client_abort_multipart_upload(client, BUCKET, "x", owned_upload_id, &err);
        cos_error_free(err); /* it may be completed or aborted already */
        (void)rc;
        err = NULL;
    }
    cos_string_free(owned_upload_id);
    cos_part_free(part);
    cos_part_list_free(part_list);
    owned_upload_id = NULL;
    part = NULL;
    must("create upload", cos_client_create_multipart_upload(client, BUCKET, "x", NULL, &owned_upload_id, &err),
         &err);
    upload_id_value = owned_upload_id;
    must("upload part", cos_client_upload_part(client, BUCKET, "x", upload_id_value, 1, (const uint8_t *)"x", 1,
                                               NULL, &part, &err), &err);
    part_list = cos_part_list_new();
    must("push part", cos_part_list_push(part_list, part, &err), &err);
}

static void setup(const char *dir) {
    cos_error *err = NULL;
    FILE *f;
    cos_status rc;
    snprintf(upload_path, sizeof upload_path, "%s/upload.txt", dir);
    snprintf(download_path, sizeof download_path, "%s/download.txt", dir);
    snprintf(download_dir, sizeof download_dir, "%s/prefix-download", dir);
    snprintf(tree_upload_dir, sizeof tree_upload_dir, "%s/tree-upload", dir);
    f = fopen(upload_path, "wb");
    if (f == NULL || fputs("x", f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "setup: cannot write %s\n", upload_path);
        exit(2);
    }
    memset(sse_key, 1, sizeof sse_key);
    must("cos_client_new_from_env", cos_client_new_from_env(&client, &err), &err);
    must("cos_client_config_from_env", cos_client_config_from_env(&config, &err), &err);
    scratch_config = cos_client_config_new();
    opts = cos_request_options_new();
    scratch_opts = cos_request_options_new();
    must("copy source", cos_copy_source_new(BUCKET, "x", &copy_source, &err), &err);
    must("scratch copy source", cos_copy_source_new(BUCKET, "x", &scratch_copy_source, &err), &err);
    must("create bucket", cos_client_create_bucket(client, BUCKET, &err), &err);
    reset_state();
    must("head x", cos_client_head_object(client, BUCKET, "x", NULL, &info, &err), &err);
    must("get x", cos_client_get_object(client, BUCKET, "x", &bytes, &err), &err);
    must("list", cos_client_list_objects(client, BUCKET, NULL, NULL, NULL, 0, &list, &err), &err);
    must("iter", cos_object_iter_new(client, BUCKET, NULL, NULL, 1, &iter, &err), &err);
    must("list buckets", cos_client_list_buckets(client, &bucket_list, &err), &err);
    must("delete objects", cos_client_delete_objects(client, BUCKET, one_key, 1, false, &delete_result, &err), &err);
    must("list versions", cos_client_list_object_versions(client, BUCKET, NULL, NULL, NULL, NULL, 0, &version_list,
                                                          &err), &err);
    must("version iter", cos_version_iter_new(client, BUCKET, NULL, NULL, 1, &version_iter, &err), &err);
    must("delete versions", cos_client_delete_object_versions(client, BUCKET, one_key, no_version, 1, false,
                                                              &version_delete_result, &err), &err);
    reset_state();
    rc = cos_client_create_multipart_upload(client, BUCKET, "probe", NULL, &owned_upload_id, &err);
    if (rc == COS_SERVICE_ERROR && (cos_error_http_status(err) == 501 || cos_error_http_status(err) == 405)) {
        have_multipart = 0;
        part_list = cos_part_list_new();
        printf("NOTE: the server does not implement multipart uploads (HTTP %d %s)\n",
               (int)cos_error_http_status(err), or_null(cos_error_code(err)));
    } else {
        must("create upload", rc, &err);
        must("abort upload", cos_client_abort_multipart_upload(client, BUCKET, "probe", owned_upload_id, &err), &err);
        cos_string_free(owned_upload_id);
        owned_upload_id = NULL;
    }
    cos_error_free(err);
    err = NULL;
    reset_upload();
    scratch_part_list = cos_part_list_new();
    topts = cos_transfer_options_new();
    scratch_topts = cos_transfer_options_new();
    cancel_token = cos_cancel_token_new();
    transfer_metrics = cos_transfer_metrics_new();
    if (have_multipart) {
        must("list uploads", cos_client_list_multipart_uploads(client, BUCKET, NULL, NULL, NULL, NULL, 0,
                                                               &upload_list, &err), &err);
    }
    must("open reader", cos_object_reader_open(client, BUCKET, "x", NULL, &reader, &err), &err);
    must("start head", cos_client_start_head_object(client, BUCKET, "x", NULL, NULL, NULL, &operation, &err), &err);
    cos_operation_wait(operation, -1);
    must("open writer", cos_object_writer_open(client, BUCKET, "w", NULL, &writer, &err), &err);
    /* Its own key: only its successful appends move its position, and reset_state() leaves the key alone. */
    must("new appender", cos_appender_new(client, BUCKET, "apw", NULL, false, &appender, &err), &err);
    /* Lifecycle and CORS handles with a valid rule 0 (the `rule` index every case uses), the CORS rule on
     * the bucket (reset_state() puts it back) and a preflight answer. */
    lifecycle = cos_lifecycle_new();
    must("lifecycle rule", cos_lifecycle_add_rule(lifecycle, "r", NULL, true, NULL, &err), &err);
    must("lifecycle action", cos_lifecycle_rule_set_expiration_days(lifecycle, 0, 30, &err), &err);
    scratch_lifecycle = cos_lifecycle_new();
    must("scratch lifecycle rule", cos_lifecycle_add_rule(scratch_lifecycle, "s", NULL, true, NULL, &err), &err);
    cors = cos_cors_new();
    must("cors rule", cos_cors_add_rule(cors, NULL, NULL, &err), &err);
    must("cors origin", cos_cors_rule_add_origin(cors, 0, "*", &err), &err);
    must("cors method", cos_cors_rule_add_method(cors, 0, "GET", &err), &err);
    must("cors header", cos_cors_rule_add_allowed_header(cors, 0, "*", &err), &err);
    scratch_cors = cos_cors_new();
    must("scratch cors rule", cos_cors_add_rule(scratch_cors, NULL, NULL, &err), &err);
    reset_state();
    must("preflight", cos_client_cors_preflight(client, BUCKET, "x", "https://a.example", "GET", "x-a", &preflight,
                                                &err), &err);
    tag_set = cos_tag_set_new();
    scratch_tag_set = cos_tag_set_new();
    presign_opts = cos_presign_options_new();
    scratch_presign_opts = cos_presign_options_new();
    raw_request = cos_raw_request_new();
    scratch_raw_request = cos_raw_request_new();
    must("add tag", cos_tag_set_add(tag_set, "a", "b", &err), &err);
    must("get acl", cos_client_get_object_acl(client, BUCKET, "x", NULL, &acl_policy, &err), &err);
    scratch_acl_policy = cos_acl_policy_new();
    bucket_filter = cos_bucket_filter_new();
    scratch_bucket_filter = cos_bucket_filter_new();
    must("bucket filter", cos_bucket_filter_set_page(bucket_filter, "", 1, &err), &err);
    select_request = cos_select_request_new();
    scratch_select_request = cos_select_request_new();
    must("select expression", cos_select_request_set_expression(select_request, "SELECT * FROM COSObject LIMIT 1",
                                                                &err), &err);
    must("select", cos_client_select_object_content(client, BUCKET, "x", select_request, NULL, dummy_write, NULL, NULL,
                                                    &select_stats, &err), &err);
    must("open select reader", cos_select_reader_open(client, BUCKET, "x", select_request, NULL, &select_reader, &err),
         &err);
    {
        cos_request_options *archive = cos_request_options_new();
        must("archive class", cos_request_options_set_storage_class(archive, "ARCHIVE", &err), &err);
        must("put cold", cos_client_put_object_ex(client, BUCKET, "cold", (const uint8_t *)"c", 1, archive, NULL, &err),
             &err);
        cos_request_options_free(archive);
        /* Restored at once (the emulator's default), so that calls reading every object (download_prefix
         * with no prefix) can read it too. */
        must("restore cold", cos_client_restore_object(client, BUCKET, "cold", 1, COS_RESTORE_TIER_STANDARD, NULL,
                                                       &err), &err);
    }
    {
        /* A directory of one file for upload_prefix; its report is the one every report accessor reads. */
        char file[4200];
        FILE *t;
        snprintf(file, sizeof file, "%s/t.txt", tree_upload_dir);
        if (mkdir(tree_upload_dir, 0700) != 0 || (t = fopen(file, "wb")) == NULL || fputs("t", t) < 0 ||
            fclose(t) != 0) {
            fprintf(stderr, "setup: cannot write %s\n", file);
            exit(2);
        }
        scratch_credentials = cos_credentials_new();
        tree_opts = cos_tree_options_new();
        scratch_tree_opts = cos_tree_options_new();
        must("upload tree", cos_client_upload_prefix(client, BUCKET, "tree-up/", tree_upload_dir, NULL, NULL, NULL,
                                                     &tree_report, &err), &err);
    }
    rc = cos_client_get_object(client, BUCKET, "missing", &bytes, &error);
    if (rc != COS_SERVICE_ERROR || error == NULL) {
        fprintf(stderr, "setup: a GET of a missing key did not fail with a service error\n");
        exit(2);
    }
}

/* Empties the bucket (objects and uploads) and deletes it. */
static void delete_bucket(void) {
    cos_error *err = NULL;
    cos_object_list *objects = NULL;
    cos_upload_list *uploads = NULL;
    size_t i;
    if (have_multipart) {
        must("list uploads", cos_client_list_multipart_uploads(client, BUCKET, NULL, NULL, NULL, NULL, 0, &uploads,
                                                               &err), &err);
    }
    for (i = 0; i < cos_upload_list_count(uploads); i++) {
        must("abort upload", cos_client_abort_multipart_upload(client, BUCKET, cos_upload_list_key(uploads, i),
                                                               cos_upload_list_upload_id(uploads, i), &err), &err);
    }
    cos_upload_list_free(uploads);
    must("list objects", cos_client_list_objects(client, BUCKET, NULL, NULL, NULL, 0, &objects, &err), &err);
    for (i = 0; i < cos_object_list_count(objects); i++) {
        must("delete object", cos_client_delete_object(client, BUCKET, cos_object_list_key(objects, i), &err), &err);
    }
    cos_object_list_free(objects);
    must("delete bucket", cos_client_delete_bucket(client, BUCKET, &err), &err);
}

static void teardown(void) {
    cos_cors_preflight_free(preflight);
    cos_cors_free(scratch_cors);
    cos_cors_free(cors);
    cos_lifecycle_free(scratch_lifecycle);
    cos_lifecycle_free(lifecycle);
    cos_acl_policy_free(scratch_acl_policy);
    cos_bucket_filter_free(scratch_bucket_filter);
    cos_bucket_filter_free(bucket_filter);
    cos_select_reader_free(select_reader);
    cos_select_stats_free(select_stats);
    cos_select_request_free(scratch_select_request);
    cos_select_request_free(select_request);
    cos_acl_policy_free(acl_policy);
    cos_copy_source_free(scratch_copy_source);
    cos_copy_source_free(copy_source);
    cos_tag_set_free(scratch_tag_set);
    cos_tag_set_free(tag_set);
    cos_presign_options_free(scratch_presign_opts);
    cos_presign_options_free(presign_opts);
    cos_raw_request_free(scratch_raw_request);
    cos_raw_request_free(raw_request);
    cos_appender_free(appender);
    cos_object_writer_free(writer);
    cos_object_reader_free(reader);
    cos_operation_free(operation);
    delete_bucket();
    reset_purge_bucket();
    {
        cos_error *err = NULL;
        must("delete the purge bucket", cos_client_delete_bucket_recursive(client, PURGE_BUCKET, NULL, NULL, NULL, &err),
             &err);
    }
    cos_tree_report_free(tree_report);
    cos_credentials_free(scratch_credentials);
    cos_tree_options_free(scratch_tree_opts);
    cos_tree_options_free(tree_opts);
    cos_upload_list_free(upload_list);
    cos_transfer_options_free(scratch_topts);
    cos_transfer_options_free(topts);
    cos_cancel_token_free(cancel_token);
    cos_transfer_metrics_free(transfer_metrics);
    cos_part_list_free(scratch_part_list);
    cos_part_list_free(part_list);
    cos_part_free(part);
    cos_string_free(owned_upload_id);
    cos_delete_result_free(delete_result);
    cos_version_delete_result_free(version_delete_result);
    cos_version_iter_free(version_iter);
    cos_version_list_free(version_list);
    cos_bucket_list_free(bucket_list);
    cos_object_iter_free(iter);
    cos_object_list_free(list);
    cos_bytes_free(bytes);
    cos_object_info_free(info);
    cos_error_free(error);
    cos_request_options_free(scratch_opts);
    cos_request_options_free(opts);
    cos_client_config_free(scratch_config);
    cos_client_config_free(config);
    cos_client_free(client);
}

/* Cases written by hand: values no type-driven rule produces. */
static int is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void extra_cases(void) {
    /* A content length no single PUT can have must be refused before the body is read. */
    {
        cos_error *err = (cos_error *)SENTINEL;
        cos_status rc;
        read_calls = 0;
        rc = cos_client_put_object_from_reader(client, BUCKET, "huge", dummy_read, NULL, UINT64_MAX, NULL, NULL,
                                               &err);
        expect_invalid("cos_client_put_object_from_reader: content_length=UINT64_MAX", rc, err, "content_length",
                       @XFAIL_HUGE@);
    }
    /* A key equal to the prefix maps to `dir` itself: refused or skipped, never a file replacing the directory. */
    {
        cos_error *err = (cos_error *)SENTINEL;
        size_t count = 12345;
        cos_status rc;
        must("put edge", cos_client_put_object(client, BUCKET, "edge", (const uint8_t *)"e", 1, &err), &err);
        err = (cos_error *)SENTINEL;
        rc = cos_client_download_prefix(client, BUCKET, "edge", download_dir, NULL, &count, &err);
        printf("NOTE: download_prefix of a key equal to its prefix: %s, count %zu, %s\n", cos_status_str(rc),
               rc == COS_OK ? count : (size_t)0, err != NULL && err != SENTINEL ? or_null(cos_error_message(err)) : "");
        expect_consistent("cos_client_download_prefix: key equal to the prefix", rc, err, NULL);
        expect_true("cos_client_download_prefix: key equal to the prefix leaves dir a directory",
                    is_directory(download_dir), NULL);
    }
    /* A signing window past the end of time must be refused, not overflow. */
    {
        cos_error *err = (cos_error *)SENTINEL;
        char *url = (char *)SENTINEL;
        cos_status rc = cos_client_presign_url(client, "GET", BUCKET, "x", INT64_MAX, 60, &url, &err);
        expect_invalid("cos_client_presign_url: start_unix=INT64_MAX", rc, err, "start_unix", @XFAIL_PRESIGN@);
        if (rc == COS_OK && url != (char *)SENTINEL) {
            cos_string_free(url);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    setup(argv[1]);
"""

EPILOGUE = r"""
    extra_cases();
    teardown();
    if (relaxed > 0) {
        printf("NOTE: %d valid-argument multipart calls were only checked for a consistent status\n", relaxed);
    }
    printf("bad_input: @NFUNCS@ functions, %d checks, %d failed, %d known bugs\n", checks, failures, known_bugs);
    return failures == 0 ? 0 : 1;
}
"""

EXTRA_LABELS = {
    "@XFAIL_HUGE@": "cos_client_put_object_from_reader: content_length=UINT64_MAX",
    "@XFAIL_PRESIGN@": "cos_client_presign_url: start_unix=INT64_MAX",
}


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: gen_bad_input.py include/cos.h OUT.c\n")
        return 2
    header = open(sys.argv[1], encoding="utf-8").read()
    try:
        funcs = parse(header)
        if not funcs:
            raise Unknown("no functions found in the header")
        g, tested = generate(funcs)
    except Unknown as e:
        sys.stderr.write(f"gen_bad_input.py: cannot drive the header: {e}\n")
        return 1
    declared = set(re.findall(r"\b(cos_\w+)\s*\(", re.sub(r"/\*.*?\*/", "", header, flags=re.S)))
    missing = declared - {f for f, _ in tested}
    if missing:
        sys.stderr.write(f"gen_bad_input.py: declared but not parsed: {sorted(missing)}\n")
        return 1
    prelude = PRELUDE.replace("@BUCKET@", BUCKET).replace("@PURGE_BUCKET@", PURGE_BUCKET)
    for marker, label in EXTRA_LABELS.items():
        prelude = prelude.replace(marker, c_str(KNOWN_BUGS[label]) if label in KNOWN_BUGS else "NULL")
    stale = set(KNOWN_BUGS) - set(EXTRA_LABELS.values()) - set(l for l in g_labels(g))
    if stale:
        sys.stderr.write(f"gen_bad_input.py: KNOWN_BUGS names cases that do not exist: {sorted(stale)}\n")
        return 1
    body = "\n".join(g.out)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(prelude + body + EPILOGUE.replace("@NFUNCS@", str(len(tested))))
    kinds = {}
    for _, k in tested:
        kinds[k] = kinds.get(k, 0) + 1
    print(f"gen_bad_input.py: {len(tested)} functions ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))})")
    return 0


def g_labels(g):
    return [m.group(1) for line in g.out for m in [re.match(r"\s*\{ /\* (.*) \*/$", line)] if m]


if __name__ == "__main__":
    sys.exit(main())
