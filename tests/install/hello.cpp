// hello.cpp: the smallest C++ user of an installed cos.hpp (built by tests/install.rs with pkg-config's flags
// from the install prefix and run against the emulator): a put, a get back, and a missing key as an exception.
#include <cos.hpp>

#include <cstdio>

int main() {
    try {
        const cospp::Client client = cospp::Client::from_env();
        client.create_bucket("hello-cpp-1250000000");
        client.put("hello-cpp-1250000000", "hello.txt", "hello from C++");
        const std::string back = client.get("hello-cpp-1250000000", "hello.txt");
        try {
            client.get("hello-cpp-1250000000", "missing.txt");
        } catch (const cospp::ServiceError &e) {
            std::printf("hello.cpp: got %zu bytes back, then %s (HTTP %d)\n", back.size(), e.error_code().c_str(),
                        e.status_code());
            return back == "hello from C++" && e.error_code() == "NoSuchKey" ? 0 : 1;
        }
    } catch (const cospp::Error &e) {
        std::fprintf(stderr, "hello.cpp: %s\n", e.what());
    }
    return 1;
}
