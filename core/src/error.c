/* Status texts and the per-thread last error. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[1024];
static _Thread_local int last_http_status;

const char *colonies_strerror(int code)
{
    switch (code) {
    case COLONIES_OK: return "success";
    case COLONIES_EINVAL: return "invalid argument";
    case COLONIES_ENOMEM: return "out of memory";
    case COLONIES_EJSON: return "malformed JSON argument";
    case COLONIES_ETRANSPORT: return "transport failure";
    case COLONIES_ETIMEOUT: return "timed out";
    case COLONIES_ESERVER: return "server error";
    case COLONIES_ENOTFOUND: return "not found";
    case COLONIES_EREPLY: return "malformed reply from server";
    case COLONIES_ECRYPTO: return "invalid key or signature";
    case COLONIES_EFORBIDDEN: return "forbidden";
    default: return "unknown error";
    }
}

const char *colonies_last_error(void) { return last_error; }

int colonies_last_http_status(void) { return last_http_status; }

void cl_clear_error(void)
{
    last_error[0] = '\0';
    last_http_status = 0;
}

void cl_set_http_status(int status) { last_http_status = status; }

int cl_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

const char *colonies_version(void) { return COLONIES_VERSION_STRING; }
