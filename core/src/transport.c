/*
 * HTTP over libcurl. Each request takes a handle from a small pool and puts
 * it back afterwards, so its connection stays open for the next request
 * (keep-alive) while concurrent requests each have a handle of their own.
 *
 * A handle is an easy handle driven by a multi handle of its own (the multi
 * holds the kept-alive connection), so that a blocked request can be woken
 * and abandoned at once when its cancel token fires.
 *
 * Requests are not replay-protected, so a request that is not idempotent
 * must never be sent twice. libcurl resends a request by itself when a
 * reused connection dies before any reply byte arrives; the pre-request
 * callback, which libcurl calls before every attempt, refuses a second
 * attempt of such a request, and the caller learns that the outcome is in
 * doubt (COLONIES_EINDOUBT) rather than getting a silent duplicate.
 *
 * Most such losses are a kept-alive connection that the other end closed
 * while it idled (servers and proxies close idle connections after a
 * while). Before such a request goes out on a reused connection, the same
 * callback checks that the connection has not been closed by the other end;
 * if it has, nothing is sent on it and the request goes out once, on a new
 * connection. What remains in doubt is a close that races the request.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "transport.h"

#define POOL_MAX 16
/* A reply larger than this is refused rather than buffered without bound. */
#define REPLY_MAX ((size_t)256 * 1024 * 1024)

int cl_transport_unguarded;
int cl_transport_skip_liveness;

#define MAX_SOCKETS 8

/* An easy handle, the multi that holds its connection, and the sockets it opened. */
typedef struct {
    CURL *easy;
    CURLM *multi;
    curl_socket_t sockets[MAX_SOCKETS];
    int n_sockets;
} handle;

struct cl_transport {
    char *base_url;
    cl_transport_options opts;
    char *ca_bundle;
    pthread_mutex_t lock;
    handle *idle[POOL_MAX];
    int n_idle;
};

/* Cancel tokens: a flag, and the multi handles of the calls waiting on it. */
typedef struct waiter {
    CURLM *multi;
    struct waiter *next;
} waiter;

struct colonies_cancel {
    atomic_int fired;
    pthread_mutex_t lock;
    waiter *waiting;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static int ensure_curl(void)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return cl_fail(COLONIES_ETRANSPORT, "curl_global_init: %s", curl_easy_strerror(curl_init_rc));
    return COLONIES_OK;
}

colonies_status colonies_cancel_new(colonies_cancel **out)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    int rc = ensure_curl();
    if (rc) return rc;
    colonies_cancel *c = calloc(1, sizeof *c);
    if (c == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    atomic_init(&c->fired, 0);
    *out = c;
    return COLONIES_OK;
}

void colonies_cancel_fire(colonies_cancel *cancel)
{
    if (cancel == NULL) return;
    atomic_store(&cancel->fired, 1);
    pthread_mutex_lock(&cancel->lock);
    for (waiter *w = cancel->waiting; w; w = w->next) curl_multi_wakeup(w->multi);
    pthread_mutex_unlock(&cancel->lock);
}

int colonies_cancel_fired(const colonies_cancel *cancel)
{
    return cancel != NULL && atomic_load(&((colonies_cancel *)cancel)->fired);
}

void colonies_cancel_free(colonies_cancel *cancel)
{
    if (cancel == NULL) return;
    pthread_mutex_destroy(&cancel->lock);
    free(cancel);
}

static void cancel_watch(colonies_cancel *c, waiter *w)
{
    pthread_mutex_lock(&c->lock);
    w->next = c->waiting;
    c->waiting = w;
    pthread_mutex_unlock(&c->lock);
}

