/*
 * Hex encoding. Written here rather than taken from OpenSSL because the
 * protocol needs lower-case output and strict input (no separators, exact
 * length), which OPENSSL_buf2hexstr/hexstr2buf do not give.
 */
#include "internal.h"

void cl_hex_encode(char *out, const unsigned char *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int cl_hex_decode(unsigned char *out, size_t out_len, const char *hex)
{
    for (size_t i = 0; i < out_len; i++) {
        if (hex[2 * i] == '\0' || hex[2 * i + 1] == '\0') return -1;
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return hex[2 * out_len] == '\0' ? 0 : -1;
}
