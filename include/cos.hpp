/*
 * cos.hpp: a header-only C++17 wrapper over cos.h.
 *
 * - `cospp::Owned<T>` owns any handle of cos.h (move-only, freed with the handle's `cos_*_free`), so every C
 *   call can be used without leaks: `cospp::Owned<cos_bytes> data;  cospp::call(cos_client_get_object, ...,
 *   data.out());`.
 * - Failures are exceptions: `cospp::ServiceError` (COS answered with an error: the Python SDK's
 *   CosServiceError) and `cospp::ClientError` (everything else: CosClientError), both `cospp::Error`, a
 *   `std::runtime_error` carrying every field of the `cos_error` (status code, error code, message, request
 *   id, trace id, resource, raw XML, digest). `cospp::call(fn, args...)` calls any C function with `&err`
 *   appended and throws; `cospp::check(status, err)` throws for a status you already have.
 * - Friendly classes for the common work: `cospp::Config`, `cospp::Client` (thread-safe like `cos_client`),
 *   `cospp::RequestOptions`, `cospp::TransferOptions`, `cospp::CancelToken`, `cospp::PresignOptions`,
 *   `cospp::ObjectReader` / `cospp::ObjectWriter` (and `cospp::ReadBuf` / `cospp::WriteBuf`, their
 *   std::streambufs for iostreams), `cospp::ObjectListing` (an input range over a paged
 *   listing), `cospp::Operation` (a non-blocking call). Inputs are `std::string_view`; they are copied into
 *   NUL-terminated strings for the C API.
 * - Callbacks are `std::function`. No exception ever crosses into the C library: each trampoline is
 *   `noexcept`, catches everything, stores it and makes the C call stop (a non-zero return, which the C API
 *   turns into COS_CANCELLED); the stored exception is rethrown once the C call has returned and freed its
 *   resources. Log, observer and credential callbacks run on whichever thread made a request, with no caller
 *   to rethrow to: exceptions from the first two are dropped, one from a credentials provider fails the
 *   request with its `what()` as the message.
 *
 * Everything is in namespace `cospp`, not `cos`: <cmath> (and <math.h>, which many headers pull in)
 * declares the function ::cos, and C++ forbids a namespace and a function of the same name in one scope, so
 * `namespace cos` would not compile in any program that also computes a cosine.
 *
 * Needs only the standard library and cos.h; link with -lcos as for C.
 */
#ifndef COS_HPP
#define COS_HPP

#include "cos.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cospp {

/* ================================================================================================
 * Owned<T>: the RAII owner of every handle
 * ================================================================================================ */

/// How to free a handle of type T. Specialised below for every handle cos.h can hand out (and for `char`,
/// the strings freed with cos_string_free). `cos_request_metrics` has none on purpose: it is only ever
/// lent to an observer callback, never owned.
template <typename T>
struct HandleTraits;

#define COS_HPP_HANDLE(type, free_fn)                 \
    template <>                                       \
    struct HandleTraits<type> {                       \
        static void free(type *p) noexcept {          \
            free_fn(p);                               \
        }                                             \
    };

COS_HPP_HANDLE(char, cos_string_free)
COS_HPP_HANDLE(cos_acl_policy, cos_acl_policy_free)
COS_HPP_HANDLE(cos_appender, cos_appender_free)
COS_HPP_HANDLE(cos_bucket_filter, cos_bucket_filter_free)
COS_HPP_HANDLE(cos_bucket_list, cos_bucket_list_free)
COS_HPP_HANDLE(cos_bytes, cos_bytes_free)
COS_HPP_HANDLE(cos_cancel_token, cos_cancel_token_free)
COS_HPP_HANDLE(cos_client, cos_client_free)
COS_HPP_HANDLE(cos_client_config, cos_client_config_free)
COS_HPP_HANDLE(cos_copy_source, cos_copy_source_free)
COS_HPP_HANDLE(cos_cors, cos_cors_free)
COS_HPP_HANDLE(cos_cors_preflight, cos_cors_preflight_free)
COS_HPP_HANDLE(cos_credentials, cos_credentials_free)
COS_HPP_HANDLE(cos_delete_result, cos_delete_result_free)
COS_HPP_HANDLE(cos_error, cos_error_free)
COS_HPP_HANDLE(cos_lifecycle, cos_lifecycle_free)
COS_HPP_HANDLE(cos_object_info, cos_object_info_free)
COS_HPP_HANDLE(cos_object_iter, cos_object_iter_free)
COS_HPP_HANDLE(cos_object_list, cos_object_list_free)
COS_HPP_HANDLE(cos_object_reader, cos_object_reader_free)
COS_HPP_HANDLE(cos_object_writer, cos_object_writer_free)
COS_HPP_HANDLE(cos_operation, cos_operation_free)
COS_HPP_HANDLE(cos_part, cos_part_free)
COS_HPP_HANDLE(cos_part_list, cos_part_list_free)
COS_HPP_HANDLE(cos_presign_options, cos_presign_options_free)
COS_HPP_HANDLE(cos_raw_request, cos_raw_request_free)
COS_HPP_HANDLE(cos_request_options, cos_request_options_free)
COS_HPP_HANDLE(cos_select_reader, cos_select_reader_free)
COS_HPP_HANDLE(cos_select_request, cos_select_request_free)
COS_HPP_HANDLE(cos_select_stats, cos_select_stats_free)
COS_HPP_HANDLE(cos_tag_set, cos_tag_set_free)
COS_HPP_HANDLE(cos_transfer_metrics, cos_transfer_metrics_free)
COS_HPP_HANDLE(cos_transfer_options, cos_transfer_options_free)
COS_HPP_HANDLE(cos_tree_options, cos_tree_options_free)
COS_HPP_HANDLE(cos_tree_report, cos_tree_report_free)
COS_HPP_HANDLE(cos_upload_list, cos_upload_list_free)
COS_HPP_HANDLE(cos_version_delete_result, cos_version_delete_result_free)
COS_HPP_HANDLE(cos_version_iter, cos_version_iter_free)
COS_HPP_HANDLE(cos_version_list, cos_version_list_free)

#undef COS_HPP_HANDLE

/// Owns one handle (or nothing), like a std::unique_ptr whose deleter is the handle's `cos_*_free`.
template <typename T>
class Owned {
public:
    Owned() noexcept = default;
    explicit Owned(T *p) noexcept : p_(p) {}
    Owned(Owned &&other) noexcept : p_(other.release()) {}
    Owned &operator=(Owned &&other) noexcept {
        reset(other.release());
        return *this;
    }
    Owned(const Owned &) = delete;
    Owned &operator=(const Owned &) = delete;
    ~Owned() { reset(); }

