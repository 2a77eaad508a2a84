/* api_versions.c: every versioning export of the C API against a live cos-emulator, checking every result:
 * the bucket's status, versions and delete markers listed page by page (explicit markers and the
 * iterator), GET/HEAD/DELETE of a version, a copy from an old version, batch deletion of versions with the
 * per-entry results, emptying a bucket with progress, deleting a bucket recursively, and bad input
 * (NULL arrays and handles, an empty version id, a NULL sub-resource, a non-UTF-8 key) refused with
 * COS_INVALID_ARGUMENT naming the parameter.
 *
 * Usage: api_versions   (with COS_SECRET_ID, COS_SECRET_KEY, COS_REGION=ap-guangzhou, COS_SCHEME=http,
 *        COS_ADDRESS=127.0.0.1:PORT in the environment). Run by tests/api_versions_c.rs, also under
 *        AddressSanitizer/UBSan: everything it allocates it frees.
 * Prints one line per failed check and "api_versions: N checks, 0 failed" at the end; exit 0 when every
 * check passed.
 */
#include "cos.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

static const char *BUCKET = "cversions-1250000000";

/* PUTs `body` to `key` and copies the version id COS gave it into `id` ("" when it gave none, as for the
 * null version a bucket with versioning suspended writes; `want_id` says whether one must come). */
static void put_v(cos_client *client, const char *key, const char *body, char *id, size_t cap, int want_id) {
    cos_error *err = NULL;
    cos_object_info *info = NULL;
    CHECK_OK(cos_client_put_object_ex(client, BUCKET, key, (const uint8_t *)body, strlen(body), NULL, &info, &err));
    const char *v = cos_object_info_header(info, "x-cos-version-id");
    CHECK(v != NULL || !want_id);
    snprintf(id, cap, "%s", v != NULL ? v : "");
    cos_object_info_free(info);
}

static void put(cos_client *client, const char *key, const char *body, char *id, size_t cap) {
    put_v(client, key, body, id, cap, 1);
}

static int progress_calls = 0;
static uint64_t progress_last = 0;
static int on_progress(void *userdata, uint64_t done, uint64_t total) {
    int *calls = (int *)userdata;
    (*calls)++;
    CHECK(total == 0 && done >= progress_last);
    progress_last = done;
    return 0;
}

