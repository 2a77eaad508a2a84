/* Non-blocking calls through the header, against the emulator named by the COS_* environment (the driver,
 * tests/operations_c.rs, made the bucket and its objects and armed the stalls):
 *   1. N puts started at once on a pool of 4, completed through callbacks and an epoll loop on their fds;
 *   2. a get, a head of a missing key and a listing, waited for, equal to the blocking calls;
 *   3. queued operations cancelled behind a stalled one: they never run;
 *   4. a running download cancelled while its GETs stall: COS_OP_CANCELLED;
 *   5. a client freed with 50 operations in flight: each completes once, the handles stay valid.
 * Usage: operations N. Prints "operations: N checks, 0 failed" and exits 0 when every check passed. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "checks.h"

static const char *BUCKET = "cops-1250000000";

/* What a completion callback saw; userdata of every operation. */
struct seen {
    atomic_int calls;
    atomic_int state;
    atomic_int status;
};

/* Counts every callback of a group of operations. */
static atomic_int group_calls;

static void on_done(void *userdata, cos_op_state state, cos_status status) {
    struct seen *s = (struct seen *)userdata;
    atomic_fetch_add(&s->calls, 1);
    atomic_store(&s->state, (int)state);
    atomic_store(&s->status, (int)status);
    atomic_fetch_add(&group_calls, 1);
}

static cos_client *new_client(uint32_t workers) {
    cos_client_config *config = NULL;
    cos_client *client = NULL;
    cos_error *err = NULL;
    CHECK_OK(cos_client_config_from_env(&config, &err));
    CHECK_OK(cos_client_config_set_background_workers(config, workers, &err));
    CHECK_OK(cos_client_new(config, &client, &err));
    cos_client_config_free(config);
    return client;
}

/* Waits until `op` leaves the queue. */
static void wait_running(const cos_operation *op) {
    while (cos_operation_poll(op) == COS_OP_QUEUED) {
        cos_operation_wait(op, 5);
    }
}

static void puts_with_epoll(cos_client *client, int n) {
    cos_error *err = NULL;
    cos_operation **ops = calloc((size_t)n, sizeof *ops);
    struct seen *seen = calloc((size_t)n, sizeof *seen);
    char (*bodies)[32] = calloc((size_t)n, sizeof *bodies);
    struct epoll_event ev, ready[64];
    int i, done = 0, ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    atomic_store(&group_calls, 0);
    for (i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "k/%04d", i);
        /* Not copied: each body stays in `bodies` until its operation completes. */
        snprintf(bodies[i], sizeof bodies[i], "object %d", i);
        CHECK_OK(cos_client_start_put_object(client, BUCKET, key, (const uint8_t *)bodies[i], strlen(bodies[i]),
                                             NULL, on_done, &seen[i], &ops[i], &err));
        ev.events = EPOLLIN;
        ev.data.u32 = (uint32_t)i;
        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, cos_operation_fd(ops[i]), &ev) == 0);
    }
    /* The descriptors stay readable: each is removed from the set once seen. */
    while (done < n) {
        int k, got = epoll_wait(ep, ready, 64, 60000);
        CHECK(got > 0);
        if (got <= 0) {
            break;
        }
        for (k = 0; k < got; k++) {
            int at = (int)ready[k].data.u32;
            CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, cos_operation_fd(ops[at]), NULL) == 0);
            /* Readable means complete: the callback ran, the outcome is there. */
            CHECK(atomic_load(&seen[at].calls) == 1);
            CHECK(cos_operation_poll(ops[at]) == COS_OP_DONE);
            CHECK(atomic_load(&seen[at].state) == COS_OP_DONE && atomic_load(&seen[at].status) == COS_OK);
            CHECK_OK(cos_operation_status(ops[at], &err));
            done++;
        }
    }
    CHECK(done == n && atomic_load(&group_calls) == n);
    for (i = 0; i < n; i++) {
        cos_object_info *info = NULL;
        CHECK_OK(cos_operation_take_info(ops[i], &info, &err));
        CHECK(cos_object_info_etag(info) != NULL);
        cos_object_info_free(info);
        /* Taken once. */
        CHECK_RC(cos_operation_take_info(ops[i], &info, &err), COS_INVALID_ARGUMENT);
        clear(&err);
        cos_operation_free(ops[i]);
    }
    close(ep);
    free(bodies);
    free(seen);
    free(ops);
}

