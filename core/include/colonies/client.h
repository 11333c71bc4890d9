/*
 * libcolonies: a client for a Colonies server.
 *
 * A client names one server and holds a pool of kept-alive connections. It
 * is immutable after creation and safe to use from many threads at once;
 * colonies_client_free() may be called from any thread once no call is in
 * flight on the handle.
 *
 * Every call that talks to the server:
 *   - takes the handle first, then the output, then the inputs;
 *   - sets *out_json to NULL on entry; on success stores the server's reply
 *     (a JSON document) for the caller to release with colonies_free(); calls
 *     whose reply carries nothing of use take no output;
 *   - signs the request with prvkey (64 hex), the caller's private key; the
 *     library only reads it during the call and wipes its decoded copy;
 *   - copies its inputs; nothing is kept past the call;
 *   - returns 0 or a negative status code (see common.h). A server error
 *     gives COLONIES_ESERVER, COLONIES_ENOTFOUND or COLONIES_EFORBIDDEN with
 *     the server's message in colonies_last_error() and the HTTP status in
 *     colonies_last_http_status().
 *
 * JSON inputs use the server's field names (see the Colonies protocol).
 * Process states: 0 waiting, 1 running, 2 successful, 3 failed, 4 cancelled.
 */
#ifndef COLONIES_CLIENT_H
#define COLONIES_CLIENT_H

#include "colonies/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct colonies_client colonies_client;

#define COLONIES_WAITING 0
#define COLONIES_RUNNING 1
#define COLONIES_SUCCESSFUL 2
#define COLONIES_FAILED 3
#define COLONIES_CANCELLED 4

/*
 * Creates a client for the server at host:port.
 *
 * options_json may be NULL or a JSON object with any of:
 *   "tls": bool (false)                 use https
 *   "verify_tls": bool (true)           verify the server's certificate and name
 *   "ca_bundle": string                 PEM file of trusted CAs (system default)
 *   "connect_timeout_ms": int (10000)   to establish a connection
 *   "request_timeout_ms": int (60000)   a whole request; a blocking assign
 *                                       gets its own timeout on top of this
 * Unknown keys are refused with COLONIES_EINVAL, so a misspelt option is
 * never silently ignored.
 */
COLONIES_API int colonies_client_new(colonies_client **out, const char *host, int port,
                                     const char *options_json);

/* Releases a client and its connections. Accepts NULL. */
COLONIES_API void colonies_client_free(colonies_client *client);

/*
 * The generic call: sends message type msgtype with the fields of the JSON
 * object payload_json (the "msgtype" field is added), signed by prvkey (NULL
 * for the unsigned types versionmsg and getserverinfomsg), and stores the
 * decoded reply payload in *out_json (NULL allowed when the reply is not
 * wanted). timeout_ms 0 means the client's request timeout.
 */
COLONIES_API int colonies_client_send(colonies_client *client, char **out_json,
                                      const char *msgtype, const char *payload_json,
                                      const char *prvkey, long timeout_ms);

/* Server. */
/* GET /health: 0 when the server answers that it is healthy. */
COLONIES_API int colonies_client_health(colonies_client *client);
/* The server's build version and time: {"buildversion": ..., "buildtime": ...}. */
COLONIES_API int colonies_client_version(colonies_client *client, char **out_json);
/* Public server information (unsigned). */
COLONIES_API int colonies_client_server_info(colonies_client *client, char **out_json);
/* Server-wide statistics; prvkey is the server owner's. */
COLONIES_API int colonies_client_statistics(colonies_client *client, char **out_json,
                                            const char *prvkey);

/* Colonies; add and remove need the server owner's key. */
COLONIES_API int colonies_client_add_colony(colonies_client *client, char **out_json,
                                            const char *colony_json, const char *prvkey);
COLONIES_API int colonies_client_remove_colony(colonies_client *client, const char *colonyname,
                                               const char *prvkey);
COLONIES_API int colonies_client_get_colony(colonies_client *client, char **out_json,
                                            const char *colonyname, const char *prvkey);