static void status_and_listing(cos_client *client, char v[3][64], char *marker) {
    cos_error *err = NULL;
    cos_versioning_status status = COS_VERSIONING_ENABLED;
    CHECK_OK(cos_client_get_bucket_versioning(client, BUCKET, &status, &err));
    CHECK(status == COS_VERSIONING_UNVERSIONED);
    CHECK_OK(cos_client_put_bucket_versioning(client, BUCKET, true, &err));
    CHECK_OK(cos_client_get_bucket_versioning(client, BUCKET, &status, &err));
    CHECK(status == COS_VERSIONING_ENABLED);

    put(client, "doc", "one", v[0], sizeof v[0]);
    put(client, "doc", "two", v[1], sizeof v[1]);
    put(client, "dir/a b+", "x", v[2], sizeof v[2]);
    cos_object_info *info = NULL;
    CHECK_OK(cos_client_delete_object_ex(client, BUCKET, "dir/a b+", NULL, &info, &err));
    CHECK(str_eq(cos_object_info_header(info, "x-cos-delete-marker"), "true"));
    snprintf(marker, 64, "%s", or_null(cos_object_info_header(info, "x-cos-version-id")));
    cos_object_info_free(info);

    /* Page by page with explicit markers, two entries a page: [marker, a b+ v] [doc two, doc one]. */
    cos_version_list *page = NULL;
    CHECK_OK(cos_client_list_object_versions(client, BUCKET, NULL, NULL, NULL, NULL, 2, &page, &err));
    CHECK(cos_version_list_count(page) == 2 && cos_version_list_is_truncated(page));
    CHECK(str_eq(cos_version_list_key(page, 0), "dir/a b+") && cos_version_list_is_delete_marker(page, 0));
    CHECK(str_eq(cos_version_list_version_id(page, 0), marker) && cos_version_list_is_latest(page, 0));
    CHECK(cos_version_list_etag(page, 0) == NULL && cos_version_list_storage_class(page, 0) == NULL);
    CHECK(cos_version_list_size(page, 0) == 0 && cos_version_list_last_modified(page, 0) != NULL);
    CHECK(str_eq(cos_version_list_version_id(page, 1), v[2]) && !cos_version_list_is_latest(page, 1));
    CHECK(!cos_version_list_is_delete_marker(page, 1) && cos_version_list_size(page, 1) == 1);
    CHECK(cos_version_list_etag(page, 1) != NULL && str_eq(cos_version_list_storage_class(page, 1), "STANDARD"));
    (void)cos_version_list_owner_id(page, 1); /* the emulator may or may not name an owner */
    CHECK(cos_version_list_key(page, 2) == NULL && cos_version_list_version_id(page, 2) == NULL);
    CHECK(!cos_version_list_is_latest(page, 2) && cos_version_list_size(page, 2) == 0);
    char key_marker[64], id_marker[64];
    snprintf(key_marker, sizeof key_marker, "%s", or_null(cos_version_list_next_key_marker(page)));
    snprintf(id_marker, sizeof id_marker, "%s", or_null(cos_version_list_next_version_id_marker(page)));
    cos_version_list_free(page);
    page = NULL;
    CHECK_OK(cos_client_list_object_versions(client, BUCKET, NULL, NULL, key_marker, id_marker, 2, &page, &err));
    CHECK(cos_version_list_count(page) == 2);
    CHECK(str_eq(cos_version_list_key(page, 0), "doc") && str_eq(cos_version_list_version_id(page, 0), v[1]));
    CHECK(cos_version_list_is_latest(page, 0) && !cos_version_list_is_latest(page, 1));
    CHECK(str_eq(cos_version_list_version_id(page, 1), v[0]));
    CHECK(!cos_version_list_is_truncated(page) && cos_version_list_next_key_marker(page) == NULL);
    cos_version_list_free(page);
    page = NULL;

    /* A delimiter folds dir/ into a common prefix. */
    CHECK_OK(cos_client_list_object_versions(client, BUCKET, NULL, "/", NULL, NULL, 0, &page, &err));
    CHECK(cos_version_list_prefix_count(page) == 1 && str_eq(cos_version_list_prefix(page, 0), "dir/"));
    CHECK(cos_version_list_prefix(page, 1) == NULL && cos_version_list_count(page) == 2);
    cos_version_list_free(page);

    /* The iterator, one entry a page: four pages, then NULL. */
    cos_version_iter *iter = NULL;
    CHECK_OK(cos_version_iter_new(client, BUCKET, NULL, NULL, 1, &iter, &err));
    int pages = 0, entries = 0;
    for (;;) {
        page = NULL;
        CHECK_RC(cos_version_iter_next(iter, &page, &err), COS_OK);
        if (err != NULL || page == NULL) {
            clear(&err);
            break;
        }
        pages++;
        entries += (int)cos_version_list_count(page);
        cos_version_list_free(page);
    }
    CHECK(pages == 4 && entries == 4);
    cos_version_iter_free(iter);
}

static void by_version(cos_client *client, char v[3][64]) {
    cos_error *err = NULL;
    cos_request_options *opts = cos_request_options_new();
    cos_bytes *body = NULL;
    cos_object_info *info = NULL;
    CHECK_OK(cos_request_options_set_version_id(opts, v[0], &err));
    CHECK_OK(cos_client_get_object_ex(client, BUCKET, "doc", opts, &body, NULL, &err));
    CHECK(cos_bytes_len(body) == 3 && memcmp(cos_bytes_data(body), "one", 3) == 0);
    cos_bytes_free(body);
    CHECK_OK(cos_client_head_object(client, BUCKET, "doc", opts, &info, &err));
    CHECK(str_eq(cos_object_info_header(info, "x-cos-version-id"), v[0]));
    cos_object_info_free(info);

    /* A copy of the old version, then deleting that version for good. */
    cos_request_options *from_old = cos_request_options_new();
    CHECK_OK(cos_request_options_set_copy_source_version_id(from_old, v[0], &err));
    CHECK_OK(cos_client_copy_object(client, BUCKET, "restored", BUCKET, "doc", from_old, NULL, &err));
    body = NULL;
    CHECK_OK(cos_client_get_object(client, BUCKET, "restored", &body, &err));
    CHECK(cos_bytes_len(body) == 3 && memcmp(cos_bytes_data(body), "one", 3) == 0);
    cos_bytes_free(body);
    CHECK_INVALID(cos_request_options_set_copy_source_version_id(from_old, NULL, &err), "version_id");
    CHECK_INVALID(cos_request_options_set_copy_source_version_id(from_old, "", &err), "version id");
    cos_request_options_free(from_old);

    CHECK_OK(cos_client_delete_object_ex(client, BUCKET, "doc", opts, NULL, &err));
    CHECK_RC(cos_client_get_object_ex(client, BUCKET, "doc", opts, &body, NULL, &err), COS_SERVICE_ERROR);
    CHECK(cos_error_http_status(err) == 404);
    clear(&err);
    cos_request_options_free(opts);
}

