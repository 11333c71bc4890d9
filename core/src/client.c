/*
 * The client handle and the one generic call: the signed envelope out, the
 * reply envelope back. Every typed call in calls.c goes through
 * cl_client_call().
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "transport.h"

struct colonies_client {
    cl_transport *transport;
    long request_timeout_ms;
};

static int bool_option(const cJSON *item, int *out)
{
    if (!cJSON_IsBool(item)) return cl_fail(COLONIES_EINVAL, "option \"%s\" must be true or false", item->string);
    *out = cJSON_IsTrue(item);
    return COLONIES_OK;
}

static int ms_option(const cJSON *item, long *out)
{
    if (!cJSON_IsNumber(item) || item->valuedouble < 1 || item->valuedouble > 86400000.0 ||
        item->valuedouble != (double)(long)item->valuedouble)
        return cl_fail(COLONIES_EINVAL, "option \"%s\" must be a whole number of milliseconds from 1 to 86400000",
                       item->string);
    *out = (long)item->valuedouble;
    return COLONIES_OK;
}

int colonies_client_new(colonies_client **out, const char *host, int port, const char *options_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (host == NULL || host[0] == '\0') return cl_fail(COLONIES_EINVAL, "host is empty");
    if (strpbrk(host, "/?#@ \t\r\n") != NULL)
        return cl_fail(COLONIES_EINVAL, "host \"%s\" must be a host name or address, not a URL", host);
    if (port < 1 || port > 65535) return cl_fail(COLONIES_EINVAL, "port %d is not in 1..65535", port);

    cl_transport_options topts = {.tls = 0, .verify_tls = 1, .ca_bundle = NULL, .connect_timeout_ms = 10000};
    long request_timeout_ms = 60000;
    cJSON *opts = NULL;
    if (options_json != NULL) {
        int rc = cl_json_parse(&opts, options_json, cJSON_Object, "options_json");
        if (rc) return rc;
        const cJSON *item;
        cJSON_ArrayForEach(item, opts)
        {
            if (strcmp(item->string, "tls") == 0)
                rc = bool_option(item, &topts.tls);
            else if (strcmp(item->string, "verify_tls") == 0)
                rc = bool_option(item, &topts.verify_tls);
            else if (strcmp(item->string, "connect_timeout_ms") == 0)
                rc = ms_option(item, &topts.connect_timeout_ms);
            else if (strcmp(item->string, "request_timeout_ms") == 0)
                rc = ms_option(item, &request_timeout_ms);
            else if (strcmp(item->string, "ca_bundle") == 0) {
                if (!cJSON_IsString(item) && !cJSON_IsNull(item))
                    rc = cl_fail(COLONIES_EINVAL, "option \"ca_bundle\" must be a path");
                else
                    topts.ca_bundle = cJSON_IsString(item) ? item->valuestring : NULL;
            } else
                rc = cl_fail(COLONIES_EINVAL, "unknown option \"%s\"", item->string);
            if (rc) {
                cJSON_Delete(opts);
                return rc;
            }
        }
    }
    colonies_client *c = calloc(1, sizeof *c);
    int rc = c ? cl_transport_new(&c->transport, host, port, &topts) : cl_fail(COLONIES_ENOMEM, "out of memory");
    cJSON_Delete(opts);
    if (rc) {
        free(c);
        return rc;
    }
    c->request_timeout_ms = request_timeout_ms;
    *out = c;
    return COLONIES_OK;
}

void colonies_client_free(colonies_client *client)
{
    if (client == NULL) return;
    cl_transport_free(client->transport);
    free(client);
}

long cl_client_timeout_ms(const colonies_client *c, long extra_ms)
{
    long t = c->request_timeout_ms + extra_ms;
    return t < c->request_timeout_ms ? LONG_MAX : t;
}

/* Builds {"payloadtype":T,"payload":base64(msg),"signature":S}. */
static int build_envelope(char **out, const char *msgtype, cJSON *msg, const char *prvkey)
{
    cJSON_DeleteItemFromObjectCaseSensitive(msg, "msgtype");
    if (!cJSON_AddStringToObject(msg, "msgtype", msgtype)) return cl_fail(COLONIES_ENOMEM, "out of memory");
    char *json = cJSON_PrintUnformatted(msg);
    if (json == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    char *payload = NULL;
    int rc = cl_base64_encode(&payload, json, strlen(json), "payload");
    free(json);
    if (rc) return rc;
    char sig[131] = "";
    if (prvkey != NULL) rc = cl_sign_raw(sig, (const unsigned char *)payload, strlen(payload), prvkey);
    cJSON *env = rc ? NULL : cJSON_CreateObject();
    if (rc == 0 && (env == NULL || !cJSON_AddStringToObject(env, "payloadtype", msgtype) ||
                    !cJSON_AddStringToObject(env, "payload", payload) ||
                    !cJSON_AddStringToObject(env, "signature", sig)))
        rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0) rc = cl_json_print(out, env);
    cJSON_Delete(env);
    free(payload);
    return rc;
}

