/* quickstart.c: the whole life of an object with the cos C API.
 *
 * Creates a bucket, uploads an object, downloads and compares it, reads its headers, lists the bucket,
 * then deletes the object and the bucket. Settings come from the environment (cos_client_new_from_env):
 *
 *   COS_SECRET_ID, COS_SECRET_KEY, COS_REGION   credentials and region (e.g. ap-guangzhou)
 *   COS_SCHEME, COS_ADDRESS                     optional: "http" and "127.0.0.1:PORT" for a local server
 *   COS_BUCKET                                  optional: "<name>-<appid>", default quickstart-1250000000
 *
 * Build: see examples-c/README.md. Exit status 0 on success; on failure it prints the error and exits 1.
 */
#include "cos.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *or_none(const char *s) {
    return s ? s : "(none)";
}

/* Prints everything a failed call reports, then frees the error. */
static void report(const char *what, cos_status rc, cos_error *err) {
    fprintf(stderr, "%s failed: %s\n", what, cos_status_str(rc));
    fprintf(stderr, "  http status: %d\n", (int)cos_error_http_status(err));
    fprintf(stderr, "  code:        %s\n", or_none(cos_error_code(err)));
    fprintf(stderr, "  message:     %s\n", or_none(cos_error_message(err)));
    fprintf(stderr, "  request id:  %s\n", or_none(cos_error_request_id(err)));
    fprintf(stderr, "  trace id:    %s\n", or_none(cos_error_trace_id(err)));
    fprintf(stderr, "  resource:    %s\n", or_none(cos_error_resource(err)));
    fprintf(stderr, "  raw xml:     %s\n", or_none(cos_error_raw_xml(err)));
    fprintf(stderr, "  digest:      %s\n", or_none(cos_error_digest(err)));
    cos_error_free(err);
}

int main(void) {
    static const char body[] = "Hello from the cos C API!\n";
    const size_t body_len = sizeof body - 1;
    const char *bucket = getenv("COS_BUCKET");
    const char *key = "quickstart/hello.txt";
    cos_client *client = NULL;
    cos_bytes *downloaded = NULL;
    cos_object_info *info = NULL;
    cos_object_list *list = NULL;
    cos_error *err = NULL;
    cos_status rc;
    uint64_t crc64 = 0;
    size_t i;
    int found = 0;
    int exit_code = 1;

    if (bucket == NULL || bucket[0] == '\0') {
        bucket = "quickstart-1250000000";
    }
    printf("cos %s, bucket %s\n", cos_version(), bucket);

    rc = cos_client_new_from_env(&client, &err);
    if (rc != COS_OK) {
        report("cos_client_new_from_env", rc, err);
        goto done;
    }

    rc = cos_client_create_bucket(client, bucket, &err);
    if (rc == COS_SERVICE_ERROR && cos_error_code(err) != NULL &&
        strcmp(cos_error_code(err), "BucketAlreadyOwnedByYou") == 0) {
        printf("bucket exists already (BucketAlreadyOwnedByYou)\n");
        cos_error_free(err);
        err = NULL;
    } else if (rc != COS_OK) {
        report("create bucket", rc, err);
        goto done;
    } else {
        printf("created bucket %s\n", bucket);
    }

    rc = cos_client_put_object(client, bucket, key, (const uint8_t *)body, body_len, &err);
    if (rc != COS_OK) {
        report("put object", rc, err);
        goto done;
    }
    printf("put %s (%zu bytes)\n", key, body_len);

    rc = cos_client_get_object(client, bucket, key, &downloaded, &err);
    if (rc != COS_OK) {
        report("get object", rc, err);
        goto done;
    }
    if (cos_bytes_len(downloaded) != body_len || memcmp(cos_bytes_data(downloaded), body, body_len) != 0) {
        fprintf(stderr, "get object: the downloaded %zu bytes differ from the %zu uploaded\n",
                cos_bytes_len(downloaded), body_len);
        goto done;
    }
    printf("got %s back: %zu bytes, identical\n", key, cos_bytes_len(downloaded));

    rc = cos_client_head_object(client, bucket, key, NULL, &info, &err);
    if (rc != COS_OK) {
        report("head object", rc, err);
        goto done;
    }
    printf("head %s: ETag %s, ", key, or_none(cos_object_info_etag(info)));
    if (cos_object_info_crc64(info, &crc64)) {
        printf("CRC-64 %" PRIu64 ", ", crc64);
    } else {
        printf("CRC-64 (not sent by the server), ");
    }
    printf("content length %" PRId64 "\n", cos_object_info_content_length(info));

    rc = cos_client_list_objects(client, bucket, "quickstart/", NULL, NULL, 0, &list, &err);
    if (rc != COS_OK) {
        report("list objects", rc, err);
        goto done;
    }
    printf("list with prefix quickstart/: %zu object(s)\n", cos_object_list_count(list));
    for (i = 0; i < cos_object_list_count(list); i++) {
        const char *listed = cos_object_list_key(list, i);
        printf("  %s  %" PRIu64 " bytes\n", or_none(listed), cos_object_list_size(list, i));
        if (listed != NULL && strcmp(listed, key) == 0) {
            found = 1;
        }
    }
    if (!found) {
        fprintf(stderr, "list objects: %s is missing from the listing\n", key);
        goto done;
    }

    rc = cos_client_delete_object(client, bucket, key, &err);
    if (rc != COS_OK) {
        report("delete object", rc, err);
        goto done;
    }
    printf("deleted %s\n", key);

    rc = cos_client_delete_bucket(client, bucket, &err);
    if (rc != COS_OK) {
        report("delete bucket", rc, err);
        goto done;
    }
    printf("deleted bucket %s\n", bucket);
    printf("quickstart: all done\n");
    exit_code = 0;

done:
    cos_object_list_free(list);
    cos_object_info_free(info);
    cos_bytes_free(downloaded);
    cos_client_free(client);
    return exit_code;
}
