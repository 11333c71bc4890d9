/*
 * HTTP requests, on the loop or on a lane. Connections are kept alive in the
 * loop's (or the lane's) multi handle and reused by the next request.
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
 *
 * Retries (the client's retries, retry_backoff and retry_backoff_max): a
 * request is sent again, after a wait that doubles each time, with jitter,
 * and only within its own deadline, when that is safe: when it never left
 * (no connection could be made, or the connection failed before the
 * pre-request callback ran), whatever the operation; and after any transport
 * failure when the operation is idempotent. A non-idempotent request that
 * may have reached the server is never sent again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "registry.h"

/* A reply larger than this is refused rather than buffered without bound. */
#define REPLY_MAX ((size_t)256 * 1024 * 1024)

int cl_transport_unguarded;
int cl_transport_skip_liveness;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    cl_http *h = userdata;
    size_t n = size * nmemb;
    if (h->reply.len + n + 1 > REPLY_MAX) {
        h->status = COLONIES_EREPLY;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    return cl_buf_add(&h->reply, ptr, n) == COLONIES_OK ? n : 0;
}

static int on_prereq(void *userdata, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                     int conn_local_port)
{
    (void)conn_primary_ip;
    (void)conn_local_ip;
    (void)conn_primary_port;
    cl_http *h = userdata;
    if (h->idempotent || cl_transport_unguarded) {
        h->attempts++;
        return CURL_PREREQFUNC_OK;
    }
    if (h->attempts++ > 0) {
        h->resend_refused = 1;
        return CURL_PREREQFUNC_ABORT;
    }
    long new_connections = 0;
    curl_easy_getinfo(h->easy, CURLINFO_NUM_CONNECTS, &new_connections);
    if (new_connections == 0 && !cl_transport_skip_liveness && cl_conns_peer_closed(h->conns, conn_local_port)) {
        h->attempts = 0;
        h->stale = 1;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

static void setup(cl_http *h, int fresh)
{
    cl_loop *loop = cl_conns_loop(h->conns);
    const cl_loop_options *o = cl_loop_opts(loop);
    char url[1024];
    snprintf(url, sizeof url, "%s%s", cl_loop_base_url(loop), h->path);
    CURL *e = h->easy;
    cl_conns_setup_easy(h->conns, e, url, h);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    long long left = h->deadline_ms - cl_now_ms();
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(left > 1 ? left : 1));
    curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, o->max_idle_s);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, h);
    if (h->body) {
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
        /* curl keeps a copy of its own: no transfer reads the caller's after it. */
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)h->body_len);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, h->body);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
}

/* Ends the request with its outcome set, and tells its owner. */
static void begin(cl_http *h, int fresh);
static void retry_fire(cl_timer *t);

/* Each value of a field the registry marks secret, anywhere in v, replaced. */
static void redact(cJSON *v)
{
    for (cJSON *c = v ? v->child : NULL; c; c = c->next) {
        int secret = 0;
        for (const char *const *n = cl_secret_names; c->string && *n && !secret; n++) secret = strcmp(c->string, *n) == 0;
        cJSON *mask = secret && cJSON_IsString(c) && c->valuestring[0] ? cJSON_CreateString("[redacted]") : NULL;
        if (mask) {
            mask->string = c->string; /* the key moves to the mask */
            c->string = NULL;
            cJSON_ReplaceItemViaPointer(v, c, mask);
            c = mask;
        } else if (secret) {
            cJSON_SetValuestring(c, ""); /* no memory for the mask: a string no longer than the secret */
        } else {
            redact(c);
        }
    }
}

#define TRACE_MAX 4096

/* A request's or reply's envelope: its payload, decoded, as JSON with secrets redacted. Never the raw bytes. */
static void trace_payload(const char *arrow, const char *what, const char *data, size_t len)
{
    cJSON *env = data ? cl_json_read_len(data, len) : NULL, *payload = NULL;
    const char *b64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(env, "payload"));
    char *raw = NULL, *text = NULL;
    size_t raw_len = 0;
    if (b64 && cl_base64_decode(&raw, &raw_len, b64) == COLONIES_OK) payload = cl_json_read_len(raw, raw_len);
    cl_clear_error();
    if (payload) {
        redact(payload);
        text = cJSON_PrintUnformatted(payload);
    }
    if (text) {
        size_t n = strlen(text);
        fprintf(stderr, "colonies: %s %s %.*s%s\n", arrow, what, (int)(n > TRACE_MAX ? TRACE_MAX : n), text,
                n > TRACE_MAX ? " [cut]" : "");
    } else if (len) {
        fprintf(stderr, "colonies: %s %s [%zu bytes, not a Colonies envelope with a JSON payload]\n", arrow, what, len);
    }
    cJSON_free(text);
    cJSON_Delete(payload);
    free(raw);
    cJSON_Delete(env);
}

