/*
 * Waiting for a process to reach a state, on the loop.
 *
 * The server pushes a process over a websocket subscription when it reaches
 * the state subscribed to (one state a subscription; several subscriptions
 * share one socket), but it reads the state and registers the subscription
 * apart from the close that changes it, so a change in flight as the
 * subscription arrives can be lost (see docs/design.md). So a
 * wait reads the process (to know its colony and executor type, and in case
 * it is already there), subscribes, and reads it again shortly after and
 * then now and again: a lost event is then seen within moments, and a wait
 * never hangs on one. When the time is up it reads the process a last time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "client_internal.h"
#include "colonies/enums.h"
#include "colonies/json.h"

/* When to read the process again after subscribing, in ms; then every last one. */
static const long RECHECKS_MS[] = {50, 250, 1000, 2000};
#define N_RECHECKS (sizeof RECHECKS_MS / sizeof RECHECKS_MS[0])

enum { PHASE_FIRST_READ, PHASE_SUBSCRIBED, PHASE_CONFIRM, PHASE_LAST_READ, PHASE_DONE };

typedef struct {
    colonies_call *call;
    cl_http get;
    cl_http confirm;       /* the read after an event, for the whole process */
    char *event;           /* the process the event brought, kept until then */
    cl_ws ws;
    int ws_open;
    char *get_body;        /* the signed get_process request, reused */
    char *prvkey;          /* a copy, wiped when freed */
    char *processid;
    int state;             /* the state waited for, or COLONIES_WAIT_FINISHED */
    long long deadline_ms;
    int phase;
    char colonyname[256];
    char executortype[256];
    cl_timer recheck, deadline;
    size_t rechecks;
} wait_job;

static int state_matches(const wait_job *w, int state)
{
    if (w->state == COLONIES_WAIT_FINISHED)
        return state == COLONIES_PROCESS_SUCCESSFUL || state == COLONIES_PROCESS_FAILED ||
               state == COLONIES_PROCESS_CANCELLED;
    return state == w->state;
}

static void finish(wait_job *w, int status, const char *detail, char *process)
{
    if (w->phase == PHASE_DONE) {
        free(process);
        return;
    }
    w->phase = PHASE_DONE;
    cl_loop *loop = w->call ? ((cl_job *)w->call)->loop : NULL;
    cl_timer_stop(loop, &w->recheck);
    cl_timer_stop(loop, &w->deadline);
    /* Reads in flight no longer matter; they end through their done callbacks, which see the phase. */
    if (w->get.running) cl_http_abort(&w->get);
    if (w->confirm.running) cl_http_abort(&w->confirm);
    if (w->ws_open) {
        w->ws_open = 0;
        cl_ws_close(loop, &w->ws);
    }
    cl_call_finish(w->call, status, detail, 0, process, process ? strlen(process) : 0);
}

static void send_get(wait_job *w)
{
    if (w->get.running || w->phase == PHASE_DONE) return;
    w->get.body = w->get_body;
    w->get.body_len = strlen(w->get_body);
    cl_http_start(((cl_job *)w->call)->loop, &w->get);
}

/* Reads a string at a path of nested objects, or "". */
static const char *string_at(const cJSON *obj, const char *a, const char *b, const char *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, a);
    if (b) v = cJSON_GetObjectItemCaseSensitive(v, b);
    if (c) v = cJSON_GetObjectItemCaseSensitive(v, c);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void subscribe(wait_job *w);

