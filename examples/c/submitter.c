/*
 * Submits `echo helloworld` to the echo executor's type, waits for the
 * process to finish (polling; subscriptions come later) and prints its
 * output. Exits non-zero when it fails or takes longer than --timeout.
 *
 *   eval "$(scripts/colonies-server env)"; ./submitter
 */
#include <time.h>

#include "env.h"

int main(int argc, char **argv)
{
    int timeout = 60;
    for (int i = 1; i + 1 < argc; i += 2)
        if (strcmp(argv[i], "--timeout") == 0) timeout = atoi(argv[i + 1]);
    const char *type = env_or("ECHO_EXECUTOR_TYPE", "echo_executor");
    cJSON *env = read_env();
    const char *colony = need(env, "colonyname", "COLONIES_COLONY_NAME");
    const char *key = need(env, "prvkey", "COLONIES_PRVKEY");
    if (colony == NULL || key == NULL) return 1;

    colonies_client *client = NULL;
    int rc = colonies_client_new_from_env(&client, NULL);
    if (rc) return report("connect", rc);
    char *options = NULL, *spec = NULL, *params = NULL, *process = NULL;
    colonies_json_format(&options, "{\"funcname\":\"echo\",\"args\":[\"helloworld\"],\"colonyname\":%s,"
                                   "\"executortype\":%s,\"maxwaittime\":%d}", colony, type, timeout);
    if ((rc = colonies_func_spec_new(&spec, options))) return report("func spec", rc);
    colonies_json_format(&params, "{\"spec\":%J}", spec);
    rc = colonies_client_call(client, &process, "submit_func_spec", params, key, 0, NULL);
    colonies_free(options);
    colonies_free(spec);
    colonies_free(params);
    if (rc) return report("submit", rc);
    cJSON *p = cJSON_Parse(process);
    colonies_free(process);
    char processid[65];
    snprintf(processid, sizeof processid, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(p, "processid")));
    cJSON_Delete(p);

    int status = 1;
    colonies_json_format(&params, "{\"processid\":%s}", processid);
    for (time_t end = time(NULL) + timeout; time(NULL) < end;) {
        if ((rc = colonies_client_call(client, &process, "get_process", params, key, 0, NULL))) {
            status = report("get process", rc);
            break;
        }
        p = cJSON_Parse(process);
        colonies_free(process);
        int state = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "state"));
        if (state == COLONIES_PROCESS_SUCCESSFUL) {
            const cJSON *output = cJSON_GetObjectItem(p, "out");
            for (int i = 0; i < cJSON_GetArraySize(output); i++) {
                const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(output, i));
                printf("%s%s", i ? " " : "", s ? s : "?");
            }
            printf("\n");
            status = 0;
        } else if (state == COLONIES_PROCESS_FAILED || state == COLONIES_PROCESS_CANCELLED) {
            fprintf(stderr, "process %s ended in state %d\n", processid, state);
        }
        cJSON_Delete(p);
        if (state >= COLONIES_PROCESS_SUCCESSFUL) break;
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
    }
    colonies_free(params);
    colonies_client_free(client);
    cJSON_Delete(env);
    return status;
}
