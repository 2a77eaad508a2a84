/* api_select.c: SELECT object content through the C API against a live cos-emulator, checking every result:
 * a CSV query through the write callback with Progress events and the Stats counts, JSON output, a
 * cancelling callback, the pull reader with its stats, an error event as COS_SERVICE_ERROR with its code,
 * and bad input (an unknown compression, a NULL callback, a NULL request) refused with COS_INVALID_ARGUMENT.
 *
 * Usage: api_select (with COS_SECRET_ID, COS_SECRET_KEY, COS_REGION, COS_SCHEME=http, COS_ADDRESS in the
 *        environment). Run by tests/api_select_c.rs, also under AddressSanitizer/UBSan.
 * Prints "api_select: N checks, 0 failed" at the end; exit 0 when every check passed.
 */
#include "cos.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKET "cselect-1250000000"
static const char PEOPLE[] = "name,age\nann,34\nbob,27\ncat,41\n";

#include "checks.h"

struct sink {
    char data[256];
    size_t len;
    int progress_calls;
    uint64_t last_returned;
    int cancel;
};

static int collect(void *userdata, const uint8_t *data, size_t len) {
    struct sink *s = (struct sink *)userdata;
    if (s->cancel) {
        return 1;
    }
    if (s->len + len < sizeof s->data) {
        memcpy(s->data + s->len, data, len);
        s->len += len;
    }
    return 0;
}

static int on_progress(void *userdata, const cos_select_stats *stats) {
    struct sink *s = (struct sink *)userdata;
    s->progress_calls++;
    s->last_returned = cos_select_stats_bytes_returned(stats);
    return 0;
}

static void push(cos_client *client) {
    cos_error *err = NULL;
    cos_select_request *req = cos_select_request_new();
    CHECK(req != NULL);
    CHECK_OK(cos_select_request_set_expression(req, "SELECT name FROM COSObject WHERE age > 30", &err));
    CHECK_OK(cos_select_request_set_input_csv(req, COS_SELECT_FILE_HEADER_USE, NULL, NULL, NULL, NULL, NULL, false, &err));
    CHECK_OK(cos_select_request_set_progress(req, true, &err));
    struct sink s = {{0}, 0, 0, 0, 0};
    cos_select_stats *stats = NULL;
    CHECK_OK(cos_client_select_object_content(client, BUCKET, "p.csv", req, NULL, collect, on_progress, &s, &stats, &err));
    CHECK(s.len == 8 && memcmp(s.data, "ann\ncat\n", 8) == 0);
    CHECK(s.progress_calls >= 1 && s.last_returned == 8);
    CHECK(cos_select_stats_bytes_scanned(stats) == sizeof PEOPLE - 1);
    CHECK(cos_select_stats_bytes_processed(stats) == sizeof PEOPLE - 1);
    CHECK(cos_select_stats_bytes_returned(stats) == 8);
    cos_select_stats_free(stats);
    CHECK(cos_select_stats_bytes_returned(NULL) == 0);

    /* JSON output. */
    CHECK_OK(cos_select_request_set_output_json(req, NULL, &err));
    struct sink j = {{0}, 0, 0, 0, 0};
    CHECK_OK(cos_client_select_object_content(client, BUCKET, "p.csv", req, NULL, collect, NULL, &j, NULL, &err));
    CHECK(j.len == 30 && memcmp(j.data, "{\"name\":\"ann\"}\n{\"name\":\"cat\"}\n", 30) == 0);

    /* A callback that stops. */
    struct sink c = {{0}, 0, 0, 0, 1};
    CHECK_RC(cos_client_select_object_content(client, BUCKET, "p.csv", req, NULL, collect, NULL, &c, NULL, &err),
             COS_CANCELLED);
    clear(&err);

    /* An error event after the 200: the object is not GZIP. */
    CHECK_OK(cos_select_request_set_compression(req, COS_SELECT_COMPRESSION_GZIP, &err));
    CHECK_RC(cos_client_select_object_content(client, BUCKET, "p.csv", req, NULL, collect, NULL, &c, NULL, &err),
             COS_SERVICE_ERROR);
    CHECK(err != NULL && str_eq(cos_error_code(err), "InvalidCompressionFormat"));
    clear(&err);

    /* Bad input. */
    CHECK_INVALID(cos_select_request_set_compression(req, 7, &err), "compression");
    CHECK_INVALID(cos_select_request_set_input_json(req, 2, &err), "json_type");
    CHECK_INVALID(cos_select_request_set_input_csv(req, 3, NULL, NULL, NULL, NULL, NULL, false, &err), "file_header_info");
    CHECK_INVALID(cos_client_select_object_content(client, BUCKET, "p.csv", req, NULL, NULL, NULL, NULL, NULL, &err),
                  "write");
    CHECK_INVALID(cos_client_select_object_content(client, BUCKET, "p.csv", NULL, NULL, collect, NULL, &c, NULL, &err),
                  "req");
    CHECK_INVALID(cos_select_request_set_expression(NULL, "x", &err), "req");
    cos_select_request_free(req);
    cos_select_request_free(NULL);
}

static void pull(cos_client *client) {
    cos_error *err = NULL;
    cos_select_request *req = cos_select_request_new();
    CHECK_OK(cos_select_request_set_expression(req, "SELECT * FROM COSObject", &err));
    cos_select_reader *reader = NULL;
    CHECK_OK(cos_select_reader_open(client, BUCKET, "p.csv", req, NULL, &reader, &err));
    CHECK(cos_select_reader_stats(reader) == NULL);
    char got[256];
    size_t total = 0;
    for (;;) {
        size_t n = 0;
        cos_status rc = cos_select_reader_read(reader, (uint8_t *)got + total, 5, &n, &err);
        CHECK(rc == COS_OK);
        if (rc != COS_OK) {
            print_error(err);
            clear(&err);
            break;
        }
        if (n == 0) {
            break;
        }
        total += n;
    }
    CHECK(total == sizeof PEOPLE - 1 && memcmp(got, PEOPLE, total) == 0);
    const cos_select_stats *stats = cos_select_reader_stats(reader);
    CHECK(stats != NULL && cos_select_stats_bytes_returned(stats) == sizeof PEOPLE - 1);
    CHECK(cos_select_reader_stats(NULL) == NULL);
    size_t n = 0;
    CHECK_INVALID(cos_select_reader_read(reader, (uint8_t *)got, 0, &n, &err), "cap");
    cos_select_reader_free(reader);
    cos_select_reader_free(NULL);
    cos_select_request_free(req);
}

int main(void) {
    cos_client *client = NULL;
    cos_error *err = NULL;
    if (cos_client_new_from_env(&client, &err) != COS_OK) {
        print_error(err);
        cos_error_free(err);
        return 2;
    }
    CHECK_OK(cos_client_create_bucket(client, BUCKET, &err));
    CHECK_OK(cos_client_put_object(client, BUCKET, "p.csv", (const uint8_t *)PEOPLE, sizeof PEOPLE - 1, &err));
    push(client);
    pull(client);
    cos_client_free(client);
    printf("api_select: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
