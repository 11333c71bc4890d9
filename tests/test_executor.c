/* The executor runtime against the real server: registering itself, jobs
 * with their arguments, closing and failing, processes left running here
 * handed out again, a close that comes too late, stopping, and a server that
 * does not answer. */
#include <pthread.h>
#include <unistd.h>

#include "fixture.h"
#include "loopback.h"

static fixture fx;

static colonies_executor *new_executor(const char *extra)
{
    char *opts = NULL;
    colonies_executor *ex = NULL;
    CHECK_RC(colonies_json_format(&opts, "{\"colonyname\":%s,\"executortype\":%s,\"colony_prvkey\":%s,"
                                         "\"functions\":[\"echo\",\"boom\"],\"assign_timeout\":2%J}",
                                  fx.colony, fx.exec_type, fx.colony_key, extra ? extra : ""),
             COLONIES_OK);
    CHECK_RC(colonies_executor_new(&ex, fx.client, opts), COLONIES_OK);
    colonies_free(opts);
    return ex;
}

/* The next job, parsed, skipping notices. */
static cJSON *next_job(colonies_executor *ex)
{
    for (int i = 0; i < 5; i++) {
        char *out = NULL;
        int rc = colonies_executor_next(ex, &out, NULL);
        CHECK_RC(rc, COLONIES_OK);
        if (rc) return NULL;
        cJSON *job = parse(out);
        if (cJSON_GetObjectItem(job, "process")) return job;
        cJSON_Delete(job);
    }
    return NULL;
}

static const char *job_processid(const cJSON *job)
{
    return field(cJSON_GetObjectItem(job, "process"), "processid");
}

static void test_options(void)
{
    colonies_executor *ex = NULL;
    CHECK_RC(colonies_executor_new(&ex, fx.client, "{\"executortype\":\"t\",\"prvkey\":\"x\"}"), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "colonyname") != NULL);
    CHECK_RC(colonies_executor_new(&ex, fx.client, "{\"colonyname\":\"c\",\"executortype\":\"t\"}"), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "prvkey (the executor's key) is required") != NULL);
    CHECK_RC(colonies_executor_new(&ex, fx.client, "{\"colonyname\":\"c\",\"executortype\":\"t\",\"prvkey\":\"zz\"}"),
             COLONIES_ECRYPTO);
    CHECK_RC(colonies_executor_new(&ex, fx.client, "{\"colonyname\":\"c\",\"executortype\":\"t\",\"color\":1}"),
             COLONIES_EINVAL);
    CHECK_RC(colonies_executor_new(&ex, NULL, "{}"), COLONIES_EINVAL);
    CHECK_RC(colonies_executor_new(&ex, fx.client, "[]"), COLONIES_EJSON);
    CHECK(ex == NULL);
    colonies_executor_free(NULL);
}

