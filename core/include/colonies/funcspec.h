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
 * Builds a complete FunctionSpec, ready for the submit_func_spec operation,
 * from a flat JSON object of options (pycolonies' names), filling in the
 * defaults and checking every value. The options, their types, defaults and
 * ranges are the registry's "funcspec_options" (see colonies_registry()):
 * funcname and colonyname are required, and executortype or executorname(s);
 * args, kwargs, nodename (default funcname), priority, maxwaittime,
 * maxexectime, maxretries, label, env, fs, channels, dependencies, cpu, mem,
 * storage, gpu, nodes, processes, processespernode, walltime; executorname
 * adds one name to executornames, and code ships source base64 in env
 * "code". An unknown option is refused, so a misspelt one is never silently
 * ignored.
 *
 * Returns COLONIES_EJSON when options_json is not a JSON object and
 * COLONIES_EINVAL, naming the option, when a value is missing or wrong.
 * *out_json is released with colonies_free(). Thread-safe.
 */
COLONIES_API colonies_status colonies_func_spec_new(char **out_json, const char *options_json);

#ifdef __cplusplus
}
#endif
#endif