static void same_as_blocking(cos_client *client) {
    cos_error *err = NULL, *blocking_err = NULL;
    cos_operation *op = NULL;
    cos_bytes *bytes = NULL, *blocking = NULL;
    cos_object_info *info = NULL, *blocking_info = NULL;
    cos_object_list *list = NULL, *blocking_list = NULL;
    struct seen seen = {0, 0, 0};

    CHECK_OK(cos_client_start_get_object(client, BUCKET, "k/0007", NULL, NULL, NULL, &op, &err));
    CHECK(cos_operation_wait(op, -1));
    CHECK_OK(cos_operation_take_bytes(op, &bytes, &err));
    CHECK_OK(cos_operation_take_info(op, &info, &err));
    CHECK_OK(cos_client_get_object_ex(client, BUCKET, "k/0007", NULL, &blocking, &blocking_info, &err));
    CHECK(cos_bytes_len(bytes) == cos_bytes_len(blocking) &&
          memcmp(cos_bytes_data(bytes), cos_bytes_data(blocking), cos_bytes_len(bytes)) == 0);
    CHECK(str_eq(cos_object_info_etag(info), cos_object_info_etag(blocking_info)));
    cos_bytes_free(bytes);
    cos_bytes_free(blocking);
    cos_object_info_free(info);
    cos_object_info_free(blocking_info);
    cos_operation_free(op);

    /* A failure: the same status, HTTP status and code as the blocking call, in the callback too. */
    CHECK_OK(cos_client_start_head_object(client, BUCKET, "missing", NULL, on_done, &seen, &op, &err));
    CHECK(cos_operation_wait(op, -1));
    CHECK(cos_operation_poll(op) == COS_OP_DONE);
    CHECK_RC(cos_operation_status(op, &err), COS_SERVICE_ERROR);
    CHECK_RC(cos_client_head_object(client, BUCKET, "missing", NULL, &blocking_info, &blocking_err),
             COS_SERVICE_ERROR);
    CHECK(cos_error_http_status(err) == 404 && cos_error_http_status(blocking_err) == 404);
    CHECK(str_eq(cos_error_code(err), cos_error_code(blocking_err)) || cos_error_code(err) == cos_error_code(blocking_err));
    CHECK(atomic_load(&seen.status) == COS_SERVICE_ERROR);
    clear(&err);
    clear(&blocking_err);
    /* Taking from a failed operation fails as it did, and leaves the out-parameter alone. */
    info = NULL;
    CHECK_RC(cos_operation_take_info(op, &info, &err), COS_SERVICE_ERROR);
    CHECK(info == NULL);
    clear(&err);
    cos_operation_free(op);

    CHECK_OK(cos_client_start_list_objects(client, BUCKET, "k/", NULL, NULL, 10, NULL, NULL, &op, &err));
    CHECK(cos_operation_wait(op, -1));
    CHECK_OK(cos_operation_take_list(op, &list, &err));
    CHECK_OK(cos_client_list_objects(client, BUCKET, "k/", NULL, NULL, 10, &blocking_list, &err));
    CHECK(cos_object_list_count(list) == 10 && cos_object_list_count(blocking_list) == 10);
    CHECK(str_eq(cos_object_list_key(list, 9), cos_object_list_key(blocking_list, 9)));
    cos_object_list_free(list);
    cos_object_list_free(blocking_list);
    cos_operation_free(op);
}

