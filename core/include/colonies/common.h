/*
 * libcolonies: status codes, error details, memory and version.
 *
 * Every fallible call returns 0 (COLONIES_OK) or one of the negative codes
 * below. The list only grows; codes are never renumbered. On failure a
 * per-thread message with the detail (the server's message, curl's text,
 * which argument was wrong) can be read with colonies_last_error(); every
 * public call clears it on entry, so it is never stale.
 */
#ifndef COLONIES_COMMON_H
#define COLONIES_COMMON_H

#include <stddef.h>

#include "colonies/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(COLONIES_STATIC) || defined(SWIG)
#define COLONIES_API
#elif defined(__GNUC__)
#define COLONIES_API __attribute__((visibility("default")))
#else
#define COLONIES_API
#endif

/* Status codes. */
#define COLONIES_OK 0
#define COLONIES_EINVAL (-1)      /* an argument is missing or malformed */
#define COLONIES_ENOMEM (-2)      /* out of memory */
#define COLONIES_EJSON (-3)       /* a JSON argument does not parse or has the wrong shape */
#define COLONIES_ETRANSPORT (-4)  /* connection refused or reset, name lookup, TLS */
#define COLONIES_ETIMEOUT (-5)    /* the server did not answer in time, or assign found no process */
#define COLONIES_ESERVER (-6)     /* the server replied with an error; see colonies_last_http_status() */
#define COLONIES_ENOTFOUND (-7)   /* the server says the thing asked for does not exist */
#define COLONIES_EREPLY (-8)      /* the server's reply is malformed */
#define COLONIES_ECRYPTO (-9)     /* a key or signature is invalid, or signing failed */
#define COLONIES_EFORBIDDEN (-10) /* the server refused the signer (bad signature, not a member, not the owner) */

/*
 * Fixed English text for a status code ("invalid argument", ...). Never NULL;
 * the string is static. Thread-safe.
 */
COLONIES_API const char *colonies_strerror(int code);

/*
 * The detail of the last failure on the calling thread, or "" when the last
 * public call on this thread succeeded. The string is owned by the library
 * and valid until the next libcolonies call on the same thread.
 */
COLONIES_API const char *colonies_last_error(void);

/*
 * The HTTP status of the last reply received on the calling thread, or 0 when
 * the last call received none.
 */
COLONIES_API int colonies_last_http_status(void);

/*
 * Releases a string returned by the library. Accepts NULL. Never use free()
 * on the library's strings: the library's allocator may differ from yours.
 * Secrets are wiped before release.
 */
COLONIES_API void colonies_free(char *str);

/* The library's version, "MAJOR.MINOR.PATCH". Static string. */
COLONIES_API const char *colonies_version(void);

#ifdef __cplusplus
}
#endif
#endif
