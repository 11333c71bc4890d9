/* Shared by the C examples: settings from the COLONIES_* environment that
 * scripts/colonies-server env prints. */
#ifndef EXAMPLES_ENV_H
#define EXAMPLES_ENV_H

#include <stdio.h>
#include <stdlib.h>

#include <colonies/colonies.h>

static inline const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && v[0] ? v : fallback;
}

/* Prints the failed call, the status text and the library's detail. */
static inline int report(const char *what, int rc)
{
    fprintf(stderr, "%s failed: %s: %s\n", what, colonies_strerror(rc), colonies_last_error());
    return 1;
}

/* A client for COLONIES_SERVER_HOST:COLONIES_SERVER_PORT. */
static inline int connect_from_env(colonies_client **client)
{
    const char *host = env_or("COLONIES_SERVER_HOST", "127.0.0.1");
    int port = atoi(env_or("COLONIES_SERVER_PORT", "50080"));
    const char *tls = env_or("COLONIES_TLS", "false");
    const char *options = tls[0] == 't' ? "{\"tls\":true}" : NULL;
    return colonies_client_new(client, host, port, options);
}

#endif