static void cancel_queued(void) {
    cos_client *client = new_client(1);
    cos_error *err = NULL;
    cos_operation *blocker = NULL, *queued[3] = {NULL, NULL, NULL};
    cos_object_info *info = NULL;
    struct seen seen[3];
    int i;
    memset(seen, 0, sizeof seen);
    /* The driver stalls the first GET of "slow" for seconds: the only worker is busy meanwhile. */
    CHECK_OK(cos_client_start_get_object(client, BUCKET, "slow", NULL, NULL, NULL, &blocker, &err));
    wait_running(blocker);
    for (i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof key, "never/%d", i);
        CHECK_OK(cos_client_start_put_object(client, BUCKET, key, (const uint8_t *)"no", 2, NULL, on_done, &seen[i],
                                             &queued[i], &err));
        CHECK(cos_operation_poll(queued[i]) == COS_OP_QUEUED);
    }
    for (i = 0; i < 3; i++) {
        cos_operation_cancel(queued[i]);
        /* Complete at once, on this thread, without a worker. */
        CHECK(cos_operation_wait(queued[i], 0));
        CHECK(cos_operation_poll(queued[i]) == COS_OP_CANCELLED);
        CHECK(atomic_load(&seen[i].calls) == 1 && atomic_load(&seen[i].status) == COS_CANCELLED);
        CHECK_RC(cos_operation_status(queued[i], &err), COS_CANCELLED);
        clear(&err);
        cos_operation_cancel(queued[i]); /* again: nothing */
    }
    CHECK(cos_operation_wait(blocker, -1));
    CHECK_OK(cos_operation_status(blocker, &err));
    CHECK(cos_operation_poll(blocker) == COS_OP_DONE);
    for (i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof key, "never/%d", i);
        CHECK_RC(cos_client_head_object(client, BUCKET, key, NULL, &info, &err), COS_SERVICE_ERROR);
        CHECK(cos_error_http_status(err) == 404);
        clear(&err);
        CHECK(atomic_load(&seen[i].calls) == 1);
        cos_operation_free(queued[i]);
    }
    cos_operation_free(blocker);
    cos_client_free(client);
}

static void cancel_running(cos_client *client, const char *dir) {
    cos_error *err = NULL;
    cos_operation *op = NULL;
    cos_transfer_options *topts = cos_transfer_options_new();
    char path[4200];
    FILE *f;
    snprintf(path, sizeof path, "%s/big.bin", dir);
    CHECK_OK(cos_transfer_options_set_part_size(topts, 1024 * 1024, &err));
    /* The driver stalls every GET of "big" mid-body: the download is running when it is cancelled. */
    CHECK_OK(cos_client_start_download_file(client, BUCKET, "big", path, topts, NULL, NULL, &op, &err));
    cos_transfer_options_free(topts); /* copied at start */
    wait_running(op);
    CHECK(!cos_operation_wait(op, 200));
    cos_operation_cancel(op);
    CHECK(cos_operation_wait(op, -1));
    CHECK(cos_operation_poll(op) == COS_OP_CANCELLED);
    CHECK_RC(cos_operation_status(op, &err), COS_CANCELLED);
    clear(&err);
    f = fopen(path, "rb");
    CHECK(f == NULL); /* no partial file at the destination */
    if (f != NULL) {
        fclose(f);
    }
    cos_operation_free(op);
}

static void free_client_in_flight(void) {
    enum { N = 50 };
    cos_client *client = new_client(2);
    cos_error *err = NULL;
    cos_operation *ops[N];
    struct seen seen[N];
    int i, cancelled = 0;
    memset(seen, 0, sizeof seen);
    atomic_store(&group_calls, 0);
    for (i = 0; i < N; i++) {
        /* The driver stalls the first two GETs of "slow2". */
        CHECK_OK(cos_client_start_get_object(client, BUCKET, "slow2", NULL, on_done, &seen[i], &ops[i], &err));
    }
    wait_running(ops[0]);
    cos_client_free(client);
    /* Queued ones were cancelled, running ones cancelled and waited for: all complete, each called once. */
    CHECK(atomic_load(&group_calls) == N);
    for (i = 0; i < N; i++) {
        cos_op_state state = cos_operation_poll(ops[i]);
        CHECK(cos_operation_wait(ops[i], 0));
        CHECK(state == COS_OP_DONE || state == COS_OP_CANCELLED);
        CHECK(atomic_load(&seen[i].calls) == 1);
        cancelled += state == COS_OP_CANCELLED;
        cos_operation_free(ops[i]);
    }
    CHECK(cancelled >= N - 2);
}

int main(int argc, char **argv) {
    cos_client *client;
    cos_error *err = NULL;
    struct rlimit lim;
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    if (argc != 3 || n <= 0) {
        fprintf(stderr, "usage: operations N DIR\n");
        return 2;
    }
    /* One descriptor per operation in flight. */
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < (rlim_t)n + 256) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
    client = new_client(4);
    puts_with_epoll(client, n);
    same_as_blocking(client);
    cancel_queued();
    cancel_running(client, argv[2]);
    free_client_in_flight();
    CHECK(cos_operation_poll(NULL) == COS_OP_NONE && cos_operation_fd(NULL) == -1 && !cos_operation_wait(NULL, 0));
    CHECK_INVALID(cos_operation_status(NULL, &err), "op");
    cos_operation_free(NULL);
    cos_client_free(client);
    printf("operations: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
