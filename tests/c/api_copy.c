/* api_copy.c: the copy-source exports of the C API against a live cos-emulator, checking every result: a
 * cos_copy_source in another region (refused while it names the client's region), with an SSE-C key (refused
 * without it), with if-match conditions (412 when they fail), through cos_client_copy_object_ex,
 * cos_client_upload_part_copy_ex and cos_client_copy_ex above its multipart threshold; and bad input (a NULL
 * source, a bad region, a short key, an x-cos-copy-source header in the options) refused with
 * COS_INVALID_ARGUMENT naming the parameter.
 *
 * Usage: api_copy   (with COS_SECRET_ID, COS_SECRET_KEY, COS_REGION=ap-guangzhou, COS_SCHEME=http,
 *        COS_ADDRESS=127.0.0.1:PORT in the environment). Run by tests/api_copy_c.rs, also under
 *        AddressSanitizer/UBSan: everything it allocates it frees.
 * Prints one line per failed check and "api_copy: N checks, 0 failed" at the end; exit 0 when every check
 * passed.
 */
#include "cos.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

#define BUCKET "ccopy-1250000000"
#define FAR "ccopyfar-1250000000"
#define MIB ((size_t)1 << 20)
#define SIZE (2 * MIB + 4321)

static uint8_t *payload(void) {
    uint8_t *p = (uint8_t *)malloc(SIZE);
    for (size_t i = 0; i < SIZE; i++) {
        p[i] = (uint8_t)(i * 31 + i / 4099);
    }
    return p;
}

/* The object `key` of BUCKET is exactly `want`. */
static int same_as(const cos_client *client, const char *key, const uint8_t *want) {
    cos_error *err = NULL;
    cos_bytes *got = NULL;
    int ok = cos_client_get_object(client, BUCKET, key, &got, &err) == COS_OK && cos_bytes_len(got) == SIZE &&
             memcmp(cos_bytes_data(got), want, SIZE) == 0;
    print_error(err);
    cos_error_free(err);
    cos_bytes_free(got);
    return ok;
}

/* A copy refused by the service with `status` (and, unless NULL, `code`). */
#define CHECK_SERVICE(call, status, code)                                                    \
    do {                                                                                     \
        CHECK_RC(call, COS_SERVICE_ERROR);                                                   \
        CHECK(err != NULL && cos_error_http_status(err) == (status));                        \
        CHECK((code) == NULL || (err != NULL && str_eq(cos_error_code(err), (code))));       \
        clear(&err);                                                                         \
    } while (0)

/* The three copy calls from `source` to `<dest>-object`, `<dest>-parts`, `<dest>-managed`, each checked. */
static void copy_three_ways(const cos_client *client, const cos_copy_source *source, const char *dest,
                            const uint8_t *want) {
    cos_error *err = NULL;
    char key[128];
    snprintf(key, sizeof key, "%s-object", dest);
    cos_object_info *info = NULL;
    CHECK_OK(cos_client_copy_object_ex(client, BUCKET, key, source, NULL, &info, &err));
    CHECK(info != NULL && cos_object_info_etag(info) != NULL);
    cos_object_info_free(info);
    CHECK(same_as(client, key, want));

    snprintf(key, sizeof key, "%s-parts", dest);
    char *id = NULL;
    CHECK_OK(cos_client_create_multipart_upload(client, BUCKET, key, NULL, &id, &err));
    cos_part_list *parts = cos_part_list_new();
    for (uint32_t n = 1; n <= 2; n++) {
        cos_request_options *o = cos_request_options_new();
        uint64_t first = n == 1 ? 0 : MIB, last = n == 1 ? MIB - 1 : SIZE - 1;
        CHECK_OK(cos_request_options_set_copy_source_range(o, first, last, &err));
        cos_part *part = NULL;
        CHECK_OK(cos_client_upload_part_copy_ex(client, BUCKET, key, id ? id : "none", n, source, o, &part, &err));
        if (part != NULL) {
            CHECK_OK(cos_part_list_push(parts, part, &err));
        }
        cos_part_free(part);
        cos_request_options_free(o);
    }
    CHECK_OK(cos_client_complete_multipart_upload(client, BUCKET, key, id ? id : "none", parts, NULL, NULL, &err));
    cos_part_list_free(parts);
    cos_string_free(id);
    CHECK(same_as(client, key, want));

    snprintf(key, sizeof key, "%s-managed", dest);
    cos_transfer_options *t = cos_transfer_options_new();
    CHECK_OK(cos_transfer_options_set_copy_threshold(t, MIB, &err));
    CHECK_OK(cos_transfer_options_set_part_size(t, MIB, &err));
    info = NULL;
    CHECK_OK(cos_client_copy_ex(client, BUCKET, key, source, t, NULL, NULL, &info, &err));
    CHECK(info != NULL && strchr(or_null(cos_object_info_etag(info)), '-') != NULL); /* a multipart copy */
    cos_object_info_free(info);
    cos_transfer_options_free(t);
    CHECK(same_as(client, key, want));
}

