/* transfer_callbacks.c: drives the streaming (read/write callbacks, cancellation), file, options, listing,
 * batch-delete, presign, configuration and transfer (progress, cancel token, reader/writer handles) parts of
 * the C API against a live cos-emulator, checking every result.
 *
 * Usage: transfer_callbacks SCRATCH_DIR   (with COS_SECRET_ID, COS_SECRET_KEY, COS_REGION=ap-guangzhou,
 *        COS_SCHEME=http, COS_ADDRESS=127.0.0.1:PORT in the environment). Run by tests/c_examples.rs,
 *        also under AddressSanitizer/UBSan and Valgrind: everything it allocates it frees.
 * Prints one line per failed check and "transfer_callbacks: N checks, 0 failed" at the end; exit 0 when
 * every check passed.
 */
#define _POSIX_C_SOURCE 200809L
#include "cos.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int checks = 0;
static int failures = 0;

static const char *or_null(const char *s) {
    return s ? s : "(null)";
}

static void print_error(const cos_error *err) {
    if (err == NULL) {
        return;
    }
    fprintf(stderr, "    error: %s | http %d | code %s | message %s | digest %s\n",
            cos_status_str(cos_error_status(err)), (int)cos_error_http_status(err),
            or_null(cos_error_code(err)), or_null(cos_error_message(err)), or_null(cos_error_digest(err)));
}

#define CHECK(cond)                                                                    \
    do {                                                                               \
        checks++;                                                                      \
        if (!(cond)) {                                                                 \
            failures++;                                                                \
            fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                              \
    } while (0)

/* Checks that a call returned `want`; prints the error otherwise. Leaves `err` for the caller to inspect. */
#define CHECK_RC(call, want)                                                                     \
    do {                                                                                         \
        cos_status rc_ = (call);                                                                 \
        checks++;                                                                                \
        if (rc_ != (want)) {                                                                     \
            failures++;                                                                          \
            fprintf(stderr, "FAILED %s:%d: %s returned %s, expected %s\n", __FILE__, __LINE__,   \
                    #call, cos_status_str(rc_), cos_status_str(want));                           \
            print_error(err);                                                                    \
            cos_error_free(err);                                                                 \
            err = NULL;                                                                          \
        } else if (rc_ != COS_OK && (err == NULL || cos_error_status(err) != rc_)) {             \
            failures++;                                                                          \
            fprintf(stderr, "FAILED %s:%d: %s: *err does not carry the status\n", __FILE__,     \
                    __LINE__, #call);                                                            \
        }                                                                                        \
    } while (0)

#define CHECK_OK(call) CHECK_RC(call, COS_OK)

static int str_eq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* Frees the error of the previous call and resets the pointer. */
static void clear(cos_error **err) {
    cos_error_free(*err);
    *err = NULL;
}

/* ---- CRC-64/XZ (COS's x-cos-hash-crc64ecma), computed independently of the library ---- */
static uint64_t crc_table[256];

static void crc64_init(void) {
    for (uint64_t i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ UINT64_C(0xC96C5795D7870F42) : c >> 1;
        }
        crc_table[i] = c;
    }
}

static uint64_t crc64(const uint8_t *p, size_t n) {
    uint64_t c = ~UINT64_C(0);
    for (size_t i = 0; i < n; i++) {
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    }
    return ~c;
}

/* ---- callbacks ---- */
typedef struct {
    const uint8_t *data;
    size_t len;
    size_t pos;
    size_t max_chunk;   /* hands out at most this many bytes per call */
    int cancel_at_call; /* 0: never; n: return non-zero on the n-th call */
    int calls;
} reader_state;

static int read_cb(void *userdata, uint8_t *buf, size_t cap, size_t *written) {
    reader_state *s = (reader_state *)userdata;
    size_t n = s->len - s->pos;
    s->calls++;
    if (s->cancel_at_call != 0 && s->calls >= s->cancel_at_call) {
        return 1;
    }
    if (n > cap) {
        n = cap;
    }
    if (n > s->max_chunk) {
        n = s->max_chunk;
    }
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    *written = n;
    return 0;
}

typedef struct {
    uint8_t *buf;
    size_t len;
    size_t cap;
    int cancel_at_call;
    int calls;
} writer_state;

static int write_cb(void *userdata, const uint8_t *data, size_t len) {
    writer_state *s = (writer_state *)userdata;
    s->calls++;
    if (s->cancel_at_call != 0 && s->calls >= s->cancel_at_call) {
        return 7;
    }
    if (s->len + len > s->cap) {
        return 2; /* more than the object: a bug, stop */
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return 0;
}

typedef struct {
    int calls;
    int cancel_at_call; /* 0: never */
    int monotonic;      /* `done` never decreased */
    uint64_t done;
    uint64_t total;
} progress_state;

static int progress_cb(void *userdata, uint64_t done, uint64_t total) {
    progress_state *s = (progress_state *)userdata;
    s->calls++;
    if (done < s->done) {
        s->monotonic = 0;
    }
    s->done = done;
    s->total = total;
    return s->cancel_at_call != 0 && s->calls >= s->cancel_at_call;
}

/* ---- helpers ---- */
static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (uint8_t *)malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        fclose(f);
        return 1;
    }
    return 0;
}

/* Number of entries (besides . and ..) in a directory. */
static int dir_entries(const char *path) {
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            n++;
        }
    }
    closedir(d);
    return n;
}

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : fallback;
}

