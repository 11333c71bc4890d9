/* The client against servers that misbehave, and misuse of the API: every
 * case gives a clear error, never a crash or a hang. No network beyond
 * loopback; the misbehaving server is tests/fault_server.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fault_server.h"

static const char *KEY = "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05";

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One getprocess call against a fault server in the given mode. */
static int call_fault(fault_mode mode, const char *options)
{
    int port = 0;
    fault_server *s = fault_server_start(mode, &port);
    CHECK(s != NULL);
    if (s == NULL) return 0;
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", port, options), COLONIES_OK);
    char *out = (char *)"untouched";
    int rc = colonies_client_call(c, &out, "get_process", "{\"processid\":\"abc\"}", KEY, 0, NULL);
    CHECK(out == NULL);
    CHECK(colonies_last_error()[0] != '\0');
    colonies_client_free(c);
    fault_server_stop(s);
    return rc;
}

static void test_fault_server(void)
{
    CHECK_RC(call_fault(FAULT_GARBAGE, NULL), COLONIES_EREPLY);
    CHECK_RC(call_fault(FAULT_TRUNCATED, NULL), COLONIES_ETRANSPORT);
    CHECK_RC(call_fault(FAULT_RESET, NULL), COLONIES_ETRANSPORT);
    CHECK_RC(call_fault(FAULT_BAD_BASE64, NULL), COLONIES_EREPLY);
    CHECK_RC(call_fault(FAULT_NOT_JSON, NULL), COLONIES_EREPLY);
    CHECK_RC(call_fault(FAULT_EMPTY_200, NULL), COLONIES_EREPLY);
    CHECK_RC(call_fault(FAULT_HTML_404, NULL), COLONIES_ENOTFOUND);
    CHECK(strstr(colonies_last_error(), "no such page") != NULL);
    CHECK_RC(call_fault(FAULT_ERROR_500, NULL), COLONIES_ESERVER);
    CHECK(strstr(colonies_last_error(), "boom") != NULL);
    CHECK(colonies_last_http_status() == 500);
    double t0 = now();
    CHECK_RC(call_fault(FAULT_STALL, "{\"request_timeout\":0.3}"), COLONIES_ETIMEOUT);
    CHECK(now() - t0 < limit_s(5.0));
}

/* A subscription to a fault server in the given mode: how it ends. */
static int subscribe_fault(fault_mode mode, const char *options)
{
    int port = 0;
    fault_server *s = fault_server_start(mode, &port);
    CHECK(s != NULL);
    if (s == NULL) return 0;
    colonies_client *c = NULL;
    colonies_subscription *sub = NULL;
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", port, options), COLONIES_OK);
    CHECK_RC(colonies_client_subscribe(c, &sub, "subscribe_processes",
                                       "{\"colonyname\":\"c\",\"executortype\":\"t\",\"state\":0,\"timeout\":5}", KEY),
             COLONIES_OK);
    char *out = NULL;
    int rc = colonies_subscription_next(sub, &out, 10000);
    CHECK(out == NULL);
    /* Once ended, it stays ended. */
    CHECK_RC(colonies_subscription_next(sub, &out, 0), rc);
    colonies_subscription_free(sub);
    colonies_client_free(c);
    fault_server_stop(s);
    return rc;
}