int main(void) {
    cos_client *client = NULL, *far = NULL;
    cos_client_config *config = NULL;
    cos_error *err = NULL;
    if (cos_client_new_from_env(&client, &err) != COS_OK) {
        print_error(err);
        cos_error_free(err);
        return 2;
    }
    CHECK_OK(cos_client_config_from_env(&config, &err));
    CHECK_OK(cos_client_config_set_region(config, "ap-beijing", &err));
    CHECK_OK(cos_client_new(config, &far, &err));
    cos_client_config_free(config);
    uint8_t *data = payload();
    CHECK_OK(cos_client_create_bucket(client, BUCKET, &err));
    CHECK_OK(cos_client_create_bucket(far, FAR, &err));
    CHECK_OK(cos_client_put_object(far, FAR, "src", data, SIZE, &err));

    /* Another region: named in the client's own, the bucket is not found there. */
    cos_copy_source *source = NULL;
    CHECK_OK(cos_copy_source_new(FAR, "src", &source, &err));
    CHECK_SERVICE(cos_client_copy_object_ex(client, BUCKET, "wrong", source, NULL, NULL, &err), 404, "NoSuchBucket");
    CHECK_OK(cos_copy_source_set_region(source, "ap-beijing", &err));
    copy_three_ways(client, source, "far", data);
    cos_copy_source_free(source);

    /* SSE-C: the source's key is needed to read it. */
    uint8_t key[32];
    memset(key, 9, sizeof key);
    cos_request_options *enc = cos_request_options_new();
    CHECK_OK(cos_request_options_set_sse_customer_key(enc, key, sizeof key, &err));
    CHECK_OK(cos_client_put_object_ex(client, BUCKET, "secret", data, SIZE, enc, NULL, &err));
    cos_request_options_free(enc);
    source = NULL;
    CHECK_OK(cos_copy_source_new(BUCKET, "secret", &source, &err));
    CHECK_SERVICE(cos_client_copy_object_ex(client, BUCKET, "nokey", source, NULL, NULL, &err), 400, "InvalidRequest");
    CHECK_INVALID(cos_copy_source_set_sse_customer_key(source, key, 31, &err), "32");
    CHECK_OK(cos_copy_source_set_sse_customer_key(source, key, sizeof key, &err));
    copy_three_ways(client, source, "ssec", data);

    /* Conditions: a failing if-match is 412 for every call (the managed copy's HEAD has no body: no code). */
    CHECK_OK(cos_copy_source_set_if_match(source, "\"0123456789abcdef0123456789abcdef\"", &err));
    CHECK_SERVICE(cos_client_copy_object_ex(client, BUCKET, "nomatch", source, NULL, NULL, &err), 412,
                  "PreconditionFailed");
    CHECK_SERVICE(cos_client_copy_ex(client, BUCKET, "nomatch", source, NULL, NULL, NULL, NULL, &err), 412, NULL);
    cos_copy_source_free(source);

    /* Bad input, refused before anything is sent. */
    CHECK_INVALID(cos_client_copy_object_ex(client, BUCKET, "k", NULL, NULL, NULL, &err), "source");
    CHECK_INVALID(cos_client_copy_ex(client, BUCKET, "k", NULL, NULL, NULL, NULL, NULL, &err), "source");
    source = NULL;
    CHECK_INVALID(cos_copy_source_new(NULL, "k", &source, &err), "bucket");
    CHECK(source == NULL);
    CHECK_OK(cos_copy_source_new(BUCKET, "secret", &source, &err));
    CHECK_INVALID(cos_copy_source_set_region(source, "AP_GZ", &err), "region");
    CHECK_INVALID(cos_copy_source_set_if_match(source, NULL, &err), "etag");
    cos_copy_source_free(source);
    cos_copy_source_free(NULL);
    cos_request_options *twice = cos_request_options_new();
    CHECK_OK(cos_request_options_set_header(twice, "x-cos-copy-source", FAR ".cos.ap-beijing.myqcloud.com/src", &err));
    CHECK_INVALID(cos_client_copy_object(client, BUCKET, "k", BUCKET, "secret", twice, NULL, &err), "x-cos-copy-source");
    cos_request_options_free(twice);

    CHECK_OK(cos_client_delete_bucket_recursive(client, BUCKET, NULL, NULL, NULL, &err));
    CHECK_OK(cos_client_delete_bucket_recursive(far, FAR, NULL, NULL, NULL, &err));
    free(data);
    cos_client_free(far);
    cos_client_free(client);
    printf("api_copy: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