    T *get() const noexcept { return p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    /// Gives the handle up without freeing it.
    T *release() noexcept { return std::exchange(p_, nullptr); }
    /// Frees the current handle and takes `p`.
    void reset(T *p = nullptr) noexcept {
        T *old = std::exchange(p_, p);
        if (old != nullptr) {
            HandleTraits<T>::free(old);
        }
    }
    /// For a C out-parameter (`T **out`): frees the current handle and returns where the new one goes.
    T **out() noexcept {
        reset();
        return &p_;
    }

private:
    T *p_ = nullptr;
};

/* ================================================================================================
 * Errors
 * ================================================================================================ */

/// A failed call: everything its `cos_error` said, copied (so the exception outlives the handle and is
/// cheap to copy). Absent fields are empty strings.
class Error : public std::runtime_error {
public:
    /// Copies the fields of `e` (which stays the caller's); `fallback` is the status when `e` is NULL.
    Error(const cos_error *e, cos_status fallback) : Error(read(e, fallback)) {}

    cos_status status() const noexcept { return d_->status; }
    /// HTTP status of the failed response, 0 when none was received (Python SDK: get_status_code).
    int status_code() const noexcept { return d_->http_status; }
    /// COS error code such as "NoSuchKey" (get_error_code); empty for client errors.
    const std::string &error_code() const noexcept { return d_->code; }
    /// The message (get_error_msg): COS's, or a description of the client-side cause.
    const std::string &message() const noexcept { return d_->message; }
    const std::string &request_id() const noexcept { return d_->request_id; }
    const std::string &trace_id() const noexcept { return d_->trace_id; }
    /// The resource the error is about (get_resource_location).
    const std::string &resource_location() const noexcept { return d_->resource; }
    /// The error body exactly as received (get_origin_msg).
    const std::string &origin_msg() const noexcept { return d_->raw_xml; }
    /// A one-line summary with every field present (get_digest_msg); also what what() returns.
    const std::string &digest_msg() const noexcept { return d_->digest; }
    /// HTTP requests the failed call sent (retries included).
    std::uint32_t attempts() const noexcept { return d_->attempts; }

    // The Python SDK's names, for code ported from it.
    int get_status_code() const noexcept { return status_code(); }
    const std::string &get_error_code() const noexcept { return error_code(); }
    const std::string &get_error_msg() const noexcept { return message(); }
    const std::string &get_request_id() const noexcept { return request_id(); }
    const std::string &get_trace_id() const noexcept { return trace_id(); }
    const std::string &get_resource_location() const noexcept { return resource_location(); }
    const std::string &get_origin_msg() const noexcept { return origin_msg(); }
    const std::string &get_digest_msg() const noexcept { return digest_msg(); }

private:
    struct Details {
        cos_status status = COS_OK;
        int http_status = 0;
        std::uint32_t attempts = 0;
        std::string code, message, request_id, trace_id, resource, raw_xml, digest;
    };

    static std::string text(const char *s) { return s != nullptr ? s : ""; }

    static std::shared_ptr<const Details> read(const cos_error *e, cos_status fallback) {
        auto d = std::make_shared<Details>();
        if (e == nullptr) {
            d->status = fallback;
            d->message = d->digest = cos_status_str(fallback);
            return d;
        }
        d->status = cos_error_status(e);
        d->http_status = cos_error_http_status(e);
        d->attempts = cos_error_attempts(e);
        d->code = text(cos_error_code(e));
        d->message = text(cos_error_message(e));
        d->request_id = text(cos_error_request_id(e));
        d->trace_id = text(cos_error_trace_id(e));
        d->resource = text(cos_error_resource(e));
        d->raw_xml = text(cos_error_raw_xml(e));
        d->digest = text(cos_error_digest(e));
        return d;
    }

    explicit Error(std::shared_ptr<const Details> d)
        : std::runtime_error(d->digest.empty() ? d->message : d->digest), d_(std::move(d)) {}

    // Shared, so that copying the exception (as throw and catch by value do) never allocates.
    std::shared_ptr<const Details> d_;
};

/// COS answered with an error (COS_SERVICE_ERROR): the Python SDK's CosServiceError.
class ServiceError : public Error {
public:
    using Error::Error;
};

/// The call failed on this side: no connection, a timeout, a bad argument, a local file, a cancel, ...
/// (every status but COS_SERVICE_ERROR): the Python SDK's CosClientError.
class ClientError : public Error {
public:
    using Error::Error;
};

/// Throws the exception for a failed status, freeing `err` (may be NULL) first.
[[noreturn]] inline void throw_error(cos_status status, cos_error *err) {
    Owned<cos_error> owned(err);
    if (status == COS_SERVICE_ERROR) {
        throw ServiceError(owned.get(), status);
    }
    throw ClientError(owned.get(), status);
}

/// Takes ownership of `err` (the out-parameter of a C call that returned `status`): frees it, and throws
/// ServiceError or ClientError unless `status` is COS_OK.
inline void check(cos_status status, cos_error *err) {
    if (status != COS_OK) {
        throw_error(status, err);
    }
    cos_error_free(err);  // NULL after a success; freed anyway in case
}

/// Calls any fallible C function with `args...` and its `cos_error **err` appended, and throws on failure:
/// `cospp::call(cos_client_put_bucket_versioning, client.get(), "b-1250000000", true);`
template <typename Fn, typename... Args>
void call(Fn &&fn, Args &&...args) {
    cos_error *err = nullptr;
    const cos_status status = std::forward<Fn>(fn)(std::forward<Args>(args)..., &err);
    check(status, err);
}

namespace detail {

/// A NUL-terminated copy of a string_view for the C API.
inline std::string z(std::string_view s) {
    return std::string(s);
}

/// NULL for an empty string: the C API's "not given" for optional strings (prefix, delimiter, marker).
inline const char *or_null(const std::string &s) noexcept {
    return s.empty() ? nullptr : s.c_str();
}

inline std::string text(const char *s) {
    return s != nullptr ? s : "";
}

inline std::optional<std::string> maybe(const char *s) {
    if (s == nullptr) {
        return std::nullopt;
    }
    return std::string(s);
}

/// A string the library allocated (cos_string_free), copied into a std::string.
inline std::string take_string(char *s) {
    Owned<char> owned(s);
    return text(owned.get());
}

/// The bytes as a std::string (empty bytes may have no data pointer).
inline std::string string_of(const cos_bytes *bytes) {
    const std::size_t len = cos_bytes_len(bytes);
    return len > 0 ? std::string(reinterpret_cast<const char *>(cos_bytes_data(bytes)), len) : std::string();
}

/// Keeps the first exception a callback threw until the C call it interrupted has returned.
class CaughtException {
public:
    /// Runs `f` (returning an int for C: 0 = go on); an exception is stored and makes the C side stop.
    template <typename F>
    int run(F &&f) noexcept {
        if (caught_) {
            return 1;  // already stopping: do not call user code again
        }
        try {
            return std::forward<F>(f)();
        } catch (...) {
            caught_ = std::current_exception();
            return 1;
        }
    }