/* A client built through every cos_client_config_* setter, equivalent to the environment's. */
static cos_client *configured_client(void) {
    cos_client_config *config = NULL;
    cos_client *client = NULL;
    cos_error *err = NULL;

    CHECK_OK(cos_client_config_from_env(&config, &err));
    if (config == NULL) {
        return NULL;
    }
    CHECK_OK(cos_client_config_set_region(config, "ap-guangzhou", &err));
    CHECK_OK(cos_client_config_set_credentials(config, env_or("COS_SECRET_ID", ""), env_or("COS_SECRET_KEY", ""),
                                               &err));
    /* a token the emulator does not know would be refused: removing it again must leave none behind */
    CHECK_OK(cos_client_config_set_session_token(config, "not-a-token", &err));
    CHECK_OK(cos_client_config_set_session_token(config, NULL, &err));
    CHECK_RC(cos_client_config_set_scheme(config, "ftp", &err), COS_INVALID_ARGUMENT);
    CHECK(contains(cos_error_message(err), "scheme"));
    clear(&err);
    CHECK_OK(cos_client_config_set_scheme(config, "HTTP", &err));
    CHECK_OK(cos_client_config_set_endpoint(config, "cos.ap-guangzhou.myqcloud.com", &err));
    CHECK_OK(cos_client_config_set_service_host(config, "service.cos.myqcloud.com", &err));
    CHECK_OK(cos_client_config_set_address(config, env_or("COS_ADDRESS", ""), &err));
    CHECK_OK(cos_client_config_set_user_agent(config, "cos-c-test/1.0", &err));
    CHECK_OK(cos_client_config_set_timeouts(config, 5000, 30000, &err));
    CHECK_OK(cos_client_config_set_max_retries(config, 1, &err));
    CHECK_OK(cos_client_config_set_clock_offset(config, 0, &err));
    CHECK_OK(cos_client_config_set_sign_validity(config, 600, &err));
    CHECK_OK(cos_client_config_set_operation_timeout(config, 120000, &err));
    CHECK_OK(cos_client_config_set_switch_domain(config, false, &err));
    CHECK_OK(cos_client_new(config, &client, &err));
    /* the configuration stays the caller's and may be freed at once */
    cos_client_config_free(config);
    clear(&err);
    return client;
}

static void test_config_errors(void) {
    cos_client_config *config = cos_client_config_new();
    cos_client *client = NULL;
    cos_bytes *data = NULL;
    cos_error *err = NULL;

    CHECK(config != NULL);
    /* no region and no credentials: refused when the client is built */
    CHECK_RC(cos_client_new(config, &client, &err), COS_INVALID_ARGUMENT);
    CHECK(client == NULL);
    CHECK(cos_error_message(err) != NULL);
    clear(&err);

    /* a closed port, 2 retries: a network error after 3 attempts, no HTTP status, no code */
    CHECK_OK(cos_client_config_set_region(config, "ap-guangzhou", &err));
    CHECK_OK(cos_client_config_set_credentials(config, "AKIDexample", "secret", &err));
    CHECK_OK(cos_client_config_set_scheme(config, "http", &err));
    CHECK_OK(cos_client_config_set_address(config, "127.0.0.1:1", &err));
    CHECK_OK(cos_client_config_set_timeouts(config, 500, 500, &err));
    CHECK_OK(cos_client_config_set_max_retries(config, 2, &err));
    CHECK_OK(cos_client_new(config, &client, &err));
    {
        /* refused here; a firewall that drops the packets would make it a timeout */
        cos_status rc = cos_client_get_object(client, "examplebucket-1250000000", "k", &data, &err);
        CHECK(rc == COS_NETWORK_ERROR || rc == COS_TIMEOUT);
        CHECK(err != NULL && cos_error_status(err) == rc);
    }
    CHECK(data == NULL);
    CHECK(cos_error_http_status(err) == 0);
    CHECK(cos_error_code(err) == NULL);
    CHECK(cos_error_request_id(err) == NULL);
    CHECK(cos_error_raw_xml(err) == NULL);
    CHECK(cos_error_attempts(err) == 3);
    /* the secret key never shows up in an error */
    CHECK(!contains(cos_error_message(err), "secret") && !contains(cos_error_digest(err), "secret"));
    clear(&err);
    cos_client_free(client);
    cos_client_config_free(config);
}

static void test_status_and_version(void) {
    const char *v = cos_version();
    unsigned major = 0, minor = 0, patch = 0;
    char tail = 0;
    CHECK(v != NULL && sscanf(v, "%u.%u.%u%c", &major, &minor, &patch, &tail) == 3);
    CHECK(str_eq(cos_status_str(COS_OK), "COS_OK: success"));
    CHECK(contains(cos_status_str(COS_INVALID_ARGUMENT), "COS_INVALID_ARGUMENT"));
    CHECK(contains(cos_status_str(COS_NETWORK_ERROR), "COS_NETWORK_ERROR"));
    CHECK(contains(cos_status_str(COS_TIMEOUT), "COS_TIMEOUT"));
    CHECK(contains(cos_status_str(COS_IO_ERROR), "COS_IO_ERROR"));
    CHECK(contains(cos_status_str(COS_CHECKSUM_MISMATCH), "COS_CHECKSUM_MISMATCH"));
    CHECK(contains(cos_status_str(COS_CANCELLED), "COS_CANCELLED"));
    CHECK(contains(cos_status_str(COS_PARSE_ERROR), "COS_PARSE_ERROR"));
    CHECK(contains(cos_status_str(COS_INTERNAL_ERROR), "COS_INTERNAL_ERROR"));
    CHECK(contains(cos_status_str(COS_SERVICE_ERROR), "COS_SERVICE_ERROR"));
    CHECK(str_eq(cos_status_str((cos_status)1000), "unknown status"));
    CHECK(str_eq(cos_status_str((cos_status)-1), "unknown status"));
}

