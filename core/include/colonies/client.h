/*
 * libcolonies: a client for a Colonies server.
 *
 * A client names one server and holds a pool of kept-alive connections. It
 * is immutable after creation and safe to use from many threads at once;
 * colonies_client_free() may be called from any thread once no call is in
 * flight on the handle.
 *
 * Every operation the server offers is one row of the registry (see
 * colonies/registry.h): its name, its message type, its parameters with
 * their types, defaults and ranges, its reply, whether it is safe to send
 * twice. colonies_client_call() runs any of them by name, with its
 * parameters as a JSON object, checking them against the registry before
 * anything is sent:
 *
 *   char *process = NULL;
 *   colonies_status rc = colonies_client_call(client, &process, "get_process",
 *       "{\"processid\":\"...\"}", prvkey, 0, NULL);
 *
 * Every call that talks to the server:
 *   - takes the handle first, then the output, then the inputs;
 *   - sets *out_json to NULL on entry; on success stores the reply (JSON) for
 *     the caller to release with colonies_free(); an operation whose reply
 *     carries nothing stores "null";
 *   - signs the request with prvkey (64 hex), the caller's private key; the
 *     library only reads it during the call and wipes its decoded copy;
 *   - copies its inputs; nothing is kept past the call;
 *   - returns COLONIES_OK or a negative status (see colonies/status.h). A
 *     server error gives COLONIES_ESERVER, COLONIES_ENOTFOUND or
 *     COLONIES_EFORBIDDEN with the server's message in colonies_last_error()
 *     and the HTTP status in colonies_last_http_status().
 *
 * Each client has one thread of its own that drives all its requests and
 * subscriptions on curl's multi interface: a call is a handle the caller
 * waits for (or polls as a file descriptor, from poll(), an event loop or a
 * language runtime), and any thread can cancel it. The blocking calls below
 * are a call started and waited for.
 *
 * Requests carry no nonce, so a request sent twice acts twice. The library
 * never sends an operation that is not idempotent (submit, assign, close,
 * add, ...) a second time, not even when a kept-alive connection dies under
 * it: when the request went out and no reply came, the call returns
 * COLONIES_EINDOUBT, and the caller reconciles (for example by listing its
 * processes). Idempotent reads are retried once on a new connection when
 * their connection breaks.
 */
#ifndef COLONIES_CLIENT_H
#define COLONIES_CLIENT_H

#include <stdint.h>

#include "colonies/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct colonies_client colonies_client;

/*
 * A cancel token: fired from any thread, it stops the blocking calls that
 * were given it at once (a blocked assign included). A call stopped before its request
 * went out, or an idempotent one, returns COLONIES_ECANCELLED; one that may
 * already have acted returns COLONIES_EINDOUBT. A fired token stays fired.
 * The token must outlive the calls that use it.
 */
typedef struct colonies_cancel colonies_cancel;

COLONIES_API colonies_status colonies_cancel_new(colonies_cancel **out);
/* Fires the token. Thread-safe; accepts NULL. */
COLONIES_API void colonies_cancel_fire(colonies_cancel *cancel);
/* 1 when the token has fired, else 0 (NULL: 0). Thread-safe. */
COLONIES_API int colonies_cancel_fired(const colonies_cancel *cancel);
/* Releases a token no call is using. Accepts NULL. */
COLONIES_API void colonies_cancel_free(colonies_cancel *cancel);

/*
 * Creates a client for the server at host:port.
 *
 * options_json may be NULL or a JSON object of client options; the registry
 * lists them ("client_options" in colonies_registry()): tls, verify_tls,
 * ca_bundle, connect_timeout and request_timeout (seconds), max_idle (the
 * seconds a kept-alive connection may idle and still be reused),
 * max_connections, the retry policy (retries, retry_backoff,
 * retry_backoff_max; see the README), resubscribe (a subscription whose
 * connection is lost subscribes again, true by default), trace (a line on stderr for each
 * request: type, outcome, HTTP status, time, tries, sizes; never a key, a
 * signature or a payload; also COLONIES_TRACE=true) and the colony file
 * system's s3_*.
 * Unknown keys are refused with COLONIES_EINVAL, so a misspelt option is
 * never silently ignored.
 *
 * A client may be used from many threads, and in a child after fork(): there
 * its first call gives it connections of its own, and the parent's are left
 * to the parent.
 */
COLONIES_API colonies_status colonies_client_new(colonies_client **out, const char *host, int port,
                                                 const char *options_json);

/*
 * Creates a client from the environment (COLONIES_SERVER_HOST,
 * COLONIES_SERVER_PORT, COLONIES_SERVER_TLS or COLONIES_TLS; see
 * colonies_env()), with options_json as for colonies_client_new (an option
 * given there wins over the environment). COLONIES_EINVAL, naming the
 * variable, when one is missing or malformed.
 */