    void rethrow_if_any() {
        if (caught_) {
            std::rethrow_exception(std::exchange(caught_, nullptr));
        }
    }

private:
    std::exception_ptr caught_;
};

/// Like cospp::call, for a C call that runs callbacks guarded by `caught`: the callback's exception (if
/// any) wins over the status it caused (COS_CANCELLED), after `err` was freed.
template <typename Fn, typename... Args>
void call_guarded(CaughtException &caught, Fn &&fn, Args &&...args) {
    cos_error *err = nullptr;
    const cos_status status = std::forward<Fn>(fn)(std::forward<Args>(args)..., &err);
    Owned<cos_error> owned(err);
    caught.rethrow_if_any();
    check(status, owned.release());
}

}  // namespace detail

/// The library's version, "MAJOR.MINOR.PATCH".
inline std::string version() {
    return cos_version();
}

/* ================================================================================================
 * Values: response headers, listing entries
 * ================================================================================================ */

/// Read access to response headers someone else owns (an ObjectReader's, or a Headers').
class HeadersView {
public:
    explicit HeadersView(const cos_object_info *info = nullptr) noexcept : info_(info) {}

    /// The ETag with its quotes, as COS sends it; empty when absent.
    std::string etag() const { return detail::text(cos_object_info_etag(info_)); }
    /// Content-Length, -1 when absent.
    std::int64_t content_length() const noexcept { return cos_object_info_content_length(info_); }
    /// COS's CRC-64 of the object, when it sent one.
    std::optional<std::uint64_t> crc64() const noexcept {
        std::uint64_t crc = 0;
        if (!cos_object_info_crc64(info_, &crc)) {
            return std::nullopt;
        }
        return crc;
    }
    /// A response header by name (any case).
    std::optional<std::string> header(std::string_view name) const {
        return detail::maybe(cos_object_info_header(info_, detail::z(name).c_str()));
    }
    /// User metadata `x-cos-meta-<name>` (`name` with or without the prefix).
    std::optional<std::string> metadata(std::string_view name) const {
        return detail::maybe(cos_object_info_metadata(info_, detail::z(name).c_str()));
    }
    /// Every header, in the order received.
    std::vector<std::pair<std::string, std::string>> all() const {
        std::vector<std::pair<std::string, std::string>> out;
        for (std::size_t i = 0, n = cos_object_info_header_count(info_); i < n; i++) {
            out.emplace_back(detail::text(cos_object_info_header_name(info_, i)),
                             detail::text(cos_object_info_header_value(info_, i)));
        }
        return out;
    }
    const cos_object_info *get() const noexcept { return info_; }

private:
    const cos_object_info *info_;
};

/// Response headers a call returned (owned: a `cos_object_info`).
class Headers : public HeadersView {
public:
    Headers() noexcept = default;
    explicit Headers(Owned<cos_object_info> info) noexcept : HeadersView(info.get()), info_(std::move(info)) {}
    // The view points at the object, which a move hands over: the moved-from one is left empty.
    Headers(Headers &&other) noexcept : HeadersView(other.get()), info_(std::move(other.info_)) {
        static_cast<HeadersView &>(other) = HeadersView();
    }
    Headers &operator=(Headers &&other) noexcept {
        if (this == &other) {
            return *this;
        }
        static_cast<HeadersView &>(*this) = HeadersView(other.get());
        info_ = std::move(other.info_);
        static_cast<HeadersView &>(other) = HeadersView();
        return *this;
    }

private:
    Owned<cos_object_info> info_;
};

/// One object of a listing. (The C `cos_object_info`, response headers, is Headers here.)
struct ObjectInfo {
    std::string key;
    std::uint64_t size = 0;
    std::string etag;
    std::string last_modified;  // ISO 8601
    std::string storage_class;
};

/// One page of a listing (Client::list_page).
struct ObjectPage {
    std::vector<ObjectInfo> objects;
    std::vector<std::string> prefixes;  // the common prefixes, when a delimiter was given
    bool truncated = false;
    std::string next_marker;
};

/// One version (or delete marker) of a versioned listing.
struct VersionInfo {
    std::string key;
    std::string version_id;
    bool is_latest = false;
    bool is_delete_marker = false;
    std::uint64_t size = 0;
    std::string etag;
};

/// Tags of an object or a bucket, in order.
using Tags = std::vector<std::pair<std::string, std::string>>;

namespace detail {

inline ObjectInfo object_at(const cos_object_list *page, std::size_t i) {
    ObjectInfo o;
    o.key = text(cos_object_list_key(page, i));
    o.size = cos_object_list_size(page, i);
    o.etag = text(cos_object_list_etag(page, i));
    o.last_modified = text(cos_object_list_last_modified(page, i));
    o.storage_class = text(cos_object_list_storage_class(page, i));
    return o;
}

inline ObjectPage page_of(const cos_object_list *page) {
    ObjectPage p;
    for (std::size_t i = 0, n = cos_object_list_count(page); i < n; i++) {
        p.objects.push_back(object_at(page, i));
    }
    for (std::size_t i = 0, n = cos_object_list_prefix_count(page); i < n; i++) {
        p.prefixes.push_back(text(cos_object_list_prefix(page, i)));
    }
    p.truncated = cos_object_list_is_truncated(page);
    p.next_marker = text(cos_object_list_next_marker(page));
    return p;
}

inline Owned<cos_tag_set> tag_set(const Tags &tags) {
    Owned<cos_tag_set> set(cos_tag_set_new());
    for (const auto &kv : tags) {
        call(cos_tag_set_add, set.get(), z(kv.first).c_str(), z(kv.second).c_str());
    }
    return set;
}

inline Tags tags_of(const cos_tag_set *set) {
    Tags out;
    for (std::size_t i = 0, n = cos_tag_set_count(set); i < n; i++) {
        out.emplace_back(text(cos_tag_set_key(set, i)), text(cos_tag_set_value(set, i)));
    }
    return out;
}

}  // namespace detail

/* ================================================================================================
 * Options
 * ================================================================================================ */

/// Options for single requests (cos_request_options). Setters chain: `RequestOptions().content_type(..)`.
class RequestOptions {
public:
    RequestOptions() : o_(cos_request_options_new()) {}

    RequestOptions &header(std::string_view name, std::string_view value) {
        call(cos_request_options_set_header, o_.get(), detail::z(name).c_str(), detail::z(value).c_str());
        return *this;
    }
    RequestOptions &query(std::string_view name, std::string_view value) {
        call(cos_request_options_set_query, o_.get(), detail::z(name).c_str(), detail::z(value).c_str());
        return *this;
    }
    RequestOptions &metadata(std::string_view name, std::string_view value) {
        call(cos_request_options_set_metadata, o_.get(), detail::z(name).c_str(), detail::z(value).c_str());
        return *this;
    }
    RequestOptions &content_type(std::string_view value) {
        call(cos_request_options_set_content_type, o_.get(), detail::z(value).c_str());
        return *this;
    }
    RequestOptions &storage_class(std::string_view value) {
        call(cos_request_options_set_storage_class, o_.get(), detail::z(value).c_str());
        return *this;
    }
    RequestOptions &acl(std::string_view canned) {
        call(cos_request_options_set_acl, o_.get(), detail::z(canned).c_str());
        return *this;
    }
    /// Bytes first..=last; `last` < 0 means to the end.
    RequestOptions &range(std::uint64_t first, std::int64_t last) {
        call(cos_request_options_set_range, o_.get(), first, last);
        return *this;
    }
    RequestOptions &version_id(std::string_view id) {
        call(cos_request_options_set_version_id, o_.get(), detail::z(id).c_str());
        return *this;
    }
    RequestOptions &if_match(std::string_view etag) {
        call(cos_request_options_set_if_match, o_.get(), detail::z(etag).c_str());
        return *this;
    }
    RequestOptions &if_none_match(std::string_view etag) {
        call(cos_request_options_set_if_none_match, o_.get(), detail::z(etag).c_str());
        return *this;
    }
    RequestOptions &content_md5(bool on) {
        call(cos_request_options_set_content_md5, o_.get(), on);
        return *this;
    }
    RequestOptions &verify_crc(bool on) {
        call(cos_request_options_set_verify_crc, o_.get(), on);
        return *this;
    }
    /// Tags of the object an upload creates.
    RequestOptions &tags(const Tags &tags) {
        call(cos_request_options_set_tags, o_.get(), detail::tag_set(tags).get());
        return *this;
    }

