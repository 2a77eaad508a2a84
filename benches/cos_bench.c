/* cos_bench.c: the library side of the speed benchmark (driven by benches/driver.py).
 *
 * One program, one operation per run, one JSON line on stdout describing it. The client comes from the
 * environment (cos_client_new_from_env: COS_SECRET_ID, COS_SECRET_KEY, COS_REGION, COS_SCHEME=http,
 * COS_ADDRESS=127.0.0.1:PORT for the emulator). Only the call itself is timed (CLOCK_MONOTONIC), not process
 * start-up or client creation; "cpu_s" is the user+system CPU of the whole process (all threads) over the call.
 *
 *   cos_bench mkbucket BUCKET
 *   cos_bench presign  BUCKET KEY METHOD [EXPIRES_S]       prints the URL (not JSON)
 *   cos_bench put      BUCKET KEY FILE [--buffer] [--no-crc]
 *       put_object_from_file, or with --buffer: the file is read into memory first (untimed), then
 *       put_object_ex from that buffer
 *   cos_bench get      BUCKET KEY [--to-file PATH] [--no-crc]
 *       get_object_to_writer into a callback that discards the bytes, or get_object_to_file PATH
 *   cos_bench upload   BUCKET KEY FILE PART_SIZE CONCURRENCY [--no-crc]     upload_file
 *   cos_bench download BUCKET KEY FILE PART_SIZE CONCURRENCY [--no-crc]     download_file
 *   cos_bench small    BUCKET PREFIX COUNT SIZE
 *       COUNT PUTs of SIZE bytes (put_object), then COUNT GETs of them (get_object), one thread, one client
 *       (keep-alive); requests per second and latency percentiles of each phase
 *   cos_bench presign-list BUCKET PREFIX COUNT METHOD      prints COUNT URLs (keys PREFIX000000...), not JSON
 *   cos_bench tree-up   DIR BUCKET PREFIX FILES_IN_FLIGHT    upload_prefix
 *   cos_bench tree-down BUCKET PREFIX DIR FILES_IN_FLIGHT    download_tree
 *       "count" is the number of files moved; a tree with any failed file fails the run
 *   cos_bench delete   BUCKET KEY...
 *
 * Every JSON line also carries "vmhwm_kib" (peak RSS of this process, from /proc/self/status at exit).
 * Exit status 0 on success; on failure the error is printed to stderr and the status is 1.
 */
#define _GNU_SOURCE
#include "cos.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/* Peak resident set size of this process in KiB (VmHWM), or -1. */
static long vmhwm_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

static int fail(const char *what, cos_status rc, cos_error *err) {
    const char *digest = cos_error_digest(err);
    fprintf(stderr, "cos_bench: %s failed: %s: %s\n", what, cos_status_str(rc), digest ? digest : "(no details)");
    cos_error_free(err);
    return 1;
}

static int usage(void) {
    fprintf(stderr,
            "usage: cos_bench mkbucket BUCKET | presign BUCKET KEY METHOD [EXPIRES_S]\n"
            "     | put BUCKET KEY FILE [--buffer] [--no-crc] | get BUCKET KEY [--to-file PATH] [--no-crc]\n"
            "     | upload|download BUCKET KEY FILE PART_SIZE CONCURRENCY [--no-crc]\n"
            "     | small BUCKET PREFIX COUNT SIZE | delete BUCKET KEY...\n"
            "     | presign-list BUCKET PREFIX COUNT METHOD\n"
            "     | tree-up DIR BUCKET PREFIX FILES | tree-down BUCKET PREFIX DIR FILES\n");
    return 2;
}