static void test_presign(const cos_client *client, const char *bucket) {
    cos_client_config *config = NULL;
    cos_client *other = NULL;
    cos_error *err = NULL;
    char *url = NULL;
    char prefix[256];
    const char *sig;
    size_t i;

    CHECK_OK(cos_client_presign_url(client, "GET", bucket, "dir/a b+c.txt", 1700000000, 600, &url, &err));
    snprintf(prefix, sizeof prefix, "http://%s.cos.ap-guangzhou.myqcloud.com/dir/a%%20b%%2Bc.txt?", bucket);
    CHECK(url != NULL && strncmp(url, prefix, strlen(prefix)) == 0);
    CHECK(contains(url, "q-sign-algorithm=sha1"));
    CHECK(contains(url, "&q-ak=AKID"));
    CHECK(contains(url, "q-sign-time=1700000000%3B1700000600") || contains(url, "q-sign-time=1700000000;1700000600"));
    CHECK(contains(url, "q-key-time=1700000000%3B1700000600") || contains(url, "q-key-time=1700000000;1700000600"));
    CHECK(contains(url, "q-header-list=host"));
    CHECK(!contains(url, "x-cos-security-token"));
    CHECK(!contains(url, env_or("COS_SECRET_KEY", "(no secret)")));
    sig = url != NULL ? strstr(url, "q-signature=") : NULL;
    CHECK(sig != NULL);
    if (sig != NULL) {
        sig += strlen("q-signature=");
        for (i = 0; i < 40; i++) {
            CHECK(strchr("0123456789abcdef", sig[i]) != NULL && sig[i] != '\0');
        }
        CHECK(sig[40] == '\0' || sig[40] == '&');
    }
    cos_string_free(url);
    url = NULL;

    CHECK_RC(cos_client_presign_url(client, "G E T", bucket, "k", 1700000000, 600, &url, &err),
             COS_INVALID_ARGUMENT);
    CHECK(url == NULL);
    clear(&err);

    /* a custom domain is the whole host; a session token is a signed query parameter */
    CHECK_OK(cos_client_config_from_env(&config, &err));
    CHECK_OK(cos_client_config_set_domain(config, "files.example.com", &err));
    CHECK_OK(cos_client_config_set_scheme(config, "https", &err));
    CHECK_OK(cos_client_config_set_session_token(config, "token/with+chars", &err));
    CHECK_OK(cos_client_new(config, &other, &err));
    CHECK_OK(cos_client_presign_url(other, "PUT", bucket, "k", 1700000000, 60, &url, &err));
    CHECK(url != NULL && strncmp(url, "https://files.example.com/k?", strlen("https://files.example.com/k?")) == 0);
    CHECK(contains(url, "x-cos-security-token=token%2Fwith%2Bchars"));
    CHECK(contains(url, "q-header-list=host") && contains(url, "x-cos-security-token"));
    cos_string_free(url);
    cos_client_free(other);
    cos_client_config_free(config);
    clear(&err);
}

static void test_buckets(const cos_client *client, const char *bucket) {
    cos_object_info *info = NULL;
    cos_bucket_list *list = NULL;
    cos_error *err = NULL;
    size_t i;
    int found = 0;

    CHECK_OK(cos_client_head_bucket(client, bucket, &info, &err));
    CHECK(str_eq(cos_object_info_header(info, "x-cos-bucket-region"), "ap-guangzhou"));
    cos_object_info_free(info);
    info = NULL;
    CHECK_OK(cos_client_head_bucket(client, bucket, NULL, &err));
    CHECK_RC(cos_client_head_bucket(client, "missing-1250000000", &info, &err), COS_SERVICE_ERROR);
    CHECK(info == NULL);
    CHECK(cos_error_http_status(err) == 404 && str_eq(cos_error_code(err), "NoSuchBucket"));
    clear(&err);

    CHECK_OK(cos_client_list_buckets(client, &list, &err));
    for (i = 0; i < cos_bucket_list_count(list); i++) {
        if (str_eq(cos_bucket_list_name(list, i), bucket)) {
            found = 1;
            CHECK(str_eq(cos_bucket_list_region(list, i), "ap-guangzhou"));
            CHECK(cos_bucket_list_creation_date(list, i) != NULL);
        }
    }
    CHECK(found);
    i = cos_bucket_list_count(list);
    CHECK(cos_bucket_list_name(list, i) == NULL && cos_bucket_list_region(list, i) == NULL &&
          cos_bucket_list_creation_date(list, i) == NULL);
    cos_bucket_list_free(list);
}