/* A process as read or pushed: the end of the wait when it is in the state. */
static void saw_process(wait_job *w, char *json, int from_event)
{
    cJSON *p = cl_json_read(json);
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(p, "state");
    if (!cJSON_IsNumber(state)) {
        cJSON_Delete(p);
        free(json);
        finish(w, COLONIES_EREPLY, "wait: the server's process has no state", NULL);
        return;
    }
    if (state_matches(w, state->valueint)) {
        cJSON_Delete(p);
        if (from_event && w->phase == PHASE_SUBSCRIBED) {
            /* The server pushes the process as it held it in memory, before the output and
             * times it has just stored: read it once more, for the whole of it. */
            w->phase = PHASE_CONFIRM;
            w->event = json;
            cl_timer_stop(((cl_job *)w->call)->loop, &w->recheck);
            w->confirm.body = w->get_body;
            w->confirm.body_len = strlen(w->get_body);
            cl_http_start(((cl_job *)w->call)->loop, &w->confirm);
            return;
        }
        finish(w, COLONIES_OK, "", json);
        return;
    }
    if (w->phase == PHASE_FIRST_READ) {
        snprintf(w->colonyname, sizeof w->colonyname, "%s", string_at(p, "spec", "conditions", "colonyname"));
        snprintf(w->executortype, sizeof w->executortype, "%s", string_at(p, "spec", "conditions", "executortype"));
        w->phase = PHASE_SUBSCRIBED;
        subscribe(w);
    } else if (w->phase == PHASE_LAST_READ) {
        char detail[256];
        if (w->state == COLONIES_WAIT_FINISHED)
            snprintf(detail, sizeof detail, "wait: process %.64s did not finish in its time (it is in state %d)",
                     w->processid, state->valueint);
        else
            snprintf(detail, sizeof detail, "wait: process %.64s did not reach state %d in its time (it is in state %d)",
                     w->processid, w->state, state->valueint);
        finish(w, COLONIES_EEXPIRED, detail, NULL);
    }
    cJSON_Delete(p);
    free(json);
}

static void get_done(cl_http *h)
{
    wait_job *w = cl_call_wait_state((colonies_call *)h->job);
    if (w->phase == PHASE_DONE) return;
    if (h->status != COLONIES_OK && w->phase == PHASE_CONFIRM) return; /* the event stands */
    if (h->status != COLONIES_OK) {
        finish(w, h->status, h->detail, NULL);
        return;
    }
    char *json = NULL;
    int rc = cl_decode_reply(&json, "getprocessmsg", cl_op_find("get_process"), 1, h->http_status, h->reply.data,
                             h->reply.len);
    if (rc) {
        finish(w, rc, colonies_last_error(), NULL);
        return;
    }
    saw_process(w, json, 0);
}

/* The read after an event: the process as stored, else the event's own. */
static void confirm_done(cl_http *h)
{
    wait_job *w = cl_call_wait_state((colonies_call *)h->job);
    if (w->phase != PHASE_CONFIRM) return;
    char *json = NULL, *event = w->event;
    w->event = NULL;
    if (h->status == COLONIES_OK &&
        cl_decode_reply(&json, "getprocessmsg", cl_op_find("get_process"), 1, h->http_status, h->reply.data,
                        h->reply.len) == COLONIES_OK) {
        cJSON *p = cl_json_read(json);
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(p, "state");
        int matches = cJSON_IsNumber(state) && state_matches(w, state->valueint);
        cJSON_Delete(p);
        if (matches) {
            free(event);
            finish(w, COLONIES_OK, "", json);
            return;
        }
        free(json);
    }
    finish(w, COLONIES_OK, "", event);
}

static void on_recheck(cl_timer *t)
{
    wait_job *w = t->arg;
    cl_job *job = (cl_job *)w->call;
    if (w->phase != PHASE_SUBSCRIBED) return;
    cl_job_ref(job); /* a read that fails at once may end the wait */
    long next = RECHECKS_MS[w->rechecks < N_RECHECKS - 1 ? w->rechecks + 1 : N_RECHECKS - 1];
    if (w->rechecks < N_RECHECKS - 1) w->rechecks++;
    cl_timer_set(job->loop, &w->recheck, next);
    send_get(w);
    cl_job_unref(job);
}

