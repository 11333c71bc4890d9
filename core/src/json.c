/* Small helpers over cJSON, so every call reports JSON problems the same way. */
#include <string.h>

#include "internal.h"

static const char *type_name(int type)
{
    switch (type) {
    case cJSON_Object: return "an object";
    case cJSON_Array: return "an array";
    case cJSON_String: return "a string";
    default: return "a JSON value";
    }
}

int cl_json_parse(cJSON **out, const char *text, int type, const char *what)
{
    *out = NULL;
    if (text == NULL) return cl_fail(COLONIES_EINVAL, "%s is NULL", what);
    const char *end = NULL;
    cJSON *value = cJSON_ParseWithOpts(text, &end, 1);
    if (value == NULL) {
        size_t at = end ? (size_t)(end - text) : 0;
        return cl_fail(COLONIES_EJSON, "%s is not valid JSON (error near byte %zu)", what, at);
    }
    if (type && !(value->type & type)) {
        cJSON_Delete(value);
        return cl_fail(COLONIES_EJSON, "%s must be %s", what, type_name(type));
    }
    *out = value;
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
