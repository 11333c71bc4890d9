/*
 * Private: the loop. Each client has one thread that drives all its work on
 * one curl multi handle: HTTP requests, websocket connections and timers.
 * Callers start jobs and wait for them (or poll a file descriptor, or are
 * told through a cancel); no caller thread ever blocks inside curl.
 *
 * Everything in a job, a transfer or a websocket connection is touched only
 * on the loop thread, except what is marked otherwise.
 */
#ifndef COLONIES_LOOP_H
#define COLONIES_LOOP_H

#include <stdatomic.h>
#include <stddef.h>

#include <curl/curl.h>
#include <pthread.h>

#include "internal.h"

typedef struct cl_loop cl_loop;

typedef struct {
    int tls;
    int verify_tls;
    const char *ca_bundle; /* NULL: the system's */
    long connect_timeout_ms;
    long request_timeout_ms; /* a websocket's opening handshake too */
    long max_idle_s;       /* a kept-alive connection idle longer is not reused */
    long max_connections;  /* to the server at once; more requests wait their turn */
    int retries;           /* times a request is sent again when that is safe (http.c) */
    long retry_backoff_ms, retry_backoff_max_ms;
    int trace;             /* a line on stderr for each request that ends (http.c) */
    int trace_payloads;    /* with it, the message and the reply's payload, secrets redacted */
    int resubscribe;       /* a subscription that loses its connection subscribes again (subscribe.c) */
} cl_loop_options;


int cl_loop_new(cl_loop **out, const char *host, int port, const cl_loop_options *opts);
/* Stops the loop: jobs still running are cancelled and ended first. */
void cl_loop_free(cl_loop *loop);
/* In a child after fork(): closes this process's copies of the loop's
 * sockets and touches nothing else (its thread, locks and connections are
 * the parent's). The loop is then never used or freed in the child. */
void cl_loop_abandon_in_child(cl_loop *loop);

/* A signal one thread raises and others wait for, or poll as a file descriptor. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int raised;
    int fd; /* an eventfd, made on demand; -1 until then */
} cl_signal;

int cl_signal_init(cl_signal *s);
void cl_signal_destroy(cl_signal *s);
/* Takes and lets go of the signal's lock: what follows is ordered after
 * whatever a thread did before it last raised, waited on or cleared it. */
void cl_signal_sync(cl_signal *s);
/* Destroys a mutex other threads may have used: takes it once more first, so
 * that its destruction is ordered after every earlier use, by any thread. */
void cl_mutex_retire(pthread_mutex_t *m);
void cl_signal_raise(cl_signal *s);
/* Clears the signal (and drains its fd), for signals raised more than once. */
void cl_signal_clear(cl_signal *s);
/* 1 once raised, waiting up to timeout_ms (-1: no limit); else 0. */
int cl_signal_wait(cl_signal *s, long long timeout_ms);
/* A descriptor readable while the signal is raised; -1 when none can be made. */
int cl_signal_fd(cl_signal *s);

/* A job: work the loop does for a caller. Embedded first in the caller's object. */
typedef struct cl_job cl_job;
struct cl_job {
    cl_loop *loop;
    void (*start)(cl_job *job);  /* on the loop thread, once */
    void (*cancel)(cl_job *job); /* on the loop thread, once, if cancelled before it ended */
    void (*destroy)(cl_job *job); /* when the last reference goes, on any thread */
    /* Set by jobs that do not run on the loop (tasks): called at once, on the
     * cancelling thread, instead of queueing the cancel for the loop. */
    void (*request_cancel)(cl_job *job);
    atomic_int refs;
    atomic_int cancelled;        /* any thread */
    int active;                  /* started and not yet ended */
    int cancel_done;
    cl_job *next_queued;         /* the loop's incoming queue (under its lock) */
    cl_job *next_cancel;         /* the loop's cancel queue (under its lock): a job may be in both */
    cl_job *next_watched;        /* a cancel token's watched jobs (under its lock) */
    cl_job *prev, *next;         /* the loop's active jobs */
};

