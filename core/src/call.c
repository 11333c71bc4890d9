/*
 * Operations by name: the registry's row for an operation checks its
 * parameters, fills its defaults and says how to send it and read its
 * reply. No operation has code of its own here; a new one is a row in
 * core/registry.json.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

static int by_name(const void *key, const void *elem) { return strcmp(key, ((const cl_op *)elem)->name); }

const cl_op *cl_op_find(const char *name)
{
    return bsearch(name, cl_ops, cl_n_ops, sizeof cl_ops[0], by_name);
}

const char *colonies_registry(void) { return cl_registry_json; }

/* 1 when text (of length len) is a plain JSON integer: -?[0-9]+. */
static int plain_integer(const char *text, size_t len)
{
    size_t i = text[0] == '-' ? 1 : 0;
    if (i == len) return 0;
    for (; i < len; i++)
        if (text[i] < '0' || text[i] > '9') return 0;
    return 1;
}

/* A parameter counts as set when it is given, not null and not "". */
static int is_set(const cJSON *v)
{
    return v != NULL && !cJSON_IsNull(v) && !(cJSON_IsString(v) && v->valuestring[0] == '\0');
}

static int check_params(const cl_op *op, const cJSON *params)
{
    char what[96];
    snprintf(what, sizeof what, "%s: parameter", op->name);
    /* Parameters that exclude each other first: that is the caller's first mistake. */
    for (const char *const *x = op->exclusive; x && x[0] && x[1]; x += 2)
        if (is_set(cJSON_GetObjectItemCaseSensitive(params, x[0])) &&
            is_set(cJSON_GetObjectItemCaseSensitive(params, x[1])))
            return cl_fail(COLONIES_EINVAL, "%s: parameters %s and %s may not both be set", op->name, x[0], x[1]);
    int rc = cl_validate_object(params, op->params, op->n_params, CL_UNKNOWN_REFUSE, what);
    if (rc) return rc;
    for (const cJSON *a = params->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                return cl_fail(COLONIES_EINVAL, "%s: parameter %s is given twice", op->name, a->string);
    return COLONIES_OK;
}

/*
 * The message for op from the parameters in params_json: checked against the
 * registry, every parameter present (its default when not given), and each
 * given value copied as the caller wrote it, so no number is rounded through
 * a double. *hold_s is what the server holds the request open for.
 */
int cl_build_message(char **out, long *hold_s, const cl_op *op, const char *params_json)
{
    *out = NULL;
    *hold_s = 0;
    const char *text = params_json ? params_json : "{}";
    cJSON *params = NULL;
    char what[96];
    snprintf(what, sizeof what, "%s: params_json", op->name);
    int rc = cl_json_parse(&params, text, cJSON_Object, what);
    if (rc == 0) rc = check_params(op, params);
    size_t n = (size_t)cJSON_GetArraySize(params);
    cl_span *spans = rc ? NULL : calloc(n ? n : 1, sizeof *spans);
    if (rc == 0 && spans == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0) rc = cl_json_member_spans(text, spans, n);
    cl_buf b = {0};
    cl_buf_str(&b, "{");
    for (size_t i = 0; rc == 0 && i < op->n_params; i++) {
        const cl_field *f = &op->params[i];
        const cJSON *v = NULL;
        size_t at = 0;
        for (v = params->child; v && strcmp(v->string, f->name) != 0; v = v->next) at++;
        cl_buf_json_string(&b, f->name);
        cl_buf_str(&b, ":");
        if (v == NULL || cJSON_IsNull(v)) {
            cl_buf_str(&b, cl_field_default(f));
        } else if ((f->type->kind == CL_K_INT || f->type->kind == CL_K_INT64) &&
                   !plain_integer(spans[at].start, spans[at].len)) {
            /* 5.0 or 5e0: the server's integers take digits only. */
            char digits[32];
            snprintf(digits, sizeof digits, "%.0f", v->valuedouble);
            cl_buf_str(&b, digits);
        } else {
            if (f->type->kind == CL_K_INT || f->type->kind == CL_K_INT64) {
                /* The exact 64-bit bound, which the double in the tree cannot show. */
                errno = 0;
                (void)strtoll(spans[at].start, NULL, 10);
                if (errno == ERANGE)
                    rc = cl_fail(COLONIES_EINVAL, "%s: parameter %s is out of the 64-bit range", op->name, f->name);
            }
            cl_buf_add(&b, spans[at].start, spans[at].len);
        }
        /* A hold below zero asks the server not to wait. */
        if (op->holds && strcmp(op->holds, f->name) == 0 && cJSON_IsNumber(v) && v->valuedouble > 0)
            *hold_s = (long)v->valuedouble;
        cl_buf_str(&b, ",");
    }
    if (op->msgtype) {
        cl_buf_str(&b, "\"msgtype\":");
        cl_buf_json_string(&b, op->msgtype);
    } else if (b.len > 1) {
        b.data[--b.len] = '\0'; /* a local operation's parameters: no message type, no trailing comma */
    }
    if (rc == 0) rc = cl_buf_str(&b, "}");
    free(spans);
    cJSON_Delete(params);
    if (rc) {
        free(b.data);
        return rc;
    }
    *out = b.data;
    return COLONIES_OK;
}

/*
 * Everything before sending: the operation named operation (or an error
 * naming it), the key that signs it (NULL for an unsigned one), and its
 * message from params_json, with the seconds the server holds it open.
 */
int cl_prepare(const cl_op **op, const char **key, char **msg, long *hold_s, const char *operation,
               const char *params_json, const char *prvkey, int websocket /* 1, 0, or -1: either */)
{
    *key = NULL;
    if (operation == NULL || operation[0] == '\0') return cl_fail(COLONIES_EINVAL, "operation is empty");
    *op = cl_op_find(operation);
    if (*op == NULL) return cl_fail(COLONIES_EINVAL, "unknown operation \"%.100s\"", operation);
    if (((*op)->flags & CL_OP_WEBSOCKET) && websocket == 0)
        return cl_fail(COLONIES_EINVAL, "%s is a subscription: use colonies_client_subscribe()", operation);
    if (!((*op)->flags & CL_OP_WEBSOCKET) && websocket == 1)
        return cl_fail(COLONIES_EINVAL, "%s is not a subscription: use colonies_client_call()", operation);
    if ((*op)->flags & CL_OP_SIGNED) {
        if (prvkey == NULL)
            return cl_fail(COLONIES_EINVAL, "%s: prvkey is NULL, and the operation is signed", (*op)->name);
        *key = prvkey;
    }
    return cl_build_message(msg, hold_s, *op, params_json);
}

/* The reply as the registry describes it: "null" for nothing, [] for an empty list. */
static int shape_reply(char **reply, const cl_op *op)
{
    const char *replacement = NULL;
    int empty = (*reply)[0] == '\0' || strcmp(*reply, "null") == 0;
    if (op->reply == NULL)
        replacement = "null";
    else if (op->reply->kind == CL_K_LIST && empty)
        replacement = "[]";
    else if (op->reply->kind == CL_K_OBJECT && empty)
        /* The server's way of saying it failed without saying so (add_file's ignored database error). */
        return cl_fail(COLONIES_EREPLY, "%s: the server replied with no %s", op->msgtype, op->reply->type->name);
    else if ((*reply)[0] == '\0')
        replacement = "null";
    if (replacement == NULL) return COLONIES_OK;
    char *copy = cl_strdup(replacement);
    if (copy == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    free(*reply);
    *reply = copy;
    return COLONIES_OK;
}

/* Calls in flight. */

/* A job kind's extra state; wait.c's waits. */
struct colonies_call {
    cl_job job; /* first: the loop's handle on it */
    cl_signal done;
    colonies_client *client;
    const cl_op *op;  /* NULL for raw messages and health */
    char *msgtype;    /* names the request; owned */
    int idempotent;
    int raw_body;     /* the reply is the body itself (health), not an envelope */
    cl_http http;
    /* The outcome, written by the loop before done is raised. */
    int status;
    char detail[1024];
    long http_status;
    char *reply;       /* the HTTP body, or a wait's process JSON */
    size_t reply_len;
    int result_read;
    /* A wait (wait.c), or NULL. */
    void *wait;
    void (*wait_free)(void *wait);
    /* A task (cl_task_start): its work, on a thread of its own, or NULL. */
    cl_task_fn task;
    void *task_arg;
    void (*task_arg_free)(void *arg);
    colonies_cancel *task_cancel;
    colonies_call *task_prev, *task_next; /* the client's running tasks (under its tasks_lock) */
    /* A prepared call (colonies_client_call_prepare): sent by its first wait. */
    int prepared;
    pthread_mutex_t drive; /* held by the thread that runs it on a lane */
    pthread_mutex_t route; /* where and lane change under it, by the thread holding drive */
    int where;
    cl_conns *lane;
};

/* Where a prepared call runs. */
enum { UNSENT, ON_LANE, ON_LOOP, ENDED };

static void call_destroy(cl_job *job)
{
    colonies_call *c = (colonies_call *)job;
    /* Ordered after the thread that ended the call, which raised done. */
    cl_signal_sync(&c->done);
    cl_http_release(&c->http);
    free(c->http.body);
    if (c->wait_free) c->wait_free(c->wait);
    if (c->task_arg_free) c->task_arg_free(c->task_arg);
    colonies_cancel_free(c->task_cancel);
    free(c->msgtype);
    free(c->reply);
    cl_signal_destroy(&c->done);
    if (c->prepared) {
        cl_mutex_retire(&c->drive);
        cl_mutex_retire(&c->route);
    }
    free(c);
}

void cl_call_finish(colonies_call *c, int status, const char *detail, long http_status, char *reply,
                    size_t reply_len)
{
    c->status = status;
    snprintf(c->detail, sizeof c->detail, "%s", detail ? detail : "");
    c->http_status = http_status;
    free(c->reply);
    c->reply = reply;
    c->reply_len = reply_len;
    cl_signal_raise(&c->done);
    cl_job_end(&c->job);
}

static void http_done(cl_http *h)
{
    colonies_call *c = (colonies_call *)h->job;
    char *reply = NULL;
    size_t len = 0;
    if (h->status == COLONIES_OK) {
        reply = h->reply.data;
        len = h->reply.len;
        h->reply.data = NULL;
        h->reply.len = h->reply.cap = 0;
    }
    cl_call_finish(c, h->status, h->detail, h->http_status, reply, len);
}

static void http_start(cl_job *job)
{
    colonies_call *c = (colonies_call *)job;
    cl_http_start(job->loop, &c->http);
}

static void http_cancel(cl_job *job)
{
    colonies_call *c = (colonies_call *)job;
    cl_http_abort(&c->http);
}

/* A new call of the client, not yet started. */
int cl_call_new(colonies_call **out, colonies_client *client, const char *msgtype)
{
    *out = NULL;
    cl_loop *loop = NULL;
    int rc = cl_client_loop(client, &loop);
    if (rc) return rc;
    colonies_call *c = calloc(1, sizeof *c);
    if (c == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    if (cl_signal_init(&c->done)) {
        free(c);
        return COLONIES_ENOMEM;
    }
    cl_job_init(&c->job, loop);
    c->job.destroy = call_destroy;
    c->client = client;
    c->msgtype = cl_strdup(msgtype);
    if (c->msgtype == NULL) {
        call_destroy(&c->job);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    *out = c;
    return COLONIES_OK;
}

/* The call's wait state (wait.c). */
void cl_call_set_wait(colonies_call *c, void *wait, void (*start)(cl_job *), void (*cancel)(cl_job *),
                      void (*wait_free)(void *))
{
    c->wait = wait;
    c->wait_free = wait_free;
    c->job.start = start;
    c->job.cancel = cancel;
}

void *cl_call_wait_state(colonies_call *c) { return c->wait; }
colonies_client *cl_call_client(colonies_call *c) { return c->client; }

int cl_call_submit(colonies_call *c)
{
    int rc = cl_loop_submit(c->job.loop, &c->job);
    if (rc) cl_job_unref(&c->job);
    return rc;
}

/*
 * Prepared calls. The first wait sends the request and runs it on a lane, on
 * the waiting thread, so that a blocking call hands nothing to the loop's
 * thread and is woken by nothing but its own socket. When no connection slot
 * is free, or when the call is polled through its descriptor rather than
 * waited for, the loop runs it as any other call.
 */

static void prepared_request_cancel(cl_job *job)
{
    colonies_call *c = (colonies_call *)job;
    pthread_mutex_lock(&c->route);
    if (c->where == ON_LANE)
        cl_lane_wake(c->lane);
    else if (c->where == ON_LOOP)
        cl_loop_queue_cancel(job);
    /* Unsent: its first wait sees the flag. */
    pthread_mutex_unlock(&c->route);
}

static void set_where(colonies_call *c, int where, cl_conns *lane)
{
    pthread_mutex_lock(&c->route);
    c->where = where;
    c->lane = lane;
    pthread_mutex_unlock(&c->route);
}

/* Sends a prepared call, holding drive: on a lane when lane_ok and a slot is free, else by the loop. */
static void send_prepared(colonies_call *c, int lane_ok)
{
    if (atomic_load(&c->job.cancelled)) {
        char detail[160];
        snprintf(detail, sizeof detail, "%s: cancelled", c->msgtype);
        set_where(c, ENDED, NULL);
        cl_call_finish(c, COLONIES_ECANCELLED, detail, 0, NULL, 0);
        return;
    }
    cl_conns *lane = lane_ok ? cl_loop_take_lane(c->job.loop, &c->job) : NULL;
    if (lane) {
        set_where(c, ON_LANE, lane);
        cl_http_start_on_lane(lane, &c->http);
        return;
    }
    set_where(c, ON_LOOP, NULL);
    int rc = cl_loop_submit(c->job.loop, &c->job);
    if (rc) {
        set_where(c, ENDED, NULL);
        cl_call_finish(c, rc, colonies_last_error(), 0, NULL, 0);
    }
}

static int prepared_wait(colonies_call *c, int64_t timeout_ms)
{
    if (cl_signal_wait(&c->done, 0)) return 1;
    /* Another thread runs it: wait for it to end. */
    if (pthread_mutex_trylock(&c->drive) != 0) return cl_signal_wait(&c->done, timeout_ms);
    cl_job_ref(&c->job); /* a thread that waits beside this one may free it once it has ended */
    if (c->where == UNSENT) send_prepared(c, 1);
    int where = c->where;
    if (where == ON_LANE && cl_http_run_on_lane(&c->http, timeout_ms, &c->job.cancelled)) {
        cl_conns *lane = c->lane;
        set_where(c, ENDED, NULL);
        cl_loop_give_lane(c->job.loop, lane);
    }
    pthread_mutex_unlock(&c->drive);
    cl_job_unref(&c->job);
    return cl_signal_wait(&c->done, where == ON_LOOP ? timeout_ms : 0);
}

/* A call polled through its descriptor goes to the loop, unless a wait runs it already. */
static void prepared_to_loop(colonies_call *c)
{
    if (pthread_mutex_trylock(&c->drive) != 0) return;
    if (c->where == UNSENT) send_prepared(c, 0);
    pthread_mutex_unlock(&c->drive);
}

/* Starts an HTTP request (a POST of body, or a GET when body is NULL) as a call,
 * or prepares it to be sent by its first wait. */
static int start_http(colonies_call **out, colonies_client *client, const cl_op *op, const char *msgtype,
                      const char *path, char *body, long timeout_ms, int idempotent, int prepare)
{
    colonies_call *c = NULL;
    int rc = cl_call_new(&c, client, msgtype);
    if (rc) {
        free(body);
        return rc;
    }
    c->op = op;
    c->idempotent = idempotent;
    c->raw_body = body == NULL;
    c->http.job = &c->job;
    c->http.done = http_done;
    c->http.path = path;
    c->http.body = body;
    c->http.body_len = body ? strlen(body) : 0;
    c->http.timeout_ms = timeout_ms;
    c->http.idempotent = idempotent;
    c->http.what = c->msgtype;
    c->job.start = http_start;
    c->job.cancel = http_cancel;
    if (prepare) {
        if (pthread_mutex_init(&c->drive, NULL) != 0) {
            cl_job_unref(&c->job);
            return cl_fail(COLONIES_ENOMEM, "out of memory");
        }
        if (pthread_mutex_init(&c->route, NULL) != 0) {
            pthread_mutex_destroy(&c->drive);
            cl_job_unref(&c->job);
            return cl_fail(COLONIES_ENOMEM, "out of memory");
        }
        c->prepared = 1;
        c->where = UNSENT;
        c->job.request_cancel = prepared_request_cancel;
        *out = c;
        return COLONIES_OK;
    }
    rc = cl_call_submit(c);
    if (rc) return rc;
    *out = c;
    return COLONIES_OK;
}

/* Starts (or prepares) a signed message as a call. */
static int start_message(colonies_call **out, colonies_client *client, const cl_op *op, const char *msgtype,
                         const char *msg, const char *key, long timeout_ms, int idempotent, int prepare)
{
    char *body = NULL;
    int rc = cl_envelope(&body, msgtype, msg, key);
    if (rc) return rc;
    return start_http(out, client, op, msgtype, "/api", body, timeout_ms, idempotent, prepare);
}

static int call_begin(colonies_client *client, colonies_call **out, const char *operation, const char *params_json,
                      const char *prvkey, int64_t timeout_ms, int prepare)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    if (timeout_ms < 0) return cl_fail(COLONIES_EINVAL, "timeout_ms is negative");
    const cl_op *op = NULL;
    const char *key = NULL;
    char *msg = NULL;
    long hold_s = 0;
    int rc = cl_prepare(&op, &key, &msg, &hold_s, operation, params_json, prvkey, 0);
    if (rc) return rc;
    /* The server holds some requests open as long as asked: wait that long on top. */
    if (op->flags & CL_OP_LOCAL) {
        /* Run by the client: timeout_ms (0: none) bounds the whole operation. */
        rc = cl_local_start(out, client, op, msg, key, timeout_ms);
        free(msg);
        return rc;
    }
    long timeout = timeout_ms > 0 ? (long)timeout_ms : client->request_timeout_ms + hold_s * 1000;
    rc = start_message(out, client, op, op->msgtype, msg, key, timeout, (op->flags & CL_OP_IDEMPOTENT) != 0, prepare);
    free(msg);
    return rc;
}

colonies_status colonies_client_call_start(colonies_client *client, colonies_call **out, const char *operation,
                                           const char *params_json, const char *prvkey, int64_t timeout_ms)
{
    return call_begin(client, out, operation, params_json, prvkey, timeout_ms, 0);
}

colonies_status colonies_client_call_prepare(colonies_client *client, colonies_call **out, const char *operation,
                                             const char *params_json, const char *prvkey, int64_t timeout_ms)
{
    return call_begin(client, out, operation, params_json, prvkey, timeout_ms, 1);
}

int colonies_call_wait(colonies_call *call, int64_t timeout_ms)
{
    if (call == NULL) return 1;
    if (call->prepared) return prepared_wait(call, timeout_ms);
    return cl_signal_wait(&call->done, timeout_ms);
}

int colonies_call_fd(colonies_call *call)
{
    if (call == NULL) return -1;
    if (call->prepared) prepared_to_loop(call);
    return cl_signal_fd(&call->done);
}

void colonies_call_cancel(colonies_call *call)
{
    if (call) cl_job_request_cancel(&call->job);
}

colonies_status colonies_call_result(colonies_call *call, char **out_json)
{
    cl_clear_error();
    if (out_json) *out_json = NULL;
    if (call == NULL) return cl_fail(COLONIES_EINVAL, "call is NULL");
    if (!cl_signal_wait(&call->done, 0)) return cl_fail(COLONIES_EINVAL, "the call has not ended");
    if (call->result_read) return cl_fail(COLONIES_EINVAL, "the call's result was read already");
    call->result_read = 1;
    if (call->status != COLONIES_OK) {
        if (call->http_status) cl_set_http_status((int)call->http_status);
        return cl_fail(call->status, "%s", call->detail);
    }
    char *reply = NULL;
    int rc;
    if (call->wait || call->task) {
        /* A wait's reply is the process itself; a task's is its own JSON. */
        reply = call->reply;
        call->reply = NULL;
        rc = reply ? COLONIES_OK : cl_fail(COLONIES_EREPLY, "%s: no reply", call->msgtype);
    } else if (call->raw_body) {
        cl_set_http_status((int)call->http_status);
        rc = call->http_status == 200
                 ? COLONIES_OK
                 : cl_fail(COLONIES_ESERVER, "%s: server replied %ld: %.200s", call->msgtype, call->http_status,
                           call->reply ? call->reply : "");
    } else {
        rc = cl_decode_reply(&reply, call->msgtype, call->op, call->idempotent, call->http_status, call->reply,
                             call->reply_len);
        if (rc == 0 && call->op) rc = shape_reply(&reply, call->op);
    }
    if (rc == 0 && out_json)
        *out_json = reply;
    else
        free(reply);
    return rc;
}

void colonies_call_free(colonies_call *call)
{
    if (call == NULL) return;
    if (!cl_signal_wait(&call->done, 0)) {
        cl_job_request_cancel(&call->job);
        /* A prepared call runs only while waited for: it is ended here. */
        if (call->prepared) colonies_call_wait(call, -1);
    }
    cl_job_unref(&call->job);
}

/* Tasks: sequential work on a thread of its own, as a call. */

static void task_request_cancel(cl_job *job)
{
    colonies_cancel_fire(((colonies_call *)job)->task_cancel);
}

static void tasks_link(colonies_client *client, colonies_call *c, int add)
{
    pthread_mutex_lock(&client->tasks_lock);
    if (add) {
        c->task_next = client->tasks;
        if (client->tasks) client->tasks->task_prev = c;
        client->tasks = c;
    } else {
        if (c->task_prev)
            c->task_prev->task_next = c->task_next;
        else
            client->tasks = c->task_next;
        if (c->task_next) c->task_next->task_prev = c->task_prev;
        c->task_prev = c->task_next = NULL;
    }
    pthread_mutex_unlock(&client->tasks_lock);
}

void cl_tasks_cancel_all(colonies_client *client)
{
    pthread_mutex_lock(&client->tasks_lock);
    for (colonies_call *c = client->tasks; c; c = c->task_next) colonies_cancel_fire(c->task_cancel);
    pthread_mutex_unlock(&client->tasks_lock);
}

static void *task_main(void *arg)
{
    colonies_call *c = arg;
    char *reply = NULL;
    cl_clear_error();
    int rc = c->task(c->task_arg, c->task_cancel, &reply);
    if (rc) {
        free(reply);
        reply = NULL;
        c->http_status = colonies_last_http_status();
        snprintf(c->detail, sizeof c->detail, "%s", colonies_last_error());
    }
    c->status = rc;
    c->reply = reply;
    c->reply_len = reply ? strlen(reply) : 0;
    tasks_link(c->client, c, 0);
    cl_signal_raise(&c->done);
    cl_job_unref(&c->job); /* the thread's */
    return NULL;
}

int cl_task_start(colonies_call **out, colonies_client *client, const char *what, cl_task_fn run, void *arg,
                  void (*arg_free)(void *arg))
{
    *out = NULL;
    colonies_call *c = NULL;
    int rc = cl_call_new(&c, client, what);
    if (rc) {
        if (arg_free) arg_free(arg);
        return rc;
    }
    c->task_arg = arg;
    c->task_arg_free = arg_free;
    rc = colonies_cancel_new(&c->task_cancel);
    if (rc) {
        cl_job_unref(&c->job);
        return rc;
    }
    c->task = run;
    c->job.request_cancel = task_request_cancel;
    tasks_link(client, c, 1);
    cl_job_ref(&c->job); /* the thread's */
    pthread_attr_t attr;
    pthread_t thread;
    sigset_t all, old;
    sigfillset(&all);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Signals are for the caller's threads, as on the loop's. */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&thread, &attr, task_main, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        tasks_link(client, c, 0);
        cl_job_unref(&c->job);
        cl_job_unref(&c->job);
        return cl_fail(COLONIES_ENOMEM, "cannot start a thread for %s", what);
    }
    *out = c;
    return COLONIES_OK;
}

/* Waits for a call, cancelling it when cancel fires, and takes its result. */
int cl_call_complete(colonies_call *call, char **out_json, colonies_cancel *cancel)
{
    if (cancel) cl_cancel_watch(cancel, &call->job);
    colonies_call_wait(call, -1);
    if (cancel) cl_cancel_unwatch(cancel, &call->job);
    int rc = colonies_call_result(call, out_json);
    colonies_call_free(call);
    return rc;
}

colonies_status colonies_client_call(colonies_client *client, char **out_json, const char *operation,
                                     const char *params_json, const char *prvkey, int64_t timeout_ms,
                                     colonies_cancel *cancel)
{
    if (out_json) *out_json = NULL;
    colonies_call *call = NULL;
    int rc = colonies_client_call_prepare(client, &call, operation, params_json, prvkey, timeout_ms);
    return rc ? rc : cl_call_complete(call, out_json, cancel);
}

static int send_begin(colonies_client *client, colonies_call **out, const char *msgtype, const char *payload_json,
                      const char *prvkey, int64_t timeout_ms, int prepare)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    if (msgtype == NULL || msgtype[0] == '\0') return cl_fail(COLONIES_EINVAL, "msgtype is empty");
    if (timeout_ms < 0) return cl_fail(COLONIES_EINVAL, "timeout_ms is negative");
    cJSON *msg = NULL;
    int rc = cl_json_parse(&msg, payload_json ? payload_json : "{}", cJSON_Object, "payload_json");
    if (rc) return rc;
    cJSON_DeleteItemFromObjectCaseSensitive(msg, "msgtype");
    char *text = NULL;
    if (!cJSON_AddStringToObject(msg, "msgtype", msgtype))
        rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    else
        rc = cl_json_print(&text, msg);
    cJSON_Delete(msg);
    if (rc) return rc;
    /* The registry says nothing of a raw message: it is never sent twice. */
    rc = start_message(out, client, NULL, msgtype, text, prvkey,
                       timeout_ms > 0 ? (long)timeout_ms : client->request_timeout_ms, 0, prepare);
    free(text);
    return rc;
}

colonies_status colonies_client_send_start(colonies_client *client, colonies_call **out, const char *msgtype,
                                           const char *payload_json, const char *prvkey, int64_t timeout_ms)
{
    return send_begin(client, out, msgtype, payload_json, prvkey, timeout_ms, 0);
}

colonies_status colonies_client_send(colonies_client *client, char **out_json, const char *msgtype,
                                     const char *payload_json, const char *prvkey, int64_t timeout_ms,
                                     colonies_cancel *cancel)
{
    if (out_json) *out_json = NULL;
    colonies_call *call = NULL;
    int rc = send_begin(client, &call, msgtype, payload_json, prvkey, timeout_ms, 1);
    return rc ? rc : cl_call_complete(call, out_json, cancel);
}

colonies_status colonies_request_encode(char **out_json, const char *operation, const char *params_json,
                                        const char *prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    const cl_op *op = NULL;
    const char *key = NULL;
    char *msg = NULL;
    long hold_s = 0;
    int rc = cl_prepare(&op, &key, &msg, &hold_s, operation, params_json, prvkey, -1);
    if (rc == 0 && (op->flags & CL_OP_LOCAL))
        rc = cl_fail(COLONIES_EINVAL, "%s is run by the client (S3 and several messages), not one request", op->name);
    if (rc == 0) rc = cl_envelope(out_json, op->msgtype, msg, key);
    free(msg);
    return rc;
}

colonies_status colonies_client_health_start(colonies_client *client, colonies_call **out, int64_t timeout_ms)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    if (timeout_ms < 0) return cl_fail(COLONIES_EINVAL, "timeout_ms is negative");
    return start_http(out, client, NULL, "health", "/health", NULL,
                      timeout_ms > 0 ? (long)timeout_ms : client->request_timeout_ms, 1, 0);
}

colonies_status colonies_client_health(colonies_client *client, int64_t timeout_ms, colonies_cancel *cancel)
{
    cl_clear_error();
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    if (timeout_ms < 0) return cl_fail(COLONIES_EINVAL, "timeout_ms is negative");
    colonies_call *call = NULL;
    int rc = start_http(&call, client, NULL, "health", "/health", NULL,
                        timeout_ms > 0 ? (long)timeout_ms : client->request_timeout_ms, 1, 1);
    return rc ? rc : cl_call_complete(call, NULL, cancel);
}