static void batch_delete(cos_client *client, char v[3][64], const char *marker) {
    cos_error *err = NULL;
    cos_version_delete_result *r = NULL;
    const char *keys[] = {"doc", "dir/a b+", "new-marker"};
    const char *ids[] = {v[1], marker, NULL};
    CHECK_OK(cos_client_delete_object_versions(client, BUCKET, keys, ids, 3, false, &r, &err));
    CHECK(cos_version_delete_result_deleted_count(r) == 3 && cos_version_delete_result_error_count(r) == 0);
    for (size_t i = 0; i < cos_version_delete_result_deleted_count(r); i++) {
        const char *key = cos_version_delete_result_deleted_key(r, i);
        const char *id = cos_version_delete_result_deleted_version_id(r, i);
        bool dm = cos_version_delete_result_deleted_delete_marker(r, i);
        const char *dm_id = cos_version_delete_result_deleted_delete_marker_version_id(r, i);
        if (str_eq(key, "doc")) {
            CHECK(str_eq(id, v[1]) && !dm);
        } else if (str_eq(key, "dir/a b+")) {
            CHECK(str_eq(id, marker) && dm); /* the version named a delete marker: it is removed */
        } else {
            CHECK(str_eq(key, "new-marker") && id == NULL && dm && dm_id != NULL); /* a marker made */
        }
    }
    CHECK(cos_version_delete_result_deleted_key(r, 3) == NULL && !cos_version_delete_result_deleted_delete_marker(r, 3));
    CHECK(cos_version_delete_result_error_key(r, 0) == NULL && cos_version_delete_result_error_version_id(r, 0) == NULL);
    CHECK(cos_version_delete_result_error_code(r, 0) == NULL && cos_version_delete_result_error_message(r, 0) == NULL);
    cos_version_delete_result_free(r);

    /* The marker gone, "dir/a b+" reads again; NULL version_ids is the keys-only delete. */
    cos_bytes *body = NULL;
    CHECK_OK(cos_client_get_object(client, BUCKET, "dir/a b+", &body, &err));
    cos_bytes_free(body);
    r = NULL;
    CHECK_OK(cos_client_delete_object_versions(client, BUCKET, keys + 2, NULL, 1, true, &r, &err));
    CHECK(r != NULL && cos_version_delete_result_deleted_count(r) == 0);
    cos_version_delete_result_free(r);

    /* Bad input: nothing sent. */
    const char *empty_id[] = {""};
    const char *null_key[] = {NULL};
    const char *bad_utf8[] = {"\xff"};
    r = NULL;
    CHECK_INVALID(cos_client_delete_object_versions(client, BUCKET, keys, empty_id, 1, false, &r, &err),
                  "version_ids[0]");
    CHECK_INVALID(cos_client_delete_object_versions(client, BUCKET, NULL, ids, 1, false, &r, &err), "keys");
    CHECK_INVALID(cos_client_delete_object_versions(client, BUCKET, null_key, NULL, 1, false, &r, &err), "keys[0]");
    CHECK_INVALID(cos_client_delete_object_versions(client, BUCKET, keys, bad_utf8, 1, false, &r, &err),
                  "version_ids[0]");
    CHECK_INVALID(cos_client_delete_object_versions(client, BUCKET, keys, ids, SIZE_MAX, false, &r, &err), "keys");
    CHECK(r == NULL);
    CHECK_INVALID(cos_client_list_object_versions(client, BUCKET, NULL, NULL, NULL, "v", 0, NULL, &err), "out");
    cos_version_list *page = NULL;
    CHECK_INVALID(cos_client_list_object_versions(client, BUCKET, NULL, NULL, NULL, "v", 0, &page, &err),
                  "key_marker");
    CHECK_INVALID(cos_client_get_bucket_versioning(client, BUCKET, NULL, &err), "status");
    CHECK_INVALID(cos_client_put_bucket_versioning(client, NULL, true, &err), "bucket");
    CHECK_INVALID(cos_version_iter_next(NULL, &page, &err), "iter");
    CHECK_INVALID(cos_client_bucket_subresource(client, "GET", BUCKET, NULL, NULL, 0, NULL, NULL, NULL, &err),
                  "subresource");
    CHECK(page == NULL);
    /* Accessors take NULL. */
    CHECK(cos_version_list_count(NULL) == 0 && cos_version_list_key(NULL, 0) == NULL);
    CHECK(cos_version_delete_result_deleted_count(NULL) == 0 && cos_version_delete_result_error_count(NULL) == 0);
    cos_version_list_free(NULL);
    cos_version_iter_free(NULL);
    cos_version_delete_result_free(NULL);
}

