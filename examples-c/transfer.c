/* transfer.c: the high-level transfers of the cos C API.
 *
 * Uploads a local file (cos_client_upload_file: parallel parts, resumable), with a progress bar on stderr,
 * downloads it back (cos_client_download_file) next to it as FILE.download, checks that the two files are
 * identical, then copies the object inside COS (cos_client_copy) and checks the copy's CRC-64.
 *
 *   usage: transfer FILE [KEY]          KEY defaults to the file name
 *
 * Settings come from the environment (cos_client_new_from_env):
 *
 *   COS_SECRET_ID, COS_SECRET_KEY, COS_REGION   credentials and region (e.g. ap-guangzhou)
 *   COS_SCHEME, COS_ADDRESS                     optional: "http" and "127.0.0.1:PORT" for a local server
 *   COS_BUCKET                                  optional: "<name>-<appid>", default transfer-1250000000
 *
 * Parts are 1 MiB, four in flight, and copies from 2 MiB up use part-copies, so that modest files show
 * every path. An interrupted run (Ctrl-C, crash) resumes where it stopped when started again.
 *
 * Build: see examples-c/README.md. Exit status 0 on success; on failure it prints every field of the
 * error and exits 1.
 */
#include "cos.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PART_SIZE ((uint64_t)1 << 20)
#define CONCURRENCY 4u
#define COPY_THRESHOLD ((uint64_t)2 << 20)
#define BAR_WIDTH 30

static const char *or_none(const char *s) {
    return s ? s : "(none)";
}

/* Prints everything a failed call reports, then frees the error. */
static void report(const char *what, cos_status rc, cos_error *err) {
    fprintf(stderr, "%s failed: %s\n", what, cos_status_str(rc));
    fprintf(stderr, "  status:      %s\n", cos_status_str(cos_error_status(err)));
    fprintf(stderr, "  http status: %d\n", (int)cos_error_http_status(err));
    fprintf(stderr, "  code:        %s\n", or_none(cos_error_code(err)));
    fprintf(stderr, "  message:     %s\n", or_none(cos_error_message(err)));
    fprintf(stderr, "  request id:  %s\n", or_none(cos_error_request_id(err)));
    fprintf(stderr, "  trace id:    %s\n", or_none(cos_error_trace_id(err)));
    fprintf(stderr, "  resource:    %s\n", or_none(cos_error_resource(err)));
    fprintf(stderr, "  raw xml:     %s\n", or_none(cos_error_raw_xml(err)));
    fprintf(stderr, "  digest:      %s\n", or_none(cos_error_digest(err)));
    fprintf(stderr, "  attempts:    %u\n", (unsigned)cos_error_attempts(err));
    cos_error_free(err);
}

/* The state of one progress bar. */
typedef struct bar {
    const char *label;
    int shown; /* the last percentage drawn, -1 before the first call */
    unsigned calls;
} bar;

/* A cos_progress_fn: redraws the bar when the percentage changes, ends the line at 100%. Returns 0 to
 * let the transfer go on (non-zero would cancel it with COS_CANCELLED). */
static int draw_bar(void *userdata, uint64_t done, uint64_t total) {
    bar *b = (bar *)userdata;
    int percent = total == 0 ? 100 : (int)(done * 100 / total);
    int filled = percent * BAR_WIDTH / 100;
    int i;

    b->calls++;
    if (percent == b->shown) {
        return 0;
    }
    b->shown = percent;
    fprintf(stderr, "\r%-9s [", b->label);
    for (i = 0; i < BAR_WIDTH; i++) {
        fputc(i < filled ? '#' : '.', stderr);
    }
    fprintf(stderr, "] %3d%% %" PRIu64 "/%" PRIu64 " bytes", percent, done, total);
    if (done == total) {
        fputc('\n', stderr);
    }
    fflush(stderr);
    return 0;
}

/* 1 when the two files hold the same bytes, 0 when not, -1 when one cannot be read. */
static int same_files(const char *a, const char *b, uint64_t *size) {
    static unsigned char buf_a[1 << 16], buf_b[1 << 16];
    FILE *fa = fopen(a, "rb");
    FILE *fb = fopen(b, "rb");
    int result = -1;

    *size = 0;
    if (fa != NULL && fb != NULL) {
        for (;;) {
            size_t na = fread(buf_a, 1, sizeof buf_a, fa);
            size_t nb = fread(buf_b, 1, sizeof buf_b, fb);
            if (na != nb || memcmp(buf_a, buf_b, na) != 0) {
                result = 0;
                break;
            }
            *size += na;
            if (na == 0) {
                result = (ferror(fa) || ferror(fb)) ? -1 : 1;
                break;
            }
        }
    }
    if (fa != NULL) {
        fclose(fa);
    }
    if (fb != NULL) {
        fclose(fb);
    }
    return result;
}

