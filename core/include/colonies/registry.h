/*
 * libcolonies: the registry, the one description of the Colonies protocol.
 *
 * Every operation the server serves (its name, message type, signer,
 * parameters with types, defaults and ranges, reply, whether it is safe to
 * send twice, the statuses it can return, pycolonies' names for it), the
 * server's data types, the status codes, the client options, the function
 * spec options and the environment variables are described once, in
 * core/registry.json. The library is built from it, the Python and Go
 * bindings and docs/protocol.md are generated from it, and this call gives
 * it to any other tool.
 */
#ifndef COLONIES_REGISTRY_H
#define COLONIES_REGISTRY_H

#include "colonies/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The registry as JSON text. A static string; never NULL. Thread-safe. */
COLONIES_API const char *colonies_registry(void);

#ifdef __cplusplus
}
#endif
#endif
