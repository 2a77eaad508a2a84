/* transfer_options_order.c: the order of cos_transfer_options_set_checkpoint_path and
 * cos_transfer_options_set_resumable does not change what a transfer does. For each order, a download is
 * cancelled after its first part and the checkpoint must be where the path says (resumable) or nowhere (not
 * resumable); then the same options resume it. Also sets the part timeout.
 *
 * Usage: transfer_options_order SCRATCH_DIR BUCKET KEY   (COS_* variables point at a live cos-emulator that
 *        holds BUCKET/KEY, an object of more than one 1 MiB part). Run by tests/hardening_transfer.rs.
 * Prints one line per failed check and "transfer_options_order: N checks, 0 failed"; exit 0 when all passed.
 */
#define _POSIX_C_SOURCE 200809L
#include "cos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int checks = 0;
static int failures = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "FAILED line %d: %s\n", __LINE__, #cond);      \
        }                                                                  \
    } while (0)

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Cancels once the first MiB is in. */
static int cancel_after_first_part(void *userdata, uint64_t done, uint64_t total) {
    (void)userdata;
    (void)total;
    return done >= (1u << 20) ? 1 : 0;
}

/* Runs one order: `path_first` sets the checkpoint path before the resumable switch. */
static void run(cos_client *client, const char *dir, const char *bucket, const char *key, int path_first,
                int resumable) {
    char dest[512], cp[512], beside[1024], partial[1024];
    snprintf(dest, sizeof dest, "%.400s/out-%d-%d", dir, path_first, resumable);
    snprintf(cp, sizeof cp, "%.400s/cp-%d-%d", dir, path_first, resumable);
    snprintf(beside, sizeof beside, "%s.cos-checkpoint", dest);
    snprintf(partial, sizeof partial, "%s.cos-partial", dest);

    cos_error *err = NULL;
    cos_transfer_options *opts = cos_transfer_options_new();
    CHECK(cos_transfer_options_set_part_size(opts, 1u << 20, &err) == COS_OK);
    CHECK(cos_transfer_options_set_concurrency(opts, 1, &err) == COS_OK);
    CHECK(cos_transfer_options_set_part_timeout_ms(opts, 60000, &err) == COS_OK);
    if (path_first) {
        CHECK(cos_transfer_options_set_checkpoint_path(opts, cp, &err) == COS_OK);
        CHECK(cos_transfer_options_set_resumable(opts, resumable, &err) == COS_OK);
    } else {
        CHECK(cos_transfer_options_set_resumable(opts, resumable, &err) == COS_OK);
        CHECK(cos_transfer_options_set_checkpoint_path(opts, cp, &err) == COS_OK);
    }

    cos_status st = cos_client_download_file(client, bucket, key, dest, opts, cancel_after_first_part, NULL, NULL,
                                             &err);
    CHECK(st == COS_CANCELLED);
    CHECK(err != NULL && cos_error_attempts(err) >= 2);
    cos_error_free(err);
    err = NULL;
    CHECK(!exists(dest));
    CHECK(!exists(beside)); /* never beside the file: the path was given */
    if (resumable) {
        CHECK(exists(cp));
        CHECK(exists(partial));
        /* The same options resume and finish it; the checkpoint goes. */
        st = cos_client_download_file(client, bucket, key, dest, opts, NULL, NULL, NULL, &err);
        CHECK(st == COS_OK);
        if (err) {
            fprintf(stderr, "    %s\n", cos_error_message(err));
            cos_error_free(err);
            err = NULL;
        }
        CHECK(exists(dest));
        CHECK(!exists(cp));
    } else {
        CHECK(!exists(cp));
        CHECK(!exists(partial));
    }
    unlink(dest);
    cos_transfer_options_free(opts);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: transfer_options_order SCRATCH_DIR BUCKET KEY\n");
        return 2;
    }
    cos_client *client = NULL;
    cos_error *err = NULL;
    if (cos_client_new_from_env(&client, &err) != COS_OK) {
        fprintf(stderr, "client: %s\n", cos_error_message(err));
        cos_error_free(err);
        return 1;
    }
    for (int resumable = 0; resumable <= 1; resumable++) {
        run(client, argv[1], argv[2], argv[3], 1, resumable);
        run(client, argv[1], argv[2], argv[3], 0, resumable);
    }
    cos_client_free(client);
    printf("transfer_options_order: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