    /// For any other cos_request_options_* setter: `cospp::call(cos_request_options_set_acl, o.get(), ...)`.
    cos_request_options *get() const noexcept { return o_.get(); }

private:
    Owned<cos_request_options> o_;
};

/// Cancels the transfers whose options carry it, from any thread (cos_cancel_token).
class CancelToken {
public:
    CancelToken() : t_(cos_cancel_token_new()) {}
    void cancel() const noexcept { cos_cancel_token_cancel(t_.get()); }
    bool is_cancelled() const noexcept { return cos_cancel_token_is_cancelled(t_.get()); }
    cos_cancel_token *get() const noexcept { return t_.get(); }

private:
    Owned<cos_cancel_token> t_;
};

/// How a managed transfer runs (cos_transfer_options): part size, parallelism, checkpoint, cancel token.
class TransferOptions {
public:
    TransferOptions() : o_(cos_transfer_options_new()) {}

    TransferOptions &part_size(std::uint64_t bytes) {
        call(cos_transfer_options_set_part_size, o_.get(), bytes);
        return *this;
    }
    TransferOptions &concurrency(std::uint32_t parts_in_flight) {
        call(cos_transfer_options_set_concurrency, o_.get(), parts_in_flight);
        return *this;
    }
    /// Copied: `request` may be changed or destroyed afterwards.
    TransferOptions &request_options(const RequestOptions &request) {
        call(cos_transfer_options_set_request_options, o_.get(), request.get());
        return *this;
    }
    TransferOptions &checkpoint_path(std::string_view path) {
        call(cos_transfer_options_set_checkpoint_path, o_.get(), detail::z(path).c_str());
        return *this;
    }
    TransferOptions &resumable(bool on) {
        call(cos_transfer_options_set_resumable, o_.get(), on);
        return *this;
    }
    TransferOptions &part_timeout_ms(std::uint64_t ms) {
        call(cos_transfer_options_set_part_timeout_ms, o_.get(), ms);
        return *this;
    }
    /// The options keep their own reference to the token.
    TransferOptions &cancel_token(const CancelToken &token) {
        call(cos_transfer_options_set_cancel_token, o_.get(), token.get());
        return *this;
    }

    cos_transfer_options *get() const noexcept { return o_.get(); }

private:
    Owned<cos_transfer_options> o_;
};

/// What a presigned URL covers besides method and resource (cos_presign_options).
class PresignOptions {
public:
    PresignOptions() : o_(cos_presign_options_new()) {}

    PresignOptions &start(std::int64_t unix_seconds) {
        call(cos_presign_options_set_start, o_.get(), unix_seconds);
        return *this;
    }
    PresignOptions &expires(std::uint32_t seconds) {
        call(cos_presign_options_set_expires, o_.get(), seconds);
        return *this;
    }
    PresignOptions &param(std::string_view name, std::string_view value) {
        call(cos_presign_options_add_param, o_.get(), detail::z(name).c_str(), detail::z(value).c_str());
        return *this;
    }
    PresignOptions &header(std::string_view name, std::string_view value) {
        call(cos_presign_options_add_header, o_.get(), detail::z(name).c_str(), detail::z(value).c_str());
        return *this;
    }
    PresignOptions &sign_host(bool on) {
        call(cos_presign_options_set_sign_host, o_.get(), on);
        return *this;
    }

    cos_presign_options *get() const noexcept { return o_.get(); }

private:
    Owned<cos_presign_options> o_;
};

/* ================================================================================================
 * Config
 * ================================================================================================ */

/// What one request cost, copied from the `cos_request_metrics` an observer is lent.
struct RequestMetrics {
    std::string method, host, path;
    std::uint16_t status = 0;  // HTTP status of the last attempt, 0 when none answered
    std::uint32_t attempts = 0;
    std::vector<std::string> request_ids;
    std::uint64_t bytes_sent = 0, bytes_received = 0;
    std::int64_t connect_us = 0;  // -1 when the connection was reused
    std::uint64_t first_byte_us = 0, total_us = 0;
};

/// Credentials a provider gives; `expires_unix` 0 means they never expire.
struct Credentials {
    std::string secret_id, secret_key, session_token;
    std::int64_t expires_unix = 0;
};

using LogFn = std::function<void(cos_log_severity, std::string_view message)>;
using ObserverFn = std::function<void(const RequestMetrics &)>;
using CredentialsFn = std::function<Credentials()>;

/// Settings for a Client (cos_client_config). Callbacks given here are kept alive by every Client made
/// from it, for as long as that Client lives.
class Config {
public:
    Config() : c_(cos_client_config_new()) {}

    /// COS_SECRET_ID, COS_SECRET_KEY, COS_REGION, ... as cos_client_config_from_env reads them.
    static Config from_env() {
        Owned<cos_client_config> c;
        call(cos_client_config_from_env, c.out());
        return Config(std::move(c));
    }

    Config &region(std::string_view region) {
        call(cos_client_config_set_region, c_.get(), detail::z(region).c_str());
        return *this;
    }
    Config &credentials(std::string_view secret_id, std::string_view secret_key) {
        call(cos_client_config_set_credentials, c_.get(), detail::z(secret_id).c_str(),
             detail::z(secret_key).c_str());
        return *this;
    }
    Config &session_token(std::string_view token) {
        call(cos_client_config_set_session_token, c_.get(), detail::z(token).c_str());
        return *this;
    }
    /// "http" or "https".
    Config &scheme(std::string_view scheme) {
        call(cos_client_config_set_scheme, c_.get(), detail::z(scheme).c_str());
        return *this;
    }
    Config &endpoint(std::string_view endpoint) {
        call(cos_client_config_set_endpoint, c_.get(), detail::z(endpoint).c_str());
        return *this;
    }
    /// "host:port" to connect to instead of resolving the request's host.
    Config &address(std::string_view address) {
        call(cos_client_config_set_address, c_.get(), detail::z(address).c_str());
        return *this;
    }
    Config &user_agent(std::string_view user_agent) {
        call(cos_client_config_set_user_agent, c_.get(), detail::z(user_agent).c_str());
        return *this;
    }
    Config &timeouts(std::uint32_t connect_ms, std::uint32_t read_ms) {
        call(cos_client_config_set_timeouts, c_.get(), connect_ms, read_ms);
        return *this;
    }
    Config &max_retries(std::uint32_t retries) {
        call(cos_client_config_set_max_retries, c_.get(), retries);
        return *this;
    }
    Config &operation_timeout_ms(std::uint64_t ms) {
        call(cos_client_config_set_operation_timeout, c_.get(), ms);
        return *this;
    }
    Config &background_workers(std::uint32_t workers) {
        call(cos_client_config_set_background_workers, c_.get(), workers);
        return *this;
    }

