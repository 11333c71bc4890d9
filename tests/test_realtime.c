/* Waiting and subscriptions over the server's websocket, calls in flight,
 * and stopping blocking calls from another thread, against the real server
 * scripts/colonies-server started. */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "fixture.h"
#include "loopback.h"

static fixture fx;

static void sleep_ms(long ms) { nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L}, NULL); }

/* Assigns the next process to the fixture's executor; its id (caller frees), or NULL. */
static char *assign(void) { return fixture_assign(&fx); }

/* Closes or fails a process after a pause, on a thread of its own. */
typedef struct {
    const char *processid;
    long delay_ms;
    int fail;
    double sent_at, replied_at;
    int rc;
} closer;

static void *close_later(void *arg)
{
    closer *c = arg;
    sleep_ms(c->delay_ms);
    c->sent_at = now();
    if (c->fail)
        c->rc = callf(fx.client, NULL, "close_failed", fx.exec_key, "{\"processid\":\"%s\",\"errors\":[\"no\"]}",
                      c->processid);
    else
        c->rc = callf(fx.client, NULL, "close_successful", fx.exec_key, "{\"processid\":\"%s\",\"out\":[42]}",
                      c->processid);
    c->replied_at = now();
    return NULL;
}

static void test_wait_finished(void)
{
    /* Successful: the waiter gets the closed process. */
    char *pid = fixture_submit(&fx, "echo", "[]");
    char *got = assign();
    CHECK(pid && got && strcmp(pid, got) == 0);
    free(got);
    closer c = {.processid = pid, .delay_ms = 300};
    pthread_t t;
    pthread_create(&t, NULL, close_later, &c);
    char *out = NULL;
    CHECK_RC(colonies_client_wait_process(fx.client, &out, pid, COLONIES_WAIT_FINISHED, 10000, fx.exec_key, NULL),
             COLONIES_OK);
    double returned = now();
    pthread_join(t, NULL);
    CHECK_RC(c.rc, COLONIES_OK);
    cJSON *p = parse(out);
    CHECK(p && int_field(p, "state") == COLONIES_PROCESS_SUCCESSFUL);
    CHECK(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "out"), 0) != NULL);
    cJSON_Delete(p);
    printf("wait returned %.1f ms after the close was sent\n", (returned - c.sent_at) * 1e3);
    CHECK(returned - c.sent_at < limit_s(1.0));
    free(pid);

    /* Failed: finished too, long before the wait's time is up. */
    pid = fixture_submit(&fx, "echo", "[]");
    free(assign());
    c = (closer){.processid = pid, .delay_ms = 200, .fail = 1};
    pthread_create(&t, NULL, close_later, &c);
    double t0 = now();
    CHECK_RC(colonies_client_wait_process(fx.client, &out, pid, COLONIES_WAIT_FINISHED, 20000, fx.exec_key, NULL),
             COLONIES_OK);
    CHECK(now() - t0 < limit_s(5.0));
    pthread_join(t, NULL);
    p = parse(out);
    CHECK(p && int_field(p, "state") == COLONIES_PROCESS_FAILED);
    cJSON_Delete(p);

    /* Already there: at once. */
    t0 = now();
    CHECK_RC(colonies_client_wait_process(fx.client, &out, pid, COLONIES_PROCESS_FAILED, 20000, fx.exec_key, NULL),
             COLONIES_OK);
    CHECK(now() - t0 < limit_s(1.0));
    colonies_free(out);
    free(pid);

    /* A given state: running, once assigned. */
    pid = fixture_submit(&fx, "echo", "[]");
    colonies_call *call = NULL;
    CHECK_RC(colonies_client_wait_process_start(fx.client, &call, pid, COLONIES_PROCESS_RUNNING, 10000, fx.exec_key),
             COLONIES_OK);
    CHECK(call && colonies_call_wait(call, 200) == 0);
    free(assign());
    CHECK(call && colonies_call_wait(call, 5000) == 1);
    CHECK_RC(colonies_call_result(call, &out), COLONIES_OK);
    colonies_call_free(call);
    p = parse(out);
    CHECK(p && int_field(p, "state") == COLONIES_PROCESS_RUNNING);
    cJSON_Delete(p);
    CHECK_RC(callf(fx.client, NULL, "close_successful", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    free(pid);
}

static void test_wait_errors(void)
{
    char *out = NULL;
    /* Nothing happens: the wait says so when its time is up, not before. */
    char *pid = fixture_submit(&fx, "echo", "[]");
    double t0 = now();
    CHECK_RC(colonies_client_wait_process(fx.client, &out, pid, COLONIES_WAIT_FINISHED, 1000, fx.exec_key, NULL),
             COLONIES_EEXPIRED);
    double took = now() - t0;
    CHECK(took >= 0.95 && took < limit_s(3.0));
    CHECK(strstr(colonies_last_error(), "in state 0") != NULL);
    CHECK(out == NULL);
    CHECK_RC(callf(fx.client, NULL, "remove_process", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    free(pid);
    /* No such process. */
    CHECK_RC(colonies_client_wait_process(fx.client, &out, "0000000000000000000000000000000000000000000000000000000000000000",
                                          COLONIES_WAIT_FINISHED, 5000, fx.exec_key, NULL),
             COLONIES_ENOTFOUND);
    /* Bad arguments, before anything is sent. */
    CHECK_RC(colonies_client_wait_process(fx.client, &out, "p", 7, 5000, fx.exec_key, NULL), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "state 7") != NULL);
    CHECK_RC(colonies_client_wait_process(fx.client, &out, "p", COLONIES_WAIT_FINISHED, 0, fx.exec_key, NULL),
             COLONIES_EINVAL);
    CHECK_RC(colonies_client_wait_process(fx.client, &out, "", COLONIES_WAIT_FINISHED, 5000, fx.exec_key, NULL),
             COLONIES_EINVAL);
    CHECK_RC(colonies_client_wait_process(fx.client, &out, "p", COLONIES_WAIT_FINISHED, 5000, "zz", NULL),
             COLONIES_ECRYPTO);
    CHECK_RC(colonies_client_wait_process(NULL, &out, "p", COLONIES_WAIT_FINISHED, 5000, fx.exec_key, NULL),
             COLONIES_EINVAL);
    /* No server there: a transport error, not a timeout. */
    colonies_client *down = NULL;
    int port = 0, fd = listen_loopback(1, &port);
    CHECK(fd >= 0);
    close(fd);
    CHECK_RC(colonies_client_new(&down, "127.0.0.1", port, NULL), COLONIES_OK);
    t0 = now();
    CHECK_RC(colonies_client_wait_process(down, &out, "p", COLONIES_WAIT_FINISHED, 30000, fx.exec_key, NULL),
             COLONIES_ETRANSPORT);
    CHECK(now() - t0 < limit_s(2.0));
    colonies_client_free(down);
}

/* Fires a cancel token, or cancels a call, after a pause; notes when. */
typedef struct {
    colonies_cancel *token;
    colonies_call *call;
    long delay_ms;
    double fired_at;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *c = arg;
    sleep_ms(c->delay_ms);
    c->fired_at = now();
    if (c->token) colonies_cancel_fire(c->token);
    if (c->call) colonies_call_cancel(c->call);
    return NULL;
}

/* A blocked wait and a blocked assign each end within 100 ms of a cancel from another thread. */
static void test_cancel_from_thread(void)
{
    char *out = NULL;
    char *pid = fixture_submit(&fx, "echo", "[]");
    canceller c = {.delay_ms = 300};
    CHECK_RC(colonies_cancel_new(&c.token), COLONIES_OK);
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &c);
    CHECK_RC(colonies_client_wait_process(fx.client, &out, pid, COLONIES_WAIT_FINISHED, 60000, fx.exec_key, c.token),
             COLONIES_ECANCELLED);
    double after = now() - c.fired_at;
    pthread_join(t, NULL);
    colonies_cancel_free(c.token);
    printf("a 60 s wait returned %.2f ms after its cancel token fired\n", after * 1e3);
    CHECK(after < limit_s(0.1));
    CHECK(strstr(colonies_last_error(), "cancelled") != NULL);
    CHECK_RC(callf(fx.client, NULL, "remove_process", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    free(pid);

    /* An assign, through its call handle. */
    c = (canceller){.delay_ms = 300};
    CHECK_RC(colonies_client_call_start(fx.client, &c.call, "assign_process", NULL, fx.exec_key, 0),
             COLONIES_EINVAL); /* colonyname is required */
    char params[256];
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\",\"timeout\":60}", fx.colony);
    CHECK_RC(colonies_client_call_start(fx.client, &c.call, "assign_process", params, fx.exec_key, 0), COLONIES_OK);
    pthread_create(&t, NULL, cancel_later, &c);
    CHECK(c.call && colonies_call_wait(c.call, -1) == 1);
    after = now() - c.fired_at;
    pthread_join(t, NULL);
    /* The request had gone out and assign is not idempotent: in doubt. */
    CHECK_RC(colonies_call_result(c.call, &out), COLONIES_EINDOUBT);
    CHECK(strstr(colonies_last_error(), "cancelled") != NULL);
    colonies_call_free(c.call);
    printf("a 60 s assign returned %.2f ms after it was cancelled\n", after * 1e3);
    CHECK(after < limit_s(0.1));

    /* cancel_all stops everything in flight on the client. */
    colonies_call *calls[3] = {NULL};
    for (int i = 0; i < 3; i++)
        CHECK_RC(colonies_client_call_start(fx.client, &calls[i], "assign_process", params, fx.exec_key, 0),
                 COLONIES_OK);
    sleep_ms(200);
    double t0 = now();
    colonies_client_cancel_all(fx.client);
    for (int i = 0; i < 3; i++) {
        CHECK(calls[i] && colonies_call_wait(calls[i], 2000) == 1);
        CHECK_RC(colonies_call_result(calls[i], NULL), COLONIES_EINDOUBT);
        colonies_call_free(calls[i]);
    }
    CHECK(now() - t0 < limit_s(0.5));
    /* The client is still good. */
    CHECK_RC(callf(fx.client, NULL, "get_colony", fx.exec_key, "{\"colonyname\":\"%s\"}", fx.colony), COLONIES_OK);
}

/* Many calls in flight on one client without a thread each; a call's fd becomes readable when it ends. */
static void test_calls_in_flight(void)
{
    enum { N = 32 };
    colonies_call *calls[N] = {NULL};
    char params[256];
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\"}", fx.colony);
    for (int i = 0; i < N; i++)
        CHECK_RC(colonies_client_call_start(fx.client, &calls[i], "get_colony", params, fx.exec_key, 0), COLONIES_OK);
    int ok = 0;
    for (int i = 0; i < N; i++) {
        if (calls[i] == NULL) continue;
        int fd = colonies_call_fd(calls[i]);
        CHECK(fd >= 0);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        CHECK(poll(&p, 1, 10000) == 1);
        CHECK(colonies_call_wait(calls[i], 0) == 1);
        char *out = NULL;
        if (colonies_call_result(calls[i], &out) == COLONIES_OK && out && strstr(out, fx.colony)) ok++;
        colonies_free(out);
        /* A result is read once. */
        CHECK_RC(colonies_call_result(calls[i], &out), COLONIES_EINVAL);
        colonies_call_free(calls[i]);
    }
    CHECK(ok == N);
    /* Freeing a call still running cancels it. */
    colonies_call *call = NULL;
    CHECK_RC(colonies_client_call_start(fx.client, &call, "get_colony", params, fx.exec_key, 0), COLONIES_OK);
    colonies_call_free(call);
    colonies_call_free(NULL);
}

/* Beyond max_connections, requests wait their turn in the client: two assigns
 * the server holds take both slots, a read waits behind them, and one that is
 * cancelled while it waits ends at once, never having been sent. */
static void test_connection_slots(void)
{
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, need_env("COLONIES_SERVER_HOST"), atoi(need_env("COLONIES_SERVER_PORT")),
                                 "{\"max_connections\":2}"),
             COLONIES_OK);
    if (c == NULL) return;
    char assign[256], read[256];
    snprintf(assign, sizeof assign, "{\"colonyname\":\"%s\",\"timeout\":2}", fx.colony);
    snprintf(read, sizeof read, "{\"colonyname\":\"%s\"}", fx.colony);
    colonies_call *held[2] = {NULL, NULL}, *waiting = NULL, *cancelled = NULL;
    for (int i = 0; i < 2; i++)
        CHECK_RC(colonies_client_call_start(c, &held[i], "assign_process", assign, fx.exec_key, 0), COLONIES_OK);
    CHECK_RC(colonies_client_call_start(c, &waiting, "get_colony", read, fx.exec_key, 0), COLONIES_OK);
    CHECK_RC(colonies_client_call_start(c, &cancelled, "get_colony", read, fx.exec_key, 0), COLONIES_OK);
    /* Queued behind the two assigns (which the server holds for 2 s). */
    CHECK(colonies_call_wait(waiting, 500) == 0);
    double t0 = now();
    colonies_call_cancel(cancelled);
    CHECK(colonies_call_wait(cancelled, 1000) == 1);
    CHECK(now() - t0 < limit_s(0.5));
    CHECK_RC(colonies_call_result(cancelled, NULL), COLONIES_ECANCELLED);
    /* Once an assign ends, the read goes. */
    CHECK(colonies_call_wait(waiting, 10000) == 1);
    CHECK_RC(colonies_call_result(waiting, NULL), COLONIES_OK);
    for (int i = 0; i < 2; i++) {
        CHECK(colonies_call_wait(held[i], 10000) == 1);
        CHECK_RC(colonies_call_result(held[i], NULL), COLONIES_EEXPIRED);
        colonies_call_free(held[i]);
    }
    colonies_call_free(waiting);
    colonies_call_free(cancelled);
    colonies_client_free(c);
}

