/*
 * Websocket connections on the loop. Debian's libcurl (7.88) has no
 * websocket support, so curl only connects (CONNECT_ONLY, with the client's
 * TLS settings and timeouts), the opening handshake is written here, and
 * the framing is wslay's: it reads and writes through curl_easy_recv and
 * curl_easy_send, so TLS stays curl's.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <wslay/wslay.h>

#include "loop.h"

enum { WS_CONNECTING, WS_HS_SEND, WS_HS_RECV, WS_OPEN, WS_CLOSED };

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define HANDSHAKE_MAX 16384

/* curl's detail of failure rc: the text it wrote for this connection (which
 * names the cause, e.g. the certificate problem), else the code's own. */
static const char *curl_detail(const cl_ws *w, CURLcode rc)
{
    return w->errbuf[0] ? w->errbuf : curl_easy_strerror(rc);
}

/* wslay's side. */

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int f, void *user)
{
    (void)f;
    cl_ws *w = user;
    /* Bytes that came after the handshake's headers come first. */
    if (w->in.len > 0) {
        size_t n = w->in.len < len ? w->in.len : len;
        memcpy(buf, w->in.data, n);
        memmove(w->in.data, w->in.data + n, w->in.len - n);
        w->in.len -= n;
        return (ssize_t)n;
    }
    size_t n = 0;
    CURLcode rc = curl_easy_recv(w->easy, buf, len, &n);
    if (rc == CURLE_AGAIN) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (rc != CURLE_OK || n == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)n;
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int f, void *user)
{
    (void)f;
    cl_ws *w = user;
    size_t n = 0;
    CURLcode rc = curl_easy_send(w->easy, data, len, &n);
    if (rc == CURLE_AGAIN) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (rc != CURLE_OK) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)n;
}

static int on_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
    (void)ctx;
    (void)user;
    return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    (void)ctx;
    cl_ws *w = user;
    if (w->close_requested) return;
    if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME)
        w->on_message(w, (const char *)arg->msg, arg->msg_length);
}

static const struct wslay_event_callbacks callbacks = {on_recv, on_send, on_genmask, NULL, NULL, NULL, on_msg};

/* The connection. */

static void teardown(cl_loop *loop, cl_ws *w)
{
    if (w->state == WS_CLOSED) return;
    cl_timer_stop(loop, &w->handshake);
    if (w->state != WS_CONNECTING) cl_loop_unwatch_ws(loop, w);
    w->state = WS_CLOSED;
    if (w->ctx) wslay_event_context_free(w->ctx);
    w->ctx = NULL;
    if (w->easy) {
        curl_multi_remove_handle(cl_loop_multi(loop), w->easy);
        curl_easy_cleanup(w->easy);
        w->easy = NULL;
    }
    free(w->out.data);
    free(w->in.data);
    memset(&w->out, 0, sizeof w->out);
    memset(&w->in, 0, sizeof w->in);
}

/* Ends the connection and tells its owner why. */
static void closed(cl_loop *loop, cl_ws *w, int status, const char *detail)
{
    teardown(loop, w);
    w->on_close(w, status, detail);
}

void cl_ws_fail(cl_loop *loop, cl_ws *w, int status, const char *detail)
{
    if (w->state == WS_CLOSED) return;
    cl_job_ref(w->job);
    closed(loop, w, status, detail);
    cl_job_unref(w->job);
}

static void handshake_expired(cl_timer *t)
{
    cl_ws *w = t->arg;
    char detail[160];
    snprintf(detail, sizeof detail, "subscription: no websocket from the server within %ld ms",
             cl_loop_opts(w->job->loop)->request_timeout_ms);
    cl_ws_fail(w->job->loop, w, COLONIES_ETIMEOUT, detail);
}