    /// Log lines up to `max_level`, from any thread making a request (several at once): `fn` must be
    /// thread-safe. An exception it throws is dropped.
    Config &on_log(LogFn fn, cos_log_severity max_level) {
        auto held = std::make_shared<LogFn>(std::move(fn));
        call(cos_client_config_set_log, c_.get(), &Config::log_trampoline, held.get(), max_level);
        keep_alive_.push_back(std::move(held));
        return *this;
    }

    /// The metrics of every request when it finished, from the thread that made it: thread-safe, and an
    /// exception it throws is dropped.
    Config &on_request(ObserverFn fn) {
        auto held = std::make_shared<ObserverFn>(std::move(fn));
        call(cos_client_config_set_observer, c_.get(), &Config::observer_trampoline, held.get());
        keep_alive_.push_back(std::move(held));
        return *this;
    }

    /// Credentials from `fn` instead of fixed ones (see cos_credentials_fn for when it is called). An
    /// exception it throws fails the request that needed them, with its what() as the error's message.
    Config &credentials_provider(CredentialsFn fn) {
        auto held = std::make_shared<CredentialsFn>(std::move(fn));
        call(cos_client_config_set_credentials_provider, c_.get(), &Config::credentials_trampoline, held.get());
        keep_alive_.push_back(std::move(held));
        return *this;
    }

    /// For any other cos_client_config_* setter.
    cos_client_config *get() const noexcept { return c_.get(); }

private:
    friend class Client;

    explicit Config(Owned<cos_client_config> c) : c_(std::move(c)) {}

    static void log_trampoline(void *userdata, cos_log_severity level, const char *message) noexcept {
        try {
            (*static_cast<LogFn *>(userdata))(level, message != nullptr ? message : "");
        } catch (...) {
            // No caller to give it to: the request it describes goes on regardless.
        }
    }

    static void observer_trampoline(void *userdata, const cos_request_metrics *m) noexcept {
        try {
            RequestMetrics r;
            r.method = detail::text(cos_request_metrics_method(m));
            r.host = detail::text(cos_request_metrics_host(m));
            r.path = detail::text(cos_request_metrics_path(m));
            r.status = cos_request_metrics_status(m);
            r.attempts = cos_request_metrics_attempts(m);
            for (std::size_t i = 0, n = cos_request_metrics_request_id_count(m); i < n; i++) {
                r.request_ids.push_back(detail::text(cos_request_metrics_request_id(m, i)));
            }
            r.bytes_sent = cos_request_metrics_bytes_sent(m);
            r.bytes_received = cos_request_metrics_bytes_received(m);
            r.connect_us = cos_request_metrics_connect_us(m);
            r.first_byte_us = cos_request_metrics_first_byte_us(m);
            r.total_us = cos_request_metrics_total_us(m);
            (*static_cast<ObserverFn *>(userdata))(r);
        } catch (...) {
            // As for logs: an observer cannot fail the request it observes.
        }
    }

    static int credentials_trampoline(void *userdata, cos_credentials *out) noexcept {
        try {
            const Credentials c = (*static_cast<CredentialsFn *>(userdata))();
            call(cos_credentials_set, out, c.secret_id.c_str(), c.secret_key.c_str(),
                 detail::or_null(c.session_token), c.expires_unix);
            return 0;
        } catch (const std::exception &e) {
            cos_credentials_fail(out, e.what(), nullptr);
        } catch (...) {
            cos_credentials_fail(out, "the credentials provider threw a non-standard exception", nullptr);
        }
        return 1;
    }

    Owned<cos_client_config> c_;
    std::vector<std::shared_ptr<void>> keep_alive_;  // the std::functions the C config points at
};

/* ================================================================================================
 * Streams, listings, operations
 * ================================================================================================ */

/// A pull-style download (cos_object_reader). One thread at a time.
class ObjectReader {
public:
    explicit ObjectReader(Owned<cos_object_reader> r) noexcept : r_(std::move(r)) {}

    /// Reads up to `cap` bytes into `buf`; 0 means the whole object was read and its CRC-64 verified.
    std::size_t read(void *buf, std::size_t cap) {
        std::size_t n = 0;
        call(cos_object_reader_read, r_.get(), static_cast<std::uint8_t *>(buf), cap, &n);
        return n;
    }
    /// Everything that is left.
    std::string read_all() {
        std::string out;
        char chunk[64 * 1024];
        for (std::size_t n; (n = read(chunk, sizeof chunk)) > 0;) {
            out.append(chunk, n);
        }
        return out;
    }
    /// The GET's response headers, valid as long as this reader.
    HeadersView headers() const noexcept { return HeadersView(cos_object_reader_info(r_.get())); }
    cos_object_reader *get() const noexcept { return r_.get(); }

private:
    Owned<cos_object_reader> r_;
};

/// A push-style upload (cos_object_writer). One thread at a time. Destroyed unfinished, it aborts the
/// upload (see cos_object_writer_free).
class ObjectWriter {
public:
    explicit ObjectWriter(Owned<cos_object_writer> w) noexcept : w_(std::move(w)) {}