/* Maps a server error reply to a status code and records its message. */
static int server_error(long http_status, const char *msgtype, const char *message)
{
    int code;
    switch (http_status) {
    case 401:
    case 403: code = COLONIES_EFORBIDDEN; break;
    case 404: code = COLONIES_ENOTFOUND; break;
    case 408: code = COLONIES_ETIMEOUT; break;
    default: code = COLONIES_ESERVER; break;
    }
    return cl_fail(code, "%s: server replied %ld: %s", msgtype, http_status, message);
}

/* Decodes a reply envelope; on success *out is the payload JSON text. */
static int decode_reply(char **out, const char *msgtype, const cl_response *resp)
{
    cJSON *env = cJSON_ParseWithLength(resp->data, resp->len);
    const cJSON *payload = env ? cJSON_GetObjectItemCaseSensitive(env, "payload") : NULL;
    if (!cJSON_IsString(payload)) {
        cJSON_Delete(env);
        if (resp->status != 200) {
            /* Not an envelope: a proxy's or the router's own error page. */
            char snippet[200];
            size_t n = resp->len < sizeof snippet - 1 ? resp->len : sizeof snippet - 1;
            memcpy(snippet, resp->data, n);
            snippet[n] = '\0';
            return server_error(resp->status, msgtype, snippet);
        }
        return cl_fail(COLONIES_EREPLY, "%s: reply is not a Colonies reply envelope (HTTP %ld, %zu bytes)",
                       msgtype, resp->status, resp->len);
    }
    char *decoded = NULL;
    size_t decoded_len = 0;
    int rc = cl_base64_decode(&decoded, &decoded_len, payload->valuestring);
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(env, "error");
    int is_error = cJSON_IsTrue(error) || resp->status != 200;
    cJSON_Delete(env);
    if (rc) return cl_fail(rc, "%s: reply payload is not base64", msgtype);
    if (is_error) {
        cJSON *err = cJSON_ParseWithLength(decoded, decoded_len);
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(err, "status");
        long status = cJSON_IsNumber(st) && resp->status == 200 ? (long)st->valuedouble : resp->status;
        rc = server_error(status, msgtype, cJSON_IsString(msg) ? msg->valuestring : decoded);
        cJSON_Delete(err);
        free(decoded);
        return rc;
    }
    /* An empty payload is a valid "nothing to say" reply. */
    cJSON *check = decoded_len ? cJSON_ParseWithLength(decoded, decoded_len) : NULL;
    if (decoded_len && check == NULL) {
        free(decoded);
        return cl_fail(COLONIES_EREPLY, "%s: reply payload is not JSON", msgtype);
    }
    cJSON_Delete(check);
    *out = decoded;
    return COLONIES_OK;
}

int cl_client_call(colonies_client *c, char **out_json, const char *msgtype, cJSON *msg, const char *prvkey,
                   long timeout_ms)
{
    if (out_json) *out_json = NULL;
    if (c == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    if (msg == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    char *body = NULL;
    int rc = build_envelope(&body, msgtype, msg, prvkey);
    if (rc) return rc;
    cl_response resp;
    rc = cl_transport_request(c->transport, &resp, "/api", body, strlen(body),
                              timeout_ms > 0 ? timeout_ms : c->request_timeout_ms);
    free(body);
    if (rc) return rc;
    cl_set_http_status((int)resp.status);
    char *payload = NULL;
    rc = decode_reply(&payload, msgtype, &resp);
    free(resp.data);
    if (rc) return rc;
    if (out_json)
        *out_json = payload;
    else
        free(payload);
    return COLONIES_OK;
}

int colonies_client_send(colonies_client *client, char **out_json, const char *msgtype, const char *payload_json,
                         const char *prvkey, long timeout_ms)
{
    cl_clear_error();
    if (out_json) *out_json = NULL;
    if (msgtype == NULL || msgtype[0] == '\0') return cl_fail(COLONIES_EINVAL, "msgtype is empty");
    if (timeout_ms < 0) return cl_fail(COLONIES_EINVAL, "timeout_ms is negative");
    cJSON *msg = NULL;
    int rc = cl_json_parse(&msg, payload_json ? payload_json : "{}", cJSON_Object, "payload_json");
    if (rc) return rc;
    rc = cl_client_call(client, out_json, msgtype, msg, prvkey, timeout_ms);
    cJSON_Delete(msg);
    return rc;
}

int colonies_client_health(colonies_client *client)
{
    cl_clear_error();
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    cl_response resp;
    int rc = cl_transport_request(client->transport, &resp, "/health", NULL, 0, client->request_timeout_ms);
    if (rc) return rc;
    cl_set_http_status((int)resp.status);
    if (resp.status != 200) rc = server_error(resp.status, "health", resp.data);
    free(resp.data);
    return rc;
}
