/* TLS against the real Colonies server, through the TLS terminator that
 * scripts/tls-front starts in front of it (the server itself, v1.9.12, serves
 * plain HTTP only): calls and a subscription over TLS with the test CA as
 * ca_bundle, by address and by name; verification on by default; ca_bundle
 * trusted alone, in place of the system's CAs; a host name the certificate
 * does not hold and a CA that did not sign it refused; verify_tls false
 * accepting both. The terminator's address, CAs and a second address its
 * certificate does not name come from the COLONIES_TLS_* variables
 * `scripts/tls-front env` prints; without COLONIES_TLS_PORT the test is
 * skipped (exit 77). */
#include <unistd.h>

#include "fixture.h"

static int tls_port;
static const char *ca, *other_ca, *unnamed_host;

/* A client for host at the TLS port with options_json, or NULL (a failed check). */
static colonies_client *tls_client(const char *host, const char *options_json)
{
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, host, tls_port, options_json), COLONIES_OK);
    CHECK(c != NULL);
    return c;
}

/* {"tls":true,"ca_bundle":bundle,"request_timeout":30}; the caller frees it. */
static char *with_bundle(const char *bundle)
{
    char *opts = NULL;
    CHECK_RC(colonies_json_format(&opts, "{\"tls\":true,\"ca_bundle\":%s,\"request_timeout\":30}", bundle),
             COLONIES_OK);
    return opts;
}

/* Everything over TLS with the test CA as the bundle, to host (an address or
 * a name the certificate holds): a colony and its executor added, a
 * subscription's event, a submit, an assign, a wait that sees the close, the
 * colony removed. */
static void test_trusted(const char *host)
{
    printf("TLS to %s:%d with ca_bundle %s\n", host, tls_port, ca);
    fixture f;
    fixture_init(&f, "tls");
    colonies_client_free(f.client);
    char *opts = with_bundle(ca);
    f.client = tls_client(host, opts);
    colonies_free(opts);
    if (f.client == NULL) return;
    CHECK_RC(colonies_client_health(f.client, 10000, NULL), COLONIES_OK);
    fixture_add_colony(&f);

    /* A subscription: the websocket at /pubsub, over TLS. */
    colonies_subscription *sub = NULL;
    char params[512];
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\",\"executortype\":\"%s\",\"state\":%d,\"timeout\":10}",
             f.colony, f.exec_type, COLONIES_PROCESS_WAITING);
    CHECK_RC(colonies_client_subscribe(f.client, &sub, "subscribe_processes", params, f.exec_key), COLONIES_OK);
    char *out = NULL;
    /* Nothing yet: the subscription is open and goes on. */
    CHECK_RC(colonies_subscription_next(sub, &out, 300), COLONIES_EEXPIRED);
    char *pid = fixture_submit(&f, "echo", "[\"over tls\"]");
    CHECK(pid != NULL);
    CHECK_RC(colonies_subscription_next(sub, &out, 10000), COLONIES_OK);
    cJSON *p = parse(out);
    CHECK_STR(p ? field(p, "processid") : NULL, pid);
    cJSON_Delete(p);
    colonies_subscription_free(sub);

    /* A wait (a subscription and reads) sees the close made on another connection. */
    char *got = fixture_assign(&f);
    CHECK(pid && got && strcmp(pid, got) == 0);
    free(got);
    colonies_call *wait = NULL;
    CHECK_RC(colonies_client_wait_process_start(f.client, &wait, pid ? pid : "", COLONIES_WAIT_FINISHED, 10000,
                                                f.exec_key),
             COLONIES_OK);
    nanosleep(&(struct timespec){.tv_nsec = 200 * 1000000L}, NULL);
    CHECK_RC(callf(f.client, NULL, "close_successful", f.exec_key, "{\"processid\":\"%s\",\"out\":[\"done\"]}",
                   pid ? pid : ""),
             COLONIES_OK);
    if (wait) {
        CHECK(colonies_call_wait(wait, 15000) == 1);
        out = NULL;
        CHECK_RC(colonies_call_result(wait, &out), COLONIES_OK);
        p = parse(out);
        CHECK(p && int_field(p, "state") == COLONIES_PROCESS_SUCCESSFUL);
        CHECK(p && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(p, "out")));
        cJSON_Delete(p);
        colonies_call_free(wait);
    }
    free(pid);
    fixture_free(&f, 1);
}

/* A client that must be refused at the handshake: health, an operation that
 * is not idempotent (refused before it could act, so COLONIES_ETRANSPORT, not
 * COLONIES_EINDOUBT) and a subscription all fail with COLONIES_ETRANSPORT, and
 * the detail contains want. */