static void test_websocket_faults(void)
{
    CHECK_RC(subscribe_fault(FAULT_GARBAGE, NULL), COLONIES_ESERVER);
    CHECK(strstr(colonies_last_error(), "refused the websocket: HTTP/1.1 200") != NULL);
    CHECK_RC(subscribe_fault(FAULT_WS_BAD_ACCEPT, NULL), COLONIES_EREPLY);
    CHECK(strstr(colonies_last_error(), "does not answer our key") != NULL);
    CHECK_RC(subscribe_fault(FAULT_WS_GARBAGE, NULL), COLONIES_EREPLY);
    CHECK_RC(subscribe_fault(FAULT_RESET, NULL), COLONIES_ETRANSPORT);
    double t0 = now();
    CHECK_RC(subscribe_fault(FAULT_STALL, "{\"request_timeout\":0.3}"), COLONIES_ETIMEOUT);
    CHECK(strstr(colonies_last_error(), "no websocket from the server within 300 ms") != NULL);
    CHECK(now() - t0 < limit_s(3.0));
    /* A wait on a server that never answers ends with the request timeout, not the wait's. */
    int port = 0;
    fault_server *s = fault_server_start(FAULT_STALL, &port);
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", port, "{\"request_timeout\":0.3}"), COLONIES_OK);
    char *out = NULL;
    t0 = now();
    CHECK_RC(colonies_client_wait_process(c, &out, "abc", COLONIES_WAIT_FINISHED, 60000, KEY, NULL), COLONIES_ETIMEOUT);
    CHECK(now() - t0 < limit_s(3.0));
    /* And on one that replies garbage, with the reply's error. */
    colonies_client_free(c);
    fault_server_stop(s);
    s = fault_server_start(FAULT_GARBAGE, &port);
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", port, NULL), COLONIES_OK);
    CHECK_RC(colonies_client_wait_process(c, &out, "abc", COLONIES_WAIT_FINISHED, 60000, KEY, NULL), COLONIES_EREPLY);
    colonies_client_free(c);
    fault_server_stop(s);
}

/*
 * A server that drops each subscription's connection soon after taking it:
 * the subscription makes itself again, says so each time, and ends at its
 * timeout; with resubscribe false the first loss ends it.
 */
static void test_resubscribe(void)
{
    int port = 0;
    fault_server *s = fault_server_start(FAULT_WS_DROP, &port);
    CHECK(s != NULL);
    if (s == NULL) return;
    colonies_client *c = NULL;
    colonies_subscription *sub = NULL;
    const char *params = "{\"colonyname\":\"c\",\"executortype\":\"t\",\"state\":0,\"timeout\":3}";
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", port, "{\"retry_backoff\":0.05,\"retry_backoff_max\":0.2}"),
             COLONIES_OK);
    CHECK_RC(colonies_client_subscribe(c, &sub, "subscribe_processes", params, KEY), COLONIES_OK);
    char *out = NULL;
    int again = 0, rc;
    double t0 = now();
    while ((rc = colonies_subscription_next(sub, &out, 10000)) == COLONIES_ERESUBSCRIBED) {
        if (again++ == 0) {
            printf("resubscribed: %s\n", colonies_last_error());
            CHECK(strstr(colonies_last_error(), "made again after 1 try") != NULL);
        }
        CHECK(out == NULL);
    }
    double took = now() - t0;
    printf("a server that drops each subscription: %d re-subscriptions over %d connections, then %s after %.1f s "
           "(timeout 3 s): %s\n",
           again, fault_server_connections(s), colonies_strerror((colonies_status)rc), took, colonies_last_error());
    CHECK(again >= 2);
    CHECK(fault_server_connections(s) == again + 1);
    CHECK(rc == COLONIES_EDONE || rc == COLONIES_ETRANSPORT);
    CHECK(took > 1.5 && took < limit_s(6.0));
    colonies_subscription_free(sub);
    colonies_client_free(c);

    /* Without resubscribe, the first loss ends it, as a transport failure. */
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", port, "{\"resubscribe\":false}"), COLONIES_OK);
    CHECK_RC(colonies_client_subscribe(c, &sub, "subscribe_processes", params, KEY), COLONIES_OK);
    CHECK_RC(colonies_subscription_next(sub, &out, 10000), COLONIES_ETRANSPORT);
    CHECK(strstr(colonies_last_error(), "lost before the subscription's timeout") != NULL);
    colonies_subscription_free(sub);
    colonies_client_free(c);
    fault_server_stop(s);
}

