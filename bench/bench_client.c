/*
 * Round trips per second of get_process against the server named by the
 * COLONIES_* environment (scripts/colonies-server env), from 1 and from 4
 * threads sharing one client. Sets up its own colony, executor and process,
 * and removes them afterwards.
 *
 *   eval "$(scripts/colonies-server env)"; build/bench/bench_client [seconds]
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <colonies/colonies.h>

#include "timing.h"

static colonies_client *client;
static char *exec_key, *get_params;
static double seconds = 3;

static int fail(const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", what, colonies_strerror((colonies_status)rc), colonies_last_error());
    exit(1);
}

static void *loop(void *arg)
{
    long *count = arg;
    double end = now_s() + seconds;
    while (now_s() < end) {
        char *out = NULL;
        int rc = colonies_client_call(client, &out, "get_process", get_params, exec_key, 0, NULL);
        if (rc) fail("get_process", rc);
        colonies_free(out);
        (*count)++;
    }
    return NULL;
}

static double run(int threads)
{
    pthread_t t[16];
    long counts[16] = {0};
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, loop, &counts[i]);
    long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += counts[i];
    }
    return (double)total / seconds;
}

int main(int argc, char **argv)
{
    if (argc > 1) seconds = atof(argv[1]);
    const char *host = getenv("COLONIES_SERVER_HOST"), *port = getenv("COLONIES_SERVER_PORT");
    const char *server_key = getenv("COLONIES_SERVER_PRVKEY");
    if (!host || !port || !server_key) {
        fprintf(stderr, "set the COLONIES_* variables: eval \"$(scripts/colonies-server env)\"\n");
        return 2;
    }
    int rc;
    if ((rc = colonies_client_new(&client, host, atoi(port), NULL))) fail("client", rc);
    char *colony_key = NULL, *colony_id = NULL, *exec_id = NULL, *out = NULL, *spec = NULL;
    if ((rc = colonies_crypto_prvkey(&colony_key)) || (rc = colonies_crypto_id(&colony_id, colony_key)) ||
        (rc = colonies_crypto_prvkey(&exec_key)) || (rc = colonies_crypto_id(&exec_id, exec_key)))
        fail("keys", rc);
    char colony[64];
    snprintf(colony, sizeof colony, "bench-%.12s", colony_id);
    char *params = NULL;
    colonies_json_format(&params, "{\"colony\":{\"colonyid\":%s,\"name\":%s}}", colony_id, colony);
    if ((rc = colonies_client_call(client, NULL, "add_colony", params, server_key, 0, NULL))) fail("add colony", rc);
    colonies_free(params);
    colonies_json_format(&params, "{\"executor\":{\"executorid\":%s,\"executortype\":\"bench\",\"executorname\":"
                                  "\"bench\",\"colonyname\":%s}}", exec_id, colony);
    if ((rc = colonies_client_call(client, NULL, "add_executor", params, colony_key, 0, NULL))) fail("add executor", rc);
    colonies_free(params);
    colonies_json_format(&params, "{\"colonyname\":%s,\"executorname\":\"bench\"}", colony);
    if ((rc = colonies_client_call(client, NULL, "approve_executor", params, colony_key, 0, NULL))) fail("approve", rc);
    colonies_free(params);
    colonies_json_format(&params, "{\"funcname\":\"echo\",\"colonyname\":%s,\"executortype\":\"bench\"}", colony);
    if ((rc = colonies_func_spec_new(&spec, params))) fail("func spec", rc);
    colonies_free(params);
    colonies_json_format(&params, "{\"spec\":%J}", spec);
    if ((rc = colonies_client_call(client, &out, "submit_func_spec", params, exec_key, 0, NULL))) fail("submit", rc);
    colonies_free(params);
    cJSON *p = cJSON_Parse(out);
    colonies_json_format(&get_params, "{\"processid\":%s}", cJSON_GetStringValue(cJSON_GetObjectItem(p, "processid")));
    cJSON_Delete(p);
    colonies_free(out);
    colonies_free(spec);

    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    double one = run(1);
    getrusage(RUSAGE_SELF, &after);
    double calls = one * seconds;
    long switches = (after.ru_nvcsw - before.ru_nvcsw) + (after.ru_nivcsw - before.ru_nivcsw);
    double cpu_us = ((after.ru_utime.tv_sec - before.ru_utime.tv_sec) + (after.ru_stime.tv_sec - before.ru_stime.tv_sec)) * 1e6 +
                    (after.ru_utime.tv_usec - before.ru_utime.tv_usec) + (after.ru_stime.tv_usec - before.ru_stime.tv_usec);
    double four = run(4);
    printf("get_process round trips against %s:%s, %.0f s each:\n", host, port, seconds);
    printf("  1 thread : %8.0f calls/s (%.0f us/call; %.1f context switches and %.0f us of CPU per call)\n", one,
           1e6 / one, switches / calls, cpu_us / calls);
    printf("  4 threads: %8.0f calls/s\n", four);

    colonies_json_format(&params, "{\"colonyname\":%s,\"state\":%d}", colony, COLONIES_PROCESS_ALL);
    colonies_client_call(client, NULL, "remove_all_processes", params, colony_key, 0, NULL);
    colonies_free(params);
    colonies_json_format(&params, "{\"colonyname\":%s}", colony);
    colonies_client_call(client, NULL, "remove_colony", params, server_key, 0, NULL);
    colonies_free(params);
    colonies_free(get_params);
    colonies_client_free(client);
    colonies_free(colony_key);
    colonies_free(colony_id);
    colonies_free(exec_key);
    colonies_free(exec_id);
    return 0;
}
