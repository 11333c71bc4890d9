/*
 * Subscriptions: the registry's websocket operations on the loop. The first
 * frame is the signed request; each frame the server pushes is an event
 * queued for the caller. The server closes the connection at the
 * subscription's timeout (without a close frame); an error frame ends it
 * too (the server would leave the socket open).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

typedef struct event {
    char *json;
    struct event *next;
} event;

struct colonies_subscription {
    cl_job job; /* first */
    cl_signal ready; /* raised while an event or the end waits to be read */
    pthread_mutex_t mu;
    event *head, *tail;
    int ended;
    int end_status;
    char end_detail[1024];
    /* The loop's. */
    const cl_op *op;
    char *frame;
    cl_ws ws;
    int ws_open;
};

static void push(colonies_subscription *s, char *json)
{
    event *e = malloc(sizeof *e);
    pthread_mutex_lock(&s->mu);
    if (e == NULL) {
        free(json);
        if (!s->ended) {
            s->ended = 1;
            s->end_status = COLONIES_ENOMEM;
            snprintf(s->end_detail, sizeof s->end_detail, "out of memory");
        }
    } else {
        e->json = json;
        e->next = NULL;
        if (s->tail)
            s->tail->next = e;
        else
            s->head = e;
        s->tail = e;
    }
    cl_signal_raise(&s->ready);
    pthread_mutex_unlock(&s->mu);
}

/* On the loop thread: the subscription is over. */
static void end(colonies_subscription *s, int status, const char *detail)
{
    if (s->ws_open) {
        s->ws_open = 0;
        cl_ws_close(s->job.loop, &s->ws);
    }
    pthread_mutex_lock(&s->mu);
    if (!s->ended) {
        s->ended = 1;
        s->end_status = status;
        snprintf(s->end_detail, sizeof s->end_detail, "%s", detail);
    }
    cl_signal_raise(&s->ready);
    pthread_mutex_unlock(&s->mu);
    cl_job_end(&s->job);
}

static void ws_open(cl_ws *ws)
{
    colonies_subscription *s = (colonies_subscription *)ws->job;
    if (cl_ws_send_text(ws, s->frame)) end(s, COLONIES_ENOMEM, colonies_last_error());
}

static void ws_message(cl_ws *ws, const char *text, size_t len)
{
    colonies_subscription *s = (colonies_subscription *)ws->job;
    char *json = NULL;
    int rc = cl_decode_reply(&json, s->op->msgtype, s->op, 1, 200, text, len);
    if (rc) {
        end(s, rc, colonies_last_error());
        return;
    }
    /* A channel's subscription ends with an empty batch at its timeout. */
    if (json[0] == '\0' || strcmp(json, "[]") == 0 || strcmp(json, "null") == 0) {
        free(json);
        char detail[128];
        snprintf(detail, sizeof detail, "%s: the subscription ended", s->op->msgtype);
        end(s, COLONIES_EDONE, detail);
        return;
    }
    push(s, json);
}

static void ws_closed(cl_ws *ws, int status, const char *detail)
{
    colonies_subscription *s = (colonies_subscription *)ws->job;
    s->ws_open = 0;
    char text[1100];
    if (status == COLONIES_OK) {
        /* The server closes the connection at the subscription's timeout. */
        snprintf(text, sizeof text, "%s: the subscription ended (%s)", s->op->msgtype, detail);
        end(s, COLONIES_EDONE, text);
    } else {
        end(s, status, detail);
    }
}

static void sub_start(cl_job *job)
{
    colonies_subscription *s = (colonies_subscription *)job;
    s->ws.job = job;
    s->ws.on_open = ws_open;
    s->ws.on_message = ws_message;
    s->ws.on_close = ws_closed;
    s->ws_open = 1;
    cl_ws_open(job->loop, &s->ws);
}

static void sub_cancel(cl_job *job)
{
    colonies_subscription *s = (colonies_subscription *)job;
    char detail[128];
    snprintf(detail, sizeof detail, "%s: cancelled", s->op->msgtype);
    end(s, COLONIES_ECANCELLED, detail);
}

static void sub_destroy(cl_job *job)
{
    colonies_subscription *s = (colonies_subscription *)job;
    for (event *e = s->head, *next; e; e = next) {
        next = e->next;
        free(e->json);
        free(e);
    }
    free(s->frame);
    pthread_mutex_destroy(&s->mu);
    cl_signal_destroy(&s->ready);
    free(s);
}

colonies_status colonies_client_subscribe(colonies_client *client, colonies_subscription **out,
                                          const char *operation, const char *params_json, const char *prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    const cl_op *op = NULL;
    const char *key = NULL;
    char *msg = NULL;
    long hold = 0;
    cl_loop *loop = NULL;
    int rc = cl_client_loop(client, &loop);
    if (rc == 0) rc = cl_prepare(&op, &key, &msg, &hold, operation, params_json, prvkey, 1);
    colonies_subscription *s = rc ? NULL : calloc(1, sizeof *s);
    if (rc == 0 && s == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0) rc = cl_envelope(&s->frame, op->msgtype, msg, key);
    free(msg);
    if (rc == 0 && cl_signal_init(&s->ready)) rc = COLONIES_ENOMEM;
    if (rc) {
        if (s) free(s->frame);
        free(s);
        return rc;
    }
    pthread_mutex_init(&s->mu, NULL);
    cl_job_init(&s->job, loop);
    s->job.start = sub_start;
    s->job.cancel = sub_cancel;
    s->job.destroy = sub_destroy;
    s->op = op;
    rc = cl_loop_submit(loop, &s->job);
    if (rc) {
        cl_job_unref(&s->job);
        return rc;
    }
    *out = s;
    return COLONIES_OK;
}

colonies_status colonies_subscription_next(colonies_subscription *sub, char **out_json, int64_t timeout_ms)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    if (sub == NULL) return cl_fail(COLONIES_EINVAL, "subscription is NULL");
    if (!cl_signal_wait(&sub->ready, timeout_ms))
        return cl_fail(COLONIES_EEXPIRED, "%s: no event within %lld ms", sub->op->msgtype, (long long)timeout_ms);
    pthread_mutex_lock(&sub->mu);
    event *e = sub->head;
    int rc = COLONIES_OK;
    if (e) {
        sub->head = e->next;
        if (sub->head == NULL) sub->tail = NULL;
        *out_json = e->json;
        free(e);
    } else {
        rc = cl_fail(sub->end_status, "%s", sub->end_detail);
    }
    if (sub->head == NULL && !sub->ended) cl_signal_clear(&sub->ready);
    pthread_mutex_unlock(&sub->mu);
    return rc;
}

int colonies_subscription_fd(colonies_subscription *sub) { return sub ? cl_signal_fd(&sub->ready) : -1; }

void colonies_subscription_cancel(colonies_subscription *sub)
{
    if (sub) cl_job_request_cancel(&sub->job);
}

void colonies_subscription_free(colonies_subscription *sub)
{
    if (sub == NULL) return;
    cl_job_request_cancel(&sub->job);
    cl_job_unref(&sub->job);
}
