/*
 * Private: S3 for the colony file system, on libcurl (its AWS SigV4 signing)
 * and OpenSSL (SHA-256). Each request runs on the calling thread with an
 * easy handle of its own; a cancel token stops it within a fraction of a
 * second.
 *
 * Every request carries the SHA-256 of its body in x-amz-content-sha256,
 * which libcurl then signs: the S3 server checks the body against it. So an
 * upload reads its data twice (once to hash, once to send), which keeps any
 * file out of memory. Query strings are written as SigV4 canonicalises them
 * (sorted, every key with "=", upper-case escapes), because the libcurl of
 * Debian 12 (7.88) signs them as written.
 */
#ifndef COLONIES_S3_H
#define COLONIES_S3_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "colonies/client.h"
#include "internal.h"

typedef struct {
    char *host;       /* of the endpoint host:port */
    int port;
    int tls, verify;
    char *region, *bucket;
    char *accesskey, *secretkey; /* wiped when cleared */
    char *ca_bundle;  /* NULL: the system's */
    long connect_timeout_ms;
    long stall_ms;    /* a transfer that moves no byte for this long fails */
    long long part_size;
    int bucket_ready;      /* ensured by cl_s3_ensure_bucket already */
    long long deadline_ms; /* cl_now_ms() after which a transfer stops (ETIMEOUT); 0: none */
    int retries;           /* the client's retry policy (see request() in s3.c), set by the caller */
    long backoff_ms, backoff_max_ms;
    void *easy;       /* one curl handle, so that its connection is reused */
} cl_s3;

/*
 * The S3 settings: each client option given in opts (the client's), else its
 * environment variable (read now), else the registry's default. Fails naming
 * what is missing or malformed.
 */
int cl_s3_init(cl_s3 *s3, const cJSON *opts, const char *ca_bundle, long connect_timeout_ms, long stall_ms);
void cl_s3_clear(cl_s3 *s3);

/* Creates the bucket when it is not there; once per cl_s3 (a sync uploads many files). */
int cl_s3_ensure_bucket(cl_s3 *s3, colonies_cancel *cancel);

/* Where a file's bytes come from, and what they were. */
typedef struct {
    const char *path;   /* a local file, or */
    const void *data;   /* bytes in memory */
    size_t data_len;
    long long size;     /* out: bytes stored */
    char sha256[65];    /* out: their SHA-256, lower-case hex */
} cl_s3_source;

/* Stores src as bucket/key: in one PUT, or in parts of part_size. */
int cl_s3_put(cl_s3 *s3, const char *bucket, const char *key, cl_s3_source *src, colonies_cancel *cancel);

/*
 * Fetches bucket/key. To a file: into a temporary file beside path, renamed
 * to path once its size and SHA-256 match (else removed). To memory (path
 * NULL): into *out. expect_sha256 may be NULL (not checked).
 */
int cl_s3_get(cl_s3 *s3, const char *bucket, const char *key, const char *path, cl_buf *out,
              long long expect_size, const char *expect_sha256, colonies_cancel *cancel);

int cl_s3_delete(cl_s3 *s3, const char *bucket, const char *key, colonies_cancel *cancel);

/* The SHA-256 of a local file, lower-case hex; size too. 1 if it is not a regular file (not an error). */
int cl_sha256_file(const char *path, char out[65], long long *size, colonies_cancel *cancel);

#endif