static void purge(cos_client *client) {
    cos_error *err = NULL;
    cos_versioning_status status = COS_VERSIONING_UNVERSIONED;
    char *upload_id = NULL;
    uint64_t deleted = 0, aborted = 0;
    char id[64];
    CHECK_OK(cos_client_put_bucket_versioning(client, BUCKET, false, &err));
    CHECK_OK(cos_client_get_bucket_versioning(client, BUCKET, &status, &err));
    CHECK(status == COS_VERSIONING_SUSPENDED);
    put_v(client, "keep/1", "k", id, sizeof id, 0);
    put_v(client, "gone/1", "g", id, sizeof id, 0);
    CHECK_OK(cos_client_create_multipart_upload(client, BUCKET, "gone/up", NULL, &upload_id, &err));
    cos_string_free(upload_id);

    /* Only gone/: one version and one upload. */
    CHECK_OK(cos_client_empty_bucket(client, BUCKET, "gone/", NULL, NULL, &deleted, &aborted, &err));
    CHECK(deleted == 1 && aborted == 1);
    CHECK_RC(cos_client_delete_bucket(client, BUCKET, &err), COS_SERVICE_ERROR);
    CHECK(str_eq(cos_error_code(err), "BucketNotEmpty"));
    clear(&err);

    /* Everything, with progress, then the bucket itself. */
    CHECK_OK(cos_client_delete_bucket_recursive(client, BUCKET, on_progress, &progress_calls, &deleted, &err));
    CHECK(deleted >= 5 && progress_calls >= 2 && progress_last == deleted);
    printf("deleted %" PRIu64 " entries in %d progress steps\n", deleted, progress_calls);
    CHECK_RC(cos_client_head_bucket(client, BUCKET, NULL, &err), COS_SERVICE_ERROR);
    CHECK(cos_error_http_status(err) == 404);
    clear(&err);
    CHECK_INVALID(cos_client_empty_bucket(client, "Bad_Bucket", NULL, NULL, NULL, NULL, NULL, &err), "bucket");
    CHECK_INVALID(cos_client_delete_bucket_recursive(NULL, BUCKET, NULL, NULL, NULL, &err), "client");
}

int main(void) {
    cos_client *client = NULL;
    cos_error *err = NULL;
    char v[3][64];
    char marker[64];
    if (cos_client_new_from_env(&client, &err) != COS_OK) {
        print_error(err);
        cos_error_free(err);
        return 2;
    }
    CHECK_OK(cos_client_create_bucket(client, BUCKET, &err));
    status_and_listing(client, v, marker);
    by_version(client, v);
    batch_delete(client, v, marker);
    purge(client);
    cos_client_free(client);
    printf("api_versions: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
