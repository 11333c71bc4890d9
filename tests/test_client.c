/* The client against the real Colonies server started by
 * scripts/colonies-server: operations by name through the registry, the
 * whole process lifecycle, errors the server gives, cancellation, and
 * concurrent use of one client from many threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <sys/wait.h>

#include "fixture.h"

static fixture fx;

static void setup(void) { fixture_init(&fx, "ctest"); }

static void test_server(void)
{
    char *out = NULL;
    CHECK_RC(colonies_client_health(fx.client, 0, NULL), COLONIES_OK);
    /* Unsigned operations take no key. */
    CHECK_RC(colonies_client_call(fx.client, &out, "version", NULL, NULL, 0, NULL), COLONIES_OK);
    cJSON *v = parse(out);
    CHECK(cJSON_GetObjectItem(v, "buildversion") != NULL);
    cJSON_Delete(v);
    CHECK_RC(colonies_client_call(fx.client, &out, "get_server_info", "{}", NULL, 0, NULL), COLONIES_OK);
    v = parse(out);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(v, "backends")) >= 1);
    cJSON_Delete(v);
    CHECK_RC(colonies_client_call(fx.client, &out, "get_statistics", NULL, fx.server_key, 0, NULL), COLONIES_OK);
    v = parse(out);
    CHECK(int_field(v, "colonies") >= 1);
    cJSON_Delete(v);
    /* Statistics are the server owner's: any other key is refused. */
    CHECK_RC(colonies_client_call(fx.client, &out, "get_statistics", NULL, fx.colony_key, 0, NULL), COLONIES_EFORBIDDEN);
    CHECK(colonies_last_http_status() == 403);
    CHECK(strstr(colonies_last_error(), "Access denied, not server owner") != NULL);
    CHECK(out == NULL);
    /* The next call starts clean: no stale detail or HTTP status. */
    CHECK_RC(colonies_client_call(fx.client, &out, "get_process", "{}", fx.server_key, 0, NULL), COLONIES_EINVAL);
    CHECK(colonies_last_http_status() == 0);
    /* The raw call reaches the same server without the registry. */
    CHECK_RC(colonies_client_send(fx.client, &out, "getstatisticsmsg", "{}", fx.server_key, 0, NULL), COLONIES_OK);
    v = parse(out);
    CHECK(int_field(v, "colonies") >= 1);
    cJSON_Delete(v);
}

