/*
 * Subscriptions: the registry's websocket operations on the loop. The first
 * frame is the signed request; each frame the server pushes is an event
 * queued for the caller. The server closes the connection at the
 * subscription's timeout (without a close frame); an error frame ends it
 * too (the server would leave the socket open).
 *
 * A connection lost before the timeout (the server restarted, a proxy
 * dropped it) is made again with the client's resubscribe option: after a
 * wait that grows as retries' do, up to the timeout, the request goes again,
 * signed anew with the time left and, for an operation that resumes (the
 * registry's "resume"), after the last event received. The caller's next
 * colonies_subscription_next then gives ERESUBSCRIBED once, in the order of
 * the events, since events in between may be lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

typedef struct event {
    char *json; /* NULL: a notice, status and detail */
    int status;
    char *detail;
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
    char *params;          /* as given, to subscribe again */
    char *prvkey;          /* a copy, wiped when freed, to subscribe again */
    char *frame;           /* the signed request the connection carries */
    cl_ws ws;
    int ws_open;
    long long deadline_ms; /* the end its timeout sets, or 0 */
    int subscribed;        /* a connection has carried the request */
    int tries;             /* connections tried since the last one was lost */
    long long lost_ms;     /* when it was lost */
    char lost_detail[512]; /* why */
    cl_timer again;
    int resumable;         /* resume_value holds the last resume_field seen */
    double resume_value;
};

/* Queues an event (json) or a notice (json NULL, status, detail) for the caller. */
static void push(colonies_subscription *s, char *json, int status, const char *detail)
{
    event *e = calloc(1, sizeof *e);
    if (e && json == NULL && (e->detail = cl_strdup(detail)) == NULL) {
        free(e);
        e = NULL;
    }
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
        e->status = status;
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
    cl_timer_stop(s->job.loop, &s->again);
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

/*
 * The signed request of operation for the next connection, in s->frame, and
 * s->op; *hold is what the server holds it for. The first is the parameters
 * as given; a later one has the time left of its timeout (the seconds the
 * server holds it) and, for an operation that resumes, the last event's
 * resume_field as resume_param.
 */
static int make_frame(colonies_subscription *s, const char *operation, long *hold)
{
    char *adjusted = NULL;
    int rc = COLONIES_OK;
    if (s->subscribed) {
        cJSON *p = NULL;
        rc = cl_json_parse(&p, s->params, cJSON_Object, "params_json");
        if (rc == 0 && s->deadline_ms && s->op->holds) {
            long long left_s = (s->deadline_ms - cl_now_ms() + 999) / 1000;
            cJSON_DeleteItemFromObjectCaseSensitive(p, s->op->holds);
            if (!cJSON_AddNumberToObject(p, s->op->holds, (double)(left_s > 1 ? left_s : 1))) rc = COLONIES_ENOMEM;
        }
        if (rc == 0 && s->resumable && s->op->resume_param) {
            cJSON_DeleteItemFromObjectCaseSensitive(p, s->op->resume_param);
            if (!cJSON_AddNumberToObject(p, s->op->resume_param, s->resume_value)) rc = COLONIES_ENOMEM;
        }
        adjusted = rc ? NULL : cJSON_PrintUnformatted(p);
        cJSON_Delete(p);
        if (rc == 0 && adjusted == NULL) rc = COLONIES_ENOMEM;
        if (rc == COLONIES_ENOMEM) cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    const cl_op *op = NULL;
    const char *key = NULL;
    char *msg = NULL, *frame = NULL;
    if (rc == 0) rc = cl_prepare(&op, &key, &msg, hold, operation, adjusted ? adjusted : s->params, s->prvkey, 1);
    if (rc == 0) rc = cl_envelope(&frame, op->msgtype, msg, key);
    free(adjusted);
    free(msg);
    if (rc == 0) {
        s->op = op;
        free(s->frame);
        s->frame = frame;
    }
    return rc;
}

static void ws_open(cl_ws *ws)
{
    colonies_subscription *s = (colonies_subscription *)ws->job;
    if (cl_ws_send_text(ws, s->frame)) {
        end(s, COLONIES_ENOMEM, colonies_last_error());
        return;
    }
    if (s->subscribed) {
        char detail[1024];
        snprintf(detail, sizeof detail,
                 "%s: the connection was lost (%s) and the subscription was made again after %d tr%s in %lld ms; "
                 "events in that time may have been missed",
                 s->op->msgtype, s->lost_detail, s->tries, s->tries == 1 ? "y" : "ies", cl_now_ms() - s->lost_ms);
        push(s, NULL, COLONIES_ERESUBSCRIBED, detail);
    }
    s->subscribed = 1;
    s->tries = 0;
}

/* The largest resume_field among the events of a reply (an event or a list of them). */
static void note_resume(colonies_subscription *s, const char *json)
{
    cJSON *v = cl_json_read(json);
    const cJSON *item = cJSON_IsArray(v) ? v->child : v;
    for (; item; item = cJSON_IsArray(v) ? item->next : NULL) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(item, s->op->resume_field);
        if (cJSON_IsNumber(f) && (!s->resumable || f->valuedouble > s->resume_value)) {
            s->resume_value = f->valuedouble;
            s->resumable = 1;
        }
    }
    cJSON_Delete(v);
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
    if (s->op->resume_field) note_resume(s, json);
    push(s, json, COLONIES_OK, NULL);
}

static void connect_again(cl_timer *t);

static void ws_closed(cl_ws *ws, int status, const char *detail)
{
    colonies_subscription *s = (colonies_subscription *)ws->job;
    s->ws_open = 0;
    long long now = cl_now_ms();
    /* The server closes the connection at the subscription's timeout; before
     * it (a second's slack for the clocks), a close is a loss. */
    int at_end = s->deadline_ms == 0 || now >= s->deadline_ms - 1000;
    int lost = !(status == COLONIES_OK && at_end);
    int again = lost && s->subscribed && cl_loop_opts(s->job.loop)->resubscribe && !atomic_load(&s->job.cancelled);
    char text[1100];
    if (!lost) {
        snprintf(text, sizeof text, "%s: the subscription ended (%s)", s->op->msgtype, detail);
        end(s, COLONIES_EDONE, text);
        return;
    }
    if (!again) {
        if (s->tries > 0)
            snprintf(text, sizeof text, "%s: the connection was lost (%s); %d tries to subscribe again failed, the last: %s",
                     s->op->msgtype, s->lost_detail, s->tries, detail);
        else if (s->subscribed)
            snprintf(text, sizeof text, "%s: the connection was lost before the subscription's timeout (%s)",
                     s->op->msgtype, detail);
        else
            snprintf(text, sizeof text, "%s", detail);
        end(s, status == COLONIES_OK ? COLONIES_ETRANSPORT : status, text);
        return;
    }
    if (s->tries == 0) {
        s->lost_ms = now;
        snprintf(s->lost_detail, sizeof s->lost_detail, "%s", detail);
    }
    const cl_loop_options *o = cl_loop_opts(s->job.loop);
    long delay = cl_backoff_ms(o->retry_backoff_ms, o->retry_backoff_max_ms, s->tries);
    if (s->deadline_ms && now + delay >= s->deadline_ms) {
        snprintf(text, sizeof text,
                 "%s: the connection was lost (%s) and could not be made again before the subscription's timeout "
                 "(%d tr%s, the last: %s)",
                 s->op->msgtype, s->lost_detail, s->tries, s->tries == 1 ? "y" : "ies", detail);
        end(s, status == COLONIES_OK ? COLONIES_ETRANSPORT : status, text);
        return;
    }
    s->again.fire = connect_again;
    s->again.arg = s;
    cl_timer_set(s->job.loop, &s->again, delay);
}

static void open_ws(colonies_subscription *s)
{
    s->ws.job = &s->job;
    s->ws.on_open = ws_open;
    s->ws.on_message = ws_message;
    s->ws.on_close = ws_closed;
    s->ws_open = 1;
    cl_ws_open(s->job.loop, &s->ws);
}

static void connect_again(cl_timer *t)
{
    colonies_subscription *s = t->arg;
    if (s->ended) return;
    cl_job_ref(&s->job);
    s->tries++;
    long hold = 0;
    int rc = make_frame(s, s->op->name, &hold);
    if (rc)
        end(s, rc, colonies_last_error());
    else
        open_ws(s);
    cl_job_unref(&s->job);
}

static void sub_start(cl_job *job) { open_ws((colonies_subscription *)job); }

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
        free(e->detail);
        free(e);
    }
    free(s->frame);
    free(s->params);
    colonies_free(s->prvkey); /* wipes it */
    cl_mutex_retire(&s->mu); /* the caller's next() held it last, on another thread */
    cl_signal_destroy(&s->ready);
    free(s);
}