static int has_flag(int argc, char **argv, int from, const char *flag) {
    for (int i = from; i < argc; i++) {
        if (strcmp(argv[i], flag) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *flag_value(int argc, char **argv, int from, const char *flag) {
    for (int i = from; i + 1 < argc; i++) {
        if (strcmp(argv[i], flag) == 0) {
            return argv[i + 1];
        }
    }
    return NULL;
}

/* Request options with the CRC-64 check switched off, or NULL (the defaults) when crc is on. */
static cos_request_options *request_options(int no_crc) {
    cos_request_options *ro;
    if (!no_crc) {
        return NULL;
    }
    ro = cos_request_options_new();
    cos_request_options_set_verify_crc(ro, false, NULL);
    return ro;
}

static void print_result(const char *op, uint64_t bytes, double seconds, double cpu, const char *extra) {
    printf("{\"op\":\"%s\",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"cpu_s\":%.6f,\"vmhwm_kib\":%ld%s%s}\n", op,
           bytes, seconds, cpu, vmhwm_kib(), extra ? "," : "", extra ? extra : "");
}

static int file_size(const char *path, uint64_t *size) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "cos_bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

static int cmd_put(cos_client *c, int argc, char **argv) {
    const char *bucket = argv[2], *key = argv[3], *path = argv[4];
    int buffer = has_flag(argc, argv, 5, "--buffer");
    cos_request_options *ro = request_options(has_flag(argc, argv, 5, "--no-crc"));
    cos_error *err = NULL;
    cos_status rc;
    uint8_t *data = NULL;
    uint64_t size;
    double t0, c0, t1, c1;

    if (file_size(path, &size)) {
        return 1;
    }
    if (buffer) {
        /* Read the file into memory before the clock starts: the PUT is then from a buffer. */
        int fd = open(path, O_RDONLY);
        size_t done = 0;
        data = malloc(size ? size : 1);
        if (fd < 0 || data == NULL) {
            fprintf(stderr, "cos_bench: cannot read %s into memory\n", path);
            return 1;
        }
        while (done < size) {
            ssize_t n = read(fd, data + done, size - done);
            if (n <= 0) {
                fprintf(stderr, "cos_bench: read %s: %s\n", path, strerror(errno));
                return 1;
            }
            done += (size_t)n;
        }
        close(fd);
    }
    t0 = now_s();
    c0 = cpu_s();
    if (buffer) {
        rc = cos_client_put_object_ex(c, bucket, key, data, size, ro, NULL, &err);
    } else {
        rc = cos_client_put_object_from_file(c, bucket, key, path, ro, NULL, &err);
    }
    t1 = now_s();
    c1 = cpu_s();
    cos_request_options_free(ro);
    free(data);
    if (rc) {
        return fail(buffer ? "put_object_ex" : "put_object_from_file", rc, err);
    }
    print_result(buffer ? "put_buffer" : "put_file", size, t1 - t0, c1 - c0, NULL);
    return 0;
}

static int discard(void *userdata, const uint8_t *data, size_t len) {
    (void)data;
    *(uint64_t *)userdata += len;
    return 0;
}

static int cmd_get(cos_client *c, int argc, char **argv) {
    const char *bucket = argv[2], *key = argv[3];
    const char *to_file = flag_value(argc, argv, 4, "--to-file");
    cos_request_options *ro = request_options(has_flag(argc, argv, 4, "--no-crc"));
    cos_error *err = NULL;
    cos_status rc;
    uint64_t bytes = 0;
    double t0, c0, t1, c1;

    t0 = now_s();
    c0 = cpu_s();
    if (to_file) {
        rc = cos_client_get_object_to_file(c, bucket, key, to_file, ro, NULL, &err);
    } else {
        rc = cos_client_get_object_to_writer(c, bucket, key, discard, &bytes, ro, NULL, &err);
    }
    t1 = now_s();
    c1 = cpu_s();
    cos_request_options_free(ro);
    if (rc) {
        return fail(to_file ? "get_object_to_file" : "get_object_to_writer", rc, err);
    }
    if (to_file && file_size(to_file, &bytes)) {
        return 1;
    }
    print_result(to_file ? "get_file" : "get_writer", bytes, t1 - t0, c1 - c0, NULL);
    return 0;
}

static int cmd_transfer(cos_client *c, int argc, char **argv, int upload) {
    const char *bucket = argv[2], *key = argv[3], *path = argv[4];
    uint64_t part_size = strtoull(argv[5], NULL, 10);
    uint32_t concurrency = (uint32_t)strtoul(argv[6], NULL, 10);
    cos_request_options *ro = request_options(has_flag(argc, argv, 7, "--no-crc"));
    cos_transfer_options *to = cos_transfer_options_new();
    cos_error *err = NULL;
    cos_status rc;
    uint64_t size = 0;
    double t0, c0, t1, c1;
    char extra[96];

    if ((rc = cos_transfer_options_set_part_size(to, part_size, &err)) ||
        (rc = cos_transfer_options_set_concurrency(to, concurrency, &err)) ||
        (ro && (rc = cos_transfer_options_set_request_options(to, ro, &err)))) {
        return fail("transfer options", rc, err);
    }
    t0 = now_s();
    c0 = cpu_s();
    if (upload) {
        rc = cos_client_upload_file(c, bucket, key, path, to, NULL, NULL, NULL, &err);
    } else {
        rc = cos_client_download_file(c, bucket, key, path, to, NULL, NULL, NULL, &err);
    }
    t1 = now_s();
    c1 = cpu_s();
    cos_transfer_options_free(to);
    cos_request_options_free(ro);
    if (rc) {
        return fail(upload ? "upload_file" : "download_file", rc, err);
    }
    if (file_size(path, &size)) {
        return 1;
    }
    snprintf(extra, sizeof extra, "\"part_size\":%" PRIu64 ",\"concurrency\":%" PRIu32, part_size, concurrency);
    print_result(upload ? "upload_file" : "download_file", size, t1 - t0, c1 - c0, extra);
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, size_t n, double p) {
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999999);
    if (rank < 1) {
        rank = 1;
    }
    if (rank > n) {
        rank = n;
    }
    return sorted[rank - 1];
}

static void phase_json(char *out, size_t cap, const char *name, double *lat, size_t n, double total, double cpu) {
    qsort(lat, n, sizeof *lat, cmp_double);
    snprintf(out, cap,
             "\"%s\":{\"count\":%zu,\"seconds\":%.6f,\"cpu_s\":%.6f,\"rps\":%.1f,\"p50_us\":%.1f,"
             "\"p99_us\":%.1f,\"max_us\":%.1f}",
             name, n, total, cpu, (double)n / total, percentile(lat, n, 50) * 1e6, percentile(lat, n, 99) * 1e6,
             lat[n - 1] * 1e6);
}

static int cmd_small(cos_client *c, char **argv) {
    const char *bucket = argv[2], *prefix = argv[3];
    size_t count = strtoul(argv[4], NULL, 10), size = strtoul(argv[5], NULL, 10);
    double *lat = calloc(count ? count : 1, sizeof *lat);
    uint8_t *body = malloc(size ? size : 1);
    char key[512], put_json[256], get_json[256], extra[600];
    cos_error *err = NULL;
    cos_status rc;
    double t0, c0, t_put, c_put, t_get, c_get;

    if (count == 0 || lat == NULL || body == NULL) {
        return usage();
    }
    for (size_t i = 0; i < size; i++) {
        body[i] = (uint8_t)(i * 131 + 7);
    }
    t0 = now_s();
    c0 = cpu_s();
    for (size_t i = 0; i < count; i++) {
        double s = now_s();
        snprintf(key, sizeof key, "%s%06zu", prefix, i);
        if ((rc = cos_client_put_object(c, bucket, key, body, size, &err))) {
            return fail("put_object", rc, err);
        }
        lat[i] = now_s() - s;
    }
    t_put = now_s() - t0;
    c_put = cpu_s() - c0;
    phase_json(put_json, sizeof put_json, "put", lat, count, t_put, c_put);

    t0 = now_s();
    c0 = cpu_s();
    for (size_t i = 0; i < count; i++) {
        cos_bytes *got = NULL;
        double s = now_s();
        snprintf(key, sizeof key, "%s%06zu", prefix, i);
        if ((rc = cos_client_get_object(c, bucket, key, &got, &err))) {
            return fail("get_object", rc, err);
        }
        if (cos_bytes_len(got) != size) {
            fprintf(stderr, "cos_bench: %s has %zu bytes, expected %zu\n", key, cos_bytes_len(got), size);
            return 1;
        }
        cos_bytes_free(got);
        lat[i] = now_s() - s;
    }
    t_get = now_s() - t0;
    c_get = cpu_s() - c0;
    phase_json(get_json, sizeof get_json, "get", lat, count, t_get, c_get);

    snprintf(extra, sizeof extra, "%s,%s", put_json, get_json);
    print_result("small", (uint64_t)(count * size * 2), t_put + t_get, c_put + c_get, extra);
    free(lat);
    free(body);
    return 0;
}

/* upload_prefix (up) or download_tree of a whole tree with FILES in flight, one JSON line with the count. */
static int cmd_tree(cos_client *c, char **argv, int up) {
    const char *dir = up ? argv[2] : argv[4], *bucket = up ? argv[3] : argv[2], *prefix = up ? argv[4] : argv[3];
    cos_tree_options *opts = cos_tree_options_new();
    cos_tree_report *report = NULL;
    cos_error *err = NULL;
    cos_status rc;
    char extra[64];
    double t0, c0;

    if ((rc = cos_tree_options_set_files_in_flight(opts, strtoul(argv[5], NULL, 10), &err))) {
        return fail("set_files_in_flight", rc, err);
    }
    t0 = now_s();
    c0 = cpu_s();
    rc = up ? cos_client_upload_prefix(c, bucket, prefix, dir, opts, NULL, NULL, &report, &err)
            : cos_client_download_tree(c, bucket, prefix, dir, opts, NULL, NULL, &report, &err);
    t0 = now_s() - t0;
    c0 = cpu_s() - c0;
    cos_tree_options_free(opts);
    if (rc) {
        return fail(up ? "upload_prefix" : "download_tree", rc, err);
    }
    if (cos_tree_report_failed_count(report) > 0) {
        const cos_error *first = NULL;
        for (size_t i = 0; first == NULL && i < cos_tree_report_count(report); i++) {
            first = cos_tree_report_error(report, i);
        }
        fprintf(stderr, "cos_bench: %zu files failed, e.g. %s\n", cos_tree_report_failed_count(report),
                first && cos_error_digest(first) ? cos_error_digest(first) : "?");
        cos_tree_report_free(report);
        return 1;
    }
    snprintf(extra, sizeof extra, "\"count\":%zu", cos_tree_report_count(report));
    print_result(up ? "upload_prefix" : "download_tree", cos_tree_report_bytes_transferred(report), t0, c0, extra);
    cos_tree_report_free(report);
    return 0;
}

/* COUNT presigned URLs of PREFIX%06zu, one per line (for curl -K and curl --parallel). */
static int cmd_presign_list(cos_client *c, char **argv) {
    size_t count = strtoul(argv[4], NULL, 10);
    char key[512];
    for (size_t i = 0; i < count; i++) {
        char *url = NULL;
        cos_error *err = NULL;
        cos_status rc;
        snprintf(key, sizeof key, "%s%06zu", argv[3], i);
        if ((rc = cos_client_presign_url(c, argv[5], argv[2], key, (int64_t)time(NULL) - 60, 7200, &url, &err))) {
            return fail("presign_url", rc, err);
        }
        printf("%s\n", url);
        cos_string_free(url);
    }
    return 0;
}

int main(int argc, char **argv) {
    cos_client *c = NULL;
    cos_error *err = NULL;
    cos_status rc;
    const char *cmd;
    int ret;

    if (argc < 3) {
        return usage();
    }
    cmd = argv[1];
    if ((rc = cos_client_new_from_env(&c, &err))) {
        return fail("cos_client_new_from_env", rc, err);
    }
    if (strcmp(cmd, "mkbucket") == 0) {
        rc = cos_client_create_bucket(c, argv[2], &err);
        if (rc && strcmp(cos_error_code(err) ? cos_error_code(err) : "", "BucketAlreadyOwnedByYou") != 0) {
            ret = fail("create_bucket", rc, err);
        } else {
            cos_error_free(err);
            printf("{\"op\":\"mkbucket\"}\n");
            ret = 0;
        }
    } else if (strcmp(cmd, "presign") == 0 && argc >= 5) {
        char *url = NULL;
        uint32_t expires = argc >= 6 ? (uint32_t)strtoul(argv[5], NULL, 10) : 3600;
        rc = cos_client_presign_url(c, argv[4], argv[2], argv[3], (int64_t)time(NULL) - 60, expires + 60, &url,
                                    &err);
        if (rc) {
            ret = fail("presign_url", rc, err);
        } else {
            printf("%s\n", url);
            cos_string_free(url);
            ret = 0;
        }
    } else if (strcmp(cmd, "put") == 0 && argc >= 5) {
        ret = cmd_put(c, argc, argv);
    } else if (strcmp(cmd, "get") == 0 && argc >= 4) {
        ret = cmd_get(c, argc, argv);
    } else if ((strcmp(cmd, "upload") == 0 || strcmp(cmd, "download") == 0) && argc >= 7) {
        ret = cmd_transfer(c, argc, argv, cmd[0] == 'u');
    } else if (strcmp(cmd, "small") == 0 && argc >= 6) {
        ret = cmd_small(c, argv);
    } else if (strcmp(cmd, "presign-list") == 0 && argc >= 6) {
        ret = cmd_presign_list(c, argv);
    } else if ((strcmp(cmd, "tree-up") == 0 || strcmp(cmd, "tree-down") == 0) && argc >= 6) {
        ret = cmd_tree(c, argv, cmd[5] == 'u');
    } else if (strcmp(cmd, "delete") == 0 && argc >= 4) {
        ret = 0;
        for (int i = 3; i < argc && ret == 0; i++) {
            if ((rc = cos_client_delete_object(c, argv[2], argv[i], &err))) {
                ret = fail("delete_object", rc, err);
            }
        }
        if (ret == 0) {
            printf("{\"op\":\"delete\"}\n");
        }
    } else {
        ret = usage();
    }
    cos_client_free(c);
    fflush(stdout);
    return ret;
}
