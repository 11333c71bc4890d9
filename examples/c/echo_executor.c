/*
 * An executor that offers the function `echo`: it registers itself in the
 * colony with the colony's key, then assigns processes and closes each with
 * its arguments as output. Stops after --count processes (default 1) or when
 * no process arrives within --timeout seconds (default 60).
 *
 *   eval "$(scripts/colonies-server env)"; ./echo_executor --count 1
 */
#include "env.h"

/* Runs an operation with parameters from colonies_json_format; *out may be NULL. */
static int call(colonies_client *client, char **out, const char *operation, const char *key, const char *params)
{
    if (params == NULL) return COLONIES_ENOMEM;
    return colonies_client_call(client, out, operation, params, key, 0, NULL);
}

int main(int argc, char **argv)
{
    int count = 1, timeout = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--count") == 0) count = atoi(argv[i + 1]);
        if (strcmp(argv[i], "--timeout") == 0) timeout = atoi(argv[i + 1]);
    }
    const char *type = env_or("ECHO_EXECUTOR_TYPE", "echo_executor");
    cJSON *env = read_env();
    const char *colony = need(env, "colonyname", "COLONIES_COLONY_NAME");
    const char *colony_key = need(env, "colony_prvkey", "COLONIES_COLONY_PRVKEY");
    if (colony == NULL || colony_key == NULL) return 1;

    colonies_client *client = NULL;
    char *key = NULL, *id = NULL, *params = NULL;
    int rc = colonies_client_new_from_env(&client, NULL);
    if (rc) return report("connect", rc);
    /* A fresh identity each run: the colony owner vouches for it. */
    if ((rc = colonies_crypto_prvkey(&key)) || (rc = colonies_crypto_id(&id, key))) return report("new key", rc);

    char name[80];
    snprintf(name, sizeof name, "echo-c-%.8s", id);
    colonies_json_format(&params, "{\"executor\":{\"executorid\":%s,\"executortype\":%s,\"executorname\":%s,"
                                  "\"colonyname\":%s}}", id, type, name, colony);
    rc = call(client, NULL, "add_executor", colony_key, params);
    colonies_free(params);
    if (rc) return report("add executor", rc);
    colonies_json_format(&params, "{\"colonyname\":%s,\"executorname\":%s}", colony, name);
    rc = call(client, NULL, "approve_executor", colony_key, params);
    colonies_free(params);
    if (rc) return report("approve executor", rc);
    colonies_json_format(&params, "{\"fun\":{\"executorname\":%s,\"colonyname\":%s,\"funcname\":\"echo\"}}", name,
                         colony);
    rc = call(client, NULL, "add_function", key, params);
    colonies_free(params);
    if (rc) return report("add function", rc);
    printf("executor %s ready\n", name);
    fflush(stdout);

    int status = 0;
    colonies_json_format(&params, "{\"colonyname\":%s,\"timeout\":%d}", colony, timeout);
    for (int done = 0; done < count;) {
        char *process = NULL;
        rc = call(client, &process, "assign_process", key, params);
        if (rc == COLONIES_EEXPIRED) {
            /* Nothing came within the timeout. */
            fprintf(stderr, "no process within %d s\n", timeout);
            status = 1;
            break;
        }
        if (rc) {
            status = report("assign", rc);
            break;
        }
        /* The process is JSON; its spec's arguments become the output. */
        cJSON *p = cJSON_Parse(process);
        colonies_free(process);
        const char *processid = cJSON_GetStringValue(cJSON_GetObjectItem(p, "processid"));
        const cJSON *args = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "spec"), "args");
        char *args_json = args ? cJSON_PrintUnformatted(args) : NULL, *closing = NULL;
        colonies_json_format(&closing, "{\"processid\":%s,\"out\":%J}", processid ? processid : "",
                             args_json ? args_json : "[]");
        rc = call(client, NULL, "close_successful", key, closing);
        colonies_free(closing);
        printf("process %.12s closed with output %s\n", processid ? processid : "?", args_json ? args_json : "[]");
        fflush(stdout);
        free(args_json);
        cJSON_Delete(p);
        if (rc) {
            status = report("close", rc);
            break;
        }
        done++;
    }
    colonies_free(params);
    colonies_json_format(&params, "{\"colonyname\":%s,\"executorname\":%s}", colony, name);
    call(client, NULL, "remove_executor", colony_key, params);
    colonies_free(params);
    colonies_client_free(client);
    colonies_free(key);
    colonies_free(id);
    cJSON_Delete(env);
    return status;
}