static void check_refused(const char *what, const char *host, const char *options_json, const char *want)
{
    colonies_client *c = tls_client(host, options_json);
    if (c == NULL) return;
    int rc = colonies_client_health(c, 10000, NULL);
    printf("%s: health: %s: %s\n", what, colonies_strerror(rc), colonies_last_error());
    CHECK_RC(rc, COLONIES_ETRANSPORT);
    CHECK(strstr(colonies_last_error(), want) != NULL);
    CHECK(colonies_last_http_status() == 0);

    char *key = NULL, *id = NULL, *params = NULL;
    CHECK_RC(colonies_crypto_prvkey(&key), COLONIES_OK);
    CHECK_RC(colonies_crypto_id(&id, key), COLONIES_OK);
    CHECK_RC(colonies_json_format(&params, "{\"colony\":{\"colonyid\":%s,\"name\":\"tls-refused\"}}", id),
             COLONIES_OK);
    rc = colonies_client_call(c, NULL, "add_colony", params, key, 0, NULL);
    printf("%s: add_colony: %s: %s\n", what, colonies_strerror(rc), colonies_last_error());
    CHECK_RC(rc, COLONIES_ETRANSPORT);
    CHECK(strstr(colonies_last_error(), want) != NULL);

    colonies_subscription *sub = NULL;
    CHECK_RC(colonies_client_subscribe(c, &sub, "subscribe_processes",
                                       "{\"colonyname\":\"dev\",\"executortype\":\"t\",\"state\":0,\"timeout\":5}", key),
             COLONIES_OK);
    char *out = NULL;
    rc = sub ? colonies_subscription_next(sub, &out, 10000) : COLONIES_EINVAL;
    printf("%s: subscription: %s: %s\n", what, colonies_strerror(rc), colonies_last_error());
    CHECK_RC(rc, COLONIES_ETRANSPORT);
    CHECK(strstr(colonies_last_error(), want) != NULL);
    colonies_subscription_free(sub);
    colonies_free(params);
    colonies_free(id);
    colonies_free(key);
    colonies_client_free(c);
}

/* A client that connects: health and get_colonies with the server's key. */
static void check_accepted(const char *what, const char *host, const char *options_json)
{
    colonies_client *c = tls_client(host, options_json);
    if (c == NULL) return;
    CHECK_RC(colonies_client_health(c, 10000, NULL), COLONIES_OK);
    char *out = NULL;
    CHECK_RC(colonies_client_call(c, &out, "get_colonies", "{}", need_env("COLONIES_SERVER_PRVKEY"), 0, NULL),
             COLONIES_OK);
    cJSON *v = parse(out);
    CHECK(cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0);
    cJSON_Delete(v);
    printf("%s: connected\n", what);
    colonies_client_free(c);
}

/* Verification is on by default: the system's CAs do not include the test CA. */
static void test_verified_by_default(void)
{
    check_refused("tls, no ca_bundle", "127.0.0.1", "{\"tls\":true}", "certificate problem");
}

/* A CA that did not sign the server's certificate is refused. */
static void test_unknown_ca(void)
{
    char *opts = with_bundle(other_ca);
    check_refused("ca_bundle of another CA", "127.0.0.1", opts, "certificate problem");
    colonies_free(opts);
}

/* ca_bundle replaces the system's CAs rather than adding to them: with the
 * test CA made the system's store ($SSL_CERT_FILE), a client without the
 * option connects, and one whose bundle holds only the other CA is still
 * refused. */
static void test_bundle_trusted_alone(void)
{
    const char *saved = getenv("SSL_CERT_FILE");
    char *restore = saved ? strdup(saved) : NULL;
    CHECK(setenv("SSL_CERT_FILE", ca, 1) == 0);
    check_accepted("the test CA as $SSL_CERT_FILE, no ca_bundle", "127.0.0.1", "{\"tls\":true}");
    char *opts = with_bundle(other_ca);
    check_refused("the test CA as $SSL_CERT_FILE, ca_bundle of another CA", "127.0.0.1", opts, "certificate problem");
    colonies_free(opts);
    if (restore)
        setenv("SSL_CERT_FILE", restore, 1);
    else
        unsetenv("SSL_CERT_FILE");
    free(restore);
}

/* An address the certificate does not name is refused, though its CA is trusted. */
static void test_wrong_name(void)
{
    char *opts = with_bundle(ca);
    check_refused("an address the certificate does not name", unnamed_host, opts, unnamed_host);
    colonies_free(opts);
}

/* verify_tls false accepts an unknown CA and a name the certificate does not hold. */
static void test_verify_off(void)
{
    check_accepted("verify_tls false, no ca_bundle", "127.0.0.1", "{\"tls\":true,\"verify_tls\":false}");
    check_accepted("verify_tls false, a name the certificate does not hold", unnamed_host,
                   "{\"tls\":true,\"verify_tls\":false}");
}

int main(void)
{
    const char *port = getenv("COLONIES_TLS_PORT");
    if (port == NULL || port[0] == '\0') {
        printf("test_tls: skipped: COLONIES_TLS_PORT is not set (start the TLS front with scripts/tls-front start "
               "and eval \"$(scripts/tls-front env)\")\n");
        return 77;
    }
    tls_port = atoi(port);
    ca = need_env("COLONIES_TLS_CA");
    other_ca = need_env("COLONIES_TLS_OTHER_CA");
    unnamed_host = need_env("COLONIES_TLS_UNNAMED_HOST");
    /* The system's CAs are the distribution's, whatever the environment says. */
    unsetenv("SSL_CERT_FILE");
    test_trusted("127.0.0.1");
    test_trusted("localhost");
    test_verified_by_default();
    test_unknown_ca();
    test_bundle_trusted_alone();
    test_wrong_name();
    test_verify_off();
    return check_summary("test_tls");
}
