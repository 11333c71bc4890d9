/*
 * HTTP over libcurl. Each request takes an easy handle from a small pool and
 * puts it back afterwards, so its connection stays open for the next request
 * (keep-alive) while concurrent requests each have a handle of their own.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "internal.h"
#include "transport.h"

#define POOL_MAX 16
/* A reply larger than this is refused rather than buffered without bound. */
#define REPLY_MAX ((size_t)256 * 1024 * 1024)

struct cl_transport {
    char *base_url;
    cl_transport_options opts;
    char *ca_bundle;
    pthread_mutex_t lock;
    CURL *idle[POOL_MAX];
    int n_idle;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

int cl_transport_new(cl_transport **out, const char *host, int port, const cl_transport_options *opts)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return cl_fail(COLONIES_ETRANSPORT, "curl_global_init: %s", curl_easy_strerror(curl_init_rc));
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

void cl_transport_free(cl_transport *t)
{
    if (t == NULL) return;
    for (int i = 0; i < t->n_idle; i++) curl_easy_cleanup(t->idle[i]);
    pthread_mutex_destroy(&t->lock);
    free(t->ca_bundle);
    free(t->base_url);
    free(t);
}

static CURL *take_handle(cl_transport *t)
{
    CURL *h = NULL;
    pthread_mutex_lock(&t->lock);
    if (t->n_idle > 0) h = t->idle[--t->n_idle];
    pthread_mutex_unlock(&t->lock);
    if (h) {
        /* Reset options but keep the handle's open connections. */
        curl_easy_reset(h);
        return h;
    }
    return curl_easy_init();
}

static void give_back(cl_transport *t, CURL *h)
{
    pthread_mutex_lock(&t->lock);
    if (t->n_idle < POOL_MAX) {
        t->idle[t->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&t->lock);
    if (h) curl_easy_cleanup(h);
}

typedef struct {
    char *data;
    size_t len, cap;
    int too_large;
} buffer;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buffer *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n + 1 > REPLY_MAX) {
        b->too_large = 1;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *data = realloc(b->data, cap);
        if (data == NULL) return 0;
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static int map_curl_error(CURLcode rc, const char *errbuf, const char *url, buffer *b)
{
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return cl_fail(COLONIES_ETIMEOUT, "%s: %s", url, detail);
    case CURLE_OUT_OF_MEMORY:
        return cl_fail(COLONIES_ENOMEM, "%s: %s", url, detail);
    case CURLE_WRITE_ERROR:
        if (b->too_large) return cl_fail(COLONIES_EREPLY, "%s: reply larger than %zu bytes", url, REPLY_MAX);
        return cl_fail(COLONIES_ENOMEM, "%s: out of memory reading the reply", url);
    default:
        return cl_fail(COLONIES_ETRANSPORT, "%s: %s", url, detail);
    }
}

int cl_transport_request(cl_transport *t, cl_response *resp, const char *path,
                         const char *body, size_t body_len, long timeout_ms)
{
    memset(resp, 0, sizeof *resp);
    CURL *h = take_handle(t);
    if (h == NULL) return cl_fail(COLONIES_ENOMEM, "curl_easy_init failed");

    size_t url_len = strlen(t->base_url) + strlen(path) + 1;
    char *url = malloc(url_len);
    if (url == NULL) {
        give_back(t, h);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    snprintf(url, url_len, "%s%s", t->base_url, path);

    char errbuf[CURL_ERROR_SIZE] = "";
    buffer b = {0};
    struct curl_slist *headers = NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, t->opts.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (t->opts.tls) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, t->opts.verify_tls ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, t->opts.verify_tls ? 2L : 0L);
        if (t->opts.ca_bundle) curl_easy_setopt(h, CURLOPT_CAINFO, t->opts.ca_bundle);
    }
    if (body) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        /* No "Expect: 100-continue" round trip for large bodies. */
        headers = curl_slist_append(headers, "Expect:");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }

    CURLcode rc = curl_easy_perform(h);
    int status = COLONIES_OK;
    if (rc != CURLE_OK) {
        status = map_curl_error(rc, errbuf, url, &b);
        free(b.data);
        /* A handle whose transfer failed may hold a broken connection: drop it. */
        curl_easy_cleanup(h);
        h = NULL;
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->data = b.data ? b.data : calloc(1, 1);
        resp->len = b.len;
        if (resp->data == NULL) status = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    curl_slist_free_all(headers);
    free(url);
    if (h) give_back(t, h);
    return status;
}
