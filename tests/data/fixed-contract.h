/* The fixed contract of the C ABI: declarations that exist verbatim in include/cos.h, so that programs
 * written outside the project compile against every release. Copied from the shared design notes
 * (design/capi.md, section "The fixed contract", its first C block) so that the tests read only the
 * repository; tests/c_abi_checks.rs checks the header against it and compiles a program that repeats it.
 * Change it only together with the design notes. */
const char *cos_version(void);                 /* "MAJOR.MINOR.PATCH" */
const char *cos_status_str(cos_status status);

/* Reads COS_SECRET_ID, COS_SECRET_KEY, COS_SESSION_TOKEN (optional), COS_REGION, COS_SCHEME (http|https,
 * default https), COS_ENDPOINT (optional host suffix, default cos.<region>.myqcloud.com) and COS_ADDRESS
 * (optional host:port to connect to instead of resolving the host; the Host header stays
 * <bucket>.<endpoint>, which is how the local emulator is reached). */
cos_status cos_client_new_from_env(cos_client **out, cos_error **err);
void       cos_client_free(cos_client *client);

cos_status cos_client_create_bucket(const cos_client *client, const char *bucket, cos_error **err);
cos_status cos_client_delete_bucket(const cos_client *client, const char *bucket, cos_error **err);
cos_status cos_client_put_object(const cos_client *client, const char *bucket, const char *key,
                                 const uint8_t *data, size_t len, cos_error **err);
cos_status cos_client_get_object(const cos_client *client, const char *bucket, const char *key,
                                 cos_bytes **out, cos_error **err);
cos_status cos_client_delete_object(const cos_client *client, const char *bucket, const char *key,
                                    cos_error **err);

/* A presigned URL for METHOD ("GET", "PUT", ...) on bucket/key, signed for the window
 * [start_unix, start_unix + expires_s] with the host header signed; with a session token configured the
 * token is a signed query parameter of the URL. Free the URL with cos_string_free. */
cos_status cos_client_presign_url(const cos_client *client, const char *method, const char *bucket,
                                  const char *key, int64_t start_unix, uint32_t expires_s,
                                  char **url_out, cos_error **err);
void       cos_string_free(char *s);

const uint8_t *cos_bytes_data(const cos_bytes *bytes);
size_t         cos_bytes_len(const cos_bytes *bytes);
void           cos_bytes_free(cos_bytes *bytes);

/* Added with the COS API work (design/capi.md, "Added with the COS API work (sub-resources)"). */
cos_status cos_client_bucket_subresource(const cos_client *client, const char *method, const char *bucket,
                                         const char *subresource, const uint8_t *body, size_t len,
                                         const cos_request_options *opts, cos_bytes **body_out,
                                         cos_object_info **info_out, cos_error **err);
cos_status cos_client_object_subresource(const cos_client *client, const char *method, const char *bucket,
                                         const char *key, const char *subresource, const uint8_t *body,
                                         size_t len, const cos_request_options *opts, cos_bytes **body_out,
                                         cos_object_info **info_out, cos_error **err);
