/* The client against the real Colonies server started by
 * scripts/colonies-server: the whole process lifecycle, errors the server
 * gives, and concurrent use of one client from many threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <cjson/cJSON.h>

#include "check.h"

static colonies_client *client;
static const char *server_key;
static char *colony_key, *colony_id, *exec_key, *exec_id;
static char colony[64], exec_name[64], exec_type[64];

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

static void setup(void)
{
    server_key = need_env("COLONIES_SERVER_PRVKEY");
    int port = atoi(need_env("COLONIES_SERVER_PORT"));
    CHECK_RC(colonies_client_new(&client, need_env("COLONIES_SERVER_HOST"), port, NULL), COLONIES_OK);
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
    CHECK_RC(colonies_client_health(client), COLONIES_OK);
    CHECK_RC(colonies_client_version(client, &out), COLONIES_OK);
    cJSON *v = parse(out);
    CHECK(cJSON_GetObjectItem(v, "buildversion") != NULL);
    cJSON_Delete(v);
    CHECK_RC(colonies_client_server_info(client, &out), COLONIES_OK);
    cJSON_Delete(parse(out));
    CHECK_RC(colonies_client_statistics(client, &out, server_key), COLONIES_OK);
    v = parse(out);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(v, "colonies")));
    cJSON_Delete(v);
    /* Statistics are the server owner's: any other key is refused. */
    CHECK_RC(colonies_client_statistics(client, &out, colony_key), COLONIES_EFORBIDDEN);
    CHECK(colonies_last_http_status() == 403);
    CHECK(colonies_last_error()[0] != '\0');
}

static void test_colony_and_executor(void)
{
    char body[512], *out = NULL;
    snprintf(body, sizeof body, "{\"colonyid\":\"%s\",\"name\":\"%s\"}", colony_id, colony);
    CHECK_RC(colonies_client_add_colony(client, &out, body, server_key), COLONIES_OK);
    cJSON *v = parse(out);
    CHECK_STR(field(v, "name"), colony);
    cJSON_Delete(v);
    CHECK_RC(colonies_client_add_colony(client, &out, body, colony_key), COLONIES_EFORBIDDEN);
    CHECK_RC(colonies_client_list_colonies(client, &out, server_key), COLONIES_OK);
    CHECK(out && strstr(out, colony) != NULL);
    colonies_free(out);

    snprintf(body, sizeof body,
             "{\"executorid\":\"%s\",\"executortype\":\"%s\",\"executorname\":\"%s\",\"colonyname\":\"%s\"}", exec_id,
             exec_type, exec_name, colony);
    CHECK_RC(colonies_client_add_executor(client, &out, body, colony_key), COLONIES_OK);
    cJSON_Delete(parse(out));
    /* Not yet approved: the server refuses it as a member. */
    CHECK_RC(colonies_client_assign(client, &out, colony, 1, NULL, NULL, exec_key), COLONIES_EFORBIDDEN);
    CHECK_RC(colonies_client_approve_executor(client, colony, exec_name, colony_key), COLONIES_OK);
    CHECK_RC(colonies_client_get_executor(client, &out, colony, exec_name, exec_key), COLONIES_OK);
    v = parse(out);
    CHECK_STR(field(v, "executorid"), exec_id);
    CHECK(cJSON_GetObjectItem(v, "state")->valueint == 1);
    cJSON_Delete(v);
    CHECK_RC(colonies_client_list_executors(client, &out, colony, exec_key), COLONIES_OK);
    CHECK(out && strstr(out, exec_name) != NULL);
    colonies_free(out);

    snprintf(body, sizeof body, "{\"executorname\":\"%s\",\"colonyname\":\"%s\",\"funcname\":\"echo\"}", exec_name,
             colony);
    CHECK_RC(colonies_client_add_function(client, &out, body, exec_key), COLONIES_OK);
    v = parse(out);
    char functionid[65] = "";
    snprintf(functionid, sizeof functionid, "%s", field(v, "functionid"));
    cJSON_Delete(v);
    CHECK_RC(colonies_client_list_functions(client, &out, colony, exec_name, exec_key), COLONIES_OK);
    CHECK(out && strstr(out, "echo") != NULL);
    colonies_free(out);
    CHECK_RC(colonies_client_list_functions(client, &out, colony, NULL, exec_key), COLONIES_OK);
    colonies_free(out);
    CHECK_RC(colonies_client_remove_function(client, functionid, exec_key), COLONIES_OK);
    CHECK_RC(colonies_client_remove_function(client, functionid, exec_key), COLONIES_ENOTFOUND);
}

/* Submits echo(args) and returns the new process id (caller frees). */
static char *submit(const char *args_json)
{
    char opts[512], *spec = NULL, *out = NULL;
    snprintf(opts, sizeof opts, "{\"funcname\":\"echo\",\"colonyname\":\"%s\",\"executortype\":\"%s\",\"args\":%s}",
             colony, exec_type, args_json);
    CHECK_RC(colonies_func_spec_new(&spec, opts), COLONIES_OK);
    CHECK_RC(colonies_client_submit(client, &out, spec, exec_key), COLONIES_OK);
    colonies_free(spec);
    cJSON *v = parse(out);
    char *id = strdup(field(v, "processid"));
    CHECK(cJSON_GetObjectItem(v, "state")->valueint == COLONIES_WAITING);
    cJSON_Delete(v);
    return id;
}

