/* Standard base64 with padding, as Go's base64.StdEncoding, over OpenSSL. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

int cl_base64_encode(char **out, const void *in, size_t len, const char *what)
{
    *out = NULL;
    if (len > (size_t)INT_MAX / 4 * 3 - 3) return cl_fail(COLONIES_EINVAL, "%s is too large", what);
    char *b = malloc(4 * ((len + 2) / 3) + 1);
    if (b == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    EVP_EncodeBlock((unsigned char *)b, in, (int)len);
    *out = b;
    return COLONIES_OK;
}

int cl_base64_decode(char **out, size_t *out_len, const char *in)
{
    *out = NULL;
    size_t len = strlen(in);
    if (len % 4 != 0 || len > (size_t)INT_MAX) return cl_fail(COLONIES_EREPLY, "reply payload is not base64");
    char *b = malloc(len / 4 * 3 + 1);
    if (b == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    int n = len ? EVP_DecodeBlock((unsigned char *)b, (const unsigned char *)in, (int)len) : 0;
    if (n < 0) {
        free(b);
        return cl_fail(COLONIES_EREPLY, "reply payload is not base64");
    }
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    if (len >= 1 && in[len - 1] == '=') n--;
    if (len >= 2 && in[len - 2] == '=') n--;
    b[n] = '\0';
    *out = b;
    *out_len = (size_t)n;
    return COLONIES_OK;
}
