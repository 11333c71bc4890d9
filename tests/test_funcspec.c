/* colonies_func_spec_new: defaults, shorthands and validation. */
#include <cjson/cJSON.h>

#include "check.h"

static cJSON *build(const char *options)
{
    char *out = NULL;
    int rc = colonies_func_spec_new(&out, options);
    if (rc != COLONIES_OK) return NULL;
    cJSON *spec = cJSON_Parse(out);
    colonies_free(out);
    return spec;
}

/* A number field; a missing one fails a check rather than crash. */
static double num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    CHECK(cJSON_IsNumber(v));
    return cJSON_IsNumber(v) ? v->valuedouble : -1e300;
}

static const char *text(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static void test_defaults(void)
{
    cJSON *spec = build("{\"funcname\":\"echo\",\"colonyname\":\"dev\",\"executortype\":\"echo_executor\","
                        "\"args\":[\"helloworld\"]}");
    CHECK(spec != NULL);
    if (spec == NULL) return;
    const cJSON *cond = cJSON_GetObjectItem(spec, "conditions");
    CHECK_STR(text(spec, "funcname"), "echo");
    CHECK_STR(text(spec, "nodename"), "echo");
    CHECK_STR(text(cond, "colonyname"), "dev");
    CHECK_STR(text(cond, "executortype"), "echo_executor");
    CHECK(num(spec, "priority") == 1);
    CHECK(num(spec, "maxexectime") == -1);
    CHECK(num(spec, "maxwaittime") == -1);
    CHECK(num(spec, "maxretries") == -1);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(spec, "args")) == 1);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(spec, "kwargs")));
    CHECK(cJSON_IsArray(cJSON_GetObjectItem(cond, "dependencies")));
    CHECK(cJSON_IsObject(cJSON_GetObjectItem(spec, "env")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(spec, "fs")));
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(spec, "channels")) == 0);
    cJSON_Delete(spec);
}

static void test_shorthands(void)
{
    cJSON *spec = build("{\"funcname\":\"f\",\"colonyname\":\"dev\",\"executorname\":\"e1\",\"code\":\"hi\","
                        "\"nodename\":\"n\",\"priority\":-7,\"env\":{\"a\":\"b\"},"
                        "\"fs\":{\"mount\":\"/cfs\"},\"channels\":[\"c1\"]}");
    CHECK(spec != NULL);
    if (spec == NULL) return;
    const cJSON *cond = cJSON_GetObjectItem(spec, "conditions");
    const cJSON *names = cJSON_GetObjectItem(cond, "executornames");
    CHECK(cJSON_GetArraySize(names) == 1);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(names, 0)), "e1");
    CHECK_STR(text(cJSON_GetObjectItem(spec, "env"), "code"), "aGk=");
    CHECK_STR(text(cJSON_GetObjectItem(spec, "env"), "a"), "b");
    CHECK_STR(text(spec, "nodename"), "n");
    CHECK(num(spec, "priority") == -7);
    CHECK_STR(text(cJSON_GetObjectItem(spec, "fs"), "mount"), "/cfs");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(spec, "channels"), 0)), "c1");
    cJSON_Delete(spec);
}

static void expect_invalid(const char *options, int want, const char *mentions)
{
    char *out = (char *)"untouched";
    CHECK_RC(colonies_func_spec_new(&out, options), want);
    CHECK(out == NULL);
    CHECK(strstr(colonies_last_error(), mentions) != NULL);
}

static void test_invalid(void)
{
    expect_invalid("{\"colonyname\":\"dev\",\"executortype\":\"t\"}", COLONIES_EINVAL, "funcname");
    expect_invalid("{\"funcname\":\"f\",\"executortype\":\"t\"}", COLONIES_EINVAL, "colonyname");
    expect_invalid("{\"funcname\":\"f\",\"colonyname\":\"dev\"}", COLONIES_EINVAL, "executortype");
    expect_invalid("{\"funcname\":\"f\",\"colonyname\":\"d\",\"executortype\":\"t\",\"prority\":1}", COLONIES_EINVAL,
                   "prority");
    expect_invalid("{\"funcname\":\"f\",\"colonyname\":\"d\",\"executortype\":\"t\",\"priority\":1.5}", COLONIES_EINVAL,
                   "priority");
    expect_invalid("{\"funcname\":\"f\",\"colonyname\":\"d\",\"executortype\":\"t\",\"priority\":60000}",
                   COLONIES_EINVAL, "priority");
    expect_invalid("{\"funcname\":\"f\",\"colonyname\":\"d\",\"executortype\":\"t\",\"maxexectime\":-2}",
                   COLONIES_EINVAL, "maxexectime");
    expect_invalid("{\"funcname\":\"f\",\"colonyname\":\"d\",\"executortype\":\"t\",\"args\":\"x\"}", COLONIES_EINVAL,
                   "args");
    expect_invalid("{\"funcname\":\"f\",\"colonyname\":\"d\",\"executortype\":\"t\",\"env\":{\"a\":1}}",
                   COLONIES_EINVAL, "env");
    expect_invalid("{\"funcname\":\"f\",\"colonyname\":\"d\",\"executortype\":\"t\",\"dependencies\":[1]}",
                   COLONIES_EINVAL, "dependencies");
    expect_invalid("{\"funcname\":\"f\",", COLONIES_EJSON, "not valid JSON");
    expect_invalid("[1,2]", COLONIES_EJSON, "object");
    expect_invalid(NULL, COLONIES_EINVAL, "NULL");
    CHECK_RC(colonies_func_spec_new(NULL, "{}"), COLONIES_EINVAL);
}

int main(void)
{
    test_defaults();
    test_shorthands();
    test_invalid();
    return check_summary("test_funcspec");
}