    void write(const void *data, std::size_t len) {
        call(cos_object_writer_write, w_.get(), static_cast<const std::uint8_t *>(data), len);
    }
    void write(std::string_view data) { write(data.data(), data.size()); }
    /// Uploads what is left and completes the object.
    Headers finish() {
        Owned<cos_object_info> info;
        call(cos_object_writer_finish, w_.get(), info.out());
        return Headers(std::move(info));
    }
    /// Abandons the upload (a started multipart upload is aborted on COS).
    void abort() { call(cos_object_writer_abort, w_.get()); }
    cos_object_writer *get() const noexcept { return w_.get(); }

private:
    Owned<cos_object_writer> w_;
};

/// A std::streambuf reading an object, for std::istream:
/// `cospp::ReadBuf buf(client.open_reader(bucket, key));  std::istream in(&buf);`. A failed read throws
/// from underflow(), which std::istream turns into badbit (or rethrows, when in.exceptions() has badbit).
class ReadBuf : public std::streambuf {
public:
    explicit ReadBuf(ObjectReader reader, std::size_t buffer_size = 64 * 1024)
        : reader_(std::move(reader)), buf_(buffer_size > 0 ? buffer_size : 1) {}
    ObjectReader &reader() noexcept { return reader_; }

protected:
    int_type underflow() override {
        if (gptr() < egptr()) {
            return traits_type::to_int_type(*gptr());
        }
        const std::size_t n = reader_.read(buf_.data(), buf_.size());
        if (n == 0) {
            return traits_type::eof();  // the whole object was read and verified
        }
        setg(buf_.data(), buf_.data(), buf_.data() + n);
        return traits_type::to_int_type(*gptr());
    }

private:
    ObjectReader reader_;
    std::vector<char> buf_;
};

/// A std::streambuf writing an object, for std::ostream; call finish() to complete the object (destroyed
/// without it, the upload is abandoned, as for ObjectWriter). A failed write throws from overflow() or
/// sync(), which std::ostream turns into badbit (or rethrows, when out.exceptions() has badbit).
class WriteBuf : public std::streambuf {
public:
    explicit WriteBuf(ObjectWriter writer, std::size_t buffer_size = 64 * 1024)
        : writer_(std::move(writer)), buf_(buffer_size > 0 ? buffer_size : 1) {
        setp(buf_.data(), buf_.data() + buf_.size());
    }
    /// Sends what is buffered and completes the object.
    Headers finish() {
        send_buffer();
        return writer_.finish();
    }
    ObjectWriter &writer() noexcept { return writer_; }

protected:
    int_type overflow(int_type ch) override {
        send_buffer();
        if (!traits_type::eq_int_type(ch, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(ch);
            pbump(1);
        }
        return traits_type::not_eof(ch);
    }
    int sync() override {
        send_buffer();
        return 0;
    }

private:
    void send_buffer() {
        const auto n = static_cast<std::size_t>(pptr() - pbase());
        setp(buf_.data(), buf_.data() + buf_.size());  // emptied first: a throwing write does not resend
        if (n > 0) {
            writer_.write(buf_.data(), n);
        }
    }

    ObjectWriter writer_;
    std::vector<char> buf_;
};

/// Every object under a prefix, fetched page by page as it is iterated (cos_object_iter): an input range,
/// `for (const cospp::ObjectInfo &o : client.list_objects(bucket, "dir/")) ...`. A failing page throws from
/// the increment (or from begin()).
class ObjectListing {
public:
    explicit ObjectListing(Owned<cos_object_iter> it) noexcept : it_(std::move(it)) {}

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = ObjectInfo;
        using difference_type = std::ptrdiff_t;
        using pointer = const ObjectInfo *;
        using reference = const ObjectInfo &;

        iterator() noexcept = default;
        reference operator*() const noexcept { return listing_->current_; }
        pointer operator->() const noexcept { return &listing_->current_; }
        iterator &operator++() {
            if (!listing_->next(listing_->current_)) {
                listing_ = nullptr;
            }
            return *this;
        }
        bool operator==(const iterator &other) const noexcept { return listing_ == other.listing_; }
        bool operator!=(const iterator &other) const noexcept { return listing_ != other.listing_; }

    private:
        friend class ObjectListing;
        explicit iterator(ObjectListing *listing) noexcept : listing_(listing) {}
        ObjectListing *listing_ = nullptr;
    };

    /// Starts the iteration (fetching the first page); call it once.
    iterator begin() { return next(current_) ? iterator(this) : iterator(); }
    iterator end() noexcept { return iterator(); }

    /// The pull-style alternative: the next object into `out`, false at the end.
    bool next(ObjectInfo &out) {
        while (!page_ || index_ >= cos_object_list_count(page_.get())) {
            if (finished_) {
                return false;
            }
            call(cos_object_iter_next, it_.get(), page_.out());
            index_ = 0;
            finished_ = !page_;  // COS_OK with no page: the last one was the end
        }
        out = detail::object_at(page_.get(), index_++);
        return true;
    }

private:
    Owned<cos_object_iter> it_;
    Owned<cos_object_list> page_;
    std::size_t index_ = 0;
    bool finished_ = false;
    ObjectInfo current_;
};

/// A call running on the client's worker pool (cos_operation). Destroying a running operation cancels
/// it and waits for it, because it may still be using the buffers it was given (which it keeps alive).
class Operation {
public:
    Operation(Owned<cos_operation> op, std::shared_ptr<const std::string> body) noexcept
        : op_(std::move(op)), body_(std::move(body)) {}
    Operation(Operation &&) noexcept = default;
    Operation &operator=(Operation &&other) noexcept {
        if (this == &other) {
            return *this;
        }
        stop();
        op_ = std::move(other.op_);
        body_ = std::move(other.body_);
        return *this;
    }
    ~Operation() { stop(); }

    cos_op_state poll() const noexcept { return cos_operation_poll(op_.get()); }
    /// True when it completed within `timeout_ms` (negative: no limit).
    bool wait(std::int64_t timeout_ms = -1) const noexcept { return cos_operation_wait(op_.get(), timeout_ms); }
    void cancel() const noexcept { cos_operation_cancel(op_.get()); }
    /// A descriptor that becomes readable on completion (for poll/epoll); owned by the operation.
    int fd() const noexcept { return cos_operation_fd(op_.get()); }
    /// Waits for completion and throws if the call failed.
    void check() const {
        wait();
        call(cos_operation_status, op_.get());
    }
    /// Waits, then the data of a start_get.
    std::string take_string() const {
        wait();
        Owned<cos_bytes> bytes;
        call(cos_operation_take_bytes, op_.get(), bytes.out());
        return detail::string_of(bytes.get());
    }
    /// Waits, then the response headers (start_put, start_get, start_head, ...).
    Headers take_headers() const {
        wait();
        Owned<cos_object_info> info;
        call(cos_operation_take_info, op_.get(), info.out());
        return Headers(std::move(info));
    }
    cos_operation *get() const noexcept { return op_.get(); }

private:
    void stop() noexcept {
        if (op_ && !cos_operation_wait(op_.get(), 0)) {
            cos_operation_cancel(op_.get());
            cos_operation_wait(op_.get(), -1);
        }
        op_.reset();
        body_.reset();
    }

    Owned<cos_operation> op_;
    std::shared_ptr<const std::string> body_;  // what a start_put sends, alive until it completed
};

/* ================================================================================================
 * Client
 * ================================================================================================ */

/// Reports `done` of `total` bytes (`total` 0 while unknown). Throw to stop the transfer: the exception
/// comes out of the call that ran it.
using ProgressFn = std::function<void(std::uint64_t done, std::uint64_t total)>;
/// Fills up to `cap` bytes of `buf` and returns how many; 0 only at the end of the body.
using ReadFn = std::function<std::size_t(std::uint8_t *buf, std::size_t cap)>;
/// Receives the next bytes of a download.
using WriteFn = std::function<void(const std::uint8_t *data, std::size_t len)>;

/// A COS client (cos_client): immutable and safe to use from any number of threads at once; every method
/// is const. Move-only; a moved-from Client may only be destroyed or assigned to.
class Client {
public:
    explicit Client(const Config &config) : keep_alive_(config.keep_alive_) {
        call(cos_client_new, config.get(), c_.out());
    }
    Client(Client &&) noexcept = default;
    // The old client goes before the callbacks it may still call.
    Client &operator=(Client &&other) noexcept {
        c_ = std::move(other.c_);
        keep_alive_ = std::move(other.keep_alive_);
        return *this;
    }
    /// From the environment as cos_client_new_from_env reads it: COS_SECRET_ID, COS_SECRET_KEY, COS_REGION, ...
    static Client from_env() { return Client(Config::from_env()); }

