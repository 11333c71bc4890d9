/*
 * The C core's side of bench/compare: measures one thing and prints it as
 * one JSON line (the commands of bench/compare/worker.py).
 *
 *   compare_worker sign N            µs per signature and per recovery
 *   compare_worker rpc IDS           get_process of each id, one after another
 *   compare_worker inflight K IDS    the same with K calls in flight on one client
 *   compare_worker wait N            close -> a waiter's return, p50 and p99 in ms
 *   compare_worker cycles E N        N submit -> assign -> close cycles, E executor threads
 *
 * CPU is the whole process's (every thread's, the client's loop included),
 * from getrusage, around the measured calls only.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cjson/cJSON.h>
#include <colonies/colonies.h>

#include "../timing.h"

static const char *MSG = "eyJtc2d0eXBlIjoiZ2V0cHJvY2Vzc21zZyIsInByb2Nlc3NpZCI6IjEyMzQ1Njc4OTAxMjM0NTY3ODkwIn0=";

static double cpu_s(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + (double)r.ru_stime.tv_sec +
           r.ru_stime.tv_usec / 1e6;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "compare_worker: %s: %s (%s)\n", what, colonies_strerror(rc), colonies_last_error());
    exit(1);
}

static char **read_ids(const char *path, int *n)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    int cap = 1024;
    char **ids = malloc((size_t)cap * sizeof *ids), line[256];
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0') continue;
        if (*n == cap) ids = realloc(ids, (size_t)(cap *= 2) * sizeof *ids);
        ids[(*n)++] = strdup(line);
    }
    fclose(f);
    return ids;
}

static colonies_client *connect_env(void)
{
    colonies_client *c = NULL;
    int rc = colonies_client_new_from_env(&c, NULL);
    if (rc) die("client", rc);
    return c;
}

static char *params_for(const char *id)
{
    char *p = NULL;
    int rc = colonies_json_format(&p, "{\"processid\":%s}", id);
    if (rc) die("params", rc);
    return p;
}

static void sign(int n)
{
    const char *key = getenv("COLONIES_PRVKEY");
    char **msgs = malloc((size_t)n * sizeof *msgs), **sigs = malloc((size_t)n * sizeof *sigs);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(MSG) + 16;
        msgs[i] = malloc(len);
        snprintf(msgs[i], len, "%s%d", MSG, i);
    }
    for (int i = 0; i < n && i < 20; i++) { /* warm up, untimed */
        char *s = NULL;
        if (colonies_crypto_sign(&s, msgs[i], strlen(msgs[i]) - 1, key) == COLONIES_OK) colonies_free(s);
    }
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        int rc = colonies_crypto_sign(&sigs[i], msgs[i], strlen(msgs[i]), key);
        if (rc) die("sign", rc);
    }
    double sign_us = (now_s() - t0) / n * 1e6;
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        char *id = NULL;
        int rc = colonies_crypto_recover_id(&id, msgs[i], strlen(msgs[i]), sigs[i]);
        if (rc) die("recover", rc);
        colonies_free(id);
    }
    double rec_us = (now_s() - t0) / n * 1e6;
    printf("{\"sign_us\":%.3f,\"recover_us\":%.3f}\n", sign_us, rec_us);
}

