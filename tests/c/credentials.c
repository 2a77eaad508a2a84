/* A credentials callback through the header (tests/credentials_provider.rs): argv[1..3] are a temporary
 * SecretId, SecretKey and token the emulator minted, argv[4] the emulator's address. The callback gives
 * them (counting its calls); a failing callback fails the operation with its reason; the instance-role
 * provider reads the emulator's metadata route. Prints "credentials: N checks, 0 failed". */
#include <stdint.h>
#include <stdio.h>

#include "checks.h"

struct keys {
    const char *id, *key, *token;
    int calls;
    int fail;
};

static int give(void *userdata, cos_credentials *out) {
    struct keys *k = (struct keys *)userdata;
    cos_error *err = NULL;
    k->calls++;
    if (k->fail) {
        cos_credentials_fail(out, "no keys today", &err);
        cos_error_free(err);
        return 1;
    }
    if (cos_credentials_set(out, k->id, k->key, k->token, 0, &err) != COS_OK) {
        cos_error_free(err);
        return 1;
    }
    return 0;
}

static cos_client *with_provider(struct keys *k) {
    cos_client_config *config = NULL;
    cos_client *client = NULL;
    cos_error *err = NULL;
    CHECK_OK(cos_client_config_from_env(&config, &err));
    CHECK_OK(cos_client_config_set_credentials_provider(config, give, k, &err));
    CHECK_OK(cos_client_new(config, &client, &err));
    cos_client_config_free(config);
    return client;
}

int main(int argc, char **argv) {
    cos_error *err = NULL;
    struct keys k;
    cos_client *client;
    cos_client_config *config = NULL;
    char url[512];
    if (argc != 5) {
        fprintf(stderr, "usage: credentials <id> <key> <token> <emulator address>\n");
        return 2;
    }
    k.id = argv[1];
    k.key = argv[2];
    k.token = argv[3];
    k.calls = 0;
    k.fail = 0;
    client = with_provider(&k);
    CHECK_OK(cos_client_create_bucket(client, "ccreds-1250000000", &err));
    CHECK_OK(cos_client_put_object(client, "ccreds-1250000000", "k", (const uint8_t *)"v", 1, &err));
    CHECK(k.calls == 1); /* never-expiring credentials are fetched once */
    cos_client_free(client);

    k.fail = 1;
    client = with_provider(&k);
    CHECK_RC(cos_client_put_object(client, "ccreds-1250000000", "k", (const uint8_t *)"v", 1, &err), COS_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(or_null(cos_error_message(err)), "no keys today") != NULL);
    clear(&err);
    cos_client_free(client);

    /* The instance role, from the emulator's metadata route. */
    snprintf(url, sizeof url, "http://%s/__emulator/meta-data/cam/security-credentials/", argv[4]);
    CHECK_OK(cos_client_config_from_env(&config, &err));
    CHECK_INVALID(cos_client_config_use_instance_role(config, "https://metadata/", NULL, &err), "http://");
    CHECK_OK(cos_client_config_use_instance_role(config, url, NULL, &err));
    CHECK_OK(cos_client_new(config, &client, &err));
    CHECK_OK(cos_client_put_object(client, "ccreds-1250000000", "role", (const uint8_t *)"r", 1, &err));
    cos_client_free(client);
    CHECK_OK(cos_client_config_use_env_credentials(config, 0, &err));
    CHECK_INVALID(cos_credentials_set(NULL, "a", "b", NULL, 0, &err), "out");
    cos_client_config_free(config);
    printf("credentials: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
