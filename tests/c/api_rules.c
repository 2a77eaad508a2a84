/* Every lifecycle and CORS export of cos.h, the CORS preflight, and the generic sub-resource calls for a
 * website and an inventory configuration (the README's examples), against the server the COS_* environment
 * names; bucket COS_BUCKET is created and left with its configurations for the driver
 * (tests/api_rules_c.rs) to check from Rust. Bad input is refused with COS_INVALID_ARGUMENT naming what is
 * wrong. Prints one line per step; exits 1 on the first unexpected result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cos.h"

static const char *bucket;
static cos_client *client;

static const char *or_null(const char *s) { return s ? s : "(null)"; }

static void fail(const char *what, cos_error *err) {
    fprintf(stderr, "FAILED %s: %s: %s (code %s)\n", what, cos_status_str(cos_error_status(err)),
            or_null(cos_error_message(err)), or_null(cos_error_code(err)));
    cos_error_free(err);
    exit(1);
}

/* A call that must succeed. `errp` is read after the call: the order in which arguments are evaluated is
 * unspecified, so the error cannot be passed by value next to the call that sets it. */
static void ok(const char *what, cos_status rc, cos_error **errp) {
    if (rc != COS_OK) fail(what, *errp);
    printf("ok %s\n", what);
}

/* A call that must fail with `status` and a message containing `needle`. */
static void refused(const char *what, cos_status rc, cos_error **errp, cos_status status, const char *needle) {
    cos_error *err = *errp;
    *errp = NULL;
    if (rc != status || err == NULL || cos_error_status(err) != status ||
        (needle && strstr(or_null(cos_error_message(err)), needle) == NULL)) {
        fprintf(stderr, "FAILED %s: expected %s mentioning \"%s\", got %s: %s\n", what, cos_status_str(status),
                or_null(needle), cos_status_str(rc), err ? or_null(cos_error_message(err)) : "(no error)");
        exit(1);
    }
    printf("refused %s: %s\n", what, cos_error_message(err));
    cos_error_free(err);
}

static void expect(const char *what, int cond) {
    if (!cond) {
        fprintf(stderr, "FAILED %s\n", what);
        exit(1);
    }
}

