/* The typed request-option setters (cache-control, content-disposition, content-encoding, expires as a date
 * and as a Unix time, raw x-cos-tagging, Content-MD5) and the symlink exports, with asserts, against the
 * emulator named by the COS_* environment (tests/api_options_c.rs runs it, also under ASan/UBSan and
 * valgrind), and the bucket creation configuration and listing filters. Bad input too: a negative Unix
 * time, a NULL or non-ASCII symlink target, a CR in a value, an unknown creation-time range, a page too big.
 * Prints "api_options: ok" and exits 0 when every check passed. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cos.h"

static const char *BUCKET = "capioptions-1250000000";
static int checks = 0;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        checks++;                                                                             \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

static int same(const char *a, const char *b) { return a != NULL && b != NULL && strcmp(a, b) == 0; }

static void ok(const char *what, cos_status rc, cos_error **errp) {
    cos_error *err = *errp;
    checks++;
    if (rc != COS_OK) {
        fprintf(stderr, "%s failed: %s: %s (HTTP %d, code %s)\n", what, cos_status_str(rc),
                cos_error_message(err), cos_error_http_status(err),
                cos_error_code(err) ? cos_error_code(err) : "(none)");
        exit(1);
    }
}

static void fails(const char *what, cos_status rc, cos_error **errp, cos_status want, const char *needle) {
    cos_error *err = *errp;
    checks++;
    if (rc != want || err == NULL || (needle != NULL && strstr(cos_error_message(err), needle) == NULL)) {
        fprintf(stderr, "%s: expected %s%s%s, got %s: %s\n", what, cos_status_str(want), needle ? " with " : "",
                needle ? needle : "", cos_status_str(rc), err ? cos_error_message(err) : "(no error)");
        exit(1);
    }
    cos_error_free(err);
    *errp = NULL;
}

static void typed_setters(cos_client *client) {
    cos_error *err = NULL;
    cos_request_options *opts = cos_request_options_new();
    cos_object_info *info = NULL;
    cos_tag_set *tags = NULL;
    const char *body = "typed options";
    ok("cache-control", cos_request_options_set_cache_control(opts, "max-age=3600", &err), &err);
    ok("disposition", cos_request_options_set_content_disposition(opts, "attachment; filename=\"a.txt\"", &err), &err);
    ok("encoding", cos_request_options_set_content_encoding(opts, "gzip", &err), &err);
    ok("expires", cos_request_options_set_expires_unix(opts, 1445412480, &err), &err);
    ok("tagging", cos_request_options_set_tagging(opts, "team=storage&tier=hot", &err), &err);
    ok("md5", cos_request_options_set_content_md5(opts, true, &err), &err);
    ok("put", cos_client_put_object_ex(client, BUCKET, "typed", (const uint8_t *)body, strlen(body), opts, NULL, &err),
       &err);
    ok("head", cos_client_head_object(client, BUCKET, "typed", NULL, &info, &err), &err);
    CHECK(same(cos_object_info_header(info, "cache-control"), "max-age=3600"));
    CHECK(same(cos_object_info_header(info, "content-disposition"), "attachment; filename=\"a.txt\""));
    CHECK(same(cos_object_info_header(info, "content-encoding"), "gzip"));
    CHECK(same(cos_object_info_header(info, "expires"), "Wed, 21 Oct 2015 07:28:00 GMT"));
    cos_object_info_free(info);
    ok("tags", cos_client_get_object_tagging(client, BUCKET, "typed", NULL, &tags, &err), &err);
    CHECK(cos_tag_set_count(tags) == 2 && same(cos_tag_set_get(tags, "tier"), "hot"));
    cos_tag_set_free(tags);

    /* The date form is sent as given and replaces the Unix-time one. */
    ok("expires date", cos_request_options_set_expires(opts, "Thu, 01 Jan 2037 00:00:00 GMT", &err), &err);
    ok("put", cos_client_put_object_ex(client, BUCKET, "typed2", (const uint8_t *)body, strlen(body), opts, NULL, &err),
       &err);
    ok("head", cos_client_head_object(client, BUCKET, "typed2", NULL, &info, &err), &err);
    CHECK(same(cos_object_info_header(info, "expires"), "Thu, 01 Jan 2037 00:00:00 GMT"));
    cos_object_info_free(info);

    /* An option the call cannot honour is refused, naming both, before anything is sent. */
    {
        cos_request_options *ranged = cos_request_options_new();
        ok("range", cos_request_options_set_range(ranged, 0, 9, &err), &err);
        fails("range on a put", cos_client_put_object_ex(client, BUCKET, "r", (const uint8_t *)"x", 1, ranged, NULL, &err),
              &err, COS_INVALID_ARGUMENT, "put_object cannot honour the request option Range");
        cos_request_options_free(ranged);
    }
    fails("negative time", cos_request_options_set_expires_unix(opts, -1, &err), &err, COS_INVALID_ARGUMENT, "1970");
    fails("CR", cos_request_options_set_cache_control(opts, "a\r\nb", &err), &err, COS_INVALID_ARGUMENT,
          "control character");
    fails("NULL value", cos_request_options_set_content_encoding(opts, NULL, &err), &err, COS_INVALID_ARGUMENT,
          "value");
    fails("NULL opts", cos_request_options_set_tagging(NULL, "a=1", &err), &err, COS_INVALID_ARGUMENT, "opts");
    cos_request_options_free(opts);
}

