/*
 * An executor of the functions the seed's examples call, on the library's
 * executor runtime: it registers itself with the colony owner's key, runs
 * each process's function, closes or fails it, and removes itself on
 * SIGTERM or Ctrl-C.
 *
 *   echo(args...)       its arguments
 *   fail()              fails, always
 *   gen_nums()          1, 2
 *   sum_nums(a, b)      a + b
 *   gen_data()          1, 2          (the monad example's)
 *   process_data(n...)  their sum
 *   map()               adds five gen_nums to its workflow, before "reduce"
 *   reduce(n...)        their sum
 *
 *   eval "$(scripts/colonies-server env)"; EXECUTOR_TYPE=c_executor ./executor
 */
#include <pthread.h>
#include <signal.h>

#include "env.h"

/* The arguments of a job. */
static const cJSON *args_of(const cJSON *job) { return cJSON_GetObjectItemCaseSensitive(job, "args"); }

static double sum_args(const cJSON *job)
{
    double total = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, args_of(job)) total += cJSON_IsNumber(v) ? v->valuedouble : 0;
    return total;
}

/* Each function parses its job and writes its output list. */
static colonies_status echo(void *user, const char *job_json, char **output, char **error)
{
    (void)user;
    (void)error;
    cJSON *job = cJSON_Parse(job_json);
    *output = cJSON_PrintUnformatted(args_of(job));
    cJSON_Delete(job);
    return *output ? COLONIES_OK : COLONIES_ENOMEM;
}

static colonies_status fail(void *user, const char *job_json, char **output, char **error)
{
    (void)user;
    (void)job_json;
    (void)output;
    *error = strdup("fail always fails");
    return COLONIES_ESERVER;
}

static colonies_status one_two(void *user, const char *job_json, char **output, char **error)
{
    (void)user;
    (void)job_json;
    (void)error;
    *output = strdup("[1,2]");
    return COLONIES_OK;
}

static colonies_status sum(void *user, const char *job_json, char **output, char **error)
{
    (void)user;
    (void)error;
    cJSON *job = cJSON_Parse(job_json);
    int rc = colonies_json_format(output, "[%g]", sum_args(job));
    cJSON_Delete(job);
    return rc;
}

/* The MapReduce's map: five gen_nums between itself and reduce. */
static colonies_status map(void *user, const char *job_json, char **output, char **error)
{
    colonies_client *client = user;
    cJSON *job = cJSON_Parse(job_json);
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(job, "ctx");
    const cJSON *process = cJSON_GetObjectItemCaseSensitive(job, "process");
    const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ctx, "executor_prvkey"));
    const char *colony = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ctx, "colonyname"));
    const char *graph = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(process, "processgraphid"));
    const char *self = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(process, "processid"));
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(process, "spec"), "conditions"),
        "executortype"));
    char *reduce = NULL;
    int rc = colonies_client_find_process(client, &reduce, graph, "reduce", key, NULL);
    cJSON *r = rc ? NULL : cJSON_Parse(reduce);
    const char *reduce_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "processid"));
    for (int i = 0; rc == 0 && i < 5; i++) {
        char *opts = NULL, *spec = NULL, *params = NULL, node[32];
        snprintf(node, sizeof node, "gen_nums_%d", i);
        rc = colonies_json_format(&opts, "{\"funcname\":\"gen_nums\",\"nodename\":%s,\"colonyname\":%s,"
                                         "\"executortype\":%s,\"priority\":200}", node, colony, type);
        if (rc == 0) rc = colonies_func_spec_new(&spec, opts);
        if (rc == 0)
            rc = colonies_json_format(&params, "{\"processgraphid\":%s,\"parentprocessid\":%s,\"childprocessid\":%s,"
                                               "\"spec\":%J,\"insert\":%b}", graph, self, reduce_id, spec, i == 0);
        if (rc == 0) rc = colonies_client_call(client, NULL, "add_child", params, key, 0, NULL);
        colonies_free(opts);
        colonies_free(spec);
        colonies_free(params);
    }
    if (rc) *error = strdup(colonies_last_error());
    cJSON_Delete(r);
    colonies_free(reduce);
    cJSON_Delete(job);
    *output = rc ? NULL : strdup("[]");
    return rc;
}

/* Signals end the loop through a cancel token, fired from a thread of its own (not a handler). */
static sigset_t stop_signals;
static colonies_cancel *stop;
static volatile sig_atomic_t loop_ended;

static void *wait_for_signal(void *arg)
{
    (void)arg;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (!loop_ended) {
        fprintf(stderr, "executor: %s, stopping\n", sig == SIGTERM ? "SIGTERM" : "interrupted");
        colonies_cancel_fire(stop);
    }
    return NULL;
}

static void notice(void *user, const char *text)
{
    (void)user;
    fprintf(stderr, "executor: %s\n", text);
}

int main(void)
{
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    cJSON *env = read_env();
    const char *colony = need(env, "colonyname", "COLONIES_COLONY_NAME");
    const char *colony_key = need(env, "colony_prvkey", "COLONIES_COLONY_PRVKEY");
    if (colony == NULL || colony_key == NULL) return 1;
    colonies_client *client = NULL;
    colonies_executor *ex = NULL;
    char *opts = NULL;
    int rc = colonies_client_new_from_env(&client, NULL);
    if (rc) return report("connect", rc);
    colonies_function functions[] = {
        {"echo", echo, NULL},           {"fail", fail, NULL},      {"gen_nums", one_two, NULL},
        {"sum_nums", sum, NULL},        {"gen_data", one_two, NULL}, {"process_data", sum, NULL},
        {"map", map, client},           {"reduce", sum, NULL},
    };
    size_t n = sizeof functions / sizeof functions[0];
    /* The function names, for registration. */
    cJSON *names = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(names, cJSON_CreateString(functions[i].name));
    char *names_json = cJSON_PrintUnformatted(names);
    cJSON_Delete(names);
    colonies_json_format(&opts, "{\"colonyname\":%s,\"executortype\":%s,\"colony_prvkey\":%s,\"functions\":%J}",
                         colony, env_or("EXECUTOR_TYPE", "c_executor"), colony_key, names_json);
    free(names_json);
    if ((rc = colonies_executor_new(&ex, client, opts))) return report("executor", rc);
    colonies_free(opts);
    if ((rc = colonies_cancel_new(&stop))) return report("cancel token", rc);
    if ((rc = colonies_executor_register(ex, stop))) return report("register", rc);
    char *info = NULL;
    colonies_executor_info(ex, &info);
    cJSON *i = cJSON_Parse(info);
    printf("executor ready: %s (type %s) in colony %s\n", cJSON_GetStringValue(cJSON_GetObjectItem(i, "executorname")),
           cJSON_GetStringValue(cJSON_GetObjectItem(i, "executortype")), colony);
    fflush(stdout);
    cJSON_Delete(i);
    colonies_free(info);
    pthread_t t;
    pthread_create(&t, NULL, wait_for_signal, NULL);
    rc = colonies_executor_run(ex, functions, n, notice, NULL, stop);
    if (rc) report("executor loop", rc);
    loop_ended = 1;
    pthread_kill(t, SIGTERM); /* ends the signal thread's wait, if no signal did */
    pthread_join(t, NULL);
    colonies_cancel_free(stop);
    int stop_rc = colonies_executor_stop(ex);
    if (stop_rc) report("removing the executor", stop_rc);
    colonies_executor_free(ex);
    colonies_client_free(client);
    cJSON_Delete(env);
    return rc || stop_rc;
}