    // Buckets
    void create_bucket(std::string_view bucket) const {
        call(cos_client_create_bucket, c_.get(), detail::z(bucket).c_str());
    }
    void delete_bucket(std::string_view bucket) const {
        call(cos_client_delete_bucket, c_.get(), detail::z(bucket).c_str());
    }
    bool bucket_exists(std::string_view bucket) const {
        bool exists = false;
        call(cos_client_bucket_exists, c_.get(), detail::z(bucket).c_str(), &exists);
        return exists;
    }

    // One request each: put, get, head, delete, copy
    Headers put(std::string_view bucket, std::string_view key, const void *data, std::size_t len,
                const RequestOptions *opts = nullptr) const {
        Owned<cos_object_info> info;
        call(cos_client_put_object_ex, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(),
             static_cast<const std::uint8_t *>(data), len, opts_of(opts), info.out());
        return Headers(std::move(info));
    }
    Headers put(std::string_view bucket, std::string_view key, std::string_view data,
                const RequestOptions *opts = nullptr) const {
        return put(bucket, key, data.data(), data.size(), opts);
    }
    Headers put(std::string_view bucket, std::string_view key, const std::vector<std::uint8_t> &data,
                const RequestOptions *opts = nullptr) const {
        return put(bucket, key, data.data(), data.size(), opts);
    }
    /// Exactly `content_length` bytes from `read` (not retried: a callback body cannot be replayed).
    Headers put_from(std::string_view bucket, std::string_view key, ReadFn read, std::uint64_t content_length,
                     const RequestOptions *opts = nullptr) const {
        Reading reading{std::move(read), {}};
        Owned<cos_object_info> info;
        detail::call_guarded(reading.caught, cos_client_put_object_from_reader, c_.get(), detail::z(bucket).c_str(),
                             detail::z(key).c_str(), &Client::read_trampoline, &reading, content_length,
                             opts_of(opts), info.out());
        return Headers(std::move(info));
    }

    std::string get(std::string_view bucket, std::string_view key, const RequestOptions *opts = nullptr) const {
        return detail::string_of(get_raw(bucket, key, opts).get());
    }
    std::vector<std::uint8_t> get_bytes(std::string_view bucket, std::string_view key,
                                        const RequestOptions *opts = nullptr) const {
        Owned<cos_bytes> bytes = get_raw(bucket, key, opts);
        const std::uint8_t *data = cos_bytes_data(bytes.get());
        const std::size_t len = cos_bytes_len(bytes.get());
        return len > 0 ? std::vector<std::uint8_t>(data, data + len) : std::vector<std::uint8_t>();
    }
    /// Streams the object to `write` as it arrives (the CRC-64 is checked after the last byte).
    Headers get_to(std::string_view bucket, std::string_view key, WriteFn write,
                   const RequestOptions *opts = nullptr) const {
        Writing writing{std::move(write), {}};
        Owned<cos_object_info> info;
        detail::call_guarded(writing.caught, cos_client_get_object_to_writer, c_.get(), detail::z(bucket).c_str(),
                             detail::z(key).c_str(), &Client::write_trampoline, &writing, opts_of(opts),
                             info.out());
        return Headers(std::move(info));
    }

    Headers head(std::string_view bucket, std::string_view key, const RequestOptions *opts = nullptr) const {
        Owned<cos_object_info> info;
        call(cos_client_head_object, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(), opts_of(opts),
             info.out());
        return Headers(std::move(info));
    }
    bool exists(std::string_view bucket, std::string_view key) const {
        bool exists = false;
        call(cos_client_object_exists, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(), &exists);
        return exists;
    }
    /// Deleting a key that does not exist succeeds, as in COS.
    void delete_object(std::string_view bucket, std::string_view key) const {
        call(cos_client_delete_object, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str());
    }
    /// Server-side copy of `src_bucket`/`src_key` to `bucket`/`key` (one request, up to 5 GiB).
    Headers copy(std::string_view bucket, std::string_view key, std::string_view src_bucket,
                 std::string_view src_key, const RequestOptions *opts = nullptr) const {
        Owned<cos_object_info> info;
        call(cos_client_copy_object, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(),
             detail::z(src_bucket).c_str(), detail::z(src_key).c_str(), opts_of(opts), info.out());
        return Headers(std::move(info));
    }

    // Listing
    /// One page (`prefix`, `delimiter`, `marker` empty for none; `max_keys` 0 for COS's 1000).
    ObjectPage list_page(std::string_view bucket, std::string_view prefix = {}, std::string_view delimiter = {},
                         std::string_view marker = {}, std::uint32_t max_keys = 0) const {
        const std::string p(prefix), d(delimiter), m(marker);
        Owned<cos_object_list> page;
        call(cos_client_list_objects, c_.get(), detail::z(bucket).c_str(), detail::or_null(p), detail::or_null(d),
             detail::or_null(m), max_keys, page.out());
        return detail::page_of(page.get());
    }
    /// A lazy range over every object under `prefix`, fetched `page_size` at a time.
    ObjectListing list_objects(std::string_view bucket, std::string_view prefix = {},
                               std::uint32_t page_size = 0) const {
        const std::string p(prefix);
        Owned<cos_object_iter> it;
        call(cos_object_iter_new, c_.get(), detail::z(bucket).c_str(), detail::or_null(p), nullptr, page_size,
             it.out());
        return ObjectListing(std::move(it));
    }
    /// Every object under `prefix`, all pages.
    std::vector<ObjectInfo> list(std::string_view bucket, std::string_view prefix = {}) const {
        std::vector<ObjectInfo> out;
        for (const ObjectInfo &o : list_objects(bucket, prefix)) {
            out.push_back(o);
        }
        return out;
    }

    // Managed transfers
    Headers upload_file(std::string_view bucket, std::string_view key, std::string_view path,
                        const TransferOptions *opts = nullptr, ProgressFn progress = nullptr) const {
        return transfer(cos_client_upload_file, bucket, key, path, opts, std::move(progress));
    }
    Headers download_file(std::string_view bucket, std::string_view key, std::string_view path,
                          const TransferOptions *opts = nullptr, ProgressFn progress = nullptr) const {
        return transfer(cos_client_download_file, bucket, key, path, opts, std::move(progress));
    }
    ObjectReader open_reader(std::string_view bucket, std::string_view key,
                             const RequestOptions *opts = nullptr) const {
        Owned<cos_object_reader> r;
        call(cos_object_reader_open, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(), opts_of(opts),
             r.out());
        return ObjectReader(std::move(r));
    }
    ObjectWriter open_writer(std::string_view bucket, std::string_view key,
                             const TransferOptions *opts = nullptr) const {
        Owned<cos_object_writer> w;
        call(cos_object_writer_open, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(),
             opts != nullptr ? opts->get() : nullptr, w.out());
        return ObjectWriter(std::move(w));
    }

