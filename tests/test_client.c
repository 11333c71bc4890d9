/* The client against the real Colonies server started by
 * scripts/colonies-server: operations by name through the registry, the
 * whole process lifecycle, errors the server gives, cancellation, and
 * concurrent use of one client from many threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "check.h"

static colonies_client *client;
static const char *server_key;
static char *colony_key, *colony_id, *exec_key, *exec_id;
static char colony[64], exec_name[64], exec_type[64];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Parses a reply, failing the check when it is not JSON. */
static cJSON *parse(char *json)
{
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    CHECK(v != NULL);
    colonies_free(json);
    return v;
}

static const char *field(const cJSON *obj, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
    return s ? s : "";
}

static int int_field(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    CHECK(cJSON_IsNumber(v));
    return cJSON_IsNumber(v) ? v->valueint : -1000;
}

static void setup(void)
{
    server_key = need_env("COLONIES_SERVER_PRVKEY");
    int port = atoi(need_env("COLONIES_SERVER_PORT"));
    CHECK_RC(colonies_client_new(&client, need_env("COLONIES_SERVER_HOST"), port, "{\"request_timeout\":30}"),
             COLONIES_OK);
    CHECK_RC(colonies_crypto_prvkey(&colony_key), COLONIES_OK);
    CHECK_RC(colonies_crypto_id(&colony_id, colony_key), COLONIES_OK);
    CHECK_RC(colonies_crypto_prvkey(&exec_key), COLONIES_OK);
    CHECK_RC(colonies_crypto_id(&exec_id, exec_key), COLONIES_OK);
    snprintf(colony, sizeof colony, "ctest-%.12s", colony_id);
    snprintf(exec_name, sizeof exec_name, "cexec-%.12s", exec_id);
    snprintf(exec_type, sizeof exec_type, "ctest-type-%.8s", exec_id);
}

static void test_server(void)
{
    char *out = NULL;
    CHECK_RC(colonies_client_health(client, 0, NULL), COLONIES_OK);
    /* Unsigned operations take no key. */
    CHECK_RC(colonies_client_call(client, &out, "version", NULL, NULL, 0, NULL), COLONIES_OK);
    cJSON *v = parse(out);
    CHECK(cJSON_GetObjectItem(v, "buildversion") != NULL);
    cJSON_Delete(v);
    CHECK_RC(colonies_client_call(client, &out, "get_server_info", "{}", NULL, 0, NULL), COLONIES_OK);
    v = parse(out);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(v, "backends")) >= 1);
    cJSON_Delete(v);
    CHECK_RC(colonies_client_call(client, &out, "get_statistics", NULL, server_key, 0, NULL), COLONIES_OK);
    v = parse(out);
    CHECK(int_field(v, "colonies") >= 1);
    cJSON_Delete(v);
    /* Statistics are the server owner's: any other key is refused. */
    CHECK_RC(colonies_client_call(client, &out, "get_statistics", NULL, colony_key, 0, NULL), COLONIES_EFORBIDDEN);
    CHECK(colonies_last_http_status() == 403);
    CHECK(strstr(colonies_last_error(), "Access denied, not server owner") != NULL);
    CHECK(out == NULL);
    /* The next call starts clean: no stale detail or HTTP status. */
    CHECK_RC(colonies_client_call(client, &out, "get_process", "{}", server_key, 0, NULL), COLONIES_EINVAL);
    CHECK(colonies_last_http_status() == 0);
    /* The raw call reaches the same server without the registry. */
    CHECK_RC(colonies_client_send(client, &out, "getstatisticsmsg", "{}", server_key, 0, NULL), COLONIES_OK);
    v = parse(out);
    CHECK(int_field(v, "colonies") >= 1);
    cJSON_Delete(v);
}