colonies_status colonies_client_subscribe(colonies_client *client, colonies_subscription **out,
                                          const char *operation, const char *params_json, const char *prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    long hold = 0;
    cl_loop *loop = NULL;
    int rc = cl_client_loop(client, &loop);
    colonies_subscription *s = rc ? NULL : calloc(1, sizeof *s);
    if (rc == 0 && s == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0) {
        s->params = cl_strdup(params_json ? params_json : "{}");
        s->prvkey = prvkey ? cl_strdup(prvkey) : NULL;
        if (s->params == NULL || (prvkey && s->prvkey == NULL)) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    if (rc == 0) rc = make_frame(s, operation, &hold);
    if (rc == 0 && cl_signal_init(&s->ready)) rc = COLONIES_ENOMEM;
    if (rc) {
        if (s) {
            free(s->frame);
            free(s->params);
            colonies_free(s->prvkey);
        }
        free(s);
        return rc;
    }
    pthread_mutex_init(&s->mu, NULL);
    cl_job_init(&s->job, loop);
    s->job.start = sub_start;
    s->job.cancel = sub_cancel;
    s->job.destroy = sub_destroy;
    s->deadline_ms = hold > 0 ? cl_now_ms() + hold * 1000LL : 0;
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
        if (e->json)
            *out_json = e->json;
        else
            rc = cl_fail(e->status, "%s", e->detail);
        free(e->detail);
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