/* A blocking call on a thread of its own (what colonies_client_call runs). */
typedef struct {
    colonies_client *client;
    const char *operation;
    char params[256];
    int rc;
    double ended_at;
} blocking;

static void *call_blocking(void *arg)
{
    blocking *b = arg;
    b->rc = colonies_client_call(b->client, NULL, b->operation, b->params, fx.exec_key, 0, NULL);
    b->ended_at = now();
    return NULL;
}

/*
 * Prepared calls run on the waiting thread: in slices of waits, with a
 * second thread waiting beside; cancelled from another thread; not sent
 * when never waited for; run by the loop when polled through their fd; and
 * sharing the connection slots with the loop's requests both ways.
 */
static void test_prepared_calls(void)
{
    char assign[256], read[256];
    snprintf(assign, sizeof assign, "{\"colonyname\":\"%s\",\"timeout\":60}", fx.colony);
    snprintf(read, sizeof read, "{\"colonyname\":\"%s\"}", fx.colony);

    /* Run in slices: each wait goes on with it; a thread that waits beside it sees it end. */
    colonies_call *call = NULL;
    CHECK_RC(colonies_client_call_prepare(fx.client, &call, "assign_process", assign, fx.exec_key, 0), COLONIES_OK);
    if (call == NULL) return;
    int slices = 0;
    while (colonies_call_wait(call, 50) == 0 && slices < 4) slices++;
    CHECK(slices == 4); /* the server holds it: nothing to assign */
    canceller c = {.call = call, .delay_ms = 200};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &c);
    CHECK(colonies_call_wait(call, -1) == 1);
    double after = now() - c.fired_at;
    pthread_join(t, NULL);
    CHECK_RC(colonies_call_result(call, NULL), COLONIES_EINDOUBT);
    colonies_call_free(call);
    printf("a prepared assign run by its waits returned %.2f ms after it was cancelled\n", after * 1e3);
    CHECK(after < limit_s(0.1));

    /* cancel_all reaches a blocking call that its own thread runs. */
    blocking b = {.client = fx.client, .operation = "assign_process"};
    snprintf(b.params, sizeof b.params, "%s", assign);
    pthread_create(&t, NULL, call_blocking, &b);
    sleep_ms(300);
    double t0 = now();
    colonies_client_cancel_all(fx.client);
    pthread_join(t, NULL);
    CHECK_RC(b.rc, COLONIES_EINDOUBT);
    CHECK(b.ended_at - t0 < limit_s(0.1));
    printf("cancel_all ended a blocking assign in %.2f ms\n", (b.ended_at - t0) * 1e3);

    /* Never waited for: never sent. The process a prepared remove names is still there. */
    char *pid = fixture_submit(&fx, "echo", "[]");
    char removal[128];
    snprintf(removal, sizeof removal, "{\"processid\":\"%s\"}", pid ? pid : "");
    call = NULL;
    CHECK_RC(colonies_client_call_prepare(fx.client, &call, "remove_process", removal, fx.exec_key, 0), COLONIES_OK);
    colonies_call_free(call);
    sleep_ms(100);
    CHECK(fixture_state(&fx, pid) == COLONIES_PROCESS_WAITING);
    CHECK_RC(colonies_client_call(fx.client, NULL, "remove_process", removal, fx.exec_key, 0, NULL), COLONIES_OK);
    free(pid);

    /* Polled through its descriptor: the loop runs it. */
    call = NULL;
    CHECK_RC(colonies_client_call_prepare(fx.client, &call, "get_colony", read, fx.exec_key, 0), COLONIES_OK);
    int fd = call ? colonies_call_fd(call) : -1;
    CHECK(fd >= 0);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    CHECK(fd >= 0 && poll(&p, 1, 10000) == 1);
    CHECK(colonies_call_wait(call, 0) == 1);
    char *out = NULL;
    CHECK_RC(colonies_call_result(call, &out), COLONIES_OK);
    CHECK(out && strstr(out, fx.colony));
    colonies_free(out);
    colonies_call_free(call);

    /* One slot: a blocking call whose slot the loop holds goes through the loop's queue ... */
    colonies_client *one = NULL;
    CHECK_RC(colonies_client_new(&one, need_env("COLONIES_SERVER_HOST"), atoi(need_env("COLONIES_SERVER_PORT")),
                                 "{\"max_connections\":1}"),
             COLONIES_OK);
    if (one == NULL) return;
    char held[256];
    snprintf(held, sizeof held, "{\"colonyname\":\"%s\",\"timeout\":1}", fx.colony);
    call = NULL;
    CHECK_RC(colonies_client_call_start(one, &call, "assign_process", held, fx.exec_key, 0), COLONIES_OK);
    sleep_ms(100);
    t0 = now();
    CHECK_RC(colonies_client_call(one, NULL, "get_colony", read, fx.exec_key, 0, NULL), COLONIES_OK);
    CHECK(now() - t0 > 0.5); /* after the assign the server held */
    CHECK(call && colonies_call_wait(call, 0) == 1);
    CHECK_RC(colonies_call_result(call, NULL), COLONIES_EEXPIRED);
    colonies_call_free(call);
    /* ... and a loop request queued behind a lane goes once the lane gives its slot back. */
    b = (blocking){.client = one, .operation = "assign_process"};
    snprintf(b.params, sizeof b.params, "%s", held);
    pthread_create(&t, NULL, call_blocking, &b);
    sleep_ms(100);
    call = NULL;
    CHECK_RC(colonies_client_call_start(one, &call, "get_colony", read, fx.exec_key, 0), COLONIES_OK);
    CHECK(call && colonies_call_wait(call, 300) == 0); /* queued */
    CHECK(call && colonies_call_wait(call, 10000) == 1);
    pthread_join(t, NULL);
    CHECK_RC(b.rc, COLONIES_EEXPIRED);
    CHECK_RC(colonies_call_result(call, NULL), COLONIES_OK);
    colonies_call_free(call);
    /* Freeing the client ends a blocking call on another thread first. */
    b = (blocking){.client = one, .operation = "assign_process"};
    snprintf(b.params, sizeof b.params, "%s", assign);
    pthread_create(&t, NULL, call_blocking, &b);
    sleep_ms(300);
    t0 = now();
    colonies_client_free(one);
    double freed = now() - t0;
    pthread_join(t, NULL);
    CHECK_RC(b.rc, COLONIES_EINDOUBT);
    CHECK(freed < limit_s(0.5));
}