static int state_of(const char *processid)
{
    char *out = NULL;
    CHECK_RC(colonies_client_get_process(client, &out, processid, exec_key), COLONIES_OK);
    cJSON *v = parse(out);
    int state = v ? cJSON_GetObjectItem(v, "state")->valueint : -1;
    cJSON_Delete(v);
    return state;
}

static void test_lifecycle(void)
{
    char *out = NULL;
    char *pid = submit("[\"helloworld\"]");
    CHECK_RC(colonies_client_list_processes(client, &out, colony, 10, COLONIES_WAITING, NULL, NULL, NULL, exec_key),
             COLONIES_OK);
    CHECK(out && strstr(out, pid) != NULL);
    colonies_free(out);

    CHECK_RC(colonies_client_assign(client, &out, colony, 5, NULL, NULL, exec_key), COLONIES_OK);
    cJSON *p = parse(out);
    CHECK_STR(field(p, "processid"), pid);
    const cJSON *args = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "spec"), "args");
    char *args_json = cJSON_PrintUnformatted(args);
    cJSON_Delete(p);
    CHECK(state_of(pid) == COLONIES_RUNNING);
    CHECK_RC(colonies_client_set_output(client, pid, "[\"partial\"]", exec_key), COLONIES_OK);
    CHECK_RC(colonies_client_close(client, pid, args_json, exec_key), COLONIES_OK);
    free(args_json);
    CHECK_RC(colonies_client_get_process(client, &out, pid, exec_key), COLONIES_OK);
    p = parse(out);
    CHECK(cJSON_GetObjectItem(p, "state")->valueint == COLONIES_SUCCESSFUL);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "out"), 0)), "helloworld");
    cJSON_Delete(p);
    CHECK_RC(colonies_client_list_processes(client, &out, colony, 10, COLONIES_SUCCESSFUL, NULL, NULL, NULL,
                                            exec_key),
             COLONIES_OK);
    CHECK(out && strstr(out, pid) != NULL);
    colonies_free(out);
    /* A closed process cannot fail. */
    CHECK_RC(colonies_client_fail(client, pid, "[\"late\"]", exec_key), COLONIES_ESERVER);
    CHECK_RC(colonies_client_remove_process(client, pid, exec_key), COLONIES_OK);
    CHECK_RC(colonies_client_get_process(client, &out, pid, exec_key), COLONIES_ENOTFOUND);
    CHECK(colonies_last_http_status() == 404);
    free(pid);

    /* The failure path. */
    pid = submit("[1,2]");
    CHECK_RC(colonies_client_assign(client, &out, colony, 5, "", "", exec_key), COLONIES_OK);
    colonies_free(out);
    CHECK_RC(colonies_client_fail(client, pid, "[\"it broke\"]", exec_key), COLONIES_OK);
    CHECK_RC(colonies_client_get_process(client, &out, pid, exec_key), COLONIES_OK);
    p = parse(out);
    CHECK(cJSON_GetObjectItem(p, "state")->valueint == COLONIES_FAILED);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "errors"), 0)), "it broke");
    cJSON_Delete(p);
    free(pid);

    /* Cancel a waiting one. */
    pid = submit("[]");
    CHECK_RC(colonies_client_cancel_process(client, pid, exec_key), COLONIES_OK);
    CHECK(state_of(pid) == COLONIES_CANCELLED);
    free(pid);

    /* Nothing waits now: assign times out. */
    CHECK_RC(colonies_client_assign(client, &out, colony, 1, NULL, NULL, exec_key), COLONIES_ETIMEOUT);
    CHECK(out == NULL);

    /* Remove all, in every state, with the colony owner's key. */
    free(submit("[]"));
    CHECK_RC(colonies_client_colony_statistics(client, &out, colony, exec_key), COLONIES_OK);
    cJSON *st = parse(out);
    CHECK(cJSON_GetObjectItem(st, "waitingprocesses")->valueint == 1);
    cJSON_Delete(st);
    CHECK_RC(colonies_client_remove_all_processes(client, colony, -1, colony_key), COLONIES_OK);
    CHECK_RC(colonies_client_list_processes(client, &out, colony, 10, COLONIES_WAITING, NULL, NULL, NULL, exec_key),
             COLONIES_OK);
    cJSON *list = parse(out);
    CHECK(cJSON_IsNull(list) || cJSON_GetArraySize(list) == 0);
    cJSON_Delete(list);
}

/* While one thread blocks in assign, others keep using the same client. */
static atomic_int assign_done;
static atomic_int calls_during_assign;

static void *blocking_assign(void *arg)
{
    (void)arg;
    char *out = NULL;
    int rc = colonies_client_assign(client, &out, colony, 3, NULL, NULL, exec_key);
    CHECK(rc == COLONIES_ETIMEOUT);
    atomic_store(&assign_done, 1);
    return NULL;
}

static void *busy_caller(void *arg)
{
    (void)arg;
    while (!atomic_load(&assign_done)) {
        char *out = NULL;
        if (colonies_client_get_colony(client, &out, colony, exec_key) == COLONIES_OK)
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
    CHECK_RC(colonies_client_remove_executor(client, colony, exec_name, colony_key), COLONIES_OK);
    CHECK_RC(colonies_client_remove_colony(client, colony, server_key), COLONIES_OK);
    char *out = NULL;
    CHECK_RC(colonies_client_get_colony(client, &out, colony, server_key), COLONIES_EFORBIDDEN);
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
    test_concurrency();
    teardown();
    return check_summary("test_client");
}
