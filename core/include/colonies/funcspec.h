/*
 * libcolonies: function specifications, the unit of work a client submits.
 */
#ifndef COLONIES_FUNCSPEC_H
#define COLONIES_FUNCSPEC_H

#include "colonies/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Builds a complete FunctionSpec, ready for colonies_client_submit(), from
 * a flat JSON object of options, filling in the defaults and checking every
 * value. The one place where those defaults and rules live.
 *
 * Options (pycolonies' names):
 *   "funcname": string, required          the function to call
 *   "colonyname": string, required
 *   "executortype": string                who may run it; this and/or
 *   "executorname": string                executorname(s) is required
 *   "executornames": [string]
 *   "args": array ([]), "kwargs": object (none)
 *   "nodename": string (funcname)         the node's name in a workflow
 *   "priority": int (1), -50000..50000
 *   "maxwaittime", "maxexectime": int seconds (-1: no limit)
 *   "maxretries": int (-1: no limit)
 *   "label": string ("")
 *   "env": object of strings ({})
 *   "fs": object (none)                   files to sync: {"mount", "snapshots", "dirs"}
 *   "channels": [string] ([])             channels the process may use
 *   "code": string                        source shipped in env "code", base64
 *   "dependencies": [string] ([])          nodenames this node waits for
 *   "cpu", "mem", "storage": string (""), "nodes", "processes",
 *   "processespernode", "walltime": int (0), "gpu": object (none)
 * An unknown option is refused, so a misspelt one is never silently ignored.
 *
 * Returns COLONIES_EJSON when options_json is not a JSON object and
 * COLONIES_EINVAL, naming the option, when a value is missing or wrong.
 * *out_json is released with colonies_free(). Thread-safe.
 */
COLONIES_API int colonies_func_spec_new(char **out_json, const char *options_json);

#ifdef __cplusplus
}
#endif
#endif
