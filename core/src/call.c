/*
 * Operations by name: the registry's row for an operation checks its
 * parameters, fills its defaults and says how to send it and read its
 * reply. No operation has code of its own here; a new one is a row in
 * core/registry.json.
 */
#include <errno.h>
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
    int rc = cl_validate_object(params, op->params, op->n_params, CL_UNKNOWN_REFUSE, what);
    if (rc) return rc;
    for (const cJSON *a = params->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                return cl_fail(COLONIES_EINVAL, "%s: parameter %s is given twice", op->name, a->string);
    for (const char *const *x = op->exclusive; x && x[0] && x[1]; x += 2)
        if (is_set(cJSON_GetObjectItemCaseSensitive(params, x[0])) &&
            is_set(cJSON_GetObjectItemCaseSensitive(params, x[1])))
            return cl_fail(COLONIES_EINVAL, "%s: parameters %s and %s may not both be set", op->name, x[0], x[1]);
    return COLONIES_OK;
}

/*
 * The message for op from the parameters in params_json: checked against the
 * registry, every parameter present (its default when not given), and each
 * given value copied as the caller wrote it, so no number is rounded through
 * a double. *hold_s is what the server holds the request open for.
 */
static int build_message(char **out, long *hold_s, const cl_op *op, const char *params_json)
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
    cl_buf_str(&b, "\"msgtype\":");
    cl_buf_json_string(&b, op->msgtype);
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
static int prepare(const cl_op **op, const char **key, char **msg, long *hold_s, const char *operation,
                   const char *params_json, const char *prvkey)
{
    *key = NULL;
    if (operation == NULL || operation[0] == '\0') return cl_fail(COLONIES_EINVAL, "operation is empty");
    *op = cl_op_find(operation);
    if (*op == NULL) return cl_fail(COLONIES_EINVAL, "unknown operation \"%.100s\"", operation);
    if ((*op)->flags & CL_OP_WEBSOCKET)
        return cl_fail(COLONIES_EINVAL, "%s is a websocket subscription, which this version does not support",
                       operation);
    if ((*op)->flags & CL_OP_SIGNED) {
        if (prvkey == NULL)
            return cl_fail(COLONIES_EINVAL, "%s: prvkey is NULL, and the operation is signed", (*op)->name);
        *key = prvkey;
    }
    return build_message(msg, hold_s, *op, params_json);
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

colonies_status colonies_client_call(colonies_client *client, char **out_json, const char *operation,
                                     const char *params_json, const char *prvkey, int64_t timeout_ms,
                                     colonies_cancel *cancel)
{
    cl_clear_error();
    if (out_json) *out_json = NULL;
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    if (timeout_ms < 0) return cl_fail(COLONIES_EINVAL, "timeout_ms is negative");
    const cl_op *op = NULL;
    const char *key = NULL;
    char *msg = NULL;
    long hold_s = 0;
    int rc = prepare(&op, &key, &msg, &hold_s, operation, params_json, prvkey);
    if (rc) return rc;
    /* The server holds some requests open as long as asked: wait that long on top. */
    long timeout = timeout_ms > 0 ? (long)timeout_ms : client->request_timeout_ms + hold_s * 1000;
    cl_call call = {
        .msgtype = op->msgtype,
        .msg_json = msg,
        .prvkey = key,
        .timeout_ms = timeout,
        .idempotent = (op->flags & CL_OP_IDEMPOTENT) != 0,
        .cancel = cancel,
        .op = op,
    };
    char *reply = NULL;
    rc = cl_client_send(client, &reply, &call);
    free(msg);
    if (rc == 0) rc = shape_reply(&reply, op);
    if (rc == 0 && out_json)
        *out_json = reply;
    else
        free(reply);
    return rc;
}

colonies_status colonies_client_send(colonies_client *client, char **out_json, const char *msgtype,
                                     const char *payload_json, const char *prvkey, int64_t timeout_ms,
                                     colonies_cancel *cancel)
{
    cl_clear_error();
    if (out_json) *out_json = NULL;
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
    cl_call call = {
        .msgtype = msgtype,
        .msg_json = text,
        .prvkey = prvkey,
        .timeout_ms = timeout_ms > 0 ? (long)timeout_ms : client->request_timeout_ms,
        .idempotent = 0,
        .cancel = cancel,
    };
    rc = cl_client_send(client, out_json, &call);
    free(text);
    return rc;
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
    int rc = prepare(&op, &key, &msg, &hold_s, operation, params_json, prvkey);
    if (rc == 0) rc = cl_envelope(out_json, op->msgtype, msg, key);
    free(msg);
    return rc;
}

colonies_status colonies_client_health(colonies_client *client, int64_t timeout_ms, colonies_cancel *cancel)
{
    cl_clear_error();
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    if (timeout_ms < 0) return cl_fail(COLONIES_EINVAL, "timeout_ms is negative");
    cl_request req = {
        .path = "/health",
        .timeout_ms = timeout_ms > 0 ? (long)timeout_ms : client->request_timeout_ms,
        .idempotent = 1,
        .cancel = cancel,
        .what = "health",
    };
    cl_response resp;
    int rc = cl_transport_request(client->transport, &resp, &req);
    if (rc) return rc;
    cl_set_http_status((int)resp.status);
    if (resp.status != 200) {
        char snippet[200];
        snprintf(snippet, sizeof snippet, "%s", resp.data);
        rc = cl_fail(COLONIES_ESERVER, "health: server replied %ld: %s", resp.status, snippet);
    }
    free(resp.data);
    return rc;
}