void cl_job_init(cl_job *job, cl_loop *loop);
void cl_job_ref(cl_job *job);
void cl_job_unref(cl_job *job);
/* Hands a job to the loop, which holds a reference until the job ends. */
int cl_loop_submit(cl_loop *loop, cl_job *job);
/* Asks for a job to be cancelled; any thread. */
void cl_job_request_cancel(cl_job *job);
/* The loop's part of it: the job is cancelled on the loop thread. */
void cl_loop_queue_cancel(cl_job *job);
/* Sleeps up to ms; 1 when cancel fired first (or had fired), else 0. NULL: just sleeps. */
int cl_cancel_sleep(colonies_cancel *cancel, long ms);
/* Cancels every job of the loop; any thread. */
void cl_loop_cancel_all(cl_loop *loop);
/* The loop thread: the job has ended; drops the loop's reference. */
void cl_job_end(cl_job *job);

/* A blocking call's job follows a cancel token while it waits. */
void cl_cancel_watch(colonies_cancel *cancel, cl_job *job);
void cl_cancel_unwatch(colonies_cancel *cancel, cl_job *job);

/* A timer on the loop thread. */
typedef struct cl_timer cl_timer;
struct cl_timer {
    long long due_ms;
    void (*fire)(cl_timer *t);
    void *arg;
    int armed;
    cl_timer *next;
};
long long cl_now_ms(void);
void cl_timer_set(cl_loop *loop, cl_timer *t, long long delay_ms);
void cl_timer_stop(cl_loop *loop, cl_timer *t);

/*
 * Connections: a curl multi handle, the easy handles it reuses and the
 * sockets curl opened in it (tracked so that a reused connection can be
 * checked). The loop has one, for everything it runs. A lane is another:
 * one request at a time, run by the thread of the caller who waits for it,
 * so that a blocking call wakes no other thread. The loop keeps idle lanes,
 * with their connections open, for the next caller; a lane in use holds one
 * of the loop's connection slots (max_connections).
 */
typedef struct cl_conns cl_conns;
cl_conns *cl_loop_conns(cl_loop *loop);
cl_loop *cl_conns_loop(cl_conns *c);
CURLM *cl_conns_multi(cl_conns *c);
int cl_conns_is_lane(const cl_conns *c);
CURL *cl_conns_take_easy(cl_conns *c);
void cl_conns_give_easy(cl_conns *c, CURL *easy);
/* What every transfer sets: url, its owner (CURLOPT_PRIVATE), no signals,
 * keepalive, the connect timeout, HTTP(S) only, the client's TLS settings,
 * and the socket tracking of c. */
void cl_conns_setup_easy(cl_conns *c, CURL *e, const char *url, void *owner);
/* 1 when c's socket at local port has been closed by the other end. */
int cl_conns_peer_closed(cl_conns *c, int local_port);
/* cl_conns_setup_easy with the loop's own (websockets). */
void cl_loop_setup_easy(cl_loop *loop, CURL *e, const char *url, void *owner);

/* An idle lane holding a connection slot for job, or NULL when no slot is
 * free (or requests wait for one) or none can be made: use the loop. Any thread. */
cl_conns *cl_loop_take_lane(cl_loop *loop, cl_job *job);
/* Gives back a lane whose request has ended, and its slot. Any thread. */
void cl_loop_give_lane(cl_loop *loop, cl_conns *lane);
/* Wakes the thread running a request on lane (to see a cancel). Any thread. */
void cl_lane_wake(cl_conns *lane);

/* An HTTP request the loop, or a lane, runs for a job. */
/* What an easy handle's private pointer points at (the first member of each). */
enum cl_transfer_kind { CL_TRANSFER_HTTP = 1, CL_TRANSFER_WS = 2 };

typedef struct cl_http cl_http;
struct cl_http {
    int kind; /* CL_TRANSFER_HTTP, set by cl_http_start */
    cl_job *job;
    void (*done)(cl_http *h); /* on the loop thread when it has ended */
    /* The request, set before cl_http_start. */
    const char *path;        /* "/api", "/health" */
    char *body;              /* NULL: GET; owned by the caller of cl_http_start */
    size_t body_len;
    long timeout_ms;
    int idempotent;
    const char *what;        /* names the request in errors */
    /* The outcome: status 0 means the reply arrived (http_status, reply). */
    int status;
    char detail[1024];
    long http_status;
    cl_buf reply;
    /* The transfer. */
    cl_conns *conns;         /* where it runs */
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    int attempts, resend_refused, stale, retried;
    int retries;             /* sent again after a failure (backoff retries) */
    long long deadline_ms;   /* cl_now_ms() at which the request, retries included, times out */
    long long started_ms;    /* when it was first sent, for the trace */
    long long retry_at;      /* a lane's request waiting to be sent again: when */
    cl_timer retry_timer;    /* the loop's: sends it again */
    int running;
    int queued, admitted;    /* waiting for a connection slot; holding one */
    cl_http *next_queued;
};

