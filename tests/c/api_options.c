/* The typed request-option setters (cache-control, content-disposition, content-encoding, expires as a date
 * and as a Unix time, raw x-cos-tagging, Content-MD5) and the symlink exports, with asserts, against the
 * emulator named by the COS_* environment (tests/api_options_c.rs runs it, also under ASan/UBSan and
 * valgrind). Bad input too: a negative Unix time, a NULL or non-ASCII symlink target, a CR in a value.
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

int main(void) {
    cos_client *client = NULL;
    cos_error *err = NULL;
    ok("client", cos_client_new_from_env(&client, &err), &err);
    ok("create bucket", cos_client_create_bucket(client, BUCKET, &err), &err);
    typed_setters(client);
    symlinks(client);
    cos_client_free(client);
    printf("api_options: ok (%d checks)\n", checks);
    return 0;
}
