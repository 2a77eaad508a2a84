/* A client shared across fork() through the header (tests/c_fork.rs starts an emulator and sets COS_ADDRESS).
 * The parent uses the client, forks, the child uses the same client: it must succeed on a connection of its
 * own (writing into the parent's keep-alive stream would interleave two processes' requests), and the parent
 * must keep its pooled connection. The emulator's `connections` counter (GET /__emulator/stats, read here
 * with a plain socket so the client's pool is not involved) shows which connections were used.
 * Prints "fork: N checks, 0 failed" and exits 0 when every check passed. */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks.h"

static const char *BUCKET = "cfork-1250000000";

/* The emulator's `connections` counter, or -1 when it cannot be read. */
static long connections(void) {
    char host[256], buf[4096];
    const char *address = getenv("COS_ADDRESS");
    const char *colon = address ? strrchr(address, ':') : NULL;
    struct addrinfo hints, *ai = NULL;
    const char *req = "GET /__emulator/stats HTTP/1.1\r\nHost: emulator\r\nConnection: close\r\n\r\n";
    size_t got = 0;
    ssize_t n;
    long count = -1;
    const char *line;
    int fd;
    if (colon == NULL || (size_t)(colon - address) >= sizeof host) {
        return -1;
    }
    memcpy(host, address, (size_t)(colon - address));
    host[colon - address] = '\0';
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
        return -1;
    }
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 && write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
        while (got < sizeof buf - 1 && (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0) {
            got += (size_t)n;
        }
        buf[got] = '\0';
        line = strstr(buf, "\nconnections ");
        if (line != NULL) {
            count = strtol(line + strlen("\nconnections "), NULL, 10);
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    freeaddrinfo(ai);
    return count;
}

/* Gets "k" and checks its body; returns 1 when it came back whole. */
static int get_ok(const cos_client *client) {
    cos_error *err = NULL;
    cos_bytes *bytes = NULL;
    int ok = cos_client_get_object(client, BUCKET, "k", &bytes, &err) == COS_OK && cos_bytes_len(bytes) == 4 &&
             memcmp(cos_bytes_data(bytes), "fork", 4) == 0;
    print_error(err);
    cos_bytes_free(bytes);
    cos_error_free(err);
    return ok;
}

int main(void) {
    cos_error *err = NULL;
    cos_client *client = NULL;
    long before;
    int status = -1;
    pid_t pid;

    CHECK_OK(cos_client_new_from_env(&client, &err));
    if (client == NULL) {
        return 1;
    }
    (void)cos_client_create_bucket(client, BUCKET, &err);
    clear(&err);
    CHECK_OK(cos_client_put_object(client, BUCKET, "k", (const uint8_t *)"fork", 4, &err));
    CHECK(get_ok(client));
    before = connections();
    CHECK(before == 1); /* a fresh emulator: one pooled connection carried all three */

    fflush(NULL); /* nothing buffered is written twice */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* The child: the same client, one request, then _exit (no atexit handlers, no parent state freed). */
        _exit(get_ok(client) ? 0 : 1);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(connections() == before + 1); /* the child opened a connection of its own */

    /* The parent's pooled connection is untouched and still the one it uses. */
    CHECK(get_ok(client));
    CHECK(connections() == before + 1);

    cos_client_free(client);
    printf("fork: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