static int same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static void lifecycle(void) {
    cos_error *err = NULL;
    cos_lifecycle *lc = cos_lifecycle_new(), *got = NULL;
    size_t logs = 99, tmp = 99, i;

    /* README: Bucket configuration, lifecycle. */
    ok("add rule logs", cos_lifecycle_add_rule(lc, "logs", "logs/", true, &logs, &err), &err);
    ok("transition 30", cos_lifecycle_rule_add_transition(lc, logs, 30, "STANDARD_IA", &err), &err);
    ok("transition 90", cos_lifecycle_rule_add_transition(lc, logs, 90, "ARCHIVE", &err), &err);
    ok("expire 365", cos_lifecycle_rule_set_expiration_days(lc, logs, 365, &err), &err);
    ok("abort uploads", cos_lifecycle_rule_set_abort_multipart_days(lc, logs, 7, &err), &err);
    ok("tag", cos_lifecycle_rule_add_tag(lc, logs, "team", "a&b", &err), &err);
    ok("add rule tmp", cos_lifecycle_add_rule(lc, "tmp", NULL, false, &tmp, &err), &err);
    ok("transition date", cos_lifecycle_rule_add_transition_date(lc, tmp, "2030-01-01T00:00:00+08:00",
                                                                 "DEEP_ARCHIVE", &err), &err);
    ok("expiration date", cos_lifecycle_rule_set_expiration_date(lc, tmp, "2031-01-01T00:00:00+08:00", &err), &err);
    ok("noncurrent expiration", cos_lifecycle_rule_set_noncurrent_expiration_days(lc, tmp, 60, &err), &err);
    ok("noncurrent transition", cos_lifecycle_rule_add_noncurrent_transition(lc, tmp, 10, "ARCHIVE", &err), &err);
    ok("add rule markers", cos_lifecycle_add_rule(lc, NULL, "", true, NULL, &err), &err);
    ok("delete markers", cos_lifecycle_rule_set_expired_object_delete_marker(lc, 2, true, &err), &err);
    expect("indexes", logs == 0 && tmp == 1 && cos_lifecycle_rule_count(lc) == 3);

    /* Bad values are refused as they are set, and the rule is unchanged. */
    refused("0 days", cos_lifecycle_rule_set_expiration_days(lc, logs, 0, &err), &err, COS_INVALID_ARGUMENT,
            "at least 1 day");
    refused("storage class", cos_lifecycle_rule_add_transition(lc, logs, 5, "cold", &err), &err,
            COS_INVALID_ARGUMENT, "storage_class");
    refused("date", cos_lifecycle_rule_set_expiration_date(lc, tmp, "next year", &err), &err, COS_INVALID_ARGUMENT,
            "ISO 8601");
    refused("rule index", cos_lifecycle_rule_set_expiration_days(lc, 3, 1, &err), &err, COS_INVALID_ARGUMENT,
            "rule 3 is out of range");
    refused("NULL handle", cos_lifecycle_rule_set_expiration_days(NULL, 0, 1, &err), &err, COS_INVALID_ARGUMENT,
            "lc");
    expect("unchanged", cos_lifecycle_rule_expiration_days(lc, logs) == 365 &&
                            cos_lifecycle_rule_transition_count(lc, logs) == 2);

    /* A rule without an action is refused before anything is sent. */
    {
        cos_lifecycle *empty = cos_lifecycle_new();
        refused("no rules", cos_client_put_bucket_lifecycle(client, bucket, empty, &err), &err, COS_INVALID_ARGUMENT,
                "at least one rule");
        ok("add bare rule", cos_lifecycle_add_rule(empty, "bare", NULL, true, NULL, &err), &err);
        refused("no action", cos_client_put_bucket_lifecycle(client, bucket, empty, &err), &err,
                COS_INVALID_ARGUMENT, "no action");
        cos_lifecycle_free(empty);
    }

    refused("get before put", cos_client_get_bucket_lifecycle(client, bucket, &got, &err), &err, COS_SERVICE_ERROR,
            NULL);
    ok("put lifecycle", cos_client_put_bucket_lifecycle(client, bucket, lc, &err), &err);
    ok("get lifecycle", cos_client_get_bucket_lifecycle(client, bucket, &got, &err), &err);
    expect("rule count", cos_lifecycle_rule_count(got) == 3);
    expect("rule 0", same(cos_lifecycle_rule_id(got, 0), "logs") && same(cos_lifecycle_rule_prefix(got, 0), "logs/") &&
                         cos_lifecycle_rule_enabled(got, 0));
    expect("tags", cos_lifecycle_rule_tag_count(got, 0) == 1 && same(cos_lifecycle_rule_tag_key(got, 0, 0), "team") &&
                       same(cos_lifecycle_rule_tag_value(got, 0, 0), "a&b") &&
                       cos_lifecycle_rule_tag_key(got, 0, 1) == NULL);
    expect("transitions", cos_lifecycle_rule_transition_count(got, 0) == 2 &&
                              cos_lifecycle_rule_transition_days(got, 0, 1) == 90 &&
                              same(cos_lifecycle_rule_transition_storage_class(got, 0, 1), "ARCHIVE") &&
                              cos_lifecycle_rule_transition_date(got, 0, 0) == NULL);
    expect("expiration", cos_lifecycle_rule_expiration_days(got, 0) == 365 &&
                             cos_lifecycle_rule_expiration_date(got, 0) == NULL &&
                             cos_lifecycle_rule_abort_multipart_days(got, 0) == 7);
    expect("rule 1", !cos_lifecycle_rule_enabled(got, 1) && cos_lifecycle_rule_prefix(got, 1) != NULL &&
                         same(cos_lifecycle_rule_transition_date(got, 1, 0), "2030-01-01T00:00:00+08:00") &&
                         same(cos_lifecycle_rule_transition_storage_class(got, 1, 0), "DEEP_ARCHIVE") &&
                         cos_lifecycle_rule_transition_days(got, 1, 0) == 0 &&
                         same(cos_lifecycle_rule_expiration_date(got, 1), "2031-01-01T00:00:00+08:00") &&
                         cos_lifecycle_rule_expiration_days(got, 1) == 0);
    expect("noncurrent", cos_lifecycle_rule_noncurrent_expiration_days(got, 1) == 60 &&
                             cos_lifecycle_rule_noncurrent_transition_count(got, 1) == 1 &&
                             cos_lifecycle_rule_noncurrent_transition_days(got, 1, 0) == 10 &&
                             same(cos_lifecycle_rule_noncurrent_transition_storage_class(got, 1, 0), "ARCHIVE"));
    expect("rule 2", cos_lifecycle_rule_id(got, 2) == NULL && cos_lifecycle_rule_expired_object_delete_marker(got, 2) &&
                         !cos_lifecycle_rule_expired_object_delete_marker(got, 0));
    expect("out of range", cos_lifecycle_rule_id(got, 3) == NULL && cos_lifecycle_rule_count(NULL) == 0 &&
                               cos_lifecycle_rule_transition_days(got, 9, 0) == 0);
    for (i = 0; i < cos_lifecycle_rule_count(got); i++)
        printf("rule %zu: id %s, prefix %s, %s\n", i, or_null(cos_lifecycle_rule_id(got, i)),
               or_null(cos_lifecycle_rule_prefix(got, i)), cos_lifecycle_rule_enabled(got, i) ? "Enabled" : "Disabled");
    cos_lifecycle_free(got);
    got = NULL;

    /* Delete, and put it back for the driver to read. */
    ok("delete lifecycle", cos_client_delete_bucket_lifecycle(client, bucket, &err), &err);
    refused("get after delete", cos_client_get_bucket_lifecycle(client, bucket, &got, &err), &err, COS_SERVICE_ERROR,
            NULL);
    ok("put lifecycle again", cos_client_put_bucket_lifecycle(client, bucket, lc, &err), &err);
    cos_lifecycle_free(lc);
    cos_lifecycle_free(NULL);
}

