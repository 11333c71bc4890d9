/*
 * A drop-in for the Go-built libcryptolib.so that pycolonies' native mode
 * loads with ctypes. Same five symbols and conventions: each returns a string
 * allocated with malloc() that the caller may free(), and the string "error"
 * on any failure. Unlike the Go version nothing is printed: the reason is
 * available from colonies_last_error() for C callers that link libcolonies.
 */
#include <stdlib.h>
#include <string.h>

#include "colonies/colonies.h"

#define EXPORT __attribute__((visibility("default")))

/* Copies a library string into a plain malloc'd one, or "error" when rc != 0. */
static char *result(int rc, char *value)
{
    char *out = strdup(rc == 0 && value ? value : "error");
    colonies_free(value);
    return out;
}

EXPORT char *prvkey(void);
EXPORT char *id(char *prvkey);
EXPORT char *sign(char *msg, char *prvkey);
EXPORT char *hash(char *msg);
EXPORT char *recoverid(char *msg, char *sig);

char *prvkey(void)
{
    char *out = NULL;
    int rc = colonies_crypto_prvkey(&out);
    return result(rc, out);
}

char *id(char *key)
{
    char *out = NULL;
    int rc = colonies_crypto_id(&out, key);
    return result(rc, out);
}

char *sign(char *msg, char *key)
{
    char *out = NULL;
    int rc = msg ? colonies_crypto_sign(&out, msg, strlen(msg), key) : COLONIES_EINVAL;
    return result(rc, out);
}

char *hash(char *msg)
{
    char *out = NULL;
    int rc = msg ? colonies_crypto_hash(&out, msg, strlen(msg)) : COLONIES_EINVAL;
    return result(rc, out);
}

char *recoverid(char *msg, char *sig)
{
    char *out = NULL;
    int rc = msg ? colonies_crypto_recover_id(&out, msg, strlen(msg), sig) : COLONIES_EINVAL;
    return result(rc, out);
}
