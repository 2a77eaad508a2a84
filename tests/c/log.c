/* The per-client log callback and request metrics through the header, against the emulator in the COS_* environment
 * (tests/observe_logging.rs): lines for a put and a get, levels passed, userdata passed back, a bad level
 * refused, logging turned off again. Prints "log: N checks, 0 failed" and exits 0 when all passed. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "checks.h"

struct seen {
    int lines, warn;
    int put_line;
};

struct metered {
    int requests, with_ids, connects;
    uint32_t attempts;
};

static void on_metrics(void *userdata, const cos_request_metrics *m) {
    struct metered *s = (struct metered *)userdata;
    s->requests++;
    s->attempts += cos_request_metrics_attempts(m);
    s->with_ids += cos_request_metrics_request_id_count(m) == 1 && cos_request_metrics_request_id(m, 0) != NULL &&
                   cos_request_metrics_request_id(m, 1) == NULL;
    s->connects += cos_request_metrics_connect_us(m) >= 0;
    if (cos_request_metrics_first_byte_us(m) > cos_request_metrics_total_us(m) || cos_request_metrics_method(m) == NULL ||
        cos_request_metrics_host(m) == NULL || cos_request_metrics_path(m) == NULL) {
        s->requests = -1000;
    }
}

static void on_log(void *userdata, cos_log_severity level, const char *message) {
    struct seen *s = (struct seen *)userdata;
    s->lines++;
    s->warn += level == COS_SEVERITY_WARN;
    if (strstr(message, "PUT ") == message && strstr(message, "/k attempt 1 -> 200") != NULL) {
        s->put_line++;
    }
}

int main(void) {
    cos_error *err = NULL;
    cos_client_config *config = NULL;
    cos_client *client = NULL;
    cos_bytes *bytes = NULL;
    struct seen seen = {0, 0, 0};
    struct metered metered = {0, 0, 0, 0};
    CHECK_OK(cos_client_config_from_env(&config, &err));
    CHECK_INVALID(cos_client_config_set_log(config, on_log, &seen, (cos_log_severity)9, &err), "max_level");
    CHECK_OK(cos_client_config_set_log(config, on_log, &seen, COS_SEVERITY_INFO, &err));
    CHECK_OK(cos_client_config_set_observer(config, on_metrics, &metered, &err));
    CHECK_OK(cos_client_new(config, &client, &err));
    CHECK_OK(cos_client_create_bucket(client, "clog-1250000000", &err));
    CHECK_OK(cos_client_put_object(client, "clog-1250000000", "k", (const uint8_t *)"v", 1, &err));
    CHECK_OK(cos_client_get_object(client, "clog-1250000000", "k", &bytes, &err));
    cos_bytes_free(bytes);
    CHECK(seen.lines == 3 && seen.put_line == 1 && seen.warn == 0);
    CHECK_RC(cos_client_get_object(client, "clog-1250000000", "missing", &bytes, &err), COS_SERVICE_ERROR);
    clear(&err);
    CHECK(seen.lines == 4 && seen.warn == 1);
    /* Four requests, one attempt each with its request id, one new connection (the rest pooled). */
    CHECK(metered.requests == 4 && metered.attempts == 4 && metered.with_ids == 4 && metered.connects == 1);
    CHECK(cos_request_metrics_attempts(NULL) == 0 && cos_request_metrics_connect_us(NULL) == -1);
    {
        /* A download's figures on its transfer options: the HEAD and the GET, their ids, the bytes. */
        char path[256];
        cos_transfer_options *topts = cos_transfer_options_new();
        cos_transfer_metrics *tm = cos_transfer_metrics_new();
        snprintf(path, sizeof path, "/tmp/cos-log-c-%ld.bin", (long)getpid());
        CHECK_OK(cos_transfer_options_set_metrics(topts, tm, &err));
        CHECK_OK(cos_transfer_options_set_resumable(topts, false, &err));
        CHECK_OK(cos_client_download_file(client, "clog-1250000000", "k", path, topts, NULL, NULL, NULL, &err));
        CHECK(cos_transfer_metrics_attempts(tm) == 2 && cos_transfer_metrics_request_id_count(tm) == 2);
        CHECK(cos_transfer_metrics_request_id(tm, 1) != NULL && cos_transfer_metrics_request_id(tm, 2) == NULL);
        CHECK(cos_transfer_metrics_bytes_received(tm) == 1 && cos_transfer_metrics_bytes_sent(tm) == 0);
        cos_transfer_options_free(topts);
        CHECK(cos_transfer_metrics_attempts(tm) == 2); /* the handle outlives the options */
        cos_transfer_metrics_free(tm);
        remove(path);
        /* The same two requests reached the log and the observer. */
        CHECK(seen.lines == 6 && metered.requests == 6);
    }
    cos_client_free(client);

    /* NULL turns it off. */
    CHECK_OK(cos_client_config_set_log(config, NULL, NULL, COS_SEVERITY_TRACE, &err));
    CHECK_OK(cos_client_config_set_observer(config, NULL, NULL, &err));
    CHECK_OK(cos_client_new(config, &client, &err));
    CHECK_OK(cos_client_put_object(client, "clog-1250000000", "k2", (const uint8_t *)"v", 1, &err));
    CHECK(seen.lines == 6 && metered.requests == 6);
    cos_client_free(client);
    cos_client_config_free(config);
    printf("log: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
