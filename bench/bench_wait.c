/*
 * Wait latency: from sending the close of a process to the return of a
 * waiter in another thread, p50 and p99 over many runs, for
 *   wait       colonies_client_wait_process (the server's websocket, and reads)
 *   poll 10ms  get_process every 10 ms until the process has finished
 *   poll 100ms get_process every 100 ms
 * interleaved run by run, so that the machine's noise falls on each alike.
 * Also prints the close's own round trip, for scale. Sets up its own colony
 * and executor against the server named by the COLONIES_* environment.
 *
 *   eval "$(scripts/colonies-server env)"; build/bench/bench_wait [runs]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <colonies/colonies.h>

#include "timing.h"

static colonies_client *client;
static char *colony_key, *colony_id, *exec_key, *exec_id;
static char colony[64], exec_name[64], exec_type[64];

static void fail(const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", what, colonies_strerror((colonies_status)rc), colonies_last_error());
    exit(1);
}

static char *callf(const char *operation, const char *key, const char *fmt, const char *a, const char *b)
{
    char params[512], *out = NULL;
    snprintf(params, sizeof params, fmt, a, b);
    int rc = colonies_client_call(client, &out, operation, params, key, 0, NULL);
    if (rc) fail(operation, rc);
    return out;
}

enum { WAIT, POLL_10, POLL_100, N_MODES };
static const char *const MODE_NAMES[] = {"wait (websocket)", "poll every 10 ms", "poll every 100 ms"};

typedef struct {
    int mode;
    char processid[65];
    volatile int ready;
    double returned;
} waiter;

static int finished(const char *process_json)
{
    cJSON *p = cJSON_Parse(process_json);
    const cJSON *s = cJSON_GetObjectItem(p, "state");
    int done = cJSON_IsNumber(s) && s->valueint >= COLONIES_PROCESS_SUCCESSFUL;
    cJSON_Delete(p);
    return done;
}

static void *wait_thread(void *arg)
{
    waiter *w = arg;
    char *out = NULL;
    if (w->mode == WAIT) {
        colonies_call *call = NULL;
        int rc = colonies_client_wait_process_start(client, &call, w->processid, COLONIES_WAIT_FINISHED, 30000,
                                                    exec_key);
        if (rc) fail("wait", rc);
        w->ready = 1;
        colonies_call_wait(call, -1);
        w->returned = now_s();
        if ((rc = colonies_call_result(call, &out))) fail("wait result", rc);
        colonies_call_free(call);
    } else {
        char params[128];
        snprintf(params, sizeof params, "{\"processid\":\"%s\"}", w->processid);
        long ms = w->mode == POLL_10 ? 10 : 100;
        w->ready = 1;
        for (;;) {
            int rc = colonies_client_call(client, &out, "get_process", params, exec_key, 0, NULL);
            if (rc) fail("get_process", rc);
            if (finished(out)) break;
            colonies_free(out);
            struct timespec t = {0, ms * 1000000L};
            nanosleep(&t, NULL);
        }
        w->returned = now_s();
    }
    colonies_free(out);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 200;
    const char *host = getenv("COLONIES_SERVER_HOST"), *port = getenv("COLONIES_SERVER_PORT");
    const char *server_key = getenv("COLONIES_SERVER_PRVKEY");
    if (!host || !port || !server_key) {
        fprintf(stderr, "run eval \"$(scripts/colonies-server env)\" first\n");
        return 2;
    }
    int rc = colonies_client_new(&client, host, atoi(port), NULL);
    if (rc) fail("client", rc);
    if ((rc = colonies_crypto_prvkey(&colony_key)) || (rc = colonies_crypto_id(&colony_id, colony_key)) ||
        (rc = colonies_crypto_prvkey(&exec_key)) || (rc = colonies_crypto_id(&exec_id, exec_key)))
        fail("keys", rc);
    snprintf(colony, sizeof colony, "bench-wait-%.8s", colony_id);
    snprintf(exec_name, sizeof exec_name, "bench-wait-%.8s", exec_id);
    snprintf(exec_type, sizeof exec_type, "bench-wait-%.8s", exec_id);
    char *p = NULL;
    colonies_json_format(&p, "{\"colony\":{\"colonyid\":%s,\"name\":%s}}", colony_id, colony);
    if ((rc = colonies_client_call(client, NULL, "add_colony", p, server_key, 0, NULL))) fail("add_colony", rc);
    colonies_free(p);
    colonies_json_format(&p, "{\"executor\":{\"executorid\":%s,\"executortype\":%s,\"executorname\":%s,"
                             "\"colonyname\":%s}}", exec_id, exec_type, exec_name, colony);
    if ((rc = colonies_client_call(client, NULL, "add_executor", p, colony_key, 0, NULL))) fail("add_executor", rc);
    colonies_free(p);
    colonies_free(callf("approve_executor", colony_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}", colony,
                        exec_name));
    char *opts = NULL, *spec = NULL, *submit = NULL;
    colonies_json_format(&opts, "{\"funcname\":\"bench\",\"colonyname\":%s,\"executortype\":%s}", colony, exec_type);
    colonies_func_spec_new(&spec, opts);
    colonies_json_format(&submit, "{\"spec\":%J}", spec);

    double *lat[N_MODES], *after_reply[N_MODES], *close_rtt = malloc(sizeof(double) * (size_t)runs * N_MODES);
    int n[N_MODES] = {0}, n_close = 0;
    for (int m = 0; m < N_MODES; m++) {
        lat[m] = malloc(sizeof(double) * (size_t)runs);
        after_reply[m] = malloc(sizeof(double) * (size_t)runs);
    }
    for (int r = 0; r < runs; r++) {
        for (int m = 0; m < N_MODES; m++) {
            char *out = NULL;
            if ((rc = colonies_client_call(client, &out, "submit_func_spec", submit, exec_key, 0, NULL)))
                fail("submit", rc);
            cJSON *proc = cJSON_Parse(out);
            waiter w = {.mode = m};
            snprintf(w.processid, sizeof w.processid, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(proc, "processid")));
            cJSON_Delete(proc);
            colonies_free(out);
            colonies_free(callf("assign_process", exec_key, "{\"colonyname\":\"%s\",\"timeout\":%s}", colony, "5"));
            pthread_t t;
            pthread_create(&t, NULL, wait_thread, &w);
            while (!w.ready) sched_yield();
            /* Let the waiter settle (subscribed, or between polls at a random point). */
            struct timespec settle = {0, (30 + rand() % 70) * 1000000L};
            nanosleep(&settle, NULL);
            double sent = now_s();
            colonies_free(callf("close_successful", exec_key, "{\"processid\":\"%s\",\"out\":[%s]}", w.processid, "1"));
            double replied = now_s();
            pthread_join(t, NULL);
            lat[m][n[m]] = (w.returned - sent) * 1e3;
            after_reply[m][n[m]++] = (w.returned - replied) * 1e3;
            close_rtt[n_close++] = (replied - sent) * 1e3;
        }
    }
    printf("wait latency over %d runs each, interleaved (ms from sending the close to the waiter's return):\n",
           runs);
    printf("  %-20s %8s %8s %8s   %s\n", "", "p50", "p99", "max", "(p50 after the close's reply)");
    for (int m = 0; m < N_MODES; m++) {
        double p50r = pct(after_reply[m], n[m], 0.5);
        printf("  %-20s %8.2f %8.2f %8.2f   (%.2f)\n", MODE_NAMES[m], pct(lat[m], n[m], 0.5),
               pct(lat[m], n[m], 0.99), pct(lat[m], n[m], 1.0), p50r);
    }
    printf("  %-20s %8.2f %8.2f %8.2f\n", "the close itself", pct(close_rtt, n_close, 0.5),
           pct(close_rtt, n_close, 0.99), pct(close_rtt, n_close, 1.0));
    colonies_free(callf("remove_colony", server_key, "{\"colonyname\":\"%s\"}%s", colony, ""));
    colonies_client_free(client);
    return 0;
}