/* Starts h on the loop (the loop thread), once a connection slot is free. */
void cl_http_start(cl_loop *loop, cl_http *h);
/*
 * A request on a lane, run by the calling thread: started, then run for up
 * to timeout_ms at a time (-1: until it ends); run gives 1 once it has ended
 * (done has been called), else 0, and the next run goes on with it. A raised
 * *cancelled ends it as cancel would (cl_lane_wake makes a waiting run look).
 */
void cl_http_start_on_lane(cl_conns *lane, cl_http *h);
int cl_http_run_on_lane(cl_http *h, long long timeout_ms, atomic_int *cancelled);
/* Ends a running request as cancelled (or in doubt, if it may have acted). */
void cl_http_abort(cl_http *h);
void cl_http_release(cl_http *h); /* frees the reply buffer */

/* A websocket connection the loop runs for a job (ws.c). */
typedef struct cl_ws cl_ws;
struct cl_ws {
    int kind; /* CL_TRANSFER_WS, set by cl_ws_open */
    cl_job *job;
    void (*on_open)(cl_ws *w);
    void (*on_message)(cl_ws *w, const char *text, size_t len);
    /* status 0: the other end closed it (the server does at a subscription's timeout) */
    void (*on_close)(cl_ws *w, int status, const char *detail);
    /* private to ws.c and the loop */
    CURL *easy;
    curl_socket_t sock;
    int state;
    cl_buf out, in;
    size_t out_sent;
    char key[32];
    void *ctx;
    char errbuf[CURL_ERROR_SIZE]; /* curl's detail of a failure (CURLOPT_ERRORBUFFER) */
    cl_timer handshake;  /* bounds the connection and the opening handshake */
    int in_service;      /* inside its own callbacks */
    int close_requested; /* closed by its owner from a callback: closed once they return */
    cl_ws *prev, *next;
};

void cl_ws_open(cl_loop *loop, cl_ws *w);
/* Queues a text message; on the loop thread, once open. */
int cl_ws_send_text(cl_ws *w, const char *text);
void cl_ws_close(cl_loop *loop, cl_ws *w);
/* Ends it with status and detail, telling its owner (on_close). */
void cl_ws_fail(cl_loop *loop, cl_ws *w, int status, const char *detail);

/* HTTP admission (loop.c, for http.c), on the loop thread: 1 when h may go
 * now (it holds a slot), else 0 and h waits in the queue. A request that ends
 * calls done: the next request in the queue, which takes over its slot, or
 * NULL. */
int cl_loop_http_admit(cl_loop *loop, cl_http *h);
cl_http *cl_loop_http_done(cl_loop *loop);
void cl_loop_http_unqueue(cl_loop *loop, cl_http *h);
/* http.c, for the loop: a queued request has been given a slot. */
void cl_http_admitted(cl_http *h);

/* The loop's parts for http.c and ws.c. */
CURLM *cl_loop_multi(cl_loop *loop);
const cl_loop_options *cl_loop_opts(cl_loop *loop);
const char *cl_loop_base_url(cl_loop *loop);
/* A TLS transfer's checks: verify the peer (and host name) or not; ca_bundle (NULL: curl's default) instead of the system's CAs. */
void cl_curl_tls(CURL *e, int verify, const char *ca_bundle);
void cl_loop_watch_ws(cl_loop *loop, cl_ws *w);
void cl_loop_unwatch_ws(cl_loop *loop, cl_ws *w);

/*
 * Checks the server's answer to the opening handshake, head (head_len bytes,
 * up to and with the blank line that ends the headers; changed in place):
 * 101, and the accept value of key. On failure, detail says why.
 */
int cl_ws_check_handshake(const char *key, char *head, size_t head_len, char *detail, size_t cap);

/* ws.c, for the loop: services a connection whose socket is ready. */
void cl_ws_service(cl_loop *loop, cl_ws *w, short revents);
void cl_ws_connected(cl_loop *loop, cl_ws *w, CURLcode rc);
short cl_ws_events(const cl_ws *w);
/* http.c, for the loop and lanes: a transfer ended. */
void cl_http_finished(cl_http *h, CURLcode rc);

/* For the fault tests only (http.c). */
extern int cl_transport_unguarded;
extern int cl_transport_skip_liveness;

#endif
