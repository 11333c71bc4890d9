/*
 * The one validator: checks JSON values against the registry's tables, for
 * operation parameters, client options, func spec options and the objects
 * they carry. Every refusal names the value by its path ("spec.priority",
 * "args[2]") and says what was expected.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "registry.h"

#define PATH_MAX_LEN 256

/* 2^63: the first double outside the int64 range. */
#define INT64_LIMIT 9223372036854775808.0

const cl_field *cl_field_find(const cl_field *fields, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fields[i].name, name) == 0) return &fields[i];
    return NULL;
}

const char *cl_field_default(const cl_field *f)
{
    if (f->dflt) return f->dflt;
    switch (f->type->kind) {
    case CL_K_STRING:
    case CL_K_TIME: return "\"\"";
    case CL_K_INT:
    case CL_K_INT64:
    case CL_K_FLOAT: return "0";
    case CL_K_BOOL: return "false";
    case CL_K_LIST: return "[]";
    case CL_K_MAP: return "{}";
    default: return "null";
    }
}

/* A description of what a value of type t (with f's range) must be, for errors. */
static void describe(char *buf, size_t cap, const cl_texpr *t, const cl_field *f)
{
    int ranged = f && (f->flags & CL_F_RANGE);
    switch (t->kind) {
    case CL_K_STRING:
        if (f && f->choices) {
            size_t n = (size_t)snprintf(buf, cap, "one of");
            for (const char *const *c = f->choices; *c && n < cap; c++)
                n += (size_t)snprintf(buf + n, cap - n, "%s \"%s\"", c == f->choices ? "" : ",", *c);
        } else {
            snprintf(buf, cap, "a string");
        }
        return;
    case CL_K_INT:
    case CL_K_INT64:
        if (ranged && f->max >= INT64_LIMIT)
            snprintf(buf, cap, "a whole number from %.0f up", f->min);
        else if (ranged)
            snprintf(buf, cap, "a whole number from %.0f to %.0f", f->min, f->max);
        else
            snprintf(buf, cap, "a whole number");
        return;
    case CL_K_FLOAT:
        if (ranged)
            snprintf(buf, cap, "a number from %g to %g", f->min, f->max);
        else
            snprintf(buf, cap, "a number");
        return;
    case CL_K_BOOL: snprintf(buf, cap, "true or false"); return;
    case CL_K_TIME: snprintf(buf, cap, "an RFC 3339 time string"); return;
    case CL_K_BYTES: snprintf(buf, cap, "base64 text or an array of byte values"); return;
    case CL_K_LIST: snprintf(buf, cap, "a list"); return;
    case CL_K_MAP: snprintf(buf, cap, "an object"); return;
    case CL_K_OBJECT:
        snprintf(buf, cap, "%s %s object", strchr("AEIOU", t->type->name[0]) ? "an" : "a", t->type->name);
        return;
    default: snprintf(buf, cap, "a JSON value"); return;
    }
}

static const char *json_kind(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsArray(v)) return "a list";
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsNull(v)) return "null";
    return "an invalid value";
}

static int wrong(const cJSON *v, const cl_texpr *t, const cl_field *f, const char *path)
{
    char want[200];
    describe(want, sizeof want, t, f);
    if (cJSON_IsNumber(v))
        return cl_fail(COLONIES_EINVAL, "%s must be %s, not %.17g", path, want, v->valuedouble);
    return cl_fail(COLONIES_EINVAL, "%s must be %s, not %s", path, want, json_kind(v));
}

static int is_base64(const char *s)
{
    size_t n = strlen(s), pad = 0;
    if (n % 4) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            if (++pad > 2) return 0;
        } else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '+' || c == '/')) {
            return 0;
        }
    }
    return 1;
}

static int check(const cJSON *v, const cl_texpr *t, const cl_field *f, char *path, size_t len);

/* Appends ".name" (or "name" at the start) to path, in place, and returns the new length. */
static size_t push_name(char *path, size_t len, const char *name)
{
    int n = snprintf(path + len, PATH_MAX_LEN - len, len ? ".%s" : "%s", name);
    size_t grown = len + (n > 0 ? (size_t)n : 0);
    return grown < PATH_MAX_LEN ? grown : PATH_MAX_LEN - 1;
}

/* Appends "[index]" to path, in place, and returns the new length. */
static size_t push_index(char *path, size_t len, int index)
{
    int n = snprintf(path + len, PATH_MAX_LEN - len, "[%d]", index);
    size_t grown = len + (n > 0 ? (size_t)n : 0);
    return grown < PATH_MAX_LEN ? grown : PATH_MAX_LEN - 1;
}

static int check_members(const cJSON *obj, const cl_field *fields, size_t n, enum cl_unknown unknown,
                         char *path, size_t len)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        const cl_field *f = cl_field_find(fields, n, m->string);
        size_t sub = push_name(path, len, m->string);
        if (f == NULL) {
            if (unknown == CL_UNKNOWN_ALLOW) continue;
            return cl_fail(COLONIES_EINVAL, "%s is unknown", path);
        }
        int rc = check(m, f->type, f, path, sub);
        path[len] = '\0';
        if (rc) return rc;
    }
    return COLONIES_OK;
}