/* Prints an object's ETag and CRC-64; stores the CRC (0 when COS sent none). */
static void describe(const char *what, const cos_object_info *info, uint64_t *crc) {
    *crc = 0;
    if (cos_object_info_crc64(info, crc)) {
        printf("%s: ETag %s, CRC-64 %" PRIu64 "\n", what, or_none(cos_object_info_etag(info)), *crc);
    } else {
        printf("%s: ETag %s, CRC-64 not sent\n", what, or_none(cos_object_info_etag(info)));
    }
}

int main(int argc, char **argv) {
    const char *bucket = getenv("COS_BUCKET");
    const char *file;
    const char *key;
    char download_path[4096];
    char copy_key[1024];
    cos_client *client = NULL;
    cos_transfer_options *opts = NULL;
    cos_object_info *info = NULL;
    cos_error *err = NULL;
    cos_status rc;
    bar progress;
    uint64_t size = 0, uploaded_crc = 0, copied_crc = 0;
    int same;
    int exit_code = 1;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s FILE [KEY]\n", argv[0]);
        return 2;
    }
    file = argv[1];
    if (argc == 3) {
        key = argv[2];
    } else {
        key = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    }
    if (bucket == NULL || bucket[0] == '\0') {
        bucket = "transfer-1250000000";
    }
    if (snprintf(download_path, sizeof download_path, "%s.download", file) >= (int)sizeof download_path ||
        snprintf(copy_key, sizeof copy_key, "%s.copy", key) >= (int)sizeof copy_key) {
        fprintf(stderr, "file name or key too long\n");
        return 2;
    }
    printf("cos %s: %s -> %s/%s\n", cos_version(), file, bucket, key);

    rc = cos_client_new_from_env(&client, &err);
    if (rc != COS_OK) {
        report("cos_client_new_from_env", rc, err);
        goto done;
    }
    rc = cos_client_create_bucket(client, bucket, &err);
    if (rc == COS_SERVICE_ERROR && cos_error_code(err) != NULL &&
        strcmp(cos_error_code(err), "BucketAlreadyOwnedByYou") == 0) {
        cos_error_free(err);
        err = NULL;
    } else if (rc != COS_OK) {
        report("create bucket", rc, err);
        goto done;
    }

    opts = cos_transfer_options_new();
    if ((rc = cos_transfer_options_set_part_size(opts, PART_SIZE, &err)) != COS_OK ||
        (rc = cos_transfer_options_set_concurrency(opts, CONCURRENCY, &err)) != COS_OK ||
        (rc = cos_transfer_options_set_copy_threshold(opts, COPY_THRESHOLD, &err)) != COS_OK) {
        report("transfer options", rc, err);
        goto done;
    }

    /* Upload. */
    progress.label = "upload";
    progress.shown = -1;
    progress.calls = 0;
    rc = cos_client_upload_file(client, bucket, key, file, opts, draw_bar, &progress, &info, &err);
    if (rc != COS_OK) {
        report("upload", rc, err);
        goto done;
    }
    describe("uploaded", info, &uploaded_crc);
    cos_object_info_free(info);
    info = NULL;

    /* Download it back and compare. */
    progress.label = "download";
    progress.shown = -1;
    progress.calls = 0;
    rc = cos_client_download_file(client, bucket, key, download_path, opts, draw_bar, &progress, NULL, &err);
    if (rc != COS_OK) {
        report("download", rc, err);
        goto done;
    }
    same = same_files(file, download_path, &size);
    if (same != 1) {
        fprintf(stderr, "%s and %s %s\n", file, download_path, same == 0 ? "differ" : "cannot be read");
        goto done;
    }
    printf("downloaded %s: %" PRIu64 " bytes, identical\n", download_path, size);

    /* Copy inside COS. */
    progress.label = "copy";
    progress.shown = -1;
    progress.calls = 0;
    rc = cos_client_copy(client, bucket, copy_key, bucket, key, opts, draw_bar, &progress, NULL, &err);
    if (rc != COS_OK) {
        report("copy", rc, err);
        goto done;
    }
    rc = cos_client_head_object(client, bucket, copy_key, NULL, &info, &err);
    if (rc != COS_OK) {
        report("head of the copy", rc, err);
        goto done;
    }
    describe("copied", info, &copied_crc);
    if (cos_object_info_content_length(info) != (int64_t)size || copied_crc != uploaded_crc) {
        fprintf(stderr, "the copy differs: %" PRId64 " bytes, CRC-64 %" PRIu64 "\n",
                cos_object_info_content_length(info), copied_crc);
        goto done;
    }
    printf("copied to %s/%s: %" PRIu64 " bytes, same CRC-64\n", bucket, copy_key, size);

    printf("transfer: all done\n");
    exit_code = 0;

done:
    cos_object_info_free(info);
    cos_transfer_options_free(opts);
    cos_client_free(client);
    return exit_code;
}