static void test_colony_and_executor(void)
{
    char *out = NULL, *params = NULL;
    CHECK_RC(colonies_json_format(&params, "{\"colony\":{\"colonyid\":%s,\"name\":%s}}", colony_id, colony),
             COLONIES_OK);
    CHECK_RC(colonies_client_call(client, &out, "add_colony", params, server_key, 0, NULL), COLONIES_OK);
    cJSON *v = parse(out);
    CHECK_STR(field(v, "name"), colony);
    cJSON_Delete(v);
    CHECK_RC(colonies_client_call(client, &out, "add_colony", params, colony_key, 0, NULL), COLONIES_EFORBIDDEN);
    colonies_free(params);
    CHECK_RC(colonies_client_call(client, &out, "get_colonies", NULL, server_key, 0, NULL), COLONIES_OK);
    CHECK(out && strstr(out, colony) != NULL);
    colonies_free(out);

    CHECK_RC(colonies_json_format(&params, "{\"executor\":{\"executorid\":%s,\"executortype\":%s,\"executorname\":%s,"
                                           "\"colonyname\":%s}}", exec_id, exec_type, exec_name, colony),
             COLONIES_OK);
    CHECK_RC(colonies_client_call(client, &out, "add_executor", params, colony_key, 0, NULL), COLONIES_OK);
    colonies_free(params);
    v = parse(out);
    CHECK(int_field(v, "state") == COLONIES_EXECUTOR_PENDING);
    cJSON_Delete(v);
    /* Not yet approved: the server refuses it as a member. */
    CHECK_RC(callf(client, &out, "assign_process", exec_key, "{\"colonyname\":\"%s\",\"timeout\":1}", colony),
             COLONIES_EFORBIDDEN);
    CHECK_RC(callf(client, NULL, "approve_executor", colony_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}",
                   colony, exec_name),
             COLONIES_OK);
    CHECK_RC(callf(client, &out, "get_executor", exec_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}",
                   colony, exec_name),
             COLONIES_OK);
    v = parse(out);
    CHECK_STR(field(v, "executorid"), exec_id);
    CHECK(int_field(v, "state") == COLONIES_EXECUTOR_APPROVED);
    cJSON_Delete(v);
    /* The server answers a missing executor with 500 "... is nil"; the registry makes it ENOTFOUND. */
    CHECK_RC(callf(client, &out, "get_executor", exec_key, "{\"colonyname\":\"%s\",\"executorname\":\"nobody\"}",
                   colony),
             COLONIES_ENOTFOUND);
    CHECK(colonies_last_http_status() == 500);
    CHECK_RC(callf(client, &out, "get_executors", exec_key, "{\"colonyname\":\"%s\"}", colony), COLONIES_OK);
    CHECK(out && strstr(out, exec_name) != NULL);
    colonies_free(out);

    CHECK_RC(callf(client, &out, "add_function", exec_key,
                "{\"fun\":{\"executorname\":\"%s\",\"colonyname\":\"%s\",\"funcname\":\"echo\"}}", exec_name, colony),
             COLONIES_OK);
    v = parse(out);
    char functionid[65] = "";
    snprintf(functionid, sizeof functionid, "%s", field(v, "functionid"));
    cJSON_Delete(v);
    CHECK_RC(callf(client, &out, "get_functions", exec_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}",
                   colony, exec_name),
             COLONIES_OK);
    CHECK(out && strstr(out, "echo") != NULL);
    colonies_free(out);
    CHECK_RC(callf(client, NULL, "remove_function", exec_key, "{\"functionid\":\"%s\"}", functionid), COLONIES_OK);
    CHECK_RC(callf(client, NULL, "remove_function", exec_key, "{\"functionid\":\"%s\"}", functionid),
             COLONIES_ENOTFOUND);
    /* An empty list comes back as [], never null. */
    CHECK_RC(callf(client, &out, "get_functions", exec_key, "{\"colonyname\":\"%s\"}", colony), COLONIES_OK);
    CHECK_STR(out, "[]");
    colonies_free(out);
}

/* Submits echo(args) and returns the new process id (caller frees). */
static char *submit(const char *args_json)
{
    char *opts = NULL, *spec = NULL, *out = NULL, *params = NULL;
    CHECK_RC(colonies_json_format(&opts, "{\"funcname\":\"echo\",\"colonyname\":%s,\"executortype\":%s,\"args\":%J}",
                                  colony, exec_type, args_json),
             COLONIES_OK);
    CHECK_RC(colonies_func_spec_new(&spec, opts), COLONIES_OK);
    CHECK_RC(colonies_json_format(&params, "{\"spec\":%J}", spec), COLONIES_OK);
    CHECK_RC(colonies_client_call(client, &out, "submit_func_spec", params, exec_key, 0, NULL), COLONIES_OK);
    colonies_free(opts);
    colonies_free(spec);
    colonies_free(params);
    cJSON *v = parse(out);
    char *id = strdup(field(v, "processid"));
    CHECK(int_field(v, "state") == COLONIES_PROCESS_WAITING);
    cJSON_Delete(v);
    return id;
}

static int state_of(const char *processid)
{
    char *out = NULL;
    CHECK_RC(callf(client, &out, "get_process", exec_key, "{\"processid\":\"%s\"}", processid), COLONIES_OK);
    cJSON *v = parse(out);
    int state = v ? int_field(v, "state") : -1;
    cJSON_Delete(v);
    return state;
}

