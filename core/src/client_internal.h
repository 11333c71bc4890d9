/* Private: the client handle and the signed call the calls share. */
#ifndef COLONIES_CLIENT_INTERNAL_H
#define COLONIES_CLIENT_INTERNAL_H

#include "internal.h"
#include "registry.h"
#include "transport.h"

struct colonies_client {
    cl_transport *transport;
    long request_timeout_ms;
};

/* One request to send: a message (JSON text with its msgtype) and how to send it. */
typedef struct {
    const char *msgtype;
    const char *msg_json; /* the message, "msgtype" included */
    const char *prvkey;   /* NULL: unsigned */
    long timeout_ms;
    int idempotent;
    colonies_cancel *cancel;
    const cl_op *op;      /* for the reply's remaps and shape; NULL for raw calls */
} cl_call;

/*
 * Signs and sends a message, and decodes the reply envelope. On success
 * *out_json (when out_json is not NULL) holds the reply payload.
 */
int cl_client_send(colonies_client *c, char **out_json, const cl_call *call);

/* The signed envelope {"payloadtype", "payload", "signature"} of a message. */
int cl_envelope(char **out, const char *msgtype, const char *msg_json, const char *prvkey);

#endif
