/* Every export of the presign and raw sections, with asserts, against the emulator named by the COS_*
 * environment (tests/api_sign_c.rs runs it, also under ASan/UBSan and valgrind): presign options and URLs,
 * Authorization values, object URLs, raw requests on objects, sub-resources and the service, a service
 * error, and bad input. It prints the presigned URLs it made ("url GET ...", "url PUT ...") for the Rust
 * side to use with a plain HTTP client. Prints "api_sign: ok" and exits 0 when every check passed. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cos.h"

static const char *BUCKET = "capisign-1250000000";
static int checks = 0;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        checks++;                                                                             \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

static int contains(const char *s, const char *needle) { return s != NULL && strstr(s, needle) != NULL; }

/* Whether the bytes hold `needle` (memmem is not in C11). */
static int holds(const cos_bytes *b, const char *needle) {
    size_t n = strlen(needle), len = cos_bytes_len(b), i;
    const uint8_t *data = cos_bytes_data(b);
    for (i = 0; data != NULL && i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0) return 1;
    return 0;
}

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

static void presign(cos_client *client) {
    cos_error *err = NULL;
    char *url = NULL, *auth = NULL;
    cos_presign_options *po = cos_presign_options_new();
    CHECK(po != NULL);

    /* A browser PUT with a fixed Content-Type, valid for 10 minutes. */
    ok("expires", cos_presign_options_set_expires(po, 600, &err), &err);
    ok("header", cos_presign_options_add_header(po, "Content-Type", "text/plain", &err), &err);
    ok("presign PUT", cos_client_presign_url_ex(client, "PUT", BUCKET, "browser.txt", po, &url, &err), &err);
    CHECK(contains(url, "q-header-list=content-type%3Bhost&"));
    printf("url PUT %s\n", url);
    cos_string_free(url);
    url = NULL;

    /* A download with a signed response override, host unsigned. */
    cos_presign_options_free(po);
    po = cos_presign_options_new();
    ok("param", cos_presign_options_add_param(po, "response-content-disposition", "attachment", &err), &err);
    ok("sign host", cos_presign_options_set_sign_host(po, false, &err), &err);
    ok("presign GET", cos_client_presign_url_ex(client, "GET", BUCKET, "seed.txt", po, &url, &err), &err);
    CHECK(contains(url, "q-header-list=&") && contains(url, "&response-content-disposition=attachment"));
    printf("url GET %s\n", url);
    cos_string_free(url);
    url = NULL;
    /* NULL options: the defaults; a fixed window. */
    ok("presign default", cos_client_presign_url_ex(client, "HEAD", BUCKET, "seed.txt", NULL, &url, &err), &err);
    CHECK(contains(url, "q-header-list=host&"));
    cos_string_free(url);
    url = NULL;
    ok("start", cos_presign_options_set_start(po, 1700000000, &err), &err);
    ok("presign fixed", cos_client_presign_url_ex(client, "GET", BUCKET, "", po, &url, &err), &err);
    CHECK(contains(url, ".myqcloud.com/?q-sign-algorithm=sha1") && contains(url, "q-sign-time=1700000000%3B1700000300"));
    cos_string_free(url);
    url = NULL;

    /* Authorization for an own HTTP stack: unsigned headers are left out. */
    ok("auth header", cos_presign_options_add_header(po, "User-Agent", "mine/1.0", &err), &err);
    ok("auth", cos_client_get_authorization(client, "GET", BUCKET, "seed.txt", po, &auth, &err), &err);
    CHECK(contains(auth, "q-sign-algorithm=sha1&q-ak=") && contains(auth, "q-sign-time=1700000000;1700000300"));
    CHECK(contains(auth, "q-header-list=&q-url-param-list=response-content-disposition&q-signature="));
    cos_string_free(auth);
    /* A presigned URL cannot require a header COS does not sign. */
    fails("unsigned header", cos_client_presign_url_ex(client, "GET", BUCKET, "k", po, &url, &err), &err,
          COS_INVALID_ARGUMENT, "User-Agent");
    CHECK(url == NULL);

    ok("object url", cos_client_object_url(client, BUCKET, "a b/中.txt", &url, &err), &err);
    CHECK(strcmp(url, "http://capisign-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b/%E4%B8%AD.txt") == 0);
    cos_string_free(url);
    url = NULL;

    /* Bad input. */
    fails("expires 0", cos_presign_options_set_expires(po, 0, &err), &err, COS_INVALID_ARGUMENT, "expires");
    fails("q- param", cos_presign_options_add_param(po, "q-signature", "x", &err), &err, COS_INVALID_ARGUMENT, NULL);
    fails("CRLF", cos_presign_options_add_header(po, "Content-Type", "a\r\nX: y", &err), &err, COS_INVALID_ARGUMENT,
          "control character");
    fails("NULL opts", cos_presign_options_set_expires(NULL, 5, &err), &err, COS_INVALID_ARGUMENT, "opts");
    fails("NULL out", cos_client_presign_url_ex(client, "GET", BUCKET, "k", po, NULL, &err), &err,
          COS_INVALID_ARGUMENT, "url_out");
    fails("bad method", cos_client_get_authorization(client, "G T", BUCKET, "k", NULL, &auth, &err), &err,
          COS_INVALID_ARGUMENT, "method");
    fails("bad key", cos_client_object_url(client, BUCKET, "", &url, &err), &err, COS_INVALID_ARGUMENT, "key");
    cos_presign_options_free(po);
    cos_presign_options_free(NULL);
    /* The first contract's call still works. */
    ok("presign_url", cos_client_presign_url(client, "GET", BUCKET, "seed.txt", 1700000000, 60, &url, &err), &err);
    CHECK(contains(url, "q-sign-time=1700000000%3B1700000060"));
    cos_string_free(url);
}

