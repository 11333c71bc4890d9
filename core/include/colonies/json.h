/*
 * libcolonies: building the JSON strings the API takes, from C values.
 */
#ifndef COLONIES_JSON_H
#define COLONIES_JSON_H

#include "colonies/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Formats JSON text as printf does, with conversions that write JSON values:
 *   %s    a const char *, as a quoted and escaped JSON string (NULL: null)
 *   %J    a const char *, inserted as it is: JSON text (NULL: null)
 *   %d %ld %lld   an int, long, long long
 *   %zu   a size_t
 *   %g    a double (finite)
 *   %b    an int, as true (non-zero) or false
 *   %%    a percent sign
 * The result must be valid JSON, or COLONIES_EJSON. An unknown conversion is
 * COLONIES_EINVAL. *out_json is released with colonies_free(). For example:
 *
 *   colonies_json_format(&params, "{\"colonyname\":%s,\"count\":%d,\"state\":%d}",
 *                        colonyname, 10, COLONIES_PROCESS_WAITING);
 */
COLONIES_API colonies_status colonies_json_format(char **out_json, const char *format, ...);

#ifdef __cplusplus
}
#endif
#endif
