/* error_handling.c: what a failed call tells you, and how to tell a client error from a service error.
 *
 * The C counterpart of the Python SDK's error-handling page: there a failure raises CosServiceError (COS
 * answered with an error) or CosClientError (no usable answer: network, timeout, bad argument, local I/O).
 * Here every fallible function returns a cos_status and fills a cos_error; COS_SERVICE_ERROR is the
 * CosServiceError case, every other non-zero status is a CosClientError case.
 *
 *   Python (CosServiceError)    C (cos_error accessor)
 *   get_status_code()           cos_error_http_status()
 *   get_error_code()            cos_error_code()
 *   get_error_msg()             cos_error_message()
 *   get_request_id()            cos_error_request_id()
 *   get_trace_id()              cos_error_trace_id()
 *   get_resource_location()     cos_error_resource()
 *   get_origin_msg()            cos_error_raw_xml()
 *   get_digest_msg()            cos_error_digest()
 *
 * Settings come from the environment as in quickstart.c; COS_BUCKET (default errors-1250000000) is created
 * for the demonstration and deleted afterwards. Exit status 0 when every error looked as expected.
 */
#include "cos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *or_none(const char *s) {
    return s ? s : "(none)";
}

/* Prints every accessor of an error. */
static void print_error(cos_status rc, const cos_error *err) {
    printf("  status:      %s\n", cos_status_str(rc));
    printf("  kind:        %s\n", cos_error_status(err) == COS_SERVICE_ERROR
                                      ? "service error (COS answered; Python: CosServiceError)"
                                      : "client error (no usable answer; Python: CosClientError)");
    printf("  http status: %d\n", (int)cos_error_http_status(err));
    printf("  code:        %s\n", or_none(cos_error_code(err)));
    printf("  message:     %s\n", or_none(cos_error_message(err)));
    printf("  request id:  %s\n", or_none(cos_error_request_id(err)));
    printf("  trace id:    %s\n", or_none(cos_error_trace_id(err)));
    printf("  resource:    %s\n", or_none(cos_error_resource(err)));
    printf("  raw xml:     %s\n", or_none(cos_error_raw_xml(err)));
    printf("  digest:      %s\n", or_none(cos_error_digest(err)));
}

/* Part 1: a service error. GET of a key that does not exist: COS answers 404 NoSuchKey. */
static int service_error(const cos_client *client, const char *bucket) {
    cos_bytes *data = NULL;
    cos_error *err = NULL;
    cos_status rc;
    int ok;

    rc = cos_client_create_bucket(client, bucket, &err);
    if (rc != COS_OK && !(rc == COS_SERVICE_ERROR && cos_error_code(err) != NULL &&
                          strcmp(cos_error_code(err), "BucketAlreadyOwnedByYou") == 0)) {
        printf("create bucket %s failed:\n", bucket);
        print_error(rc, err);
        cos_error_free(err);
        return 0;
    }
    cos_error_free(err);

    printf("GET %s/no-such-key:\n", bucket);
    rc = cos_client_get_object(client, bucket, "no-such-key", &data, &err);
    if (rc == COS_OK) {
        printf("  unexpectedly succeeded\n");
        cos_bytes_free(data);
        return 0;
    }
    print_error(rc, err);
    ok = rc == COS_SERVICE_ERROR && cos_error_http_status(err) == 404 && cos_error_code(err) != NULL &&
         strcmp(cos_error_code(err), "NoSuchKey") == 0;
    cos_error_free(err);

    rc = cos_client_delete_bucket(client, bucket, &err);
    if (rc != COS_OK) {
        printf("delete bucket %s failed:\n", bucket);
        print_error(rc, err);
        ok = 0;
    }
    cos_error_free(err);
    return ok;
}

/* Part 2: client errors. A bucket name COS would refuse is caught before anything is sent; a server that
 * cannot be reached gives COS_NETWORK_ERROR (or COS_TIMEOUT) with HTTP status 0 and no code. */
static int client_errors(void) {
    cos_client_config *config = cos_client_config_new();
    cos_client *client = NULL;
    cos_bytes *data = NULL;
    cos_error *err = NULL;
    cos_status rc;
    int ok = 0;

    printf("GET with an invalid bucket name:\n");
    rc = cos_client_new_from_env(&client, &err);
    if (rc != COS_OK) {
        print_error(rc, err);
        goto done;
    }
    rc = cos_client_get_object(client, "Not_A_Bucket", "key", &data, &err);
    print_error(rc, err);
    if (rc != COS_INVALID_ARGUMENT) {
        goto done;
    }
    cos_error_free(err);
    err = NULL;
    cos_client_free(client);
    client = NULL;

    /* Port 1 on the loopback interface: nothing listens there, so the connection is refused. */
    printf("GET from a closed port (127.0.0.1:1, no retries):\n");
    if ((rc = cos_client_config_set_region(config, "ap-guangzhou", &err)) != COS_OK ||
        (rc = cos_client_config_set_credentials(config, "AKIDexample", "example-secret-key", &err)) != COS_OK ||
        (rc = cos_client_config_set_scheme(config, "http", &err)) != COS_OK ||
        (rc = cos_client_config_set_address(config, "127.0.0.1:1", &err)) != COS_OK ||
        (rc = cos_client_config_set_timeouts(config, 1000, 1000, &err)) != COS_OK ||
        (rc = cos_client_config_set_max_retries(config, 0, &err)) != COS_OK ||
        (rc = cos_client_new(config, &client, &err)) != COS_OK) {
        print_error(rc, err);
        goto done;
    }
    rc = cos_client_get_object(client, "examplebucket-1250000000", "key", &data, &err);
    print_error(rc, err);
    ok = (rc == COS_NETWORK_ERROR || rc == COS_TIMEOUT) && cos_error_status(err) != COS_SERVICE_ERROR &&
         cos_error_http_status(err) == 0 && cos_error_code(err) == NULL && cos_error_message(err) != NULL;

done:
    cos_error_free(err);
    cos_bytes_free(data);
    cos_client_free(client);
    cos_client_config_free(config);
    return ok;
}

int main(void) {
    const char *bucket = getenv("COS_BUCKET");
    cos_client *client = NULL;
    cos_error *err = NULL;
    cos_status rc;
    int ok;

    if (bucket == NULL || bucket[0] == '\0') {
        bucket = "errors-1250000000";
    }
    rc = cos_client_new_from_env(&client, &err);
    if (rc != COS_OK) {
        printf("cos_client_new_from_env failed:\n");
        print_error(rc, err);
        cos_error_free(err);
        return 1;
    }
    ok = service_error(client, bucket);
    cos_client_free(client);
    ok = client_errors() && ok;
    printf("error_handling: %s\n", ok ? "every error looked as expected" : "UNEXPECTED RESULT");
    return ok ? 0 : 1;
}