/* A port nobody listens on: connection refused, at once. */
static void test_server_down(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    int port = ntohs(a.sin_port);
    close(fd); /* bound then closed: nothing listens there now */
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", port, NULL), COLONIES_OK);
    char *out = NULL;
    CHECK_RC(colonies_client_call(c, &out, "version", NULL, NULL, 0, NULL), COLONIES_ETRANSPORT);
    CHECK(strstr(colonies_last_error(), "versionmsg") != NULL);
    CHECK(strstr(colonies_last_error(), "Couldn't connect") != NULL);
    CHECK_RC(colonies_client_health(c, 0, NULL), COLONIES_ETRANSPORT);
    /* Nothing was sent, so even a request that is not idempotent did not act: not in doubt. */
    CHECK_RC(colonies_client_call(c, &out, "submit_func_spec", "{\"spec\":{}}", KEY, 0, NULL), COLONIES_ETRANSPORT);
    colonies_client_free(c);

    /* A name that cannot resolve (.invalid is reserved for that). */
    CHECK_RC(colonies_client_new(&c, "no-such-host.invalid", 50080, "{\"connect_timeout\":3}"), COLONIES_OK);
    CHECK_RC(colonies_client_call(c, &out, "version", NULL, NULL, 0, NULL), COLONIES_ETRANSPORT);
    CHECK(strstr(colonies_last_error(), "resolve") != NULL);
    colonies_client_free(c);
    /* TLS to a server that speaks plain HTTP fails in the handshake. */
    int port2 = 0;
    fault_server *s = fault_server_start(FAULT_GARBAGE, &port2);
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", port2, "{\"tls\":true}"), COLONIES_OK);
    CHECK_RC(colonies_client_call(c, &out, "version", NULL, NULL, 0, NULL), COLONIES_ETRANSPORT);
    colonies_client_free(c);
    fault_server_stop(s);
}