void cl_ws_open(cl_loop *loop, cl_ws *w)
{
    w->kind = CL_TRANSFER_WS;
    w->state = WS_CONNECTING;
    w->sock = CURL_SOCKET_BAD;
    w->ctx = NULL;
    w->out_sent = 0;
    memset(&w->out, 0, sizeof w->out);
    memset(&w->in, 0, sizeof w->in);
    memset(w->key, 0, sizeof w->key);
    w->errbuf[0] = '\0';
    w->in_service = w->close_requested = 0;
    const cl_loop_options *o = cl_loop_opts(loop);
    w->handshake.fire = handshake_expired;
    w->handshake.arg = w;
    cl_timer_set(loop, &w->handshake, o->request_timeout_ms);
    char url[1024];
    snprintf(url, sizeof url, "%s/pubsub", cl_loop_base_url(loop));
    w->easy = curl_easy_init();
    if (w->easy == NULL) {
        closed(loop, w, COLONIES_ENOMEM, "subscription: curl handle allocation failed");
        return;
    }
    CURL *e = w->easy;
    cl_loop_setup_easy(loop, e, url, w);
    curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, w->errbuf);
    if (curl_multi_add_handle(cl_loop_multi(loop), e) != CURLM_OK)
        closed(loop, w, COLONIES_ENOMEM, "subscription: curl_multi_add_handle failed");
}

void cl_ws_connected(cl_loop *loop, cl_ws *w, CURLcode rc)
{
    if (w->state != WS_CONNECTING) return;
    cl_job_ref(w->job);
    if (rc != CURLE_OK) {
        char detail[512];
        snprintf(detail, sizeof detail, "subscription: %s", curl_detail(w, rc));
        closed(loop, w, rc == CURLE_OPERATION_TIMEDOUT ? COLONIES_ETIMEOUT : COLONIES_ETRANSPORT, detail);
        cl_job_unref(w->job);
        return;
    }
    curl_easy_getinfo(w->easy, CURLINFO_ACTIVESOCKET, &w->sock);
    /* The opening handshake (RFC 6455, 4.1). */
    unsigned char nonce[16];
    RAND_bytes(nonce, sizeof nonce);
    EVP_EncodeBlock((unsigned char *)w->key, nonce, sizeof nonce);
    const char *base = cl_loop_base_url(loop);
    const char *host = strstr(base, "://") + 3;
    char request[1024];
    int n = snprintf(request, sizeof request,
                     "GET /pubsub HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     host, w->key);
    if (cl_buf_add(&w->out, request, (size_t)n) != COLONIES_OK) {
        closed(loop, w, COLONIES_ENOMEM, "out of memory");
    } else {
        w->state = WS_HS_SEND;
        cl_loop_watch_ws(loop, w);
        cl_ws_service(loop, w, POLLOUT);
    }
    cl_job_unref(w->job);
}

short cl_ws_events(const cl_ws *w)
{
    switch (w->state) {
    case WS_HS_SEND: return POLLOUT;
    case WS_HS_RECV: return POLLIN;
    case WS_OPEN:
        return (short)((wslay_event_want_read(w->ctx) ? POLLIN : 0) | (wslay_event_want_write(w->ctx) ? POLLOUT : 0));
    default: return 0;
    }
}

int cl_ws_check_handshake(const char *key, char *head, size_t head_len, char *detail, size_t cap)
{
    head[head_len - 1] = '\0';
    if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
        char *eol = strstr(head, "\r\n");
        if (eol) *eol = '\0';
        snprintf(detail, cap, "subscription: the server refused the websocket: %.200s", head);
        return COLONIES_ESERVER;
    }
    char accept[64] = "";
    for (char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Sec-WebSocket-Accept:", 21) == 0) {
            const char *v = line + 23;
            while (*v == ' ') v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(accept, sizeof accept, "%.*s", (int)(len < 63 ? len : 63), v);
        }
    }
    char keyed[64 + sizeof WS_GUID];
    snprintf(keyed, sizeof keyed, "%s%s", key, WS_GUID);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    char want[64];
    if (EVP_Digest(keyed, strlen(keyed), digest, &digest_len, EVP_sha1(), NULL) != 1) {
        snprintf(detail, cap, "subscription: SHA-1 failed");
        return COLONIES_ECRYPTO;
    }
    EVP_EncodeBlock((unsigned char *)want, digest, (int)digest_len);
    if (strcmp(accept, want) != 0) {
        snprintf(detail, cap, "subscription: the server's websocket handshake does not answer our key");
        return COLONIES_EREPLY;
    }
    return COLONIES_OK;
}

