/*
 * The client handle, its options and the environment, and the one signed
 * call: the envelope out, the reply envelope back.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sched.h>
#include <unistd.h>

#include "client_internal.h"

/* A client option's value: given in opts, else its environment variable (the
 * registry's "env"), else its default. */
int cl_client_option(cJSON **out, const cJSON *opts, const char *name)
{
    *out = NULL;
    const cl_field *f = cl_field_find(cl_client_options, cl_n_client_options, name);
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(opts, name);
    if (given && !cJSON_IsNull(given)) {
        *out = cJSON_Duplicate(given, 1);
    } else {
        const char *v = f && f->env ? getenv(f->env) : NULL;
        if (v && v[0]) {
            if (f->type->kind == CL_K_BOOL) {
                int b = 0;
                int rc = cl_env_bool(f->env, v, &b);
                if (rc) return rc;
                *out = cJSON_CreateBool(b);
            } else {
                *out = cJSON_CreateString(v);
            }
        } else {
            *out = cl_json_read(f ? cl_field_default(f) : "null");
        }
    }
    return *out ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
}

/* cl_client_option's value, or NULL; *rc keeps the first failure. Caller deletes. */
static cJSON *option(const cJSON *opts, const char *name, int *rc)
{
    cJSON *v = NULL;
    if (*rc == 0) *rc = cl_client_option(&v, opts, name);
    return v;
}

/* Seconds as whole milliseconds, rounded up so that a positive time never becomes 0. */
static long seconds_to_ms(double s) { return (long)ceil(s * 1000.0); }

