/* A minimal assertion harness for the C tests: each failed check prints where
 * and why and is counted; main returns check_summary(). */
#ifndef COLONIES_TEST_CHECK_H
#define COLONIES_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colonies/colonies.h"

static int check_failures, check_count;

#define CHECK(cond)                                                                             \
    do {                                                                                        \
        check_count++;                                                                          \
        if (!(cond)) {                                                                          \
            check_failures++;                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
                    colonies_last_error());                                                     \
        }                                                                                       \
    } while (0)

/* Checks a status code, printing the library's detail when it differs. */
#define CHECK_RC(expr, want)                                                                    \
    do {                                                                                        \
        int rc_ = (expr);                                                                       \
        check_count++;                                                                          \
        if (rc_ != (want)) {                                                                    \
            check_failures++;                                                                   \
            fprintf(stderr, "%s:%d: %s returned %d (%s), wanted %d; detail: %s\n", __FILE__, __LINE__, #expr, \
                    rc_, colonies_strerror(rc_), (want), colonies_last_error());                \
        }                                                                                       \
    } while (0)

#define CHECK_STR(got, want)                                                                    \
    do {                                                                                        \
        const char *g_ = (got), *w_ = (want);                                                   \
        check_count++;                                                                          \
        if (g_ == NULL || w_ == NULL || strcmp(g_, w_) != 0) {                                  \
            check_failures++;                                                                   \
            fprintf(stderr, "%s:%d: %s is \"%s\", wanted \"%s\"\n", __FILE__, __LINE__, #got,   \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                    \
        }                                                                                       \
    } while (0)

/* A time limit of s seconds, stretched by COLONIES_TEST_TIME_SCALE (a factor,
 * for runs under valgrind or a sanitizer, which slow everything down). */
static inline double limit_s(double s)
{
    const char *v = getenv("COLONIES_TEST_TIME_SCALE");
    double k = v ? atof(v) : 1;
    return s * (k > 1 ? k : 1);
}

static inline int check_summary(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

/* Reads a whole file into a NUL-terminated malloc'd buffer, or exits. */
static inline char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* An environment variable the integration tests need, or exit with why. */
static inline const char *need_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        fprintf(stderr, "%s is not set: start the server with scripts/colonies-server start and "
                        "eval \"$(scripts/colonies-server env)\"\n", name);
        exit(2);
    }
    return v;
}

/*
 * Runs operation on client with parameters printf-formatted from fmt (the
 * tests' values are plain names and ids, safe inside JSON quotes), and
 * returns its status; *out (when out is not NULL) gets the reply.
 */
static inline int callf(colonies_client *client, char **out, const char *operation, const char *key,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static inline int callf(colonies_client *client, char **out, const char *operation, const char *key,
                        const char *fmt, ...)
{
    char params[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(params, sizeof params, fmt, ap);
    va_end(ap);
    return colonies_client_call(client, out, operation, params, key, 0, NULL);
}

#endif