static void symlinks(cos_client *client) {
    cos_error *err = NULL;
    cos_request_options *opts = cos_request_options_new();
    cos_object_info *info = NULL;
    char *target = NULL;
    ok("meta", cos_request_options_set_metadata(opts, "origin", "c", &err), &err);
    ok("put symlink", cos_client_put_symlink(client, BUCKET, "links/one", "typed", opts, &info, &err), &err);
    CHECK(cos_object_info_header(info, "etag") != NULL);
    cos_object_info_free(info);
    ok("get symlink", cos_client_get_symlink(client, BUCKET, "links/one", NULL, &target, &err), &err);
    CHECK(same(target, "typed"));
    cos_string_free(target);
    target = NULL;
    fails("NULL target", cos_client_put_symlink(client, BUCKET, "l", NULL, NULL, NULL, &err), &err,
          COS_INVALID_ARGUMENT, "target");
    fails("non-ASCII target", cos_client_put_symlink(client, BUCKET, "l", "\xe4\xb8\xad", NULL, NULL, &err), &err,
          COS_INVALID_ARGUMENT, "printable ASCII");
    fails("NULL out", cos_client_get_symlink(client, BUCKET, "links/one", NULL, NULL, &err), &err,
          COS_INVALID_ARGUMENT, "target_out");
    fails("not a link", cos_client_get_symlink(client, BUCKET, "typed", NULL, &target, &err), &err,
          COS_SERVICE_ERROR, NULL);
    CHECK(target == NULL);
    cos_request_options_free(opts);
}

static size_t index_of(const cos_bucket_list *list, const char *name) {
    size_t i;
    for (i = 0; i < cos_bucket_list_count(list); i++) {
        if (same(cos_bucket_list_name(list, i), name)) {
            return i;
        }
    }
    return (size_t)-1;
}