static int check(const cJSON *v, const cl_texpr *t, const cl_field *f, char *path, size_t len)
{
    /* The server reads null as "leave the zero value" for every type. */
    if (cJSON_IsNull(v) || t->kind == CL_K_ANY) return COLONIES_OK;
    const cJSON *item;
    switch (t->kind) {
    case CL_K_STRING:
        if (!cJSON_IsString(v)) return wrong(v, t, f, path);
        if (f && f->choices) {
            for (const char *const *c = f->choices; *c; c++)
                if (strcmp(*c, v->valuestring) == 0) return COLONIES_OK;
            char want[200];
            describe(want, sizeof want, t, f);
            return cl_fail(COLONIES_EINVAL, "%s must be %s, not \"%.80s\"", path, want, v->valuestring);
        }
        return COLONIES_OK;
    case CL_K_TIME:
        return cJSON_IsString(v) ? COLONIES_OK : wrong(v, t, f, path);
    case CL_K_INT:
    case CL_K_INT64:
    case CL_K_FLOAT:
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return wrong(v, t, f, path);
        /* 2^63 - 1 reads as 2^63 in a double: the exact bound is checked on the text (call.c). */
        if (t->kind != CL_K_FLOAT && (v->valuedouble != floor(v->valuedouble) || v->valuedouble < -INT64_LIMIT ||
                                      v->valuedouble > INT64_LIMIT))
            return wrong(v, t, f, path);
        if (f && (f->flags & CL_F_RANGE) && (v->valuedouble < f->min || v->valuedouble > f->max))
            return wrong(v, t, f, path);
        if (f && (f->flags & CL_F_NONZERO) && v->valuedouble == 0)
            return cl_fail(COLONIES_EINVAL, "%s must not be 0", path);
        return COLONIES_OK;
    case CL_K_BOOL:
        return cJSON_IsBool(v) ? COLONIES_OK : wrong(v, t, f, path);
    case CL_K_BYTES:
        if (cJSON_IsString(v)) return is_base64(v->valuestring) ? COLONIES_OK : wrong(v, t, f, path);
        if (!cJSON_IsArray(v)) return wrong(v, t, f, path);
        cJSON_ArrayForEach(item, v)
        {
            if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) || item->valuedouble < 0 ||
                item->valuedouble > 255)
                return wrong(v, t, f, path);
        }
        return COLONIES_OK;
    case CL_K_LIST: {
        if (!cJSON_IsArray(v)) return wrong(v, t, f, path);
        int i = 0;
        cJSON_ArrayForEach(item, v)
        {
            size_t sub = push_index(path, len, i++);
            int rc = check(item, t->elem, NULL, path, sub);
            path[len] = '\0';
            if (rc) return rc;
        }
        return COLONIES_OK;
    }
    case CL_K_MAP:
        if (!cJSON_IsObject(v)) return wrong(v, t, f, path);
        cJSON_ArrayForEach(item, v)
        {
            size_t sub = push_name(path, len, item->string);
            int rc = check(item, t->elem, NULL, path, sub);
            path[len] = '\0';
            if (rc) return rc;
        }
        return COLONIES_OK;
    case CL_K_OBJECT:
        if (!cJSON_IsObject(v)) return wrong(v, t, f, path);
        /* Fields the registry does not know pass: the server ignores them, and a newer one may know them. */
        {
            int rc = check_members(v, t->type->fields, t->type->n_fields, CL_UNKNOWN_ALLOW, path, len);
            /* A workflow must also make a graph: nodes named once, known dependencies, no cycle. */
            if (rc == 0 && strcmp(t->type->name, "WorkflowSpec") == 0) rc = cl_workflow_check(v, path);
            return rc;
        }
    default:
        return COLONIES_OK;
    }
}

int cl_validate_value(const cJSON *v, const cl_field *f, const char *path)
{
    char buf[PATH_MAX_LEN];
    snprintf(buf, sizeof buf, "%s", path);
    if ((f->flags & CL_F_REQUIRED) && (v == NULL || cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == '\0')))
        return cl_fail(COLONIES_EINVAL, "%s is required", buf);
    if (v == NULL) return COLONIES_OK;
    return check(v, f->type, f, buf, strlen(buf));
}

int cl_validate_object(const cJSON *obj, const cl_field *fields, size_t n, enum cl_unknown unknown,
                       const char *what)
{
    char path[PATH_MAX_LEN];
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        const cl_field *f = cl_field_find(fields, n, m->string);
        if (f == NULL) {
            if (unknown == CL_UNKNOWN_ALLOW) continue;
            return cl_fail(COLONIES_EINVAL, "%s %s is unknown", what, m->string);
        }
        snprintf(path, sizeof path, "%s %s", what, m->string);
        int rc = cl_validate_value(m, f, path);
        if (rc) return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(fields[i].flags & CL_F_REQUIRED) || cJSON_GetObjectItemCaseSensitive(obj, fields[i].name)) continue;
        return cl_fail(COLONIES_EINVAL, "%s %s is required", what, fields[i].name);
    }
    return COLONIES_OK;
}
