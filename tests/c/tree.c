/* Directory trees through the header: a local tree (argv[1]) uploaded with patterns and a progress callback,
 * synced again after a change (skip unchanged, delete extras), a failing file read from the report as a
 * cos_error, and the tree downloaded back into argv[2]. Against the emulator named by the COS_* environment
 * (tests/transfer_tree_c.rs makes the trees, injects the failure and checks the result from Rust too).
 * Prints "tree: N checks, 0 failed" and exits 0 when every check passed. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "checks.h"

static const char *BUCKET = "ctree-1250000000";

struct progress {
    uint64_t calls, last_done, total;
    int went_back;
};

static int on_progress(void *userdata, uint64_t done, uint64_t total) {
    struct progress *p = (struct progress *)userdata;
    if (done < p->last_done) {
        p->went_back = 1;
    }
    p->calls++;
    p->last_done = done;
    p->total = total;
    return 0;
}

static int cancel_at_once(void *userdata, uint64_t done, uint64_t total) {
    (void)userdata;
    (void)done;
    (void)total;
    return 1;
}

/* How many report entries have `outcome`. */
static size_t count_outcome(const cos_tree_report *report, cos_tree_outcome outcome) {
    size_t i, n = 0;
    for (i = 0; i < cos_tree_report_count(report); i++) {
        n += cos_tree_report_outcome(report, i) == outcome;
    }
    return n;
}

int main(int argc, char **argv) {
    cos_client *client = NULL;
    cos_error *err = NULL;
    cos_tree_options *opts = cos_tree_options_new();
    cos_transfer_options *topts = cos_transfer_options_new();
    cos_tree_report *report = NULL;
    struct progress progress = {0, 0, 0, 0};
    char path[4200];
    size_t i;
    FILE *f;
    if (argc != 3) {
        fprintf(stderr, "usage: tree <source dir> <download dir>\n");
        return 2;
    }
    CHECK_OK(cos_client_new_from_env(&client, &err));
    CHECK_OK(cos_client_create_bucket(client, BUCKET, &err));

    /* Everything but *.tmp, 3 files in flight, 1 MiB parts for the large file. */
    CHECK_OK(cos_transfer_options_set_part_size(topts, 1 << 20, &err));
    CHECK_OK(cos_tree_options_set_transfer_options(opts, topts, &err));
    CHECK_OK(cos_tree_options_set_files_in_flight(opts, 3, &err));
    CHECK_OK(cos_tree_options_add_exclude(opts, "*.tmp", &err));
    CHECK_INVALID(cos_tree_options_set_files_in_flight(opts, 0, &err), "files in flight");
    CHECK_INVALID(cos_tree_options_add_include(opts, NULL, &err), "pattern");
    CHECK_INVALID(cos_client_upload_prefix(client, BUCKET, "t", argv[1], opts, NULL, NULL, NULL, &err), "report");

    /* The Rust driver made the emulator refuse the first PUT of t/b/c.txt: that file fails, the rest go. */
    CHECK_OK(cos_client_upload_prefix(client, BUCKET, "t", argv[1], opts, on_progress, &progress, &report, &err));
    CHECK(cos_tree_report_count(report) == 4); /* a.txt, b/c.txt, b/d/e.bin, big.bin; skip.tmp excluded */
    CHECK(cos_tree_report_failed_count(report) == 1);
    CHECK(count_outcome(report, COS_TREE_TRANSFERRED) == 3);
    CHECK(progress.calls > 0 && !progress.went_back && progress.last_done == progress.total);
    CHECK(str_eq(cos_tree_report_key(report, 0), "t/a.txt"));
    CHECK(cos_tree_report_size(report, 0) == 5);
    CHECK(cos_tree_report_error(report, 0) == NULL);
    CHECK(cos_tree_report_key(report, 99) == NULL && cos_tree_report_path(report, 99) == NULL);
    CHECK(cos_tree_report_outcome(report, 99) == COS_TREE_FAILED);
    for (i = 0; i < cos_tree_report_count(report); i++) {
        const cos_error *e = cos_tree_report_error(report, i);
        if (cos_tree_report_outcome(report, i) == COS_TREE_FAILED) {
            CHECK(str_eq(cos_tree_report_key(report, i), "t/b/c.txt"));
            CHECK(cos_tree_report_bytes_transferred(report) == progress.total - cos_tree_report_size(report, i));
            CHECK(e != NULL && cos_error_status(e) == COS_SERVICE_ERROR && cos_error_http_status(e) == 403);
            CHECK(e != NULL && str_eq(cos_error_code(e), "AccessDenied") && cos_error_request_id(e) != NULL);
        } else {
            CHECK(e == NULL);
        }
    }
    cos_tree_report_free(report);
    report = NULL;

    /* A sync after one change: a.txt rewritten, an object only COS has; b/c.txt is still missing there. */
    snprintf(path, sizeof path, "%s/a.txt", argv[1]);
    f = fopen(path, "wb");
    CHECK(f != NULL && fputs("changed", f) >= 0 && fclose(f) == 0);
    CHECK_OK(cos_client_put_object(client, BUCKET, "t/extra.txt", (const uint8_t *)"x", 1, &err));
    CHECK_OK(cos_tree_options_set_skip_unchanged(opts, true, &err));
    CHECK_OK(cos_tree_options_set_delete_extras(opts, true, &err));
    CHECK_OK(cos_client_upload_prefix(client, BUCKET, "t", argv[1], opts, NULL, NULL, &report, &err));
    CHECK(count_outcome(report, COS_TREE_TRANSFERRED) == 2);
    CHECK(count_outcome(report, COS_TREE_SKIPPED) == 2);
    CHECK(count_outcome(report, COS_TREE_DELETED) == 1);
    CHECK(cos_tree_report_failed_count(report) == 0);
    for (i = 0; i < cos_tree_report_count(report); i++) {
        if (cos_tree_report_outcome(report, i) == COS_TREE_DELETED) {
            CHECK(str_eq(cos_tree_report_key(report, i), "t/extra.txt"));
        }
    }
    cos_tree_report_free(report);
    report = NULL;

    /* Cancelled by the callback: COS_CANCELLED and no report. */
    CHECK_RC(cos_client_upload_prefix(client, BUCKET, "t", argv[1], opts, cancel_at_once, NULL, &report, &err),
             COS_CANCELLED);
    CHECK(report == NULL);
    clear(&err);

    /* Back down, with a NULL options handle (the defaults). */
    CHECK_OK(cos_client_download_tree(client, BUCKET, "t/", argv[2], NULL, NULL, NULL, &report, &err));
    CHECK(cos_tree_report_count(report) == 4 && cos_tree_report_failed_count(report) == 0);
    cos_tree_report_free(report);
    report = NULL;

    cos_tree_report_free(NULL);
    cos_tree_options_free(NULL);
    cos_tree_options_free(opts);
    cos_transfer_options_free(topts);
    cos_client_free(client);
    printf("tree: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