/* Streams up and down with callbacks; `data` is the object, `len` bytes. */
static void test_streams(const cos_client *client, const char *bucket, const uint8_t *data, size_t len) {
    cos_request_options *opts = cos_request_options_new();
    cos_object_info *info = NULL;
    cos_error *err = NULL;
    reader_state rs;
    writer_state ws;
    uint64_t crc = 0;
    bool exists = true;
    size_t i;
    int seen_content_type = 0;

    CHECK_OK(cos_request_options_set_metadata(opts, "author", "c-test", &err));
    CHECK_OK(cos_request_options_set_metadata(opts, "x-cos-meta-Colour", "blue", &err));
    CHECK_OK(cos_request_options_set_content_type(opts, "application/x-test", &err));
    CHECK_OK(cos_request_options_set_content_md5(opts, true, &err));

    memset(&rs, 0, sizeof rs);
    rs.data = data;
    rs.len = len;
    rs.max_chunk = 100000;
    CHECK_OK(cos_client_put_object_from_reader(client, bucket, "stream/object", read_cb, &rs, (uint64_t)len, opts,
                                               &info, &err));
    CHECK(rs.pos == len);
    CHECK(rs.calls > 2);
    CHECK(cos_object_info_etag(info) != NULL && cos_object_info_etag(info)[0] == '"');
    CHECK(cos_object_info_crc64(info, &crc) && crc == crc64(data, len));
    cos_object_info_free(info);
    info = NULL;

    /* headers of the object */
    CHECK_OK(cos_client_head_object(client, bucket, "stream/object", NULL, &info, &err));
    CHECK(cos_object_info_content_length(info) == (int64_t)len);
    CHECK(str_eq(cos_object_info_metadata(info, "author"), "c-test"));
    CHECK(str_eq(cos_object_info_metadata(info, "x-cos-meta-author"), "c-test"));
    CHECK(str_eq(cos_object_info_metadata(info, "AUTHOR"), "c-test"));
    CHECK(str_eq(cos_object_info_metadata(info, "colour"), "blue"));
    CHECK(cos_object_info_metadata(info, "missing") == NULL);
    CHECK(str_eq(cos_object_info_header(info, "CONTENT-TYPE"), "application/x-test"));
    CHECK(cos_object_info_header(info, "x-no-such-header") == NULL);
    CHECK(cos_object_info_header_count(info) > 3);
    for (i = 0; i < cos_object_info_header_count(info); i++) {
        const char *name = cos_object_info_header_name(info, i);
        CHECK(name != NULL && cos_object_info_header_value(info, i) != NULL);
        if (name != NULL && strlen(name) == 12 && strncmp(name + 1, "ontent-", 7) == 0 &&
            str_eq(cos_object_info_header_value(info, i), "application/x-test")) {
            seen_content_type = 1;
        }
    }
    CHECK(seen_content_type);
    CHECK(cos_object_info_header_name(info, i) == NULL && cos_object_info_header_value(info, i) == NULL);
    CHECK(cos_object_info_crc64(info, &crc) && crc == crc64(data, len));
    CHECK(!cos_object_info_crc64(info, NULL));
    cos_object_info_free(info);
    info = NULL;

    /* download through the write callback */
    memset(&ws, 0, sizeof ws);
    ws.cap = len;
    ws.buf = (uint8_t *)malloc(len);
    CHECK_OK(cos_client_get_object_to_writer(client, bucket, "stream/object", write_cb, &ws, NULL, &info, &err));
    CHECK(ws.len == len && memcmp(ws.buf, data, len) == 0);
    CHECK(ws.calls >= 1);
    CHECK(cos_object_info_content_length(info) == (int64_t)len);
    cos_object_info_free(info);
    info = NULL;

    /* a write callback that stops: COS_CANCELLED, not a network or service error */
    ws.len = 0;
    ws.calls = 0;
    ws.cancel_at_call = 1;
    CHECK_RC(cos_client_get_object_to_writer(client, bucket, "stream/object", write_cb, &ws, NULL, &info, &err),
             COS_CANCELLED);
    CHECK(info == NULL);
    CHECK(ws.calls == 1);
    CHECK(cos_error_http_status(err) == 0 || cos_error_http_status(err) == 200);
    CHECK(cos_error_code(err) == NULL);
    CHECK(cos_error_message(err) != NULL);
    clear(&err);
    free(ws.buf);

    /* a read callback that stops on its third call: COS_CANCELLED, and no object is created */
    memset(&rs, 0, sizeof rs);
    rs.data = data;
    rs.len = len;
    rs.max_chunk = 1000;
    rs.cancel_at_call = 3;
    CHECK_RC(cos_client_put_object_from_reader(client, bucket, "stream/cancelled", read_cb, &rs, (uint64_t)len,
                                               NULL, &info, &err),
             COS_CANCELLED);
    CHECK(info == NULL);
    CHECK(rs.calls == 3);
    CHECK(cos_error_message(err) != NULL);
    clear(&err);
    CHECK_OK(cos_client_object_exists(client, bucket, "stream/cancelled", &exists, &err));
    CHECK(!exists);

    /* a read callback that ends early (half the announced length): the upload fails, no object */
    memset(&rs, 0, sizeof rs);
    rs.data = data;
    rs.len = len / 2;
    rs.max_chunk = 65536;
    {
        cos_status rc = cos_client_put_object_from_reader(client, bucket, "stream/short", read_cb, &rs,
                                                          (uint64_t)len, NULL, &info, &err);
        CHECK(rc != COS_OK && rc != COS_INTERNAL_ERROR);
        CHECK(err != NULL && cos_error_status(err) == rc && cos_error_message(err) != NULL);
        CHECK(info == NULL);
        clear(&err);
    }
    exists = true;
    CHECK_OK(cos_client_object_exists(client, bucket, "stream/short", &exists, &err));
    CHECK(!exists);

    /* a read callback that produces more than announced: only content_length bytes are sent or it fails */
    memset(&rs, 0, sizeof rs);
    rs.data = data;
    rs.len = len;
    rs.max_chunk = 65536;
    {
        cos_bytes *got = NULL;
        cos_status rc = cos_client_put_object_from_reader(client, bucket, "stream/long", read_cb, &rs, 1000, NULL,
                                                          NULL, &err);
        if (rc == COS_OK) {
            CHECK_OK(cos_client_get_object(client, bucket, "stream/long", &got, &err));
            CHECK(cos_bytes_len(got) == 1000 && memcmp(cos_bytes_data(got), data, 1000) == 0);
            cos_bytes_free(got);
        } else {
            CHECK(rc != COS_INTERNAL_ERROR && cos_error_status(err) == rc);
        }
        clear(&err);
    }
    cos_request_options_free(opts);
}