static void cors(void) {
    cos_error *err = NULL;
    cos_cors *c = cos_cors_new(), *got = NULL;
    cos_cors_preflight *p = NULL;
    cos_object_info *info = NULL;
    size_t web = 99, i;

    ok("add cors rule", cos_cors_add_rule(c, "web", &web, &err), &err);
    ok("origin", cos_cors_rule_add_origin(c, web, "https://www.example.com", &err), &err);
    ok("method GET", cos_cors_rule_add_method(c, web, "GET", &err), &err);
    ok("method PUT", cos_cors_rule_add_method(c, web, "PUT", &err), &err);
    ok("allowed header", cos_cors_rule_add_allowed_header(c, web, "x-cos-meta-*", &err), &err);
    ok("expose header", cos_cors_rule_add_expose_header(c, web, "ETag", &err), &err);
    ok("max age", cos_cors_rule_set_max_age(c, web, 600, &err), &err);
    ok("add any rule", cos_cors_add_rule(c, NULL, NULL, &err), &err);
    ok("any origin", cos_cors_rule_add_origin(c, 1, "*", &err), &err);
    ok("any HEAD", cos_cors_rule_add_method(c, 1, "HEAD", &err), &err);
    refused("PATCH", cos_cors_rule_add_method(c, web, "PATCH", &err), &err, COS_INVALID_ARGUMENT, "method");
    refused("empty origin", cos_cors_rule_add_origin(c, web, "", &err), &err, COS_INVALID_ARGUMENT, "origin");
    refused("cors rule index", cos_cors_rule_add_origin(c, 5, "*", &err), &err, COS_INVALID_ARGUMENT, "rule 5");

    /* Over COS's limit of 100 rules: refused before sending. */
    {
        cos_cors *many = cos_cors_new();
        for (i = 0; i < 101; i++) {
            ok("many: rule", cos_cors_add_rule(many, NULL, NULL, &err), &err);
            ok("many: origin", cos_cors_rule_add_origin(many, i, "*", &err), &err);
            ok("many: method", cos_cors_rule_add_method(many, i, "GET", &err), &err);
        }
        refused("101 rules", cos_client_put_bucket_cors(client, bucket, many, &err), &err, COS_INVALID_ARGUMENT,
                "at most 100");
        cos_cors_free(many);
    }

    refused("preflight without cors", cos_client_cors_preflight(client, bucket, "k", "https://www.example.com", "GET",
                                                                NULL, &p, &err), &err, COS_SERVICE_ERROR, NULL);
    ok("put cors", cos_client_put_bucket_cors(client, bucket, c, &err), &err);
    ok("get cors", cos_client_get_bucket_cors(client, bucket, &got, &err), &err);
    expect("cors rules", cos_cors_rule_count(got) == 2 && same(cos_cors_rule_id(got, 0), "web") &&
                             cos_cors_rule_id(got, 1) == NULL);
    expect("origins", cos_cors_rule_origin_count(got, 0) == 1 &&
                          same(cos_cors_rule_origin(got, 0, 0), "https://www.example.com") &&
                          cos_cors_rule_origin(got, 0, 1) == NULL);
    expect("methods", cos_cors_rule_method_count(got, 0) == 2 && same(cos_cors_rule_method(got, 0, 1), "PUT"));
    expect("headers", cos_cors_rule_allowed_header_count(got, 0) == 1 &&
                          same(cos_cors_rule_allowed_header(got, 0, 0), "x-cos-meta-*") &&
                          cos_cors_rule_expose_header_count(got, 0) == 1 &&
                          same(cos_cors_rule_expose_header(got, 0, 0), "ETag"));
    expect("max age", cos_cors_rule_max_age(got, 0) == 600 && cos_cors_rule_max_age(got, 1) == -1 &&
                          cos_cors_rule_max_age(NULL, 0) == -1);

    ok("preflight", cos_client_cors_preflight(client, bucket, "dir/a.txt", "https://www.example.com", "PUT",
                                              "x-cos-meta-a", &p, &err), &err);
    expect("allow origin", same(cos_cors_preflight_allow_origin(p), "https://www.example.com"));
    expect("allow methods", same(cos_cors_preflight_allow_methods(p), "GET,PUT"));
    expect("allow headers", same(cos_cors_preflight_allow_headers(p), "x-cos-meta-a"));
    expect("expose headers", same(cos_cors_preflight_expose_headers(p), "ETag"));
    expect("preflight max age", cos_cors_preflight_max_age(p) == 600 && cos_cors_preflight_max_age(NULL) == -1);
    ok("preflight info", cos_cors_preflight_info(p, &info, &err), &err);
    expect("request id", cos_object_info_header(info, "x-cos-request-id") != NULL);
    printf("preflight: origin %s, methods %s, max age %lld\n", cos_cors_preflight_allow_origin(p),
           cos_cors_preflight_allow_methods(p), (long long)cos_cors_preflight_max_age(p));
    cos_object_info_free(info);
    cos_cors_preflight_free(p);
    p = NULL;
    ok("preflight on the bucket", cos_client_cors_preflight(client, bucket, NULL, "https://x.net", "HEAD", NULL, &p,
                                                            &err), &err);
    expect("wildcard", same(cos_cors_preflight_allow_origin(p), "*") && same(cos_cors_preflight_expose_headers(p), ""));
    cos_cors_preflight_free(p);
    p = NULL;
    refused("preflight refused", cos_client_cors_preflight(client, bucket, "k", "https://evil.com", "GET", NULL, &p,
                                                           &err), &err, COS_SERVICE_ERROR, NULL);
    refused("preflight method", cos_client_cors_preflight(client, bucket, "k", "https://a", "TRACE", NULL, &p, &err),
            &err, COS_INVALID_ARGUMENT, "method");
    expect("no answer written", p == NULL);
    cos_cors_free(got);
    got = NULL;

    ok("delete cors", cos_client_delete_bucket_cors(client, bucket, &err), &err);
    refused("get cors after delete", cos_client_get_bucket_cors(client, bucket, &got, &err), &err, COS_SERVICE_ERROR,
            NULL);
    ok("put cors again", cos_client_put_bucket_cors(client, bucket, c, &err), &err);
    cos_cors_free(c);
    cos_cors_free(NULL);
    cos_cors_preflight_free(NULL);
}

