/*
 * FunctionSpec construction: one table of the options, their types, their
 * defaults and where they go in the server's FunctionSpec.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum kind { K_STRING, K_INT, K_ARRAY, K_OBJECT, K_STRINGS, K_STRING_MAP };
enum place { TOP, CONDITIONS, SPECIAL };

typedef struct {
    const char *name;
    enum kind kind;
    enum place place;
    const char *default_json; /* NULL: null */
    double min, max;          /* K_INT only: the range the server accepts */
} option;

static const option options[] = {
    {"funcname", K_STRING, TOP, NULL, 0, 0},
    {"nodename", K_STRING, TOP, NULL, 0, 0},
    {"args", K_ARRAY, TOP, "[]", 0, 0},
    {"kwargs", K_OBJECT, TOP, NULL, 0, 0},
    {"priority", K_INT, TOP, "1", -50000, 50000},
    {"maxwaittime", K_INT, TOP, "-1", -1, 2147483647},
    {"maxexectime", K_INT, TOP, "-1", -1, 2147483647},
    {"maxretries", K_INT, TOP, "-1", -1, 2147483647},
    {"label", K_STRING, TOP, "\"\"", 0, 0},
    {"env", K_STRING_MAP, TOP, "{}", 0, 0},
    {"fs", K_OBJECT, TOP, NULL, 0, 0},
    {"channels", K_STRINGS, TOP, "[]", 0, 0},
    {"colonyname", K_STRING, CONDITIONS, NULL, 0, 0},
    {"executortype", K_STRING, CONDITIONS, "\"\"", 0, 0},
    {"executornames", K_STRINGS, CONDITIONS, NULL, 0, 0},
    {"dependencies", K_STRINGS, CONDITIONS, "[]", 0, 0},
    {"nodes", K_INT, CONDITIONS, "0", 0, 2147483647},
    {"cpu", K_STRING, CONDITIONS, "\"\"", 0, 0},
    {"processes", K_INT, CONDITIONS, "0", 0, 2147483647},
    {"processespernode", K_INT, CONDITIONS, "0", 0, 2147483647},
    {"mem", K_STRING, CONDITIONS, "\"\"", 0, 0},
    {"storage", K_STRING, CONDITIONS, "\"\"", 0, 0},
    {"gpu", K_OBJECT, CONDITIONS, "{\"name\":\"\",\"mem\":\"\",\"count\":0,\"nodecount\":0}", 0, 0},
    {"walltime", K_INT, CONDITIONS, "0", 0, 2147483647},
    /* Shorthands, folded into the fields above. */
    {"executorname", K_STRING, SPECIAL, NULL, 0, 0},
    {"code", K_STRING, SPECIAL, NULL, 0, 0},
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static const option *find_option(const char *name)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(options[i].name, name) == 0) return &options[i];
    return NULL;
}

/* Every element (array) or member (object) of v is a string. */
static int all_strings(const cJSON *v)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        if (!cJSON_IsString(item)) return 0;
    }
    return 1;
}

/* Checks that value has the option's kind; null is accepted for "no value". */
static int check_kind(const option *o, const cJSON *v)
{
    if (cJSON_IsNull(v)) return COLONIES_OK;
    switch (o->kind) {
    case K_STRING:
        if (cJSON_IsString(v)) return COLONIES_OK;
        return cl_fail(COLONIES_EINVAL, "func spec option \"%s\" must be a string", o->name);
    case K_INT:
        if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && v->valuedouble >= o->min &&
            v->valuedouble <= o->max)
            return COLONIES_OK;
        return cl_fail(COLONIES_EINVAL, "func spec option \"%s\" must be a whole number from %.0f to %.0f",
                       o->name, o->min, o->max);
    case K_ARRAY:
        if (cJSON_IsArray(v)) return COLONIES_OK;
        return cl_fail(COLONIES_EINVAL, "func spec option \"%s\" must be an array", o->name);
    case K_OBJECT:
        if (cJSON_IsObject(v)) return COLONIES_OK;
        return cl_fail(COLONIES_EINVAL, "func spec option \"%s\" must be an object", o->name);
    case K_STRINGS:
        if (cJSON_IsArray(v) && all_strings(v)) return COLONIES_OK;
        return cl_fail(COLONIES_EINVAL, "func spec option \"%s\" must be an array of strings", o->name);
    case K_STRING_MAP:
        if (cJSON_IsObject(v) && all_strings(v)) return COLONIES_OK;
        return cl_fail(COLONIES_EINVAL, "func spec option \"%s\" must be an object of strings", o->name);
    }
    return COLONIES_EINVAL;
}