static void test_files_and_ranges(const cos_client *client, const char *bucket, const char *dir,
                                  const uint8_t *data, size_t len) {
    cos_request_options *opts = cos_request_options_new();
    cos_object_info *info = NULL;
    cos_bytes *got = NULL;
    cos_error *err = NULL;
    char path[1024], upload[1024], missing[1024], nodir[1024];
    uint8_t *file;
    size_t file_len = 0;
    uint64_t crc = 0;
    uint8_t sse_key[32];
    const char *etag;
    char etag_copy[128];

    snprintf(path, sizeof path, "%s/downloads/object.bin", dir);
    snprintf(upload, sizeof upload, "%s/upload.bin", dir);
    snprintf(missing, sizeof missing, "%s/downloads/missing.bin", dir);
    snprintf(nodir, sizeof nodir, "%s/no/such/dir/object.bin", dir);

    /* upload from a file, download to a file */
    {
        FILE *f = fopen(upload, "wb");
        CHECK(f != NULL);
        if (f != NULL) {
            CHECK(fwrite(data, 1, len, f) == len);
            fclose(f);
        }
    }
    CHECK_OK(cos_client_put_object_from_file(client, bucket, "file/object", upload, NULL, NULL, &err));
    CHECK_RC(cos_client_put_object_from_file(client, bucket, "file/x", missing, NULL, NULL, &err), COS_IO_ERROR);
    CHECK(cos_error_http_status(err) == 0 && cos_error_message(err) != NULL);
    clear(&err);

    {
        char downloads[1024];
        snprintf(downloads, sizeof downloads, "%s/downloads", dir);
        CHECK(mkdir(downloads, 0755) == 0);
        CHECK_OK(cos_client_get_object_to_file(client, bucket, "file/object", path, NULL, &info, &err));
        file = read_file(path, &file_len);
        CHECK(file != NULL && file_len == len && memcmp(file, data, len) == 0);
        free(file);
        CHECK(cos_object_info_crc64(info, &crc) && crc == crc64(data, len));
        cos_object_info_free(info);
        info = NULL;

        /* a missing key: the service error, and no file (not even a temporary one) is left behind */
        CHECK_RC(cos_client_get_object_to_file(client, bucket, "file/missing", missing, NULL, &info, &err),
                 COS_SERVICE_ERROR);
        CHECK(cos_error_http_status(err) == 404 && str_eq(cos_error_code(err), "NoSuchKey"));
        CHECK(cos_error_request_id(err) != NULL && cos_error_raw_xml(err) != NULL);
        CHECK(contains(cos_error_raw_xml(err), "<Code>NoSuchKey</Code>"));
        clear(&err);
        CHECK(info == NULL);
        CHECK(!file_exists(missing));
        CHECK(dir_entries(downloads) == 1);
    }
    CHECK_RC(cos_client_get_object_to_file(client, bucket, "file/object", nodir, NULL, NULL, &err), COS_IO_ERROR);
    clear(&err);

    /* ranges */
    CHECK_OK(cos_request_options_set_range(opts, 10, 19, &err));
    CHECK_OK(cos_client_get_object_ex(client, bucket, "file/object", opts, &got, &info, &err));
    CHECK(cos_bytes_len(got) == 10 && memcmp(cos_bytes_data(got), data + 10, 10) == 0);
    CHECK(cos_object_info_content_length(info) == 10);
    CHECK(contains(cos_object_info_header(info, "content-range"), "bytes 10-19/"));
    cos_bytes_free(got);
    cos_object_info_free(info);
    got = NULL;
    info = NULL;
    CHECK_OK(cos_request_options_set_range(opts, (uint64_t)len - 5, -1, &err));
    CHECK_OK(cos_client_get_object_ex(client, bucket, "file/object", opts, &got, NULL, &err));
    CHECK(cos_bytes_len(got) == 5 && memcmp(cos_bytes_data(got), data + len - 5, 5) == 0);
    cos_bytes_free(got);
    got = NULL;
    CHECK_OK(cos_request_options_set_range(opts, 100, 199, &err));
    CHECK_OK(cos_client_get_object_to_file(client, bucket, "file/object", path, opts, NULL, &err));
    file = read_file(path, &file_len);
    CHECK(file != NULL && file_len == 100 && memcmp(file, data + 100, 100) == 0);
    free(file);
    CHECK_RC(cos_request_options_set_range(opts, 20, 19, &err), COS_INVALID_ARGUMENT);
    clear(&err);
    cos_request_options_free(opts);

    /* conditions */
    CHECK_OK(cos_client_head_object(client, bucket, "file/object", NULL, &info, &err));
    etag = cos_object_info_etag(info);
    snprintf(etag_copy, sizeof etag_copy, "%s", or_null(etag));
    cos_object_info_free(info);
    info = NULL;
    opts = cos_request_options_new();
    CHECK_OK(cos_request_options_set_if_none_match(opts, etag_copy, &err));
    CHECK_RC(cos_client_get_object_ex(client, bucket, "file/object", opts, &got, NULL, &err), COS_SERVICE_ERROR);
    CHECK(got == NULL && cos_error_http_status(err) == 304);
    clear(&err);
    cos_request_options_free(opts);
    opts = cos_request_options_new();
    CHECK_OK(cos_request_options_set_if_match(opts, "\"0123456789abcdef0123456789abcdef\"", &err));
    CHECK_RC(cos_client_get_object_ex(client, bucket, "file/object", opts, &got, NULL, &err), COS_SERVICE_ERROR);
    CHECK(cos_error_http_status(err) == 412 && str_eq(cos_error_code(err), "PreconditionFailed"));
    clear(&err);
    cos_request_options_free(opts);

    /* option setters that validate their input */
    opts = cos_request_options_new();
    memset(sse_key, 7, sizeof sse_key);
    CHECK_OK(cos_request_options_set_sse_customer_key(opts, sse_key, sizeof sse_key, &err));
    CHECK_RC(cos_request_options_set_sse_customer_key(opts, sse_key, 31, &err), COS_INVALID_ARGUMENT);
    clear(&err);
    CHECK_OK(cos_request_options_set_traffic_limit(opts, 819200, &err));
    CHECK_RC(cos_request_options_set_traffic_limit(opts, 1, &err), COS_INVALID_ARGUMENT);
    clear(&err);
    CHECK_RC(cos_request_options_set_header(opts, "Authorization", "x", &err), COS_INVALID_ARGUMENT);
    CHECK(contains(cos_error_message(err), "Authorization"));
    clear(&err);
    CHECK_RC(cos_request_options_set_header(opts, "X-Bad\r\nName", "x", &err), COS_INVALID_ARGUMENT);
    clear(&err);
    CHECK_RC(cos_request_options_set_header(opts, "x-cos-meta-ok", "bad\r\nvalue", &err), COS_INVALID_ARGUMENT);
    clear(&err);
    CHECK_OK(cos_request_options_set_storage_class(opts, "STANDARD_IA", &err));
    CHECK_OK(cos_request_options_set_acl(opts, "private", &err));
    CHECK_OK(cos_request_options_set_server_side_encryption(opts, "cos/kms", NULL, &err));
    CHECK_OK(cos_request_options_set_if_modified_since(opts, "Wed, 21 Oct 2015 07:28:00 GMT", &err));
    CHECK_OK(cos_request_options_set_if_unmodified_since(opts, "Wed, 21 Oct 2015 07:28:00 GMT", &err));
    CHECK_OK(cos_request_options_set_version_id(opts, "v1", &err));
    CHECK_OK(cos_request_options_set_response_header(opts, "content-disposition", "attachment", &err));
    CHECK_OK(cos_request_options_set_query(opts, "a", "", &err));
    CHECK_OK(cos_request_options_set_header(opts, "x-cos-custom", "1", &err));
    CHECK_OK(cos_request_options_set_verify_crc(opts, false, &err));
    cos_request_options_free(opts);

    /* response-header overrides reach the GET answer */
    opts = cos_request_options_new();
    CHECK_OK(cos_request_options_set_response_header(opts, "content-disposition", "attachment; filename=x.bin", &err));
    CHECK_OK(cos_client_get_object_ex(client, bucket, "file/object", opts, &got, &info, &err));
    CHECK(str_eq(cos_object_info_header(info, "content-disposition"), "attachment; filename=x.bin"));
    cos_bytes_free(got);
    cos_object_info_free(info);
    got = NULL;
    info = NULL;
    cos_request_options_free(opts);

    /* server-side copy with replaced metadata */
    opts = cos_request_options_new();
    CHECK_OK(cos_request_options_set_metadata_directive(opts, "Replaced", &err));
    CHECK_OK(cos_request_options_set_metadata(opts, "copied", "yes", &err));
    CHECK_OK(cos_client_copy_object(client, bucket, "file/copy", bucket, "file/object", opts, &info, &err));
    CHECK(cos_object_info_crc64(info, &crc) && crc == crc64(data, len));
    cos_object_info_free(info);
    info = NULL;
    cos_request_options_free(opts);
    CHECK_OK(cos_client_head_object(client, bucket, "file/copy", NULL, &info, &err));
    CHECK(str_eq(cos_object_info_metadata(info, "copied"), "yes"));
    CHECK(cos_object_info_content_length(info) == (int64_t)len);
    cos_object_info_free(info);
    info = NULL;

    CHECK_RC(cos_client_head_object(client, bucket, "file/none", NULL, &info, &err), COS_SERVICE_ERROR);
    CHECK(info == NULL && cos_error_http_status(err) == 404 && str_eq(cos_error_code(err), "NoSuchResource"));
    CHECK(cos_error_raw_xml(err) == NULL);
    CHECK(cos_error_request_id(err) != NULL);
    clear(&err);

    CHECK_OK(cos_client_delete_object_ex(client, bucket, "file/copy", NULL, &info, &err));
    cos_object_info_free(info);
    CHECK_OK(cos_client_delete_object(client, bucket, "file/copy", &err)); /* deleting a missing key succeeds */
}