COLONIES_API colonies_status colonies_client_new_from_env(colonies_client **out, const char *options_json);

/*
 * The COLONIES_* environment variables the registry knows, read and checked,
 * as a JSON object keyed by the registry's names for them: {"host": ...,
 * "port": 50080, "tls": false, "colonyname": ..., "prvkey": ..., ...}; unset
 * variables are left out. When both COLONIES_SERVER_TLS (pycolonies') and
 * COLONIES_TLS (the server's tools') are set, COLONIES_SERVER_TLS wins.
 */
COLONIES_API colonies_status colonies_env(char **out_json);

/* Releases a client and its connections. Calls still in flight are
 * cancelled and ended first: a thread blocked in a call of the client
 * returns COLONIES_ECANCELLED (or COLONIES_EINDOUBT) before this returns. A
 * prepared call (colonies_client_call_prepare) that a wait has sent goes on
 * only while waited for: free it, or wait for it, first. Accepts NULL. */
COLONIES_API void colonies_client_free(colonies_client *client);

/*
 * Runs the registry's operation named operation (e.g. "submit_func_spec",
 * "assign_process", "get_process") with the parameters in params_json, a
 * JSON object (NULL: {}), signed by prvkey (NULL for the operations the
 * registry says are unsigned).
 *
 * Before anything is sent, the parameters are checked against the
 * registry: an unknown operation, or a parameter that is unknown, missing,
 * of the wrong type or out of range, gives COLONIES_EINVAL naming it.
 * Parameters left out get their registry defaults.
 *
 * On success *out_json (when out_json is not NULL) holds the reply: the
 * object the registry names, a JSON array for lists (the server's null for
 * an empty list becomes []), or "null" for operations that reply nothing.
 *
 * timeout_ms bounds the whole call; 0 means the client's request timeout,
 * plus, for an operation the server holds open (assign_process), the time
 * it is asked to wait. cancel (may be NULL) stops the call when fired.
 */
COLONIES_API colonies_status colonies_client_call(colonies_client *client, char **out_json, const char *operation,
                                                  const char *params_json, const char *prvkey, int64_t timeout_ms,
                                                  colonies_cancel *cancel);

/*
 * The raw call: sends message type msgtype with the fields of the JSON
 * object payload_json (the "msgtype" field is added), signed by prvkey
 * (NULL: unsigned), with no check against the registry, and stores the
 * decoded reply payload in *out_json (NULL allowed). A raw call is never
 * sent twice. timeout_ms 0: the client's request timeout.
 */
COLONIES_API colonies_status colonies_client_send(colonies_client *client, char **out_json, const char *msgtype,
                                                  const char *payload_json, const char *prvkey,
                                                  int64_t timeout_ms, colonies_cancel *cancel);

/*
 * Calls in flight. Every call that talks to the server has a _start form
 * that returns at once with a call handle; the blocking form is the start,
 * a wait and the result. colonies_client_call_start() starts what
 * colonies_client_call() runs:
 *   colonies_call_wait(call, ms)    1 once the call has ended (waiting up to
 *                                   ms; -1 without limit, 0 just looks), else 0
 *   colonies_call_fd(call)          a descriptor that becomes readable when the
 *                                   call ends (for poll(), epoll, asyncio, Go's
 *                                   netpoller); -1 if none can be made
 *   colonies_call_cancel(call)      stops it from any thread; it still ends
 *                                   (COLONIES_ECANCELLED, or COLONIES_EINDOUBT if
 *                                   its request may already have acted)
 *   colonies_call_result(call, &out) its status and reply, once ended, as
 *                                   colonies_client_call() gives them, with the
 *                                   detail in colonies_last_error() on the calling
 *                                   thread
 *   colonies_call_free(call)        releases it; a call still running is
 *                                   cancelled first. Accepts NULL.
 * A call handle may be waited for from any thread; its result is read once.
 */
typedef struct colonies_call colonies_call;

COLONIES_API colonies_status colonies_client_call_start(colonies_client *client, colonies_call **out,
                                                        const char *operation, const char *params_json,
                                                        const char *prvkey, int64_t timeout_ms);
/*
 * colonies_client_call_start(), for a caller that will wait for the call:
 * nothing is sent yet. The first colonies_call_wait() sends the request and
 * runs it on the waiting thread, and each later wait runs it on for up to its
 * timeout, so that no other thread is involved (colonies_client_call() works
 * this way). A call prepared and then polled through colonies_call_fd()
 * before any wait is sent and run by the client's own thread instead; once a
 * wait has sent it, it goes on only while waited for. cancel and free work
 * as for any call; a prepared call that was never waited for is freed
 * without being sent.
 */