static void service(cl_loop *loop, cl_ws *w, short revents)
{
    char detail[512];
    if (w->state == WS_HS_SEND && (revents & POLLOUT)) {
        while (w->out_sent < w->out.len) {
            size_t n = 0;
            CURLcode rc = curl_easy_send(w->easy, w->out.data + w->out_sent, w->out.len - w->out_sent, &n);
            if (rc == CURLE_AGAIN) return;
            if (rc != CURLE_OK) {
                snprintf(detail, sizeof detail, "subscription: %s", curl_detail(w, rc));
                closed(loop, w, COLONIES_ETRANSPORT, detail);
                return;
            }
            w->out_sent += n;
        }
        w->state = WS_HS_RECV;
        return;
    }
    if (w->state == WS_HS_RECV && (revents & POLLIN)) {
        for (;;) {
            char buf[4096];
            size_t n = 0;
            CURLcode rc = curl_easy_recv(w->easy, buf, sizeof buf, &n);
            if (rc == CURLE_AGAIN) return;
            if (rc != CURLE_OK || n == 0) {
                snprintf(detail, sizeof detail, "subscription: the connection closed during the websocket handshake%s%s",
                         rc ? ": " : "", rc ? curl_detail(w, rc) : "");
                closed(loop, w, COLONIES_ETRANSPORT, detail);
                return;
            }
            if (cl_buf_add(&w->in, buf, n) != COLONIES_OK) {
                closed(loop, w, COLONIES_ENOMEM, "out of memory");
                return;
            }
            char *end = strstr(w->in.data, "\r\n\r\n");
            if (end == NULL) {
                if (w->in.len > HANDSHAKE_MAX) {
                    closed(loop, w, COLONIES_EREPLY, "subscription: the websocket handshake's answer is too long");
                    return;
                }
                continue;
            }
            size_t head = (size_t)(end + 4 - w->in.data);
            int status = cl_ws_check_handshake(w->key, w->in.data, head, detail, sizeof detail);
            if (status) {
                closed(loop, w, status, detail);
                return;
            }
            /* What follows the headers is the first frames' bytes. */
            memmove(w->in.data, w->in.data + head, w->in.len - head);
            w->in.len -= head;
            if (wslay_event_context_client_init((wslay_event_context_ptr *)&w->ctx, &callbacks, w) != 0) {
                closed(loop, w, COLONIES_ENOMEM, "out of memory");
                return;
            }
            w->state = WS_OPEN;
            cl_timer_stop(loop, &w->handshake);
            w->on_open(w);
            if (w->state != WS_OPEN) return;
            revents = POLLIN | POLLOUT;
            break;
        }
    }
    if (w->state == WS_OPEN) {
        if ((revents & POLLOUT) && wslay_event_want_write(w->ctx) && wslay_event_send(w->ctx) != 0) {
            closed(loop, w, COLONIES_ETRANSPORT, "subscription: the connection broke");
            return;
        }
        if ((revents & POLLIN) && wslay_event_recv(w->ctx) != 0) {
            /* Its owner may have closed it on a message: then it has nothing more to hear. */
            if (!w->close_requested) closed(loop, w, COLONIES_OK, "subscription: the server closed the connection");
            return;
        }
        if (!w->close_requested && !wslay_event_want_read(w->ctx) && !wslay_event_want_write(w->ctx))
            closed(loop, w, COLONIES_OK, "subscription: the server closed the websocket");
    }
}

void cl_ws_service(cl_loop *loop, cl_ws *w, short revents)
{
    cl_job *job = w->job;
    cl_job_ref(job);
    w->in_service++;
    service(loop, w, revents);
    w->in_service--;
    if (w->in_service == 0 && w->close_requested) {
        w->close_requested = 0;
        teardown(loop, w);
    }
    cl_job_unref(job);
}

int cl_ws_send_text(cl_ws *w, const char *text)
{
    if (w->state != WS_OPEN) return cl_fail(COLONIES_ETRANSPORT, "subscription: the websocket is not open");
    struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)text, strlen(text)};
    return wslay_event_queue_msg(w->ctx, &m) == 0 ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
}

void cl_ws_close(cl_loop *loop, cl_ws *w)
{
    if (w->in_service) {
        /* Inside its callbacks: closed once they return. */
        w->close_requested = 1;
        return;
    }
    teardown(loop, w);
}
