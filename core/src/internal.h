/* Private to the library: shared helpers of the core's source files. */
#ifndef COLONIES_INTERNAL_H
#define COLONIES_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "colonies/client.h"
#include "colonies/common.h"
#include "colonies/crypto.h"
#include "colonies/funcspec.h"
#include "colonies/registry.h"

/* error.c: the per-thread last error. */
void cl_clear_error(void);
/* Records a formatted detail and returns code, so callers can `return cl_fail(...)`. */
int cl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cl_set_http_status(int status);

/* Checks that an output pointer is not NULL and sets *out to NULL. */
#define CL_CHECK_OUT(out)                                                   \
    do {                                                                    \
        if ((out) == NULL) return cl_fail(COLONIES_EINVAL, #out " is NULL"); \
        *(out) = NULL;                                                      \
    } while (0)

/* memory.c */
char *cl_strdup(const char *s);
char *cl_strndup(const char *s, size_t n);

/* hex.c: strict hex; lower case out, either case in. */
void cl_hex_encode(char *out, const unsigned char *in, size_t len);
/* Decodes exactly out_len bytes from a string of exactly 2*out_len hex digits. */
int cl_hex_decode(unsigned char *out, size_t out_len, const char *hex);

/* base64.c: standard base64 with padding. what names the input in errors. */
int cl_base64_encode(char **out, const void *in, size_t len, const char *what);
/* Decodes a reply's payload into a NUL-terminated buffer (free()). */
int cl_base64_decode(char **out, size_t *out_len, const char *in);

/* crypto.c: raw forms used by the client's envelope. */
int cl_sign_raw(char out_sig[131], const unsigned char *msg, size_t len, const char *prvkey);

/* A client option's value: given in opts, else its environment variable (the
 * registry's "env"), else its default. (client.c) */
int cl_client_option(cJSON **out, const cJSON *opts, const char *name);

/* json.c: helpers over cJSON and JSON text. */
/*
 * Parses text as a JSON value of the given cJSON type (cJSON_Object,
 * cJSON_Array, 0 for any). Refuses a string holding \u0000, which a C
 * string would silently cut short.
 */
int cl_json_parse(cJSON **out, const char *text, int type, const char *what);
/*
 * cJSON's parser, one parse at a time: cJSON (1.7) records the last parse
 * error in a process-wide variable that every parse writes, a data race
 * between threads otherwise. Every parse in the library goes through these
 * (cJSON's own parse functions are poisoned outside json.c). NULL when text
 * is not JSON.
 */
cJSON *cl_json_read(const char *text);
cJSON *cl_json_read_len(const char *text, size_t len);
#ifndef CL_JSON_PARSER
#pragma GCC poison cJSON_Parse cJSON_ParseWithLength cJSON_ParseWithOpts cJSON_ParseWithLengthOpts
#endif

/* The exact text of a value inside a JSON document. */
typedef struct {
    const char *start;
    size_t len;
} cl_span;
/*
 * The text of each member's value of the object text, in order, into
 * spans[0..n); n must be the object's member count (from its parsed tree).
 * text must already have parsed as valid JSON.
 */
int cl_json_member_spans(const char *text, cl_span *spans, size_t n);

/* A growing string; on failure it stays failed and every add returns COLONIES_ENOMEM. */
typedef struct {
    char *data; /* NUL-terminated, malloc'd */
    size_t len, cap;
    int failed;
} cl_buf;
int cl_buf_add(cl_buf *b, const char *s, size_t n);
int cl_buf_str(cl_buf *b, const char *s);
/* Adds s as a quoted JSON string. */
int cl_buf_json_string(cl_buf *b, const char *s);
/* Prints a value (unformatted) into *out (colonies_free); frees nothing. */
int cl_json_print(char **out, const cJSON *value);

/* A true/false environment value (true, 1, yes, on; false, 0, no, off); var names it in errors. (client.c) */
int cl_env_bool(const char *var, const char *v, int *out);
/* The system's CA bundle for TLS: $SSL_CERT_FILE, else where distributions keep it; NULL if none. (loop.c) */
const char *cl_system_ca_bundle(void);

/* colonies_json_format() with a va_list (jsonfmt.c). */
int cl_json_vformat(char **out_json, const char *fmt, va_list ap);

/* Checks a workflow spec (workflow.c); what names it in the error. */
int cl_workflow_check(const cJSON *workflow, const char *what);
/* Adds a copy of a string, treating NULL as "". */
int cl_json_add_string(cJSON *obj, const char *key, const char *value);

/* The wait before try number attempt + 1 (attempt >= 0) after a failure:
 * base_ms doubled attempt times, at most max_ms, less a random part of up to
 * half (jitter); the client's retry_backoff and retry_backoff_max. (http.c) */
long cl_backoff_ms(long base_ms, long max_ms, int attempt);

#endif