static void rpc(const char *path)
{
    int n = 0;
    char **ids = read_ids(path, &n);
    const char *key = getenv("COLONIES_PRVKEY");
    colonies_client *c = connect_env();
    char *p = params_for(ids[0]), *out = NULL;
    int rc = colonies_client_call(c, &out, "get_process", p, key, 0, NULL); /* the connection, before the clock */
    if (rc) die("get_process", rc);
    colonies_free(out);
    colonies_free(p);
    double c0 = cpu_s(), t0 = now_s();
    for (int i = 1; i < n; i++) {
        p = params_for(ids[i]);
        rc = colonies_client_call(c, &out, "get_process", p, key, 0, NULL);
        if (rc) die("get_process", rc);
        colonies_free(out);
        colonies_free(p);
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    printf("{\"calls\":%d,\"cpu_us_per_call\":%.3f,\"calls_per_s\":%.3f}\n", n - 1, cpu / (n - 1) * 1e6,
           (n - 1) / wall);
    colonies_client_free(c);
}

static void inflight(int k, const char *path)
{
    int n = 0;
    char **ids = read_ids(path, &n);
    const char *key = getenv("COLONIES_PRVKEY");
    colonies_client *c = connect_env();
    char *p = params_for(ids[0]), *out = NULL;
    int rc = colonies_client_call(c, &out, "get_process", p, key, 0, NULL);
    if (rc) die("get_process", rc);
    colonies_free(out);
    colonies_free(p);
    colonies_call **calls = calloc((size_t)k, sizeof *calls);
    struct pollfd *fds = calloc((size_t)k, sizeof *fds);
    int next = 1, done = 0;
    double c0 = cpu_s(), t0 = now_s();
    while (done < n - 1) {
        /* Keep k calls in flight. */
        for (int i = 0; i < k; i++) {
            if (calls[i] == NULL && next < n) {
                p = params_for(ids[next++]);
                rc = colonies_client_call_start(c, &calls[i], "get_process", p, key, 0);
                colonies_free(p);
                if (rc) die("get_process", rc);
            }
            fds[i].fd = calls[i] ? colonies_call_fd(calls[i]) : -1;
            fds[i].events = POLLIN;
            fds[i].revents = 0;
        }
        poll(fds, (nfds_t)k, 10000);
        for (int i = 0; i < k; i++) {
            if (calls[i] == NULL || !colonies_call_wait(calls[i], 0)) continue;
            rc = colonies_call_result(calls[i], &out);
            if (rc) die("get_process", rc);
            colonies_free(out);
            colonies_call_free(calls[i]);
            calls[i] = NULL;
            done++;
        }
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    printf("{\"calls\":%d,\"cpu_us_per_call\":%.3f,\"calls_per_s\":%.3f}\n", n - 1, cpu / (n - 1) * 1e6,
           (n - 1) / wall);
    colonies_client_free(c);
}

typedef struct {
    colonies_client *c;
    const char *pid, *key;
    double returned;
    int rc;
} waiter;

static void *wait_main(void *arg)
{
    waiter *w = arg;
    char *out = NULL;
    w->rc = colonies_client_wait_process(w->c, &out, w->pid, COLONIES_WAIT_FINISHED, 10000, w->key, NULL);
    w->returned = now_s();
    colonies_free(out);
    return NULL;
}

/* The "processid" of a process's JSON (a copy; caller frees), or NULL. */
static char *processid_of(const char *json)
{
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "processid"));
    char *copy = id ? strdup(id) : NULL;
    cJSON_Delete(v);
    return copy;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void wait_latency(int n)
{
    const char *key = getenv("BENCH_EXECUTOR_KEY"), *type = getenv("BENCH_EXECUTOR_TYPE"),
               *colony = getenv("COLONIES_COLONY_NAME");
    colonies_client *c = connect_env();
    double *ms = calloc((size_t)n, sizeof *ms);
    for (int i = 0; i < n; i++) {
        char *opts = NULL, *spec = NULL, *params = NULL, *out = NULL;
        int rc = colonies_json_format(&opts, "{\"funcname\":\"echo\",\"args\":[%d],\"colonyname\":%s,\"executortype\":%s}",
                                      i, colony, type);
        if (rc == 0) rc = colonies_func_spec_new(&spec, opts);
        if (rc == 0) rc = colonies_json_format(&params, "{\"spec\":%J}", spec);
        if (rc == 0) rc = colonies_client_call(c, &out, "submit_func_spec", params, key, 0, NULL);
        if (rc) die("submit", rc);
        waiter w = {c, processid_of(out), key, 0, 0};
        colonies_free(out);
        colonies_free(opts);
        colonies_free(spec);
        colonies_free(params);
        pthread_t t;
        pthread_create(&t, NULL, wait_main, &w);
        struct timespec pause = {0, 50000000}; /* the waiter is waiting by now */
        nanosleep(&pause, NULL);
        params = NULL;
        colonies_json_format(&params, "{\"colonyname\":%s,\"timeout\":5}", colony);
        rc = colonies_client_call(c, &out, "assign_process", params, key, 0, NULL);
        colonies_free(params);
        if (rc) die("assign", rc);
        char *assigned = processid_of(out);
        colonies_free(out);
        colonies_json_format(&params, "{\"processid\":%s,\"out\":[%d]}", assigned, i);
        double sent = now_s();
        rc = colonies_client_call(c, NULL, "close_successful", params, key, 0, NULL);
        colonies_free(params);
        free(assigned);
        if (rc) die("close", rc);
        pthread_join(t, NULL);
        if (w.rc) die("wait", w.rc);
        ms[i] = (w.returned - sent) * 1000;
        free((char *)w.pid);
    }
    qsort(ms, (size_t)n, sizeof *ms, by_double);
    int p99 = (int)(n * 0.99);
    printf("{\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n", ms[n / 2], ms[p99 < n ? p99 : n - 1]);
    colonies_client_free(c);
}

typedef struct {
    colonies_client *c;
    const char *key, *colony;
    int n, closed;
    double t0, c0, wall, cpu;
    pthread_mutex_t mu;
} cycle_run;

static void *cycle_executor(void *arg)
{
    cycle_run *r = arg;
    char params[256];
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\",\"timeout\":1}", r->colony);
    for (;;) {
        pthread_mutex_lock(&r->mu);
        int finished = r->closed >= r->n;
        pthread_mutex_unlock(&r->mu);
        if (finished) return NULL;
        char *out = NULL;
        int rc = colonies_client_call(r->c, &out, "assign_process", params, r->key, 0, NULL);
        if (rc == COLONIES_EEXPIRED) continue; /* nothing to assign within the second: look again */
        if (rc) die("assign", rc);
        cJSON *p = cJSON_Parse(out);
        colonies_free(out);
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "spec"), "args");
        char *close = NULL, *echo = cJSON_PrintUnformatted(args);
        rc = colonies_json_format(&close, "{\"processid\":%s,\"out\":%J}",
                                  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "processid")), echo);
        cJSON_free(echo);
        cJSON_Delete(p);
        if (rc == 0) rc = colonies_client_call(r->c, NULL, "close_successful", close, r->key, 0, NULL);
        colonies_free(close);
        if (rc) die("close", rc);
        pthread_mutex_lock(&r->mu);
        if (++r->closed == r->n) {
            r->wall = now_s() - r->t0;
            r->cpu = cpu_s() - r->c0;
        }
        pthread_mutex_unlock(&r->mu);
    }
}

