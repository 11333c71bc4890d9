/*
 * libcolonies: the executor runtime, so that no executor writes the assign
 * loop by hand.
 *
 *   colonies_executor *ex;
 *   colonies_executor_new(&ex, client, "{\"colonyname\":\"dev\",\"executortype\":\"echo\","
 *                                      "\"prvkey\":\"...\",\"functions\":[\"echo\"]}");
 *   for (;;) {
 *       char *job;
 *       if (colonies_executor_next(ex, &job, stop) != COLONIES_OK) break;   // stopped
 *       ... run job's "funcname" on its "args" ...
 *       colonies_executor_close(ex, processid, "[\"result\"]", NULL);   // or _fail
 *   }
 *   colonies_executor_stop(ex);
 *
 * The options are the registry's "executor_options": colonyname and
 * executortype (required), executorname (default: the type and the start of
 * the id), prvkey (the executor's; when left out a new key is made, and
 * colony_prvkey must be given), colony_prvkey (the colony owner's: the
 * runtime then registers and approves the executor itself, and
 * colonies_executor_stop removes it), functions (names added with
 * add_function), assign_timeout (seconds each assign waits in the server)
 * and backoff_max (the longest pause, in seconds, between tries while the
 * server does not answer).
 *
 * The runtime keeps going when the server goes away: it tries again, backing
 * off, and says so once. An assign cut off while the server held it, or an
 * executor started again with the same key, may leave processes running
 * here that nobody is working on: they are handed out again. A close or
 * fail whose outcome is unknown is checked against the process and sent
 * again only while the process still runs here.
 */
#ifndef COLONIES_EXECUTOR_H
#define COLONIES_EXECUTOR_H

#include "colonies/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct colonies_executor colonies_executor;

/* A runtime on client (which must outlive it); nothing is sent yet. */
COLONIES_API colonies_status colonies_executor_new(colonies_executor **out, colonies_client *client,
                                                   const char *options_json);

/*
 * {"colonyname", "executorname", "executortype", "executorid", "prvkey",
 * "registered" (by this runtime), "server_down" (as last seen)}.
 */
COLONIES_API colonies_status colonies_executor_info(colonies_executor *ex, char **out_json);

/*
 * Registers the executor (with colony_prvkey) and adds its functions, if not
 * done yet; colonies_executor_next does it too. Once it has returned, the
 * executor is a member of the colony and processes for it can be submitted
 * with its key.
 */
COLONIES_API colonies_status colonies_executor_register_start(colonies_executor *ex, colonies_call **out);
COLONIES_API colonies_status colonies_executor_register(colonies_executor *ex, colonies_cancel *cancel);

/*
 * The next piece of work, registering the executor and adding its functions
 * first if need be. Its reply is a job:
 *   {"process": the process, "funcname", "args": the parents' outputs for a
 *    node of a workflow that has them, else the spec's args, "kwargs",
 *    "maxexectime": seconds (-1: no limit), "code": source shipped in the
 *    spec (decoded), or null, "notice": a change in the server's reachability
 *    worth telling, or null, "ctx": {"process", "colonyname", "colonyid" (the
 *    seed's name for colonyname), "executorname", "executor_prvkey"}}
 * or, with nothing to do, {"notice": "..."} alone, when the server stops or
 * starts answering: tell someone, and call again. Assigns that find nothing
 * are repeated inside; only a cancel, or an error no retry can mend (a key
 * the server refuses, a name taken by another executor), ends it.
 */
COLONIES_API colonies_status colonies_executor_next_start(colonies_executor *ex, colonies_call **out);
COLONIES_API colonies_status colonies_executor_next(colonies_executor *ex, char **out_json, colonies_cancel *cancel);

/*
 * Closes the process handed out with output_json (a JSON list), or fails it
 * with errors_json (a JSON list of strings). Sent again while the outcome is
 * unknown and the process still runs here; COLONIES_ESERVER naming its state
 * when it no longer does (cancelled, or given to another executor after its
 * maxexectime); COLONIES_EINDOUBT when cancelled with the outcome unknown.
 */
COLONIES_API colonies_status colonies_executor_close_start(colonies_executor *ex, colonies_call **out,
                                                           const char *processid, const char *output_json);
COLONIES_API colonies_status colonies_executor_fail_start(colonies_executor *ex, colonies_call **out,
                                                          const char *processid, const char *errors_json);
COLONIES_API colonies_status colonies_executor_close(colonies_executor *ex, const char *processid,
                                                     const char *output_json, colonies_cancel *cancel);
COLONIES_API colonies_status colonies_executor_fail(colonies_executor *ex, const char *processid,
                                                    const char *errors_json, colonies_cancel *cancel);

/*
 * The whole loop, for C programs: runs each job's function (by funcname)
 * on the calling thread and closes its process with the output it gives, or
 * fails it with its error text, until stop fires (COLONIES_OK) or an error
 * no retry can mend. A function gets the job (see colonies_executor_next)
 * and returns COLONIES_OK with *output_json (a JSON list, malloc'd or made
 * by the library; NULL: []), or another status with *error (malloc'd text,
 * or NULL). on_notice (may be NULL) hears the runtime's notices.
 */
typedef struct {
    const char *name;
    colonies_status (*fn)(void *user, const char *job_json, char **output_json, char **error);
    void *user;
} colonies_function;

COLONIES_API colonies_status colonies_executor_run(colonies_executor *ex, const colonies_function *functions,
                                                   size_t n, void (*on_notice)(void *user, const char *text),
                                                   void *user, colonies_cancel *stop);

/* Removes the executor if this runtime registered it (with colony_prvkey); else nothing. */
COLONIES_API colonies_status colonies_executor_stop(colonies_executor *ex);

/* Releases the runtime; no call of it may be in flight. Accepts NULL. */
COLONIES_API void colonies_executor_free(colonies_executor *ex);

#ifdef __cplusplus
}
#endif
#endif