static void on_deadline(cl_timer *t)
{
    wait_job *w = t->arg;
    /* A read after an event ends the wait either way. */
    if (w->phase == PHASE_DONE || w->phase == PHASE_CONFIRM) return;
    cl_job *job = (cl_job *)w->call;
    cl_loop *loop = job->loop;
    cl_job_ref(job);
    cl_timer_stop(loop, &w->recheck);
    if (w->ws_open) {
        w->ws_open = 0;
        cl_ws_close(loop, &w->ws);
    }
    w->phase = PHASE_LAST_READ;
    /* A read in flight gives the last answer; else one more read. */
    if (!w->get.running) send_get(w);
    cl_job_unref(job);
}

/* The websocket. */

static void ws_open(cl_ws *ws)
{
    wait_job *w = cl_call_wait_state((colonies_call *)ws->job);
    long long left_ms = w->deadline_ms - cl_now_ms();
    /* A second past the wait's own end, within what the server takes (a day). */
    long long timeout_s = (left_ms + 999) / 1000 + 1;
    if (timeout_s > 86400) timeout_s = 86400;
    int states[3] = {w->state, -1, -1};
    if (w->state == COLONIES_WAIT_FINISHED) {
        states[0] = COLONIES_PROCESS_SUCCESSFUL;
        states[1] = COLONIES_PROCESS_FAILED;
        states[2] = COLONIES_PROCESS_CANCELLED;
    }
    for (int i = 0; i < 3 && states[i] >= 0; i++) {
        char *params = NULL, *msg = NULL, *frame = NULL;
        long hold = 0;
        const cl_op *op = cl_op_find("subscribe_process");
        int rc = colonies_json_format(&params, "{\"colonyname\":%s,\"processid\":%s,\"executortype\":%s,"
                                               "\"state\":%d,\"timeout\":%lld}",
                                      w->colonyname, w->processid, w->executortype, states[i], timeout_s);
        if (rc == 0) rc = cl_build_message(&msg, &hold, op, params);
        if (rc == 0) rc = cl_envelope(&frame, op->msgtype, msg, w->prvkey);
        if (rc == 0) rc = cl_ws_send_text(ws, frame);
        colonies_free(params);
        free(msg);
        free(frame);
        if (rc) {
            finish(w, rc, colonies_last_error(), NULL);
            return;
        }
    }
    /* Read it again soon: a change in flight as the subscriptions arrived is seen then. */
    w->rechecks = 0;
    cl_timer_set(((cl_job *)w->call)->loop, &w->recheck, RECHECKS_MS[0]);
}

static void ws_message(cl_ws *ws, const char *text, size_t len)
{
    wait_job *w = cl_call_wait_state((colonies_call *)ws->job);
    if (w->phase != PHASE_SUBSCRIBED) return;
    char *json = NULL;
    /* An error frame says so in the envelope, with the server's status in its payload. */
    int rc = cl_decode_reply(&json, "subscribeprocessmsg", NULL, 1, 200, text, len);
    if (rc) {
        finish(w, rc, colonies_last_error(), NULL);
        return;
    }
    saw_process(w, json, 1);
}

static void ws_closed(cl_ws *ws, int status, const char *detail)
{
    (void)status;
    (void)detail;
    wait_job *w = cl_call_wait_state((colonies_call *)ws->job);
    w->ws_open = 0;
    /* No news is not an end: the reads go on until the time is up. */
}

static void subscribe(wait_job *w)
{
    cl_loop *loop = ((cl_job *)w->call)->loop;
    w->ws.job = (cl_job *)w->call;
    w->ws.on_open = ws_open;
    w->ws.on_message = ws_message;
    w->ws.on_close = ws_closed;
    w->ws_open = 1;
    cl_ws_open(loop, &w->ws);
}

/* The job. */

static void wait_start(cl_job *job)
{
    wait_job *w = cl_call_wait_state((colonies_call *)job);
    w->deadline.fire = on_deadline;
    w->deadline.arg = w;
    w->recheck.fire = on_recheck;
    w->recheck.arg = w;
    cl_timer_set(job->loop, &w->deadline, w->deadline_ms - cl_now_ms());
    send_get(w);
}