/* The trace's line for a request that has ended: what it was and how it went,
 * never its raw body (which is signed) nor its reply; with trace_payloads,
 * both decoded and redacted. */
static void trace(const cl_http *h)
{
    long long ms = h->started_ms ? cl_now_ms() - h->started_ms : 0;
    fprintf(stderr, "colonies: %s %s%s%s, HTTP %ld, %lld ms, %d %s, %zu bytes sent, %zu received%s\n", h->what,
            h->status ? colonies_strerror(h->status) : "replied", h->status ? ": " : "", h->status ? h->detail : "",
            h->http_status, ms, h->retries + 1, h->retries ? "tries" : "try", h->body_len, h->reply.len,
            cl_conns_is_lane(h->conns) ? " (on the caller's thread)" : "");
    if (cl_loop_opts(cl_conns_loop(h->conns))->trace_payloads) {
        trace_payload(">", h->what, h->body, h->body_len);
        trace_payload("<", h->what, h->reply.data, h->reply.len);
    }
}

static void end(cl_http *h)
{
    cl_conns *conns = h->conns;
    if (cl_loop_opts(cl_conns_loop(conns))->trace) trace(h);
    if (h->easy) {
        curl_multi_remove_handle(cl_conns_multi(conns), h->easy);
        cl_conns_give_easy(conns, h->easy);
        h->easy = NULL;
    }
    curl_slist_free_all(h->headers);
    h->headers = NULL;
    h->running = 0;
    cl_http *next = NULL;
    cl_loop *loop = cl_conns_loop(conns);
    if (h->admitted) {
        /* The loop's slot; a lane's stays with the lane. */
        h->admitted = 0;
        next = cl_loop_http_done(loop);
    }
    h->done(h);
    if (next) cl_http_admitted(next);
}

void cl_http_admitted(cl_http *h)
{
    h->queued = 0;
    h->admitted = 1;
    begin(h, 0);
}

/* Records a failure of the request as status and detail (on the loop thread's error slot too). */
static void fail(cl_http *h, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(cl_http *h, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->detail, sizeof h->detail, fmt, ap);
    va_end(ap);
    h->status = code;
}

static void begin(cl_http *h, int fresh)
{
    /* The timeout runs from the first send, not from a wait for a connection slot. */
    if (h->deadline_ms == 0) {
        h->started_ms = cl_now_ms();
        h->deadline_ms = h->started_ms + h->timeout_ms;
    }
    h->attempts = 0;
    h->easy = cl_conns_take_easy(h->conns);
    if (h->easy == NULL) {
        fail(h, COLONIES_ENOMEM, "%s: curl handle allocation failed", h->what);
        end(h);
        return;
    }
    setup(h, fresh);
    if (curl_multi_add_handle(cl_conns_multi(h->conns), h->easy) != CURLM_OK) {
        fail(h, COLONIES_ENOMEM, "%s: curl_multi_add_handle failed", h->what);
        end(h);
    }
}

/* The request's state before it is sent; 0 when it could not be prepared (it has ended). */
static int prepare(cl_conns *conns, cl_http *h)
{
    h->conns = conns;
    h->kind = CL_TRANSFER_HTTP;
    h->status = COLONIES_OK;
    h->detail[0] = '\0';
    h->http_status = 0;
    h->reply.len = 0;
    h->reply.failed = 0;
    h->attempts = h->resend_refused = h->stale = h->retried = 0;
    h->retries = 0;
    h->deadline_ms = 0;
    h->started_ms = 0;
    h->retry_at = 0;
    memset(&h->retry_timer, 0, sizeof h->retry_timer);
    h->retry_timer.fire = retry_fire;
    h->retry_timer.arg = h;
    h->queued = h->admitted = 0;
    h->errbuf[0] = '\0';
    h->running = 1;
    if (h->body) {
        h->headers = curl_slist_append(NULL, "Content-Type: application/json");
        /* No "Expect: 100-continue" round trip for large bodies. */
        if (h->headers) h->headers = curl_slist_append(h->headers, "Expect:");
        if (h->headers == NULL) {
            fail(h, COLONIES_ENOMEM, "out of memory");
            end(h);
            return 0;
        }
    }
    return 1;
}

