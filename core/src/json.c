/*
 * Helpers over cJSON, so every call reports JSON problems the same way, and
 * a scanner over JSON text for what cJSON's tree loses: the exact text of a
 * value. cJSON keeps numbers as doubles, which cannot hold every 64-bit
 * integer (a log's nanosecond timestamp, for one); requests are built from
 * the caller's own text of each value, so what is sent is what was given.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CL_JSON_PARSER /* the one place that calls cJSON's parser */
#include "internal.h"

static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

cJSON *cl_json_read(const char *text)
{
    pthread_mutex_lock(&parse_lock);
    cJSON *v = cJSON_Parse(text);
    pthread_mutex_unlock(&parse_lock);
    return v;
}

cJSON *cl_json_read_len(const char *text, size_t len)
{
    pthread_mutex_lock(&parse_lock);
    cJSON *v = cJSON_ParseWithLength(text, len);
    pthread_mutex_unlock(&parse_lock);
    return v;
}

static const char *type_name(int type)
{
    switch (type) {
    case cJSON_Object: return "an object";
    case cJSON_Array: return "an array";
    case cJSON_String: return "a string";
    default: return "a JSON value";
    }
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* Past the string starting at p (on its opening quote). */
static const char *skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1]) p++;
    return *p ? p + 1 : p;
}

/* Past the value starting at p. The text is known to be valid JSON. */
static const char *skip_value(const char *p)
{
    if (*p == '"') return skip_string(p);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (*p) {
            if (*p == '"') {
                p = skip_string(p);
                continue;
            }
            if (*p == '{' || *p == '[') depth++;
            if (*p == '}' || *p == ']') {
                if (--depth == 0) return p + 1;
            }
            p++;
        }
        return p;
    }
    while (*p && !strchr(",}] \t\r\n", *p)) p++;
    return p;
}

/* 1 when a string in text holds the escape \u0000, which C strings cannot carry. */
static int has_nul_escape(const char *p)
{
    for (; *p; p++) {
        if (*p != '"') continue;
        for (p++; *p && *p != '"'; p++) {
            if (*p != '\\' || !p[1]) continue;
            p++;
            if (*p == 'u' && strncmp(p + 1, "0000", 4) == 0) return 1;
        }
        if (!*p) break;
    }
    return 0;
}

int cl_json_parse(cJSON **out, const char *text, int type, const char *what)
{
    *out = NULL;
    if (text == NULL) return cl_fail(COLONIES_EINVAL, "%s is NULL", what);
    const char *end = NULL;
    pthread_mutex_lock(&parse_lock);
    cJSON *value = cJSON_ParseWithOpts(text, &end, 1);
    pthread_mutex_unlock(&parse_lock);
    if (value == NULL) {
        size_t at = end ? (size_t)(end - text) : 0;
        return cl_fail(COLONIES_EJSON, "%s is not valid JSON (error near byte %zu)", what, at);
    }
    if (type && !(value->type & type)) {
        cJSON_Delete(value);
        return cl_fail(COLONIES_EJSON, "%s must be %s", what, type_name(type));
    }
    if (has_nul_escape(text)) {
        cJSON_Delete(value);
        return cl_fail(COLONIES_EINVAL, "%s holds a string with a NUL character (\\u0000)", what);
    }
    *out = value;
    return COLONIES_OK;
}

int cl_json_member_spans(const char *text, cl_span *spans, size_t n)
{
    const char *p = skip_ws(text);
    if (*p != '{') return cl_fail(COLONIES_EJSON, "not a JSON object");
    p = skip_ws(p + 1);
    size_t i = 0;
    while (*p == '"') {
        p = skip_ws(skip_string(p));
        if (*p != ':') break;
        p = skip_ws(p + 1);
        const char *end = skip_value(p);
        if (i < n) {
            spans[i].start = p;
            spans[i].len = (size_t)(end - p);
        }
        i++;
        p = skip_ws(end);
        if (*p == ',') p = skip_ws(p + 1);
    }
    if (i != n) return cl_fail(COLONIES_EJSON, "JSON object scan found %zu members, wanted %zu", i, n);
    return COLONIES_OK;
}

int cl_json_print(char **out, const cJSON *value)
{
    char *text = cJSON_PrintUnformatted(value);
    if (text == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory printing JSON");
    /* cJSON allocates with malloc, as colonies_free expects. */
    *out = text;
    return COLONIES_OK;
}

int cl_json_add_string(cJSON *obj, const char *key, const char *value)
{
    return cJSON_AddStringToObject(obj, key, value ? value : "") ? COLONIES_OK
                                                                 : cl_fail(COLONIES_ENOMEM, "out of memory");
}

int cl_buf_add(cl_buf *b, const char *s, size_t n)
{
    if (b->failed) return COLONIES_ENOMEM;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *data = realloc(b->data, cap);
        if (data == NULL) {
            b->failed = 1;
            return cl_fail(COLONIES_ENOMEM, "out of memory");
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return COLONIES_OK;
}

int cl_buf_str(cl_buf *b, const char *s) { return cl_buf_add(b, s, strlen(s)); }

int cl_buf_json_string(cl_buf *b, const char *s)
{
    char *quoted = NULL;
    cJSON *str = cJSON_CreateString(s);
    if (str) quoted = cJSON_PrintUnformatted(str);
    cJSON_Delete(str);
    if (quoted == NULL) {
        b->failed = 1;
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    int rc = cl_buf_str(b, quoted);
    free(quoted);
    return rc;
}