    // Tagging
    void put_tags(std::string_view bucket, std::string_view key, const Tags &tags) const {
        call(cos_client_put_object_tagging, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(),
             detail::tag_set(tags).get(), nullptr);
    }
    Tags get_tags(std::string_view bucket, std::string_view key) const {
        Owned<cos_tag_set> set;
        call(cos_client_get_object_tagging, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(), nullptr,
             set.out());
        return detail::tags_of(set.get());
    }
    void delete_tags(std::string_view bucket, std::string_view key) const {
        call(cos_client_delete_object_tagging, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(),
             nullptr);
    }

    // Versioning
    void set_versioning(std::string_view bucket, bool enabled) const {
        call(cos_client_put_bucket_versioning, c_.get(), detail::z(bucket).c_str(), enabled);
    }
    cos_versioning_status versioning(std::string_view bucket) const {
        cos_versioning_status status = COS_VERSIONING_UNVERSIONED;
        call(cos_client_get_bucket_versioning, c_.get(), detail::z(bucket).c_str(), &status);
        return status;
    }
    /// Every version and delete marker under `prefix`, in COS's order.
    std::vector<VersionInfo> list_versions(std::string_view bucket, std::string_view prefix = {}) const {
        const std::string p(prefix);
        Owned<cos_version_iter> it;
        call(cos_version_iter_new, c_.get(), detail::z(bucket).c_str(), detail::or_null(p), nullptr, 0u, it.out());
        std::vector<VersionInfo> out;
        for (;;) {
            Owned<cos_version_list> page;
            call(cos_version_iter_next, it.get(), page.out());
            if (!page) {
                return out;
            }
            for (std::size_t i = 0, n = cos_version_list_count(page.get()); i < n; i++) {
                VersionInfo v;
                v.key = detail::text(cos_version_list_key(page.get(), i));
                v.version_id = detail::text(cos_version_list_version_id(page.get(), i));
                v.is_latest = cos_version_list_is_latest(page.get(), i);
                v.is_delete_marker = cos_version_list_is_delete_marker(page.get(), i);
                v.size = cos_version_list_size(page.get(), i);
                v.etag = detail::text(cos_version_list_etag(page.get(), i));
                out.push_back(std::move(v));
            }
        }
    }

    // Presigned URLs
    /// For METHOD on bucket/key, valid [start_unix, start_unix + expires_s], host signed.
    std::string presign_url(std::string_view method, std::string_view bucket, std::string_view key,
                            std::int64_t start_unix, std::uint32_t expires_s) const {
        char *url = nullptr;
        call(cos_client_presign_url, c_.get(), detail::z(method).c_str(), detail::z(bucket).c_str(),
             detail::z(key).c_str(), start_unix, expires_s, &url);
        return detail::take_string(url);
    }
    std::string presign_url(std::string_view method, std::string_view bucket, std::string_view key,
                            const PresignOptions &opts) const {
        char *url = nullptr;
        call(cos_client_presign_url_ex, c_.get(), detail::z(method).c_str(), detail::z(bucket).c_str(),
             detail::z(key).c_str(), opts.get(), &url);
        return detail::take_string(url);
    }

    // Non-blocking calls
    /// Starts a put of `data` (copied; the Operation keeps the copy until the put completed).
    Operation start_put(std::string_view bucket, std::string_view key, std::string_view data,
                        const RequestOptions *opts = nullptr) const {
        auto body = std::make_shared<const std::string>(data);
        Owned<cos_operation> op;
        call(cos_client_start_put_object, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(),
             reinterpret_cast<const std::uint8_t *>(body->data()), body->size(), opts_of(opts), nullptr, nullptr,
             op.out());
        return Operation(std::move(op), std::move(body));
    }
    Operation start_get(std::string_view bucket, std::string_view key, const RequestOptions *opts = nullptr) const {
        Owned<cos_operation> op;
        call(cos_client_start_get_object, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(),
             opts_of(opts), nullptr, nullptr, op.out());
        return Operation(std::move(op), nullptr);
    }

    /// For every other cos_client_* call: `cospp::call(cos_client_get_bucket_policy, client.get(), ...)`.
    const cos_client *get() const noexcept { return c_.get(); }

private:
    struct Reading {
        ReadFn fn;
        detail::CaughtException caught;
    };
    struct Writing {
        WriteFn fn;
        detail::CaughtException caught;
    };
    struct Progress {
        ProgressFn fn;
        detail::CaughtException caught;
    };

    static const cos_request_options *opts_of(const RequestOptions *opts) noexcept {
        return opts != nullptr ? opts->get() : nullptr;
    }

    Owned<cos_bytes> get_raw(std::string_view bucket, std::string_view key, const RequestOptions *opts) const {
        Owned<cos_bytes> bytes;
        call(cos_client_get_object_ex, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(), opts_of(opts),
             bytes.out(), nullptr);
        return bytes;
    }

    template <typename TransferFn>
    Headers transfer(TransferFn fn, std::string_view bucket, std::string_view key, std::string_view path,
                     const TransferOptions *opts, ProgressFn progress) const {
        Progress state{std::move(progress), {}};
        Owned<cos_object_info> info;
        detail::call_guarded(state.caught, fn, c_.get(), detail::z(bucket).c_str(), detail::z(key).c_str(),
                             detail::z(path).c_str(), opts != nullptr ? opts->get() : nullptr,
                             state.fn ? &Client::progress_trampoline : nullptr, &state, info.out());
        return Headers(std::move(info));
    }

    static int read_trampoline(void *userdata, std::uint8_t *buf, std::size_t cap, std::size_t *written) noexcept {
        auto *r = static_cast<Reading *>(userdata);
        return r->caught.run([&] {
            const std::size_t n = r->fn(buf, cap);
            if (n > cap) {
                throw std::length_error("cospp::ReadFn returned more bytes than the buffer holds");
            }
            *written = n;
            return 0;
        });
    }

    static int write_trampoline(void *userdata, const std::uint8_t *data, std::size_t len) noexcept {
        auto *w = static_cast<Writing *>(userdata);
        return w->caught.run([&] {
            w->fn(data, len);
            return 0;
        });
    }

    static int progress_trampoline(void *userdata, std::uint64_t done, std::uint64_t total) noexcept {
        auto *p = static_cast<Progress *>(userdata);
        return p->caught.run([&] {
            p->fn(done, total);
            return 0;
        });
    }

    // Declared first so that it is destroyed last: the C client may call the callbacks until it is freed.
    std::vector<std::shared_ptr<void>> keep_alive_;  // the Config's callbacks, which the C client calls
    Owned<cos_client> c_;
};

}  // namespace cospp

#endif /* COS_HPP */