static void wait_cancel(cl_job *job)
{
    wait_job *w = cl_call_wait_state((colonies_call *)job);
    char detail[128];
    snprintf(detail, sizeof detail, "wait: cancelled");
    finish(w, COLONIES_ECANCELLED, detail, NULL);
}

static void wait_free(void *arg)
{
    wait_job *w = arg;
    if (w == NULL) return;
    cl_http_release(&w->get);
    cl_http_release(&w->confirm);
    free(w->event);
    free(w->get_body);
    colonies_free(w->prvkey); /* wipes it */
    free(w->processid);
    free(w);
}

colonies_status colonies_client_wait_process_start(colonies_client *client, colonies_call **out,
                                                   const char *processid, int state, int64_t timeout_ms,
                                                   const char *prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    if (processid == NULL || processid[0] == '\0') return cl_fail(COLONIES_EINVAL, "processid is empty");
    char idbuf[256];
    if (processid[0] == '{') {
        /* The process itself, as JSON: its id. */
        cJSON *p = cl_json_read(processid);
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "processid"));
        int ok = id != NULL && id[0] != '\0' && strlen(id) < sizeof idbuf;
        if (ok) snprintf(idbuf, sizeof idbuf, "%s", id);
        cJSON_Delete(p);
        if (!ok) return cl_fail(COLONIES_EINVAL, "wait: the process given has no processid");
        processid = idbuf;
    }
    if (prvkey == NULL) return cl_fail(COLONIES_EINVAL, "prvkey is NULL");
    if (state != COLONIES_WAIT_FINISHED && (state < COLONIES_PROCESS_WAITING || state > COLONIES_PROCESS_CANCELLED))
        return cl_fail(COLONIES_EINVAL, "state %d is not a process state (0..4) or COLONIES_WAIT_FINISHED", state);
    if (timeout_ms < 1 || timeout_ms > 86400000LL)
        return cl_fail(COLONIES_EINVAL, "timeout %lld ms is not in 1..86400000 (a day)", (long long)timeout_ms);
    wait_job *w = calloc(1, sizeof *w);
    colonies_call *c = NULL;
    char *params = NULL, *msg = NULL;
    const char *key = NULL;
    const cl_op *op = NULL;
    long hold = 0;
    int rc = w ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0) rc = colonies_json_format(&params, "{\"processid\":%s}", processid);
    if (rc == 0) rc = cl_prepare(&op, &key, &msg, &hold, "get_process", params, prvkey, 0);
    if (rc == 0) rc = cl_envelope(&w->get_body, op->msgtype, msg, key);
    colonies_free(params);
    free(msg);
    if (rc == 0) {
        w->prvkey = cl_strdup(prvkey);
        w->processid = cl_strdup(processid);
        if (w->prvkey == NULL || w->processid == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    if (rc == 0) rc = cl_call_new(&c, client, "wait");
    if (rc) {
        wait_free(w);
        return rc;
    }
    w->call = c;
    w->state = state;
    w->deadline_ms = cl_now_ms() + (long long)timeout_ms;
    w->get.job = (cl_job *)c;
    w->get.done = get_done;
    w->get.path = "/api";
    w->get.timeout_ms = client->request_timeout_ms;
    w->get.idempotent = 1;
    w->get.what = "getprocessmsg";
    w->confirm = w->get;
    w->confirm.done = confirm_done;
    cl_call_set_wait(c, w, wait_start, wait_cancel, wait_free);
    rc = cl_call_submit(c);
    if (rc) return rc;
    *out = c;
    return COLONIES_OK;
}

colonies_status colonies_client_wait_process(colonies_client *client, char **out_json, const char *processid,
                                             int state, int64_t timeout_ms, const char *prvkey, colonies_cancel *cancel)
{
    if (out_json) *out_json = NULL;
    colonies_call *call = NULL;
    int rc = colonies_client_wait_process_start(client, &call, processid, state, timeout_ms, prvkey);
    return rc ? rc : cl_call_complete(call, out_json, cancel);
}