static void test_colony_and_executor(void)
{
    char *out = NULL, *params = NULL;
    CHECK_RC(colonies_json_format(&params, "{\"colony\":{\"colonyid\":%s,\"name\":%s}}", fx.colony_id, fx.colony),
             COLONIES_OK);
    CHECK_RC(colonies_client_call(fx.client, &out, "add_colony", params, fx.server_key, 0, NULL), COLONIES_OK);
    cJSON *v = parse(out);
    CHECK_STR(field(v, "name"), fx.colony);
    cJSON_Delete(v);
    CHECK_RC(colonies_client_call(fx.client, &out, "add_colony", params, fx.colony_key, 0, NULL), COLONIES_EFORBIDDEN);
    colonies_free(params);
    CHECK_RC(colonies_client_call(fx.client, &out, "get_colonies", NULL, fx.server_key, 0, NULL), COLONIES_OK);
    CHECK(out && strstr(out, fx.colony) != NULL);
    colonies_free(out);

    CHECK_RC(colonies_json_format(&params, "{\"executor\":{\"executorid\":%s,\"executortype\":%s,\"executorname\":%s,"
                                           "\"colonyname\":%s}}", fx.exec_id, fx.exec_type, fx.exec_name, fx.colony),
             COLONIES_OK);
    CHECK_RC(colonies_client_call(fx.client, &out, "add_executor", params, fx.colony_key, 0, NULL), COLONIES_OK);
    colonies_free(params);
    v = parse(out);
    CHECK(int_field(v, "state") == COLONIES_EXECUTOR_PENDING);
    cJSON_Delete(v);
    /* Not yet approved: the server refuses it as a member. */
    CHECK_RC(callf(fx.client, &out, "assign_process", fx.exec_key, "{\"colonyname\":\"%s\",\"timeout\":1}", fx.colony),
             COLONIES_EFORBIDDEN);
    CHECK_RC(callf(fx.client, NULL, "approve_executor", fx.colony_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}",
                   fx.colony, fx.exec_name),
             COLONIES_OK);
    CHECK_RC(callf(fx.client, &out, "get_executor", fx.exec_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}",
                   fx.colony, fx.exec_name),
             COLONIES_OK);
    v = parse(out);
    CHECK_STR(field(v, "executorid"), fx.exec_id);
    CHECK(int_field(v, "state") == COLONIES_EXECUTOR_APPROVED);
    cJSON_Delete(v);
    /* The server answers a missing executor with 500 "... is nil"; the registry makes it ENOTFOUND. */
    CHECK_RC(callf(fx.client, &out, "get_executor", fx.exec_key, "{\"colonyname\":\"%s\",\"executorname\":\"nobody\"}",
                   fx.colony),
             COLONIES_ENOTFOUND);
    CHECK(colonies_last_http_status() == 500);
    CHECK_RC(callf(fx.client, &out, "get_executors", fx.exec_key, "{\"colonyname\":\"%s\"}", fx.colony), COLONIES_OK);
    CHECK(out && strstr(out, fx.exec_name) != NULL);
    colonies_free(out);

    CHECK_RC(callf(fx.client, &out, "add_function", fx.exec_key,
                "{\"fun\":{\"executorname\":\"%s\",\"colonyname\":\"%s\",\"funcname\":\"echo\"}}", fx.exec_name, fx.colony),
             COLONIES_OK);
    v = parse(out);
    char functionid[65] = "";
    snprintf(functionid, sizeof functionid, "%s", field(v, "functionid"));
    cJSON_Delete(v);
    CHECK_RC(callf(fx.client, &out, "get_functions", fx.exec_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}",
                   fx.colony, fx.exec_name),
             COLONIES_OK);
    CHECK(out && strstr(out, "echo") != NULL);
    colonies_free(out);
    CHECK_RC(callf(fx.client, NULL, "remove_function", fx.exec_key, "{\"functionid\":\"%s\"}", functionid), COLONIES_OK);
    CHECK_RC(callf(fx.client, NULL, "remove_function", fx.exec_key, "{\"functionid\":\"%s\"}", functionid),
             COLONIES_ENOTFOUND);
    /* An empty list comes back as [], never null. */
    CHECK_RC(callf(fx.client, &out, "get_functions", fx.exec_key, "{\"colonyname\":\"%s\"}", fx.colony), COLONIES_OK);
    CHECK_STR(out, "[]");
    colonies_free(out);
}

static char *submit(const char *args_json) { return fixture_submit(&fx, "echo", args_json); }

static int state_of(const char *processid) { return fixture_state(&fx, processid); }

