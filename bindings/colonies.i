/*
 * The one SWIG interface of libcolonies, shared by Python and Go. It includes
 * the real public headers, so no prototype is written twice; what differs
 * between the languages is only how outputs and statuses are mapped.
 *
 *   char **out_*          an output string: becomes a return value (Python)
 *                         or a *string argument (Go), released with
 *                         colonies_free() inside the wrapper
 *   colonies_client **out, colonies_cancel **out
 *                         the new handle
 *   const char *msg, size_t msg_len
 *                         bytes or str (Python), string (Go)
 *   colonies_status       Python: a non-zero status raises the exception that
 *                         colonies.errors maps it to, with the detail read in
 *                         the same wrapper call; Go: returned as an int, and
 *                         the idiomatic layer reads the detail on the same OS
 *                         thread
 */
%module capi

%{
#include "colonies/colonies.h"
%}

%ignore colonies_free; /* outputs are released inside the wrappers */
%ignore colonies_json_format; /* for C: the bindings build JSON in their own language */
%ignore colonies_executor_run; /* for C: the bindings run their functions in their own language */
%ignore colonies_function;

#if defined(SWIGPYTHON)
%include "python.i"
#elif defined(SWIGGO)
%include "go.i"
#endif

/* Bytes in, for the message arguments of the crypto calls (Go: string). */
#if !defined(SWIGPYTHON)
%apply (char *STRING, size_t LENGTH) { (const char *msg, size_t msg_len) };
#endif

%include <stdint.i>
%include "colonies/status.h"
%include "colonies/common.h"
%include "colonies/crypto.h"
%include "colonies/client.h"
%include "colonies/funcspec.h"
%include "colonies/registry.h"
%include "colonies/workflow.h"
%include "colonies/executor.h"