colonies_status colonies_client_new(colonies_client **out, const char *host, int port, const char *options_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (host == NULL || host[0] == '\0') return cl_fail(COLONIES_EINVAL, "host is empty");
    if (strpbrk(host, "/?#@ \t\r\n") != NULL)
        return cl_fail(COLONIES_EINVAL, "host \"%s\" must be a host name or address, not a URL", host);
    if (port < 1 || port > 65535) return cl_fail(COLONIES_EINVAL, "port %d is not in 1..65535", port);

    cJSON *opts = NULL;
    int rc = cl_json_parse(&opts, options_json ? options_json : "{}", cJSON_Object, "options_json");
    if (rc == 0) rc = cl_validate_object(opts, cl_client_options, cl_n_client_options, CL_UNKNOWN_REFUSE, "option");
    if (rc) {
        cJSON_Delete(opts);
        return rc;
    }
    int orc = 0;
    cJSON *tls = option(opts, "tls", &orc), *verify = option(opts, "verify_tls", &orc),
          *ca = option(opts, "ca_bundle", &orc), *connect = option(opts, "connect_timeout", &orc),
          *request = option(opts, "request_timeout", &orc), *idle = option(opts, "max_idle", &orc),
          *maxconn = option(opts, "max_connections", &orc), *retries = option(opts, "retries", &orc),
          *backoff = option(opts, "retry_backoff", &orc), *backoff_max = option(opts, "retry_backoff_max", &orc),
          *trace = option(opts, "trace", &orc), *resub = option(opts, "resubscribe", &orc),
          *payloads = option(opts, "trace_payloads", &orc);
    colonies_client *c = NULL;
    if (orc) {
        rc = orc;
    } else if (tls && verify && ca && connect && request && idle && maxconn && retries && backoff && backoff_max &&
               trace && resub && payloads) {
        cl_loop_options lopts = {
            .tls = cJSON_IsTrue(tls),
            .verify_tls = cJSON_IsTrue(verify),
            .ca_bundle = cJSON_IsString(ca) ? ca->valuestring : NULL,
            .connect_timeout_ms = seconds_to_ms(connect->valuedouble),
            .request_timeout_ms = seconds_to_ms(request->valuedouble),
            .max_idle_s = (long)ceil(idle->valuedouble),
            .max_connections = (long)maxconn->valuedouble,
            .retries = (int)retries->valuedouble,
            .retry_backoff_ms = seconds_to_ms(backoff->valuedouble),
            .retry_backoff_max_ms = seconds_to_ms(backoff_max->valuedouble),
            .trace = cJSON_IsTrue(trace) || cJSON_IsTrue(payloads),
            .trace_payloads = cJSON_IsTrue(payloads),
            .resubscribe = cJSON_IsTrue(resub),
        };
        c = calloc(1, sizeof *c);
        rc = c ? cl_loop_new(&c->loop, host, port, &lopts) : cl_fail(COLONIES_ENOMEM, "out of memory");
        if (rc == 0) {
            c->request_timeout_ms = seconds_to_ms(request->valuedouble);
            c->connect_timeout_ms = lopts.connect_timeout_ms;
            c->options_json = cl_strdup(options_json ? options_json : "{}");
            c->ca_bundle = lopts.ca_bundle ? cl_strdup(lopts.ca_bundle) : NULL;
            c->host = cl_strdup(host);
            if (c->options_json == NULL || (lopts.ca_bundle && c->ca_bundle == NULL) || c->host == NULL) {
                cl_loop_free(c->loop);
                free(c->options_json);
                free(c->ca_bundle);
                free(c->host);
                rc = cl_fail(COLONIES_ENOMEM, "out of memory");
            } else {
                pthread_mutex_init(&c->tasks_lock, NULL);
                c->port = port;
                c->loop_opts = lopts;
                c->loop_opts.ca_bundle = c->ca_bundle;
                atomic_init(&c->pid, (int)getpid());
                atomic_init(&c->renewing, 0);
            }
        }
    } else {
        rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    cJSON_Delete(tls);
    cJSON_Delete(verify);
    cJSON_Delete(ca);
    cJSON_Delete(connect);
    cJSON_Delete(request);
    cJSON_Delete(idle);
    cJSON_Delete(maxconn);
    cJSON_Delete(retries);
    cJSON_Delete(backoff);
    cJSON_Delete(backoff_max);
    cJSON_Delete(resub);
    cJSON_Delete(payloads);
    cJSON_Delete(trace);
    cJSON_Delete(opts);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return COLONIES_OK;
}

int cl_client_loop(colonies_client *client, cl_loop **out)
{
    *out = NULL;
    int pid = (int)getpid();
    while (atomic_load(&client->pid) != pid) {
        /* A child after fork(): the first thread here makes the new loop, others wait for it. */
        int expected = 0;
        if (!atomic_compare_exchange_strong(&client->renewing, &expected, 1)) {
            sched_yield();
            continue;
        }
        if (atomic_load(&client->pid) != pid) {
            cl_loop *fresh = NULL;
            int rc = cl_loop_new(&fresh, client->host, client->port, &client->loop_opts);
            if (rc) {
                atomic_store(&client->renewing, 0);
                return rc;
            }
            cl_loop_abandon_in_child(client->loop);
            client->loop = fresh;
            /* The parent's running tasks are not in this process, nor is a holder of their lock. */
            pthread_mutex_init(&client->tasks_lock, NULL);
            client->tasks = NULL;
            atomic_store(&client->pid, pid);
        }
        atomic_store(&client->renewing, 0);
    }
    *out = client->loop;
    return COLONIES_OK;
}

void colonies_client_free(colonies_client *client)
{
    if (client == NULL) return;
    /* In a child after fork(), the parent's loop is only abandoned, and this process's freed. */
    cl_loop *loop = NULL;
    if (cl_client_loop(client, &loop))
        cl_loop_abandon_in_child(client->loop);
    else
        cl_loop_free(loop);
    free(client->host);
    pthread_mutex_destroy(&client->tasks_lock);
    colonies_free(client->options_json); /* wipes it: it may hold S3 keys */
    free(client->ca_bundle);
    free(client);
}

void colonies_client_cancel_all(colonies_client *client)
{
    if (client == NULL) return;
    cl_loop *loop = NULL;
    if (cl_client_loop(client, &loop) == COLONIES_OK) cl_loop_cancel_all(loop);
    cl_tasks_cancel_all(client);
}

/* The environment. */

int cl_env_bool(const char *var, const char *v, int *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"}, *const no[] = {"false", "0", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return COLONIES_OK;
        }
    }
    return cl_fail(COLONIES_EINVAL, "%s=\"%.40s\" is not true or false", var, v);
}

