/* Every export of the tagging, ACL, restore and bucket policy/location/exists sections, with asserts, against
 * the emulator named by the COS_* environment (tests/api_docs_c.rs runs it, also under ASan/UBSan and
 * valgrind). Bad input too: a tag set over COS's limits, an unknown restore tier, a NULL sub-resource, a
 * canned ACL COS does not accept. Prints "api_docs: ok" and exits 0 when every check passed. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cos.h"

static const char *BUCKET = "capidocs-1250000000";
static const char *OWNER = "qcs::cam::uin/100000000001:uin/100000000001";
static const char *OTHER = "qcs::cam::uin/100000000001:uin/100000000011";
static const char *ALL_USERS = "http://cam.qcloud.com/groups/global/AllUsers";
static int checks = 0;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        checks++;                                                                             \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

static int same(const char *a, const char *b) { return a != NULL && b != NULL && strcmp(a, b) == 0; }

/* A call that must succeed; on failure prints everything the error says. `errp` is read after the call
 * (argument evaluation order is unspecified). */
static void ok(const char *what, cos_status rc, cos_error **errp) {
    cos_error *err = *errp;
    checks++;
    if (rc != COS_OK) {
        fprintf(stderr, "%s failed: %s: %s (HTTP %d, code %s)\n", what, cos_status_str(rc),
                cos_error_message(err), cos_error_http_status(err),
                cos_error_code(err) ? cos_error_code(err) : "(none)");
        exit(1);
    }
}

/* A call that must fail with `want` (and, when `needle` is not NULL, a message containing it). */
static void fails(const char *what, cos_status rc, cos_error **errp, cos_status want, const char *needle) {
    cos_error *err = *errp;
    checks++;
    if (rc != want || err == NULL || (needle != NULL && strstr(cos_error_message(err), needle) == NULL)) {
        fprintf(stderr, "%s: expected %s%s%s, got %s: %s\n", what, cos_status_str(want), needle ? " with " : "",
                needle ? needle : "", cos_status_str(rc), err ? cos_error_message(err) : "(no error)");
        exit(1);
    }
    cos_error_free(err);
    *errp = NULL;
}

static int grant_index(const cos_acl_policy *acl, const char *who, const char *permission) {
    size_t i;
    for (i = 0; i < cos_acl_policy_grant_count(acl); i++) {
        const char *id = cos_acl_policy_grant_id(acl, i), *uri = cos_acl_policy_grant_uri(acl, i);
        if ((same(id, who) || same(uri, who)) && same(cos_acl_policy_grant_permission(acl, i), permission)) {
            return (int)i;
        }
    }
    return -1;
}

