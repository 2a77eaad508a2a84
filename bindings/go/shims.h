/*
 * shims.h: the C side of the Go callbacks. Go hands C a runtime/cgo.Handle (an integer) as userdata; these
 * functions have the cos_*_fn signatures, turn userdata back into the handle and call the //export
 * trampolines of callbacks.go. The cosgo_* wrappers call the C functions that take callbacks, so that Go
 * code never converts an integer to a pointer itself (go vet would rightly flag it).
 */
#ifndef COS_GO_SHIMS_H
#define COS_GO_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include "cos.h"

cos_status cosgo_upload_file(const cos_client *client, const char *bucket, const char *key, const char *path,
                             const cos_transfer_options *opts, uintptr_t h, cos_object_info **info,
                             cos_error **err);
cos_status cosgo_download_file(const cos_client *client, const char *bucket, const char *key, const char *path,
                               const cos_transfer_options *opts, uintptr_t h, cos_object_info **info,
                               cos_error **err);
cos_status cosgo_copy(const cos_client *client, const char *bucket, const char *key, const char *src_bucket,
                      const char *src_key, const cos_transfer_options *opts, uintptr_t h, cos_object_info **info,
                      cos_error **err);
cos_status cosgo_copy_ex(const cos_client *client, const char *bucket, const char *key, const cos_copy_source *source,
                         const cos_transfer_options *opts, uintptr_t h, cos_object_info **info, cos_error **err);
cos_status cosgo_upload_from_reader(const cos_client *client, const char *bucket, const char *key,
                                    const cos_transfer_options *opts, uintptr_t h, cos_object_info **info,
                                    cos_error **err);
cos_status cosgo_delete_bucket_recursive(const cos_client *client, const char *bucket, uintptr_t h,
                                         uint64_t *deleted, cos_error **err);
cos_status cosgo_config_set_log(cos_client_config *config, uintptr_t h, int max_level, cos_error **err);
cos_status cosgo_upload_prefix(const cos_client *client, const char *bucket, const char *prefix, const char *dir,
                               const cos_tree_options *opts, uintptr_t h, cos_tree_report **report, cos_error **err);
cos_status cosgo_download_tree(const cos_client *client, const char *bucket, const char *prefix, const char *dir,
                               const cos_tree_options *opts, uintptr_t h, cos_tree_report **report, cos_error **err);
cos_status cosgo_config_set_credentials_provider(cos_client_config *config, uintptr_t h, cos_error **err);
cos_status cosgo_config_set_observer(cos_client_config *config, uintptr_t h, cos_error **err);

#endif
