/* Status texts (from the registry) and the per-thread last error. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "registry.h"

static _Thread_local char last_error[1024];
static _Thread_local int last_http_status;

const char *colonies_strerror(colonies_status code)
{
    for (size_t i = 0; i < cl_n_status_texts; i++)
        if (cl_status_texts[i].status == code) return cl_status_texts[i].text;
    return "unknown status";
}

const char *colonies_last_error(void) { return last_error; }

int colonies_last_http_status(void) { return last_http_status; }

void cl_clear_error(void)
{
    last_error[0] = '\0';
    last_http_status = 0;
}

void cl_set_http_status(int status) { last_http_status = status; }

/* Cuts s (of length len) back to a whole UTF-8 character, so a cut message still decodes. */
static void trim_utf8(char *s, size_t len)
{
    size_t end = len, i = len;
    /* Step back over continuation bytes to the lead byte of the last character. */
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && len - i < 3) i--;
    if (i == 0) return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len - (i - 1) < need) end = i - 1;
    s[end] = '\0';
}

int cl_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof last_error) trim_utf8(last_error, sizeof last_error - 1);
    return code;
}

const char *colonies_version(void) { return COLONIES_VERSION_STRING; }