/* The transfer layer on objects of one part: files with progress, cancellation by callback and by token,
 * streams of unknown length, the pull-style reader and the push-style writer, server-side copy. */
static void test_transfers(const cos_client *client, const char *bucket, const char *dir, const uint8_t *data,
                           size_t len) {
    cos_transfer_options *topts = cos_transfer_options_new();
    cos_cancel_token *token = cos_cancel_token_new();
    cos_object_info *info = NULL;
    cos_object_reader *reader = NULL;
    cos_object_writer *writer = NULL;
    cos_bytes *got = NULL;
    cos_error *err = NULL;
    progress_state ps;
    struct {
        reader_state read;
        progress_state progress;
    } ss;
    char upload[1024], download[1024];
    uint8_t *file;
    uint8_t *buf;
    uint8_t chunk[7777];
    size_t file_len = 0, n = 0, total = 0;
    uint64_t crc = 0;

    snprintf(upload, sizeof upload, "%s/transfer-upload.bin", dir);
    snprintf(download, sizeof download, "%s/transfer-download.bin", dir);
    {
        FILE *f = fopen(upload, "wb");
        CHECK(f != NULL && fwrite(data, 1, len, f) == len);
        if (f != NULL) {
            fclose(f);
        }
    }
    CHECK_OK(cos_transfer_options_set_concurrency(topts, 2, &err));
    CHECK_OK(cos_transfer_options_set_resumable(topts, false, &err));
    CHECK_RC(cos_transfer_options_set_concurrency(topts, 0, &err), COS_INVALID_ARGUMENT);
    clear(&err);

    /* upload_file with progress: monotonic, ending at the file's size */
    memset(&ps, 0, sizeof ps);
    ps.monotonic = 1;
    CHECK_OK(cos_client_upload_file(client, bucket, "xfer/file", upload, topts, progress_cb, &ps, &info, &err));
    CHECK(ps.calls >= 1 && ps.monotonic && ps.done == len && ps.total == len);
    CHECK(cos_object_info_crc64(info, &crc) && crc == crc64(data, len));
    cos_object_info_free(info);
    info = NULL;

    /* download_file with progress */
    memset(&ps, 0, sizeof ps);
    ps.monotonic = 1;
    CHECK_OK(cos_client_download_file(client, bucket, "xfer/file", download, topts, progress_cb, &ps, NULL, &err));
    file = read_file(download, &file_len);
    CHECK(file != NULL && file_len == len && memcmp(file, data, len) == 0);
    free(file);
    CHECK(ps.calls >= 1 && ps.monotonic && ps.done == len);

    /* a progress callback that stops the transfer: COS_CANCELLED, no object */
    memset(&ps, 0, sizeof ps);
    ps.cancel_at_call = 1;
    CHECK_RC(cos_client_upload_file(client, bucket, "xfer/cancelled", upload, topts, progress_cb, &ps, &info, &err),
             COS_CANCELLED);
    CHECK(info == NULL && ps.calls == 1);
    clear(&err);

    /* a cancel token cancelled beforehand: COS_CANCELLED */
    CHECK(!cos_cancel_token_is_cancelled(token));
    CHECK_OK(cos_transfer_options_set_cancel_token(topts, token, &err));
    cos_cancel_token_cancel(token);
    CHECK(cos_cancel_token_is_cancelled(token));
    CHECK_RC(cos_client_download_file(client, bucket, "xfer/file", download, topts, NULL, NULL, NULL, &err),
             COS_CANCELLED);
    clear(&err);
    CHECK_OK(cos_transfer_options_set_cancel_token(topts, NULL, &err));

    /* a stream of unknown length; read and progress each get their own userdata */
    memset(&ss, 0, sizeof ss);
    ss.read.data = data;
    ss.read.len = len;
    ss.read.max_chunk = 50000;
    ss.progress.monotonic = 1;
    CHECK_OK(cos_client_upload_from_reader(client, bucket, "xfer/stream", read_cb, &ss.read, topts, progress_cb,
                                           &ss.progress, NULL, &err));
    CHECK(ss.read.pos == len && ss.progress.monotonic && ss.progress.done == len);
    CHECK_OK(cos_client_get_object(client, bucket, "xfer/stream", &got, &err));
    CHECK(cos_bytes_len(got) == len && memcmp(cos_bytes_data(got), data, len) == 0);
    cos_bytes_free(got);
    got = NULL;

    /* the push-style writer: three writes, then finish */
    CHECK_OK(cos_object_writer_open(client, bucket, "xfer/written", topts, &writer, &err));
    CHECK_OK(cos_object_writer_write(writer, data, 1000, &err));
    CHECK_OK(cos_object_writer_write(writer, NULL, 0, &err));
    CHECK_OK(cos_object_writer_write(writer, data + 1000, len - 1000, &err));
    CHECK_OK(cos_object_writer_finish(writer, &info, &err));
    CHECK(cos_object_info_etag(info) != NULL);
    cos_object_info_free(info);
    info = NULL;
    cos_object_writer_free(writer);
    CHECK_OK(cos_client_get_object(client, bucket, "xfer/written", &got, &err));
    CHECK(cos_bytes_len(got) == len && memcmp(cos_bytes_data(got), data, len) == 0);
    cos_bytes_free(got);
    got = NULL;

    /* an explicit abort after a part went up: no upload and no object remain, the writer refuses further
     * writes and finish with a message saying so, a second abort does nothing, and the handle is still freed */
    {
        cos_transfer_options *small = cos_transfer_options_new();
        cos_upload_list *uploads = NULL;
        bool exists = true;
        CHECK_OK(cos_transfer_options_set_part_size(small, 1u << 20, &err));
        CHECK_OK(cos_object_writer_open(client, bucket, "xfer/aborted", small, &writer, &err));
        CHECK_OK(cos_object_writer_write(writer, data, len, &err)); /* more than a part: the upload started */
        CHECK_OK(cos_client_list_multipart_uploads(client, bucket, "xfer/aborted", NULL, NULL, NULL, 0, &uploads,
                                                   &err));
        CHECK(cos_upload_list_count(uploads) == 1);
        cos_upload_list_free(uploads);
        uploads = NULL;
        CHECK_OK(cos_object_writer_abort(writer, &err));
        CHECK_OK(cos_client_list_multipart_uploads(client, bucket, "xfer/aborted", NULL, NULL, NULL, 0, &uploads,
                                                   &err));
        CHECK(cos_upload_list_count(uploads) == 0);
        cos_upload_list_free(uploads);
        CHECK_RC(cos_object_writer_write(writer, data, 10, &err), COS_INVALID_ARGUMENT);
        CHECK(contains(cos_error_message(err), "aborted"));
        clear(&err);
        CHECK_RC(cos_object_writer_finish(writer, &info, &err), COS_INVALID_ARGUMENT);
        CHECK(info == NULL && contains(cos_error_message(err), "aborted"));
        clear(&err);
        CHECK_OK(cos_object_writer_abort(writer, &err));
        cos_object_writer_free(writer);
        writer = NULL;
        CHECK_OK(cos_client_object_exists(client, bucket, "xfer/aborted", &exists, &err));
        CHECK(!exists);
        CHECK_RC(cos_object_writer_abort(NULL, &err), COS_INVALID_ARGUMENT);
        clear(&err);
        cos_transfer_options_free(small);
    }

    /* the pull-style reader, in small reads until *n == 0 */
    buf = (uint8_t *)malloc(len);
    CHECK_OK(cos_object_reader_open(client, bucket, "xfer/file", NULL, &reader, &err));
    CHECK(cos_object_info_content_length(cos_object_reader_info(reader)) == (int64_t)len);
    while (reader != NULL) {
        n = 0;
        if (cos_object_reader_read(reader, chunk, sizeof chunk, &n, &err) != COS_OK) {
            CHECK(!"cos_object_reader_read failed");
            print_error(err);
            clear(&err);
            break;
        }
        if (n == 0) {
            break; /* the whole object, CRC-64 verified */
        }
        if (n > sizeof chunk || total + n > len) {
            CHECK(!"the reader returned more bytes than asked or than the object has");
            break;
        }
        memcpy(buf + total, chunk, n);
        total += n;
    }
    CHECK(total == len && memcmp(buf, data, len) == 0);
    cos_object_reader_free(reader);
    free(buf);

    /* server-side copy */
    CHECK_OK(cos_client_copy(client, bucket, "xfer/copy", bucket, "xfer/file", topts, NULL, NULL, &info, &err));
    cos_object_info_free(info);
    info = NULL;
    CHECK_OK(cos_client_head_object(client, bucket, "xfer/copy", NULL, &info, &err));
    CHECK(cos_object_info_content_length(info) == (int64_t)len);
    cos_object_info_free(info);

    cos_transfer_options_free(topts);
    cos_cancel_token_free(token);
}

