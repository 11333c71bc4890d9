/* The library's own allocations, released by colonies_free(). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

char *cl_strndup(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

char *cl_strdup(const char *s) { return cl_strndup(s, strlen(s)); }

void colonies_free(char *str)
{
    if (str == NULL) return;
    /* Strings out of the library may be keys or signatures: wipe them all. */
    OPENSSL_cleanse(str, strlen(str));
    free(str);
}