static void test_lifecycle(void)
{
    char *out = NULL;
    char *pid = submit("[\"helloworld\"]");
    CHECK_RC(callf(fx.client, &out, "get_processes", fx.exec_key, "{\"colonyname\":\"%s\",\"count\":10,\"state\":%d}",
                   fx.colony, COLONIES_PROCESS_WAITING),
             COLONIES_OK);
    CHECK(out && strstr(out, pid) != NULL);
    colonies_free(out);

    CHECK_RC(callf(fx.client, &out, "assign_process", fx.exec_key, "{\"colonyname\":\"%s\",\"timeout\":5}", fx.colony),
             COLONIES_OK);
    cJSON *p = parse(out);
    CHECK_STR(field(p, "processid"), pid);
    const cJSON *args = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "spec"), "args");
    char *args_json = cJSON_PrintUnformatted(args);
    cJSON_Delete(p);
    CHECK(state_of(pid) == COLONIES_PROCESS_RUNNING);
    CHECK_RC(callf(fx.client, &out, "set_output", fx.exec_key, "{\"processid\":\"%s\",\"out\":[\"partial\"]}", pid),
             COLONIES_OK);
    /* An operation that replies nothing gives "null". */
    CHECK_STR(out, "null");
    colonies_free(out);
    CHECK_RC(callf(fx.client, NULL, "close_successful", fx.exec_key, "{\"processid\":\"%s\",\"out\":%s}", pid, args_json),
             COLONIES_OK);
    free(args_json);
    CHECK_RC(callf(fx.client, &out, "get_process", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    p = parse(out);
    CHECK(int_field(p, "state") == COLONIES_PROCESS_SUCCESSFUL);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "out"), 0)), "helloworld");
    cJSON_Delete(p);
    CHECK_RC(callf(fx.client, &out, "get_processes", fx.exec_key, "{\"colonyname\":\"%s\",\"count\":10,\"state\":%d}",
                   fx.colony, COLONIES_PROCESS_SUCCESSFUL),
             COLONIES_OK);
    CHECK(out && strstr(out, pid) != NULL);
    colonies_free(out);
    /* A closed process cannot fail. */
    CHECK_RC(callf(fx.client, NULL, "close_failed", fx.exec_key, "{\"processid\":\"%s\",\"errors\":[\"late\"]}", pid),
             COLONIES_ESERVER);
    CHECK(strstr(colonies_last_error(), "Tried to set successful process as failed") != NULL);
    CHECK_RC(callf(fx.client, NULL, "remove_process", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    CHECK_RC(callf(fx.client, &out, "get_process", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_ENOTFOUND);
    CHECK(colonies_last_http_status() == 404);
    free(pid);

    /* The failure path. */
    pid = submit("[1,2]");
    CHECK_RC(callf(fx.client, &out, "assign_process", fx.exec_key,
                "{\"colonyname\":\"%s\",\"timeout\":5,\"availablecpu\":\"\",\"availablemem\":\"\"}", fx.colony),
             COLONIES_OK);
    colonies_free(out);
    CHECK_RC(callf(fx.client, NULL, "close_failed", fx.exec_key, "{\"processid\":\"%s\",\"errors\":[\"it broke\"]}", pid),
             COLONIES_OK);
    CHECK_RC(callf(fx.client, &out, "get_process", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    p = parse(out);
    CHECK(int_field(p, "state") == COLONIES_PROCESS_FAILED);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "errors"), 0)), "it broke");
    cJSON_Delete(p);
    free(pid);

    /* Cancel a waiting one. */
    pid = submit("[]");
    CHECK_RC(callf(fx.client, NULL, "cancel_process", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    CHECK(state_of(pid) == COLONIES_PROCESS_CANCELLED);
    free(pid);

    /* Nothing waits now: the server waits the whole second, and assign says nothing came. */
    double t0 = now();
    CHECK_RC(callf(fx.client, &out, "assign_process", fx.exec_key, "{\"colonyname\":\"%s\",\"timeout\":1}", fx.colony),
             COLONIES_EEXPIRED);
    CHECK(now() - t0 >= 0.9);
    CHECK(strstr(colonies_last_error(), "No process available") != NULL);
    CHECK(out == NULL);

    /* Remove all, in every state, with the colony owner's key. */
    free(submit("[]"));
    CHECK_RC(callf(fx.client, &out, "get_colony_stats", fx.exec_key, "{\"colonyname\":\"%s\"}", fx.colony), COLONIES_OK);
    cJSON *st = parse(out);
    CHECK(int_field(st, "waitingprocesses") == 1);
    cJSON_Delete(st);
    /* The server answers a non-member's statistics with an empty 200; the registry makes it EFORBIDDEN. */
    CHECK_RC(callf(fx.client, &out, "get_colony_stats", fx.colony_key, "{\"colonyname\":\"%s\"}", fx.colony),
             COLONIES_EFORBIDDEN);
    CHECK_RC(callf(fx.client, NULL, "remove_all_processes", fx.colony_key, "{\"colonyname\":\"%s\",\"state\":%d}",
                   fx.colony, COLONIES_PROCESS_ALL),
             COLONIES_OK);
    CHECK_RC(callf(fx.client, &out, "get_processes", fx.exec_key, "{\"colonyname\":\"%s\",\"count\":10,\"state\":0}",
                   fx.colony),
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
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\",\"timeout\":30}", fx.colony);
    double t0 = now();
    /* assign is not idempotent and its request had gone out: the outcome is in doubt. */
    CHECK_RC(colonies_client_call(fx.client, &out, "assign_process", params, fx.exec_key, 0, token), COLONIES_EINDOUBT);
    double took = now() - t0;
    printf("a 30 s assign cancelled after 0.3 s returned after %.3f s\n", took);
    CHECK(took < limit_s(2.0));
    CHECK(strstr(colonies_last_error(), "cancelled") != NULL);
    pthread_join(t, NULL);
    CHECK(colonies_cancel_fired(token) == 1);
    /* A fired token stops an idempotent call before it starts, as cancelled. */
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\"}", fx.colony);
    CHECK_RC(colonies_client_call(fx.client, &out, "get_colony", params, fx.exec_key, 0, token), COLONIES_ECANCELLED);
    colonies_cancel_free(token);
    /* The client is still good afterwards. */
    CHECK_RC(colonies_client_call(fx.client, &out, "get_colony", params, fx.exec_key, 0, NULL), COLONIES_OK);
    colonies_free(out);
    /* A per-call timeout shorter than the assign's wait ends the call; it too may have acted. */
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\",\"timeout\":30}", fx.colony);
    t0 = now();
    CHECK_RC(colonies_client_call(fx.client, &out, "assign_process", params, fx.exec_key, 400, NULL), COLONIES_EINDOUBT);
    CHECK(now() - t0 < limit_s(3.0));
}