static void buckets(cos_client *client) {
    cos_error *err = NULL;
    cos_object_info *info = NULL;
    cos_bucket_list *list = NULL;
    cos_bucket_filter *filter = cos_bucket_filter_new();
    cos_request_options *tagged = cos_request_options_new();
    size_t i;
    ok("tagging", cos_request_options_set_tagging(tagged, "team=c", &err), &err);
    ok("create ofs", cos_client_create_bucket_with_config(client, "cofs-1250000000", true, true, tagged, &err), &err);
    ok("create plain", cos_client_create_bucket_with_config(client, "cplain-1250000000", false, false, NULL, &err),
       &err);
    ok("head", cos_client_head_bucket(client, "cofs-1250000000", &info, &err), &err);
    CHECK(same(cos_object_info_header(info, "x-cos-bucket-az-type"), "MAZ"));
    CHECK(same(cos_object_info_header(info, "x-cos-bucket-arch"), "OFS"));
    cos_object_info_free(info);

    ok("all", cos_client_list_all_buckets(client, NULL, &list, &err), &err);
    CHECK(cos_bucket_list_count(list) == 3);
    CHECK(same(cos_bucket_list_owner_id(list), "qcs::cam::uin/100000000001:uin/100000000001"));
    CHECK(same(cos_bucket_list_owner_display_name(list), "100000000001"));
    CHECK(!cos_bucket_list_is_truncated(list) && cos_bucket_list_next_marker(list) == NULL);
    i = index_of(list, "cofs-1250000000");
    CHECK(i != (size_t)-1 && same(cos_bucket_list_bucket_type(list, i), "ofs"));
    CHECK(same(cos_bucket_list_bucket_type(list, index_of(list, "cplain-1250000000")), "cos"));
    CHECK(cos_bucket_list_bucket_type(list, 99) == NULL);
    cos_bucket_list_free(list);

    ok("tag", cos_bucket_filter_set_tag(filter, "team", "c", &err), &err);
    ok("region", cos_bucket_filter_set_region(filter, "ap-guangzhou", &err), &err);
    ok("created", cos_bucket_filter_set_created(filter, 1700000000, "gt", &err), &err);
    ok("filtered", cos_client_list_all_buckets(client, filter, &list, &err), &err);
    CHECK(cos_bucket_list_count(list) == 1 && same(cos_bucket_list_name(list, 0), "cofs-1250000000"));
    cos_bucket_list_free(list);
    ok("created before", cos_bucket_filter_set_created(filter, 1700000000, "lte", &err), &err);
    ok("none", cos_client_list_all_buckets(client, filter, &list, &err), &err);
    CHECK(cos_bucket_list_count(list) == 0);
    cos_bucket_list_free(list);
    cos_bucket_filter_free(filter);

    filter = cos_bucket_filter_new();
    ok("page", cos_bucket_filter_set_page(filter, "", 2, &err), &err);
    ok("page 1", cos_client_list_buckets_page(client, filter, &list, &err), &err);
    CHECK(cos_bucket_list_count(list) == 2 && cos_bucket_list_is_truncated(list));
    CHECK(same(cos_bucket_list_next_marker(list), cos_bucket_list_name(list, 1)));
    ok("page 2 marker", cos_bucket_filter_set_page(filter, cos_bucket_list_next_marker(list), 2, &err), &err);
    cos_bucket_list_free(list);
    ok("page 2", cos_client_list_buckets_page(client, filter, &list, &err), &err);
    CHECK(cos_bucket_list_count(list) == 1 && !cos_bucket_list_is_truncated(list));
    cos_bucket_list_free(list);
    list = NULL;

    fails("bad range", cos_bucket_filter_set_created(filter, 0, "le", &err), &err, COS_INVALID_ARGUMENT, "lt, gt");
    fails("negative", cos_bucket_filter_set_created(filter, -5, "lt", &err), &err, COS_INVALID_ARGUMENT, "1970");
    fails("empty key", cos_bucket_filter_set_tag(filter, "", "v", &err), &err, COS_INVALID_ARGUMENT, "key");
    ok("huge page", cos_bucket_filter_set_page(filter, "", 2001, &err), &err);
    fails("huge page list", cos_client_list_buckets_page(client, filter, &list, &err), &err, COS_INVALID_ARGUMENT,
          "max_keys");
    CHECK(list == NULL);
    fails("NULL filter", cos_bucket_filter_set_region(NULL, "x", &err), &err, COS_INVALID_ARGUMENT, "filter");
    cos_bucket_filter_free(filter);
    cos_bucket_filter_free(NULL);
    cos_request_options_free(tagged);
}

int main(void) {
    cos_client *client = NULL;
    cos_error *err = NULL;
    ok("client", cos_client_new_from_env(&client, &err), &err);
    ok("create bucket", cos_client_create_bucket(client, BUCKET, &err), &err);
    typed_setters(client);
    symlinks(client);
    buckets(client);
    cos_client_free(client);
    printf("api_options: ok (%d checks)\n", checks);
    return 0;
}
