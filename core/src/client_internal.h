/* Private: what the typed calls need from the client. */
#ifndef COLONIES_CLIENT_INTERNAL_H
#define COLONIES_CLIENT_INTERNAL_H

#include "internal.h"

/*
 * Sends msg (a JSON object; "msgtype" is set on it) as message type msgtype,
 * signed by prvkey (NULL: unsigned). On success *out_json, when out_json is
 * not NULL, holds the reply payload. timeout_ms 0: the client's default.
 */
int cl_client_call(colonies_client *c, char **out_json, const char *msgtype, cJSON *msg, const char *prvkey,
                   long timeout_ms);
/* The client's request timeout plus extra_ms. */
long cl_client_timeout_ms(const colonies_client *c, long extra_ms);

#endif
