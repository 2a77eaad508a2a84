/* https through the header against an emulator serving a private CA's certificate (tests/transport_tls.rs
 * starts it and sets COS_SCHEME=https, COS_ADDRESS and, by mode, SSL_CERT_FILE or SSL_CERT_DIR).
 *   tls file <ca.pem>   SSL_CERT_FILE names the CA
 *   tls dir  <ca.pem>   SSL_CERT_DIR names a directory holding it
 * Prints "tls: N checks, 0 failed" and exits 0 when every check passed. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "checks.h"

static const char *BUCKET = "ctls-1250000000";

/* A client from `config` (consumed) puts and gets one object; returns the status of the put. */
static cos_status round_trip(cos_client_config *config, cos_error **errp) {
    cos_client *client = NULL;
    cos_bytes *bytes = NULL;
    cos_status rc = cos_client_new(config, &client, errp);
    cos_client_config_free(config);
    if (rc != COS_OK) {
        return rc;
    }
    (void)cos_client_create_bucket(client, BUCKET, errp);
    clear(errp);
    rc = cos_client_put_object(client, BUCKET, "k", (const uint8_t *)"tls", 3, errp);
    if (rc == COS_OK) {
        rc = cos_client_get_object(client, BUCKET, "k", &bytes, errp);
        if (rc == COS_OK && cos_bytes_len(bytes) != 3) {
            rc = COS_INTERNAL_ERROR;
        }
        cos_bytes_free(bytes);
    }
    cos_client_free(client);
    return rc;
}

static cos_client_config *from_env(void) {
    cos_client_config *config = NULL;
    cos_error *err = NULL;
    CHECK_OK(cos_client_config_from_env(&config, &err));
    return config;
}

int main(int argc, char **argv) {
    cos_error *err = NULL;
    cos_client_config *config;
    char *pem;
    long len;
    FILE *f;
    if (argc != 3) {
        fprintf(stderr, "usage: tls file|dir <ca.pem>\n");
        return 2;
    }
    /* Only the variable this run is about: the machine may set the other. */
    unsetenv(str_eq(argv[1], "file") ? "SSL_CERT_DIR" : "SSL_CERT_FILE");

    /* The environment's CA: SSL_CERT_FILE or SSL_CERT_DIR, read by cos_client_config_from_env. */
    CHECK_OK(round_trip(from_env(), &err));

    /* Trust cleared: back to the compiled-in roots, which do not know the private CA. */
    config = from_env();
    CHECK_OK(cos_client_config_clear_trust(config, &err));
    CHECK_RC(round_trip(config, &err), COS_TLS_ERROR);
    CHECK(err != NULL && cos_error_attempts(err) == 1);
    clear(&err);

    /* The CA as a PEM buffer and as a file, on a cleared configuration. */
    f = fopen(argv[2], "rb");
    CHECK(f != NULL && fseek(f, 0, SEEK_END) == 0);
    len = f ? ftell(f) : 0;
    pem = (char *)malloc((size_t)len + 1);
    CHECK(pem != NULL && f != NULL && fseek(f, 0, SEEK_SET) == 0 && fread(pem, 1, (size_t)len, f) == (size_t)len);
    if (f) {
        fclose(f);
    }
    config = from_env();
    CHECK_OK(cos_client_config_clear_trust(config, &err));
    CHECK_OK(cos_client_config_add_ca_pem(config, (const uint8_t *)pem, (size_t)len, &err));
    CHECK_OK(round_trip(config, &err));
    config = from_env();
    CHECK_OK(cos_client_config_clear_trust(config, &err));
    CHECK_OK(cos_client_config_add_ca_file(config, argv[2], &err));
    CHECK_OK(round_trip(config, &err));

    /* The system store, which follows SSL_CERT_FILE / SSL_CERT_DIR as OpenSSL does. */
    config = from_env();
    CHECK_OK(cos_client_config_clear_trust(config, &err));
    CHECK_OK(cos_client_config_set_native_roots(config, true, &err));
    CHECK_OK(round_trip(config, &err));

    /* Bad input: a buffer with no certificate, a file that is not there, NULLs. */
    config = from_env();
    CHECK_INVALID(cos_client_config_add_ca_pem(config, (const uint8_t *)"-----BEGIN X-----", 17, &err), "PEM");
    CHECK_INVALID(cos_client_config_add_ca_pem(config, NULL, 3, &err), "pem");
    CHECK_INVALID(cos_client_config_add_ca_file(config, NULL, &err), "path");
    CHECK_INVALID(cos_client_config_add_ca_file(NULL, argv[2], &err), "config");
    CHECK_OK(cos_client_config_add_ca_file(config, "/nonexistent/ca.pem", &err));
    CHECK_RC(round_trip(config, &err), COS_IO_ERROR);
    CHECK(err != NULL && strstr(or_null(cos_error_message(err)), "/nonexistent/ca.pem") != NULL);
    clear(&err);

    free(pem);
    printf("tls: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