static void tagging(cos_client *client) {
    cos_error *err = NULL;
    cos_tag_set *tags = cos_tag_set_new(), *got = NULL, *eleven = cos_tag_set_new();
    cos_request_options *opts = cos_request_options_new();
    cos_object_info *info = NULL;
    char key[8];
    int i;
    ok("add", cos_tag_set_add(tags, "team", "storage", &err), &err);
    ok("add", cos_tag_set_add(tags, "\xe9\xa1\xb9\xe7\x9b\xae a", "x+y=z/@:._-", &err), &err);
    ok("add", cos_tag_set_add(tags, "empty", "", &err), &err);
    fails("duplicate key", cos_tag_set_add(tags, "team", "again", &err), &err, COS_INVALID_ARGUMENT, "\"team\"");
    fails("bad character", cos_tag_set_add(tags, "a*b", "v", &err), &err, COS_INVALID_ARGUMENT, "'*'");
    fails("NULL key", cos_tag_set_add(tags, NULL, "v", &err), &err, COS_INVALID_ARGUMENT, "key");
    CHECK(cos_tag_set_count(tags) == 3);
    CHECK(same(cos_tag_set_key(tags, 1), "\xe9\xa1\xb9\xe7\x9b\xae a") && same(cos_tag_set_value(tags, 2), ""));
    CHECK(cos_tag_set_key(tags, 3) == NULL && cos_tag_set_get(tags, "missing") == NULL);
    CHECK(same(cos_tag_set_get(tags, "team"), "storage"));

    ok("put", cos_client_put_object(client, BUCKET, "t", (const uint8_t *)"x", 1, &err), &err);
    ok("put tagging", cos_client_put_object_tagging(client, BUCKET, "t", tags, NULL, &err), &err);
    ok("get tagging", cos_client_get_object_tagging(client, BUCKET, "t", NULL, &got, &err), &err);
    CHECK(cos_tag_set_count(got) == 3 && same(cos_tag_set_get(got, "\xe9\xa1\xb9\xe7\x9b\xae a"), "x+y=z/@:._-"));
    cos_tag_set_free(got);
    ok("head", cos_client_head_object(client, BUCKET, "t", NULL, &info, &err), &err);
    CHECK(cos_object_info_tag_count(info) == 3);
    cos_object_info_free(info);
    ok("delete tagging", cos_client_delete_object_tagging(client, BUCKET, "t", NULL, &err), &err);
    ok("get tagging", cos_client_get_object_tagging(client, BUCKET, "t", NULL, &got, &err), &err);
    CHECK(cos_tag_set_count(got) == 0);
    cos_tag_set_free(got);
    ok("head", cos_client_head_object(client, BUCKET, "t", NULL, &info, &err), &err);
    CHECK(cos_object_info_tag_count(info) == -1);
    cos_object_info_free(info);

    /* Tags at upload time. */
    ok("set tags", cos_request_options_set_tags(opts, tags, &err), &err);
    ok("put tagged", cos_client_put_object_ex(client, BUCKET, "u", (const uint8_t *)"x", 1, opts, NULL, &err), &err);
    ok("get tagging", cos_client_get_object_tagging(client, BUCKET, "u", NULL, &got, &err), &err);
    CHECK(cos_tag_set_count(got) == 3 && same(cos_tag_set_get(got, "team"), "storage"));
    cos_tag_set_free(got);

    /* Over an object's limit: refused before sending; a bucket takes it. */
    for (i = 0; i < 11; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ok("add", cos_tag_set_add(eleven, key, "v", &err), &err);
    }
    fails("11 object tags", cos_client_put_object_tagging(client, BUCKET, "t", eleven, NULL, &err), &err,
          COS_INVALID_ARGUMENT, "at most 10");
    fails("11 tags at upload", cos_request_options_set_tags(opts, eleven, &err), &err, COS_INVALID_ARGUMENT,
          "at most 10");
    fails("NULL tags", cos_client_put_object_tagging(client, BUCKET, "t", NULL, NULL, &err), &err,
          COS_INVALID_ARGUMENT, "tags");

    ok("get bucket tagging", cos_client_get_bucket_tagging(client, BUCKET, &got, &err), &err);
    CHECK(cos_tag_set_count(got) == 0);
    cos_tag_set_free(got);
    ok("put bucket tagging", cos_client_put_bucket_tagging(client, BUCKET, eleven, &err), &err);
    ok("get bucket tagging", cos_client_get_bucket_tagging(client, BUCKET, &got, &err), &err);
    CHECK(cos_tag_set_count(got) == 11 && same(cos_tag_set_key(got, 10), "k10"));
    cos_tag_set_free(got);
    ok("delete bucket tagging", cos_client_delete_bucket_tagging(client, BUCKET, &err), &err);
    ok("get bucket tagging", cos_client_get_bucket_tagging(client, BUCKET, &got, &err), &err);
    CHECK(cos_tag_set_count(got) == 0);
    cos_tag_set_free(got);

    cos_request_options_free(opts);
    cos_tag_set_free(eleven);
    cos_tag_set_free(tags);
}