static const char *string_of(const cJSON *opts, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(opts, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Sets key in obj to a copy of the given value or the option's default. */
static int put(cJSON *obj, const option *o, const cJSON *given)
{
    cJSON *value = given && !cJSON_IsNull(given) ? cJSON_Duplicate(given, 1)
                   : o->default_json             ? cJSON_Parse(o->default_json)
                                                 : cJSON_CreateNull();
    if (value == NULL || !cJSON_AddItemToObject(obj, o->name, value)) {
        cJSON_Delete(value);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return COLONIES_OK;
}

/* The env object with "code" added as base64, as pycolonies ships source. */
static int add_code(cJSON *spec, const char *code)
{
    cJSON *env = cJSON_GetObjectItemCaseSensitive(spec, "env");
    size_t len = strlen(code);
    if (len > 64 * 1024 * 1024) return cl_fail(COLONIES_EINVAL, "func spec option \"code\" is too large");
    char *b64 = NULL;
    int rc = cl_base64_encode(&b64, code, len, "func spec option \"code\"");
    if (rc) return rc;
    cJSON_DeleteItemFromObjectCaseSensitive(env, "code");
    int ok = cJSON_AddStringToObject(env, "code", b64) != NULL;
    free(b64);
    return ok ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
}

static int build(cJSON *spec, cJSON *cond, const cJSON *opts)
{
    int rc;
    const cJSON *item;
    cJSON_ArrayForEach(item, opts)
    {
        const option *o = find_option(item->string);
        if (o == NULL) return cl_fail(COLONIES_EINVAL, "unknown func spec option \"%s\"", item->string);
        if ((rc = check_kind(o, item))) return rc;
    }
    const char *funcname = string_of(opts, "funcname");
    if (funcname == NULL || funcname[0] == '\0')
        return cl_fail(COLONIES_EINVAL, "func spec option \"funcname\" is required");
    const char *colonyname = string_of(opts, "colonyname");
    if (colonyname == NULL || colonyname[0] == '\0')
        return cl_fail(COLONIES_EINVAL, "func spec option \"colonyname\" is required");

    const char *executortype = string_of(opts, "executortype");
    const char *executorname = string_of(opts, "executorname");
    const cJSON *executornames = cJSON_GetObjectItemCaseSensitive(opts, "executornames");
    int has_names = cJSON_GetArraySize(executornames) > 0 || (executorname && executorname[0]);
    if ((executortype == NULL || executortype[0] == '\0') && !has_names)
        return cl_fail(COLONIES_EINVAL, "func spec needs \"executortype\" or \"executorname(s)\"");

    for (size_t i = 0; i < N_OPTIONS; i++) {
        const option *o = &options[i];
        if (o->place == SPECIAL) continue;
        const cJSON *given = cJSON_GetObjectItemCaseSensitive(opts, o->name);
        if (strcmp(o->name, "nodename") == 0 && (given == NULL || cJSON_IsNull(given)))
            given = cJSON_GetObjectItemCaseSensitive(opts, "funcname");
        if ((rc = put(o->place == TOP ? spec : cond, o, given))) return rc;
    }
    if (executorname && executorname[0]) {
        cJSON *names = cJSON_GetObjectItemCaseSensitive(cond, "executornames");
        if (!cJSON_IsArray(names)) {
            cJSON_DeleteItemFromObjectCaseSensitive(cond, "executornames");
            names = cJSON_AddArrayToObject(cond, "executornames");
        }
        if (names == NULL || !cJSON_AddItemToArray(names, cJSON_CreateString(executorname)))
            return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    const char *code = string_of(opts, "code");
    if (code && (rc = add_code(spec, code))) return rc;
    if (!cJSON_AddItemToObject(spec, "conditions", cond)) return cl_fail(COLONIES_ENOMEM, "out of memory");
    return COLONIES_OK;
}

int colonies_func_spec_new(char **out_json, const char *options_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    cJSON *opts = NULL;
    int rc = cl_json_parse(&opts, options_json, cJSON_Object, "func spec options");
    if (rc) return rc;
    cJSON *spec = cJSON_CreateObject(), *cond = cJSON_CreateObject();
    if (spec == NULL || cond == NULL)
        rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    else
        rc = build(spec, cond, opts);
    /* build() hands cond to spec only on success. */
    if (rc && cJSON_GetObjectItemCaseSensitive(spec, "conditions") != cond) cJSON_Delete(cond);
    if (rc == 0) rc = cl_json_print(out_json, spec);
    cJSON_Delete(spec);
    cJSON_Delete(opts);
    return rc;
}