/* A part-copy of a byte range of another object, set through the request options. */
static void test_part_copy(const cos_client *client, const char *bucket, const uint8_t *data) {
    cos_error *err = NULL;
    cos_request_options *opts = cos_request_options_new();
    cos_part_list *parts = cos_part_list_new();
    cos_part *part = NULL;
    cos_bytes *got = NULL;
    char *upload_id = NULL;

    CHECK_OK(cos_client_put_object(client, bucket, "copy/src", data, 1000, &err));
    CHECK_RC(cos_request_options_set_copy_source_range(opts, 10, 5, &err), COS_INVALID_ARGUMENT);
    cos_error_free(err);
    err = NULL;
    CHECK_OK(cos_request_options_set_copy_source_range(opts, 100, 599, &err));
    CHECK_OK(cos_client_create_multipart_upload(client, bucket, "copy/dst", NULL, &upload_id, &err));
    CHECK_OK(cos_client_upload_part_copy(client, bucket, "copy/dst", upload_id, 1, bucket, "copy/src", opts, &part,
                                         &err));
    CHECK(part != NULL && cos_part_size(part) == 500);
    CHECK_OK(cos_part_list_push(parts, part, &err));
    CHECK_OK(cos_client_complete_multipart_upload(client, bucket, "copy/dst", upload_id, parts, NULL, NULL, &err));
    CHECK_OK(cos_client_get_object(client, bucket, "copy/dst", &got, &err));
    CHECK(got != NULL && cos_bytes_len(got) == 500 && memcmp(cos_bytes_data(got), data + 100, 500) == 0);
    cos_bytes_free(got);
    cos_part_free(part);
    cos_part_list_free(parts);
    cos_string_free(upload_id);
    cos_request_options_free(opts);
}