static void test_jobs(void)
{
    colonies_executor *ex = new_executor(NULL);
    char *info = NULL;
    CHECK_RC(colonies_executor_info(ex, &info), COLONIES_OK);
    cJSON *i = parse(info);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(i, "registered")));
    char name[128];
    snprintf(name, sizeof name, "%s", field(i, "executorname"));
    CHECK(strncmp(name, fx.exec_type, strlen(fx.exec_type)) == 0);
    cJSON_Delete(i);

    /* The first job registers the executor and its functions. */
    char *pid = fixture_submit(&fx, "echo", "[\"hello\",2]");
    cJSON *job = next_job(ex);
    CHECK_STR(job ? job_processid(job) : NULL, pid);
    CHECK_STR(field(job, "funcname"), "echo");
    char *args = cJSON_PrintUnformatted(cJSON_GetObjectItem(job, "args"));
    CHECK_STR(args, "[\"hello\",2]");
    const cJSON *ctx = cJSON_GetObjectItem(job, "ctx");
    CHECK_STR(field(ctx, "colonyname"), fx.colony);
    CHECK_STR(field(ctx, "colonyid"), fx.colony);
    CHECK(strlen(field(ctx, "executor_prvkey")) == 64);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(job, "code")));
    CHECK(int_field(job, "maxexectime") == -1);
    CHECK_RC(colonies_executor_close(ex, pid, args, NULL), COLONIES_OK);
    free(args);
    cJSON_Delete(job);
    CHECK(fixture_state(&fx, pid) == COLONIES_PROCESS_SUCCESSFUL);
    char *out = NULL;
    CHECK_RC(callf(fx.client, &out, "get_functions", fx.exec_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}",
                   fx.colony, name),
             COLONIES_OK);
    CHECK(out && strstr(out, "\"boom\"") != NULL);
    colonies_free(out);
    free(pid);

    /* Failing. */
    pid = fixture_submit(&fx, "boom", "[]");
    job = next_job(ex);
    CHECK_STR(job ? job_processid(job) : NULL, pid);
    CHECK_RC(colonies_executor_fail(ex, pid, "[\"it broke\"]", NULL), COLONIES_OK);
    CHECK(fixture_state(&fx, pid) == COLONIES_PROCESS_FAILED);
    cJSON_Delete(job);
    free(pid);

    /* Closed too late: the process was cancelled meanwhile. */
    pid = fixture_submit(&fx, "echo", "[]");
    job = next_job(ex);
    CHECK_RC(callf(fx.client, NULL, "cancel_process", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    int rc = colonies_executor_close(ex, pid, "[]", NULL);
    CHECK(rc != COLONIES_OK);
    CHECK(strstr(colonies_last_error(), "it is cancelled") != NULL);
    cJSON_Delete(job);
    free(pid);

    /* Bad arguments. */
    CHECK_RC(colonies_executor_close(ex, "p", "{}", NULL), COLONIES_EJSON);
    CHECK_RC(colonies_executor_fail(ex, "", "[]", NULL), COLONIES_EINVAL);

    /* Stopping removes what it registered (the server keeps it, unregistered). */
    CHECK_RC(colonies_executor_stop(ex), COLONIES_OK);
    CHECK_RC(callf(fx.client, &out, "get_executor", fx.exec_key, "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}",
                   fx.colony, name),
             COLONIES_OK);
    cJSON *gone = parse(out);
    CHECK(gone && int_field(gone, "state") == COLONIES_EXECUTOR_UNREGISTERED);
    cJSON_Delete(gone);
    colonies_executor_free(ex);
}

/* A process assigned here but never handed out (an assign whose reply was lost,
 * an executor that died) is handed out by a runtime with the same key. */
static void test_orphans(void)
{
    colonies_executor *ex = new_executor(NULL);
    char *info = NULL;
    CHECK_RC(colonies_executor_info(ex, &info), COLONIES_OK);
    cJSON *i = parse(info);
    char key[65];
    snprintf(key, sizeof key, "%s", field(i, "prvkey"));
    cJSON_Delete(i);
    char *pid = fixture_submit(&fx, "echo", "[]");
    cJSON *job = next_job(ex);
    CHECK_STR(job ? job_processid(job) : NULL, pid);
    cJSON_Delete(job);
    colonies_executor_free(ex); /* dies holding it */

    char extra[128];
    snprintf(extra, sizeof extra, ",\"prvkey\":\"%s\"", key);
    ex = new_executor(extra);
    job = next_job(ex);
    CHECK_STR(job ? job_processid(job) : NULL, pid);
    CHECK_RC(colonies_executor_close(ex, pid, "[\"resumed\"]", NULL), COLONIES_OK);
    cJSON_Delete(job);
    CHECK_RC(colonies_executor_stop(ex), COLONIES_OK);
    colonies_executor_free(ex);
    free(pid);
}

typedef struct {
    colonies_call *call;
    double at;
} cancel_arg;

static void *cancel_after(void *arg)
{
    cancel_arg *a = arg;
    nanosleep(&(struct timespec){.tv_nsec = 300000000}, NULL);
    a->at = now();
    colonies_call_cancel(a->call);
    return NULL;
}

/* A blocked next ends within 100 ms of its cancel; a server that does not answer gives a notice. */
static void test_cancel_and_no_server(void)
{
    colonies_executor *ex = new_executor(",\"assign_timeout\":30");
    cancel_arg a = {0};
    CHECK_RC(colonies_executor_next_start(ex, &a.call), COLONIES_OK);
    pthread_t t;
    pthread_create(&t, NULL, cancel_after, &a);
    CHECK(colonies_call_wait(a.call, 10000) == 1);
    double after = now() - a.at;
    pthread_join(t, NULL);
    CHECK_RC(colonies_call_result(a.call, NULL), COLONIES_ECANCELLED);
    colonies_call_free(a.call);
    printf("a blocked executor next returned %.2f ms after its cancel\n", after * 1e3);
    CHECK(after < limit_s(0.1));
    CHECK_RC(colonies_executor_stop(ex), COLONIES_OK);
    colonies_executor_free(ex);

    int port = 0, fd = listen_loopback(1, &port);
    close(fd);
    colonies_client *down = NULL;
    CHECK_RC(colonies_client_new(&down, "127.0.0.1", port, NULL), COLONIES_OK);
    char *opts = NULL;
    CHECK_RC(colonies_json_format(&opts, "{\"colonyname\":\"c\",\"executortype\":\"t\",\"prvkey\":%s,"
                                         "\"backoff_max\":0.2}",
                                  fx.exec_key),
             COLONIES_OK);
    CHECK_RC(colonies_executor_new(&ex, down, opts), COLONIES_OK);
    colonies_free(opts);
    char *out = NULL;
    CHECK_RC(colonies_executor_next(ex, &out, NULL), COLONIES_OK);
    cJSON *n = parse(out);
    CHECK(strstr(field(n, "notice"), "the server does not answer") != NULL);
    CHECK(cJSON_GetObjectItem(n, "process") == NULL);
    cJSON_Delete(n);
    /* Then it keeps trying, quietly, until stopped. */
    cancel_arg b = {0};
    CHECK_RC(colonies_executor_next_start(ex, &b.call), COLONIES_OK);
    CHECK(colonies_call_wait(b.call, 1000) == 0);
    pthread_create(&t, NULL, cancel_after, &b);
    CHECK(colonies_call_wait(b.call, 10000) == 1);
    pthread_join(t, NULL);
    CHECK_RC(colonies_call_result(b.call, NULL), COLONIES_ECANCELLED);
    colonies_call_free(b.call);
    char *info = NULL;
    CHECK_RC(colonies_executor_info(ex, &info), COLONIES_OK);
    CHECK(info && strstr(info, "\"server_down\":true") != NULL);
    colonies_free(info);
    colonies_executor_free(ex);
    colonies_client_free(down);
}

int main(void)
{
    fixture_colony(&fx, "exec");
    test_options();
    test_jobs();
    test_orphans();
    test_cancel_and_no_server();
    fixture_free(&fx, 1);
    return check_summary("test_executor");
}
