/*
 * Submits `echo helloworld` to the echo executor's type, waits for the
 * process to finish (polling; subscriptions come later) and prints its
 * output. Exits non-zero when it fails or takes longer than --timeout.
 *
 *   eval "$(scripts/colonies-server env)"; ./submitter
 */
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "env.h"

int main(int argc, char **argv)
{
    int timeout = 60;
    for (int i = 1; i + 1 < argc; i += 2)
        if (strcmp(argv[i], "--timeout") == 0) timeout = atoi(argv[i + 1]);
    const char *colony = env_or("COLONIES_COLONY_NAME", "dev");
    const char *key = getenv("COLONIES_PRVKEY");
    const char *type = env_or("ECHO_EXECUTOR_TYPE", "echo_executor");
    if (key == NULL) {
        fprintf(stderr, "COLONIES_PRVKEY is not set; see scripts/colonies-server env\n");
        return 1;
    }

    colonies_client *client = NULL;
    int rc = connect_from_env(&client);
    if (rc) return report("connect", rc);
    char options[256], *spec = NULL, *process = NULL;
    snprintf(options, sizeof options,
             "{\"funcname\":\"echo\",\"args\":[\"helloworld\"],\"colonyname\":\"%s\",\"executortype\":\"%s\","
             "\"maxwaittime\":%d}",
             colony, type, timeout);
    if ((rc = colonies_func_spec_new(&spec, options))) return report("func spec", rc);
    rc = colonies_client_submit(client, &process, spec, key);
    colonies_free(spec);
    if (rc) return report("submit", rc);
    cJSON *p = cJSON_Parse(process);
    colonies_free(process);
    char processid[65];
    snprintf(processid, sizeof processid, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(p, "processid")));
    cJSON_Delete(p);

    int status = 1;
    for (time_t end = time(NULL) + timeout; time(NULL) < end;) {
        if ((rc = colonies_client_get_process(client, &process, processid, key))) {
            status = report("get process", rc);
            break;
        }
        p = cJSON_Parse(process);
        colonies_free(process);
        int state = cJSON_GetObjectItem(p, "state")->valueint;
        if (state == COLONIES_SUCCESSFUL) {
            const cJSON *output = cJSON_GetObjectItem(p, "out");
            for (int i = 0; i < cJSON_GetArraySize(output); i++) {
                const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(output, i));
                printf("%s%s", i ? " " : "", s ? s : "?");
            }
            printf("\n");
            status = 0;
        } else if (state == COLONIES_FAILED || state == COLONIES_CANCELLED) {
            fprintf(stderr, "process %s ended in state %d\n", processid, state);
        }
        cJSON_Delete(p);
        if (state >= COLONIES_SUCCESSFUL) break;
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
    }
    colonies_client_free(client);
    return status;
}