static void test_listing_and_batch_delete(const cos_client *client, const char *bucket) {
    static const char *const keys[] = {"page/k0", "page/k1", "page/k2", "page/k3", "page/k4",
                                       "page/k5", "page/k6", "page/sub/a", "page/sub/b"};
    const size_t nkeys = sizeof keys / sizeof keys[0];
    cos_object_iter *iter = NULL;
    cos_object_list *page = NULL;
    cos_object_list *list = NULL;
    cos_delete_result *result = NULL;
    cos_error *err = NULL;
    size_t i, seen = 0, pages = 0;
    int order_ok = 1;
    char marker[256];

    for (i = 0; i < nkeys; i++) {
        CHECK_OK(cos_client_put_object(client, bucket, keys[i], (const uint8_t *)keys[i], strlen(keys[i]), &err));
    }

    /* paging with the iterator: pages of 3, then NULL */
    CHECK_OK(cos_object_iter_new(client, bucket, "page/", NULL, 3, &iter, &err));
    for (;;) {
        CHECK_OK(cos_object_iter_next(iter, &page, &err));
        if (page == NULL) {
            break;
        }
        pages++;
        CHECK(cos_object_list_count(page) <= 3);
        for (i = 0; i < cos_object_list_count(page); i++) {
            if (seen + i >= nkeys || !str_eq(cos_object_list_key(page, i), keys[seen + i])) {
                order_ok = 0;
            }
            CHECK(cos_object_list_size(page, i) == strlen(keys[(seen + i) % nkeys]));
            CHECK(cos_object_list_etag(page, i) != NULL);
            CHECK(cos_object_list_last_modified(page, i) != NULL);
            CHECK(cos_object_list_storage_class(page, i) != NULL);
        }
        CHECK(cos_object_list_key(page, i) == NULL && cos_object_list_size(page, i) == 0);
        CHECK(cos_object_list_etag(page, i) == NULL && cos_object_list_last_modified(page, i) == NULL &&
              cos_object_list_storage_class(page, i) == NULL);
        seen += cos_object_list_count(page);
        cos_object_list_free(page);
        if (pages > 10) {
            break;
        }
    }
    CHECK(order_ok);
    CHECK(seen == nkeys);
    CHECK(pages == 3);
    /* after the end it keeps answering "no more pages" */
    page = (cos_object_list *)&seen;
    CHECK_OK(cos_object_iter_next(iter, &page, &err));
    CHECK(page == NULL);
    cos_object_iter_free(iter);

    /* one page with a delimiter: the "directory" is a common prefix */
    CHECK_OK(cos_client_list_objects(client, bucket, "page/", "/", NULL, 0, &list, &err));
    CHECK(cos_object_list_count(list) == 7);
    CHECK(cos_object_list_prefix_count(list) == 1);
    CHECK(str_eq(cos_object_list_prefix(list, 0), "page/sub/"));
    CHECK(cos_object_list_prefix(list, 1) == NULL);
    CHECK(!cos_object_list_is_truncated(list));
    CHECK(cos_object_list_next_marker(list) == NULL);
    cos_object_list_free(list);
    list = NULL;

    /* manual paging with markers */
    CHECK_OK(cos_client_list_objects(client, bucket, "page/", NULL, NULL, 4, &list, &err));
    CHECK(cos_object_list_count(list) == 4);
    CHECK(cos_object_list_is_truncated(list));
    CHECK(cos_object_list_next_marker(list) != NULL);
    snprintf(marker, sizeof marker, "%s", or_null(cos_object_list_next_marker(list)));
    cos_object_list_free(list);
    list = NULL;
    CHECK_OK(cos_client_list_objects(client, bucket, "page/", NULL, marker, 0, &list, &err));
    CHECK(cos_object_list_count(list) == nkeys - 4);
    CHECK(str_eq(cos_object_list_key(list, 0), keys[4]));
    CHECK(!cos_object_list_is_truncated(list));
    cos_object_list_free(list);
    list = NULL;

    /* batch delete, verbose: every key reported */
    CHECK_OK(cos_client_delete_objects(client, bucket, keys, nkeys, false, &result, &err));
    CHECK(cos_delete_result_deleted_count(result) == nkeys);
    CHECK(cos_delete_result_error_count(result) == 0);
    for (i = 0; i < nkeys; i++) {
        size_t j;
        int found = 0;
        for (j = 0; j < cos_delete_result_deleted_count(result); j++) {
            found |= str_eq(cos_delete_result_deleted_key(result, j), keys[i]);
        }
        CHECK(found);
    }
    CHECK(cos_delete_result_deleted_key(result, nkeys) == NULL);
    CHECK(cos_delete_result_error_key(result, 0) == NULL && cos_delete_result_error_code(result, 0) == NULL &&
          cos_delete_result_error_message(result, 0) == NULL);
    cos_delete_result_free(result);
    result = NULL;

    /* quiet: nothing reported; the keys are gone */
    CHECK_OK(cos_client_delete_objects(client, bucket, keys, 2, true, &result, &err));
    CHECK(cos_delete_result_deleted_count(result) == 0 && cos_delete_result_error_count(result) == 0);
    cos_delete_result_free(result);
    result = NULL;
    /* no keys: nothing to do, an empty result (cos.h: "`count` 0 deletes nothing and succeeds") */
    CHECK_OK(cos_client_delete_objects(client, bucket, keys, 0, false, &result, &err));
    CHECK(result != NULL && cos_delete_result_deleted_count(result) == 0 && cos_delete_result_error_count(result) == 0);
    cos_delete_result_free(result);
    result = NULL;
    CHECK_OK(cos_client_list_objects(client, bucket, "page/", NULL, NULL, 0, &list, &err));
    CHECK(cos_object_list_count(list) == 0);
    cos_object_list_free(list);
}

int main(int argc, char **argv) {
    const char *bucket = "callbacks-1250000000";
    const size_t len = (1u << 20) + 12345;
    uint8_t *data;
    cos_client *client;
    cos_error *err = NULL;
    const char *keys[] = {"stream/object", "stream/long", "file/object", "xfer/file", "xfer/stream", "xfer/written",
                          "xfer/copy", "copy/src", "copy/dst"};
    cos_delete_result *result = NULL;
    uint32_t x = 12345;
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    crc64_init();
    data = (uint8_t *)malloc(len);
    for (i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t)(x >> 16);
    }

    test_status_and_version();
    test_config_errors();
    client = configured_client();
    CHECK(client != NULL);
    if (client != NULL) {
        CHECK_OK(cos_client_create_bucket(client, bucket, &err));
        test_presign(client, bucket);
        test_buckets(client, bucket);
        test_streams(client, bucket, data, len);
        test_files_and_ranges(client, bucket, argv[1], data, len);
        test_listing_and_batch_delete(client, bucket);
        test_part_copy(client, bucket, data);
        test_transfers(client, bucket, argv[1], data, len);
        CHECK_OK(cos_client_delete_objects(client, bucket, keys, sizeof keys / sizeof keys[0], true, &result, &err));
        cos_delete_result_free(result);
        CHECK_OK(cos_client_delete_bucket(client, bucket, &err));
    }
    cos_client_free(client);
    free(data);
    printf("transfer_callbacks: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