/* A wait never misses a finish: the close is raced against the wait's start, many times. */
static void test_wait_race(void)
{
    enum { ROUNDS = 60 };
    int missed = 0, late = 0;
    double worst = 0;
    for (int i = 0; i < ROUNDS; i++) {
        char *pid = fixture_submit(&fx, "echo", "[]");
        free(assign());
        closer c = {.processid = pid, .delay_ms = i % 20};
        pthread_t t;
        pthread_create(&t, NULL, close_later, &c);
        char *out = NULL;
        int rc = colonies_client_wait_process(fx.client, &out, pid, COLONIES_WAIT_FINISHED, 10000, fx.exec_key, NULL);
        double returned = now();
        pthread_join(t, NULL);
        CHECK_RC(c.rc, COLONIES_OK);
        if (rc != COLONIES_OK) missed++;
        double after = returned - c.replied_at;
        if (after > worst) worst = after;
        if (after > limit_s(0.5)) late++;
        colonies_free(out);
        free(pid);
    }
    printf("wait raced against close %d times: %d missed, %d later than 0.5 s after the close's reply "
           "(worst %.0f ms)\n", ROUNDS, missed, late, worst * 1e3);
    CHECK(missed == 0);
}

static void test_subscribe_processes(void)
{
    colonies_subscription *sub = NULL;
    char params[256];
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\",\"executortype\":\"%s\",\"state\":%d,\"timeout\":5}",
             fx.colony, fx.exec_type, COLONIES_PROCESS_WAITING);
    CHECK_RC(colonies_client_subscribe(fx.client, &sub, "subscribe_processes", params, fx.exec_key), COLONIES_OK);
    char *out = NULL;
    /* Nothing yet: the subscription goes on. */
    CHECK_RC(colonies_subscription_next(sub, &out, 300), COLONIES_EEXPIRED);
    char *pid = fixture_submit(&fx, "echo", "[\"sub\"]");
    CHECK_RC(colonies_subscription_next(sub, &out, 5000), COLONIES_OK);
    cJSON *p = parse(out);
    CHECK_STR(p ? field(p, "processid") : NULL, pid);
    cJSON_Delete(p);
    colonies_subscription_cancel(sub);
    int rc;
    while ((rc = colonies_subscription_next(sub, &out, 2000)) == COLONIES_OK) colonies_free(out);
    CHECK_RC(rc, COLONIES_ECANCELLED);
    colonies_subscription_free(sub);
    CHECK_RC(callf(fx.client, NULL, "remove_process", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    free(pid);

    /* The registry's checks apply; an operation that is not a subscription is refused. */
    CHECK_RC(colonies_client_subscribe(fx.client, &sub, "subscribe_processes", "{\"state\":9}", fx.exec_key),
             COLONIES_EINVAL);
    CHECK_RC(colonies_client_subscribe(fx.client, &sub, "get_process", "{\"processid\":\"p\"}", fx.exec_key),
             COLONIES_EINVAL);
    /* The server's error frame ends it with the server's status: here, a key that is no executor's. */
    char *stranger = NULL;
    CHECK_RC(colonies_crypto_prvkey(&stranger), COLONIES_OK);
    CHECK_RC(colonies_client_subscribe(fx.client, &sub, "subscribe_processes", params, stranger), COLONIES_OK);
    CHECK_RC(colonies_subscription_next(sub, &out, 5000), COLONIES_EFORBIDDEN);
    CHECK(strstr(colonies_last_error(), "executor not found") != NULL);
    colonies_subscription_free(sub);
    colonies_free(stranger);
}

static void test_subscribe_channel(void)
{
    char *opts = NULL, *spec = NULL, *params = NULL, *out = NULL;
    CHECK_RC(colonies_json_format(&opts, "{\"funcname\":\"chat\",\"colonyname\":%s,\"executortype\":%s,"
                                         "\"channels\":[\"news\"]}",
                                  fx.colony, fx.exec_type),
             COLONIES_OK);
    CHECK_RC(colonies_func_spec_new(&spec, opts), COLONIES_OK);
    CHECK_RC(colonies_json_format(&params, "{\"spec\":%J}", spec), COLONIES_OK);
    CHECK_RC(colonies_client_call(fx.client, &out, "submit_func_spec", params, fx.exec_key, 0, NULL), COLONIES_OK);
    colonies_free(opts);
    colonies_free(spec);
    colonies_free(params);
    cJSON *p = parse(out);
    char *pid = strdup(p ? field(p, "processid") : "");
    cJSON_Delete(p);
    free(assign());

    colonies_subscription *sub = NULL;
    CHECK_RC(colonies_json_format(&params, "{\"processid\":%s,\"name\":\"news\",\"afterseq\":0,\"timeout\":2}", pid),
             COLONIES_OK);
    CHECK_RC(colonies_client_subscribe(fx.client, &sub, "subscribe_channel", params, fx.exec_key), COLONIES_OK);
    colonies_free(params);
    sleep_ms(200);
    for (int i = 1; i <= 3; i++)
        CHECK_RC(callf(fx.client, NULL, "channel_append", fx.exec_key,
                       "{\"processid\":\"%s\",\"name\":\"news\",\"sequence\":%d,\"payload\":[109,%d]}", pid, i, 48 + i),
                 COLONIES_OK);
    int entries = 0, rc;
    while ((rc = colonies_subscription_next(sub, &out, 5000)) == COLONIES_OK) {
        cJSON *batch = parse(out);
        CHECK(cJSON_IsArray(batch));
        entries += cJSON_GetArraySize(batch);
        cJSON_Delete(batch);
    }
    /* The server ends it at its timeout. */
    CHECK_RC(rc, COLONIES_EDONE);
    CHECK(entries == 3);
    printf("channel subscription: %d entries, then ended\n", entries);
    colonies_subscription_free(sub);
    CHECK_RC(callf(fx.client, NULL, "close_successful", fx.exec_key, "{\"processid\":\"%s\"}", pid), COLONIES_OK);
    free(pid);
}

int main(void)
{
    fixture_colony(&fx, "rt");
    test_wait_finished();
    test_wait_errors();
    test_cancel_from_thread();
    test_calls_in_flight();
    test_connection_slots();
    test_prepared_calls();
    test_wait_race();
    test_subscribe_processes();
    test_subscribe_channel();
    fixture_free(&fx, 1);
    return check_summary("test_realtime");
}
