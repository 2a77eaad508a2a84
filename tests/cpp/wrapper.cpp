// wrapper.cpp: drives every class of include/cos.hpp against a live cos-emulator, checking every result:
// owners and their moves, a NoSuchKey as cospp::ServiceError with every accessor, a refused connection as
// cospp::ClientError, the cospp::call / cospp::check escape hatches, options, put/get/head/delete/copy,
// listings (pages, the lazy range, the pull API), reader and writer (and their iostream buffers), tagging, versioning, presigned URLs,
// non-blocking operations, managed transfers with a std::function progress, callbacks that throw (the
// exception reaches the caller after the C call returned), log / observer / credentials callbacks, and 16
// std::threads sharing one Client.
//
// Usage: wrapper SCRATCH_DIR   (COS_SECRET_ID, COS_SECRET_KEY, COS_REGION, COS_SCHEME=http and
//        COS_ADDRESS=127.0.0.1:PORT in the environment). Run by tests/cpp_wrapper.rs plainly, under
//        AddressSanitizer/UBSan and under valgrind: everything it makes is freed by the owners.
// Prints one line per failed check and "wrapper: N checks, 0 failed" at the end; exits 0 when all passed.

#include <cos.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>  // declares ::cos: the wrapper's namespace must not collide with it
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <istream>
#include <ostream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

// Every handle type has an owner: instantiating each one compiles its traits and its free function.
template class cospp::Owned<char>;
template class cospp::Owned<cos_acl_policy>;
template class cospp::Owned<cos_appender>;
template class cospp::Owned<cos_bucket_filter>;
template class cospp::Owned<cos_bucket_list>;
template class cospp::Owned<cos_bytes>;
template class cospp::Owned<cos_cancel_token>;
template class cospp::Owned<cos_client>;
template class cospp::Owned<cos_client_config>;
template class cospp::Owned<cos_copy_source>;
template class cospp::Owned<cos_cors>;
template class cospp::Owned<cos_cors_preflight>;
template class cospp::Owned<cos_credentials>;
template class cospp::Owned<cos_delete_result>;
template class cospp::Owned<cos_error>;
template class cospp::Owned<cos_lifecycle>;
template class cospp::Owned<cos_object_info>;
template class cospp::Owned<cos_object_iter>;
template class cospp::Owned<cos_object_list>;
template class cospp::Owned<cos_object_reader>;
template class cospp::Owned<cos_object_writer>;
template class cospp::Owned<cos_operation>;
template class cospp::Owned<cos_part>;
template class cospp::Owned<cos_part_list>;
template class cospp::Owned<cos_presign_options>;
template class cospp::Owned<cos_raw_request>;
template class cospp::Owned<cos_request_options>;
template class cospp::Owned<cos_select_reader>;
template class cospp::Owned<cos_select_request>;
template class cospp::Owned<cos_select_stats>;
template class cospp::Owned<cos_tag_set>;
template class cospp::Owned<cos_transfer_metrics>;
template class cospp::Owned<cos_transfer_options>;
template class cospp::Owned<cos_tree_options>;
template class cospp::Owned<cos_tree_report>;
template class cospp::Owned<cos_upload_list>;
template class cospp::Owned<cos_version_delete_result>;
template class cospp::Owned<cos_version_iter>;
template class cospp::Owned<cos_version_list>;

static_assert(!std::is_copy_constructible_v<cospp::Owned<cos_bytes>>, "owners are move-only");
static_assert(std::is_nothrow_move_constructible_v<cospp::Owned<cos_bytes>>, "moves never throw");
static_assert(!std::is_copy_constructible_v<cospp::Client>, "a client is move-only");
static_assert(std::is_nothrow_move_constructible_v<cospp::Headers>, "headers move");
static_assert(std::is_base_of_v<std::runtime_error, cospp::Error>, "errors are runtime_errors");
static_assert(std::is_base_of_v<cospp::Error, cospp::ServiceError>, "ServiceError is an Error");
static_assert(std::is_base_of_v<cospp::Error, cospp::ClientError>, "ClientError is an Error");

