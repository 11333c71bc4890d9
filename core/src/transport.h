/* Private: HTTP transport over libcurl with a pool of kept-alive handles. */
#ifndef COLONIES_TRANSPORT_H
#define COLONIES_TRANSPORT_H

#include <stddef.h>

#include "colonies/client.h"

typedef struct cl_transport cl_transport;

typedef struct {
    int tls;
    int verify_tls;
    const char *ca_bundle; /* NULL: the system's */
    long connect_timeout_ms;
    long max_idle_s;       /* a kept-alive connection idle longer is not reused */
} cl_transport_options;

typedef struct {
    const char *path;      /* "/api", "/health" */
    const char *body;      /* NULL: GET */
    size_t body_len;
    long timeout_ms;       /* the whole request */
    int idempotent;        /* may be sent again after a dropped connection */
    colonies_cancel *cancel; /* NULL: not cancellable */
    const char *what;      /* names the request in errors */
} cl_request;

typedef struct {
    char *data; /* NUL-terminated; malloc'd */
    size_t len;
    long status; /* HTTP status */
} cl_response;

int cl_transport_new(cl_transport **out, const char *host, int port, const cl_transport_options *opts);
void cl_transport_free(cl_transport *t);
/*
 * Sends one request. On success fills *resp (free resp->data with free()).
 * A request that is not idempotent is never sent twice: when the connection
 * dies after it went out, or the call times out or is cancelled after that,
 * the result is COLONIES_EINDOUBT.
 */
int cl_transport_request(cl_transport *t, cl_response *resp, const cl_request *req);

/* For the fault tests only: 1 lets libcurl resend non-idempotent requests; */
extern int cl_transport_unguarded;
/* 1 skips the check that a reused connection was not closed by the other end. */
extern int cl_transport_skip_liveness;

#endif
