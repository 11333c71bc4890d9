/*
 * Submits echo(ARG) to executors of TYPE with libcolonies' C API, waits for
 * the process to finish and prints its output, for tests/interop. The server
 * and key come from the COLONIES_* environment.
 *
 *   csubmit TYPE ARG
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <colonies/colonies.h>

static int fail(const char *what, int rc)
{
    fprintf(stderr, "csubmit: %s: %s: %s\n", what, colonies_strerror((colonies_status)rc), colonies_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: csubmit TYPE ARG\n");
        return 2;
    }
    char *env_json = NULL, *opts = NULL, *spec = NULL, *params = NULL, *out = NULL;
    int rc = colonies_env(&env_json);
    if (rc) return fail("environment", rc);
    cJSON *env = cJSON_Parse(env_json);
    const char *colony = cJSON_GetStringValue(cJSON_GetObjectItem(env, "colonyname"));
    const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(env, "prvkey"));
    colonies_client *client = NULL;
    if ((rc = colonies_client_new_from_env(&client, NULL))) return fail("connect", rc);
    colonies_json_format(&opts, "{\"funcname\":\"echo\",\"args\":[%s],\"colonyname\":%s,\"executortype\":%s}",
                         argv[2], colony, argv[1]);
    if ((rc = colonies_func_spec_new(&spec, opts))) return fail("func spec", rc);
    colonies_json_format(&params, "{\"spec\":%J}", spec);
    if ((rc = colonies_client_call(client, &out, "submit_func_spec", params, key, 0, NULL))) return fail("submit", rc);
    cJSON *p = cJSON_Parse(out);
    colonies_free(out);
    out = NULL;
    rc = colonies_client_wait_process(client, &out, cJSON_GetStringValue(cJSON_GetObjectItem(p, "processid")),
                                      COLONIES_WAIT_FINISHED, 60000, key, NULL);
    if (rc) return fail("wait", rc);
    cJSON *done = cJSON_Parse(out);
    const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(done, "out"), 0));
    if (s == NULL) return fail("output", COLONIES_EREPLY);
    printf("%s\n", s);
    cJSON_Delete(done);
    cJSON_Delete(p);
    cJSON_Delete(env);
    colonies_free(out);
    colonies_free(env_json);
    colonies_free(opts);
    colonies_free(spec);
    colonies_free(params);
    colonies_client_free(client);
    return 0;
}