namespace {

const char *const BUCKET = "cppwrap-1250000000";

std::atomic<int> checks{0};
std::atomic<int> failures{0};

#define CHECK(cond)                                                                \
    do {                                                                           \
        checks++;                                                                  \
        if (!(cond)) {                                                             \
            failures++;                                                            \
            std::fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                          \
    } while (0)

// Runs `body`, which must throw an E; returns it (or a default-made copy when it did not throw).
template <typename E, typename F>
std::optional<E> expect_throw(const char *what, F &&body) {
    checks++;
    try {
        body();
    } catch (const E &e) {
        return e;
    } catch (const std::exception &e) {
        failures++;
        std::fprintf(stderr, "FAILED %s: threw the wrong exception: %s\n", what, e.what());
        return std::nullopt;
    }
    failures++;
    std::fprintf(stderr, "FAILED %s: did not throw\n", what);
    return std::nullopt;
}

// The exception a throwing callback raises: not a cospp::Error, so it cannot be confused with one.
struct Boom : std::runtime_error {
    explicit Boom(int n) : std::runtime_error("boom " + std::to_string(n)), at(n) {}
    int at;
};

std::string env(const char *name) {
    const char *v = std::getenv(name);
    return v != nullptr ? v : "";
}

std::string pattern(std::size_t len, unsigned seed) {
    std::string s(len, '\0');
    for (std::size_t i = 0; i < len; i++) {
        s[i] = static_cast<char>((i * 31 + seed * 7 + i / 251) & 0xff);
    }
    return s;
}

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string &path, const std::string &data) {
    std::ofstream out(path, std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

void owners_and_moves() {
    cospp::Owned<cos_request_options> a(cos_request_options_new());
    cos_request_options *raw = a.get();
    cospp::Owned<cos_request_options> b(std::move(a));
    CHECK(!a && b.get() == raw);
    cospp::Owned<cos_request_options> c(cos_request_options_new());
    c = std::move(b);  // frees c's first handle
    CHECK(!b && c.get() == raw);
    c.reset(cos_request_options_new());
    CHECK(c && c.get() != nullptr);
    cos_request_options *released = c.release();
    CHECK(!c);
    cos_request_options_free(released);

    // Handles made by _new functions, freed by their owners.
    cospp::Owned<cos_bucket_filter> filter(cos_bucket_filter_new());
    cospp::Owned<cos_lifecycle> lifecycle(cos_lifecycle_new());
    cospp::Owned<cos_cors> cors(cos_cors_new());
    cospp::Owned<cos_acl_policy> acl(cos_acl_policy_new());
    cospp::Owned<cos_raw_request> raw_request(cos_raw_request_new());
    cospp::Owned<cos_select_request> select(cos_select_request_new());
    cospp::Owned<cos_tree_options> tree(cos_tree_options_new());
    cospp::Owned<cos_transfer_metrics> metrics(cos_transfer_metrics_new());
    cospp::Owned<cos_credentials> credentials(cos_credentials_new());
    cospp::Owned<cos_part_list> parts(cos_part_list_new());
    cospp::Owned<cos_tag_set> tags(cos_tag_set_new());
    CHECK(filter && lifecycle && cors && acl && raw_request && select && tree && metrics && credentials && parts &&
          tags);
    cospp::Owned<cos_copy_source> source;
    cospp::call(cos_copy_source_new, BUCKET, "k", source.out());
    CHECK(source);
    cospp::call(cos_tag_set_add, tags.get(), "a", "1");
    CHECK(cos_tag_set_count(tags.get()) == 1);
}

void service_error_has_every_field(const cospp::Client &client) {
    auto e = expect_throw<cospp::ServiceError>("get of a missing key", [&] { client.get(BUCKET, "no/such.key"); });
    if (!e) {
        return;
    }
    CHECK(e->status() == COS_SERVICE_ERROR);
    CHECK(e->status_code() == 404);
    CHECK(e->error_code() == "NoSuchKey");
    CHECK(!e->message().empty());
    CHECK(!e->request_id().empty());
    CHECK(!e->trace_id().empty());
    CHECK(contains(e->resource_location(), "no/such.key"));
    CHECK(contains(e->origin_msg(), "<Code>NoSuchKey</Code>"));
    CHECK(contains(e->origin_msg(), e->request_id()));
    CHECK(contains(e->digest_msg(), "NoSuchKey") && contains(e->digest_msg(), e->request_id()));
    CHECK(e->attempts() == 1);
    CHECK(std::string(e->what()) == e->digest_msg());
    // The Python SDK's names give the same.
    CHECK(e->get_status_code() == 404 && e->get_error_code() == "NoSuchKey");
    CHECK(e->get_error_msg() == e->message() && e->get_request_id() == e->request_id());
    CHECK(e->get_trace_id() == e->trace_id() && e->get_resource_location() == e->resource_location());
    CHECK(e->get_origin_msg() == e->origin_msg() && e->get_digest_msg() == e->digest_msg());

    // Caught through the common base and as a std::runtime_error too; a HEAD has no body to carry a code.
    auto base = expect_throw<cospp::Error>("head of a missing key", [&] { client.head(BUCKET, "no/such.key"); });
    CHECK(base && base->status_code() == 404 && base->error_code() == "NoSuchResource" && base->origin_msg().empty());
    bool as_runtime_error = false;
    try {
        client.get(BUCKET, "no/such.key");
    } catch (const std::runtime_error &r) {
        as_runtime_error = contains(r.what(), "NoSuchKey") && dynamic_cast<const cospp::ServiceError *>(&r);
    }
    CHECK(as_runtime_error);
}

void client_error_on_a_refused_connection() {
    // Port 1 on the loopback: nothing listens, the connection is refused at once.
    cospp::Config config;
    config.region("ap-guangzhou")
        .credentials(env("COS_SECRET_ID"), env("COS_SECRET_KEY"))
        .scheme("http")
        .address("127.0.0.1:1")
        .max_retries(0)
        .timeouts(2000, 2000);
    const cospp::Client refused(config);
    auto e = expect_throw<cospp::ClientError>("get through a refused connection", [&] { refused.get(BUCKET, "k"); });
    if (e) {
        CHECK(e->status() == COS_NETWORK_ERROR);
        CHECK(e->status_code() == 0 && e->error_code().empty() && e->request_id().empty());
        CHECK(!e->message().empty() && e->origin_msg().empty());
        CHECK(!e->digest_msg().empty());
    }
    // A bad argument is a client error too, raised by the C library's own check.
    auto bad = expect_throw<cospp::ClientError>("empty key", [&] { refused.put(BUCKET, "", "x"); });
    CHECK(bad && bad->status() == COS_INVALID_ARGUMENT);
}

void escape_hatches(const cospp::Client &client) {
    // Any C call with exceptions: cospp::call appends &err.
    cospp::Owned<char> location;
    cospp::call(cos_client_get_bucket_location, client.get(), BUCKET, location.out());
    CHECK(location && std::string(location.get()) == "ap-guangzhou");
    auto e = expect_throw<cospp::ClientError>("call with a NULL key", [&] {
        cospp::call(cos_client_put_object, client.get(), BUCKET, static_cast<const char *>(nullptr),
                    static_cast<const uint8_t *>(nullptr), size_t{0});
    });
    CHECK(e && e->status() == COS_INVALID_ARGUMENT && contains(e->message(), "key"));
    // cospp::check for a status already in hand; it frees the error either way.
    cos_error *err = nullptr;
    cospp::Owned<cos_bytes> bytes;
    const cos_status status = cos_client_get_object(client.get(), BUCKET, "no/such.key", bytes.out(), &err);
    auto checked = expect_throw<cospp::ServiceError>("check", [&] { cospp::check(status, err); });
    CHECK(checked && checked->error_code() == "NoSuchKey");
    cospp::check(COS_OK, nullptr);
    // A batch delete through call, its result owned.
    client.put(BUCKET, "batch/1", "1");
    client.put(BUCKET, "batch/2", "2");
    const char *keys[] = {"batch/1", "batch/2"};
    cospp::Owned<cos_delete_result> deleted;
    cospp::call(cos_client_delete_objects, client.get(), BUCKET, keys, size_t{2}, false, deleted.out());
    CHECK(cos_delete_result_deleted_count(deleted.get()) == 2 && cos_delete_result_error_count(deleted.get()) == 0);
    CHECK(!client.exists(BUCKET, "batch/1"));
    CHECK(!cospp::version().empty() && cospp::version() == cos_version());
}

void objects(const cospp::Client &client) {
    cospp::RequestOptions opts;
    opts.content_type("text/plain").metadata("color", "blue").header("Cache-Control", "max-age=60");
    cospp::Headers put = client.put(BUCKET, "obj/text.txt", std::string_view("hello, c++"), &opts);
    CHECK(put.etag().size() > 2 && put.etag().front() == '"');
    CHECK(put.crc64().has_value());
    const std::vector<uint8_t> bytes = {0, 1, 2, 255, 254};
    client.put(BUCKET, "obj/bytes.bin", bytes);
    const char raw[] = {'r', 'a', 'w'};
    client.put(BUCKET, "obj/raw.bin", raw, sizeof raw);

    CHECK(client.get(BUCKET, "obj/text.txt") == "hello, c++");
    CHECK(client.get_bytes(BUCKET, "obj/bytes.bin") == bytes);
    CHECK(client.get(BUCKET, "obj/raw.bin") == "raw");
    client.put(BUCKET, "obj/empty", std::string_view());
    CHECK(client.get(BUCKET, "obj/empty").empty() && client.get_bytes(BUCKET, "obj/empty").empty());
    cospp::RequestOptions range;
    range.range(7, -1);
    CHECK(client.get(BUCKET, "obj/text.txt", &range) == "c++");

    cospp::Headers head = client.head(BUCKET, "obj/text.txt");
    CHECK(head.content_length() == 10);
    CHECK(head.metadata("color") == std::optional<std::string>("blue"));
    CHECK(head.header("content-type") == std::optional<std::string>("text/plain"));
    CHECK(!head.header("x-not-there").has_value());
    CHECK(head.etag() == put.etag() && head.crc64() == put.crc64());
    bool saw_length = false;
    for (const auto &kv : head.all()) {
        saw_length = saw_length || (kv.first == "content-length" || kv.first == "Content-Length");
    }
    CHECK(saw_length);

    // Moving headers hands the handle over.
    cospp::Headers moved(std::move(head));
    CHECK(moved.content_length() == 10 && head.get() == nullptr && head.content_length() == -1);
    head = std::move(moved);
    CHECK(head.content_length() == 10 && moved.get() == nullptr);

    // Conditions, storage class and the other request options.
    cospp::RequestOptions stale;
    stale.if_match("\"not-the-etag\"");
    auto precondition = expect_throw<cospp::ServiceError>("If-Match", [&] { client.get(BUCKET, "obj/text.txt", &stale); });
    CHECK(precondition && precondition->status_code() == 412 && precondition->error_code() == "PreconditionFailed");
    cospp::RequestOptions fresh;
    fresh.if_none_match(put.etag());
    auto not_modified = expect_throw<cospp::ServiceError>("If-None-Match", [&] { client.get(BUCKET, "obj/text.txt", &fresh); });
    CHECK(not_modified && not_modified->status_code() == 304);
    cospp::RequestOptions archived;
    archived.storage_class("STANDARD_IA").acl("private").content_md5(true).verify_crc(false);
    client.put(BUCKET, "obj/ia.txt", "infrequent", &archived);
    CHECK(client.head(BUCKET, "obj/ia.txt").header("x-cos-storage-class") == std::optional<std::string>("STANDARD_IA"));
    cospp::RequestOptions html;
    html.query("response-content-type", "text/html");
    CHECK(client.open_reader(BUCKET, "obj/ia.txt", &html).headers().header("content-type") ==
          std::optional<std::string>("text/html"));
    auto bad_option = expect_throw<cospp::ClientError>("a header the client sets", [&] {
        cospp::RequestOptions o;
        o.header("Authorization", "mine");
    });
    CHECK(bad_option && bad_option->status() == COS_INVALID_ARGUMENT);

    cospp::Headers copied = client.copy(BUCKET, "obj/copy.txt", BUCKET, "obj/text.txt");
    CHECK(client.get(BUCKET, "obj/copy.txt") == "hello, c++");
    CHECK(copied.crc64() == put.crc64());
    CHECK(client.exists(BUCKET, "obj/copy.txt"));
    client.delete_object(BUCKET, "obj/copy.txt");
    CHECK(!client.exists(BUCKET, "obj/copy.txt"));
    client.delete_object(BUCKET, "obj/copy.txt");  // deleting a missing key succeeds
    CHECK(client.bucket_exists(BUCKET) && !client.bucket_exists("cppwrap-missing-1250000000"));

    // Streaming callbacks.
    std::string received;
    client.get_to(BUCKET, "obj/text.txt", [&](const uint8_t *data, size_t len) {
        received.append(reinterpret_cast<const char *>(data), len);
    });
    CHECK(received == "hello, c++");
    const std::string body = pattern(100000, 3);
    size_t offset = 0;
    client.put_from(
        BUCKET, "obj/streamed.bin",
        [&](uint8_t *buf, size_t cap) {
            const size_t n = std::min(cap, body.size() - offset);
            std::copy(body.begin() + static_cast<std::ptrdiff_t>(offset),
                      body.begin() + static_cast<std::ptrdiff_t>(offset + n), buf);
            offset += n;
            return n;
        },
        body.size());
    CHECK(client.get(BUCKET, "obj/streamed.bin") == body);
}

void throwing_callbacks(const cospp::Client &client, const std::string &dir) {
    // A writer that throws on its first chunk: the download stops, Boom arrives after the C call.
    auto boom = expect_throw<Boom>("throwing writer", [&] {
        client.get_to(BUCKET, "obj/streamed.bin", [](const uint8_t *, size_t) { throw Boom(1); });
    });
    CHECK(boom && boom->at == 1);
    // A reader that throws half-way: the upload is abandoned and no object appears.
    int calls = 0;
    boom = expect_throw<Boom>("throwing reader", [&] {
        client.put_from(
            BUCKET, "obj/never.bin",
            [&](uint8_t *buf, size_t cap) -> size_t {
                if (++calls == 2) {
                    throw Boom(2);
                }
                std::fill(buf, buf + std::min<size_t>(cap, 1000), 'x');
                return std::min<size_t>(cap, 1000);
            },
            100000);
    });
    CHECK(boom && boom->at == 2 && calls == 2);
    CHECK(!client.exists(BUCKET, "obj/never.bin"));
    // A reader that claims more than the buffer holds is refused on the C++ side.
    expect_throw<std::length_error>("oversized read", [&] {
        client.put_from(BUCKET, "obj/never.bin", [](uint8_t *, size_t cap) { return cap + 1; }, 10);
    });
    // A progress callback that throws stops a managed upload; the caller gets its exception.
    const std::string path = dir + "/throwing.bin";
    write_file(path, pattern(300000, 4));
    int progress_calls = 0;
    boom = expect_throw<Boom>("throwing progress", [&] {
        client.upload_file(BUCKET, "obj/throwing.bin", path, nullptr, [&](uint64_t, uint64_t) {
            progress_calls++;
            throw Boom(3);
        });
    });
    CHECK(boom && boom->at == 3 && progress_calls == 1);
    CHECK(!client.exists(BUCKET, "obj/throwing.bin"));
    // After all that the client works as before.
    CHECK(client.get(BUCKET, "obj/text.txt") == "hello, c++");
}

void listings(const cospp::Client &client) {
    for (const char *k : {"list/a", "list/b", "list/c", "list/d/1", "list/d/2"}) {
        client.put(BUCKET, k, k);
    }
    cospp::ObjectPage page = client.list_page(BUCKET, "list/", "/", "", 0);
    CHECK(page.objects.size() == 3 && page.prefixes == std::vector<std::string>{"list/d/"} && !page.truncated);
    CHECK(page.objects.size() == 3 && page.objects[0].key == "list/a" && page.objects[0].size == 6);
    CHECK(page.objects.size() == 3 && !page.objects[0].etag.empty() && !page.objects[0].last_modified.empty());
    cospp::ObjectPage first = client.list_page(BUCKET, "list/", "", "", 2);
    CHECK(first.truncated && first.objects.size() == 2 && !first.next_marker.empty());

    // The lazy range, two objects a page.
    std::vector<std::string> keys;
    for (const cospp::ObjectInfo &o : client.list_objects(BUCKET, "list/", 2)) {
        keys.push_back(o.key);
    }
    CHECK((keys == std::vector<std::string>{"list/a", "list/b", "list/c", "list/d/1", "list/d/2"}));
    CHECK(client.list(BUCKET, "list/d/").size() == 2);
    CHECK(client.list(BUCKET, "list/none/").empty());
    cospp::ObjectListing pull = client.list_objects(BUCKET, "list/d/");
    cospp::ObjectInfo o;
    CHECK(pull.next(o) && o.key == "list/d/1");
    CHECK(pull.next(o) && o.key == "list/d/2");
    CHECK(!pull.next(o) && !pull.next(o));
    // A listing of a missing bucket throws from begin().
    expect_throw<cospp::ServiceError>("listing a missing bucket", [&] {
        for (const cospp::ObjectInfo &x : client.list_objects("cppwrap-missing-1250000000")) {
            (void)x;
        }
    });
}

void reader_and_writer(const cospp::Client &client) {
    const std::string body = pattern(200000, 5);
    cospp::ObjectWriter writer = client.open_writer(BUCKET, "stream/w.bin");
    for (size_t at = 0; at < body.size(); at += 30000) {
        writer.write(std::string_view(body).substr(at, 30000));
    }
    cospp::Headers done = writer.finish();
    CHECK(done.crc64().has_value());
    CHECK(client.get(BUCKET, "stream/w.bin") == body);

    cospp::ObjectReader reader = client.open_reader(BUCKET, "stream/w.bin");
    CHECK(reader.headers().content_length() == static_cast<int64_t>(body.size()));
    char head[1000];
    const size_t n = reader.read(head, sizeof head);
    CHECK(n > 0 && n <= sizeof head && std::string(head, n) == body.substr(0, n));
    CHECK(std::string(head, n) + reader.read_all() == body);
    CHECK(reader.read(head, sizeof head) == 0);

    // The same through iostreams, with small buffers so that both refill many times.
    {
        cospp::WriteBuf out_buf(client.open_writer(BUCKET, "stream/lines.txt"), 16);
        std::ostream out(&out_buf);
        for (int i = 0; i < 1000; i++) {
            out << "line " << i << '\n';
        }
        CHECK(out.good());
        CHECK(out_buf.finish().crc64().has_value());
    }
    cospp::ReadBuf in_buf(client.open_reader(BUCKET, "stream/lines.txt"), 100);
    std::istream in(&in_buf);
    std::string line;
    int lines = 0;
    bool in_order = true;
    while (std::getline(in, line)) {
        in_order = in_order && line == "line " + std::to_string(lines);
        lines++;
    }
    CHECK(lines == 1000 && in_order && in.eof() && !in.bad());
    {
        cospp::WriteBuf unfinished(client.open_writer(BUCKET, "stream/unfinished.txt"));
        std::ostream(&unfinished) << "never completed";
    }
    CHECK(!client.exists(BUCKET, "stream/unfinished.txt"));

    cospp::ObjectWriter aborted = client.open_writer(BUCKET, "stream/aborted.bin");
    aborted.write("never");
    aborted.abort();
    auto e = expect_throw<cospp::ClientError>("write after abort", [&] { aborted.write("x"); });
    CHECK(e && e->status() == COS_INVALID_ARGUMENT);
    CHECK(!client.exists(BUCKET, "stream/aborted.bin"));
    {
        cospp::ObjectWriter dropped = client.open_writer(BUCKET, "stream/dropped.bin");
        dropped.write("unfinished");
    }  // freed unfinished: abandoned
    CHECK(!client.exists(BUCKET, "stream/dropped.bin"));
}

void tagging_and_versioning(const cospp::Client &client) {
    client.put(BUCKET, "tagged.txt", "t");
    const cospp::Tags tags = {{"team", "storage"}, {"env", "test"}};
    client.put_tags(BUCKET, "tagged.txt", tags);
    CHECK(client.get_tags(BUCKET, "tagged.txt") == tags);
    client.delete_tags(BUCKET, "tagged.txt");
    CHECK(client.get_tags(BUCKET, "tagged.txt").empty());
    cospp::RequestOptions with_tags;
    with_tags.tags({{"made", "by-put"}});
    client.put(BUCKET, "tagged2.txt", "t", &with_tags);
    CHECK((client.get_tags(BUCKET, "tagged2.txt") == cospp::Tags{{"made", "by-put"}}));

    const std::string versioned = "cppwrap-versions-1250000000";
    client.create_bucket(versioned);
    CHECK(client.versioning(versioned) == COS_VERSIONING_UNVERSIONED);
    client.set_versioning(versioned, true);
    CHECK(client.versioning(versioned) == COS_VERSIONING_ENABLED);
    cospp::Headers v1 = client.put(versioned, "v.txt", "one");
    client.put(versioned, "v.txt", "two");
    client.delete_object(versioned, "v.txt");
    const std::vector<cospp::VersionInfo> versions = client.list_versions(versioned);
    CHECK(versions.size() == 3);
    CHECK(versions.size() == 3 && versions[0].is_delete_marker && versions[0].is_latest);
    CHECK(versions.size() == 3 && versions[2].size == 3 && !versions[2].version_id.empty());
    const std::optional<std::string> v1_id = v1.header("x-cos-version-id");
    CHECK(v1_id && versions.size() == 3 && versions[2].version_id == *v1_id);
    cospp::RequestOptions old;
    old.version_id(v1_id.value_or("?"));
    CHECK(client.get(versioned, "v.txt", &old) == "one");
}

void presigning(const cospp::Client &client) {
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    const std::string url = client.presign_url("GET", BUCKET, "obj/text.txt", now, 60);
    CHECK(contains(url, "http://cppwrap-1250000000.cos.ap-guangzhou.myqcloud.com/obj/text.txt?"));
    CHECK(contains(url, "q-sign-algorithm=sha1"));
    CHECK(contains(url, "q-key-time=" + std::to_string(now) + "%3B" + std::to_string(now + 60)) ||
          contains(url, "q-key-time=" + std::to_string(now) + ";" + std::to_string(now + 60)));
    cospp::PresignOptions opts;
    opts.start(now).expires(120).param("response-content-type", "text/plain").sign_host(true);
    const std::string with_param = client.presign_url("GET", BUCKET, "obj/text.txt", opts);
    CHECK(contains(with_param, "response-content-type=text") && contains(with_param, "q-signature="));
    expect_throw<cospp::ClientError>("presign without a method", [&] { client.presign_url("", BUCKET, "k", now, 60); });
}

void operations(const cospp::Client &client) {
    cospp::Operation put = client.start_put(BUCKET, "async/a.txt", std::string("sent in the background"));
    cospp::Headers put_headers = put.take_headers();
    CHECK(put.poll() == COS_OP_DONE && put_headers.etag().size() > 2);
    cospp::Operation get = client.start_get(BUCKET, "async/a.txt");
    CHECK(get.fd() >= 0);
    CHECK(get.wait(30000));
    get.check();
    CHECK(get.take_string() == "sent in the background");
    cospp::Operation missing = client.start_get(BUCKET, "async/missing.txt");
    auto e = expect_throw<cospp::ServiceError>("background get of a missing key", [&] { missing.check(); });
    CHECK(e && e->error_code() == "NoSuchKey");
    // Moved, then destroyed while possibly running: cancelled and waited for, nothing leaks.
    cospp::Operation running = client.start_put(BUCKET, "async/b.txt", pattern(500000, 6));
    cospp::Operation moved = std::move(running);
    CHECK(running.get() == nullptr && moved.get() != nullptr);
}

void transfers(const cospp::Client &client, const std::string &dir) {
    const std::string data = pattern(2 * 1024 * 1024 + 4321, 7);
    const std::string src = dir + "/upload.bin";
    write_file(src, data);
    cospp::RequestOptions request;
    request.content_type("application/octet-stream");
    cospp::TransferOptions opts;
    opts.part_size(1024 * 1024).concurrency(2).request_options(request).part_timeout_ms(60000);
    opts.checkpoint_path(dir + "/upload.checkpoint").resumable(true);

    uint64_t last_done = 0, last_total = 0;
    bool monotonic = true;
    int calls = 0;
    cospp::Headers up = client.upload_file(BUCKET, "big/file.bin", src, &opts, [&](uint64_t done, uint64_t total) {
        monotonic = monotonic && done >= last_done;
        last_done = done;
        last_total = total;
        calls++;
    });
    // Reports come at most every 100 ms or 64 KiB: a fast upload may be reported once, at its end.
    CHECK(calls >= 1 && monotonic && last_done == data.size() && last_total == data.size());
    CHECK(up.crc64().has_value());
    CHECK(!std::ifstream(dir + "/upload.checkpoint").good());  // removed once the upload completed
    CHECK(client.head(BUCKET, "big/file.bin").header("content-type") ==
          std::optional<std::string>("application/octet-stream"));

    const std::string dst = dir + "/download.bin";
    last_done = 0;
    client.download_file(BUCKET, "big/file.bin", dst, &opts, [&](uint64_t done, uint64_t) { last_done = done; });
    CHECK(last_done == data.size());
    CHECK(read_file(dst) == data);
    client.download_file(BUCKET, "obj/text.txt", dir + "/small.txt");  // no options, no progress
    CHECK(read_file(dir + "/small.txt") == "hello, c++");

    // A cancelled token stops the transfer before it starts: COS_CANCELLED, a client error.
    cospp::CancelToken token;
    cospp::TransferOptions cancelling;
    cancelling.cancel_token(token);
    token.cancel();
    CHECK(token.is_cancelled());
    auto e = expect_throw<cospp::ClientError>("cancelled upload",
                                              [&] { client.upload_file(BUCKET, "big/cancelled.bin", src, &cancelling); });
    CHECK(e && e->status() == COS_CANCELLED);
    // A missing local file is a client error naming it.
    auto io = expect_throw<cospp::ClientError>("missing file",
                                               [&] { client.upload_file(BUCKET, "big/x", dir + "/no-such-file"); });
    CHECK(io && io->status() == COS_IO_ERROR && contains(io->message(), "no-such-file"));
}

void callbacks_on_the_config() {
    std::atomic<int> log_lines{0};
    std::atomic<int> requests{0};
    std::mutex m;
    std::vector<std::string> request_ids;
    cospp::Config config = cospp::Config::from_env();
    config
        .on_log(
            [&](cos_log_severity, std::string_view line) {
                log_lines++;
                if (line.empty()) {
                    throw std::runtime_error("an empty log line");  // dropped by the trampoline
                }
            },
            COS_SEVERITY_INFO)
        .on_request([&](const cospp::RequestMetrics &r) {
            requests++;
            std::lock_guard<std::mutex> lock(m);
            request_ids.insert(request_ids.end(), r.request_ids.begin(), r.request_ids.end());
            throw std::runtime_error("observers cannot fail a request");  // dropped too
        });
    {
        cospp::Config moved_config = std::move(config);  // the callbacks survive moves of the config
        cospp::Client client(moved_config);
        client.put(BUCKET, "observed.txt", "o");
        CHECK(client.get(BUCKET, "observed.txt") == "o");
        cospp::Client moved_client = std::move(client);
        moved_client.delete_object(BUCKET, "observed.txt");
    }
    CHECK(log_lines >= 3);
    CHECK(requests == 3);
    CHECK(request_ids.size() == 3 && !request_ids[0].empty());

    // Credentials from a std::function, and one that throws: the request fails with its message.
    const std::string id = env("COS_SECRET_ID"), key = env("COS_SECRET_KEY");
    // The remaining setters, on a client that must still work.
    cospp::Config tuned = cospp::Config::from_env();
    tuned.user_agent("wrapper-test/1").operation_timeout_ms(60000).background_workers(2).endpoint(
        "cos.ap-guangzhou.myqcloud.com");
    CHECK(cospp::Client(tuned).get(BUCKET, "obj/text.txt") == "hello, c++");
    auto bad_scheme = expect_throw<cospp::ClientError>("scheme ftp", [] { cospp::Config().scheme("ftp"); });
    CHECK(bad_scheme && bad_scheme->status() == COS_INVALID_ARGUMENT);

    cospp::Config provided = cospp::Config::from_env();
    std::atomic<int> asked{0};
    provided.credentials_provider([&] {
        asked++;
        return cospp::Credentials{id, key, "", 0};
    });
    CHECK(cospp::Client(provided).get(BUCKET, "obj/text.txt") == "hello, c++" && asked >= 1);
    cospp::Config failing = cospp::Config::from_env();
    failing.max_retries(0).credentials_provider([]() -> cospp::Credentials { throw std::runtime_error("vault sealed"); });
    auto e = expect_throw<cospp::ClientError>("throwing credentials provider",
                                              [&] { cospp::Client(failing).get(BUCKET, "obj/text.txt"); });
    CHECK(e && contains(e->message(), "vault sealed"));
}

void threads_share_one_client(const cospp::Client &client) {
    constexpr int THREADS = 16, ROUNDS = 5;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < THREADS; t++) {
        threads.emplace_back([&, t] {
            for (int r = 0; r < ROUNDS; r++) {
                const std::string key = "threads/" + std::to_string(t) + "/" + std::to_string(r);
                const std::string body = pattern(1000 + static_cast<size_t>(t * 100 + r), static_cast<unsigned>(t));
                try {
                    client.put(BUCKET, key, body);
                    const bool same = client.get(BUCKET, key) == body;
                    try {
                        client.get(BUCKET, key + ".missing");
                    } catch (const cospp::ServiceError &e) {
                        if (same && e.error_code() == "NoSuchKey") {
                            ok++;
                        }
                    }
                    client.delete_object(BUCKET, key);
                } catch (const std::exception &e) {
                    std::fprintf(stderr, "thread %d: %s\n", t, e.what());
                }
            }
        });
    }
    for (std::thread &t : threads) {
        t.join();
    }
    CHECK(ok == THREADS * ROUNDS);
    CHECK(client.list(BUCKET, "threads/").empty());
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    try {
        owners_and_moves();
        const cospp::Client client = cospp::Client::from_env();
        client.create_bucket(BUCKET);
        service_error_has_every_field(client);
        client_error_on_a_refused_connection();
        escape_hatches(client);
        objects(client);
        throwing_callbacks(client, dir);
        listings(client);
        reader_and_writer(client);
        tagging_and_versioning(client);
        presigning(client);
        operations(client);
        transfers(client, dir);
        callbacks_on_the_config();
        threads_share_one_client(client);
        // cos::cos would not compile here, <cmath> being included: cospp:: and ::cos live side by side.
        CHECK(std::fabs(std::cos(0.0) - 1.0) < 1e-12);
    } catch (const cospp::Error &e) {
        std::fprintf(stderr, "FAILED: unexpected %s: %s\n",
                     dynamic_cast<const cospp::ServiceError *>(&e) ? "ServiceError" : "ClientError", e.what());
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "FAILED: unexpected exception: %s\n", e.what());
        return 1;
    }
    std::printf("wrapper: %d checks, %d failed\n", checks.load(), failures.load());
    return failures == 0 ? 0 : 1;
}