static void cancel_unwatch(colonies_cancel *c, waiter *w)
{
    pthread_mutex_lock(&c->lock);
    for (waiter **p = &c->waiting; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    pthread_mutex_unlock(&c->lock);
}

int cl_transport_new(cl_transport **out, const char *host, int port, const cl_transport_options *opts)
{
    *out = NULL;
    int rc = ensure_curl();
    if (rc) return rc;
    cl_transport *t = calloc(1, sizeof *t);
    if (t == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    size_t n = strlen(host) + 32;
    t->base_url = malloc(n);
    /* A literal IPv6 address needs brackets in a URL. */
    int v6 = strchr(host, ':') != NULL;
    if (t->base_url)
        snprintf(t->base_url, n, "%s://%s%s%s:%d", opts->tls ? "https" : "http", v6 ? "[" : "", host,
                 v6 ? "]" : "", port);
    t->opts = *opts;
    t->ca_bundle = opts->ca_bundle ? cl_strdup(opts->ca_bundle) : NULL;
    t->opts.ca_bundle = t->ca_bundle;
    if (t->base_url == NULL || (opts->ca_bundle && t->ca_bundle == NULL) ||
        pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t->ca_bundle);
        free(t->base_url);
        free(t);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    *out = t;
    return COLONIES_OK;
}

static void handle_free(handle *h)
{
    if (h == NULL) return;
    /* The multi first: closing its connections calls back into h. */
    if (h->multi) curl_multi_cleanup(h->multi);
    if (h->easy) curl_easy_cleanup(h->easy);
    free(h);
}

void cl_transport_free(cl_transport *t)
{
    if (t == NULL) return;
    for (int i = 0; i < t->n_idle; i++) handle_free(t->idle[i]);
    pthread_mutex_destroy(&t->lock);
    free(t->ca_bundle);
    free(t->base_url);
    free(t);
}

static int take_handle(cl_transport *t, handle **out)
{
    handle *h = NULL;
    pthread_mutex_lock(&t->lock);
    if (t->n_idle > 0) h = t->idle[--t->n_idle];
    pthread_mutex_unlock(&t->lock);
    if (h) {
        /* Reset options; the multi keeps the open connection. */
        curl_easy_reset(h->easy);
    } else {
        h = calloc(1, sizeof *h);
        if (h) h->easy = curl_easy_init();
        if (h) h->multi = curl_multi_init();
        if (h == NULL || h->easy == NULL || h->multi == NULL) {
            handle_free(h);
            return cl_fail(COLONIES_ENOMEM, "curl handle allocation failed");
        }
    }
    *out = h;
    return COLONIES_OK;
}

static void give_back(cl_transport *t, handle *h)
{
    pthread_mutex_lock(&t->lock);
    if (t->n_idle < POOL_MAX) {
        t->idle[t->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&t->lock);
    handle_free(h);
}

/* The handle's sockets, tracked so that a reused connection can be checked. */
static curl_socket_t on_open_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *address)
{
    (void)purpose;
    handle *h = userdata;
    curl_socket_t fd = socket(address->family, address->socktype, address->protocol);
    if (fd != CURL_SOCKET_BAD && h->n_sockets < MAX_SOCKETS) h->sockets[h->n_sockets++] = fd;
    return fd;
}

static int on_close_socket(void *userdata, curl_socket_t fd)
{
    handle *h = userdata;
    for (int i = 0; i < h->n_sockets; i++)
        if (h->sockets[i] == fd) {
            h->sockets[i] = h->sockets[--h->n_sockets];
            break;
        }
    return close(fd);
}

/* 1 when one of the handle's open sockets was closed by the other end (or holds unasked-for bytes). */
static int peer_closed(const handle *h)
{
    for (int i = 0; i < h->n_sockets; i++) {
        struct pollfd p = {.fd = h->sockets[i], .events = POLLIN};
        if (poll(&p, 1, 0) > 0) return 1;
    }
    return 0;
}

typedef struct {
    cl_buf body;
    int too_large;
} buffer;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buffer *b = userdata;
    size_t n = size * nmemb;
    if (b->body.len + n + 1 > REPLY_MAX) {
        b->too_large = 1;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    return cl_buf_add(&b->body, ptr, n) == COLONIES_OK ? n : 0;
}

/* What the pre-request callback knows of one request. */
typedef struct {
    const handle *h;
    int idempotent;
    int attempts;        /* times libcurl was about to send the request */
    int resend_refused;  /* a second attempt was refused */
    int stale;           /* the reused connection had been closed by the other end: nothing sent */
} attempts;

static int on_prereq(void *userdata, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                     int conn_local_port)
{
    (void)conn_primary_ip;
    (void)conn_local_ip;
    (void)conn_primary_port;
    (void)conn_local_port;
    attempts *a = userdata;
    if (a->idempotent || cl_transport_unguarded) {
        a->attempts++;
        return CURL_PREREQFUNC_OK;
    }
    if (a->attempts++ > 0) {
        a->resend_refused = 1;
        return CURL_PREREQFUNC_ABORT;
    }
    long new_connections = 0;
    curl_easy_getinfo(a->h->easy, CURLINFO_NUM_CONNECTS, &new_connections);
    if (new_connections == 0 && !cl_transport_skip_liveness && peer_closed(a->h)) {
        a->attempts = 0;
        a->stale = 1;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

static int map_curl_error(CURLcode rc, const char *errbuf, const cl_request *req, const buffer *b,
                          const attempts *a, int cancelled)
{
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    /* A request that may have reached the server and is not safe to send twice. */
    int in_doubt = !req->idempotent && a->attempts > 0;
    if (a->resend_refused)
        return cl_fail(COLONIES_EINDOUBT,
                       "%s: the connection died after the request was sent and before a reply came; "
                       "it may or may not have been applied, and was not sent again", req->what);
    if (cancelled)
        return in_doubt ? cl_fail(COLONIES_EINDOUBT,
                                  "%s: cancelled after the request was sent; it may or may not have been applied",
                                  req->what)
                        : cl_fail(COLONIES_ECANCELLED, "%s: cancelled", req->what);
    switch (rc) {
    case CURLE_OUT_OF_MEMORY:
        return cl_fail(COLONIES_ENOMEM, "%s: %s", req->what, detail);
    case CURLE_WRITE_ERROR:
        if (b->too_large) return cl_fail(COLONIES_EREPLY, "%s: reply larger than %zu bytes", req->what, REPLY_MAX);
        return cl_fail(COLONIES_ENOMEM, "%s: out of memory reading the reply", req->what);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        /* Nothing was sent. */
        return cl_fail(COLONIES_ETRANSPORT, "%s: %s", req->what, detail);
    case CURLE_OPERATION_TIMEDOUT:
        if (in_doubt)
            return cl_fail(COLONIES_EINDOUBT,
                           "%s: no reply within %ld ms after the request was sent; it may or may not have been "
                           "applied (%s)", req->what, req->timeout_ms, detail);
        return cl_fail(COLONIES_ETIMEOUT, "%s: no reply within %ld ms (%s)", req->what, req->timeout_ms, detail);
    default:
        if (in_doubt)
            return cl_fail(COLONIES_EINDOUBT,
                           "%s: the request was sent but no complete reply came (%s); it may or may not have "
                           "been applied", req->what, detail);
        return cl_fail(COLONIES_ETRANSPORT, "%s: %s", req->what, detail);
    }
}

/* Runs the transfer on h's multi handle until it ends or cancel fires. */
static CURLcode perform(const handle *h, colonies_cancel *cancel, int *cancelled)
{
    *cancelled = 0;
    if (curl_multi_add_handle(h->multi, h->easy) != CURLM_OK) return CURLE_FAILED_INIT;
    waiter w = {.multi = h->multi};
    if (cancel) cancel_watch(cancel, &w);
    int running = 1;
    CURLMcode mc = CURLM_OK;
    while (mc == CURLM_OK) {
        if (cancel && atomic_load(&cancel->fired)) {
            *cancelled = 1;
            break;
        }
        mc = curl_multi_perform(h->multi, &running);
        if (mc != CURLM_OK || running == 0) break;
        mc = curl_multi_poll(h->multi, NULL, 0, 1000, NULL);
    }
    if (cancel) cancel_unwatch(cancel, &w);
    CURLcode rc = mc == CURLM_OK ? CURLE_OK : CURLE_FAILED_INIT;
    if (*cancelled) rc = CURLE_ABORTED_BY_CALLBACK;
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(h->multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE && m->easy_handle == h->easy && !*cancelled) rc = m->data.result;
    curl_multi_remove_handle(h->multi, h->easy);
    return rc;
}

/* Errors after which an idempotent request may be sent again on a new connection. */
static int retryable(CURLcode rc)
{
    return rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
           rc == CURLE_PARTIAL_FILE;
}

/* How one attempt ended, beyond its status. */
typedef struct {
    CURLcode curl_rc;
    int stale; /* the reused connection was closed by the other end; nothing was sent */
} outcome;

static int attempt(cl_transport *t, cl_response *resp, const cl_request *req, const char *url, int fresh,
                   outcome *how)
{
    handle *h = NULL;
    int status = take_handle(t, &h);
    if (status) return status;

    char errbuf[CURL_ERROR_SIZE] = "";
    buffer b = {0};
    attempts a = {.h = h, .idempotent = req->idempotent};
    struct curl_slist *headers = NULL;
    CURL *e = h->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t->opts.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, t->opts.max_idle_s);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, &a);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, h);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, h);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (t->opts.tls) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, t->opts.verify_tls ? 1L : 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, t->opts.verify_tls ? 2L : 0L);
        if (t->opts.ca_bundle) {
            /* The bundle replaces the system's CAs, not adds to them. */
            curl_easy_setopt(e, CURLOPT_CAINFO, t->opts.ca_bundle);
            curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        }
    }
    if (req->body) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        /* No "Expect: 100-continue" round trip for large bodies. */
        headers = curl_slist_append(headers, "Expect:");
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }

    int cancelled = 0;
    CURLcode rc = perform(h, req->cancel, &cancelled);
    how->curl_rc = rc;
    how->stale = a.stale;
    if (rc != CURLE_OK || cancelled) {
        status = a.stale ? cl_fail(COLONIES_ETRANSPORT, "%s: the kept-alive connection was closed by the other end",
                                   req->what)
                         : map_curl_error(rc, errbuf, req, &b, &a, cancelled);
        free(b.body.data);
        /* A handle whose transfer failed may hold a broken connection: drop it. */
        handle_free(h);
        h = NULL;
    } else {
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->data = b.body.data ? b.body.data : calloc(1, 1);
        resp->len = b.body.len;
        if (resp->data == NULL) status = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    curl_slist_free_all(headers);
    if (h) give_back(t, h);
    return status;
}

int cl_transport_request(cl_transport *t, cl_response *resp, const cl_request *req)
{
    memset(resp, 0, sizeof *resp);
    size_t url_len = strlen(t->base_url) + strlen(req->path) + 1;
    char *url = malloc(url_len);
    if (url == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    snprintf(url, url_len, "%s%s", t->base_url, req->path);
    outcome how = {0};
    int status = attempt(t, resp, req, url, 0, &how);
    /*
     * Once more, on a new connection: an idempotent request whose connection
     * broke, or any request that found its kept-alive connection closed
     * before anything was sent.
     */
    if (status == COLONIES_ETRANSPORT && (how.stale || (req->idempotent && retryable(how.curl_rc))) &&
        !colonies_cancel_fired(req->cancel)) {
        cl_clear_error();
        status = attempt(t, resp, req, url, 1, &how);
    }
    free(url);
    return status;
}
