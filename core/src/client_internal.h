/* Private: the client handle and what its calls share. */
#ifndef COLONIES_CLIENT_INTERNAL_H
#define COLONIES_CLIENT_INTERNAL_H

#include "internal.h"
#include "loop.h"
#include "registry.h"

struct colonies_client {
    cl_loop *loop;           /* this process's: see cl_client_loop */
    atomic_int pid;          /* the process loop belongs to */
    atomic_int renewing;     /* a child is making its own loop */
    char *host;
    int port;
    cl_loop_options loop_opts; /* its ca_bundle is ca_bundle below */
    long request_timeout_ms;
    pthread_mutex_t tasks_lock;
    colonies_call *tasks; /* running tasks, for colonies_client_cancel_all */
    /* For the colony file system's S3 (fs.c): the options as given (secrets wiped when freed). */
    char *options_json;
    char *ca_bundle;
    long connect_timeout_ms;
};

/*
 * The client's loop in the calling process, in *out; a status (with the
 * error set) when none can be made. A client made before a fork() gets a loop of its own in
 * the child, on connections of its own: the parent's loop thread is not in
 * the child, and its connections are the parent's, which the child must not
 * use. The parent's loop is left alone there (its sockets only closed in the
 * child); the parent goes on with it.
 */
int cl_client_loop(colonies_client *client, cl_loop **out);

/*
 * A function spec's "fs" section (fs.c), as the upstream executors honour it,
 * under the executor's fs_dir: before the run (only when it names a mount),
 * the snapshots downloaded and the dirs synced (onstart's keeplocal); after
 * it, the snapshots not kept removed (and their files unless kept), the
 * dirs synced (onclose's keeplocal), and the dirs not kept removed.
 * "{processid}" in a dir or a dir's label is the process's id.
 */
int cl_fs_before(colonies_client *client, const char *prvkey, const char *colonyname, const char *fs_dir,
                 const cJSON *fs, const char *processid, colonies_cancel *cancel);
int cl_fs_after(colonies_client *client, const char *prvkey, const char *colonyname, const char *fs_dir,
                const cJSON *fs, const char *processid, colonies_cancel *cancel);

/* Starts a local operation (fs.c) as a task, from its checked message. */
int cl_local_start(colonies_call **out, colonies_client *client, const cl_op *op, const char *msg,
                   const char *prvkey, int64_t timeout_ms);

/* The signed envelope {"payloadtype", "payload", "signature"} of a message. */
int cl_envelope(char **out, const char *msgtype, const char *msg_json, const char *prvkey);

/*
 * Decodes a reply envelope (an HTTP status and body) of a request of
 * msgtype, with op's remaps (NULL: none); on success *out is the payload
 * JSON text (free()). idempotent tells whether a gateway's lost answer
 * leaves the request in doubt.
 */
int cl_decode_reply(char **out, const char *msgtype, const cl_op *op, int idempotent, long http_status,
                    const char *body, size_t body_len);

/*
 * The message for op from the parameters in params_json, checked against the
 * registry; *hold_s is what the server holds the request open for. (call.c)
 */
int cl_build_message(char **out, long *hold_s, const cl_op *op, const char *params_json);

/*
 * Everything before sending: the operation named operation, the key that
 * signs it (NULL for an unsigned one), its message, and the seconds the
 * server holds it open. websocket: 1 for a subscription, 0 for a POST, -1
 * for either. (call.c)
 */
int cl_prepare(const cl_op **op, const char **key, char **msg, long *hold_s, const char *operation,
               const char *params_json, const char *prvkey, int websocket);

/* Calls in flight (call.c), for the waits (wait.c). */
int cl_call_new(colonies_call **out, colonies_client *client, const char *msgtype);
void cl_call_set_wait(colonies_call *c, void *wait, void (*start)(cl_job *), void (*cancel)(cl_job *),
                      void (*wait_free)(void *));
void *cl_call_wait_state(colonies_call *c);
colonies_client *cl_call_client(colonies_call *c);
int cl_call_submit(colonies_call *c);
/* On the loop thread: the call has ended with this outcome (reply: malloc'd, taken). */
void cl_call_finish(colonies_call *c, int status, const char *detail, long http_status, char *reply,
                    size_t reply_len);
/*
 * A task: run(arg, cancel, &reply) on a thread of its own, as a call. run is
 * sequential code that may make calls of its own with cancel, which fires
 * when the call is cancelled; it returns a status (with the detail set as
 * cl_fail does) and, on success, a malloc'd JSON reply. arg_free(arg) runs
 * when the call is freed. (call.c)
 */
typedef int (*cl_task_fn)(void *arg, colonies_cancel *cancel, char **reply);
int cl_task_start(colonies_call **out, colonies_client *client, const char *what, cl_task_fn run, void *arg,
                  void (*arg_free)(void *arg));
void cl_tasks_cancel_all(colonies_client *client);
/* Waits for a call (cancelling it when cancel fires), takes its result and frees it. */
int cl_call_complete(colonies_call *call, char **out_json, colonies_cancel *cancel);

#endif
