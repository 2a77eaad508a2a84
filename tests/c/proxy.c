/* The proxy settings through the header (tests/transport_proxy.rs runs it with the emulator in the COS_*
 * environment and a squid requiring Basic credentials): argv[1] is the proxy URL with the right password,
 * argv[2] with a wrong one. Prints "proxy: N checks, 0 failed" and exits 0 when every check passed. */
#include <stdint.h>
#include <stdio.h>

#include "checks.h"

static const char *BUCKET = "proxied-1250000000";

static cos_client *client_via(const char *proxy) {
    cos_client_config *config = NULL;
    cos_client *client = NULL;
    cos_error *err = NULL;
    CHECK_OK(cos_client_config_from_env(&config, &err));
    CHECK_OK(cos_client_config_set_proxy(config, proxy, &err));
    CHECK_OK(cos_client_new(config, &client, &err));
    cos_client_config_free(config);
    return client;
}

int main(int argc, char **argv) {
    cos_error *err = NULL;
    cos_client *client;
    cos_client_config *config = cos_client_config_new();
    cos_bytes *bytes = NULL;
    if (argc != 3) {
        fprintf(stderr, "usage: proxy <url> <url with a wrong password>\n");
        return 2;
    }
    client = client_via(argv[1]);
    CHECK_OK(cos_client_create_bucket(client, BUCKET, &err));
    CHECK_OK(cos_client_put_object(client, BUCKET, "c", (const uint8_t *)"via", 3, &err));
    CHECK_OK(cos_client_get_object(client, BUCKET, "c", &bytes, &err));
    CHECK(cos_bytes_len(bytes) == 3);
    cos_bytes_free(bytes);
    cos_client_free(client);

    client = client_via(argv[2]);
    CHECK_RC(cos_client_head_bucket(client, BUCKET, NULL, &err), COS_PROXY_ERROR);
    CHECK(err != NULL && cos_error_http_status(err) == 407 && cos_error_code(err) == NULL);
    CHECK(err != NULL && strstr(or_null(cos_error_message(err)), "bad") == NULL);
    clear(&err);
    cos_client_free(client);

    CHECK_INVALID(cos_client_config_set_proxy(config, "socks5://p:1080", &err), "socks5");
    CHECK_INVALID(cos_client_config_set_no_proxy(config, NULL, &err), "list");
    CHECK_OK(cos_client_config_set_no_proxy(config, "localhost,.internal", &err));
    CHECK_OK(cos_client_config_set_proxy(config, NULL, &err));
    cos_client_config_free(config);
    printf("proxy: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
