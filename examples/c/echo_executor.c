/*
 * An executor that offers the function `echo`: it registers itself in the
 * colony with the colony's key, then assigns processes and closes each with
 * its arguments as output. Stops after --count processes (default 1) or when
 * no process arrives within --timeout seconds (default 60).
 *
 *   eval "$(scripts/colonies-server env)"; ./echo_executor --count 1
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "env.h"

int main(int argc, char **argv)
{
    int count = 1, timeout = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--count") == 0) count = atoi(argv[i + 1]);
        if (strcmp(argv[i], "--timeout") == 0) timeout = atoi(argv[i + 1]);
    }
    const char *colony = env_or("COLONIES_COLONY_NAME", "dev");
    const char *colony_key = getenv("COLONIES_COLONY_PRVKEY");
    const char *type = env_or("ECHO_EXECUTOR_TYPE", "echo_executor");
    if (colony_key == NULL) {
        fprintf(stderr, "COLONIES_COLONY_PRVKEY is not set; see scripts/colonies-server env\n");
        return 1;
    }

    colonies_client *client = NULL;
    char *key = NULL, *id = NULL, *out = NULL;
    int rc = connect_from_env(&client);
    if (rc) return report("connect", rc);
    /* A fresh identity each run: the colony owner vouches for it. */
    if ((rc = colonies_crypto_prvkey(&key)) || (rc = colonies_crypto_id(&id, key))) return report("new key", rc);

    char name[80], body[512];
    snprintf(name, sizeof name, "echo-c-%.8s", id);
    snprintf(body, sizeof body,
             "{\"executorid\":\"%s\",\"executortype\":\"%s\",\"executorname\":\"%s\",\"colonyname\":\"%s\"}", id,
             type, name, colony);
    if ((rc = colonies_client_add_executor(client, &out, body, colony_key))) return report("add executor", rc);
    colonies_free(out);
    if ((rc = colonies_client_approve_executor(client, colony, name, colony_key)))
        return report("approve executor", rc);
    snprintf(body, sizeof body, "{\"executorname\":\"%s\",\"colonyname\":\"%s\",\"funcname\":\"echo\"}", name,
             colony);
    if ((rc = colonies_client_add_function(client, &out, body, key))) return report("add function", rc);
    colonies_free(out);
    printf("executor %s ready\n", name);
    fflush(stdout);

    int status = 0;
    for (int done = 0; done < count; done++) {
        char *process = NULL;
        rc = colonies_client_assign(client, &process, colony, timeout, NULL, NULL, key);
        if (rc) {
            status = report("assign", rc);
            break;
        }
        /* The process is JSON; its spec's arguments become the output. */
        cJSON *p = cJSON_Parse(process);
        colonies_free(process);
        const char *processid = cJSON_GetStringValue(cJSON_GetObjectItem(p, "processid"));
        const cJSON *args = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "spec"), "args");
        char *args_json = args ? cJSON_PrintUnformatted(args) : NULL;
        rc = colonies_client_close(client, processid ? processid : "", args_json ? args_json : "[]", key);
        printf("process %.12s closed with output %s\n", processid ? processid : "?", args_json ? args_json : "[]");
        fflush(stdout);
        free(args_json);
        cJSON_Delete(p);
        if (rc) {
            status = report("close", rc);
            break;
        }
    }
    colonies_client_remove_executor(client, colony, name, colony_key);
    colonies_client_free(client);
    colonies_free(key);
    colonies_free(id);
    return status;
}