static void cycles(int executors, int n)
{
    cycle_run r = {.c = connect_env(), .key = getenv("BENCH_EXECUTOR_KEY"), .n = n};
    const char *type = getenv("BENCH_EXECUTOR_TYPE");
    r.colony = getenv("COLONIES_COLONY_NAME");
    pthread_mutex_init(&r.mu, NULL);
    char *params = NULL, *out = NULL;
    colonies_json_format(&params, "{\"colonyname\":%s}", r.colony);
    int rc = colonies_client_call(r.c, &out, "get_colony", params, r.key, 0, NULL); /* the connection, before the clock */
    if (rc) die("get_colony", rc);
    colonies_free(out);
    colonies_free(params);
    pthread_t *threads = calloc((size_t)executors, sizeof *threads);
    r.c0 = cpu_s();
    r.t0 = now_s();
    for (int i = 0; i < executors; i++) pthread_create(&threads[i], NULL, cycle_executor, &r);
    for (int i = 0; i < n; i++) {
        char *opts = NULL, *spec = NULL;
        rc = colonies_json_format(&opts, "{\"funcname\":\"echo\",\"args\":[%d],\"colonyname\":%s,\"executortype\":%s}",
                                  i, r.colony, type);
        if (rc == 0) rc = colonies_func_spec_new(&spec, opts);
        if (rc == 0) rc = colonies_json_format(&params, "{\"spec\":%J}", spec);
        if (rc == 0) rc = colonies_client_call(r.c, NULL, "submit_func_spec", params, r.key, 0, NULL);
        if (rc) die("submit", rc);
        colonies_free(opts);
        colonies_free(spec);
        colonies_free(params);
    }
    for (int i = 0; i < executors; i++) pthread_join(threads[i], NULL);
    printf("{\"cycles\":%d,\"cycles_per_s\":%.3f,\"cpu_us_per_cycle\":%.3f}\n", n, n / r.wall, r.cpu / n * 1e6);
    colonies_client_free(r.c);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "sign") == 0) sign(atoi(argv[2]));
    else if (argc >= 3 && strcmp(argv[1], "rpc") == 0) rpc(argv[2]);
    else if (argc >= 4 && strcmp(argv[1], "inflight") == 0) inflight(atoi(argv[2]), argv[3]);
    else if (argc >= 3 && strcmp(argv[1], "wait") == 0) wait_latency(atoi(argv[2]));
    else if (argc >= 4 && strcmp(argv[1], "cycles") == 0) cycles(atoi(argv[2]), atoi(argv[3]));
    else {
        fprintf(stderr, "usage: compare_worker sign N | rpc IDS | inflight K IDS | wait N | cycles E N\n");
        return 2;
    }
    return 0;
}