COLONIES_API colonies_status colonies_client_call_prepare(colonies_client *client, colonies_call **out,
                                                          const char *operation, const char *params_json,
                                                          const char *prvkey, int64_t timeout_ms);
/* colonies_client_send() and colonies_client_health(), started. */
COLONIES_API colonies_status colonies_client_send_start(colonies_client *client, colonies_call **out,
                                                        const char *msgtype, const char *payload_json,
                                                        const char *prvkey, int64_t timeout_ms);
COLONIES_API colonies_status colonies_client_health_start(colonies_client *client, colonies_call **out,
                                                          int64_t timeout_ms);
COLONIES_API int colonies_call_wait(colonies_call *call, int64_t timeout_ms);
COLONIES_API int colonies_call_fd(colonies_call *call);
COLONIES_API void colonies_call_cancel(colonies_call *call);
COLONIES_API colonies_status colonies_call_result(colonies_call *call, char **out_json);
COLONIES_API void colonies_call_free(colonies_call *call);

/* Cancels every call and subscription in flight on the client; any thread. */
COLONIES_API void colonies_client_cancel_all(colonies_client *client);

/*
 * Waiting for a process. Ends when the process reaches state (a
 * COLONIES_PROCESS_* state), or, for COLONIES_WAIT_FINISHED, when it ends
 * whichever way (successful, failed or cancelled), with the process as its
 * reply; COLONIES_EEXPIRED when timeout_ms (up to a day) passes first. processid is
 * the process's id, or the process itself as JSON. It follows the process
 * over the server's websocket and reads it as well, so that a change the
 * subscription misses is still seen.
 */
#define COLONIES_WAIT_FINISHED (-2)

COLONIES_API colonies_status colonies_client_wait_process_start(colonies_client *client, colonies_call **out,
                                                                const char *processid, int state, int64_t timeout_ms,
                                                                const char *prvkey);
/* colonies_client_wait_process_start() waited for; cancel (may be NULL) stops it. */
COLONIES_API colonies_status colonies_client_wait_process(colonies_client *client, char **out_json,
                                                          const char *processid, int state, int64_t timeout_ms,
                                                          const char *prvkey, colonies_cancel *cancel);

/*
 * Subscriptions: the registry's websocket operations (subscribe_process,
 * subscribe_processes, subscribe_channel), whose parameters are checked as
 * colonies_client_call()'s are. Each event the server pushes is queued:
 *   colonies_subscription_next(sub, &out, ms)  the next event (a process, or
 *       a list of channel entries), waiting up to ms (-1 without limit, 0
 *       just looks): COLONIES_OK with the event; COLONIES_EEXPIRED when none
 *       came in time (the subscription goes on); COLONIES_EDONE once it has
 *       ended and every event was read (the server closes it at its timeout);
 *       COLONIES_ERESUBSCRIBED once after its connection was lost and it
 *       subscribed again by itself (the client option resubscribe; events
 *       meanwhile may be missed, so read again what it follows; the next
 *       call goes on with the events); or the status that ended it (an
 *       error frame, a connection that could not be made again before the
 *       timeout, COLONIES_ECANCELLED)
 *   colonies_subscription_fd(sub)     readable while an event or the end waits
 *   colonies_subscription_cancel(sub) ends it from any thread
 *   colonies_subscription_free(sub)   releases it (cancelling it). Accepts NULL.
 */
typedef struct colonies_subscription colonies_subscription;

COLONIES_API colonies_status colonies_client_subscribe(colonies_client *client, colonies_subscription **out,
                                                       const char *operation, const char *params_json,
                                                       const char *prvkey);
COLONIES_API colonies_status colonies_subscription_next(colonies_subscription *sub, char **out_json,
                                                        int64_t timeout_ms);
COLONIES_API int colonies_subscription_fd(colonies_subscription *sub);
COLONIES_API void colonies_subscription_cancel(colonies_subscription *sub);
COLONIES_API void colonies_subscription_free(colonies_subscription *sub);

/* GET /health: COLONIES_OK when the server answers that it is healthy. */
COLONIES_API colonies_status colonies_client_health(colonies_client *client, int64_t timeout_ms,
                                                    colonies_cancel *cancel);

/*
 * The signed envelope colonies_client_call() would send for operation and
 * params_json, without sending it: {"payloadtype", "payload", "signature"},
 * the payload being base64 of the message JSON. For tools and tests.
 */
COLONIES_API colonies_status colonies_request_encode(char **out_json, const char *operation,
                                                     const char *params_json, const char *prvkey);

#ifdef __cplusplus
}
#endif
#endif