static void acl(cos_client *client) {
    cos_error *err = NULL;
    cos_acl_policy *got = NULL, *mine = cos_acl_policy_new();
    cos_request_options *opts = cos_request_options_new();
    const char *canned_before;
    char grantees[128];
    ok("put", cos_client_put_object(client, BUCKET, "a", (const uint8_t *)"x", 1, &err), &err);
    ok("get acl", cos_client_get_object_acl(client, BUCKET, "a", NULL, &got, &err), &err);
    CHECK(same(cos_acl_policy_owner_id(got), OWNER) && same(cos_acl_policy_canned(got), "default"));
    CHECK(cos_acl_policy_owner_display_name(got) != NULL);
    cos_acl_policy_free(got);

    ok("put acl", cos_client_put_object_acl(client, BUCKET, "a", "public-read", NULL, &err), &err);
    ok("get acl", cos_client_get_object_acl(client, BUCKET, "a", NULL, &got, &err), &err);
    CHECK(same(cos_acl_policy_canned(got), "public-read"));
    {
        int i = grant_index(got, ALL_USERS, "READ");
        CHECK(i >= 0 && same(cos_acl_policy_grant_type(got, (size_t)i), "Group"));
        CHECK(cos_acl_policy_grant_id(got, (size_t)i) == NULL);
        CHECK(cos_acl_policy_grant_display_name(got, (size_t)i) == NULL);
    }
    CHECK(cos_acl_policy_grant_type(got, 99) == NULL && cos_acl_policy_grant_permission(got, 99) == NULL);
    cos_acl_policy_free(got);

    snprintf(grantees, sizeof grantees, "id=\"%s\"", OTHER);
    ok("set grant", cos_request_options_set_grant(opts, "READ_ACP", grantees, &err), &err);
    fails("bad permission", cos_request_options_set_grant(opts, "read", grantees, &err), &err, COS_INVALID_ARGUMENT,
          "READ_ACP");
    ok("put acl grants", cos_client_put_object_acl(client, BUCKET, "a", "private", opts, &err), &err);
    ok("get acl", cos_client_get_object_acl(client, BUCKET, "a", NULL, &got, &err), &err);
    CHECK(grant_index(got, OTHER, "READ_ACP") >= 0 && grant_index(got, ALL_USERS, "READ") < 0);
    CHECK(same(cos_acl_policy_grant_type(got, (size_t)grant_index(got, OTHER, "READ_ACP")), "CanonicalUser"));
    cos_acl_policy_free(got);

    /* A whole policy. A string taken before the policy changes stays valid (ASan and valgrind would see). */
    ok("set owner", cos_acl_policy_set_owner(mine, OWNER, NULL, &err), &err);
    canned_before = cos_acl_policy_canned(mine);
    CHECK(same(canned_before, "private") && cos_acl_policy_owner_display_name(mine) == NULL);
    ok("add grant", cos_acl_policy_add_grant(mine, "CanonicalUser", OWNER, "FULL_CONTROL", &err), &err);
    ok("add grant", cos_acl_policy_add_grant(mine, "Group", ALL_USERS, "READ", &err), &err);
    fails("bad grantee type", cos_acl_policy_add_grant(mine, "Robot", OWNER, "READ", &err), &err,
          COS_INVALID_ARGUMENT, "grantee_type");
    fails("bad permission", cos_acl_policy_add_grant(mine, "Group", ALL_USERS, "EVERYTHING", &err), &err,
          COS_INVALID_ARGUMENT, "permission");
    CHECK(cos_acl_policy_grant_count(mine) == 2 && same(cos_acl_policy_canned(mine), "public-read"));
    CHECK(same(canned_before, "private"));
    ok("put policy", cos_client_put_object_acl_policy(client, BUCKET, "a", mine, NULL, &err), &err);
    ok("get acl", cos_client_get_object_acl(client, BUCKET, "a", NULL, &got, &err), &err);
    CHECK(cos_acl_policy_grant_count(got) == 2 && grant_index(got, OWNER, "FULL_CONTROL") >= 0);
    CHECK(same(cos_acl_policy_canned(got), "public-read"));
    cos_acl_policy_free(got);

    /* The bucket's. */
    ok("put bucket acl", cos_client_put_bucket_acl(client, BUCKET, "public-read-write", NULL, &err), &err);
    ok("get bucket acl", cos_client_get_bucket_acl(client, BUCKET, &got, &err), &err);
    CHECK(same(cos_acl_policy_canned(got), "public-read-write") && grant_index(got, ALL_USERS, "WRITE") >= 0);
    cos_acl_policy_free(got);
    ok("put bucket policy", cos_client_put_bucket_acl_policy(client, BUCKET, mine, &err), &err);
    ok("get bucket acl", cos_client_get_bucket_acl(client, BUCKET, &got, &err), &err);
    CHECK(same(cos_acl_policy_canned(got), "public-read"));
    cos_acl_policy_free(got);
    ok("put bucket acl", cos_client_put_bucket_acl(client, BUCKET, "private", NULL, &err), &err);

    fails("object public-read-write", cos_client_put_object_acl(client, BUCKET, "a", "public-read-write", NULL, &err),
          &err, COS_INVALID_ARGUMENT, "for an object");
    fails("nothing to put", cos_client_put_bucket_acl(client, BUCKET, NULL, NULL, &err), &err, COS_INVALID_ARGUMENT,
          "at least one grant");
    cos_request_options_free(opts);
    cos_acl_policy_free(mine);
}