/* The known variables that are set, as a JSON object keyed by the registry's names. */
static int read_env(cJSON **out)
{
    cJSON *env = cJSON_CreateObject();
    if (env == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    for (size_t i = 0; i < cl_n_env_vars; i++) {
        const cl_env_var *e = &cl_env_vars[i];
        const char *v = getenv(e->var);
        /* Unset or empty: not given. The first variable set for a key wins. */
        if (v == NULL || v[0] == '\0' || cJSON_GetObjectItemCaseSensitive(env, e->key)) continue;
        cJSON *item = NULL;
        int rc = COLONIES_OK;
        if (e->type->kind == CL_K_BOOL) {
            int b = 0;
            rc = cl_env_bool(e->var, v, &b);
            if (rc == 0) item = cJSON_CreateBool(b);
        } else if (e->type->kind == CL_K_INT) {
            char *end = NULL;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (errno || end == v || *end != '\0' || n < INT_MIN || n > INT_MAX)
                rc = cl_fail(COLONIES_EINVAL, "%s=\"%.40s\" is not a whole number", e->var, v);
            else
                item = cJSON_CreateNumber((double)n);
        } else {
            item = cJSON_CreateString(v);
        }
        if (rc == 0 && (item == NULL || !cJSON_AddItemToObject(env, e->key, item))) {
            cJSON_Delete(item);
            rc = cl_fail(COLONIES_ENOMEM, "out of memory");
        }
        if (rc) {
            cJSON_Delete(env);
            return rc;
        }
    }
    *out = env;
    return COLONIES_OK;
}

colonies_status colonies_env(char **out_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    cJSON *env = NULL;
    int rc = read_env(&env);
    if (rc == 0) rc = cl_json_print(out_json, env);
    cJSON_Delete(env);
    return rc;
}

/* The name of the first variable that sets key, for errors. */
static const char *env_var_of(const char *key)
{
    for (size_t i = 0; i < cl_n_env_vars; i++)
        if (strcmp(cl_env_vars[i].key, key) == 0) return cl_env_vars[i].var;
    return key;
}

colonies_status colonies_client_new_from_env(colonies_client **out, const char *options_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    cJSON *env = NULL, *opts = NULL;
    int rc = read_env(&env);
    if (rc == 0) rc = cl_json_parse(&opts, options_json ? options_json : "{}", cJSON_Object, "options_json");
    const cJSON *host = cJSON_GetObjectItemCaseSensitive(env, "host");
    const cJSON *port = cJSON_GetObjectItemCaseSensitive(env, "port");
    const cJSON *tls = cJSON_GetObjectItemCaseSensitive(env, "tls");
    if (rc == 0 && !cJSON_IsString(host)) rc = cl_fail(COLONIES_EINVAL, "%s is not set", env_var_of("host"));
    if (rc == 0 && !cJSON_IsNumber(port)) rc = cl_fail(COLONIES_EINVAL, "%s is not set", env_var_of("port"));
    /* The environment's TLS setting, unless the options give one. */
    if (rc == 0 && tls && !cJSON_GetObjectItemCaseSensitive(opts, "tls") &&
        !cJSON_AddBoolToObject(opts, "tls", cJSON_IsTrue(tls)))
        rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    char *merged = NULL;
    if (rc == 0) rc = cl_json_print(&merged, opts);
    if (rc == 0) rc = colonies_client_new(out, host->valuestring, port->valueint, merged);
    free(merged);
    cJSON_Delete(opts);
    cJSON_Delete(env);
    return rc;
}

/* The envelope and the reply. */

int cl_envelope(char **out, const char *msgtype, const char *msg_json, const char *prvkey)
{
    *out = NULL;
    char *payload = NULL;
    int rc = cl_base64_encode(&payload, msg_json, strlen(msg_json), "payload");
    if (rc) return rc;
    char sig[131] = "";
    if (prvkey != NULL) rc = cl_sign_raw(sig, (const unsigned char *)payload, strlen(payload), prvkey);
    cl_buf b = {0};
    if (rc == 0) {
        cl_buf_str(&b, "{\"payloadtype\":");
        cl_buf_json_string(&b, msgtype);
        cl_buf_str(&b, ",\"payload\":\"");
        cl_buf_str(&b, payload);
        cl_buf_str(&b, "\",\"signature\":\"");
        cl_buf_str(&b, sig);
        rc = cl_buf_str(&b, "\"}");
    }
    free(payload);
    if (rc) {
        free(b.data);
        return rc;
    }
    *out = b.data;
    return COLONIES_OK;
}

/* A server error reply as a status: the operation's remaps first, then the HTTP status. */
static int server_error(long http_status, const char *msgtype, const cl_op *op, const char *message)
{
    int code;
    switch (http_status) {
    case 401:
    case 403: code = COLONIES_EFORBIDDEN; break;
    case 404: code = COLONIES_ENOTFOUND; break;
    default: code = COLONIES_ESERVER; break;
    }
    for (size_t i = 0; op && i < op->n_remaps; i++) {
        const cl_remap *r = &op->remaps[i];
        if (!r->empty && r->http == http_status && (r->contains == NULL || strstr(message, r->contains))) {
            code = r->status;
            break;
        }
    }
    return cl_fail(code, "%s: server replied %ld: %s", msgtype, http_status, message);
}

/* A reply that is not a Colonies envelope at all. */
static int not_an_envelope(const char *msgtype, const cl_op *op, int idempotent, long http_status, const char *body,
                           size_t body_len)
{
    for (size_t i = 0; op && body_len == 0 && i < op->n_remaps; i++) {
        const cl_remap *r = &op->remaps[i];
        if (r->empty && r->http == http_status)
            return cl_fail(r->status, "%s: the server replied %ld with no content, as it does when it refuses the "
                                      "signer", msgtype, http_status);
    }
    /* A gateway that lost the server's answer: a request that is not idempotent may have acted. */
    if (!idempotent && (http_status == 502 || http_status == 504))
        return cl_fail(COLONIES_EINDOUBT, "%s: a gateway replied %ld without the server's answer; the request may "
                                          "or may not have been applied", msgtype, http_status);
    if (http_status != 200) {
        /* A proxy's or the router's own error page. */
        char snippet[200];
        size_t n = body_len < sizeof snippet - 1 ? body_len : sizeof snippet - 1;
        memcpy(snippet, body, n);
        snippet[n] = '\0';
        return server_error(http_status, msgtype, op, snippet);
    }
    return cl_fail(COLONIES_EREPLY, "%s: reply is not a Colonies reply envelope (HTTP %ld, %zu bytes)", msgtype,
                   http_status, body_len);
}

int cl_decode_reply(char **out, const char *msgtype, const cl_op *op, int idempotent, long http_status,
                    const char *body, size_t body_len)
{
    *out = NULL;
    cl_set_http_status((int)http_status);
    cJSON *env = cl_json_read_len(body, body_len);
    const cJSON *payload = env ? cJSON_GetObjectItemCaseSensitive(env, "payload") : NULL;
    if (!cJSON_IsString(payload)) {
        cJSON_Delete(env);
        return not_an_envelope(msgtype, op, idempotent, http_status, body, body_len);
    }
    char *decoded = NULL;
    size_t decoded_len = 0;
    int rc = cl_base64_decode(&decoded, &decoded_len, payload->valuestring);
    int is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(env, "error")) || http_status != 200;
    cJSON_Delete(env);
    if (rc) return cl_fail(rc, "%s: reply payload is not base64", msgtype);
    if (is_error) {
        cJSON *err = cl_json_read_len(decoded, decoded_len);
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(err, "status");
        long status = cJSON_IsNumber(st) && http_status == 200 ? (long)st->valuedouble : http_status;
        rc = server_error(status, msgtype, op, cJSON_IsString(msg) ? msg->valuestring : decoded);
        cJSON_Delete(err);
        free(decoded);
        return rc;
    }
    /* An empty payload is a valid "nothing to say" reply. */
    cJSON *check = decoded_len ? cl_json_read_len(decoded, decoded_len) : NULL;
    if (decoded_len && check == NULL) {
        free(decoded);
        return cl_fail(COLONIES_EREPLY, "%s: reply payload is not JSON", msgtype);
    }
    cJSON_Delete(check);
    *out = decoded;
    return COLONIES_OK;
}