static void test_lifecycle(void)
{
    char *out = NULL;
    char *pid = submit("[\"helloworld\"]");
    CHECK_RC(callf(client, &out, "get_processes", exec_key, "{\"colonyname\":\"%s\",\"count\":10,\"state\":%d}",
                   colony, COLONIES_PROCESS_WAITING),
             COLONIES_OK);
    CHECK(out && strstr(out, pid) != NULL);
    colonies_free(out);

    CHECK_RC(callf(client, &out, "assign_process", exec_key, "{\"colonyname\":\"%s\",\"timeout\":5}", colony),
             COLONIES_OK);
    cJSON *p = parse(out);
    CHECK_STR(field(p, "processid"), pid);
    const cJSON *args = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "spec"), "args");
    char *args_json = cJSON_PrintUnformatted(args);
    cJSON_Delete(p);
    CHECK(state_of(pid) == COLONIES_PROCESS_RUNNING);
    CHECK_RC(callf(client, &out, "set_output", exec_key, "{\"processid\":\"%s\",\"out\":[\"partial\"]}", pid),
             COLONIES_OK);
    /* An operation that replies nothing gives "null". */
    CHECK_STR(out, "null");
    colonies_free(out);
    CHECK_RC(callf(client, NULL, "close_successful", exec_key, "{\"processid\":\"%s\",\"out\":%s}", pid, args_json),
             COLONIES_OK);
    free(args_json);
    CHECK_RC(callf(client, &out, "get_process", exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    p = parse(out);
    CHECK(int_field(p, "state") == COLONIES_PROCESS_SUCCESSFUL);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "out"), 0)), "helloworld");
    cJSON_Delete(p);
    CHECK_RC(callf(client, &out, "get_processes", exec_key, "{\"colonyname\":\"%s\",\"count\":10,\"state\":%d}",
                   colony, COLONIES_PROCESS_SUCCESSFUL),
             COLONIES_OK);
    CHECK(out && strstr(out, pid) != NULL);
    colonies_free(out);
    /* A closed process cannot fail. */
    CHECK_RC(callf(client, NULL, "close_failed", exec_key, "{\"processid\":\"%s\",\"errors\":[\"late\"]}", pid),
             COLONIES_ESERVER);
    CHECK(strstr(colonies_last_error(), "Tried to set successful process as failed") != NULL);
    CHECK_RC(callf(client, NULL, "remove_process", exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    CHECK_RC(callf(client, &out, "get_process", exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_ENOTFOUND);
    CHECK(colonies_last_http_status() == 404);
    free(pid);

    /* The failure path. */
    pid = submit("[1,2]");
    CHECK_RC(callf(client, &out, "assign_process", exec_key,
                "{\"colonyname\":\"%s\",\"timeout\":5,\"availablecpu\":\"\",\"availablemem\":\"\"}", colony),
             COLONIES_OK);
    colonies_free(out);
    CHECK_RC(callf(client, NULL, "close_failed", exec_key, "{\"processid\":\"%s\",\"errors\":[\"it broke\"]}", pid),
             COLONIES_OK);
    CHECK_RC(callf(client, &out, "get_process", exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    p = parse(out);
    CHECK(int_field(p, "state") == COLONIES_PROCESS_FAILED);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "errors"), 0)), "it broke");
    cJSON_Delete(p);
    free(pid);

    /* Cancel a waiting one. */
    pid = submit("[]");
    CHECK_RC(callf(client, NULL, "cancel_process", exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    CHECK(state_of(pid) == COLONIES_PROCESS_CANCELLED);
    free(pid);

    /* Nothing waits now: the server waits the whole second, and assign says nothing came. */
    double t0 = now();
    CHECK_RC(callf(client, &out, "assign_process", exec_key, "{\"colonyname\":\"%s\",\"timeout\":1}", colony),
             COLONIES_EEXPIRED);
    CHECK(now() - t0 >= 0.9);
    CHECK(strstr(colonies_last_error(), "No process available") != NULL);
    CHECK(out == NULL);

    /* Remove all, in every state, with the colony owner's key. */
    free(submit("[]"));
    CHECK_RC(callf(client, &out, "get_colony_stats", exec_key, "{\"colonyname\":\"%s\"}", colony), COLONIES_OK);
    cJSON *st = parse(out);
    CHECK(int_field(st, "waitingprocesses") == 1);
    cJSON_Delete(st);
    /* The server answers a non-member's statistics with an empty 200; the registry makes it EFORBIDDEN. */
    CHECK_RC(callf(client, &out, "get_colony_stats", colony_key, "{\"colonyname\":\"%s\"}", colony),
             COLONIES_EFORBIDDEN);
    CHECK_RC(callf(client, NULL, "remove_all_processes", colony_key, "{\"colonyname\":\"%s\",\"state\":%d}",
                   colony, COLONIES_PROCESS_ALL),
             COLONIES_OK);
    CHECK_RC(callf(client, &out, "get_processes", exec_key, "{\"colonyname\":\"%s\",\"count\":10,\"state\":0}",
                   colony),
             COLONIES_OK);
    CHECK_STR(out, "[]");
    colonies_free(out);
}

/* A cancel token stops a blocked assign at once, from another thread. */
static colonies_cancel *token;

static void *fire_later(void *arg)
{
    (void)arg;
    nanosleep(&(struct timespec){.tv_nsec = 300000000}, NULL);
    colonies_cancel_fire(token);
    return NULL;
}

static void test_cancel(void)
{
    CHECK_RC(colonies_cancel_new(&token), COLONIES_OK);
    CHECK(colonies_cancel_fired(token) == 0);
    pthread_t t;
    pthread_create(&t, NULL, fire_later, NULL);
    char *out = NULL, params[128];
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\",\"timeout\":30}", colony);
    double t0 = now();
    /* assign is not idempotent and its request had gone out: the outcome is in doubt. */
    CHECK_RC(colonies_client_call(client, &out, "assign_process", params, exec_key, 0, token), COLONIES_EINDOUBT);
    double took = now() - t0;
    printf("a 30 s assign cancelled after 0.3 s returned after %.3f s\n", took);
    CHECK(took < 2.0);
    CHECK(strstr(colonies_last_error(), "cancelled") != NULL);
    pthread_join(t, NULL);
    CHECK(colonies_cancel_fired(token) == 1);
    /* A fired token stops an idempotent call before it starts, as cancelled. */
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\"}", colony);
    CHECK_RC(colonies_client_call(client, &out, "get_colony", params, exec_key, 0, token), COLONIES_ECANCELLED);
    colonies_cancel_free(token);
    /* The client is still good afterwards. */
    CHECK_RC(colonies_client_call(client, &out, "get_colony", params, exec_key, 0, NULL), COLONIES_OK);
    colonies_free(out);
    /* A per-call timeout shorter than the assign's wait ends the call; it too may have acted. */
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\",\"timeout\":30}", colony);
    t0 = now();
    CHECK_RC(colonies_client_call(client, &out, "assign_process", params, exec_key, 400, NULL), COLONIES_EINDOUBT);
    CHECK(now() - t0 < 3.0);
}

