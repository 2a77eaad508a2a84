/* checks.h: the check counters and macros shared by the C API tests (api_*.c). Each test counts its checks,
 * prints "NAME: N checks, F failed" and exits nonzero when F > 0. The CHECK_* macros that take a call expect a
 * `cos_error *err` in scope, which they print on failure and CHECK_OK / CHECK_INVALID clear. */
#ifndef COS_TEST_CHECKS_H
#define COS_TEST_CHECKS_H

#include "cos.h"

#include <stdio.h>
#include <string.h>

static int checks = 0;
static int failures = 0;

static inline const char *or_null(const char *s) {
    return s ? s : "(null)";
}

static inline void print_error(const cos_error *err) {
    if (err != NULL) {
        fprintf(stderr, "    error: %s | http %d | code %s | message %s\n", cos_status_str(cos_error_status(err)),
                (int)cos_error_http_status(err), or_null(cos_error_code(err)), or_null(cos_error_message(err)));
    }
}

#define CHECK(cond)                                                                    \
    do {                                                                               \
        checks++;                                                                      \
        if (!(cond)) {                                                                 \
            failures++;                                                                \
            fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                              \
    } while (0)

/* Checks that a call returned `want`; prints the error otherwise. Leaves `err` for the caller to free. */
#define CHECK_RC(call, want)                                                                   \
    do {                                                                                       \
        cos_status rc_ = (call);                                                               \
        checks++;                                                                              \
        if (rc_ != (want)) {                                                                   \
            failures++;                                                                        \
            fprintf(stderr, "FAILED %s:%d: %s returned %s, expected %s\n", __FILE__, __LINE__, \
                    #call, cos_status_str(rc_), cos_status_str(want));                         \
            print_error(err);                                                                  \
        }                                                                                      \
    } while (0)

#define CHECK_OK(call)                  \
    do {                                \
        CHECK_RC(call, COS_OK);         \
        clear(&err);                    \
    } while (0)

/* A call refused before anything was sent, with a message naming `param`. */
#define CHECK_INVALID(call, param)                                                             \
    do {                                                                                       \
        CHECK_RC(call, COS_INVALID_ARGUMENT);                                                  \
        CHECK(err != NULL && strstr(or_null(cos_error_message(err)), (param)) != NULL);        \
        CHECK(cos_error_attempts(err) == 0);                                                   \
        clear(&err);                                                                           \
    } while (0)

static inline int str_eq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static inline void clear(cos_error **err) {
    cos_error_free(*err);
    *err = NULL;
}

#endif