COLONIES_API int colonies_client_list_colonies(colonies_client *client, char **out_json,
                                               const char *prvkey);
COLONIES_API int colonies_client_colony_statistics(colonies_client *client, char **out_json,
                                                   const char *colonyname, const char *prvkey);

/* Executors; add, approve, reject and remove need the colony owner's key. */
COLONIES_API int colonies_client_add_executor(colonies_client *client, char **out_json,
                                              const char *executor_json, const char *prvkey);
COLONIES_API int colonies_client_approve_executor(colonies_client *client, const char *colonyname,
                                                  const char *executorname, const char *prvkey);
COLONIES_API int colonies_client_reject_executor(colonies_client *client, const char *colonyname,
                                                 const char *executorname, const char *prvkey);
COLONIES_API int colonies_client_remove_executor(colonies_client *client, const char *colonyname,
                                                 const char *executorname, const char *prvkey);
COLONIES_API int colonies_client_get_executor(colonies_client *client, char **out_json,
                                              const char *colonyname, const char *executorname,
                                              const char *prvkey);
COLONIES_API int colonies_client_list_executors(colonies_client *client, char **out_json,
                                                const char *colonyname, const char *prvkey);

/* Functions an executor offers. executorname may be NULL or "" to list the whole colony's. */
COLONIES_API int colonies_client_add_function(colonies_client *client, char **out_json,
                                              const char *function_json, const char *prvkey);
COLONIES_API int colonies_client_list_functions(colonies_client *client, char **out_json,
                                                const char *colonyname, const char *executorname,
                                                const char *prvkey);
COLONIES_API int colonies_client_remove_function(colonies_client *client, const char *functionid,
                                                 const char *prvkey);

/* Processes. */
/* Submits a function spec (see colonies_func_spec_new); the reply is the new process. */
COLONIES_API int colonies_client_submit(colonies_client *client, char **out_json,
                                        const char *spec_json, const char *prvkey);
/*
 * Waits up to timeout_s seconds for a process to run and assigns it to the
 * calling executor. availablecpu and availablemem (NULL or "" for none) are
 * the executor's free resources, e.g. "1000m" and "1Gi". COLONIES_ETIMEOUT
 * when no process was assigned in time.
 */
COLONIES_API int colonies_client_assign(colonies_client *client, char **out_json,
                                        const char *colonyname, int timeout_s,
                                        const char *availablecpu, const char *availablemem,
                                        const char *prvkey);
/* Closes a process as successful; output_json is a JSON array (NULL for none). */
COLONIES_API int colonies_client_close(colonies_client *client, const char *processid,
                                       const char *output_json, const char *prvkey);
/* Closes a process as failed; errors_json is a JSON array of strings (NULL for none). */
COLONIES_API int colonies_client_fail(colonies_client *client, const char *processid,
                                      const char *errors_json, const char *prvkey);
/* Sets the output (a JSON array) of a running process. */
COLONIES_API int colonies_client_set_output(colonies_client *client, const char *processid,
                                            const char *output_json, const char *prvkey);
COLONIES_API int colonies_client_get_process(colonies_client *client, char **out_json,
                                             const char *processid, const char *prvkey);
/*
 * Lists up to count processes (the server allows at most 100) of a colony in
 * a state (COLONIES_WAITING, ...). executortype, label and initiator (a
 * user's name) filter when not NULL or ""; the server applies only the
 * first of them that is set.
 */
COLONIES_API int colonies_client_list_processes(colonies_client *client, char **out_json,
                                                const char *colonyname, int count, int state,
                                                const char *executortype, const char *label,
                                                const char *initiator, const char *prvkey);
COLONIES_API int colonies_client_remove_process(colonies_client *client, const char *processid,
                                                const char *prvkey);
/* Removes all processes of a colony in a state, or in every state when state is -1. */
COLONIES_API int colonies_client_remove_all_processes(colonies_client *client,
                                                      const char *colonyname, int state,
                                                      const char *prvkey);
COLONIES_API int colonies_client_cancel_process(colonies_client *client, const char *processid,
                                                const char *prvkey);

#ifdef __cplusplus
}
#endif
#endif