void cl_http_start(cl_loop *loop, cl_http *h)
{
    if (!prepare(cl_loop_conns(loop), h)) return;
    if (!cl_loop_http_admit(loop, h)) {
        h->queued = 1; /* it goes once a request ahead of it ends */
        return;
    }
    h->admitted = 1;
    begin(h, 0);
}

void cl_http_start_on_lane(cl_conns *lane, cl_http *h)
{
    /* No admission: the lane holds a slot. */
    if (prepare(lane, h)) begin(h, 0);
}

int cl_http_run_on_lane(cl_http *h, long long timeout_ms, atomic_int *cancelled)
{
    CURLM *multi = cl_conns_multi(h->conns);
    long long until = timeout_ms < 0 ? -1 : cl_now_ms() + timeout_ms;
    for (;;) {
        if (!h->running) return 1;
        if (atomic_load(cancelled)) {
            cl_http_abort(h);
            return 1;
        }
        if (h->retry_at) {
            /* Waiting to send it again: the poll below wakes for a cancel. */
            long long now = cl_now_ms();
            if (now >= h->retry_at) {
                h->retry_at = 0;
                begin(h, 1);
                continue;
            }
            long long wait = h->retry_at - now;
            if (until >= 0 && until - now < wait) wait = until - now;
            if (wait <= 0) return 0;
            curl_multi_poll(multi, NULL, 0, (int)wait, NULL);
            continue;
        }
        int still = 0;
        curl_multi_perform(multi, &still);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left)) != NULL)
            if (m->msg == CURLMSG_DONE && m->easy_handle == h->easy) cl_http_finished(h, m->data.result);
        if (!h->running) return 1;
        if (h->retry_at) continue; /* it failed and waits to be sent again: above */
        long long wait = 1000;
        if (until >= 0) {
            long long now_left = until - cl_now_ms();
            if (now_left <= 0) return 0;
            if (now_left < wait) wait = now_left;
        }
        curl_multi_poll(multi, NULL, 0, (int)wait, NULL);
    }
}

/* Errors after which an idempotent request may be sent again on a new connection. */
static int retryable(CURLcode rc)
{
    return rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
           rc == CURLE_PARTIAL_FILE;
}

/* Sets the status and detail of a failed transfer. */
static void classify(cl_http *h, CURLcode rc, int cancelled)
{
    const char *detail = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
    /* A request that may have reached the server and is not safe to send twice. */
    int in_doubt = !h->idempotent && h->attempts > 0;
    if (h->resend_refused) {
        fail(h, COLONIES_EINDOUBT,
             "%s: the connection died after the request was sent and before a reply came; it may or may not have "
             "been applied, and was not sent again", h->what);
        return;
    }
    if (cancelled) {
        if (in_doubt)
            fail(h, COLONIES_EINDOUBT, "%s: cancelled after the request was sent; it may or may not have been applied",
                 h->what);
        else
            fail(h, COLONIES_ECANCELLED, "%s: cancelled", h->what);
        return;
    }
    switch (rc) {
    case CURLE_OUT_OF_MEMORY: fail(h, COLONIES_ENOMEM, "%s: %s", h->what, detail); return;
    case CURLE_WRITE_ERROR:
        if (h->status == COLONIES_EREPLY)
            fail(h, COLONIES_EREPLY, "%s: reply larger than %zu bytes", h->what, REPLY_MAX);
        else
            fail(h, COLONIES_ENOMEM, "%s: out of memory reading the reply", h->what);
        return;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        /* Nothing was sent. */
        fail(h, COLONIES_ETRANSPORT, "%s: %s", h->what, detail);
        return;
    case CURLE_OPERATION_TIMEDOUT:
        if (in_doubt)
            fail(h, COLONIES_EINDOUBT,
                 "%s: no reply within %ld ms after the request was sent; it may or may not have been applied (%s)",
                 h->what, h->timeout_ms, detail);
        else
            fail(h, COLONIES_ETIMEOUT, "%s: no reply within %ld ms (%s)", h->what, h->timeout_ms, detail);
        return;
    default:
        if (in_doubt)
            fail(h, COLONIES_EINDOUBT,
                 "%s: the request was sent but no complete reply came (%s); it may or may not have been applied",
                 h->what, detail);
        else
            fail(h, COLONIES_ETRANSPORT, "%s: %s", h->what, detail);
    }
}

