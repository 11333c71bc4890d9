/*
 * FunctionSpec construction. The options, their types, defaults and ranges,
 * and the object each goes into, are the registry's "funcspec_options";
 * what a table cannot say (the shorthands, nodename defaulting to
 * funcname, and who may run it) is here.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "registry.h"

static const char *string_of(const cJSON *opts, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(opts, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Sets the option's member of obj to a copy of the given value, or to its default. */
static int put(cJSON *obj, const cl_field *o, const cJSON *given)
{
    cJSON *value = given && !cJSON_IsNull(given) ? cJSON_Duplicate(given, 1) : cl_json_read(cl_field_default(o));
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
    if (len > 64 * 1024 * 1024) return cl_fail(COLONIES_EINVAL, "func spec option code is too large");
    char *b64 = NULL;
    int rc = cl_base64_encode(&b64, code, len, "func spec option code");
    if (rc) return rc;
    cJSON_DeleteItemFromObjectCaseSensitive(env, "code");
    int ok = cJSON_AddStringToObject(env, "code", b64) != NULL;
    free(b64);
    return ok ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
}

/* The seed's colonyid is colonyname under its older name. */
static int colonyid_as_colonyname(cJSON *opts)
{
    const char *id = string_of(opts, "colonyid"), *name = string_of(opts, "colonyname");
    if (id == NULL || id[0] == '\0') return COLONIES_OK;
    if (name && name[0] && strcmp(name, id) != 0)
        return cl_fail(COLONIES_EINVAL, "func spec options colonyname \"%.100s\" and colonyid \"%.100s\" differ: "
                                        "colonyid is the older name of colonyname",
                       name, id);
    cJSON_DeleteItemFromObjectCaseSensitive(opts, "colonyname");
    return cJSON_AddStringToObject(opts, "colonyname", id) ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
}

static int build(cJSON *spec, cJSON *cond, cJSON *opts)
{
    int rc = colonyid_as_colonyname(opts);
    if (rc) return rc;
    rc = cl_validate_object(opts, cl_funcspec_options, cl_n_funcspec_options, CL_UNKNOWN_REFUSE,
                                "func spec option");
    if (rc) return rc;
    const char *executortype = string_of(opts, "executortype");
    const char *executorname = string_of(opts, "executorname");
    const cJSON *executornames = cJSON_GetObjectItemCaseSensitive(opts, "executornames");
    int has_names = cJSON_GetArraySize(executornames) > 0 || (executorname && executorname[0]);
    if ((executortype == NULL || executortype[0] == '\0') && !has_names)
        return cl_fail(COLONIES_EINVAL, "func spec needs executortype or executorname(s)");

    for (size_t i = 0; i < cl_n_funcspec_options; i++) {
        const cl_field *o = &cl_funcspec_options[i];
        if (o->in && strcmp(o->in, "special") == 0) continue;
        const cJSON *given = cJSON_GetObjectItemCaseSensitive(opts, o->name);
        if (strcmp(o->name, "nodename") == 0 && (given == NULL || cJSON_IsNull(given)))
            given = cJSON_GetObjectItemCaseSensitive(opts, "funcname");
        if ((rc = put(o->in ? cond : spec, o, given))) return rc;
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

colonies_status colonies_func_spec_new(char **out_json, const char *options_json)
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