static void test_misuse(void)
{
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, NULL, 80, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_new(&c, "", 80, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_new(&c, "http://x", 80, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_new(&c, "h", 0, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_new(&c, "h", 70000, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_new(&c, "h", 80, "{bad"), COLONIES_EJSON);
    CHECK_RC(colonies_client_new(&c, "h", 80, "{\"tsl\":true}"), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "tsl") != NULL);
    CHECK_RC(colonies_client_new(&c, "h", 80, "{\"tls\":1}"), COLONIES_EINVAL);
    CHECK_RC(colonies_client_new(&c, "h", 80, "{\"request_timeout\":-5}"), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "option request_timeout must be a number from 0.001 to 86400") != NULL);
    CHECK_RC(colonies_client_new(NULL, "h", 80, NULL), COLONIES_EINVAL);
    colonies_client_free(NULL);

    CHECK_RC(colonies_client_new(&c, "127.0.0.1", 9, "{\"tls\":false,\"connect_timeout\":2}"), COLONIES_OK);
    char *out = NULL;
    /* Argument errors are caught before anything is sent. */
    CHECK_RC(colonies_client_call(c, &out, "get_process", "{\"processid\":\"\"}", KEY, 0, NULL), COLONIES_EINVAL);
    CHECK_STR(colonies_last_error(), "get_process: parameter processid is required");
    CHECK_RC(colonies_client_call(c, &out, "get_process", "{}", KEY, 0, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_call(c, &out, "get_process", NULL, KEY, 0, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_call(c, &out, "get_process", "{\"processid\":\"p\"}", "not a key", 0, NULL),
             COLONIES_ECRYPTO);
    CHECK_RC(colonies_client_call(c, &out, "get_process", "{\"processid\":\"p\"}", NULL, 0, NULL), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "prvkey is NULL") != NULL);
    CHECK_RC(colonies_client_call(NULL, &out, "get_process", "{\"processid\":\"p\"}", KEY, 0, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_call(c, &out, "get_process", "{\"processid\":\"p\"}", KEY, -1, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_call(c, &out, "no_such_operation", "{}", KEY, 0, NULL), COLONIES_EINVAL);
    CHECK_STR(colonies_last_error(), "unknown operation \"no_such_operation\"");
    CHECK_RC(colonies_client_call(c, &out, NULL, "{}", KEY, 0, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_call(c, &out, "subscribe_process", "{}", KEY, 0, NULL), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "colonies_client_subscribe") != NULL);
    CHECK_RC(colonies_client_call(c, &out, "add_colony", "{\"colony\":", KEY, 0, NULL), COLONIES_EJSON);
    CHECK_RC(colonies_client_call(c, &out, "add_colony", "[]", KEY, 0, NULL), COLONIES_EJSON);
    CHECK_RC(colonies_client_call(c, &out, "add_colony", "{\"colony\":[]}", KEY, 0, NULL), COLONIES_EINVAL);
    CHECK_STR(colonies_last_error(), "add_colony: parameter colony must be a Colony object, not a list");
    CHECK_RC(colonies_client_call(c, &out, "close_successful", "{\"processid\":\"p\",\"out\":{\"not\":1}}", KEY, 0,
                                  NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_call(c, &out, "close_failed", "{\"processid\":\"p\",\"errors\":[1]}", KEY, 0, NULL),
             COLONIES_EINVAL);
    CHECK_STR(colonies_last_error(), "close_failed: parameter errors[0] must be a string, not 1");
    CHECK_RC(colonies_client_call(c, &out, "assign_process", "{\"colonyname\":\"dev\",\"timeout\":0}", KEY, 0, NULL),
             COLONIES_EINVAL);
    CHECK_RC(colonies_client_call(c, &out, "get_processes", "{\"colonyname\":\"dev\",\"count\":10,\"state\":9}", KEY,
                                  0, NULL), COLONIES_EINVAL);
    CHECK_STR(colonies_last_error(), "get_processes: parameter state must be a whole number from 0 to 4, not 9");
    CHECK_RC(colonies_client_call(c, &out, "get_processes", "{\"colonyname\":\"dev\",\"count\":1,\"state\":0,"
                                  "\"count\":2}", KEY, 0, NULL), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "given twice") != NULL);
    CHECK_RC(colonies_client_call(c, &out, "remove_all_processes", "{\"colonyname\":\"dev\",\"state\":7}", KEY, 0,
                                  NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_call(c, &out, "get_colony", "{\"colonyname\":\"dev\\u0000junk\"}", KEY, 0, NULL),
             COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "NUL") != NULL);
    CHECK_RC(colonies_client_send(c, &out, "", "{}", KEY, 0, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_send(c, &out, "getprocessmsg", "nope", KEY, 0, NULL), COLONIES_EJSON);
    CHECK(out == NULL);
    colonies_client_free(c);

    CHECK_STR(colonies_strerror(COLONIES_ENOTFOUND), "not found");
    CHECK_STR(colonies_strerror((colonies_status)12345), "unknown status");
    CHECK_STR(colonies_strerror(COLONIES_EINDOUBT), "outcome unknown");
    CHECK_STR(colonies_version(), COLONIES_VERSION_STRING);
}

/* Sequential calls reuse one kept-alive connection. */
static void test_keepalive(void)
{
    int port = 0;
    fault_server *s = fault_server_start(FAULT_KEEPALIVE, &port);
    CHECK(s != NULL);
    if (s == NULL) return;
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, "127.0.0.1", port, NULL), COLONIES_OK);
    for (int i = 0; i < 20; i++) {
        char *out = NULL;
        CHECK_RC(colonies_client_call(c, &out, "get_process", "{\"processid\":\"abc\"}", KEY, 0, NULL), COLONIES_OK);
        CHECK_STR(out, "{}");
        colonies_free(out);
    }
    CHECK(fault_server_connections(s) == 1);
    colonies_client_free(c);
    fault_server_stop(s);
}

int main(void)
{
    test_keepalive();
    test_misuse();
    test_server_down();
    test_websocket_faults();
    test_resubscribe();
    test_fault_server();
    return check_summary("test_faults");
}
