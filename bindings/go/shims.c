// See shims.h. Compiled by cgo with the package's flags (pkg-config cos).
#include "shims.h"

// The //export functions of callbacks.go (their prototypes are also in cgo's _cgo_export.h).
extern int cosgoProgress(uintptr_t h, uint64_t done, uint64_t total);
extern int cosgoRead(uintptr_t h, uint8_t *buf, size_t cap, size_t *written);
extern void cosgoLog(uintptr_t h, int level, char *message);
extern int cosgoCredentials(uintptr_t h, cos_credentials *out);
extern void cosgoObserve(uintptr_t h, cos_request_metrics *m);

static int cosgo_progress(void *userdata, uint64_t done, uint64_t total) {
    return cosgoProgress((uintptr_t)userdata, done, total);
}

static int cosgo_read(void *userdata, uint8_t *buf, size_t cap, size_t *written) {
    return cosgoRead((uintptr_t)userdata, buf, cap, written);
}

cos_status cosgo_upload_file(const cos_client *client, const char *bucket, const char *key, const char *path,
                             const cos_transfer_options *opts, uintptr_t h, cos_object_info **info,
                             cos_error **err) {
    return cos_client_upload_file(client, bucket, key, path, opts, cosgo_progress, (void *)h, info, err);
}

cos_status cosgo_download_file(const cos_client *client, const char *bucket, const char *key, const char *path,
                               const cos_transfer_options *opts, uintptr_t h, cos_object_info **info,
                               cos_error **err) {
    return cos_client_download_file(client, bucket, key, path, opts, cosgo_progress, (void *)h, info, err);
}

cos_status cosgo_copy(const cos_client *client, const char *bucket, const char *key, const char *src_bucket,
                      const char *src_key, const cos_transfer_options *opts, uintptr_t h, cos_object_info **info,
                      cos_error **err) {
    return cos_client_copy(client, bucket, key, src_bucket, src_key, opts, cosgo_progress, (void *)h, info, err);
}

cos_status cosgo_copy_ex(const cos_client *client, const char *bucket, const char *key, const cos_copy_source *source,
                         const cos_transfer_options *opts, uintptr_t h, cos_object_info **info, cos_error **err) {
    return cos_client_copy_ex(client, bucket, key, source, opts, cosgo_progress, (void *)h, info, err);
}

cos_status cosgo_upload_from_reader(const cos_client *client, const char *bucket, const char *key,
                                    const cos_transfer_options *opts, uintptr_t h, cos_object_info **info,
                                    cos_error **err) {
    return cos_client_upload_from_reader(client, bucket, key, cosgo_read, (void *)h, opts, cosgo_progress, (void *)h,
                                         info, err);
}

cos_status cosgo_delete_bucket_recursive(const cos_client *client, const char *bucket, uintptr_t h,
                                         uint64_t *deleted, cos_error **err) {
    return cos_client_delete_bucket_recursive(client, bucket, cosgo_progress, (void *)h, deleted, err);
}

static void cosgo_log(void *userdata, cos_log_severity level, const char *message) {
    cosgoLog((uintptr_t)userdata, (int)level, (char *)message);
}

cos_status cosgo_config_set_log(cos_client_config *config, uintptr_t h, int max_level, cos_error **err) {
    return cos_client_config_set_log(config, cosgo_log, (void *)h, (cos_log_severity)max_level, err);
}

cos_status cosgo_upload_prefix(const cos_client *client, const char *bucket, const char *prefix, const char *dir,
                               const cos_tree_options *opts, uintptr_t h, cos_tree_report **report, cos_error **err) {
    return cos_client_upload_prefix(client, bucket, prefix, dir, opts, cosgo_progress, (void *)h, report, err);
}

cos_status cosgo_download_tree(const cos_client *client, const char *bucket, const char *prefix, const char *dir,
                               const cos_tree_options *opts, uintptr_t h, cos_tree_report **report, cos_error **err) {
    return cos_client_download_tree(client, bucket, prefix, dir, opts, cosgo_progress, (void *)h, report, err);
}

static int cosgo_credentials(void *userdata, cos_credentials *out) {
    return cosgoCredentials((uintptr_t)userdata, out);
}

cos_status cosgo_config_set_credentials_provider(cos_client_config *config, uintptr_t h, cos_error **err) {
    return cos_client_config_set_credentials_provider(config, cosgo_credentials, (void *)h, err);
}

static void cosgo_observe(void *userdata, const cos_request_metrics *m) {
    cosgoObserve((uintptr_t)userdata, (cos_request_metrics *)m);
}

cos_status cosgo_config_set_observer(cos_client_config *config, uintptr_t h, cos_error **err) {
    return cos_client_config_set_observer(config, cosgo_observe, (void *)h, err);
}
