/* Private: HTTP transport over libcurl with a pool of kept-alive handles. */
#ifndef COLONIES_TRANSPORT_H
#define COLONIES_TRANSPORT_H

#include <stddef.h>

typedef struct cl_transport cl_transport;

typedef struct {
    int tls;
    int verify_tls;
    const char *ca_bundle; /* NULL: the system's */
    long connect_timeout_ms;
} cl_transport_options;

typedef struct {
    char *data; /* NUL-terminated; malloc'd */
    size_t len;
    long status; /* HTTP status */
} cl_response;

int cl_transport_new(cl_transport **out, const char *host, int port, const cl_transport_options *opts);
void cl_transport_free(cl_transport *t);
/* POSTs body, or GETs when body is NULL. On success fills *resp (free resp->data with free()). */
int cl_transport_request(cl_transport *t, cl_response *resp, const char *path,
                         const char *body, size_t body_len, long timeout_ms);

#endif