/* README: Bucket configuration, website and inventory through the generic call. */
static void generic(void) {
    cos_error *err = NULL;
    cos_bytes *doc = NULL;
    cos_request_options *opts = cos_request_options_new();
    const char *website =
        "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument>"
        "<ErrorDocument><Key>error.html</Key></ErrorDocument></WebsiteConfiguration>";
    const char *inventory =
        "<InventoryConfiguration><Id>daily</Id><IsEnabled>true</IsEnabled><Destination><COSBucketDestination>"
        "<Format>CSV</Format><Bucket>qcs::cos:ap-guangzhou::reports-1250000000</Bucket>"
        "</COSBucketDestination></Destination><Schedule><Frequency>Daily</Frequency></Schedule>"
        "<IncludedObjectVersions>Current</IncludedObjectVersions></InventoryConfiguration>";

    ok("put website", cos_client_bucket_subresource(client, "PUT", bucket, "website", (const uint8_t *)website,
                                                    strlen(website), NULL, NULL, NULL, &err), &err);
    ok("get website", cos_client_bucket_subresource(client, "GET", bucket, "website", NULL, 0, NULL, &doc, NULL, &err),
       &err);
    expect("website byte for byte", cos_bytes_len(doc) == strlen(website) &&
                                        memcmp(cos_bytes_data(doc), website, strlen(website)) == 0);
    cos_bytes_free(doc);
    doc = NULL;

    ok("inventory id", cos_request_options_set_query(opts, "id", "daily", &err), &err);
    ok("put inventory", cos_client_bucket_subresource(client, "PUT", bucket, "inventory", (const uint8_t *)inventory,
                                                      strlen(inventory), opts, NULL, NULL, &err), &err);
    ok("get inventory", cos_client_bucket_subresource(client, "GET", bucket, "inventory", NULL, 0, opts, &doc, NULL,
                                                      &err), &err);
    expect("inventory byte for byte", cos_bytes_len(doc) == strlen(inventory));
    cos_bytes_free(doc);
    doc = NULL;

    refused("NULL sub-resource", cos_client_bucket_subresource(client, "GET", bucket, NULL, NULL, 0, NULL, &doc, NULL,
                                                               &err), &err, COS_INVALID_ARGUMENT, "subresource");
    refused("sub-resource with arguments", cos_client_bucket_subresource(client, "GET", bucket, "inventory&id=x", NULL,
                                                                         0, NULL, &doc, NULL, &err), &err,
            COS_INVALID_ARGUMENT, "subresource");
    refused("missing website", cos_client_bucket_subresource(client, "GET", "nosuch-1250000000", "website", NULL, 0,
                                                             NULL, &doc, NULL, &err), &err, COS_SERVICE_ERROR, NULL);
    expect("no document written", doc == NULL);
    cos_request_options_free(opts);
}

int main(void) {
    cos_error *err = NULL;
    bucket = getenv("COS_BUCKET");
    if (bucket == NULL) {
        fprintf(stderr, "set COS_BUCKET\n");
        return 2;
    }
    ok("client", cos_client_new_from_env(&client, &err), &err);
    ok("create bucket", cos_client_create_bucket(client, bucket, &err), &err);
    lifecycle();
    cors();
    generic();
    cos_client_free(client);
    printf("api_rules: all done\n");
    return 0;
}
