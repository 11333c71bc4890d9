/*
 * libcolonies: status codes, error details, memory and version.
 *
 * Every fallible call returns a colonies_status: 0 (COLONIES_OK) or one of
 * the negative codes of colonies/status.h. The list only grows; codes are
 * never renumbered. On failure a per-thread message with the detail (the
 * server's message, curl's text, which argument was wrong) can be read with
 * colonies_last_error(); every public call clears it and the HTTP status on
 * entry, so neither is ever stale.
 */
#ifndef COLONIES_COMMON_H
#define COLONIES_COMMON_H

#include <stddef.h>

#include "colonies/version.h"

#if defined(COLONIES_STATIC) || defined(SWIG)
#define COLONIES_API
#elif defined(__GNUC__)
#define COLONIES_API __attribute__((visibility("default")))
#else
#define COLONIES_API
#endif

#include "colonies/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Fixed English text for a status code ("invalid argument", ...). Never NULL;
 * the string is static. Thread-safe.
 */
COLONIES_API const char *colonies_strerror(colonies_status code);

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