static void raw(cos_client *client) {
    cos_error *err = NULL;
    cos_bytes *body = NULL;
    cos_object_info *info = NULL;
    uint16_t status = 0;
    cos_raw_request *r = cos_raw_request_new();
    CHECK(r != NULL);

    ok("method", cos_raw_request_set_method(r, "PUT", &err), &err);
    ok("bucket", cos_raw_request_set_bucket(r, BUCKET, &err), &err);
    ok("path", cos_raw_request_set_path(r, "/raw/one.txt", &err), &err);
    ok("header", cos_raw_request_add_header(r, "x-cos-meta-via", "c", &err), &err);
    ok("body", cos_raw_request_set_body(r, (const uint8_t *)"from C", 6, &err), &err);
    ok("send PUT", cos_client_send_request(client, r, &status, NULL, &info, &err), &err);
    CHECK(status == 200 && cos_object_info_header(info, "x-cos-request-id") != NULL);
    cos_object_info_free(info);
    info = NULL;

    ok("GET", cos_raw_request_set_method(r, "GET", &err), &err);
    ok("no body", cos_raw_request_set_body(r, NULL, 0, &err), &err);
    ok("send GET", cos_client_send_request(client, r, &status, &body, &info, &err), &err);
    CHECK(status == 200 && cos_bytes_len(body) == 6 && memcmp(cos_bytes_data(body), "from C", 6) == 0);
    CHECK(contains(cos_object_info_metadata(info, "via"), "c"));
    cos_bytes_free(body);
    cos_object_info_free(info);
    body = NULL;
    info = NULL;

    /* A bucket sub-resource, then the service endpoint. */
    ok("root", cos_raw_request_set_path(r, "/", &err), &err);
    ok("acl", cos_raw_request_add_query(r, "acl", "", &err), &err);
    ok("send acl", cos_client_send_request(client, r, NULL, &body, NULL, &err), &err);
    CHECK(holds(body, "<AccessControlPolicy>"));
    cos_bytes_free(body);
    cos_raw_request_free(r);
    r = cos_raw_request_new();
    ok("service", cos_raw_request_set_service(r, &err), &err);
    ok("send service", cos_client_send_request(client, r, &status, &body, NULL, &err), &err);
    CHECK(status == 200 && holds(body, BUCKET));
    cos_bytes_free(body);
    body = NULL;

    /* A missing key is a service error with everything COS said. */
    ok("bucket", cos_raw_request_set_bucket(r, BUCKET, &err), &err);
    ok("path", cos_raw_request_set_path(r, "/missing", &err), &err);
    {
        cos_status rc = cos_client_send_request(client, r, &status, &body, NULL, &err);
        CHECK(rc == COS_SERVICE_ERROR && cos_error_http_status(err) == 404);
        CHECK(contains(cos_error_code(err), "NoSuchKey") && cos_error_request_id(err) != NULL);
        CHECK(body == NULL);
        cos_error_free(err);
        err = NULL;
    }
    /* A file body, another host name. */
    ok("host", cos_raw_request_set_host(r, "capisign-1250000000.cos.ap-guangzhou.myqcloud.com", &err), &err);
    ok("PUT", cos_raw_request_set_method(r, "PUT", &err), &err);
    ok("path", cos_raw_request_set_path(r, "/raw/file", &err), &err);
    ok("file", cos_raw_request_set_body_file(r, "/nonexistent/file", &err), &err);
    fails("no such file", cos_client_send_request(client, r, NULL, NULL, NULL, &err), &err, COS_IO_ERROR,
          "/nonexistent/file");

    fails("bad method", cos_raw_request_set_method(r, "get", &err), &err, COS_INVALID_ARGUMENT, "method");
    fails("bad host", cos_raw_request_set_host(r, "h:80", &err), &err, COS_INVALID_ARGUMENT, "host");
    fails("bad path", cos_raw_request_set_path(r, "x", &err), &err, COS_INVALID_ARGUMENT, "path");
    fails("bad header", cos_raw_request_add_header(r, "Authorization", "x", &err), &err, COS_INVALID_ARGUMENT, NULL);
    fails("NULL raw", cos_client_send_request(client, NULL, NULL, NULL, NULL, &err), &err, COS_INVALID_ARGUMENT,
          "raw");
    fails("NULL body", cos_raw_request_set_body(r, NULL, 3, &err), &err, COS_INVALID_ARGUMENT, "data");
    cos_raw_request_free(r);
    cos_raw_request_free(NULL);
}

int main(void) {
    cos_client *client = NULL;
    cos_error *err = NULL;
    ok("client", cos_client_new_from_env(&client, &err), &err);
    ok("create bucket", cos_client_create_bucket(client, BUCKET, &err), &err);
    ok("seed", cos_client_put_object(client, BUCKET, "seed.txt", (const uint8_t *)"seed", 4, &err), &err);
    presign(client);
    raw(client);
    cos_client_free(client);
    printf("api_sign: ok (%d checks)\n", checks);
    return 0;
}