/* While one thread blocks in assign, others keep using the same client. */
static atomic_int assign_done;
static atomic_int calls_during_assign;

static void *blocking_assign(void *arg)
{
    (void)arg;
    char *out = NULL;
    int rc = callf(fx.client, &out, "assign_process", fx.exec_key, "{\"colonyname\":\"%s\",\"timeout\":3}", fx.colony);
    CHECK(rc == COLONIES_EEXPIRED);
    atomic_store(&assign_done, 1);
    return NULL;
}

static void *busy_caller(void *arg)
{
    (void)arg;
    while (!atomic_load(&assign_done)) {
        char *out = NULL;
        if (callf(fx.client, &out, "get_colony", fx.exec_key, "{\"colonyname\":\"%s\"}", fx.colony) == COLONIES_OK)
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

/* A child after fork() with the parent's client: the child's calls go on
 * connections of its own, on the loop and on a lane; freeing the client
 * there leaves the parent's alone; the parent goes on. */
static int child_calls(void)
{
    char *out = NULL;
    int ok = callf(fx.client, &out, "get_colonies", fx.server_key, "{}") == COLONIES_OK && out &&
             strstr(out, fx.colony) != NULL;
    colonies_free(out);
    colonies_call *call = NULL;
    ok = ok && colonies_client_call_start(fx.client, &call, "get_colonies", NULL, fx.server_key, 0) == COLONIES_OK &&
         colonies_call_wait(call, 10000) == 1 && colonies_call_result(call, NULL) == COLONIES_OK;
    colonies_call_free(call);
    colonies_client_free(fx.client);
    return ok ? 0 : 1;
}

static void test_fork(void)
{
#ifdef __SANITIZE_THREAD__
    /* ThreadSanitizer cannot follow a child that starts threads after a fork. */
    printf("fork: skipped under ThreadSanitizer\n");
    return;
#endif
    /* The parent has connections open, on a lane and on the loop. */
    colonies_call *call = NULL;
    CHECK_RC(callf(fx.client, NULL, "get_colonies", fx.server_key, "{}"), COLONIES_OK);
    CHECK_RC(colonies_client_call_start(fx.client, &call, "get_colonies", NULL, fx.server_key, 0), COLONIES_OK);
    CHECK(call && colonies_call_wait(call, 10000) == 1);
    colonies_call_free(call);
    for (int i = 0; i < 3; i++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) _exit(child_calls());
        int status = -1;
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        /* The parent's connections were not the child's to use or close. */
        CHECK_RC(callf(fx.client, NULL, "get_colonies", fx.server_key, "{}"), COLONIES_OK);
        call = NULL;
        CHECK_RC(colonies_client_call_start(fx.client, &call, "get_colonies", NULL, fx.server_key, 0), COLONIES_OK);
        CHECK(call && colonies_call_wait(call, 10000) == 1);
        CHECK_RC(colonies_call_result(call, NULL), COLONIES_OK);
        colonies_call_free(call);
    }
}

/* A signed call and a refused one. */
static void two_calls(colonies_client *c)
{
    callf(c, NULL, "get_colonies", fx.server_key, "{}");
    callf(c, NULL, "get_colony", fx.server_key, "{\"colonyname\":\"no-such-colony\"}");
}

/* A file whose S3 reference carries keys, added and read back. */
static void file_with_secrets(colonies_client *c)
{
    CHECK_RC(callf(c, NULL, "add_file", fx.exec_key,
                   "{\"file\":{\"colonyname\":\"%s\",\"label\":\"/traced\",\"name\":\"a.txt\",\"size\":5,"
                   "\"checksum\":\"x\",\"checksumalg\":\"SHA256\",\"ref\":{\"protocol\":\"s3\",\"s3object\":{"
                   "\"server\":\"localhost\",\"port\":9000,\"accesskey\":\"AKIA-TRACED-ACCESS\","
                   "\"secretkey\":\"TRACED-SECRET-KEY\",\"encryptionkey\":\"TRACED-ENCRYPTION\",\"object\":\"o\","
                   "\"bucket\":\"b\"}}}}",
                   fx.colony),
             COLONIES_OK);
    CHECK_RC(callf(c, NULL, "get_file", fx.exec_key,
                   "{\"colonyname\":\"%s\",\"label\":\"/traced\",\"name\":\"a.txt\",\"latest\":true}", fx.colony),
             COLONIES_OK);
}

/* Runs calls on a client made with options (NULL: none) with stderr sent to
 * a file; the file's text (caller frees). */
static char *traced_with(const char *options, void (*calls)(colonies_client *))
{
    char path[] = "/tmp/colonies-trace-XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    char *text = NULL;
    if (fd < 0 || saved < 0) return NULL;
    fflush(stderr);
    dup2(fd, 2);
    colonies_client *c = NULL;
    if (colonies_client_new(&c, need_env("COLONIES_SERVER_HOST"), atoi(need_env("COLONIES_SERVER_PORT")), options) ==
        COLONIES_OK) {
        calls(c);
        colonies_client_free(c);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    text = read_file(path);
    unlink(path);
    return text;
}

static char *traced(const char *options) { return traced_with(options, two_calls); }

/* The longest run of hex digits in text: a key, an id or a signature is 64 or more. */
static size_t longest_hex(const char *text)
{
    size_t best = 0, run = 0;
    for (const char *p = text; *p; p++) {
        run = ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')) ? run + 1 : 0;
        if (run > best) best = run;
    }
    return best;
}

/* The trace: a line for each request, by option or by COLONIES_TRACE, with no key, id or signature. */
static void test_trace(void)
{
    char *text = traced("{\"trace\":true}");
    CHECK(text != NULL);
    if (text) {
        printf("trace:\n%s", text);
        CHECK(strstr(text, "colonies: getcoloniesmsg replied, HTTP 200") != NULL);
        CHECK(strstr(text, "colonies: getcolonymsg replied, HTTP") != NULL);
        CHECK(longest_hex(text) < 64);
        CHECK(strstr(text, fx.server_key) == NULL);
    }
    free(text);
    text = traced(NULL);
    CHECK(text && strstr(text, "colonies:") == NULL); /* off by default */
    free(text);
    setenv("COLONIES_TRACE", "true", 1);
    text = traced(NULL);
    CHECK(text && strstr(text, "colonies: getcoloniesmsg") != NULL);
    free(text);
    /* With payloads: the messages and replies, the S3 reference's keys redacted, no signature. */
    text = traced_with("{\"trace_payloads\":true}", file_with_secrets);
    CHECK(text != NULL);
    if (text) {
        printf("trace with payloads:\n%s", text);
        CHECK(strstr(text, "colonies: addfilemsg replied, HTTP 200") != NULL);
        CHECK(strstr(text, "colonies: > addfilemsg {") != NULL);
        CHECK(strstr(text, "colonies: < getfilemsg [{") != NULL || strstr(text, "colonies: < getfilemsg {") != NULL);
        CHECK(strstr(text, fx.colony) != NULL);
        CHECK(strstr(text, "\"secretkey\":\"[redacted]\"") != NULL);
        CHECK(strstr(text, "TRACED-SECRET-KEY") == NULL);
        CHECK(strstr(text, "AKIA-TRACED-ACCESS") == NULL);
        CHECK(strstr(text, "TRACED-ENCRYPTION") == NULL);
        CHECK(longest_hex(text) < 130); /* ids, yes; a signature, no */
        CHECK(strstr(text, fx.exec_key) == NULL);
    }
    free(text);
    setenv("COLONIES_TRACE", "maybe", 1);
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", 1, NULL), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "COLONIES_TRACE") != NULL);
    unsetenv("COLONIES_TRACE");
}

static void teardown(void)
{
    char *out = NULL;
    fixture_free(&fx, 1);
    /* The colony is gone. */
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, need_env("COLONIES_SERVER_HOST"), atoi(need_env("COLONIES_SERVER_PORT")), NULL),
             COLONIES_OK);
    CHECK_RC(callf(c, &out, "get_colony", fx.server_key, "{\"colonyname\":\"%s\"}", fx.colony), COLONIES_EFORBIDDEN);
    colonies_client_free(c);
}

int main(void)
{
    setup();
    test_server();
    test_colony_and_executor();
    test_lifecycle();
    test_cancel();
    test_concurrency();
    test_fork();
    test_trace();
    teardown();
    return check_summary("test_client");
}