/* While one thread blocks in assign, others keep using the same client. */
static atomic_int assign_done;
static atomic_int calls_during_assign;

static void *blocking_assign(void *arg)
{
    (void)arg;
    char *out = NULL;
    int rc = callf(client, &out, "assign_process", exec_key, "{\"colonyname\":\"%s\",\"timeout\":3}", colony);
    CHECK(rc == COLONIES_EEXPIRED);
    atomic_store(&assign_done, 1);
    return NULL;
}

static void *busy_caller(void *arg)
{
    (void)arg;
    while (!atomic_load(&assign_done)) {
        char *out = NULL;
        if (callf(client, &out, "get_colony", exec_key, "{\"colonyname\":\"%s\"}", colony) == COLONIES_OK)
            atomic_fetch_add(&calls_during_assign, 1);
        colonies_free(out);
    }
    return NULL;
}

static void test_concurrency(void)
{
    pthread_t a, b[4];
    pthread_create(&a, NULL, blocking_assign, NULL);
    for (int i = 0; i < 4; i++) pthread_create(&b[i], NULL, busy_caller, NULL);
    pthread_join(a, NULL);
    for (int i = 0; i < 4; i++) pthread_join(b[i], NULL);
    printf("calls completed by 4 threads during a 3 s blocking assign: %d\n", atomic_load(&calls_during_assign));
    CHECK(atomic_load(&calls_during_assign) > 20);
}

static void teardown(void)
{
    char *out = NULL;
    CHECK_RC(callf(client, NULL, "remove_executor", colony_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}",
                   colony, exec_name),
             COLONIES_OK);
    CHECK_RC(callf(client, NULL, "remove_colony", server_key, "{\"colonyname\":\"%s\"}", colony), COLONIES_OK);
    CHECK_RC(callf(client, &out, "get_colony", server_key, "{\"colonyname\":\"%s\"}", colony), COLONIES_EFORBIDDEN);
    colonies_client_free(client);
    colonies_free(colony_key);
    colonies_free(colony_id);
    colonies_free(exec_key);
    colonies_free(exec_id);
}

int main(void)
{
    setup();
    test_server();
    test_colony_and_executor();
    test_lifecycle();
    test_cancel();
    test_concurrency();
    teardown();
    return check_summary("test_client");
}