static void restore(cos_client *client) {
    cos_error *err = NULL;
    cos_request_options *opts = cos_request_options_new();
    cos_object_info *info = NULL;
    cos_bytes *body = NULL;
    int tries;
    ok("storage class", cos_request_options_set_storage_class(opts, "ARCHIVE", &err), &err);
    ok("put archived", cos_client_put_object_ex(client, BUCKET, "cold", (const uint8_t *)"cold", 4, opts, NULL, &err),
       &err);
    ok("head", cos_client_head_object(client, BUCKET, "cold", NULL, &info, &err), &err);
    CHECK(cos_object_info_restore_ongoing(info) == -1 && cos_object_info_restore_expiry(info) == NULL);
    cos_object_info_free(info);
    fails("get archived", cos_client_get_object(client, BUCKET, "cold", &body, &err), &err, COS_SERVICE_ERROR, NULL);
    fails("unknown tier", cos_client_restore_object(client, BUCKET, "cold", 1, (cos_restore_tier)99, NULL, &err), &err,
          COS_INVALID_ARGUMENT, "tier");
    fails("zero days", cos_client_restore_object(client, BUCKET, "cold", 0, COS_RESTORE_TIER_BULK, NULL, &err), &err,
          COS_INVALID_ARGUMENT, "days");
    ok("restore", cos_client_restore_object(client, BUCKET, "cold", 1, COS_RESTORE_TIER_EXPEDITED, NULL, &err), &err);
    for (tries = 0;; tries++) {
        struct timespec pause = {0, 100 * 1000 * 1000};
        ok("head", cos_client_head_object(client, BUCKET, "cold", NULL, &info, &err), &err);
        CHECK(cos_object_info_restore_ongoing(info) != -1);
        if (cos_object_info_restore_ongoing(info) == 0) {
            break;
        }
        CHECK(tries < 600);
        cos_object_info_free(info);
        nanosleep(&pause, NULL);
    }
    CHECK(cos_object_info_restore_expiry(info) != NULL && strstr(cos_object_info_restore_expiry(info), "GMT"));
    cos_object_info_free(info);
    ok("get restored", cos_client_get_object(client, BUCKET, "cold", &body, &err), &err);
    CHECK(cos_bytes_len(body) == 4 && memcmp(cos_bytes_data(body), "cold", 4) == 0);
    cos_bytes_free(body);
    cos_request_options_free(opts);
}

static void bucket_info(cos_client *client) {
    cos_error *err = NULL;
    bool exists = false;
    char *text = NULL;
    const char *policy =
        "{\"Statement\":[{\"Principal\":{\"qcs\":[\"qcs::cam::uin/100000000001:uin/100000000011\"]},"
        "\"Effect\":\"allow\",\"Action\":[\"name/cos:GetObject\"],"
        "\"Resource\":[\"qcs::cos:ap-guangzhou:uid/1250000000:capidocs-1250000000/*\"]}],\"version\":\"2.0\"}";
    ok("exists", cos_client_bucket_exists(client, BUCKET, &exists, &err), &err);
    CHECK(exists);
    ok("exists", cos_client_bucket_exists(client, "nosuchbucket-1250000000", &exists, &err), &err);
    CHECK(!exists);
    fails("NULL exists", cos_client_bucket_exists(client, BUCKET, NULL, &err), &err, COS_INVALID_ARGUMENT, "exists");
    ok("location", cos_client_get_bucket_location(client, BUCKET, &text, &err), &err);
    CHECK(same(text, "ap-guangzhou"));
    cos_string_free(text);
    text = NULL;
    fails("no policy", cos_client_get_bucket_policy(client, BUCKET, &text, &err), &err, COS_SERVICE_ERROR, NULL);
    CHECK(text == NULL);
    ok("put policy", cos_client_put_bucket_policy(client, BUCKET, policy, &err), &err);
    ok("get policy", cos_client_get_bucket_policy(client, BUCKET, &text, &err), &err);
    CHECK(text != NULL && strstr(text, "name/cos:GetObject") != NULL);
    cos_string_free(text);
    ok("delete policy", cos_client_delete_bucket_policy(client, BUCKET, &err), &err);
    fails("bad policy", cos_client_put_bucket_policy(client, BUCKET, "[]", &err), &err, COS_INVALID_ARGUMENT,
          "not a JSON object");
    fails("NULL subresource",
          cos_client_bucket_subresource(client, "GET", BUCKET, NULL, NULL, 0, NULL, NULL, NULL, &err), &err,
          COS_INVALID_ARGUMENT, "subresource");
}

int main(void) {
    cos_client *client = NULL;
    cos_error *err = NULL;
    ok("client", cos_client_new_from_env(&client, &err), &err);
    ok("create bucket", cos_client_create_bucket(client, BUCKET, &err), &err);
    bucket_info(client);
    tagging(client);
    acl(client);
    restore(client);
    cos_client_free(client);
    printf("api_docs: ok (%d checks)\n", checks);
    return 0;
}