/* Ends the request's transfer: its handle, which may hold a broken connection, is not reused. */
static void drop_transfer(cl_http *h)
{
    if (h->easy == NULL) return;
    curl_multi_remove_handle(cl_conns_multi(h->conns), h->easy);
    curl_easy_cleanup(h->easy);
    h->easy = NULL;
    h->reply.len = 0;
    h->errbuf[0] = '\0';
}

/* Failures before the request could have left: nothing was sent. */
static int never_left(const cl_http *h, CURLcode rc)
{
    if (h->attempts > 0) return 0;
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
           rc == CURLE_OPERATION_TIMEDOUT || retryable(rc);
}

/* A small random number, for jitter: no secret, so no need for a strong generator. */
static unsigned jitter_random(void)
{
    static _Thread_local unsigned state;
    if (state == 0) state = (unsigned)cl_now_ms() ^ (unsigned)(uintptr_t)&state;
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

long cl_backoff_ms(long base_ms, long max_ms, int attempt)
{
    long delay = base_ms;
    for (int i = 0; i < attempt && delay < max_ms; i++) delay *= 2;
    if (delay > max_ms) delay = max_ms;
    return delay / 2 + (long)(jitter_random() % (unsigned long)(delay / 2 + 1));
}

/* The wait before sending h again after rc, or -1 when it is not sent again. */
static long retry_delay(cl_http *h, CURLcode rc)
{
    const cl_loop_options *o = cl_loop_opts(cl_conns_loop(h->conns));
    if (atomic_load(&h->job->cancelled) || h->retries >= o->retries || h->resend_refused) return -1;
    int safe = never_left(h, rc) || (h->idempotent && (retryable(rc) || rc == CURLE_OPERATION_TIMEDOUT));
    if (!safe) return -1;
    long delay = cl_backoff_ms(o->retry_backoff_ms, o->retry_backoff_max_ms, h->retries);
    /* Only within the call's own deadline, with time left for the request itself. */
    if (cl_now_ms() + delay + 1 >= h->deadline_ms) return -1;
    return delay;
}

static void retry_fire(cl_timer *t) { begin(t->arg, 1); }

void cl_http_finished(cl_http *h, CURLcode rc)
{
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->http_status);
        if (cl_buf_add(&h->reply, "", 0) != COLONIES_OK) fail(h, COLONIES_ENOMEM, "out of memory");
        end(h);
        return;
    }
    /* Once more, at once, on a new connection: a request that found its
     * kept-alive connection closed before anything was sent. */
    if (h->stale && !h->retried && !atomic_load(&h->job->cancelled)) {
        drop_transfer(h);
        h->retried = 1;
        h->stale = 0;
        begin(h, 1);
        return;
    }
    long delay = retry_delay(h, rc);
    if (delay >= 0) {
        drop_transfer(h);
        h->retries++;
        if (cl_conns_is_lane(h->conns))
            h->retry_at = cl_now_ms() + delay;
        else
            cl_timer_set(cl_conns_loop(h->conns), &h->retry_timer, delay);
        return;
    }
    if (h->stale)
        fail(h, COLONIES_ETRANSPORT, "%s: the kept-alive connection was closed by the other end", h->what);
    else
        classify(h, rc, 0);
    if (h->retries) {
        size_t n = strlen(h->detail);
        snprintf(h->detail + n, sizeof h->detail - n, " (tried %d times)", h->retries + 1);
    }
    /* A handle whose transfer failed may hold a broken connection: not reused. */
    drop_transfer(h);
    end(h);
}

void cl_http_abort(cl_http *h)
{
    if (!h->running) return;
    if (h->retry_timer.armed) cl_timer_stop(cl_conns_loop(h->conns), &h->retry_timer);
    h->retry_at = 0;
    if (h->queued) {
        cl_loop_http_unqueue(cl_conns_loop(h->conns), h);
        h->queued = 0;
    }
    classify(h, CURLE_ABORTED_BY_CALLBACK, 1);
    if (h->easy) {
        curl_multi_remove_handle(cl_conns_multi(h->conns), h->easy);
        curl_easy_cleanup(h->easy);
        h->easy = NULL;
    }
    end(h);
}

void cl_http_release(cl_http *h)
{
    free(h->reply.data);
    h->reply.data = NULL;
    h->reply.len = h->reply.cap = 0;
    curl_slist_free_all(h->headers);
    h->headers = NULL;
}
